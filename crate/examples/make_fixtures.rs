//! Writes the small models the browser tests use to e2e/fixtures/ (run from the repository root:
//! `cargo run --example make_fixtures`).

use delegate_doctor::builder::{const_f32, const_i32, tensor, ModelBuilder, TensorSpec};
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

/// The op count of `graph-700.tflite`.
const BRANCHING_OPS: usize = 700;

fn feature(name: &str, channels: i32) -> TensorSpec {
    tensor(name, TensorType::FLOAT32, &[1, 8, 8, channels])
}

/// A 1×1 CONV_2D from `channels_in` to 4 channels with its own constant weights and bias.
fn conv(b: &mut ModelBuilder, x: i32, channels_in: i32, name: &str) -> i32 {
    let w = b.add(const_f32(&format!("{name}/weights"), &[4, 1, 1, channels_in], &vec![0.05; 4 * channels_in as usize]));
    let bias = b.add(const_f32(&format!("{name}/bias"), &[4], &[0.0; 4]));
    let y = b.add(feature(name, 4));
    b.op(BuiltinOperator::CONV_2D, &[x, w, bias], &[y]).options(opts!(Conv2DOptions {
        stride_w: 1,
        stride_h: 1,
        dilation_w_factor: 1,
        dilation_h_factor: 1
    }));
    y
}

fn unary(b: &mut ModelBuilder, code: BuiltinOperator, x: i32, name: &str) -> i32 {
    let y = b.add(feature(name, 4));
    b.op(code, &[x], &[y]);
    y
}

/// One inception-like block (8 ops): a conv, three branches (conv → RELU, conv → LOGISTIC or the
/// custom op `Smooth` that no delegate takes, ADD with the block input), CONCATENATION, conv back
/// to 4 channels.
fn branching_block(b: &mut ModelBuilder, x: i32, k: usize) -> i32 {
    let p = format!("block_{k}");
    let a = conv(b, x, 4, &format!("{p}/stem"));
    let c1 = conv(b, a, 4, &format!("{p}/branch_1/conv"));
    let r1 = unary(b, BuiltinOperator::RELU, c1, &format!("{p}/branch_1/relu"));
    let c2 = conv(b, a, 4, &format!("{p}/branch_2/conv"));
    let r2 = if k % 6 == 5 {
        let y = b.add(feature(&format!("{p}/branch_2/smooth"), 4));
        b.custom_op("Smooth", &[c2], &[y]);
        y
    } else {
        unary(b, BuiltinOperator::LOGISTIC, c2, &format!("{p}/branch_2/logistic"))
    };
    let r3 = b.add(feature(&format!("{p}/branch_3/residual"), 4));
    b.op(BuiltinOperator::ADD, &[a, x], &[r3]).options(opts!(AddOptions {}));
    let cat = b.add(feature(&format!("{p}/concat"), 12));
    b.op(BuiltinOperator::CONCATENATION, &[r1, r2, r3], &[cat]).options(opts!(ConcatenationOptions { axis: 3 }));
    conv(b, cat, 12, &format!("{p}/project"))
}

/// A 700-op branching float model for the graph view's tests and benchmark: inception-like blocks,
/// a head (conv → LOGISTIC, a model output) after every tenth block, and a RELU tail to make the
/// count exact. Every sixth block has a custom op, so the delegates split the model.
fn branching_700() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let mut x = b.input(feature("image", 4));
    let mut ops = 0;
    let mut k = 0;
    while ops + 8 + 2 <= BRANCHING_OPS - 2 {
        x = branching_block(&mut b, x, k);
        ops += 8;
        k += 1;
        if k % 10 == 0 {
            let h = conv(&mut b, x, 4, &format!("head_{}/conv", k / 10));
            let y = unary(&mut b, BuiltinOperator::LOGISTIC, h, &format!("head_{}/scores", k / 10));
            b.output(y);
            ops += 2;
        }
    }
    for i in 0..BRANCHING_OPS - ops {
        x = unary(&mut b, BuiltinOperator::RELU, x, &format!("tail/relu_{i}"));
    }
    b.output(x);
    b.finish()
}

/// ADD → IF(flag, then: MUL → RELU, else: LOGISTIC) → ADD: a model with control-flow subgraphs for
/// the graph view's subgraph selector; the then branch's tensor names are markup.
fn control_flow() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let flag = b.input(tensor("flag", TensorType::BOOL, &[1]));
    let x = b.input(feature("x", 4));
    let a = b.add(feature("a", 4));
    let picked = b.add(feature("picked", 4));
    let y = b.add(feature("y", 4));
    b.op(BuiltinOperator::ADD, &[x, x], &[a]).options(opts!(AddOptions {}));
    b.op(BuiltinOperator::IF, &[flag, a], &[picked])
        .options(opts!(IfOptions { then_subgraph_index: 1, else_subgraph_index: 2 }));
    b.op(BuiltinOperator::ADD, &[picked, picked], &[y]).options(opts!(AddOptions {}));
    b.output(y);
    b.subgraph("then_branch");
    let ti = b.input(feature("then_in", 4));
    let m = b.add(feature("<i>then_mul</i>", 4));
    let to = b.add(feature("then_out", 4));
    b.op(BuiltinOperator::MUL, &[ti, ti], &[m]).options(opts!(MulOptions {}));
    b.op(BuiltinOperator::RELU, &[m], &[to]);
    b.output(to);
    b.subgraph("else_branch");
    let ei = b.input(feature("else_in", 4));
    let eo = b.add(feature("else_out", 4));
    b.op(BuiltinOperator::LOGISTIC, &[ei], &[eo]);
    b.output(eo);
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
    std::fs::write(dir.join("graph-700.tflite"), branching_700())?;
    std::fs::write(dir.join("control-flow.tflite"), control_flow())?;
    for name in ["html-names", "unsupported-ops", "tied-partitions", "graph-700", "control-flow"] {
        println!("wrote {}", dir.join(format!("{name}.tflite")).display());
    }
    Ok(())
}
