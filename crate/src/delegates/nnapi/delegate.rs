//! What `StatefulNnApiDelegate::DoPrepare` does with a model on a given device and options
//! (tflite/delegates/nnapi/nnapi_delegate.cc), and the plan the interpreter ends up with
//! (`Subgraph::ReplaceNodeSubsetsWithDelegateKernels`, tflite/core/subgraph.cc).
//!
//! Device facts a phone would answer at run time are assumptions here, stated in every analysis:
//! the driver supports every op that passes validation, and (unless a device list is given) the
//! phone has an accelerator besides `nnapi-reference` and any accelerator that is named.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::fp16::{self as fp16_path, Fp16Reader, Fp16Weights, KernelVerdict};
use super::rules::{self, nnapi_can_represent, ValidateContext};
use crate::model::{type_name, BuiltinOperator as B, Model, Operator, Subgraph};
use crate::partition::{self, Graph, Kind, Subset};
use crate::plan::{self, cpu_rows, delegate_subsets, node_mask, tie_at_limit, RowNames};
pub use crate::plan::{DynamicTensors, Failure, Outcome, PlanRow, Refusal, TieAtLimit};

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
    /// The DEQUANTIZE ops of constant fp16 weights, when the subgraph has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fp16_weights: Option<Fp16Weights>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    /// Set when the partition limit cut between partitions of equal size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tie: Option<TieAtLimit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Always "nnapi" (the GPU analyses say "gpu" or "litert-gpu").
    pub delegate: &'static str,
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
    /// True when the partition limit cut between partitions of equal size in some subgraph: the
    /// plan is one of several the delegate may make (`tie` says which partitions).
    pub tie_at_limit: bool,
    /// The tie in the primary subgraph, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tie: Option<TieAtLimit>,
    /// Run order of the primary subgraph.
    pub plan: Vec<PlanRow>,
    pub refused: Vec<Refusal>,
    /// The DEQUANTIZE ops of constant fp16 weights of the primary subgraph, when it has any: what
    /// the delegate does with them, said once (they are not listed in `refused`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fp16_weights: Option<Fp16Weights>,
    /// Subgraphs after the first (control-flow bodies), when the model has any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_subgraphs: Vec<SubgraphPlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// With a dynamic-tensor failure: the dynamic-sized tensors behind it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamic: Option<DynamicTensors>,
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
    if let Some((f, tensors)) = dynamic_failure(model, o) {
        a.dynamic = tensors;
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
    for si in plan::delegated_subgraphs(model) {
        let sg = &model.subgraphs[si];
        match prepare_subgraph(model, si, sg, o, setting) {
            Ok(p) => plans.push(p),
            Err(failed) => {
                if si == 0 {
                    a.refused = failed.refused;
                    a.fp16_weights = failed.fp16_weights;
                }
                a.log.extend(failed.log);
                return fail(a, failed.failure);
            }
        }
    }
    allocate(finish(a, plans), model, o)
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
        delegate: "nnapi",
        sdk: o.sdk,
        options: o.clone(),
        level: None,
        accelerator_specified: false,
        outcome: Outcome::None,
        total_nodes: model.subgraphs.first().map_or(0, |s| s.operators.len()),
        delegated_nodes: 0,
        delegate_kernels: 0,
        partitions: 0,
        tie_at_limit: false,
        tie: None,
        plan: Vec::new(),
        refused: Vec::new(),
        fp16_weights: None,
        other_subgraphs: Vec::new(),
        failure: None,
        dynamic: None,
        log: Vec::new(),
        assumptions,
    }
}

/// Whether the interpreter prepares every subgraph before handing it to the delegate
/// (`ModifyGraphWithDelegate` does for a delegate without dynamic-tensor support).
fn prepares_before_delegation(o: &Options) -> bool {
    !(o.allow_dynamic_dimensions && o.sdk >= 28)
}

/// The interpreter refuses a delegate without dynamic-tensor support when preparing makes any tensor dynamic.
fn dynamic_failure(model: &Model<'_>, o: &Options) -> Option<(Failure, Option<DynamicTensors>)> {
    if !prepares_before_delegation(o) {
        return None;
    }
    let checked = plan::delegated_subgraphs(model);
    plan::static_only_failure(model, checked, "Failed to apply NNAPI delegate.", "; --nnapi-allow-dynamic-dimensions would allow it.")
}

fn allocate(a: Analysis, model: &Model<'_>, o: &Options) -> Analysis {
    if !(o.allow_dynamic_dimensions && o.sdk >= 28) || a.outcome == Outcome::Fails {
        return a;
    }
    match plan::prepare_failure(model, "Failed to allocate tensors!") {
        Some(f) => fail(a, f),
        None => a,
    }
}

fn fail(mut a: Analysis, f: Failure) -> Analysis {
    a.outcome = Outcome::Fails;
    a.log.push(f.message.clone());
    a.failure = Some(f);
    a.tie_at_limit = false;
    a.tie = None;
    a.plan.clear();
    a.other_subgraphs.clear();
    a.delegated_nodes = 0;
    a.delegate_kernels = 0;
    a
}

fn unchanged(mut a: Analysis, model: &Model<'_>, reason: String) -> Analysis {
    a.outcome = Outcome::None;
    if let Some(sg) = model.subgraphs.first() {
        a.plan = cpu_rows(&RowNames::new(model, 0, true), 0..sg.operators.len());
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
        a.tie = main.tie;
        a.fp16_weights = main.fp16_weights;
        a.log.extend(main.log);
    }
    a.tie_at_limit = a.tie.is_some() || others.iter().any(|p| p.tie.is_some());
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

fn remapped(op: &Operator, remap: &HashMap<i32, i32>) -> Operator {
    let mut op = op.clone();
    for t in op.inputs.iter_mut() {
        if let Some(&fp16) = remap.get(t) {
            *t = fp16;
        }
    }
    op
}

/// The plain Validate loop, or the fp16 path's (`FP16GraphPartitionHelper::IsNodeSupported`,
/// tflite/delegates/utils.cc): a DEQUANTIZE of a constant fp16 tensor counts as unsupported but is
/// not a refusal (the note in `Fp16Weights` says once what becomes of them), and every other op is
/// validated as if it read the fp16 constants directly.
fn validate_all(model: &Model<'_>, sg: &Subgraph, s: Setting) -> Validation {
    let ctx = ValidateContext { model, subgraph: sg, level: s.level, accel: s.accel };
    let fp16_nodes: Vec<usize> = sg
        .operators
        .iter()
        .enumerate()
        .filter(|(_, op)| fp16_path::is_const_fp16_dequantize(sg, op))
        .map(|(i, _)| i)
        .collect();
    let remap: HashMap<i32, i32> = fp16_nodes
        .iter()
        .filter_map(|&i| Some((*sg.operators[i].outputs.first()?, *sg.operators[i].inputs.first()?)))
        .collect();
    let fp16_mask = node_mask(sg.operators.len(), &fp16_nodes);
    let mut supported = Vec::with_capacity(sg.operators.len());
    let mut refused = Vec::new();
    for (i, op) in sg.operators.iter().enumerate() {
        if fp16_mask[i] {
            supported.push(false);
            continue;
        }
        let reasons = if remap.is_empty() { rules::validate(&ctx, op) } else { rules::validate(&ctx, &remapped(op, &remap)) };
        supported.push(reasons.is_empty());
        if !reasons.is_empty() {
            refused.push(Refusal { index: i, op: op.type_name(), version: op.version, reasons });
        }
    }
    let fp16 = (!fp16_nodes.is_empty()).then_some(Fp16 { remap, dequant_nodes: fp16_nodes });
    Validation { supported, refused, fp16 }
}


fn partition_opts(o: &Options, model: &Model<'_>, si: usize) -> partition::Options {
    partition::Options {
        greedy: !o.disable_delegate_clustering,
        control_edges: crate::control_deps::for_subgraph(model, si),
        disable_node_fusion: false,
    }
}

/// A subgraph the delegate cannot be applied to, with what is still worth showing.
struct Failed {
    failure: Failure,
    refused: Vec<Refusal>,
    fp16_weights: Option<Fp16Weights>,
    /// Lines logged before the failure message.
    log: Vec<String>,
}

impl Failed {
    fn new(failure: Failure) -> Box<Failed> {
        Box::new(Failed { failure, refused: Vec::new(), fp16_weights: None, log: Vec::new() })
    }
}

/// The plan of one subgraph, or the failure with the ops Validate refused (still worth showing).
fn prepare_subgraph(model: &Model<'_>, si: usize, sg: &Subgraph, o: &Options, s: Setting) -> Result<SubgraphPlan, Box<Failed>> {
    let mut v = validate_all(model, sg, s);
    let refused = std::mem::take(&mut v.refused);
    match plan_subgraph(model, si, sg, o, s, &v) {
        Ok(mut p) => {
            p.refused = refused;
            Ok(p)
        }
        Err(mut failed) => {
            failed.refused = refused;
            Err(failed)
        }
    }
}

fn plan_subgraph(model: &Model<'_>, si: usize, sg: &Subgraph, o: &Options, s: Setting, v: &Validation) -> Result<SubgraphPlan, Box<Failed>> {
    let popts = partition_opts(o, model, si);
    let partition_err = |e: partition::PartitionError| {
        Failed::new(Failure {
            message: "Failed to apply NNAPI delegate.".into(),
            reason: format!("the graph cannot be partitioned: {e}"),
            subgraph: Some(si),
            op_index: None,
        })
    };
    let plain = plan::graph_of(sg, &[], &HashMap::new());
    let mut supported: Vec<usize> = (0..sg.operators.len()).filter(|&i| v.supported[i]).collect();
    let mut graph = plain.clone();
    if let Some(fp16) = &v.fp16 {
        supported = fp16_selection(sg, &plain, &supported, fp16, &popts).map_err(partition_err)?;
        graph = plan::graph_of(sg, &supported, &fp16.remap);
    }
    let note = |chosen: &[usize]| v.fp16.as_ref().map(|f| fp16_note(f, chosen, s));
    if supported.is_empty() {
        let mut p = cpu_only_plan(si, sg, Vec::new(), &RowNames::new(model, si, prepares_before_delegation(o)));
        p.fp16_weights = note(&[]);
        return Ok(p);
    }
    let with_note = |f: Failure, chosen: &[usize]| {
        let mut failed = Failed::new(f);
        failed.fp16_weights = note(chosen);
        failed
    };
    let preview = delegate_subsets(&graph, &supported, &popts).map_err(partition_err)?;
    if s.queries_device {
        // The device query builds an NNAPI model for every validated partition.
        check_buildable(si, sg, &supported).map_err(|f| with_note(f, &supported))?;
    }
    let tie = tie_at_limit(o.max_delegated_partitions, &preview);
    let chosen = limit_partitions(o.max_delegated_partitions, &preview, supported.clone());
    if !s.queries_device {
        // Without the query, only the kernels that are created build an NNAPI model.
        check_buildable(si, sg, &chosen).map_err(|f| with_note(f, &chosen))?;
    }
    let mask = node_mask(sg.operators.len(), &chosen);
    let subsets = partition::partition(&graph, |i| mask[i], &popts).map_err(partition_err)?;
    let names = RowNames::new(model, si, prepares_before_delegation(o));
    let mut p = plan_of(si, sg, &subsets, chosen.len(), Vec::new(), &names);
    p.tie = tie;
    let readers = v.fp16.as_ref().map(|f| left_reading_fp16(sg, f, &subsets, &supported, &chosen)).unwrap_or_default();
    if let Some(first) = readers.iter().find(|r| r.kernel == KernelVerdict::Fails) {
        let mut failed = Failed::new(fp16_limit_failure(si, sg, o, preview.len(), readers.len(), first));
        failed.log = p.log.take().into_iter().chain(fp16_failure_log(first)).collect();
        failed.fp16_weights = note(&chosen).map(|w| w.with_left_on_cpu(readers, false));
        return Err(failed);
    }
    p.fp16_weights = note(&chosen).map(|w| w.with_left_on_cpu(readers, true));
    Ok(p)
}

/// The note about the DEQUANTIZE ops: delegated when the chosen nodes include all of them.
fn fp16_note(fp16: &Fp16, chosen: &[usize], s: Setting) -> Fp16Weights {
    let mask = node_mask(fp16.dequant_nodes.iter().max().map_or(0, |m| m + 1), chosen);
    let delegated = fp16.dequant_nodes.iter().all(|&i| mask[i]);
    let n = fp16.dequant_nodes.len();
    Fp16Weights {
        dequantize_nodes: fp16.dequant_nodes.clone(),
        delegated,
        message: if delegated { fp16_path::delegated_message(n) } else { fp16_path::on_cpu_message(n, s.queries_device) },
        left_on_cpu: Vec::new(),
    }
}

/// The nodes the fp16 path rewired (`supported`, `FP16GraphPartitionHelper::RemapFp16InputTensors`)
/// that the partition limit left out of the delegate kernels: the rewiring is undone only when the
/// device query drops nodes, before `LimitDelegatedPartitions` (nnapi_delegate.cc DoPrepare), so
/// they reach the CPU kernels reading the fp16 constants. In run order (the CPU subsets' order).
fn left_reading_fp16(sg: &Subgraph, fp16: &Fp16, subsets: &[Subset], supported: &[usize], chosen: &[usize]) -> Vec<Fp16Reader> {
    let n = sg.operators.len();
    let (rewired, delegated) = (node_mask(n, supported), node_mask(n, chosen));
    let cpu_nodes = subsets.iter().filter(|s| s.kind == Kind::Cpu).flat_map(|s| s.nodes.iter().copied());
    cpu_nodes
        .filter(|&i| rewired[i] && !delegated[i])
        .filter(|&i| sg.operators[i].inputs.iter().any(|t| fp16.remap.contains_key(t)))
        .map(|i| {
            let op = remapped(&sg.operators[i], &fp16.remap);
            let (kernel, detail) = fp16_path::cpu_kernel_verdict(sg, &op);
            Fp16Reader { index: i, op: op.type_name(), kernel, detail }
        })
        .collect()
}

/// What the interpreter logs when a node fails to prepare after the delegate replaced nodes
/// (`PrepareOpsStartingAt` and `ModifyGraphWithDelegateImpl`, tflite/core/subgraph.cc).
fn fp16_failure_log(r: &Fp16Reader) -> Vec<String> {
    vec![
        r.detail.clone(),
        format!("Node number {} ({}) failed to prepare.", r.index, r.op),
        "Restored original execution plan after delegate application failure.".into(),
    ]
}

fn fp16_limit_failure(si: usize, sg: &Subgraph, o: &Options, partitions: usize, left: usize, first: &Fp16Reader) -> Failure {
    let limit = o.max_delegated_partitions;
    Failure {
        message: "Failed to apply NNAPI delegate.".into(),
        reason: format!(
            "--max-delegated-partitions {limit} keeps {limit} of the {partitions} NNAPI partitions, but the delegate's fp16 path has already rewired every supported op to read the fp16 weights directly, and it undoes that only when the device query drops ops, before the partition limit is applied. So {left} op{} of the dropped partitions go{} back to the CPU reading float16 constants, and op {} ({}) fails to prepare: {}. The interpreter restores the original execution plan (\"Restored original execution plan after delegate application failure.\") and reports a delegate error. Cures: no partition limit (--max-delegated-partitions 0; the Java NnApiDelegate's default is 3), or `delegate-doctor fix` with {}, which folds the fp16 weights into float32 constants (same numbers; the file grows by about {} bytes).",
            plural(left),
            if left == 1 { "es" } else { "" },
            first.index,
            first.op,
            first.detail.trim_end_matches('.'),
            crate::fixes::fp16_weights::ID,
            fp16_weight_bytes(sg),
        ),
        subgraph: Some(si),
        op_index: Some(first.index),
    }
}

/// Bytes of fp16 constant data read by DEQUANTIZE ops: what folding them into float32 adds.
fn fp16_weight_bytes(sg: &Subgraph) -> usize {
    let mut tensors: Vec<usize> =
        sg.operators.iter().filter(|op| fp16_path::is_const_fp16_dequantize(sg, op)).filter_map(|op| op.input(0)).collect();
    tensors.sort_unstable();
    tensors.dedup();
    tensors.iter().filter_map(|&t| sg.tensors.get(t)?.data.as_ref().map(|d| d.len)).sum()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
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



/// `LimitDelegatedPartitions`: keep the largest `max` partitions (ties: earlier first, as the
/// small-array insertion sort inside std::sort leaves them).
fn limit_partitions(max: i32, preview: &[Subset], supported: Vec<usize>) -> Vec<usize> {
    if max <= 0 || preview.len() <= max as usize {
        return supported;
    }
    let mut nodes: Vec<usize> = plan::largest(preview, max as usize).iter().flat_map(|s| s.nodes.iter().copied()).collect();
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


fn cpu_only_plan(si: usize, sg: &Subgraph, refused: Vec<Refusal>, names: &RowNames<'_>) -> SubgraphPlan {
    let n = sg.operators.len();
    SubgraphPlan {
        index: si,
        name: sg.name.clone(),
        total_nodes: n,
        delegated_nodes: 0,
        delegate_kernels: 0,
        partitions: usize::from(n > 0),
        plan: cpu_rows(names, 0..n),
        refused,
        fp16_weights: None,
        log: None,
        tie: None,
    }
}

/// The rebuilt execution plan: CPU subsets keep their nodes, each delegate subset becomes node N+k.
fn plan_of(
    si: usize,
    sg: &Subgraph,
    subsets: &[Subset],
    delegated: usize,
    refused: Vec<Refusal>,
    names: &RowNames<'_>,
) -> SubgraphPlan {
    let n = sg.operators.len();
    let (plan, kernels) = plan::rows_of(names, subsets, KERNEL_NAME);
    let log = plan::replacing_log(delegated, n, KERNEL_NAME, subsets.len(), si, &sg.name);
    SubgraphPlan {
        index: si,
        name: sg.name.clone(),
        total_nodes: n,
        delegated_nodes: delegated,
        delegate_kernels: kernels,
        partitions: subsets.len(),
        plan,
        refused,
        fp16_weights: None,
        log: Some(log),
        tie: None,
    }
}
