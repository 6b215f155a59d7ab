//! Results in the forms other tools read: Markdown for issues and pull requests (`markdown`), and
//! node-data overlays for Google's Model Explorer (`model_explorer`). Both read an analysis through
//! `TargetView`, the part every delegate's analysis has.

pub mod markdown;
pub mod model_explorer;

use crate::analyze::{CombinedReport, GpuReport, LevelReport, Report, Verdict, XnnpackReport};
use crate::plan::{Failure, Outcome, PlanRow, Refusal};

/// One subgraph's plan and refusals.
pub struct SubgraphView<'a> {
    pub index: usize,
    pub plan: &'a [PlanRow],
    pub refused: &'a [Refusal],
}

/// One target's analysis (NNAPI at one level, a GPU delegate, or XNNPACK on its own), as the
/// exports read it.
pub struct TargetView<'a> {
    /// The target as a heading names it: "NNAPI at API 29", "the GPU delegate".
    pub title: String,
    /// The target in a file name: "nnapi-api29", "gpu", "litert-gpu", "xnnpack".
    pub slug: String,
    pub outcome: Outcome,
    pub total_nodes: usize,
    pub delegated_nodes: usize,
    pub delegate_kernels: usize,
    pub partitions: usize,
    pub failure: Option<&'a Failure>,
    pub verdict: &'a Verdict,
    /// The primary subgraph first, then the others in index order.
    pub subgraphs: Vec<SubgraphView<'a>>,
    /// The plan that really runs (this delegate, then the default XNNPACK delegate), when the
    /// report has it: NNAPI and the GPU delegates, unless `--use-xnnpack=false`.
    pub combined: Option<&'a CombinedReport>,
}

impl<'a> TargetView<'a> {
    pub fn of_nnapi(l: &'a LevelReport) -> TargetView<'a> {
        let a = &l.analysis;
        let primary = SubgraphView { index: 0, plan: &a.plan, refused: &a.refused };
        let others = a.other_subgraphs.iter().map(|s| SubgraphView { index: s.index, plan: &s.plan, refused: &s.refused });
        TargetView {
            title: format!("NNAPI at API {}", a.sdk),
            slug: format!("nnapi-api{}", a.sdk),
            outcome: a.outcome,
            total_nodes: a.total_nodes,
            delegated_nodes: a.delegated_nodes,
            delegate_kernels: a.delegate_kernels,
            partitions: a.partitions,
            failure: a.failure.as_ref(),
            verdict: &l.verdict,
            subgraphs: std::iter::once(primary).chain(others).collect(),
            combined: l.combined.as_ref(),
        }
    }

    pub fn of_gpu(g: &'a GpuReport) -> TargetView<'a> {
        let a = &g.analysis;
        let primary = SubgraphView { index: 0, plan: &a.plan, refused: &a.refused };
        let others = a.other_subgraphs.iter().map(|s| SubgraphView { index: s.index, plan: &s.plan, refused: &s.refused });
        let title = match a.delegate {
            "gpu" => "the GPU delegate",
            _ => "LiteRT's GPU accelerator",
        };
        TargetView {
            title: title.to_string(),
            slug: a.delegate.to_string(),
            outcome: a.outcome,
            total_nodes: a.total_nodes,
            delegated_nodes: a.delegated_nodes,
            delegate_kernels: a.delegate_kernels,
            partitions: a.partitions,
            failure: a.failure.as_ref(),
            verdict: &g.verdict,
            subgraphs: std::iter::once(primary).chain(others).collect(),
            combined: g.combined.as_ref(),
        }
    }

    pub fn of_xnnpack(x: &'a XnnpackReport) -> TargetView<'a> {
        let a = &x.analysis;
        let primary = SubgraphView { index: 0, plan: &a.plan, refused: &a.refused };
        let others = a.other_subgraphs.iter().map(|s| SubgraphView { index: s.index, plan: &s.plan, refused: &s.refused });
        TargetView {
            title: xnnpack_target_title(a),
            slug: a.delegate.to_string(),
            outcome: a.outcome,
            total_nodes: a.total_nodes,
            delegated_nodes: a.delegated_nodes,
            delegate_kernels: a.delegate_kernels,
            partitions: a.partitions,
            failure: a.failure.as_ref(),
            verdict: &x.verdict,
            subgraphs: std::iter::once(primary).chain(others).collect(),
            combined: None,
        }
    }

    /// Every analysis of a report, NNAPI levels first, then the GPU delegates and XNNPACK, as the
    /// JSON's `analyses` lists them.
    pub fn all(r: &'a Report) -> Vec<TargetView<'a>> {
        let nnapi = r.analyses.iter().map(TargetView::of_nnapi);
        let gpu = r.gpu.iter().map(TargetView::of_gpu);
        nnapi.chain(gpu).chain(r.xnnpack.iter().map(TargetView::of_xnnpack)).collect()
    }
}

/// "XNNPACK" at TFLite's default flags, else "XNNPACK (--xnnpack-flags …)" with its flags.
fn xnnpack_target_title(a: &crate::delegates::xnnpack::XnnpackAnalysis) -> String {
    if a.options == Default::default() {
        return "XNNPACK".to_string();
    }
    let names = a.options.flags.names();
    let flags = if names.is_empty() { "none".to_string() } else { names.join(",").to_ascii_lowercase() };
    format!("XNNPACK (--xnnpack-flags {flags})")
}

pub fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Full => "full",
        Outcome::Partial => "partial",
        Outcome::None => "none",
        Outcome::Fails => "fails",
    }
}
