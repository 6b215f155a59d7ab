//! AVERAGE_POOL_2D (`tflite/kernels/pooling.cc`). The divisor is the number of in-bounds elements
//! of each window; the quantized mean rounds half up (`(sum + n/2) / n`, all terms non-negative) and
//! keeps the input's scale and zero point, as TFLite requires.

use super::conv::Geometry;
use super::quant::Activation;
use super::tensor::sized;

#[derive(Debug, Clone)]
pub struct AveragePool {
    /// The window; `geometry.output.c == geometry.input.c`.
    pub geometry: Geometry,
    pub act_min: i32,
    pub act_max: i32,
    pub activation: Activation,
    /// An int8 tensor (stored shifted by 128): TFLite's int8 kernel rounds the mean half away from
    /// zero in the int8 domain (`optimized_integer_ops::AveragePool`: `acc > 0 ? (acc + n/2) / n :
    /// (acc − n/2) / n`, C division).
    pub int8: bool,
}

impl AveragePool {
    #[inline(never)] // a function of its own, so that V8 optimizes it apart from the run loop (conv.rs)
    pub fn run_u8(&self, input: &[u8], output: &mut Vec<u8>) {
        let g = &self.geometry;
        let c = g.input.c;
        sized(output, g.output.len());
        let mut acc = vec![0u64; c];
        for oy in 0..g.output.h {
            for ox in 0..g.output.w {
                acc.fill(0);
                let mut count = 0u64;
                g.for_each_tap(oy, ox, |_, iy, ix| {
                    count += 1;
                    for (a, &x) in acc.iter_mut().zip(&input[(iy * g.input.w + ix) * c..][..c]) {
                        *a += x as u64;
                    }
                });
                let out = &mut output[(oy * g.output.w + ox) * c..][..c];
                for (o, &a) in out.iter_mut().zip(&acc) {
                    let mean = if self.int8 { int8_mean(a, count) } else { (a + count / 2).checked_div(count).unwrap_or(0) as i32 };
                    *o = mean.clamp(self.act_min, self.act_max) as u8;
                }
            }
        }
    }

    pub fn run_f32(&self, input: &[f32], output: &mut Vec<f32>) {
        let g = &self.geometry;
        let c = g.input.c;
        let (lo, hi) = self.activation.float_range();
        sized(output, g.output.len());
        let mut acc = vec![0f32; c];
        for oy in 0..g.output.h {
            for ox in 0..g.output.w {
                acc.fill(0.0);
                let mut count = 0u32;
                g.for_each_tap(oy, ox, |_, iy, ix| {
                    count += 1;
                    for (a, &x) in acc.iter_mut().zip(&input[(iy * g.input.w + ix) * c..][..c]) {
                        *a += x;
                    }
                });
                let out = &mut output[(oy * g.output.w + ox) * c..][..c];
                for (o, &a) in out.iter_mut().zip(&acc) {
                    *o = (a / count.max(1) as f32).clamp(lo, hi);
                }
            }
        }
    }
}

/// The int8 kernel's mean of `count` values whose shifted sum is `biased` (each value + 128),
/// returned shifted again.
fn int8_mean(biased: u64, count: u64) -> i32 {
    if count == 0 {
        return 128;
    }
    let (n, acc) = (count as i64, biased as i64 - 128 * count as i64);
    let mean = if acc > 0 { (acc + n / 2) / n } else { (acc - n / 2) / n };
    mean as i32 + 128
}

#[cfg(test)]
mod tests {
    #[test]
    fn int8_means_round_half_away_from_zero() {
        // Values −1 and −2 (shifted: 127, 126): −1.5 → −2; values 1 and 2: 1.5 → 2.
        assert_eq!(super::int8_mean(127 + 126, 2) - 128, -2);
        assert_eq!(super::int8_mean(129 + 130, 2) - 128, 2);
        assert_eq!(super::int8_mean(128 * 3, 3) - 128, 0);
    }
}
