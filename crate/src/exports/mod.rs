//! Results in the forms other tools read: Markdown for issues and pull requests (`markdown`), and
//! node-data overlays for Google's Model Explorer (`model_explorer`). Both read an analysis through
//! `TargetView`, the part every delegate's analysis has.

pub mod markdown;
pub mod model_explorer;

use crate::analyze::{GpuReport, LevelReport, Report, Verdict};
use crate::plan::{Failure, Outcome, PlanRow, Refusal};

/// One subgraph's plan and refusals.
pub struct SubgraphView<'a> {
    pub index: usize,
    pub plan: &'a [PlanRow],
    pub refused: &'a [Refusal],
}

/// One target's analysis (NNAPI at one level, or one GPU delegate), as the exports read it.
pub struct TargetView<'a> {
    /// The target as a heading names it: "NNAPI at API 29", "the GPU delegate".
    pub title: String,
    /// The target in a file name: "nnapi-api29", "gpu", "litert-gpu".
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
        }
    }

    /// Every analysis of a report, NNAPI levels first, as the JSON's `analyses` lists them.
    pub fn all(r: &'a Report) -> Vec<TargetView<'a>> {
        r.analyses.iter().map(TargetView::of_nnapi).chain(r.gpu.iter().map(TargetView::of_gpu)).collect()
    }
}

pub fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Full => "full",
        Outcome::Partial => "partial",
        Outcome::None => "none",
        Outcome::Fails => "fails",
    }
}
