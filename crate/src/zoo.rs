//! The zoo scan: `analyze DIR_OR_FILES… --delegate all`: every `.tflite` under the given paths,
//! one row per model and target with the delegated share, the kernels, the refused op kinds and
//! whether `fix` would make the model fully delegated (the fix planner runs in memory; nothing is
//! written). A file that cannot be read or is not a valid model is reported and the scan goes on.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::delegates::gpu::policy::GpuOptions;
use crate::delegates::xnnpack::XnnpackOptions;
use crate::exports::markdown::escape;
use crate::fixes::{self, Analyzed, Delegate, FixOptions, FixReport, FixVisitor};
use crate::model;
use crate::nnapi::delegate::Options;
use crate::plan::{Outcome, PlanRow};

pub const ZOO_FORMAT: &str = "delegate-doctor.zoo/1";

/// What a scan analyses every model for.
#[derive(Debug, Clone)]
pub struct ZooOptions {
    /// The NNAPI options, at one level (`sdk`).
    pub nnapi: Options,
    pub gpu: GpuOptions,
    /// XNNPACK applied on its own (as `analyze --delegate xnnpack`).
    pub xnnpack: XnnpackOptions,
    pub delegates: Vec<Delegate>,
}

/// One model for one target.
#[derive(Debug, Clone, Serialize)]
pub struct ZooRow {
    pub model: String,
    /// "nnapi-api29", "gpu", "litert-gpu", "xnnpack".
    pub target: String,
    pub delegate: &'static str,
    /// NNAPI only: the Android API level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdk: Option<u32>,
    pub outcome: Outcome,
    pub total_nodes: usize,
    pub delegated_nodes: usize,
    /// delegated_nodes / total_nodes (0 for a model without ops).
    pub delegated_share: f64,
    /// The estimated share of the arithmetic left on the CPU, as in the verdict.
    pub cpu_work_share: f64,
    pub kernels: usize,
    /// The kinds of op the target refuses (primary subgraph), sorted, each once.
    pub refused_ops: Vec<String>,
    pub fix: FixOutlook,
}

/// What `fix` would do for the row's target (default fixes, no cut).
#[derive(Debug, Clone, Serialize)]
pub struct FixOutlook {
    /// The fixed model is fully delegated (also true when the model already was).
    pub full: bool,
    /// The fixes that would be applied, each once, in the planner's order.
    pub fixes: Vec<&'static str>,
    pub delegated_nodes: usize,
    pub kernels: usize,
}

/// A path that could not be scanned, and why.
#[derive(Debug, Clone, Serialize)]
pub struct ZooError {
    pub model: String,
    pub error: String,
}

#[derive(Debug, Serialize)]
pub struct ZooReport {
    pub format: &'static str,
    pub models: usize,
    pub rows: Vec<ZooRow>,
    pub errors: Vec<ZooError>,
}

impl ZooReport {
    /// Every row fully delegated.
    pub fn all_full(&self) -> bool {
        self.rows.iter().all(|r| r.outcome == Outcome::Full)
    }
}

/// The model files under `paths`, in a stable order: each path in the order given; a directory's
/// `.tflite` files (any case of the extension) recursively, entries sorted by name; a file given
/// by name whatever its extension. Paths that cannot be listed come back as errors. A directory
/// reached twice (through a symbolic link) is walked once.
pub fn model_files(paths: &[PathBuf]) -> Vec<Result<PathBuf, ZooError>> {
    let mut out = Vec::new();
    let mut seen_dirs = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut seen_dirs, &mut out),
            Ok(_) => out.push(Ok(p.clone())),
            Err(e) => out.push(Err(error_of(p, format!("cannot read {}: {e}", p.display())))),
        }
    }
    out
}

fn error_of(p: &Path, error: String) -> ZooError {
    ZooError { model: p.display().to_string(), error }
}

fn walk(dir: &Path, seen: &mut Vec<PathBuf>, out: &mut Vec<Result<PathBuf, ZooError>>) {
    if let Ok(canonical) = std::fs::canonicalize(dir) {
        if seen.contains(&canonical) {
            return;
        }
        seen.push(canonical);
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return out.push(Err(error_of(dir, format!("cannot list {}: {e}", dir.display())))),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => walk(&p, seen, out),
            Ok(_) if is_tflite(&p) => out.push(Ok(p)),
            Ok(_) => {}
            // A dangling link or an entry that vanished: say so only when it looks like a model.
            Err(e) if is_tflite(&p) => out.push(Err(error_of(&p, format!("cannot read {}: {e}", p.display())))),
            Err(_) => {}
        }
    }
}

fn is_tflite(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("tflite"))
}

/// The delegate kernels and the nodes they run, in a primary subgraph's plan.
fn delegated(outcome: Outcome, plan: &[PlanRow]) -> (usize, usize) {
    if outcome == Outcome::Fails {
        return (0, 0);
    }
    let kernels = plan.iter().filter(|r| r.is_delegate()).count();
    let nodes = plan.iter().filter_map(|r| r.nodes.as_ref()).map(Vec::len).sum();
    (kernels, nodes)
}

/// Builds the row of one target from its fix report.
struct RowOf<'a> {
    model: &'a str,
    delegate: Delegate,
    sdk: u32,
}

impl FixVisitor for RowOf<'_> {
    type Out = ZooRow;
    /// The fixed bytes are not needed: a scan writes nothing.
    fn visit<A: Analyzed>(self, _fixed: fixes::Fixed<'_>, r: FixReport<A>) -> ZooRow {
        let b = &r.before;
        let (kernels, delegated_nodes) = delegated(b.outcome(), b.plan());
        let (after_kernels, after_nodes) = delegated(r.after.outcome(), r.after.plan());
        let mut refused_ops: Vec<String> = b.refused().iter().map(|x| x.op.clone()).collect();
        refused_ops.sort();
        refused_ops.dedup();
        let mut fixes: Vec<&'static str> = Vec::new();
        for c in &r.changes {
            if !fixes.contains(&c.fix) {
                fixes.push(c.fix);
            }
        }
        let total = b.total_nodes();
        let nnapi = self.delegate == Delegate::Nnapi;
        ZooRow {
            model: self.model.to_string(),
            target: if nnapi { format!("nnapi-api{}", self.sdk) } else { self.delegate.id().to_string() },
            delegate: self.delegate.id(),
            sdk: nnapi.then_some(self.sdk),
            outcome: b.outcome(),
            total_nodes: total,
            delegated_nodes,
            delegated_share: if total == 0 { 0.0 } else { delegated_nodes as f64 / total as f64 },
            cpu_work_share: r.before_verdict.cpu_work_share,
            kernels,
            refused_ops,
            fix: FixOutlook { full: r.after.outcome() == Outcome::Full, fixes, delegated_nodes: after_nodes, kernels: after_kernels },
        }
    }
}

/// The rows of one model file, or why it cannot be scanned.
pub fn scan_file(path: &Path, o: &ZooOptions) -> Result<Vec<ZooRow>, ZooError> {
    let shown = path.display().to_string();
    let bytes = crate::cli::read_file(path).map_err(|e| error_of(path, e))?;
    // Checked once here so that a bad file gives one error, not one per target.
    model::read(&bytes).map_err(|e| error_of(path, format!("{shown}: {e}")))?;
    let opts = FixOptions { target: o.nnapi.clone(), gpu: Some(o.gpu.clone()), xnnpack: Some(o.xnnpack.clone()), ..FixOptions::default() };
    o.delegates
        .iter()
        .map(|&d| {
            let visitor = RowOf { model: &shown, delegate: d, sdk: o.nnapi.sdk };
            fixes::fix_delegate(&bytes, d, &opts, visitor).map_err(|e| error_of(path, format!("{shown}: {e}")))
        })
        .collect()
}

/// Scans every file, calling `progress(done, total, path)` before each one.
pub fn scan(files: Vec<Result<PathBuf, ZooError>>, o: &ZooOptions, mut progress: impl FnMut(usize, usize, &Path)) -> ZooReport {
    let total = files.len();
    let mut report = ZooReport { format: ZOO_FORMAT, models: 0, rows: Vec::new(), errors: Vec::new() };
    for (i, f) in files.into_iter().enumerate() {
        let path = match f {
            Ok(p) => p,
            Err(e) => {
                report.errors.push(e);
                continue;
            }
        };
        progress(i, total, &path);
        match scan_file(&path, o) {
            Ok(rows) => {
                report.models += 1;
                report.rows.extend(rows);
            }
            Err(e) => report.errors.push(e),
        }
    }
    report
}

fn outcome_word(o: Outcome) -> &'static str {
    crate::exports::outcome_word(o)
}

/// The "after fix" cell: what `fix` would reach.
fn fix_cell(r: &ZooRow) -> String {
    let f = &r.fix;
    match (r.outcome, f.full, f.fixes.is_empty()) {
        (Outcome::Full, _, _) => "already full".into(),
        (_, true, _) => format!("full with {}", f.fixes.join(", ")),
        // No fix cures an XNNPACK refusal (the planner ran and found none for any op).
        (_, false, true) if r.delegate == Delegate::Xnnpack.id() => "no fixes for XNNPACK".into(),
        (_, false, true) => "no fix applies".into(),
        (_, false, false) => format!("{}/{} with {}", f.delegated_nodes, r.total_nodes, f.fixes.join(", ")),
    }
}

fn delegated_cell(r: &ZooRow) -> String {
    format!("{}/{} ({:.1}%)", r.delegated_nodes, r.total_nodes, r.delegated_share * 100.0)
}

/// The scan as a Markdown table, then the files that could not be scanned.
pub fn render_md(r: &ZooReport) -> String {
    let mut out = format!(
        "## Delegate Doctor: {} model{} scanned\n\n| model | target | outcome | delegated | kernels | CPU work | refused op kinds | after `fix` |\n|---|---|---|---|---|---|---|---|\n",
        r.models,
        if r.models == 1 { "" } else { "s" }
    );
    for row in &r.rows {
        let refused: Vec<String> = row.refused_ops.iter().map(|o| escape(o)).collect();
        out += &format!(
            "| {} | {} | {} | {} | {} | {:.1}% | {} | {} |\n",
            escape(&row.model),
            row.target,
            outcome_word(row.outcome),
            delegated_cell(row),
            row.kernels,
            row.cpu_work_share * 100.0,
            refused.join(", "),
            fix_cell(row)
        );
    }
    if !r.errors.is_empty() {
        out += &format!("\nNot scanned ({}):\n\n", r.errors.len());
        for e in &r.errors {
            out += &format!("- {}\n", escape(&e.error));
        }
    }
    out
}

/// The scan as an aligned text table, then the files that could not be scanned.
pub fn render_text(r: &ZooReport) -> String {
    let header = ["model", "target", "outcome", "delegated", "kernels", "CPU work", "refused op kinds", "after fix"];
    let cells: Vec<[String; 8]> = r
        .rows
        .iter()
        .map(|row| {
            [
                row.model.clone(),
                row.target.clone(),
                outcome_word(row.outcome).to_string(),
                delegated_cell(row),
                row.kernels.to_string(),
                format!("{:.1}%", row.cpu_work_share * 100.0),
                if row.refused_ops.is_empty() { "-".into() } else { row.refused_ops.join(",") },
                fix_cell(row),
            ]
        })
        .collect();
    let width = |i: usize| cells.iter().map(|c| c[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0);
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |c: &[String]| {
        let padded: Vec<String> = c.iter().zip(&widths).map(|(s, &w)| format!("{s:<w$}")).collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(&header.map(String::from));
    for c in &cells {
        out += &line(c);
    }
    out += &format!("\n{} model{} scanned", r.models, if r.models == 1 { "" } else { "s" });
    if r.errors.is_empty() {
        out += ".\n";
    } else {
        out += &format!(", {} not:\n", r.errors.len());
        for e in &r.errors {
            out += &format!("  {}\n", e.error);
        }
    }
    out
}

/// One JSON object per line: the rows, then `{"model", "error"}` for each path not scanned.
pub fn render_jsonl(r: &ZooReport) -> Result<String, String> {
    let mut out = String::new();
    let line = |v: serde_json::Result<String>| v.map_err(|e| format!("internal error: {e}"));
    for row in &r.rows {
        out += &line(serde_json::to_string(row))?;
        out.push('\n');
    }
    for e in &r.errors {
        out += &line(serde_json::to_string(e))?;
        out.push('\n');
    }
    Ok(out)
}
