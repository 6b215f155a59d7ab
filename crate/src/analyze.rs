//! The analysis report: one NNAPI analysis per requested Android API level, with a verdict, as
//! printed by `delegate-doctor analyze` and shown by the page.

use serde::Serialize;

use crate::combined::{self, Combined, FirstDelegate, RunsOn, XnnpackStep};
use crate::cost;
use crate::inspect::{self, ModelSummary};
use crate::model::Model;
use crate::nnapi::delegate::{self, Analysis, Options, Outcome, TieAtLimit};
use crate::delegates::gpu::policy::{self, Flavor, GpuAnalysis, GpuOptions, GpuSubgraphPlan};
use crate::delegates::xnnpack::{self, XnnpackAnalysis, XnnpackOptions};
use crate::plan::{Failure, PlanRow, Refusal};

pub const ANALYZE_FORMAT: &str = "delegate-doctor.analyze/1";
pub const ALL_LEVELS: [u32; 9] = [27, 28, 29, 30, 31, 32, 33, 34, 35];

/// The analyses of one model: NNAPI at each requested level, and the GPU delegates when asked
/// for. In JSON `analyses` lists them all, NNAPI first, each saying its `delegate`.
#[derive(Debug)]
pub struct Report {
    pub format: &'static str,
    pub model: ModelSummary,
    pub analyses: Vec<LevelReport>,
    pub gpu: Vec<GpuReport>,
    /// The XNNPACK delegate applied on its own (`--delegate xnnpack`, and `all`).
    pub xnnpack: Vec<XnnpackReport>,
    /// With more than one delegate: which target runs most of the model.
    pub comparison: Option<String>,
    /// The estimated cost of each op of the model (`cost::op_costs`), for the verdicts of the
    /// analyses added later; not part of the JSON.
    work: Vec<f64>,
}

#[derive(Debug, Serialize)]
pub struct GpuReport {
    #[serde(flatten)]
    pub analysis: GpuAnalysis,
    pub verdict: Verdict,
    /// The plan with TFLite's default XNNPACK delegate after this one (`add_combined`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combined: Option<CombinedReport>,
}

/// The plan that really runs (the delegate, then the default XNNPACK delegate) with its verdict.
#[derive(Debug, Serialize)]
pub struct CombinedReport {
    #[serde(flatten)]
    pub plan: Combined,
    pub verdict: CombinedVerdict,
}

/// The verdict of a combined plan, counting the three kinds of kernels.
#[derive(Debug, Clone, Serialize)]
pub struct CombinedVerdict {
    pub summary: String,
    /// Original ops inside the accelerator's kernels, inside XNNPACK's, and on builtin CPU kernels.
    pub accelerator_ops: usize,
    pub xnnpack_ops: usize,
    pub cpu_ops: usize,
    /// Changes between kinds of kernel along the run order.
    pub transitions: usize,
    /// Estimated shares of the arithmetic (MACs), 0..1, summing to 1 (all on the CPU when nothing runs).
    pub accelerator_work_share: f64,
    pub xnnpack_work_share: f64,
    pub cpu_work_share: f64,
}

#[derive(Debug, Serialize)]
pub struct XnnpackReport {
    #[serde(flatten)]
    pub analysis: XnnpackAnalysis,
    pub verdict: Verdict,
}

#[derive(Serialize)]
#[serde(untagged)]
enum AnyReport<'r> {
    Nnapi(&'r LevelReport),
    Gpu(&'r GpuReport),
    Xnnpack(&'r XnnpackReport),
}

impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let all: Vec<AnyReport<'_>> =
            self.analyses
            .iter()
            .map(AnyReport::Nnapi)
            .chain(self.gpu.iter().map(AnyReport::Gpu))
            .chain(self.xnnpack.iter().map(AnyReport::Xnnpack))
            .collect();
        let mut st = s.serialize_struct("Report", 4)?;
        st.serialize_field("format", &self.format)?;
        st.serialize_field("model", &self.model)?;
        st.serialize_field("analyses", &all)?;
        if let Some(c) = &self.comparison {
            st.serialize_field("comparison", c)?;
        }
        st.end()
    }
}

#[derive(Debug, Serialize)]
pub struct LevelReport {
    #[serde(flatten)]
    pub analysis: Analysis,
    pub verdict: Verdict,
    /// The plan with TFLite's default XNNPACK delegate after NNAPI (`add_combined`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combined: Option<CombinedReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// One sentence, e.g. "3 NNAPI partitions cover 66 of 71 nodes; 5 ops run on the CPU, 4 CPU↔NPU transitions."
    pub summary: String,
    pub cpu_ops: usize,
    /// Changes between CPU and NNAPI along the run order.
    pub transitions: usize,
    /// Estimated share of the arithmetic (MACs) left on the CPU, 0..1.
    pub cpu_work_share: f64,
}

/// Analyse at each level with otherwise identical options.
pub fn report(model: &Model<'_>, base: &Options, levels: &[u32]) -> Report {
    let work = cost::op_costs(model);
    let analyses = levels
        .iter()
        .map(|&sdk| {
            let o = Options { sdk, ..base.clone() };
            let analysis = delegate::analyze(model, &o);
            let verdict = verdict(&analysis, &work);
            LevelReport { analysis, verdict, combined: None }
        })
        .collect();
    Report { format: ANALYZE_FORMAT, model: inspect::summary(model), analyses, gpu: Vec::new(), xnnpack: Vec::new(), comparison: None, work }
}

/// The verdict of one GPU delegate's analysis (`work`: the op costs of the model analysed).
pub fn gpu_verdict(analysis: &GpuAnalysis, work: &[f64]) -> Verdict {
    verdict_of(
        &VerdictInput {
            delegate: if analysis.delegate == Flavor::Classic.id() { "GPU" } else { "LiteRT GPU" },
            device: "GPU",
            outcome: analysis.outcome,
            plan: &analysis.plan,
            failure: analysis.failure.as_ref(),
            total_nodes: analysis.total_nodes,
            delegated_nodes: analysis.delegated_nodes,
            delegate_kernels: analysis.delegate_kernels,
            tie: analysis.tie.as_ref().map(|t| (0, t)),
        },
        work,
    )
}

/// Adds one GPU delegate's analysis of `model`, the model `r` reports on (and, once there are
/// several targets, the comparison).
pub fn add_gpu(r: &mut Report, model: &Model<'_>, flavor: Flavor, o: &GpuOptions) {
    let analysis = policy::analyze(model, flavor, o);
    let verdict = gpu_verdict(&analysis, &r.work);
    r.gpu.push(GpuReport { analysis, verdict, combined: None });
    r.comparison = comparison(r);
}

/// Adds to every analysis of `r` the plan that really runs: TFLite's default XNNPACK delegate
/// (options `xo`) applied lazily after the delegate (`crate::combined`).
pub fn add_combined(r: &mut Report, model: &Model<'_>, xo: &XnnpackOptions) {
    for l in &mut r.analyses {
        let a = &l.analysis;
        let mut subgraphs = vec![(0, a.plan.as_slice())];
        subgraphs.extend(a.other_subgraphs.iter().map(|p| (p.index, p.plan.as_slice())));
        let first = FirstDelegate {
            name: "NNAPI",
            outcome: a.outcome,
            subgraphs,
            // `allow_dynamic_dimensions` is honoured from API 28 (nnapi_delegate.cc `GetDelegateFlags`).
            allows_dynamic: a.options.allow_dynamic_dimensions && a.sdk >= 28,
            reads_fp16_directly: false,
            greedy: !a.options.disable_delegate_clustering,
        };
        let plan = combined::combine(model, &first, xo);
        let verdict = combined_verdict(&plan, "NNAPI", &r.work);
        l.combined = Some(CombinedReport { plan, verdict });
    }
    for g in &mut r.gpu {
        let a = &g.analysis;
        let mut subgraphs = vec![(0, a.plan.as_slice())];
        subgraphs.extend(a.other_subgraphs.iter().map(|p| (p.index, p.plan.as_slice())));
        let name = if a.delegate == Flavor::Classic.id() { "GPU" } else { "LiteRT GPU" };
        let first = FirstDelegate { name, outcome: a.outcome, subgraphs, allows_dynamic: false, reads_fp16_directly: true, greedy: true };
        let plan = combined::combine(model, &first, xo);
        let verdict = combined_verdict(&plan, name, &r.work);
        g.combined = Some(CombinedReport { plan, verdict });
    }
}

/// One sentence and the figures for a combined plan (`work`: the model's op costs).
pub fn combined_verdict(c: &Combined, accelerator: &str, work: &[f64]) -> CombinedVerdict {
    let ops = |on: RunsOn| c.plan.iter().filter(|r| r.runs_on == on).map(|r| r.row.nodes.as_ref().map_or(1, Vec::len)).sum::<usize>();
    let cost_of = |r: &combined::CombinedRow| match &r.row.nodes {
        Some(nodes) => total(nodes.iter().filter_map(|&i| work.get(i).copied())),
        None => work.get(r.row.index).copied().unwrap_or(0.0),
    };
    let work_on = |on: RunsOn| total(c.plan.iter().filter(|r| r.runs_on == on).map(cost_of));
    let all = work_on(RunsOn::Accelerator) + work_on(RunsOn::Xnnpack) + work_on(RunsOn::Cpu);
    let share = |on: RunsOn| if all > 0.0 { work_on(on) / all } else { 0.0 };
    let (acc, xnn, cpu) = (ops(RunsOn::Accelerator), ops(RunsOn::Xnnpack), ops(RunsOn::Cpu));
    let (acc_share, xnn_share) = (share(RunsOn::Accelerator), share(RunsOn::Xnnpack));
    let cpu_share = if all > 0.0 && c.xnnpack != XnnpackStep::Fails { share(RunsOn::Cpu) } else { 1.0 };
    let transitions = c.plan.windows(2).filter(|w| w[0].runs_on != w[1].runs_on).count();
    let summary = match c.xnnpack {
        XnnpackStep::Fails => format!("The run fails: {}", c.reason.as_deref().unwrap_or("AllocateTensors fails.")),
        XnnpackStep::Reverted => format!("Everything runs on the builtin CPU kernels: {}", c.reason.as_deref().unwrap_or("")),
        _ if c.plan.is_empty() => format!("Nothing runs: {}.", c.reason.as_deref().unwrap_or("the delegate fails")),
        _ if cpu == 0 && xnn == 0 && c.accelerator_kernels == 1 => {
            format!("Fully delegated: one {accelerator} kernel runs all {} ops; the default XNNPACK delegate is not applied.", c.total_nodes)
        }
        _ => {
            let xnnpack = match c.xnnpack {
                XnnpackStep::Skipped => "XNNPACK is not applied".to_string(),
                _ if xnn == 0 && c.total_nodes - acc == 1 => "XNNPACK does not take the op left".to_string(),
                _ if xnn == 0 => format!("XNNPACK takes none of the {} ops left", c.total_nodes - acc),
                _ => format!("XNNPACK {xnn} in {} kernel{}", c.xnnpack_kernels, plural(c.xnnpack_kernels)),
            };
            format!(
                "{accelerator} runs {acc} of {} ops in {} kernel{}, {xnnpack}; {cpu} op{} run{} on the builtin CPU kernels ({:.1}% of the estimated work), {transitions} transition{}.",
                c.total_nodes,
                c.accelerator_kernels,
                plural(c.accelerator_kernels),
                plural(cpu),
                if cpu == 1 { "s" } else { "" },
                cpu_share * 100.0,
                plural(transitions)
            )
        }
    };
    CombinedVerdict {
        summary,
        accelerator_ops: acc,
        xnnpack_ops: xnn,
        cpu_ops: cpu,
        transitions,
        accelerator_work_share: acc_share,
        xnnpack_work_share: xnn_share,
        cpu_work_share: cpu_share,
    }
}

/// The verdict of the XNNPACK analysis (`work`: the op costs of the model analysed).
pub fn xnnpack_verdict(analysis: &XnnpackAnalysis, work: &[f64]) -> Verdict {
    verdict_of(
        &VerdictInput {
            delegate: "XNNPACK",
            device: "XNNPACK",
            outcome: analysis.outcome,
            plan: &analysis.plan,
            failure: analysis.failure.as_ref(),
            total_nodes: analysis.total_nodes,
            delegated_nodes: analysis.delegated_nodes,
            delegate_kernels: analysis.delegate_kernels,
            tie: None,
        },
        work,
    )
}

/// Adds the XNNPACK delegate's analysis of `model` (applied on its own). It is a CPU delegate,
/// so it takes no part in the accelerator comparison.
pub fn add_xnnpack(r: &mut Report, model: &Model<'_>, o: &XnnpackOptions) {
    let analysis = xnnpack::analyze(model, o);
    let verdict = xnnpack_verdict(&analysis, &r.work);
    r.xnnpack.push(XnnpackReport { analysis, verdict });
}

/// "Runs most of the model: …": the target leaving the least estimated work on the CPU (ties: the
/// one with more delegated nodes, then fewer kernels), when more than one delegate was analysed.
fn comparison(r: &Report) -> Option<String> {
    if r.gpu.is_empty() || (r.analyses.is_empty() && r.gpu.len() < 2) {
        return None;
    }
    let nnapi = r.analyses.iter().map(|l| (format!("NNAPI at API {}", l.analysis.sdk), &l.analysis.outcome, l.analysis.delegated_nodes, l.analysis.delegate_kernels, &l.verdict));
    let gpu = r.gpu.iter().map(|g| (target_name(g.analysis.delegate).to_string(), &g.analysis.outcome, g.analysis.delegated_nodes, g.analysis.delegate_kernels, &g.verdict));
    let candidates: Vec<_> = nnapi.chain(gpu).filter(|c| matches!(c.1, Outcome::Full | Outcome::Partial)).collect();
    let best = candidates.iter().min_by(|a, b| {
        a.4.cpu_work_share
            .total_cmp(&b.4.cpu_work_share)
            .then(b.2.cmp(&a.2))
            .then(a.3.cmp(&b.3))
    });
    let total = r.analyses.first().map(|l| l.analysis.total_nodes).or(r.gpu.first().map(|g| g.analysis.total_nodes)).unwrap_or(0);
    Some(match best {
        Some((name, _, nodes, kernels, v)) => format!(
            "Runs most of the model: {name} ({nodes} of {total} ops in {kernels} kernel{}, {:.1}% of the estimated work left on the CPU).",
            plural(*kernels),
            v.cpu_work_share * 100.0
        ),
        None => "No target runs any of the model: every analysed delegate fails or takes nothing.".to_string(),
    })
}

fn target_name(delegate: &str) -> &'static str {
    match delegate {
        "gpu" => "the GPU delegate",
        "litert-gpu" => "LiteRT's GPU accelerator",
        _ => "NNAPI",
    }
}

/// What a verdict is made of, whichever delegate the analysis is for.
pub struct VerdictInput<'a> {
    /// The delegate as the sentence names it ("NNAPI", "GPU", "LiteRT GPU").
    pub delegate: &'a str,
    /// The accelerator in "CPU↔NPU transitions" ("NPU", "GPU").
    pub device: &'a str,
    pub outcome: Outcome,
    pub plan: &'a [PlanRow],
    pub failure: Option<&'a Failure>,
    pub total_nodes: usize,
    pub delegated_nodes: usize,
    pub delegate_kernels: usize,
    /// The first tie at the partition limit, with its subgraph.
    pub tie: Option<(usize, &'a TieAtLimit)>,
}

fn transitions(plan: &[PlanRow]) -> usize {
    plan.windows(2).filter(|w| w[0].is_delegate() != w[1].is_delegate()).count()
}

/// A sum of costs that is +0.0 when empty: `Iterator::sum` of no f64 is -0.0, which JSON prints
/// as `-0.0`.
fn total(costs: impl Iterator<Item = f64>) -> f64 {
    costs.fold(0.0, |acc, c| acc + c)
}

fn cpu_share(plan: &[PlanRow], work: &[f64]) -> f64 {
    let all = total(work.iter().copied());
    if all <= 0.0 {
        return 0.0;
    }
    let cpu = total(plan.iter().filter(|r| !r.is_delegate()).filter_map(|r| work.get(r.index).copied()));
    cpu / all
}

/// The NNAPI verdict.
pub fn verdict(a: &Analysis, work: &[f64]) -> Verdict {
    verdict_of(
        &VerdictInput {
            delegate: "NNAPI",
            device: "NPU",
            outcome: a.outcome,
            plan: &a.plan,
            failure: a.failure.as_ref(),
            total_nodes: a.total_nodes,
            delegated_nodes: a.delegated_nodes,
            delegate_kernels: a.delegate_kernels,
            tie: tie_in(a),
        },
        work,
    )
}

/// One sentence and the figures for any delegate's plan.
pub fn verdict_of(v: &VerdictInput<'_>, work: &[f64]) -> Verdict {
    let cpu_ops = v.plan.iter().filter(|r| !r.is_delegate()).count();
    let t = transitions(v.plan);
    let share = if v.outcome == Outcome::Fails { 1.0 } else { cpu_share(v.plan, work) };
    let d = v.delegate;
    let summary = match v.outcome {
        Outcome::Fails => format!(
            "Delegation fails: {}",
            v.failure.map_or(format!("Failed to apply {d} delegate."), |f| f.reason.clone())
        ),
        Outcome::None => match v.failure {
            Some(f) => format!("{d} is not used: {}.", f.reason),
            None => format!("{d} accepts none of the {} ops; everything runs on the CPU.", v.total_nodes),
        },
        Outcome::Full => format!("Fully delegated: one {d} kernel runs all {} ops.", v.total_nodes),
        Outcome::Partial => format!(
            "{} {d} partition{} cover{} {} of {} nodes; {} op{} run{} on the CPU ({:.1}% of the estimated work), {} CPU↔{} transition{}.",
            v.delegate_kernels,
            plural(v.delegate_kernels),
            if v.delegate_kernels == 1 { "s" } else { "" },
            v.delegated_nodes,
            v.total_nodes,
            cpu_ops,
            plural(cpu_ops),
            if cpu_ops == 1 { "s" } else { "" },
            share * 100.0,
            t,
            v.device,
            plural(t)
        ),
    };
    let summary = match v.tie {
        Some((si, tie)) => format!("{summary} {}", tie_sentence(si, tie)),
        None => summary,
    };
    Verdict { summary, cpu_ops, transitions: t, cpu_work_share: share }
}

/// The first tie at the partition limit: in the primary subgraph, else in a later one.
fn tie_in(a: &Analysis) -> Option<(usize, &TieAtLimit)> {
    if let Some(t) = &a.tie {
        return Some((0, t));
    }
    a.other_subgraphs.iter().find_map(|p| p.tie.as_ref().map(|t| (p.index, t)))
}

fn tie_sentence(si: usize, t: &TieAtLimit) -> String {
    let firsts: Vec<String> = t.partitions.iter().filter_map(|p| p.first()).map(|n| format!("op {n}")).collect();
    format!(
        "The partition limit ({}) falls among {} partitions of {} node{} each{} (starting at {}), of which {} {} kept: which ones depends on the C++ library's std::sort, so this plan is one of several (shown: the earliest, as libstdc++ orders them).",
        t.limit,
        t.partitions.len(),
        t.size,
        plural(t.size),
        if si > 0 { format!(" in subgraph {si}") } else { String::new() },
        firsts.join(", "),
        t.kept,
        if t.kept == 1 { "is" } else { "are" }
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The flags that differ from benchmark_model's defaults, written as flags.
pub fn options_flags(o: &Options) -> String {
    let d = Options::default();
    let mut f = Vec::new();
    if o.disable_nnapi_cpu != d.disable_nnapi_cpu {
        f.push(format!("--disable-nnapi-cpu={}", o.disable_nnapi_cpu));
    }
    if let Some(n) = &o.accelerator_name {
        f.push(format!("--nnapi-accelerator-name {n}"));
    }
    if o.max_delegated_partitions != d.max_delegated_partitions {
        f.push(format!("--max-delegated-partitions {}", o.max_delegated_partitions));
    }
    if o.disable_delegate_clustering {
        f.push("--disable-delegate-clustering".into());
    }
    if o.allow_dynamic_dimensions {
        f.push("--nnapi-allow-dynamic-dimensions".into());
    }
    if let Some(l) = o.feature_level {
        f.push(format!("--nnapi-feature-level {l}"));
    }
    if let Some(l) = o.device_feature_level {
        f.push(format!("--device-feature-level {l}"));
    }
    if let Some(d) = &o.devices {
        f.push(format!("--nnapi-devices {}", d.join(",")));
    }
    if f.is_empty() {
        "benchmark_model defaults".into()
    } else {
        f.join(" ")
    }
}

fn level_name(level: Option<i64>) -> String {
    match level {
        Some(l) if l >= 1_000_000 => format!("FL{}", l - 1_000_000),
        Some(l) => l.to_string(),
        None => "-".into(),
    }
}

/// Text: a table over levels, or the full listing when one level was asked for.
pub fn render_text(r: &Report) -> String {
    let mut out = match (r.analyses.as_slice(), r.gpu.as_slice(), r.xnnpack.as_slice()) {
        ([one], [], []) => render_level(one),
        ([], [one], []) => render_gpu(one),
        ([], [], [one]) => render_xnnpack(one),
        (many, [], []) => render_summary(many) + &render_combined_summary(r),
        (many, gpu, xnn) => {
            let mut out = if many.is_empty() { String::new() } else { render_summary(many) + "\n" };
            if !gpu.is_empty() {
                out += &render_gpu_summary(gpu);
            }
            if !xnn.is_empty() {
                out += &render_xnnpack_summary(xnn);
            }
            out += &render_combined_summary(r);
            out
        }
    };
    if let Some(c) = &r.comparison {
        out += &format!("\n{c}\n");
    }
    out
}

pub fn gpu_title(a: &GpuAnalysis) -> String {
    match a.delegate {
        "gpu" => format!(
            "TFLite GPU delegate (--gpu-backend {}, --gpu-experimental-enable-quant={}, --max-delegated-partitions {})",
            if a.options.backend == policy::Backend::Cl { "cl" } else { "gl" },
            a.options.enable_quant,
            a.options.max_delegated_partitions
        ),
        _ => "LiteRT GPU accelerator (ML Drift; one partition)".to_string(),
    }
}

/// The header of the per-delegate summary tables (GPU delegates, XNNPACK).
const SUMMARY_HEADER: &str = "  target      outcome  delegated  kernels  partitions  verdict\n";

/// One row of a per-delegate summary table.
fn summary_row(delegate: &str, outcome: Outcome, delegated: usize, total: usize, kernels: usize, partitions: usize, verdict: &str) -> String {
    format!(
        "  {:<10}  {:<7}  {:>9}  {:>7}  {:>10}  {}\n",
        delegate,
        outcome_word(outcome),
        format!("{delegated}/{total}"),
        kernels,
        partitions,
        verdict
    )
}

fn render_gpu_summary(list: &[GpuReport]) -> String {
    let mut out = String::from(SUMMARY_HEADER);
    for g in list {
        let a = &g.analysis;
        out += &summary_row(a.delegate, a.outcome, a.delegated_nodes, a.total_nodes, a.delegate_kernels, a.partitions, &g.verdict.summary);
    }
    out += "\nAdd --delegate gpu or --delegate litert-gpu for its listing and reasons.\n";
    out
}

pub fn xnnpack_title(a: &XnnpackAnalysis) -> String {
    let names = a.options.flags.names();
    let flags = if names.is_empty() { "none".to_string() } else { names.join(",").to_ascii_lowercase() };
    format!("XNNPACK delegate (--xnnpack-flags {flags}; every partition kept)")
}

fn render_xnnpack_summary(list: &[XnnpackReport]) -> String {
    let mut out = format!("\n{SUMMARY_HEADER}");
    for x in list {
        let a = &x.analysis;
        out += &summary_row(a.delegate, a.outcome, a.delegated_nodes, a.total_nodes, a.delegate_kernels, a.partitions, &x.verdict.summary);
    }
    out += "\nAdd --delegate xnnpack for its listing and reasons.\n";
    out
}

fn render_xnnpack(x: &XnnpackReport) -> String {
    let a = &x.analysis;
    let mut out = format!("{}\n", xnnpack_title(a));
    for line in &a.log {
        out += &format!("  log: {line}\n");
    }
    if let Some(f) = &a.failure {
        out += &format!("\n{}\n  {}\n", f.message, f.reason);
    }
    if !a.plan.is_empty() {
        out += &run_order_rows(&a.plan);
    }
    if !a.refused.is_empty() {
        out += &format!(
            "\nOps refused by XNNPACK ({}); the reasons are the delegate source's messages (XNNPACK prints none of them):\n",
            a.refused.len()
        );
        for r in &a.refused {
            out += &format!("  {:>4}  {} v{}\n", r.index, r.op, r.version);
            for reason in &r.reasons {
                out += &format!("          - {reason}\n");
            }
        }
    }
    out += &format!("\nVerdict: {}\n", x.verdict.summary);
    out += &a.assumptions.iter().map(|s| format!("Assumed: {s}.\n")).collect::<String>();
    out
}

fn render_gpu(g: &GpuReport) -> String {
    let a = &g.analysis;
    let mut out = format!("{}\n", gpu_title(a));
    for line in &a.log {
        out += &format!("  log: {line}\n");
    }
    if let Some(f) = &a.failure {
        out += &format!("\n{}\n  {}\n", f.message, f.reason);
    }
    if !a.plan.is_empty() {
        out += &run_order_rows(&a.plan);
    }
    out += &gpu_refusals(a, &a.refused, "");
    for p in &a.other_subgraphs {
        out += &gpu_other_subgraph(a, p);
    }
    out += &format!("\nVerdict: {}\n", g.verdict.summary);
    out += &a.assumptions.iter().map(|s| format!("Assumed: {s}.\n")).collect::<String>();
    if let Some(c) = &g.combined {
        out += &render_combined(c);
    }
    out
}

/// The refused ops of one subgraph of a GPU analysis (`place`: "" for the primary subgraph, else
/// " in subgraph N").
fn gpu_refusals(a: &GpuAnalysis, refused: &[Refusal], place: &str) -> String {
    if refused.is_empty() {
        return String::new();
    }
    let by = if a.delegate == "gpu" { "GPU delegate" } else { "LiteRT GPU accelerator" };
    let mut out = format!("\nOps refused by the {by}{place} ({}):\n", refused.len());
    for r in refused {
        out += &format!("  {:>4}  {} v{}\n", r.index, r.op, r.version);
        for reason in &r.reasons {
            out += &format!("          - {}\n", if reason.is_empty() { "(no message: a DEQUANTIZE of constant fp16 weights, which stays on the CPU)" } else { reason });
        }
    }
    out
}

/// A subgraph after the first (a control-flow body) that the GPU delegate is applied to: its
/// figures, run order and refused ops (its log lines are already in the analysis's log).
fn gpu_other_subgraph(a: &GpuAnalysis, p: &GpuSubgraphPlan) -> String {
    let name = if p.name.is_empty() { String::new() } else { format!(" ({})", p.name) };
    let mut out = format!(
        "\nSubgraph {}{name}: {} of {} node{} in {} GPU kernel{}, {} partition{}.\n",
        p.index,
        p.delegated_nodes,
        p.total_nodes,
        plural(p.total_nodes),
        p.delegate_kernels,
        plural(p.delegate_kernels),
        p.partitions,
        plural(p.partitions)
    );
    if !p.plan.is_empty() {
        out += &run_order_rows(&p.plan);
    }
    out + &gpu_refusals(a, &p.refused, &format!(" in subgraph {}", p.index))
}

fn render_summary(list: &[LevelReport]) -> String {
    let mut out = String::new();
    if let Some(first) = list.first() {
        out += &format!("NNAPI delegate per Android API level ({})\n\n", options_flags(&first.analysis.options));
    }
    out += "  API  level  outcome  delegated  kernels  partitions  verdict\n";
    for l in list {
        let a = &l.analysis;
        out += &format!(
            "  {:>3}  {:>5}  {:<7}  {:>9}  {:>7}  {:>10}  {}\n",
            a.sdk,
            level_name(a.level),
            outcome_word(a.outcome),
            format!("{}/{}", a.delegated_nodes, a.total_nodes),
            a.delegate_kernels,
            a.partitions,
            l.verdict.summary
        );
    }
    out += "\nAdd --sdk N for the run-order listing and the reasons at one level.\n";
    if let Some(first) = list.first() {
        out += &assumptions(&first.analysis);
    }
    out
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Full => "full",
        Outcome::Partial => "partial",
        Outcome::None => "none",
        Outcome::Fails => "fails",
    }
}

fn assumptions(a: &Analysis) -> String {
    a.assumptions.iter().map(|s| format!("Assumed: {s}.\n")).collect()
}

fn render_level(l: &LevelReport) -> String {
    let a = &l.analysis;
    let mut out = format!(
        "NNAPI delegate on Android API {} (validation level {}, accelerator specified: {}), {}\n",
        a.sdk,
        level_name(a.level),
        a.accelerator_specified,
        options_flags(&a.options)
    );
    for line in &a.log {
        out += &format!("  log: {line}\n");
    }
    if let Some(f) = &a.failure {
        out += &format!("\n{}\n  {}\n", f.message, f.reason);
    }
    if !a.plan.is_empty() {
        out += &run_order(a);
    }
    out += &refusals(a);
    out += &fp16_weights(a);
    out += &format!("\nVerdict: {}\n", l.verdict.summary);
    out += &assumptions(a);
    if let Some(c) = &l.combined {
        out += &render_combined(c);
    }
    out
}

const COMBINED_TITLE: &str =
    "The plan that really runs: TFLite's default XNNPACK delegate applied lazily at AllocateTensors, after the delegate (--use-xnnpack=false leaves it out)";

/// The combined plan of one analysis: the XNNPACK step's log, the listing, XNNPACK's refusals.
fn render_combined(c: &CombinedReport) -> String {
    let p = &c.plan;
    let mut out = format!("\n{COMBINED_TITLE}\n");
    for line in &p.log {
        out += &format!("  log: {line}\n");
    }
    if let Some(reason) = &p.reason {
        out += &format!("\n  XNNPACK {}: {reason}\n", xnnpack_step_word(p.xnnpack));
    }
    if !p.plan.is_empty() {
        let rows: Vec<PlanRow> = p.plan.iter().map(|r| r.row.clone()).collect();
        out += &run_order_rows(&rows);
    }
    if !p.refused.is_empty() {
        out += &format!(
            "\nOps XNNPACK refuses among those left on the CPU ({}; the delegate source's messages, which it does not log):\n",
            p.refused.len()
        );
        for r in &p.refused {
            out += &format!("  {:>4}  {} v{}\n", r.index, r.op, r.version);
            for reason in &r.reasons {
                out += &format!("          - {reason}\n");
            }
        }
    }
    out += &format!("\nCombined verdict: {}\n", c.verdict.summary);
    out
}

fn xnnpack_step_word(s: XnnpackStep) -> &'static str {
    match s {
        XnnpackStep::Applied => "applied",
        XnnpackStep::Skipped => "skipped",
        XnnpackStep::Reverted => "reverted",
        XnnpackStep::Fails => "fails",
    }
}

/// One line per analysis: how the combined plan splits the ops, when the report has combined plans.
fn render_combined_summary(r: &Report) -> String {
    let nnapi = r.analyses.iter().filter_map(|l| Some((format!("NNAPI {}", l.analysis.sdk), l.combined.as_ref()?)));
    let gpu = r.gpu.iter().filter_map(|g| Some((g.analysis.delegate.to_string(), g.combined.as_ref()?)));
    let rows: Vec<(String, &CombinedReport)> = nnapi.chain(gpu).collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{COMBINED_TITLE}\n\n  target      step      accel  xnnpack  cpu  verdict\n");
    for (name, c) in rows {
        let v = &c.verdict;
        out += &format!(
            "  {name:<10}  {:<8}  {:>5}  {:>7}  {:>3}  {}\n",
            xnnpack_step_word(c.plan.xnnpack),
            v.accelerator_ops,
            v.xnnpack_ops,
            v.cpu_ops,
            v.summary
        );
    }
    out
}

/// The listing in benchmark_model's "Run Order" layout (timing columns left out).
fn run_order(a: &Analysis) -> String {
    run_order_rows(&a.plan)
}

fn run_order_rows(plan: &[PlanRow]) -> String {
    let mut out = String::from("\n============================== Run Order ==============================\n");
    out += &format!("\t{:>24}\t{}\n", "[node type]", "[Name]");
    for row in plan {
        out += &format!("\t{:>24}\t{}\n", row.node_type, row.name);
    }
    out
}

/// The fp16-weight DEQUANTIZE ops, said once rather than once per op.
fn fp16_weights(a: &Analysis) -> String {
    a.fp16_weights.as_ref().map_or_else(String::new, |w| format!("\nfp16 weights: {}\n", w.message))
}

fn refusals(a: &Analysis) -> String {
    if a.refused.is_empty() {
        return String::new();
    }
    let mut out = format!("\nOps refused by the NNAPI delegate ({}):\n", a.refused.len());
    for r in &a.refused {
        out += &format!("  {:>4}  {} v{}\n", r.index, r.op, r.version);
        for reason in &r.reasons {
            out += &format!("          - {reason}\n");
        }
    }
    out
}
