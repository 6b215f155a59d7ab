//! Delegates other than NNAPI, each as an exact replica of its source's node decision.

pub mod gpu;
