//! Writes the small models with which tests/python/test_litert_gpu_oracle.py shows what LiteRT's
//! real GPU accelerator (ML Drift, run on lavapipe) refuses and which nodes it takes, into the
//! directory given as the first argument:
//!
//!     cargo run -q --example make_gpu_probe -- DIR
//!
//! Every model is float32 with a [1, 4, 4, 4] input unless its doc says otherwise. The refusals
//! cited are in LiteRT f674579's ml_drift_delegate/tflite/model_builder.cc: ops without a parser
//! get UnsupportedOperationParser ("Operation is not supported.", line 6726), DIV(x, x) is refused
//! by ElementwiseOperationParser::IsSupported (2281-2285), and tensors of rank ≥ 5 by
//! IsAllAllowedTensors (6742-6746), which names the tensor.

use delegate_doctor::builder::{const_bytes, const_f32, const_i32, tensor, ModelBuilder};
use delegate_doctor::model::{BuiltinOperator as Op, TensorType as T};
use delegate_doctor::opts;

const SHAPE: [i32; 4] = [1, 4, 4, 4];

fn f32t(name: &str) -> delegate_doctor::builder::TensorSpec {
    tensor(name, T::FLOAT32, &SHAPE)
}

/// ADD(x, x), L2_NORMALIZATION, ADD, ADD, LRN: the two normalizations are refused, so the GPU
/// partitions are {0} and {2, 3}; the larger one, {2, 3}, is delegated.
fn l2norm_lrn() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x"));
    let names = ["add0", "l2norm", "add2", "add3", "lrn"];
    let t: Vec<i32> = names.iter().map(|n| b.add(f32t(n))).collect();
    b.op(Op::ADD, &[x, x], &[t[0]]).options(opts!(AddOptions {}));
    b.op(Op::L2_NORMALIZATION, &[t[0]], &[t[1]]).options(opts!(L2NormOptions {}));
    b.op(Op::ADD, &[t[1], t[1]], &[t[2]]).options(opts!(AddOptions {}));
    b.op(Op::ADD, &[t[2], t[2]], &[t[3]]).options(opts!(AddOptions {}));
    b.op(Op::LOCAL_RESPONSE_NORMALIZATION, &[t[3]], &[t[4]])
        .options(opts!(LocalResponseNormalizationOptions { radius: 2, bias: 1.0, alpha: 1.0, beta: 0.5 }));
    b.output(t[4]);
    b.finish()
}

/// DIV(x, x), ADD(q, q): ML Drift refuses a DIV whose two inputs are one tensor (ADD and MUL
/// may), so only node 1 goes to the GPU.
fn div_same_input() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x"));
    let q = b.add(f32t("quotient"));
    let y = b.add(f32t("sum"));
    b.op(Op::DIV, &[x, x], &[q]).options(opts!(DivOptions {}));
    b.op(Op::ADD, &[q, q], &[y]).options(opts!(AddOptions {}));
    b.output(y);
    b.finish()
}

/// ADD on a rank-5 tensor [1, 2, 2, 2, 2], RESHAPE to [1, 4, 4, 1], ADD: the first two touch a
/// rank-5 tensor, which the GPU refuses with a message naming the tensor.
fn rank5() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x5", T::FLOAT32, &[1, 2, 2, 2, 2]));
    let s = b.add(tensor("sum5", T::FLOAT32, &[1, 2, 2, 2, 2]));
    let shape = b.add(const_i32("shape", &[4], &[1, 4, 4, 1]));
    let r = b.add(tensor("flat", T::FLOAT32, &[1, 4, 4, 1]));
    let y = b.add(tensor("sum4", T::FLOAT32, &[1, 4, 4, 1]));
    b.op(Op::ADD, &[x, x], &[s]).options(opts!(AddOptions {}));
    b.op(Op::RESHAPE, &[s, shape], &[r]);
    b.op(Op::ADD, &[r, r], &[y]).options(opts!(AddOptions {}));
    b.output(y);
    b.finish()
}

/// A lone L2_NORMALIZATION: nothing is left for the GPU ("No operations will run on the GPU …").
fn only_refused() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x"));
    let y = b.add(f32t("l2norm"));
    b.op(Op::L2_NORMALIZATION, &[x], &[y]).options(opts!(L2NormOptions {}));
    b.output(y);
    b.finish()
}

/// Float16 weights [4, 1, 1, 4] (all 1.0) → DEQUANTIZE → CONV_2D 1×1 (float32 bias; the builtin
/// float kernel requires one) → ADD: every node is taken.
/// With all nodes excluded the accelerator logs the node list and then fails to compile.
fn fp16_conv() -> Vec<u8> {
    let one_f16 = 0x3C00u16.to_le_bytes();
    let bytes: Vec<u8> = (0..16).flat_map(|_| one_f16).collect();
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x"));
    let w16 = b.add(const_bytes("w_fp16", T::FLOAT16, &[4, 1, 1, 4], &bytes));
    let w = b.add(tensor("w", T::FLOAT32, &[4, 1, 1, 4]));
    let bias = b.add(const_f32("bias", &[4], &[0.0; 4]));
    let c = b.add(f32t("conv"));
    let y = b.add(f32t("sum"));
    b.op(Op::DEQUANTIZE, &[w16], &[w]);
    b.op(Op::CONV_2D, &[x, w, bias], &[c]).options(opts!(Conv2DOptions {
        stride_w: 1,
        stride_h: 1,
        dilation_w_factor: 1,
        dilation_h_factor: 1
    }));
    b.op(Op::ADD, &[c, c], &[y]).options(opts!(AddOptions {}));
    b.output(y);
    b.finish()
}

/// ADD(x, x) → WHILE(cond: REDUCE_MAX < 10, body: x + L2_NORMALIZATION(x)) → ADD: shows whether
/// the delegate also prepares the loop's subgraphs (and refuses the body's L2_NORMALIZATION).
/// The model is only compiled, never run.
fn while_loop() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x"));
    let a = b.add(f32t("a"));
    let w = b.add(f32t("w"));
    let y = b.add(f32t("y"));
    b.op(Op::ADD, &[x, x], &[a]).options(opts!(AddOptions {}));
    b.op(Op::WHILE, &[a], &[w]).options(opts!(WhileOptions { cond_subgraph_index: 1, body_subgraph_index: 2 }));
    b.op(Op::ADD, &[w, w], &[y]).options(opts!(AddOptions {}));
    b.output(y);
    b.subgraph("cond");
    let ci = b.input(f32t("ci"));
    let axes = b.add(const_i32("axes", &[4], &[0, 1, 2, 3]));
    let m = b.add(tensor("max", T::FLOAT32, &[]));
    let limit = b.add(const_f32("limit", &[], &[10.0]));
    let more = b.add(tensor("more", T::BOOL, &[]));
    b.op(Op::REDUCE_MAX, &[ci, axes], &[m]).options(opts!(ReducerOptions { keep_dims: false }));
    b.op(Op::LESS, &[m, limit], &[more]);
    b.output(more);
    b.subgraph("body");
    let bi = b.input(f32t("bi"));
    let n = b.add(f32t("normalized"));
    let bo = b.add(f32t("bo"));
    b.op(Op::L2_NORMALIZATION, &[bi], &[n]).options(opts!(L2NormOptions {}));
    b.op(Op::ADD, &[bi, n], &[bo]).options(opts!(AddOptions {}));
    b.output(bo);
    b.finish()
}

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args().nth(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: make_gpu_probe DIR");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir)?;
    let files = [
        ("gpu_l2norm_lrn.tflite", l2norm_lrn()),
        ("gpu_div_same_input.tflite", div_same_input()),
        ("gpu_rank5.tflite", rank5()),
        ("gpu_only_refused.tflite", only_refused()),
        ("gpu_fp16_conv.tflite", fp16_conv()),
        ("gpu_while_loop.tflite", while_loop()),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}
