//! What `Subgraph::Create` (xnnpack_delegate.cc 1010-1500) refuses after detection accepted.
//! Each delegate kernel's Init collects the tensors its nodes use and defines each as an XNNPACK
//! value; a value XNNPACK cannot define makes Init return null, the kernel's Prepare fails
//! ("Node number N (TfLiteXNNPackDelegate) failed to prepare.") and the whole application fails
//! (tensorflow/tensorflow#52653, google/XNNPACK#11036).
//!
//! Modelled: a tensor of more than `XNN_MAX_TENSOR_DIMS` (6) dimensions, which
//! `xnn_define_tensor_value` refuses. The detection pass bounds the rank of most ops' tensors,
//! but not e.g. FULLY_CONNECTED's input and output, nor the outputs of unary ops.
//! Not modelled: the other validations inside XNNPACK's `xnn_define_*` calls.

use super::checks::MAX_DIMS;
use super::XnnpackOptions;
use crate::model::{BuiltinOperator as B, Model, Operator, TensorType};
use crate::plan::Failure;

/// The tensors `Create` defines for one node (1092-1150): for ops whose extra inputs become
/// operator parameters only the data input, else every input; always every output.
fn defined_tensors(op: &Operator) -> Vec<i32> {
    let data_inputs: Vec<i32> = match op.code {
        B::EXPAND_DIMS | B::MEAN | B::PAD | B::REDUCE_MAX | B::REDUCE_MIN | B::SUM | B::RESHAPE | B::RESIZE_BILINEAR | B::STRIDED_SLICE | B::SLICE | B::TRANSPOSE => {
            op.inputs.first().copied().into_iter().collect()
        }
        B::SPLIT => op.inputs.get(1).copied().into_iter().collect(),
        B::TRANSPOSE_CONV => op.inputs.iter().skip(1).copied().collect(),
        _ => op.inputs.clone(),
    };
    data_inputs.into_iter().chain(op.outputs.iter().copied()).filter(|&t| t >= 0).collect()
}

/// The first creation failure among the nodes `chosen` of subgraph `si` (static-unpack nodes
/// `unpack` are skipped, as Create skips them), if any.
pub fn failure(model: &Model<'_>, si: usize, chosen: &[usize], unpack: &[usize], _o: &XnnpackOptions) -> Option<Failure> {
    let sg = model.subgraphs.get(si)?;
    let mut tensors: Vec<i32> = chosen
        .iter()
        .filter(|i| !unpack.contains(i))
        .filter_map(|&i| sg.operators.get(i))
        .flat_map(defined_tensors)
        .collect();
    // Create defines the values in tensor order.
    tensors.sort_unstable();
    tensors.dedup();
    let (t, tensor) = tensors
        .into_iter()
        .filter_map(|t| Some((t, sg.tensor(t)?)))
        .find(|(_, tensor)| tensor.dtype != TensorType::RESOURCE && tensor.rank() > MAX_DIMS)?;
    let node = chosen.iter().copied().find(|&i| sg.operators[i].inputs.contains(&t) || sg.operators[i].outputs.contains(&t));
    Some(Failure {
        message: super::policy::FAILURE_MESSAGE.into(),
        reason: format!(
            "XNNPACK accepted {} but cannot create its kernel: tensor #{t} has {} dimensions, more than XNNPACK's {MAX_DIMS} (the delegate logs \"failed to create XNNPACK Value for tensor {t}\", then \"Node number N (TfLiteXNNPackDelegate) failed to prepare.\")",
            node.map_or_else(|| "its nodes".to_string(), |i| format!("node #{i} ({})", sg.operators[i].type_name())),
            tensor.rank()
        ),
        subgraph: Some(si),
        op_index: node,
    })
}
