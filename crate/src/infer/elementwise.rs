//! Float32 element-wise ops of the MediaPipe segmenters: HARD_SWISH and LOGISTIC (one input, same
//! shape out; RELU is `program::relu`, shared with the quantized models), and MUL of two tensors of the same shape or of an image by a per-channel
//! vector (the squeeze-and-excitation gates, [1, h, w, c] × [1, 1, 1, c]). On the default CPU path
//! XNNPACK runs all of them in float32; the formulas follow its kernels, so results agree to within
//! float rounding (XNNPACK's exp approximation in sigmoid is within a few ulp of libm's).

use super::quant::Activation;
use super::tensor::sized;

/// A one-input float function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unary {
    /// x · clamp(x/6 + 1/2, 0, 1): XNNPACK's f32-vhswish (`vx * vsixth + vhalf`, clamped, times x).
    HardSwish,
    /// 1 / (1 + e^−x), computed as XNNPACK's f32-vsigmoid does: e^−|x| / (e^−|x| + 1), reflected for
    /// positive x (no overflow for any input).
    Logistic,
}

impl Unary {
    pub fn name(self) -> &'static str {
        match self {
            Unary::HardSwish => "HardSwish",
            Unary::Logistic => "Logistic",
        }
    }

    #[inline(never)]
    pub fn run(self, x: &[f32], out: &mut Vec<f32>) {
        sized(out, x.len());
        match self {
            Unary::HardSwish => map(x, out, hard_swish),
            Unary::Logistic => map(x, out, logistic),
        }
    }
}

fn map(x: &[f32], out: &mut [f32], f: impl Fn(f32) -> f32) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = f(v);
    }
}

pub fn hard_swish(v: f32) -> f32 {
    (v * (1.0 / 6.0) + 0.5).clamp(0.0, 1.0) * v
}

pub fn logistic(v: f32) -> f32 {
    let e = (-v.abs()).exp();
    let f = e / (e + 1.0);
    if v > 0.0 {
        1.0 - f
    } else {
        f
    }
}

/// MUL of `a` [n values] by `b`: either the same length, or one value per channel of `a`'s last
/// axis (`channels`), broadcast over every pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloatMul {
    /// The length of `b` when it is a per-channel vector; None when `b` has `a`'s shape.
    pub per_channel: Option<usize>,
    pub activation: Activation,
}

impl FloatMul {
    #[inline(never)]
    pub fn run(&self, a: &[f32], b: &[f32], out: &mut Vec<f32>) {
        sized(out, a.len());
        let (lo, hi) = self.activation.float_range();
        match self.per_channel {
            Some(c) => {
                for (orow, arow) in out.chunks_exact_mut(c).zip(a.chunks_exact(c)) {
                    for ((o, &x), &y) in orow.iter_mut().zip(arow).zip(b) {
                        *o = (x * y).clamp(lo, hi);
                    }
                }
            }
            None => {
                for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                    *o = (x * y).clamp(lo, hi);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_at_known_points() {
        assert_eq!(hard_swish(-3.0), 0.0);
        assert_eq!(hard_swish(3.0), 3.0);
        assert!((hard_swish(1.0) - 1.0 * 4.0 / 6.0).abs() < 1e-7);
        assert_eq!(logistic(0.0), 0.5);
        assert!((logistic(2.0) - 1.0 / (1.0 + (-2f32).exp())).abs() < 1e-7);
        assert_eq!(logistic(-200.0), 0.0);
        assert_eq!(logistic(200.0), 1.0);
    }

    #[test]
    fn per_channel_mul_broadcasts_over_pixels() {
        let k = FloatMul { per_channel: Some(2), activation: Activation::None };
        let mut out = Vec::new();
        k.run(&[1.0, 2.0, 3.0, 4.0], &[10.0, -1.0], &mut out);
        assert_eq!(out, [10.0, -2.0, 30.0, -4.0]);
        let relu = FloatMul { per_channel: None, activation: Activation::Relu };
        relu.run(&[1.0, 2.0], &[-1.0, 3.0], &mut out);
        assert_eq!(out, [0.0, 6.0]);
    }
}
