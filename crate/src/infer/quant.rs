//! Requantization as the default TFLite CPU path does it. ai-edge-litert applies the XNNPACK
//! delegate by default, with unsigned 8-bit support on (`tflite/delegates/xnnpack/BUILD`,
//! `XNNPACK_DELEGATE_ENABLE_QU8`); it takes CONV_2D, DEPTHWISE_CONV_2D, ADD and RESIZE_BILINEAR
//! and requantizes in float32 (XNNPACK `microparams-init.c`, `requantization.h`). AVERAGE_POOL_2D,
//! CONCATENATION and ARG_MAX stay on TFLite's builtin kernels, whose activation bounds are
//! `activation_range` (`tflite/kernels/kernel_util.cc`).

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
        self.apply_scaled(acc, self.scale)
    }

    /// `apply` with another scale (a per-channel one).
    #[inline]
    pub fn apply_scaled(&self, acc: i32, scale: f32) -> u8 {
        let y = (acc as f32 * scale).clamp((self.min - self.zero_point) as f32, (self.max - self.zero_point) as f32);
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
    fn fp32_requant_rounds_half_to_even_and_clamps() {
        let r = Fp32Requant { scale: 0.5, zero_point: 10, min: 0, max: 255 };
        assert_eq!(r.apply(1), 10); // 0.5 → 0
        assert_eq!(r.apply(3), 12); // 1.5 → 2
        assert_eq!(r.apply(-100), 0);
        assert_eq!(r.apply(1000), 255);
    }

    #[test]
    fn xnn_relu6_bounds_round_half_to_even() {
        // 6 / 0.048 = 125 exactly; 0.5 / 1 + 0 → 0 (half to even).
        assert_eq!(xnn_activation_range(Activation::Relu6, 0.048, 0), (0, 125));
        assert_eq!(xnn_activation_range(Activation::Relu6, 4.0, 0), (0, 2));
    }

    #[test]
    fn relu6_range_is_quantized_six() {
        assert_eq!(activation_range(Activation::Relu6, 6.0 / 255.0, 0, 0, 255), (0, 255));
        assert_eq!(activation_range(Activation::Relu6, 0.1, 10, 0, 255), (10, 70));
    }
}
