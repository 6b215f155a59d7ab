//! Float32 TRANSPOSE_CONV with a bias, and MediaPipe's custom `Convolution2DTransposeBias` (the
//! same computation with the inputs (data, weights, bias) and the window in its custom options,
//! see `fixes::transpose_conv_bias`). On the default CPU path XNNPACK runs both as one
//! deconvolution (xnnpack_delegate.cc VisitTransposeConvNode / VisitMediaPipeDeconvolutionNode →
//! xnn_define_deconvolution_2d); TFLite's builtin kernel is transpose_conv.cc. Each input pixel
//! is scattered through the kernel window onto the output:
//! `out[iy·s + ky − pad_top, ix·s + kx − pad_left, o] += Σ_i x[iy, ix, i] · w[o, ky, kx, i]`,
//! starting from the bias; the padding is the one a convolution from the output back to the input
//! would have (transpose_conv.cc `ComputePaddingHeightWidth` on the output size).

use super::conv::same_or_valid;
use super::quant::Activation;
use super::tensor::{sized, Hwc};

#[derive(Debug, Clone)]
pub struct TransposeConv {
    pub input: Hwc,
    pub output: Hwc,
    pub kernel_h: usize,
    pub kernel_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub pad_top: usize,
    pub pad_left: usize,
    /// The weights as [ky][kx][o][i] (TFLite stores [o][ky][kx][i]).
    taps: Vec<f32>,
    pub bias: Vec<f32>,
    pub activation: Activation,
}

/// The window of a transposed convolution, as read from the options.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub kernel_h: usize,
    pub kernel_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub same: bool,
}

impl TransposeConv {
    /// `weights` in TFLite's [o][ky][kx][i] order; fails when the output size does not come from
    /// the input size through the window (the only case both TFLite and XNNPACK compute alike).
    pub fn new(input: Hwc, output: Hwc, w: Window, weights: &[f32], bias: Vec<f32>, activation: Activation) -> Result<TransposeConv, String> {
        let (conv_h, pad_top) = same_or_valid(output.h, w.kernel_h, w.stride_h, 1, w.same);
        let (conv_w, pad_left) = same_or_valid(output.w, w.kernel_w, w.stride_w, 1, w.same);
        if (conv_h, conv_w) != (input.h, input.w) || (!w.same && (input.h - 1) * w.stride_h + w.kernel_h != output.h) {
            return Err(format!("a {}×{} output does not come from a {}×{} input through this window", output.h, output.w, input.h, input.w));
        }
        if weights.len() != output.c * w.kernel_h * w.kernel_w * input.c || bias.len() != output.c {
            return Err("the weights or the bias do not fit the channels".into());
        }
        let (o_n, i_n, kk) = (output.c, input.c, w.kernel_h * w.kernel_w);
        let mut taps = vec![0.0; weights.len()];
        for o in 0..o_n {
            for k in 0..kk {
                for i in 0..i_n {
                    taps[(k * o_n + o) * i_n + i] = weights[(o * kk + k) * i_n + i];
                }
            }
        }
        Ok(TransposeConv {
            input,
            output,
            kernel_h: w.kernel_h,
            kernel_w: w.kernel_w,
            stride_h: w.stride_h,
            stride_w: w.stride_w,
            pad_top,
            pad_left,
            taps,
            bias,
            activation,
        })
    }

    #[inline(never)]
    pub fn run(&self, x: &[f32], out: &mut Vec<f32>) {
        let (inp, outp) = (self.input, self.output);
        let (oc, ic) = (outp.c, inp.c);
        sized(out, outp.len());
        for px in out.chunks_exact_mut(oc) {
            px.copy_from_slice(&self.bias);
        }
        for iy in 0..inp.h {
            for ix in 0..inp.w {
                let xv = &x[(iy * inp.w + ix) * ic..][..ic];
                for ky in 0..self.kernel_h {
                    let Some(oy) = (iy * self.stride_h + ky).checked_sub(self.pad_top).filter(|&v| v < outp.h) else { continue };
                    for kx in 0..self.kernel_w {
                        let Some(ox) = (ix * self.stride_w + kx).checked_sub(self.pad_left).filter(|&v| v < outp.w) else { continue };
                        let w = &self.taps[(ky * self.kernel_w + kx) * oc * ic..][..oc * ic];
                        let o = &mut out[(oy * outp.w + ox) * oc..][..oc];
                        for (acc, row) in o.iter_mut().zip(w.chunks_exact(ic)) {
                            *acc += row.iter().zip(xv).map(|(a, b)| a * b).sum::<f32>();
                        }
                    }
                }
            }
        }
        let (lo, hi) = self.activation.float_range();
        if self.activation != Activation::None {
            for v in out.iter_mut() {
                *v = v.clamp(lo, hi);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hwc(h: usize, w: usize, c: usize) -> Hwc {
        Hwc { h, w, c }
    }

    #[test]
    fn stride_two_kernel_two_places_each_pixel_in_its_own_block() {
        // One input channel, one output channel: each input value times the 2×2 kernel, plus bias.
        let win = Window { kernel_h: 2, kernel_w: 2, stride_h: 2, stride_w: 2, same: true };
        let k = TransposeConv::new(hwc(1, 2, 1), hwc(2, 4, 1), win, &[1.0, 2.0, 3.0, 4.0], vec![0.5], Activation::None).unwrap();
        let mut out = Vec::new();
        k.run(&[1.0, 10.0], &mut out);
        assert_eq!(out, [1.5, 2.5, 10.5, 20.5, 3.5, 4.5, 30.5, 40.5]);
    }

    #[test]
    fn overlapping_taps_add_up_with_valid_padding() {
        // 1-D: input [1, 2], kernel [1, 1, 1], stride 1, VALID → output length 4: [1, 3, 3, 2].
        let win = Window { kernel_h: 1, kernel_w: 3, stride_h: 1, stride_w: 1, same: false };
        let k = TransposeConv::new(hwc(1, 2, 1), hwc(1, 4, 1), win, &[1.0; 3], vec![0.0], Activation::None).unwrap();
        let mut out = Vec::new();
        k.run(&[1.0, 2.0], &mut out);
        assert_eq!(out, [1.0, 3.0, 3.0, 2.0]);
    }

    #[test]
    fn inconsistent_output_size_is_refused() {
        let win = Window { kernel_h: 2, kernel_w: 2, stride_h: 2, stride_w: 2, same: true };
        assert!(TransposeConv::new(hwc(2, 2, 1), hwc(5, 4, 1), win, &[0.0; 4], vec![0.0], Activation::None).is_err());
    }
}
