//! An int64 tensor between ops, written by an ARG_MAX or ARG_MIN and read by other ops, for the
//! GPU delegates. Neither GPU delegate runs an op that reads or writes a non-constant int64
//! tensor:
//! * classic GPU: no type list of `IsAllAllowedTensors` holds kTfLiteInt64 (delegates/gpu/common/
//!   model_builder.cc 3055-3077 and 3308-3342: "OP is supported, but tensor type/shape isn't
//!   compatible."), and its compatibility checks refuse int64 first for CAST ("Not supported Cast
//!   case. Input type: INT64 …", tools/versioning/gpu_compatibility.cc `CheckCastGpuDelegate-
//!   Compatibility`), GATHER ("Only accept INT32 indices", `CheckGatherGpuDelegateCompatibility`)
//!   and ONE_HOT ("Indices must be int32 type, …", `CheckOneHotGpuDelegateCompatibility`);
//! * LiteRT GPU: its tensor filter's "Tensor type(INT64) is not supported. NAME" for the ARG_MAX
//!   and each reader (ml_drift_delegate/tflite/model_builder.cc `IsAllAllowedTensors`, 6734-6762),
//!   or GATHER's compatibility message above.
//!
//! Changes: the ARG_MAX/ARG_MIN's `output_type` and the tensor's type become INT32; a CAST reader's
//! `in_data_type` becomes INT32 where it said INT64; a comparison's other operand, an int64
//! constant, is rewired to a new int32 constant with the same values (the int64 one stays in the
//! file for any other reader).
//!
//! Applies when the tensor is neither a graph input nor a graph output (so the app sees no change),
//! and every reader is one whose TFLite kernel takes int32 there and gives the same result for the
//! same values: CAST (its input), GATHER (the indices: gather.cc takes int32 or int64 positions),
//! ONE_HOT (the indices: one_hot.cc takes int32 or int64), and EQUAL, NOT_EQUAL, LESS, LESS_EQUAL,
//! GREATER, GREATER_EQUAL whose other operand is the same tensor or an int64 constant whose values
//! fit in int32 (comparisons.cc needs both operands of one type).
//!
//! Why it is exact: the indices are positions along one axis, below 2^31 for any real tensor (the
//! axis dimension is checked), so every value is the same in int32; a CAST of an integer converts
//! its value, which does not depend on the width it was held in; the gathered rows, the one-hot
//! positions and the comparisons read only the values.
//!
//! Which GPU refusals this cures: on LiteRT GPU both the ARG_MAX and its readers (the delegate then
//! takes them all, the planner checks it); on the classic GPU only the readers (it has no ARG_MAX
//! parser, so the ARG_MAX stays on the CPU and hands the readers an int32 tensor).

use super::{Change, Ctx, Delegate, Exactness};
use crate::model::{BuiltinOperator as B, BuiltinOptionsT as O, TensorType};
use crate::surgery::Draft;

pub const ID: &str = "int64-tensors";

/// The refusals an int64 arena tensor causes (see the module doc); `plan` checks that the op is
/// next to such a tensor, and the planner takes the change back if the op stays refused (ONE_HOT's
/// message and ML Drift's constant message are also given for other reasons).
pub fn cures(d: Delegate, reason: &str) -> bool {
    match d {
        Delegate::Nnapi | Delegate::Xnnpack => false,
        // Not the classic filter's "OP is supported, but tensor type/shape isn't compatible.":
        // the readers it is the first refusal of (the comparisons) do not take int32 either.
        Delegate::Gpu => {
            reason.starts_with("Not supported Cast case. Input type: INT64") || reason == GATHER_INDICES || reason == ONE_HOT_INDICES
        }
        // ML Drift's elementwise parser refuses a scalar int64 constant beside a runtime input
        // ("Can't parse inputs with const tensors.", ml_drift_delegate/tflite/model_builder.cc 2319-2321,
        // `CanParseInputsWithConstTensor` 2576),
        // which a comparison with the class map meets first; its int32 copy is taken.
        Delegate::LitertGpu => {
            reason.starts_with(super::argmax::LITERT_INT64_TENSOR) || reason == GATHER_INDICES || reason == "Can't parse inputs with const tensors."
        }
    }
}

/// `CheckGatherGpuDelegateCompatibility`'s refusal of non-int32 indices.
const GATHER_INDICES: &str = "Only accept INT32 indices";
/// `CheckOneHotGpuDelegateCompatibility`'s one message for every refusal, int64 indices among them.
const ONE_HOT_INDICES: &str =
    "Indices must be int32 type, on/off tensors must be constant, scalar, float type, axis must be -1 or last dim";

#[derive(Debug, Clone)]
pub struct Plan {
    /// The ARG_MAX / ARG_MIN writing the tensor (the change is reported there).
    pub producer: usize,
    tensor: i32,
    argmin: bool,
    /// Each comparison's int64 constant operand.
    constants: Vec<NarrowConstant>,
    /// CAST readers whose options say INT64 input.
    casts: Vec<usize>,
    /// The outputs of the ops whose refusal the change cures (checked by the planner afterwards).
    touched: Vec<i32>,
}

/// A comparison's int64 constant operand and the values of its int32 copy.
#[derive(Debug, Clone)]
struct NarrowConstant {
    op: usize,
    slot: usize,
    values: Vec<i32>,
    name: String,
    shape: Vec<i32>,
}

fn is_comparison(code: B) -> bool {
    matches!(code, B::EQUAL | B::NOT_EQUAL | B::LESS | B::LESS_EQUAL | B::GREATER | B::GREATER_EQUAL)
}

/// The non-constant int64 tensor op `i` reads or writes that an ARG_MAX/ARG_MIN writes.
fn argmax_tensor(c: &Ctx<'_, '_>, i: usize) -> Result<(usize, i32), String> {
    let op = &c.sg.operators[i];
    let int64_arena = |t: &&i32| c.sg.tensor(**t).is_some_and(|x| x.dtype == TensorType::INT64 && !x.is_const());
    let candidates: Vec<i32> = op.inputs.iter().chain(&op.outputs).filter(int64_arena).copied().collect();
    let producer_of = |t: i32| c.sg.operators.iter().position(|o| o.outputs.contains(&t));
    for &t in &candidates {
        if let Some(p) = producer_of(t).filter(|&p| matches!(c.sg.operators[p].code, B::ARG_MAX | B::ARG_MIN)) {
            return Ok((p, t));
        }
    }
    Err(if candidates.is_empty() {
        "the op has no non-constant int64 tensor".into()
    } else {
        "its int64 tensor is not written by an ARG_MAX or ARG_MIN".into()
    })
}

pub fn plan(c: &Ctx<'_, '_>, i: usize) -> Result<Plan, String> {
    let (producer, tensor) = argmax_tensor(c, i)?;
    if c.sg.outputs.contains(&tensor) || c.sg.inputs.contains(&tensor) {
        return Err("the int64 tensor is a graph input or output (argmax-int32 changes an output that nothing reads)".into());
    }
    let argmax = &c.sg.operators[producer];
    let dims_fit = c.sg.tensor(argmax.inputs.first().copied().unwrap_or(-1)).is_some_and(|t| t.shape.iter().all(|&d| d < i32::MAX));
    if !dims_fit {
        return Err("an input dimension of the ARG_MAX does not fit in int32".into());
    }
    let mut p = Plan { producer, tensor, argmin: argmax.code == B::ARG_MIN, constants: Vec::new(), casts: Vec::new(), touched: Vec::new() };
    if c.delegate == Delegate::LitertGpu {
        p.touched.push(tensor);
    }
    let readers: Vec<usize> = (0..c.sg.operators.len()).filter(|&k| c.sg.operators[k].inputs.contains(&tensor)).collect();
    if readers.is_empty() {
        return Err("nothing reads the int64 tensor".into());
    }
    for k in readers {
        plan_reader(c, k, &mut p)?;
        p.touched.extend(c.sg.operators[k].outputs.iter().copied());
    }
    Ok(p)
}

/// Checks that reader `k` gives the same results on int32 and adds what it needs to the plan.
fn plan_reader(c: &Ctx<'_, '_>, k: usize, p: &mut Plan) -> Result<(), String> {
    let op = &c.sg.operators[k];
    let slots: Vec<usize> = (0..op.inputs.len()).filter(|&s| op.inputs[s] == p.tensor).collect();
    let refuse = |why: &str| Err(format!("op {k} ({}) reads the int64 tensor {why}", op.type_name()));
    match op.code {
        B::CAST if slots == [0] => {
            if matches!(&op.options, O::CastOptions(o) if o.in_data_type == TensorType::INT64) {
                p.casts.push(k);
            }
            Ok(())
        }
        B::GATHER if slots == [1] => Ok(()),
        B::ONE_HOT if slots == [0] => Ok(()),
        code if is_comparison(code) && op.inputs.len() == 2 => {
            if slots.len() == 2 {
                return Ok(());
            }
            let other = 1 - slots[0];
            let t = c.sg.tensor(op.inputs[other]).ok_or("a comparison without its other operand")?;
            if t.dtype != TensorType::INT64 || !t.is_const() {
                return refuse("beside an operand that is not an int64 constant");
            }
            let values = c.model.const_ints(t).ok_or("the other operand's data cannot be read")?;
            let narrow: Result<Vec<i32>, _> = values.iter().map(|&v| i32::try_from(v)).collect();
            let narrow = narrow.map_err(|_| format!("op {k}'s int64 constant has a value that does not fit in int32"))?;
            p.constants.push(NarrowConstant { op: k, slot: other, values: narrow, name: t.name.clone(), shape: t.shape.clone() });
            Ok(())
        }
        _ => refuse("where int32 would change the op (only CAST, GATHER indices, ONE_HOT indices and comparisons are rewired)"),
    }
}

pub fn apply(d: &mut Draft<'_>, p: &Plan) -> Change {
    let op = &mut d.operators()[p.producer];
    match &mut op.builtin_options {
        O::ArgMaxOptions(a) => a.output_type = TensorType::INT32,
        O::ArgMinOptions(a) => a.output_type = TensorType::INT32,
        other => {
            *other = if p.argmin {
                crate::opts!(ArgMinOptions { output_type: TensorType::INT32 })
            } else {
                crate::opts!(ArgMaxOptions { output_type: TensorType::INT32 })
            };
        }
    }
    let name = d.tensor(p.tensor).map(|t| {
        t.type_ = TensorType::INT32;
        t.name.clone().unwrap_or_default()
    });
    for &k in &p.casts {
        if let O::CastOptions(o) = &mut d.operators()[k].builtin_options {
            o.in_data_type = TensorType::INT32;
        }
    }
    for c in &p.constants {
        let t = d.add_const_i32(&format!("{}/int32", c.name), &c.shape, &c.values);
        if let Some(s) = d.operators()[c.op].inputs.as_mut().and_then(|v| v.get_mut(c.slot)) {
            *s = t;
        }
    }
    let op_type = if p.argmin { "ARG_MIN" } else { "ARG_MAX" };
    let mut what = format!("int64 tensor {:?} → int32 (output type and its readers", name.unwrap_or_default());
    if !p.constants.is_empty() {
        what += &format!(", {} int64 constant{} beside it → int32", p.constants.len(), if p.constants.len() == 1 { "" } else { "s" });
    }
    what += ")";
    Change::new(ID, p.producer, op_type, what, Exactness::Exact, p.touched.clone())
}
