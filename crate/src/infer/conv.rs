//! CONV_2D and DEPTHWISE_CONV_2D geometry, and CONV_2D itself (`tflite/kernels/conv.cc`).
//!
//! A convolution is an im2col (skipped for 1×1 convolutions with stride 1) followed by a matrix
//! product with the weights. The quantized path works on zero-point-subtracted int16 values, so the
//! int32 accumulator equals TFLite's `Σ (x + input_offset)(w + filter_offset)` exactly, and the
//! result is requantized in float32 as the default (XNNPACK) path does (see `quant.rs`).

use super::gemm;
use super::quant::{Activation, Fp32Requant};
use super::tensor::{sized, Hwc};

/// Where each output pixel reads its input window.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    /// Images per tensor (CONV_2D and DEPTHWISE_CONV_2D after SPACE_TO_BATCH_ND have several; the
    /// engine runs the kernel on each in turn). `input` and `output` are one image's shapes.
    pub batch: usize,
    pub input: Hwc,
    pub output: Hwc,
    pub kernel_h: usize,
    pub kernel_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dilation_h: usize,
    pub dilation_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
}

/// TFLite's output size and leading padding for one axis (`ComputePaddingHeightWidth`), computed
/// in 64 bits (`usize` is 32 bits in wasm). Kernel, stride and dilation must be at least 1.
pub fn same_or_valid(input: usize, kernel: usize, stride: usize, dilation: usize, same: bool) -> (usize, usize) {
    let (input, kernel, stride, dilation) = (input as u64, kernel as u64, stride as u64, dilation as u64);
    let effective = (kernel - 1) * dilation + 1;
    let out = if same { input.div_ceil(stride) } else { (input + stride).saturating_sub(effective) / stride };
    let total = ((out.max(1) - 1) * stride + effective).saturating_sub(input);
    (out as usize, (total / 2) as usize)
}

impl Geometry {
    /// True when the input itself is the im2col matrix.
    fn is_pointwise(&self) -> bool {
        self.kernel_h == 1 && self.kernel_w == 1 && self.stride_h == 1 && self.stride_w == 1
    }

    /// Calls `f(tap, iy, ix)` for each in-bounds tap of the window of output pixel (oy, ox).
    #[inline]
    pub fn for_each_tap(&self, oy: usize, ox: usize, mut f: impl FnMut(usize, usize, usize)) {
        let y0 = (oy * self.stride_h) as isize - self.pad_top as isize;
        let x0 = (ox * self.stride_w) as isize - self.pad_left as isize;
        for ky in 0..self.kernel_h {
            let iy = y0 + (ky * self.dilation_h) as isize;
            if iy < 0 || iy >= self.input.h as isize {
                continue;
            }
            for kx in 0..self.kernel_w {
                let ix = x0 + (kx * self.dilation_w) as isize;
                if ix >= 0 && ix < self.input.w as isize {
                    f(ky * self.kernel_w + kx, iy as usize, ix as usize);
                }
            }
        }
    }

    /// Writes the im2col matrix: one row of `row_len` values per output pixel; taps outside the
    /// input and the padding at the end of each row stay `zero` (the zero point, already subtracted).
    fn im2col<T: Copy>(&self, input: &[T], row_len: usize, zero: T, out: &mut Vec<T>) {
        let c = self.input.c;
        out.clear();
        out.resize(self.output.pixels() * row_len, zero);
        for oy in 0..self.output.h {
            for ox in 0..self.output.w {
                let row = &mut out[(oy * self.output.w + ox) * row_len..][..row_len];
                self.for_each_tap(oy, ox, |tap, iy, ix| {
                    let src = &input[(iy * self.input.w + ix) * c..][..c];
                    row[tap * c..(tap + 1) * c].copy_from_slice(src);
                });
            }
        }
    }
}

impl Geometry {
    /// The float im2col matrix (rows of kernel_h · kernel_w · c values), for dilation_w = 1: the
    /// in-bounds taps of one window row are neighbouring input pixels, copied as one span, and
    /// every value is written once (no zero fill of the whole matrix first).
    fn im2col_spans(&self, input: &[f32], out: &mut Vec<f32>) {
        let (c, kw) = (self.input.c, self.kernel_w);
        let span = kw * c;
        out.clear();
        out.reserve(self.output.pixels() * self.kernel_h * span);
        for oy in 0..self.output.h {
            let y0 = (oy * self.stride_h) as isize - self.pad_top as isize;
            for ox in 0..self.output.w {
                let x0 = (ox * self.stride_w) as isize - self.pad_left as isize;
                // In-bounds taps kx in lo..hi: 0 ≤ x0 + kx < input.w.
                let lo = (-x0).clamp(0, kw as isize) as usize;
                let hi = (self.input.w as isize - x0).clamp(lo as isize, kw as isize) as usize;
                for ky in 0..self.kernel_h {
                    let iy = y0 + (ky * self.dilation_h) as isize;
                    if iy < 0 || iy >= self.input.h as isize || lo == hi {
                        out.extend(std::iter::repeat_n(0.0, span));
                        continue;
                    }
                    let first = (iy as usize * self.input.w) as isize + x0 + lo as isize;
                    out.extend(std::iter::repeat_n(0.0, lo * c));
                    out.extend_from_slice(&input[first as usize * c..][..(hi - lo) * c]);
                    out.extend(std::iter::repeat_n(0.0, (kw - hi) * c));
                }
            }
        }
    }
}

/// A quantized (uint8, per-tensor) CONV_2D with its weights packed for the matrix product.
#[derive(Debug, Clone)]
pub struct QuantConv {
    pub geometry: Geometry,
    /// Filter minus its zero point, packed for the matrix product.
    pub weights: gemm::PackedWeights,
    pub bias: Vec<i32>,
    pub input_zero_point: i32,
    pub requant: Fp32Requant,
    /// The requantization scale per output channel (`s_in · s_w[c] / s_out`).
    pub scales: Vec<f32>,
}

impl QuantConv {
    /// Not inlined, nor are the other kernels' entry points: inlined, every kernel would be part of
    /// the engine's one long run loop, which V8 runs in its baseline code until that whole function
    /// is optimized.
    #[inline(never)]
    pub fn run(&self, input: &[u8], output: &mut Vec<u8>, scratch: &mut Scratch) {
        let g = &self.geometry;
        let zp = self.input_zero_point as i16;
        let depth = self.weights.depth;
        let centred = &mut scratch.centred;
        centred.clear();
        if g.is_pointwise() && depth == g.input.c {
            centred.extend(input.iter().map(|&x| x as i16 - zp));
        } else if g.is_pointwise() {
            // One row per pixel, padded from input.c to `depth` with zeros.
            centred.resize(g.input.pixels() * depth, 0);
            for (row, px) in centred.chunks_exact_mut(depth).zip(input.chunks_exact(g.input.c)) {
                for (d, &x) in row.iter_mut().zip(px) {
                    *d = x as i16 - zp;
                }
            }
        } else {
            let wide: Vec<i16> = input.iter().map(|&x| x as i16 - zp).collect();
            g.im2col(&wide, depth, 0, centred);
        }
        sized(output, g.output.len());
        gemm::i16_requantize(centred, &self.weights, &gemm::Epilogue { bias: &self.bias, requant: self.requant, scales: &self.scales }, output);
    }
}

/// A float CONV_2D.
#[derive(Debug, Clone)]
pub struct FloatConv {
    pub geometry: Geometry,
    /// The weights (TFLite's OHWI order, one row of kernel_h · kernel_w · input.c per output
    /// channel) packed for the matrix product.
    pub weights: gemm::PackedF32,
    pub bias: Vec<f32>,
    pub activation: Activation,
}

impl FloatConv {
    /// Not inlined (nor are the other float kernels' entry points): V8 first runs wasm in its
    /// baseline compiler and uses a function's optimized code from its next call on, so a kernel
    /// inlined into the engine's one long run loop stays slow for the first several runs.
    #[inline(never)]
    pub fn run(&self, input: &[f32], output: &mut Vec<f32>, scratch: &mut Scratch) {
        let g = &self.geometry;
        let depth = g.kernel_h * g.kernel_w * g.input.c;
        let cols: &[f32] = if g.is_pointwise() {
            input
        } else if g.dilation_w == 1 {
            g.im2col_spans(input, &mut scratch.float_cols);
            &scratch.float_cols
        } else {
            g.im2col(input, depth, 0.0, &mut scratch.float_cols);
            &scratch.float_cols
        };
        sized(output, g.output.len());
        let (lo, hi) = self.activation.float_range();
        gemm::f32_bias_clamp(cols, &self.weights, &self.bias, lo, hi, output);
    }
}

/// Buffers reused between layers.
#[derive(Debug, Default)]
pub struct Scratch {
    pub centred: Vec<i16>,
    pub float_cols: Vec<f32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::tensor::Hwc;

    #[test]
    fn float_im2col_spans_equal_the_tap_by_tap_matrix() {
        // 3×3 windows, stride 1 and 2, padding on every side, a dilated height: each layout the
        // span copy handles, against the generic im2col.
        for (stride, dilation_h, kernel) in [(1, 1, 3), (2, 1, 3), (1, 2, 3), (2, 1, 1), (1, 1, 5)] {
            let input = Hwc { h: 4, w: 5, c: 2 };
            let (oh, pad_top) = same_or_valid(4, kernel, stride, dilation_h, true);
            let (ow, pad_left) = same_or_valid(5, kernel, stride, 1, true);
            let g = Geometry {
                batch: 1,
                input,
                output: Hwc { h: oh, w: ow, c: 1 },
                kernel_h: kernel,
                kernel_w: kernel,
                stride_h: stride,
                stride_w: stride,
                dilation_h,
                dilation_w: 1,
                pad_top,
                pad_left,
            };
            let x: Vec<f32> = (1..=input.len()).map(|v| v as f32).collect();
            let (mut spans, mut taps) = (Vec::new(), Vec::new());
            g.im2col_spans(&x, &mut spans);
            g.im2col(&x, kernel * kernel * 2, 0.0, &mut taps);
            assert_eq!(spans, taps, "stride {stride}, dilation {dilation_h}, kernel {kernel}");
        }
    }
}
