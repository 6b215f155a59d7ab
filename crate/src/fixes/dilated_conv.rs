//! SPACE_TO_BATCH_ND → CONV_2D or DEPTHWISE_CONV_2D (VALID, stride 1) → BATCH_TO_SPACE_ND: the
//! form TensorFlow's converters give an atrous convolution when they do not fold it. The classic
//! GPU delegate registers no parser for the two batch ops ("Operation is not supported.",
//! tflite/delegates/gpu/common/model_builder.cc `NewOperationParser`), and NNAPI refuses a
//! BATCH_TO_SPACE_ND with crops ("All crops should be 0.", nnapi_delegate.cc Validate).
//!
//! Changes: the three ops become the convolution alone, reading the SPACE_TO_BATCH_ND input and
//! writing the BATCH_TO_SPACE_ND output, with dilation factors = the block shape and padding SAME
//! or VALID as the paddings and crops imply.
//!
//! Why it is exact: SPACE_TO_BATCH_ND pads the input with zeros (the zero point when quantized,
//! tflite/kernels/space_to_batch_nd.cc `Eval`) and splits it into block_h·block_w phases; a VALID
//! stride-1 convolution of phase (r, s) at (q, p) reads padded input rows d·(q + j) + r, which is
//! row y + j·d of output y = d·q + r; BATCH_TO_SPACE_ND interleaves the phases back and drops the
//! crops. So output o reads input rows o + crop_before − pad_before + j·d: a dilated convolution
//! whose own padding before is pad_before − crop_before. That is SAME exactly when it equals
//! ⌊(k−1)·d/2⌋ and the padding after ⌈(k−1)·d/2⌉ (tflite/kernels/padding.h
//! `ComputePaddingHeightWidth`), VALID when both are 0; the padded values are zeros in both forms.
//! Each output is the same sum of the same products; the kernels add them in the same order except
//! TFLite's builtin float CONV_2D (measured: a few ulp on < 1 % of outputs), hence "near-exact" there.

use super::{Change, Ctx, Delegate, Exactness};
use crate::model::{BuiltinOperator as B, BuiltinOptionsT as O, Operator, Subgraph, TensorType};
use crate::surgery::Draft;
use tflite_schema::tflite::Padding;

pub const ID: &str = "dilated-conv";

/// Classic GPU: the batch ops have no parser. LiteRT GPU: see `LITERT_REFUSALS`. NNAPI: crops.
pub fn cures(d: Delegate, reason: &str) -> bool {
    match d {
        Delegate::Gpu => reason == "Operation is not supported.",
        Delegate::LitertGpu => reason == "Operation is not supported.",
        Delegate::Nnapi => reason == "All crops should be 0.",
        Delegate::Xnnpack => false,
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    /// The SPACE_TO_BATCH_ND op (the change is reported at it).
    pub s2b: usize,
    s2b_out: i32,
    conv_out: i32,
    b2s_out: i32,
    input: i32,
    output: i32,
    depthwise: bool,
    float: bool,
    dilation: [i32; 2],
    padding: Padding,
}

/// The one op reading `t` at input 0, when exactly one op reads it and it is not a graph output.
fn sole_reader(sg: &Subgraph, t: i32) -> Result<usize, String> {
    let readers: Vec<usize> = (0..sg.operators.len()).filter(|&i| sg.operators[i].inputs.contains(&t)).collect();
    match readers.as_slice() {
        [r] if sg.operators[*r].inputs.first() == Some(&t) && !sg.outputs.contains(&t) => Ok(*r),
        _ => Err("an intermediate tensor has another reader or is a graph output".into()),
    }
}

fn producer(sg: &Subgraph, t: i32) -> Option<usize> {
    sg.operators.iter().position(|o| o.outputs.contains(&t))
}

/// Constant integer values of input `k` of `op`.
fn const_input(c: &Ctx<'_, '_>, op: &Operator, k: usize, what: &str) -> Result<Vec<i64>, String> {
    let t = op.input(k).and_then(|t| c.sg.tensors.get(t)).ok_or(format!("no {what}"))?;
    c.model.const_ints(t).ok_or(format!("the {what} are not constant"))
}

fn same_quantization(sg: &Subgraph, a: i32, b: i32) -> bool {
    let q = |t: i32| sg.tensor(t).map(|t| (t.dtype, t.quantization.as_ref().map(|q| (q.scale.clone(), q.zero_point.clone()))));
    q(a).is_some() && q(a) == q(b)
}

/// The three ops around op `i` (either batch op): (SPACE_TO_BATCH_ND, conv, BATCH_TO_SPACE_ND).
fn chain(sg: &Subgraph, i: usize) -> Result<[usize; 3], String> {
    let op = &sg.operators[i];
    let s2b = match op.code {
        B::SPACE_TO_BATCH_ND => i,
        B::BATCH_TO_SPACE_ND => {
            let conv = op.inputs.first().and_then(|&t| producer(sg, t)).ok_or("the input of BATCH_TO_SPACE_ND has no producer")?;
            sg.operators[conv].inputs.first().and_then(|&t| producer(sg, t)).ok_or("the convolution's input has no producer")?
        }
        _ => return Err(format!("{} is not SPACE_TO_BATCH_ND or BATCH_TO_SPACE_ND", op.type_name())),
    };
    if sg.operators[s2b].code != B::SPACE_TO_BATCH_ND {
        return Err("the convolution does not read a SPACE_TO_BATCH_ND".into());
    }
    let conv = sole_reader(sg, sg.operators[s2b].outputs[0])?;
    if !matches!(sg.operators[conv].code, B::CONV_2D | B::DEPTHWISE_CONV_2D) {
        return Err("SPACE_TO_BATCH_ND does not feed a CONV_2D or DEPTHWISE_CONV_2D".into());
    }
    let b2s = sole_reader(sg, *sg.operators[conv].outputs.first().ok_or("the convolution has no output")?)?;
    if sg.operators[b2s].code != B::BATCH_TO_SPACE_ND {
        return Err("the convolution does not feed a BATCH_TO_SPACE_ND".into());
    }
    Ok([s2b, conv, b2s])
}

/// The convolution's padding, strides and dilations must be VALID, 1 and 1.
fn plain_valid_conv(op: &Operator) -> Result<bool, String> {
    let (padding, strides, dilations, depthwise) = match &op.options {
        O::Conv2DOptions(o) => (o.padding, [o.stride_h, o.stride_w], [o.dilation_h_factor, o.dilation_w_factor], false),
        O::DepthwiseConv2DOptions(o) => (o.padding, [o.stride_h, o.stride_w], [o.dilation_h_factor, o.dilation_w_factor], true),
        _ => return Err("the convolution has no options".into()),
    };
    if padding != Padding::VALID || strides != [1, 1] || dilations != [1, 1] {
        return Err("the convolution is not VALID with stride 1 and dilation 1".into());
    }
    Ok(depthwise)
}

/// Which padding a dilated convolution needs on one axis (kernel `k`, dilation `d`) to read what
/// the chain reads: `before`/`after` = padding − crop at that end. `[valid, same]`.
fn axis_fits(k: i64, d: i64, before: i64, after: i64) -> [bool; 2] {
    let span = (k - 1) * d;
    [before == 0 && after == 0, before == span / 2 && after == span - span / 2]
}

pub fn plan(c: &Ctx<'_, '_>, i: usize) -> Result<Plan, String> {
    let sg = c.sg;
    let [s2b, conv, b2s] = chain(sg, i)?;
    let (s, cv, b) = (&sg.operators[s2b], &sg.operators[conv], &sg.operators[b2s]);
    let depthwise = plain_valid_conv(cv)?;
    let block = const_input(c, s, 1, "block shape")?;
    let pads = const_input(c, s, 2, "paddings")?;
    let crops = const_input(c, b, 2, "crops")?;
    if block.len() != 2 || pads.len() != 4 || crops.len() != 4 {
        return Err("not a 2-D block (block shape [2], paddings and crops [2, 2])".into());
    }
    if const_input(c, b, 1, "block shape")? != block {
        return Err("BATCH_TO_SPACE_ND's block shape differs from SPACE_TO_BATCH_ND's".into());
    }
    let input = s.inputs[0];
    let in_t = sg.tensor(input).ok_or("no input tensor")?;
    let filter = cv.inputs.get(1).and_then(|&t| sg.tensor(t)).ok_or("no filter")?;
    if in_t.shape.len() != 4 || filter.shape.len() != 4 || in_t.shape.iter().any(|&x| x <= 0) {
        return Err("the input or the filter is not a static 4-D tensor".into());
    }
    if !matches!(in_t.dtype, TensorType::FLOAT32 | TensorType::UINT8 | TensorType::INT8) {
        return Err(format!("the input is {:?} (float32, uint8 or int8 are handled)", in_t.dtype));
    }
    if !same_quantization(sg, input, s.outputs[0]) || !same_quantization(sg, cv.outputs[0], b.outputs[0]) {
        return Err("the batch ops change the type or quantization".into());
    }
    let mut fits = [true, true];
    for axis in 0..2 {
        let (d, k) = (block[axis], filter.shape[1 + axis] as i64);
        let (pb, pa, cb, ca) = (pads[2 * axis], pads[2 * axis + 1], crops[2 * axis], crops[2 * axis + 1]);
        if d < 1 || pb < 0 || pa < 0 || cb < 0 || ca < 0 || (in_t.shape[1 + axis] as i64 + pb + pa) % d != 0 {
            return Err("the block shape, paddings or crops are not a valid split".into());
        }
        let f = axis_fits(k, d, pb - cb, pa - ca);
        fits = [fits[0] && f[0], fits[1] && f[1]];
    }
    let padding = match fits {
        [true, _] => Padding::VALID,
        [false, true] => Padding::SAME,
        [false, false] => {
            return Err(format!(
                "paddings {pads:?} and crops {crops:?} are neither SAME nor VALID padding of a convolution dilated by {block:?}"
            ))
        }
    };
    let dilation = [i32::try_from(block[0]).map_err(|_| "block too large")?, i32::try_from(block[1]).map_err(|_| "block too large")?];
    Ok(Plan {
        s2b,
        s2b_out: s.outputs[0],
        conv_out: cv.outputs[0],
        b2s_out: b.outputs[0],
        input,
        output: b.outputs[0],
        depthwise,
        float: in_t.dtype == TensorType::FLOAT32,
        dilation,
        padding,
    })
}

/// The op writing `t` in the draft (the planner may have inserted or removed ops before it).
fn draft_producer(d: &mut Draft<'_>, t: i32) -> Option<usize> {
    d.operators().iter().position(|o| o.outputs.as_ref().is_some_and(|v| v.first() == Some(&t)))
}

pub fn apply(d: &mut Draft<'_>, p: &Plan) -> Change {
    let name = if p.depthwise { "DEPTHWISE_CONV_2D" } else { "CONV_2D" };
    let (Some(s2b), Some(conv), Some(b2s)) = (draft_producer(d, p.s2b_out), draft_producer(d, p.conv_out), draft_producer(d, p.b2s_out))
    else {
        return Change::new(ID, p.s2b, name, "nothing: the ops moved".into(), Exactness::Exact, vec![]);
    };
    // A dilated DEPTHWISE_CONV_2D needs version 2 (tflite/tools/versioning/op_version.cc
    // `GetBuiltinOperatorVersion`).
    let opcode = d.operators()[conv].opcode_index;
    if p.depthwise && d.opcode_version(opcode) < 2 {
        let v2 = d.opcode(B::DEPTHWISE_CONV_2D, 2);
        d.operators()[conv].opcode_index = v2;
    }
    let op = &mut d.operators()[conv];
    if let Some(inputs) = op.inputs.as_mut() {
        inputs[0] = p.input;
    }
    op.outputs = Some(vec![p.output]);
    match &mut op.builtin_options {
        O::Conv2DOptions(o) => (o.padding, o.dilation_h_factor, o.dilation_w_factor) = (p.padding, p.dilation[0], p.dilation[1]),
        O::DepthwiseConv2DOptions(o) => (o.padding, o.dilation_h_factor, o.dilation_w_factor) = (p.padding, p.dilation[0], p.dilation[1]),
        _ => {}
    }
    // Remove the later op first so the earlier index stays valid.
    for i in if b2s > s2b { [b2s, s2b] } else { [s2b, b2s] } {
        d.operators().remove(i);
    }
    let padding = if p.padding == Padding::SAME { "SAME" } else { "VALID" };
    let what = format!(
        "SPACE_TO_BATCH_ND → {name} → BATCH_TO_SPACE_ND folded into one {name} dilated {}×{} ({padding})",
        p.dilation[0], p.dilation[1]
    );
    // Measured (tests/python/test_gpu_fixes.py): bit-identical on XNNPACK, for uint8 and for
    // DEPTHWISE_CONV_2D; TFLite's builtin float CONV_2D adds in another order when dilated and
    // moves 0.2–0.9 % of the outputs by a few ulp (measured ≤ 9.6e-7 absolute).
    if p.float && !p.depthwise {
        let mut c = Change::new(ID, p.s2b, name, what, Exactness::NearExact, vec![p.output]);
        c.detail = "float CONV_2D: bit-identical on XNNPACK; TFLite's builtin kernel rounds a few outputs differently (a few ulp)".into();
        return c;
    }
    Change::new(ID, p.s2b, name, what, Exactness::Exact, vec![p.output])
}
