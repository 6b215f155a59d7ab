//! What the XNNPACK delegate does with its node decisions: `Delegate::PrepareOpsToDelegate`
//! (xnnpack_delegate.cc 7206-7722) and `DelegatePrepare` (7754-7790), then the plan that
//! `ReplaceNodeSubsetsWithDelegateKernels` leaves (tflite/core/subgraph.cc).
//!
//! * Nodes are looked at in execution-plan order. A DEQUANTIZE of a static fp16 / quantized int8
//!   tensor and a DENSIFY of a static sparse tensor are "static-unpack" nodes: not visited, taken
//!   at the end unless a refused node reads their output.
//! * Every other node goes through `Subgraph::VisitNode` ([`super::rules`]).
//! * All nodes taken are handed over at once: every partition becomes a delegate kernel (there is
//!   no partition limit), named `TfLiteXNNPackDelegate` (`kSubgraphRegistration`).
//! * XNNPACK advertises `kTfLiteDelegateFlagsAllowDynamicTensors` unless
//!   `DISABLE_SUBGRAPH_RESHAPING` is set (`Delegate` constructor), so by default the interpreter
//!   does not prepare the graph before delegating.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::rules::{self, Ctx};
use super::XnnpackOptions;
use crate::model::{BuiltinOperator as B, Model, Operator, Subgraph, TensorType};
use crate::partition::{self, Subset};
use crate::plan::{self, node_mask, DynamicTensors, Failure, Outcome, PlanRow, Refusal, RowNames};

/// The delegate kernel's name (`kSubgraphRegistration.custom_name`).
pub const KERNEL: &str = "TfLiteXNNPackDelegate";
/// benchmark_model's line when `ModifyGraphWithDelegate` fails (the provider is named "XNNPACK").
pub const FAILURE_MESSAGE: &str = "Failed to apply XNNPACK delegate.";

/// What XNNPACK takes from one subgraph.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The nodes taken (original node indices, execution-plan order).
    pub nodes: Vec<usize>,
    /// The refusals of the nodes it looked at (the nodes of other delegates' kernels excluded).
    pub refused: Vec<Refusal>,
    /// Why creating the delegate kernels fails, if it does (the whole application then fails).
    pub failure: Option<Failure>,
    /// What the visits really log (only the MediaPipe custom ops log while detecting).
    pub log: Vec<String>,
}

/// The XNNPACK delegate's analysis of a model, in the shape of the GPU analysis (docs/json.md).
#[derive(Debug, Clone, Serialize)]
pub struct XnnpackAnalysis {
    pub delegate: &'static str,
    pub options: XnnpackOptions,
    pub outcome: Outcome,
    pub total_nodes: usize,
    pub delegated_nodes: usize,
    pub delegate_kernels: usize,
    pub partitions: usize,
    /// Always false: every partition is kept (there is no limit to tie at).
    pub tie_at_limit: bool,
    pub plan: Vec<PlanRow>,
    /// Every node XNNPACK refuses, with the source's message for it.
    pub refused: Vec<Refusal>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_subgraphs: Vec<XnnpackSubgraphPlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic: Option<DynamicTensors>,
    /// What the interpreter logs (XNNPACK itself logs nothing while it decides).
    pub log: Vec<String>,
    pub assumptions: Vec<String>,
}

/// The delegate's plan of a subgraph after the first.
#[derive(Debug, Clone, Serialize)]
pub struct XnnpackSubgraphPlan {
    pub index: usize,
    pub name: String,
    pub total_nodes: usize,
    pub delegated_nodes: usize,
    pub delegate_kernels: usize,
    pub partitions: usize,
    pub plan: Vec<PlanRow>,
    pub refused: Vec<Refusal>,
    pub log: Vec<String>,
}

/// `registration->builtin_code == kTfLiteBuiltinDequantize` with one input and one output, whose
/// input is static (or quasi-static), dense, fp16 or int8 with affine quantization, and whose
/// output is fp32 (7299-7316).
fn is_static_dequantize(sg: &Subgraph, op: &Operator, quasi_static: &HashSet<i32>) -> bool {
    if op.code != B::DEQUANTIZE || op.inputs.len() != 1 || op.outputs.len() != 1 {
        return false;
    }
    let (Some(input), Some(output)) = (sg.tensor(op.inputs[0]), sg.tensor(op.outputs[0])) else { return false };
    let int8_with_params = input.dtype == TensorType::INT8 && input.quantization.is_some();
    !input.sparse
        && (input.is_const() || quasi_static.contains(&op.inputs[0]))
        && (input.dtype == TensorType::FLOAT16 || int8_with_params)
        && output.dtype == TensorType::FLOAT32
}

/// A DENSIFY of a static sparse fp32 / fp16 / int8 tensor into a tensor of the same type (7375-7386).
fn is_static_densify(sg: &Subgraph, op: &Operator) -> bool {
    if op.code != B::DENSIFY || op.inputs.len() != 1 || op.outputs.len() != 1 {
        return false;
    }
    let (Some(input), Some(output)) = (sg.tensor(op.inputs[0]), sg.tensor(op.outputs[0])) else { return false };
    input.is_const()
        && input.sparse
        && matches!(input.dtype, TensorType::FLOAT16 | TensorType::INT8 | TensorType::FLOAT32)
        && output.dtype == input.dtype
}

/// `PrepareOpsToDelegate` for subgraph `si`; `taken[i]`: node i is inside another delegate's
/// kernel (that kernel node is visited and refused: `VisitNode` has no case for
/// kTfLiteBuiltinDelegate, so the static-unpack nodes it reads are not taken).
pub fn select(model: &Model<'_>, si: usize, taken: &[bool], o: &XnnpackOptions) -> Selection {
    let Some(sg) = model.subgraphs.get(si) else { return Selection::default() };
    let n = sg.operators.len();
    let is_taken = |i: usize| taken.get(i).copied().unwrap_or(false);
    let mut quasi_static: HashSet<i32> = HashSet::new();
    // quasi-static tensor → the static-unpack node that makes it
    let mut producers: HashMap<i32, usize> = HashMap::new();
    let mut unpack = vec![false; n];
    let mut chosen = Vec::new();
    let mut refused = Vec::new();
    let log = RefCell::new(Vec::new());
    let resources = RefCell::new(rules::Resources::default());
    for i in 0..n {
        let op = &sg.operators[i];
        if !is_taken(i) {
            let static_unpack = is_static_dequantize(sg, op, &quasi_static) || is_static_densify(sg, op);
            if static_unpack {
                unpack[i] = true;
                producers.insert(op.outputs[0], i);
                quasi_static.insert(op.outputs[0]);
                continue;
            }
            let ctx = Ctx { model, sg, si, flags: &o.flags, quasi_static: &quasi_static, log: &log, resources: &resources };
            match rules::visit_node(&ctx, i) {
                Ok(()) => {
                    chosen.push(i);
                    continue;
                }
                Err(reason) => refused.push(Refusal { index: i, op: op.type_name(), version: op.version, reasons: vec![reason] }),
            }
        }
        // A refused node (or another delegate's kernel reading this node's inputs): the
        // static-unpack nodes it reads are not taken (7409-7418).
        for t in &op.inputs {
            if let Some(&p) = producers.get(t) {
                unpack[p] = false;
            }
        }
    }
    // Variables read or assigned by taken nodes bring their VAR_HANDLE (7420-7427).
    let handles = resources.borrow().delegated_var_handles();
    refused.retain(|r| !handles.contains(&r.index));
    chosen.extend(handles);
    chosen.extend((0..n).filter(|&i| unpack[i]));
    chosen.sort_unstable();
    chosen.dedup();
    let unpacked: Vec<usize> = (0..n).filter(|&i| unpack[i]).collect();
    let failure = super::create::failure(model, si, &chosen, &unpacked, o);
    Selection { nodes: chosen, refused, failure, log: log.into_inner() }
}

/// The plan of one subgraph.
struct SubPlan {
    plan: Vec<PlanRow>,
    refused: Vec<Refusal>,
    log: Vec<String>,
    delegated: usize,
    kernels: usize,
    partitions: usize,
    failure: Option<Failure>,
}

fn plan_subgraph(model: &Model<'_>, si: usize, o: &XnnpackOptions, prepared: bool) -> Result<SubPlan, partition::PartitionError> {
    let sg = &model.subgraphs[si];
    let n = sg.operators.len();
    let s = select(model, si, &[], o);
    let names = RowNames::new(model, si, prepared);
    if s.nodes.is_empty() {
        let plan = plan::cpu_rows(&names, 0..n);
        return Ok(SubPlan { plan, refused: s.refused, log: Vec::new(), delegated: 0, kernels: 0, partitions: usize::from(n > 0), failure: s.failure });
    }
    let popts = partition::Options {
        greedy: true,
        control_edges: crate::control_deps::for_subgraph(model, si),
        disable_node_fusion: false,
    };
    let graph = plan::graph_of(sg, &[], &HashMap::new());
    let mask = node_mask(n, &s.nodes);
    let subsets: Vec<Subset> = partition::partition(&graph, |i| mask[i], &popts)?;
    let (rows, kernels) = plan::rows_of(&names, &subsets, KERNEL);
    let log = vec![plan::replacing_log(s.nodes.len(), n, KERNEL, subsets.len(), si, &sg.name)];
    let mut failure = s.failure;
    if let Some(f) = failure.as_mut() {
        super::create::number_failed_kernel(f, n, &subsets);
    }
    Ok(SubPlan { plan: rows, refused: s.refused, log, delegated: s.nodes.len(), kernels, partitions: subsets.len(), failure })
}

fn assumptions(o: &XnnpackOptions) -> Vec<String> {
    let names = o.flags.names();
    vec![
        format!(
            "XNNPACK delegate flags: {} ({})",
            if names.is_empty() { "none".to_string() } else { names.join(", ") },
            if o.flags == super::XnnpackFlags::default() { "TFLite's default build" } else { "as given" }
        ),
        "XNNPACK logs nothing while it decides: the reasons are the delegate source's own TF_LITE_MAYBE_KERNEL_LOG messages (printed only in builds with XNNPACK_DELEGATE_ENABLE_LOGGING), not a log line".to_string(),
        "XNNPACK is applied on its own (benchmark_model --use_xnnpack=true, no other delegate)".to_string(),
    ]
}

/// Analyse the model for the XNNPACK delegate applied on its own.
pub fn analyze(model: &Model<'_>, o: &XnnpackOptions) -> XnnpackAnalysis {
    let n = model.subgraphs.first().map_or(0, |s| s.operators.len());
    let mut a = XnnpackAnalysis {
        delegate: "xnnpack",
        options: o.clone(),
        outcome: Outcome::None,
        total_nodes: n,
        delegated_nodes: 0,
        delegate_kernels: 0,
        partitions: 0,
        tie_at_limit: false,
        plan: Vec::new(),
        refused: Vec::new(),
        other_subgraphs: Vec::new(),
        failure: None,
        dynamic: None,
        log: Vec::new(),
        assumptions: assumptions(o),
    };
    let prepared = o.flags.disable_subgraph_reshaping;
    if prepared {
        let hint = "; without DISABLE_SUBGRAPH_RESHAPING the delegate would allow it.";
        if let Some((f, d)) = plan::static_only_failure(model, plan::delegated_subgraphs(model), FAILURE_MESSAGE, hint) {
            a.dynamic = d;
            return fail(a, f);
        }
    }
    let mut plans = Vec::new();
    for si in plan::delegated_subgraphs(model) {
        let mut p = match plan_subgraph(model, si, o, prepared) {
            Ok(p) => p,
            Err(e) => {
                let reason = format!("the graph cannot be partitioned: {e}");
                return fail(a, Failure { message: FAILURE_MESSAGE.into(), reason, subgraph: Some(si), op_index: None });
            }
        };
        a.log.extend(p.log.iter().cloned());
        if si == 0 {
            a.refused = p.refused.clone();
        }
        if let Some(f) = p.failure.take() {
            return fail(a, f);
        }
        plans.push((si, p));
    }
    finish(a, model, plans)
}

fn one_kernel(plan: &[PlanRow]) -> bool {
    plan.is_empty() || (plan.len() == 1 && plan[0].is_delegate())
}

fn finish(mut a: XnnpackAnalysis, model: &Model<'_>, plans: Vec<(usize, SubPlan)>) -> XnnpackAnalysis {
    let mut plans = plans.into_iter();
    let Some((_, main)) = plans.next() else { return a };
    a.other_subgraphs = plans
        .map(|(si, p)| XnnpackSubgraphPlan {
            index: si,
            name: model.subgraphs[si].name.clone(),
            total_nodes: model.subgraphs[si].operators.len(),
            delegated_nodes: p.delegated,
            delegate_kernels: p.kernels,
            partitions: p.partitions,
            plan: p.plan,
            refused: p.refused,
            log: p.log,
        })
        .collect();
    let others = &a.other_subgraphs;
    let kernels = main.kernels + others.iter().map(|p| p.delegate_kernels).sum::<usize>();
    a.outcome = if kernels == 0 {
        Outcome::None
    } else if one_kernel(&main.plan) && others.iter().all(|p| one_kernel(&p.plan)) {
        Outcome::Full
    } else {
        Outcome::Partial
    };
    a.delegated_nodes = main.delegated;
    a.delegate_kernels = main.kernels;
    a.partitions = main.partitions;
    a.plan = main.plan;
    a
}

fn fail(mut a: XnnpackAnalysis, f: Failure) -> XnnpackAnalysis {
    a.outcome = Outcome::Fails;
    a.log.push(f.message.clone());
    a.failure = Some(f);
    a.plan.clear();
    a.other_subgraphs.clear();
    a.delegated_nodes = 0;
    a.delegate_kernels = 0;
    a
}
