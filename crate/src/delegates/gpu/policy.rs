//! What the GPU delegates do with their node decisions: `GetOpsToReplace`'s partition step
//! (`FP16GraphPartitionHelper`, tflite/delegates/utils.cc: both fp16-weight scenarios, the largest
//! partitions), the "Following operations are not supported by GPU delegate:" log
//! (tflite/delegates/gpu/common/model_builder.cc 3372-3391), and the plan
//! `ReplaceNodeSubsetsWithDelegateKernels` leaves.
//!
//! * `gpu`: TFLite's classic GPU delegate (tflite/delegates/gpu/delegate.cc `DelegatePrepare`:
//!   SPLIT and SPLIT_V excluded without OpenCL; `max_delegated_partitions`, default 1, ≤ 0 = 1;
//!   kernels named "TfLiteGpuDelegateV2"). Its `Parse()` failures make the whole delegate fail.
//! * `litert-gpu`: LiteRT's GPU accelerator (ML Drift, ml_drift_delegate/delegate/
//!   delegate_webgpu.cc `DelegatePrepare`: no excluded ops, quantized ops allowed, one partition).
//!
//! Neither delegate allows dynamic tensors, so the interpreter prepares every node before it
//! hands the graph over (tflite/core/subgraph.cc `ModifyGraphWithDelegate`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{classic, fp16_dequant_remap, is_const_fp16_dequantize, mldrift, GpuContext, InputRemap};
use crate::model::{Model, Operator, Subgraph};
use crate::partition::{self, Subset};
use crate::plan::{self, delegate_subsets, node_mask, DynamicTensors, Failure, Outcome, PlanRow, Refusal, RowNames, TieAtLimit};

/// The classic delegate's kernel (delegate.cc `kRegistrationCustomName`).
pub const CLASSIC_KERNEL: &str = "TfLiteGpuDelegateV2";
/// The ML Drift kernel as LiteRT names it on Android with OpenCL (`LITERT_CL`; the Linux WebGPU
/// build that the tests run names it `LITERT_WEBGPU`).
pub const LITERT_KERNEL: &str = "LITERT_CL";

/// Which GPU delegate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Classic,
    LiteRt,
}

impl Flavor {
    pub fn id(self) -> &'static str {
        match self {
            Flavor::Classic => "gpu",
            Flavor::LiteRt => "litert-gpu",
        }
    }
    fn kernel(self) -> &'static str {
        match self {
            Flavor::Classic => CLASSIC_KERNEL,
            Flavor::LiteRt => LITERT_KERNEL,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// OpenCL (`cl::OpenCLSupported()` true).
    Cl,
    /// OpenGL ES only: the classic delegate then excludes SPLIT and SPLIT_V.
    Gl,
}

/// The GPU delegate options, named after benchmark_model's flags, with its defaults.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct GpuOptions {
    /// `--gpu_backend` (cl or gl).
    pub backend: Backend,
    /// `--gpu_experimental_enable_quant` (default true).
    pub enable_quant: bool,
    /// `--max_delegated_partitions` for the classic delegate (default 1; ≤ 0 means 1).
    pub max_delegated_partitions: i32,
    /// `--gpu_precision_loss_allowed`: fp16 arithmetic; it does not change which ops run on the GPU.
    pub precision_loss_allowed: bool,
}

impl Default for GpuOptions {
    fn default() -> Self {
        GpuOptions { backend: Backend::Cl, enable_quant: true, max_delegated_partitions: 1, precision_loss_allowed: true }
    }
}

/// One GPU delegate's analysis of a model, in the same shape as the NNAPI analysis (docs/json.md).
#[derive(Debug, Clone, Serialize)]
pub struct GpuAnalysis {
    pub delegate: &'static str,
    pub options: GpuOptions,
    pub outcome: Outcome,
    pub total_nodes: usize,
    pub delegated_nodes: usize,
    pub delegate_kernels: usize,
    pub partitions: usize,
    pub tie_at_limit: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tie: Option<TieAtLimit>,
    pub plan: Vec<PlanRow>,
    /// Every op the delegate refuses, with the detail it logs for it (after "OP: ").
    pub refused: Vec<Refusal>,
    /// The other subgraphs the delegate is applied to (control-flow bodies), in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_subgraphs: Vec<GpuSubgraphPlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic: Option<DynamicTensors>,
    /// What the delegate and the interpreter log, line by line.
    pub log: Vec<String>,
    pub assumptions: Vec<String>,
}

/// The delegate's plan of a subgraph after the first.
#[derive(Debug, Clone, Serialize)]
pub struct GpuSubgraphPlan {
    pub index: usize,
    pub name: String,
    pub total_nodes: usize,
    pub delegated_nodes: usize,
    pub delegate_kernels: usize,
    pub partitions: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tie: Option<TieAtLimit>,
    pub plan: Vec<PlanRow>,
    pub refused: Vec<Refusal>,
    /// What the delegate logs while it prepares this subgraph (also in the analysis's `log`).
    pub log: Vec<String>,
}

/// The node decision of one subgraph: the refusal line of each node (`None` = supported).
struct Decision {
    lines: Vec<Option<String>>,
    remap: InputRemap,
    fp16_dequantize: Vec<usize>,
}

fn classic_options(o: &GpuOptions) -> classic::ClassicOptions {
    classic::ClassicOptions { allow_quant_ops: o.enable_quant, opencl: o.backend == Backend::Cl }
}

fn decide(model: &Model<'_>, si: usize, flavor: Flavor, o: &GpuOptions) -> Decision {
    let sg = &model.subgraphs[si];
    let remap = fp16_dequant_remap(sg);
    let fp16_dequantize = (0..sg.operators.len()).filter(|&i| is_const_fp16_dequantize(sg, &sg.operators[i])).collect();
    let lines = match flavor {
        Flavor::Classic => {
            let ctx = GpuContext { model, subgraph: sg, index: si };
            let co = classic_options(o);
            (0..sg.operators.len()).map(|i| classic::partition_helper_refusal(&ctx, i, &co, &remap)).collect()
        }
        Flavor::LiteRt => {
            let rewired = mldrift::with_fp16_dequant_remap(sg);
            let ctx = GpuContext { model, subgraph: rewired.as_ref().unwrap_or(sg), index: si };
            let mut lines = mldrift::node_refusals(&ctx);
            for (line, op) in lines.iter_mut().zip(&sg.operators) {
                if is_const_fp16_dequantize(sg, op) {
                    *line = Some(format!("{}: ", super::op_name_by_registration(op)));
                }
            }
            lines
        }
    };
    Decision { lines, remap, fp16_dequantize }
}

/// Whether any of `nodes` has an input that `remap` rewires (so `graph_of` would change it).
fn reads_remapped(sg: &Subgraph, nodes: &[usize], remap: &InputRemap) -> bool {
    !remap.is_empty() && nodes.iter().any(|&i| sg.operators[i].inputs.iter().any(|t| remap.contains_key(t)))
}

/// The plan of one subgraph.
struct SubPlan {
    plan: Vec<PlanRow>,
    refused: Vec<Refusal>,
    log: Vec<String>,
    delegated: usize,
    kernels: usize,
    partitions: usize,
    tie: Option<TieAtLimit>,
    /// The first delegate kernel whose Init fails, if any.
    init_failure: Option<InitFailure>,
}

/// A delegate kernel whose `Init` fails (delegate.cc:1413-1425): building its GPU model returned
/// `why`, because of node `op` (`None`: one of the partition's input or output tensors).
struct InitFailure {
    op: Option<usize>,
    why: String,
}

/// Why `BuildModelEnforceIO` (model_builder.cc:3486-3560) fails for one delegate partition:
/// first every non-constant input, then output tensor of the partition is read
/// (`PrecreateInputTensors` / `PrecreateOutputTensors`, 3400-3432), then each node is parsed in
/// the partition's order (the constant-fp16 DEQUANTIZEs are skipped).
fn init_failure(ctx: &GpuContext, s: &Subset, o: &classic::ClassicOptions, remap: &InputRemap) -> Option<InitFailure> {
    let io = s.inputs.iter().chain(s.outputs.iter()).find_map(|&t| classic::io_tensor_failure(ctx, t, o));
    if let Some(why) = io {
        return Some(InitFailure { op: None, why });
    }
    let (op, why) = classic::parse_failures(ctx, &s.nodes, o, Some(remap)).into_iter().next()?;
    Some(InitFailure { op: Some(op), why })
}

/// What the classic delegate and the interpreter log from `ReplaceNodeSubsetsWithDelegateKernels`
/// on: each kernel's Init runs as its node is added (subgraph.cc `AddNodeWithParameters`); a
/// failed Init logs "TfLiteGpuDelegate Init: …" and is not counted in "Created N GPU delegate
/// kernels." (delegate.cc:1554, the kernel's destructor undoes its count, 297-302). The
/// interpreter then prepares the plan (subgraph.cc `ModifyGraphWithDelegateImpl` →
/// `EnsureMemoryAllocations`): the first kernel without user data fails its Prepare
/// (delegate.cc:1433-1438, `ReportOpError` subgraph.cc:90-98) and the plan is restored (2507-2513).
fn classic_kernel_log(log: &mut Vec<String>, kernels: usize, failed: &[(usize, InitFailure)]) {
    log.extend(failed.iter().map(|(_, f)| format!("TfLiteGpuDelegate Init: {}", f.why)));
    log.push(format!("Created {} GPU delegate kernels.", kernels - failed.len()));
    if let Some((node, _)) = failed.first() {
        log.push("TfLiteGpuDelegate Prepare: delegate is not initialized".to_string());
        log.push(format!("Node number {node} ({CLASSIC_KERNEL}) failed to prepare."));
        log.push("Restored original execution plan after delegate application failure.".to_string());
    }
}

fn refusals(sg: &Subgraph, d: &Decision, stays_on_cpu: &[bool]) -> Vec<Refusal> {
    d.lines
        .iter()
        .enumerate()
        .filter(|(i, l)| l.is_some() && stays_on_cpu[*i])
        .map(|(i, l)| {
            let op: &Operator = &sg.operators[i];
            let line = l.as_deref().unwrap_or("");
            let prefix = format!("{}: ", super::op_name_by_registration(op));
            let detail = line.strip_prefix(&prefix).unwrap_or(line).to_string();
            Refusal { index: i, op: op.type_name(), version: op.version, reasons: vec![detail] }
        })
        .collect()
}

/// `GetOpsToReplace`'s log (model_builder.cc 3372-3391), as `TF_LITE_KERNEL_LOG` prints it.
fn not_supported_log(lines: &BTreeSet<&str>, chosen: usize, total: usize) -> Vec<String> {
    let mut log = vec!["ERROR: Following operations are not supported by GPU delegate:".to_string()];
    log.extend(lines.iter().map(|l| l.to_string()));
    log.push(if chosen > 0 {
        format!("{chosen} operations will run on the GPU, and the remaining {} operations will run on the CPU.", total - chosen)
    } else {
        format!("No operations will run on the GPU, and all {total} operations will run on the CPU.")
    });
    log
}

fn plan_subgraph(model: &Model<'_>, si: usize, flavor: Flavor, o: &GpuOptions) -> Result<SubPlan, partition::PartitionError> {
    let sg = &model.subgraphs[si];
    let n = sg.operators.len();
    let d = decide(model, si, flavor, o);
    let supported: Vec<usize> = (0..n).filter(|&i| d.lines[i].is_none()).collect();
    let popts = partition::Options {
        greedy: true,
        control_edges: crate::control_deps::for_subgraph(model, si),
        disable_node_fusion: false,
    };
    let plain = plan::graph_of(sg, &[], &d.remap);
    let preview = delegate_subsets(&plain, &supported, &popts)?;
    let limit = match flavor {
        Flavor::Classic => o.max_delegated_partitions.max(1) as usize,
        Flavor::LiteRt => 1,
    };
    // FP16GraphPartitionHelper::GetNodesOfFirstNLargestPartitionsImpl: Scenario 1 takes every
    // node when only the fp16 DEQUANTIZEs are refused; Scenario 2 the `limit` largest partitions.
    let (mut chosen, tie) = if supported.len() + d.fp16_dequantize.len() == n && n > 0 {
        ((0..n).collect::<Vec<_>>(), None)
    } else {
        let kept: Vec<usize> = plan::largest(&preview, limit).iter().flat_map(|s| s.nodes.iter().copied()).collect();
        (kept, plan::tie_at_limit(limit as i32, &preview))
    };
    chosen.sort_unstable();
    let on_gpu = node_mask(n, &chosen);
    let stays: Vec<bool> = on_gpu.iter().map(|g| !g).collect();
    let lines: BTreeSet<&str> = d.lines.iter().flatten().map(String::as_str).collect();
    let mut log = Vec::new();
    if !lines.is_empty() && n > chosen.len() {
        log = not_supported_log(&lines, chosen.len(), n);
    }
    // The chosen nodes read the fp16 constants directly; when none of them reads a remapped
    // tensor, that graph is the preview's, so it is not built again.
    let rewired_graph;
    let graph = if reads_remapped(sg, &chosen, &d.remap) {
        rewired_graph = plan::graph_of(sg, &chosen, &d.remap);
        &rewired_graph
    } else {
        &plain
    };
    let subsets: Vec<Subset> = partition::partition(graph, |i| on_gpu[i], &popts)?;
    let names = RowNames::new(model, si, true);
    let (rows, kernels) = if chosen.is_empty() { (plan::cpu_rows(&names, 0..n), 0) } else { plan::rows_of(&names, &subsets, flavor.kernel()) };
    if !chosen.is_empty() {
        log.push(plan::replacing_log(chosen.len(), n, flavor.kernel(), subsets.len(), si, &sg.name));
    }
    let mut failed = Vec::new();
    if flavor == Flavor::Classic {
        if !chosen.is_empty() {
            let ctx = GpuContext { model, subgraph: sg, index: si };
            let co = classic_options(o);
            let delegate_rows = rows.iter().filter(|r| r.is_delegate()).map(|r| r.index);
            let delegate_subsets = subsets.iter().filter(|s| s.kind == partition::Kind::Delegate);
            failed = delegate_rows
                .zip(delegate_subsets)
                .filter_map(|(row, s)| Some((row, init_failure(&ctx, s, &co, &d.remap)?)))
                .collect();
        }
        classic_kernel_log(&mut log, kernels, &failed);
    }
    Ok(SubPlan {
        plan: rows,
        refused: refusals(sg, &d, &stays),
        log,
        delegated: chosen.len(),
        kernels,
        partitions: if chosen.is_empty() { usize::from(n > 0) } else { subsets.len() },
        tie,
        init_failure: failed.into_iter().next().map(|(_, f)| f),
    })
}

fn assumptions(flavor: Flavor, o: &GpuOptions) -> Vec<String> {
    let mut a = vec!["the device's GPU driver builds every op the delegate accepts".to_string()];
    match flavor {
        Flavor::Classic => {
            a.push(format!(
                "the GPU backend is {} ({})",
                if o.backend == Backend::Cl { "OpenCL" } else { "OpenGL ES only" },
                if o.backend == Backend::Cl { "SPLIT and SPLIT_V are accepted" } else { "SPLIT and SPLIT_V are excluded" }
            ));
            a.push("--gpu-precision-loss-allowed changes the GPU's arithmetic, not which ops it runs".to_string());
        }
        Flavor::LiteRt => a.push(
            "LiteRT's GPU accelerator as in LiteRT 2.2–2.3 (ml_drift_delegate at google-ai-edge/LiteRT f674579; checked against ai-edge-litert 2.3.0)"
                .to_string(),
        ),
    }
    a.push("benchmark_model is run with --use_xnnpack=false (otherwise XNNPACK takes over the CPU ops as extra kernels)".to_string());
    a
}

fn delegate_name(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Classic => "GPU",
        Flavor::LiteRt => "LiteRT GPU",
    }
}

/// Analyse the model for one GPU delegate.
pub fn analyze(model: &Model<'_>, flavor: Flavor, o: &GpuOptions) -> GpuAnalysis {
    let n = model.subgraphs.first().map_or(0, |s| s.operators.len());
    let mut a = GpuAnalysis {
        delegate: flavor.id(),
        options: o.clone(),
        outcome: Outcome::None,
        total_nodes: n,
        delegated_nodes: 0,
        delegate_kernels: 0,
        partitions: 0,
        tie_at_limit: false,
        tie: None,
        plan: Vec::new(),
        refused: Vec::new(),
        other_subgraphs: Vec::new(),
        failure: None,
        dynamic: None,
        log: Vec::new(),
        assumptions: assumptions(flavor, o),
    };
    let message = format!("Failed to apply {} delegate.", delegate_name(flavor));
    if let Some((f, d)) = plan::static_only_failure(model, plan::delegated_subgraphs(model), &message, ".") {
        a.dynamic = d;
        return fail(a, f);
    }
    let mut plans = Vec::new();
    for si in plan::delegated_subgraphs(model) {
        let mut p = match plan_subgraph(model, si, flavor, o) {
            Ok(p) => p,
            Err(e) => {
                let reason = format!("the graph cannot be partitioned: {e}");
                return fail(a, Failure { message, reason, subgraph: Some(si), op_index: None });
            }
        };
        a.log.extend(p.log.iter().cloned());
        if si == 0 {
            a.refused = p.refused.clone();
        }
        if let Some(f) = p.init_failure.take() {
            return fail(a, init_failure_report(f, si, message));
        }
        plans.push((si, p));
    }
    finish(a, model, plans)
}

fn init_failure_report(f: InitFailure, si: usize, message: String) -> Failure {
    let reason = match f.op {
        Some(op) => format!("op {op} was accepted, but building the GPU model fails: {}", f.why),
        None => format!("a tensor of the GPU partition cannot be read, so building the GPU model fails: {}", f.why),
    };
    Failure { message, reason, subgraph: Some(si), op_index: f.op }
}

/// Whether a subgraph's plan is one delegate kernel (an empty subgraph has nothing to delegate).
fn one_kernel(plan: &[PlanRow]) -> bool {
    plan.is_empty() || (plan.len() == 1 && plan[0].is_delegate())
}

fn other_plan(model: &Model<'_>, si: usize, p: SubPlan) -> GpuSubgraphPlan {
    let sg = &model.subgraphs[si];
    GpuSubgraphPlan {
        index: si,
        name: sg.name.clone(),
        total_nodes: sg.operators.len(),
        delegated_nodes: p.delegated,
        delegate_kernels: p.kernels,
        partitions: p.partitions,
        tie: p.tie,
        plan: p.plan,
        refused: p.refused,
        log: p.log,
    }
}

/// The primary subgraph's plan fills the top-level fields; the others go to `other_subgraphs`.
fn finish(mut a: GpuAnalysis, model: &Model<'_>, plans: Vec<(usize, SubPlan)>) -> GpuAnalysis {
    let mut plans = plans.into_iter();
    let Some((_, main)) = plans.next() else { return a };
    a.other_subgraphs = plans.map(|(si, p)| other_plan(model, si, p)).collect();
    let others = &a.other_subgraphs;
    a.delegated_nodes = main.delegated;
    a.delegate_kernels = main.kernels;
    a.partitions = main.partitions;
    a.tie_at_limit = main.tie.is_some() || others.iter().any(|p| p.tie.is_some());
    a.tie = main.tie;
    let kernels = main.kernels + others.iter().map(|p| p.delegate_kernels).sum::<usize>();
    a.outcome = if kernels == 0 {
        Outcome::None
    } else if one_kernel(&main.plan) && others.iter().all(|p| one_kernel(&p.plan)) {
        Outcome::Full
    } else {
        Outcome::Partial
    };
    a.plan = main.plan;
    a
}

fn fail(mut a: GpuAnalysis, f: Failure) -> GpuAnalysis {
    a.outcome = Outcome::Fails;
    a.log.push(f.message.clone());
    a.failure = Some(f);
    a.plan.clear();
    a.other_subgraphs.clear();
    a.delegated_nodes = 0;
    a.delegate_kernels = 0;
    a
}
