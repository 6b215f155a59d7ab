//! Pillow-exact photo resizing.
//!
//! The reference pipeline feeds a segmentation model with
//! `Image.open(p).convert("RGB").resize((w, h), Image.BILINEAR)`. To give our engine exactly the
//! same input bytes, [`resize_bilinear_rgb`] reimplements that call for 8-bit RGB, byte for byte
//! identical to Pillow 13.0.0 (`src/libImaging/Resample.c`, `ImagingResampleInner`,
//! `precompute_coeffs`, `normalize_coeffs_8bpc` and the `_8bpc` passes).
//!
//! The algorithm, as Pillow does it:
//! * The resize is separable: one pass along x and one along y, each a 1-D convolution with a
//!   triangle ("bilinear") kernel whose support is 1 source pixel, widened by the scale factor when
//!   shrinking (so every source pixel contributes, like an area filter).
//! * Per output coordinate the float weights are computed in `f64`, normalised to sum 1, then
//!   turned into fixed point with 22 fractional bits (`PRECISION_BITS = 32 - 8 - 2`) by rounding
//!   half away from zero.
//! * Each pass accumulates `pixel * weight` in a 32-bit integer starting at `1 << 21` (the
//!   rounding half), shifts right by 22 and clamps to 0..=255. The intermediate image between the
//!   two passes is therefore 8-bit, which is why the pass order changes the result.
//! * Pass order (Pillow 13.0.0, `ImagingResampleInner`): the vertical pass runs first when the
//!   height shrinks by more than twice as many pixels as the width does, i.e. when
//!   `dh > 0 && dh > 2 * dw` with `dh = old_h - new_h`, `dw = old_w - new_w` (differences in
//!   pixels, not ratios; `dw` may be negative). Otherwise the horizontal pass runs first. (Pillow
//!   12 and earlier always ran the horizontal pass first.) A pass whose size does not change is
//!   skipped.

/// Fractional bits of the fixed-point weights (Pillow's `PRECISION_BITS`, 32 - 8 - 2).
const PRECISION_BITS: u32 = 22;
/// The largest accepted side, in pixels, of the input or the output.
pub const MAX_SIDE: usize = 16384;

/// Fixed-point weights of one axis: for output coordinate `i`, the taps start at source index
/// `start[i]` and are `weights[offset[i]..offset[i] + len[i]]`.
struct AxisWeights {
    start: Vec<u32>,
    len: Vec<u32>,
    offset: Vec<u32>,
    weights: Vec<i32>,
}

impl AxisWeights {
    #[inline]
    fn taps(&self, i: usize) -> (usize, &[i32]) {
        let off = self.offset[i] as usize;
        (self.start[i] as usize, &self.weights[off..off + self.len[i] as usize])
    }
}

/// The triangle kernel (Pillow's `bilinear_filter`, support 1).
#[inline]
fn triangle(x: f64) -> f64 {
    let x = x.abs();
    if x < 1.0 {
        1.0 - x
    } else {
        0.0
    }
}

/// Weights for resampling `in_size` samples to `out_size` (Pillow's `precompute_coeffs` with the
/// whole axis as box, followed by `normalize_coeffs_8bpc`). The floating-point operations are done
/// in the same order as Pillow's so the rounded weights are identical.
fn axis_weights(in_size: usize, out_size: usize) -> AxisWeights {
    // Pillow passes the box edges as C floats; whole pixel counts up to 2^24 are exact there.
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    // The triangle's support is 1 source pixel, widened by the scale when shrinking.
    let support = filterscale;
    let inv_filterscale = 1.0 / filterscale;
    let max_taps = (support.ceil() as usize) * 2 + 1;

    let mut w = AxisWeights {
        start: Vec::with_capacity(out_size),
        len: Vec::with_capacity(out_size),
        offset: Vec::with_capacity(out_size),
        weights: Vec::with_capacity(out_size * max_taps.min(in_size)),
    };
    let mut tmp: Vec<f64> = Vec::with_capacity(max_taps);
    for i in 0..out_size {
        let center = (i as f64 + 0.5) * scale;
        // C's (int) conversion truncates toward zero; negative starts are clamped to 0 anyway.
        let first = ((center - support + 0.5) as i64).max(0);
        let end = ((center + support + 0.5) as i64).min(in_size as i64);
        let count = (end - first).max(0) as usize;

        tmp.clear();
        let mut sum = 0.0f64;
        for t in 0..count {
            // Same association as Pillow: ((t + first) - center + 0.5) * (1 / filterscale).
            let v = triangle(((t as i64 + first) as f64 - center + 0.5) * inv_filterscale);
            tmp.push(v);
            sum += v;
        }
        w.start.push(first as u32);
        w.len.push(count as u32);
        w.offset.push(w.weights.len() as u32);
        let one = (1u32 << PRECISION_BITS) as f64;
        for &v in &tmp {
            let v = if sum != 0.0 { v / sum } else { v };
            // Round half away from zero, then truncate like C's (int).
            let q = if v < 0.0 { -0.5 + v * one } else { 0.5 + v * one };
            w.weights.push(q as i32);
        }
    }
    w
}

/// Shifts a fixed-point accumulator back to 8 bits and clamps it (Pillow's `clip8`).
#[inline]
fn clip8(acc: i32) -> u8 {
    (acc >> PRECISION_BITS).clamp(0, 255) as u8
}

const HALF: i32 = 1 << (PRECISION_BITS - 1);

/// Horizontal pass: resamples rows `rows` of `src` (`width` pixels wide) to `weights.len.len()`
/// pixels per row, writing the rows one after another into `dst`.
fn horizontal(src: &[u8], width: usize, rows: std::ops::Range<usize>, weights: &AxisWeights, dst: &mut [u8]) {
    let out_w = weights.len.len();
    let in_stride = width * 3;
    let out_stride = out_w * 3;
    for (r, y) in rows.enumerate() {
        let line = &src[y * in_stride..(y + 1) * in_stride];
        let out = &mut dst[r * out_stride..(r + 1) * out_stride];
        for (x, px) in out.chunks_exact_mut(3).enumerate() {
            let (start, k) = weights.taps(x);
            let taps = &line[start * 3..(start + k.len()) * 3];
            let (mut s0, mut s1, mut s2) = (HALF, HALF, HALF);
            for (p, &kv) in taps.chunks_exact(3).zip(k) {
                s0 += p[0] as i32 * kv;
                s1 += p[1] as i32 * kv;
                s2 += p[2] as i32 * kv;
            }
            px[0] = clip8(s0);
            px[1] = clip8(s1);
            px[2] = clip8(s2);
        }
    }
}

/// Vertical pass: resamples the rows of `src` (`width` pixels wide; `weights` starts are row
/// indices into `src`) to `weights.len.len()` rows. Accumulates a whole output row at once; the
/// integer sums are exact, so the order of the additions does not matter.
fn vertical(src: &[u8], width: usize, weights: &AxisWeights, dst: &mut [u8]) {
    let stride = width * 3;
    let mut acc = vec![0i32; stride];
    for (y, out) in dst.chunks_exact_mut(stride).enumerate() {
        let (start, k) = weights.taps(y);
        acc.fill(HALF);
        for (t, &kv) in k.iter().enumerate() {
            let row = &src[(start + t) * stride..(start + t + 1) * stride];
            for (a, &p) in acc.iter_mut().zip(row) {
                *a += p as i32 * kv;
            }
        }
        for (o, &a) in out.iter_mut().zip(&acc) {
            *o = clip8(a);
        }
    }
}

/// Pillow 13.0.0's pass order (`ImagingResampleInner`): the vertical pass goes first when the
/// height loses more than twice as many pixels as the width (differences, not ratios).
fn vertical_first(width: usize, height: usize, new_width: usize, new_height: usize) -> bool {
    let dh = height as i64 - new_height as i64;
    let dw = width as i64 - new_width as i64;
    dh > 0 && dh > dw * 2
}

/// Resizes packed RGB8 pixels (row-major, 3 bytes per pixel) like Pillow's `resize(.., BILINEAR)`.
///
/// Byte-identical to Pillow 13.0.0's `Image.resize((new_width, new_height), Image.BILINEAR)` on an
/// `RGB` image (no `box`, no `reducing_gap`); see the module documentation for the algorithm.
/// Errors on zero sizes, sides above [`MAX_SIDE`], or a `src` whose length is not
/// `width * height * 3`. An unchanged size returns a copy.
pub fn resize_bilinear_rgb(src: &[u8], width: usize, height: usize, new_width: usize, new_height: usize) -> Result<Vec<u8>, String> {
    for (name, v) in [("width", width), ("height", height), ("new width", new_width), ("new height", new_height)] {
        if v == 0 {
            return Err(format!("resize: {name} is 0"));
        }
        if v > MAX_SIDE {
            return Err(format!("resize: {name} {v} is larger than {MAX_SIDE}"));
        }
    }
    let expected = width * height * 3;
    if src.len() != expected {
        return Err(format!("resize: {width}x{height} RGB needs {expected} bytes, got {}", src.len()));
    }
    if width == new_width && height == new_height {
        return Ok(src.to_vec());
    }
    let need_h = width != new_width;
    let need_v = height != new_height;

    let horizontal_first = !vertical_first(width, height, new_width, new_height);

    if !need_v {
        let wx = axis_weights(width, new_width);
        let mut out = vec![0u8; new_width * height * 3];
        horizontal(src, width, 0..height, &wx, &mut out);
        return Ok(out);
    }
    let mut wy = axis_weights(height, new_height);
    if !need_h {
        let mut out = vec![0u8; width * new_height * 3];
        vertical(src, width, &wy, &mut out);
        return Ok(out);
    }
    let wx = axis_weights(width, new_width);
    let mut out = vec![0u8; new_width * new_height * 3];
    if horizontal_first {
        // Only the source rows the vertical pass reads are resampled horizontally.
        let first = wy.start[0] as usize;
        let last = wy.start[new_height - 1] as usize + wy.len[new_height - 1] as usize;
        for s in &mut wy.start {
            *s -= first as u32;
        }
        let mut tmp = vec![0u8; new_width * (last - first) * 3];
        horizontal(src, width, first..last, &wx, &mut tmp);
        vertical(&tmp, new_width, &wy, &mut out);
    } else {
        let mut tmp = vec![0u8; width * new_height * 3];
        vertical(src, width, &wy, &mut tmp);
        horizontal(&tmp, width, 0..new_height, &wx, &mut out);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(w: usize, h: usize) -> Vec<u8> {
        (0..w * h * 3).map(|i| ((i * 7919) % 251) as u8).collect()
    }

    #[test]
    fn same_size_is_a_copy() {
        let src = pattern(5, 4);
        assert_eq!(resize_bilinear_rgb(&src, 5, 4, 5, 4).unwrap(), src); // ok: test
    }

    #[test]
    fn constant_image_stays_constant() {
        let src: Vec<u8> = std::iter::repeat_n([12u8, 200, 255], 37 * 23).flatten().collect();
        for (nw, nh) in [(1, 1), (10, 50), (100, 7), (513, 513), (37, 5), (3, 23), (36, 22)] {
            let out = resize_bilinear_rgb(&src, 37, 23, nw, nh).unwrap(); // ok: test
            assert_eq!(out.len(), nw * nh * 3);
            assert!(out.chunks_exact(3).all(|p| p == [12, 200, 255]), "{nw}x{nh}");
        }
    }

    #[test]
    fn weights_sum_to_one_in_fixed_point() {
        for (i, o) in [(451, 420), (300, 200), (10, 1000), (512, 3), (7, 7), (1, 5)] {
            let w = axis_weights(i, o);
            for x in 0..o {
                let (start, k) = w.taps(x);
                assert!(start + k.len() <= i);
                let s: i64 = k.iter().map(|&v| v as i64).sum();
                assert!((s - (1 << PRECISION_BITS)).abs() <= k.len() as i64, "{i}->{o} at {x}: {s}");
            }
        }
    }

    #[test]
    fn pass_order_rule() {
        // Orders observed with Pillow 13.0.0 on 451x300 and 512x512 photos.
        for (w, h, nw, nh, v_first) in [
            (451, 300, 420, 200, true),
            (451, 300, 500, 280, true),
            (451, 300, 900, 40, true),
            (451, 300, 500, 100, true),
            (512, 512, 451, 300, true),
            (451, 300, 300, 100, false),
            (451, 300, 200, 200, false),
            (451, 300, 600, 600, false),
            (512, 512, 257, 257, false),
            (512, 512, 513, 513, false),
        ] {
            assert_eq!(vertical_first(w, h, nw, nh), v_first, "{w}x{h} -> {nw}x{nh}");
        }
        let src = pattern(451, 300);
        for (nw, nh) in [(420, 200), (300, 100), (900, 40), (600, 600), (451, 1), (1, 300)] {
            assert_eq!(resize_bilinear_rgb(&src, 451, 300, nw, nh).unwrap().len(), nw * nh * 3); // ok: test
        }
    }

    #[test]
    fn errors() {
        let src = pattern(4, 4);
        assert!(resize_bilinear_rgb(&src, 0, 4, 2, 2).is_err());
        assert!(resize_bilinear_rgb(&src, 4, 4, 0, 2).is_err());
        assert!(resize_bilinear_rgb(&src, 4, 4, 2, 0).is_err());
        assert!(resize_bilinear_rgb(&src, 4, 5, 2, 2).is_err());
        assert!(resize_bilinear_rgb(&src[..47], 4, 4, 2, 2).is_err());
        assert!(resize_bilinear_rgb(&src, 4, 4, MAX_SIDE + 1, 2).is_err());
        assert!(resize_bilinear_rgb(&[], MAX_SIDE + 1, 1, 2, 2).is_err());
    }
}
