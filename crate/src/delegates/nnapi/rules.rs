//! Which operators TensorFlow Lite's NNAPI delegate accepts: `NNAPIDelegateKernel::Validate`,
//! one small function per case of its `switch`, in the order of the source.
//!
//! Source: google-ai-edge/LiteRT `tflite/delegates/nnapi/nnapi_delegate.cc` (snapshot
//! f67457790c9c, function `NNAPIDelegateKernel::Validate` and its helpers `Expect*`,
//! `IsHybridOperator`, `HasZeroes`, `ComputeSplitVUnknownSplitSize`), with the option defaults of
//! `tflite/core/api/flatbuffer_conversions.cc`. Digest: `shared/reference/nnapi-rules.md` §3–4.
//! The code here is our own; only the failure messages are the delegate's, character for
//! character (including the leading spaces of two of them).
//!
//! How the delegate's view maps onto our model:
//! * tensors are read only through `op.inputs` / `op.outputs`; "constant" is `Tensor::is_const`
//!   (`kTfLiteMmapRo`); scale and zero point are the per-tensor ("legacy") ones, 0 unless the
//!   tensor has exactly one scale;
//! * a missing options table (or one of another type) reads as the zero-initialised params the
//!   parser leaves behind: no activation, dilation 0, ARG_MAX output type "no type", …;
//! * every check of a case runs and every failure is kept, except where the source returns early
//!   (DEQUANTIZE of a non-constant fp16 tensor, DENSIFY, basic LSTM) or stops a loop
//!   (CONCATENATION stops at the first mismatching input);
//! * where the source would read a tensor that does not exist (index -1 or past the end) it has
//!   undefined behaviour; we refuse with our own message ("… is missing …") and skip the checks
//!   that needed the tensor. DENSIFY, which the source refuses silently, gets our own message too.

use crate::model::{
    BuiltinOperator as Op, BuiltinOptionsT as Opts, Model, Operator, Subgraph, Tensor, TensorType,
};
use tflite_schema::tflite::{ActivationFunctionType as Act, LSHProjectionType, MirrorPadMode};

/// Inputs Validate needs besides the operator.
pub struct ValidateContext<'a, 'm> {
    pub model: &'a Model<'m>,
    pub subgraph: &'a Subgraph,
    /// The effective level L (27..31, 1000006, 1000007, 1000008).
    pub level: i64,
    /// `is_accelerator_specified`.
    pub accel: bool,
}

// Levels compared against (nnapi_delegate_kernel.h).
const NNAPI_1_1: i64 = 28;
const NNAPI_1_2: i64 = 29;
const NNAPI_1_3: i64 = 30;
const FEATURE_LEVEL_6: i64 = 1_000_006;
const FEATURE_LEVEL_7: i64 = 1_000_007;

const F32: TensorType = TensorType::FLOAT32;
const F16: TensorType = TensorType::FLOAT16;
const I32: TensorType = TensorType::INT32;
const U8: TensorType = TensorType::UINT8;
const I64: TensorType = TensorType::INT64;
const BOOL: TensorType = TensorType::BOOL;
const I16: TensorType = TensorType::INT16;
const I8: TensorType = TensorType::INT8;

/// The builtin codes the delegate's switch handles (94), in source order.
#[rustfmt::skip]
pub const HANDLED_OPS: &[Op] = &[
    Op::ADD, Op::ARG_MAX, Op::ARG_MIN, Op::MUL, Op::AVERAGE_POOL_2D, Op::MAX_POOL_2D,
    Op::L2_POOL_2D, Op::CONV_2D, Op::DEPTHWISE_CONV_2D, Op::FULLY_CONNECTED, Op::HARD_SWISH,
    Op::SOFTMAX, Op::RESHAPE, Op::RESIZE_BILINEAR, Op::RESIZE_NEAREST_NEIGHBOR, Op::SQUEEZE,
    Op::UNIDIRECTIONAL_SEQUENCE_LSTM, Op::L2_NORMALIZATION, Op::LOCAL_RESPONSE_NORMALIZATION,
    Op::LSH_PROJECTION, Op::CONCATENATION, Op::DEQUANTIZE, Op::DENSIFY, Op::FLOOR, Op::RELU,
    Op::RELU_N1_TO_1, Op::RELU6, Op::LOGISTIC, Op::TANH, Op::SUB, Op::DIV, Op::PAD, Op::PADV2,
    Op::UNIDIRECTIONAL_SEQUENCE_RNN, Op::SPACE_TO_BATCH_ND, Op::BATCH_TO_SPACE_ND,
    Op::STRIDED_SLICE, Op::TRANSPOSE, Op::ABS, Op::EXP, Op::LOG, Op::POW, Op::RSQRT, Op::SLICE,
    Op::COS, Op::SIN, Op::TRANSPOSE_CONV, Op::SQRT, Op::RNN, Op::SPACE_TO_DEPTH, Op::SVDF,
    Op::LSTM, Op::MEAN, Op::EMBEDDING_LOOKUP, Op::HASHTABLE_LOOKUP, Op::MAXIMUM, Op::MINIMUM,
    Op::CAST, Op::LEAKY_RELU, Op::PRELU, Op::TILE, Op::LOGICAL_OR, Op::LOGICAL_AND,
    Op::LOGICAL_NOT, Op::LESS, Op::LESS_EQUAL, Op::GREATER, Op::GREATER_EQUAL, Op::EQUAL,
    Op::NOT_EQUAL, Op::NEG, Op::TOPK_V2, Op::SELECT, Op::GATHER, Op::BIDIRECTIONAL_SEQUENCE_LSTM,
    Op::EXPAND_DIMS, Op::SPLIT, Op::SPLIT_V, Op::LOG_SOFTMAX, Op::QUANTIZE, Op::REDUCE_ANY,
    Op::REDUCE_MIN, Op::REDUCE_MAX, Op::DEPTH_TO_SPACE, Op::REDUCE_PROD, Op::SUM, Op::ELU,
    Op::FILL, Op::PACK, Op::UNPACK, Op::SQUARED_DIFFERENCE, Op::BATCH_MATMUL, Op::MIRROR_PAD,
    Op::REVERSE_V2,
];

/// Tensor types NNAPI operands can have (building the NNAPI model fails for any other).
pub fn nnapi_can_represent(t: TensorType) -> bool {
    [F32, F16, U8, I8, I32, BOOL, I16].contains(&t)
}

/// The delegate's reasons for refusing `op`; empty = accepted. The caller may pass a clone of an
/// operator whose inputs were remapped (fp16 path), so read tensors through op.inputs only.
pub fn validate(ctx: &ValidateContext, op: &Operator) -> Vec<String> {
    let mut c = Check { ctx, op, failures: Vec::new() };
    dispatch(&mut c);
    c.failures
}

fn dispatch(c: &mut Check) {
    match c.op.code {
        Op::ADD => add(c),
        Op::ARG_MAX | Op::ARG_MIN => arg_min_max(c),
        Op::MUL => mul(c),
        Op::AVERAGE_POOL_2D => average_pool(c),
        Op::MAX_POOL_2D => max_pool(c),
        Op::L2_POOL_2D => l2_pool(c),
        Op::CONV_2D => conv_2d(c),
        Op::DEPTHWISE_CONV_2D => depthwise_conv_2d(c),
        Op::FULLY_CONNECTED => fully_connected(c),
        Op::HARD_SWISH => float_or_quant8(c),
        Op::SOFTMAX => softmax(c),
        Op::RESHAPE => reshape(c),
        Op::RESIZE_BILINEAR => resize_bilinear(c),
        Op::RESIZE_NEAREST_NEIGHBOR => resize_nearest_neighbor(c),
        Op::SQUEEZE => squeeze(c),
        Op::UNIDIRECTIONAL_SEQUENCE_LSTM => unidirectional_sequence_lstm(c),
        Op::L2_NORMALIZATION => l2_normalization(c),
        Op::LOCAL_RESPONSE_NORMALIZATION | Op::FLOOR => c.op_version(1),
        Op::LSH_PROJECTION => lsh_projection(c),
        Op::CONCATENATION => concatenation(c),
        Op::DEQUANTIZE => dequantize(c),
        Op::DENSIFY => densify(c),
        Op::RELU | Op::RELU_N1_TO_1 | Op::RELU6 | Op::LOGISTIC => relu_family(c),
        Op::TANH => tanh(c),
        Op::SUB => sub(c),
        Op::DIV => div(c),
        Op::PAD | Op::PADV2 => pad(c),
        Op::UNIDIRECTIONAL_SEQUENCE_RNN => unidirectional_sequence_rnn(c),
        Op::SPACE_TO_BATCH_ND => space_to_batch_nd(c),
        Op::BATCH_TO_SPACE_ND => batch_to_space_nd(c),
        Op::STRIDED_SLICE => strided_slice(c),
        Op::TRANSPOSE => transpose(c),
        Op::ABS | Op::EXP | Op::LOG | Op::POW | Op::COS | Op::SIN | Op::SQRT => float_unary(c),
        Op::RSQRT => rsqrt(c),
        Op::SLICE => slice(c),
        Op::TRANSPOSE_CONV => transpose_conv(c),
        Op::RNN => rnn(c),
        Op::SPACE_TO_DEPTH => space_to_depth(c),
        Op::SVDF => svdf(c),
        Op::LSTM => lstm(c),
        Op::MEAN => mean(c),
        Op::EMBEDDING_LOOKUP => embedding_lookup(c),
        Op::HASHTABLE_LOOKUP => hashtable_lookup(c),
        Op::MAXIMUM | Op::MINIMUM => maximum_minimum(c),
        Op::CAST => cast(c),
        Op::LEAKY_RELU | Op::PRELU => leaky_relu_prelu(c),
        Op::TILE => tile(c),
        Op::LOGICAL_OR | Op::LOGICAL_AND | Op::LOGICAL_NOT => logical(c),
        Op::LESS | Op::LESS_EQUAL | Op::GREATER | Op::GREATER_EQUAL | Op::EQUAL | Op::NOT_EQUAL => {
            comparison(c)
        }
        Op::NEG => neg(c),
        Op::TOPK_V2 => topk_v2(c),
        Op::SELECT => select(c),
        Op::GATHER => gather(c),
        Op::BIDIRECTIONAL_SEQUENCE_LSTM => bidirectional_sequence_lstm(c),
        Op::EXPAND_DIMS => expand_dims(c),
        Op::SPLIT => split(c),
        Op::SPLIT_V => split_v(c),
        Op::LOG_SOFTMAX => log_softmax(c),
        Op::QUANTIZE => quantize(c),
        Op::REDUCE_ANY => reduce_any(c),
        Op::REDUCE_MIN | Op::REDUCE_MAX => reduce_min_max(c),
        Op::DEPTH_TO_SPACE => depth_to_space(c),
        Op::REDUCE_PROD | Op::SUM => reduce_prod_sum(c),
        Op::ELU => elu(c),
        Op::FILL => fill(c),
        Op::PACK => pack(c),
        Op::UNPACK => unpack(c),
        Op::SQUARED_DIFFERENCE => squared_difference(c),
        Op::BATCH_MATMUL => batch_matmul(c),
        Op::MIRROR_PAD => mirror_pad(c),
        Op::REVERSE_V2 => reverse_v2(c),
        _ => c.fail("Unsupported operation type."),
    }
}

// ---------------------------------------------------------------------------------------------
// The checking context: the delegate's Expect* helpers.

struct Check<'c, 'a, 'm> {
    ctx: &'c ValidateContext<'a, 'm>,
    op: &'c Operator,
    failures: Vec<String>,
}

impl<'a> Check<'_, 'a, '_> {
    fn level(&self) -> i64 {
        self.ctx.level
    }

    /// `node->inputs->size`: omitted (-1) entries count.
    fn n_inputs(&self) -> usize {
        self.op.inputs.len()
    }

    fn fail(&mut self, msg: &str) {
        self.failures.push(msg.to_string());
    }

    /// `Expect`: keeps `msg` when `ok` is false.
    fn check(&mut self, ok: bool, msg: &str) -> bool {
        if !ok {
            self.fail(msg);
        }
        ok
    }

    /// `ExpectMaxOpVersion`.
    fn max_version(&mut self, max: i32) {
        if self.op.version > max {
            self.failures.push(format!("OP Version higher than {max}"));
        }
    }

    /// `ExpectOpVersion`: the same test as `ExpectMaxOpVersion`, another message.
    fn op_version(&mut self, max: i32) {
        if self.op.version > max {
            self.failures.push(format!("OP Version different from {max}"));
        }
    }

    /// `ExpectMinAndroidSdkVersion`.
    fn min_level(&mut self, min: i64) {
        if self.level() < min {
            self.failures.push(format!("Android sdk version less than {min}"));
        }
    }

    /// Input `i`, or `None` after noting (once) that it is missing.
    fn input(&mut self, i: usize) -> Option<&'a Tensor> {
        let subgraph: &'a Subgraph = self.ctx.subgraph;
        let entry = self.op.inputs.get(i).copied();
        let found = entry.and_then(|t| subgraph.tensor(t));
        if found.is_none() {
            self.missing("input", i, entry);
        }
        found
    }

    fn output(&mut self, i: usize) -> Option<&'a Tensor> {
        let subgraph: &'a Subgraph = self.ctx.subgraph;
        let entry = self.op.outputs.get(i).copied();
        let found = entry.and_then(|t| subgraph.tensor(t));
        if found.is_none() {
            self.missing("output", i, entry);
        }
        found
    }

    fn missing(&mut self, what: &str, i: usize, entry: Option<i32>) {
        let msg = match entry {
            Some(t) => format!("The operator's {what} {i} is missing (tensor index {t})"),
            None => format!("The operator has no {what} {i}"),
        };
        if !self.failures.contains(&msg) {
            self.failures.push(msg);
        }
    }

    fn in_type(&mut self, i: usize) -> Option<TensorType> {
        self.input(i).map(|t| t.dtype)
    }

    fn in_rank(&mut self, i: usize) -> Option<usize> {
        self.input(i).map(Tensor::rank)
    }

    /// `Expect(pred(input i), msg)`; a missing input is reported instead.
    fn expect_in(&mut self, i: usize, pred: impl FnOnce(&Tensor) -> bool, msg: &str) {
        if let Some(t) = self.input(i) {
            self.check(pred(t), msg);
        }
    }

    fn expect_out(&mut self, i: usize, pred: impl FnOnce(&Tensor) -> bool, msg: &str) {
        if let Some(t) = self.output(i) {
            self.check(pred(t), msg);
        }
    }

    /// `ExpectTypeIn` on input `i` with the caller's message.
    fn in_type_is(&mut self, i: usize, allowed: &[TensorType], msg: &str) {
        self.expect_in(i, |t| allowed.contains(&t.dtype), msg);
    }

    /// `EXPECT_INPUT_TYPE_IN`: the message spells out the list as written in the source.
    fn in_type_in(&mut self, i: usize, allowed: &[TensorType]) {
        if let Some(t) = self.in_type(i) {
            self.type_in(t, allowed);
        }
    }

    fn type_in(&mut self, t: TensorType, allowed: &[TensorType]) {
        if !allowed.contains(&t) {
            let names: Vec<&str> = allowed.iter().map(|&a| c_type_name(a)).collect();
            self.failures.push(format!("Input type not in expected list {}", names.join(", ")));
        }
    }

    /// Both of in0 and in1 have rank <= 4 (ADD, MUL, SUB, DIV, SQUARED_DIFFERENCE).
    fn ranks_at_most_4(&mut self, msg: &str) {
        let (a, b) = (self.in_rank(0), self.in_rank(1));
        if let (Some(a), Some(b)) = (a, b) {
            self.check(a <= 4 && b <= 4, msg);
        }
    }

    fn is_const_in(&mut self, i: usize) -> Option<bool> {
        self.input(i).map(Tensor::is_const)
    }

    /// The constant integer values of input `i` (int32/int64), if it has any.
    fn const_ints(&mut self, i: usize) -> Option<Vec<i64>> {
        let t = self.input(i)?;
        self.ctx.model.const_ints(t)
    }
}

/// The `kTfLite…` spelling used by `EXPECT_INPUT_TYPE_IN` messages.
fn c_type_name(t: TensorType) -> &'static str {
    match t {
        F32 => "kTfLiteFloat32",
        F16 => "kTfLiteFloat16",
        I32 => "kTfLiteInt32",
        U8 => "kTfLiteUInt8",
        I64 => "kTfLiteInt64",
        BOOL => "kTfLiteBool",
        I16 => "kTfLiteInt16",
        I8 => "kTfLiteInt8",
        _ => "kTfLiteNoType",
    }
}

// Shared predicates -----------------------------------------------------------------------------

/// `IsQuantized`: uint8 or int8 (int16 is not "quantized" here).
fn is_quantized(t: TensorType) -> bool {
    t == U8 || t == I8
}

fn scale(t: &Tensor) -> f32 {
    t.quantization.as_ref().map_or(0.0, |q| q.legacy_scale())
}

fn zero_point(t: &Tensor) -> i64 {
    t.quantization.as_ref().map_or(0, |q| q.legacy_zero_point())
}

/// `ConvertActivation` maps unknown values to "none".
fn no_activation(a: Act) -> bool {
    !matches!(a, Act::RELU | Act::RELU_N1_TO_1 | Act::RELU6 | Act::TANH | Act::SIGN_BIT)
}

fn fits_i32(v: i64) -> bool {
    i32::try_from(v).is_ok()
}

/// `HasZeroes`.
fn has_zeroes(t: &Tensor) -> bool {
    t.shape.contains(&0)
}

/// `IsHybridOperator`: float input with quantized weights, for the five ops that have a hybrid
/// form (LSTM only in its full, 20- or 24-input, kernel).
fn is_hybrid(c: &mut Check) -> bool {
    let weights = match c.op.code {
        Op::CONV_2D | Op::FULLY_CONNECTED | Op::UNIDIRECTIONAL_SEQUENCE_RNN => 1,
        Op::LSTM if !matches!(c.n_inputs(), 20 | 24) => return false,
        Op::LSTM | Op::UNIDIRECTIONAL_SEQUENCE_LSTM | Op::BIDIRECTIONAL_SEQUENCE_LSTM => 2,
        _ => return false,
    };
    let (input, weights) = (c.in_type(0), c.in_type(weights));
    input == Some(F32) && weights.is_some_and(is_quantized)
}

// The in0 type helpers (ExpectIsFloat…Operator).

fn float(c: &mut Check) {
    c.in_type_is(0, &[F32], "Input should be Float");
}

fn float_or_uint8(c: &mut Check) {
    c.in_type_is(0, &[F32, U8], "Input should be Float or UINT8");
}

fn float_or_quant8(c: &mut Check) {
    c.in_type_is(0, &[F32, U8, I8], "Input should be Float or Quant8");
}

fn float_quant8_or_int32(c: &mut Check) {
    c.in_type_is(0, &[F32, U8, I8, I32], "Input should be Float, Quant8, or Int32");
}

/// `ExpectIsRestrictedScalesCompliant` (NNAPI 1.0/1.1, quantized conv and FC).
fn restricted_scales(c: &mut Check) {
    let (input, filter, output) = (c.input(0), c.input(1), c.output(0));
    if let (Some(i), Some(f), Some(o)) = (input, filter, output) {
        c.check(
            scale(i) * scale(f) < scale(o),
            "When using NN API version 1.0 or 1.1, input_scale * filter_scale < output_scale.",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The cases, in source order.

/// ADD and MUL: int32 from NNAPI 1.3, and then without fused activation.
fn add_or_mul_types(c: &mut Check, activation: Act) {
    if c.level() >= NNAPI_1_3 {
        float_quant8_or_int32(c);
        if c.in_type(0) == Some(I32) {
            c.check(no_activation(activation), "No activation function supported");
        }
    } else {
        float_or_quant8(c);
    }
    c.ranks_at_most_4("Input rank must be <= 4");
}

fn add(c: &mut Check) {
    c.max_version(2);
    let act = match &c.op.options {
        Opts::AddOptions(o) => o.fused_activation_function,
        _ => Act::NONE,
    };
    add_or_mul_types(c, act);
}

/// ARG_MAX / ARG_MIN. An int64 axis passes only when constant and within int32.
fn arg_min_max(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_2);
    c.in_type_in(0, &[F16, F32, I32, U8, I8]);
    if let Some(axis) = c.input(1) {
        if axis.dtype == I64 {
            let value = c.const_ints(1).and_then(|v| v.first().copied());
            c.check(
                axis.is_const() && value.is_some_and(fits_i32),
                "NNAPI only supports axis as int32. If the axis type is int64 and constant we can \
                 convert it to int32 if the value isn't too large.",
            );
        } else {
            c.check(axis.dtype == I32, "Axis should be Int32");
        }
    }
    // Without options the parser leaves output_type = kTfLiteNoType.
    let output_type = match (&c.op.options, c.op.code) {
        (Opts::ArgMaxOptions(o), Op::ARG_MAX) => Some(o.output_type),
        (Opts::ArgMinOptions(o), Op::ARG_MIN) => Some(o.output_type),
        _ => None,
    };
    c.check(output_type == Some(I32), "NNAPI only supports int32 output.");
}

/// MUL: version 3 (output scale below input scale product) only with an accelerator.
fn mul(c: &mut Check) {
    c.max_version(if c.ctx.accel { 3 } else { 2 });
    let act = match &c.op.options {
        Opts::MulOptions(o) => o.fused_activation_function,
        _ => Act::NONE,
    };
    add_or_mul_types(c, act);
}

/// AVERAGE_POOL_2D: a quantized window over 256 elements overflows the reference CPU, so it is
/// accepted only when an accelerator is named (b/138756912).
fn average_pool(c: &mut Check) {
    c.max_version(2);
    float_or_quant8(c);
    if c.in_type(0).is_some_and(is_quantized) {
        let window = match &c.op.options {
            Opts::Pool2DOptions(o) => i64::from(o.filter_width) * i64::from(o.filter_height),
            _ => 0,
        };
        let ok = c.ctx.accel || window <= 256;
        c.check(ok, "Large filter window would overflow on the reference CPU path");
    }
}

fn max_pool(c: &mut Check) {
    c.max_version(2);
    float_or_quant8(c);
}

fn l2_pool(c: &mut Check) {
    c.op_version(1);
    float(c);
    if c.level() < NNAPI_1_2 {
        let act = match &c.op.options {
            Opts::Pool2DOptions(o) => o.fused_activation_function,
            _ => Act::NONE,
        };
        c.check(no_activation(act), "Before NNAPI 1.2 fused activation for l2_pool may not be supported.");
    }
}

/// CONV_2D: the bias must be listed (a -1 entry counts); without options the dilation is 0,
/// which counts as dilated. No input-type check at all from NNAPI 1.2.
fn conv_2d(c: &mut Check) {
    c.max_version(5);
    let old = c.level() < NNAPI_1_2;
    if old {
        let hybrid = is_hybrid(c);
        c.check(!hybrid, "Hybrid operators not supported before NNAPI 1.2");
        float_or_uint8(c);
        if let Some(q) = c.input(1).and_then(|f| f.quantization.as_ref()) {
            c.check(q.scale.len() <= 1, "Per-channel quantized convolution not supported before NNAPI 1.2.");
        }
    }
    if old && c.in_type(0) == Some(U8) {
        restricted_scales(c);
    }
    c.check(c.n_inputs() == 3, "Conv2D with omitted bias not supported");
    let (dw, dh) = match &c.op.options {
        Opts::Conv2DOptions(o) => (o.dilation_w_factor, o.dilation_h_factor),
        _ => (0, 0),
    };
    if dw != 1 || dh != 1 {
        c.check(!old, "NNAPI supports dilated Conv2D since NNAPI 1.2.");
    }
    if old {
        // Input and filter channels (dims[3]); a tensor of rank < 4 counts as a mismatch.
        let (input, filter) = (c.input(0), c.input(1));
        if let (Some(i), Some(f)) = (input, filter) {
            let same = matches!((i.shape.get(3), f.shape.get(3)), (Some(a), Some(b)) if a == b);
            c.check(same, "Grouped convolution not supported before NNAPI < 1.2");
        }
    }
}

fn depthwise_conv_2d(c: &mut Check) {
    c.max_version(3);
    if c.level() < NNAPI_1_2 {
        float_or_uint8(c);
        if c.in_type(0) == Some(U8) {
            restricted_scales(c);
        }
        let (dw, dh) = match &c.op.options {
            Opts::DepthwiseConv2DOptions(o) => (o.dilation_w_factor, o.dilation_h_factor),
            _ => (0, 0),
        };
        c.check(
            dw == 1 && dh == 1,
            "dilation_width_factor and dilation_height_factor expected to be equal to 1",
        );
    }
}

fn fully_connected(c: &mut Check) {
    c.max_version(5);
    c.expect_out(0, |t| t.dtype != I16, "Unsupported output of type kTfLiteInt16");
    let old = c.level() < NNAPI_1_2;
    if old {
        let hybrid = is_hybrid(c);
        c.check(!hybrid, "Hybrid operators not supported before NNAPI 1.2");
        float_or_uint8(c);
    }
    if old && c.in_type(0) == Some(U8) {
        restricted_scales(c);
    }
    let keep_num_dims = matches!(&c.op.options, Opts::FullyConnectedOptions(o) if o.keep_num_dims);
    if keep_num_dims {
        c.min_level(NNAPI_1_3);
    }
}

fn softmax(c: &mut Check) {
    c.op_version(2);
    float_or_quant8(c);
    c.expect_out(
        0,
        |t| [F32, U8, I8].contains(&t.dtype),
        "Output type should be one of kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8.",
    );
    if let Some(rank) = c.in_rank(0) {
        c.check(rank <= 4, "Input rank should be <= 4");
        if c.level() < NNAPI_1_2 {
            c.check(
                rank == 2 || rank == 4,
                "Before API level 29 only 2D and 4D input tensors were supported.",
            );
        }
    }
}

/// RESHAPE: int32 from feature level 6; the new shape must be known statically.
fn reshape(c: &mut Check) {
    c.op_version(1);
    if c.level() < FEATURE_LEVEL_6 {
        float_or_quant8(c);
    } else {
        float_quant8_or_int32(c);
    }
    c.expect_in(0, |t| t.rank() <= 4, "Input rank should be <= 4");
    c.expect_out(0, |t| t.rank() <= 4, "Output rank should be <= 4");
    if c.n_inputs() >= 2 {
        c.expect_in(1, Tensor::is_const, "The shape input tensor must be constant.");
    }
    if c.n_inputs() == 1 {
        // Legacy models write new_shape = [0] for a scalar.
        let dims = match &c.op.options {
            Opts::ReshapeOptions(o) => o.new_shape.clone().unwrap_or_default(),
            _ => Vec::new(),
        };
        let rank = if dims == [0] { 0 } else { dims.len() };
        c.check(rank > 0, "New shape rank should be > 0");
    }
}

/// RESIZE_BILINEAR: align_corners / half_pixel_centers are refused up to NNAPI 1.2 (L <= 29).
fn resize_bilinear(c: &mut Check) {
    c.max_version(3);
    c.expect_in(0, |t| t.rank() == 4, "Input should have rank 4");
    float_or_quant8(c);
    resize_size_input(c);
    if c.level() < NNAPI_1_2 {
        // Output dims[1] == dims[2]; an output of rank < 3 counts as a mismatch.
        c.expect_out(
            0,
            |t| matches!((t.shape.get(1), t.shape.get(2)), (Some(h), Some(w)) if h == w),
            "Require width == height due to driver differences in NNAPI < 1.2",
        );
    }
    let (align, half) = match &c.op.options {
        Opts::ResizeBilinearOptions(o) => (o.align_corners, o.half_pixel_centers),
        _ => (false, false),
    };
    resize_flags(c, align, half);
    if c.level() < NNAPI_1_2 {
        c.in_type_is(0, &[F32], "NNAPI 1.0 & 1.1 only supports float input.");
    }
}

/// The size input of the two RESIZE ops: present and constant.
fn resize_size_input(c: &mut Check) {
    c.check(c.n_inputs() >= 2, "Expected at least 2 inputs");
    if c.n_inputs() >= 2 {
        c.expect_in(1, Tensor::is_const, "The size input tensor must be constant.");
    }
}

fn resize_flags(c: &mut Check, align_corners: bool, half_pixel_centers: bool) {
    if c.level() <= NNAPI_1_2 {
        c.check(!align_corners, "NNAPI does not support align_corners == true.");
        c.check(!half_pixel_centers, "NNAPI does not support half_pixel_centers == true.");
    }
}

fn resize_nearest_neighbor(c: &mut Check) {
    c.max_version(3);
    c.min_level(NNAPI_1_2);
    float_or_quant8(c);
    resize_size_input(c);
    let (align, half) = match &c.op.options {
        Opts::ResizeNearestNeighborOptions(o) => (o.align_corners, o.half_pixel_centers),
        _ => (false, false),
    };
    resize_flags(c, align, half);
}

/// SQUEEZE: at exactly NNAPI 1.1 the squeeze_dims list must be given.
fn squeeze(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_1);
    if c.level() == NNAPI_1_1 {
        let count = match &c.op.options {
            Opts::SqueezeOptions(o) => o.squeeze_dims.as_ref().map_or(0, Vec::len),
            _ => 0,
        };
        c.check(count != 0, "NNAPI 1.1 does not support null squeeze_dims properly.");
    }
}

fn unidirectional_sequence_lstm(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_2);
    not_hybrid(c);
    c.check(matches!(c.n_inputs(), 20 | 24), "Supporting only operation with 20 or 24 inputs");
}

fn not_hybrid(c: &mut Check) {
    let hybrid = is_hybrid(c);
    c.check(!hybrid, "Hybrid version of this op is not supported by NN API.");
}

/// L2_NORMALIZATION: note the message "Expected 4 inputs" is about the input's rank.
fn l2_normalization(c: &mut Check) {
    c.max_version(2);
    if c.level() < NNAPI_1_2 {
        float(c);
        c.expect_in(0, |t| t.rank() == 4, "Expected 4 inputs");
    }
    let act = match &c.op.options {
        Opts::L2NormOptions(o) => o.fused_activation_function,
        _ => Act::NONE,
    };
    c.check(no_activation(act), "Expected no activation");
}

fn lsh_projection(c: &mut Check) {
    c.op_version(1);
    let sparse =
        matches!(&c.op.options, Opts::LSHProjectionOptions(o) if o.type_ == LSHProjectionType::SPARSE);
    if sparse {
        c.check(c.level() >= NNAPI_1_2, "NNAPI does not support sparse projection correctly pre-Q");
        c.check(c.n_inputs() == 2, " NNAPI does not support weights for sparse projects.");
    }
}

/// CONCATENATION: before NNAPI 1.2 uint8 inputs must share in0's scale and zero point; the loop
/// stops at the first input that differs.
fn concatenation(c: &mut Check) {
    c.max_version(2);
    let act = match &c.op.options {
        Opts::ConcatenationOptions(o) => o.fused_activation_function,
        _ => Act::NONE,
    };
    c.check(no_activation(act), "No activation function supported");
    c.expect_in(0, |t| t.rank() <= 4, "Input rank should be less than 4");
    let Some(first) = c.input(0) else { return };
    c.type_in(first.dtype, &[F16, F32, U8, I8]);
    if first.dtype == U8 && c.level() < NNAPI_1_2 {
        for i in 1..c.n_inputs() {
            let Some(t) = c.input(i) else { break };
            let same = scale(t) == scale(first) && zero_point(t) == zero_point(first);
            if !c.check(
                same,
                "NNAPI 1.0-1 only supported concatenating quantized tensor of the same scale and offset.",
            ) {
                break;
            }
        }
    }
}

/// DEQUANTIZE: a non-constant fp16 input is accepted outright from NNAPI 1.3 (early return);
/// a constant fp16 input is handled by the fp16 partitioning path, not here.
fn dequantize(c: &mut Check) {
    let input = c.input(0);
    if c.level() >= NNAPI_1_3 && input.is_some_and(|t| t.dtype == F16 && !t.is_const()) {
        return;
    }
    c.check(matches!(c.op.version, 1 | 2), "Supported op versions are 1 and 2 only");
    let Some(input) = input else { return };
    if c.level() < NNAPI_1_2 {
        c.type_in(input.dtype, &[U8]);
    } else {
        c.type_in(input.dtype, &[U8, I8]);
        if c.level() == NNAPI_1_2 && input.dtype == I8 {
            c.check(
                zero_point(input) == 0,
                "NN API supports int8 type since version 1.2 but only for symmetric quantization.",
            );
        }
    }
}

/// DENSIFY: accepted iff NNAPI 1.3 and a constant input. The source refuses without a message;
/// the message here is ours.
fn densify(c: &mut Check) {
    let constant = c.is_const_in(0);
    if constant == Some(true) && c.level() >= NNAPI_1_3 {
        return;
    }
    if constant.is_some() {
        c.fail("DENSIFY is only delegated from NNAPI 1.3 (level 30) and with a constant input");
    }
}

fn relu_family(c: &mut Check) {
    c.max_version(2);
    float_or_quant8(c);
}

fn tanh(c: &mut Check) {
    c.max_version(2);
    let quantized_ok = c.level() >= NNAPI_1_2;
    c.expect_in(
        0,
        |t| t.dtype == F32 || (is_quantized(t.dtype) && quantized_ok),
        " NNAPI only support float tanh.",
    );
}

/// SUB: float from NNAPI 1.1, quantized from 1.2, int32 (without activation) from 1.3; nothing
/// at NNAPI 1.0.
fn sub(c: &mut Check) {
    c.max_version(3);
    let level = c.level();
    let Some(t) = c.in_type(0) else { return };
    let ok = (level >= NNAPI_1_1 && t == F32)
        || (level >= NNAPI_1_2 && is_quantized(t))
        || (level >= NNAPI_1_3 && t == I32);
    c.check(ok, "NNAPI only support float sub.");
    if t == I32 {
        let act = match &c.op.options {
            Opts::SubOptions(o) => o.fused_activation_function,
            _ => Act::NONE,
        };
        c.check(no_activation(act), "No activation function supported");
    }
    c.ranks_at_most_4("Input rank must be <= 4");
}

fn div(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_1);
    c.in_type_is(0, &[F32], "NNAPI only support float div.");
    c.ranks_at_most_4("Input rank must be <= 4");
}

/// PAD and PADV2: three listed inputs (even if the third is -1) map to NNAPI PAD_V2.
fn pad(c: &mut Check) {
    c.max_version(2);
    float_or_quant8(c);
    c.min_level(NNAPI_1_1);
    c.expect_in(0, |t| !has_zeroes(t), "NN API pad ops do not support input tensors with no elements");
    c.check(c.n_inputs() >= 2, "Expecting at least 2 inputs");
    if c.n_inputs() == 3 {
        c.check(c.level() >= NNAPI_1_2, "Specification of the padding value is supported from NNAPI 1.2.");
    } else if c.level() < NNAPI_1_2 {
        c.in_type_is(0, &[F32], "Only Float32 inputs are supported before NNAPI 1.2");
    }
}

fn unidirectional_sequence_rnn(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_2);
    not_hybrid(c);
}

fn space_to_batch_nd(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_1);
}

/// BATCH_TO_SPACE_ND: the crops (in2) must have data now — so in practice be constant — hold
/// exactly 16 bytes and be all zero.
fn batch_to_space_nd(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_1);
    if let Some(crops) = c.input(2) {
        let data = c.ctx.model.data(crops).unwrap_or_default();
        let ok = data.len() == 16 && data.iter().all(|&b| b == 0);
        c.check(ok, "All crops should be 0.");
    }
}

fn strided_slice(c: &mut Check) {
    c.max_version(2);
    float_or_quant8(c);
    c.min_level(NNAPI_1_1);
}

fn transpose(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_1);
    // The permutation decides the output shape, so it must be known now.
    if c.n_inputs() <= 1 {
        c.fail("Dynamically-sized tensors not supported.");
    } else if let Some(constant) = c.is_const_in(1) {
        c.check(constant, "Dynamically-sized tensors not supported.");
    }
}

/// ABS, EXP, LOG, POW, COS, SIN, SQRT: version 1, NNAPI 1.2, float input.
fn float_unary(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_2);
    float(c);
}

fn rsqrt(c: &mut Check) {
    c.op_version(2);
    c.min_level(NNAPI_1_2);
    if c.level() < FEATURE_LEVEL_7 {
        float(c);
    } else {
        float_or_quant8(c);
    }
}

fn slice(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_2);
    c.in_type_in(0, &[F32, I32, U8, I8]);
    c.in_type_is(1, &[I32], "Begin type should be Int32");
    c.in_type_is(2, &[I32], "Size type should be Int32");
}

/// TRANSPOSE_CONV: output_shape (in0) and weights (in1) must be constant.
fn transpose_conv(c: &mut Check) {
    c.max_version(4);
    c.min_level(NNAPI_1_2);
    if c.n_inputs() <= 1 {
        c.fail("Dynamically-sized tensors not supported.");
        return;
    }
    let (shape, weights) = (c.is_const_in(0), c.is_const_in(1));
    if let (Some(shape), Some(weights)) = (shape, weights) {
        c.check(shape && weights, "Dynamically-sized tensors not supported.");
    }
}

fn rnn(c: &mut Check) {
    c.op_version(1);
    c.check(c.n_inputs() == 5, "Expected 5 input");
    if c.n_inputs() >= 2 {
        c.in_type_is(1, &[F32], "NNAPI only support float32 weights.");
    }
}

fn space_to_depth(c: &mut Check) {
    c.max_version(2);
    c.in_type_in(0, &[F32, U8, I8]);
}

/// SVDF: the weights type is checked twice, with two messages; the NNAPI 1.1 requirement is a
/// plain check (not the "Android sdk version" one).
fn svdf(c: &mut Check) {
    c.op_version(1);
    c.check(c.n_inputs() == 5, "Expected input of rank 5");
    if c.n_inputs() >= 2 {
        c.in_type_is(1, &[F32], "NNAPI only support float32 weights.");
    }
    c.check(c.level() >= NNAPI_1_1, "SVDF does not support rank > 1 on NNAPI 1.0.");
    c.in_type_is(1, &[F32], "Weights should be Float32");
}

/// LSTM: the basic kernel (5 inputs) has fixed quantization; the full kernel checks the type of
/// input_to_output_weights (in4).
fn lstm(c: &mut Check) {
    c.max_version(3);
    c.check(c.level() >= NNAPI_1_1, "NNAPI 1.0 has a bug for optional tensors which would affect LSTM.");
    let hybrid_ok = c.level() >= NNAPI_1_2 || !is_hybrid(c);
    c.check(hybrid_ok, "Hybrid operators not supported before NNAPI 1.2.");
    if c.n_inputs() == 5 {
        basic_lstm(c);
        return;
    }
    if c.n_inputs() == 24 {
        c.min_level(NNAPI_1_2);
    }
    if c.level() >= NNAPI_1_3 {
        c.in_type_is(4, &[F32, U8, I8], "Weight has to be Float32 or UINT8 or INT8");
    } else {
        c.in_type_is(4, &[F32, U8], "Weight has to be Float32 or UINT8");
    }
}

fn basic_lstm(c: &mut Check) {
    let has = |t: &Tensor, s: f64, zp: i64| f64::from(scale(t)) == s && zero_point(t) == zp;
    c.in_type_is(2, &[U8], "Basic LSTM Kernels support only UINT8 weights");
    c.expect_in(0, |t| has(t, 1.0 / 128.0, 128), "Invalid input quantization");
    c.expect_out(0, |t| has(t, 1.0 / 128.0, 128), "Invalid output quantization");
    c.expect_out(
        1,
        |t| f64::from(scale(t)) == 16.0 / 32768.0 || zero_point(t) == 0,
        "Invalid cell state quantization",
    );
    c.expect_in(2, Tensor::is_const, "Weights tensor should be constant");
    c.expect_in(3, Tensor::is_const, "Biases tensor should be constant");
}

fn mean(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_1);
    if c.level() >= NNAPI_1_2 {
        c.expect_in(0, |t| t.dtype == F32 || is_quantized(t.dtype), "Expected Float32 or Quantized input");
    } else {
        c.in_type_is(0, &[F32], "Expected Float32 input");
    }
    c.expect_out(0, |t| t.rank() > 0, "NNAPI does not support generating a scalar as output for MEAN.");
    c.expect_in(0, |t| t.rank() <= 4, "NNAPI does not support mean of a tensor with rank > 4");
}

fn embedding_lookup(c: &mut Check) {
    c.op_version(1);
    c.in_type_is(1, &[F32], "NNAPI only support float32 values.");
}

fn hashtable_lookup(c: &mut Check) {
    c.op_version(1);
    c.expect_out(0, |t| t.dtype == F32, "NNAPI only support float32 output.");
}

/// MAXIMUM / MINIMUM: a rank-0 operand must be constant.
fn maximum_minimum(c: &mut Check) {
    c.max_version(3);
    c.min_level(NNAPI_1_2);
    c.in_type_in(0, &[F32, U8, I8, I32]);
    for i in 0..2 {
        if let Some(t) = c.input(i) {
            if t.rank() == 0 {
                c.check(t.is_const(), "Scalar operand should be constant");
            }
        }
    }
}

fn cast(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_2);
    if c.level() >= NNAPI_1_3 {
        c.in_type_in(0, &[F32, I32, U8, I8]);
        c.expect_out(
            0,
            |t| [F32, I32, U8, I8].contains(&t.dtype),
            "Output type should be one of kTfLiteFloat32, kTfLiteInt32, kTfLiteUInt8, kTfLiteInt8.",
        );
    } else {
        c.in_type_in(0, &[F32, I32, U8]);
        c.expect_out(
            0,
            |t| [F32, I32, U8].contains(&t.dtype),
            "Output type should be one of kTfLiteFloat32, kTfLiteInt32, kTfLiteUInt8.",
        );
    }
}

fn leaky_relu_prelu(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_2);
    c.in_type_in(0, &[F32, U8, I8]);
}

fn tile(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_2);
    c.in_type_in(0, &[F32, I8, U8, I32]);
    c.in_type_is(1, &[I32], "Multipliers should be Int32");
}

/// LOGICAL_OR, LOGICAL_AND, LOGICAL_NOT.
fn logical(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_2);
    c.in_type_is(0, &[BOOL], "Input should be bool");
}

/// LESS, LESS_EQUAL, GREATER, GREATER_EQUAL, EQUAL, NOT_EQUAL.
fn comparison(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_2);
    c.in_type_in(0, &[F32, U8, I8, BOOL, I32]);
}

fn neg(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_2);
    c.in_type_in(0, &[F32, I32]);
}

fn topk_v2(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_2);
    c.in_type_in(0, &[F32, I32, U8, I8]);
    c.expect_in(1, |k| k.dtype == I32 && k.is_const(), "K param should be a constant of type Int32");
}

/// SELECT (SELECT_V2 is not handled at all): no broadcasting of the condition.
fn select(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_2);
    c.in_type_in(1, &[F32, I32, U8, I8]);
    let (condition, values) = (c.input(0), c.input(1));
    if let (Some(a), Some(b)) = (condition, values) {
        c.check(a.shape == b.shape, "Condition and inputs tensors should have the same shape");
    }
}

fn gather(c: &mut Check) {
    c.op_version(2);
    c.min_level(NNAPI_1_2);
    c.in_type_in(0, &[F32, F16, I32, U8, I8]);
    c.in_type_is(1, &[I32], "Positions type should be one of kTfLiteInt32");
    c.expect_in(1, |t| t.rank() != 0, "0-dimension args are not supported by NNAPI.");
}

fn bidirectional_sequence_lstm(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_2);
    not_hybrid(c);
}

fn expand_dims(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_2);
    c.in_type_in(0, &[F32, F16, I32, U8, I8]);
    c.expect_in(1, |t| t.dtype == I32 && t.is_const(), "NNAPI only supports constant int32 axis tensor.");
}

/// SPLIT: inputs are (axis, value).
fn split(c: &mut Check) {
    c.op_version(3);
    c.min_level(NNAPI_1_2);
    if c.level() >= NNAPI_1_3 {
        c.in_type_in(1, &[F32, U8, I8, I32]);
    } else {
        c.in_type_in(1, &[F32, U8, I32]);
    }
    c.expect_in(0, |t| t.dtype == I32 && t.is_const(), "NNAPI only supports constant int32 axis tensor.");
}

/// SPLIT_V: inputs are (value, size_splits, axis); sizes and axis must be constant int32 and no
/// split — including the one a -1 entry stands for — may be empty.
fn split_v(c: &mut Check) {
    c.op_version(2);
    c.min_level(NNAPI_1_3);
    c.in_type_in(0, &[F32, U8, I8, I32]);
    let sizes_ok = c.input(1).map(|t| t.dtype == I32 && t.rank() == 1 && t.is_const());
    let axis_ok = c.input(2).map(|t| t.dtype == I32 && t.is_const());
    if let Some(ok) = sizes_ok {
        c.check(ok, "NNAPI only supports constant int32 size_splits vector.");
    }
    if let Some(ok) = axis_ok {
        c.check(ok, "NNAPI only supports constant int32 axis tensor.");
    }
    if sizes_ok == Some(true) && axis_ok == Some(true) {
        let sizes = c.const_ints(1).unwrap_or_default();
        c.check(sizes.iter().all(|&s| s != 0), "NNAPI only supports non-zero split sizes.");
        let unknown = split_v_unknown_size(c, &sizes);
        c.check(unknown != Some(0), "NNAPI only supports non-zero split sizes.");
    }
}

/// `ComputeSplitVUnknownSplitSize`: the size a -1 entry stands for (`Some(-1)` when there is no
/// -1 entry). `None` when the axis is out of range (undefined in the source; refused here).
fn split_v_unknown_size(c: &mut Check, sizes: &[i64]) -> Option<i64> {
    if !sizes.contains(&-1) {
        return Some(-1);
    }
    let known: i64 = sizes.iter().filter(|&&s| s != -1).sum();
    let axis = c.const_ints(2)?.first().copied()?;
    let input = c.input(0)?;
    let axis = if axis < 0 { axis + input.rank() as i64 } else { axis };
    let total = input.shape.get(usize::try_from(axis).ok()?)?;
    Some(i64::from(*total) - known)
}

fn log_softmax(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_2);
    c.in_type_is(0, &[F32], "Input should be Float32.");
}

/// QUANTIZE: int8 output only from NNAPI 1.3 (same message either way); scales must be > 0.
fn quantize(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_2);
    if let Some(input) = c.input(0) {
        c.check(input.dtype == F32 || is_quantized(input.dtype), "Value should be quantized or Float32.");
        if is_quantized(input.dtype) {
            c.check(scale(input) > 0.0, "Quantization scale should be > 0.");
        }
    }
    let allowed: &[TensorType] = if c.level() < NNAPI_1_3 { &[U8] } else { &[U8, I8] };
    c.expect_out(0, |t| allowed.contains(&t.dtype), "Output should be kTfLiteUInt8.");
    c.expect_out(0, |t| scale(t) > 0.0, "Quantization scale should be > 0.");
}

fn reduce_any(c: &mut Check) {
    c.op_version(2);
    c.min_level(NNAPI_1_2);
    c.expect_out(0, |t| t.rank() != 0, "NNAPI does not support generating a scalar as output.");
}

/// REDUCE_MIN / REDUCE_MAX: the "scalar output" message is given for a rank-0 *input*.
fn reduce_min_max(c: &mut Check) {
    c.max_version(2);
    c.min_level(NNAPI_1_2);
    c.in_type_in(0, &[F32, U8, I8]);
    c.expect_in(0, |t| t.rank() != 0, "NNAPI does not support generating a scalar as output.");
}

fn depth_to_space(c: &mut Check) {
    c.in_type_in(0, &[F32, U8, I8]);
}

/// REDUCE_PROD / SUM: this message has no final period.
fn reduce_prod_sum(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_2);
    c.expect_out(0, |t| t.rank() != 0, "NNAPI does not support generating a scalar as output");
    c.in_type_is(0, &[F32], "NNAPI only supports floating point input.");
}

fn elu(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_3);
    c.in_type_is(0, &[F32], "NNAPI only supports floating point input.");
}

/// FILL: dims (in0) constant int32/int64 and not empty; int64 values must fit int32.
fn fill(c: &mut Check) {
    c.op_version(1);
    c.min_level(NNAPI_1_3);
    if let Some(dims) = c.input(0) {
        c.check(dims.is_const(), "NNAPI doesn't support dynamic dimensions tensor.");
        c.type_in(dims.dtype, &[I32, I64]);
        if dims.is_const() {
            fill_const_dims(c, dims);
        }
    }
    if let Some(value) = c.input(1) {
        c.type_in(value.dtype, &[F32, I32, I64]);
        if value.dtype == I64 && value.is_const() {
            let first = c.ctx.model.const_ints(value).and_then(|v| v.first().copied());
            c.check(
                first.is_some_and(fits_i32),
                "NNAPI only supports int32 input. If the input type is int64 and constant we can \
                 convert it to int32 if the value isn't too large.",
            );
        }
    }
}

/// The dims tensor's own dims[0] is the output rank; a rank-0 dims tensor (undefined in the
/// source) is refused like a zero.
fn fill_const_dims(c: &mut Check, dims: &Tensor) {
    let count = dims.shape.first().copied().unwrap_or(0);
    c.check(count != 0, "NNAPI doesn't support generating scalars from FILL");
    if dims.dtype == I64 {
        let values = c.ctx.model.const_ints(dims).unwrap_or_default();
        let n = usize::try_from(count).unwrap_or(0);
        c.check(
            values.len() >= n && values.iter().take(n).all(|&v| fits_i32(v)),
            "NNAPI only supports int32 dimensions tensor. If the dimensions type is int64 and \
             they are constant we can convert them to int32 if the value isn't too large.",
        );
    }
}

/// PACK: below feature level 6 it is lowered to CONCATENATION + RESHAPE, which cannot stack
/// along a new last axis.
fn pack(c: &mut Check) {
    c.op_version(2);
    c.min_level(NNAPI_1_3);
    if c.level() >= FEATURE_LEVEL_6 {
        c.in_type_in(0, &[I32, F32, I8, U8]);
        return;
    }
    c.in_type_in(0, &[F32, I8]);
    let axis = match &c.op.options {
        Opts::PackOptions(o) => i64::from(o.axis),
        _ => 0,
    };
    if let Some(rank) = c.in_rank(0) {
        c.check(axis != -1 && axis != rank as i64, "NNAPI does not support axis being the last dimension");
    }
}

fn unpack(c: &mut Check) {
    c.op_version(2);
    c.min_level(NNAPI_1_3);
    c.in_type_in(0, &[F32, U8, I8]);
    let Some(rank) = c.in_rank(0) else { return };
    c.check(rank > 1, "NNAPI does not support unpacking a rank-1 tensor");
    c.check(rank <= 4, "NNAPI does not support unpacking a tensor with rank > 4");
    let axis = match &c.op.options {
        Opts::UnpackOptions(o) => i64::from(o.axis),
        _ => 0,
    };
    c.check(axis != -1 && axis != rank as i64 - 1, "NNAPI does not support axis being the last dimension");
}

/// SQUARED_DIFFERENCE: float from NNAPI 1.1, uint8 from 1.2, int8/int32 from 1.3.
fn squared_difference(c: &mut Check) {
    c.op_version(2);
    c.min_level(NNAPI_1_1);
    if c.level() >= NNAPI_1_3 {
        c.in_type_in(0, &[F32, U8, I8, I32]);
    } else if c.level() >= NNAPI_1_2 {
        c.in_type_in(0, &[F32, U8]);
    } else {
        c.in_type_in(0, &[F32]);
    }
    c.ranks_at_most_4("NNAPI does not support input rank greater than 4");
}

/// BATCH_MATMUL: same types, rank 2..4, no broadcasting of the batch dimensions.
fn batch_matmul(c: &mut Check) {
    c.op_version(2);
    c.min_level(FEATURE_LEVEL_6);
    c.in_type_in(0, &[F32, I32, I8]);
    let (a, b) = (c.input(0), c.input(1));
    let (Some(a), Some(b)) = (a, b) else { return };
    c.check(a.dtype == b.dtype, "NNAPI does not support hybrid batch matmul");
    c.check((2..=4).contains(&a.rank()), "NNAPI does not support input rank greater than 4 or less than 2");
    c.check(!is_broadcast(a, b), "NNAPI does not support broadcast batch matmul");
}

/// `IsBroadcastBatchMatMul`: ranks differ, or a leading (batch) dimension differs.
fn is_broadcast(a: &Tensor, b: &Tensor) -> bool {
    if a.rank() != b.rank() {
        return true;
    }
    let batch = a.rank().saturating_sub(2);
    a.shape.iter().zip(&b.shape).take(batch).any(|(x, y)| x != y)
}

/// MIRROR_PAD: the mode is "unknown" when the options are missing.
fn mirror_pad(c: &mut Check) {
    c.max_version(2);
    c.min_level(FEATURE_LEVEL_7);
    float_quant8_or_int32(c);
    let known = matches!(&c.op.options,
        Opts::MirrorPadOptions(o) if o.mode == MirrorPadMode::REFLECT || o.mode == MirrorPadMode::SYMMETRIC);
    c.check(known, "Unknown padding mode");
    c.expect_in(0, |t| !has_zeroes(t), "NN API pad ops do not support input tensors with no elements");
    c.check(c.n_inputs() == 2, "Expecting 2 inputs");
}

fn reverse_v2(c: &mut Check) {
    c.max_version(3);
    c.min_level(FEATURE_LEVEL_7);
    float_quant8_or_int32(c);
    c.check(c.n_inputs() == 2, "Expecting 2 inputs");
}
