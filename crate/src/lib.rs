//! Delegate Doctor: reads a `.tflite` model, predicts how TensorFlow Lite's NNAPI delegate will
//! split it, explains every refusal, and fixes what can be fixed.

pub mod builder;
pub mod cli;
pub mod inspect;
pub mod model;
pub mod nnapi;
pub mod options;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
