//! QUANTIZE and DEQUANTIZE between float32 and uint8/int8, and QUANTIZE between two quantized
//! tensors of one type (requantization). The default CPU path runs all three in XNNPACK
//! (`tflite/delegates/xnnpack/xnnpack_delegate.cc`, `VisitUnaryNode`), whose conversion kernels are:
//!
//! * float → q (`f32-qs8-vcvt` / `f32-qu8-vcvt`, `scalar-fmagic`): `x · (1 / s)` in float32,
//!   clamped to `[qmin − zp, qmax − zp]`, rounded half to even, plus the zero point;
//! * q → q (`qs8-vcvt` / `qu8-vcvt`, `xnn_init_qs8_cvt_scalar_params`): an 8-bit fixed-point
//!   multiplier `m = lrintf(256 · s_in / s_out)`, `(zp_out · 256 − m · zp_in + 128 + x · m) >> 8`,
//!   clamped;
//! * q → float (`qs8-f32-vcvt`): `float(x − zp) · s`.
//!
//! Values are in the kernels' domain: int8 tensors are held shifted by 128 (`program::INT8_OFFSET`),
//! which leaves the last two unchanged; the first adds the shift to its zero point as an integer.

use super::tensor::{sized, QParams};

/// float32 → uint8/int8 (held as uint8); `lo..=hi` is the type's range in the kernel's domain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantize {
    pub inv_scale: f32,
    /// The zero point in the kernel's domain.
    pub zero_point: i32,
    pub lo: i32,
    pub hi: i32,
}

impl Quantize {
    pub fn new(out: QParams, lo: i32, hi: i32) -> Quantize {
        Quantize { inv_scale: 1.0 / out.scale, zero_point: out.zero_point, lo, hi }
    }

    #[inline(never)] // a function of its own, so that V8 optimizes it apart from the run loop (conv.rs)
    pub fn run(&self, input: &[f32], output: &mut Vec<u8>) {
        let (lo, hi) = ((self.lo - self.zero_point) as f32, (self.hi - self.zero_point) as f32);
        sized(output, input.len());
        for (o, &x) in output.iter_mut().zip(input) {
            // NaN takes the lower bound, as max(NaN, lo) does in the kernel.
            let v = (x * self.inv_scale).max(lo).min(hi);
            *o = (v.round_ties_even() as i32 + self.zero_point) as u8;
        }
    }
}

/// uint8 → uint8 or int8 → int8 with other parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requantize {
    pub multiplier: i32,
    pub bias: i32,
    pub lo: i32,
    pub hi: i32,
}

impl Requantize {
    /// `input` and `output` in the kernel's domain.
    pub fn new(input: QParams, output: QParams, lo: i32, hi: i32) -> Result<Requantize, String> {
        let ratio = input.scale / output.scale;
        if !(1.0 / 256.0..=128.0).contains(&ratio) {
            return Err(format!("an input-to-output scale ratio of {ratio} is outside [1/256, 128]"));
        }
        let multiplier = (256.0f32 * ratio).round_ties_even() as i32;
        let bias = (output.zero_point << 8) - multiplier * input.zero_point + 0x80;
        Ok(Requantize { multiplier, bias, lo, hi })
    }

    #[inline(never)] // a function of its own, so that V8 optimizes it apart from the run loop (conv.rs)
    pub fn run(&self, input: &[u8], output: &mut Vec<u8>) {
        sized(output, input.len());
        for (o, &x) in output.iter_mut().zip(input) {
            *o = ((self.bias + x as i32 * self.multiplier) >> 8).clamp(self.lo, self.hi) as u8;
        }
    }
}

/// uint8/int8 (held as uint8) → float32.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dequantize {
    /// The input's parameters in the kernel's domain.
    pub input: QParams,
}

impl Dequantize {
    pub fn run(&self, input: &[u8], output: &mut Vec<f32>) {
        sized(output, input.len());
        for (o, &x) in output.iter_mut().zip(input) {
            *o = (x as i32 - self.input.zero_point) as f32 * self.input.scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_rounds_half_to_even_and_clamps() {
        let q = Quantize::new(QParams { scale: 0.5, zero_point: 10 }, 0, 255);
        let mut out = Vec::new();
        q.run(&[0.25, 0.75, -100.0, 1000.0, f32::NAN], &mut out);
        assert_eq!(out, vec![10, 12, 0, 255, 0]);
    }

    #[test]
    fn requantize_and_dequantize() {
        // Same scale: identity apart from the zero points.
        let r = Requantize::new(QParams { scale: 0.1, zero_point: 100 }, QParams { scale: 0.1, zero_point: 90 }, 0, 255).unwrap();
        let mut out = Vec::new();
        r.run(&[100, 5, 255], &mut out);
        assert_eq!(out, vec![90, 0, 245]);
        assert!(Requantize::new(QParams { scale: 1.0, zero_point: 0 }, QParams { scale: 1000.0, zero_point: 0 }, 0, 255).is_err());
        let d = Dequantize { input: QParams { scale: 0.5, zero_point: 128 } };
        let mut f = Vec::new();
        d.run(&[128, 130, 0], &mut f);
        assert_eq!(f, vec![0.0, 1.0, -64.0]);
    }
}
