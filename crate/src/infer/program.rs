//! Turns a model's main subgraph into a list of kernel steps, or explains what cannot run.

use tflite_schema::tflite as fb;

use super::add::QuantAdd;
use super::concat::Concat;
use super::conv::{same_or_valid, FloatConv, Geometry, QuantConv};
use super::gemm::{PackedF32, PackedWeights};
use super::depthwise::{FloatDepthwise, PackedTaps, QuantDepthwise};
use super::pool::AveragePool;
use super::quant::{activation_range, xnn_activation_range, Activation, Fp32Requant};
use super::layout::{rank4, Broadcast, Gather};
use super::mean::{QuantMean, Reduction};
use super::quantize::{Dequantize, Quantize, Requantize};
use super::resize::ResizeBilinear;
use super::slice::Slice;
use super::elementwise::{FloatMul, Unary};
use super::transpose_conv::TransposeConv;
pub use super::tensor::Element;
use super::tensor::{Buf, Hwc, QParams};
use crate::model::{BuiltinOperator as Op, BuiltinOptionsT as O, Model, Operator, Subgraph, Tensor, TensorType};

/// One kernel of the program.
#[derive(Debug, Clone)]
pub enum Kernel {
    QuantConv(QuantConv),
    FloatConv(FloatConv),
    QuantDepthwise(QuantDepthwise),
    FloatDepthwise(FloatDepthwise),
    QuantAdd(QuantAdd),
    FloatAdd(Activation),
    AveragePool(AveragePool),
    Resize(ResizeBilinear),
    Concat(Concat),
    ArgMax(ArgMax),
    Slice(Slice),
    FloatUnary(Unary),
    FloatMul(FloatMul),
    TransposeConv(TransposeConv),
    FloatMean(super::float_mean::FloatMean),
    QuantMean(QuantMean),
    Quantize(Quantize),
    Requantize(Requantize),
    Dequantize(Dequantize),
    /// PAD, TRANSPOSE, STRIDED_SLICE, RESIZE_NEAREST_NEIGHBOR, SPACE_TO_BATCH_ND and
    /// BATCH_TO_SPACE_ND: a precomputed copy.
    Gather(Gather),
    BroadcastAdd(BroadcastAdd),
    Relu(Relu),
}

/// ADD of operands of different shapes (one broadcast): per output value, XNNPACK's `vaddc`
/// arithmetic (the same as `vadd`) or a float sum.
#[derive(Debug, Clone)]
pub struct BroadcastAdd {
    pub quant: Option<QuantAdd>,
    pub activation: Activation,
    pub map: Broadcast,
}

/// RELU, RELU6, RELU_N1_TO_1 and RELU_0_TO_1 as a clamp: float bounds, or quantized bounds when the
/// input and output share their parameters (TFLite's builtin kernel then only clamps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relu {
    pub lo: f32,
    pub hi: f32,
    pub lo_q: u8,
    pub hi_q: u8,
}

/// ARG_MAX over the last axis of `classes` values, into an int32 or int64 tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgMax {
    pub classes: usize,
    pub output: Element,
}

impl Kernel {
    /// A short name for profiles: the kernel, and the window for convolutions.
    pub fn describe(&self) -> String {
        let window = |g: &super::conv::Geometry| format!(" {}×{}", g.kernel_h, g.kernel_w);
        match self {
            Kernel::QuantConv(k) => format!("QuantConv{}", window(&k.geometry)),
            Kernel::FloatConv(k) => format!("FloatConv{}", window(&k.geometry)),
            Kernel::QuantDepthwise(k) => format!("QuantDepthwise{}", window(&k.geometry)),
            Kernel::FloatDepthwise(k) => format!("FloatDepthwise{}", window(&k.geometry)),
            Kernel::QuantAdd(_) => "QuantAdd".into(),
            Kernel::FloatAdd(_) => "FloatAdd".into(),
            Kernel::AveragePool(_) => "AveragePool".into(),
            Kernel::Resize(_) => "ResizeBilinear".into(),
            Kernel::Concat(_) => "Concat".into(),
            Kernel::ArgMax(_) => "ArgMax".into(),
            Kernel::Slice(_) => "Slice".into(),
            Kernel::FloatUnary(u) => u.name().into(),
            Kernel::FloatMul(_) => "FloatMul".into(),
            Kernel::TransposeConv(k) => format!("TransposeConv {}×{}", k.kernel_h, k.kernel_w),
            Kernel::FloatMean(_) => "FloatMean".into(),
            Kernel::QuantMean(_) => "QuantMean".into(),
            Kernel::Quantize(_) => "Quantize".into(),
            Kernel::Requantize(_) => "Requantize".into(),
            Kernel::Dequantize(_) => "Dequantize".into(),
            Kernel::Gather(_) => "Gather".into(),
            Kernel::BroadcastAdd(_) => "BroadcastAdd".into(),
            Kernel::Relu(_) => "Relu".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub op_index: usize,
    pub kernel: Kernel,
    pub inputs: Vec<usize>,
    pub output: usize,
}

/// A graph input or output as the caller sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    /// The tensor's index in the subgraph.
    pub index: usize,
    /// The name in the model (untrusted text).
    pub name: String,
    pub shape: Vec<usize>,
    pub element: Element,
    /// The quantization of uint8 and int8 tensors.
    pub quant: Option<QParams>,
}

impl TensorInfo {
    /// Number of values.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The shape as NHWC with batch 1, when it is `[1, h, w, c]`.
    pub fn image_shape(&self) -> Option<Hwc> {
        match self.shape.as_slice() {
            [1, h, w, c] => Some(Hwc { h: *h, w: *w, c: *c }),
            _ => None,
        }
    }
}

/// What the caller feeds and gets back: typed tensors, as many as the model declares.
#[derive(Debug, Clone)]
pub struct Program {
    pub steps: Vec<Step>,
    pub tensor_count: usize,
    pub inputs: Vec<TensorInfo>,
    pub outputs: Vec<TensorInfo>,
    /// Constant tensors that steps read as activations (e.g. the second operand of an ADD), with
    /// their values; weights that kernels pack at compile time are not listed.
    pub constants: Vec<(usize, Buf)>,
    /// For each tensor, the index of the last step that reads it (graph outputs: never freed).
    pub last_use: Vec<usize>,
    /// For each tensor, its number of values.
    pub sizes: Vec<usize>,
    /// For each tensor, whether it is int8 (held shifted by `INT8_OFFSET` while the graph runs).
    pub int8: Vec<bool>,
}

/// Why a model cannot run, one line per problem, each naming the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsupported(pub Vec<String>);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A model of hundreds of unsupported ops would give a wall of text: the first ten tell enough.
        const SHOWN: usize = 10;
        write!(f, "this model cannot run in the page yet: {}", self.0[..self.0.len().min(SHOWN)].join("; "))?;
        if self.0.len() > SHOWN {
            write!(f, "; and {} more", self.0.len() - SHOWN)?;
        }
        Ok(())
    }
}

pub(super) type Res<T> = Result<T, String>;

/// Bytes all computed tensors may take together (counted as float32): beyond it a browser tab
/// would run out of memory, so the model is refused up front.
const MEMORY_LIMIT: u64 = 2_000_000_000;
/// Values one tensor may hold (so that sizes and offsets fit 32-bit `usize` in wasm).
const MAX_ELEMENTS: u64 = 1 << 28;
/// Largest kernel, stride or dilation accepted.
pub(super) const MAX_WINDOW: usize = 4096;

/// Every tensor's number of values, or why the model is too large for the engine.
fn tensor_sizes(sg: &Subgraph) -> Res<Vec<usize>> {
    let mut computed = 0u64;
    let mut sizes = Vec::with_capacity(sg.tensors.len());
    for t in &sg.tensors {
        let n = t.shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d.max(0) as u64).filter(|&n| n <= MAX_ELEMENTS));
        let n = n.ok_or_else(|| format!("tensor \"{}\" of shape {:?} has more than {MAX_ELEMENTS} values", t.name, t.shape))?;
        if !t.is_const() {
            computed += n * 4;
        }
        sizes.push(n as usize);
    }
    if computed > MEMORY_LIMIT {
        return Err(format!("its tensors need {:.1} GB; the in-page engine is limited to {} GB", computed as f64 / 1e9, MEMORY_LIMIT / 1_000_000_000));
    }
    Ok(sizes)
}

/// Compiles the main subgraph; constant fp16 weights are dequantized first (`dequantize.rs`).
pub fn compile(model: &Model) -> Result<Program, Unsupported> {
    super::dequantize::with_folded_fp16(model, compile_folded)
}

fn compile_folded(model: &Model) -> Result<Program, Unsupported> {
    let sg = model.subgraphs.first().ok_or_else(|| Unsupported(vec!["the model has no subgraph".into()]))?;
    // Sizes first: every later product of dimensions is then bounded.
    let sizes = tensor_sizes(sg).map_err(|e| Unsupported(vec![e]))?;
    let mut problems = Vec::new();
    let inputs = graph_tensors(sg, &sg.inputs, "input", &mut problems);
    let outputs = graph_tensors(sg, &sg.outputs, "output", &mut problems);
    if let Some(i) = inputs.iter().find(|i| sg.tensors[i.index].is_const()) {
        problems.push(format!("input \"{}\" is a constant", i.name));
    }
    let mut steps = Vec::new();
    for (i, op) in sg.operators.iter().enumerate() {
        if super::dequantize::is_folded(sg, op) {
            continue;
        }
        match compile_op(model, sg, op) {
            Ok((kernel, inputs)) => steps.push(Step { op_index: i, kernel, inputs, output: op.output(0).unwrap_or(usize::MAX) }),
            Err(e) => problems.push(format!("op {i} {}: {e}", op.type_name())),
        }
    }
    if !problems.is_empty() {
        return Err(Unsupported(problems));
    }
    let graph_outputs: Vec<usize> = outputs.iter().map(|t| t.index).collect();
    fuse_float_relus(&mut steps, &graph_outputs);
    let constants = constant_inputs(model, sg, &steps).map_err(|e| Unsupported(vec![e]))?;
    let ready: Vec<usize> = inputs.iter().map(|t| t.index).chain(constants.iter().map(|c| c.0)).collect();
    let wanted: Vec<usize> = outputs.iter().map(|t| t.index).collect();
    check_order(&steps, &ready, &wanted, sg.tensors.len()).map_err(|e| Unsupported(vec![e]))?;
    let mut last_use = vec![0; sg.tensors.len()];
    for (s, step) in steps.iter().enumerate() {
        for &t in &step.inputs {
            last_use[t] = s;
        }
    }
    for &o in &wanted {
        last_use[o] = usize::MAX;
    }
    let int8 = sg.tensors.iter().map(|t| t.dtype == TensorType::INT8).collect();
    Ok(Program { steps, tensor_count: sg.tensors.len(), inputs, outputs, constants, last_use, sizes, int8 })
}

/// Folds each float RELU, RELU6 or RELU_N1_TO_1 into the float CONV_2D or DEPTHWISE_CONV_2D
/// (without activation) that computes its input, when nothing else reads that tensor and it is not
/// a graph output: the convolution then clamps its sums to the same bounds in the same way (max,
/// then min), so the values are the same and a pass over the tensor is saved. XNNPACK fuses such
/// clamps into their producer too (`xnn_subgraph_fusion` in XNNPACK's src/subgraph.c).
fn fuse_float_relus(steps: &mut Vec<Step>, graph_outputs: &[usize]) {
    let mut s = 0;
    while s < steps.len() {
        match fusable_relu(steps, s, graph_outputs) {
            Some((producer, act)) => {
                let relu = steps.remove(s);
                let p = &mut steps[producer];
                p.output = relu.output;
                if let Some(a) = float_conv_activation(&mut p.kernel) {
                    *a = act;
                }
            }
            None => s += 1,
        }
    }
}

/// The fused activation of a float CONV_2D or DEPTHWISE_CONV_2D (the kernels a RELU folds into).
fn float_conv_activation(kernel: &mut Kernel) -> Option<&mut Activation> {
    match kernel {
        Kernel::FloatConv(k) => Some(&mut k.activation),
        Kernel::FloatDepthwise(k) => Some(&mut k.activation),
        _ => None,
    }
}

/// For a RELU step `s` that can be folded into its producer: the producer's step index and the
/// activation the RELU's bounds are.
fn fusable_relu(steps: &mut [Step], s: usize, graph_outputs: &[usize]) -> Option<(usize, Activation)> {
    let Kernel::Relu(r) = &steps[s].kernel else { return None };
    let t = *steps[s].inputs.first()?;
    let act = [Activation::Relu, Activation::Relu6, Activation::ReluN1To1].into_iter().find(|a| a.float_range() == (r.lo, r.hi))?;
    let producer = steps[..s].iter().rposition(|p| p.output == t)?;
    let readers = steps.iter().filter(|q| q.inputs.contains(&t)).count();
    let no_activation = float_conv_activation(&mut steps[producer].kernel).is_some_and(|a| *a == Activation::None);
    (no_activation && readers == 1 && !graph_outputs.contains(&t)).then_some((producer, act))
}

/// The graph's inputs or outputs (`what`) with their shapes and types; problems are collected.
fn graph_tensors(sg: &Subgraph, ids: &[i32], what: &str, problems: &mut Vec<String>) -> Vec<TensorInfo> {
    if ids.is_empty() {
        problems.push(format!("the model has no {what}"));
    }
    let mut list = Vec::new();
    for &id in ids {
        let Some(t) = usize::try_from(id).ok().and_then(|i| sg.tensors.get(i).map(|t| (i, t))) else {
            problems.push(format!("{what} tensor {id} does not exist"));
            continue;
        };
        match tensor_info(t.0, t.1) {
            Ok(info) => list.push(info),
            Err(e) => problems.push(format!("{what}: {e}")),
        }
    }
    list
}

fn tensor_info(index: usize, t: &Tensor) -> Res<TensorInfo> {
    let element = element(t)?;
    if t.shape.iter().any(|&d| d <= 0) {
        return Err(format!("tensor \"{}\" has shape {:?}; every dimension must be known and positive", t.name, t.shape));
    }
    let quant = if element.is_quantized() { Some(params(t)?) } else { None };
    Ok(TensorInfo { index, name: t.name.clone(), shape: t.shape.iter().map(|&d| d as usize).collect(), element, quant })
}

/// Constant tensors read by steps as run-time values, loaded once per run.
fn constant_inputs(model: &Model, sg: &Subgraph, steps: &[Step]) -> Res<Vec<(usize, Buf)>> {
    let mut list: Vec<(usize, Buf)> = Vec::new();
    for &t in steps.iter().flat_map(|s| &s.inputs) {
        let tensor = &sg.tensors[t];
        if !tensor.is_const() || list.iter().any(|c| c.0 == t) {
            continue;
        }
        let bytes = model.data(tensor).ok_or_else(|| format!("constant \"{}\" has no data", tensor.name))?;
        let buf = Buf::from_le_bytes(element(tensor)?, bytes).filter(|b| b.len() == product(&tensor.shape));
        list.push((t, buf.ok_or_else(|| format!("constant \"{}\" does not hold {:?} values", tensor.name, tensor.shape))?));
    }
    Ok(list)
}

fn product(shape: &[i32]) -> usize {
    shape.iter().map(|&d| d.max(0) as usize).product()
}

/// Every step must read only inputs, constants or tensors computed before it, and every output
/// must be computed (or be an input).
fn check_order(steps: &[Step], ready_at_start: &[usize], outputs: &[usize], tensors: usize) -> Res<()> {
    let mut ready = vec![false; tensors];
    for &t in ready_at_start {
        ready[t] = true;
    }
    for s in steps {
        if let Some(&t) = s.inputs.iter().find(|&&t| !ready[t]) {
            return Err(format!("op {} reads tensor {t} before it is computed", s.op_index));
        }
        if s.output >= tensors {
            return Err(format!("op {} has no output tensor", s.op_index));
        }
        ready[s.output] = true;
    }
    if let Some(o) = outputs.iter().find(|&&o| !ready[o]) {
        return Err(format!("no operator computes the model's output tensor {o}"));
    }
    Ok(())
}

fn element(t: &Tensor) -> Res<Element> {
    let e = match t.dtype {
        TensorType::UINT8 => Element::U8,
        TensorType::INT8 => Element::I8,
        TensorType::FLOAT32 => Element::F32,
        TensorType::INT32 => Element::I32,
        TensorType::INT64 => Element::I64,
        other => {
            return Err(format!(
                "tensor \"{}\" is {}; the engine runs uint8, int8, float32, int32 and int64 tensors",
                t.name,
                crate::model::type_name(other)
            ))
        }
    };
    if e.is_quantized() {
        params(t)?;
    }
    Ok(e)
}

/// The message for a kernel that lacks a type.
pub(super) fn no_kernel_for(e: Element) -> String {
    format!("{} is not supported by this kernel", e.name())
}

/// The zero-point range of a quantized type.
fn zero_point_range(dtype: TensorType) -> std::ops::RangeInclusive<i64> {
    match dtype {
        TensorType::INT8 => -128..=127,
        TensorType::INT32 | TensorType::INT64 | TensorType::INT16 => 0..=0,
        _ => 0..=255,
    }
}

pub(super) fn params(t: &Tensor) -> Res<QParams> {
    match &t.quantization {
        Some(q) if q.scale.len() == 1 && q.zero_point.len() == 1 => {
            let (scale, zero_point) = (q.scale[0], q.zero_point[0]);
            let zp_range = zero_point_range(t.dtype);
            if !(scale.is_normal() && scale > 0.0 && zp_range.contains(&zero_point)) {
                return Err(format!(
                    "tensor \"{}\" has scale {scale} and zero point {zero_point}; it needs a positive scale and a zero point in {}..={}",
                    t.name,
                    zp_range.start(),
                    zp_range.end()
                ));
            }
            Ok(QParams { scale, zero_point: zero_point as i32 })
        }
        _ => Err(format!("tensor \"{}\" needs one scale and zero point (per-channel quantization is only supported for filters)", t.name)),
    }
}

/// int8 tensors are stored as uint8 values plus 128 while the graph runs (`Engine` converts at the
/// graph's inputs and outputs), so that the uint8 kernels run them: XNNPACK's qs8 and qu8 kernels
/// (fp32 requantization, `vadd`, `ibilinear`) are the same integer arithmetic on values and zero
/// points shifted by 128. Kernels whose arithmetic is not shift-invariant (MEAN, int8
/// AVERAGE_POOL_2D, activation bounds) work in the int8 domain.
pub const INT8_OFFSET: i32 = 128;

/// The parameters a uint8 kernel uses for a tensor: int8 zero points shifted by `INT8_OFFSET`.
pub(super) fn kparams(t: &Tensor) -> Res<QParams> {
    let p = params(t)?;
    let shift = if t.dtype == TensorType::INT8 { INT8_OFFSET } else { 0 };
    Ok(QParams { zero_point: p.zero_point + shift, ..p })
}

/// XNNPACK's bounds of a fused activation on a quantized output (`xnn_qu8_quantize` /
/// `xnn_qs8_quantize`: `lrintf(clamp(v / scale + zero_point))` in the tensor's own type), in the
/// kernel's (shifted) domain.
fn xnn_bounds(act: Activation, out: &Tensor) -> Res<(i32, i32)> {
    let p = params(out)?;
    if out.dtype != TensorType::INT8 {
        return Ok(xnn_activation_range(act, p.scale, p.zero_point));
    }
    let q = |v: f32| (v / p.scale + p.zero_point as f32).clamp(-128.0, 127.0).round_ties_even() as i32 + INT8_OFFSET;
    Ok(match act {
        Activation::None => (0, 255),
        Activation::Relu => (q(0.0), 255),
        Activation::Relu6 => (q(0.0), q(6.0)),
        Activation::ReluN1To1 => (q(-1.0), q(1.0)),
    })
}

/// The images of a CONV_2D or DEPTHWISE_CONV_2D operand: `[n, h, w, c]` as (n, one image's shape).
fn batched_image_shape(t: &Tensor) -> Res<(usize, Hwc)> {
    match t.shape.as_slice() {
        [n, h, w, c] if *n > 0 && *h > 0 && *w > 0 && *c > 0 => Ok((*n as usize, Hwc { h: *h as usize, w: *w as usize, c: *c as usize })),
        s => Err(format!("tensor \"{}\" has shape {s:?}; a [batch, height, width, channels] tensor is needed", t.name)),
    }
}

/// The batch, input and output images of a CONV_2D or DEPTHWISE_CONV_2D.
fn conv_images(xt: &Tensor, out: &Tensor) -> Res<(usize, Hwc, Hwc)> {
    let ((batch, input), (out_batch, output)) = (batched_image_shape(xt)?, batched_image_shape(out)?);
    if batch != out_batch {
        return Err(format!("the input's batch {batch} and the output's {out_batch} differ"));
    }
    Ok((batch, input, output))
}

/// One image: `batched_image_shape` with a batch of 1.
pub(super) fn image_shape(t: &Tensor) -> Res<Hwc> {
    match batched_image_shape(t) {
        Ok((1, image)) => Ok(image),
        _ => Err(format!("tensor \"{}\" has shape {:?}; a [1, height, width, channels] tensor is needed", t.name, t.shape)),
    }
}

pub(super) fn tensor<'s>(sg: &'s Subgraph, op: &Operator, i: usize) -> Res<(usize, &'s Tensor)> {
    let idx = op.input(i).ok_or_else(|| format!("input {i} is missing"))?;
    Ok((idx, sg.tensors.get(idx).ok_or_else(|| format!("input {i} is out of range"))?))
}

pub(super) fn out_tensor<'s>(sg: &'s Subgraph, op: &Operator) -> Res<&'s Tensor> {
    op.output(0).and_then(|o| sg.tensors.get(o)).ok_or_else(|| "the output is missing".to_string())
}

pub(super) fn activation(a: fb::ActivationFunctionType) -> Res<Activation> {
    match a {
        fb::ActivationFunctionType::NONE => Ok(Activation::None),
        fb::ActivationFunctionType::RELU => Ok(Activation::Relu),
        fb::ActivationFunctionType::RELU6 => Ok(Activation::Relu6),
        fb::ActivationFunctionType::RELU_N1_TO_1 => Ok(Activation::ReluN1To1),
        other => Err(format!("fused activation {} is not supported", other.variant_name().unwrap_or("?"))),
    }
}

/// One arm per operator; each compiles to kernels for the types it supports.
fn compile_op(model: &Model, sg: &Subgraph, op: &Operator) -> Res<(Kernel, Vec<usize>)> {
    match (op.code, &op.options) {
        (Op::CONV_2D, O::Conv2DOptions(o)) => conv(model, sg, op, o),
        (Op::DEPTHWISE_CONV_2D, O::DepthwiseConv2DOptions(o)) => depthwise(model, sg, op, o),
        (Op::ADD, O::AddOptions(o)) => add(sg, op, o.fused_activation_function),
        (Op::AVERAGE_POOL_2D, O::Pool2DOptions(o)) => average_pool(sg, op, o),
        (Op::RESIZE_BILINEAR, O::ResizeBilinearOptions(o)) => resize(model, sg, op, o.align_corners, o.half_pixel_centers),
        (Op::RESIZE_BILINEAR, O::NONE) => resize(model, sg, op, false, false),
        (Op::CONCATENATION, O::ConcatenationOptions(o)) => concat(sg, op, o.axis, o.fused_activation_function),
        (Op::ARG_MAX, _) => argmax(model, sg, op),
        (Op::SLICE, _) => slice(model, sg, op),
        (Op::HARD_SWISH, _) => super::float_ops::unary(sg, op, Unary::HardSwish),
        (Op::LOGISTIC, _) => super::float_ops::unary(sg, op, Unary::Logistic),
        (Op::MUL, _) => super::float_ops::mul(sg, op),
        (Op::TRANSPOSE_CONV, O::TransposeConvOptions(o)) => super::float_ops::transpose_conv(model, sg, op, o),
        (Op::CUSTOM, _) => super::float_ops::custom(model, sg, op),
        (Op::MEAN, _) => mean(model, sg, op),
        (Op::QUANTIZE, _) => quantize(sg, op),
        (Op::DEQUANTIZE, _) => dequantize(sg, op),
        (Op::PAD, _) => pad(model, sg, op),
        (Op::TRANSPOSE, _) => transpose(model, sg, op),
        (Op::STRIDED_SLICE, O::StridedSliceOptions(o)) => strided_slice(model, sg, op, o),
        (Op::RESIZE_NEAREST_NEIGHBOR, O::ResizeNearestNeighborOptions(o)) => resize_nearest(model, sg, op, o.align_corners, o.half_pixel_centers),
        (Op::RESIZE_NEAREST_NEIGHBOR, O::NONE) => resize_nearest(model, sg, op, false, false),
        (Op::SPACE_TO_BATCH_ND, _) => super::space_batch::compile(model, sg, op, super::space_batch::Direction::ToBatch),
        (Op::BATCH_TO_SPACE_ND, _) => super::space_batch::compile(model, sg, op, super::space_batch::Direction::ToSpace),
        (Op::RELU, _) => relu(sg, op, 0.0, f32::INFINITY),
        (Op::RELU6, _) => relu(sg, op, 0.0, 6.0),
        (Op::RELU_N1_TO_1, _) => relu(sg, op, -1.0, 1.0),
        (Op::RELU_0_TO_1, _) => relu(sg, op, 0.0, 1.0),
        _ => Err("this operator is not implemented by the in-page engine".into()),
    }
}

/// A run-time input of an op: a tensor computed by the graph, or a constant loaded at the start of
/// each run (`Program::constants`), of a supported type.
pub(super) fn activation_input<'s>(sg: &'s Subgraph, op: &Operator, i: usize) -> Res<(usize, &'s Tensor, Element)> {
    let (idx, t) = tensor(sg, op, i)?;
    Ok((idx, t, element(t)?))
}

pub(super) fn same_type(a: Element, out: &Tensor) -> Res<()> {
    if element(out)? != a {
        return Err("input and output types differ".into());
    }
    Ok(())
}

struct Window {
    kernel_h: usize,
    kernel_w: usize,
    stride_h: i32,
    stride_w: i32,
    dilation_h: i32,
    dilation_w: i32,
    same: bool,
}

/// The window of CONV_2D or DEPTHWISE_CONV_2D: `strides` is (stride h, stride w, dilation h,
/// dilation w) from the options.
fn conv_window(kernel_h: usize, kernel_w: usize, strides: (i32, i32, i32, i32), padding: fb::Padding) -> Window {
    let (stride_h, stride_w, dilation_h, dilation_w) = strides;
    Window { kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, same: padding == fb::Padding::SAME }
}

fn geometry(input: Hwc, output: Hwc, w: Window) -> Res<Geometry> {
    // Real windows are tiny; the bound keeps every index computation far from overflow.
    let positive = |v: i32, what: &str| {
        usize::try_from(v).ok().filter(|&v| v > 0 && v <= MAX_WINDOW).ok_or(format!("{what} {v} is not in 1..={MAX_WINDOW}"))
    };
    if w.kernel_h > MAX_WINDOW || w.kernel_w > MAX_WINDOW {
        return Err(format!("a {}×{} window is larger than {MAX_WINDOW}", w.kernel_h, w.kernel_w));
    }
    let (sh, sw) = (positive(w.stride_h, "stride")?, positive(w.stride_w, "stride")?);
    let (dh, dw) = (positive(w.dilation_h, "dilation")?, positive(w.dilation_w, "dilation")?);
    let (oh, pad_top) = same_or_valid(input.h, w.kernel_h, sh, dh, w.same);
    let (ow, pad_left) = same_or_valid(input.w, w.kernel_w, sw, dw, w.same);
    if (oh, ow) != (output.h, output.w) {
        return Err(format!("output is {}×{} but the window gives {oh}×{ow}", output.h, output.w));
    }
    Ok(Geometry {
        batch: 1,
        input,
        output,
        kernel_h: w.kernel_h,
        kernel_w: w.kernel_w,
        stride_h: sh,
        stride_w: sw,
        dilation_h: dh,
        dilation_w: dw,
        pad_top,
        pad_left,
    })
}

pub(super) fn const_data<'m>(model: &Model<'m>, t: &Tensor, what: &str) -> Res<&'m [u8]> {
    model.data(t).ok_or_else(|| format!("the {what} must be a constant"))
}

pub(super) fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

fn ints(bytes: &[u8]) -> Vec<i32> {
    bytes.chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// A window of `taps` products of uint8 values must not overflow the int32 accumulator.
fn accumulation_fits(taps: usize) -> Res<()> {
    if taps > 30_000 {
        return Err(format!("{taps} products per output would overflow int32 accumulators"));
    }
    Ok(())
}

/// Filter, optional bias, and quantization for CONV_2D and DEPTHWISE_CONV_2D.
struct Weights {
    filter: Tensor,
    filter_bytes: Vec<u8>,
    bias_bytes: Option<Vec<u8>>,
}

fn weights(model: &Model, sg: &Subgraph, op: &Operator, expected: usize) -> Res<Weights> {
    let (_, filter) = tensor(sg, op, 1)?;
    let filter_bytes = const_data(model, filter, "filter")?.to_vec();
    let elem = match filter.dtype {
        TensorType::UINT8 | TensorType::INT8 => 1,
        TensorType::FLOAT32 => 4,
        other => return Err(format!("{} filters are not supported", crate::model::type_name(other))),
    };
    if filter_bytes.len() != expected * elem {
        return Err(format!("the filter has {} bytes; its shape needs {}", filter_bytes.len(), expected * elem));
    }
    let bias_bytes = match op.input(2) {
        Some(b) => {
            let t = sg.tensors.get(b).ok_or("the bias is out of range")?;
            Some(const_data(model, t, "bias")?.to_vec())
        }
        None => None,
    };
    Ok(Weights { filter: filter.clone(), filter_bytes, bias_bytes })
}

/// The quantized parts of CONV_2D / DEPTHWISE_CONV_2D: uint8 filters with one scale and zero
/// point, or int8 filters with a zero point of 0 and one scale per output channel along
/// `channel_axis` (XNNPACK's qc8w kernels; the requantization scale of channel c is
/// `s_in · s_w[c] / s_out` in float32, `init_requantization_scale_qx8_qc8w` in
/// `src/operators/convolution-nhwc.c`).
struct QuantizedConv {
    centred: Vec<i16>,
    input_zero_point: i32,
    requant: Fp32Requant,
    scales: Vec<f32>,
}

fn quantized_conv(xt: &Tensor, w: &Weights, out: &Tensor, act: Activation, channels: usize, channel_axis: i32) -> Res<QuantizedConv> {
    let (xp, op_) = (params(xt)?, params(out)?);
    let (filter_scales, filter_zp) = filter_quantization(&w.filter, channels, channel_axis)?;
    let centred: Vec<i16> = match w.filter.dtype {
        TensorType::INT8 => w.filter_bytes.iter().map(|&v| v as i8 as i16 - filter_zp as i16).collect(),
        _ => w.filter_bytes.iter().map(|&v| v as i16 - filter_zp as i16).collect(),
    };
    let scales: Vec<f32> = (0..channels).map(|c| xp.scale * filter_scales[c] / op_.scale).collect();
    let (min, max) = xnn_bounds(act, out)?;
    let requant = Fp32Requant { scale: scales[0], zero_point: kparams(out)?.zero_point, min, max };
    Ok(QuantizedConv { centred, input_zero_point: kparams(xt)?.zero_point, requant, scales })
}

/// One scale per output channel (a per-tensor scale repeated) and the filter's zero point.
fn filter_quantization(t: &Tensor, channels: usize, channel_axis: i32) -> Res<(Vec<f32>, i32)> {
    let q = t.quantization.as_ref().ok_or_else(|| format!("the filter \"{}\" is not quantized", t.name))?;
    if !q.scale.iter().all(|s| s.is_normal() && *s > 0.0) {
        return Err(format!("the filter \"{}\" has a scale that is not positive", t.name));
    }
    match (t.dtype, q.scale.len(), q.zero_point.as_slice()) {
        (TensorType::UINT8, 1, [zp]) if (0..=255).contains(zp) => Ok((vec![q.scale[0]; channels], *zp as i32)),
        (TensorType::INT8, n, zps) if (n == 1 || (n == channels && q.quantized_dimension == channel_axis)) && zps.iter().all(|&z| z == 0) => {
            Ok(((0..channels).map(|c| q.scale[if n == 1 { 0 } else { c }]).collect(), 0))
        }
        (TensorType::INT8, _, _) => Err(format!(
            "the int8 filter \"{}\" needs zero points of 0 and one scale, or one per output channel along axis {channel_axis}",
            t.name
        )),
        _ => Err(format!("the filter \"{}\" needs one scale and zero point", t.name)),
    }
}

fn bias_i32(w: &Weights, n: usize) -> Res<Vec<i32>> {
    match &w.bias_bytes {
        None => Ok(vec![0; n]),
        Some(b) if b.len() == 4 * n => Ok(ints(b)),
        Some(b) => Err(format!("the bias has {} bytes; {} channels need {}", b.len(), n, 4 * n)),
    }
}

fn bias_f32(w: &Weights, n: usize) -> Res<Vec<f32>> {
    match &w.bias_bytes {
        None => Ok(vec![0.0; n]),
        Some(b) if b.len() == 4 * n => Ok(floats(b)),
        Some(b) => Err(format!("the bias has {} bytes; {} channels need {}", b.len(), n, 4 * n)),
    }
}

fn conv(model: &Model, sg: &Subgraph, op: &Operator, o: &fb::Conv2DOptionsT) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    let (batch, input, output) = conv_images(xt, out)?;
    let (_, ft) = tensor(sg, op, 1)?;
    let (kh, kw) = match ft.shape.as_slice() {
        [n, h, w, c] if *n as usize == output.c && *c as usize == input.c && *h > 0 && *w > 0 => (*h as usize, *w as usize),
        s => return Err(format!("filter shape {s:?} does not fit input {input:?} and output {output:?}")),
    };
    let strides = (o.stride_h, o.stride_w, o.dilation_h_factor, o.dilation_w_factor);
    let geometry = Geometry { batch, ..geometry(input, output, conv_window(kh, kw, strides, o.padding))? };
    let act = activation(o.fused_activation_function)?;
    accumulation_fits(kh * kw * input.c)?;
    let w = weights(model, sg, op, output.c * kh * kw * input.c)?;
    let kernel = match elem {
        Element::U8 | Element::I8 => {
            let q = quantized_conv(xt, &w, out, act, output.c, 0)?;
            let k = kh * kw * input.c;
            Kernel::QuantConv(QuantConv {
                geometry,
                weights: PackedWeights::new(&q.centred, k, k.div_ceil(2) * 2),
                bias: bias_i32(&w, output.c)?,
                input_zero_point: q.input_zero_point,
                requant: q.requant,
                scales: q.scales,
            })
        }
        Element::F32 => Kernel::FloatConv(FloatConv {
            geometry,
            weights: PackedF32::new(&floats(&w.filter_bytes), kh * kw * input.c),
            bias: bias_f32(&w, output.c)?,
            activation: act,
        }),
        other => return Err(no_kernel_for(other)),
    };
    Ok((kernel, vec![x]))
}

fn depthwise(model: &Model, sg: &Subgraph, op: &Operator, o: &fb::DepthwiseConv2DOptionsT) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    let (batch, input, output) = conv_images(xt, out)?;
    if output.c % input.c != 0 {
        return Err(format!("{} output channels are not a multiple of {} input channels", output.c, input.c));
    }
    let multiplier = output.c / input.c;
    let (_, ft) = tensor(sg, op, 1)?;
    let (kh, kw) = match ft.shape.as_slice() {
        [1, h, w, c] if *c as usize == output.c && *h > 0 && *w > 0 => (*h as usize, *w as usize),
        s => return Err(format!("filter shape {s:?} does not fit output {output:?}")),
    };
    let strides = (o.stride_h, o.stride_w, o.dilation_h_factor, o.dilation_w_factor);
    let geometry = Geometry { batch, ..geometry(input, output, conv_window(kh, kw, strides, o.padding))? };
    let act = activation(o.fused_activation_function)?;
    accumulation_fits(kh * kw)?;
    let w = weights(model, sg, op, kh * kw * output.c)?;
    let kernel = match elem {
        Element::U8 | Element::I8 => {
            let q = quantized_conv(xt, &w, out, act, output.c, 3)?;
            Kernel::QuantDepthwise(QuantDepthwise {
                geometry,
                multiplier,
                packed: (multiplier == 1).then(|| PackedTaps::new(&q.centred, kh * kw, output.c)),
                weights: q.centred,
                bias: bias_i32(&w, output.c)?,
                input_zero_point: q.input_zero_point,
                requant: q.requant,
                scales: q.scales,
            })
        }
        Element::F32 => Kernel::FloatDepthwise(FloatDepthwise {
            geometry,
            multiplier,
            weights: floats(&w.filter_bytes),
            bias: bias_f32(&w, output.c)?,
            activation: act,
        }),
        other => return Err(no_kernel_for(other)),
    };
    Ok((kernel, vec![x]))
}

fn add(sg: &Subgraph, op: &Operator, act: fb::ActivationFunctionType) -> Res<(Kernel, Vec<usize>)> {
    let (a, at, elem) = activation_input(sg, op, 0)?;
    let (b, bt, belem) = activation_input(sg, op, 1)?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    if belem != elem {
        return Err("the operands have different types".into());
    }
    let act = activation(act)?;
    if at.shape != bt.shape || at.shape != out.shape {
        return broadcast_add(act, (a, at), (b, bt), out);
    }
    let kernel = match elem {
        Element::U8 | Element::I8 => {
            let op_ = kparams(out)?;
            let (lo, hi) = xnn_bounds(act, out)?;
            let (pa, pb) = (kparams(at)?, kparams(bt)?);
            // XNNPACK's limit for its integer multipliers (xnn_create_add_nd_qu8).
            for ratio in [pa.scale / op_.scale, pb.scale / op_.scale] {
                if !(2f32.powi(-10)..2f32.powi(8)).contains(&ratio) {
                    return Err(format!("an input-to-output scale ratio of {ratio} is outside [2^-10, 2^8)"));
                }
            }
            Kernel::QuantAdd(QuantAdd::new(pa, pb, op_, lo, hi))
        }
        Element::F32 => Kernel::FloatAdd(act),
        other => return Err(no_kernel_for(other)),
    };
    Ok((kernel, vec![a, b]))
}

fn average_pool(sg: &Subgraph, op: &Operator, o: &fb::Pool2DOptionsT) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    let (input, output) = (image_shape(xt)?, image_shape(out)?);
    if input.c != output.c {
        return Err("input and output channels differ".into());
    }
    let size = |v: i32| usize::try_from(v).ok().filter(|&v| v > 0).ok_or(format!("filter size {v} is invalid"));
    let geometry = geometry(input, output, Window {
        kernel_h: size(o.filter_height)?,
        kernel_w: size(o.filter_width)?,
        stride_h: o.stride_h,
        stride_w: o.stride_w,
        dilation_h: 1,
        dilation_w: 1,
        same: o.padding == fb::Padding::SAME,
    })?;
    let act = activation(o.fused_activation_function)?;
    let (act_min, act_max) = match elem {
        Element::U8 | Element::I8 => {
            let (xp, op_) = (params(xt)?, params(out)?);
            if xp != op_ {
                return Err("quantized input and output parameters differ".into());
            }
            // Integer bounds (`CalculateActivationRangeQuantized`): the same in the shifted domain.
            let op_ = kparams(out)?;
            activation_range(act, op_.scale, op_.zero_point, 0, 255)
        }
        Element::F32 => (0, 0),
        other => return Err(no_kernel_for(other)),
    };
    let int8 = elem == Element::I8;
    Ok((Kernel::AveragePool(AveragePool { geometry, act_min, act_max, activation: act, int8 }), vec![x]))
}

fn resize(model: &Model, sg: &Subgraph, op: &Operator, align_corners: bool, half_pixel_centers: bool) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    if !matches!(elem, Element::U8 | Element::I8 | Element::F32) {
        return Err(no_kernel_for(elem));
    }
    // XNNPACK's s8 and u8 `ibilinear` kernels blend linearly: the same on shifted int8 values.
    if elem.is_quantized() && params(xt)? != params(out)? {
        return Err("quantized input and output parameters differ".into());
    }
    if elem.is_quantized() && half_pixel_centers {
        // The XNNPACK arithmetic is verified for align_corners and the legacy mapping only.
        return Err("uint8 with half_pixel_centers is not verified against TFLite yet, so it is not run".into());
    }
    let (input, output) = (image_shape(xt)?, image_shape(out)?);
    if input.c != output.c {
        return Err("input and output channels differ".into());
    }
    // TFLite resizes to the size operand; the declared output shape must agree with it.
    let (_, size_t) = tensor(sg, op, 1)?;
    match model.const_ints(size_t).as_deref() {
        Some([h, w]) if (*h, *w) == (output.h as i64, output.w as i64) => {}
        Some(s) => return Err(format!("the size operand {s:?} does not match the output shape {}×{}", output.h, output.w)),
        None => return Err("the size must be a constant".into()),
    }
    Ok((Kernel::Resize(ResizeBilinear { input, output, align_corners, half_pixel_centers }), vec![x]))
}

fn concat(sg: &Subgraph, op: &Operator, axis: i32, act: fb::ActivationFunctionType) -> Res<(Kernel, Vec<usize>)> {
    if activation(act)? != Activation::None {
        return Err("a fused activation on CONCATENATION is not supported".into());
    }
    let out = out_tensor(sg, op)?;
    let rank = out.shape.len() as i32;
    let axis = if axis < 0 { axis + rank } else { axis };
    if !(0..rank).contains(&axis) {
        return Err(format!("axis {axis} is out of range"));
    }
    let axis = axis as usize;
    let dims = |t: &Tensor| t.shape.iter().map(|&d| d.max(0) as usize).collect::<Vec<_>>();
    let outer: usize = dims(out)[..axis].iter().product();
    let (mut ids, mut inner, mut qp) = (Vec::new(), Vec::new(), Vec::new());
    let out_elem = element(out)?;
    if !matches!(out_elem, Element::U8 | Element::I8 | Element::F32) {
        return Err(no_kernel_for(out_elem));
    }
    for i in 0..op.inputs.len() {
        let (idx, t, elem) = activation_input(sg, op, i)?;
        if elem != out_elem || t.shape.len() != out.shape.len() {
            return Err("inputs must have the output's type and rank".into());
        }
        if (0..out.shape.len()).any(|d| d != axis && t.shape[d] != out.shape[d]) {
            return Err(format!("input {i}'s shape {:?} differs from the output's {:?} off the axis", t.shape, out.shape));
        }
        if elem.is_quantized() {
            qp.push(kparams(t)?);
        }
        ids.push(idx);
        inner.push(dims(t)[axis..].iter().product());
    }
    let output_params = if out_elem.is_quantized() { Some(kparams(out)?) } else { None };
    let total: usize = inner.iter().sum::<usize>() * outer;
    if total != dims(out).iter().product::<usize>() {
        return Err("the input sizes do not add up to the output".into());
    }
    Ok((Kernel::Concat(Concat { outer, inner, input_params: qp, output_params }), ids))
}

fn argmax(model: &Model, sg: &Subgraph, op: &Operator) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, _) = activation_input(sg, op, 0)?;
    let (_, at) = tensor(sg, op, 1)?;
    let axis = model.const_ints(at).and_then(|v| v.first().copied()).ok_or("the axis must be a constant")?;
    let rank = xt.shape.len() as i64;
    if axis != rank - 1 && axis != -1 {
        return Err(format!("only the last axis is supported (axis {axis})"));
    }
    let out = out_tensor(sg, op)?;
    if out.shape.as_slice() != &xt.shape[..xt.shape.len().saturating_sub(1)] {
        return Err(format!("output shape {:?} is not the input shape {:?} without its last axis", out.shape, xt.shape));
    }
    let classes = *xt.shape.last().ok_or("the input has no dimensions")? as usize;
    if classes == 0 {
        return Err("the last axis is empty".into());
    }
    let output = element(out)?;
    if !matches!(output, Element::I32 | Element::I64) {
        return Err(format!("the output is {}; ARG_MAX writes int32 or int64", output.name()));
    }
    if !matches!(element(xt)?, Element::U8 | Element::I8 | Element::F32) {
        return Err(no_kernel_for(element(xt)?));
    }
    Ok((Kernel::ArgMax(ArgMax { classes, output }), vec![x]))
}

fn slice(model: &Model, sg: &Subgraph, op: &Operator) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    same_type(elem, out_tensor(sg, op)?)?;
    let consts = |i: usize, what: &str| -> Res<Vec<i64>> {
        let (_, t) = tensor(sg, op, i)?;
        model.const_ints(t).ok_or(format!("the {what} must be a constant"))
    };
    let (begin, size) = (consts(1, "begin")?, consts(2, "size")?);
    let rank = xt.shape.len();
    if rank == 0 || rank > 4 || begin.len() != rank || size.len() != rank {
        return Err(format!("rank {rank} slices are not supported"));
    }
    let pad = 4 - rank;
    let (mut dims, mut b, mut n) = ([1usize; 4], [0usize; 4], [1usize; 4]);
    for i in 0..rank {
        let d = xt.shape[i].max(0) as usize;
        let start = usize::try_from(begin[i]).ok().filter(|&s| s <= d).ok_or(format!("begin {} is out of range", begin[i]))?;
        let len = if size[i] == -1 { d - start } else { usize::try_from(size[i]).map_err(|_| format!("size {} is invalid", size[i]))? };
        if start + len > d {
            return Err(format!("the slice {start}+{len} passes the end ({d})"));
        }
        (dims[pad + i], b[pad + i], n[pad + i]) = (d, start, len);
    }
    Ok((Kernel::Slice(Slice { input: dims, begin: b, size: n }), vec![x]))
}

/// The quantized range of a uint8 or int8 tensor.
fn type_range(e: Element) -> (i32, i32) {
    match e {
        Element::I8 => (-128, 127),
        _ => (0, 255),
    }
}

fn mean(model: &Model, sg: &Subgraph, op: &Operator) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    let (_, axes_t) = tensor(sg, op, 1)?;
    let axes = model.const_ints(axes_t).ok_or("the axes must be a constant")?;
    let shape: Vec<usize> = xt.shape.iter().map(|&d| d.max(0) as usize).collect();
    let rank = shape.len() as i64;
    let axes = axes
        .iter()
        .map(|&a| if a < 0 { a + rank } else { a })
        .map(|a| usize::try_from(a).ok().filter(|&a| (a as i64) < rank).ok_or(format!("axis {a} is out of range")))
        .collect::<Res<Vec<usize>>>()?;
    let reduction = Reduction::of(&shape, &axes)?;
    if product(&out.shape) != reduction.outer * reduction.inner {
        return Err(format!("the output shape {:?} does not fit a reduction of {:?} over {axes:?}", out.shape, xt.shape));
    }
    match elem {
        Element::U8 | Element::I8 => {
            let (xp, op_) = (params(xt)?, params(out)?);
            let (lo, hi) = type_range(elem);
            let offset = if elem == Element::I8 { INT8_OFFSET } else { 0 };
            let k = QuantMean::new(reduction, xp.scale, xp.zero_point, op_.scale, op_.zero_point, lo, hi, offset);
            Ok((Kernel::QuantMean(k), vec![x]))
        }
        Element::F32 => Ok((Kernel::FloatMean(super::float_mean::FloatMean { reduction }), vec![x])),
        other => Err(no_kernel_for(other)),
    }
}

fn quantize(sg: &Subgraph, op: &Operator) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    let out = out_tensor(sg, op)?;
    let out_elem = element(out)?;
    if !out_elem.is_quantized() {
        return Err(format!("the output is {}; QUANTIZE writes uint8 or int8", out_elem.name()));
    }
    let (lo, hi) = (0, 255);
    match elem {
        Element::F32 => Ok((Kernel::Quantize(Quantize::new(kparams(out)?, lo, hi)), vec![x])),
        e if e == out_elem => Ok((Kernel::Requantize(Requantize::new(kparams(xt)?, kparams(out)?, lo, hi)?), vec![x])),
        e => Err(format!("{} → {} is not supported", e.name(), out_elem.name())),
    }
}

fn dequantize(sg: &Subgraph, op: &Operator) -> Res<(Kernel, Vec<usize>)> {
    let (_, xt) = tensor(sg, op, 0)?;
    if xt.dtype == TensorType::FLOAT16 {
        // Constant fp16 weights were folded before compiling (`dequantize::with_folded_fp16`);
        // what reaches here is computed at run time or is a graph output.
        return Err("a float16 DEQUANTIZE is supported only on constant weights (folded when the model is compiled) whose output is not a graph output".into());
    }
    // A quantized constant is loaded (shifted like an activation) and dequantized per run.
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    if element(out_tensor(sg, op)?)? != Element::F32 {
        return Err("the output must be float32".into());
    }
    if !elem.is_quantized() {
        return Err(no_kernel_for(elem));
    }
    Ok((Kernel::Dequantize(Dequantize { input: kparams(xt)? }), vec![x]))
}

/// The quantized ADD of `at` and `bt` into `out`, XNNPACK's multipliers (`xnn_create_add_nd_qu8`
/// limits the scale ratios).
fn quant_add(at: &Tensor, bt: &Tensor, out: &Tensor, act: Activation) -> Res<QuantAdd> {
    let op_ = kparams(out)?;
    let (lo, hi) = xnn_bounds(act, out)?;
    let (pa, pb) = (kparams(at)?, kparams(bt)?);
    for ratio in [pa.scale / op_.scale, pb.scale / op_.scale] {
        if !(2f32.powi(-10)..2f32.powi(8)).contains(&ratio) {
            return Err(format!("an input-to-output scale ratio of {ratio} is outside [2^-10, 2^8)"));
        }
    }
    Ok(QuantAdd::new(pa, pb, op_, lo, hi))
}

fn broadcast_add(act: Activation, a: (usize, &Tensor), b: (usize, &Tensor), out: &Tensor) -> Res<(Kernel, Vec<usize>)> {
    let shape = |t: &Tensor| rank4(&t.shape).ok_or(format!("rank {} operands are not supported", t.shape.len()));
    let map = Broadcast::new(shape(a.1)?, shape(b.1)?, shape(out)?)
        .ok_or(format!("shapes {:?} and {:?} do not broadcast to {:?}", a.1.shape, b.1.shape, out.shape))?;
    let quant = match element(out)? {
        Element::U8 | Element::I8 => Some(quant_add(a.1, b.1, out, act)?),
        Element::F32 => None,
        other => return Err(no_kernel_for(other)),
    };
    Ok((Kernel::BroadcastAdd(BroadcastAdd { quant, activation: act, map }), vec![a.0, b.0]))
}

/// A constant operand `i` as integers.
fn const_operand(model: &Model, sg: &Subgraph, op: &Operator, i: usize, what: &str) -> Res<Vec<i64>> {
    let (_, t) = tensor(sg, op, i)?;
    model.const_ints(t).ok_or(format!("the {what} must be a constant"))
}

/// The shapes of a data-movement op's input and output, padded to rank 4.
fn moved(sg: &Subgraph, op: &Operator) -> Res<(usize, Element, [usize; 4], [usize; 4])> {
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    if elem.is_quantized() && params(xt)? != params(out)? {
        return Err("quantized input and output parameters differ".into());
    }
    let r = |t: &Tensor| rank4(&t.shape).ok_or(format!("rank {} tensors are not supported", t.shape.len()));
    Ok((x, elem, r(xt)?, r(out)?))
}

fn pad(model: &Model, sg: &Subgraph, op: &Operator) -> Res<(Kernel, Vec<usize>)> {
    let (x, elem, input, output) = moved(sg, op)?;
    let (_, xt) = tensor(sg, op, 0)?;
    let p = const_operand(model, sg, op, 1, "paddings")?;
    let rank = xt.shape.len();
    if p.len() != 2 * rank || p.iter().any(|&v| v < 0) {
        return Err(format!("paddings {p:?} do not fit a rank {rank} input"));
    }
    let mut before = [0usize; 4];
    for k in 0..rank {
        before[4 - rank + k] = p[2 * k] as usize;
        if input[4 - rank + k] + (p[2 * k] + p[2 * k + 1]) as usize != output[4 - rank + k] {
            return Err("the output shape does not match the paddings".into());
        }
    }
    let fill = if elem.is_quantized() { kparams(out_tensor(sg, op)?)?.zero_point as u8 } else { 0 };
    Ok((Kernel::Gather(super::layout::pad(input, before, output, fill)), vec![x]))
}

fn transpose(model: &Model, sg: &Subgraph, op: &Operator) -> Res<(Kernel, Vec<usize>)> {
    let (x, _, input, output) = moved(sg, op)?;
    let (_, xt) = tensor(sg, op, 0)?;
    let perm = const_operand(model, sg, op, 1, "permutation")?;
    let rank = xt.shape.len();
    let mut sorted = perm.clone();
    sorted.sort_unstable();
    if sorted != (0..rank as i64).collect::<Vec<_>>() {
        return Err(format!("{perm:?} is not a permutation of {rank} axes"));
    }
    let mut p4 = [0, 1, 2, 3];
    for k in 0..rank {
        p4[4 - rank + k] = 4 - rank + perm[k] as usize;
    }
    let g = super::layout::transpose(input, p4);
    if [input[p4[0]], input[p4[1]], input[p4[2]], input[p4[3]]] != output {
        return Err("the output shape does not match the permutation".into());
    }
    Ok((Kernel::Gather(g), vec![x]))
}

/// STRIDED_SLICE (`tflite/kernels/strided_slice.cc`; start and stop per axis as
/// `strided_slice_logic.h` `StartForAxis` / `StopForAxis` resolve them).
fn strided_slice(model: &Model, sg: &Subgraph, op: &Operator, o: &fb::StridedSliceOptionsT) -> Res<(Kernel, Vec<usize>)> {
    if o.ellipsis_mask != 0 || o.new_axis_mask != 0 || o.offset {
        return Err("ellipsis, new-axis masks and offset are not supported".into());
    }
    let (x, _, input, _) = moved(sg, op)?;
    let (_, xt) = tensor(sg, op, 0)?;
    let rank = xt.shape.len();
    let (begin, end, step) = (
        const_operand(model, sg, op, 1, "begin")?,
        const_operand(model, sg, op, 2, "end")?,
        const_operand(model, sg, op, 3, "strides")?,
    );
    if begin.len() != rank || end.len() != rank || step.len() != rank || step.contains(&0) {
        return Err(format!("begin {begin:?}, end {end:?} and strides {step:?} do not fit a rank {rank} input"));
    }
    let (mut start, mut stride, mut len) = ([0i64; 4], [1i64; 4], [1usize; 4]);
    let mut kept = Vec::new();
    for k in 0..rank {
        let dim = xt.shape[k].max(0) as i64;
        let (s, first) = (step[k], o.begin_mask & (1 << k) != 0);
        let clamp = |v: i64| if s > 0 { v.clamp(0, dim) } else { v.clamp(-1, dim - 1) };
        let from = clamp(match (first, begin[k]) {
            (true, _) => if s > 0 { 0 } else { dim - 1 },
            (false, b) if b < 0 => b + dim,
            (false, b) => b,
        });
        let to = if o.shrink_axis_mask & (1 << k) != 0 {
            from + 1
        } else if o.end_mask & (1 << k) != 0 {
            if s > 0 { dim } else { -1 }
        } else {
            clamp(if end[k] < 0 { end[k] + dim } else { end[k] })
        };
        let n = if s > 0 { (to - from + s - 1).div_euclid(s) } else { (from - to - s - 1).div_euclid(-s) };
        let n = n.max(0) as usize;
        (start[4 - rank + k], stride[4 - rank + k], len[4 - rank + k]) = (from, s, n);
        if o.shrink_axis_mask & (1 << k) == 0 {
            kept.push(n);
        }
    }
    let out = out_tensor(sg, op)?;
    if kept.iter().product::<usize>() != product(&out.shape) {
        return Err(format!("the slice has {kept:?} values but the output is {:?}", out.shape));
    }
    Ok((Kernel::Gather(super::layout::strided(input, start, stride, len)), vec![x]))
}

fn resize_nearest(model: &Model, sg: &Subgraph, op: &Operator, align_corners: bool, half_pixel_centers: bool) -> Res<(Kernel, Vec<usize>)> {
    let (x, elem, input, output) = moved(sg, op)?;
    if input[0] != 1 || input[3] != output[3] {
        return Err("a batch of 1 and the same channels in and out are needed".into());
    }
    match const_operand(model, sg, op, 1, "size")?.as_slice() {
        [h, w] if (*h, *w) == (output[1] as i64, output[2] as i64) => {}
        s => return Err(format!("the size operand {s:?} does not match the output shape")),
    }
    let g = super::layout::resize_nearest((input[1], output[1]), (input[2], output[2]), input[3], (align_corners, half_pixel_centers), elem.is_quantized());
    Ok((Kernel::Gather(g), vec![x]))
}

fn relu(sg: &Subgraph, op: &Operator, lo: f32, hi: f32) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    let (mut lo_q, mut hi_q) = (0u8, 255u8);
    match elem {
        Element::F32 => {}
        Element::U8 | Element::I8 => {
            if params(xt)? != params(out)? {
                return Err("quantized RELU with different input and output parameters is not supported".into());
            }
            // TFLite's quantized RELU with equal parameters: clamp to the quantized bounds
            // (`round(bound / scale) + zero point`).
            let p = kparams(out)?;
            let q = |v: f32| (p.zero_point as f32 + (v / p.scale).round()).clamp(0.0, 255.0) as u8;
            lo_q = q(lo);
            hi_q = if hi.is_finite() { q(hi) } else { 255 };
        }
        other => return Err(no_kernel_for(other)),
    }
    Ok((Kernel::Relu(Relu { lo, hi, lo_q, hi_q }), vec![x]))
}
