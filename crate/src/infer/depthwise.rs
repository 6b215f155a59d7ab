//! DEPTHWISE_CONV_2D (`tflite/kernels/depthwise_conv.cc`; by default XNNPACK's `qu8-dwconv`): each
//! output channel `ic · multiplier + m` convolves one input channel. The quantized sum is exact in
//! int32 and requantized as CONV_2D is.

use super::conv::Geometry;
use super::quant::{Activation, Fp32Requant};
use super::simd;
use super::tensor::sized;

/// Channels handled per vector step (two int32 accumulators).
const LANES: usize = 8;

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
    /// The requantization scale per output channel (`s_in · s_w[c] / s_out`).
    pub scales: Vec<f32>,
    /// The weights packed for the vector path (depth multiplier 1).
    pub packed: Option<PackedTaps>,
}

/// Depthwise weights for the vector path: per block of 8 channels, per pair of taps, the two taps'
/// values interleaved channel by channel (the last pair's second tap is zero when the count is odd).
#[derive(Debug, Clone)]
pub struct PackedTaps {
    pairs: usize,
    values: Vec<i16>,
    /// Channels rounded up to 8.
    channels: usize,
}

impl PackedTaps {
    /// `weights` is `[tap][channel]` with `channels` per tap.
    pub fn new(weights: &[i16], taps: usize, channels: usize) -> PackedTaps {
        let padded = channels.div_ceil(LANES) * LANES;
        let pairs = taps.div_ceil(2);
        let mut values = vec![0i16; padded / LANES * pairs * 2 * LANES];
        for t in 0..taps {
            for c in 0..channels {
                let (block, lane) = (c / LANES, c % LANES);
                values[(block * pairs + t / 2) * 2 * LANES + lane * 2 + t % 2] = weights[t * channels + c];
            }
        }
        PackedTaps { pairs, values, channels: padded }
    }
}

impl QuantDepthwise {
    #[inline(never)] // a function of its own, so that V8 optimizes it apart from the run loop (conv.rs)
    pub fn run(&self, input: &[u8], output: &mut Vec<u8>) {
        match &self.packed {
            Some(p) if self.multiplier == 1 => self.run_vector(p, input, output),
            _ => self.run_scalar(input, output),
        }
    }

    /// The input minus its zero point in a zero border wide enough for every tap, channels padded
    /// to a multiple of 8: every window is then in bounds.
    fn bordered(&self, input: &[u8], channels: usize) -> (Vec<i16>, usize) {
        let g = &self.geometry;
        let reach_h = (g.output.h - 1) * g.stride_h + (g.kernel_h - 1) * g.dilation_h + 1;
        let reach_w = (g.output.w - 1) * g.stride_w + (g.kernel_w - 1) * g.dilation_w + 1;
        let rows = reach_h.max(g.pad_top + g.input.h);
        let cols = reach_w.max(g.pad_left + g.input.w);
        let mut b = vec![0i16; rows * cols * channels];
        let zp = self.input_zero_point as i16;
        for y in 0..g.input.h {
            for x in 0..g.input.w {
                let src = &input[(y * g.input.w + x) * g.input.c..][..g.input.c];
                let dst = &mut b[((y + g.pad_top) * cols + x + g.pad_left) * channels..][..g.input.c];
                for (d, &v) in dst.iter_mut().zip(src) {
                    *d = v as i16 - zp;
                }
            }
        }
        (b, cols)
    }

    fn run_vector(&self, p: &PackedTaps, input: &[u8], output: &mut Vec<u8>) {
        match p.pairs {
            5 => self.run_pairs::<5>(p, input, output),
            13 => self.run_pairs::<13>(p, input, output),
            _ => self.run_scalar(input, output),
        }
    }

    /// The vector path for a window of `2·PAIRS − 1` or `2·PAIRS` taps (3×3 → 5, 5×5 → 13). For each
    /// output row and block of 8 channels the block's weights stay in registers while the row is
    /// swept.
    fn run_pairs<const PAIRS: usize>(&self, p: &PackedTaps, input: &[u8], output: &mut Vec<u8>) {
        let g = &self.geometry;
        let cp = p.channels;
        let (b, cols) = self.bordered(input, cp);
        let r = self.requant;
        let mut scales = self.scales.clone();
        scales.resize(cp, 0.0);
        let (lo, hi, zp) = (
            simd::splat_f32((r.min - r.zero_point) as f32),
            simd::splat_f32((r.max - r.zero_point) as f32),
            simd::splat(r.zero_point),
        );
        let mut bias = self.bias.clone();
        bias.resize(cp, 0);
        // Offsets of each tap from the window origin; an odd count is padded with a zero-weight tap
        // that reads the first tap again.
        let mut taps = [0usize; 26];
        let n = g.kernel_h * g.kernel_w;
        for (t, offset) in taps.iter_mut().enumerate().take(n) {
            *offset = ((t / g.kernel_w) * g.dilation_h * cols + (t % g.kernel_w) * g.dilation_w) * cp;
        }
        sized(output, g.output.len());
        let cout = g.output.c;
        let px_step = g.stride_w * cp;
        for oy in 0..g.output.h {
            let row_origin = oy * g.stride_h * cols * cp;
            for block in 0..cp / LANES {
                let c0 = block * LANES;
                let ws = &p.values[block * PAIRS * 2 * LANES..][..PAIRS * 2 * LANES];
                // SAFETY: `ws` holds PAIRS × 16 values; the bordered input covers every tap of every
                // window (see `bordered`) and each read is 8 values from a channel block start;
                // `bias` has `cp` values.
                unsafe {
                    let wp = ws.as_ptr();
                    let b0 = simd::load(bias.as_ptr().add(c0) as *const i16);
                    let b1 = simd::load(bias.as_ptr().add(c0 + 4) as *const i16);
                    let s0 = simd::load_f32(scales.as_ptr().add(c0));
                    let s1 = simd::load_f32(scales.as_ptr().add(c0 + 4));
                    let base = b.as_ptr().add(row_origin + c0);
                    for ox in 0..g.output.w {
                        let at = base.add(ox * px_step);
                        let (mut a0, mut a1) = (b0, b1);
                        for k in 0..PAIRS {
                            let x0 = simd::load(at.add(taps[2 * k]));
                            let x1 = simd::load(at.add(taps[2 * k + 1]));
                            a0 = simd::add(a0, simd::madd(simd::zip_lo_i16(x0, x1), simd::load(wp.add(k * 16))));
                            a1 = simd::add(a1, simd::madd(simd::zip_hi_i16(x0, x1), simd::load(wp.add(k * 16 + 8))));
                        }
                        let (q0, q1) = (simd::requant(a0, s0, lo, hi, zp), simd::requant(a1, s1, lo, hi, zp));
                        let dst = (oy * g.output.w + ox) * cout + c0;
                        if c0 + LANES <= cout {
                            simd::store_u8x8(output.as_mut_ptr().add(dst), q0, q1);
                        } else {
                            let q = simd::to_u8x8(q0, q1);
                            output[dst..dst + cout - c0].copy_from_slice(&q[..cout - c0]);
                        }
                    }
                }
            }
        }
    }

    fn run_scalar(&self, input: &[u8], output: &mut Vec<u8>) {
        let g = &self.geometry;
        let (cin, cout) = (g.input.c, g.output.c);
        let zp = self.input_zero_point as i16;
        let centred: Vec<i16> = input.iter().map(|&x| x as i16 - zp).collect();
        sized(output, g.output.len());
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
                        *a = a.wrapping_add(x as i32 * w as i32);
                    }
                });
                let out = &mut output[(oy * g.output.w + ox) * cout..][..cout];
                for ((o, &a), &s) in out.iter_mut().zip(&acc).zip(&self.scales) {
                    *o = self.requant.apply_scaled(a, s);
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
        sized(output, g.output.len());
        let mut acc = vec![0f32; cout];
        for oy in 0..g.output.h {
            for ox in 0..g.output.w {
                acc.copy_from_slice(&self.bias);
                g.for_each_tap(oy, ox, |tap, iy, ix| {
                    let px = &input[(iy * g.input.w + ix) * cin..][..cin];
                    let ws = &self.weights[tap * cout..][..cout];
                    if self.multiplier == 1 {
                        // Channel for channel: a loop the compiler vectorizes.
                        for ((a, &x), &w) in acc.iter_mut().zip(px).zip(ws) {
                            *a += x * w;
                        }
                    } else {
                        for (o, (a, &w)) in acc.iter_mut().zip(ws).enumerate() {
                            *a += px[o / self.multiplier] * w;
                        }
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
