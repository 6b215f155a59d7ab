//! Float32 MEAN over contiguous axes (the landscape selfie segmenter's global pools): on the
//! default CPU path XNNPACK runs it (`VisitReduceNode` → a float32 sum times 1/n); the sums here
//! go in another order, so results agree to within float rounding.

use super::mean::Reduction;
use super::tensor::sized;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloatMean {
    pub reduction: Reduction,
}

impl FloatMean {
    #[inline(never)]
    pub fn run(&self, x: &[f32], out: &mut Vec<f32>) {
        let Reduction { outer, reduced, inner } = self.reduction;
        sized(out, outer * inner);
        out.fill(0.0);
        for o in 0..outer {
            let acc = &mut out[o * inner..][..inner];
            for r in 0..reduced {
                for (a, &v) in acc.iter_mut().zip(&x[(o * reduced + r) * inner..][..inner]) {
                    *a += v;
                }
            }
        }
        let scale = 1.0 / reduced.max(1) as f32;
        for v in out.iter_mut() {
            *v *= scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_mean_per_channel() {
        let k = FloatMean { reduction: Reduction { outer: 1, reduced: 2, inner: 2 } };
        let mut out = Vec::new();
        k.run(&[1.0, 10.0, 3.0, 30.0], &mut out);
        assert_eq!(out, [2.0, 20.0]);
    }
}
