//! Delegates other than NNAPI, each in its own module.

pub mod gpu;
