//! TensorFlow Lite's NNAPI delegate, modelled: which ops it accepts (`rules`), at which level and
//! with which options (`delegate`), and what plan results.

pub mod delegate;
pub mod fp16;
pub mod rules;
