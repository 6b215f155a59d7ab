//! `tflite::CheckGpuDelegateCompatibility` (tflite/tools/versioning/gpu_compatibility.cc).

use super::{CompatFlags, GpuContext};

/// `Err(message)` when `CheckGpuDelegateCompatibility` refuses operator `op_index` of
/// `ctx.subgraph` with these flags.
// TODO: replaced by the port in gpu-classic
pub fn check(
    _ctx: &GpuContext<'_, '_>,
    _op_index: usize,
    _flags: CompatFlags,
) -> Result<(), String> {
    Ok(())
}
