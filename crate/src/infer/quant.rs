//! Requantization as the default TFLite CPU path does it. ai-edge-litert applies the XNNPACK
//! delegate by default, with unsigned 8-bit support on (`tflite/delegates/xnnpack/BUILD`,
//! `XNNPACK_DELEGATE_ENABLE_QU8`); it takes CONV_2D, DEPTHWISE_CONV_2D, ADD and RESIZE_BILINEAR
//! and requantizes in float32 (XNNPACK `microparams-init.c`, `requantization.h`). TFLite's own
//! fixed-point helpers (`tflite/kernels/internal/common.h`, `quantization_util.cc`) are kept for
//! the builtin kernels.

/// A real multiplier as TFLite stores it: `multiplier · 2^shift / 2^31`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Multiplier {
    pub q31: i32,
    pub shift: i32,
}

impl Multiplier {
    /// `QuantizeMultiplier`: frexp, then the mantissa rounded (half away from zero) to Q31.
    pub fn from_real(real: f64) -> Multiplier {
        if real == 0.0 || !real.is_finite() {
            return Multiplier { q31: 0, shift: 0 };
        }
        let (mantissa, mut shift) = frexp(real);
        let mut q = (mantissa * (1i64 << 31) as f64).round() as i64;
        if q == 1i64 << 31 {
            q /= 2;
            shift += 1;
        }
        if shift < -31 {
            return Multiplier { q31: 0, shift: 0 };
        }
        Multiplier { q31: q as i32, shift }
    }

    /// `MultiplyByQuantizedMultiplier`: left shift first when the exponent is positive, then the
    /// rounding high multiply, then a rounding right shift for a negative exponent.
    #[inline]
    pub fn apply(self, x: i32) -> i32 {
        let left = self.shift.max(0);
        let right = (-self.shift).max(0);
        rounding_shift_right(doubling_high_mul(x.wrapping_mul(1 << left), self.q31), right)
    }
}

/// `std::frexp`: a mantissa in [0.5, 1) and a power of two.
fn frexp(x: f64) -> (f64, i32) {
    let bits = x.abs().to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(x * (1u64 << 54) as f64);
        return (m, e - 54);
    }
    let mantissa = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (mantissa.copysign(x), exp - 1022)
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul`.
#[inline]
pub fn doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// gemmlowp's `RoundingDivideByPowerOfTwo`: rounds half away from zero.
#[inline]
pub fn rounding_shift_right(x: i32, exponent: i32) -> i32 {
    if exponent <= 0 {
        return x;
    }
    let mask = (1i64 << exponent) - 1;
    let remainder = x as i64 & mask;
    let threshold = (mask >> 1) + i64::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

/// The quantized range of a fused activation (`CalculateActivationRangeQuantized`): the real bounds
/// 0 and 6 quantized with `round(f / scale)` (float division, half away from zero).
pub fn activation_range(act: Activation, scale: f32, zero_point: i32, qmin: i32, qmax: i32) -> (i32, i32) {
    let quantize = |f: f32| zero_point.saturating_add((f / scale).round() as i32);
    match act {
        Activation::None => (qmin, qmax),
        Activation::Relu => (qmin.max(quantize(0.0)), qmax),
        Activation::Relu6 => (qmin.max(quantize(0.0)), qmax.min(quantize(6.0))),
        Activation::ReluN1To1 => (qmin.max(quantize(-1.0)), qmax.min(quantize(1.0))),
    }
}

/// Float32 requantization of an int32 accumulator (XNNPACK `fp32` microkernels): scale in float,
/// clamp to the activation range, round half to even, add the zero point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fp32Requant {
    pub scale: f32,
    pub zero_point: i32,
    pub min: i32,
    pub max: i32,
}

impl Fp32Requant {
    /// `scale = input_scale · filter_scale / output_scale`, float32 left to right.
    pub fn new(input_scale: f32, filter_scale: f32, output_scale: f32, zero_point: i32, act: Activation) -> Fp32Requant {
        let (min, max) = xnn_activation_range(act, output_scale, zero_point);
        Fp32Requant { scale: input_scale * filter_scale / output_scale, zero_point, min, max }
    }

    #[inline]
    pub fn apply(&self, acc: i32) -> u8 {
        let y = (acc as f32 * self.scale).clamp((self.min - self.zero_point) as f32, (self.max - self.zero_point) as f32);
        (y.round_ties_even() as i32 + self.zero_point) as u8
    }
}

/// The uint8 bounds of a fused activation as XNNPACK's delegate computes them (`xnn_qu8_quantize`):
/// `lrintf(clamp(v / scale + zero_point, 0, 255))` in float32, half to even.
pub fn xnn_activation_range(act: Activation, scale: f32, zero_point: i32) -> (i32, i32) {
    let q = |v: f32| (v / scale + zero_point as f32).clamp(0.0, 255.0).round_ties_even() as i32;
    match act {
        Activation::None => (0, 255),
        Activation::Relu => (q(0.0), 255),
        Activation::Relu6 => (q(0.0), q(6.0)),
        Activation::ReluN1To1 => (q(-1.0), q(1.0)),
    }
}

/// The fused activations our kernels support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    None,
    Relu,
    Relu6,
    ReluN1To1,
}

impl Activation {
    /// The float clamp bounds of the activation.
    pub fn float_range(self) -> (f32, f32) {
        match self {
            Activation::None => (f32::NEG_INFINITY, f32::INFINITY),
            Activation::Relu => (0.0, f32::INFINITY),
            Activation::Relu6 => (0.0, 6.0),
            Activation::ReluN1To1 => (-1.0, 1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplier_matches_tflite_examples() {
        // 0.5 = 2^30/2^31 · 2^0; 0.25 → shift -1; 3.0 → 0.75 · 2^2.
        assert_eq!(Multiplier::from_real(0.5), Multiplier { q31: 1 << 30, shift: 0 });
        assert_eq!(Multiplier::from_real(0.25), Multiplier { q31: 1 << 30, shift: -1 });
        assert_eq!(Multiplier::from_real(3.0), Multiplier { q31: 3 << 29, shift: 2 });
    }

    #[test]
    fn apply_rounds_half_away_from_zero() {
        let half = Multiplier::from_real(0.5);
        assert_eq!(half.apply(3), 2);
        assert_eq!(half.apply(-3), -2);
        assert_eq!(half.apply(4), 2);
        let quarter = Multiplier::from_real(0.25);
        assert_eq!(quarter.apply(6), 2);
        assert_eq!(quarter.apply(-6), -2);
        assert_eq!(quarter.apply(5), 1);
    }

    #[test]
    fn relu6_range_is_quantized_six() {
        assert_eq!(activation_range(Activation::Relu6, 6.0 / 255.0, 0, 0, 255), (0, 255));
        assert_eq!(activation_range(Activation::Relu6, 0.1, 10, 0, 255), (10, 70));
    }
}
