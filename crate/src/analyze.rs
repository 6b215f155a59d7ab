//! The analysis report: one NNAPI analysis per requested Android API level, with a verdict, as
//! printed by `delegate-doctor analyze` and shown by the page.

use serde::Serialize;

use crate::cost;
use crate::inspect::{self, ModelSummary};
use crate::model::Model;
use crate::nnapi::delegate::{self, Analysis, Options, Outcome, TieAtLimit};

pub const ANALYZE_FORMAT: &str = "delegate-doctor.analyze/1";
pub const ALL_LEVELS: [u32; 9] = [27, 28, 29, 30, 31, 32, 33, 34, 35];

#[derive(Debug, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub model: ModelSummary,
    pub analyses: Vec<LevelReport>,
}

#[derive(Debug, Serialize)]
pub struct LevelReport {
    #[serde(flatten)]
    pub analysis: Analysis,
    pub verdict: Verdict,
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
            LevelReport { analysis, verdict }
        })
        .collect();
    Report { format: ANALYZE_FORMAT, model: inspect::summary(model), analyses }
}

fn transitions(a: &Analysis) -> usize {
    a.plan.windows(2).filter(|w| w[0].is_delegate() != w[1].is_delegate()).count()
}

/// A sum of costs that is +0.0 when empty: `Iterator::sum` of no f64 is -0.0, which JSON prints
/// as `-0.0`.
fn total(costs: impl Iterator<Item = f64>) -> f64 {
    costs.fold(0.0, |acc, c| acc + c)
}

fn cpu_share(a: &Analysis, work: &[f64]) -> f64 {
    let all = total(work.iter().copied());
    if all <= 0.0 {
        return 0.0;
    }
    let cpu = total(a.plan.iter().filter(|r| !r.is_delegate()).filter_map(|r| work.get(r.index).copied()));
    cpu / all
}

pub fn verdict(a: &Analysis, work: &[f64]) -> Verdict {
    let cpu_ops = a.plan.iter().filter(|r| !r.is_delegate()).count();
    let t = transitions(a);
    let share = if a.outcome == Outcome::Fails { 1.0 } else { cpu_share(a, work) };
    let summary = match a.outcome {
        Outcome::Fails => format!(
            "Delegation fails: {}",
            a.failure.as_ref().map_or("Failed to apply NNAPI delegate.".into(), |f| f.reason.clone())
        ),
        Outcome::None => match &a.failure {
            Some(f) => format!("NNAPI is not used: {}.", f.reason),
            None => format!("NNAPI accepts none of the {} ops; everything runs on the CPU.", a.total_nodes),
        },
        Outcome::Full => format!("Fully delegated: one NNAPI kernel runs all {} ops.", a.total_nodes),
        Outcome::Partial => format!(
            "{} NNAPI partition{} cover{} {} of {} nodes; {} op{} run{} on the CPU ({:.1}% of the estimated work), {} CPU↔NPU transition{}.",
            a.delegate_kernels,
            plural(a.delegate_kernels),
            if a.delegate_kernels == 1 { "s" } else { "" },
            a.delegated_nodes,
            a.total_nodes,
            cpu_ops,
            plural(cpu_ops),
            if cpu_ops == 1 { "s" } else { "" },
            share * 100.0,
            t,
            plural(t)
        ),
    };
    let summary = match tie_in(a) {
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
    match r.analyses.as_slice() {
        [one] => render_level(one),
        many => render_summary(many),
    }
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
    out
}

/// The listing in benchmark_model's "Run Order" layout (timing columns left out).
fn run_order(a: &Analysis) -> String {
    let mut out = String::from("\n============================== Run Order ==============================\n");
    out += &format!("\t{:>24}\t{}\n", "[node type]", "[Name]");
    for row in &a.plan {
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
