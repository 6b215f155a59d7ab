//! ARG_MAX over the last axis (`tflite/kernels/arg_min_max.cc`, `ArgMinMax`): the first index
//! holding the largest value wins ties, as the kernel's strict `>` comparison does.

use super::program::{ArgMax, Element};
use super::tensor::Buf;

/// The index of the first maximum of `px`.
fn first_max<T: Copy + PartialOrd>(px: &[T]) -> usize {
    let mut best = 0;
    for (i, v) in px.iter().enumerate().skip(1) {
        if *v > px[best] {
            best = i;
        }
    }
    best
}

/// One class per pixel for a class map (indices above 255 are shown as 255).
pub fn argmax_last<T: Copy + PartialOrd>(values: &[T], classes: usize) -> Vec<u8> {
    values.chunks_exact(classes).map(|px| first_max(px).min(255) as u8).collect()
}

fn indices<T: Copy + PartialOrd>(values: &[T], k: &ArgMax) -> Buf {
    let all = values.chunks_exact(k.classes).map(first_max);
    match k.output {
        Element::I64 => Buf::I64(all.map(|i| i as i64).collect()),
        _ => Buf::I32(all.map(|i| i as i32).collect()),
    }
}

/// The ARG_MAX step: int32 or int64 indices, as the output tensor's type says.
pub fn run(k: &ArgMax, x: &Buf) -> Buf {
    match x {
        Buf::U8(v) => indices(v, k),
        Buf::I8(v) => indices(v, k),
        other => indices(other.f32(), k),
    }
}
