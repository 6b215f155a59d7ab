//! Writes the models tests/python/test_prepare_shapes.py gives to the real interpreter, and what
//! delegate-doctor predicts for them (`predictions.json`): for each Prepare rule in
//! crate/src/shapes/, a model that prepares and one that fails, plus the issue's example (an
//! input with shape signature [-1, -1] stored as [1, 1] feeding a CONV_2D through a RESHAPE).
//!
//!     cargo run -q --example make_shape_fixtures -- DIR [--model PATH]... [--random N]
//!
//! Each `--model` is analysed too; when it has custom ops (which the interpreter's builtin
//! resolver cannot prepare) a copy cut before the first one is written as well
//! (`<name>.builtin_prefix.tflite`), with the tensors that copy still computes. `--random N`
//! adds N random single-op models (small shapes, small constants, deterministic) to check that
//! no failure is predicted where the interpreter prepares.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use delegate_doctor::builder::{const_f32, const_i32, const_i64, tensor, ModelBuilder, TensorSpec};
use delegate_doctor::model::{self, BuiltinOperator as B, BuiltinOptionsT, TensorType as T};
use delegate_doctor::opts;
use delegate_doctor::surgery::Draft;
use delegate_doctor::{dynamic, shapes};
use serde_json::{json, Value};
use tflite_schema::tflite::{MirrorPadMode, Padding};

/// An op input: a graph input or a constant.
enum In {
    X(TensorSpec),
    C(TensorSpec),
}

fn f32t(name: &str, shape: &[i32]) -> TensorSpec {
    tensor(name, T::FLOAT32, shape)
}

fn x(shape: &[i32]) -> In {
    In::X(f32t("x", shape))
}

fn c(values: &[f32], shape: &[i32]) -> In {
    In::C(const_f32("w", shape, values))
}

/// A float constant of the given shape filled with small values.
fn weights(name: &str, shape: &[i32]) -> In {
    let n: i32 = shape.iter().product();
    let values: Vec<f32> = (0..n).map(|i| ((i % 7) as f32 - 3.0) * 0.125).collect();
    In::C(const_f32(name, shape, &values))
}

fn ints(name: &str, shape: &[i32], values: &[i32]) -> In {
    In::C(const_i32(name, shape, values))
}

/// A model of one op: its inputs in order, its outputs (stored shapes as the file claims them).
fn single(code: B, inputs: Vec<In>, outputs: Vec<TensorSpec>, options: BuiltinOptionsT) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let ins: Vec<i32> = inputs
        .into_iter()
        .map(|i| match i {
            In::X(s) => b.input(s),
            In::C(s) => b.add(s),
        })
        .collect();
    let outs: Vec<i32> = outputs.into_iter().map(|s| b.add(s)).collect();
    b.op(code, &ins, &outs).options(options);
    for &o in &outs {
        b.output(o);
    }
    b.finish()
}

fn out(shape: &[i32]) -> Vec<TensorSpec> {
    vec![f32t("y", shape)]
}

fn conv_opts(padding: Padding, stride: i32) -> BuiltinOptionsT {
    opts!(Conv2DOptions { padding: padding, stride_w: stride, stride_h: stride, dilation_w_factor: 1, dilation_h_factor: 1 })
}

fn dw_opts(padding: Padding, stride: i32) -> BuiltinOptionsT {
    opts!(DepthwiseConv2DOptions {
        padding: padding,
        stride_w: stride,
        stride_h: stride,
        depth_multiplier: 1,
        dilation_w_factor: 1,
        dilation_h_factor: 1
    })
}

fn pool_opts(padding: Padding, filter: i32, stride: i32) -> BuiltinOptionsT {
    opts!(Pool2DOptions { padding: padding, stride_w: stride, stride_h: stride, filter_width: filter, filter_height: filter })
}

/// The issue's example: x has shape signature [-1, -1] and is stored as [1, 1]; a RESHAPE to
/// [1, H, W, 1] (H·W = the stored elements) feeds a 3×3 VALID CONV_2D. Stored as [1, 1] the
/// window is wider than the input; the intermediate tensors claim the shapes of a 5×5 image.
fn issue_example(stored: &[i32], target: &[i32]) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", stored).signature(&[-1, -1]));
    let shape = b.add(const_i32("shape", &[4], target));
    let r = b.add(f32t("image", &[1, 5, 5, 1]));
    b.op(B::RESHAPE, &[x, shape], &[r]).options(opts!(ReshapeOptions { new_shape: Some(target.to_vec()) }));
    let w = b.add(const_f32("w", &[2, 3, 3, 1], &[0.1; 18]));
    let bias = b.add(const_f32("bias", &[2], &[0.0, 0.5]));
    let y = b.add(f32t("y", &[1, 3, 3, 2]));
    b.op(B::CONV_2D, &[r, w, bias], &[y]).options(conv_opts(Padding::VALID, 1));
    b.output(y);
    b.finish()
}

/// A dynamic op (RESHAPE to a shape from a graph input) before a CONV_2D that would fail: the
/// walk stops at the dynamic op, so nothing fails in Prepare (`dynamic_first`), and the other
/// way round the CONV_2D fails first.
fn order(dynamic_first: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 1, 1, 1]));
    let s = b.input(tensor("shape", T::INT32, &[2]));
    let v = b.input(f32t("v", &[2, 3]));
    let w = b.add(const_f32("w", &[1, 3, 3, 1], &[0.1; 9]));
    let bias = b.add(const_f32("bias", &[1], &[0.0]));
    let y = b.add(f32t("y", &[1, 1, 1, 1]));
    let r = b.add(f32t("r", &[3, 2]));
    if dynamic_first {
        b.op(B::RESHAPE, &[v, s], &[r]);
        b.op(B::CONV_2D, &[x, w, bias], &[y]).options(conv_opts(Padding::VALID, 1));
    } else {
        b.op(B::CONV_2D, &[x, w, bias], &[y]).options(conv_opts(Padding::VALID, 1));
        b.op(B::RESHAPE, &[v, s], &[r]);
    }
    b.output(y).output(r);
    b.finish()
}

/// SHAPE → RESHAPE: the shape is computed in Prepare and used there.
fn shape_then_reshape(v_shape: &[i32]) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[2, 3]));
    let v = b.input(f32t("v", v_shape));
    let s = b.add(tensor("shape", T::INT32, &[2]));
    b.op(B::SHAPE, &[x], &[s]).options(opts!(ShapeOptions { out_type: T::INT32 }));
    let y = b.add(f32t("y", &[2, 3]));
    b.op(B::RESHAPE, &[v, s], &[y]);
    b.output(y);
    b.finish()
}

/// An ADD chain whose stored intermediate shapes are wrong ([1]): Prepare recomputes them.
fn wrong_stored_intermediates() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 4, 4, 3]));
    let one = b.add(const_f32("one", &[3], &[1.0, 2.0, 3.0]));
    let a = b.add(f32t("a", &[1]));
    b.op(B::ADD, &[x, one], &[a]).options(opts!(AddOptions {}));
    let p = b.add(f32t("p", &[7, 7]));
    b.op(B::AVERAGE_POOL_2D, &[a], &[p]).options(pool_opts(Padding::VALID, 2, 2));
    b.output(p);
    b.finish()
}

struct Fixture {
    name: String,
    rule: &'static str,
    /// The op that must fail, or None when the model must prepare.
    fails_at: Option<usize>,
    bytes: Vec<u8>,
}

fn fixture(v: &mut Vec<Fixture>, rule: &'static str, name: &str, fails_at: Option<usize>, bytes: Vec<u8>) {
    v.push(Fixture { name: format!("{name}.tflite"), rule, fails_at, bytes });
}

fn window_fixtures(v: &mut Vec<Fixture>) {
    let conv = |input: &[i32], filter: &[i32], bias: i32, pad: Padding, stride: i32, y: &[i32]| {
        single(B::CONV_2D, vec![x(input), weights("w", filter), weights("b", &[bias])], out(y), conv_opts(pad, stride))
    };
    fixture(v, "issue", "issue_signature_stored_1x1", Some(1), issue_example(&[1, 1], &[1, 1, 1, 1]));
    fixture(v, "issue", "issue_signature_stored_5x5", None, issue_example(&[5, 5], &[1, 5, 5, 1]));
    fixture(v, "conv", "conv_same", None, conv(&[1, 5, 5, 3], &[4, 3, 3, 3], 4, Padding::SAME, 2, &[1]));
    fixture(v, "conv", "conv_valid_empty_output", None, conv(&[1, 1, 1, 1], &[2, 3, 3, 1], 2, Padding::VALID, 2, &[1, 1, 1, 2]));
    fixture(v, "conv", "conv_window_wider_than_input", Some(0), conv(&[1, 1, 8, 1], &[2, 3, 3, 1], 2, Padding::VALID, 1, &[1, 1, 6, 2]));
    fixture(v, "conv", "conv_grouped", None, conv(&[1, 4, 4, 4], &[6, 1, 1, 2], 6, Padding::VALID, 1, &[1, 4, 4, 6]));
    fixture(v, "conv", "conv_depth_not_multiple", Some(0), conv(&[1, 4, 4, 3], &[4, 1, 1, 2], 4, Padding::VALID, 1, &[1, 4, 4, 4]));
    fixture(v, "conv", "conv_rank_3", Some(0), conv(&[4, 4, 3], &[4, 1, 1, 3], 4, Padding::VALID, 1, &[4, 4, 4]));
    fixture(v, "conv", "conv_bias_length", Some(0), conv(&[1, 4, 4, 3], &[4, 1, 1, 3], 3, Padding::VALID, 1, &[1, 4, 4, 4]));
    let dw = |input: &[i32], filter: &[i32], bias: i32, pad: Padding, y: &[i32]| {
        single(B::DEPTHWISE_CONV_2D, vec![x(input), weights("w", filter), weights("b", &[bias])], out(y), dw_opts(pad, 1))
    };
    fixture(v, "depthwise", "depthwise_multiplier_2", None, dw(&[1, 6, 6, 2], &[1, 3, 3, 4], 4, Padding::VALID, &[9]));
    fixture(v, "depthwise", "depthwise_filter_batch", Some(0), dw(&[1, 6, 6, 2], &[2, 3, 3, 2], 2, Padding::VALID, &[1, 4, 4, 2]));
    fixture(v, "depthwise", "depthwise_channels", Some(0), dw(&[1, 6, 6, 2], &[1, 3, 3, 3], 3, Padding::VALID, &[1, 4, 4, 3]));
    fixture(v, "depthwise", "depthwise_window_wider", Some(0), dw(&[1, 2, 6, 2], &[1, 5, 3, 2], 2, Padding::VALID, &[1, 1, 4, 2]));
    let pool = |code: B, input: &[i32], filter: i32, pad: Padding, y: &[i32]| single(code, vec![x(input)], out(y), pool_opts(pad, filter, 1));
    fixture(v, "pool", "avgpool_window_wider_prepares_empty", None, pool(B::AVERAGE_POOL_2D, &[1, 2, 2, 3], 3, Padding::VALID, &[1, 1, 1, 3]));
    fixture(v, "pool", "maxpool_same", None, pool(B::MAX_POOL_2D, &[1, 5, 4, 3], 3, Padding::SAME, &[1]));
    fixture(v, "pool", "maxpool_rank_3", Some(0), pool(B::MAX_POOL_2D, &[5, 4, 3], 2, Padding::VALID, &[4, 3, 3]));
    let tconv = |input: &[i32], w: &[i32], shape: &[i32], y: &[i32]| {
        single(
            B::TRANSPOSE_CONV,
            vec![ints("output_shape", &[4], shape), weights("w", w), x(input)],
            out(y),
            opts!(TransposeConvOptions { padding: Padding::SAME, stride_w: 2, stride_h: 2 }),
        )
    };
    fixture(v, "transpose_conv", "transpose_conv", None, tconv(&[1, 3, 3, 2], &[4, 3, 3, 2], &[1, 6, 6, 4], &[1]));
    fixture(v, "transpose_conv", "transpose_conv_depth", Some(0), tconv(&[1, 3, 3, 2], &[4, 3, 3, 3], &[1, 6, 6, 4], &[1, 6, 6, 4]));
}

fn matmul_fixtures(v: &mut Vec<Fixture>) {
    let fc = |input: &[i32], w: &[i32], bias: i32, keep: bool, y: &[i32]| {
        single(
            B::FULLY_CONNECTED,
            vec![x(input), weights("w", w), weights("b", &[bias])],
            out(y),
            opts!(FullyConnectedOptions { keep_num_dims: keep }),
        )
    };
    fixture(v, "fully_connected", "fc_flattens", None, fc(&[2, 3, 4], &[5, 4], 5, false, &[1]));
    fixture(v, "fully_connected", "fc_keep_num_dims", None, fc(&[2, 3, 4], &[5, 4], 5, true, &[2, 3, 5]));
    fixture(v, "fully_connected", "fc_keep_num_dims_mismatch", Some(0), fc(&[2, 3, 6], &[5, 4], 5, true, &[2, 3, 5]));
    fixture(v, "fully_connected", "fc_weights_rank_3", Some(0), fc(&[2, 4], &[5, 4, 1], 5, false, &[2, 5]));
    fixture(v, "fully_connected", "fc_bias_length", Some(0), fc(&[2, 4], &[5, 4], 3, false, &[2, 5]));
    let bmm = |l: &[i32], r: &[i32], y: &[i32]| {
        let mut b = ModelBuilder::new();
        let a = b.input(f32t("a", l));
        let c = b.input(f32t("b", r));
        let o = b.add(f32t("y", y));
        b.op(B::BATCH_MATMUL, &[a, c], &[o]).options(opts!(BatchMatMulOptions { adj_x: false, adj_y: true }));
        b.output(o);
        b.finish()
    };
    fixture(v, "batch_matmul", "batch_matmul_broadcast", None, bmm(&[2, 1, 3, 4], &[5, 6, 4], &[1]));
    fixture(v, "batch_matmul", "batch_matmul_inner", Some(0), bmm(&[2, 3, 4], &[2, 6, 5], &[2, 3, 6]));
}

fn elementwise_fixtures(v: &mut Vec<Fixture>) {
    let binary = |code: B, a: &[i32], b2: &[i32], y: &[i32]| {
        let mut b = ModelBuilder::new();
        let i = b.input(f32t("a", a));
        let j = b.input(f32t("b", b2));
        let o = b.add(f32t("y", y));
        b.op(code, &[i, j], &[o]);
        b.output(o);
        b.finish()
    };
    fixture(v, "broadcast", "add_broadcast", None, binary(B::ADD, &[1, 4, 1], &[3], &[1]));
    fixture(v, "broadcast", "add_not_broadcastable", Some(0), binary(B::ADD, &[2, 3], &[4, 3], &[4, 3]));
    fixture(v, "broadcast", "mul_zero_dim", None, binary(B::MUL, &[0, 3], &[1, 3], &[1]));
    fixture(v, "broadcast", "sub_not_broadcastable", Some(0), binary(B::SUB, &[2, 5], &[5, 2], &[2, 5]));
    fixture(v, "broadcast", "maximum_broadcast", None, binary(B::MAXIMUM, &[3, 1, 2], &[4, 1], &[3, 4, 2]));
    fixture(v, "broadcast", "div_not_broadcastable", Some(0), binary(B::DIV, &[3], &[2], &[3]));
    fixture(v, "softmax", "softmax", None, single(B::SOFTMAX, vec![x(&[2, 5])], out(&[1]), opts!(SoftmaxOptions { beta: 1.0 })));
    fixture(v, "softmax", "softmax_scalar", Some(0), single(B::SOFTMAX, vec![x(&[])], out(&[]), opts!(SoftmaxOptions { beta: 1.0 })));
    fixture(v, "prelu", "prelu", None, single(B::PRELU, vec![x(&[1, 4, 4, 3]), weights("alpha", &[1, 1, 3])], out(&[1]), BuiltinOptionsT::NONE));
    fixture(v, "prelu", "prelu_alpha_widens", Some(0), single(B::PRELU, vec![x(&[1, 4, 1, 3]), weights("alpha", &[1, 2, 3])], out(&[1, 4, 2, 3]), BuiltinOptionsT::NONE));
    let lrn = |shape: &[i32]| {
        single(B::LOCAL_RESPONSE_NORMALIZATION, vec![x(shape)], out(shape), opts!(LocalResponseNormalizationOptions { radius: 1, bias: 1.0, alpha: 1.0, beta: 0.5 }))
    };
    fixture(v, "unary", "local_response_norm", None, lrn(&[1, 2, 2, 4]));
    fixture(v, "unary", "local_response_norm_rank_3", Some(0), lrn(&[2, 2, 4]));
    fixture(v, "unary", "relu_tanh_logistic", None, {
        let mut b = ModelBuilder::new();
        let i = b.input(f32t("x", &[2, 3, 4]));
        let r = b.add(f32t("r", &[1]));
        let t = b.add(f32t("t", &[1]));
        let l = b.add(f32t("l", &[1]));
        b.op(B::RELU, &[i], &[r]);
        b.op(B::TANH, &[r], &[t]);
        b.op(B::LOGISTIC, &[t], &[l]);
        b.output(l);
        b.finish()
    });
    fixture(v, "order", "dynamic_op_before_failing_conv", None, order(true));
    fixture(v, "order", "failing_conv_before_dynamic_op", Some(0), order(false));
    fixture(v, "values", "shape_feeds_reshape", None, shape_then_reshape(&[3, 2]));
    fixture(v, "values", "shape_feeds_reshape_wrong_count", Some(1), shape_then_reshape(&[3, 3]));
    fixture(v, "stored", "wrong_stored_intermediates", None, wrong_stored_intermediates());
}

fn layout_fixtures(v: &mut Vec<Fixture>) {
    let reshape = |input: &[i32], target: &[i32]| {
        single(B::RESHAPE, vec![x(input), ints("shape", &[target.len() as i32], target)], out(&[1]), BuiltinOptionsT::NONE)
    };
    fixture(v, "reshape", "reshape_infers", None, reshape(&[2, 3, 4], &[-1, 4]));
    fixture(v, "reshape", "reshape_count", Some(0), reshape(&[2, 3, 4], &[5, -1, 5]));
    fixture(v, "reshape", "reshape_two_stretch", Some(0), reshape(&[2, 3, 4], &[-1, -1]));
    fixture(v, "reshape", "reshape_options", None, single(B::RESHAPE, vec![x(&[2, 6])], out(&[1]), opts!(ReshapeOptions { new_shape: Some(vec![3, 4]) })));
    let concat = |a: &[i32], b2: &[i32], axis: i32| {
        let mut b = ModelBuilder::new();
        let i = b.input(f32t("a", a));
        let j = b.input(f32t("b", b2));
        let o = b.add(f32t("y", &[1]));
        b.op(B::CONCATENATION, &[i, j], &[o]).options(opts!(ConcatenationOptions { axis: axis }));
        b.output(o);
        b.finish()
    };
    fixture(v, "concatenation", "concat_negative_axis", None, concat(&[1, 2, 3], &[1, 2, 5], -1));
    fixture(v, "concatenation", "concat_mismatch", Some(0), concat(&[1, 2, 3], &[1, 3, 3], 2));
    fixture(v, "concatenation", "concat_axis_out_of_range", Some(0), concat(&[1, 2, 3], &[1, 2, 3], 3));
    fixture(v, "concatenation", "concat_rank_mismatch", Some(0), concat(&[1, 2, 3], &[2, 3], 0));
    let pad = |code: B, input: &[i32], p: &[i32], shape: &[i32]| {
        let mut ins = vec![x(input), ints("paddings", shape, p)];
        if code == B::PADV2 {
            ins.push(c(&[0.5], &[]));
        }
        single(code, ins, out(&[1]), BuiltinOptionsT::NONE)
    };
    fixture(v, "pad", "pad", None, pad(B::PAD, &[1, 2, 3, 1], &[0, 0, 1, 2, 3, 4, 0, 0], &[4, 2]));
    fixture(v, "pad", "pad_rows", Some(0), pad(B::PAD, &[1, 2, 3, 1], &[0, 0, 1, 2, 3, 4], &[3, 2]));
    fixture(v, "pad", "pad_negative", Some(0), pad(B::PAD, &[2, 3], &[0, 0, -1, 0], &[2, 2]));
    fixture(v, "pad", "padv2", None, pad(B::PADV2, &[2, 3], &[1, 1, 2, 2], &[2, 2]));
    fixture(v, "pad", "pad_int64_paddings", None, single(B::PAD, vec![x(&[2, 3]), In::C(const_i64("paddings", &[2, 2], &[1, 0, 0, 2]))], out(&[1]), BuiltinOptionsT::NONE));
    let mirror = |input: &[i32], p: &[i32], mode: MirrorPadMode| {
        single(B::MIRROR_PAD, vec![x(input), ints("paddings", &[2, 2], p)], out(&[1]), opts!(MirrorPadOptions { mode: mode }))
    };
    fixture(v, "mirror_pad", "mirror_pad_symmetric", None, mirror(&[3, 4], &[3, 0, 1, 4], MirrorPadMode::SYMMETRIC));
    fixture(v, "mirror_pad", "mirror_pad_reflect_too_wide", Some(0), mirror(&[3, 4], &[3, 0, 1, 1], MirrorPadMode::REFLECT));
    let transpose = |input: &[i32], perm: &[i32]| {
        single(B::TRANSPOSE, vec![x(input), ints("perm", &[perm.len() as i32], perm)], out(&[1]), BuiltinOptionsT::NONE)
    };
    fixture(v, "transpose", "transpose", None, transpose(&[2, 3, 4], &[2, -3, 1]));
    fixture(v, "transpose", "transpose_out_of_bounds", Some(0), transpose(&[2, 3, 4], &[0, 3, 1]));
    fixture(v, "transpose", "transpose_perm_length", Some(0), transpose(&[2, 3, 4], &[1, 0]));
    let squeeze = |input: &[i32], dims: Option<Vec<i32>>| single(B::SQUEEZE, vec![x(input)], out(&[1]), opts!(SqueezeOptions { squeeze_dims: dims }));
    fixture(v, "squeeze", "squeeze_all", None, squeeze(&[1, 3, 1, 2], None));
    fixture(v, "squeeze", "squeeze_listed", None, squeeze(&[1, 3, 1, 2], Some(vec![-2])));
    fixture(v, "squeeze", "squeeze_not_one", Some(0), squeeze(&[1, 3, 1, 2], Some(vec![1])));
    let expand = |input: &[i32], axis: i32| single(B::EXPAND_DIMS, vec![x(input), ints("axis", &[1], &[axis])], out(&[1]), BuiltinOptionsT::NONE);
    fixture(v, "expand_dims", "expand_dims_negative", None, expand(&[2, 3], -1));
    fixture(v, "expand_dims", "expand_dims_too_far", Some(0), expand(&[2, 3], 3));
    let slice = |input: &[i32], begin: &[i32], size: &[i32], y: TensorSpec| {
        let n = begin.len() as i32;
        single(B::SLICE, vec![x(input), ints("begin", &[n], begin), ints("size", &[n], size)], vec![y], BuiltinOptionsT::NONE)
    };
    fixture(v, "slice", "slice_to_end", None, slice(&[4, 5], &[1, 2], &[-1, 2], f32t("y", &[1, 1]).signature(&[-1, -1])));
    fixture(v, "slice", "slice_past_end", Some(0), slice(&[4, 5], &[1, 2], &[2, 4], f32t("y", &[2, 4]).signature(&[-1, 4])));
    // A SLICE whose stored output shape is fully specified is left out: tflite/kernels/slice.cc at
    // the mirrored commit keeps that shape unchecked, newer releases (ai-edge-litert 2.3.0) check
    // the slice against it, so the outcome depends on the version and nothing is predicted.
    let strided = |input: &[i32], b: &[i32], e: &[i32], s: &[i32], o: BuiltinOptionsT| {
        let n = b.len() as i32;
        single(B::STRIDED_SLICE, vec![x(input), ints("begin", &[n], b), ints("end", &[n], e), ints("strides", &[n], s)], out(&[1]), o)
    };
    let masks = |begin: i32, end: i32, ellipsis: i32, new_axis: i32, shrink: i32| {
        opts!(StridedSliceOptions { begin_mask: begin, end_mask: end, ellipsis_mask: ellipsis, new_axis_mask: new_axis, shrink_axis_mask: shrink })
    };
    fixture(v, "strided_slice", "strided_slice_reverse", None, strided(&[5, 6, 7], &[4, 0, 1], &[0, 6, -1], &[-2, 3, 2], masks(0, 0, 0, 0, 0)));
    fixture(v, "strided_slice", "strided_slice_masks", None, strided(&[5, 6, 7], &[0, 2, 0], &[0, 3, 0], &[1, 1, 1], masks(1, 1, 0, 0, 2)));
    fixture(v, "strided_slice", "strided_slice_ellipsis_new_axis", None, strided(&[5, 6, 7], &[0, 1, 0], &[0, 3, 0], &[1, 1, 1], masks(0, 0, 1, 4, 0)));
    fixture(v, "strided_slice", "strided_slice_stride_0", Some(0), strided(&[5, 6], &[0, 0], &[5, 6], &[1, 0], masks(0, 0, 0, 0, 0)));
    fixture(v, "strided_slice", "strided_slice_begin_end_lengths", Some(0), {
        single(B::STRIDED_SLICE, vec![x(&[5, 6]), ints("begin", &[2], &[0, 0]), ints("end", &[1], &[5]), ints("strides", &[2], &[1, 1])], out(&[1]), masks(0, 0, 0, 0, 0))
    });
    let gather = |input: &[i32], idx: &[i32], axis: i32| {
        let n: i32 = idx.iter().product();
        let values: Vec<i32> = (0..n).map(|i| i % 2).collect();
        single(B::GATHER, vec![x(input), ints("indices", idx, &values)], out(&[1]), opts!(GatherOptions { axis: axis }))
    };
    fixture(v, "gather", "gather_axis_1", None, gather(&[3, 4, 5], &[2, 2], 1));
    fixture(v, "gather", "gather_axis_out_of_range", Some(0), gather(&[3, 4], &[2], 2));
}

fn split_fixtures(v: &mut Vec<Fixture>) {
    let split = |input: &[i32], axis: i32, n: i32| {
        let outs = (0..n).map(|i| f32t(&format!("y{i}"), &[1])).collect();
        single(B::SPLIT, vec![ints("axis", &[], &[axis]), x(input)], outs, opts!(SplitOptions { num_splits: n }))
    };
    fixture(v, "split", "split_even", None, split(&[4, 6], -1, 3));
    fixture(v, "split", "split_uneven", Some(0), split(&[4, 6], 0, 3));
    let split_v = |input: &[i32], sizes: &[i32], axis: i32| {
        let n = sizes.len() as i32;
        let outs = (0..n).map(|i| f32t(&format!("y{i}"), &[1])).collect();
        single(B::SPLIT_V, vec![x(input), ints("sizes", &[n], sizes), ints("axis", &[], &[axis])], outs, opts!(SplitVOptions { num_splits: n }))
    };
    fixture(v, "split_v", "split_v_minus_one", None, split_v(&[4, 7], &[2, -1, 1], 1));
    fixture(v, "split_v", "split_v_sum", Some(0), split_v(&[4, 7], &[2, 3, 1], 1));
    let pack = |a: &[i32], b2: &[i32], axis: i32| {
        let mut b = ModelBuilder::new();
        let i = b.input(f32t("a", a));
        let j = b.input(f32t("b", b2));
        let o = b.add(f32t("y", &[1]));
        b.op(B::PACK, &[i, j], &[o]).options(opts!(PackOptions { values_count: 2, axis: axis }));
        b.output(o);
        b.finish()
    };
    fixture(v, "pack", "pack_negative_axis", None, pack(&[2, 3], &[2, 3], -1));
    fixture(v, "pack", "pack_shapes_differ", Some(0), pack(&[2, 3], &[3, 2], 0));
    let unpack = |input: &[i32], num: i32, axis: i32| {
        let outs = (0..num).map(|i| f32t(&format!("y{i}"), &[1])).collect();
        single(B::UNPACK, vec![x(input)], outs, opts!(UnpackOptions { num: num, axis: axis }))
    };
    fixture(v, "unpack", "unpack", None, unpack(&[2, 3, 4], 3, 1));
    fixture(v, "unpack", "unpack_num", Some(0), unpack(&[2, 3, 4], 2, 1));
    let reduce = |code: B, input: &[i32], axes: &[i32], keep: bool| {
        single(code, vec![x(input), ints("axes", &[axes.len() as i32], axes)], out(&[1]), opts!(ReducerOptions { keep_dims: keep }))
    };
    fixture(v, "reduce", "mean_keep_dims", None, reduce(B::MEAN, &[1, 5, 6, 3], &[1, 2], true));
    fixture(v, "reduce", "sum_repeated_axis", None, reduce(B::SUM, &[2, 5, 6], &[-1, 2], false));
    fixture(v, "reduce", "reduce_max_invalid_axis", Some(0), reduce(B::REDUCE_MAX, &[2, 5, 6], &[3], false));
    let argmax = |input: &[i32], axis: i32| {
        single(B::ARG_MAX, vec![x(input), ints("axis", &[1], &[axis])], vec![tensor("y", T::INT32, &[1])], opts!(ArgMaxOptions { output_type: T::INT32 }))
    };
    fixture(v, "arg_max", "argmax_last_axis", None, argmax(&[1, 4, 4, 5], -1));
    fixture(v, "arg_max", "argmax_invalid_axis", Some(0), argmax(&[1, 4, 4, 5], 4));
    fixture(v, "arg_max", "argmax_empty_axis", Some(0), argmax(&[1, 4, 0], 2));
    let s2d = |code: B, input: &[i32], bs: i32| {
        let o = if code == B::SPACE_TO_DEPTH {
            opts!(SpaceToDepthOptions { block_size: bs })
        } else {
            opts!(DepthToSpaceOptions { block_size: bs })
        };
        single(code, vec![x(input)], out(&[1]), o)
    };
    fixture(v, "space_to_depth", "space_to_depth", None, s2d(B::SPACE_TO_DEPTH, &[1, 4, 6, 3], 2));
    fixture(v, "space_to_depth", "space_to_depth_indivisible", Some(0), s2d(B::SPACE_TO_DEPTH, &[1, 4, 5, 3], 2));
    fixture(v, "depth_to_space", "depth_to_space", None, s2d(B::DEPTH_TO_SPACE, &[1, 2, 3, 8], 2));
    fixture(v, "depth_to_space", "depth_to_space_indivisible", Some(0), s2d(B::DEPTH_TO_SPACE, &[1, 2, 3, 6], 2));
    let resize = |code: B, input: &[i32], size: &[i32]| {
        let o = if code == B::RESIZE_BILINEAR {
            opts!(ResizeBilinearOptions { align_corners: false })
        } else {
            opts!(ResizeNearestNeighborOptions { align_corners: false })
        };
        single(code, vec![x(input), ints("size", &[size.len() as i32], size)], out(&[1]), o)
    };
    fixture(v, "resize", "resize_bilinear", None, resize(B::RESIZE_BILINEAR, &[1, 3, 4, 2], &[6, 8]));
    fixture(v, "resize", "resize_bilinear_zero_size", Some(0), resize(B::RESIZE_BILINEAR, &[1, 3, 4, 2], &[0, 8]));
    fixture(v, "resize", "resize_nearest_rank_3", Some(0), resize(B::RESIZE_NEAREST_NEIGHBOR, &[3, 4, 2], &[6, 8]));
    fixture(v, "resize", "resize_nearest_size_3", Some(0), resize(B::RESIZE_NEAREST_NEIGHBOR, &[1, 3, 4, 2], &[6, 8, 1]));
}

/// A small deterministic generator (no dependency needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<V: Copy>(&mut self, items: &[V]) -> V {
        items[(self.next() as usize) % items.len()]
    }
}

/// Small ints, negative ones included, for options and constant values.
const SMALL: [i32; 9] = [-3, -2, -1, 0, 1, 1, 2, 3, 4];

/// Options of the op's type with small int fields.
fn random_options(code: B, r: &mut Lcg) -> BuiltinOptionsT {
    let mut i = || r.pick(&SMALL);
    let pad = |k: i32| if k % 2 == 0 { Padding::SAME } else { Padding::VALID };
    match code {
        B::CONV_2D => opts!(Conv2DOptions { padding: pad(i()), stride_w: i(), stride_h: i(), dilation_w_factor: i(), dilation_h_factor: i() }),
        B::DEPTHWISE_CONV_2D => {
            opts!(DepthwiseConv2DOptions { padding: pad(i()), stride_w: i(), stride_h: i(), dilation_w_factor: i(), dilation_h_factor: i() })
        }
        B::AVERAGE_POOL_2D | B::MAX_POOL_2D => {
            opts!(Pool2DOptions { padding: pad(i()), stride_w: i(), stride_h: i(), filter_width: i(), filter_height: i() })
        }
        B::CONCATENATION => opts!(ConcatenationOptions { axis: i() }),
        B::RESHAPE => opts!(ReshapeOptions { new_shape: Some(vec![i(), i()]) }),
        B::STRIDED_SLICE => opts!(StridedSliceOptions {
            begin_mask: i(),
            end_mask: i(),
            ellipsis_mask: i() & 2,
            new_axis_mask: i() & 1,
            shrink_axis_mask: i()
        }),
        B::SQUEEZE => opts!(SqueezeOptions { squeeze_dims: Some(vec![i()]) }),
        B::GATHER => opts!(GatherOptions { axis: i(), batch_dims: i() & 1 }),
        B::SPLIT => opts!(SplitOptions { num_splits: 2 }),
        B::SPLIT_V => opts!(SplitVOptions { num_splits: 2 }),
        B::PACK => opts!(PackOptions { values_count: 2, axis: i() }),
        B::UNPACK => opts!(UnpackOptions { num: 2, axis: i() }),
        B::SPACE_TO_DEPTH => opts!(SpaceToDepthOptions { block_size: 2 }),
        B::DEPTH_TO_SPACE => opts!(DepthToSpaceOptions { block_size: 2 }),
        B::MEAN | B::SUM | B::REDUCE_MAX => opts!(ReducerOptions { keep_dims: i() % 2 == 0 }),
        B::FULLY_CONNECTED => opts!(FullyConnectedOptions { keep_num_dims: i() % 2 == 0 }),
        B::ARG_MAX => opts!(ArgMaxOptions { output_type: T::INT32 }),
        B::SHAPE => opts!(ShapeOptions { out_type: T::INT32 }),
        B::MIRROR_PAD => opts!(MirrorPadOptions { mode: if i() % 2 == 0 { MirrorPadMode::REFLECT } else { MirrorPadMode::SYMMETRIC } }),
        B::BATCH_MATMUL => opts!(BatchMatMulOptions { adj_x: i() % 2 == 0, adj_y: i() % 2 == 0 }),
        B::SOFTMAX => opts!(SoftmaxOptions { beta: 1.0 }),
        B::RESIZE_BILINEAR => opts!(ResizeBilinearOptions { align_corners: false }),
        B::RESIZE_NEAREST_NEIGHBOR => opts!(ResizeNearestNeighborOptions { align_corners: false }),
        _ => BuiltinOptionsT::NONE,
    }
}

/// How many inputs (and which are int32 constants) each op takes in the random models.
fn random_arity(code: B) -> (usize, &'static [usize]) {
    match code {
        B::CONV_2D | B::DEPTHWISE_CONV_2D | B::FULLY_CONNECTED => (3, &[]),
        B::TRANSPOSE_CONV => (3, &[0]),
        B::ADD | B::MUL | B::SUB | B::CONCATENATION | B::PACK | B::BATCH_MATMUL | B::PRELU => (2, &[]),
        B::RESHAPE | B::PAD | B::MIRROR_PAD | B::TRANSPOSE | B::EXPAND_DIMS | B::GATHER | B::MEAN | B::SUM
        | B::REDUCE_MAX | B::ARG_MAX | B::RESIZE_BILINEAR | B::RESIZE_NEAREST_NEIGHBOR => (2, &[1]),
        B::SPLIT => (2, &[0]),
        B::SPLIT_V | B::SLICE => (3, &[1, 2]),
        B::STRIDED_SLICE => (4, &[1, 2, 3]),
        _ => (1, &[]),
    }
}

const RANDOM_OPS: [B; 36] = [
    B::CONV_2D, B::DEPTHWISE_CONV_2D, B::AVERAGE_POOL_2D, B::MAX_POOL_2D, B::FULLY_CONNECTED, B::BATCH_MATMUL,
    B::MEAN, B::SUM, B::REDUCE_MAX, B::ARG_MAX, B::ADD, B::MUL, B::SUB, B::PRELU, B::SOFTMAX, B::RELU,
    B::RESHAPE, B::CONCATENATION, B::PAD, B::MIRROR_PAD, B::TRANSPOSE, B::SQUEEZE, B::EXPAND_DIMS, B::SLICE,
    B::STRIDED_SLICE, B::GATHER, B::SPLIT, B::SPLIT_V, B::PACK, B::UNPACK, B::SPACE_TO_DEPTH,
    B::DEPTH_TO_SPACE, B::RESIZE_BILINEAR, B::RESIZE_NEAREST_NEIGHBOR, B::LOCAL_RESPONSE_NORMALIZATION, B::SHAPE,
];

/// A random input of a random op: a small int32 constant where the op wants one, else a float
/// constant or a graph input, of a small shape (0 and rank 0 included).
fn random_input(b: &mut ModelBuilder, r: &mut Lcg, name: &str, int_const: bool) -> i32 {
    let rank = if int_const { (r.next() % 3) as usize } else { (r.next() % 6) as usize };
    let shape: Vec<i32> = (0..rank).map(|_| r.pick(&[0, 1, 1, 2, 2, 3, 4, 5])).collect();
    let count: i32 = shape.iter().product();
    if int_const && count <= 16 {
        let values: Vec<i32> = (0..count).map(|_| r.pick(&SMALL)).collect();
        b.add(const_i32(name, &shape, &values))
    } else if count <= 64 && r.next().is_multiple_of(3) {
        let values: Vec<f32> = (0..count).map(|i| i as f32 * 0.25).collect();
        b.add(const_f32(name, &shape, &values))
    } else {
        b.input(f32t(name, &shape))
    }
}

/// A random chain of one to three ops, each reading the previous one's first output, with
/// outputs whose stored shapes say nothing ([1], signature [-1]).
fn random_model(r: &mut Lcg) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let mut previous: Option<i32> = None;
    let mut last = Vec::new();
    for step in 0..1 + r.next() % 3 {
        let code = r.pick(&RANDOM_OPS);
        let (n, consts) = random_arity(code);
        let inputs: Vec<i32> = (0..n)
            .map(|k| match previous {
                Some(p) if k == 0 && !consts.contains(&0) => p,
                _ => random_input(&mut b, r, &format!("in{step}_{k}"), consts.contains(&k)),
            })
            .collect();
        let count = if matches!(code, B::SPLIT | B::SPLIT_V | B::UNPACK) { 2 } else { 1 };
        let dtype = match code {
            B::ARG_MAX | B::SHAPE => T::INT32,
            _ => T::FLOAT32,
        };
        last = (0..count).map(|k| b.add(tensor(&format!("out{step}_{k}"), dtype, &[1]).signature(&[-1]))).collect();
        b.op(code, &inputs, &last).options(random_options(code, r));
        // Only float outputs feed the next op (its kernels mostly take float).
        previous = (dtype == T::FLOAT32).then(|| last[0]);
    }
    for &o in &last {
        b.output(o);
    }
    b.finish()
}

fn all_fixtures() -> Vec<Fixture> {
    let mut v = Vec::new();
    window_fixtures(&mut v);
    matmul_fixtures(&mut v);
    elementwise_fixtures(&mut v);
    layout_fixtures(&mut v);
    split_fixtures(&mut v);
    v
}

/// What delegate-doctor predicts for a model: the failure and every tensor's shape after the walk
/// (up to the first dynamic op, as the interpreter prepares).
fn prediction(bytes: &[u8]) -> Result<Value, String> {
    let m = model::read(bytes).map_err(|e| e.to_string())?;
    let sg = &m.subgraphs[0]; // ok: model::read refuses models without subgraphs
    let dynamic = dynamic::first_dynamic_tensor(&m.subgraphs, [0]).filter(|d| d.subgraph == 0).and_then(|d| d.op);
    let p = shapes::propagate(&m, sg, dynamic);
    let failure = p.failure.as_ref().map(|f| {
        json!({"op_index": f.op_index, "op": f.op, "kernel": f.kernel, "check": f.check, "why": f.why, "reason": f.reason()})
    });
    Ok(json!({"failure": failure, "dynamic_op": dynamic, "stopped_at_dynamic": p.dynamic, "prepared": p.prepared, "shapes": p.shapes}))
}

/// A model cut before its first custom op, and the tensors it still computes or reads.
struct Prefix {
    bytes: Vec<u8>,
    checked: Vec<usize>,
}

/// The model cut before its first custom op: the ops before it, with every tensor they make that
/// a later op reads (or the graph returns) as an output. `None` when it has no custom op.
fn builtin_prefix(bytes: &[u8]) -> Result<Option<Prefix>, String> {
    let m = model::read(bytes).map_err(|e| e.to_string())?;
    let sg = &m.subgraphs[0]; // ok: model::read refuses models without subgraphs
    let Some(cut) = sg.operators.iter().position(|op| op.code == B::CUSTOM) else { return Ok(None) };
    let (kept, dropped) = sg.operators.split_at(cut);
    let made: Vec<i32> = kept.iter().flat_map(|op| op.outputs.iter().copied()).collect();
    let read_later = |t: &i32| dropped.iter().any(|op| op.inputs.contains(t)) || sg.outputs.contains(t);
    let mut outputs: Vec<i32> = made.iter().copied().filter(read_later).collect();
    outputs.dedup();
    let mut d = Draft::open(bytes).map_err(|e| e.to_string())?;
    d.operators().truncate(cut);
    if let Some(s) = d.subgraph(0) {
        s.outputs = Some(outputs);
    }
    d.model.signature_defs = None;
    let mut checked: Vec<usize> = kept
        .iter()
        .flat_map(|op| op.inputs.iter().chain(&op.outputs))
        .chain(&sg.inputs)
        .filter_map(|&t| usize::try_from(t).ok())
        .collect();
    checked.sort_unstable();
    checked.dedup();
    Ok(Some(Prefix { bytes: d.write().map_err(|e| e.to_string())?, checked }))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(dir.join(name), bytes)
}

fn run(dir: &Path, models: &[PathBuf], random: u64) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut fixtures = BTreeMap::new();
    for f in all_fixtures() {
        write(dir, &f.name, &f.bytes).map_err(|e| e.to_string())?;
        let mut p = prediction(&f.bytes).map_err(|e| format!("{}: {e}", f.name))?;
        p["rule"] = json!(f.rule);
        p["intended_failure"] = json!(f.fails_at);
        fixtures.insert(f.name, p);
    }
    let mut shared = BTreeMap::new();
    for path in models {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut p = prediction(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(prefix) = builtin_prefix(&bytes).map_err(|e| format!("{}: {e}", path.display()))? {
            let stem = path.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned());
            let name = format!("{stem}.builtin_prefix.tflite");
            write(dir, &name, &prefix.bytes).map_err(|e| e.to_string())?;
            p["prefix"] = json!(name);
            p["checked_tensors"] = json!(prefix.checked);
        }
        shared.insert(path.display().to_string(), p);
    }
    let mut randoms = BTreeMap::new();
    let mut r = Lcg(20260822);
    for i in 0..random {
        let bytes = random_model(&mut r);
        let name = format!("random_{i:05}.tflite");
        write(dir, &name, &bytes).map_err(|e| e.to_string())?;
        randoms.insert(name, prediction(&bytes)?);
    }
    let all = json!({"fixtures": fixtures, "models": shared, "random": randoms});
    let text = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
    write(dir, "predictions.json", text.as_bytes()).map_err(|e| e.to_string())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: make_shape_fixtures DIR [--model PATH]... [--random N]");
        std::process::exit(2);
    };
    let mut models = Vec::new();
    let mut random = 0;
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--model", Some(p)) => models.push(PathBuf::from(p)),
            ("--random", Some(n)) if n.parse::<u64>().is_ok() => random = n.parse().unwrap_or(0),
            _ => {
                eprintln!("usage: make_shape_fixtures DIR [--model PATH]... [--random N]");
                std::process::exit(2);
            }
        }
    }
    if let Err(e) = run(Path::new(&dir), &models, random) {
        eprintln!("make_shape_fixtures: {e}");
        std::process::exit(1);
    }
}
