//! The classic TFLite GPU delegate's per-node decision (crate::delegates::gpu) and the shared
//! `CheckGpuDelegateCompatibility`, worked out by hand from the source: no package ships the
//! classic delegate for Linux, so every expectation here cites the lines of google-ai-edge/LiteRT
//! f674579 that imply it (model_builder.cc = tflite/delegates/gpu/common/model_builder.cc,
//! gpu_compatibility.cc = tflite/tools/versioning/gpu_compatibility.cc, utils.cc =
//! tflite/delegates/utils.cc).
//!
//! A refusal is the line `PrepareSupportedNodes` inserts into the logged set (utils.cc:189-193):
//! `GetOpNameByRegistration + ": " + details`. A parse failure is what `BuildModelEnforceIO`
//! returns for an accepted node (model_builder.cc:3535-3540), which makes the whole delegate
//! fail to apply.

use delegate_doctor::builder::{const_bytes, const_f32, const_i32, const_i64, const_i8, tensor, ModelBuilder, TensorSpec};
use delegate_doctor::delegates::gpu::classic::{self, ClassicOptions, TENSOR_REFUSAL};
use delegate_doctor::delegates::gpu::{compat, fp16_dequant_remap, is_const_fp16_dequantize, CompatFlags, GpuContext, InputRemap};
use delegate_doctor::model::{self, BuiltinOperator as Op, BuiltinOptionsT, TensorType as T};
use delegate_doctor::opts;
use std::collections::BTreeSet;
use tflite_schema::tflite::{ActivationFunctionType as Act, FullyConnectedOptionsWeightsFormat, LSTMKernelType, MirrorPadMode};

const F32: T = T::FLOAT32;
const F16: T = T::FLOAT16;
const I32: T = T::INT32;
const U8: T = T::UINT8;
const I8: T = T::INT8;
const BOOL: T = T::BOOL;

/// Quantized models allowed (the default), OpenCL available.
const ON: ClassicOptions = ClassicOptions { allow_quant_ops: true, opencl: true };
/// `--gpu-experimental-enable-quant=false`.
const QUANT_OFF: ClassicOptions = ClassicOptions { allow_quant_ops: false, opencl: true };
/// A GL-only device (`--gpu-backend gl`).
const GL: ClassicOptions = ClassicOptions { allow_quant_ops: true, opencl: false };

const STANDARD: CompatFlags = CompatFlags::Standard;
const ENHANCED: CompatFlags = CompatFlags::EnhancedBroadcast;

// ---------------------------------------------------------------------------------------------
// Reading a built model and asking the rules.

fn with_ctx<R>(bytes: &[u8], f: impl FnOnce(&GpuContext) -> R) -> R {
    let m = model::read(bytes).expect("the builder writes valid models");
    let ctx = GpuContext { model: &m, subgraph: &m.subgraphs[0], index: 0 };
    f(&ctx)
}

fn refusal(bytes: &[u8], op: usize, o: ClassicOptions) -> Option<String> {
    with_ctx(bytes, |ctx| classic::node_refusal(ctx, op, &o, None))
}

fn parse_failure(bytes: &[u8], op: usize, o: ClassicOptions) -> Option<String> {
    with_ctx(bytes, |ctx| classic::parse_failure(ctx, op, &o, None))
}

/// The refusal lines of every node as `FP16GraphPartitionHelper` logs them: a sorted,
/// de-duplicated set (utils.cc:145-199), with the fp16 rewiring of utils.cc:236-277.
fn logged_set(bytes: &[u8], o: ClassicOptions) -> BTreeSet<String> {
    with_ctx(bytes, |ctx| {
        let remap = fp16_dequant_remap(ctx.subgraph);
        (0..ctx.subgraph.operators.len())
            .filter_map(|i| classic::partition_helper_refusal(ctx, i, &o, &remap))
            .collect()
    })
}

// ---------------------------------------------------------------------------------------------
// One-operator models.

#[derive(Clone)]
struct Case {
    code: Op,
    custom: Option<String>,
    inputs: Vec<Option<TensorSpec>>,
    outputs: Vec<TensorSpec>,
    version: i32,
    options: BuiltinOptionsT,
    custom_options: Option<Vec<u8>>,
}

fn case(code: Op) -> Case {
    Case {
        code,
        custom: None,
        inputs: Vec::new(),
        outputs: Vec::new(),
        version: 1,
        options: BuiltinOptionsT::NONE,
        custom_options: None,
    }
}

fn custom(name: &str) -> Case {
    Case { custom: Some(name.to_string()), ..case(Op::CUSTOM) }
}

/// `code` reading x0 and writing y0, both float [1, 8, 8, 3].
fn unary(code: Op) -> Case {
    case(code).x(F32, &[1, 8, 8, 3]).y(F32, &[1, 8, 8, 3])
}

/// `code` reading x0 and x1 and writing y0, all float [1, 8, 8, 3].
fn binary(code: Op) -> Case {
    unary(code).x(F32, &[1, 8, 8, 3])
}

/// Raw little-endian int32 fields, the C structs custom ops keep in their options.
fn raw(fields: &[i32]) -> Vec<u8> {
    fields.iter().flat_map(|v| v.to_le_bytes()).collect()
}

impl Case {
    fn i(mut self, spec: TensorSpec) -> Self {
        self.inputs.push(Some(spec));
        self
    }
    /// A runtime input named x<i>.
    fn x(self, ty: T, shape: &[i32]) -> Self {
        let name = format!("x{}", self.inputs.len());
        self.i(tensor(&name, ty, shape))
    }
    fn omitted(mut self) -> Self {
        self.inputs.push(None);
        self
    }
    fn o(mut self, spec: TensorSpec) -> Self {
        self.outputs.push(spec);
        self
    }
    /// An output named y<i>.
    fn y(self, ty: T, shape: &[i32]) -> Self {
        let name = format!("y{}", self.outputs.len());
        self.o(tensor(&name, ty, shape))
    }
    fn v(mut self, version: i32) -> Self {
        self.version = version;
        self
    }
    fn opts(mut self, options: BuiltinOptionsT) -> Self {
        self.options = options;
        self
    }
    fn raw(mut self, bytes: Vec<u8>) -> Self {
        self.custom_options = Some(bytes);
        self
    }

    /// The model: graph inputs are the runtime (non-constant, non-variable) inputs.
    fn bytes(&self) -> Vec<u8> {
        let mut b = ModelBuilder::new();
        let ins: Vec<i32> = self.inputs.iter().map(|s| s.as_ref().map_or(-1, |s| b.add(s.clone()))).collect();
        let outs: Vec<i32> = self.outputs.iter().map(|s| b.add(s.clone())).collect();
        let op = match &self.custom {
            Some(name) => b.custom_op(name, &ins, &outs),
            None => b.op(self.code, &ins, &outs),
        };
        let op = op.version(self.version).options(self.options.clone());
        if let Some(data) = &self.custom_options {
            op.custom_options(data);
        }
        for &o in &outs {
            b.output(o);
        }
        let mut m = b.model_t();
        let buffers = m.buffers.clone().unwrap_or_default();
        let sg = &mut m.subgraphs.as_mut().expect("one subgraph")[0];
        let tensors = sg.tensors.clone().unwrap_or_default();
        let runtime = |t: &i32| {
            let Ok(i) = usize::try_from(*t) else { return false };
            let tensor = &tensors[i];
            !tensor.is_variable && buffers[tensor.buffer as usize].data.is_none()
        };
        sg.inputs = Some(ins.iter().copied().filter(runtime).collect());
        delegate_doctor::builder::pack(&m)
    }

    fn refusal(&self, o: ClassicOptions) -> Option<String> {
        refusal(&self.bytes(), 0, o)
    }
    fn parse(&self, o: ClassicOptions) -> Option<String> {
        parse_failure(&self.bytes(), 0, o)
    }
    fn compat(&self, flags: CompatFlags) -> Result<(), String> {
        with_ctx(&self.bytes(), |ctx| compat::check(ctx, 0, flags))
    }
}

/// Asserts that node 0 is refused with exactly `line`.
#[track_caller]
fn refused(c: &Case, o: ClassicOptions, line: &str) {
    assert_eq!(c.refusal(o).as_deref(), Some(line));
}

#[track_caller]
fn accepted(c: &Case, o: ClassicOptions) {
    assert_eq!(c.refusal(o), None);
}

/// Asserts node 0 is accepted and parses.
#[track_caller]
fn accepted_and_parses(c: &Case) {
    assert_eq!(c.refusal(ON), None, "refused");
    assert_eq!(c.parse(ON), None, "parse failure");
}

/// Asserts node 0 is accepted but its Parse fails with exactly `line`.
#[track_caller]
fn parse_fails(c: &Case, line: &str) {
    assert_eq!(c.refusal(ON), None, "refused");
    assert_eq!(c.parse(ON).as_deref(), Some(line));
}

fn conv_opts(stride: i32) -> BuiltinOptionsT {
    opts!(Conv2DOptions { stride_w: stride, stride_h: stride })
}

fn pool_opts(filter: i32, stride: i32) -> BuiltinOptionsT {
    opts!(Pool2DOptions { filter_width: filter, filter_height: filter, stride_w: stride, stride_h: stride })
}

fn weights(name: &str, shape: &[i32]) -> TensorSpec {
    let n: i32 = shape.iter().product();
    const_f32(name, shape, &vec![0.5; n as usize])
}

// ---------------------------------------------------------------------------------------------
// NewOperationParser's dispatch (model_builder.cc:3080-3287) and GetOpNameByRegistration.

#[test]
fn ops_without_a_parser_are_not_supported() {
    // ARG_MAX, BATCH_TO_SPACE_ND, SPACE_TO_BATCH_ND, L2_NORMALIZATION: no case in the switch
    // (3089-3285; the BatchToSpace/SpaceToBatch classes at 2917-3001 are never registered), so
    // UnsupportedOperationParser (3034-3038).
    let argmax = case(Op::ARG_MAX).x(F32, &[1, 8, 8, 3]).i(const_i32("axis", &[1], &[3])).y(I32, &[1, 8, 8]);
    refused(&argmax, ON, "ARG_MAX: Operation is not supported.");
    for code in [Op::BATCH_TO_SPACE_ND, Op::SPACE_TO_BATCH_ND, Op::L2_NORMALIZATION, Op::LOCAL_RESPONSE_NORMALIZATION] {
        let line = format!("{}: Operation is not supported.", model::op_name(code));
        refused(&unary(code), ON, &line);
    }
}

#[test]
fn custom_ops_other_than_the_four_refuse_with_their_name() {
    // 3283: NewCustomOperationParser; the open-source build's (default/custom_parsers.cc) is an
    // UnimplementedOperationParser whose IsSupported returns UnimplementedError(op_name):
    // the detail is the custom name, and GetOpNameByRegistration (tflite/util.cc:185-194) adds
    // "CUSTOM <name>".
    let c = custom("MyOp").x(F32, &[1, 4]).y(F32, &[1, 4]);
    refused(&c, ON, "CUSTOM MyOp: MyOp");
}

#[test]
fn convolution_2d_transpose_bias_needs_its_options_and_positive_strides() {
    // 3271 → TransposeConvCustomOperationParser (2734-2740) → gpu_compatibility.cc:422-429:
    // input 1 must exist, custom_initial_data must exist, strides (TfLiteTransposeConvParams:
    // padding, stride_width, stride_height) must be positive.
    let base = custom("Convolution2DTransposeBias").x(F32, &[1, 4, 4, 8]).i(weights("w", &[2, 3, 3, 8])).i(weights("b", &[2])).y(F32, &[1, 8, 8, 2]);
    accepted_and_parses(&base.clone().raw(raw(&[1, 2, 2])));
    refused(&base, ON, "CUSTOM Convolution2DTransposeBias: Unable to retrieve custom_initial_data.");
    refused(
        &base.clone().raw(raw(&[1, 0, 2])),
        ON,
        "CUSTOM Convolution2DTransposeBias: Incorrect stride values: stride_height = 2, stride_width = 0",
    );
    let only_input = custom("Convolution2DTransposeBias").x(F32, &[1, 4, 4, 8]).y(F32, &[1, 8, 8, 2]).raw(raw(&[1, 2, 2]));
    refused(&only_input, ON, "CUSTOM Convolution2DTransposeBias: Requested index goes beyond array size: 1 vs 1");
    // Parse (2742-2764) reads the weights as an OHWI float tensor: 4-D.
    let flat = custom("Convolution2DTransposeBias").x(F32, &[1, 4, 4, 8]).i(weights("w", &[2, 72])).y(F32, &[1, 8, 8, 2]).raw(raw(&[1, 2, 2]));
    parse_fails(&flat, "CUSTOM Convolution2DTransposeBias: Expected a 4D tensor of shape OxHxWxI but got 2x72");
}

#[test]
fn max_pooling_with_argmax_uses_its_raw_pool_params_and_two_outputs() {
    // 3274 → Pooling2DOperationParser → CheckPooling2DGpuDelegateCompatibility (246-264): with
    // custom data (TfLitePoolParams: padding, stride w/h, filter w/h, activation) one runtime
    // input and two outputs; without it the builtin data, which a custom op does not have.
    let base = custom("MaxPoolingWithArgmax2D").x(F32, &[1, 8, 8, 3]).y(F32, &[1, 4, 4, 3]).y(F32, &[1, 4, 4, 3]);
    accepted_and_parses(&base.clone().raw(raw(&[1, 2, 2, 2, 2, 0])));
    refused(&base, ON, "CUSTOM MaxPoolingWithArgmax2D: Unable to retrieve builtin_data.");
    refused(
        &base.clone().raw(raw(&[1, 2, 2, 0, 2, 0])),
        ON,
        "CUSTOM MaxPoolingWithArgmax2D: Incorrect kernel values: kernel_height = 2, kernel_width = 0",
    );
    refused(
        &base.clone().raw(raw(&[1, 2, 2, 2, 2, 5])),
        ON,
        "CUSTOM MaxPoolingWithArgmax2D: TfLiteFusedActivation.kTfLiteActSignBit",
    );
    let one_output = custom("MaxPoolingWithArgmax2D").x(F32, &[1, 8, 8, 3]).y(F32, &[1, 4, 4, 3]).raw(raw(&[1, 2, 2, 2, 2, 0]));
    refused(&one_output, ON, "CUSTOM MaxPoolingWithArgmax2D: Expected 2 output tensor(s), but node has 1 output(s).");
}

#[test]
fn max_unpooling_and_resampler() {
    // MaxUnpooling2D (3277; gpu_compatibility.cc:433-443): two runtime inputs, custom data,
    // positive kernel and strides.
    let unpool = custom("MaxUnpooling2D").x(F32, &[1, 4, 4, 3]).x(F32, &[1, 4, 4, 3]).y(F32, &[1, 8, 8, 3]);
    accepted_and_parses(&unpool.clone().raw(raw(&[1, 2, 2, 2, 2, 0])));
    refused(&unpool, ON, "CUSTOM MaxUnpooling2D: Unable to retrieve custom_initial_data.");
    refused(
        &unpool.clone().raw(raw(&[1, 0, 0, 2, 2, 0])),
        ON,
        "CUSTOM MaxUnpooling2D: Incorrect stride values: stride_height = 0, stride_width = 0",
    );
    // Resampler (3280; 444-460): src and warp 4-D, same batch, warp with 2+ channels.
    let resampler = |warp: &[i32]| custom("Resampler").x(F32, &[1, 8, 8, 3]).x(F32, warp).y(F32, &[1, 8, 8, 3]);
    accepted_and_parses(&resampler(&[1, 8, 8, 2]));
    refused(&resampler(&[1, 8, 8, 1]), ON, "CUSTOM Resampler: warp.c < 2");
    refused(&resampler(&[2, 8, 8, 2]), ON, "CUSTOM Resampler: src.b != warp.b");
    refused(&resampler(&[8, 8, 2]), ON, "CUSTOM Resampler: src or warp dims size != 4");
}

#[test]
fn max_versions_of_the_parsers() {
    // CheckMaxSupportedOpVersion (operation_parser.cc:28-37) with each parser's maximum.
    let conv = unary(Op::CONV_2D).i(weights("w", &[3, 1, 1, 3])).opts(conv_opts(1));
    accepted(&conv.clone().v(6), ON);
    refused(&conv.v(7), ON, "CONV_2D: Max version supported: 6. Requested version 7.");
    // ElementwiseOperationParser (1069-1072): MUL 3, the others 2.
    accepted(&binary(Op::MUL).v(3), ON);
    refused(&binary(Op::MUL).v(4), ON, "MUL: Max version supported: 3. Requested version 4.");
    refused(&binary(Op::ADD).v(3), ON, "ADD: Max version supported: 2. Requested version 3.");
    // FULLY_CONNECTED 9 (1289), RESHAPE 1 (2025), PRELU 1 (1701), RELU 2 (1959).
    let fc = case(Op::FULLY_CONNECTED).x(F32, &[1, 8]).i(weights("w", &[4, 8])).omitted().y(F32, &[1, 4]);
    accepted(&fc.clone().v(9), ON);
    refused(&fc.v(10), ON, "FULLY_CONNECTED: Max version supported: 9. Requested version 10.");
    let reshape = case(Op::RESHAPE).x(F32, &[1, 8]).i(const_i32("s", &[2], &[2, 4])).y(F32, &[2, 4]);
    refused(&reshape.v(2), ON, "RESHAPE: Max version supported: 1. Requested version 2.");
    let prelu = unary(Op::PRELU).i(weights("alpha", &[3]));
    refused(&prelu.v(2), ON, "PRELU: Max version supported: 1. Requested version 2.");
    refused(&unary(Op::RELU).v(3), ON, "RELU: Max version supported: 2. Requested version 3.");
}

// ---------------------------------------------------------------------------------------------
// IsAllAllowedTensors (3055-3077) and its type lists (3308-3342): rank-5 tensors, quant on/off.

#[test]
fn rank_5_tensors_are_refused_even_when_the_op_is_supported() {
    // ADD of two rank-5 tensors passes CheckGpuDelegateCompatibility (same ranks: no broadcast
    // check, 484-488) and then fails `t->dims->size >= 5` (3062).
    let add = case(Op::ADD).x(F32, &[1, 2, 2, 2, 3]).x(F32, &[1, 2, 2, 2, 3]).y(F32, &[1, 2, 2, 2, 3]);
    assert_eq!(add.compat(STANDARD), Ok(()));
    refused(&add, ON, "ADD: OP is supported, but tensor type/shape isn't compatible.");
    assert_eq!(TENSOR_REFUSAL, "OP is supported, but tensor type/shape isn't compatible.");
    // A rank-5 constant is refused too (the rank check applies to every tensor).
    let rank5_const = case(Op::ADD).x(F32, &[1, 1, 2, 2, 3]).i(weights("c", &[1, 1, 1, 1, 3])).y(F32, &[1, 1, 2, 2, 3]);
    refused(&rank5_const, ON, "ADD: OP is supported, but tensor type/shape isn't compatible.");
}

#[test]
fn only_arena_tensors_are_type_checked() {
    // 3072: a constant of any type passes; an int32 runtime input of ADD does not.
    let int32_const = unary(Op::ADD).i(const_i32("c", &[1], &[2]));
    accepted(&int32_const, ON);
    let int32_runtime = case(Op::ADD).x(I32, &[1, 4]).x(I32, &[1, 4]).y(I32, &[1, 4]);
    refused(&int32_runtime, ON, "ADD: OP is supported, but tensor type/shape isn't compatible.");
    // A variable tensor is kTfLiteArenaRwPersistent, not checked for its type either.
    let variable = case(Op::ADD).x(F32, &[1, 4]).i(tensor("v", I32, &[1, 4]).variable()).y(F32, &[1, 4]);
    accepted(&variable, ON);
}

#[test]
fn quantized_models_with_quant_on_and_off() {
    // 3311-3317: int8/uint8 are allowed only with allow_quant_ops. The uint8 CONV_2D's
    // constants (weights, int32 bias) are never type-checked.
    let conv = case(Op::CONV_2D)
        .i(tensor("x", U8, &[1, 8, 8, 3]).quant(0.5, 128))
        .i(const_bytes("w", U8, &[4, 1, 1, 3], &[1; 12]).quant(0.1, 0))
        .i(const_i32("b", &[4], &[0; 4]).quant(0.05, 0))
        .o(tensor("y", U8, &[1, 8, 8, 4]).quant(0.5, 128))
        .opts(conv_opts(1));
    accepted_and_parses(&conv);
    refused(&conv, QUANT_OFF, "CONV_2D: OP is supported, but tensor type/shape isn't compatible.");
    // DEQUANTIZE and QUANTIZE get a parser only with quant on (3115-3119, 3203-3207).
    let dequantize = case(Op::DEQUANTIZE).i(tensor("x", I8, &[1, 4]).quant(0.5, 0)).y(F32, &[1, 4]);
    accepted_and_parses(&dequantize);
    refused(&dequantize, QUANT_OFF, "DEQUANTIZE: Operation is not supported.");
    let quantize = case(Op::QUANTIZE).x(F32, &[1, 4]).o(tensor("y", I8, &[1, 4]).quant(0.5, 0));
    accepted_and_parses(&quantize);
    refused(&quantize, QUANT_OFF, "QUANTIZE: Operation is not supported.");
}

#[test]
fn quantized_tensors_need_per_tensor_parameters_to_parse() {
    // ReadNonConstantTensor (object_reader.cc:50-86) turns an int8/uint8 value into a float
    // tensor with PopulateQuantParams (model_builder_helper.cc:163-197): no quantization →
    // "Tensor not quantized: <name>", several scales → "Non-constant per-channel …".
    let plain = case(Op::ADD).x(U8, &[1, 4]).i(tensor("b", U8, &[1, 4]).quant(0.5, 0)).o(tensor("y", U8, &[1, 4]).quant(0.5, 0));
    parse_fails(&plain, "ADD: Tensor not quantized: x0");
    let per_channel = case(Op::ADD)
        .i(tensor("a", U8, &[1, 2]).per_channel(&[0.5, 0.25], &[0, 0], 1))
        .i(tensor("b", U8, &[1, 2]).quant(0.5, 0))
        .o(tensor("y", U8, &[1, 2]).quant(0.5, 0));
    parse_fails(&per_channel, "ADD: Non-constant per-channel quantized tensor: a");
    // With quant off the same tensors are refused before parsing.
    refused(&plain, QUANT_OFF, "ADD: OP is supported, but tensor type/shape isn't compatible.");
}

// ---------------------------------------------------------------------------------------------
// ADD/MUL broadcasting (gpu_compatibility.cc:465-527) under kStandard and kEnhancedBroadcast.

fn add_of(a: &[i32], b: &[i32], out: &[i32]) -> Case {
    case(Op::ADD).x(F32, a).x(F32, b).y(F32, out)
}

#[test]
fn add_broadcast_under_standard_and_enhanced() {
    let accepted_by_both = [
        (&[1, 8, 8, 3][..], &[8, 8, 3][..]), // 4D with 3D, batch 1 (502-505)
        (&[1, 8, 8, 3], &[1, 1]),            // [1,1] to [1,x,y,z] (506-510)
        (&[1, 8, 8, 3], &[1, 3]),            // [b,c] to [b,x,y,c] (511-515)
        (&[1, 8, 8, 3], &[3]),               // rank 1: not checked (487)
        (&[1, 8, 8, 3], &[1, 8, 8, 3]),      // same rank: not checked (488)
    ];
    for (a, b) in accepted_by_both {
        let c = add_of(a, b, &[1, 8, 8, 3]);
        assert_eq!(c.compat(STANDARD), Ok(()), "{a:?} + {b:?}");
        assert_eq!(c.compat(ENHANCED), Ok(()), "{a:?} + {b:?}");
        accepted(&c, ON);
    }
    // kStandard refuses what only numpy broadcasting allows; the classic delegate uses it
    // (CheckGpuDelegateCompatibility(context, node, registration) defaults to kStandard,
    // gpu_compatibility.h:48-51), the flatbuffer entry point uses kEnhancedBroadcast (1277-1287).
    let standard_only = [
        (&[2, 8, 8, 3][..], &[8, 8, 3][..], "[2,8,8,3]", "[8,8,3]"),
        (&[1, 8, 8, 3], &[8, 3], "[1,8,8,3]", "[8,3]"),
        (&[1, 4, 5], &[4, 5], "[1,4,5]", "[4,5]"),
    ];
    for (a, b, ta, tb) in standard_only {
        let c = add_of(a, b, a);
        let msg = format!("Doesn't support broadcasting - input0: {ta}, input1: {tb}");
        assert_eq!(c.compat(STANDARD), Err(msg.clone()));
        assert_eq!(c.compat(ENHANCED), Ok(()));
        refused(&c, ON, &format!("ADD: {msg}"));
    }
    // Not broadcastable at all: refused by both; the message prints input0 then input1.
    let c = add_of(&[8, 4], &[1, 8, 8, 3], &[1, 8, 8, 3]);
    let msg = "Doesn't support broadcasting - input0: [8,4], input1: [1,8,8,3]".to_string();
    assert_eq!(c.compat(STANDARD), Err(msg.clone()));
    assert_eq!(c.compat(ENHANCED), Err(msg));
}

#[test]
fn mul_broadcast_and_activation() {
    // MUL (917-933): the same broadcast rule, then its activation (ADD's is not checked, 549-550).
    let mul = case(Op::MUL).x(F32, &[1, 8, 8, 3]).x(F32, &[8, 3]).y(F32, &[1, 8, 8, 3]);
    refused(&mul, ON, "MUL: Doesn't support broadcasting - input0: [1,8,8,3], input1: [8,3]");
    assert_eq!(mul.compat(ENHANCED), Ok(()));
    let sign_bit = binary(Op::MUL).opts(opts!(MulOptions { fused_activation_function: Act::SIGN_BIT }));
    refused(&sign_bit, ON, "MUL: TfLiteFusedActivation.kTfLiteActSignBit");
    refused(&case(Op::MUL).x(F32, &[4]).y(F32, &[4]), ON, "MUL: MUL requires two input tensors.");
    refused(
        &binary(Op::ADD).x(F32, &[1, 8, 8, 3]),
        ON,
        "ADD: ADD requires two input tensors.",
    );
    // ADD with SIGN_BIT passes IsSupported but MaybeFuseActivation refuses it in Parse
    // (model_builder.cc:1181-1182 → model_builder_helper.cc:425-427).
    let add_sign_bit = binary(Op::ADD).opts(opts!(AddOptions { fused_activation_function: Act::SIGN_BIT }));
    parse_fails(&add_sign_bit, "ADD: Unsupported fused activation: 5");
}

// ---------------------------------------------------------------------------------------------
// Comparisons and their CAST / SELECT consumers (model_builder.cc:1073-1093, 380-409).

/// x, y float [1,2,2,3] → LESS → bool m → `next`(m) → out → ABS → z (a CAST from bool must have a
/// consumer, 397-403), and optionally a second reader of m.
fn less_then(next: Op, out_ty: T, extra_reader: bool) -> Vec<u8> {
    // 4-D: SELECT refuses 2-D runtime branches (gpu_compatibility.cc:404-417).
    const S4: &[i32] = &[1, 2, 2, 3];
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, S4));
    let y = b.input(tensor("y", F32, S4));
    let m = b.add(tensor("m", BOOL, S4));
    let out = b.add(tensor("out", out_ty, S4));
    b.op(Op::LESS, &[x, y], &[m]);
    match next {
        Op::SELECT | Op::SELECT_V2 => b.op(next, &[m, x, y], &[out]),
        Op::LOGICAL_AND => b.op(next, &[m, m], &[out]),
        _ => b.op(next, &[m], &[out]),
    };
    let z = b.add(tensor("z", out_ty, S4));
    b.op(Op::ABS, &[out], &[z]);
    b.output(z);
    if extra_reader {
        let out2 = b.add(tensor("out2", F32, S4));
        let z2 = b.add(tensor("z2", F32, S4));
        b.op(Op::CAST, &[m], &[out2]);
        b.op(Op::ABS, &[out2], &[z2]);
        b.output(z2);
    }
    b.finish()
}

#[test]
fn a_comparison_must_feed_one_cast_or_select_with_a_float_output() {
    // 1073-1089: exactly one producer and one consumer of the bool output; the consumer is
    // CAST/SELECT/SELECT_V2 and its output float16/float32.
    for next in [Op::CAST, Op::SELECT, Op::SELECT_V2] {
        let m = less_then(next, F32, false);
        assert_eq!(refusal(&m, 0, ON), None, "LESS → {next:?}");
        assert_eq!(refusal(&m, 1, ON), None, "{next:?} after LESS");
        assert_eq!(parse_failure(&m, 0, ON), None);
        assert_eq!(parse_failure(&m, 1, ON), None);
    }
    // A consumer of another kind, or a non-float output: 1090-1091, with a period.
    let to_int = less_then(Op::CAST, I32, false);
    assert_eq!(refusal(&to_int, 0, ON).as_deref(), Some("LESS: Not supported logical op case."));
    // The CAST bool → int32 itself: its bool input comes from LESS, but the fast path is only
    // for float outputs (385-386); CheckGpuDelegateCompatibility (633-655) has no bool → int32.
    assert_eq!(
        refusal(&to_int, 1, ON).as_deref(),
        Some("CAST: Not supported Cast case. Input type: BOOL and output type: INT32")
    );
    // LOGICAL_AND(m, m) reads m twice: GetTensorInfo counts a consumer per occurrence
    // (288-292), so this is the two-readers message.
    let and = less_then(Op::LOGICAL_AND, BOOL, false);
    assert_eq!(refusal(&and, 0, ON).as_deref(), Some("LESS: Not supported logical op case"));
    // Two readers: 1077-1079, without a period.
    let two = less_then(Op::CAST, F32, true);
    assert_eq!(refusal(&two, 0, ON).as_deref(), Some("LESS: Not supported logical op case"));
    // …and each CAST then sees two consumers of its bool input (392-395).
    assert_eq!(refusal(&two, 1, ON).as_deref(), Some("CAST: Not supported cast case"));
    assert_eq!(refusal(&two, 3, ON).as_deref(), Some("CAST: Not supported cast case"));
}

#[test]
fn a_comparison_whose_output_is_only_a_graph_output_is_refused() {
    // No consumer at all (graph outputs are not consumers in GetTensorInfo, 271-300).
    let c = case(Op::GREATER).x(F32, &[1, 4]).x(F32, &[1, 4]).y(BOOL, &[1, 4]);
    refused(&c, ON, "GREATER: Not supported logical op case");
}

#[test]
fn cast_from_bool_rules() {
    // A bool graph input has no producer (392-395).
    let c = case(Op::CAST).x(BOOL, &[1, 4]).y(F32, &[1, 4]);
    refused(&c, ON, "CAST: Not supported cast case");
    // LESS → CAST whose output nothing reads: "Cast from bool not supported for outputs"
    // (397-403); and LESS is then refused too (its consumer's output… is float, so LESS passes).
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 4]));
    let m = b.add(tensor("m", BOOL, &[1, 4]));
    let out = b.add(tensor("out", F32, &[1, 4]));
    b.op(Op::LESS, &[x, x], &[m]);
    b.op(Op::CAST, &[m], &[out]);
    b.output(out);
    let bytes = b.finish();
    assert_eq!(refusal(&bytes, 1, ON).as_deref(), Some("CAST: Cast from bool not supported for outputs"));
    assert_eq!(refusal(&bytes, 0, ON), None);
    // A bool made by LOGICAL_AND (not a comparison) falls through to the shared check, which
    // accepts bool → float (637-640); CAST's input list includes bool (3321-3328).
    let mut b = ModelBuilder::new();
    let p = b.input(tensor("p", BOOL, &[1, 4]));
    let m = b.add(tensor("m", BOOL, &[1, 4]));
    let out = b.add(tensor("out", F32, &[1, 4]));
    let z = b.add(tensor("z", F32, &[1, 4]));
    b.op(Op::LOGICAL_AND, &[p, p], &[m]);
    b.op(Op::CAST, &[m], &[out]);
    b.op(Op::ABS, &[out], &[z]);
    b.output(z);
    let bytes = b.finish();
    assert_eq!(refusal(&bytes, 1, ON), None);
    // LOGICAL_AND(p, p) is accepted (bool in and out, 3336-3339) but cannot parse: the same
    // tensor twice is only handled for MUL and ADD (1128-1143).
    assert_eq!(refusal(&bytes, 0, ON), None);
    assert_eq!(
        parse_failure(&bytes, 0, ON).as_deref(),
        Some("LOGICAL_AND: No support of few identical inputs in the same operation.")
    );
}

#[test]
fn cast_between_float_and_int32() {
    // 645-649 and the CAST type lists (3321-3328).
    accepted_and_parses(&case(Op::CAST).x(I32, &[1, 4]).y(F32, &[1, 4]));
    accepted_and_parses(&case(Op::CAST).x(F32, &[1, 4]).y(I32, &[1, 4]));
    refused(
        &case(Op::CAST).x(F32, &[1, 4]).y(T::INT64, &[1, 4]),
        ON,
        "CAST: Not supported Cast case. Input type: FLOAT32 and output type: INT64",
    );
    refused(
        &case(Op::CAST).i(const_f32("c", &[1, 4], &[1.0; 4])).y(I32, &[1, 4]),
        ON,
        "CAST: Expected 1 runtime input tensor(s), but node has 0 runtime input(s).",
    );
}

// ---------------------------------------------------------------------------------------------
// SPLIT / SPLIT_V without OpenCL (delegate.cc:1536-1540 → model_builder.cc:3084-3088).

#[test]
fn split_is_excluded_without_opencl() {
    let split = case(Op::SPLIT).i(const_i32("axis", &[], &[3])).x(F32, &[1, 4, 4, 6]).y(F32, &[1, 4, 4, 3]).y(F32, &[1, 4, 4, 3]).opts(opts!(SplitOptions { num_splits: 2 }));
    accepted_and_parses(&split);
    refused(&split, GL, "SPLIT: Operation is not supported.");
    let split_v = case(Op::SPLIT_V)
        .x(F32, &[1, 4, 4, 6])
        .i(const_i32("sizes", &[2], &[2, 4]))
        .i(const_i32("axis", &[], &[3]))
        .y(F32, &[1, 4, 4, 2])
        .y(F32, &[1, 4, 4, 4])
        .opts(opts!(SplitVOptions { num_splits: 2 }));
    accepted_and_parses(&split_v);
    refused(&split_v, GL, "SPLIT_V: Operation is not supported.");
    // Other ops are not affected by the backend.
    accepted(&binary(Op::ADD), GL);
    // SPLIT's Parse (2398-2430): the axis must name a dimension of the data.
    let bad_axis = case(Op::SPLIT).i(const_i32("axis", &[], &[4])).x(F32, &[1, 4, 4, 6]).y(F32, &[1, 4, 4, 3]).y(F32, &[1, 4, 4, 3]).opts(opts!(SplitOptions { num_splits: 2 }));
    parse_fails(&bad_axis, "SPLIT: Index for axis out of range");
}

// ---------------------------------------------------------------------------------------------
// Parse-time failures after acceptance.

#[test]
fn div_of_a_tensor_by_itself_fails_at_parse_time() {
    // DIV(x, x): IsSupported passes (two runtime inputs, 1187-1197), Parse refuses identical
    // inputs (1128-1143). MUL(x, x) becomes SQUARE and ADD(x, x) MUL by 2.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 8, 8, 3]));
    let outs: Vec<i32> = ["d", "m", "a", "s"].iter().map(|n| b.add(tensor(n, F32, &[1, 8, 8, 3]))).collect();
    b.op(Op::DIV, &[x, x], &[outs[0]]);
    b.op(Op::MUL, &[x, x], &[outs[1]]);
    b.op(Op::ADD, &[x, x], &[outs[2]]);
    b.op(Op::SUB, &[x, x], &[outs[3]]);
    for &o in &outs {
        b.output(o);
    }
    let bytes = b.finish();
    for i in 0..4 {
        assert_eq!(refusal(&bytes, i, ON), None, "node {i}");
    }
    let expected = [
        Some("DIV: No support of few identical inputs in the same operation."),
        None,
        None,
        Some("SUB: No support of few identical inputs in the same operation."),
    ];
    for (i, e) in expected.iter().enumerate() {
        assert_eq!(parse_failure(&bytes, i, ON).as_deref(), *e, "node {i}");
    }
    // For a partition: every failing node in order (the delegate reports the first).
    let all = with_ctx(&bytes, |ctx| classic::parse_failures(ctx, &[0, 1, 2, 3], &ON, None));
    assert_eq!(
        all,
        vec![
            (0, "DIV: No support of few identical inputs in the same operation.".to_string()),
            (3, "SUB: No support of few identical inputs in the same operation.".to_string()),
        ]
    );
}

#[test]
fn scalar_runtime_tensors_fail_at_parse_time() {
    // ExtractTensorShape (model_builder_helper.cc:97-121) has no layout for rank 0, and
    // IsAllAllowedTensors only refuses rank ≥ 5.
    let add = case(Op::ADD).x(F32, &[]).x(F32, &[]).y(F32, &[]);
    parse_fails(&add, "ADD: Tensor \"x0\" has bad input dims size: 0.");
    // UNPACK into scalars (UnpackOperationParser accepts everything, 2817-2823; Parse reads each
    // output's shape, 2856-2860).
    let unpack = case(Op::UNPACK).x(F32, &[2]).y(F32, &[]).y(F32, &[]).opts(opts!(UnpackOptions { num: 2, axis: 0 }));
    parse_fails(&unpack, "UNPACK: Tensor \"y0\" has bad input dims size: 0.");
    let fine = case(Op::UNPACK).x(F32, &[2, 3]).y(F32, &[3]).y(F32, &[3]).opts(opts!(UnpackOptions { num: 2, axis: 0 }));
    accepted_and_parses(&fine);
}

#[test]
fn a_variable_input_fails_at_parse_time() {
    // CopyVariableTensorOutputs (3434-3470): only the full LSTM provides new values.
    let c = case(Op::ADD).x(F32, &[1, 4]).i(tensor("v", F32, &[1, 4]).variable()).y(F32, &[1, 4]);
    parse_fails(&c, "ADD did not provide a new value for the variable input tensor with index 1");
}

#[test]
fn io_tensors_of_the_partition_are_read_first() {
    // PrecreateInputTensors / PrecreateOutputTensors (3400-3432): no op name in the message.
    let add = case(Op::ADD).x(F32, &[]).x(F32, &[1]).y(F32, &[1]);
    with_ctx(&add.bytes(), |ctx| {
        assert_eq!(
            classic::io_tensor_failure(ctx, 0, &ON).as_deref(),
            Some("Tensor \"x0\" has bad input dims size: 0.")
        );
        assert_eq!(classic::io_tensor_failure(ctx, 1, &ON), None);
    });
}

// ---------------------------------------------------------------------------------------------
// fp16-weight models (FP16GraphPartitionHelper, utils.cc:201-320).

/// x → CONV_2D(x, DEQUANTIZE(fp16 w), DEQUANTIZE(fp16 b)) → y, optionally → `tail` → z.
fn fp16_conv(tail: Option<Op>) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 8, 8, 3]));
    let w16 = b.add(const_bytes("w16", F16, &[4, 1, 1, 3], &[0x3c; 24]));
    let b16 = b.add(const_bytes("b16", F16, &[4], &[0; 8]));
    let w = b.add(tensor("w", F32, &[4, 1, 1, 3]));
    let bias = b.add(tensor("b", F32, &[4]));
    let y = b.add(tensor("y", F32, &[1, 8, 8, 4]));
    b.op(Op::DEQUANTIZE, &[w16], &[w]);
    b.op(Op::DEQUANTIZE, &[b16], &[bias]);
    b.op(Op::CONV_2D, &[x, w, bias], &[y]).options(conv_opts(1));
    match tail {
        Some(code) => {
            let z = b.add(tensor("z", F32, &[1, 8, 8, 4]));
            b.op(code, &[y], &[z]);
            b.output(z);
        }
        None => {
            b.output(y);
        }
    }
    b.finish()
}

#[test]
fn fp16_dequantize_is_refused_with_an_empty_detail_and_its_consumers_read_fp16() {
    let bytes = fp16_conv(None);
    with_ctx(&bytes, |ctx| {
        let sg = ctx.subgraph;
        assert!(is_const_fp16_dequantize(sg, &sg.operators[0]));
        assert!(!is_const_fp16_dequantize(sg, &sg.operators[2]));
        let remap = fp16_dequant_remap(sg);
        // Tensors: x 0, w16 1, b16 2, w 3, b 4.
        assert_eq!(remap, InputRemap::from([(3, 1), (4, 2)]));
        // utils.cc:239-254: "DEQUANTIZE: " (empty detail), whatever the quant option.
        for o in [ON, QUANT_OFF] {
            assert_eq!(classic::partition_helper_refusal(ctx, 0, &o, &remap).as_deref(), Some("DEQUANTIZE: "));
        }
        // The parser alone would accept it (quant on): the refusal is the helper's.
        assert_eq!(classic::node_refusal(ctx, 0, &ON, None), None);
        // CONV_2D checked with its inputs rewired to the fp16 constants (utils.cc:262-275).
        assert_eq!(classic::partition_helper_refusal(ctx, 2, &ON, &remap), None);
        // Parsed with the rewiring (RemapFp16InputTensors, 231-232): one runtime input, the
        // fp16 weights read as float (model_builder_helper.cc:264-268); the DEQUANTIZE nodes are
        // skipped (model_builder.cc:3500-3508).
        assert_eq!(classic::parse_failure(ctx, 2, &ON, Some(&remap)), None);
        assert_eq!(classic::parse_failure(ctx, 0, &ON, Some(&remap)), None);
    });
    // Scenario 1 (utils.cc:206-214): every node is supported or a constant-fp16 DEQUANTIZE.
    assert_eq!(logged_set(&bytes, ON), BTreeSet::from(["DEQUANTIZE: ".to_string()]));
    // Scenario 2 (215-229): another refused node besides; the set is sorted.
    let with_tail = fp16_conv(Some(Op::L2_NORMALIZATION));
    let expected: BTreeSet<String> =
        ["DEQUANTIZE: ", "L2_NORMALIZATION: Operation is not supported."].iter().map(|s| s.to_string()).collect();
    assert_eq!(logged_set(&with_tail, ON), expected);
}

#[test]
fn the_fp16_rewiring_changes_the_verdict() {
    // FULLY_CONNECTED(x, DEQUANTIZE(w16), DEQUANTIZE(b16)): as stored it has three runtime
    // inputs (gpu_compatibility.cc:809-812); rewired, one.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 8]));
    let w16 = b.add(const_bytes("w16", F16, &[4, 8], &[0x3c; 64]));
    let b16 = b.add(const_bytes("b16", F16, &[4], &[0; 8]));
    let w = b.add(tensor("w", F32, &[4, 8]));
    let bias = b.add(tensor("b", F32, &[4]));
    let y = b.add(tensor("y", F32, &[1, 4]));
    b.op(Op::DEQUANTIZE, &[w16], &[w]);
    b.op(Op::DEQUANTIZE, &[b16], &[bias]);
    b.op(Op::FULLY_CONNECTED, &[x, w, bias], &[y]);
    b.output(y);
    let bytes = b.finish();
    with_ctx(&bytes, |ctx| {
        let remap = fp16_dequant_remap(ctx.subgraph);
        assert_eq!(
            classic::node_refusal(ctx, 2, &ON, None).as_deref(),
            Some("FULLY_CONNECTED: FullyConnected doesn't support more than 2 runtime inputs.")
        );
        assert_eq!(classic::node_refusal(ctx, 2, &ON, Some(&remap)), None);
        assert_eq!(classic::parse_failure(ctx, 2, &ON, Some(&remap)), None);
    });
}

#[test]
fn a_dequantize_of_an_fp16_runtime_tensor_is_an_ordinary_node() {
    // Only a *constant* fp16 input triggers the helper (utils.cc:242-243).
    let c = case(Op::DEQUANTIZE).x(F16, &[1, 4]).y(F32, &[1, 4]);
    with_ctx(&c.bytes(), |ctx| {
        assert!(!is_const_fp16_dequantize(ctx.subgraph, &ctx.subgraph.operators[0]));
        assert_eq!(classic::partition_helper_refusal(ctx, 0, &ON, &InputRemap::new()), None);
    });
}

// ---------------------------------------------------------------------------------------------
// Every parser both ways (IsSupported → CheckGpuDelegateCompatibility, in source order).

#[test]
fn batched_matmul() {
    // BatchedMatMulOperationParser (320-376); gpu_compatibility.cc:561-570.
    accepted_and_parses(&case(Op::BATCH_MATMUL).x(F32, &[1, 2, 3]).x(F32, &[1, 3, 4]).y(F32, &[1, 2, 4]));
    accepted_and_parses(&case(Op::BATCH_MATMUL).x(F32, &[1, 2, 3]).i(weights("w", &[3, 4])).y(F32, &[1, 2, 4]));
    refused(
        &case(Op::BATCH_MATMUL).x(F32, &[2, 3]).x(F32, &[3, 4]).x(F32, &[3, 4]).y(F32, &[2, 4]),
        ON,
        "BATCH_MATMUL: Expected 2 inputs and 1 output, got: 3 inputs and 1 outputs",
    );
    // Parse (338-344): a single runtime input must be the first, with a 2-D constant second.
    parse_fails(
        &case(Op::BATCH_MATMUL).i(weights("w", &[2, 3])).x(F32, &[3, 4]).y(F32, &[2, 4]),
        "BATCH_MATMUL: Not supported batched mat mul case",
    );
    parse_fails(
        &case(Op::BATCH_MATMUL).x(F32, &[1, 2, 3]).i(weights("w", &[1, 3, 4])).y(F32, &[1, 2, 4]),
        "BATCH_MATMUL: Not supported batched mat mul case",
    );
}

#[test]
fn concatenation() {
    // ConcatenationOperationParser (485-614): version 2, then gpu_compatibility.cc:657-661.
    let concat = |a: &[i32], b: &[i32], out: &[i32]| case(Op::CONCATENATION).x(F32, a).x(F32, b).y(F32, out).opts(opts!(ConcatenationOptions { axis: 3 }));
    accepted_and_parses(&concat(&[1, 4, 4, 2], &[1, 4, 4, 3], &[1, 4, 4, 5]));
    refused(&concat(&[1, 4, 4, 2], &[1, 4, 4, 3], &[1, 4, 4, 5]).v(3), ON, "CONCATENATION: Max version supported: 2. Requested version 3.");
    // Parse: SetAxis (574-613) cannot place inputs that differ in every dimension.
    parse_fails(
        &concat(&[1, 2, 3, 4], &[2, 3, 4, 5], &[3, 3, 4, 9]),
        "CONCATENATION: Can concatenate tensors only by batch, height, width, or channels.",
    );
    // A constant input is read as a BHWC float tensor (512-514): 4-D only.
    let with_const = case(Op::CONCATENATION).x(F32, &[1, 4, 3]).i(weights("c", &[1, 4, 2])).y(F32, &[1, 4, 5]);
    parse_fails(&with_const, "CONCATENATION: Expected a 4D tensor of shape BxHxWxC but got 1x4x2");
    // The activation is only checked when fused (568 → model_builder_helper.cc:425-427).
    let sign_bit = concat(&[1, 4, 4, 2], &[1, 4, 4, 3], &[1, 4, 4, 5])
        .opts(opts!(ConcatenationOptions { axis: 3, fused_activation_function: Act::SIGN_BIT }));
    parse_fails(&sign_bit, "CONCATENATION: Unsupported fused activation: 5");
}

#[test]
fn conv_2d() {
    // Conv2DOperationParser (616-848); gpu_compatibility.cc:663-672 and 171-213.
    let conv = |o: BuiltinOptionsT| unary(Op::CONV_2D).i(weights("w", &[3, 1, 1, 3])).opts(o);
    accepted_and_parses(&conv(conv_opts(1)));
    refused(&conv(BuiltinOptionsT::NONE), ON, "CONV_2D: Incorrect stride values: stride_height = 0, stride_width = 0");
    refused(
        &conv(opts!(Conv2DOptions { stride_w: 1, stride_h: 1, dilation_h_factor: 0 })),
        ON,
        "CONV_2D: Incorrect dilation values: dilation_height = 0, dilation_width = 1",
    );
    refused(
        &conv(opts!(Conv2DOptions { stride_w: 1, stride_h: 1, fused_activation_function: Act::SIGN_BIT })),
        ON,
        "CONV_2D: TfLiteFusedActivation.kTfLiteActSignBit",
    );
    refused(
        &binary(Op::CONV_2D).x(F32, &[1, 8, 8, 3]).opts(conv_opts(1)),
        ON,
        "CONV_2D: Expected 1 or 2 input tensor(s), but node has 3 runtime inputs.",
    );
    refused(
        &unary(Op::CONV_2D).opts(conv_opts(1)),
        ON,
        "CONV_2D: Requested index goes beyond array size: 1 vs 1",
    );
    refused(
        &conv(conv_opts(1)).y(F32, &[1, 8, 8, 3]),
        ON,
        "CONV_2D: Expected 1 output tensor(s), but node has 2 runtime outputs.",
    );
    // Parse: runtime weights must match the input channels (641-644); constant weights are OHWI.
    parse_fails(
        &case(Op::CONV_2D).x(F32, &[1, 8, 8, 3]).x(F32, &[4, 1, 1, 2]).y(F32, &[1, 8, 8, 4]).opts(conv_opts(1)),
        "CONV_2D: No support of CONVOLUTION_2D with runtime grouped weights.",
    );
    parse_fails(
        &unary(Op::CONV_2D).i(weights("w", &[3, 3, 3])).opts(conv_opts(1)),
        "CONV_2D: Expected a 4D tensor of shape OxHxWxI but got 3x3x3",
    );
}

#[test]
fn cumsum() {
    // CumsumOperationParser (850-877): version 1; gpu_compatibility.cc:307-322.
    let cumsum = |axis: TensorSpec| unary(Op::CUMSUM).i(axis);
    accepted_and_parses(&cumsum(const_i32("axis", &[], &[3])));
    refused(&cumsum(const_i32("axis", &[], &[3])).v(2), ON, "CUMSUM: Max version supported: 1. Requested version 2.");
    refused(
        &cumsum(tensor("axis", I32, &[])),
        ON,
        "CUMSUM: Input/output must be float type and indices must be constant int32 type",
    );
    refused(&cumsum(const_i32("axis", &[], &[3])).x(F32, &[1]), ON, "CUMSUM: Expects 2 inputs and 1 output");
}

/// DENSIFY(w) → y with `w` a constant of `ty` and shape `shape`, marked sparse in the file (the
/// builder has no sparsity, so it is set on the object API model).
fn densify_of_sparse(ty: T, shape: &[i32]) -> Vec<u8> {
    let n: i32 = shape.iter().product();
    let elem = if ty == F32 { 4 } else { 1 };
    let mut b = ModelBuilder::new();
    let w = b.add(const_bytes("w", ty, shape, &vec![0; (n * elem) as usize]));
    let y = b.add(tensor("y", ty, shape));
    b.op(Op::DENSIFY, &[w], &[y]);
    b.output(y);
    let mut m = b.model_t();
    let sg = &mut m.subgraphs.as_mut().expect("one subgraph")[0];
    sg.tensors.as_mut().expect("tensors")[0].sparsity = Some(Box::default());
    delegate_doctor::builder::pack(&m)
}

#[test]
fn densify_reads_a_sparse_constant() {
    // DensifyOperationParser::Parse (889-904) and ReadTensor's sparse branch
    // (object_reader.h:80-113): float16/float32 only, then BHWC (4-D).
    let ok = densify_of_sparse(F32, &[1, 2, 2, 3]);
    assert_eq!(refusal(&ok, 0, ON), None);
    assert_eq!(parse_failure(&ok, 0, ON), None);
    let int8 = densify_of_sparse(I8, &[1, 2, 2, 3]);
    assert_eq!(parse_failure(&int8, 0, ON).as_deref(), Some("DENSIFY: Unexpected data type in sparse tensor"));
    let flat = densify_of_sparse(F32, &[12]);
    assert_eq!(parse_failure(&flat, 0, ON).as_deref(), Some("DENSIFY: Expected a 4D tensor of shape BxHxWxC but got 12"));
}

#[test]
fn densify_and_depth_to_space() {
    // DENSIFY (880-905; gpu_compatibility.cc:677-679): no runtime input; Parse wants a sparse
    // constant, which a dense one is not (895-897).
    let densify = case(Op::DENSIFY).i(weights("w", &[1, 2, 2, 3])).y(F32, &[1, 2, 2, 3]);
    parse_fails(&densify, "DENSIFY: Input tensor must be sparse.");
    refused(&case(Op::DENSIFY).x(F32, &[4]).y(F32, &[4]), ON, "DENSIFY: Expected 0 runtime input tensor(s), but node has 1 runtime input(s).");
    // DEPTH_TO_SPACE (985-1007; 684-699).
    let d2s = |block: Option<i32>| {
        let c = case(Op::DEPTH_TO_SPACE).x(F32, &[1, 4, 4, 8]).y(F32, &[1, 8, 8, 2]);
        match block {
            Some(b) => c.opts(opts!(DepthToSpaceOptions { block_size: b })),
            None => c,
        }
    };
    accepted_and_parses(&d2s(Some(2)));
    refused(&d2s(Some(1)), ON, "DEPTH_TO_SPACE: DEPTH_TO_SPACE block_size = 1 is a no-op.");
    refused(&d2s(None), ON, "DEPTH_TO_SPACE: DEPTH_TO_SPACE block_size must be > 1.");
}

#[test]
fn depthwise_conv_2d() {
    // DepthwiseConvolutionOperationParser (907-983); gpu_compatibility.cc:266-305.
    let dw = |w: &[i32], bias: Option<TensorSpec>, out: &[i32], mult: i32| {
        let c = case(Op::DEPTHWISE_CONV_2D).x(F32, &[1, 8, 8, 3]).i(weights("w", w));
        let c = match bias {
            Some(b) => c.i(b),
            None => c.omitted(),
        };
        c.y(F32, out).opts(opts!(DepthwiseConv2DOptions { stride_w: 1, stride_h: 1, depth_multiplier: mult }))
    };
    accepted_and_parses(&dw(&[1, 3, 3, 3], Some(weights("b", &[3])), &[1, 8, 8, 3], 1));
    accepted_and_parses(&dw(&[1, 3, 3, 6], Some(weights("b", &[6])), &[1, 8, 8, 6], 2));
    refused(&dw(&[1, 3, 3, 3], Some(weights("b", &[3])), &[1, 8, 8, 6], 2), ON, "DEPTHWISE_CONV_2D: filter.i != output.c");
    refused(&dw(&[1, 3, 3, 6], Some(weights("b", &[6])), &[1, 8, 8, 6], 1), ON, "DEPTHWISE_CONV_2D: output.c != input.c * depth_multiplier");
    refused(&dw(&[1, 3, 3, 3], Some(weights("b", &[4])), &[1, 8, 8, 3], 1), ON, "DEPTHWISE_CONV_2D: bias.size != output.c");
    // An omitted bias is a NOTYPE spec without dims: one element (279, 301).
    refused(&dw(&[1, 3, 3, 3], None, &[1, 8, 8, 3], 1), ON, "DEPTHWISE_CONV_2D: bias.size != output.c");
    refused(&dw(&[3, 3, 3], Some(weights("b", &[3])), &[1, 8, 8, 3], 1), ON, "DEPTHWISE_CONV_2D: filter.dims.size != 4");
    refused(&dw(&[1, 3, 3, 3], Some(weights("b", &[3])), &[2, 8, 8, 3], 1), ON, "DEPTHWISE_CONV_2D: input.b != output.b");
    let no_options = case(Op::DEPTHWISE_CONV_2D).x(F32, &[1, 8, 8, 3]).i(weights("w", &[1, 3, 3, 3])).i(weights("b", &[3])).y(F32, &[1, 8, 8, 3]);
    refused(&no_options, ON, "DEPTHWISE_CONV_2D: Incorrect stride values: stride_height = 0, stride_width = 0");
}

#[test]
fn dequantize() {
    // DequantizeOperationParser (1009-1059): version 3; gpu_compatibility.cc:701-713.
    let deq = case(Op::DEQUANTIZE).i(tensor("x", U8, &[1, 4]).quant(0.5, 0)).y(F32, &[1, 4]);
    refused(&deq.clone().v(4), ON, "DEQUANTIZE: Max version supported: 3. Requested version 4.");
    let int16 = case(Op::DEQUANTIZE).i(tensor("x", T::INT16, &[1, 4]).quant(0.5, 0)).y(F32, &[1, 4]);
    refused(&int16, ON, "DEQUANTIZE: Unsupported dequantization type.");
    // A constant int8 input becomes a constant BHWC tensor (1024-1031): weights of rank 2 fail.
    let const_2d = case(Op::DEQUANTIZE).i(const_i8("w", &[4, 8], &[1; 32]).quant(0.1, 0)).y(F32, &[4, 8]);
    parse_fails(&const_2d, "DEQUANTIZE: Expected a 4D tensor of shape BxHxWxC but got 4x8");
    let const_4d = case(Op::DEQUANTIZE).i(const_i8("w", &[4, 1, 1, 8], &[1; 32]).quant(0.1, 0)).y(F32, &[4, 1, 1, 8]);
    accepted_and_parses(&const_4d);
}

#[test]
fn elementwise_one_and_two_arguments() {
    // ElementwiseOperationParser (1061-1283) → gpu_compatibility.cc:1144-1209.
    for code in [Op::ABS, Op::COS, Op::ELU, Op::EXP, Op::FLOOR, Op::GELU, Op::LOG, Op::LOGISTIC, Op::NEG, Op::RSQRT, Op::SIGN, Op::SIN, Op::SQRT, Op::SQUARE, Op::TANH] {
        accepted_and_parses(&unary(code));
        let on_const = case(code).i(weights("c", &[1, 4])).y(F32, &[1, 4]);
        let line = format!("{}: Expected 0 const input tensor(s), but node has 1 const input(s).", model::op_name(code));
        refused(&on_const, ON, &line);
    }
    for code in [Op::DIV, Op::FLOOR_DIV, Op::FLOOR_MOD, Op::MAXIMUM, Op::MINIMUM, Op::POW, Op::SQUARED_DIFFERENCE, Op::SUB] {
        accepted_and_parses(&binary(code));
        accepted_and_parses(&unary(code).i(weights("c", &[3])));
        let both_const = case(code).i(weights("a", &[3])).i(weights("b", &[3])).y(F32, &[3]);
        let line = format!("{}: Op can only handle 1 or 2 operand(s).", model::op_name(code));
        refused(&both_const, ON, &line);
    }
    refused(
        &binary(Op::SUB).opts(opts!(SubOptions { fused_activation_function: Act::SIGN_BIT })),
        ON,
        "SUB: TfLiteFusedActivation.kTfLiteActSignBit",
    );
    // ADD_N (3093 → ADD's parser; gpu_compatibility.cc:552-556).
    accepted_and_parses(&binary(Op::ADD_N));
    refused(&binary(Op::ADD_N).x(F32, &[1, 8, 8, 3]), ON, "ADD_N: ADD_N only supports 2 inputs.");
    // A constant operand is read as a scalar, linear, HW or HWC tensor (156-183); a 4-D one
    // with a batch above 1 cannot be HWC (model_builder_helper.cc:321-341).
    let batched_const = case(Op::SUB).x(F32, &[2, 2, 2, 3]).i(weights("c", &[2, 2, 2, 3])).y(F32, &[2, 2, 2, 3]);
    parse_fails(&batched_const, "SUB: Batch size is not equal to 1.");
    // ADD of two constants passes IsSupported (ADD does not count runtime inputs, 538-551) but
    // Parse wants one runtime and one constant input (1165-1169).
    let two_consts = case(Op::ADD).i(weights("a", &[3])).i(weights("b", &[3])).y(F32, &[3]);
    parse_fails(&two_consts, "ADD: Expected 1 const input tensor(s), but node has 2 const input(s).");
    // A constant of a type the float copy does not know (model_builder_helper.cc:259-282).
    let int64_const = unary(Op::SUB).i(const_i64("c", &[3], &[1, 2, 3]));
    parse_fails(&int64_const, "SUB: Unsupported data type for float32 tensor");
}

#[test]
fn fully_connected() {
    // FullyConnectedOperationParser (1284-1385); gpu_compatibility.cc:797-831.
    let fc = |w: TensorSpec, o: BuiltinOptionsT| case(Op::FULLY_CONNECTED).x(F32, &[1, 8]).i(w).omitted().y(F32, &[1, 4]).opts(o);
    accepted_and_parses(&fc(weights("w", &[4, 8]), BuiltinOptionsT::NONE));
    refused(
        &fc(weights("w", &[4, 8]), opts!(FullyConnectedOptions { weights_format: FullyConnectedOptionsWeightsFormat::SHUFFLED4x16INT8 })),
        ON,
        "FULLY_CONNECTED: Unsupported FullyConnected weights format: 1",
    );
    refused(
        &case(Op::FULLY_CONNECTED).i(weights("x", &[1, 8])).i(weights("w", &[4, 8])).y(F32, &[1, 4]),
        ON,
        "FULLY_CONNECTED: FullyConnected doesn't support constant input.",
    );
    let keep = case(Op::FULLY_CONNECTED).x(F32, &[1, 2, 8]).i(weights("w", &[4, 8])).y(F32, &[2, 4]).opts(opts!(FullyConnectedOptions { keep_num_dims: true }));
    refused(&keep, ON, "FULLY_CONNECTED: Input and output dimensions different and FullyConnected doesn't support keep_num_dims.");
    // Parse: the weights width must match the input channels (1359-1362), weights are HW
    // (GetFullyConnectedAttributes, 66-80), and the activation is fused (1382).
    parse_fails(&fc(weights("w", &[4, 6]), BuiltinOptionsT::NONE), "FULLY_CONNECTED: Amount of input channels should match weights width");
    parse_fails(&fc(weights("w", &[4, 8, 1]), BuiltinOptionsT::NONE), "FULLY_CONNECTED: Expected a 2D tensor of shape HxW but got 4x8x1");
    parse_fails(
        &fc(weights("w", &[4, 8]), opts!(FullyConnectedOptions { fused_activation_function: Act::SIGN_BIT })),
        "FULLY_CONNECTED: Unsupported fused activation: 5",
    );
}

#[test]
fn gather() {
    // GatherOperationParser (1387-1417): version 1; gpu_compatibility.cc:833-850; GATHER's
    // input list includes int32 (3340-3342).
    let gather = |idx: TensorSpec, axis: i32| case(Op::GATHER).x(F32, &[4, 3]).i(idx).y(F32, &[2, 3]).opts(opts!(GatherOptions { axis: axis }));
    accepted_and_parses(&gather(const_i32("i", &[2], &[0, 1]), 0));
    accepted_and_parses(&gather(tensor("i", I32, &[2]), 0));
    refused(&gather(const_i32("i", &[1, 2], &[0, 1]), 0), ON, "GATHER: Only support 1D indices");
    refused(&gather(const_i64("i", &[2], &[0, 1]), 0), ON, "GATHER: Only accept INT32 indices");
    parse_fails(&gather(const_i32("i", &[2], &[0, 1]), 2), "GATHER: Index for axis out of range");
}

#[test]
fn hard_swish_and_relus() {
    // HardSwishOperationParser (1419-1434, gpu_compatibility.cc:852-854); ReLUOperationParser
    // checks the version only (1951-1961).
    accepted_and_parses(&unary(Op::HARD_SWISH));
    refused(
        &case(Op::HARD_SWISH).i(weights("c", &[4])).y(F32, &[4]),
        ON,
        "HARD_SWISH: Expected 1 runtime input tensor(s), but node has 0 runtime input(s).",
    );
    for code in [Op::RELU, Op::RELU6, Op::RELU_0_TO_1, Op::RELU_N1_TO_1, Op::LEAKY_RELU] {
        accepted_and_parses(&unary(code));
        accepted_and_parses(&unary(code).v(2));
    }
    refused(&case(Op::RELU).x(I32, &[4]).y(I32, &[4]), ON, &format!("RELU: {TENSOR_REFUSAL}"));
}

#[test]
fn lstm() {
    // LSTMOperationParser (1464-1585): version 4; gpu_compatibility.cc:856-904.
    let basic = |act: Act, depth: i32| {
        case(Op::LSTM)
            .x(F32, &[1, 4])
            .x(F32, &[1, 4])
            .i(weights("w", &[depth, 8]))
            .i(weights("b", &[depth]))
            .x(F32, &[1, 4])
            .y(F32, &[1, 4])
            .y(F32, &[1, 4])
            .y(F32, &[1, 8])
            .y(F32, &[1, depth])
            .opts(opts!(LSTMOptions { kernel_type: LSTMKernelType::BASIC, fused_activation_function: act }))
    };
    accepted_and_parses(&basic(Act::TANH, 16));
    refused(&basic(Act::RELU, 16), ON, "LSTM: Only TANH activation is supported. but node has 1");
    refused(&basic(Act::TANH, 6), ON, "LSTM: BasicLSTM activation depth must be a multiple of 4.");
    refused(&basic(Act::TANH, 16).v(5), ON, "LSTM: Max version supported: 4. Requested version 5.");
    let full = basic(Act::TANH, 16).opts(opts!(LSTMOptions { kernel_type: LSTMKernelType::FULL, fused_activation_function: Act::TANH }));
    refused(&full, ON, "LSTM: Expected 20 or 24 input tensors, but node has 5 input(s).");
}

#[test]
fn mean_and_reductions() {
    // MeanOperationParser (3003-3030), ReduceOperationParser (1854-1914);
    // gpu_compatibility.cc:909-915, 1090-1101, 232-244.
    for code in [Op::MEAN, Op::SUM, Op::REDUCE_MAX, Op::REDUCE_MIN, Op::REDUCE_PROD] {
        let name = model::op_name(code);
        let reduce = |axes: TensorSpec| case(code).x(F32, &[1, 8, 8, 3]).i(axes).y(F32, &[1, 1, 1, 3]).opts(opts!(ReducerOptions { keep_dims: true }));
        accepted_and_parses(&reduce(const_i32("axes", &[2], &[1, 2])));
        refused(&reduce(tensor("axes", I32, &[2])), ON, &format!("{name}: Expected 1 const input tensor(s), but node has 0 const input(s)."));
        refused(&reduce(const_i64("axes", &[2], &[1, 2])), ON, &format!("{name}: {name} supports int32 tensor for axes. But node has INT64"));
        parse_fails(&reduce(const_i32("axes", &[1], &[4])), &format!("{name}: Index for axis out of range"));
    }
    // Without keep_dims a reduction to a scalar has no BHWC output shape (1885-1897).
    let to_scalar = case(Op::SUM).x(F32, &[4]).i(const_i32("axes", &[1], &[0])).y(F32, &[]);
    parse_fails(&to_scalar, "SUM: Tensor \"y0\" has bad input dims size: 0.");
}

#[test]
fn pad_and_mirror_pad() {
    // PadOperationParser (1738-1796): version 2; gpu_compatibility.cc:1103-1134.
    let pad = |code: Op, paddings: TensorSpec| case(code).x(F32, &[1, 4, 4, 3]).i(paddings).y(F32, &[1, 6, 6, 3]);
    let p42 = || const_i32("p", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]);
    accepted_and_parses(&pad(Op::PAD, p42()));
    accepted_and_parses(&pad(Op::PADV2, p42()).i(const_f32("v", &[], &[0.0])));
    refused(&pad(Op::PAD, const_i32("p", &[2, 2], &[0; 4])), ON, "PAD: Invalid paddings tensor shape: expected 4x2 or 3x2, got 2x2");
    refused(&pad(Op::PAD, const_i32("p", &[8], &[0; 8])), ON, "PAD: Invalid paddings tensor dimension: expected 2 dim, got 1 dim");
    refused(&pad(Op::PAD, tensor("p", I32, &[4, 2])), ON, "PAD: Expected 1 runtime input tensor(s), but node has 2 runtime input(s).");
    refused(&pad(Op::PAD, p42()).v(3), ON, "PAD: Max version supported: 2. Requested version 3.");
    let mirror = |mode: Option<MirrorPadMode>| {
        let c = pad(Op::MIRROR_PAD, p42());
        match mode {
            Some(m) => c.opts(opts!(MirrorPadOptions { mode: m })),
            None => c,
        }
    };
    accepted_and_parses(&mirror(Some(MirrorPadMode::REFLECT)));
    // The mode is the TfLiteMirrorPaddingMode number: SYMMETRIC 2, missing options 0.
    refused(&mirror(Some(MirrorPadMode::SYMMETRIC)), ON, "MIRROR_PAD: Only Reflective padding is supported for Mirror Pad operation. But node has 2");
    refused(&mirror(None), ON, "MIRROR_PAD: Only Reflective padding is supported for Mirror Pad operation. But node has 0");
}

#[test]
fn pooling() {
    // Pooling2DOperationParser (1798-1852): version 2; gpu_compatibility.cc:246-264.
    for code in [Op::AVERAGE_POOL_2D, Op::MAX_POOL_2D] {
        let name = model::op_name(code);
        let pool = |o: BuiltinOptionsT| case(code).x(F32, &[1, 8, 8, 3]).y(F32, &[1, 4, 4, 3]).opts(o);
        accepted_and_parses(&pool(pool_opts(2, 2)));
        refused(&pool(BuiltinOptionsT::NONE), ON, &format!("{name}: Incorrect kernel values: kernel_height = 0, kernel_width = 0"));
        refused(&pool(pool_opts(2, 0)), ON, &format!("{name}: Incorrect stride values: stride_height = 0, stride_width = 0"));
        refused(&pool(pool_opts(2, 2)).v(3), ON, &format!("{name}: Max version supported: 2. Requested version 3."));
        refused(&pool(pool_opts(2, 2)).y(F32, &[1, 4, 4, 3]), ON, &format!("{name}: Expected 1 output tensor(s), but node has 2 output(s)."));
    }
}

#[test]
fn one_hot_pack_prelu() {
    // OneHotOperationParser (1587-1611; gpu_compatibility.cc:324-369), int32 indices allowed
    // (3329-3331).
    let one_hot = |on: TensorSpec| {
        case(Op::ONE_HOT)
            .x(I32, &[1, 4])
            .i(const_i32("depth", &[], &[5]))
            .i(on)
            .i(const_f32("off", &[], &[0.0]))
            .y(F32, &[1, 4, 5])
            .opts(opts!(OneHotOptions { axis: -1 }))
    };
    accepted_and_parses(&one_hot(const_f32("on", &[], &[1.0])));
    refused(
        &one_hot(const_i32("on", &[], &[1])),
        ON,
        "ONE_HOT: Indices must be int32 type, on/off tensors must be constant, scalar, float type, axis must be -1 or last dim",
    );
    // PACK (1613-1694; gpu_compatibility.cc:935-936 accepts); Parse reads the axis on the output.
    let pack = |axis: i32| case(Op::PACK).x(F32, &[2, 3]).x(F32, &[2, 3]).y(F32, &[2, 2, 3]).opts(opts!(PackOptions { values_count: 2, axis: axis }));
    accepted_and_parses(&pack(0));
    parse_fails(&pack(3), "PACK: Index for axis out of range");
    // PRELU (1696-1736): version only; Parse checks alpha against the input.
    accepted_and_parses(&unary(Op::PRELU).i(weights("alpha", &[3])));
    parse_fails(&unary(Op::PRELU).i(weights("alpha", &[4])), "PRELU: Linear alpha shape does not match the number of input channels.");
    parse_fails(&unary(Op::PRELU).i(weights("alpha", &[1, 2, 2, 3])), "PRELU: Alpha shape does not match input shape.");
}

#[test]
fn quantize_and_reshape() {
    // QuantizeOperationParser (1916-1949): version 2; the output must be quantized (1937-1940).
    let float_out = case(Op::QUANTIZE).x(F32, &[1, 4]).y(F32, &[1, 4]);
    parse_fails(&float_out, "QUANTIZE: Encountered Quantize output with no quant params");
    // RESHAPE (2020-2047): version 1, one runtime input (gpu_compatibility.cc:953-957).
    let reshape = |shape: TensorSpec| case(Op::RESHAPE).x(F32, &[1, 8]).i(shape).y(F32, &[2, 4]);
    accepted_and_parses(&reshape(const_i32("s", &[2], &[2, 4])));
    refused(&reshape(tensor("s", I32, &[2])), ON, "RESHAPE: Expected 1 runtime input tensor(s), but node has 2 runtime input(s).");
}

#[test]
fn resize() {
    // Resize2DOperationParser (2049-2126): version 3; gpu_compatibility.cc:1063-1083.
    let resize = |code: Op, o: BuiltinOptionsT| case(code).x(F32, &[1, 4, 4, 3]).i(const_i32("size", &[2], &[8, 8])).y(F32, &[1, 8, 8, 3]).opts(o);
    accepted_and_parses(&resize(Op::RESIZE_BILINEAR, opts!(ResizeBilinearOptions { align_corners: true })));
    accepted_and_parses(&resize(Op::RESIZE_NEAREST_NEIGHBOR, BuiltinOptionsT::NONE));
    refused(
        &resize(Op::RESIZE_BILINEAR, opts!(ResizeBilinearOptions { align_corners: true, half_pixel_centers: true })),
        ON,
        "RESIZE_BILINEAR: If half_pixel_centers is True, align_corners must be False.",
    );
    refused(&resize(Op::RESIZE_BILINEAR, BuiltinOptionsT::NONE).v(4), ON, "RESIZE_BILINEAR: Max version supported: 3. Requested version 4.");
}

#[test]
fn select_v2() {
    // SelectV2OperationParser (2128-2202): version 1; gpu_compatibility.cc:371-419; bool
    // inputs allowed (3332-3335).
    let select = |cond: T, a: TensorSpec, b: TensorSpec, out: &[i32]| case(Op::SELECT_V2).x(cond, out).i(a).i(b).y(F32, out);
    accepted_and_parses(&select(BOOL, tensor("a", F32, &[1, 2, 2, 3]), tensor("b", F32, &[1, 2, 2, 3]), &[1, 2, 2, 3]));
    refused(
        &select(I32, tensor("a", F32, &[1, 2, 2, 3]), tensor("b", F32, &[1, 2, 2, 3]), &[1, 2, 2, 3]),
        ON,
        "SELECT_V2: Cond must be float or bool type, if, else tensors must either be the same shape as output or constant, scalar.",
    );
    refused(
        &select(BOOL, tensor("a", F32, &[2, 3]), tensor("b", F32, &[2, 3]), &[2, 3]),
        ON,
        "SELECT_V2: 2-D if tensor only supported if constant.",
    );
    // Parse: a constant 2-D else tensor is neither BHWC nor HWC (2179-2189).
    parse_fails(
        &select(BOOL, const_f32("a", &[], &[1.0]), weights("b", &[2, 3]), &[2, 3]),
        "SELECT_V2: Expected a 3D tensor of shape HxWxC or a 4D tensor of shape 1xHxWxC but got 2x3",
    );
}

#[test]
fn slice_and_strided_slice() {
    // SliceOperationParser (2204-2329): version 2; gpu_compatibility.cc:962-975.
    let slice = |x: &[i32], begin: &[i32], size: &[i32], out: &[i32]| {
        let n = begin.len() as i32;
        case(Op::SLICE).x(F32, x).i(const_i32("begin", &[n], begin)).i(const_i32("size", &[n], size)).y(F32, out)
    };
    accepted_and_parses(&slice(&[1, 8, 8, 3], &[0, 1, 1, 0], &[1, 4, 4, 3], &[1, 4, 4, 3]));
    refused(&slice(&[8, 3], &[0, 0], &[4, 3], &[4, 3]), ON, "SLICE: SLICE supports for 3 or 4 dimensional tensors only, but node has 2 dimensional tensors.");
    refused(&case(Op::SLICE).x(F32, &[1, 8, 8, 3]).i(const_i32("b", &[4], &[0; 4])).y(F32, &[1, 8, 8, 3]), ON, "SLICE: SLICE requires 3 inputs, but node has 2 inputs.");
    parse_fails(&slice(&[1, 8, 8, 3], &[0, 1, 1, 0], &[1, 4, 4, 3], &[1, 5, 4, 3]), "SLICE: Output height doesn't match");
    // STRIDED_SLICE (2474-2664): version 4; gpu_compatibility.cc:1009-1034.
    let strided = |stride: i32, o: BuiltinOptionsT| {
        case(Op::STRIDED_SLICE)
            .x(F32, &[1, 8, 8, 3])
            .i(const_i32("begin", &[4], &[0, 0, 0, 0]))
            .i(const_i32("end", &[4], &[1, 8, 8, 3]))
            .i(const_i32("strides", &[4], &[1, stride, stride, 1]))
            .y(F32, &[1, 4, 4, 3])
            .opts(o)
    };
    accepted_and_parses(&strided(2, BuiltinOptionsT::NONE));
    refused(
        &strided(2, opts!(StridedSliceOptions { shrink_axis_mask: 1 })),
        ON,
        "STRIDED_SLICE: StridedSlice does not support shrink_axis_mask parameter.",
    );
    refused(
        &case(Op::STRIDED_SLICE).x(F32, &[8, 3]).i(const_i32("b", &[2], &[0, 0])).i(const_i32("e", &[2], &[8, 3])).i(const_i32("s", &[2], &[1, 1])).y(F32, &[8, 3]),
        ON,
        "STRIDED_SLICE: STRIDED_SLICE supports for 3 or 4 dimensional tensors only.",
    );
    // Parse: non-zero, non-negative strides, and the output must match (2520-2543).
    parse_fails(&strided(0, BuiltinOptionsT::NONE), "STRIDED_SLICE: stride values must be non-zero");
    parse_fails(&strided(-1, BuiltinOptionsT::NONE), "STRIDED_SLICE: Reverse slices are not supported.");
    parse_fails(&strided(1, BuiltinOptionsT::NONE), "STRIDED_SLICE: Output height doesn't match");
}

#[test]
fn softmax_space_to_depth_tile_transpose() {
    // SOFTMAX (2331-2362): version 2, beta 1 (gpu_compatibility.cc:977-984); missing options
    // leave beta 0 (flatbuffer_conversions.cc:2597-2620 value-initialises the params).
    accepted_and_parses(&unary(Op::SOFTMAX).opts(opts!(SoftmaxOptions { beta: 1.0 })));
    refused(&unary(Op::SOFTMAX).opts(opts!(SoftmaxOptions { beta: 0.5 })), ON, "SOFTMAX: Softmax.beta != 1 is not supported.");
    refused(&unary(Op::SOFTMAX), ON, "SOFTMAX: Softmax.beta != 1 is not supported.");
    // SPACE_TO_DEPTH (2364-2388; 986-1001).
    let s2d = |b: i32| case(Op::SPACE_TO_DEPTH).x(F32, &[1, 8, 8, 3]).y(F32, &[1, 4, 4, 12]).opts(opts!(SpaceToDepthOptions { block_size: b }));
    accepted_and_parses(&s2d(2));
    refused(&s2d(1), ON, "SPACE_TO_DEPTH: SPACE_TO_DEPTH block_size = 1 is a no-op.");
    // TILE (2666-2683; 1036-1040).
    let tile = |m: TensorSpec| case(Op::TILE).x(F32, &[1, 4, 4, 3]).i(m).y(F32, &[1, 8, 8, 3]);
    accepted_and_parses(&tile(const_i32("m", &[4], &[1, 2, 2, 1])));
    refused(&tile(tensor("m", I32, &[4])), ON, "TILE: Expected 1 runtime input tensor(s), but node has 2 runtime input(s).");
    // TRANSPOSE (2767-2815): version 4; Parse wants 2 to 4 permutation entries.
    let transpose = |x: &[i32], perm: &[i32]| case(Op::TRANSPOSE).x(F32, x).i(const_i32("perm", &[perm.len() as i32], perm)).y(F32, x);
    accepted_and_parses(&transpose(&[1, 4, 4, 3], &[0, 2, 1, 3]));
    refused(&transpose(&[1, 4, 4, 3], &[0, 2, 1, 3]).v(5), ON, "TRANSPOSE: Max version supported: 4. Requested version 5.");
    parse_fails(&transpose(&[4], &[0]), "TRANSPOSE: Permutation for transpose is invalid.");
}

#[test]
fn transpose_conv() {
    // TransposeConvBuiltinOperationParser (2685-2731): version 3; gpu_compatibility.cc:1054-1061.
    let tc = |shape: TensorSpec, o: BuiltinOptionsT| {
        case(Op::TRANSPOSE_CONV).i(shape).i(weights("w", &[2, 3, 3, 4])).x(F32, &[1, 4, 4, 4]).y(F32, &[1, 8, 8, 2]).opts(o)
    };
    let two = || opts!(TransposeConvOptions { stride_w: 2, stride_h: 2 });
    accepted_and_parses(&tc(const_i32("shape", &[4], &[1, 8, 8, 2]), two()));
    refused(
        &tc(const_i32("shape", &[4], &[1, 8, 8, 2]), BuiltinOptionsT::NONE),
        ON,
        "TRANSPOSE_CONV: Incorrect stride values: stride_height = 0, stride_width = 0",
    );
    refused(&tc(const_i32("shape", &[4], &[1, 8, 8, 2]), two()).v(4), ON, "TRANSPOSE_CONV: Max version supported: 3. Requested version 4.");
    // An output shape computed at run time (SHAPE → … → TRANSPOSE_CONV) is an int32 arena
    // tensor, which IsAllAllowedTensors refuses (3308-3342 allow no int32 here).
    refused(&tc(tensor("shape", I32, &[4]), two()), ON, &format!("TRANSPOSE_CONV: {TENSOR_REFUSAL}"));
}

#[test]
fn an_op_reading_a_constant_as_its_data_fails_at_parse_time() {
    // SOFTMAX's shared check does not count runtime inputs (gpu_compatibility.cc:977-984) and
    // constants are not type-checked, so SOFTMAX(constant) is accepted; Parse adds input 0 as a
    // runtime value (2345 → object_reader.cc:47-50). The constant is tensor 0.
    let c = case(Op::SOFTMAX).i(weights("c", &[1, 4])).y(F32, &[1, 4]).opts(opts!(SoftmaxOptions { beta: 1.0 }));
    parse_fails(&c, "SOFTMAX: ReadNonConstantTensor: value is a constant tensor: 0");
}

#[test]
fn out_of_range_operator_index_is_not_a_panic() {
    let bytes = unary(Op::ABS).bytes();
    assert_eq!(refusal(&bytes, 5, ON), None);
    assert_eq!(parse_failure(&bytes, 5, ON), None);
    with_ctx(&bytes, |ctx| assert!(compat::check(ctx, 5, STANDARD).is_err()));
}

// ---------------------------------------------------------------------------------------------
// The shared models.

fn shared_models() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
    let mut out = Vec::new();
    for dir in ["deeplab", "mediapipe"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for e in entries.flatten() {
            if e.path().extension().is_some_and(|x| x == "tflite") {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Every shared model through the rules: the refusal set for quant on and off, and no parse
/// failure among the accepted nodes.
///
/// DeepLab (all nine are uint8 models: CONV_2D v1, DEPTHWISE_CONV_2D v1/v2, ADD, AVERAGE_POOL_2D,
/// RESIZE_BILINEAR with align_corners, CONCATENATION, ARG_MAX): with quant on only ARG_MAX is
/// refused, because it has no case in NewOperationParser (3089-3285); every other op passes its
/// parser (versions 1-2, strides and dilations ≥ 1, per-tensor quantized activations) and
/// IsAllAllowedTensors admits uint8 (3311-3317). With quant off every uint8 node is refused with
/// the tensor message. The mediapipe selfie models store fp16 weights behind 110 DEQUANTIZE
/// nodes: those are the only refusals ("DEQUANTIZE: ", utils.cc:239-254), whatever the quant
/// option; their Convolution2DTransposeBias keeps stride 2 in its raw options.
#[test]
fn shared_models_refusals() {
    let models = shared_models();
    if models.is_empty() {
        eprintln!("no shared models found; skipping");
        return;
    }
    let deeplab_quant_off: BTreeSet<String> = ["ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "RESIZE_BILINEAR"]
        .iter()
        .map(|op| format!("{op}: {TENSOR_REFUSAL}"))
        .chain(["ARG_MAX: Operation is not supported.".to_string()])
        .collect();
    for path in models {
        let bytes = std::fs::read(&path).expect("readable model");
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for o in [ON, QUANT_OFF] {
            let set = logged_set(&bytes, o);
            println!("{name} quant={}:", o.allow_quant_ops);
            for line in &set {
                println!("  {line}");
            }
            let parse = with_ctx(&bytes, |ctx| {
                let remap = fp16_dequant_remap(ctx.subgraph);
                let accepted: Vec<usize> = (0..ctx.subgraph.operators.len())
                    .filter(|&i| classic::partition_helper_refusal(ctx, i, &o, &remap).is_none())
                    .collect();
                classic::parse_failures(ctx, &accepted, &o, Some(&remap))
            });
            assert!(parse.is_empty(), "{name}: {parse:?}");
            let expected: BTreeSet<String> = if name.starts_with("deeplab") {
                if o.allow_quant_ops {
                    BTreeSet::from(["ARG_MAX: Operation is not supported.".to_string()])
                } else {
                    deeplab_quant_off.clone()
                }
            } else {
                BTreeSet::from(["DEQUANTIZE: ".to_string()])
            };
            assert_eq!(set, expected, "{name} quant={}", o.allow_quant_ops);
        }
    }
}
