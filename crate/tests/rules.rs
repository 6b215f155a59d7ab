//! Every case of `NNAPIDelegateKernel::Validate` (crate::nnapi::rules), tested both ways: one
//! model the delegate accepts and, for every condition, one it refuses with the exact message(s).
//! Each model is built with `builder`, read back with `model::read` and validated.

use delegate_doctor::builder::{
    const_bytes, const_f32, const_i32, const_i64, const_u8, tensor, ModelBuilder, TensorSpec,
};
use delegate_doctor::model::{self, BuiltinOperator as Op, BuiltinOptionsT, Operator, TensorType as T};
use delegate_doctor::nnapi::rules::{self, nnapi_can_represent, ValidateContext, HANDLED_OPS};
use delegate_doctor::opts;
use tflite_schema::tflite::{ActivationFunctionType as Act, LSHProjectionType, MirrorPadMode};

const F32: T = T::FLOAT32;
const F16: T = T::FLOAT16;
const I32: T = T::INT32;
const U8: T = T::UINT8;
const I64: T = T::INT64;
const BOOL: T = T::BOOL;
const I16: T = T::INT16;
const I8: T = T::INT8;
const MAX: i64 = 1_000_008;
const FL6: i64 = 1_000_006;
const FL7: i64 = 1_000_007;
const ALL_LEVELS: [i64; 8] = [27, 28, 29, 30, 31, FL6, FL7, MAX];

// ---------------------------------------------------------------------------------------------
// A one-operator model and how to check it.

fn t(ty: T, shape: &[i32]) -> TensorSpec {
    tensor("t", ty, shape)
}

fn q(ty: T, shape: &[i32], scale: f32, zero_point: i64) -> TensorSpec {
    t(ty, shape).quant(scale, zero_point)
}

#[derive(Clone)]
struct Case {
    code: Op,
    inputs: Vec<Option<TensorSpec>>,
    outputs: Vec<TensorSpec>,
    version: i32,
    options: BuiltinOptionsT,
}

fn case(code: Op) -> Case {
    Case { code, inputs: Vec::new(), outputs: Vec::new(), version: 1, options: BuiltinOptionsT::NONE }
}

/// `code` with one input and one output of the same type and shape [1, 4].
fn unary(code: Op, ty: T) -> Case {
    case(code).x(ty, &[1, 4]).y(ty, &[1, 4])
}

/// `code` with two inputs and one output of the same type and shape [1, 4].
fn binary(code: Op, ty: T) -> Case {
    case(code).x(ty, &[1, 4]).x(ty, &[1, 4]).y(ty, &[1, 4])
}

impl Case {
    fn i(mut self, spec: TensorSpec) -> Self {
        self.inputs.push(Some(spec));
        self
    }
    fn x(self, ty: T, shape: &[i32]) -> Self {
        self.i(t(ty, shape))
    }
    fn omitted(mut self) -> Self {
        self.inputs.push(None);
        self
    }
    fn o(mut self, spec: TensorSpec) -> Self {
        self.outputs.push(spec);
        self
    }
    fn y(self, ty: T, shape: &[i32]) -> Self {
        self.o(t(ty, shape))
    }
    fn v(mut self, version: i32) -> Self {
        self.version = version;
        self
    }
    fn opts(mut self, options: BuiltinOptionsT) -> Self {
        self.options = options;
        self
    }
    /// Replaces input `k`.
    fn set(mut self, k: usize, spec: TensorSpec) -> Self {
        self.inputs[k] = Some(spec);
        self
    }
    fn set_out(mut self, k: usize, spec: TensorSpec) -> Self {
        self.outputs[k] = spec;
        self
    }
    /// Keeps only the first `n` inputs.
    fn inputs(mut self, n: usize) -> Self {
        self.inputs.truncate(n);
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut b = ModelBuilder::new();
        let ins: Vec<i32> = self.inputs.iter().map(|s| s.clone().map_or(-1, |s| b.add(s))).collect();
        let outs: Vec<i32> = self.outputs.iter().map(|s| b.add(s.clone())).collect();
        b.op(self.code, &ins, &outs).version(self.version).options(self.options.clone());
        for &o in &outs {
            b.output(o);
        }
        b.finish()
    }

    fn run(&self, level: i64, accel: bool) -> Vec<String> {
        let bytes = self.bytes();
        let m = model::read(&bytes).expect("the built model reads back");
        let sg = &m.subgraphs[0];
        let ctx = ValidateContext { model: &m, subgraph: sg, level, accel };
        rules::validate(&ctx, &sg.operators[0])
    }

    #[track_caller]
    fn ok(&self, level: i64) {
        assert_eq!(self.run(level, false), Vec::<String>::new(), "at level {level}");
    }

    #[track_caller]
    fn ok_accel(&self, level: i64) {
        assert_eq!(self.run(level, true), Vec::<String>::new(), "at level {level} with accel");
    }

    #[track_caller]
    fn no(&self, level: i64, expected: &[&str]) {
        assert_eq!(self.run(level, false), expected, "at level {level}");
    }

    #[track_caller]
    fn no_accel(&self, level: i64, expected: &[&str]) {
        assert_eq!(self.run(level, true), expected, "at level {level} with accel");
    }
}

const LESS_28: &str = "Android sdk version less than 28";
const LESS_29: &str = "Android sdk version less than 29";
const LESS_30: &str = "Android sdk version less than 30";
const FLOAT: &str = "Input should be Float";
const FLOAT_U8: &str = "Input should be Float or UINT8";
const FLOAT_Q8: &str = "Input should be Float or Quant8";
const FLOAT_Q8_I32: &str = "Input should be Float, Quant8, or Int32";
const RESTRICTED: &str = "When using NN API version 1.0 or 1.1, input_scale * filter_scale < output_scale.";
const NOT_HYBRID: &str = "Hybrid version of this op is not supported by NN API.";
const DYNAMIC: &str = "Dynamically-sized tensors not supported.";
const AXIS_CONST: &str = "NNAPI only supports constant int32 axis tensor.";

// ---------------------------------------------------------------------------------------------
// Generic rules.

#[test]
fn handled_ops_are_the_94_codes_of_the_switch() {
    assert_eq!(HANDLED_OPS.len(), 94);
    let mut codes: Vec<i32> = HANDLED_OPS.iter().map(|c| c.0).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 94);
}

#[test]
fn unsupported_operations() {
    let unsupported = [
        Op::GATHER_ND,
        Op::SELECT_V2,
        Op::SHAPE,
        Op::WHILE,
        Op::IF,
        Op::DELEGATE,
        Op::CUMSUM,
        Op::BROADCAST_TO,
        Op::STABLEHLO_ADD,
    ];
    for code in unsupported {
        assert!(!HANDLED_OPS.contains(&code));
        unary(code, F32).no(MAX, &["Unsupported operation type."]);
    }
}

#[test]
fn custom_ops_are_unsupported() {
    let mut b = ModelBuilder::new();
    let x = b.input(t(F32, &[1, 4]));
    let y = b.add(t(F32, &[1, 4]));
    b.custom_op("MyOp", &[x], &[y]);
    b.output(y);
    let bytes = b.finish();
    let m = model::read(&bytes).unwrap();
    let sg = &m.subgraphs[0];
    assert_eq!(sg.operators[0].type_name(), "MyOp");
    let ctx = ValidateContext { model: &m, subgraph: sg, level: MAX, accel: true };
    assert_eq!(rules::validate(&ctx, &sg.operators[0]), ["Unsupported operation type."]);
}

#[test]
fn nnapi_operand_types() {
    for ty in [F32, F16, U8, I8, I32, BOOL, I16] {
        assert!(nnapi_can_represent(ty), "{ty:?}");
    }
    for ty in [I64, T::STRING, T::FLOAT64, T::INT4, T::COMPLEX64, T::RESOURCE, T::UINT32] {
        assert!(!nnapi_can_represent(ty), "{ty:?}");
    }
}

/// Operators whose tensor lists are empty, all -1 or out of range never panic; the ones that
/// read a tensor are refused with a "missing" message.
#[test]
fn missing_tensors_never_panic() {
    let bytes = unary(Op::ADD, F32).bytes();
    let m = model::read(&bytes).unwrap();
    let sg = &m.subgraphs[0];
    let base = &sg.operators[0];
    for &code in HANDLED_OPS {
        for level in ALL_LEVELS {
            for (ins, outs) in [(vec![], vec![]), (vec![-1; 30], vec![-1; 5]), (vec![999; 30], vec![999; 5])]
            {
                let op = Operator { code, inputs: ins, outputs: outs, ..base.clone() };
                let ctx = ValidateContext { model: &m, subgraph: sg, level, accel: false };
                let failures = rules::validate(&ctx, &op);
                assert!(!failures.iter().any(|f| f == "Unsupported operation type."));
            }
        }
    }
    let op = Operator { code: Op::ADD, inputs: vec![0, -1], ..base.clone() };
    let ctx = ValidateContext { model: &m, subgraph: sg, level: MAX, accel: false };
    assert_eq!(rules::validate(&ctx, &op), ["The operator's input 1 is missing (tensor index -1)"]);
    let op = Operator { code: Op::ADD, inputs: vec![0], ..base.clone() };
    assert_eq!(rules::validate(&ctx, &op), ["The operator has no input 1"]);
    let op = Operator { code: Op::FLOOR, inputs: vec![], outputs: vec![], ..base.clone() };
    assert_eq!(rules::validate(&ctx, &op), Vec::<String>::new(), "FLOOR reads no tensor");
}

#[test]
fn every_handled_op_is_dispatched() {
    // Guard against a code being dropped from the dispatch: a minimal model of each handled op
    // never gets "Unsupported operation type.".
    for &code in HANDLED_OPS {
        let failures = binary(code, F32).run(MAX, true);
        assert!(!failures.iter().any(|f| f == "Unsupported operation type."), "{code:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The cases, in the order of the source.

fn add_opts(act: Act) -> BuiltinOptionsT {
    opts!(AddOptions { fused_activation_function: act })
}

#[test]
fn add() {
    binary(Op::ADD, F32).ok(27);
    binary(Op::ADD, U8).v(2).ok(27);
    binary(Op::ADD, I8).ok(29);
    binary(Op::ADD, F32).opts(add_opts(Act::RELU)).ok(27);
    binary(Op::ADD, I32).ok(30);
    binary(Op::ADD, F32).v(3).no(30, &["OP Version higher than 2"]);
    binary(Op::ADD, I32).no(29, &[FLOAT_Q8]);
    binary(Op::ADD, I64).no(30, &[FLOAT_Q8_I32]);
    binary(Op::ADD, I32).opts(add_opts(Act::RELU6)).no(30, &["No activation function supported"]);
    binary(Op::ADD, F32).set(1, t(F32, &[1, 1, 1, 1, 4])).no(30, &["Input rank must be <= 4"]);
    binary(Op::ADD, F32).set(0, t(F32, &[1, 1, 1, 1, 4])).no(30, &["Input rank must be <= 4"]);
    // Every check runs; all failures are reported.
    binary(Op::ADD, I32)
        .v(3)
        .opts(add_opts(Act::RELU))
        .set(0, t(I32, &[1, 1, 1, 1, 4]))
        .no(30, &["OP Version higher than 2", "No activation function supported", "Input rank must be <= 4"]);
}

fn argmax_model(output_type: T) -> Case {
    case(Op::ARG_MAX)
        .x(U8, &[1, 513, 513, 21])
        .i(const_i32("axis", &[1], &[3]))
        .y(output_type, &[1, 513, 513])
        .opts(opts!(ArgMaxOptions { output_type: output_type }))
}

const INT32_OUTPUT: &str = "NNAPI only supports int32 output.";
const AXIS_I64: &str = "NNAPI only supports axis as int32. If the axis type is int64 and constant we can convert it to int32 if the value isn't too large.";

#[test]
fn arg_max() {
    argmax_model(I32).ok(29);
    argmax_model(I32).v(2).set(0, t(F16, &[1, 4])).ok(MAX);
    argmax_model(I32).set(1, const_i64("axis", &[1], &[3])).ok(29);
    argmax_model(I32).v(3).no(29, &["OP Version higher than 2"]);
    argmax_model(I32).no(28, &[LESS_29]);
    argmax_model(I32).set(0, t(I64, &[1, 4])).no(
        30,
        &["Input type not in expected list kTfLiteFloat16, kTfLiteFloat32, kTfLiteInt32, kTfLiteUInt8, kTfLiteInt8"],
    );
    argmax_model(I32).set(1, const_i64("axis", &[1], &[1 << 40])).no(29, &[AXIS_I64]);
    argmax_model(I32).set(1, t(I64, &[1])).no(29, &[AXIS_I64]);
    argmax_model(I32).set(1, const_bytes("axis", I16, &[1], &[3, 0])).no(29, &["Axis should be Int32"]);
    argmax_model(I32).set(1, t(I32, &[1])).ok(29);
    // DeepLab's final ARG_MAX writes int64: refused at every level.
    for level in [29, 30, 31, FL6, FL7, MAX] {
        argmax_model(I64).no(level, &[INT32_OUTPUT]);
        argmax_model(I64).no_accel(level, &[INT32_OUTPUT]);
    }
    for level in [27, 28] {
        argmax_model(I64).no(level, &[LESS_29, INT32_OUTPUT]);
    }
    // Missing options: output type "no type".
    argmax_model(I32).opts(BuiltinOptionsT::NONE).no(30, &[INT32_OUTPUT]);
    // Options table present but output_type left at its default (FLOAT32).
    argmax_model(I32).opts(opts!(ArgMaxOptions {})).no(30, &[INT32_OUTPUT]);
}

#[test]
fn arg_min() {
    let arg_min = |ty: T| {
        case(Op::ARG_MIN)
            .x(F32, &[2, 5])
            .i(const_i32("axis", &[], &[1]))
            .y(ty, &[2])
            .opts(opts!(ArgMinOptions { output_type: ty }))
    };
    arg_min(I32).ok(29);
    arg_min(I32).v(3).no(29, &["OP Version higher than 2"]);
    arg_min(I32).no(28, &[LESS_29]);
    arg_min(I64).no(30, &[INT32_OUTPUT]);
    arg_min(I32).set(1, const_i64("axis", &[], &[-1])).ok(30);
    arg_min(I32).set(1, const_i64("axis", &[], &[i64::MIN])).no(30, &[AXIS_I64]);
    arg_min(I32).set(1, t(U8, &[])).no(30, &["Axis should be Int32"]);
    arg_min(I32).set(0, t(BOOL, &[2, 5])).no(
        30,
        &["Input type not in expected list kTfLiteFloat16, kTfLiteFloat32, kTfLiteInt32, kTfLiteUInt8, kTfLiteInt8"],
    );
    // ARG_MIN reads ArgMinOptions; ArgMaxOptions on it count as missing.
    arg_min(I32).opts(opts!(ArgMaxOptions { output_type: I32 })).no(30, &[INT32_OUTPUT]);
}

#[test]
fn mul() {
    let mul = |ty: T| binary(Op::MUL, ty);
    mul(F32).ok(27);
    mul(U8).v(2).ok(28);
    mul(I32).ok(30);
    // Version 3 (output scale below the product of input scales) only with an accelerator.
    mul(U8).v(3).no(30, &["OP Version higher than 2"]);
    mul(U8).v(3).ok_accel(30);
    mul(U8).v(4).no_accel(30, &["OP Version higher than 3"]);
    mul(I32).no(29, &[FLOAT_Q8]);
    mul(I16).no(30, &[FLOAT_Q8_I32]);
    mul(I32)
        .opts(opts!(MulOptions { fused_activation_function: Act::RELU }))
        .no(30, &["No activation function supported"]);
    mul(F32).opts(opts!(MulOptions { fused_activation_function: Act::RELU })).ok(30);
    mul(F32).set(1, t(F32, &[1, 1, 1, 1, 4])).no(27, &["Input rank must be <= 4"]);
}

fn average_pool(ty: T, w: i32, h: i32) -> Case {
    case(Op::AVERAGE_POOL_2D)
        .i(q(ty, &[1, 65, 65, 320], 0.1, 128))
        .o(q(ty, &[1, 1, 1, 320], 0.1, 128))
        .opts(opts!(Pool2DOptions { filter_width: w, filter_height: h }))
}

const LARGE_WINDOW: &str = "Large filter window would overflow on the reference CPU path";

#[test]
fn average_pool_2d() {
    // DeepLab's 65x65 window over uint8.
    average_pool(U8, 65, 65).no(29, &[LARGE_WINDOW]);
    average_pool(U8, 65, 65).ok_accel(29);
    average_pool(U8, 65, 65).no(MAX, &[LARGE_WINDOW]);
    average_pool(I8, 65, 65).v(2).no(30, &[LARGE_WINDOW]);
    average_pool(I8, 65, 65).v(2).ok_accel(30);
    average_pool(F32, 65, 65).ok(27);
    average_pool(U8, 16, 16).ok(27);
    average_pool(U8, 16, 17).no(27, &[LARGE_WINDOW]);
    average_pool(U8, 2, 2).opts(BuiltinOptionsT::NONE).ok(27);
    average_pool(I32, 2, 2).no(27, &[FLOAT_Q8]);
    average_pool(U8, 2, 2).v(3).no(27, &["OP Version higher than 2"]);
}

#[test]
fn max_pool_2d() {
    unary(Op::MAX_POOL_2D, F32).ok(27);
    unary(Op::MAX_POOL_2D, I8).v(2).ok(30);
    unary(Op::MAX_POOL_2D, I32).no(30, &[FLOAT_Q8]);
    unary(Op::MAX_POOL_2D, F32).v(3).no(30, &["OP Version higher than 2"]);
}

#[test]
fn l2_pool_2d() {
    let relu = opts!(Pool2DOptions { fused_activation_function: Act::RELU });
    unary(Op::L2_POOL_2D, F32).ok(27);
    unary(Op::L2_POOL_2D, U8).no(29, &[FLOAT]);
    unary(Op::L2_POOL_2D, F32).v(2).no(29, &["OP Version different from 1"]);
    unary(Op::L2_POOL_2D, F32)
        .opts(relu.clone())
        .no(28, &["Before NNAPI 1.2 fused activation for l2_pool may not be supported."]);
    unary(Op::L2_POOL_2D, F32).opts(relu).ok(29);
}

fn conv(input: TensorSpec, filter: TensorSpec, output: TensorSpec) -> Case {
    case(Op::CONV_2D)
        .i(input)
        .i(filter)
        .i(const_i32("bias", &[4], &[0; 4]))
        .o(output)
        .opts(opts!(Conv2DOptions {}))
}

fn conv_f32() -> Case {
    conv(t(F32, &[1, 8, 8, 3]), const_f32("w", &[4, 3, 3, 3], &[0.5; 108]), t(F32, &[1, 8, 8, 4]))
}

fn conv_u8(in_scale: f32, filter_scale: f32, out_scale: f32) -> Case {
    conv(
        q(U8, &[1, 8, 8, 3], in_scale, 128),
        const_u8("w", &[4, 3, 3, 3], &[1; 108]).quant(filter_scale, 128),
        q(U8, &[1, 8, 8, 4], out_scale, 128),
    )
}

#[test]
fn conv_2d() {
    conv_f32().ok(27);
    conv_u8(0.5, 0.5, 0.5).ok(27);
    conv_f32().v(6).no(29, &["OP Version higher than 5"]);
    // Hybrid (float input, quantized weights).
    let hybrid = conv_f32().set(1, const_u8("w", &[4, 3, 3, 3], &[1; 108]).quant(0.1, 0));
    hybrid.no(28, &["Hybrid operators not supported before NNAPI 1.2"]);
    hybrid.ok(29);
    // Input type only checked before NNAPI 1.2.
    let int8 = conv(q(I8, &[1, 8, 8, 3], 0.5, 0), const_i8_filter(), q(I8, &[1, 8, 8, 4], 0.5, 0));
    int8.no(28, &[FLOAT_U8]);
    int8.ok(29);
    // Per-channel filter.
    let per_channel = conv_u8(0.5, 0.5, 0.5)
        .set(1, const_u8("w", &[4, 3, 3, 3], &[1; 108]).per_channel(&[0.1, 0.2, 0.3, 0.4], &[128; 4], 0));
    per_channel.no(28, &["Per-channel quantized convolution not supported before NNAPI 1.2."]);
    per_channel.ok(29);
    // Restricted scales: input_scale * filter_scale must stay below output_scale.
    conv_u8(1.0, 1.0, 0.5).no(28, &[RESTRICTED]);
    conv_u8(1.0, 1.0, 0.5).ok(29);
    // The bias must be listed; a -1 entry counts.
    conv_f32().inputs(2).no(30, &["Conv2D with omitted bias not supported"]);
    conv_f32().inputs(2).omitted().ok(30);
    // Dilation.
    let dilated = conv_f32().opts(opts!(Conv2DOptions { dilation_w_factor: 2, dilation_h_factor: 2 }));
    dilated.no(28, &["NNAPI supports dilated Conv2D since NNAPI 1.2."]);
    dilated.ok(29);
    // No options: dilation 0 counts as dilated.
    conv_f32().opts(BuiltinOptionsT::NONE).no(28, &["NNAPI supports dilated Conv2D since NNAPI 1.2."]);
    conv_f32().opts(BuiltinOptionsT::NONE).ok(29);
    // Grouped convolution.
    let grouped = conv_f32().set(0, t(F32, &[1, 8, 8, 6]));
    grouped.no(28, &["Grouped convolution not supported before NNAPI < 1.2"]);
    grouped.ok(29);
}

fn const_i8_filter() -> TensorSpec {
    const_bytes("w", I8, &[4, 3, 3, 3], &[1; 108]).quant(0.5, 0)
}

fn depthwise(input: TensorSpec, filter: TensorSpec, output: TensorSpec, dilation: i32) -> Case {
    case(Op::DEPTHWISE_CONV_2D).i(input).i(filter).i(const_i32("bias", &[8], &[0; 8])).o(output).opts(opts!(
        DepthwiseConv2DOptions {
            depth_multiplier: 1,
            dilation_w_factor: dilation,
            dilation_h_factor: dilation
        }
    ))
}

fn depthwise_u8(in_scale: f32, filter_scale: f32, out_scale: f32, dilation: i32) -> Case {
    depthwise(
        q(U8, &[1, 8, 8, 8], in_scale, 128),
        const_u8("w", &[1, 3, 3, 8], &[1; 72]).quant(filter_scale, 128),
        q(U8, &[1, 8, 8, 8], out_scale, 128),
        dilation,
    )
}

const DW_DILATION: &str = "dilation_width_factor and dilation_height_factor expected to be equal to 1";

#[test]
fn depthwise_conv_2d() {
    depthwise_u8(0.5, 0.5, 0.5, 1).ok(27);
    depthwise(t(F32, &[1, 8, 8, 8]), const_f32("w", &[1, 3, 3, 8], &[1.0; 72]), t(F32, &[1, 8, 8, 8]), 1)
        .ok(27);
    depthwise_u8(0.5, 0.5, 0.5, 1).v(4).no(29, &["OP Version higher than 3"]);
    // DeepLab's dilated depthwise convolutions (v2, dilation 2 and 4) pass from NNAPI 1.2.
    depthwise_u8(0.5, 0.5, 0.5, 2).v(2).no(28, &[DW_DILATION]);
    depthwise_u8(0.5, 0.5, 0.5, 4).v(2).ok(29);
    depthwise_u8(0.5, 0.5, 0.5, 1).opts(BuiltinOptionsT::NONE).no(28, &[DW_DILATION]);
    depthwise_u8(0.5, 0.5, 0.5, 1).opts(BuiltinOptionsT::NONE).ok(29);
    depthwise_u8(1.0, 1.0, 0.5, 1).no(28, &[RESTRICTED]);
    depthwise_u8(1.0, 1.0, 0.5, 1).ok(29);
    let int8 = depthwise(
        q(I8, &[1, 8, 8, 8], 0.5, 0),
        const_bytes("w", I8, &[1, 3, 3, 8], &[1; 72]).quant(0.5, 0),
        q(I8, &[1, 8, 8, 8], 0.5, 0),
        1,
    );
    int8.no(28, &[FLOAT_U8]);
    int8.ok(29);
}

fn fc(input: TensorSpec, weights: TensorSpec, output: TensorSpec) -> Case {
    case(Op::FULLY_CONNECTED)
        .i(input)
        .i(weights)
        .i(const_i32("bias", &[4], &[0; 4]))
        .o(output)
        .opts(opts!(FullyConnectedOptions {}))
}

fn fc_f32() -> Case {
    fc(t(F32, &[1, 8]), const_f32("w", &[4, 8], &[1.0; 32]), t(F32, &[1, 4]))
}

fn fc_u8(in_scale: f32, w_scale: f32, out_scale: f32) -> Case {
    fc(
        q(U8, &[1, 8], in_scale, 128),
        const_u8("w", &[4, 8], &[1; 32]).quant(w_scale, 128),
        q(U8, &[1, 4], out_scale, 128),
    )
}

#[test]
fn fully_connected() {
    fc_f32().ok(27);
    fc_u8(0.5, 0.5, 0.5).ok(27);
    fc_f32().v(6).no(30, &["OP Version higher than 5"]);
    fc_f32().set_out(0, q(I16, &[1, 4], 0.5, 0)).no(30, &["Unsupported output of type kTfLiteInt16"]);
    let hybrid = fc_f32().set(1, const_u8("w", &[4, 8], &[1; 32]).quant(0.5, 0));
    hybrid.no(28, &["Hybrid operators not supported before NNAPI 1.2"]);
    hybrid.ok(29);
    let int8 = fc(
        q(I8, &[1, 8], 0.5, 0),
        const_bytes("w", I8, &[4, 8], &[1; 32]).quant(0.5, 0),
        q(I8, &[1, 4], 0.5, 0),
    );
    int8.no(28, &[FLOAT_U8]);
    int8.ok(29);
    fc_u8(1.0, 1.0, 0.5).no(28, &[RESTRICTED]);
    fc_u8(1.0, 1.0, 0.5).ok(29);
    let keep = fc_f32().opts(opts!(FullyConnectedOptions { keep_num_dims: true }));
    keep.no(29, &[LESS_30]);
    keep.ok(30);
}

#[test]
fn hard_swish() {
    unary(Op::HARD_SWISH, F32).ok(27);
    unary(Op::HARD_SWISH, I8).v(9).ok(27); // no version check at all
    unary(Op::HARD_SWISH, I32).no(30, &[FLOAT_Q8]);
}

#[test]
fn softmax() {
    unary(Op::SOFTMAX, F32).ok(27);
    unary(Op::SOFTMAX, U8).v(2).ok(27);
    unary(Op::SOFTMAX, F32).v(3).no(30, &["OP Version different from 2"]);
    unary(Op::SOFTMAX, I32).set_out(0, t(F32, &[1, 4])).no(30, &[FLOAT_Q8]);
    unary(Op::SOFTMAX, I8)
        .set_out(0, t(I16, &[1, 4]))
        .no(30, &["Output type should be one of kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8."]);
    let rank5 = case(Op::SOFTMAX).x(F32, &[1, 1, 1, 1, 4]).y(F32, &[1, 1, 1, 1, 4]);
    rank5.no(30, &["Input rank should be <= 4"]);
    rank5.no(
        28,
        &["Input rank should be <= 4", "Before API level 29 only 2D and 4D input tensors were supported."],
    );
    let rank3 = case(Op::SOFTMAX).x(F32, &[1, 2, 4]).y(F32, &[1, 2, 4]);
    rank3.no(28, &["Before API level 29 only 2D and 4D input tensors were supported."]);
    rank3.ok(29);
}

fn reshape_model(ty: T) -> Case {
    case(Op::RESHAPE).x(ty, &[2, 4]).i(const_i32("shape", &[2], &[4, 2])).y(ty, &[4, 2])
}

#[test]
fn reshape() {
    reshape_model(F32).ok(27);
    reshape_model(I8).ok(29);
    reshape_model(F32).v(2).no(30, &["OP Version different from 1"]);
    reshape_model(I32).no(31, &[FLOAT_Q8]);
    reshape_model(I32).ok(FL6);
    reshape_model(I64).no(FL6, &[FLOAT_Q8_I32]);
    reshape_model(F32).set(0, t(F32, &[1, 1, 2, 2, 2])).no(30, &["Input rank should be <= 4"]);
    reshape_model(F32).set_out(0, t(F32, &[1, 1, 2, 2, 2])).no(30, &["Output rank should be <= 4"]);
    reshape_model(F32).set(1, t(I32, &[2])).no(30, &["The shape input tensor must be constant."]);
    // One input: the shape comes from the options.
    let one = |options: BuiltinOptionsT| reshape_model(F32).inputs(1).opts(options);
    one(opts!(ReshapeOptions { new_shape: Some(vec![4, 2]) })).ok(30);
    one(opts!(ReshapeOptions { new_shape: Some(vec![0]) })).no(30, &["New shape rank should be > 0"]);
    one(opts!(ReshapeOptions { new_shape: Some(vec![]) })).no(30, &["New shape rank should be > 0"]);
    one(BuiltinOptionsT::NONE).no(30, &["New shape rank should be > 0"]);
}

fn bilinear_model(align_corners: bool, half_pixel_centers: bool) -> Case {
    case(Op::RESIZE_BILINEAR)
        .i(q(U8, &[1, 1, 1, 256], 0.1, 128))
        .i(const_i32("size", &[2], &[65, 65]))
        .o(q(U8, &[1, 65, 65, 256], 0.1, 128))
        .opts(opts!(ResizeBilinearOptions {
            align_corners: align_corners,
            half_pixel_centers: half_pixel_centers
        }))
}

const ALIGN: &str = "NNAPI does not support align_corners == true.";
const HALF_PIXEL: &str = "NNAPI does not support half_pixel_centers == true.";

#[test]
fn resize_bilinear() {
    bilinear_model(false, false).ok(29);
    // DeepLab's align_corners=true: refused up to level 29, accepted from 30.
    bilinear_model(true, false).no(29, &[ALIGN]);
    bilinear_model(true, false).no_accel(29, &[ALIGN]);
    bilinear_model(true, false).ok(30);
    bilinear_model(true, false).ok_accel(30);
    bilinear_model(false, true).v(3).no(29, &[HALF_PIXEL]);
    bilinear_model(false, true).v(3).ok(30);
    bilinear_model(true, true).no(29, &[ALIGN, HALF_PIXEL]);
    bilinear_model(false, false).opts(BuiltinOptionsT::NONE).ok(29);
    bilinear_model(false, false).v(4).no(30, &["OP Version higher than 3"]);
    bilinear_model(false, false).set(0, t(U8, &[1, 1, 256])).no(30, &["Input should have rank 4"]);
    bilinear_model(false, false).set(0, t(I32, &[1, 1, 1, 256])).no(30, &[FLOAT_Q8]);
    bilinear_model(false, false).inputs(1).no(30, &["Expected at least 2 inputs"]);
    bilinear_model(false, false).set(1, t(I32, &[2])).no(30, &["The size input tensor must be constant."]);
    // Before NNAPI 1.2: square output and float input only.
    let float = |h: i32, w: i32| {
        case(Op::RESIZE_BILINEAR)
            .x(F32, &[1, 2, 2, 3])
            .i(const_i32("size", &[2], &[h, w]))
            .y(F32, &[1, h, w, 3])
            .opts(opts!(ResizeBilinearOptions {}))
    };
    float(4, 4).ok(27);
    float(4, 8).no(28, &["Require width == height due to driver differences in NNAPI < 1.2"]);
    float(4, 8).ok(29);
    bilinear_model(false, false).no(28, &["NNAPI 1.0 & 1.1 only supports float input."]);
    bilinear_model(true, false).set_out(0, t(U8, &[1, 65, 33, 256])).no(
        27,
        &[
            "Require width == height due to driver differences in NNAPI < 1.2",
            ALIGN,
            "NNAPI 1.0 & 1.1 only supports float input.",
        ],
    );
}

fn resize_nearest(align_corners: bool, half_pixel_centers: bool) -> Case {
    case(Op::RESIZE_NEAREST_NEIGHBOR)
        .x(F32, &[1, 2, 2, 3])
        .i(const_i32("size", &[2], &[4, 4]))
        .y(F32, &[1, 4, 4, 3])
        .opts(opts!(ResizeNearestNeighborOptions {
            align_corners: align_corners,
            half_pixel_centers: half_pixel_centers
        }))
}

#[test]
fn resize_nearest_neighbor() {
    resize_nearest(false, false).ok(29);
    resize_nearest(false, false).no(28, &[LESS_29]);
    resize_nearest(false, false).v(4).no(29, &["OP Version higher than 3"]);
    resize_nearest(true, false).no(29, &[ALIGN]);
    resize_nearest(false, true).no(29, &[HALF_PIXEL]);
    resize_nearest(true, true).ok(30);
    resize_nearest(false, false).opts(BuiltinOptionsT::NONE).ok(29);
    resize_nearest(false, false).set(0, t(I32, &[1, 2, 2, 3])).no(30, &[FLOAT_Q8]);
    resize_nearest(false, false).inputs(1).no(30, &["Expected at least 2 inputs"]);
    resize_nearest(false, false).set(1, t(I32, &[2])).no(30, &["The size input tensor must be constant."]);
}

#[test]
fn squeeze() {
    let squeeze = |dims: Option<Vec<i32>>| {
        case(Op::SQUEEZE).x(F32, &[1, 4, 1]).y(F32, &[4]).opts(opts!(SqueezeOptions { squeeze_dims: dims }))
    };
    squeeze(Some(vec![0, 2])).ok(28);
    squeeze(None).ok(29);
    squeeze(None).no(28, &["NNAPI 1.1 does not support null squeeze_dims properly."]);
    squeeze(Some(vec![])).no(28, &["NNAPI 1.1 does not support null squeeze_dims properly."]);
    squeeze(Some(vec![0]))
        .opts(BuiltinOptionsT::NONE)
        .no(28, &["NNAPI 1.1 does not support null squeeze_dims properly."]);
    squeeze(Some(vec![0, 2])).no(27, &[LESS_28]);
    squeeze(Some(vec![0, 2])).v(2).no(28, &["OP Version different from 1"]);
}

/// A recurrent op with `n` inputs: in0 of `input`, in2 (and every other weight) of `weights`.
fn recurrent(code: Op, n: usize, input: T, weights: T) -> Case {
    let mut c = case(code).x(input, &[2, 3, 4]);
    for k in 1..n {
        c = if k == 2 || k == 4 {
            c.i(const_bytes("w", weights, &[4], &[1; 16]).quant(0.5, 0))
        } else {
            c.x(F32, &[4])
        };
    }
    c.y(input, &[2, 3, 4])
}

#[test]
fn unidirectional_sequence_lstm() {
    let lstm = |n: usize, weights: T| recurrent(Op::UNIDIRECTIONAL_SEQUENCE_LSTM, n, F32, weights);
    lstm(24, F32).ok(29);
    lstm(20, F32).v(2).ok(29);
    lstm(24, F32).no(28, &[LESS_29]);
    lstm(24, F32).v(3).no(29, &["OP Version higher than 2"]);
    lstm(24, I8).no(30, &[NOT_HYBRID]);
    lstm(23, F32).no(30, &["Supporting only operation with 20 or 24 inputs"]);
}

#[test]
fn l2_normalization() {
    let l2 = |ty: T, shape: &[i32]| case(Op::L2_NORMALIZATION).x(ty, shape).y(ty, shape);
    l2(F32, &[1, 1, 1, 4]).ok(27);
    l2(U8, &[1, 4]).v(2).ok(29);
    l2(F32, &[1, 1, 1, 4]).v(3).no(29, &["OP Version higher than 2"]);
    l2(U8, &[1, 1, 1, 4]).no(28, &[FLOAT]);
    l2(F32, &[1, 4]).no(28, &["Expected 4 inputs"]);
    l2(F32, &[1, 4])
        .opts(opts!(L2NormOptions { fused_activation_function: Act::RELU }))
        .no(29, &["Expected no activation"]);
}

#[test]
fn local_response_normalization() {
    let lrn = case(Op::LOCAL_RESPONSE_NORMALIZATION).x(F32, &[1, 2, 2, 4]).y(F32, &[1, 2, 2, 4]);
    lrn.ok(27);
    lrn.clone().v(2).no(27, &["OP Version different from 1"]);
}

#[test]
fn lsh_projection() {
    let lsh = |ty: LSHProjectionType, n: usize| {
        let mut c = case(Op::LSH_PROJECTION).i(const_f32("hash", &[4, 2], &[0.5; 8])).x(F32, &[3, 2]);
        if n == 3 {
            c = c.x(F32, &[3]);
        }
        c.y(I32, &[8]).opts(opts!(LSHProjectionOptions { type_: ty }))
    };
    lsh(LSHProjectionType::SPARSE, 2).ok(29);
    lsh(LSHProjectionType::SPARSE, 2).no(28, &["NNAPI does not support sparse projection correctly pre-Q"]);
    lsh(LSHProjectionType::SPARSE, 3).no(29, &[" NNAPI does not support weights for sparse projects."]);
    lsh(LSHProjectionType::DENSE, 3).ok(27);
    lsh(LSHProjectionType::DENSE, 3).v(2).no(27, &["OP Version different from 1"]);
}

fn concat(inputs: &[TensorSpec], output: TensorSpec) -> Case {
    let mut c = case(Op::CONCATENATION);
    for i in inputs {
        c = c.i(i.clone());
    }
    c.o(output).opts(opts!(ConcatenationOptions { axis: 3 }))
}

#[test]
fn concatenation() {
    let u8s = |s1: f32, s2: f32, s3: f32| {
        concat(
            &[q(U8, &[1, 2, 2, 2], s1, 128), q(U8, &[1, 2, 2, 2], s2, 128), q(U8, &[1, 2, 2, 2], s3, 128)],
            q(U8, &[1, 2, 2, 6], s1, 128),
        )
    };
    u8s(0.5, 0.5, 0.5).ok(27);
    concat(&[t(F16, &[1, 2]), t(F16, &[1, 2])], t(F16, &[1, 4])).ok(27);
    // Different scales: fine from NNAPI 1.2; before, one message (the loop stops at the first).
    u8s(0.5, 0.25, 0.125).ok(29);
    u8s(0.5, 0.25, 0.125)
        .no(28, &["NNAPI 1.0-1 only supported concatenating quantized tensor of the same scale and offset."]);
    u8s(0.5, 0.5, 0.125)
        .no(28, &["NNAPI 1.0-1 only supported concatenating quantized tensor of the same scale and offset."]);
    let zero_points = concat(&[q(U8, &[1, 2], 0.5, 128), q(U8, &[1, 2], 0.5, 127)], q(U8, &[1, 4], 0.5, 128));
    zero_points
        .no(28, &["NNAPI 1.0-1 only supported concatenating quantized tensor of the same scale and offset."]);
    u8s(0.5, 0.5, 0.5).v(3).no(29, &["OP Version higher than 2"]);
    u8s(0.5, 0.5, 0.5)
        .opts(opts!(ConcatenationOptions { axis: 3, fused_activation_function: Act::RELU }))
        .no(29, &["No activation function supported"]);
    concat(&[t(F32, &[1, 1, 1, 1, 2]), t(F32, &[1, 1, 1, 1, 2])], t(F32, &[1, 1, 1, 1, 4]))
        .no(29, &["Input rank should be less than 4"]);
    concat(&[t(I32, &[1, 2]), t(I32, &[1, 2])], t(I32, &[1, 4])).no(
        29,
        &["Input type not in expected list kTfLiteFloat16, kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8"],
    );
}

#[test]
fn dequantize() {
    let deq = |input: TensorSpec| case(Op::DEQUANTIZE).i(input).y(F32, &[1, 4]);
    deq(q(U8, &[1, 4], 0.5, 128)).ok(27);
    deq(q(U8, &[1, 4], 0.5, 128)).v(2).ok(27);
    deq(q(U8, &[1, 4], 0.5, 128)).v(3).no(27, &["Supported op versions are 1 and 2 only"]);
    deq(q(U8, &[1, 4], 0.5, 128)).v(0).no(27, &["Supported op versions are 1 and 2 only"]);
    deq(q(I8, &[1, 4], 0.5, 0)).no(28, &["Input type not in expected list kTfLiteUInt8"]);
    deq(q(I8, &[1, 4], 0.5, 0)).ok(29);
    deq(q(I8, &[1, 4], 0.5, 5))
        .no(29, &["NN API supports int8 type since version 1.2 but only for symmetric quantization."]);
    deq(q(I8, &[1, 4], 0.5, 5)).ok(30);
    deq(t(I16, &[1, 4])).no(30, &["Input type not in expected list kTfLiteUInt8, kTfLiteInt8"]);
    // fp16: a non-constant input is accepted outright from NNAPI 1.3 (no other check runs).
    deq(t(F16, &[1, 4])).v(7).ok(30);
    deq(t(F16, &[1, 4])).no(29, &["Input type not in expected list kTfLiteUInt8, kTfLiteInt8"]);
    // A constant fp16 input is left to the fp16 partitioning path: refused here.
    deq(const_bytes("w", F16, &[1, 4], &[0; 8]))
        .no(MAX, &["Input type not in expected list kTfLiteUInt8, kTfLiteInt8"]);
}

const DENSIFY_MSG: &str = "DENSIFY is only delegated from NNAPI 1.3 (level 30) and with a constant input";

#[test]
fn densify() {
    let densify = |input: TensorSpec| case(Op::DENSIFY).i(input).y(F32, &[2, 2]);
    densify(const_f32("sparse", &[2, 2], &[1.0, 0.0, 0.0, 1.0])).v(9).ok(30);
    densify(const_f32("sparse", &[2, 2], &[1.0, 0.0, 0.0, 1.0])).no(29, &[DENSIFY_MSG]);
    densify(t(F32, &[2, 2])).no(30, &[DENSIFY_MSG]);
}

#[test]
fn floor() {
    unary(Op::FLOOR, F32).ok(27);
    unary(Op::FLOOR, I32).ok(27); // no type check
    unary(Op::FLOOR, F32).v(2).no(27, &["OP Version different from 1"]);
}

#[test]
fn relu_relu_n1_to_1_relu6_logistic() {
    for code in [Op::RELU, Op::RELU_N1_TO_1, Op::RELU6, Op::LOGISTIC] {
        unary(code, F32).ok(27);
        unary(code, U8).v(2).ok(27);
        unary(code, I32).no(30, &[FLOAT_Q8]);
        unary(code, F32).v(3).no(30, &["OP Version higher than 2"]);
    }
}

#[test]
fn tanh() {
    unary(Op::TANH, F32).ok(27);
    unary(Op::TANH, U8).no(28, &[" NNAPI only support float tanh."]);
    unary(Op::TANH, U8).v(2).ok(29);
    unary(Op::TANH, I16).no(30, &[" NNAPI only support float tanh."]);
    unary(Op::TANH, F32).v(3).no(30, &["OP Version higher than 2"]);
}

#[test]
fn sub() {
    let sub_relu = opts!(SubOptions { fused_activation_function: Act::RELU });
    binary(Op::SUB, F32).ok(28);
    binary(Op::SUB, F32).no(27, &["NNAPI only support float sub."]);
    binary(Op::SUB, U8).no(28, &["NNAPI only support float sub."]);
    binary(Op::SUB, I8).v(2).ok(29);
    binary(Op::SUB, I32).no(29, &["NNAPI only support float sub."]);
    binary(Op::SUB, I32).v(3).ok(30);
    binary(Op::SUB, I32).opts(sub_relu.clone()).no(30, &["No activation function supported"]);
    binary(Op::SUB, I32)
        .opts(sub_relu.clone())
        .no(29, &["NNAPI only support float sub.", "No activation function supported"]);
    binary(Op::SUB, F32).opts(sub_relu).ok(30);
    binary(Op::SUB, F32).set(1, t(F32, &[1, 1, 1, 1, 4])).no(30, &["Input rank must be <= 4"]);
    binary(Op::SUB, F32).v(4).no(30, &["OP Version higher than 3"]);
}

#[test]
fn div() {
    binary(Op::DIV, F32).ok(28);
    binary(Op::DIV, F32).no(27, &[LESS_28]);
    binary(Op::DIV, U8).no(30, &["NNAPI only support float div."]);
    binary(Op::DIV, F32).set(0, t(F32, &[1, 1, 1, 1, 4])).no(30, &["Input rank must be <= 4"]);
    binary(Op::DIV, F32).v(2).no(30, &["OP Version different from 1"]);
}

fn pad(code: Op, ty: T, shape: &[i32]) -> Case {
    case(code).x(ty, shape).i(const_i32("paddings", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0])).y(ty, &[1, 4, 4, 1])
}

#[test]
fn pad_and_padv2() {
    for code in [Op::PAD, Op::PADV2] {
        let base = pad(code, F32, &[1, 2, 2, 1]);
        base.ok(28);
        pad(code, U8, &[1, 2, 2, 1]).v(2).ok(29);
        pad(code, U8, &[1, 2, 2, 1]).no(28, &["Only Float32 inputs are supported before NNAPI 1.2"]);
        base.clone().v(3).no(29, &["OP Version higher than 2"]);
        pad(code, I32, &[1, 2, 2, 1]).no(29, &[FLOAT_Q8]);
        base.no(27, &[LESS_28]);
        pad(code, F32, &[1, 0, 2, 1])
            .no(29, &["NN API pad ops do not support input tensors with no elements"]);
        base.clone().inputs(1).no(29, &["Expecting at least 2 inputs"]);
        // Three listed inputs (a padding value, even an omitted one) need NNAPI 1.2.
        let with_value = base.clone().i(const_f32("value", &[], &[0.0]));
        with_value.ok(29);
        with_value.no(28, &["Specification of the padding value is supported from NNAPI 1.2."]);
        base.clone().omitted().no(28, &["Specification of the padding value is supported from NNAPI 1.2."]);
    }
}

#[test]
fn unidirectional_sequence_rnn() {
    let rnn = |weights: T| {
        case(Op::UNIDIRECTIONAL_SEQUENCE_RNN)
            .x(F32, &[2, 3, 4])
            .i(const_bytes("w", weights, &[5, 4], &[0; 80]).quant(0.5, 0))
            .i(const_f32("r", &[5, 5], &[0.0; 25]))
            .i(const_f32("b", &[5], &[0.0; 5]))
            .x(F32, &[2, 5])
            .y(F32, &[2, 3, 5])
    };
    rnn(F32).ok(29);
    rnn(U8).no(29, &[NOT_HYBRID]);
    rnn(F32).no(28, &[LESS_29]);
    rnn(F32).v(2).no(29, &["OP Version different from 1"]);
}

#[test]
fn space_to_batch_nd() {
    let s2b = case(Op::SPACE_TO_BATCH_ND)
        .x(F32, &[1, 4, 4, 1])
        .i(const_i32("block", &[2], &[2, 2]))
        .i(const_i32("pad", &[2, 2], &[0; 4]))
        .y(F32, &[4, 2, 2, 1]);
    s2b.ok(28);
    s2b.clone().v(2).ok(28);
    s2b.no(27, &[LESS_28]);
    s2b.clone().v(3).no(28, &["OP Version higher than 2"]);
}

#[test]
fn batch_to_space_nd() {
    let b2s = |crops: TensorSpec| {
        case(Op::BATCH_TO_SPACE_ND)
            .x(F32, &[4, 2, 2, 1])
            .i(const_i32("block", &[2], &[2, 2]))
            .i(crops)
            .y(F32, &[1, 4, 4, 1])
    };
    let zeros = || const_i32("crops", &[2, 2], &[0; 4]);
    b2s(zeros()).ok(28);
    b2s(zeros()).no(27, &[LESS_28]);
    b2s(zeros()).v(3).no(28, &["OP Version higher than 2"]);
    b2s(const_i32("crops", &[2, 2], &[0, 0, 0, 1])).no(28, &["All crops should be 0."]);
    // Not constant: no data when the delegate validates.
    b2s(t(I32, &[2, 2])).no(28, &["All crops should be 0."]);
    // Not 16 bytes.
    b2s(const_i32("crops", &[3, 2], &[0; 6])).no(28, &["All crops should be 0."]);
}

#[test]
fn strided_slice() {
    let ss = |ty: T| {
        case(Op::STRIDED_SLICE)
            .x(ty, &[4, 4])
            .i(const_i32("begin", &[2], &[0, 0]))
            .i(const_i32("end", &[2], &[2, 2]))
            .i(const_i32("strides", &[2], &[1, 1]))
            .y(ty, &[2, 2])
    };
    ss(F32).ok(28);
    ss(I8).v(2).ok(28);
    ss(I32).no(28, &[FLOAT_Q8]);
    ss(F32).no(27, &[LESS_28]);
    ss(F32).v(3).no(28, &["OP Version higher than 2"]);
}

#[test]
fn transpose() {
    let tr = case(Op::TRANSPOSE).x(F32, &[2, 3]).i(const_i32("perm", &[2], &[1, 0])).y(F32, &[3, 2]);
    tr.ok(28);
    tr.clone().v(2).ok(28);
    tr.clone().set(1, t(I32, &[2])).no(28, &[DYNAMIC]);
    tr.clone().inputs(1).no(28, &[DYNAMIC]);
    tr.no(27, &[LESS_28]);
    tr.clone().v(3).no(28, &["OP Version higher than 2"]);
}

#[test]
fn abs_exp_log_pow_cos_sin_sqrt() {
    for code in [Op::ABS, Op::EXP, Op::LOG, Op::POW, Op::COS, Op::SIN, Op::SQRT] {
        let c = if code == Op::POW { binary(code, F32) } else { unary(code, F32) };
        c.ok(29);
        c.no(28, &[LESS_29]);
        c.clone().v(2).no(29, &["OP Version different from 1"]);
        c.clone().set(0, t(U8, &[1, 4])).no(29, &[FLOAT]);
    }
}

#[test]
fn rsqrt() {
    unary(Op::RSQRT, F32).ok(29);
    unary(Op::RSQRT, F32).v(2).ok(29);
    unary(Op::RSQRT, F32).v(3).no(29, &["OP Version different from 2"]);
    unary(Op::RSQRT, F32).no(28, &[LESS_29]);
    unary(Op::RSQRT, I8).no(FL6, &[FLOAT]);
    unary(Op::RSQRT, I8).ok(FL7);
    unary(Op::RSQRT, I32).no(FL7, &[FLOAT_Q8]);
}

#[test]
fn slice() {
    let slice = |ty: T, begin: TensorSpec, size: TensorSpec| {
        case(Op::SLICE).x(ty, &[4, 4]).i(begin).i(size).y(ty, &[2, 2])
    };
    let b32 = || const_i32("begin", &[2], &[0, 0]);
    let s32 = || const_i32("size", &[2], &[2, 2]);
    slice(F32, b32(), s32()).ok(29);
    slice(I32, b32(), s32()).v(2).ok(29);
    slice(F32, b32(), s32()).v(3).no(29, &["OP Version higher than 2"]);
    slice(F32, b32(), s32()).no(28, &[LESS_29]);
    slice(I64, b32(), s32())
        .no(29, &["Input type not in expected list kTfLiteFloat32, kTfLiteInt32, kTfLiteUInt8, kTfLiteInt8"]);
    slice(F32, const_i64("begin", &[2], &[0, 0]), s32()).no(29, &["Begin type should be Int32"]);
    slice(F32, b32(), const_i64("size", &[2], &[2, 2])).no(29, &["Size type should be Int32"]);
}

#[test]
fn transpose_conv() {
    let tc = case(Op::TRANSPOSE_CONV)
        .i(const_i32("output_shape", &[4], &[1, 4, 4, 2]))
        .i(const_f32("w", &[2, 3, 3, 1], &[0.5; 18]))
        .x(F32, &[1, 2, 2, 1])
        .y(F32, &[1, 4, 4, 2]);
    tc.ok(29);
    tc.clone().v(4).ok(29);
    tc.clone().v(5).no(29, &["OP Version higher than 4"]);
    tc.no(28, &[LESS_29]);
    tc.clone().set(0, t(I32, &[4])).no(29, &[DYNAMIC]);
    tc.clone().set(1, t(F32, &[2, 3, 3, 1])).no(29, &[DYNAMIC]);
    tc.clone().inputs(1).no(29, &[DYNAMIC]);
}

#[test]
fn rnn() {
    let rnn = |weights: T| {
        case(Op::RNN)
            .x(F32, &[2, 4])
            .i(const_bytes("w", weights, &[5, 4], &[0; 80]).quant(0.5, 0))
            .i(const_f32("r", &[5, 5], &[0.0; 25]))
            .i(const_f32("b", &[5], &[0.0; 5]))
            .x(F32, &[2, 5])
            .y(F32, &[2, 5])
    };
    rnn(F32).ok(27);
    rnn(F32).inputs(4).no(27, &["Expected 5 input"]);
    rnn(U8).no(27, &["NNAPI only support float32 weights."]);
    rnn(F32).v(2).no(27, &["OP Version different from 1"]);
}

#[test]
fn space_to_depth() {
    let s2d = |ty: T| case(Op::SPACE_TO_DEPTH).x(ty, &[1, 4, 4, 1]).y(ty, &[1, 2, 2, 4]);
    s2d(F32).ok(27);
    s2d(I8).v(2).ok(27);
    s2d(I32).no(27, &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8"]);
    s2d(F32).v(3).no(27, &["OP Version higher than 2"]);
}

#[test]
fn svdf() {
    let svdf = |weights: T| {
        case(Op::SVDF)
            .x(F32, &[2, 4])
            .i(const_bytes("wf", weights, &[8, 4], &[0; 128]).quant(0.5, 0))
            .i(const_f32("wt", &[8, 3], &[0.0; 24]))
            .i(const_f32("b", &[4], &[0.0; 4]))
            .i(t(F32, &[2, 24]).variable())
            .y(F32, &[2, 4])
    };
    svdf(F32).ok(28);
    svdf(F32).no(27, &["SVDF does not support rank > 1 on NNAPI 1.0."]);
    svdf(F32).inputs(4).no(28, &["Expected input of rank 5"]);
    // The weights type is checked twice, with two messages.
    svdf(U8).no(28, &["NNAPI only support float32 weights.", "Weights should be Float32"]);
    svdf(F32).v(2).no(28, &["OP Version different from 1"]);
}

fn basic_lstm() -> Case {
    case(Op::LSTM)
        .i(q(U8, &[1, 4], 1.0 / 128.0, 128))
        .i(q(U8, &[1, 4], 1.0 / 128.0, 128))
        .i(const_u8("w", &[16, 8], &[1; 128]).quant(0.5, 128))
        .i(const_i32("b", &[16], &[0; 16]).quant(0.5 / 128.0, 0))
        .i(q(I16, &[1, 4], 16.0 / 32768.0, 0))
        .o(q(U8, &[1, 4], 1.0 / 128.0, 128))
        .o(q(I16, &[1, 4], 16.0 / 32768.0, 0))
        .o(q(U8, &[1, 16], 1.0 / 128.0, 128))
        .o(q(I16, &[1, 16], 16.0 / 32768.0, 0))
}

#[test]
fn lstm() {
    let full = |n: usize, weights: T| recurrent(Op::LSTM, n, F32, weights);
    full(24, F32).ok(29);
    full(20, F32).v(3).ok(28);
    full(24, F32).v(4).no(29, &["OP Version higher than 3"]);
    full(20, F32).no(27, &["NNAPI 1.0 has a bug for optional tensors which would affect LSTM."]);
    full(24, F32).no(28, &[LESS_29]);
    // Hybrid (float input, quantized in2).
    full(20, U8).no(28, &["Hybrid operators not supported before NNAPI 1.2."]);
    full(20, U8).ok(29);
    // Weight type (in4).
    full(24, I8).no(29, &["Weight has to be Float32 or UINT8"]);
    full(24, I8).ok(30);
    full(24, I16).no(30, &["Weight has to be Float32 or UINT8 or INT8"]);
    // Basic (5-input) kernel.
    basic_lstm().ok(28);
    basic_lstm().no(27, &["NNAPI 1.0 has a bug for optional tensors which would affect LSTM."]);
    basic_lstm()
        .set(2, const_f32("w", &[16, 8], &[1.0; 128]))
        .no(28, &["Basic LSTM Kernels support only UINT8 weights"]);
    basic_lstm().set(0, q(U8, &[1, 4], 1.0 / 128.0, 127)).no(28, &["Invalid input quantization"]);
    basic_lstm().set(0, q(U8, &[1, 4], 1.0 / 64.0, 128)).no(28, &["Invalid input quantization"]);
    basic_lstm().set_out(0, q(U8, &[1, 4], 0.5, 128)).no(28, &["Invalid output quantization"]);
    // Cell state: scale 16/32768 OR zero point 0 suffices.
    basic_lstm().set_out(1, q(I16, &[1, 4], 1.0, 0)).ok(28);
    basic_lstm().set_out(1, q(I16, &[1, 4], 16.0 / 32768.0, 3)).ok(28);
    basic_lstm().set_out(1, q(I16, &[1, 4], 1.0, 3)).no(28, &["Invalid cell state quantization"]);
    basic_lstm().set(2, q(U8, &[16, 8], 0.5, 128)).no(28, &["Weights tensor should be constant"]);
    basic_lstm().set(3, t(I32, &[16])).no(28, &["Biases tensor should be constant"]);
}

#[test]
fn mean() {
    let mean = |ty: T, in_shape: &[i32], out_shape: &[i32]| {
        case(Op::MEAN).x(ty, in_shape).i(const_i32("axis", &[2], &[1, 2])).y(ty, out_shape)
    };
    mean(F32, &[1, 2, 2, 3], &[1, 3]).ok(28);
    mean(U8, &[1, 2, 2, 3], &[1, 3]).v(2).ok(29);
    mean(U8, &[1, 2, 2, 3], &[1, 3]).no(28, &["Expected Float32 input"]);
    mean(I32, &[1, 2, 2, 3], &[1, 3]).no(29, &["Expected Float32 or Quantized input"]);
    mean(F32, &[2, 2], &[]).no(29, &["NNAPI does not support generating a scalar as output for MEAN."]);
    mean(F32, &[1, 1, 2, 2, 3], &[1, 1, 3])
        .no(29, &["NNAPI does not support mean of a tensor with rank > 4"]);
    mean(F32, &[1, 2, 2, 3], &[1, 3]).no(27, &[LESS_28]);
    mean(F32, &[1, 2, 2, 3], &[1, 3]).v(3).no(29, &["OP Version higher than 2"]);
}

#[test]
fn embedding_lookup() {
    let el = |values: T| case(Op::EMBEDDING_LOOKUP).x(I32, &[2]).x(values, &[5, 3]).y(values, &[2, 3]);
    el(F32).ok(27);
    el(U8).no(27, &["NNAPI only support float32 values."]);
    el(F32).v(2).no(27, &["OP Version different from 1"]);
}

#[test]
fn hashtable_lookup() {
    let hl = |out: T| {
        case(Op::HASHTABLE_LOOKUP).x(I32, &[2]).x(I32, &[5]).x(out, &[5, 3]).y(out, &[2, 3]).y(U8, &[2])
    };
    hl(F32).ok(27);
    hl(I32).no(27, &["NNAPI only support float32 output."]);
    hl(F32).v(2).no(27, &["OP Version different from 1"]);
}

#[test]
fn maximum_minimum() {
    for code in [Op::MAXIMUM, Op::MINIMUM] {
        binary(code, F32).ok(29);
        binary(code, I32).v(3).ok(29);
        binary(code, F32).v(4).no(29, &["OP Version higher than 3"]);
        binary(code, F32).no(28, &[LESS_29]);
        binary(code, I64).no(
            29,
            &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8, kTfLiteInt32"],
        );
        // A rank-0 operand must be constant.
        binary(code, F32).set(1, const_f32("s", &[], &[0.0])).ok(29);
        binary(code, F32).set(1, t(F32, &[])).no(29, &["Scalar operand should be constant"]);
        binary(code, F32)
            .set(0, t(F32, &[]))
            .set(1, t(F32, &[]))
            .no(29, &["Scalar operand should be constant", "Scalar operand should be constant"]);
    }
}

#[test]
fn cast() {
    let cast = |from: T, to: T| case(Op::CAST).x(from, &[1, 4]).y(to, &[1, 4]);
    cast(F32, I32).ok(29);
    cast(U8, F32).ok(29);
    cast(I8, F32).ok(30);
    cast(I8, F32).no(29, &["Input type not in expected list kTfLiteFloat32, kTfLiteInt32, kTfLiteUInt8"]);
    cast(F32, I8).no(29, &["Output type should be one of kTfLiteFloat32, kTfLiteInt32, kTfLiteUInt8."]);
    cast(F32, I8).ok(30);
    cast(I64, I32)
        .no(30, &["Input type not in expected list kTfLiteFloat32, kTfLiteInt32, kTfLiteUInt8, kTfLiteInt8"]);
    cast(F32, I64)
        .no(30, &["Output type should be one of kTfLiteFloat32, kTfLiteInt32, kTfLiteUInt8, kTfLiteInt8."]);
    cast(F32, I32).no(28, &[LESS_29]);
    cast(F32, I32).v(2).no(29, &["OP Version different from 1"]);
}

#[test]
fn leaky_relu_and_prelu() {
    for code in [Op::LEAKY_RELU, Op::PRELU] {
        let c = if code == Op::PRELU { binary(code, F32) } else { unary(code, F32) };
        c.ok(29);
        c.no(28, &[LESS_29]);
        c.clone().v(2).no(29, &["OP Version different from 1"]);
        c.clone()
            .set(0, t(I32, &[1, 4]))
            .no(29, &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8"]);
    }
}

#[test]
fn tile() {
    let tile = |ty: T, multipliers: TensorSpec| case(Op::TILE).x(ty, &[1, 4]).i(multipliers).y(ty, &[2, 4]);
    let m32 = || const_i32("m", &[2], &[2, 1]);
    tile(F32, m32()).ok(29);
    tile(I32, t(I32, &[2])).ok(29);
    tile(F32, const_i64("m", &[2], &[2, 1])).no(29, &["Multipliers should be Int32"]);
    tile(BOOL, m32())
        .no(29, &["Input type not in expected list kTfLiteFloat32, kTfLiteInt8, kTfLiteUInt8, kTfLiteInt32"]);
    tile(F32, m32()).no(28, &[LESS_29]);
    tile(F32, m32()).v(2).no(29, &["OP Version different from 1"]);
}

#[test]
fn logical_or_and_not() {
    for code in [Op::LOGICAL_OR, Op::LOGICAL_AND, Op::LOGICAL_NOT] {
        let c = if code == Op::LOGICAL_NOT { unary(code, BOOL) } else { binary(code, BOOL) };
        c.ok(29);
        c.no(28, &[LESS_29]);
        c.clone().v(2).no(29, &["OP Version different from 1"]);
        c.clone().set(0, t(F32, &[1, 4])).no(29, &["Input should be bool"]);
    }
}

#[test]
fn comparisons() {
    for code in [Op::LESS, Op::LESS_EQUAL, Op::GREATER, Op::GREATER_EQUAL, Op::EQUAL, Op::NOT_EQUAL] {
        let cmp = |ty: T| case(code).x(ty, &[1, 4]).x(ty, &[1, 4]).y(BOOL, &[1, 4]);
        cmp(F32).ok(29);
        cmp(BOOL).v(2).ok(29);
        cmp(I64).no(29, &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8, kTfLiteBool, kTfLiteInt32"]);
        cmp(F32).no(28, &[LESS_29]);
        cmp(F32).v(3).no(29, &["OP Version higher than 2"]);
    }
}

#[test]
fn neg() {
    unary(Op::NEG, F32).ok(29);
    unary(Op::NEG, I32).v(2).ok(29);
    unary(Op::NEG, U8).no(29, &["Input type not in expected list kTfLiteFloat32, kTfLiteInt32"]);
    unary(Op::NEG, F32).no(28, &[LESS_29]);
    unary(Op::NEG, F32).v(3).no(29, &["OP Version higher than 2"]);
}

#[test]
fn topk_v2() {
    let topk = |ty: T, k: TensorSpec| case(Op::TOPK_V2).x(ty, &[2, 8]).i(k).y(ty, &[2, 3]).y(I32, &[2, 3]);
    let k = || const_i32("k", &[], &[3]);
    topk(F32, k()).ok(29);
    topk(I8, k()).v(2).ok(29);
    topk(F32, t(I32, &[])).no(29, &["K param should be a constant of type Int32"]);
    topk(F32, const_i64("k", &[], &[3])).no(29, &["K param should be a constant of type Int32"]);
    topk(I64, k())
        .no(29, &["Input type not in expected list kTfLiteFloat32, kTfLiteInt32, kTfLiteUInt8, kTfLiteInt8"]);
    topk(F32, k()).no(28, &[LESS_29]);
    topk(F32, k()).v(3).no(29, &["OP Version higher than 2"]);
}

#[test]
fn select() {
    let select =
        |cond: &[i32], ty: T| case(Op::SELECT).x(BOOL, cond).x(ty, &[2, 4]).x(ty, &[2, 4]).y(ty, &[2, 4]);
    select(&[2, 4], F32).ok(29);
    select(&[2, 4], I8).v(2).ok(29);
    select(&[2], F32).no(29, &["Condition and inputs tensors should have the same shape"]);
    select(&[2, 4], I64)
        .no(29, &["Input type not in expected list kTfLiteFloat32, kTfLiteInt32, kTfLiteUInt8, kTfLiteInt8"]);
    select(&[2, 4], F32).no(28, &[LESS_29]);
    select(&[2, 4], F32).v(3).no(29, &["OP Version higher than 2"]);
}

#[test]
fn gather() {
    let gather = |ty: T, positions: TensorSpec| case(Op::GATHER).x(ty, &[4, 3]).i(positions).y(ty, &[2, 3]);
    let p = || const_i32("p", &[2], &[0, 2]);
    gather(F32, p()).ok(29);
    gather(F16, t(I32, &[2])).v(2).ok(29);
    gather(F32, const_i64("p", &[2], &[0, 2])).no(29, &["Positions type should be one of kTfLiteInt32"]);
    gather(F32, const_i32("p", &[], &[1])).no(29, &["0-dimension args are not supported by NNAPI."]);
    gather(I64, p()).no(
        29,
        &["Input type not in expected list kTfLiteFloat32, kTfLiteFloat16, kTfLiteInt32, kTfLiteUInt8, kTfLiteInt8"],
    );
    gather(F32, p()).no(28, &[LESS_29]);
    gather(F32, p()).v(3).no(29, &["OP Version different from 2"]);
}

#[test]
fn bidirectional_sequence_lstm() {
    let lstm = |weights: T| recurrent(Op::BIDIRECTIONAL_SEQUENCE_LSTM, 48, F32, weights);
    lstm(F32).ok(29);
    lstm(U8).no(29, &[NOT_HYBRID]);
    lstm(F32).no(28, &[LESS_29]);
    lstm(F32).v(2).no(29, &["OP Version different from 1"]);
}

#[test]
fn expand_dims() {
    let ed = |ty: T, axis: TensorSpec| case(Op::EXPAND_DIMS).x(ty, &[2, 4]).i(axis).y(ty, &[2, 1, 4]);
    let a = || const_i32("axis", &[1], &[1]);
    ed(F32, a()).ok(29);
    ed(F16, a()).ok(29);
    ed(F32, t(I32, &[1])).no(29, &[AXIS_CONST]);
    ed(F32, const_i64("axis", &[1], &[1])).no(29, &[AXIS_CONST]);
    ed(I64, a()).no(
        29,
        &["Input type not in expected list kTfLiteFloat32, kTfLiteFloat16, kTfLiteInt32, kTfLiteUInt8, kTfLiteInt8"],
    );
    ed(F32, a()).no(28, &[LESS_29]);
    ed(F32, a()).v(2).no(29, &["OP Version different from 1"]);
}

#[test]
fn split() {
    let split =
        |axis: TensorSpec, ty: T| case(Op::SPLIT).i(axis).x(ty, &[2, 4]).y(ty, &[2, 2]).y(ty, &[2, 2]);
    let a = || const_i32("axis", &[], &[1]);
    split(a(), F32).ok(29);
    split(a(), I32).v(3).ok(29);
    split(a(), I8).no(29, &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt32"]);
    split(a(), I8).ok(30);
    split(a(), I64)
        .no(30, &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8, kTfLiteInt32"]);
    split(t(I32, &[]), F32).no(29, &[AXIS_CONST]);
    split(const_i64("axis", &[], &[1]), F32).no(29, &[AXIS_CONST]);
    split(a(), F32).no(28, &[LESS_29]);
    split(a(), F32).v(4).no(29, &["OP Version different from 3"]);
}

const NON_ZERO_SPLITS: &str = "NNAPI only supports non-zero split sizes.";

#[test]
fn split_v() {
    let sv = |ty: T, sizes: TensorSpec, axis: TensorSpec| {
        case(Op::SPLIT_V).x(ty, &[4, 6]).i(sizes).i(axis).y(ty, &[4, 1]).y(ty, &[4, 2]).y(ty, &[4, 3])
    };
    let sizes = |v: &[i32]| const_i32("sizes", &[3], v);
    let axis = |a: i32| const_i32("axis", &[], &[a]);
    sv(F32, sizes(&[1, 2, 3]), axis(1)).ok(30);
    sv(I8, sizes(&[1, -1, 3]), axis(1)).v(2).ok(30);
    sv(F32, sizes(&[1, -1, 3]), axis(-1)).ok(30);
    sv(F32, sizes(&[3, -1, 3]), axis(1)).no(30, &[NON_ZERO_SPLITS]);
    sv(F32, sizes(&[0, 3, 3]), axis(1)).no(30, &[NON_ZERO_SPLITS]);
    sv(F32, sizes(&[0, -1, 6]), axis(1)).no(30, &[NON_ZERO_SPLITS, NON_ZERO_SPLITS]);
    sv(F32, t(I32, &[3]), axis(1)).no(30, &["NNAPI only supports constant int32 size_splits vector."]);
    sv(F32, const_i32("sizes", &[1, 3], &[1, 2, 3]), axis(1))
        .no(30, &["NNAPI only supports constant int32 size_splits vector."]);
    sv(F32, const_i64("sizes", &[3], &[1, 2, 3]), axis(1))
        .no(30, &["NNAPI only supports constant int32 size_splits vector."]);
    sv(F32, sizes(&[1, 2, 3]), t(I32, &[])).no(30, &[AXIS_CONST]);
    sv(I64, sizes(&[1, 2, 3]), axis(1))
        .no(30, &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8, kTfLiteInt32"]);
    sv(F32, sizes(&[1, 2, 3]), axis(1)).no(29, &[LESS_30]);
    sv(F32, sizes(&[1, 2, 3]), axis(1)).v(3).no(30, &["OP Version different from 2"]);
}

#[test]
fn log_softmax() {
    unary(Op::LOG_SOFTMAX, F32).ok(29);
    unary(Op::LOG_SOFTMAX, U8).no(29, &["Input should be Float32."]);
    unary(Op::LOG_SOFTMAX, F32).no(28, &[LESS_29]);
    unary(Op::LOG_SOFTMAX, F32).v(2).no(29, &["OP Version different from 1"]);
}

#[test]
fn quantize() {
    let quant = |input: TensorSpec, output: TensorSpec| case(Op::QUANTIZE).i(input).o(output);
    let out_u8 = || q(U8, &[1, 4], 0.5, 128);
    quant(t(F32, &[1, 4]), out_u8()).ok(29);
    quant(q(I8, &[1, 4], 0.25, 0), out_u8()).v(2).ok(29);
    quant(t(F32, &[1, 4]), q(I8, &[1, 4], 0.5, 0)).no(29, &["Output should be kTfLiteUInt8."]);
    quant(t(F32, &[1, 4]), q(I8, &[1, 4], 0.5, 0)).ok(30);
    quant(t(F32, &[1, 4]), q(I16, &[1, 4], 0.5, 0)).no(30, &["Output should be kTfLiteUInt8."]);
    quant(t(I32, &[1, 4]), out_u8()).no(29, &["Value should be quantized or Float32."]);
    quant(t(U8, &[1, 4]), out_u8()).no(29, &["Quantization scale should be > 0."]);
    quant(t(F32, &[1, 4]), t(U8, &[1, 4])).no(29, &["Quantization scale should be > 0."]);
    quant(t(F32, &[1, 4]), out_u8()).no(28, &[LESS_29]);
    quant(t(F32, &[1, 4]), out_u8()).v(3).no(29, &["OP Version higher than 2"]);
}

#[test]
fn reduce_any() {
    let any =
        |out: &[i32]| case(Op::REDUCE_ANY).x(BOOL, &[2, 3]).i(const_i32("axis", &[1], &[1])).y(BOOL, out);
    any(&[2]).ok(29);
    any(&[2]).v(2).ok(29);
    any(&[]).no(29, &["NNAPI does not support generating a scalar as output."]);
    any(&[2]).no(28, &[LESS_29]);
    any(&[2]).v(3).no(29, &["OP Version different from 2"]);
}

#[test]
fn reduce_min_max() {
    for code in [Op::REDUCE_MIN, Op::REDUCE_MAX] {
        let r = |ty: T, shape: &[i32]| case(code).x(ty, shape).i(const_i32("axis", &[1], &[0])).y(ty, &[1]);
        r(F32, &[2, 3]).ok(29);
        r(I8, &[2, 3]).v(2).ok(29);
        // The message talks about the output but the check is on the input.
        r(F32, &[]).no(29, &["NNAPI does not support generating a scalar as output."]);
        r(I32, &[2, 3])
            .no(29, &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8"]);
        r(F32, &[2, 3]).no(28, &[LESS_29]);
        r(F32, &[2, 3]).v(3).no(29, &["OP Version higher than 2"]);
    }
}

#[test]
fn depth_to_space() {
    let d2s = |ty: T| case(Op::DEPTH_TO_SPACE).x(ty, &[1, 2, 2, 4]).y(ty, &[1, 4, 4, 1]);
    d2s(F32).ok(27);
    d2s(U8).v(5).ok(27); // no version check
    d2s(I32).no(27, &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8"]);
}

#[test]
fn reduce_prod_and_sum() {
    for code in [Op::REDUCE_PROD, Op::SUM] {
        let r = |ty: T, out: &[i32]| case(code).x(ty, &[2, 3]).i(const_i32("axis", &[1], &[1])).y(ty, out);
        r(F32, &[2]).ok(29);
        r(F32, &[]).no(29, &["NNAPI does not support generating a scalar as output"]);
        r(U8, &[2]).no(29, &["NNAPI only supports floating point input."]);
        r(F32, &[2]).no(28, &[LESS_29]);
        r(F32, &[2]).v(2).no(29, &["OP Version different from 1"]);
    }
}

#[test]
fn elu() {
    unary(Op::ELU, F32).ok(30);
    unary(Op::ELU, F32).no(29, &[LESS_30]);
    unary(Op::ELU, U8).no(30, &["NNAPI only supports floating point input."]);
    unary(Op::ELU, F32).v(2).no(30, &["OP Version different from 1"]);
}

#[test]
fn fill() {
    let fill = |dims: TensorSpec, value: TensorSpec| case(Op::FILL).i(dims).i(value).y(F32, &[2, 3]);
    let d32 = || const_i32("dims", &[2], &[2, 3]);
    let v = || const_f32("v", &[], &[1.5]);
    fill(d32(), v()).ok(30);
    fill(const_i64("dims", &[2], &[2, 3]), t(I32, &[])).ok(30);
    fill(d32(), const_i64("v", &[], &[7])).ok(30);
    fill(d32(), t(I64, &[])).ok(30);
    fill(t(I32, &[2]), v()).no(30, &["NNAPI doesn't support dynamic dimensions tensor."]);
    fill(const_f32("dims", &[2], &[2.0, 3.0]), v())
        .no(30, &["Input type not in expected list kTfLiteInt32, kTfLiteInt64"]);
    // A dims tensor of shape [0] (here with stray data so that it counts as constant).
    fill(const_i32("dims", &[0], &[2]), v()).no(30, &["NNAPI doesn't support generating scalars from FILL"]);
    fill(const_i64("dims", &[2], &[1 << 40, 3]), v()).no(
        30,
        &["NNAPI only supports int32 dimensions tensor. If the dimensions type is int64 and they are constant we can convert them to int32 if the value isn't too large."],
    );
    fill(d32(), const_i64("v", &[], &[1 << 40])).no(
        30,
        &["NNAPI only supports int32 input. If the input type is int64 and constant we can convert it to int32 if the value isn't too large."],
    );
    fill(d32(), t(U8, &[]))
        .no(30, &["Input type not in expected list kTfLiteFloat32, kTfLiteInt32, kTfLiteInt64"]);
    fill(d32(), v()).no(29, &[LESS_30]);
    fill(d32(), v()).v(2).no(30, &["OP Version different from 1"]);
}

#[test]
fn pack() {
    let pack = |ty: T, axis: i32| {
        case(Op::PACK)
            .x(ty, &[2, 3])
            .x(ty, &[2, 3])
            .y(ty, &[2, 2, 3])
            .opts(opts!(PackOptions { values_count: 2, axis: axis }))
    };
    const LAST: &str = "NNAPI does not support axis being the last dimension";
    pack(F32, 0).ok(30);
    pack(I8, 1).v(2).ok(30);
    pack(F32, 2).no(30, &[LAST]);
    pack(F32, -1).no(31, &[LAST]);
    pack(F32, 2).ok(FL6);
    pack(F32, 0).opts(BuiltinOptionsT::NONE).ok(30); // axis 0
    pack(I32, 0).no(30, &["Input type not in expected list kTfLiteFloat32, kTfLiteInt8"]);
    pack(I32, 0).ok(FL6);
    pack(I64, 0).no(
        FL6,
        &["Input type not in expected list kTfLiteInt32, kTfLiteFloat32, kTfLiteInt8, kTfLiteUInt8"],
    );
    pack(F32, 0).no(29, &[LESS_30]);
    pack(F32, 0).v(3).no(30, &["OP Version different from 2"]);
}

#[test]
fn unpack() {
    let unpack = |ty: T, shape: &[i32], axis: i32| {
        case(Op::UNPACK)
            .x(ty, shape)
            .y(ty, &[3])
            .y(ty, &[3])
            .opts(opts!(UnpackOptions { num: 2, axis: axis }))
    };
    const LAST: &str = "NNAPI does not support axis being the last dimension";
    unpack(F32, &[2, 3], 0).ok(30);
    unpack(U8, &[2, 3], 0).v(2).ok(30);
    unpack(F32, &[2, 3], 1).no(30, &[LAST]);
    unpack(F32, &[2, 3], -1).no(30, &[LAST]);
    unpack(F32, &[2], 0).no(30, &["NNAPI does not support unpacking a rank-1 tensor", LAST]);
    unpack(F32, &[2, 1, 1, 1, 3], 0).no(30, &["NNAPI does not support unpacking a tensor with rank > 4"]);
    unpack(I32, &[2, 3], 0)
        .no(30, &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8"]);
    unpack(F32, &[2, 3], 0).no(29, &[LESS_30]);
    unpack(F32, &[2, 3], 0).v(3).no(30, &["OP Version different from 2"]);
}

#[test]
fn squared_difference() {
    let sd = |ty: T| binary(Op::SQUARED_DIFFERENCE, ty);
    sd(F32).ok(28);
    sd(U8).v(2).ok(29);
    sd(U8).no(28, &["Input type not in expected list kTfLiteFloat32"]);
    sd(I8).no(29, &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8"]);
    sd(I8).ok(30);
    sd(I64)
        .no(30, &["Input type not in expected list kTfLiteFloat32, kTfLiteUInt8, kTfLiteInt8, kTfLiteInt32"]);
    sd(F32).set(1, t(F32, &[1, 1, 1, 1, 4])).no(30, &["NNAPI does not support input rank greater than 4"]);
    sd(F32).no(27, &[LESS_28]);
    sd(F32).v(3).no(30, &["OP Version different from 2"]);
}

#[test]
fn batch_matmul() {
    let bmm = |a: TensorSpec, b: TensorSpec| case(Op::BATCH_MATMUL).i(a).i(b).y(F32, &[2, 3, 5]);
    let ok_pair = || bmm(t(F32, &[2, 3, 4]), t(F32, &[2, 4, 5]));
    ok_pair().ok(FL6);
    bmm(t(I8, &[3, 4]), t(I8, &[4, 5])).v(2).ok(FL6);
    ok_pair().no(31, &["Android sdk version less than 1000006"]);
    bmm(t(F32, &[2, 3, 4]), t(I8, &[2, 4, 5])).no(FL6, &["NNAPI does not support hybrid batch matmul"]);
    bmm(t(U8, &[2, 3, 4]), t(U8, &[2, 4, 5]))
        .no(FL6, &["Input type not in expected list kTfLiteFloat32, kTfLiteInt32, kTfLiteInt8"]);
    bmm(t(F32, &[1, 2, 2, 3, 4]), t(F32, &[1, 2, 2, 4, 5]))
        .no(FL6, &["NNAPI does not support input rank greater than 4 or less than 2"]);
    bmm(t(F32, &[4]), t(F32, &[4]))
        .no(FL6, &["NNAPI does not support input rank greater than 4 or less than 2"]);
    bmm(t(F32, &[2, 3, 4]), t(F32, &[1, 4, 5])).no(FL6, &["NNAPI does not support broadcast batch matmul"]);
    bmm(t(F32, &[3, 4]), t(F32, &[2, 4, 5])).no(FL6, &["NNAPI does not support broadcast batch matmul"]);
    ok_pair().v(3).no(FL6, &["OP Version different from 2"]);
}

#[test]
fn mirror_pad() {
    let mp = |ty: T, shape: &[i32], mode: MirrorPadMode| {
        case(Op::MIRROR_PAD)
            .x(ty, shape)
            .i(const_i32("paddings", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]))
            .y(ty, &[1, 4, 4, 1])
            .opts(opts!(MirrorPadOptions { mode: mode }))
    };
    let base = || mp(F32, &[1, 2, 2, 1], MirrorPadMode::REFLECT);
    base().ok(FL7);
    mp(I32, &[1, 2, 2, 1], MirrorPadMode::SYMMETRIC).v(2).ok(FL7);
    base().no(FL6, &["Android sdk version less than 1000007"]);
    base().v(3).no(FL7, &["OP Version higher than 2"]);
    mp(I64, &[1, 2, 2, 1], MirrorPadMode::REFLECT).no(FL7, &[FLOAT_Q8_I32]);
    base().opts(BuiltinOptionsT::NONE).no(FL7, &["Unknown padding mode"]);
    mp(F32, &[1, 2, 2, 1], MirrorPadMode(5)).no(FL7, &["Unknown padding mode"]);
    mp(F32, &[1, 0, 2, 1], MirrorPadMode::REFLECT)
        .no(FL7, &["NN API pad ops do not support input tensors with no elements"]);
    base().x(F32, &[1]).no(FL7, &["Expecting 2 inputs"]);
}

#[test]
fn reverse_v2() {
    let rev = |ty: T| case(Op::REVERSE_V2).x(ty, &[2, 3]).i(const_i32("axis", &[1], &[1])).y(ty, &[2, 3]);
    rev(F32).ok(FL7);
    rev(I32).v(3).ok(FL7);
    rev(F32).no(FL6, &["Android sdk version less than 1000007"]);
    rev(F32).v(4).no(FL7, &["OP Version higher than 3"]);
    rev(BOOL).no(FL7, &[FLOAT_Q8_I32]);
    rev(F32).inputs(1).no(FL7, &["Expecting 2 inputs"]);
}

// ---------------------------------------------------------------------------------------------
// The real DeepLab model.

const DEEPLAB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/models/deeplab/deeplabv3_mnv2_pascal_513_os8_google_original.tflite"
);

fn refused_ops(bytes: &[u8], level: i64, accel: bool) -> Vec<(usize, String, Vec<String>)> {
    let m = model::read(bytes).expect("DeepLab reads");
    let sg = &m.subgraphs[0];
    let ctx = ValidateContext { model: &m, subgraph: sg, level, accel };
    sg.operators
        .iter()
        .enumerate()
        .map(|(i, op)| (i, op.type_name(), rules::validate(&ctx, op)))
        .filter(|(_, _, failures)| !failures.is_empty())
        .collect()
}

#[test]
fn deeplab_at_level_29_without_accelerator() {
    let bytes = std::fs::read(DEEPLAB).expect("the DeepLab model is in shared/models");
    let refused = refused_ops(&bytes, 29, false);
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        refused,
        vec![
            (61, "AVERAGE_POOL_2D".to_string(), strings(&[LARGE_WINDOW])),
            (63, "RESIZE_BILINEAR".to_string(), strings(&[ALIGN])),
            (68, "RESIZE_BILINEAR".to_string(), strings(&[ALIGN])),
            (69, "RESIZE_BILINEAR".to_string(), strings(&[ALIGN])),
            (70, "ARG_MAX".to_string(), strings(&[INT32_OUTPUT])),
        ]
    );
}

#[test]
fn deeplab_at_level_30_with_accelerator() {
    let bytes = std::fs::read(DEEPLAB).expect("the DeepLab model is in shared/models");
    let refused = refused_ops(&bytes, 30, true);
    assert_eq!(refused, vec![(70, "ARG_MAX".to_string(), vec![INT32_OUTPUT.to_string()])]);
}

// ---------------------------------------------------------------------------------------------
// The builder itself.

#[test]
fn builder_dedups_operator_codes_and_writes_both_code_fields() {
    let mut b = ModelBuilder::new();
    let x = b.input(t(F32, &[1, 4]));
    let y = b.add(t(F32, &[1, 4]));
    let z = b.add(t(F32, &[1, 4]));
    let w = b.add(t(F32, &[1, 4]));
    b.op(Op::ADD, &[x, x], &[y]);
    b.op(Op::ADD, &[y, y], &[z]);
    b.op(Op::ADD, &[z, z], &[w]).version(2);
    let v = b.add(t(F32, &[1, 4]));
    b.op(Op::STABLEHLO_ADD, &[w, w], &[v]);
    b.output(v);
    let m = b.model_t();
    let codes = m.operator_codes.as_ref().unwrap();
    assert_eq!(codes.len(), 3);
    assert_eq!((codes[0].builtin_code, codes[0].deprecated_builtin_code, codes[0].version), (Op::ADD, 0, 1));
    assert_eq!((codes[1].builtin_code, codes[1].version), (Op::ADD, 2));
    assert_eq!((codes[2].builtin_code, codes[2].deprecated_builtin_code), (Op::STABLEHLO_ADD, 127));
    let bytes = b.finish();
    assert_eq!(&bytes[4..8], b"TFL3");
    let read = model::read(&bytes).unwrap();
    let ops = &read.subgraphs[0].operators;
    assert_eq!(
        ops.iter().map(|o| (o.code, o.version)).collect::<Vec<_>>(),
        [(Op::ADD, 1), (Op::ADD, 1), (Op::ADD, 2), (Op::STABLEHLO_ADD, 1)]
    );
}

#[test]
fn builder_tensors_subgraphs_and_quantization() {
    let mut b = ModelBuilder::new();
    b.name("main").description("built by a test");
    let x = b.input(q(U8, &[1, 4], 0.5, 128).signature(&[-1, 4]));
    let w = b.add(const_u8("w", &[2, 4], &[1; 8]).per_channel(&[0.1, 0.2], &[0, 0], 0));
    let h = b.add(tensor("handle", T::RESOURCE, &[]));
    let y = b.add(t(U8, &[1, 2]));
    b.op(Op::FULLY_CONNECTED, &[x, w, -1], &[y]);
    b.output(y);
    let body = b.subgraph("body");
    let bx = b.input(t(F32, &[1]));
    b.output(bx);
    assert_eq!(body, 1);
    let bytes = b.finish();
    let m = model::read(&bytes).unwrap();
    assert_eq!(m.description.as_deref(), Some("built by a test"));
    assert_eq!(m.subgraphs.len(), 2);
    assert_eq!(m.subgraphs[1].name, "body");
    let sg = &m.subgraphs[0];
    assert_eq!(sg.name, "main");
    assert_eq!(sg.operators[0].inputs, [x, w, -1]);
    let tx = &sg.tensors[x as usize];
    assert!(tx.is_dynamic() && !tx.is_const());
    assert_eq!(tx.quantization.as_ref().unwrap().legacy_zero_point(), 128);
    let tw = &sg.tensors[w as usize];
    assert_eq!(m.data(tw), Some(&[1u8; 8][..]));
    assert_eq!(tw.quantization.as_ref().unwrap().scale, [0.1, 0.2]);
    assert_eq!(tw.quantization.as_ref().unwrap().legacy_scale(), 0.0);
    assert_eq!(sg.tensors[h as usize].dtype, T::RESOURCE);
    assert_eq!(m.const_ints(&sg.tensors[w as usize]), None);
}
