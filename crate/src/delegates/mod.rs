//! One module per delegate, each an exact replica of its source: the node decision as small rules
//! in the order of the source's switch, with the source's messages, and its prepare policy (which
//! nodes, which partitions are kept, what the plan rows are called). What they share — the
//! partitioner, the plan listing, the verdict — knows no delegate by name (`crate::partition`,
//! `crate::plan`, `crate::analyze`).

pub mod gpu;
pub mod nnapi;
pub mod xnnpack;
