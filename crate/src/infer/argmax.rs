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

/// The index of the first maximum of up to 256 bytes, as the largest key `value · 256 + (255 − i)`:
/// a larger value wins, and among equal values the smaller index. A max over keys has no branch and
/// no loop-carried comparison, so the compiler vectorizes it.
fn first_max_u8(px: &[u8]) -> usize {
    debug_assert!(px.len() <= 256); // ok: indices_u8 takes this path only for at most 256 classes
    let key = px.iter().enumerate().map(|(i, &v)| (v as u16) << 8 | (255 - i as u16)).max().unwrap_or(255);
    255 - (key & 0xff) as usize
}

fn indices_u8(values: &[u8], k: &ArgMax) -> Buf {
    if k.classes == 0 || k.classes > 256 {
        return indices(values, k);
    }
    let all = values.chunks_exact(k.classes).map(first_max_u8);
    match k.output {
        Element::I64 => Buf::I64(all.map(|i| i as i64).collect()),
        _ => Buf::I32(all.map(|i| i as i32).collect()),
    }
}

fn indices<T: Copy + PartialOrd>(values: &[T], k: &ArgMax) -> Buf {
    let all = values.chunks_exact(k.classes).map(first_max);
    match k.output {
        Element::I64 => Buf::I64(all.map(|i| i as i64).collect()),
        _ => Buf::I32(all.map(|i| i as i32).collect()),
    }
}

/// The ARG_MAX step: int32 or int64 indices, as the output tensor's type says.
#[inline(never)] // a function of its own, so that V8 optimizes it apart from the run loop (conv.rs)
pub fn run(k: &ArgMax, x: &Buf) -> Buf {
    match x {
        Buf::U8(v) => indices_u8(v, k),
        Buf::I8(v) => indices(v, k),
        other => indices(other.f32(), k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_first_max_equals_the_scan() {
        let mut state = 12345u32;
        for len in 1..=256 {
            let px: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(1664525).wrapping_add(1013904223);
                    // Few distinct values, so that ties are common.
                    (state >> 29) as u8 * 36
                })
                .collect();
            assert_eq!(first_max_u8(&px), first_max(&px), "{px:?}");
        }
        assert_eq!(first_max_u8(&[7, 7, 7]), 0);
        assert_eq!(first_max_u8(&[0, 255, 255]), 1);
    }
}
