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
        if self.multiplier == 1 {
            self.run_channels(input, output);
        } else {
            self.run_scalar(input, output);
        }
    }

    /// Depth multiplier 1: per output pixel, the window's input pixels (a row of zeros for taps
    /// outside the input, as XNNPACK's indirection buffer points them at its zero buffer), then
    /// blocks of channels kept in registers over all taps (tap order, from the bias, as XNNPACK's
    /// f32-dwconv kernels sum), for two pixels at a time.
    #[inline(never)]
    fn run_channels(&self, input: &[f32], output: &mut Vec<f32>) {
        let g = &self.geometry;
        let c = g.output.c;
        let taps = g.kernel_h * g.kernel_w;
        // ok: program::depthwise checks the channels, weights and bias; the engine sizes each image to the geometry.
        assert!(g.input.c == c && self.weights.len() == taps * c && self.bias.len() == c && input.len() == g.input.len());
        let (lo, hi) = self.activation.float_range();
        sized(output, g.output.len());
        let zeros = vec![0f32; c];
        let (mut rows, mut next) = (Vec::with_capacity(taps), Vec::with_capacity(taps));
        let full = c - c % 8;
        for oy in 0..g.output.h {
            let mut ox = 0;
            while ox < g.output.w {
                self.window(input, &zeros, (oy, ox), &mut rows);
                let out = &mut output[(oy * g.output.w + ox) * c..];
                if ox + 1 < g.output.w {
                    // Two neighbouring pixels (adjacent in the output) share each weight load.
                    self.window(input, &zeros, (oy, ox + 1), &mut next);
                    let (a, b) = out[..2 * c].split_at_mut(c);
                    depthwise_pair(&rows, &next, &self.weights, &self.bias, (lo, hi), (&mut a[..full], &mut b[..full]));
                    depthwise_pixel(&rows, &self.weights, &self.bias, (lo, hi), a, full);
                    depthwise_pixel(&next, &self.weights, &self.bias, (lo, hi), b, full);
                    ox += 2;
                } else {
                    depthwise_pixel(&rows, &self.weights, &self.bias, (lo, hi), &mut out[..c], 0);
                    ox += 1;
                }
            }
        }
    }

    /// The input pixels of the window of output pixel (oy, ox), in tap order; `zeros` for taps
    /// outside the input.
    fn window<'a>(&self, input: &'a [f32], zeros: &'a [f32], (oy, ox): (usize, usize), rows: &mut Vec<&'a [f32]>) {
        let g = &self.geometry;
        let c = zeros.len();
        rows.clear();
        let y0 = (oy * g.stride_h) as isize - g.pad_top as isize;
        let x0 = (ox * g.stride_w) as isize - g.pad_left as isize;
        for ky in 0..g.kernel_h {
            let iy = y0 + (ky * g.dilation_h) as isize;
            for kx in 0..g.kernel_w {
                let ix = x0 + (kx * g.dilation_w) as isize;
                let inside = (0..g.input.h as isize).contains(&iy) && (0..g.input.w as isize).contains(&ix);
                rows.push(if inside { &input[(iy as usize * g.input.w + ix as usize) * c..][..c] } else { zeros });
            }
        }
    }

    fn run_scalar(&self, input: &[f32], output: &mut Vec<f32>) {
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

/// One output pixel of a depthwise convolution from channel `from` on: `out[ch] = clamp(bias[ch]
/// + Σ_t rows[t][ch] · weights[t·c + ch])` with `c = out.len()` channels.
fn depthwise_pixel(rows: &[&[f32]], weights: &[f32], bias: &[f32], (lo, hi): (f32, f32), out: &mut [f32], from: usize) {
    let c = out.len();
    // ok: run_channels passes rows of c values and the kernel's checked weights and bias.
    assert!(bias.len() == c && weights.len() >= rows.len() * c && rows.iter().all(|r| r.len() == c));
    let (vlo, vhi) = (simd::splat_f32(lo), simd::splat_f32(hi));
    let mut c0 = from;
    // SAFETY: every read and write is of 4 floats from c0 with c0 + 4 ≤ c: within `bias`, `out`,
    // each row (c floats) and tap t's weights (t·c..t·c + c).
    unsafe {
        while c0 + 4 <= c {
            let mut a = simd::load_f32(bias.as_ptr().add(c0));
            for (t, row) in rows.iter().enumerate() {
                a = simd::mul_add_f32(a, simd::load_f32(row.as_ptr().add(c0)), simd::load_f32(weights.as_ptr().add(t * c + c0)));
            }
            simd::store_f32(out.as_mut_ptr().add(c0), simd::clamp_f32(a, vlo, vhi));
            c0 += 4;
        }
    }
    for ch in c0..c {
        let acc = rows.iter().enumerate().fold(bias[ch], |a, (t, row)| a + row[ch] * weights[t * c + ch]);
        out[ch] = acc.max(lo).min(hi);
    }
}

/// Two output pixels (windows `ra` and `rb`), channels 0..n in blocks of 8 (n a multiple of 8, at
/// most the channel count `c` of the rows): each weight vector is loaded once for both.
fn depthwise_pair(ra: &[&[f32]], rb: &[&[f32]], weights: &[f32], bias: &[f32], (lo, hi): (f32, f32), (oa, ob): (&mut [f32], &mut [f32])) {
    let (n, c) = (oa.len(), bias.len());
    // ok: run_channels passes n = c rounded down to 8, two windows of the same taps and the checked weights.
    assert!(n.is_multiple_of(8) && n <= c && ob.len() == n && ra.len() == rb.len() && weights.len() >= ra.len() * c);
    assert!(ra.iter().chain(rb).all(|r| r.len() == c)); // ok: as above, every window row has c values
    let (vlo, vhi) = (simd::splat_f32(lo), simd::splat_f32(hi));
    // SAFETY: every access is of 4 floats at c0 or c0 + 4 with c0 + 8 ≤ n ≤ c: within `bias`, both
    // outputs (n floats), each row (c floats) and tap t's weights (t·c..t·c + c).
    unsafe {
        for c0 in (0..n).step_by(8) {
            let (b0, b1) = (simd::load_f32(bias.as_ptr().add(c0)), simd::load_f32(bias.as_ptr().add(c0 + 4)));
            let (mut a0, mut a1, mut d0, mut d1) = (b0, b1, b0, b1);
            for (t, (xa, xb)) in ra.iter().zip(rb).enumerate() {
                let w = weights.as_ptr().add(t * c + c0);
                let (w0, w1) = (simd::load_f32(w), simd::load_f32(w.add(4)));
                let (xa, xb) = (xa.as_ptr().add(c0), xb.as_ptr().add(c0));
                a0 = simd::mul_add_f32(a0, simd::load_f32(xa), w0);
                a1 = simd::mul_add_f32(a1, simd::load_f32(xa.add(4)), w1);
                d0 = simd::mul_add_f32(d0, simd::load_f32(xb), w0);
                d1 = simd::mul_add_f32(d1, simd::load_f32(xb.add(4)), w1);
            }
            let store = |p: *mut f32, v| simd::store_f32(p, simd::clamp_f32(v, vlo, vhi));
            store(oa.as_mut_ptr().add(c0), a0);
            store(oa.as_mut_ptr().add(c0 + 4), a1);
            store(ob.as_mut_ptr().add(c0), d0);
            store(ob.as_mut_ptr().add(c0 + 4), d1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::tensor::Hwc;

    fn float_kernel(c: usize, multiplier: usize, stride: usize) -> FloatDepthwise {
        let (input, output) = (Hwc { h: 5, w: 6, c: c / multiplier }, Hwc { h: 5usize.div_ceil(stride), w: 6usize.div_ceil(stride), c });
        let geometry = Geometry { batch: 1, input, output, kernel_h: 3, kernel_w: 3, stride_h: stride, stride_w: stride, dilation_h: 1, dilation_w: 1, pad_top: 1, pad_left: 1 };
        let weights = (0..9 * c).map(|i| ((i * 7 % 11) as f32 - 5.0) / 8.0).collect();
        let bias = (0..c).map(|i| i as f32 / 4.0 - 1.0).collect();
        FloatDepthwise { geometry, multiplier, weights, bias, activation: Activation::Relu6 }
    }

    #[test]
    fn float_vector_path_equals_the_scalar_path() {
        // 13 channels: one block of 8, one of 4 and a scalar tail; stride 1 and 2 (odd and even
        // output widths), padded borders.
        for stride in [1, 2] {
            let k = float_kernel(13, 1, stride);
            let input: Vec<f32> = (0..k.geometry.input.len()).map(|i| ((i * 5 % 17) as f32 - 8.0) / 3.0).collect();
            let (mut vector, mut scalar) = (Vec::new(), Vec::new());
            k.run(&input, &mut vector);
            k.run_scalar(&input, &mut scalar);
            assert_eq!(vector.len(), k.geometry.output.len());
            for (v, s) in vector.iter().zip(&scalar) {
                assert!((v - s).abs() <= 1e-6, "{v} vs {s}");
            }
            assert!(vector.iter().any(|&v| v > 0.0 && v < 6.0) && vector.contains(&0.0), "the clamp is exercised");
        }
    }

    #[test]
    fn float_depth_multiplier_two_reads_each_input_channel_twice() {
        let k = float_kernel(4, 2, 1);
        let input = vec![1.0; k.geometry.input.len()];
        let mut out = Vec::new();
        k.run(&input, &mut out);
        // Centre pixel (2, 2), channel 0: bias −1 plus the nine weights of channel 0.
        let want: f32 = -1.0 + (0..9).map(|t| k.weights[t * 4]).sum::<f32>();
        assert!((out[(2 * 6 + 2) * 4] - want.clamp(0.0, 6.0)).abs() < 1e-6);
    }
}
