//! What `Subgraph::Create` (xnnpack_delegate.cc 1010-1500) refuses after detection accepted.
//! Each delegate kernel's Init collects the tensors its nodes use and defines each as an XNNPACK
//! value, then defines its nodes; a node XNNPACK cannot define makes Init return null, the
//! kernel's Prepare fails ("Node number N (TfLiteXNNPackDelegate) failed to prepare.") and the
//! whole application fails (tensorflow/tensorflow#52653, google/XNNPACK#11036).
//!
//! Modelled: the first node, in node order as Create visits them, whose `xnn_define_*` call
//! refuses it ("failed to delegate OP node #N", then "Node number K (TfLiteXNNPackDelegate)
//! failed to prepare."):
//!   - a node with a tensor of more than `XNN_MAX_TENSOR_DIMS` (6) dimensions:
//!     `xnn_define_tensor_value` refuses the value, `DefineXNNPACKValue` ignores that status, and
//!     the node's define call fails on the invalid value id. The detection pass bounds the rank
//!     of most ops' tensors, but not e.g. FULLY_CONNECTED's input and output, nor the outputs of
//!     unary ops;
//!   - TRANSPOSE: `VisitTransposeNode` reads the permutation as int32 whatever its type, so an
//!     INT64 permutation becomes its 32-bit words (low, high, low, …); XNNPACK's
//!     `xnn_define_static_transpose` (src/subgraph/static-transpose.c) refuses an entry out of
//!     range or repeated;
//!   - copy-like ops whose quantized input and output differ in scale or zero point: XNNPACK's
//!     `xnn_subgraph_check_quantization_parameter_matches` (src/subgraph/validation.c), called by
//!     the define functions of TRANSPOSE, SPLIT (each output), PAD, SLICE, STRIDED_SLICE,
//!     DEPTH_TO_SPACE, SPACE_TO_DEPTH, MAX_POOL_2D and RESIZE_BILINEAR. (CONCATENATION and
//!     RESHAPE are refused for it by the detection pass already; EXPAND_DIMS's builtin kernel
//!     refuses it first.)
//!
//! XNNPACK at the commit LiteRT pins (tflite/tools/cmake/modules/xnnpack.cmake, 8388bd78) logs
//! nothing itself in release builds, so the delegate's lines are the whole log; checked against
//! ai-edge-litert 2.3.0 with the `xnn_create_*` fixtures of make_xnnpack_fixtures.
//! Not modelled: the other validations inside XNNPACK's `xnn_define_*` calls.

use super::checks::MAX_DIMS;
use super::XnnpackOptions;
use crate::model::{BuiltinOperator as B, Model, Operator, Subgraph, Tensor, TensorType};
use crate::partition::{Kind, Subset};
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
/// `unpack` are skipped, as Create skips them), if any: the first node whose definition XNNPACK
/// refuses.
pub fn failure(model: &Model<'_>, si: usize, chosen: &[usize], unpack: &[usize], _o: &XnnpackOptions) -> Option<Failure> {
    let sg = model.subgraphs.get(si)?;
    let created: Vec<usize> = chosen.iter().copied().filter(|i| !unpack.contains(i)).filter(|&i| i < sg.operators.len()).collect();
    node_failure(model, sg, si, &created)
}

/// The placeholder for the failing kernel's node number in a failure's reason, replaced by
/// [`number_failed_kernel`] where the partitions are known.
const KERNEL_PLACEHOLDER: &str = "Node number N (";

/// Puts the node number of the kernel that fails to prepare (the one holding the failing node;
/// kernels are numbered from `first_kernel` in partition order) into the failure's reason.
pub fn number_failed_kernel(failure: &mut Failure, first_kernel: usize, subsets: &[Subset]) {
    let Some(node) = failure.op_index else { return };
    let kernels = subsets.iter().filter(|s| s.kind == Kind::Delegate);
    if let Some(k) = kernels.clone().position(|s| s.nodes.contains(&node)) {
        failure.reason = failure.reason.replace(KERNEL_PLACEHOLDER, &format!("Node number {} (", first_kernel + k));
    }
}

/// The first of the nodes `created` (in node order, as Create visits them) whose `xnn_define_*`
/// call fails.
fn node_failure(model: &Model<'_>, sg: &Subgraph, si: usize, created: &[usize]) -> Option<Failure> {
    created.iter().find_map(|&i| {
        let op = &sg.operators[i];
        let why = too_many_dimensions(sg, op).or_else(|| define_refusal(model, sg, op))?;
        let name = op.type_name();
        Some(Failure {
            message: super::policy::FAILURE_MESSAGE.into(),
            reason: format!(
                "XNNPACK accepted node #{i} ({name}) but cannot create its kernel: {why} (the delegate logs \"failed to delegate {name} node #{i}\", then \"Node number N (TfLiteXNNPackDelegate) failed to prepare.\")"
            ),
            subgraph: Some(si),
            op_index: Some(i),
        })
    })
}

/// A value of the node with more dimensions than XNNPACK's maximum: `xnn_define_tensor_value`
/// refuses it, but `DefineXNNPACKValue` (xnnpack_delegate.cc) ignores that status, so Create goes
/// on and the node's own define call then fails on the value's invalid id.
fn too_many_dimensions(sg: &Subgraph, op: &Operator) -> Option<String> {
    let (t, tensor) = defined_tensors(op)
        .into_iter()
        .filter_map(|t| Some((t, sg.tensor(t)?)))
        .find(|(_, tensor)| tensor.dtype != TensorType::RESOURCE && tensor.rank() > MAX_DIMS)?;
    Some(format!(
        "tensor #{t} has {} dimensions, more than XNNPACK's {MAX_DIMS}: xnn_define_tensor_value refuses it, the delegate ignores that status, and the node's definition then fails on the missing value",
        tensor.rank()
    ))
}

/// Why XNNPACK's define call for `op` fails, if it does.
fn define_refusal(model: &Model<'_>, sg: &Subgraph, op: &Operator) -> Option<String> {
    let tensor = |k: usize, list: &[i32]| list.get(k).and_then(|&t| sg.tensor(t));
    if op.code == B::TRANSPOSE {
        if let Some(why) = tensor(1, &op.inputs).and_then(|p| transpose_perm_refusal(model, p)) {
            return Some(why);
        }
    }
    let (input, outputs): (Option<&Tensor>, &[i32]) = match op.code {
        B::TRANSPOSE | B::PAD | B::SLICE | B::STRIDED_SLICE | B::DEPTH_TO_SPACE | B::SPACE_TO_DEPTH | B::MAX_POOL_2D | B::RESIZE_BILINEAR => {
            (tensor(0, &op.inputs), &op.outputs[..op.outputs.len().min(1)])
        }
        B::SPLIT => (tensor(1, &op.inputs), &op.outputs),
        _ => return None,
    };
    let input = input?;
    outputs.iter().filter_map(|&t| sg.tensor(t)).find_map(|output| quantization_mismatch(input, output))
}

/// XNNPACK's `xnn_subgraph_check_quantization_parameter_matches`: a quantized 8-bit output must
/// have its input's zero point and scale (compared exactly).
fn quantization_mismatch(input: &Tensor, output: &Tensor) -> Option<String> {
    if !matches!(output.dtype, TensorType::INT8 | TensorType::UINT8) {
        return None;
    }
    let params = |t: &Tensor| t.quantization.as_ref().map_or((0.0, 0), |q| (q.scale.first().copied().unwrap_or(0.0), q.zero_point.first().copied().unwrap_or(0)));
    let ((si, zi), (so, zo)) = (params(input), params(output));
    if zi != zo {
        return Some(format!("XNNPACK requires the output's zero point ({zo}) to equal the input's ({zi}) (xnn_subgraph_check_quantization_parameter_matches)"));
    }
    if si != so {
        return Some(format!("XNNPACK requires the output's scale ({so}) to equal the input's ({si}) (xnn_subgraph_check_quantization_parameter_matches)"));
    }
    None
}

/// The permutation tensor's first element-count int32 words: what `VisitTransposeNode` reads,
/// whatever the tensor's type.
fn perm_words(model: &Model<'_>, perm: &Tensor) -> Option<Vec<i64>> {
    let bytes = model.data(perm)?;
    let count: usize = perm.shape.iter().map(|&d| d.max(0) as usize).product();
    let words: Vec<i64> = bytes.chunks_exact(4).take(count).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect();
    (words.len() == count).then_some(words)
}

/// `xnn_define_static_transpose`'s checks on the permutation as the delegate read it.
fn transpose_perm_refusal(model: &Model<'_>, perm: &Tensor) -> Option<String> {
    let words = perm_words(model, perm)?;
    let n = words.len();
    // A negative entry counts from the end (the delegate adds the count).
    let read: Vec<i64> = words.iter().map(|&v| if v < 0 { v + n as i64 } else { v }).collect();
    let as_read = match perm.dtype {
        TensorType::INT32 => String::new(),
        t if read == words => format!(" (the delegate reads the {} permutation as int32 words: {words:?})", crate::model::type_name(t)),
        t => format!(" (the delegate reads the {} permutation as int32 words, {words:?}, which it makes {read:?})", crate::model::type_name(t)),
    };
    if n == 0 {
        return Some(format!("XNNPACK refuses a TRANSPOSE of 0 dimensions{as_read}"));
    }
    if let Some(bad) = read.iter().find(|&&p| p < 0 || p >= n as i64) {
        return Some(format!("XNNPACK refuses the permutation entry {bad}, not in 0..{n}{as_read}"));
    }
    let mut seen = read.clone();
    seen.sort_unstable();
    seen.dedup();
    (seen.len() != n).then(|| format!("XNNPACK refuses a permutation with repeated entries{as_read}"))
}
