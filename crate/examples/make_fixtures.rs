//! Writes the small models the browser tests use to e2e/fixtures/ (run from the repository root:
//! `cargo run --example make_fixtures`).

use delegate_doctor::builder::{const_i32, tensor, ModelBuilder};
use delegate_doctor::model::{BuiltinOperator, TensorType};
use delegate_doctor::opts;

/// Tensor, op and metadata names full of markup: the page must show them as text.
fn html_names() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    b.description("<b>bold</b><script>alert('description')</script>");
    let x = b.input(tensor("<script>alert(1)</script>", TensorType::FLOAT32, &[1, 8, 8, 3]));
    let size = b.add(const_i32("<img src=x onerror=alert(2)>", &[2], &[16, 16]));
    let y = b.add(tensor("\"><svg onload=alert(3)>", TensorType::FLOAT32, &[1, 16, 16, 3]));
    b.op(BuiltinOperator::RESIZE_BILINEAR, &[x, size], &[y])
        .options(opts!(ResizeBilinearOptions { align_corners: true }));
    b.output(y);
    b.finish()
}

/// An image model the in-page engine cannot run (SOFTMAX and MUL), with a markup name.
fn unsupported_ops() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("image", TensorType::FLOAT32, &[1, 8, 8, 3]));
    let p = b.add(tensor("<b>probabilities</b>", TensorType::FLOAT32, &[1, 8, 8, 3]));
    b.op(BuiltinOperator::SOFTMAX, &[x], &[p]).options(opts!(SoftmaxOptions { beta: 1.0 }));
    let y = b.add(tensor("scaled", TensorType::FLOAT32, &[1, 8, 8, 3]));
    b.op(BuiltinOperator::MUL, &[p, x], &[y]).options(opts!(MulOptions {}));
    b.output(y);
    b.finish()
}

/// Three RELUs split by custom ops: three NNAPI partitions of one node each, so a partition limit
/// of 1 or 2 falls between partitions of equal size (a tie the delegate's std::sort breaks).
fn tied_partitions() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let mut x = b.input(tensor("x", TensorType::FLOAT32, &[1, 4]));
    for k in 0..3 {
        let y = b.add(tensor(&format!("relu_{k}"), TensorType::FLOAT32, &[1, 4]));
        b.op(BuiltinOperator::RELU, &[x], &[y]);
        x = y;
        if k < 2 {
            let z = b.add(tensor(&format!("smooth_{k}"), TensorType::FLOAT32, &[1, 4]));
            b.custom_op("Smooth", &[x], &[z]);
            x = z;
        }
    }
    b.output(x);
    b.finish()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, path, mb] = args.as_slice() {
        if flag == "--big" {
            let bytes = delegate_doctor::builder::large_fc_model(mb.parse().unwrap_or(300));
            std::fs::write(path, &bytes)?;
            println!("wrote {path} ({} bytes)", bytes.len());
            return Ok(());
        }
    }
    let dir = std::path::Path::new("e2e/fixtures");
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("html-names.tflite"), html_names())?;
    std::fs::write(dir.join("unsupported-ops.tflite"), unsupported_ops())?;
    std::fs::write(dir.join("tied-partitions.tflite"), tied_partitions())?;
    println!("wrote {}", dir.join("html-names.tflite").display());
    println!("wrote {}", dir.join("unsupported-ops.tflite").display());
    Ok(())
}
