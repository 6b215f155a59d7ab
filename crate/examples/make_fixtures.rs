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

/// A big model (weights after the flatbuffer, `megabytes` of float weights): x → FULLY_CONNECTED × n
/// → ARG_MAX with an int64 output. Not committed: written on demand for the large-file test.
fn big_model(megabytes: usize) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let mut x = b.input(tensor("x", TensorType::FLOAT32, &[1, 1024]));
    for i in 0..(megabytes / 4).max(1) {
        let w = b.add(delegate_doctor::builder::const_f32(&format!("w{i}"), &[1024, 1024], &vec![0.001; 1024 * 1024]));
        let y = b.add(tensor(&format!("fc{i}"), TensorType::FLOAT32, &[1, 1024]));
        b.op(BuiltinOperator::FULLY_CONNECTED, &[x, w, -1], &[y]);
        x = y;
    }
    let axis = b.add(const_i32("axis", &[1], &[1]));
    let out = b.add(tensor("argmax", TensorType::INT64, &[1]));
    b.op(BuiltinOperator::ARG_MAX, &[x, axis], &[out]).options(opts!(ArgMaxOptions { output_type: TensorType::INT64 }));
    b.output(out);
    b.finish_with_offset_buffers()
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, path, mb] = args.as_slice() {
        if flag == "--big" {
            let bytes = big_model(mb.parse().unwrap_or(300));
            std::fs::write(path, &bytes)?;
            println!("wrote {path} ({} bytes)", bytes.len());
            return Ok(());
        }
    }
    let dir = std::path::Path::new("e2e/fixtures");
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("html-names.tflite"), html_names())?;
    println!("wrote {}", dir.join("html-names.tflite").display());
    Ok(())
}
