//! `Subgraph::VisitNode` (xnnpack_delegate.cc 3154-3466) in its detection pass
//! (`subgraph == nullptr`): one function per `Visit…Node`, in the order of the switch. Each
//! returns `Err(reason)` with the text the source gives `TF_LITE_MAYBE_KERNEL_LOG` (printed only
//! in builds with `XNNPACK_DELEGATE_ENABLE_LOGGING`, so users never see it), node and tensor
//! numbers filled in. The `Check…` helpers are in [`super::checks`].
//!
//! How the runtime's view maps onto our model (as for the GPU delegates, `delegates::gpu`):
//! `builtin_data` is the options table's values, zeros when it is missing (`ParseOpData`); a
//! tensor is static (`kTfLiteMmapRo`) when it has data; dims are the file's shapes.

use std::cell::RefCell;
use std::collections::HashSet;

use super::checks::*;
use super::XnnpackFlags;
use crate::delegates::gpu::activation_number;
use crate::model::{self, BuiltinOperator as B, BuiltinOptionsT as Opts, Model, Operator, Subgraph, Tensor, TensorType as T};
use tflite_schema::tflite::{FullyConnectedOptionsWeightsFormat, Padding};

/// What a visit sees: the model, the subgraph, the flags, and the quasi-static tensors (outputs
/// of the static-unpack nodes seen so far).
pub struct Ctx<'m, 'a> {
    pub model: &'m Model<'a>,
    pub sg: &'m Subgraph,
    /// The subgraph's index in the model.
    pub si: usize,
    pub flags: &'m XnnpackFlags,
    pub quasi_static: &'m HashSet<i32>,
    /// Lines the visits really log: the MediaPipe custom ops are visited with the real context
    /// (not `logging_context`), so their messages are printed even while detecting.
    pub log: &'m RefCell<Vec<String>>,
    /// Resource variables seen so far (`Delegate::local_id_to_resources_`).
    pub resources: &'m RefCell<Resources>,
}

/// `ResourceInfo` per resource tensor (xnnpack_delegate.cc 484-530).
#[derive(Debug, Default)]
pub struct Resources {
    pub infos: std::collections::BTreeMap<i32, ResourceInfo>,
}

#[derive(Debug, Clone)]
pub struct ResourceInfo {
    pub var_handle_node: Option<usize>,
    pub proxy_value: Option<i32>,
}

impl Resources {
    fn info(&mut self, resource: i32) -> &mut ResourceInfo {
        self.infos.entry(resource).or_insert(ResourceInfo { var_handle_node: None, proxy_value: None })
    }

    /// The VAR_HANDLE nodes whose variable got a proxy value: taken at the end (7420-7427).
    pub fn delegated_var_handles(&self) -> Vec<usize> {
        self.infos.values().filter(|r| r.proxy_value.is_some()).filter_map(|r| r.var_handle_node).collect()
    }
}

/// The op name the messages print (`EnumNameBuiltinOperator`).
pub fn op_name(code: B) -> String {
    model::op_name(code)
}

type Visit = Result<(), String>;

/// One node as a visit reads it.
struct N<'c, 'm, 'a> {
    ctx: &'c Ctx<'m, 'a>,
    op: &'m Operator,
    i: usize,
}

impl<'m> N<'_, 'm, '_> {
    fn f(&self) -> &XnnpackFlags {
        self.ctx.flags
    }
    /// Input `k`: its tensor index and tensor (the source reads `tensors[-1]` for an omitted one;
    /// we refuse with a message of ours).
    fn input(&self, k: usize) -> Result<(i32, &'m Tensor), String> {
        let ti = self.op.inputs.get(k).copied().unwrap_or(-1);
        let t = self.ctx.sg.tensor(ti).ok_or_else(|| format!("node #{} has no tensor at input {k} (the delegate would read tensor #{ti})", self.i))?;
        Ok((ti, t))
    }
    fn output(&self, k: usize) -> Result<(i32, &'m Tensor), String> {
        let ti = self.op.outputs.get(k).copied().unwrap_or(-1);
        let t = self.ctx.sg.tensor(ti).ok_or_else(|| format!("node #{} has no tensor at output {k} (the delegate would read tensor #{ti})", self.i))?;
        Ok((ti, t))
    }
    fn quasi(&self, ti: i32) -> bool {
        self.ctx.quasi_static.contains(&ti)
    }
    fn ints(&self, t: &Tensor) -> Vec<i64> {
        self.ctx.model.const_ints(t).unwrap_or_default()
    }
    /// `CheckNumInputs` (exact).
    fn inputs_exactly(&self, n: usize, op: &str) -> Visit {
        let got = self.op.inputs.len();
        if got != n {
            return Err(format!("unexpected number of inputs ({got} != {n}) in node {op} #{}", self.i));
        }
        Ok(())
    }
    fn inputs_between(&self, min: usize, max: usize, op: &str) -> Visit {
        let got = self.op.inputs.len();
        if got < min || got > max {
            return Err(format!("unexpected number of inputs ({got}) in {op} node #{}", self.i));
        }
        Ok(())
    }
    fn outputs_exactly(&self, n: usize, op: &str) -> Visit {
        let got = self.op.outputs.len();
        if got != n {
            return Err(format!("unexpected number of outputs ({got} != {n}) in {op} node #{}", self.i));
        }
        Ok(())
    }
    fn outputs_between(&self, min: usize, max: usize, op: &str) -> Visit {
        let got = self.op.outputs.len();
        if got < min || got > max {
            return Err(format!("unexpected number of outputs ({got}) in {op} node #{}", self.i));
        }
        Ok(())
    }
    /// `CheckNumInputsAndOutputs`.
    fn io(&self, inputs: usize, outputs: usize, op: &str) -> Visit {
        self.inputs_exactly(inputs, op)?;
        self.outputs_exactly(outputs, op)
    }
}

/// `TfLitePadding` from the schema's (`ConvertPadding`): SAME 1, VALID 2; 0 when options are missing.
fn padding_number(p: Padding) -> i32 {
    match p {
        Padding::SAME => 1,
        Padding::VALID => 2,
        _ => 0,
    }
}

/// `Subgraph::VisitNode` for node `i`: `Ok` if XNNPACK takes it.
pub fn visit_node(ctx: &Ctx<'_, '_>, i: usize) -> Visit {
    let op = &ctx.sg.operators[i];
    let n = N { ctx, op, i };
    match op.code {
        B::ABS | B::CEIL | B::COS | B::DEQUANTIZE | B::ELU | B::EXP | B::FLOOR | B::GELU | B::HARD_SWISH | B::LEAKY_RELU
        | B::LOGISTIC | B::LOG | B::NEG | B::QUANTIZE | B::RELU | B::RELU6 | B::RELU_N1_TO_1 | B::ROUND | B::RSQRT | B::SIN
        | B::SQRT | B::SQUARE | B::TANH => unary(&n),
        B::ADD | B::DIV | B::MAXIMUM | B::MINIMUM | B::MUL | B::PRELU | B::SQUARED_DIFFERENCE | B::SUB => binary(&n),
        B::ASSIGN_VARIABLE => assign_variable(&n),
        B::AVERAGE_POOL_2D => average_pool_2d(&n),
        B::BATCH_MATMUL => batch_matmul(&n),
        B::CONCATENATION => concatenation(&n),
        B::CONV_2D => conv_2d(&n),
        B::DEPTHWISE_CONV_2D => depthwise_conv_2d(&n),
        B::DEPTH_TO_SPACE => depth_to_space(&n),
        B::EXPAND_DIMS => expand_dims(&n),
        B::FULLY_CONNECTED => fully_connected(&n),
        B::MAX_POOL_2D => max_pool_2d(&n),
        B::REDUCE_MIN | B::REDUCE_MAX | B::SUM | B::MEAN => reduce(&n),
        B::PAD => pad(&n),
        B::READ_VARIABLE => read_variable(&n),
        B::RESHAPE => reshape(&n),
        B::RESIZE_BILINEAR => resize_bilinear(&n),
        B::SLICE => slice(&n),
        B::SOFTMAX => softmax(&n),
        B::SPACE_TO_DEPTH => space_to_depth(&n),
        B::SPLIT => split(&n),
        B::STRIDED_SLICE => strided_slice(&n),
        B::TRANSPOSE => transpose(&n),
        B::TRANSPOSE_CONV => transpose_conv(&n),
        B::VAR_HANDLE => var_handle(&n),
        B::STABLEHLO_COMPOSITE => Err(format!(
            "stablehlo.composite node #{i}: XNNPACK takes only the \"odml.scaled_dot_product_attention\" composite; Delegate Doctor does not read composite names and assumes it is another (unsupported stablehlo.composite operator type)"
        )),
        B::CUSTOM => custom(&n),
        _ => Err(format!("unsupported operator type {} in node #{i}", op_name(op.code))),
    }
}

/// The custom ops of the switch's `kTfLiteBuiltinCustom` case.
fn custom(n: &N) -> Visit {
    let name = n.op.custom_code.as_deref().unwrap_or("");
    let logged = match name {
        "Convolution2DTransposeBias" => mediapipe_deconvolution(n),
        "MaxPoolingWithArgmax2D" => mediapipe_max_pooling(n),
        "MaxUnpooling2D" => mediapipe_unpooling(n),
        "odml.scaled_dot_product_attention" => return dot_attention(n),
        _ => return Err(format!("unsupported custom operator type \"{name}\" in node #{}", n.i)),
    };
    // These visits log through the real context: a refusal is an "ERROR: …" line.
    if let Err(e) = &logged {
        n.ctx.log.borrow_mut().push(format!("ERROR: {e}"));
    }
    logged
}

// ---- unary and binary (VisitUnaryNode 4588-4858, VisitBinaryNode 4389-4586) ----

fn unary(n: &N) -> Visit {
    let name = op_name(n.op.code);
    n.io(1, 1, &name)?;
    let (ii, input) = n.input(0)?;
    let (oi, output) = n.output(0)?;
    check_shape(input, 0, MAX_DIMS, ii, &name, n.i)?;
    let f = n.f();
    match n.op.code {
        B::DEQUANTIZE => {
            check_qint8_or_quint8(f, input, ii, n.i)?;
            check_float(output, oi, n.i)
        }
        B::ELU => {
            check_float_or_qint8(f, input, ii, n.i)?;
            check_float_or_qint8(f, output, oi, n.i)
        }
        B::LOGISTIC | B::TANH => {
            check_float_or_quint8(f, input, ii, n.i)?;
            check_float_or_quint8(f, output, oi, n.i)
        }
        B::LEAKY_RELU => leaky_relu(n, input, ii, output, oi),
        B::QUANTIZE => quantize(n, input, ii, output, oi),
        _ => {
            check_float(input, ii, n.i)?;
            check_float(output, oi, n.i)
        }
    }
}

fn leaky_relu(n: &N, input: &Tensor, ii: i32, output: &Tensor, oi: i32) -> Visit {
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    let alpha = match &n.op.options {
        Opts::LeakyReluOptions(o) => o.alpha,
        _ => 0.0,
    };
    if !alpha.is_normal() {
        return Err(format!("unsupported alpha {} in LEAKY_RELU node #{}", g(alpha), n.i));
    }
    let (si, so) = (scale_or(input, f32::NAN), scale_or(output, f32::NAN));
    if si.is_normal() && so.is_normal() {
        let positive = si / so;
        if !(1.0 / 256.0..=128.0).contains(&positive) {
            return Err(format!("unsupported positive input-to-output scale {} in LEAKY_RELU node #{}", g(positive), n.i));
        }
        let negative = positive * alpha;
        if !(-127.996_09..=128.0).contains(&negative) || negative.abs() < 1.0 / 256.0 {
            return Err(format!("unsupported negative input-to-output scale {} in LEAKY_RELU node #{}", g(negative), n.i));
        }
    }
    Ok(())
}

/// printf's `%g` for the values these messages print (6 significant digits, zeros trimmed).
fn g(x: f32) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let exp = x.abs().log10().floor() as i32;
    let trim = |s: String| if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if !(-4..6).contains(&exp) {
        let m = x / 10f32.powi(exp);
        return format!("{}e{}{:02}", trim(format!("{m:.5}")), if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    trim(format!("{:.*}", (5 - exp) as usize, x))
}

/// The XNNPACK datatype class of a tensor (`GetXNNPackDatatype`, for comparisons only).
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
enum Dt {
    Fp32,
    Fp16,
    Qint8,
    Qcint8,
    Quint8,
    Other,
}

fn datatype(t: &Tensor) -> Dt {
    let channels = t.quantization.as_ref().map_or(0, |q| q.scale.len());
    match t.dtype {
        T::FLOAT32 => Dt::Fp32,
        T::FLOAT16 => Dt::Fp16,
        T::INT8 if channels > 1 => Dt::Qcint8,
        T::INT8 if channels == 1 => Dt::Qint8,
        T::UINT8 if channels == 1 => Dt::Quint8,
        _ => Dt::Other,
    }
}

fn quantize(n: &N, input: &Tensor, ii: i32, output: &Tensor, oi: i32) -> Visit {
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    let (din, dout) = (datatype(input), datatype(output));
    let supported = match din {
        Dt::Fp32 | Dt::Fp16 => true,
        Dt::Qint8 | Dt::Quint8 if din == dout => {
            let ratio = scale_or(input, f32::NAN) / scale_or(output, f32::NAN);
            // Not `!range.contains`: a NaN ratio (no scales) passes, as in the source.
            #[allow(clippy::manual_range_contains)]
            let out_of_range = ratio < 1.0 / 256.0 || ratio > 128.0;
            if out_of_range {
                return Err(format!("unsupported input-to-output scale in QUANTIZE node #{}", n.i));
            }
            true
        }
        _ => false,
    };
    if !supported {
        return Err(format!(
            "unsupported combination of input type ({}) and output type ({}) in QUANTIZE node #{}",
            type_name(input),
            type_name(output),
            n.i
        ));
    }
    Ok(())
}

fn fused_activation(op: &Operator) -> i32 {
    let a = match &op.options {
        Opts::AddOptions(o) => o.fused_activation_function,
        Opts::SubOptions(o) => o.fused_activation_function,
        Opts::MulOptions(o) => o.fused_activation_function,
        Opts::DivOptions(o) => o.fused_activation_function,
        Opts::Conv2DOptions(o) => o.fused_activation_function,
        Opts::DepthwiseConv2DOptions(o) => o.fused_activation_function,
        Opts::FullyConnectedOptions(o) => o.fused_activation_function,
        Opts::Pool2DOptions(o) => o.fused_activation_function,
        Opts::TransposeConvOptions(o) => o.fused_activation_function,
        _ => return 0,
    };
    activation_number(a)
}

fn binary(n: &N) -> Visit {
    let name = op_name(n.op.code);
    n.io(2, 1, &name)?;
    let (i1, a) = n.input(0)?;
    let (i2, b) = n.input(1)?;
    let (oi, out) = n.output(0)?;
    check_shape(a, 0, MAX_DIMS, i1, &name, n.i)?;
    check_shape(b, 0, MAX_DIMS, i2, &name, n.i)?;
    let f = n.f();
    match n.op.code {
        B::ADD | B::MUL | B::SUB => {
            check_float_or_quint8(f, a, i1, n.i)?;
            check_float_or_quint8(f, b, i2, n.i)?;
            check_float_or_quint8(f, out, oi, n.i)?;
            if a.dtype != b.dtype || a.dtype != out.dtype {
                return Err(format!("unsupported mixed types in {name} operator #{}", n.i));
            }
        }
        _ => {
            check_float(a, i1, n.i)?;
            check_float(b, i2, n.i)?;
            check_float(out, oi, n.i)?;
        }
    }
    match n.op.code {
        B::ADD | B::SUB => {
            check_input_output_scale(a, out, 1.0 / 1024.0, 256.0, &name, n.i)?;
            check_input_output_scale(b, out, 1.0 / 1024.0, 256.0, &name, n.i)?;
            check_activation(fused_activation(n.op), n.i)
        }
        B::MUL => {
            check_product_output_scale(a, b, out, 1.0 / 65536.0, 256.0, &name, n.i)?;
            check_activation(fused_activation(n.op), n.i)
        }
        B::DIV => check_activation(fused_activation(n.op), n.i),
        B::PRELU => check_static_or_quasi(b, i2, n.quasi(i2), &name, n.i),
        _ => Ok(()),
    }
}

// ---- variables (VisitAssignVariableNode 3468-3504, VisitReadVariableNode 5698-5741, VisitVarHandleNode 7116-7134) ----

/// `ResourceInfo::AddProxyValue`: the variable needs a VAR_HANDLE seen before, and every value
/// it is read into or assigned from must have one type and shape.
fn add_proxy_value(n: &N, resource: i32, value: i32) -> bool {
    let mut r = n.ctx.resources.borrow_mut();
    let info = r.info(resource);
    if info.var_handle_node.is_none() {
        return false;
    }
    match info.proxy_value {
        None => {
            info.proxy_value = Some(value);
            true
        }
        Some(old) => {
            let (a, b) = (n.ctx.sg.tensor(old), n.ctx.sg.tensor(value));
            matches!((a, b), (Some(a), Some(b)) if a.dtype == b.dtype && a.shape == b.shape)
        }
    }
}

fn assign_variable(n: &N) -> Visit {
    let resource = n.op.inputs.first().copied().unwrap_or(-1);
    let (vi, value) = n.input(1)?;
    check_float_or_quint8(n.f(), value, vi, n.i)?;
    if !add_proxy_value(n, resource, vi) {
        return Err(format!(
            "ASSIGN_VARIABLE node #{}: its variable (tensor #{resource}) has no VAR_HANDLE before it, or was used with another type or shape (the source refuses without a message)",
            n.i
        ));
    }
    Ok(())
}

fn read_variable(n: &N) -> Visit {
    let resource = n.op.inputs.first().copied().unwrap_or(-1);
    let (oi, out) = n.output(0)?;
    if out.rank() == 0 {
        return Err(format!("READ_VARIABLE node #{}: a scalar variable value (tensor #{oi}) is refused (the source refuses without a message)", n.i));
    }
    check_float_or_quint8(n.f(), out, oi, n.i)?;
    if !add_proxy_value(n, resource, oi) {
        return Err(format!(
            "READ_VARIABLE node #{}: its variable (tensor #{resource}) has no VAR_HANDLE before it, or was used with another type or shape (the source refuses without a message)",
            n.i
        ));
    }
    Ok(())
}

/// VAR_HANDLE is always refused by the visit; it is taken at the end when its variable is read
/// or assigned by a taken node (`PrepareOpsToDelegate` 7420-7427).
fn var_handle(n: &N) -> Visit {
    if let Some(&resource) = n.op.outputs.first() {
        n.ctx.resources.borrow_mut().info(resource).var_handle_node = Some(n.i);
    }
    Err(format!("VAR_HANDLE node #{}: taken only if a READ_VARIABLE or ASSIGN_VARIABLE of its variable is taken", n.i))
}

// ---- pooling (VisitAveragePool2DNode 3506-3574, VisitMaxPool2DNode 5234-5301, CheckPoolingParams 2114-2173) ----

struct Pool {
    padding: i32,
    stride_w: i32,
    stride_h: i32,
    filter_w: i32,
    filter_h: i32,
    activation: i32,
}

fn pool_params(op: &Operator) -> Pool {
    match &op.options {
        Opts::Pool2DOptions(o) => Pool {
            padding: padding_number(o.padding),
            stride_w: o.stride_w,
            stride_h: o.stride_h,
            filter_w: o.filter_width,
            filter_h: o.filter_height,
            activation: activation_number(o.fused_activation_function),
        },
        _ => Pool { padding: 0, stride_w: 0, stride_h: 0, filter_w: 0, filter_h: 0, activation: 0 },
    }
}

fn check_pooling_params(p: &Pool, op: &str, node: usize) -> Visit {
    if p.stride_w <= 0 {
        return Err(format!("invalid stride width {} in {op} node #{node}", p.stride_w));
    }
    if p.stride_h <= 0 {
        return Err(format!("invalid stride height {} in {op} node #{node}", p.stride_h));
    }
    if p.filter_w <= 0 {
        return Err(format!("invalid filter width {} in {op} node #{node}", p.filter_w));
    }
    if p.filter_h <= 0 {
        return Err(format!("invalid filter height {} in {op} node #{node}", p.filter_h));
    }
    if p.stride_w > p.filter_w {
        return Err(format!("unsupported width stride {} exceeding filter width {} in {op} node #{node}", p.stride_w, p.filter_w));
    }
    if p.stride_h > p.filter_h {
        return Err(format!("unsupported height stride {} exceeding filter height {} in {op} node #{node}", p.stride_h, p.filter_h));
    }
    if p.filter_w == 1 && p.filter_h == 1 && p.stride_w.max(p.stride_h) > 1 {
        return Err(format!("unsupported pooling with 1x1 filter and {}x{} stride in {op} node #{node}", p.stride_w, p.stride_h));
    }
    Ok(())
}

fn average_pool_2d(n: &N) -> Visit {
    let name = "AVERAGE_POOL_2D";
    n.io(1, 1, name)?;
    let (ii, input) = n.input(0)?;
    check_float(input, ii, n.i)?;
    let (oi, output) = n.output(0)?;
    check_float(output, oi, n.i)?;
    let p = pool_params(n.op);
    check_pooling_params(&p, name, n.i)?;
    check_padding(p.padding, n.i)?;
    check_activation(p.activation, n.i)
}

fn max_pool_2d(n: &N) -> Visit {
    let name = "MAX_POOL_2D";
    n.io(1, 1, name)?;
    let (ii, input) = n.input(0)?;
    check_float32_or_quint8(n.f(), input, ii, n.i)?;
    let (oi, output) = n.output(0)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    let p = pool_params(n.op);
    check_pooling_params(&p, name, n.i)?;
    check_padding(p.padding, n.i)?;
    check_activation(p.activation, n.i)
}

// ---- BATCH_MATMUL (VisitBatchMatMulNode 3576-3895) ----

fn batch_matmul(n: &N) -> Visit {
    let (ai, a) = n.input(0)?;
    check_float_or_quint8(n.f(), a, ai, n.i)?;
    let (bi, b) = n.input(1)?;
    let adj_y = matches!(&n.op.options, Opts::BatchMatMulOptions(o) if o.adj_y);
    let qdim = b.rank() as i64 - if adj_y { 2 } else { 1 };
    check_float32_or_qcint8(n.f(), b, qdim, bi, n.i)?;
    let dynamically_quantized = a.dtype == T::FLOAT32 && b.dtype == T::INT8;
    if b.dtype == T::INT8 && !dynamically_quantized {
        if let Some(q) = &b.quantization {
            let zp = if q.scale.len() > 1 { q.zero_point.first().copied().unwrap_or(0) } else { legacy(b).1 };
            if zp != 0 {
                return Err(format!("failed to delegate BATCH_MATMUL node #{}. non-zero zero point {zp} of input 1 ({bi}) is not supported.", n.i));
            }
        }
    }
    let (oi, out) = n.output(0)?;
    check_float_or_quint8(n.f(), out, oi, n.i)?;
    if datatype(a) != datatype(b) && !dynamically_quantized {
        return Err(format!("unsupported mixed types in BATCH_MATMUL operator #{}", n.i));
    }
    for (ti, t) in [(ai, a), (bi, b)] {
        if t.rank() < 2 {
            return Err(format!(
                "failed to delegate BATCH_MATMUL node #{}. Unsupported number of dimensions {} for tensor #{ti}, must be at least 2",
                n.i,
                t.rank()
            ));
        }
    }
    Ok(())
}

// ---- CONCATENATION (VisitConcatenationNode 3897-3981) ----

fn concatenation(n: &N) -> Visit {
    let name = "CONCATENATION";
    n.inputs_between(2, 5, name)?;
    n.outputs_exactly(1, name)?;
    let (oi, out) = n.output(0)?;
    check_float_or_quint8(n.f(), out, oi, n.i)?;
    let axis = match &n.op.options {
        Opts::ConcatenationOptions(o) => o.axis,
        _ => 0,
    };
    let inputs: Vec<(i32, &Tensor)> = (0..n.op.inputs.len()).map(|k| n.input(k)).collect::<Result<_, _>>()?;
    if inputs.iter().any(|(_, t)| i64::from(axis) >= t.rank() as i64) {
        return Err(format!("failed to delegate CONCATENATION node #{}. Concatenating in a new dimension {axis} is not supported.", n.i));
    }
    if out.dtype == T::UINT8 {
        let (scale, zp) = legacy(out);
        for (k, (_, t)) in inputs.iter().enumerate() {
            let (s, z) = legacy(t);
            if z != zp {
                return Err(format!("Mismatching quantization zero point across the {k}th input ({z}) and the output ({zp}) for CONCATENATE operator #{}", n.i));
            }
            if s != scale {
                return Err(format!("Mismatching quantization scale across the {k}th input ({s:.6}) and the output ({scale:.6}) for CONCATENATE operator #{}", n.i));
            }
        }
    }
    for (ti, t) in inputs {
        check_float_or_quint8(n.f(), t, ti, n.i)?;
    }
    Ok(())
}

// ---- convolutions (VisitConv2DNode 3983-4204, VisitDepthwiseConv2DNode 4206-4340, CheckConvolutionParams 1930-1958) ----

/// `GetTensorType`: an fp16→fp32 DEQUANTIZE the delegate skips reads as fp16. The skip applies
/// to the weights of FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D, and a skipped DEQUANTIZE's
/// output is fp32 while its input is fp16; its type as the filter/bias check sees it is fp16.
fn weight_type(n: &N, ti: i32) -> T {
    let sg = n.ctx.sg;
    // The quasi-static test first: the producer and consumer searches each go through every
    // node, and a plan that leaves thousands of convolutions to XNNPACK (after a GPU delegate)
    // asks this twice per convolution.
    let fp16_producer = || {
        let producer = sg.operators.iter().find(|op| op.code == B::DEQUANTIZE && op.outputs.first() == Some(&ti));
        producer.is_some_and(|p| p.inputs.first().and_then(|&t| sg.tensor(t)).is_some_and(|t| t.dtype == T::FLOAT16))
    };
    let skipped = n.quasi(ti) && fp16_producer() && fp16_skipped(sg, ti);
    if skipped {
        T::FLOAT16
    } else {
        sg.tensor(ti).map_or(T::FLOAT32, |t| t.dtype)
    }
}

/// Whether every consumer of `ti` reads it as a weight of FULLY_CONNECTED, CONV_2D or
/// DEPTHWISE_CONV_2D, not as input 0 (7317-7345: then the DEQUANTIZE is "skipped").
pub fn fp16_skipped(sg: &Subgraph, ti: i32) -> bool {
    sg.operators.iter().filter(|op| op.inputs.contains(&ti)).all(|op| {
        matches!(op.code, B::FULLY_CONNECTED | B::CONV_2D | B::DEPTHWISE_CONV_2D) && op.inputs.first() != Some(&ti)
    })
}

/// `CheckFilterAndBiasTypes` (2813-2832).
fn check_filter_and_bias_types(n: &N, filter: i32, bias: i32) -> Visit {
    let ft = weight_type(n, filter);
    if matches!(ft, T::FLOAT16 | T::FLOAT32) {
        let bt = weight_type(n, bias);
        if bt != ft && !(ft == T::FLOAT16 && bt == T::FLOAT32) {
            return Err(format!("in node #{}, filter and bias types {} and {} are not the same", n.i, model::type_name(ft), model::type_name(bt)));
        }
    }
    Ok(())
}

fn check_strides_dilations(sw: i32, sh: i32, dw: i32, dh: i32, node: usize) -> Visit {
    if sw <= 0 {
        return Err(format!("invalid stride width {sw} in node #{node}"));
    }
    if sh <= 0 {
        return Err(format!("invalid stride height {sh} in node #{node}"));
    }
    if dw <= 0 {
        return Err(format!("invalid dilation width factor {dw} in node #{node}"));
    }
    if dh <= 0 {
        return Err(format!("invalid dilation height factor {dh} in node #{node}"));
    }
    Ok(())
}

/// The filter and bias checks CONV_2D and DEPTHWISE_CONV_2D share.
fn conv_weights<'m>(n: &N<'_, 'm, '_>, name: &str, qdim: i64) -> Result<((i32, &'m Tensor), i32), String> {
    let (fi, filter) = n.input(1)?;
    check_float32_or_qcint8(n.f(), filter, qdim, fi, n.i)?;
    check_rank(filter, 4, fi, name, n.i)?;
    check_static_or_quasi(filter, fi, n.quasi(fi), name, n.i)?;
    let bi = n.op.inputs.get(2).copied().unwrap_or(-1);
    if bi < 0 {
        return Err(format!("unsupported {name} node #{} without bias", n.i));
    }
    let (_, bias) = n.input(2)?;
    check_bias(n.f(), bias, bi, n.i)?;
    check_rank(bias, 1, bi, name, n.i)?;
    check_static_or_quasi(bias, bi, n.quasi(bi), name, n.i)?;
    check_filter_and_bias_types(n, fi, bi)?;
    Ok(((fi, filter), bi))
}

fn conv_2d(n: &N) -> Visit {
    let name = "CONV_2D";
    let (pad, sw, sh, dw, dh) = match &n.op.options {
        Opts::Conv2DOptions(o) => (padding_number(o.padding), o.stride_w, o.stride_h, o.dilation_w_factor, o.dilation_h_factor),
        _ => (0, 0, 0, 0, 0),
    };
    check_strides_dilations(sw, sh, dw, dh, n.i)?;
    n.io(3, 1, name)?;
    let (ii, input) = n.input(0)?;
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    check_rank(input, 4, ii, name, n.i)?;
    let ((_, filter), _) = conv_weights(n, name, 0)?;
    let (oi, output) = n.output(0)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    check_rank(output, 4, oi, name, n.i)?;
    let dynamically_quantized = !n.f().disable_dynamically_quantized_ops && input.dtype == T::FLOAT32 && filter.dtype == T::INT8;
    if input.dtype != output.dtype || (input.dtype != filter.dtype && !dynamically_quantized) {
        return Err(format!("unsupported mixed types in CONV_2D operator #{}", n.i));
    }
    let input_channels = filter.shape[3];
    let groups = if input_channels == 0 { 0 } else { input.shape[3] / input_channels };
    if groups == 0 {
        return Err(format!("groups of zero is not supported by CONV_2D operator #{}", n.i));
    }
    check_padding(pad, n.i)?;
    check_activation(fused_activation(n.op), n.i)
}

fn depthwise_conv_2d(n: &N) -> Visit {
    let name = "DEPTHWISE_CONV_2D";
    n.io(3, 1, name)?;
    let (ii, input) = n.input(0)?;
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    check_rank(input, 4, ii, name, n.i)?;
    let ((_, filter), _) = conv_weights(n, name, 3)?;
    let (oi, output) = n.output(0)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    check_rank(output, 4, oi, name, n.i)?;
    if input.dtype != output.dtype || input.dtype != filter.dtype {
        return Err(format!("unsupported mixed types in DEPTHWISE_CONV_2D operator #{}", n.i));
    }
    let output_channels = filter.shape[3];
    let (pad, sw, sh, mult, dw, dh) = match &n.op.options {
        Opts::DepthwiseConv2DOptions(o) => (padding_number(o.padding), o.stride_w, o.stride_h, o.depth_multiplier, o.dilation_w_factor, o.dilation_h_factor),
        _ => (0, 0, 0, 0, 0, 0),
    };
    if sw <= 0 {
        return Err(format!("invalid stride width {sw} in node #{}", n.i));
    }
    if sh <= 0 {
        return Err(format!("invalid stride height {sh} in node #{}", n.i));
    }
    if mult <= 0 {
        return Err(format!("invalid depth multiplier {mult} in node #{}", n.i));
    }
    if output_channels % mult != 0 {
        return Err(format!("depth multiplier {mult} is incompatible with number of output channels {output_channels} in node #{}", n.i));
    }
    if dw <= 0 {
        return Err(format!("invalid dilation width factor {dw} in node #{}", n.i));
    }
    if dh <= 0 {
        return Err(format!("invalid dilation height factor {dh} in node #{}", n.i));
    }
    check_padding(pad, n.i)?;
    check_activation(fused_activation(n.op), n.i)
}

// ---- DEPTH_TO_SPACE, EXPAND_DIMS ----

fn depth_to_space(n: &N) -> Visit {
    n.io(1, 1, "DEPTH_TO_SPACE")?;
    let (ii, input) = n.input(0)?;
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    let (oi, output) = n.output(0)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    let block = match &n.op.options {
        Opts::DepthToSpaceOptions(o) => o.block_size,
        _ => 0,
    };
    if block <= 1 {
        return Err(format!("invalid block size ({block}) in DEPTH_TO_SPACE node #{}", n.i));
    }
    Ok(())
}

/// `VisitExpandDimsNode` (4860-4931) returns kTfLiteError before any check.
fn expand_dims(n: &N) -> Visit {
    Err(format!("EXPAND_DIMS node #{}: the delegate's EXPAND_DIMS visit returns an error before any check (disabled in this source)", n.i))
}

// ---- FULLY_CONNECTED (VisitNode 3268-3276, VisitFullyConnectedNode 4933-5232) ----

fn fully_connected(n: &N) -> Visit {
    let name = "FULLY_CONNECTED";
    if n.op.version == 8 {
        return Err("Unsupported version 8 of FullyConnected.".to_string());
    }
    let (activation, format) = match &n.op.options {
        Opts::FullyConnectedOptions(o) => (activation_number(o.fused_activation_function), o.weights_format),
        _ => (0, FullyConnectedOptionsWeightsFormat::DEFAULT),
    };
    if format != FullyConnectedOptionsWeightsFormat::DEFAULT {
        return Err(format!("unsupported non-default weights format in node #{}", n.i));
    }
    n.inputs_between(2, 3, name)?;
    n.outputs_exactly(1, name)?;
    let (ii, input) = n.input(0)?;
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    let (fi, filter) = n.input(1)?;
    check_rank(filter, 2, fi, name, n.i)?;
    let dynamic_fc = n.f().dynamic_fully_connected;
    if !(dynamic_fc && filter.dtype == T::FLOAT32) {
        check_filter(n.f(), filter, 0, fi, n.i)?;
        check_static_or_quasi(filter, fi, n.quasi(fi), name, n.i)?;
    }
    let output_channels = i64::from(filter.shape[0]);
    let input_channels = i64::from(filter.shape[1]);
    let bi = n.op.inputs.get(2).copied().unwrap_or(-1);
    if bi >= 0 {
        let (_, bias) = n.input(2)?;
        if !(dynamic_fc && bias.dtype == T::FLOAT32) {
            let elements: i64 = bias.shape.iter().map(|&d| i64::from(d)).product();
            if elements != output_channels {
                return Err(format!(
                    "Fully Connected: Mismatch between number of bias elements {elements} and number of output channels {output_channels} at node {ii}"
                ));
            }
            check_bias(n.f(), bias, bi, n.i)?;
            check_static_or_quasi(bias, bi, n.quasi(bi), name, n.i)?;
        }
        check_filter_and_bias_types(n, fi, bi)?;
    }
    let (oi, output) = n.output(0)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    let low_bit = matches!(filter.dtype, T::INT2 | T::INT4 | T::INT8);
    let dynamically_quantized = !n.f().disable_dynamically_quantized_ops && matches!(input.dtype, T::FLOAT32 | T::FLOAT16) && low_bit;
    let supported_srq = input.dtype == T::INT8 && low_bit;
    if input.dtype != output.dtype || (input.dtype != filter.dtype && !(dynamically_quantized || supported_srq)) {
        return Err(format!("unsupported mixed types in FULLY_CONNECTED operator #{}", n.i));
    }
    let filter_zp = legacy(filter).1;
    if !dynamically_quantized && filter.dtype == T::INT8 && filter_zp != 0 {
        return Err(format!("unsupported zero point ({filter_zp}) for weights in FULLY_CONNECTED operator #{}", n.i));
    }
    if filter.dtype == T::INT4 && input_channels % 2 == 1 {
        return Err(format!("unsupported odd number of inputs channels ({input_channels}) in FULLY_CONNECTED operator #{}", n.i));
    }
    if filter.dtype == T::INT2 && input_channels % 4 != 0 {
        return Err(format!("unsupported non-multiple of 4 number of inputs channels ({input_channels}) in FULLY_CONNECTED operator #{}", n.i));
    }
    check_activation(activation, n.i)
}

// ---- reductions (VisitReduceNode 5303-5376) ----

fn reduce(n: &N) -> Visit {
    let name = op_name(n.op.code);
    n.io(2, 1, &name)?;
    let (ii, input) = n.input(0)?;
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    let (ai, axes) = n.input(1)?;
    check_type(axes, T::INT32, ai, n.i)?;
    check_axes_shape(axes, ai, n.i)?;
    check_static(axes, ai, &name, n.i)?;
    let values = n.ints(axes);
    let count = values.len();
    if count == 0 || (count == 1 && values[0] == 0 && input.rank() == 0) {
        return Err(format!("Not handling ill defined empty reduction in node #{}", n.i));
    }
    if count > MAX_DIMS {
        return Err(format!("unsupported number of reduction axes ({count}) in node #{}: must be <= {MAX_DIMS}", n.i));
    }
    let (oi, output) = n.output(0)?;
    check_float_or_quint8(n.f(), output, oi, n.i)
}

// ---- MediaPipe custom ops (VisitMediaPipe…Node 5378-5612) ----

fn custom_i32(n: &N, offset: usize) -> i32 {
    let data = n.ctx.model.custom_options(n.op).unwrap_or(&[]);
    crate::delegates::gpu::raw_i32(data, offset)
}

fn mediapipe_deconvolution(n: &N) -> Visit {
    let name = "CUSTOM";
    n.io(3, 1, name)?;
    let (ii, input) = n.input(0)?;
    check_float32(input, ii, n.i)?;
    check_rank(input, 4, ii, name, n.i)?;
    let (fi, filter) = n.input(1)?;
    check_float32(filter, fi, n.i)?;
    check_rank(filter, 4, fi, name, n.i)?;
    check_static_or_quasi(filter, fi, n.quasi(fi), name, n.i)?;
    let (bi, bias) = n.input(2)?;
    check_float32(bias, bi, n.i)?;
    check_rank(bias, 1, bi, name, n.i)?;
    check_static_or_quasi(bias, bi, n.quasi(bi), name, n.i)?;
    let (oi, output) = n.output(0)?;
    check_float32(output, oi, n.i)?;
    check_rank(output, 4, oi, name, n.i)?;
    // TfLiteTransposeConvParams: padding, stride_width, stride_height (builtin_op_data.h).
    let (padding, sw, sh) = (custom_i32(n, 0), custom_i32(n, 4), custom_i32(n, 8));
    if sw <= 0 {
        return Err(format!("invalid stride width {sw} in node #{}", n.i));
    }
    if sh <= 0 {
        return Err(format!("invalid stride height {sh} in node #{}", n.i));
    }
    transpose_conv_paddings(padding, (input.shape[1], input.shape[2]), (filter.shape[1], filter.shape[2]), (sh, sw), (output.shape[1], output.shape[2]), n.i)
}

/// `CheckMediaPipePoolParams` (2022-2099) on the custom op's raw `TfLitePoolParams`
/// (padding, stride_width, stride_height, filter_width, filter_height, activation).
fn mediapipe_pool_params(n: &N) -> Result<i32, String> {
    let (padding, sw, sh, fw, fh, act) = (custom_i32(n, 0), custom_i32(n, 4), custom_i32(n, 8), custom_i32(n, 12), custom_i32(n, 16), custom_i32(n, 20));
    let i = n.i;
    if sw <= 0 {
        return Err(format!("invalid stride width {sw} in node #{i}"));
    }
    if sh <= 0 {
        return Err(format!("invalid stride height {sh} in node #{i}"));
    }
    if fw <= 0 {
        return Err(format!("invalid filter width {fw} in node #{i}"));
    }
    if fh <= 0 {
        return Err(format!("invalid filter height {fh} in node #{i}"));
    }
    if fw != sw {
        return Err(format!("filter width {fw} does not match stride width {sw} in node #{i}"));
    }
    if fh != sh {
        return Err(format!("filter height {fh} does not match stride height {sh} in node #{i}"));
    }
    let logged_but_accepted = match act {
        0 => None,
        1 => Some("Relu"),
        2 => Some("ReluMinus1To1"),
        3 => Some("Relu6"),
        4 => return Err(format!("unsupported fused activation (Tanh) in node #{i}")),
        5 => return Err(format!("unsupported fused activation (Sign) in node #{i}")),
        6 => return Err(format!("unsupported fused activation (Sigmoid) in node #{i}")),
        a => return Err(format!("invalid fused activation ({a}) in node #{i}")),
    };
    if let Some(a) = logged_but_accepted {
        n.ctx.log.borrow_mut().push(format!("ERROR: unsupported fused activation ({a}) in node #{i}"));
    }
    Ok(padding)
}

fn mediapipe_max_pooling(n: &N) -> Visit {
    let name = "CUSTOM";
    n.io(1, 2, name)?;
    let (ii, input) = n.input(0)?;
    check_float32(input, ii, n.i)?;
    check_rank(input, 4, ii, name, n.i)?;
    let (vi, value) = n.output(0)?;
    check_float32(value, vi, n.i)?;
    check_rank(value, 4, vi, name, n.i)?;
    let (xi, index) = n.output(1)?;
    check_rank(index, 4, xi, name, n.i)?;
    let padding = mediapipe_pool_params(n)?;
    check_padding(padding, n.i)
}

fn mediapipe_unpooling(n: &N) -> Visit {
    let name = "CUSTOM";
    n.io(2, 1, name)?;
    let (vi, value) = n.input(0)?;
    check_float32(value, vi, n.i)?;
    check_rank(value, 4, vi, name, n.i)?;
    let (xi, index) = n.input(1)?;
    check_rank(index, 4, xi, name, n.i)?;
    let (oi, output) = n.output(0)?;
    check_float32(output, oi, n.i)?;
    check_rank(output, 4, oi, name, n.i)?;
    let padding = mediapipe_pool_params(n)?;
    check_padding(padding, n.i)?;
    if padding != 2 {
        // Logged, and still accepted (5596-5600).
        n.ctx.log.borrow_mut().push(format!("ERROR: invalid padding mode ({padding}) in node #{}", n.i));
    }
    Ok(())
}

// ---- PAD (5614-5696) ----

fn pad(n: &N) -> Visit {
    let name = "PAD";
    n.io(2, 1, name)?;
    let (ii, input) = n.input(0)?;
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    check_shape(input, 1, MAX_DIMS, ii, name, n.i)?;
    let (pi, paddings) = n.input(1)?;
    check_type(paddings, T::INT32, pi, n.i)?;
    check_paddings_shape(paddings, input.rank(), pi, n.i)?;
    check_static(paddings, pi, name, n.i)?;
    let (oi, output) = n.output(0)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    check_shape(output, 1, MAX_DIMS, oi, name, n.i)?;
    let values = n.ints(paddings);
    for (d, pair) in values.chunks(2).enumerate() {
        if pair[0] < 0 {
            return Err(format!("invalid pre-padding {} for dimension #{d} in node {}", pair[0], n.i));
        }
        if pair.get(1).is_some_and(|&p| p < 0) {
            // The source prints the pre-padding here.
            return Err(format!("invalid post-padding {} for dimension #{d} in node {}", pair[0], n.i));
        }
    }
    Ok(())
}

// ---- RESHAPE (5743-5848), RESIZE_BILINEAR (5850-5927) ----

fn reshape(n: &N) -> Visit {
    let name = "RESHAPE";
    n.inputs_between(1, 2, name)?;
    n.outputs_exactly(1, name)?;
    let (ii, input) = n.input(0)?;
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    check_shape(input, 0, MAX_DIMS, ii, name, n.i)?;
    let (oi, output) = n.output(0)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    check_shape(output, 0, MAX_DIMS, oi, name, n.i)?;
    if matches!(output.dtype, T::UINT8 | T::INT8) {
        let ((si, zi), (so, zo)) = (legacy(input), legacy(output));
        if zi != zo {
            return Err(format!("Mismatching quantization zero point across the input ({zi}) and the output ({zo}) for RESHAPE operator #{}", n.i));
        }
        if si != so {
            return Err(format!("Mismatching quantization scale across the input ({si:.6}) and the output ({so:.6}) for RESHAPE operator #{}", n.i));
        }
    }
    let new_shape: Vec<i64> = if n.op.inputs.len() == 2 {
        let (si, shape) = n.input(1)?;
        check_type(shape, T::INT32, si, n.i)?;
        check_shape_tensor_shape(shape, true, si, name, n.i)?;
        check_static(shape, si, name, n.i)?;
        n.ints(shape)
    } else {
        match &n.op.options {
            Opts::ReshapeOptions(o) => o.new_shape.iter().flatten().map(|&d| i64::from(d)).collect(),
            _ => Vec::new(),
        }
    };
    if new_shape.len() == 1 && (new_shape[0] == -1 || new_shape[0] == 0) {
        return Err(format!("Not handling legacy scalar input and output RESHAPE operator #{}", n.i));
    }
    Ok(())
}

fn resize_bilinear(n: &N) -> Visit {
    let name = "RESIZE_BILINEAR";
    n.io(2, 1, name)?;
    let (ii, input) = n.input(0)?;
    check_float32_or_quint8(n.f(), input, ii, n.i)?;
    check_rank(input, 4, ii, name, n.i)?;
    let (si, shape) = n.input(1)?;
    check_type(shape, T::INT32, si, n.i)?;
    check_shape_tensor_shape(shape, false, si, name, n.i)?;
    check_static(shape, si, name, n.i)?;
    let (oi, output) = n.output(0)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    check_rank(output, 4, oi, name, n.i)?;
    // The source loops over the shape tensor's rank (1), so it checks the first value only.
    if let Some(&dim) = n.ints(shape).first() {
        if dim <= 0 {
            return Err(format!("invalid output dimension #0 value {dim} in node {}", n.i));
        }
    }
    Ok(())
}

// ---- SLICE (5929-6020), STRIDED_SLICE (6245-6385) ----

fn slice(n: &N) -> Visit {
    let name = "SLICE";
    let (ii, input) = n.input(0)?;
    let (bi, begin) = n.input(1)?;
    let (zi, size) = n.input(2)?;
    let (oi, output) = n.output(0)?;
    check_shape_tensor_shape(begin, false, bi, name, n.i)?;
    check_static(begin, bi, name, n.i)?;
    check_int32_or_int64(begin, bi, n.i)?;
    check_shape_tensor_shape(size, false, zi, name, n.i)?;
    check_static(size, zi, name, n.i)?;
    check_int32_or_int64(size, zi, n.i)?;
    check_dimension_match(begin, size, 0, n.i, name)?;
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    if let Some(s) = n.ints(size).into_iter().find(|&s| s <= 0) {
        return Err(format!("size {s} must be positive in SLICE node #{}", n.i));
    }
    Ok(())
}

fn strided_slice(n: &N) -> Visit {
    let name = "STRIDED_SLICE";
    let (ellipsis, new_axis, shrink) = match &n.op.options {
        Opts::StridedSliceOptions(o) => (o.ellipsis_mask, o.new_axis_mask, o.shrink_axis_mask),
        _ => (0, 0, 0),
    };
    if ellipsis != 0 || new_axis != 0 || shrink != 0 {
        return Err(format!(
            "STRIDED_SLICE node #{}: ellipsis, new-axis and shrink-axis masks are refused (ellipsis_mask {ellipsis}, new_axis_mask {new_axis}, shrink_axis_mask {shrink}; the source refuses without a message)",
            n.i
        ));
    }
    let (ti, strides) = n.input(3)?;
    check_shape_tensor_shape(strides, false, ti, name, n.i)?;
    check_static(strides, ti, name, n.i)?;
    check_int32(strides, ti, n.i)?;
    for (d, s) in n.ints(strides).into_iter().enumerate() {
        if s != 1 {
            // The source's text has no space before "in".
            return Err(format!("stride at dimension {d}, {s}, must be 1in STRIDED_SLICE node #{}", n.i));
        }
    }
    let (ii, input) = n.input(0)?;
    let (bi, begin) = n.input(1)?;
    let (ei, end) = n.input(2)?;
    let (oi, output) = n.output(0)?;
    check_shape_tensor_shape(begin, false, bi, name, n.i)?;
    check_static(begin, bi, name, n.i)?;
    check_int32(begin, bi, n.i)?;
    check_shape_tensor_shape(end, false, ei, name, n.i)?;
    check_static(end, ei, name, n.i)?;
    check_int32(end, ei, n.i)?;
    for (t, label) in [(begin, "begin_tensor"), (end, "end_tensor"), (strides, "stride_tensor")] {
        if t.rank() != 1 || i64::from(t.shape[0]) != input.rank() as i64 {
            let first = n.ints(t).first().copied().unwrap_or(0);
            return Err(format!("{label} shape ({first}) must be equal to input shape ({}) in STRIDED_SLICE node #{}", input.rank(), n.i));
        }
    }
    check_dimension_match(strides, begin, 0, n.i, name)?;
    check_dimension_match(begin, end, 0, n.i, name)?;
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    check_float_or_quint8(n.f(), output, oi, n.i)
}

// ---- SOFTMAX (6022-6062), SPACE_TO_DEPTH (6064-6127), SPLIT (6129-6187), TRANSPOSE (6189-6243) ----

fn softmax(n: &N) -> Visit {
    let beta = match &n.op.options {
        Opts::SoftmaxOptions(o) => o.beta,
        _ => 0.0,
    };
    if beta != 1.0 {
        return Err(format!("unsupported beta value {beta:.7} in SOFTMAX node #{}", n.i));
    }
    n.io(1, 1, "SOFTMAX")?;
    let (ii, input) = n.input(0)?;
    check_float(input, ii, n.i)?;
    let (oi, output) = n.output(0)?;
    check_float(output, oi, n.i)
}

fn space_to_depth(n: &N) -> Visit {
    n.io(1, 1, "SPACE_TO_DEPTH")?;
    let (ii, input) = n.input(0)?;
    check_float32_or_quint8(n.f(), input, ii, n.i)?;
    let (oi, output) = n.output(0)?;
    check_float_or_quint8(n.f(), output, oi, n.i)?;
    let block = match &n.op.options {
        Opts::SpaceToDepthOptions(o) => o.block_size,
        _ => 0,
    };
    if block <= 1 {
        return Err(format!("block size ({block}) in SPACE_TO_DEPTH node #{} must be greater > 1", n.i));
    }
    let (h, w) = (input.shape.get(1).copied().unwrap_or(0), input.shape.get(2).copied().unwrap_or(0));
    if h % block != 0 {
        return Err(format!("SPACE_TO_DEPTH node #{} input height ({h}) must be divisible by block_size ({block}).", n.i));
    }
    if w % block != 0 {
        return Err(format!("SPACE_TO_DEPTH node #{} input width ({w}) must be divisible by block_size ({block}).", n.i));
    }
    Ok(())
}

fn split(n: &N) -> Visit {
    let name = "SPLIT";
    let splits = match &n.op.options {
        Opts::SplitOptions(o) => o.num_splits,
        _ => 0,
    };
    let outputs = n.op.outputs.len();
    if i64::from(splits) != outputs as i64 {
        // TF_LITE_ENSURE_EQ's text.
        return Err(format!("split_params->num_splits != num_outputs ({splits} != {outputs})"));
    }
    n.inputs_exactly(2, name)?;
    n.outputs_between(2, 4, name)?;
    let (di, dim) = n.input(0)?;
    check_type(dim, T::INT32, di, n.i)?;
    check_static(dim, di, name, n.i)?;
    let (ii, input) = n.input(1)?;
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    for k in 0..outputs {
        let (oi, output) = n.output(k)?;
        check_float_or_quint8(n.f(), output, oi, n.i)?;
    }
    Ok(())
}

fn transpose(n: &N) -> Visit {
    let name = "TRANSPOSE";
    n.io(2, 1, name)?;
    let (ii, input) = n.input(0)?;
    check_float_or_quint8(n.f(), input, ii, n.i)?;
    check_shape(input, 1, MAX_DIMS, ii, name, n.i)?;
    let (pi, perm) = n.input(1)?;
    check_static(perm, pi, name, n.i)
}

// ---- TRANSPOSE_CONV (6838-7114, CalculateTransposeConvPaddings 1805-1885) ----

/// `CalculateTransposeConvPaddings` with dilation 1.
fn transpose_conv_paddings(padding: i32, input: (i32, i32), kernel: (i32, i32), stride: (i32, i32), output: (i32, i32), node: usize) -> Visit {
    match padding {
        2 => {
            if kernel.0 > output.0 || kernel.1 > output.1 {
                return Err(format!(
                    "output smaller than effective kernel dimensions unsupported with VALID padding in TRANSPOSE_CONV node #{node}: effective kernel size {}x{} (HxW), output {}x{}",
                    kernel.0, kernel.1, output.0, output.1
                ));
            }
            Ok(())
        }
        1 => {
            // ComputePaddingHeightWidth → ComputeOutSize(SAME) on the output size: ceil(out / stride).
            let expected = ((output.0 + stride.0 - 1) / stride.0, (output.1 + stride.1 - 1) / stride.1);
            if expected != input {
                return Err(format!(
                    "inconsistent combination of parameters for TRANSPOSE_CONV op in node #{node}: computed input size {}x{} (HxW), actual {}x{}",
                    expected.0, expected.1, input.0, input.1
                ));
            }
            if kernel.0 < stride.0 || kernel.1 < stride.1 {
                return Err(format!(
                    "strides larger than effective kernel dimensions unsupported in TRANSPOSE_CONV node #{node}: kernel size {}x{} (HxW), strides {}x{}",
                    kernel.0, kernel.1, stride.0, stride.1
                ));
            }
            Ok(())
        }
        p => Err(format!("invalid padding mode ({p}) in node #{node}")),
    }
}

fn transpose_conv(n: &N) -> Visit {
    let name = "TRANSPOSE_CONV";
    n.inputs_between(3, 4, name)?;
    n.outputs_exactly(1, name)?;
    let (si, shape) = n.input(0)?;
    check_type(shape, T::INT32, si, n.i)?;
    // The source names TRANSPOSE here.
    check_shape_tensor_shape(shape, false, si, "TRANSPOSE", n.i)?;
    check_static(shape, si, name, n.i)?;
    let dims = shape.shape.first().copied().unwrap_or(0);
    if dims != 4 {
        return Err(format!("unsupported number of output shape dimensions ({dims}) in node #{}: 4 dimensions expected", n.i));
    }
    let (fi, filter) = n.input(1)?;
    check_rank(filter, 4, fi, name, n.i)?;
    check_static_or_quasi(filter, fi, n.quasi(fi), name, n.i)?;
    let (ii, input) = n.input(2)?;
    check_float32_or_quint8(n.f(), input, ii, n.i)?;
    check_rank(input, 4, ii, name, n.i)?;
    check_float32_or_qcint8(n.f(), filter, 0, fi, n.i)?;
    let bi = n.op.inputs.get(3).copied().unwrap_or(-1);
    if n.op.inputs.len() >= 4 && bi >= 0 {
        let (_, bias) = n.input(3)?;
        check_bias(n.f(), bias, bi, n.i)?;
        check_rank(bias, 1, bi, name, n.i)?;
        check_static_or_quasi(bias, bi, n.quasi(bi), name, n.i)?;
    }
    let (oi, output) = n.output(0)?;
    check_float32_or_quint8(n.f(), output, oi, n.i)?;
    check_rank(output, 4, oi, name, n.i)?;
    let out_shape = n.ints(shape);
    let at = |k: usize| out_shape.get(k).copied().unwrap_or(0) as i32;
    let (output_channels, kh, kw, input_channels) = (filter.shape[0], filter.shape[1], filter.shape[2], filter.shape[3]);
    if output_channels != at(3) {
        return Err(format!(
            "transpose convolution kernel output channel dimension ({output_channels}) doesn't match output shape channel dimension ({}) in node #{}: 4 dimensions expected",
            at(3),
            n.i
        ));
    }
    if input_channels != input.shape[3] {
        return Err(format!(
            "transpose convolution kernel input channel dimension ({input_channels}) doesn't match filter input channel ({}) in node #{}",
            input.shape[3], n.i
        ));
    }
    let (pad, sw, sh) = match &n.op.options {
        Opts::TransposeConvOptions(o) => (padding_number(o.padding), o.stride_w, o.stride_h),
        _ => (0, 0, 0),
    };
    if sw <= 0 || sh <= 0 {
        // The source divides by the strides here; a zero stride is refused by TFLite's own Prepare.
        return Err(format!("TRANSPOSE_CONV node #{}: non-positive strides {sh}x{sw} (HxW)", n.i));
    }
    transpose_conv_paddings(pad, (input.shape[1], input.shape[2]), (kh, kw), (sh, sw), (at(1), at(2)), n.i)?;
    check_activation(fused_activation(n.op), n.i)
}

// ---- odml.scaled_dot_product_attention (VisitDotAttentionNode 6404-6836) ----

fn dot_attention(n: &N) -> Visit {
    for k in 0..3 {
        let (ti, t) = n.input(k)?;
        check_float32(t, ti, n.i)?;
    }
    if n.op.inputs.len() > 3 {
        let (ti, t) = n.input(3)?;
        check_float32(t, ti, n.i)?;
    }
    let (oi, out) = n.output(0)?;
    check_float32(out, oi, n.i)
}
