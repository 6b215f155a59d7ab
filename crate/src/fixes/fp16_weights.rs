//! fp16-weight models with a partition limit. The NNAPI delegate's fp16 path rewires every
//! supported op to read the float16 constants directly, and a partition limit then sends the ops of
//! the dropped partitions back to the CPU still rewired, where CONV_2D, DEPTHWISE_CONV_2D,
//! FULLY_CONNECTED … refuse float16 weights in Prepare and the whole delegation fails
//! (nnapi_delegate.cc DoPrepare, tflite/delegates/utils.cc; see `nnapi::fp16`).
//!
//! Changes: every DEQUANTIZE of a constant float16 tensor is removed and its float32 output tensor
//! becomes a constant holding the dequantized values, so its readers (which keep reading the same
//! tensor) see exactly what DEQUANTIZE produced. The float16 data is dropped when nothing else reads
//! it. Without any such DEQUANTIZE the delegate takes its ordinary path.
//! Why it is exact: IEEE half → single conversion is exact for every value, and it is what the
//! DEQUANTIZE kernel computes (tflite/kernels/dequantize.cc). One exception, measured with
//! ai-edge-litert 2.3.0: a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED whose bias was fp16 but
//! whose filter was float32 comes out a few ulp different on XNNPACK (which computed the original
//! differently); such folds are labelled near-exact. Models as the converter writes them store
//! filter and bias both as fp16.
//! What the app sees: the same numbers; a bigger file (4 bytes per weight instead of 2).
//! Applies when the target leaves ops reading float16 weights on the CPU, or when asked with --only.

use super::{Change, Ctx, Exactness, Delegate};
use crate::half::f16_to_f32;
use crate::model::{BuiltinOperator as B, TensorType};
use crate::nnapi::fp16::{is_const_fp16_dequantize, LEFT_ON_CPU_REASON};
use crate::surgery::Draft;

pub const ID: &str = "fp16-weights-to-fp32";

/// The reason given when the fold is asked for by name and the target does not need it.
pub const REQUESTED_REASON: &str = "fp16-weights-to-fp32 was asked for with --only";

pub fn cures(d: Delegate, reason: &str) -> bool {
    d == Delegate::Nnapi && (reason == LEFT_ON_CPU_REASON || reason == REQUESTED_REASON)
}

/// One DEQUANTIZE to fold.
#[derive(Debug, Clone)]
struct Fold {
    fp16: i32,
    output: i32,
    /// The float32 values, little-endian.
    data: Vec<u8>,
    /// The float16 tensor's buffer, when nothing else uses the tensor or the buffer.
    free_buffer: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    /// The first DEQUANTIZE (the op the change is reported at).
    op: usize,
    folds: Vec<Fold>,
    /// Ops with an fp16 bias but a float32 filter (see the module documentation).
    mixed: Vec<usize>,
}

/// Plans folding every DEQUANTIZE of a constant fp16 tensor of the primary subgraph (folding only
/// some would keep the delegate on its fp16 path). `i` is the first of them.
pub fn plan(c: &Ctx<'_, '_>, i: usize) -> Result<Plan, String> {
    let dequantizes: Vec<usize> = (0..c.sg.operators.len()).filter(|&k| is_const_fp16_dequantize(c.sg, &c.sg.operators[k])).collect();
    if !dequantizes.contains(&i) {
        return Err("not a DEQUANTIZE of a constant fp16 tensor".into());
    }
    let folds = dequantizes.iter().map(|&k| plan_one(c, k, &dequantizes)).collect::<Result<Vec<_>, _>>()?;
    let mixed = mixed_weight_ops(c, &folds);
    Ok(Plan { op: dequantizes[0], folds, mixed })
}

/// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED ops whose bias is folded but whose filter is not.
fn mixed_weight_ops(c: &Ctx<'_, '_>, folds: &[Fold]) -> Vec<usize> {
    let folded = |t: Option<&i32>| t.is_some_and(|t| folds.iter().any(|f| f.output == *t));
    c.sg.operators
        .iter()
        .enumerate()
        .filter(|(_, op)| matches!(op.code, B::CONV_2D | B::DEPTHWISE_CONV_2D | B::FULLY_CONNECTED))
        .filter(|(_, op)| folded(op.inputs.get(2)) && !folded(op.inputs.get(1)))
        .map(|(k, _)| k)
        .collect()
}

fn plan_one(c: &Ctx<'_, '_>, k: usize, dequantizes: &[usize]) -> Result<Fold, String> {
    let op = &c.sg.operators[k];
    let (&fp16, &output) = match (op.inputs.as_slice(), op.outputs.as_slice()) {
        ([a], [b]) => (a, b),
        _ => return Err(format!("DEQUANTIZE op {k} does not have one input and one output")),
    };
    let input = c.sg.tensor(fp16).ok_or_else(|| format!("op {k}: no input tensor"))?;
    let out = c.sg.tensor(output).ok_or_else(|| format!("op {k}: no output tensor"))?;
    if out.dtype != TensorType::FLOAT32 {
        return Err(format!("op {k}: the DEQUANTIZE output is {:?}, not float32", out.dtype));
    }
    if c.sg.inputs.contains(&output) || c.sg.outputs.contains(&output) {
        return Err(format!("op {k}: the dequantized tensor {:?} is a graph input or output", out.name));
    }
    let bytes = c.model.data(input).ok_or_else(|| format!("op {k}: the fp16 tensor has no data"))?;
    let elements = element_count(&out.shape).ok_or_else(|| format!("op {k}: the output shape is not a valid size"))?;
    if bytes.len() % 2 != 0 || bytes.len() / 2 != elements || element_count(&input.shape) != Some(elements) {
        return Err(format!("op {k}: the fp16 data ({} bytes) does not match the shapes", bytes.len()));
    }
    let data = bytes.chunks_exact(2).flat_map(|h| f16_to_f32(u16::from_le_bytes([h[0], h[1]])).to_le_bytes()).collect();
    Ok(Fold { fp16, output, data, free_buffer: free_buffer(c, fp16, dequantizes) })
}

fn element_count(shape: &[i32]) -> Option<usize> {
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(usize::try_from(d).ok()?))
}

/// The fp16 tensor's buffer can be emptied when only folded DEQUANTIZEs read the tensor, it is
/// no graph input or output, and no other tensor of any subgraph uses that buffer.
fn free_buffer(c: &Ctx<'_, '_>, fp16: i32, dequantizes: &[usize]) -> Option<u32> {
    let sg = c.sg;
    let other_reader = sg.operators.iter().enumerate().any(|(k, op)| !dequantizes.contains(&k) && op.inputs.contains(&fp16));
    if other_reader || sg.inputs.contains(&fp16) || sg.outputs.contains(&fp16) {
        return None;
    }
    let buffer = sg.tensor(fp16)?.buffer;
    let users = c.model.subgraphs.iter().flat_map(|s| s.tensors.iter()).filter(|t| t.buffer == buffer).count();
    (buffer != 0 && users == 1).then_some(buffer)
}

pub fn apply(d: &mut Draft<'_>, p: &Plan) -> Change {
    let mut fp16_bytes = 0;
    let mut fp32_bytes = 0;
    for f in &p.folds {
        remove_dequantize(d, f);
        d.set_data(f.output, f.data.clone());
        fp32_bytes += f.data.len();
        if let Some(b) = f.free_buffer {
            d.clear_buffer(b);
            if let Some(t) = d.tensor(f.fp16) {
                t.buffer = 0;
            }
            fp16_bytes += f.data.len() / 2;
        }
    }
    let n = p.folds.len();
    let exactness = if p.mixed.is_empty() { Exactness::Exact } else { Exactness::NearExact };
    let what = format!("{n} DEQUANTIZE op{} of constant fp16 weights → float32 constants", if n == 1 { "" } else { "s" });
    let mut c = Change::new(ID, p.op, "DEQUANTIZE", what, exactness, Vec::new());
    c.detail = format!(
        "same values, IEEE half → single is exact; the weight data grows by {} bytes ({} bytes of float32 replace {} of float16)",
        fp32_bytes - fp16_bytes,
        fp32_bytes,
        fp16_bytes
    );
    if !p.mixed.is_empty() {
        let ops: Vec<String> = p.mixed.iter().map(|k| k.to_string()).collect();
        c.detail += &format!(
            "; op{} {} had an fp16 bias with a float32 filter, which XNNPACK computed differently: a few ulp apart there (bit-identical on the builtin kernels)",
            if ops.len() == 1 { "" } else { "s" },
            ops.join(", ")
        );
    }
    c
}

/// Removes the DEQUANTIZE `f` is about, found by its tensors (other fixes may have moved ops).
fn remove_dequantize(d: &mut Draft<'_>, f: &Fold) {
    let position = d.operators().iter().position(|op| {
        op.inputs.as_deref() == Some(&[f.fp16][..]) && op.outputs.as_deref() == Some(&[f.output][..])
    });
    if let Some(k) = position {
        let opcode = d.operators()[k].opcode_index;
        if d.builtin_code(opcode) == Some(B::DEQUANTIZE) {
            d.operators().remove(k);
        }
    }
}
