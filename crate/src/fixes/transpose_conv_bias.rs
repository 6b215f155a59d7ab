//! MediaPipe's custom `Convolution2DTransposeBias` (the transposed convolution of the selfie
//! segmenters), which the NNAPI delegate refuses at every level ("Unsupported operation type.":
//! custom ops are never delegated, nnapi_delegate.cc Validate) and which a plain TFLite build cannot
//! run at all without MediaPipe's kernel ("Encountered unresolved custom op").
//!
//! The custom op's semantics, as the runtimes that implement it read it (MediaPipe's own source is
//! not at hand): inputs (data NHWC, weights OHWI [O, kh, kw, I], bias [O]), one output; its custom
//! options are a raw `TfLiteTransposeConvParams` struct — int32 padding (1 SAME, 2 VALID), int32
//! stride_width, int32 stride_height — copied as bytes (xnnpack_delegate.cc, the kTfLiteBuiltinCustom
//! case: `SafeCopyCustomData` into TfLiteTransposeConvParams, then VisitMediaPipeDeconvolutionNode;
//! gpu/common/model_builder.cc TransposeConvCustomOperationParser: `RetrieveCustomInitialData`,
//! weights from input 1, bias from input 2). No fused activation.
//!
//! Changes: the op becomes a builtin TRANSPOSE_CONV v3 (version 3 = with bias, op_version.cc) with
//! inputs (output shape as a constant int32[4] — the output tensor's shape —, the same weights, the
//! same data, the same bias) and TransposeConvOptions{padding, strides, no activation}. The custom
//! operator code stays in the table (unused: the interpreter resolves codes only for the nodes
//! that use them), so no other op's code index changes.
//! Why it is exact: both forms are the same computation with the same tensors. XNNPACK defines the
//! very same `xnn_define_deconvolution_2d` for both (same weights and bias tensors, paddings from
//! the same CalculateTransposeConvPaddings, output range ±∞: VisitMediaPipeDeconvolutionNode vs
//! VisitTransposeConvNode), so the default CPU path gives bit-identical outputs; both GPU
//! delegates parse both into the same ConvolutionTransposedAttributes. TFLite's builtin kernel
//! (transpose_conv.cc, when XNNPACK is off) computes the same sums in another order.
//! Applies for NNAPI from API 29 (TRANSPOSE_CONV needs NNAPI 1.2). XNNPACK and both GPU delegates
//! accept the custom form already (nothing to cure there); the builtin form also runs on plain
//! TFLite builds and in this project's in-page engine.

use super::{Change, Ctx, Delegate, Exactness};
use crate::model::{BuiltinOperator as B, Operator, Subgraph, Tensor, TensorType};
use crate::surgery::Draft;
use tflite_schema::tflite::Padding;

pub const ID: &str = "transpose-conv-bias";

/// MediaPipe's custom code for the op.
pub const CUSTOM_CODE: &str = "Convolution2DTransposeBias";

/// NNAPI's refusal of any op outside its list (rules.rs `dispatch`); `plan` checks the op.
pub const UNSUPPORTED: &str = "Unsupported operation type.";

/// The lowest NNAPI feature level with TRANSPOSE_CONV_2D (NNAPI 1.2 = API 29).
const NNAPI_1_2: i64 = 29;

pub fn cures(d: Delegate, reason: &str) -> bool {
    d == Delegate::Nnapi && reason == UNSUPPORTED
}

/// Whether `op` is the custom op this fix rewrites (the planner offers the fix only for it, since
/// NNAPI's refusal message is the same for every unknown op).
pub fn is_custom_transpose_conv(op: &Operator) -> bool {
    op.code == B::CUSTOM && op.custom_code.as_deref() == Some(CUSTOM_CODE)
}

/// The custom options: a `TfLiteTransposeConvParams` prefix, as XNNPACK reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    pub padding: Padding,
    pub stride_w: i32,
    pub stride_h: i32,
}

/// Reads the custom options; XNNPACK zero-fills missing bytes, which gives an unknown padding or a
/// zero stride, both refused there, so they are refused here.
pub fn parse_params(bytes: &[u8]) -> Result<Params, String> {
    let word = |i: usize| bytes.get(4 * i..4 * i + 4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let (Some(padding), Some(stride_w), Some(stride_h)) = (word(0), word(1), word(2)) else {
        return Err(format!("the custom options have {} bytes; padding and two strides need 12", bytes.len()));
    };
    let padding = match padding {
        1 => Padding::SAME,
        2 => Padding::VALID,
        p => return Err(format!("padding {p} in the custom options is neither SAME (1) nor VALID (2)")),
    };
    if stride_w <= 0 || stride_h <= 0 {
        return Err(format!("strides {stride_h}×{stride_w} are not positive"));
    }
    Ok(Params { padding, stride_w, stride_h })
}

/// The output size a transposed convolution of `input` gives along one axis (adjustment 0, the
/// only case TFLite's builtin kernel and XNNPACK compute alike).
pub fn output_extent(input: i64, kernel: i64, stride: i64, padding: Padding) -> i64 {
    if padding == Padding::SAME {
        input * stride
    } else {
        (input - 1) * stride + kernel
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    op: usize,
    params: Params,
    output_shape: Vec<i32>,
}

pub fn plan(c: &Ctx<'_, '_>, i: usize) -> Result<Plan, String> {
    let op = &c.sg.operators[i];
    if !is_custom_transpose_conv(op) {
        return Err(format!("not MediaPipe's {CUSTOM_CODE}"));
    }
    if c.delegate == Delegate::Nnapi && c.level < NNAPI_1_2 {
        return Err(format!("NNAPI runs TRANSPOSE_CONV only from API 29; this target is at feature level {}", c.level));
    }
    let bytes = c.model.custom_options(op).unwrap_or_default();
    let params = parse_params(bytes)?;
    let output_shape = check_tensors(c.sg, op, params)?;
    Ok(Plan { op: i, params, output_shape })
}

fn float_tensor<'s>(sg: &'s Subgraph, t: Option<usize>, what: &str, rank: usize) -> Result<&'s Tensor, String> {
    let t = t.and_then(|t| sg.tensors.get(t)).ok_or(format!("the {what} is missing"))?;
    if t.dtype != TensorType::FLOAT32 || t.shape.len() != rank {
        return Err(format!("the {what} is {:?}{:?}; float32 of rank {rank} is needed", t.dtype, t.shape));
    }
    Ok(t)
}

/// The checks XNNPACK's VisitMediaPipeDeconvolutionNode makes, plus a static output shape
/// consistent with the window; returns the output shape.
fn check_tensors(sg: &Subgraph, op: &Operator, p: Params) -> Result<Vec<i32>, String> {
    if op.inputs.len() != 3 || op.outputs.len() != 1 {
        return Err(format!("{} inputs and {} outputs; the op has 3 and 1", op.inputs.len(), op.outputs.len()));
    }
    let x = float_tensor(sg, op.input(0), "input", 4)?;
    let w = float_tensor(sg, op.input(1), "weights", 4)?;
    let b = float_tensor(sg, op.input(2), "bias", 1)?;
    let y = float_tensor(sg, op.output(0), "output", 4)?;
    let (o, kh, kw, ic) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3]);
    if ic != x.shape[3] || o != y.shape[3] || b.shape[0] != o {
        return Err(format!("weights {:?} and bias {:?} do not fit input {:?} and output {:?}", w.shape, b.shape, x.shape, y.shape));
    }
    if y.shape_signature.as_ref().is_some_and(|s| s.iter().any(|&d| d < 0)) || y.shape.iter().any(|&d| d <= 0) {
        return Err("the output shape is not static".into());
    }
    let expect_h = output_extent(x.shape[1] as i64, kh as i64, p.stride_h as i64, p.padding);
    let expect_w = output_extent(x.shape[2] as i64, kw as i64, p.stride_w as i64, p.padding);
    if (y.shape[1] as i64, y.shape[2] as i64) != (expect_h, expect_w) || y.shape[0] != x.shape[0] {
        return Err(format!("the output {:?} is not the {expect_h}×{expect_w} the window gives", y.shape));
    }
    Ok(y.shape.clone())
}

pub fn apply(d: &mut Draft<'_>, p: &Plan) -> Change {
    let code = d.opcode(B::TRANSPOSE_CONV, 3);
    let op = &d.operators()[p.op];
    let old_inputs = op.inputs.clone().unwrap_or_default();
    let out = op.outputs.clone().unwrap_or_default();
    let name = out.first().and_then(|&t| d.tensor(t)).and_then(|t| t.name.clone()).unwrap_or_default();
    let shape = d.add_const_i32(&format!("{name}/output_shape"), &[4], &p.output_shape);
    let options = crate::opts!(TransposeConvOptions {
        padding: p.params.padding,
        stride_w: p.params.stride_w,
        stride_h: p.params.stride_h,
    });
    let op = &mut d.operators()[p.op];
    op.opcode_index = code;
    // TRANSPOSE_CONV's inputs: (output shape, weights, data, bias).
    op.inputs = Some(vec![shape, old_inputs[1], old_inputs[0], old_inputs[2]]);
    op.builtin_options = options;
    op.custom_options = None;
    op.large_custom_options_offset = 0;
    op.large_custom_options_size = 0;
    let padding = if p.params.padding == Padding::SAME { "SAME" } else { "VALID" };
    let what = format!(
        "custom {CUSTOM_CODE} → TRANSPOSE_CONV v3 with its bias (stride {}×{}, {padding})",
        p.params.stride_h, p.params.stride_w
    );
    let mut c = Change::new(ID, p.op, CUSTOM_CODE, what, Exactness::Exact, out);
    c.detail = "the same weights, bias and window; XNNPACK builds the same deconvolution for both forms".into();
    c
}
