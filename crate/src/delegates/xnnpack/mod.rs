//! TensorFlow Lite's XNNPACK delegate (`tflite/delegates/xnnpack/xnnpack_delegate.cc`), the
//! default CPU delegate: which nodes it takes and what plan results.
//!
//! * [`flags`]: `TfLiteXNNPackDelegateOptions::flags`, default = TFLite's default build.
//! * [`rules`]: `Subgraph::VisitNode` with `subgraph == nullptr` (the detection pass), node by
//!   node in the order of its switch, with the source's `TF_LITE_MAYBE_KERNEL_LOG` texts.
//! * [`policy`]: `Delegate::PrepareOpsToDelegate` (execution-plan order, the static-unpack
//!   DEQUANTIZE/DENSIFY rule, every partition kept), what `Subgraph::Create` refuses after
//!   detection accepted, and the analysis.
//!
//! Sources: google-ai-edge/LiteRT at f67457790c9c; digest in `shared/reference/delegates.md` §2.
//! The code is our own; the messages are the delegate's.

mod checks;
mod create;
pub mod flags;
pub mod policy;
pub mod rules;

use serde::{Deserialize, Serialize};

pub use flags::XnnpackFlags;
pub use policy::{analyze, select, Selection, XnnpackAnalysis, XnnpackSubgraphPlan};

/// The delegate's options that change the plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct XnnpackOptions {
    pub flags: XnnpackFlags,
}
