//! Writes the models of tests/python/test_mldrift_rules.py (the node rules of LiteRT's ML Drift
//! GPU accelerator, checked against the real one) into the directory given as the first argument,
//! with `manifest.json`: for each file, whether its answer depends on
//! `CheckGpuDelegateCompatibility` refusing a node (`needs_compat`).
//!
//!     cargo run -q --example make_mldrift_fixtures -- DIR

use delegate_doctor::builder::{
    const_bytes, const_f32, const_i32, tensor, ModelBuilder, TensorSpec,
};
use delegate_doctor::model::{BuiltinOperator as Op, TensorType as T};
use delegate_doctor::opts;

const SHAPE: [i32; 4] = [1, 4, 4, 8];

fn f32_tensor(name: &str) -> TensorSpec {
    tensor(name, T::FLOAT32, &SHAPE)
}

/// ADD(x, x2) → a → `tail(a)`: every fixture starts with a supported op, so that the
/// accelerator has something to take and prints its refusal block. (Two inputs: ML Drift accepts
/// ADD(x, x) but then aborts building its graph.)
fn with_head(tail: impl FnOnce(&mut ModelBuilder, i32) -> i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x"));
    let x2 = b.input(f32_tensor("x2"));
    let a = b.add(f32_tensor("a"));
    b.op(Op::ADD, &[x, x2], &[a]).options(opts!(AddOptions {}));
    let y = tail(&mut b, a);
    b.output(y);
    b.finish()
}

/// ARG_MAX over the channels with an int32 or int64 output (the GPU filter allows only int32).
fn arg_max(out_type: T) -> Vec<u8> {
    with_head(|b, a| {
        let axis = b.add(const_i32("axis", &[1], &[3]));
        let y = b.add(tensor("ArgMax", out_type, &[1, 4, 4]));
        b.op(Op::ARG_MAX, &[a, axis], &[y])
            .options(opts!(ArgMaxOptions {
                output_type: out_type
            }));
        y
    })
}

/// `code(a, a)`: DIV refuses identical inputs, MUL and ADD take them.
fn same_inputs(code: Op) -> Vec<u8> {
    with_head(|b, a| {
        let y = b.add(f32_tensor("y"));
        let o = b.op(code, &[a, a], &[y]);
        match code {
            Op::DIV => o.options(opts!(DivOptions {})),
            Op::MUL => o.options(opts!(MulOptions {})),
            _ => o,
        };
        y
    })
}

/// ADD of two rank-5 tensors: the filter refuses rank 5 and names the tensor.
fn rank5_add() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x5", T::FLOAT32, &[1, 2, 2, 2, 2]));
    let z = b.input(tensor("z5", T::FLOAT32, &[1, 2, 2, 2, 2]));
    let a = b.add(tensor("a5", T::FLOAT32, &[1, 2, 2, 2, 2]));
    b.op(Op::ADD, &[x, z], &[a]).options(opts!(AddOptions {}));
    let y = b.add(tensor("y5", T::FLOAT32, &[1, 2, 2, 2, 2]));
    b.op(Op::TANH, &[a], &[y]);
    b.output(y);
    b.finish()
}

/// TANH of a rank-6 tensor: the parser's CheckTensorShape refuses it before the filter.
fn rank6_tanh() -> Vec<u8> {
    with_head(|b, a| {
        let shape = b.add(const_i32("shape6", &[6], &[1, 1, 4, 4, 2, 4]));
        let r = b.add(tensor("r6", T::FLOAT32, &[1, 1, 4, 4, 2, 4]));
        b.op(Op::RESHAPE, &[a, shape], &[r])
            .options(opts!(ReshapeOptions {
                new_shape: Some(vec![1, 1, 4, 4, 2, 4])
            }));
        let y = b.add(tensor("t6", T::FLOAT32, &[1, 1, 4, 4, 2, 4]));
        b.op(Op::TANH, &[r], &[y]);
        y
    })
}

/// REDUCE_MAX of a constant (LiteRT#9192): the compatibility check wants one runtime input.
fn reduce_max_const() -> Vec<u8> {
    with_head(|b, a| {
        let c = b.add(const_f32("c", &[1, 1, 1, 8], &[1.0; 8]));
        let axis = b.add(const_i32("rmax_axis", &[1], &[3]));
        let m = b.add(tensor("m", T::FLOAT32, &[1, 1, 1, 1]));
        b.op(Op::REDUCE_MAX, &[c, axis], &[m])
            .options(opts!(ReducerOptions { keep_dims: true }));
        let y = b.add(f32_tensor("y"));
        b.op(Op::MUL, &[a, m], &[y]).options(opts!(MulOptions {}));
        y
    })
}

/// The MediaPipe custom ops MaxPoolingWithArgmax2D and MaxUnpooling2D (their options are a raw
/// `TfLitePoolParams`: padding SAME, stride 2x2, filter 2x2, no activation), then an unsupported
/// builtin (L2_NORMALIZATION). (A custom op that the CPU cannot resolve fails the interpreter's
/// Prepare before any delegate sees the graph, so an unknown custom op cannot be shown here.)
fn pooling_custom_ops() -> Vec<u8> {
    let params: Vec<u8> = [1i32, 2, 2, 2, 2, 0, 0, 0, 0, 0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    with_head(|b, a| {
        let pooled = b.add(tensor("pooled", T::FLOAT32, &[1, 2, 2, 8]));
        let indices = b.add(tensor("argmax", T::FLOAT32, &[1, 2, 2, 8]));
        b.custom_op("MaxPoolingWithArgmax2D", &[a], &[pooled, indices])
            .custom_options(&params);
        let up = b.add(f32_tensor("unpooled"));
        b.custom_op("MaxUnpooling2D", &[pooled, indices], &[up])
            .custom_options(&params);
        let y = b.add(f32_tensor("y"));
        b.op(Op::L2_NORMALIZATION, &[up], &[y])
            .options(opts!(L2NormOptions {}));
        y
    })
}

/// A comparison with float or int64 inputs and its bool output, selected on (SELECT_V2).
fn comparison(input_type: T) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("cx", input_type, &SHAPE));
    let z = b.input(tensor("cz", input_type, &SHAPE));
    let g = b.add(tensor("g", T::BOOL, &SHAPE));
    b.op(Op::GREATER, &[x, z], &[g]);
    let f = b.input(f32_tensor("f"));
    let f2 = b.input(f32_tensor("f2"));
    let y = b.add(f32_tensor("y"));
    b.op(Op::SELECT_V2, &[g, f, f2], &[y]);
    b.output(y);
    b.finish()
}

/// CAST of a float tensor to int32 (taken) or int64 (refused by the filter).
fn cast(to: T) -> Vec<u8> {
    with_head(|b, a| {
        let y = b.add(tensor("casted", to, &SHAPE));
        b.op(Op::CAST, &[a], &[y]).options(opts!(CastOptions {
            in_data_type: T::FLOAT32,
            out_data_type: to
        }));
        y
    })
}

/// LOGICAL_AND of two bool inputs, then a float ADD.
fn logical_and() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let p = b.input(tensor("p", T::BOOL, &SHAPE));
    let q = b.input(tensor("q", T::BOOL, &SHAPE));
    let r = b.add(tensor("r", T::BOOL, &SHAPE));
    b.op(Op::LOGICAL_AND, &[p, q], &[r]);
    b.output(r);
    let x = b.input(f32_tensor("x"));
    let x2 = b.input(f32_tensor("x2"));
    let a = b.add(f32_tensor("a"));
    b.op(Op::ADD, &[x, x2], &[a]).options(opts!(AddOptions {}));
    b.output(a);
    b.finish()
}

/// SLICE of a constant: ML Drift slices only runtime tensors.
fn slice_of_constant() -> Vec<u8> {
    with_head(|b, a| {
        let c = b.add(const_f32("sc", &SHAPE, &[0.5; 128]));
        let begin = b.add(const_i32("begin", &[4], &[0, 0, 0, 0]));
        let size = b.add(const_i32("size", &[4], &[1, 4, 4, 8]));
        let s = b.add(f32_tensor("s"));
        b.op(Op::SLICE, &[c, begin, size], &[s]);
        let y = b.add(f32_tensor("y"));
        b.op(Op::ADD, &[a, s], &[y]).options(opts!(AddOptions {}));
        y
    })
}

/// STRIDED_SLICE with a shrink mask: the parser's own compatibility check refuses it.
fn strided_slice_shrink() -> Vec<u8> {
    with_head(|b, a| {
        let begin = b.add(const_i32("ss_begin", &[4], &[0, 0, 0, 0]));
        let end = b.add(const_i32("ss_end", &[4], &[1, 4, 4, 8]));
        let strides = b.add(const_i32("ss_strides", &[4], &[1, 1, 1, 1]));
        let y = b.add(tensor("ss", T::FLOAT32, &[4, 4, 8]));
        b.op(Op::STRIDED_SLICE, &[a, begin, end, strides], &[y])
            .options(opts!(StridedSliceOptions {
                shrink_axis_mask: 1
            }));
        y
    })
}

/// A DEQUANTIZE of fp16 weights feeding an ADD, then L2_NORMALIZATION: the DEQUANTIZE is
/// refused with an empty detail, the ADD is checked as if it read the fp16 constant.
fn fp16_dequantize() -> Vec<u8> {
    with_head(|b, a| {
        let half_one = 0x3c00u16.to_le_bytes();
        let w16: Vec<u8> = (0..128).flat_map(|_| half_one).collect();
        let w = b.add(const_bytes("w16", T::FLOAT16, &SHAPE, &w16));
        let wf = b.add(f32_tensor("w32"));
        b.op(Op::DEQUANTIZE, &[w], &[wf]).version(2);
        let s = b.add(f32_tensor("s"));
        b.op(Op::ADD, &[a, wf], &[s]).options(opts!(AddOptions {}));
        let y = b.add(f32_tensor("y"));
        b.op(Op::L2_NORMALIZATION, &[s], &[y])
            .options(opts!(L2NormOptions {}));
        y
    })
}

/// SUB of int64 inputs: SUB takes int8/16/32, not int64.
fn sub_int64() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("ix", T::INT64, &SHAPE));
    let z = b.input(tensor("iz", T::INT64, &SHAPE));
    let d = b.add(tensor("idiff", T::INT64, &SHAPE));
    b.op(Op::SUB, &[x, z], &[d]).options(opts!(SubOptions {}));
    b.output(d);
    let f = b.input(f32_tensor("x"));
    let f2 = b.input(f32_tensor("x2"));
    let a = b.add(f32_tensor("a"));
    b.op(Op::ADD, &[f, f2], &[a]).options(opts!(AddOptions {}));
    b.output(a);
    b.finish()
}

/// SOFTMAX with beta 1: taken.
fn softmax() -> Vec<u8> {
    with_head(|b, a| {
        let y = b.add(f32_tensor("sm"));
        b.op(Op::SOFTMAX, &[a], &[y])
            .options(opts!(SoftmaxOptions { beta: 1.0 }));
        y
    })
}

/// SLICE whose begin is computed (an int32 graph input): ML Drift reads begin as a constant,
/// which a tensor without data is not ("src has no data.").
fn slice_runtime_begin() -> Vec<u8> {
    with_head(|b, a| {
        let begin = b.input(tensor("begin_in", T::INT32, &[4]));
        let size = b.add(const_i32("size", &[4], &[1, 2, 2, 8]));
        let y = b.add(tensor("sliced", T::FLOAT32, &[1, 2, 2, 8]));
        b.op(Op::SLICE, &[a, begin, size], &[y]);
        y
    })
}

/// ONE_HOT of int32 indices [1,4] with depth 8; ML Drift compares a non-default axis with the
/// size of the indices' last dimension, so axis 0 is refused.
fn one_hot(axis: i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let indices = b.input(tensor("indices", T::INT32, &[1, 4]));
    let depth = b.add(const_i32("depth", &[], &[8]));
    let on = b.add(const_f32("on", &[], &[1.0]));
    let off = b.add(const_f32("off", &[], &[0.0]));
    let shape: &[i32] = if axis == -1 { &[1, 4, 8] } else { &[8, 1, 4] };
    let y = b.add(tensor("onehot", T::FLOAT32, shape));
    b.op(Op::ONE_HOT, &[indices, depth, on, off], &[y])
        .options(opts!(OneHotOptions { axis: axis }));
    b.output(y);
    let x = b.input(f32_tensor("x"));
    let x2 = b.input(f32_tensor("x2"));
    let a = b.add(f32_tensor("a"));
    b.op(Op::ADD, &[x, x2], &[a]).options(opts!(AddOptions {}));
    b.output(a);
    b.finish()
}

/// TANH of an int32 graph input: TANH is not an int op, so the filter refuses the input.
fn tanh_int32() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let i = b.input(tensor("ints", T::INT32, &SHAPE));
    let t = b.add(tensor("tanh_out", T::INT32, &SHAPE));
    b.op(Op::TANH, &[i], &[t]);
    b.output(t);
    let x = b.input(f32_tensor("x"));
    let x2 = b.input(f32_tensor("x2"));
    let a = b.add(f32_tensor("a"));
    b.op(Op::ADD, &[x, x2], &[a]).options(opts!(AddOptions {}));
    b.output(a);
    b.finish()
}

/// RELU version 3 (the parser takes up to 2) and SOFTMAX with beta 2.
fn versions_and_beta() -> Vec<u8> {
    with_head(|b, a| {
        let r = b.add(f32_tensor("relu"));
        b.op(Op::RELU, &[a], &[r]).version(3);
        let y = b.add(f32_tensor("sm"));
        b.op(Op::SOFTMAX, &[r], &[y])
            .options(opts!(SoftmaxOptions { beta: 2.0 }));
        y
    })
}

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    std::fs::create_dir_all(&dir)?;
    // (file, model, whether the answer depends on CheckGpuDelegateCompatibility refusing a node)
    let files: Vec<(&str, Vec<u8>, bool)> = vec![
        ("argmax_int64.tflite", arg_max(T::INT64), false),
        ("argmax_int32.tflite", arg_max(T::INT32), false),
        ("div_same_input.tflite", same_inputs(Op::DIV), false),
        ("mul_same_input.tflite", same_inputs(Op::MUL), false),
        ("rank5_add.tflite", rank5_add(), false),
        ("rank6_tanh.tflite", rank6_tanh(), false),
        ("reduce_max_const.tflite", reduce_max_const(), true),
        ("pooling_custom_ops.tflite", pooling_custom_ops(), false),
        ("greater_float.tflite", comparison(T::FLOAT32), false),
        ("greater_int64.tflite", comparison(T::INT64), false),
        ("cast_int32.tflite", cast(T::INT32), false),
        ("cast_int64.tflite", cast(T::INT64), false),
        ("logical_and.tflite", logical_and(), false),
        ("slice_of_constant.tflite", slice_of_constant(), false),
        ("strided_slice_shrink.tflite", strided_slice_shrink(), false),
        ("fp16_dequantize.tflite", fp16_dequantize(), false),
        ("sub_int64.tflite", sub_int64(), false),
        ("softmax.tflite", softmax(), false),
        ("slice_runtime_begin.tflite", slice_runtime_begin(), false),
        ("one_hot_last_axis.tflite", one_hot(-1), false),
        ("one_hot_axis0.tflite", one_hot(0), false),
        ("tanh_int32.tflite", tanh_int32(), false),
        ("versions_and_beta.tflite", versions_and_beta(), false),
    ];
    let mut manifest = serde_json::Map::new();
    for (name, bytes, needs_compat) in files {
        std::fs::write(dir.join(name), bytes)?;
        manifest.insert(
            name.to_string(),
            serde_json::json!({ "needs_compat": needs_compat }),
        );
    }
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::Value::Object(manifest).to_string(),
    )?;
    Ok(())
}
