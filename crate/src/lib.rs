//! Delegate Doctor: reads a `.tflite` model, predicts how TensorFlow Lite's NNAPI delegate will
//! split it, explains every refusal, and fixes what can be fixed.

pub mod analyze;
pub mod builder;
pub mod cli;
pub mod combined;
pub mod control_deps;
pub mod cost;
pub mod delegates;
pub mod dynamic;
pub mod exports;
pub mod fixes;
pub mod half;
pub mod infer;
pub mod inspect;
pub mod model;
/// The NNAPI delegate, as `crate::nnapi` (it lives with the other delegates).
pub use delegates::nnapi;
pub mod options;
pub mod partition;
pub mod plan;
pub mod shapes;
pub mod surgery;
pub mod zoo;

#[cfg(all(target_arch = "wasm32", not(feature = "engine")))]
pub mod wasm;
#[cfg(all(target_arch = "wasm32", feature = "engine"))]
pub mod wasm_engine;
