//! ARG_MAX / ARG_MIN with an int64 output, refused at every level ("NNAPI only supports int32
//! output.", nnapi_delegate.cc).
//!
//! Changes: `output_type` in the options and the output tensor's type become INT32.
//! Why it is exact: the indices are positions along one axis, below 2^31 for any real tensor.
//! What the app sees: its output buffer holds int32 instead of int64 values (half the bytes).
//! Applies only when nothing in the graph reads the output (it is a graph output or unused), so no
//! other op's input type changes.

use super::{Change, Ctx, Delegate, Exactness};
use crate::model::{BuiltinOperator as B, BuiltinOptionsT as O, TensorType};
use crate::surgery::Draft;

pub const ID: &str = "argmax-int32";

/// NNAPI: "NNAPI only supports int32 output." (nnapi_delegate.cc, Validate of ARG_MAX/ARG_MIN).
/// LiteRT GPU: its tensor filter's "Tensor type(INT64) is not supported. NAME" (ml_drift_delegate
/// model_builder.cc `IsAllAllowedTensors`; `plan` checks that the int64 tensor is this op's output,
/// and the planner takes the change back if the op is still refused). The classic GPU delegate has
/// no ARG_MAX parser at all ("Operation is not supported."): nothing to cure there.
pub fn cures(d: Delegate, reason: &str) -> bool {
    match d {
        Delegate::Nnapi => reason == "NNAPI only supports int32 output.",
        Delegate::LitertGpu => reason.starts_with(LITERT_INT64_TENSOR),
        Delegate::Gpu | Delegate::Xnnpack => false,
    }
}

/// The start of LiteRT GPU's refusal of an int64 arena tensor.
pub const LITERT_INT64_TENSOR: &str = "Tensor type(INT64) is not supported.";

#[derive(Debug, Clone)]
pub struct Plan {
    op: usize,
    graph_output: bool,
    argmin: bool,
}

fn output_type(o: &O) -> Option<TensorType> {
    match o {
        O::ArgMaxOptions(a) => Some(a.output_type),
        O::ArgMinOptions(a) => Some(a.output_type),
        _ => None,
    }
}

pub fn plan(c: &Ctx<'_, '_>, i: usize) -> Result<Plan, String> {
    let op = &c.sg.operators[i];
    if !matches!(op.code, B::ARG_MAX | B::ARG_MIN) {
        return Err("not an ARG_MAX or ARG_MIN".into());
    }
    if output_type(&op.options) == Some(TensorType::INT32) {
        return Err("the output is already int32".into());
    }
    let out = *op.outputs.first().ok_or("the op has no output")?;
    let t = c.sg.tensor(out).ok_or("the op has no output")?;
    if t.dtype != TensorType::INT64 {
        return Err(format!("the output tensor is {:?}, not int64", t.dtype));
    }
    if c.sg.operators.iter().any(|o| o.inputs.contains(&out)) {
        return Err("another op reads the int64 output; changing its type would change that op".into());
    }
    let dims_fit = c.sg.tensor(op.inputs[0]).is_some_and(|t| t.shape.iter().all(|&d| d < i32::MAX));
    if !dims_fit {
        return Err("an input dimension does not fit in int32".into());
    }
    Ok(Plan { op: i, graph_output: c.sg.outputs.contains(&out), argmin: op.code == B::ARG_MIN })
}

pub fn apply(d: &mut Draft<'_>, p: &Plan) -> Change {
    let op = &mut d.operators()[p.op];
    let name = if p.argmin { "ARG_MIN" } else { "ARG_MAX" };
    match &mut op.builtin_options {
        O::ArgMaxOptions(a) => a.output_type = TensorType::INT32,
        O::ArgMinOptions(a) => a.output_type = TensorType::INT32,
        other => {
            // A missing options table reads as "no type": write a proper one.
            *other = if p.argmin {
                crate::opts!(ArgMinOptions { output_type: TensorType::INT32 })
            } else {
                crate::opts!(ArgMaxOptions { output_type: TensorType::INT32 })
            };
        }
    }
    let out = op.outputs.as_ref().and_then(|o| o.first().copied()).unwrap_or(-1);
    if let Some(t) = d.tensor(out) {
        t.type_ = TensorType::INT32;
    }
    let mut c = Change::new(ID, p.op, name, "output type int64 → int32".into(), Exactness::Exact, vec![out]);
    if p.graph_output {
        c.detail = "the app's output buffer changes from int64 to int32".into();
    }
    c
}
