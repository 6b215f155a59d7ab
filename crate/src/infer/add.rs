//! ADD of two tensors of the same shape. By default the XNNPACK delegate runs it (`qu8-vadd`,
//! parameters from `xnn_init_qu8_add_minmax_scalar_params`): each input's scale relative to the
//! output becomes an integer multiplier with a common shift, and the sum is shifted back with
//! round-half-up.

use super::quant::Activation;
use super::tensor::QParams;

#[derive(Debug, Clone)]
pub struct QuantAdd {
    pub multipliers: [i32; 2],
    pub bias: i32,
    pub shift: u32,
    pub output_zero_point: i32,
    pub act_min: i32,
    pub act_max: i32,
}

impl QuantAdd {
    pub fn new(a: QParams, b: QParams, out: QParams, act_min: i32, act_max: i32) -> QuantAdd {
        let (sa, sb) = (a.scale / out.scale, b.scale / out.scale);
        // The larger relative scale's binary exponent fixes the shift so both fit in ~21 bits.
        let exponent = ((sa.max(sb).to_bits() >> 23) & 0xff) as i32 - 127;
        let shift = (20 - exponent).clamp(1, 30) as u32;
        let scaled = |s: f32| (s as f64 * (1u64 << shift) as f64).round_ties_even() as i32;
        let multipliers = [scaled(sa), scaled(sb)];
        let bias = (1i32 << (shift - 1)) - multipliers[0] * a.zero_point - multipliers[1] * b.zero_point;
        QuantAdd { multipliers, bias, shift, output_zero_point: out.zero_point, act_min, act_max }
    }

    #[inline(never)] // a function of its own, so that V8 optimizes it apart from the run loop (conv.rs)
    pub fn run(&self, a: &[u8], b: &[u8], output: &mut Vec<u8>) {
        output.clear();
        output.extend(a.iter().zip(b).map(|(&x, &y)| self.add_one(x, y)));
    }

    #[inline]
    pub fn add_one(&self, x: u8, y: u8) -> u8 {
        let acc = self.bias + x as i32 * self.multipliers[0] + y as i32 * self.multipliers[1];
        ((acc >> self.shift) + self.output_zero_point).clamp(self.act_min, self.act_max) as u8
    }
}

pub fn float_add(a: &[f32], b: &[f32], act: Activation, output: &mut Vec<f32>) {
    let (lo, hi) = act.float_range();
    output.clear();
    output.extend(a.iter().zip(b).map(|(&x, &y)| (x + y).clamp(lo, hi)));
}
