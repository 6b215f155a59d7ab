//! Quantized MEAN over contiguous axes, as the default CPU path runs it: the XNNPACK delegate takes
//! uint8 and int8 MEAN (`tflite/delegates/xnnpack/xnnpack_delegate.cc`, `VisitReduceNode` →
//! `xnn_define_static_reduce_v2`). XNNPACK (`src/operators/reduce-nd.c`, `create_reduce_nd` and the
//! setup of the contiguous/discontiguous reduce) sums the raw values into int32, then converts with
//! the reference int32 → quantized conversion (`src/reference/unary-elementwise.cc`,
//! `unary_ukernel_quantized_output`; `src/xnnpack/reference-utils.h`, `quantize`):
//!
//!   scale = (s_in / s_out) · (1 / n)                  (float32, `xnn_update_qu8_reduce_scalar_params`)
//!   zp'   = zp_out − float(n · zp_in) · scale          (float32)
//!   y     = clamp(nearbyint(float(sum) · scale + zp'))  (half to even)
//!
//! Float MEAN is a separate kernel.

use super::tensor::sized;

/// The reduction as (outer, reduced, inner) extents of the input: the output has outer × inner values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reduction {
    pub outer: usize,
    pub reduced: usize,
    pub inner: usize,
}

impl Reduction {
    /// For a reduction over `axes` (normalized, any order, duplicates allowed) of `shape`, when the
    /// reduced axes are contiguous.
    pub fn of(shape: &[usize], axes: &[usize]) -> Result<Reduction, String> {
        let mut sorted: Vec<usize> = axes.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let (Some(&first), Some(&last)) = (sorted.first(), sorted.last()) else {
            return Err("no axis to reduce".into());
        };
        if last >= shape.len() || last - first + 1 != sorted.len() {
            return Err(format!("axes {axes:?} of a rank {} tensor are not contiguous", shape.len()));
        }
        let outer = shape[..first].iter().product();
        let reduced = shape[first..=last].iter().product();
        let inner = shape[last + 1..].iter().product();
        Ok(Reduction { outer, reduced, inner })
    }
}

/// uint8 or int8 MEAN with XNNPACK's arithmetic; `lo..=hi` is the type's range. int8 tensors are
/// stored shifted by `offset` (128, see `program::INT8_OFFSET`); the arithmetic is done on the
/// true int8 values, since its float rounding is not shift-invariant.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantMean {
    pub reduction: Reduction,
    scale: f32,
    zero_point: f32,
    lo: f32,
    hi: f32,
    offset: i32,
}

impl QuantMean {
    #[allow(clippy::too_many_arguments)]
    pub fn new(reduction: Reduction, s_in: f32, zp_in: i32, s_out: f32, zp_out: i32, lo: i32, hi: i32, offset: i32) -> QuantMean {
        let n = reduction.reduced;
        let scale = (s_in / s_out) * (1.0f32 / n as f32);
        // XNNPACK multiplies n and the zero point as int32 and converts the product to float.
        let zero_point = zp_out as f32 - ((n as i32).wrapping_mul(zp_in)) as f32 * scale;
        QuantMean { reduction, scale, zero_point, lo: lo as f32, hi: hi as f32, offset }
    }

    /// The sum of every reduced (true) value as int32, per output (outer × inner sums).
    fn sums(&self, input: &[u8]) -> Vec<i32> {
        let Reduction { outer, reduced, inner } = self.reduction;
        let shift = (reduced as i32).wrapping_mul(self.offset);
        let mut sums = vec![0i32; outer * inner];
        for o in 0..outer {
            let acc = &mut sums[o * inner..][..inner];
            for r in 0..reduced {
                let row = &input[(o * reduced + r) * inner..][..inner];
                for (a, &x) in acc.iter_mut().zip(row) {
                    *a = a.wrapping_add(x as i32);
                }
            }
            for a in acc.iter_mut() {
                *a = a.wrapping_sub(shift);
            }
        }
        sums
    }

    fn convert(&self, sum: i32) -> i32 {
        // nearbyint in the default rounding mode: half to even.
        (sum as f32 * self.scale + self.zero_point).round_ties_even().clamp(self.lo, self.hi) as i32 + self.offset
    }

    #[inline(never)] // a function of its own, so that V8 optimizes it apart from the run loop (conv.rs)
    pub fn run_u8(&self, input: &[u8], output: &mut Vec<u8>) {
        let sums = self.sums(input);
        sized(output, sums.len());
        for (o, &s) in output.iter_mut().zip(&sums) {
            *o = self.convert(s) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions_of_contiguous_axes() {
        assert_eq!(Reduction::of(&[1, 65, 65, 256], &[1, 2]), Ok(Reduction { outer: 1, reduced: 4225, inner: 256 }));
        assert_eq!(Reduction::of(&[2, 3, 4], &[2, 2]), Ok(Reduction { outer: 6, reduced: 4, inner: 1 }));
        assert!(Reduction::of(&[1, 4, 4, 3], &[1, 3]).is_err());
        assert!(Reduction::of(&[1, 4], &[]).is_err());
    }

    #[test]
    fn even_windows_round_ties_to_even() {
        // Same scales, zero point 0: the mean of {1, 2} is 1.5 → 2, of {2, 3} 2.5 → 2.
        let m = QuantMean::new(Reduction { outer: 1, reduced: 2, inner: 2 }, 0.5, 0, 0.5, 0, 0, 255, 0);
        let mut out = Vec::new();
        m.run_u8(&[1, 2, 2, 3], &mut out);
        assert_eq!(out, vec![2, 2]);
        // With a zero point the offset is folded into the float bias.
        // int8 values 10, 12, 14, 16 stored shifted by 128: mean 13 − 10 + (−5) = −2.
        let m = QuantMean::new(Reduction { outer: 1, reduced: 4, inner: 1 }, 1.0, 10, 1.0, -5, -128, 127, 128);
        let mut out = Vec::new();
        m.run_u8(&[138, 140, 142, 144], &mut out);
        assert_eq!(out, vec![126]);
    }
}
