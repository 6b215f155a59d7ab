//! Which tensor, if any, the interpreter will make dynamic-sized when it prepares a subgraph.
//!
//! `Subgraph::ModifyGraphWithDelegate` (tflite/core/subgraph.cc) prepares every op before handing
//! the graph to a delegate that does not allow dynamic tensors; the first op whose output is
//! dynamic makes the whole delegation fail. An output becomes dynamic when the kernel cannot compute
//! its shape in Prepare: the kernels in tflite/kernels/*.cc call `SetTensorToDynamic` when a
//! shape-deciding input (a size, an axis, paddings, …) is neither a constant from the file nor a
//! value computed at Prepare time (`kTfLitePersistentRo`, e.g. the output of SHAPE).
//!
//! This is a static approximation of that behaviour for the builtin kernels; it is listed per op so
//! that it can be read against the kernels.

use crate::model::{BuiltinOperator as B, Operator, Subgraph};

/// Inputs whose values decide the output shape; `None` = the output is always dynamic.
fn shape_inputs(op: &Operator) -> Option<&'static [usize]> {
    Some(match op.code {
        B::ARG_MAX | B::ARG_MIN => &[1],
        B::BATCH_TO_SPACE_ND | B::SPACE_TO_BATCH_ND => &[1, 2],
        B::BROADCAST_TO | B::EXPAND_DIMS | B::MIRROR_PAD | B::PAD | B::PADV2 | B::TILE | B::TOPK_V2 => &[1],
        B::TRANSPOSE => &[1],
        B::FILL | B::TRANSPOSE_CONV | B::CONV_3D_TRANSPOSE | B::RANDOM_STANDARD_NORMAL | B::RANDOM_UNIFORM
        | B::MULTINOMIAL => &[0],
        B::ONE_HOT => &[1],
        B::RANGE => &[0, 1, 2],
        B::MEAN | B::SUM | B::REDUCE_PROD | B::REDUCE_MAX | B::REDUCE_MIN | B::REDUCE_ANY | B::REDUCE_ALL => &[1],
        B::RESHAPE => &[1],
        B::RESIZE_BILINEAR | B::RESIZE_NEAREST_NEIGHBOR => &[1],
        B::SCATTER_ND => &[2],
        B::SLICE => &[1, 2],
        B::SPARSE_TO_DENSE => &[1],
        B::SPLIT => &[0],
        B::SPLIT_V => &[1, 2],
        B::STRIDED_SLICE => &[1, 2, 3],
        B::SEGMENT_SUM | B::UNSORTED_SEGMENT_MAX | B::UNSORTED_SEGMENT_MIN | B::UNSORTED_SEGMENT_PROD
        | B::UNSORTED_SEGMENT_SUM => &[1, 2],
        B::UNIQUE | B::WHERE | B::NON_MAX_SUPPRESSION_V4 | B::NON_MAX_SUPPRESSION_V5 => return None,
        _ => &[],
    })
}

/// Ops whose output is computed in Prepare (persistent read-only) when every input is known then
/// (shape.cc, rank.cc, and the constant-propagating paths of the kernels listed in the module doc).
fn computes_at_prepare(op: &Operator, all_inputs_known: bool) -> bool {
    match op.code {
        B::SHAPE | B::RANK => true,
        B::BROADCAST_ARGS | B::CONCATENATION | B::GATHER | B::MUL | B::RANGE | B::MEAN | B::SUM | B::RESHAPE
        | B::STRIDED_SLICE | B::TILE => all_inputs_known,
        _ => false,
    }
}

/// The first tensor that becomes dynamic when the interpreter prepares `sg`, with the op making it.
pub fn first_dynamic_tensor(sg: &Subgraph) -> Option<(usize, i32)> {
    let mut known: Vec<bool> = sg.tensors.iter().map(|t| t.is_const()).collect();
    for (i, op) in sg.operators.iter().enumerate() {
        let is_known = |t: Option<usize>| t.is_some_and(|t| known.get(t).copied().unwrap_or(false));
        let dynamic = match shape_inputs(op) {
            None => true,
            Some(list) => list.iter().any(|&k| op.inputs.get(k).is_some_and(|&t| t >= 0) && !is_known(op.input(k))),
        };
        // RESHAPE with a shape in its options and no shape tensor is static.
        let dynamic = dynamic && !(op.code == B::RESHAPE && op.inputs.len() < 2);
        if dynamic {
            return op.outputs.first().map(|&t| (i, t));
        }
        let all_known = op.inputs.iter().all(|&t| t < 0 || is_known(usize::try_from(t).ok()));
        if computes_at_prepare(op, all_known) {
            for &t in &op.outputs {
                if let Some(k) = usize::try_from(t).ok().and_then(|t| known.get_mut(t)) {
                    *k = true;
                }
            }
        }
    }
    None
}
