//! DEPTHWISE_CONV_2D (`tflite/kernels/depthwise_conv.cc`; by default XNNPACK's `qu8-dwconv`): each
//! output channel `ic · multiplier + m` convolves one input channel. The quantized sum is exact in
//! int32 and requantized as CONV_2D is.

use super::conv::Geometry;
use super::quant::{Activation, Fp32Requant};

/// A quantized (uint8, per-tensor) depthwise convolution.
#[derive(Debug, Clone)]
pub struct QuantDepthwise {
    pub geometry: Geometry,
    pub multiplier: usize,
    /// Filter minus its zero point, `[tap][output channel]`.
    pub weights: Vec<i16>,
    pub bias: Vec<i32>,
    pub input_zero_point: i32,
    pub requant: Fp32Requant,
}

impl QuantDepthwise {
    pub fn run(&self, input: &[u8], output: &mut Vec<u8>) {
        let g = &self.geometry;
        let (cin, cout) = (g.input.c, g.output.c);
        let zp = self.input_zero_point as i16;
        let centred: Vec<i16> = input.iter().map(|&x| x as i16 - zp).collect();
        output.clear();
        output.resize(g.output.len(), 0);
        let mut acc = vec![0i32; cout];
        let mut spread = vec![0i16; cout];
        for oy in 0..g.output.h {
            for ox in 0..g.output.w {
                acc.copy_from_slice(&self.bias);
                g.for_each_tap(oy, ox, |tap, iy, ix| {
                    let px = &centred[(iy * g.input.w + ix) * cin..][..cin];
                    let xs: &[i16] = if self.multiplier == 1 {
                        px
                    } else {
                        for (o, s) in spread.iter_mut().enumerate() {
                            *s = px[o / self.multiplier];
                        }
                        &spread
                    };
                    let ws = &self.weights[tap * cout..][..cout];
                    for ((a, &x), &w) in acc.iter_mut().zip(xs).zip(ws) {
                        *a += x as i32 * w as i32;
                    }
                });
                let out = &mut output[(oy * g.output.w + ox) * cout..][..cout];
                for (o, &a) in out.iter_mut().zip(&acc) {
                    *o = self.requant.apply(a);
                }
            }
        }
    }
}

/// A float depthwise convolution.
#[derive(Debug, Clone)]
pub struct FloatDepthwise {
    pub geometry: Geometry,
    pub multiplier: usize,
    /// `[tap][output channel]`, as stored by TFLite.
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    pub activation: Activation,
}

impl FloatDepthwise {
    pub fn run(&self, input: &[f32], output: &mut Vec<f32>) {
        let g = &self.geometry;
        let (cin, cout) = (g.input.c, g.output.c);
        let (lo, hi) = self.activation.float_range();
        output.clear();
        output.resize(g.output.len(), 0.0);
        let mut acc = vec![0f32; cout];
        for oy in 0..g.output.h {
            for ox in 0..g.output.w {
                acc.copy_from_slice(&self.bias);
                g.for_each_tap(oy, ox, |tap, iy, ix| {
                    let px = &input[(iy * g.input.w + ix) * cin..][..cin];
                    let ws = &self.weights[tap * cout..][..cout];
                    for (o, (a, &w)) in acc.iter_mut().zip(ws).enumerate() {
                        *a += px[o / self.multiplier] * w;
                    }
                });
                let out = &mut output[(oy * g.output.w + ox) * cout..][..cout];
                for (o, &a) in out.iter_mut().zip(&acc) {
                    *o = a.clamp(lo, hi);
                }
            }
        }
    }
}
