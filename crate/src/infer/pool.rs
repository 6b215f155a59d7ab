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
}

impl AveragePool {
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
                    let mean = (a + count / 2).checked_div(count).unwrap_or(0) as i32;
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
