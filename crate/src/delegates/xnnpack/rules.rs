//! `Subgraph::VisitNode` (xnnpack_delegate.cc) in its detection pass (`subgraph == nullptr`):
//! one function per `Visit…Node`, in the order of the switch. Each returns `Err(reason)` with the
//! text the source logs through `TF_LITE_MAYBE_KERNEL_LOG` (only printed in builds with
//! `XNNPACK_DELEGATE_ENABLE_LOGGING`, so never seen by users), node and tensor numbers filled in.

use std::collections::HashSet;

use super::XnnpackFlags;
use crate::model::{self, BuiltinOperator as B, Model, Operator, Subgraph};

/// What a visit sees: the model, the subgraph, the flags, and the quasi-static tensors (outputs
/// of the static-unpack nodes seen so far).
pub struct Ctx<'m, 'a> {
    pub model: &'m Model<'a>,
    pub sg: &'m Subgraph,
    /// The subgraph's index in the model.
    pub si: usize,
    pub flags: &'m XnnpackFlags,
    pub quasi_static: &'m HashSet<i32>,
}

/// The delegate's registration name of a node (`EnumNameBuiltinOperator`), as its messages print it.
pub fn op_name(op: &Operator) -> String {
    model::op_name(op.code)
}

/// `Subgraph::VisitNode` for node `i`: `Ok` if XNNPACK takes it.
pub fn visit_node(ctx: &Ctx<'_, '_>, i: usize) -> Result<(), String> {
    let op = &ctx.sg.operators[i];
    match op.code {
        _ => Err(no_case(op, i)),
    }
}

/// Our message for an op `VisitNode`'s switch has no case for (it returns kTfLiteError silently).
pub fn no_case(op: &Operator, i: usize) -> String {
    let name = match (&op.custom_code, op.code) {
        (Some(c), B::CUSTOM) => format!("custom op {c}"),
        _ => op_name(op),
    };
    format!("the XNNPACK delegate has no case for {name} (node #{i})")
}
