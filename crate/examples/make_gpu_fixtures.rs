//! Writes the classic-GPU fixtures of tests/python/test_gpu_classic.py into the directory given
//! as the first argument, with `manifest.json`: per model its tensors (name, stored shape) and per
//! node its type, the line the classic GPU delegate logs when it refuses it and, for an accepted
//! node, its Parse failure (quant on, quant off, GL-only).
//!
//!     cargo run -q --example make_gpu_fixtures -- DIR
//!
//! The models are the node-level fixtures of crate/tests/gpu_classic.rs (issue 12): the real
//! interpreter shows that they are models TFLite loads and runs, that its node order is ours, and
//! that the tensor shapes it holds after Prepare are the stored ones our rules read.

use delegate_doctor::builder::{const_bytes, const_f32, const_i32, tensor, ModelBuilder};
use delegate_doctor::delegates::gpu::classic::{self, ClassicOptions};
use delegate_doctor::delegates::gpu::{fp16_dequant_remap, GpuContext};
use delegate_doctor::model::{self, BuiltinOperator as Op, TensorType as T};
use delegate_doctor::opts;
use serde_json::{json, Value};

const F32: T = T::FLOAT32;

/// x[1,8,8,3] + y[8,8,3] (kStandard accepts) and x[2,8,8,3] + y[8,8,3] (it refuses).
fn add_broadcast(batch: i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[batch, 8, 8, 3]));
    let y = b.input(tensor("y", F32, &[8, 8, 3]));
    let z = b.add(tensor("z", F32, &[batch, 8, 8, 3]));
    b.op(Op::ADD, &[x, y], &[z]).options(opts!(AddOptions {}));
    b.output(z);
    b.finish()
}

/// ADD of two rank-5 tensors.
fn add_rank5() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 2, 2, 2, 3]));
    let y = b.input(tensor("y", F32, &[1, 2, 2, 2, 3]));
    let z = b.add(tensor("z", F32, &[1, 2, 2, 2, 3]));
    b.op(Op::ADD, &[x, y], &[z]).options(opts!(AddOptions {}));
    b.output(z);
    b.finish()
}

/// x, y → LESS → CAST(float) → ABS, and LESS → SELECT_V2(x, y).
fn comparison_chains() -> Vec<u8> {
    let s = &[1, 2, 2, 3];
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, s));
    let y = b.input(tensor("y", F32, s));
    let m1 = b.add(tensor("m1", T::BOOL, s));
    let c = b.add(tensor("c", F32, s));
    let a = b.add(tensor("a", F32, s));
    b.op(Op::LESS, &[x, y], &[m1]);
    b.op(Op::CAST, &[m1], &[c]);
    b.op(Op::ABS, &[c], &[a]);
    let m2 = b.add(tensor("m2", T::BOOL, s));
    let sel = b.add(tensor("sel", F32, s));
    b.op(Op::GREATER, &[x, y], &[m2]);
    b.op(Op::SELECT_V2, &[m2, x, y], &[sel]);
    b.output(a).output(sel);
    b.finish()
}

/// DIV(x, x), MUL(x, x), ADD(x, x).
fn identical_inputs() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 4, 4, 3]));
    for (code, name) in [(Op::DIV, "d"), (Op::MUL, "m"), (Op::ADD, "a")] {
        let o = b.add(tensor(name, F32, &[1, 4, 4, 3]));
        b.op(code, &[x, x], &[o]);
        b.output(o);
    }
    b.finish()
}

/// SPLIT of the channels in two (refused on GL-only devices).
fn split() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let axis = b.add(const_i32("axis", &[], &[3]));
    let x = b.input(tensor("x", F32, &[1, 4, 4, 6]));
    let y0 = b.add(tensor("y0", F32, &[1, 4, 4, 3]));
    let y1 = b.add(tensor("y1", F32, &[1, 4, 4, 3]));
    b.op(Op::SPLIT, &[axis, x], &[y0, y1]).options(opts!(SplitOptions { num_splits: 2 }));
    b.output(y0).output(y1);
    b.finish()
}

/// CONV_2D whose weights and bias are fp16 constants behind DEQUANTIZE.
fn fp16_conv() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 8, 8, 3]));
    let w16 = b.add(const_bytes("w16", T::FLOAT16, &[4, 1, 1, 3], &[0x00, 0x3c].repeat(12)));
    let b16 = b.add(const_bytes("b16", T::FLOAT16, &[4], &[0; 8]));
    let w = b.add(tensor("w", F32, &[4, 1, 1, 3]));
    let bias = b.add(tensor("b", F32, &[4]));
    let y = b.add(tensor("y", F32, &[1, 8, 8, 4]));
    b.op(Op::DEQUANTIZE, &[w16], &[w]).version(2);
    b.op(Op::DEQUANTIZE, &[b16], &[bias]).version(2);
    b.op(Op::CONV_2D, &[x, w, bias], &[y]).options(opts!(Conv2DOptions { stride_w: 1, stride_h: 1 }));
    b.output(y);
    b.finish()
}

/// A uint8 CONV_2D (accepted with quant on, refused with it off).
fn uint8_conv() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::UINT8, &[1, 8, 8, 3]).quant(0.5, 128));
    let w = b.add(const_bytes("w", T::UINT8, &[4, 1, 1, 3], &[129; 12]).quant(0.1, 128));
    // The bias scale is input scale × weight scale, as the kernel requires (kernel_util.cc:322).
    let bias = b.add(const_i32("b", &[4], &[0; 4]).quant(0.05, 0));
    let y = b.add(tensor("y", T::UINT8, &[1, 8, 8, 4]).quant(0.5, 128));
    b.op(Op::CONV_2D, &[x, w, bias], &[y]).options(opts!(Conv2DOptions { stride_w: 1, stride_h: 1 }));
    b.output(y);
    b.finish()
}

/// UNPACK of a vector into scalars (accepted, fails at Parse time).
fn unpack_to_scalars() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[2]));
    let y0 = b.add(tensor("y0", F32, &[]));
    let y1 = b.add(tensor("y1", F32, &[]));
    b.op(Op::UNPACK, &[x], &[y0, y1]).options(opts!(UnpackOptions { num: 2, axis: 0 }));
    b.output(y0).output(y1);
    b.finish()
}

/// SOFTMAX of a constant (accepted, fails at Parse time).
fn softmax_of_constant() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 4]));
    let c = b.add(const_f32("c", &[1, 4], &[1.0, 2.0, 3.0, 4.0]));
    let s = b.add(tensor("s", F32, &[1, 4]));
    let y = b.add(tensor("y", F32, &[1, 4]));
    b.op(Op::SOFTMAX, &[c], &[s]).options(opts!(SoftmaxOptions { beta: 1.0 }));
    b.op(Op::ADD, &[x, s], &[y]).options(opts!(AddOptions {}));
    b.output(y);
    b.finish()
}

/// Per node: type, refusal line (the partition helper's view, fp16 rewiring included) and Parse
/// failure, for quant on (the default) and off.
fn describe(bytes: &[u8]) -> Value {
    let m = model::read(bytes).expect("valid fixture");
    let sg = &m.subgraphs[0];
    let ctx = GpuContext { model: &m, subgraph: sg, index: 0 };
    let remap = fp16_dequant_remap(sg);
    let nodes: Vec<Value> = (0..sg.operators.len())
        .map(|i| {
            let verdict = |o: ClassicOptions| {
                let refusal = classic::partition_helper_refusal(&ctx, i, &o, &remap);
                // Parse runs only for accepted nodes.
                let parse_failure =
                    if refusal.is_none() { classic::parse_failure(&ctx, i, &o, Some(&remap)) } else { None };
                json!({ "refusal": refusal, "parse_failure": parse_failure })
            };
            json!({
                "op": sg.operators[i].type_name(),
                "quant_on": verdict(ClassicOptions::default()),
                "quant_off": verdict(ClassicOptions { allow_quant_ops: false, opencl: true }),
                "gl": verdict(ClassicOptions { allow_quant_ops: true, opencl: false }),
            })
        })
        .collect();
    let tensors: Vec<Value> = sg.tensors.iter().map(|t| json!({ "name": t.name, "shape": t.shape })).collect();
    json!({ "nodes": nodes, "tensors": tensors })
}

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    std::fs::create_dir_all(&dir)?;
    let files = [
        ("add_broadcast_batch1", add_broadcast(1)),
        ("add_broadcast_batch2", add_broadcast(2)),
        ("add_rank5", add_rank5()),
        ("comparison_chains", comparison_chains()),
        ("identical_inputs", identical_inputs()),
        ("split", split()),
        ("fp16_conv", fp16_conv()),
        ("uint8_conv", uint8_conv()),
        ("unpack_to_scalars", unpack_to_scalars()),
        ("softmax_of_constant", softmax_of_constant()),
    ];
    let mut manifest = serde_json::Map::new();
    for (name, bytes) in files {
        std::fs::write(dir.join(format!("{name}.tflite")), &bytes)?;
        manifest.insert(name.to_string(), describe(&bytes));
    }
    let text = serde_json::to_string_pretty(&Value::Object(manifest)).expect("json");
    std::fs::write(dir.join("manifest.json"), text)
}
