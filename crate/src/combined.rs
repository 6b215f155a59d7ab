//! The plan that really runs: an accelerator delegate (NNAPI or a GPU delegate) first, then
//! TFLite's default XNNPACK delegate on what it left on the CPU.
//!
//! How the runtime gets there (google-ai-edge/LiteRT at f67457790c9c):
//! * benchmark_model applies its explicit delegates one after the other
//!   (`BenchmarkTfLiteModel::Init`, tflite/tools/benchmark/benchmark_tflite_model.cc 1271-1368).
//!   Any status but kTfLiteOk (a failure, or the dynamic-tensor kTfLiteApplicationError) is
//!   fatal there: "Failed to apply NNAPI delegate." and no AllocateTensors, so no XNNPACK.
//! * Unless `--use_xnnpack` is given either way (`GetOpResolver`, 1410-1420), the op resolver
//!   carries the lazy XNNPACK provider (`InterpreterBuilder`, tflite/core/interpreter_builder.cc
//!   `ShouldCreateLazyDelegateProviders`: always in a build with XNNPACK QS8/QU8, the default).
//!   The first `AllocateTensors` calls `Interpreter::ApplyLazyDelegateProviders`
//!   (tflite/core/interpreter.cc 333-400): nothing when the primary subgraph is already fully
//!   delegated (`IsFullyDelegated`: every node of its execution plan is a delegate kernel);
//!   otherwise XNNPACK with its default options goes to every subgraph (validation subgraphs
//!   skipped, `ModifyGraphWithDelegateImpl`).
//! * In each subgraph XNNPACK's `PrepareOpsToDelegate` walks the current execution plan: the first
//!   delegate's kernels are nodes of type DELEGATE, which `VisitNode` has no case for (refused),
//!   so XNNPACK takes only nodes still on the CPU (`xnnpack::select` with `taken`). The
//!   partitioner then runs on that plan, where each earlier kernel is one node with its
//!   partition's inputs and outputs; XNNPACK's kernels are appended after the first delegate's
//!   (node N + K₁ + k).
//! * When an XNNPACK kernel fails to prepare (a node accepted by detection that
//!   `Subgraph::Create` refuses), what happens depends on the state the first delegate left
//!   (`Subgraph::ModifyGraphWithDelegateImpl`, tflite/core/subgraph.cc 2497-2640): after a
//!   delegate without dynamic tensors (the GPU delegates, NNAPI by default) the graph is
//!   immutable, so XNNPACK's application prepares it at once; the failure restores the original
//!   execution plan — every delegate undone, the first one too (`RemoveAllDelegates`) — and the
//!   interpreter continues on its builtin kernels ("… all previously applied delegates are
//!   reverted."). After NNAPI with dynamic dimensions nothing is prepared then, and the failure
//!   comes from `AllocateTensors` itself: the run fails — unless XNNPACK has
//!   `DISABLE_SUBGRAPH_RESHAPING` (no dynamic tensors), whose application prepares the graph first:
//!   a dynamic-sized tensor then gives kTfLiteApplicationError, which the interpreter ignores.

use serde::Serialize;

use crate::delegates::xnnpack::{self, policy::KERNEL as XNNPACK_KERNEL, XnnpackOptions};
use crate::model::{Model, Subgraph, TensorType};
use crate::partition::{self, Graph, Kind, Subset};
use crate::plan::{self, node_mask, Failure, Outcome, PlanRow, Refusal, RowNames};

/// `ApplyLazyDelegateProviders`' first line (INFO).
pub const LAZY_LOG: &str = "Applying 1 TensorFlow Lite delegate(s) lazily.";
/// XNNPACK's line when the delegate is created (xnnpack_delegate.cc, INFO, once per process).
pub const CREATED_LOG: &str = "Created TensorFlow Lite XNNPACK delegate for CPU.";
/// The interpreter's line after XNNPACK was applied (interpreter.cc, INFO; the note that follows it is left out).
pub const APPLIED_LOG: &str = "Successfully applied the default TensorFlow Lite delegate indexed at 0.";
/// The subgraph's line when a delegate's application fails and its plan is restored (subgraph.cc).
pub const RESTORED_LOG: &str = "Restored original execution plan after delegate application failure.";
/// The interpreter's line after that (interpreter.cc, INFO).
pub const REVERTED_LOG: &str =
    "Error in applying the default TensorFlow Lite delegate indexed at 0, and all previously applied delegates are reverted.";
/// The interpreter's line when the lazy delegate returns kTfLiteApplicationError (interpreter.cc, INFO).
pub const APPLICATION_ERROR_LOG: &str = "Failed to apply the default TensorFlow Lite delegate indexed at 0 because of incompatibility between runtime and delegate. Ignoring the error, and continuing anyway.";
/// benchmark_model's line when `AllocateTensors` fails.
pub const ALLOCATE_FAILED: &str = "Failed to allocate tensors!";

/// What became of the default XNNPACK delegate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum XnnpackStep {
    /// Applied: it took the nodes in its kernels (possibly none).
    Applied,
    /// Never applied (the first delegate failed, or took the whole primary subgraph).
    Skipped,
    /// Applied and failed: every delegate was undone, the model runs on the builtin kernels.
    Reverted,
    /// Applied and failed where the interpreter cannot recover: `AllocateTensors` fails.
    Fails,
}

/// Where a plan row runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunsOn {
    /// A kernel of the first delegate (NNAPI, GPU).
    Accelerator,
    /// A kernel of the XNNPACK delegate.
    Xnnpack,
    /// A builtin TFLite kernel.
    Cpu,
}

/// One row of the combined run-order listing.
#[derive(Debug, Clone, Serialize)]
pub struct CombinedRow {
    #[serde(flatten)]
    pub row: PlanRow,
    pub runs_on: RunsOn,
}

/// The combined plan of one subgraph.
#[derive(Debug, Clone, Serialize)]
pub struct CombinedSubgraph {
    pub index: usize,
    pub name: String,
    pub total_nodes: usize,
    pub accelerator_nodes: usize,
    pub xnnpack_nodes: usize,
    pub cpu_nodes: usize,
    pub accelerator_kernels: usize,
    pub xnnpack_kernels: usize,
    pub plan: Vec<CombinedRow>,
    /// The nodes XNNPACK looked at and refused (the first delegate's nodes are not looked at).
    pub refused: Vec<Refusal>,
}

/// The first delegate and the plan it left, as the combined plan needs them.
pub struct FirstDelegate<'a> {
    /// As the sentences name it: "NNAPI", "GPU", "LiteRT GPU".
    pub name: &'a str,
    pub outcome: Outcome,
    /// Each subgraph the first delegate was applied to, the primary one first, with its plan.
    pub subgraphs: Vec<(usize, &'a [PlanRow])>,
    /// The first delegate allows dynamic tensors (NNAPI with `--nnapi-allow-dynamic-dimensions`).
    pub allows_dynamic: bool,
    /// Its kernels read constant fp16 weights directly (the GPU delegates' fp16 path): their
    /// inputs are the fp16 tensors, not the DEQUANTIZE outputs.
    pub reads_fp16_directly: bool,
    /// Greedy partitioning (false with `--disable-delegate-clustering`, which the interpreter
    /// applies to every delegate).
    pub greedy: bool,
}

/// The plan that really runs, with the default XNNPACK delegate after the first delegate.
#[derive(Debug, Clone, Serialize)]
pub struct Combined {
    pub xnnpack: XnnpackStep,
    /// Why XNNPACK was skipped, or how it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The failure that undid the delegates or stopped the run (`reverted`, `fails`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// The run-order listing of the primary subgraph, both delegates' kernels in it.
    pub plan: Vec<CombinedRow>,
    pub total_nodes: usize,
    pub accelerator_nodes: usize,
    pub xnnpack_nodes: usize,
    pub cpu_nodes: usize,
    pub accelerator_kernels: usize,
    pub xnnpack_kernels: usize,
    /// XNNPACK's refusals in the primary subgraph.
    pub refused: Vec<Refusal>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_subgraphs: Vec<CombinedSubgraph>,
    /// The lines the interpreter logs for the XNNPACK step (the first delegate's are in the
    /// analysis's `log`).
    pub log: Vec<String>,
}

/// The whole combined plan: the first delegate's, then XNNPACK's step.
pub fn combine(model: &Model<'_>, first: &FirstDelegate<'_>, o: &XnnpackOptions) -> Combined {
    let untouched = |step, reason: String| {
        let subgraphs = first.subgraphs.iter().map(|&(si, rows)| unchanged(model, si, rows)).collect();
        assemble(step, Some(reason), None, subgraphs, Vec::new())
    };
    if first.outcome == Outcome::Fails {
        return untouched(
            XnnpackStep::Skipped,
            format!("applying the {} delegate fails, so benchmark_model stops before AllocateTensors, where the default XNNPACK delegate would be applied", first.name),
        );
    }
    let primary_rows = first.subgraphs.first().map_or(&[][..], |s| s.1);
    if primary_rows.iter().all(PlanRow::is_delegate) {
        return untouched(
            XnnpackStep::Skipped,
            format!("the {} delegate runs the whole primary subgraph (Interpreter::IsFullyDelegated), so the default XNNPACK delegate is not applied", first.name),
        );
    }
    if let Some(reason) = xnnpack_refuses_dynamic_tensors(model, first, o) {
        let mut c = untouched(XnnpackStep::Skipped, reason);
        c.log = vec![LAZY_LOG.to_string(), CREATED_LOG.to_string(), APPLICATION_ERROR_LOG.to_string()];
        return c;
    }
    let mut log = vec![LAZY_LOG.to_string(), CREATED_LOG.to_string()];
    let mut done = Vec::new();
    for &(si, rows) in &first.subgraphs {
        match xnnpack_step(model, si, rows, first, o) {
            Ok(step) => {
                log.extend(step.log.iter().cloned());
                done.push(step.plan);
            }
            Err(failure) => return failed(model, first, o, failure, log),
        }
    }
    log.push(APPLIED_LOG.to_string());
    assemble(XnnpackStep::Applied, None, None, done, log)
}

/// With `DISABLE_SUBGRAPH_RESHAPING` XNNPACK no longer allows dynamic tensors. After a delegate that
/// allows them (NNAPI with dynamic dimensions) the graph was not prepared, so applying XNNPACK
/// prepares it first, and a dynamic-sized tensor gives kTfLiteApplicationError, which
/// `ApplyLazyDelegateProviders` ignores: XNNPACK is then not applied. (After a delegate without
/// dynamic tensors there are none to find.)
fn xnnpack_refuses_dynamic_tensors(model: &Model<'_>, first: &FirstDelegate<'_>, o: &XnnpackOptions) -> Option<String> {
    if !o.flags.disable_subgraph_reshaping || !first.allows_dynamic {
        return None;
    }
    let checked = first.subgraphs.iter().map(|s| s.0);
    let (f, _) = plan::static_only_failure(model, checked, "", ".")?;
    Some(format!(
        "XNNPACK with DISABLE_SUBGRAPH_RESHAPING only supports static-sized tensors, and the interpreter ignores the error it gets: {}",
        f.reason
    ))
}

/// The first delegate's plan of a subgraph as it is (XNNPACK not applied).
fn unchanged(model: &Model<'_>, si: usize, rows: &[PlanRow]) -> CombinedSubgraph {
    let plan = rows.iter().map(|r| CombinedRow { row: r.clone(), runs_on: if r.is_delegate() { RunsOn::Accelerator } else { RunsOn::Cpu } }).collect();
    subgraph_summary(model, si, plan, Vec::new())
}

/// XNNPACK failed after the first delegate: undone (and the first delegate with it), or fatal.
fn failed(model: &Model<'_>, first: &FirstDelegate<'_>, o: &XnnpackOptions, failure: Failure, mut log: Vec<String>) -> Combined {
    // Without dynamic tensors XNNPACK's own application prepares the graph at once (CASE 1 of
    // `ModifyGraphWithDelegateImpl`), so the failure is undone whatever the first delegate was.
    if first.allows_dynamic && !o.flags.disable_subgraph_reshaping {
        log.push(failure.reason.clone());
        log.push(ALLOCATE_FAILED.to_string());
        let reason = format!(
            "the XNNPACK delegate is applied, and AllocateTensors fails preparing its kernel (the {} delegate allows dynamic tensors, so nothing was prepared when XNNPACK was applied and the failure cannot be undone): {}",
            first.name, failure.reason
        );
        let failure = Failure { message: ALLOCATE_FAILED.into(), ..failure };
        return assemble(XnnpackStep::Fails, Some(reason), Some(failure), Vec::new(), log);
    }
    log.push(RESTORED_LOG.to_string());
    log.push(REVERTED_LOG.to_string());
    let subgraphs = first
        .subgraphs
        .iter()
        .map(|&(si, _)| {
            let names = RowNames::new(model, si, true);
            let n = model.subgraphs[si].operators.len();
            let plan = plan::cpu_rows(&names, 0..n).into_iter().map(|row| CombinedRow { row, runs_on: RunsOn::Cpu }).collect();
            subgraph_summary(model, si, plan, Vec::new())
        })
        .collect();
    let reason = format!(
        "the XNNPACK delegate fails to prepare a kernel, and the interpreter restores the original execution plan, undoing the {} delegate too: every op runs on the builtin CPU kernels. {}",
        first.name, failure.reason
    );
    assemble(XnnpackStep::Reverted, Some(reason), Some(failure), subgraphs, log)
}

struct Step {
    plan: CombinedSubgraph,
    log: Vec<String>,
}

/// XNNPACK applied to one subgraph whose plan is `rows`.
fn xnnpack_step(model: &Model<'_>, si: usize, rows: &[PlanRow], first: &FirstDelegate<'_>, o: &XnnpackOptions) -> Result<Step, Failure> {
    let sg = &model.subgraphs[si];
    let n = sg.operators.len();
    let taken_nodes: Vec<usize> = rows.iter().filter_map(|r| r.nodes.as_deref()).flatten().copied().collect();
    let taken = node_mask(n, &taken_nodes);
    let mut selection = xnnpack::select(model, si, &taken, o);
    if let Some(f) = selection.failure {
        return Err(f);
    }
    if first.reads_fp16_directly {
        selection.nodes.extend(fp16_dequantize_only_kernels_read(sg, &taken, &selection.nodes));
        selection.nodes.sort_unstable();
    }
    let refused = selection.refused;
    if selection.nodes.is_empty() {
        // `ReplaceNodeSubsetsWithDelegateKernels` returns before partitioning (and logging).
        let mut plan = unchanged(model, si, rows);
        plan.refused = refused;
        return Ok(Step { plan, log: Vec::new() });
    }
    let graph = contracted_graph(sg, rows, first.reads_fp16_directly);
    let chosen = node_mask(n, &selection.nodes);
    let delegable: Vec<bool> = rows.iter().map(|r| !r.is_delegate() && chosen.get(r.index).copied().unwrap_or(false)).collect();
    let popts = partition::Options { greedy: first.greedy, control_edges: crate::control_deps::for_subgraph(model, si), disable_node_fusion: false };
    let subsets = partition::partition(&graph, |i| delegable[i], &popts).map_err(|e| Failure {
        message: xnnpack::policy::FAILURE_MESSAGE.into(),
        reason: format!("the graph cannot be partitioned: {e}"),
        subgraph: Some(si),
        op_index: None,
    })?;
    let first_kernels = rows.iter().filter(|r| r.is_delegate()).count();
    let names = RowNames::new(model, si, !first.allows_dynamic);
    let plan = combined_rows(&names, rows, &subsets, n + first_kernels);
    let log = vec![plan::replacing_log(selection.nodes.len(), rows.len(), XNNPACK_KERNEL, subsets.len(), si, &sg.name)];
    Ok(Step { plan: subgraph_summary(model, si, plan, refused), log })
}

/// The DEQUANTIZEs of constant fp16 weights that a GPU delegate left on the CPU and whose every
/// reader is inside its kernels. The GPU delegates rewire those readers to the fp16 constants
/// (`FP16GraphPartitionHelper::RemapFp16InputTensors`, tflite/delegates/utils.cc), so in the plan
/// XNNPACK sees no node reads the DEQUANTIZE's output: it is a static-unpack node no refused node
/// reads, and XNNPACK takes it (`PrepareOpsToDelegate`, xnnpack_delegate.cc 7409-7418, 7680-7683).
/// `xnnpack::select` counts the rewired readers as refused, so these are added here. Seen with
/// LiteRT's GPU accelerator: `CompiledModel(GPU | CPU)` is fully accelerated on such a model
/// (tests/python/test_xnnpack_predictions.py).
fn fp16_dequantize_only_kernels_read(sg: &Subgraph, taken: &[bool], selected: &[usize]) -> Vec<usize> {
    let chosen = node_mask(sg.operators.len(), selected);
    let is_taken = |i: usize| taken.get(i).copied().unwrap_or(false);
    let float32_out = |op: &crate::model::Operator| op.outputs.len() == 1 && sg.tensor(op.outputs[0]).is_some_and(|t| t.dtype == TensorType::FLOAT32);
    let candidates: Vec<usize> = (0..sg.operators.len())
        .filter(|&i| !is_taken(i) && !chosen[i])
        .filter(|&i| crate::delegates::gpu::is_const_fp16_dequantize(sg, &sg.operators[i]) && float32_out(&sg.operators[i]))
        .collect();
    candidates
        .into_iter()
        .filter(|&i| {
            let out = sg.operators[i].outputs[0];
            sg.operators.iter().enumerate().filter(|(_, op)| op.inputs.contains(&out)).all(|(j, _)| is_taken(j))
        })
        .collect()
}

/// The execution plan as XNNPACK's partitioner sees it: one node per row of the first
/// delegate's plan, a kernel with its partition's input and output tensors.
fn contracted_graph(sg: &Subgraph, rows: &[PlanRow], reads_fp16_directly: bool) -> Graph {
    let remap = if reads_fp16_directly { crate::delegates::gpu::fp16_dequant_remap(sg) } else { Default::default() };
    let tensors = TensorRows::new(sg, rows, &remap);
    let nodes = rows
        .iter()
        .enumerate()
        .map(|(pos, r)| match &r.nodes {
            None => cpu_node(sg, r.index),
            Some(inside) => kernel_node(sg, &tensors, pos, inside, &remap),
        })
        .collect();
    Graph { nodes, tensor_count: sg.tensors.len(), outputs: sg.outputs.clone() }
}

/// A builtin op as the partitioner sees it (as `plan::graph_of` makes it).
fn cpu_node(sg: &Subgraph, i: usize) -> partition::Node {
    let op = &sg.operators[i];
    let side_effect = matches!(op.code, crate::model::BuiltinOperator::IF | crate::model::BuiltinOperator::WHILE | crate::model::BuiltinOperator::CALL_ONCE)
        || op.inputs.iter().chain(op.outputs.iter()).any(|&t| is_resource(sg, t));
    partition::Node { inputs: op.inputs.clone(), outputs: op.outputs.clone(), side_effect }
}

fn is_resource(sg: &Subgraph, t: i32) -> bool {
    sg.tensor(t).is_some_and(|t| t.dtype == TensorType::RESOURCE)
}

/// Which row makes each tensor, and whether a row other than its maker reads it (one pass over
/// the ops each, so that a plan of thousands of ops costs no more than reading it).
struct TensorRows {
    maker: Vec<Option<usize>>,
    read_elsewhere: Vec<bool>,
    subgraph_output: Vec<bool>,
}

impl TensorRows {
    fn new(sg: &Subgraph, rows: &[PlanRow], remap: &std::collections::HashMap<i32, i32>) -> Self {
        let n = sg.tensors.len();
        let mut row_of = vec![usize::MAX; sg.operators.len()];
        for (pos, r) in rows.iter().enumerate() {
            for &i in r.nodes.as_deref().unwrap_or(std::slice::from_ref(&r.index)) {
                if let Some(slot) = row_of.get_mut(i) {
                    *slot = pos;
                }
            }
        }
        let slot = |t: i32| usize::try_from(t).ok().filter(|&t| t < n);
        let mut maker = vec![None; n];
        for (i, op) in sg.operators.iter().enumerate() {
            for t in op.outputs.iter().filter_map(|&t| slot(t)) {
                maker[t] = Some(row_of[i]);
            }
        }
        let mut read_elsewhere = vec![false; n];
        for (i, op) in sg.operators.iter().enumerate() {
            let in_kernel = rows.get(row_of[i]).is_some_and(PlanRow::is_delegate);
            for &t in &op.inputs {
                // A kernel's ops read the remapped tensor (the fp16 constant), not the DEQUANTIZE output.
                let t = if in_kernel { *remap.get(&t).unwrap_or(&t) } else { t };
                if let Some(t) = slot(t) {
                    read_elsewhere[t] |= maker[t].is_some_and(|m| m != row_of[i]);
                }
            }
        }
        let mut subgraph_output = vec![false; n];
        for t in sg.outputs.iter().filter_map(|&t| slot(t)) {
            subgraph_output[t] = true;
        }
        TensorRows { maker, read_elsewhere, subgraph_output }
    }
}

/// A delegate kernel (row `pos`) as a node: its partition's inputs (tensors read from outside it,
/// constants too) and outputs (tensors read outside it, and subgraph outputs made in it), sorted,
/// as `PartitionGraphIntoIndependentNodeSubsets` computes them for the subset it replaced.
fn kernel_node(sg: &Subgraph, tensors: &TensorRows, pos: usize, inside: &[usize], remap: &std::collections::HashMap<i32, i32>) -> partition::Node {
    let made_here = |t: i32| usize::try_from(t).ok().and_then(|t| tensors.maker.get(t)).is_some_and(|m| *m == Some(pos));
    let ops = || inside.iter().filter_map(|&i| sg.operators.get(i));
    let mut inputs: Vec<i32> =
        ops().flat_map(|op| op.inputs.iter().map(|t| *remap.get(t).unwrap_or(t))).filter(|&t| t >= 0 && !made_here(t)).collect();
    inputs.sort_unstable();
    inputs.dedup();
    let exported = |t: i32| usize::try_from(t).ok().is_some_and(|t| tensors.read_elsewhere.get(t) == Some(&true) || tensors.subgraph_output.get(t) == Some(&true));
    let mut outputs: Vec<i32> = ops().flat_map(|op| op.outputs.iter().copied()).filter(|&t| exported(t)).collect();
    outputs.sort_unstable();
    outputs.dedup();
    let side_effect = inputs.iter().chain(outputs.iter()).any(|&t| is_resource(sg, t));
    partition::Node { inputs, outputs, side_effect }
}

/// The rows after XNNPACK: CPU subsets keep their rows (the first delegate's kernels among them),
/// each XNNPACK subset becomes one kernel numbered from `base`.
fn combined_rows(names: &RowNames<'_>, rows: &[PlanRow], subsets: &[Subset], base: usize) -> Vec<CombinedRow> {
    let mut plan = Vec::with_capacity(rows.len());
    let mut kernels = 0;
    for s in subsets {
        match s.kind {
            Kind::Cpu => plan.extend(s.nodes.iter().map(|&p| {
                let row = rows[p].clone();
                let runs_on = if row.is_delegate() { RunsOn::Accelerator } else { RunsOn::Cpu };
                CombinedRow { row, runs_on }
            })),
            Kind::Delegate => {
                let index = base + kernels;
                kernels += 1;
                let nodes: Vec<usize> = s.nodes.iter().map(|&p| rows[p].index).collect();
                let name = plan::row_name(names, &s.outputs, index, false);
                plan.push(CombinedRow { row: PlanRow { node_type: XNNPACK_KERNEL.into(), name, index, nodes: Some(nodes) }, runs_on: RunsOn::Xnnpack });
            }
        }
    }
    plan
}

fn subgraph_summary(model: &Model<'_>, si: usize, plan: Vec<CombinedRow>, refused: Vec<Refusal>) -> CombinedSubgraph {
    let count = |on: RunsOn| plan.iter().filter(|r| r.runs_on == on).map(|r| r.row.nodes.as_ref().map_or(1, Vec::len)).sum();
    let kernels = |on: RunsOn| plan.iter().filter(|r| r.runs_on == on).count();
    let sg = &model.subgraphs[si];
    CombinedSubgraph {
        index: si,
        name: sg.name.clone(),
        total_nodes: sg.operators.len(),
        accelerator_nodes: count(RunsOn::Accelerator),
        xnnpack_nodes: count(RunsOn::Xnnpack),
        cpu_nodes: count(RunsOn::Cpu),
        accelerator_kernels: kernels(RunsOn::Accelerator),
        xnnpack_kernels: kernels(RunsOn::Xnnpack),
        plan,
        refused,
    }
}

fn assemble(step: XnnpackStep, reason: Option<String>, failure: Option<Failure>, subgraphs: Vec<CombinedSubgraph>, log: Vec<String>) -> Combined {
    let mut subgraphs = subgraphs.into_iter();
    let main = subgraphs.next();
    let (total, acc, xnn, cpu, acc_k, xnn_k) = main.as_ref().map_or((0, 0, 0, 0, 0, 0), |m| {
        (m.total_nodes, m.accelerator_nodes, m.xnnpack_nodes, m.cpu_nodes, m.accelerator_kernels, m.xnnpack_kernels)
    });
    let (plan, refused) = main.map_or((Vec::new(), Vec::new()), |m| (m.plan, m.refused));
    Combined {
        xnnpack: step,
        reason,
        failure,
        plan,
        total_nodes: total,
        accelerator_nodes: acc,
        xnnpack_nodes: xnn,
        cpu_nodes: cpu,
        accelerator_kernels: acc_k,
        xnnpack_kernels: xnn_k,
        refused,
        other_subgraphs: subgraphs.collect(),
        log,
    }
}
