//! RESIZE_BILINEAR. uint8 runs as the default XNNPACK path does (`u8-ibilinear` with weights from
//! `xnn_indirection_init_resize_bilinear2d_hwc_q11`): 11-bit fixed-point fractions, exact integer
//! blending, round half up. float32 follows TFLite's `ResizeBilinearGenericSmallChannel`
//! (`tflite/kernels/internal/optimized/resize_bilinear.h`): float coordinates and weights.

use super::tensor::{sized, Hwc};

#[derive(Debug, Clone)]
pub struct ResizeBilinear {
    pub input: Hwc,
    pub output: Hwc,
    pub align_corners: bool,
    pub half_pixel_centers: bool,
}

/// One output coordinate: the two source indices and the fraction towards the second.
#[derive(Debug, Clone, Copy)]
struct Tap {
    lo: usize,
    hi: usize,
    frac: f32,
}

fn scale(input: usize, output: usize, align_corners: bool) -> f32 {
    if align_corners && output > 1 {
        (input - 1) as f32 / (output - 1) as f32
    } else {
        input as f32 / output as f32
    }
}

/// `ComputeInterpolationValues` for every output index of one axis.
fn taps(input: usize, output: usize, align_corners: bool, half_pixel: bool) -> Vec<Tap> {
    let s = scale(input, output, align_corners);
    (0..output)
        .map(|i| {
            let v = if half_pixel { (i as f32 + 0.5) * s - 0.5 } else { i as f32 * s };
            let lo = (v.floor() as i64).max(0) as usize;
            let hi = (v.ceil() as i64).min(input as i64 - 1).max(0) as usize;
            Tap { lo, hi, frac: v - lo as f32 }
        })
        .collect()
}

/// XNNPACK's per-axis taps: source index clamped to the last row/column, the next one, and the
/// fraction between them in Q11 (rounded half to even). (uint8 with half-pixel centres is refused
/// by `program.rs`: that mapping is not verified.)
fn q11_taps(input: usize, output: usize, align_corners: bool) -> Vec<(usize, usize, i32)> {
    let s = if align_corners && output != 1 { (input - 1) as f32 / (output - 1) as f32 } else { input as f32 / output as f32 };
    let last = (input - 1) as f32;
    (0..output)
        .map(|o| {
            let v = (o as f32 * s).min(last);
            let lo = v as usize;
            let hi = (lo + 1).min(input - 1);
            (lo, hi, ((v - lo as f32) * 2048.0).round_ties_even() as i32)
        })
        .collect()
}

impl ResizeBilinear {
    /// XNNPACK's blend `((top << 11) + (bottom − top)·ay + 2^21) >> 22`, where `top` and `bottom`
    /// are the horizontal blends `(left << 11) + (right − left)·ax` of the two source rows. A source
    /// row's horizontal blend does not depend on the output row, so each is computed once (when an
    /// upsampling reads it for many output rows) and the vertical blend runs over whole rows.
    #[inline(never)] // a function of its own, so that V8 optimizes it apart from the run loop (conv.rs)
    pub fn run_u8(&self, input: &[u8], output: &mut Vec<u8>) {
        let (inp, out) = (self.input, self.output);
        let ys = q11_taps(inp.h, out.h, self.align_corners);
        let xs = q11_taps(inp.w, out.w, self.align_corners);
        let row_len = out.w * inp.c;
        let src_len = inp.w * inp.c;
        // Source rows blended horizontally, computed when first needed (empty until then).
        let mut blended: Vec<Vec<i32>> = vec![Vec::new(); inp.h];
        sized(output, out.len());
        for (&(y0, y1, ay), dst) in ys.iter().zip(output.chunks_exact_mut(row_len)) {
            for y in [y0, y1] {
                if blended[y].is_empty() {
                    blended[y] = horizontal_blend(&input[y * src_len..(y + 1) * src_len], &xs, inp.c);
                }
            }
            vertical_blend(&blended[y0], &blended[y1], ay, dst);
        }
    }

    pub fn run_f32(&self, input: &[f32], output: &mut Vec<f32>) {
        self.run(input, output, |v| v);
    }

    fn run<T: Copy + Default + Into<f32>>(&self, input: &[T], output: &mut Vec<T>, cast: impl Fn(f32) -> T) {
        let (inp, out) = (self.input, self.output);
        let ys = taps(inp.h, out.h, self.align_corners, self.half_pixel_centers);
        let xs = taps(inp.w, out.w, self.align_corners, self.half_pixel_centers);
        let c = inp.c;
        sized(output, out.len());
        let mut o = 0;
        for y in &ys {
            let fy = y.frac;
            for x in &xs {
                let fx = x.frac;
                let w = [(1.0 - fy) * (1.0 - fx), fy * (1.0 - fx), (1.0 - fy) * fx, fy * fx];
                let at = |yy: usize, xx: usize| (yy * inp.w + xx) * c;
                let base = [at(y.lo, x.lo), at(y.hi, x.lo), at(y.lo, x.hi), at(y.hi, x.hi)];
                for d in 0..c {
                    let v = input[base[0] + d].into() * w[0]
                        + input[base[1] + d].into() * w[1]
                        + input[base[2] + d].into() * w[2]
                        + input[base[3] + d].into() * w[3];
                    output[o] = cast(v);
                    o += 1;
                }
            }
        }
    }
}

/// One source row blended horizontally at every output column: `(left << 11) + (right − left)·ax`.
fn horizontal_blend(row: &[u8], xs: &[(usize, usize, i32)], c: usize) -> Vec<i32> {
    let mut out = Vec::with_capacity(xs.len() * c);
    for &(x0, x1, ax) in xs {
        let (left, right) = (&row[x0 * c..(x0 + 1) * c], &row[x1 * c..(x1 + 1) * c]);
        out.extend(left.iter().zip(right).map(|(&l, &r)| ((l as i32) << 11) + (r as i32 - l as i32) * ax));
    }
    out
}

/// `((top << 11) + (bottom − top)·ay + 2^21) >> 22` per value (a plain loop the compiler vectorizes).
fn vertical_blend(top: &[i32], bottom: &[i32], ay: i32, dst: &mut [u8]) {
    for ((d, &t), &b) in dst.iter_mut().zip(top).zip(bottom) {
        *d = (((t << 11) + (b - t) * ay + (1 << 21)) >> 22) as u8;
    }
}
