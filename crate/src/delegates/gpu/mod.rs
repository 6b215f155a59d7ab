//! TFLite's GPU delegates: what they share (the node context, the compatibility check of
//! `tflite/tools/versioning/gpu_compatibility.cc`) and one module per implementation.

pub mod compat;
pub mod mldrift;

use crate::model::{Model, Subgraph};

/// One subgraph of a model, as a GPU delegate sees it when it checks a node.
pub struct GpuContext<'m, 'a> {
    pub model: &'m Model<'a>,
    pub subgraph: &'m Subgraph,
}

/// `tflite::GpuCompatibilityFlags` (tflite/tools/versioning/gpu_compatibility.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompatFlags {
    /// `kStandard`: restricted ADD/MUL broadcast (the runtime path's default).
    Standard,
    /// `kEnhancedBroadcast`: the backend broadcasts in general.
    EnhancedBroadcast,
}
