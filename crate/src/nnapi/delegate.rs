//! What `StatefulNnApiDelegate::DoPrepare` does with a model on a given device and options
//! (tflite/delegates/nnapi/nnapi_delegate.cc), and the plan the interpreter ends up with
//! (`Subgraph::ReplaceNodeSubsetsWithDelegateKernels`, tflite/core/subgraph.cc).
//!
//! Device facts a phone would answer at run time are assumptions here, stated in every analysis:
//! the driver supports every op that passes validation, and (unless a device list is given) the
//! phone has an accelerator besides `nnapi-reference` and any accelerator that is named.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::rules::{self, nnapi_can_represent, ValidateContext};
use crate::dynamic;
use crate::model::{type_name, BuiltinOperator as B, Model, Operator, Subgraph, TensorType};
use crate::partition::{self, Graph, Kind, Node, Subset};
use crate::shapes;

pub const NNAPI_REFERENCE: &str = "nnapi-reference";
pub const KERNEL_NAME: &str = "TfLiteNnapiDelegate";

/// The delegate options, named after benchmark_model's flags, with its defaults.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// Android API level of the device (`ro.build.version.sdk`).
    pub sdk: u32,
    /// `--disable_nnapi_cpu` (default true): only real accelerators, never nnapi-reference (API ≥ 29).
    pub disable_nnapi_cpu: bool,
    /// `--nnapi_accelerator_name`.
    pub accelerator_name: Option<String>,
    /// `--max_delegated_partitions` (default 0 = no limit; the delegate's own default is 3).
    pub max_delegated_partitions: i32,
    /// `--disable_delegate_clustering`: non-greedy partitioning.
    pub disable_delegate_clustering: bool,
    /// `--nnapi_allow_dynamic_dimensions`.
    pub allow_dynamic_dimensions: bool,
    /// NNAPI runtime feature level; derived from `sdk` when not given.
    pub feature_level: Option<i64>,
    /// Feature level of the target device(s); defaults to the runtime's.
    pub device_feature_level: Option<i64>,
    /// NNAPI device names on the phone, when known; otherwise any named accelerator is assumed present.
    pub devices: Option<Vec<String>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sdk: 29,
            disable_nnapi_cpu: true,
            accelerator_name: None,
            max_delegated_partitions: 0,
            disable_delegate_clustering: false,
            allow_dynamic_dimensions: false,
            feature_level: None,
            device_feature_level: None,
            devices: None,
        }
    }
}

/// `ANeuralNetworks_getRuntimeFeatureLevel()` of a stock device at each API level.
pub fn runtime_feature_level(sdk: u32) -> i64 {
    match sdk {
        0..=30 => sdk as i64,
        31 | 32 => 31,
        33 => 1_000_006,
        34 => 1_000_007,
        _ => 1_000_008,
    }
}

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

#[derive(Debug, Clone, Serialize)]
pub struct SubgraphPlan {
    pub index: usize,
    pub name: String,
    pub total_nodes: usize,
    pub delegated_nodes: usize,
    pub delegate_kernels: usize,
    /// All subsets, CPU and delegate, as the "Replacing …" log line counts them.
    pub partitions: usize,
    pub plan: Vec<PlanRow>,
    pub refused: Vec<Refusal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub sdk: u32,
    pub options: Options,
    /// The level Validate runs at (NNAPI feature level), absent when NNAPI is not used at all.
    pub level: Option<i64>,
    pub accelerator_specified: bool,
    pub outcome: Outcome,
    pub total_nodes: usize,
    pub delegated_nodes: usize,
    pub delegate_kernels: usize,
    pub partitions: usize,
    /// Run order of the primary subgraph.
    pub plan: Vec<PlanRow>,
    pub refused: Vec<Refusal>,
    /// Subgraphs after the first (control-flow bodies), when the model has any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_subgraphs: Vec<SubgraphPlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// Lines benchmark_model / the interpreter would log.
    pub log: Vec<String>,
    /// What was assumed about the device.
    pub assumptions: Vec<String>,
}

/// How the delegate sees the device: `DoPrepare`'s first half.
#[derive(Debug, Clone, Copy)]
struct Setting {
    level: i64,
    accel: bool,
    /// The device is queried for supported ops (the "targeted" path at API ≥ 29).
    queries_device: bool,
}

enum Start {
    Use(Setting),
    Nothing(String),
    Error(String),
}

fn start(o: &Options) -> Start {
    if o.sdk < 27 {
        return Start::Nothing(format!(
            "NNAPI needs Android 8.1 (API 27) or later; API {} has none, so the delegate does nothing",
            o.sdk
        ));
    }
    let runtime = o.feature_level.unwrap_or_else(|| runtime_feature_level(o.sdk));
    let named = o.accelerator_name.as_deref();
    let targeted = (o.disable_nnapi_cpu && o.sdk >= 29) || named.is_some();
    let accel = (o.disable_nnapi_cpu && o.sdk >= 29) || named.is_some_and(|n| n != NNAPI_REFERENCE);
    let accel = if named == Some(NNAPI_REFERENCE) { false } else { accel };
    if o.sdk < 29 {
        return Start::Use(Setting { level: o.sdk as i64, accel, queries_device: false });
    }
    let devices = o.devices.as_deref();
    if targeted {
        if let (Some(name), Some(list)) = (named, devices) {
            if !list.iter().any(|d| d == name) {
                return Start::Error(format!(
                    "Could not find the specified NNAPI accelerator: {name}. Must be one of: {{{}}}.",
                    list.join(",")
                ));
            }
        } else if named.is_none() && devices.is_some_and(|l| l.iter().all(|d| d == NNAPI_REFERENCE)) {
            return Start::Nothing(
                "the device has no NNAPI accelerator besides nnapi-reference, which --disable-nnapi-cpu excludes".into(),
            );
        }
        let device = o.device_feature_level.unwrap_or(runtime);
        let level = if device > 0 && device < runtime { device } else { runtime };
        return Start::Use(Setting { level, accel, queries_device: accel });
    }
    if devices.is_some_and(|l| l.len() <= 1) {
        return Start::Nothing("the device has only one NNAPI device (nnapi-reference), so the delegate does nothing".into());
    }
    Start::Use(Setting { level: o.sdk as i64, accel, queries_device: false })
}

/// Analyse the model for one set of options.
pub fn analyze(model: &Model<'_>, o: &Options) -> Analysis {
    let mut a = empty_analysis(model, o);
    if let Some(f) = dynamic_failure(model, o) {
        return fail(a, f);
    }
    let setting = match start(o) {
        Start::Use(s) => s,
        Start::Nothing(reason) => return allocate(unchanged(a, model, reason), model, o),
        Start::Error(reason) => {
            return fail(a, Failure { message: "Failed to apply NNAPI delegate.".into(), reason, subgraph: None, op_index: None })
        }
    };
    a.level = Some(setting.level);
    a.accelerator_specified = setting.accel;
    let mut plans = Vec::with_capacity(model.subgraphs.len());
    for (si, sg) in delegated_subgraphs(model) {
        match prepare_subgraph(model, si, sg, o, setting) {
            Ok(p) => plans.push(p),
            Err((f, refused)) => {
                if si == 0 {
                    a.refused = refused;
                }
                return fail(a, f);
            }
        }
    }
    allocate(finish(a, plans), model, o)
}

/// The interpreter applies a delegate to every subgraph except validation subgraphs
/// (`IsValidationSubgraph`, tflite/core/interpreter.cc: names starting with "VALIDATION:").
fn delegated_subgraphs<'m>(model: &'m Model<'_>) -> impl Iterator<Item = (usize, &'m Subgraph)> {
    model.subgraphs.iter().enumerate().filter(|(i, sg)| *i == 0 || !sg.name.starts_with("VALIDATION:"))
}

fn empty_analysis(model: &Model<'_>, o: &Options) -> Analysis {
    let mut assumptions = vec![
        "the device's NNAPI driver supports every op that passes the delegate's validation".to_string(),
        "benchmark_model is run with --use_xnnpack=false (otherwise XNNPACK takes over the CPU ops as extra kernels)"
            .to_string(),
    ];
    if o.devices.is_none() && o.sdk >= 29 {
        assumptions.push(match &o.accelerator_name {
            Some(n) => format!("the device has an NNAPI accelerator named {n:?}"),
            None => "the device has an NNAPI accelerator besides nnapi-reference".to_string(),
        });
    }
    Analysis {
        sdk: o.sdk,
        options: o.clone(),
        level: None,
        accelerator_specified: false,
        outcome: Outcome::None,
        total_nodes: model.subgraphs.first().map_or(0, |s| s.operators.len()),
        delegated_nodes: 0,
        delegate_kernels: 0,
        partitions: 0,
        plan: Vec::new(),
        refused: Vec::new(),
        other_subgraphs: Vec::new(),
        failure: None,
        log: Vec::new(),
        assumptions,
    }
}

/// The interpreter refuses a delegate without dynamic-tensor support when preparing makes any tensor dynamic.
fn dynamic_failure(model: &Model<'_>, o: &Options) -> Option<Failure> {
    if o.allow_dynamic_dimensions && o.sdk >= 28 {
        return None;
    }
    for (si, sg) in delegated_subgraphs(model) {
        let dynamic = dynamic::first_dynamic_tensor(sg);
        // One walk in plan order: a failing Prepare before (or at) the first dynamic op decides.
        if si == 0 {
            if let Some(f) = shapes::first_failure(model, sg, dynamic.map(|d| d.0)) {
                return Some(prepare_failure(f, "Failed to apply NNAPI delegate."));
            }
        }
        if let Some((op, tensor)) = dynamic {
            return Some(Failure {
                message: "Failed to apply NNAPI delegate.".into(),
                reason: format!(
                    "Attempting to use a delegate that only supports static-sized tensors with a graph that has dynamic-sized tensors (tensor#{tensor} is a dynamic-sized tensor). It is made by op {op} ({}){}; --nnapi-allow-dynamic-dimensions would allow it.",
                    sg.operators.get(op).map_or_else(String::new, |o| o.type_name()),
                    if si > 0 { format!(" of subgraph {si}") } else { String::new() }
                ),
                subgraph: Some(si),
                op_index: Some(op),
            });
        }
    }
    None
}

/// A kernel's Prepare fails on the primary subgraph's shapes (see `shapes`).
fn prepare_failure(f: shapes::PrepareFailure, message: &str) -> Failure {
    Failure { message: message.into(), reason: f.reason(), subgraph: Some(0), op_index: Some(f.op_index) }
}

/// With dynamic dimensions allowed (API ≥ 28) the interpreter prepares nothing before the
/// delegate decides (subgraph.cc ModifyGraphWithDelegateImpl); the delegate asks for propagated
/// shapes (kTfLiteDelegateFlagsRequirePropagatedShapes, nnapi_delegate.cc), so AllocateTensors
/// then prepares the original plan, delegated ops included, up to the first dynamic op
/// (PrepareOpsAndTensors): a failure there makes benchmark_model stop after the delegate is applied.
fn allocate(a: Analysis, model: &Model<'_>, o: &Options) -> Analysis {
    if !(o.allow_dynamic_dimensions && o.sdk >= 28) || a.outcome == Outcome::Fails {
        return a;
    }
    let Some(sg) = model.subgraphs.first() else { return a };
    let dynamic = dynamic::first_dynamic_tensor(sg).map(|d| d.0);
    match shapes::first_failure(model, sg, dynamic) {
        Some(f) => fail(a, prepare_failure(f, "Failed to allocate tensors!")),
        None => a,
    }
}

fn fail(mut a: Analysis, f: Failure) -> Analysis {
    a.outcome = Outcome::Fails;
    a.log.push(f.message.clone());
    a.failure = Some(f);
    a.plan.clear();
    a.other_subgraphs.clear();
    a.delegated_nodes = 0;
    a.delegate_kernels = 0;
    a
}

fn unchanged(mut a: Analysis, model: &Model<'_>, reason: String) -> Analysis {
    a.outcome = Outcome::None;
    if let Some(sg) = model.subgraphs.first() {
        a.plan = cpu_rows(sg, 0..sg.operators.len());
        a.partitions = usize::from(!sg.operators.is_empty());
    }
    a.log.push("Though NNAPI delegate is explicitly applied, the model graph will not be executed by the delegate.".into());
    a.failure = Some(Failure { message: "The delegate does nothing.".into(), reason, subgraph: None, op_index: None });
    a
}

fn finish(mut a: Analysis, mut plans: Vec<SubgraphPlan>) -> Analysis {
    let others = plans.split_off(1.min(plans.len()));
    if let Some(main) = plans.pop() {
        a.total_nodes = main.total_nodes;
        a.delegated_nodes = main.delegated_nodes;
        a.delegate_kernels = main.delegate_kernels;
        a.partitions = main.partitions;
        a.plan = main.plan;
        a.refused = main.refused;
        a.log.extend(main.log);
    }
    a.log.extend(others.iter().filter_map(|p| p.log.clone()));
    let kernels: usize = a.delegate_kernels + others.iter().map(|p| p.delegate_kernels).sum::<usize>();
    a.outcome = if kernels == 0 {
        Outcome::None
    } else if a.plan.len() == 1 && a.plan[0].is_delegate() && others.iter().all(|p| p.plan.len() <= 1) {
        Outcome::Full
    } else {
        Outcome::Partial
    };
    a.log.push(match a.outcome {
        Outcome::Full => "Explicitly applied NNAPI delegate, and the model graph will be completely executed by the delegate.".into(),
        Outcome::Partial => format!(
            "Explicitly applied NNAPI delegate, and the model graph will be partially executed by the delegate w/ {} delegate kernels.",
            kernels
        ),
        _ => "Though NNAPI delegate is explicitly applied, the model graph will not be executed by the delegate.".into(),
    });
    a.other_subgraphs = others;
    a
}

/// Validate every op; refused ones with the delegate's reasons.
struct Validation {
    supported: Vec<bool>,
    refused: Vec<Refusal>,
    /// fp16 path: node inputs rewired to fp16 constants when delegated (3.2 of the digest).
    fp16: Option<Fp16>,
}

struct Fp16 {
    /// DEQUANTIZE output tensor → its fp16 constant input.
    remap: HashMap<i32, i32>,
    dequant_nodes: Vec<usize>,
}

fn is_const_fp16_dequantize(sg: &Subgraph, op: &Operator) -> bool {
    op.code == B::DEQUANTIZE
        && op.input(0).and_then(|t| sg.tensors.get(t)).is_some_and(|t| t.dtype == TensorType::FLOAT16 && t.is_const())
}

fn remapped(op: &Operator, remap: &HashMap<i32, i32>) -> Operator {
    let mut op = op.clone();
    for t in op.inputs.iter_mut() {
        if let Some(&fp16) = remap.get(t) {
            *t = fp16;
        }
    }
    op
}

fn validate_all(model: &Model<'_>, sg: &Subgraph, s: Setting) -> Validation {
    let ctx = ValidateContext { model, subgraph: sg, level: s.level, accel: s.accel };
    let fp16_nodes: Vec<usize> =
        sg.operators.iter().enumerate().filter(|(_, op)| is_const_fp16_dequantize(sg, op)).map(|(i, _)| i).collect();
    let remap: HashMap<i32, i32> = fp16_nodes
        .iter()
        .filter_map(|&i| Some((*sg.operators[i].outputs.first()?, *sg.operators[i].inputs.first()?)))
        .collect();
    let fp16_mask = node_mask(sg.operators.len(), &fp16_nodes);
    let mut supported = Vec::with_capacity(sg.operators.len());
    let mut refused = Vec::new();
    for (i, op) in sg.operators.iter().enumerate() {
        let reasons = if fp16_mask[i] {
            vec!["A DEQUANTIZE of constant fp16 weights stays on the CPU; the ops reading it use the fp16 weights directly (fp16 path).".to_string()]
        } else if remap.is_empty() {
            rules::validate(&ctx, op)
        } else {
            rules::validate(&ctx, &remapped(op, &remap))
        };
        supported.push(reasons.is_empty());
        if !reasons.is_empty() {
            refused.push(Refusal { index: i, op: op.type_name(), version: op.version, reasons });
        }
    }
    let fp16 = (!fp16_nodes.is_empty()).then_some(Fp16 { remap, dequant_nodes: fp16_nodes });
    Validation { supported, refused, fp16 }
}

/// The graph as the partitioner sees it, with some inputs rewired (fp16 path).
fn graph_of(sg: &Subgraph, remap_nodes: &[usize], remap: &HashMap<i32, i32>) -> Graph {
    let remap_nodes = node_mask(sg.operators.len(), remap_nodes);
    let nodes = sg
        .operators
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let op = if remap_nodes[i] { remapped(op, remap) } else { op.clone() };
            let side_effect = matches!(op.code, B::IF | B::WHILE | B::CALL_ONCE)
                || op.inputs.iter().chain(op.outputs.iter()).any(|&t| sg.tensor(t).is_some_and(|t| t.dtype == TensorType::RESOURCE));
            Node { inputs: op.inputs, outputs: op.outputs, side_effect }
        })
        .collect();
    Graph { nodes, tensor_count: sg.tensors.len(), outputs: sg.outputs.clone() }
}

fn partition_opts(o: &Options, model: &Model<'_>, si: usize) -> partition::Options {
    partition::Options {
        greedy: !o.disable_delegate_clustering,
        control_edges: crate::control_deps::for_subgraph(model, si),
        disable_node_fusion: false,
    }
}

/// The plan of one subgraph, or the failure with the ops Validate refused (still worth showing).
fn prepare_subgraph(
    model: &Model<'_>,
    si: usize,
    sg: &Subgraph,
    o: &Options,
    s: Setting,
) -> Result<SubgraphPlan, (Failure, Vec<Refusal>)> {
    let mut v = validate_all(model, sg, s);
    let refused = std::mem::take(&mut v.refused);
    plan_subgraph(model, si, sg, o, s, &v).map(|mut p| {
        p.refused = refused.clone();
        p
    }).map_err(|f| (f, refused))
}

fn plan_subgraph(
    model: &Model<'_>,
    si: usize,
    sg: &Subgraph,
    o: &Options,
    s: Setting,
    v: &Validation,
) -> Result<SubgraphPlan, Failure> {
    let popts = partition_opts(o, model, si);
    let partition_err = |e: partition::PartitionError| Failure {
        message: "Failed to apply NNAPI delegate.".into(),
        reason: format!("the graph cannot be partitioned: {e}"),
        subgraph: Some(si),
        op_index: None,
    };
    let plain = graph_of(sg, &[], &HashMap::new());
    let mut supported: Vec<usize> = (0..sg.operators.len()).filter(|&i| v.supported[i]).collect();
    let mut graph = plain.clone();
    if let Some(fp16) = &v.fp16 {
        supported = fp16_selection(sg, &plain, &supported, fp16, &popts).map_err(partition_err)?;
        graph = graph_of(sg, &supported, &fp16.remap);
    }
    if supported.is_empty() {
        return Ok(cpu_only_plan(si, sg, Vec::new()));
    }
    let preview = delegate_subsets(&graph, &supported, &popts).map_err(partition_err)?;
    if s.queries_device {
        // The device query builds an NNAPI model for every validated partition.
        check_buildable(si, sg, &supported)?;
    }
    let chosen = limit_partitions(o.max_delegated_partitions, &preview, supported);
    if !s.queries_device {
        // Without the query, only the kernels that are created build an NNAPI model.
        check_buildable(si, sg, &chosen)?;
    }
    let mask = node_mask(sg.operators.len(), &chosen);
    let subsets = partition::partition(&graph, |i| mask[i], &popts).map_err(partition_err)?;
    Ok(plan_of(si, sg, &subsets, chosen.len(), Vec::new()))
}

/// FP16GraphPartitionHelper (tflite/delegates/utils.cc): all nodes when everything else is
/// supported, else the supported nodes of every partition (the DEQUANTIZEs stay on the CPU).
fn fp16_selection(
    sg: &Subgraph,
    plain: &Graph,
    supported: &[usize],
    fp16: &Fp16,
    popts: &partition::Options,
) -> Result<Vec<usize>, partition::PartitionError> {
    if supported.len() + fp16.dequant_nodes.len() == sg.operators.len() {
        return Ok((0..sg.operators.len()).collect());
    }
    let subsets = delegate_subsets(plain, supported, popts)?;
    let mut nodes: Vec<usize> = subsets.iter().flat_map(|s| s.nodes.iter().copied()).collect();
    nodes.sort_unstable();
    Ok(nodes)
}

/// A membership table for node indices (the lists can hold thousands of nodes).
fn node_mask(n: usize, nodes: &[usize]) -> Vec<bool> {
    let mut mask = vec![false; n];
    for &i in nodes {
        if let Some(m) = mask.get_mut(i) {
            *m = true;
        }
    }
    mask
}

fn delegate_subsets(graph: &Graph, nodes: &[usize], popts: &partition::Options) -> Result<Vec<Subset>, partition::PartitionError> {
    let mask = node_mask(graph.nodes.len(), nodes);
    let subsets = partition::partition(graph, |i| mask[i], popts)?;
    Ok(subsets.into_iter().filter(|s| s.kind == Kind::Delegate).collect())
}

/// `LimitDelegatedPartitions`: keep the largest `max` partitions (ties: earlier first, as the
/// small-array insertion sort inside std::sort leaves them).
fn limit_partitions(max: i32, preview: &[Subset], supported: Vec<usize>) -> Vec<usize> {
    if max <= 0 || preview.len() <= max as usize {
        return supported;
    }
    let mut by_size: Vec<&Subset> = preview.iter().collect();
    by_size.sort_by_key(|s| std::cmp::Reverse(s.nodes.len())); // stable: ties keep plan order
    let mut nodes: Vec<usize> = by_size.iter().take(max as usize).flat_map(|s| s.nodes.iter().copied()).collect();
    nodes.sort_unstable();
    nodes
}

/// Operand types NNAPI cannot represent make building the NNAPI model fail (digest 3.4).
fn check_buildable(si: usize, sg: &Subgraph, nodes: &[usize]) -> Result<(), Failure> {
    for &i in nodes {
        let op = &sg.operators[i];
        let rewritten = |k: usize| match op.code {
            B::ARG_MAX | B::ARG_MIN => k == 1,
            B::FILL => k <= 1,
            _ => false,
        };
        let inputs = op.inputs.iter().enumerate().filter(|(k, _)| !rewritten(*k)).map(|(_, &t)| t);
        for t in inputs.chain(op.outputs.iter().copied()) {
            let Some(tensor) = sg.tensor(t) else { continue };
            if !nnapi_can_represent(tensor.dtype) {
                return Err(Failure {
                    message: "Failed to apply NNAPI delegate.".into(),
                    reason: format!(
                        "Failed to add NN API tensor: type {} is not supported. Op {i} ({}) was accepted but its tensor {:?} is {}.",
                        type_name(tensor.dtype),
                        op.type_name(),
                        tensor.name,
                        type_name(tensor.dtype)
                    ),
                    subgraph: Some(si),
                    op_index: Some(i),
                });
            }
        }
    }
    Ok(())
}

/// The longest `[Name]` kept: rows repeat tensor names, and a hostile op listing one long-named
/// tensor thousands of times as its outputs would otherwise make a row of gigabytes.
const MAX_ROW_NAME: usize = 16 * 1024;

/// benchmark_model's `[Name]`: the node's output tensor names in order, then its index (cut with
/// "…" after `MAX_ROW_NAME` bytes).
fn row_name(sg: &Subgraph, outputs: &[i32], index: usize) -> String {
    let mut names = String::new();
    for (k, &t) in outputs.iter().enumerate() {
        if k > 0 {
            names += ", ";
        }
        let name = sg.tensor(t).map_or("", |t| t.name.as_str());
        if names.len() + name.len() > MAX_ROW_NAME {
            let mut end = MAX_ROW_NAME.saturating_sub(names.len()).min(name.len());
            while !name.is_char_boundary(end) {
                end -= 1;
            }
            names += &name[..end];
            names += "…";
            break;
        }
        names += name;
    }
    format!("[{names}]:{index}")
}

fn cpu_rows(sg: &Subgraph, nodes: impl IntoIterator<Item = usize>) -> Vec<PlanRow> {
    nodes
        .into_iter()
        .map(|i| {
            let op = &sg.operators[i];
            PlanRow { node_type: op.type_name(), name: row_name(sg, &op.outputs, i), index: i, nodes: None }
        })
        .collect()
}

fn cpu_only_plan(si: usize, sg: &Subgraph, refused: Vec<Refusal>) -> SubgraphPlan {
    let n = sg.operators.len();
    SubgraphPlan {
        index: si,
        name: sg.name.clone(),
        total_nodes: n,
        delegated_nodes: 0,
        delegate_kernels: 0,
        partitions: usize::from(n > 0),
        plan: cpu_rows(sg, 0..n),
        refused,
        log: None,
    }
}

/// The rebuilt execution plan: CPU subsets keep their nodes, each delegate subset becomes node N+k.
fn plan_of(si: usize, sg: &Subgraph, subsets: &[Subset], delegated: usize, refused: Vec<Refusal>) -> SubgraphPlan {
    let n = sg.operators.len();
    let mut plan = Vec::new();
    let mut kernels = 0;
    for s in subsets {
        match s.kind {
            Kind::Cpu => plan.extend(cpu_rows(sg, s.nodes.iter().copied())),
            Kind::Delegate => {
                let index = n + kernels;
                kernels += 1;
                plan.push(PlanRow {
                    node_type: KERNEL_NAME.into(),
                    name: row_name(sg, &s.outputs, index),
                    index,
                    nodes: Some(s.nodes.clone()),
                });
            }
        }
    }
    let log = format!(
        "Replacing {delegated} out of {n} node(s) with delegate ({KERNEL_NAME}) node, yielding {} partitions for subgraph {si} ({}).",
        subsets.len(),
        sg.name
    );
    SubgraphPlan {
        index: si,
        name: sg.name.clone(),
        total_nodes: n,
        delegated_nodes: delegated,
        delegate_kernels: kernels,
        partitions: subsets.len(),
        plan,
        refused,
        log: Some(log),
    }
}
