//! The delegate-agnostic parts of a plan: the types every delegate's analysis is made of, how
//! benchmark_model names the rows of its run-order listing, the delegate partitions of a set of
//! nodes, and the largest-partitions choice with its ties. No delegate is named here; each passes
//! its kernel's name.

use std::fmt::Write as _;

use serde::Serialize;

use crate::dynamic;
use crate::model::{BuiltinOperator as B, Model, Subgraph, TensorType};
use crate::partition::{self, Graph, Kind, Subset};
use crate::shapes;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The whole subgraph runs in one NNAPI kernel.
    Full,
    /// Some ops run in NNAPI, some on the CPU.
    Partial,
    /// The delegate leaves the model unchanged.
    None,
    /// Applying the delegate fails: benchmark_model stops with "Failed to apply NNAPI delegate."
    Fails,
}

/// One row of benchmark_model's run-order listing.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PlanRow {
    /// `[node type]`: the op name, or "TfLiteNnapiDelegate".
    #[serde(rename = "type")]
    pub node_type: String,
    /// `[Name]`: "[output tensor names]:node index".
    pub name: String,
    pub index: usize,
    /// For a delegate kernel: the original ops it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<usize>>,
}

impl PlanRow {
    pub fn is_delegate(&self) -> bool {
        self.nodes.is_some()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub index: usize,
    pub op: String,
    pub version: i32,
    pub reasons: Vec<String>,
}

/// Why delegation failed or did nothing, as the user would meet it.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub message: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subgraph: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op_index: Option<usize>,
}

/// The partition limit falls between partitions of the same size, so which of them the delegate
/// keeps depends on the order `std::sort` leaves equal elements in (`LimitDelegatedPartitions`,
/// nnapi_delegate.cc): the C++ library decides, and the plan shown is one of several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TieAtLimit {
    /// The number of partitions kept (`--max-delegated-partitions`).
    pub limit: usize,
    /// The node count the tied partitions share.
    pub size: usize,
    /// The tied partitions, each as its node list, in plan order.
    pub partitions: Vec<Vec<usize>>,
    /// How many of them fit under the limit (the plan keeps the earliest ones, as libstdc++'s
    /// insertion sort for small arrays does).
    pub kept: usize,
}

/// A membership table for node indices (the lists can hold thousands of nodes).
pub fn node_mask(n: usize, nodes: &[usize]) -> Vec<bool> {
    let mut mask = vec![false; n];
    for &i in nodes {
        if let Some(m) = mask.get_mut(i) {
            *m = true;
        }
    }
    mask
}

/// The delegate partitions `PreviewDelegatePartitioning` forms from `nodes` (tflite/core/subgraph.cc).
pub fn delegate_subsets(graph: &Graph, nodes: &[usize], popts: &partition::Options) -> Result<Vec<Subset>, partition::PartitionError> {
    let mask = node_mask(graph.nodes.len(), nodes);
    let subsets = partition::partition(graph, |i| mask[i], popts)?;
    Ok(subsets.into_iter().filter(|s| s.kind == Kind::Delegate).collect())
}

/// The `n` largest partitions by node count, as `std::sort` with a greater-size comparison and
/// taking the first `n` leaves them (`LimitDelegatedPartitions` in nnapi_delegate.cc,
/// `GetFirstNLargestPartitions` in tflite/delegates/utils.cc); ties keep plan order, as the
/// small-array insertion sort inside std::sort leaves them (`tie_at_limit` flags the ties).
pub fn largest(preview: &[Subset], n: usize) -> Vec<&Subset> {
    let mut by_size: Vec<&Subset> = preview.iter().collect();
    by_size.sort_by_key(|s| std::cmp::Reverse(s.nodes.len())); // stable
    by_size.truncate(n);
    by_size
}

/// The tie `largest` breaks by plan order, if the limit cuts between equal sizes: the partition
/// that is last kept and the first dropped (by size, descending) have the same size.
pub fn tie_at_limit(max: i32, preview: &[Subset]) -> Option<TieAtLimit> {
    let limit = usize::try_from(max).ok().filter(|&m| m > 0 && preview.len() > m)?;
    let mut sizes: Vec<usize> = preview.iter().map(|s| s.nodes.len()).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let size = sizes[limit - 1]; // ok: 0 < limit < preview.len()
    if sizes[limit] != size {
        return None;
    }
    let larger = sizes.iter().filter(|&&n| n > size).count();
    let partitions: Vec<Vec<usize>> =
        preview.iter().filter(|s| s.nodes.len() == size).map(|s| s.nodes.clone()).collect();
    Some(TieAtLimit { limit, size, partitions, kept: limit - larger })
}

/// The longest `[Name]` kept: rows repeat tensor names, and a hostile op listing one long-named
/// tensor thousands of times as its outputs would otherwise make a row of gigabytes.
const MAX_ROW_NAME: usize = 16 * 1024;

/// Where benchmark_model's `[Name]` takes tensor names from (tflite/profiling/profile_summarizer.cc,
/// `GetTensorName`): `Interpreter::tensor(i)`, i.e. the primary subgraph's tensor `i` whatever
/// subgraph the node is in, "Unknown" when there is no such tensor (an index past the end, or -1).
/// The names are read after the runs, so after every CPU node's Prepare: DENSIFY has renamed its
/// output (densify.cc) and WHILE has dropped its unread pass-through outputs (while.cc).
pub struct RowNames<'m> {
    subgraphs: &'m [Subgraph],
    /// The subgraph whose rows are named.
    si: usize,
    /// Primary-subgraph tensors written by a DENSIFY.
    densified: Vec<bool>,
    /// Every node's Prepare ran before delegation (so a delegated DENSIFY renamed its output too).
    prepared_before_delegation: bool,
}

impl<'m> RowNames<'m> {
    pub fn new(model: &'m Model<'_>, si: usize, prepared_before_delegation: bool) -> Self {
        let primary = model.subgraphs.first();
        let mut densified = vec![false; primary.map_or(0, |p| p.tensors.len())];
        for op in primary.iter().flat_map(|p| p.operators.iter()).filter(|op| op.code == B::DENSIFY) {
            for &t in &op.outputs {
                if let Some(d) = usize::try_from(t).ok().and_then(|t| densified.get_mut(t)) {
                    *d = true;
                }
            }
        }
        RowNames { subgraphs: &model.subgraphs, si, densified, prepared_before_delegation }
    }

    /// The name printed for tensor `t`; `on_cpu_densify`: the row is a CPU DENSIFY of the primary subgraph.
    fn name(&self, t: i32, on_cpu_densify: bool) -> &'m str {
        let Some(tensor) = self.subgraphs.first().and_then(|p| p.tensor(t)) else { return "Unknown" };
        let renamed = self.densified[t as usize] && (on_cpu_densify || self.prepared_before_delegation);
        if renamed {
            dynamic::DENSIFY_OUTPUT_NAME
        } else {
            &tensor.name
        }
    }
}

/// benchmark_model's `[Name]`: the node's output tensor names in order, then its index (cut with
/// "…" after `MAX_ROW_NAME` bytes).
pub fn row_name(names: &RowNames<'_>, outputs: &[i32], index: usize, on_cpu_densify: bool) -> String {
    // One buffer per row, sized up front: the plan of a large model has thousands of rows.
    let mut text = String::with_capacity(24 + outputs.len() * 24);
    text.push('[');
    for (k, &t) in outputs.iter().enumerate() {
        if k > 0 {
            text += ", ";
        }
        let name = names.name(t, on_cpu_densify);
        let used = text.len() - 1; // without the opening bracket
        if used + name.len() > MAX_ROW_NAME {
            let mut end = MAX_ROW_NAME.saturating_sub(used).min(name.len());
            while !name.is_char_boundary(end) {
                end -= 1;
            }
            text += &name[..end];
            text += "…";
            break;
        }
        text += name;
    }
    text += "]:";
    let _ = write!(text, "{index}"); // writing to a String cannot fail
    text
}

pub fn cpu_rows(names: &RowNames<'_>, nodes: impl IntoIterator<Item = usize>) -> Vec<PlanRow> {
    nodes.into_iter().map(|i| cpu_row(names, i)).collect()
}

/// The row of node `i` of the subgraph, run by the CPU.
fn cpu_row(names: &RowNames<'_>, i: usize) -> PlanRow {
    let op = &names.subgraphs[names.si].operators[i];
    let outputs = dynamic::outputs_after_prepare(names.subgraphs, names.si, op);
    let densify = names.si == 0 && op.code == B::DENSIFY;
    PlanRow { node_type: op.type_name(), name: row_name(names, &outputs, i, densify), index: i, nodes: None }
}

/// The execution plan `Subgraph::ReplaceNodeSubsetsWithDelegateKernels` (tflite/core/subgraph.cc)
/// leaves: CPU subsets keep their nodes, each delegate subset becomes node N+k, a row of type
/// `kernel` (the delegate registration's `custom_name`). Also the number of kernels.
pub fn rows_of(names: &RowNames<'_>, subsets: &[Subset], kernel: &str) -> (Vec<PlanRow>, usize) {
    let n = names.subgraphs[names.si].operators.len();
    // Sized up front: a GPU plan of a large model has thousands of CPU rows.
    let rows = subsets.iter().map(|s| if s.kind == Kind::Cpu { s.nodes.len() } else { 1 }).sum();
    let mut plan = Vec::with_capacity(rows);
    let mut kernels = 0;
    for s in subsets {
        match s.kind {
            Kind::Cpu => plan.extend(s.nodes.iter().map(|&i| cpu_row(names, i))),
            Kind::Delegate => {
                let index = n + kernels;
                kernels += 1;
                plan.push(PlanRow {
                    node_type: kernel.into(),
                    name: row_name(names, &s.outputs, index, false),
                    index,
                    nodes: Some(s.nodes.clone()),
                });
            }
        }
    }
    (plan, kernels)
}

/// The interpreter's line for a delegate application (subgraph.cc, VERBOSE).
pub fn replacing_log(delegated: usize, total: usize, kernel: &str, partitions: usize, si: usize, name: &str) -> String {
    format!(
        "Replacing {delegated} out of {total} node(s) with delegate ({kernel}) node, yielding {partitions} partitions for subgraph {si} ({name})."
    )
}

/// Where preparing the graph before delegation left dynamic-sized tensors (the cause of a
/// dynamic-tensor failure).
#[derive(Debug, Clone, Serialize)]
pub struct DynamicTensors {
    pub subgraph: usize,
    /// The tensor the interpreter's message names ("tensor#N"); -1 when it names none.
    pub tensor: i32,
    /// The op after which preparation stopped; absent when a subgraph output was dynamic from the start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op_index: Option<usize>,
    /// Every tensor of that subgraph left dynamic-sized when preparation stopped, in index order.
    pub tensors: Vec<usize>,
}

/// What `Subgraph::ModifyGraphWithDelegate` (tflite/core/subgraph.cc) does for a delegate that
/// does not allow dynamic tensors: it prepares every node of the `checked` subgraphs first, and a
/// dynamic-sized tensor makes the application fail with `message`. `hint` ends the reason (how the
/// delegate's options could allow it, or just ".").
///
/// The same walk (`PrepareOpsStartingAt`) runs each kernel's Prepare at the shapes propagated from
/// the graph inputs, so a Prepare that fails before (or at) the op where it stops decides first
/// (`shapes`; then there are no dynamic tensors to report).
pub fn static_only_failure(
    model: &Model<'_>,
    checked: impl IntoIterator<Item = usize>,
    message: &str,
    hint: &str,
) -> Option<(Failure, Option<DynamicTensors>)> {
    let stop = dynamic::first_dynamic_tensor(&model.subgraphs, checked);
    if let Some(f) = shape_failure(model, stop.as_ref(), message) {
        return Some((f, None));
    }
    let stop = stop?;
    let sg = &model.subgraphs[stop.subgraph];
    let op_name = |i: usize| sg.operators.get(i).map_or_else(String::new, |o| o.type_name());
    let cause = match stop.op {
        Some(i) if stop.shape_not_known => {
            format!("Preparation stops at op {i} ({}), whose output shape is only known at run time", op_name(i))
        }
        Some(i) => format!("It is made by op {i} ({})", op_name(i)),
        None => format!(
            "Tensor {}, an output of the subgraph, is dynamic-sized from the start (as strings and resources are)",
            stop.tensor
        ),
    };
    let of_subgraph = if stop.subgraph > 0 { format!(" of subgraph {}", stop.subgraph) } else { String::new() };
    let failure = Failure {
        message: message.into(),
        reason: format!(
            "Attempting to use a delegate that only supports static-sized tensors with a graph that has dynamic-sized tensors (tensor#{} is a dynamic-sized tensor). {cause}{of_subgraph}{hint}",
            stop.tensor
        ),
        subgraph: Some(stop.subgraph),
        op_index: stop.op,
    };
    let tensors = DynamicTensors { subgraph: stop.subgraph, tensor: stop.tensor, op_index: stop.op, tensors: stop.dynamic };
    Some((failure, Some(tensors)))
}

/// The first Prepare failure of the primary subgraph up to where preparation stops (`stop`).
fn shape_failure(model: &Model<'_>, stop: Option<&dynamic::DynamicStop>, message: &str) -> Option<Failure> {
    let sg = model.subgraphs.first()?;
    let stop_at = stop.filter(|s| s.subgraph == 0).and_then(|s| s.op);
    let f = shapes::first_failure(model, sg, stop_at)?;
    Some(Failure { message: message.into(), reason: f.reason(), subgraph: Some(0), op_index: Some(f.op_index) })
}

/// What `AllocateTensors` meets when nothing was prepared before the delegate (a delegate that
/// allows dynamic tensors): the first Prepare failure of the primary subgraph, reported with
/// `message`.
pub fn prepare_failure(model: &Model<'_>, message: &str) -> Option<Failure> {
    let stop = dynamic::first_dynamic_tensor(&model.subgraphs, [0]);
    shape_failure(model, stop.as_ref(), message)
}

/// The graph as the partitioner sees it: each op's tensors, with the inputs of the `rewired` ops
/// read through `remap` (a delegate's fp16 path rewires ops to read the fp16 constants directly:
/// `FP16GraphPartitionHelper::RemapFp16InputTensors`, tflite/delegates/utils.cc), and which ops
/// have side effects (control flow, resources), which the partitioner keeps in order.
pub fn graph_of(sg: &Subgraph, rewired: &[usize], remap: &std::collections::HashMap<i32, i32>) -> Graph {
    let rewired = node_mask(sg.operators.len(), rewired);
    let nodes = sg
        .operators
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let inputs = if rewired[i] { op.inputs.iter().map(|t| *remap.get(t).unwrap_or(t)).collect() } else { op.inputs.clone() };
            let side_effect = matches!(op.code, B::IF | B::WHILE | B::CALL_ONCE)
                || op.inputs.iter().chain(op.outputs.iter()).any(|&t| sg.tensor(t).is_some_and(|t| t.dtype == TensorType::RESOURCE));
            partition::Node { inputs, outputs: op.outputs.clone(), side_effect }
        })
        .collect();
    Graph { nodes, tensor_count: sg.tensors.len(), outputs: sg.outputs.clone() }
}

/// The subgraphs the interpreter applies a delegate to, the primary one first: every one except
/// validation subgraphs (tflite/core/interpreter.cc `ModifyGraphWithDelegateImpl`,
/// `IsValidationSubgraph`: names starting with "VALIDATION:"). LiteRT's GPU accelerator is seen
/// doing the same (tests/python/test_gpu_predictions.py).
pub fn delegated_subgraphs<'m>(model: &'m Model<'_>) -> impl Iterator<Item = usize> + 'm {
    (0..model.subgraphs.len()).filter(|&i| i == 0 || !model.subgraphs[i].name.starts_with("VALIDATION:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::{tensor, ModelBuilder};
    use crate::model::TensorType;

    /// One ADD whose outputs repeat a tensor with a long multi-byte name `repeats` times.
    fn long_named_model(repeats: usize) -> Vec<u8> {
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", TensorType::FLOAT32, &[1]));
        let long = b.add(tensor(&"é".repeat(1000), TensorType::FLOAT32, &[1]));
        b.op(B::ADD, &[x, x], &vec![long; repeats]);
        b.output(long);
        b.finish()
    }

    #[test]
    fn row_name_lists_outputs_then_index() {
        let bytes = long_named_model(1);
        let m = crate::model::read(&bytes).unwrap();
        let names = RowNames::new(&m, 0, true);
        assert_eq!(row_name(&names, &[0], 7, false), "[x]:7");
        assert_eq!(row_name(&names, &[0, -1, 99], 3, false), "[x, Unknown, Unknown]:3");
        assert_eq!(row_name(&names, &[], 12, false), "[]:12");
    }

    #[test]
    fn row_name_is_cut_at_the_limit_on_a_char_boundary() {
        let bytes = long_named_model(20);
        let m = crate::model::read(&bytes).unwrap();
        let names = RowNames::new(&m, 0, true);
        let rows = cpu_rows(&names, [0]);
        let name = &rows[0].name;
        let inner = name.strip_prefix('[').and_then(|s| s.strip_suffix("…]:0")).expect(name);
        // 8 names of 2,000 bytes fit with their separators; the 9th is cut to what is left.
        assert!(inner.len() <= MAX_ROW_NAME && inner.len() > MAX_ROW_NAME - 2, "{}", inner.len());
        assert!(inner.starts_with(&"é".repeat(1000)));
    }
}

