//! `CheckGpuDelegateCompatibility` (tflite/tools/versioning/gpu_compatibility.cc:534-1275), the
//! per-op check both GPU delegates call from their parsers' `IsSupported`: one small function
//! per case of its `switch`, in the order of the source, messages verbatim.
//!
//! The check sees an `OpSignature` built by `GetOpSignature` (tflite/tools/versioning/
//! op_signature.cc:29-78): per input and output its type (`NOTYPE` for an omitted -1 tensor),
//! dims and whether it is constant; the node's builtin data; for custom ops the custom name and
//! `custom_initial_data`. `ext_options` are zeroed and not used here.
//!
//! `RetrieveBuiltinData` can only fail when `builtin_data` is null, which `ParseOpData` never
//! leaves for the builtins read here, so that failure is modelled only for custom ops (which
//! have no builtin data).

use super::{activation_number, raw_i32, type_name, type_number, CompatFlags, GpuContext, ACT_SIGMOID, ACT_SIGN_BIT, ACT_TANH};
use crate::model::{self, BuiltinOperator as Op, BuiltinOptionsT as Opts, Operator, TensorType};
use tflite_schema::tflite::{LSTMKernelType, MirrorPadMode, FullyConnectedOptionsWeightsFormat};

type Status = Result<(), String>;

/// The exact message `CheckGpuDelegateCompatibility` returns for node `op_index` of the
/// context's subgraph, or `Ok` when it accepts it.
pub fn check(ctx: &GpuContext<'_, '_>, op_index: usize, flags: CompatFlags) -> Result<(), String> {
    let Some(op) = ctx.subgraph.operators.get(op_index) else {
        return Err(format!("(no operator {op_index} in this subgraph)"));
    };
    check_operator(ctx, op_index, op, flags)
}

/// The same for a copy of node `op_index` whose inputs may have been rewired (fp16 path); the
/// custom data still comes from node `op_index` of the file.
pub fn check_operator(ctx: &GpuContext<'_, '_>, op_index: usize, op: &Operator, flags: CompatFlags) -> Status {
    let sig = Sig::new(ctx, op_index, op);
    dispatch(&sig, flags)
}

// ---------------------------------------------------------------------------------------------
// The op signature.

/// `OpSignatureTensorSpec`: `ty` is `None` for `kTfLiteNoType`.
struct Spec<'t> {
    ty: Option<TensorType>,
    /// Borrowed from the tensor: the signature is built for every node checked.
    dims: &'t [i32],
    is_const: bool,
}

struct Sig<'o, 'a> {
    op: &'o Operator,
    inputs: Vec<Spec<'o>>,
    outputs: Vec<Spec<'o>>,
    custom_data: Option<&'a [u8]>,
}

impl<'o, 'a> Sig<'o, 'a> {
    fn new(ctx: &GpuContext<'o, 'a>, op_index: usize, op: &'o Operator) -> Self {
        let subgraph: &'o crate::model::Subgraph = ctx.subgraph;
        let spec = |&t: &i32| match subgraph.tensor(t) {
            Some(t) => Spec { ty: Some(t.dtype), dims: &t.shape[..], is_const: t.is_const() },
            None => Spec { ty: None, dims: &[], is_const: false },
        };
        let custom_data =
            if op.code == Op::CUSTOM { ctx.custom_initial_data(op_index) } else { None };
        Sig {
            op,
            inputs: op.inputs.iter().map(spec).collect(),
            outputs: op.outputs.iter().map(spec).collect(),
            custom_data,
        }
    }

    fn custom_name(&self) -> &str {
        self.op.custom_code.as_deref().unwrap_or("")
    }

    /// `GetOpName` (gpu_compatibility.cc:39-44).
    fn op_name(&self) -> String {
        if self.op.code == Op::CUSTOM {
            return self.custom_name().to_string();
        }
        model::op_name(self.op.code)
    }

    fn input(&self, i: usize) -> Option<&Spec<'_>> {
        self.inputs.get(i)
    }
}

fn dims_text(dims: &[i32], sep: &str) -> String {
    dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(sep)
}

fn num_elements(dims: &[i32]) -> i64 {
    dims.iter().map(|&d| d as i64).product()
}

const F16: TensorType = TensorType::FLOAT16;
const F32: TensorType = TensorType::FLOAT32;
const I32: TensorType = TensorType::INT32;
const BOOL: TensorType = TensorType::BOOL;

fn is_float(t: Option<TensorType>) -> bool {
    t == Some(F16) || t == Some(F32)
}

// ---------------------------------------------------------------------------------------------
// Helpers (gpu_compatibility.cc:83-527).

/// `IsActivationSupported` (83-99). Values outside the enum (possible only in a custom op's raw
/// options) fall off the end of the source's switch; we accept them.
fn activation_supported(activation: i32) -> Status {
    if activation == ACT_SIGN_BIT {
        return Err("TfLiteFusedActivation.kTfLiteActSignBit".into());
    }
    Ok(())
}

/// `GetNumberOfRuntimeInputs` (103-111): inputs that are neither constant nor omitted.
fn runtime_inputs(sig: &Sig) -> usize {
    sig.inputs.iter().filter(|s| !s.is_const && s.ty.is_some()).count()
}

/// `CheckInputsOutputs` (116-133).
fn inputs_outputs(sig: &Sig, runtime: usize, outputs: usize) -> Status {
    let have = runtime_inputs(sig);
    if have != runtime {
        return Err(format!(
            "Expected {runtime} runtime input tensor(s), but node has {have} runtime input(s)."
        ));
    }
    if sig.outputs.len() != outputs {
        return Err(format!(
            "Expected {outputs} output tensor(s), but node has {} output(s).",
            sig.outputs.len()
        ));
    }
    Ok(())
}

/// `CheckInputsConstsOutputs` (139-156).
fn inputs_consts_outputs(sig: &Sig, runtime: usize, consts: usize, outputs: usize) -> Status {
    let have = sig.inputs.iter().filter(|s| s.is_const).count();
    if have != consts {
        return Err(format!("Expected {consts} const input tensor(s), but node has {have} const input(s)."));
    }
    inputs_outputs(sig, runtime, outputs)
}

/// `CheckTensorIsAvailable` (158-166).
fn tensor_is_available(sig: &Sig, idx: usize) -> Status {
    if idx >= sig.inputs.len() {
        return Err(format!("Requested index goes beyond array size: {idx} vs {}", sig.inputs.len()));
    }
    Ok(())
}

/// `CheckConvolutionInputOutput` (171-188).
fn convolution_input_output(sig: &Sig) -> Status {
    let runtime = runtime_inputs(sig);
    if !(1..=2).contains(&runtime) {
        return Err(format!("Expected 1 or 2 input tensor(s), but node has {runtime} runtime inputs."));
    }
    if sig.outputs.len() != 1 {
        return Err(format!(
            "Expected 1 output tensor(s), but node has {} runtime outputs.",
            sig.outputs.len()
        ));
    }
    if runtime == 1 {
        tensor_is_available(sig, 1)?;
    }
    Ok(())
}

/// `CheckStrides` (190-197).
fn strides(h: i32, w: i32) -> Status {
    if h <= 0 || w <= 0 {
        return Err(format!("Incorrect stride values: stride_height = {h}, stride_width = {w}"));
    }
    Ok(())
}

/// `CheckDilation` (199-206).
fn dilation(h: i32, w: i32) -> Status {
    if h <= 0 || w <= 0 {
        return Err(format!("Incorrect dilation values: dilation_height = {h}, dilation_width = {w}"));
    }
    Ok(())
}

/// `CheckKernels` (215-222).
fn kernels(h: i32, w: i32) -> Status {
    if h <= 0 || w <= 0 {
        return Err(format!("Incorrect kernel values: kernel_height = {h}, kernel_width = {w}"));
    }
    Ok(())
}

/// `CheckAxesAreInt32Const` (232-244).
fn axes_are_int32_const(sig: &Sig, idx: usize) -> Status {
    let Some(axes) = sig.input(idx) else { return Ok(()) };
    if !axes.is_const {
        return Err(format!("{} is only supported with constant axes.", sig.op_name()));
    }
    if axes.ty != Some(I32) {
        return Err(format!("{} supports int32 tensor for axes. But node has {}", sig.op_name(), type_name(axes.ty)));
    }
    Ok(())
}

/// `TfLitePoolParams` as the checks read it.
struct PoolParams {
    stride_w: i32,
    stride_h: i32,
    filter_w: i32,
    filter_h: i32,
    activation: i32,
}

/// Builtin pool options, zero when missing (`ParsePool`, flatbuffer_conversions.cc:1955-1983).
fn builtin_pool_params(op: &Operator) -> PoolParams {
    match &op.options {
        Opts::Pool2DOptions(o) => PoolParams {
            stride_w: o.stride_w,
            stride_h: o.stride_h,
            filter_w: o.filter_width,
            filter_h: o.filter_height,
            activation: activation_number(o.fused_activation_function),
        },
        _ => PoolParams { stride_w: 0, stride_h: 0, filter_w: 0, filter_h: 0, activation: 0 },
    }
}

/// A custom op's raw `TfLitePoolParams` (builtin_op_data.h:119-129: padding, stride_width,
/// stride_height, filter_width, filter_height, activation, each 4 bytes).
pub(crate) fn raw_pool_params(data: &[u8]) -> PoolParamsRaw {
    PoolParamsRaw {
        stride_w: raw_i32(data, 4),
        stride_h: raw_i32(data, 8),
        filter_w: raw_i32(data, 12),
        filter_h: raw_i32(data, 16),
        activation: raw_i32(data, 20),
    }
}

/// The fields of a raw `TfLitePoolParams` the checks use.
pub(crate) struct PoolParamsRaw {
    pub stride_w: i32,
    pub stride_h: i32,
    pub filter_w: i32,
    pub filter_h: i32,
    pub activation: i32,
}

/// `CheckPooling2DGpuDelegateCompatibility` (246-264): custom data (MaxPoolingWithArgmax2D, two
/// outputs) or builtin data (one output).
fn pooling_2d(sig: &Sig) -> Status {
    let p = if let Some(data) = sig.custom_data {
        let r = raw_pool_params(data);
        inputs_outputs(sig, 1, 2)?;
        PoolParams { stride_w: r.stride_w, stride_h: r.stride_h, filter_w: r.filter_w, filter_h: r.filter_h, activation: r.activation }
    } else {
        if sig.op.code == Op::CUSTOM {
            return Err("Unable to retrieve builtin_data.".into());
        }
        inputs_outputs(sig, 1, 1)?;
        builtin_pool_params(sig.op)
    };
    kernels(p.filter_h, p.filter_w)?;
    strides(p.stride_h, p.stride_w)?;
    activation_supported(p.activation)
}

/// `CheckDepthwiseConvGpuDelegateCompatibility` (266-305).
fn depthwise_conv_2d(sig: &Sig) -> Status {
    convolution_input_output(sig)?;
    let (sh, sw, dh, dw, act, multiplier) = match &sig.op.options {
        Opts::DepthwiseConv2DOptions(o) => (
            o.stride_h,
            o.stride_w,
            o.dilation_h_factor,
            o.dilation_w_factor,
            activation_number(o.fused_activation_function),
            o.depth_multiplier,
        ),
        _ => (0, 0, 0, 0, 0, 0),
    };
    strides(sh, sw)?;
    dilation(dh, dw)?;
    activation_supported(act)?;
    let (Some(input), Some(filter), Some(output)) = (sig.input(0), sig.input(1), sig.outputs.first()) else {
        return Ok(());
    };
    if input.dims.len() != 4 {
        return Err("input.dims.size != 4".into());
    }
    if filter.dims.len() != 4 {
        return Err("filter.dims.size != 4".into());
    }
    if output.dims.len() != 4 {
        return Err("output.dims.size != 4".into());
    }
    if input.dims[0] != output.dims[0] {
        return Err("input.b != output.b".into());
    }
    let (input_depth, output_depth) = (input.dims[3], output.dims[3]);
    if filter.dims[3] != output_depth {
        return Err("filter.i != output.c".into());
    }
    if output_depth as i64 != input_depth as i64 * multiplier as i64 {
        return Err("output.c != input.c * depth_multiplier".into());
    }
    // An omitted bias (-1) is a NOTYPE spec with no dims: one element.
    if let Some(bias) = sig.input(2) {
        if num_elements(bias.dims) != output_depth as i64 {
            return Err("bias.size != output.c".into());
        }
    }
    Ok(())
}

/// `CheckCumsumGpuDelegateCompatibility` (307-322).
fn cumsum(sig: &Sig) -> Status {
    if sig.inputs.len() != 2 || sig.outputs.len() != 1 {
        return Err("Expects 2 inputs and 1 output".into());
    }
    let (input, axis, output) = (&sig.inputs[0], &sig.inputs[1], &sig.outputs[0]);
    if !is_float(input.ty) || output.ty != input.ty || axis.ty != Some(I32) || !axis.is_const {
        return Err("Input/output must be float type and indices must be constant int32 type".into());
    }
    Ok(())
}

/// `CheckOneHotGpuDelegateCompatibility` (324-369).
fn one_hot(sig: &Sig) -> Status {
    if sig.inputs.len() != 4 || sig.outputs.len() != 1 {
        return Err("Expects 4 inputs and 1 output".into());
    }
    let error = || {
        Err("Indices must be int32 type, on/off tensors must be constant, scalar, float type, axis must be -1 or last dim".into())
    };
    let indices = &sig.inputs[0];
    if indices.ty != Some(I32) {
        return error();
    }
    let axis = match &sig.op.options {
        Opts::OneHotOptions(o) => o.axis,
        _ => 0,
    };
    let n = indices.dims.len();
    if axis != -1 && (n == 0 || axis != indices.dims[n - 1]) {
        return error();
    }
    for i in 0..n.saturating_sub(1) {
        if n > 3 && i == 0 {
            continue;
        }
        if indices.dims[i] != 1 {
            return Err(format!("Unsupported non-singleton dim at {i}"));
        }
    }
    let (on, off) = (&sig.inputs[2], &sig.inputs[3]);
    if on.ty != Some(F32) || off.ty != Some(F32) {
        return error();
    }
    if !on.is_const || !off.is_const || on.dims.len() > 1 || off.dims.len() > 1 {
        return error();
    }
    if on.dims.first().is_some_and(|&d| d > 1) || off.dims.first().is_some_and(|&d| d > 1) {
        return error();
    }
    Ok(())
}

/// `CheckSelectV2GpuDelegateCompatibility` (371-419).
fn select_v2(sig: &Sig) -> Status {
    if sig.inputs.len() != 3 || sig.outputs.len() != 1 {
        return Err("Expected 3 inputs and 1 output".into());
    }
    let error = || {
        Err("Cond must be float or bool type, if, else tensors must either be the same shape as output or constant, scalar.".into())
    };
    let cond = &sig.inputs[0];
    if cond.ty != Some(BOOL) && !is_float(cond.ty) {
        return error();
    }
    let output_dims = &sig.outputs[0].dims;
    if !cond.dims.is_empty() {
        let Some(offset) = output_dims.len().checked_sub(cond.dims.len()) else { return error() };
        for (i, &d) in cond.dims.iter().enumerate() {
            if d != output_dims[offset + i] && d != 1 {
                return error();
            }
        }
    }
    let broadcast_ok = |s: &Spec| s.dims.is_empty() || s.dims == *output_dims || (s.dims.len() == 1 && s.dims[0] <= 1);
    if !broadcast_ok(&sig.inputs[1]) {
        return error();
    }
    if !sig.inputs[1].is_const && sig.inputs[1].dims.len() == 2 {
        return Err("2-D if tensor only supported if constant.".into());
    }
    if !broadcast_ok(&sig.inputs[2]) {
        return error();
    }
    if !sig.inputs[2].is_const && sig.inputs[2].dims.len() == 2 {
        return Err("2-D else tensor only supported if constant.".into());
    }
    Ok(())
}

/// `CheckCustomOpsGpuDelegateCompatibility` (421-463).
fn custom(sig: &Sig) -> Status {
    match sig.custom_name() {
        "Convolution2DTransposeBias" => {
            tensor_is_available(sig, 1)?;
            let data = custom_initial_data(sig)?;
            // TfLiteTransposeConvParams (builtin_op_data.h:441-452): padding, stride_width,
            // stride_height, ...
            strides(raw_i32(data, 8), raw_i32(data, 4))
        }
        "MaxPoolingWithArgmax2D" => pooling_2d(sig),
        "MaxUnpooling2D" => {
            inputs_outputs(sig, 2, 1)?;
            let p = raw_pool_params(custom_initial_data(sig)?);
            kernels(p.filter_h, p.filter_w)?;
            strides(p.stride_h, p.stride_w)
        }
        "Resampler" => resampler(sig),
        name => Err(format!("Not supported custom op {name}")),
    }
}

fn custom_initial_data<'a>(sig: &Sig<'_, 'a>) -> Result<&'a [u8], String> {
    sig.custom_data.ok_or_else(|| "Unable to retrieve custom_initial_data.".to_string())
}

fn resampler(sig: &Sig) -> Status {
    inputs_outputs(sig, 2, 1)?;
    let (src, warp) = (&sig.inputs[0], &sig.inputs[1]);
    if src.dims.len() != 4 || warp.dims.len() != 4 {
        return Err("src or warp dims size != 4".into());
    }
    if src.dims[0] != warp.dims[0] {
        return Err("src.b != warp.b".into());
    }
    if warp.dims[3] < 2 {
        return Err("warp.c < 2".into());
    }
    Ok(())
}

/// `CheckIsBroadcastable` (465-482): numpy-style, aligned at the last dimension.
fn is_broadcastable(longer: &[i32], shorter: &[i32]) -> bool {
    let n = longer.len().max(shorter.len());
    (0..n).all(|k| {
        let a = if k < longer.len() { longer[longer.len() - 1 - k] } else { 1 };
        let b = if k < shorter.len() { shorter[shorter.len() - 1 - k] } else { 1 };
        a == b || a == 1 || b == 1
    })
}

/// `CheckAddMulBroadcastCompatibility` (484-527): only inputs of different ranks, both above 1,
/// are checked. `Standard` accepts 4D with 3D (batch 1), 4D [1,..] with [1,1], 4D [b,..,c] with
/// [b,c]; `EnhancedBroadcast` accepts any numpy broadcast.
fn add_mul_broadcast(a: &Spec, b: &Spec, flags: CompatFlags) -> Status {
    if a.dims.len() <= 1 || b.dims.len() <= 1 || a.dims.len() == b.dims.len() {
        return Ok(());
    }
    let (longer, shorter) = if a.dims.len() >= b.dims.len() { (&a.dims, &b.dims) } else { (&b.dims, &a.dims) };
    let ok = match flags {
        CompatFlags::EnhancedBroadcast => is_broadcastable(longer, shorter),
        CompatFlags::Standard => {
            let four = longer.len() == 4;
            (four && shorter.len() == 3 && longer[0] == 1)
                || (four && shorter.len() == 2 && longer[0] == 1 && shorter[0] == 1 && shorter[1] == 1)
                || (four && shorter.len() == 2 && longer[0] == shorter[0] && longer[3] == shorter[1])
        }
    };
    if !ok {
        return Err(format!(
            "Doesn't support broadcasting - input0: [{}], input1: [{}]",
            dims_text(a.dims, ","),
            dims_text(b.dims, ",")
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The switch (gpu_compatibility.cc:536-1274), in source order.

fn dispatch(sig: &Sig, flags: CompatFlags) -> Status {
    match sig.op.code {
        Op::ADD => add(sig, flags),
        Op::ADD_N => add_n(sig),
        Op::AVERAGE_POOL_2D => pooling_2d(sig),
        Op::BATCH_MATMUL => batch_matmul(sig),
        Op::BITCAST => bitcast(sig),
        Op::CAST => cast(sig),
        Op::CONCATENATION => Ok(()),
        Op::CONV_2D => conv_2d(sig),
        Op::CUMSUM => cumsum(sig),
        Op::DENSIFY => inputs_outputs(sig, 0, 1),
        Op::DEPTHWISE_CONV_2D => depthwise_conv_2d(sig),
        Op::DEPTH_TO_SPACE => depth_to_space(sig),
        Op::DEQUANTIZE => dequantize(sig),
        Op::EMBEDDING_LOOKUP => embedding_lookup(sig),
        Op::DYNAMIC_UPDATE_SLICE => dynamic_update_slice(sig),
        Op::FULLY_CONNECTED => fully_connected(sig),
        Op::GATHER => gather(sig),
        Op::HARD_SWISH => inputs_outputs(sig, 1, 1),
        Op::LSTM => lstm(sig),
        Op::MAX_POOL_2D => pooling_2d(sig),
        Op::MEAN => reduce(sig),
        Op::MUL => mul(sig, flags),
        Op::PACK => Ok(()),
        Op::ONE_HOT => one_hot(sig),
        Op::QUANTIZE => inputs_outputs(sig, 1, 1),
        Op::RELU_N1_TO_1 | Op::PRELU => Ok(()),
        Op::RESHAPE => inputs_outputs(sig, 1, 1),
        Op::SELECT | Op::SELECT_V2 => select_v2(sig),
        Op::SLICE => slice(sig),
        Op::SOFTMAX => softmax(sig),
        Op::SPACE_TO_DEPTH => space_to_depth(sig),
        Op::SPLIT | Op::SPLIT_V => Ok(()),
        Op::STRIDED_SLICE => strided_slice(sig),
        Op::TILE | Op::TRANSPOSE => inputs_outputs(sig, 1, 1),
        Op::TOPK_V2 => inputs_outputs(sig, 1, 2),
        Op::TRANSPOSE_CONV => transpose_conv(sig),
        Op::RESIZE_BILINEAR => resize_bilinear(sig),
        Op::RESIZE_NEAREST_NEIGHBOR => inputs_outputs(sig, 1, 1),
        Op::RELU | Op::RELU6 | Op::LEAKY_RELU => Ok(()),
        Op::REDUCE_ALL | Op::REDUCE_ANY | Op::REDUCE_MAX | Op::REDUCE_MIN | Op::REDUCE_PROD | Op::SUM => {
            reduce(sig)
        }
        Op::PAD | Op::PADV2 | Op::MIRROR_PAD => pad(sig),
        Op::REVERSE_V2 => reduce(sig),
        code if ONE_ARGUMENT_OPS.contains(&code) => inputs_consts_outputs(sig, 1, 0, 1),
        code if TWO_ARGUMENT_OPS.contains(&code) => two_arguments(sig),
        Op::STABLEHLO_BROADCAST_IN_DIM => stablehlo_broadcast_in_dim(sig),
        Op::STABLEHLO_CBRT => stablehlo_cbrt(sig),
        Op::STABLEHLO_CLAMP => stablehlo_clamp(sig),
        Op::CUSTOM => custom(sig),
        code => Err(format!("Not supported op {}", model::op_name(code))),
    }
}

/// One-argument elementwise ops (1144-1164).
#[rustfmt::skip]
const ONE_ARGUMENT_OPS: &[Op] = &[
    Op::ABS, Op::CEIL, Op::COS, Op::ELU, Op::EXP, Op::FLOOR, Op::GELU, Op::LOG, Op::LOGICAL_NOT,
    Op::LOGISTIC, Op::NEG, Op::ROUND, Op::RSQRT, Op::SIGN, Op::SIN, Op::SQRT, Op::SQUARE, Op::TANH,
];

/// Two-argument elementwise ops (1167-1209).
#[rustfmt::skip]
const TWO_ARGUMENT_OPS: &[Op] = &[
    Op::ATAN2, Op::DIV, Op::EQUAL, Op::FLOOR_DIV, Op::FLOOR_MOD, Op::GREATER, Op::GREATER_EQUAL,
    Op::LOGICAL_AND, Op::LOGICAL_OR, Op::LESS, Op::LESS_EQUAL, Op::MAXIMUM, Op::MINIMUM,
    Op::NOT_EQUAL, Op::POW, Op::RIGHT_SHIFT, Op::STABLEHLO_REMAINDER, Op::STABLEHLO_SHIFT_LEFT,
    Op::SQUARED_DIFFERENCE, Op::SUB,
];

/// ADD (538-551).
fn add(sig: &Sig, flags: CompatFlags) -> Status {
    if sig.inputs.len() != 2 {
        return Err("ADD requires two input tensors.".into());
    }
    add_mul_broadcast(&sig.inputs[0], &sig.inputs[1], flags)
}

/// ADD_N (552-556).
fn add_n(sig: &Sig) -> Status {
    if sig.inputs.len() != 2 {
        return Err("ADD_N only supports 2 inputs.".into());
    }
    Ok(())
}

/// BATCH_MATMUL (561-570).
fn batch_matmul(sig: &Sig) -> Status {
    if !(sig.inputs.len() == 2 && sig.outputs.len() == 1) {
        return Err(format!(
            "Expected 2 inputs and 1 output, got: {} inputs and {} outputs",
            sig.inputs.len(),
            sig.outputs.len()
        ));
    }
    Ok(())
}

/// `GetSizeOfType` (tflite/util.cc:84-166): bytes per element, `None` for the types it refuses.
fn size_of_type(t: Option<TensorType>) -> Option<usize> {
    use TensorType as T;
    Some(match t? {
        T::FLOAT32 | T::INT32 | T::UINT32 => 4,
        T::UINT8 | T::INT8 | T::BOOL | T::INT4 | T::UINT4 | T::INT2 | T::FLOAT8_E4M3FN | T::FLOAT8_E5M2 => 1,
        T::INT64 | T::UINT64 | T::COMPLEX64 | T::FLOAT64 => 8,
        T::COMPLEX128 => 16,
        T::INT16 | T::UINT16 | T::FLOAT16 | T::BFLOAT16 => 2,
        _ => return None,
    })
}

/// BITCAST (572-631).
fn bitcast(sig: &Sig) -> Status {
    inputs_outputs(sig, 1, 1)?;
    let (input, output) = (&sig.inputs[0], &sig.outputs[0]);
    let Some(in_size) = size_of_type(input.ty) else { return Err("Could not parse input type".into()) };
    let Some(out_size) = size_of_type(output.ty) else { return Err("Could not parse output type".into()) };
    let (ind, outd) = (&input.dims, &output.dims);
    if in_size == out_size {
        if ind != outd {
            return Err("If input and output types have the same element size, they must have the same shapes".into());
        }
    } else if in_size > out_size {
        if ind.len() + 1 != outd.len() {
            return Err("If input element size is greater than output element size, require that output rank is one greater than input rank".into());
        }
        if ind.iter().zip(outd.iter()).any(|(a, b)| a != b) {
            return Err("Shapes must match in all but last dim".into());
        }
        if outd[outd.len() - 1] as i64 * out_size as i64 != in_size as i64 {
            return Err("Last output dim must be equal to input element size divided by output element size".into());
        }
    } else {
        if ind.len() != outd.len() + 1 {
            return Err("If output element size is greater than input element size, require that input rank is one greater than output rank".into());
        }
        if outd.iter().zip(ind.iter()).any(|(a, b)| a != b) {
            return Err("Shapes must match in all but last dim".into());
        }
        if ind[ind.len() - 1] as i64 * in_size as i64 != out_size as i64 {
            return Err("Last input dim must be equal to output element size divided by input element size".into());
        }
    }
    Ok(())
}

/// CAST (633-655).
fn cast(sig: &Sig) -> Status {
    inputs_outputs(sig, 1, 1)?;
    let (from, to) = (sig.inputs[0].ty, sig.outputs[0].ty);
    let float_or_int32 = |t: Option<TensorType>| t == Some(F32) || t == Some(I32);
    if (from == Some(BOOL) && is_float(to))
        || (is_float(from) && to == Some(BOOL))
        || (float_or_int32(from) && float_or_int32(to))
    {
        return Ok(());
    }
    Err(format!("Not supported Cast case. Input type: {} and output type: {}", type_name(from), type_name(to)))
}

/// CONV_2D (663-672).
fn conv_2d(sig: &Sig) -> Status {
    convolution_input_output(sig)?;
    let (sh, sw, dh, dw, act) = match &sig.op.options {
        Opts::Conv2DOptions(o) => (
            o.stride_h,
            o.stride_w,
            o.dilation_h_factor,
            o.dilation_w_factor,
            activation_number(o.fused_activation_function),
        ),
        _ => (0, 0, 0, 0, 0),
    };
    strides(sh, sw)?;
    dilation(dh, dw)?;
    activation_supported(act)
}

/// DEPTH_TO_SPACE (684-699).
fn depth_to_space(sig: &Sig) -> Status {
    inputs_outputs(sig, 1, 1)?;
    let block = match &sig.op.options {
        Opts::DepthToSpaceOptions(o) => o.block_size,
        _ => 0,
    };
    if block == 1 {
        return Err("DEPTH_TO_SPACE block_size = 1 is a no-op.".into());
    }
    if block < 1 {
        return Err("DEPTH_TO_SPACE block_size must be > 1.".into());
    }
    Ok(())
}

/// DEQUANTIZE (701-713).
fn dequantize(sig: &Sig) -> Status {
    if sig.inputs.len() != 1 || sig.outputs.len() != 1 {
        return Err(format!(
            "Expected 1 input & output each from Dequantize, got: {}, {}",
            sig.inputs.len(),
            sig.outputs.len()
        ));
    }
    if sig.inputs[0].ty == Some(TensorType::INT16) {
        return Err("Unsupported dequantization type.".into());
    }
    Ok(())
}

/// EMBEDDING_LOOKUP (715-760).
fn embedding_lookup(sig: &Sig) -> Status {
    if sig.inputs.len() != 2 {
        return Err(format!("Expected 2, but got {} inputs.", sig.inputs.len()));
    }
    if sig.outputs.len() != 1 {
        return Err(format!("Expected 1, but got {} outputs.", sig.outputs.len()));
    }
    let (ids, value, output) = (&sig.inputs[0], &sig.inputs[1], &sig.outputs[0]);
    if ids.dims.len() != 1 {
        return Err(format!("Expected 1D, but got {}D input #0.", ids.dims.len()));
    }
    if value.dims.len() < 2 {
        return Err(format!("Expected > 1D, but got {}D input #1.", value.dims.len()));
    }
    if value.dims.len() != output.dims.len() {
        return Err(format!("Expected {}, but got {} for output.", value.dims.len(), output.dims.len()));
    }
    for i in 1..output.dims.len() {
        if value.dims[i] != output.dims[i] {
            return Err(format!("Expected {}, but got {} for output.dim[{i}].", value.dims[i], output.dims[i]));
        }
    }
    let ok = [TensorType::INT8, TensorType::INT4, TensorType::INT2, F32].map(Some).contains(&value.ty);
    if !ok {
        return Err(format!("Expected int8, int4, int2, or float32, but got {} for input #1.", type_name(value.ty)));
    }
    Ok(())
}

/// DYNAMIC_UPDATE_SLICE (762-796). The types are printed as `TfLiteType` numbers.
fn dynamic_update_slice(sig: &Sig) -> Status {
    if sig.inputs.len() != 3 {
        return Err("DynamicUpdateSlice requires 3 inputs.".into());
    }
    let (operand, update, start) = (&sig.inputs[0], &sig.inputs[1], &sig.inputs[2]);
    if operand.ty != update.ty {
        return Err(format!(
            "Array to update and updated slice must have the same data type, but got: array to update: {}, updated slice: {}",
            type_number(operand.ty),
            type_number(update.ty)
        ));
    }
    if start.dims.len() != 1 {
        return Err(format!("Start indices must be 1D, but got: {}", start.dims.len()));
    }
    if start.ty != Some(I32) {
        return Err("start_indices must be of type int32.".into());
    }
    if update.dims.len() != operand.dims.len() {
        return Err(format!(
            "Operand and update must have the same number of dimensions, but got: operand: {}, update: {}",
            operand.dims.len(),
            update.dims.len()
        ));
    }
    Ok(())
}

/// FULLY_CONNECTED (797-831). The weights format is the `TfLiteFullyConnectedWeightsFormat`
/// number (DEFAULT 0, SHUFFLED4x16INT8 1).
fn fully_connected(sig: &Sig) -> Status {
    if sig.inputs.is_empty() {
        return Err("Expected at least 1 input".into());
    }
    let (format, keep_num_dims) = match &sig.op.options {
        Opts::FullyConnectedOptions(o) => {
            (i32::from(o.weights_format == FullyConnectedOptionsWeightsFormat::SHUFFLED4x16INT8), o.keep_num_dims)
        }
        _ => (0, false),
    };
    if format != 0 {
        return Err(format!("Unsupported FullyConnected weights format: {format}"));
    }
    if runtime_inputs(sig) > 2 {
        return Err("FullyConnected doesn't support more than 2 runtime inputs.".into());
    }
    if sig.inputs[0].is_const {
        return Err("FullyConnected doesn't support constant input.".into());
    }
    if keep_num_dims {
        let Some(output) = sig.outputs.first() else { return Err("Expected at least 1 output".into()) };
        if sig.inputs[0].dims.len() != output.dims.len() {
            return Err("Input and output dimensions different and FullyConnected doesn't support keep_num_dims.".into());
        }
    }
    Ok(())
}

/// GATHER (833-850).
fn gather(sig: &Sig) -> Status {
    if inputs_consts_outputs(sig, 2, 0, 1).is_err() && inputs_consts_outputs(sig, 1, 1, 1).is_err() {
        return Err("Op can only handle 1 or 2 operand(s).".into());
    }
    if sig.inputs[1].dims.len() != 1 {
        return Err("Only support 1D indices".into());
    }
    if sig.inputs[1].ty != Some(I32) {
        return Err("Only accept INT32 indices".into());
    }
    Ok(())
}

/// LSTM (856-904). Options are always present (`ParseLSTM` refuses a model without them).
fn lstm(sig: &Sig) -> Status {
    let (act, cell_clip, proj_clip, basic) = match &sig.op.options {
        Opts::LSTMOptions(o) => (
            activation_number(o.fused_activation_function),
            o.cell_clip,
            o.proj_clip,
            o.kernel_type == LSTMKernelType::BASIC,
        ),
        _ => (0, 0.0, 0.0, false),
    };
    if !basic {
        let n = sig.inputs.len();
        if n != 20 && n != 24 {
            return Err(format!("Expected 20 or 24 input tensors, but node has {n} input(s)."));
        }
        if sig.outputs.len() != 1 {
            return Err(format!("Expected 1 output tensor, but node has {} output(s).", sig.outputs.len()));
        }
        if act != ACT_SIGMOID && act != ACT_TANH {
            return Err(format!("Only sigmoid or tanh activation is supported, but node has {act}"));
        }
        return Ok(());
    }
    inputs_consts_outputs(sig, 3, 2, 4)?;
    if sig.outputs[3].dims.last().is_some_and(|&d| d % 4 != 0) {
        return Err("BasicLSTM activation depth must be a multiple of 4.".into());
    }
    if act != ACT_TANH {
        return Err(format!("Only TANH activation is supported. but node has {act}"));
    }
    if cell_clip != 0.0 {
        return Err("cell_clip is not supported.".into());
    }
    if proj_clip != 0.0 {
        return Err("proj_clip is not supported.".into());
    }
    Ok(())
}

/// MEAN (909-915), the reductions (1090-1101) and REVERSE_V2 (1135-1141): one runtime input,
/// constant int32 axes.
fn reduce(sig: &Sig) -> Status {
    inputs_consts_outputs(sig, 1, 1, 1)?;
    axes_are_int32_const(sig, 1)
}

/// MUL (917-933).
fn mul(sig: &Sig, flags: CompatFlags) -> Status {
    if sig.inputs.len() != 2 {
        return Err("MUL requires two input tensors.".into());
    }
    add_mul_broadcast(&sig.inputs[0], &sig.inputs[1], flags)?;
    let act = match &sig.op.options {
        Opts::MulOptions(o) => activation_number(o.fused_activation_function),
        _ => 0,
    };
    activation_supported(act)
}

/// SLICE (962-975).
fn slice(sig: &Sig) -> Status {
    if sig.inputs.len() < 3 {
        return Err(format!("SLICE requires 3 inputs, but node has {} inputs.", sig.inputs.len()));
    }
    let rank = sig.inputs[0].dims.len();
    if rank != 3 && rank != 4 {
        return Err(format!(
            "SLICE supports for 3 or 4 dimensional tensors only, but node has {rank} dimensional tensors."
        ));
    }
    Ok(())
}

/// SOFTMAX (977-984); a missing options table leaves beta = 0.
fn softmax(sig: &Sig) -> Status {
    let beta = match &sig.op.options {
        Opts::SoftmaxOptions(o) => o.beta,
        _ => 0.0,
    };
    if beta != 1.0 {
        return Err("Softmax.beta != 1 is not supported.".into());
    }
    Ok(())
}

/// SPACE_TO_DEPTH (986-1001).
fn space_to_depth(sig: &Sig) -> Status {
    inputs_outputs(sig, 1, 1)?;
    let block = match &sig.op.options {
        Opts::SpaceToDepthOptions(o) => o.block_size,
        _ => 0,
    };
    if block == 1 {
        return Err("SPACE_TO_DEPTH block_size = 1 is a no-op.".into());
    }
    if block < 1 {
        return Err("SPACE_TO_DEPTH block_size must be > 1.".into());
    }
    Ok(())
}

/// STRIDED_SLICE (1009-1034).
fn strided_slice(sig: &Sig) -> Status {
    let (ellipsis, new_axis, shrink) = match &sig.op.options {
        Opts::StridedSliceOptions(o) => (o.ellipsis_mask, o.new_axis_mask, o.shrink_axis_mask),
        _ => (0, 0, 0),
    };
    if ellipsis != 0 {
        return Err("StridedSlice does not support ellipsis_mask.".into());
    }
    if new_axis != 0 {
        return Err("StridedSlice does not support new_axis_mask.".into());
    }
    if shrink != 0 {
        return Err("StridedSlice does not support shrink_axis_mask parameter.".into());
    }
    if sig.inputs.len() < 4 {
        return Err("STRIDED_SLICE requires 4 inputs.".into());
    }
    let rank = sig.inputs[0].dims.len();
    if rank != 3 && rank != 4 {
        return Err("STRIDED_SLICE supports for 3 or 4 dimensional tensors only.".into());
    }
    Ok(())
}

/// TRANSPOSE_CONV (1054-1061).
fn transpose_conv(sig: &Sig) -> Status {
    convolution_input_output(sig)?;
    let (sh, sw) = match &sig.op.options {
        Opts::TransposeConvOptions(o) => (o.stride_h, o.stride_w),
        _ => (0, 0),
    };
    strides(sh, sw)
}

/// RESIZE_BILINEAR (1063-1074).
fn resize_bilinear(sig: &Sig) -> Status {
    inputs_outputs(sig, 1, 1)?;
    if let Opts::ResizeBilinearOptions(o) = &sig.op.options {
        if o.align_corners && o.half_pixel_centers {
            return Err("If half_pixel_centers is True, align_corners must be False.".into());
        }
    }
    Ok(())
}

/// PAD, PADV2, MIRROR_PAD (1103-1134). The mirror mode is the `TfLiteMirrorPaddingMode` number
/// (unknown 0, REFLECT 1, SYMMETRIC 2).
fn pad(sig: &Sig) -> Status {
    if sig.op.code == Op::MIRROR_PAD {
        let mode = match &sig.op.options {
            Opts::MirrorPadOptions(o) if o.mode == MirrorPadMode::REFLECT => 1,
            Opts::MirrorPadOptions(o) if o.mode == MirrorPadMode::SYMMETRIC => 2,
            _ => 0,
        };
        if mode != 1 {
            return Err(format!(
                "Only Reflective padding is supported for Mirror Pad operation. But node has {mode}"
            ));
        }
    }
    inputs_outputs(sig, 1, 1)?;
    tensor_is_available(sig, 1)?;
    let paddings = &sig.inputs[1];
    if paddings.dims.len() != 2 {
        return Err(format!(
            "Invalid paddings tensor dimension: expected 2 dim, got {} dim",
            paddings.dims.len()
        ));
    }
    let (rows, cols) = (paddings.dims[0], paddings.dims[1]);
    if !(rows == 3 || rows == 4) || cols != 2 {
        return Err(format!("Invalid paddings tensor shape: expected 4x2 or 3x2, got {rows}x{cols}"));
    }
    Ok(())
}

/// The two-argument elementwise ops (1167-1209).
fn two_arguments(sig: &Sig) -> Status {
    if inputs_consts_outputs(sig, 2, 0, 1).is_err() && inputs_consts_outputs(sig, 1, 1, 1).is_err() {
        return Err("Op can only handle 1 or 2 operand(s).".into());
    }
    let act = match (&sig.op.code, &sig.op.options) {
        (&Op::DIV, Opts::DivOptions(o)) => activation_number(o.fused_activation_function),
        (&Op::SUB, Opts::SubOptions(o)) => activation_number(o.fused_activation_function),
        _ => 0,
    };
    activation_supported(act)
}

/// STABLEHLO_BROADCAST_IN_DIM (1212-1230).
fn stablehlo_broadcast_in_dim(sig: &Sig) -> Status {
    if inputs_consts_outputs(sig, 1, 1, 1).is_err() {
        return Err("requires one runtime input, one const input, and one output".into());
    }
    let indices = &sig.inputs[1];
    if indices.dims.len() != 1 {
        return Err("Only support 1D indices".into());
    }
    if indices.ty != Some(I32) {
        return Err("Only support int32 indices".into());
    }
    if sig.inputs[0].dims.len() as i64 != indices.dims[0] as i64 {
        return Err("Require size(indices) = rank(operand)".into());
    }
    Ok(())
}

/// STABLEHLO_CBRT (1231-1244).
fn stablehlo_cbrt(sig: &Sig) -> Status {
    inputs_consts_outputs(sig, 1, 0, 1)?;
    let t = sig.inputs[0].ty;
    if !is_float(t) && t != Some(TensorType::BFLOAT16) {
        return Err("Only support float inputs".into());
    }
    if t != sig.outputs[0].ty {
        return Err("Input and output types must match".into());
    }
    Ok(())
}

/// STABLEHLO_CLAMP (1245-1265).
fn stablehlo_clamp(sig: &Sig) -> Status {
    inputs_consts_outputs(sig, 3, 0, 1)?;
    let (min, x, max) = (&sig.inputs[0], &sig.inputs[1], &sig.inputs[2]);
    if min.ty != x.ty || x.ty != max.ty {
        return Err("Clamp tensors must all be the same type".into());
    }
    if min.dims != x.dims && num_elements(min.dims) != 1 {
        return Err("Min tensor must be the same shape as the input, or a scalar".into());
    }
    if max.dims != x.dims && num_elements(max.dims) != 1 {
        return Err("Max tensor must be the same shape as the input, or a scalar".into());
    }
    Ok(())
}
