//! Constant int64 operands (PAD paddings, TRANSPOSE perm, RESHAPE shape, MEAN/SUM axes, SLICE and
//! STRIDED_SLICE begin/end/strides, ARG_MAX axis, TILE multiples, …) of ops NNAPI would run.
//! NNAPI has no int64 operands: an accepted op with one makes building the NNAPI model fail
//! ("Failed to add NN API tensor: type INT64 is not supported.", nnapi_delegate.cc), and some ops
//! refuse them in Validate ("Begin type should be Int32", "Multipliers should be Int32", …).
//! The GPU delegates refuse some of them too (see `cures`).
//!
//! Changes: each such input is rewired to a new int32 constant with the same values (the int64
//! tensor stays in the file for any other reader). Why it is exact: every kernel involved accepts
//! int32 for these operands, and the values fit (checked).

use super::{Change, Ctx, Delegate, Exactness};
use crate::model::{BuiltinOperator as B, Operator, TensorType};
use crate::surgery::Draft;

pub const ID: &str = "int64-constants";

/// The NNAPI Validate messages this fix removes (the int64 value is read where int32 is
/// required), and the GPU delegates' refusals of constant int64 operands. Their tensor filters
/// look at arena tensors only, but their op checks do not:
/// * both: `CheckAxesAreInt32Const` ("MEAN supports int32 tensor for axes. But node has INT64",
///   tflite/tools/versioning/gpu_compatibility.cc 232-244; MEAN, SUM, REDUCE_*) and
///   `CheckGatherGpuDelegateCompatibility` ("Only accept INT32 indices", 833-850);
/// * LiteRT GPU: a constant read as int32 values (`PreCheckCopyData<int32_t>`,
///   ml_drift_delegate/tflite/operation_parser.h ~196) whose bytes are 8 per element: "src has
///   wrong size." (PAD paddings, TRANSPOSE perm, …; `plan` checks there is an int64 operand, and
///   the planner takes the change back if the op stays refused).
pub fn cures(d: Delegate, reason: &str) -> bool {
    match d {
        Delegate::Nnapi => cures_nnapi(reason),
        Delegate::Gpu => cures_gpu(reason),
        Delegate::LitertGpu => cures_gpu(reason) || reason == "src has wrong size.",
        // Not studied for XNNPACK yet: no XNNPACK refusal is claimed.
        Delegate::Xnnpack => false,
    }
}

fn cures_gpu(reason: &str) -> bool {
    reason.ends_with(" supports int32 tensor for axes. But node has INT64") || reason == "Only accept INT32 indices"
}

fn cures_nnapi(reason: &str) -> bool {
    const MESSAGES: [&str; 9] = [
        "Begin type should be Int32",
        "Size type should be Int32",
        "Multipliers should be Int32",
        "NNAPI only supports constant int32 axis tensor.",
        "K param should be a constant of type Int32",
        "Positions type should be one of kTfLiteInt32",
        "NNAPI only supports constant int32 size_splits vector.",
        "Axis should be Int32",
        "NNAPI only supports axis as int32. If the axis type is int64 and constant we can convert it",
    ];
    MESSAGES.iter().any(|m| reason.starts_with(m)) || reason.starts_with("Failed to add NN API tensor: type INT64")
}

/// Which inputs of an op are shape-like operands that kernels accept as int32 too.
fn operand_inputs(op: &Operator) -> &'static [usize] {
    match op.code {
        B::PAD | B::PADV2 | B::MIRROR_PAD | B::TRANSPOSE | B::RESHAPE | B::TILE | B::EXPAND_DIMS => &[1],
        B::MEAN | B::SUM | B::REDUCE_MAX | B::REDUCE_MIN | B::REDUCE_PROD | B::REDUCE_ANY => &[1],
        B::ARG_MAX | B::ARG_MIN | B::GATHER | B::TOPK_V2 => &[1],
        B::SLICE => &[1, 2],
        B::STRIDED_SLICE => &[1, 2, 3],
        B::SPACE_TO_BATCH_ND | B::BATCH_TO_SPACE_ND => &[1, 2],
        B::SPLIT => &[0],
        B::SPLIT_V => &[1, 2],
        B::RESIZE_BILINEAR | B::RESIZE_NEAREST_NEIGHBOR => &[1],
        _ => &[],
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    op: usize,
    /// (input slot, values, original tensor name)
    operands: Vec<(usize, Vec<i32>, String, Vec<i32>)>,
    op_type: String,
}

pub fn plan(c: &Ctx<'_, '_>, i: usize) -> Result<Plan, String> {
    let op = &c.sg.operators[i];
    let mut operands = Vec::new();
    for &k in operand_inputs(op) {
        let Some(t) = op.input(k).and_then(|t| c.sg.tensors.get(t)) else { continue };
        if t.dtype != TensorType::INT64 {
            continue;
        }
        let values = c.model.const_ints(t).ok_or_else(|| format!("input {k} is int64 but not constant"))?;
        let narrow: Result<Vec<i32>, _> = values.iter().map(|&v| i32::try_from(v)).collect();
        let narrow = narrow.map_err(|_| format!("input {k} has a value that does not fit in int32"))?;
        operands.push((k, narrow, t.name.clone(), t.shape.clone()));
    }
    if operands.is_empty() {
        return Err("no constant int64 operand".into());
    }
    Ok(Plan { op: i, operands, op_type: op.type_name() })
}

pub fn apply(d: &mut Draft<'_>, p: &Plan) -> Change {
    let mut names = Vec::new();
    for (k, values, name, shape) in &p.operands {
        let t = d.add_const_i32(&format!("{name}/int32"), shape, values);
        if let Some(slot) = d.operators()[p.op].inputs.as_mut().and_then(|v| v.get_mut(*k)) {
            *slot = t;
        }
        names.push(format!("{name:?}"));
    }
    let out = d.operators()[p.op].outputs.clone().unwrap_or_default();
    Change::new(ID, p.op, &p.op_type, format!("int64 constant {} → int32", names.join(", ")), Exactness::Exact, out)
}
