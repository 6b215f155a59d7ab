//! What the planner fixes for: a delegate with its options, and the analysis that says which ops
//! it refuses and how it splits the model. The planner works only on the common shape (refused ops
//! with reasons, plan, outcome, failure); everything that differs between delegates lives here.

use serde::{Deserialize, Serialize};

use crate::analyze::{gpu_title, gpu_verdict, options_flags, verdict, xnnpack_title, xnnpack_verdict, Verdict};
use crate::delegates::gpu::policy::{self, Flavor, GpuAnalysis, GpuOptions};
use crate::delegates::xnnpack::{self, XnnpackAnalysis, XnnpackOptions};
use crate::model::{self, Model};
use crate::nnapi::delegate::{self, Analysis, Options};
use crate::plan::{Failure, Outcome, PlanRow, Refusal};

use super::{fp16_weights, FixOptions};

/// The delegate a fix is for: each fix's `cures` says which refusal messages it cures for which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delegate {
    /// TFLite's NNAPI delegate (the options are `FixOptions::target`).
    #[default]
    Nnapi,
    /// TFLite's classic GPU delegate.
    Gpu,
    /// LiteRT's GPU accelerator (ML Drift).
    LitertGpu,
    /// TFLite's XNNPACK delegate on its own (the options are `FixOptions::xnnpack`). No fix cures
    /// one of its refusals yet: the planner runs and says so for each refused op.
    Xnnpack,
}

impl Delegate {
    /// Every delegate, in the order reports list them: what `--delegate all` means for a zoo scan
    /// and for the Model Explorer overlays. A delegate added here shows up in both.
    pub const ALL: [Delegate; 4] = [Delegate::Nnapi, Delegate::Gpu, Delegate::LitertGpu, Delegate::Xnnpack];

    /// The id the CLI's `--delegate` takes and the JSON's `delegate` says.
    pub fn id(self) -> &'static str {
        match self {
            Delegate::Nnapi => "nnapi",
            Delegate::Gpu => "gpu",
            Delegate::LitertGpu => "litert-gpu",
            Delegate::Xnnpack => "xnnpack",
        }
    }

    /// The delegate by the id `--delegate` takes.
    pub fn from_id(id: &str) -> Option<Delegate> {
        Delegate::ALL.into_iter().find(|d| d.id() == id)
    }

    /// The delegate as a sentence names it ("the GPU delegate").
    pub fn name(self) -> &'static str {
        match self {
            Delegate::Nnapi => "NNAPI",
            Delegate::Gpu => "the GPU delegate",
            Delegate::LitertGpu => "LiteRT's GPU accelerator",
            Delegate::Xnnpack => "XNNPACK",
        }
    }

    pub fn is_nnapi(&self) -> bool {
        *self == Delegate::Nnapi
    }
    pub fn gpu_flavor(self) -> Option<Flavor> {
        match self {
            Delegate::Nnapi | Delegate::Xnnpack => None,
            Delegate::Gpu => Some(Flavor::Classic),
            Delegate::LitertGpu => Some(Flavor::LiteRt),
        }
    }
}

/// The common shape of a delegate's analysis, as the planner reads it.
pub trait Analyzed: Serialize + Clone + std::fmt::Debug {
    fn outcome(&self) -> Outcome;
    fn plan(&self) -> &[PlanRow];
    fn refused(&self) -> &[Refusal];
    fn failure(&self) -> Option<&Failure>;
    fn total_nodes(&self) -> usize;
    /// The NNAPI feature level fixes are planned at (0 for delegates without levels: no fix that
    /// reads it applies there), or why no fix can help (the delegate is not used at all).
    fn fix_level(&self) -> Result<i64, String>;
    fn verdict(&self, work: &[f64]) -> Verdict;
    /// The target as the text report's first line names it.
    fn title(&self) -> String;
    /// Node counts of the largest delegate partition; `None` for delegates that run every
    /// partition they accept (NNAPI), where the partition count says enough.
    fn largest_partition(&self) -> Option<usize>;
}

/// The accessors every analysis answers from its fields of the same names (NNAPI's `Analysis`,
/// `GpuAnalysis`, `XnnpackAnalysis` declare them alike, docs/json.md).
macro_rules! common_fields {
    () => {
        fn outcome(&self) -> Outcome {
            self.outcome
        }
        fn plan(&self) -> &[PlanRow] {
            &self.plan
        }
        fn refused(&self) -> &[Refusal] {
            &self.refused
        }
        fn failure(&self) -> Option<&Failure> {
            self.failure.as_ref()
        }
        fn total_nodes(&self) -> usize {
            self.total_nodes
        }
    };
}

impl Analyzed for Analysis {
    common_fields!();
    fn fix_level(&self) -> Result<i64, String> {
        self.level.ok_or_else(|| self.failure.as_ref().map_or("the delegate is not used".into(), |f| f.reason.clone()))
    }
    fn verdict(&self, work: &[f64]) -> Verdict {
        verdict(self, work)
    }
    fn title(&self) -> String {
        format!("Android API {} ({})", self.sdk, options_flags(&self.options))
    }
    fn largest_partition(&self) -> Option<usize> {
        None
    }
}

impl Analyzed for GpuAnalysis {
    common_fields!();
    fn fix_level(&self) -> Result<i64, String> {
        Ok(0)
    }
    fn verdict(&self, work: &[f64]) -> Verdict {
        gpu_verdict(self, work)
    }
    fn title(&self) -> String {
        gpu_title(self)
    }
    /// Only the largest partition(s) run on the GPU, so this is the figure a fix should grow.
    fn largest_partition(&self) -> Option<usize> {
        Some(self.plan.iter().filter_map(|r| r.nodes.as_ref().map(Vec::len)).max().unwrap_or(0))
    }
}

/// A delegate with its options: how to analyse a model for it, and which accepted ops it still
/// cannot run (problems that are not in the analysis's `refused`).
pub trait Target {
    type Analysis: Analyzed;
    fn delegate(&self) -> Delegate;
    fn analyze(&self, m: &Model<'_>) -> Self::Analysis;
    /// Ops of the primary subgraph the delegate accepts but cannot run, with the reasons.
    fn hidden_problems(&self, m: &Model<'_>, before: &Self::Analysis, opts: &FixOptions) -> Vec<(usize, Vec<String>)>;
}

/// The NNAPI delegate at one set of options.
pub struct NnapiTarget<'o>(pub &'o Options);

impl Target for NnapiTarget<'_> {
    type Analysis = Analysis;
    fn delegate(&self) -> Delegate {
        Delegate::Nnapi
    }
    fn analyze(&self, m: &Model<'_>) -> Analysis {
        delegate::analyze(m, self.0)
    }
    /// Accepted ops with constant int64 operands (building the NNAPI model fails on them:
    /// nnapi_delegate.cc `AddTensor` has no NNAPI type for kTfLiteInt64), and the first fp16-weight
    /// DEQUANTIZE when the fp16 path leaves ops reading float16 weights on the CPU (or when the
    /// fold is asked for by name).
    fn hidden_problems(&self, m: &Model<'_>, before: &Analysis, opts: &FixOptions) -> Vec<(usize, Vec<String>)> {
        let sg = &m.subgraphs[0]; // ok: model::read refuses models without subgraphs
        let refused = |i: usize| before.refused.iter().any(|r| r.index == i);
        let const_int64 = |t: &i32| sg.tensor(*t).is_some_and(|t| t.is_const() && t.dtype == model::TensorType::INT64);
        (0..sg.operators.len())
            .filter(|&i| !refused(i) && sg.operators[i].inputs.iter().any(const_int64))
            .map(|i| (i, vec!["Failed to add NN API tensor: type INT64 is not supported.".to_string()]))
            .chain(fp16_problem(m, before, opts).map(|(i, r)| (i, vec![r.to_string()])))
            .collect()
    }
}

/// The DEQUANTIZE the fold is planned at: the first of the primary subgraph's fp16-weight
/// DEQUANTIZEs, when the target leaves ops reading fp16 weights on the CPU (failing or not) or the
/// user named the fix in --only.
fn fp16_problem(m: &Model<'_>, before: &Analysis, opts: &FixOptions) -> Option<(usize, &'static str)> {
    let sg = &m.subgraphs[0]; // ok: model::read refuses models without subgraphs
    let first = sg.operators.iter().position(|op| crate::nnapi::fp16::is_const_fp16_dequantize(sg, op))?;
    if before.fp16_weights.as_ref().is_some_and(|w| !w.left_on_cpu.is_empty()) {
        return Some((first, crate::nnapi::fp16::LEFT_ON_CPU_REASON));
    }
    let asked = opts.only.as_ref().is_some_and(|o| o.iter().any(|x| x == fp16_weights::ID));
    asked.then_some((first, fp16_weights::REQUESTED_REASON))
}

/// One of the GPU delegates at one set of options.
pub struct GpuTarget<'o> {
    pub flavor: Flavor,
    pub options: &'o GpuOptions,
}

impl Target for GpuTarget<'_> {
    type Analysis = GpuAnalysis;
    fn delegate(&self) -> Delegate {
        match self.flavor {
            Flavor::Classic => Delegate::Gpu,
            Flavor::LiteRt => Delegate::LitertGpu,
        }
    }
    fn analyze(&self, m: &Model<'_>) -> GpuAnalysis {
        policy::analyze(m, self.flavor, self.options)
    }
    /// Both GPU delegates say every refusal in their partition helper's log.
    fn hidden_problems(&self, _: &Model<'_>, _: &GpuAnalysis, _: &FixOptions) -> Vec<(usize, Vec<String>)> {
        Vec::new()
    }
}

impl Analyzed for XnnpackAnalysis {
    common_fields!();
    fn fix_level(&self) -> Result<i64, String> {
        Ok(0)
    }
    fn verdict(&self, work: &[f64]) -> Verdict {
        xnnpack_verdict(self, work)
    }
    fn title(&self) -> String {
        xnnpack_title(self)
    }
    /// XNNPACK keeps every partition, as NNAPI does.
    fn largest_partition(&self) -> Option<usize> {
        None
    }
}

/// The XNNPACK delegate applied on its own, at one set of options.
pub struct XnnpackTarget<'o>(pub &'o XnnpackOptions);

impl Target for XnnpackTarget<'_> {
    type Analysis = XnnpackAnalysis;
    fn delegate(&self) -> Delegate {
        Delegate::Xnnpack
    }
    fn analyze(&self, m: &Model<'_>) -> XnnpackAnalysis {
        xnnpack::analyze(m, self.0)
    }
    /// Every node XNNPACK does not take is in its `refused`, with the source's message.
    fn hidden_problems(&self, _: &Model<'_>, _: &XnnpackAnalysis, _: &FixOptions) -> Vec<(usize, Vec<String>)> {
        Vec::new()
    }
}
