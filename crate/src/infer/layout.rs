//! Operators that only move values: PAD, TRANSPOSE, STRIDED_SLICE, RESIZE_NEAREST_NEIGHBOR,
//! SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, and the index arithmetic of broadcasting (for ADD with operands of different shapes). Shapes are padded
//! on the left to rank 4. The quantized forms move the stored bytes, so they are exact in every type.

use super::tensor::Buf;

/// Row-major strides of a rank-4 shape.
fn strides(d: [usize; 4]) -> [usize; 4] {
    [d[1] * d[2] * d[3], d[2] * d[3], d[3], 1]
}

/// For each output value (row-major over `out`), the index of the input value it copies.
fn gather(out: [usize; 4], mut source: impl FnMut([usize; 4]) -> usize) -> Vec<usize> {
    let mut idx = Vec::with_capacity(out.iter().product());
    for a in 0..out[0] {
        for b in 0..out[1] {
            for c in 0..out[2] {
                for d in 0..out[3] {
                    idx.push(source([a, b, c, d]));
                }
            }
        }
    }
    idx
}

/// A precomputed copy: output value i is input value `index[i]`, or the fill value where `index[i]`
/// is `usize::MAX` (PAD).
#[derive(Debug, Clone, PartialEq)]
pub struct Gather {
    pub index: Vec<usize>,
    /// The fill of padded values: float zero, or the quantized zero point as stored.
    pub fill_u8: u8,
}

impl Gather {
    pub fn run(&self, x: &Buf) -> Buf {
        fn take<T: Copy>(idx: &[usize], v: &[T], fill: T) -> Vec<T> {
            idx.iter().map(|&i| if i == usize::MAX { fill } else { v[i] }).collect()
        }
        match x {
            Buf::U8(v) => Buf::U8(take(&self.index, v, self.fill_u8)),
            Buf::I8(v) => Buf::I8(take(&self.index, v, self.fill_u8 as i8)),
            Buf::F32(v) => Buf::F32(take(&self.index, v, 0.0)),
            Buf::I32(v) => Buf::I32(take(&self.index, v, 0)),
            Buf::I64(v) => Buf::I64(take(&self.index, v, 0)),
            Buf::Empty => Buf::Empty,
        }
    }
}

/// PAD (`tflite/kernels/pad.cc`): `before[i]` values before and the rest after along each axis,
/// filled with zero (the zero point when quantized).
pub fn pad(input: [usize; 4], before: [usize; 4], output: [usize; 4], fill_u8: u8) -> Gather {
    let s = strides(input);
    let index = gather(output, |o| {
        let mut at = 0;
        for k in 0..4 {
            let i = o[k].wrapping_sub(before[k]);
            if i >= input[k] {
                return usize::MAX;
            }
            at += i * s[k];
        }
        at
    });
    Gather { index, fill_u8 }
}

/// TRANSPOSE (`tflite/kernels/transpose.cc`): output axis k is input axis `perm[k]`.
pub fn transpose(input: [usize; 4], perm: [usize; 4]) -> Gather {
    let s = strides(input);
    let output = [input[perm[0]], input[perm[1]], input[perm[2]], input[perm[3]]];
    let index = gather(output, |o| (0..4).map(|k| o[k] * s[perm[k]]).sum());
    Gather { index, fill_u8: 0 }
}

/// STRIDED_SLICE with resolved starts and (positive or negative) strides: output index j along
/// axis k reads input index `start[k] + j · stride[k]`.
pub fn strided(input: [usize; 4], start: [i64; 4], stride: [i64; 4], output: [usize; 4]) -> Gather {
    let s = strides(input);
    let index = gather(output, |o| (0..4).map(|k| (start[k] + o[k] as i64 * stride[k]) as usize * s[k]).sum());
    Gather { index, fill_u8: 0 }
}

/// SPACE_TO_BATCH_ND of an NHWC tensor (`reference_ops::SpaceToBatchND`, which the optimized
/// kernel also uses): output batch `(sh · block_w + sw) · n + b` holds the pixels
/// `(y · block_h + sh, x · block_w + sw)` of input batch `b` padded by `before` rows and columns;
/// padded pixels are `fill_u8` (the output zero point, `space_to_batch_nd.cc`) or zero.
pub fn space_to_batch(input: [usize; 4], block: [usize; 2], before: [usize; 2], output: [usize; 4], fill_u8: u8) -> Gather {
    let s = strides(input);
    let index = gather(output, |[b, y, x, c]| {
        let (image, shift) = (b % input[0], b / input[0]);
        let iy = (y * block[0] + shift / block[1]).wrapping_sub(before[0]);
        let ix = (x * block[1] + shift % block[1]).wrapping_sub(before[1]);
        if iy >= input[1] || ix >= input[2] {
            return usize::MAX;
        }
        image * s[0] + iy * s[1] + ix * s[2] + c
    });
    Gather { index, fill_u8 }
}

/// BATCH_TO_SPACE_ND of an NHWC tensor (`optimized_ops::BatchToSpaceND`): output pixel `(y, x)` of
/// batch `b` is, with the crops added back, `(Y, X) = (y + crop_top, x + crop_left)`, pixel
/// `(Y / block_h, X / block_w)` of input batch `((Y % block_h) · block_w + X % block_w) · n + b`.
pub fn batch_to_space(input: [usize; 4], block: [usize; 2], crop: [usize; 2], output: [usize; 4]) -> Gather {
    let s = strides(input);
    let index = gather(output, |[b, y, x, c]| {
        let (yy, xx) = (y + crop[0], x + crop[1]);
        let image = ((yy % block[0]) * block[1] + xx % block[1]) * output[0] + b;
        image * s[0] + (yy / block[0]) * s[1] + (xx / block[1]) * s[2] + c
    });
    Gather { index, fill_u8: 0 }
}

/// The input index of output index `x` of RESIZE_NEAREST_NEIGHBOR along one axis. 8-bit tensors
/// without align_corners or half_pixel_centers take the optimized kernel's 16-bit fixed-point scale
/// (`optimized_ops::ResizeNearestNeighbor`); the rest take the reference formula in float
/// (`reference_ops::GetNearestNeighbor`; `TfLiteRound` rounds half away from zero).
pub fn nearest(x: usize, input: usize, output: usize, align_corners: bool, half_pixel_centers: bool, eight_bit: bool) -> usize {
    if eight_bit && !align_corners && !half_pixel_centers {
        let scale = ((input as i64) << 16) / output as i64 + 1;
        return (((x as i64 * scale) >> 16) as usize).min(input - 1);
    }
    let scale = if align_corners && output > 1 { (input - 1) as f32 / (output - 1) as f32 } else { input as f32 / output as f32 };
    let offset = if half_pixel_centers { 0.5f32 } else { 0.0 };
    let v = (x as f32 + offset) * scale;
    let i = if align_corners { v.round() as i64 } else { v.floor() as i64 };
    let i = i.min(input as i64 - 1);
    if half_pixel_centers { i.max(0) as usize } else { i as usize }
}

/// RESIZE_NEAREST_NEIGHBOR of an NHWC tensor with batch 1.
pub fn resize_nearest(h: (usize, usize), w: (usize, usize), c: usize, flags: (bool, bool), eight_bit: bool) -> Gather {
    let (ac, hp) = flags;
    let rows: Vec<usize> = (0..h.1).map(|y| nearest(y, h.0, h.1, ac, hp, eight_bit)).collect();
    let cols: Vec<usize> = (0..w.1).map(|x| nearest(x, w.0, w.1, ac, hp, eight_bit)).collect();
    let index = gather([1, h.1, w.1, c], |o| (rows[o[1]] * w.0 + cols[o[2]]) * c + o[3]);
    Gather { index, fill_u8: 0 }
}

/// Broadcasting of two operands to the output shape (NumPy rules, rank ≤ 4): for each output
/// value, the index of each operand's value.
#[derive(Debug, Clone, PartialEq)]
pub struct Broadcast {
    pub a: Vec<usize>,
    pub b: Vec<usize>,
}

impl Broadcast {
    /// None when the shapes do not broadcast to `out`.
    pub fn new(a: [usize; 4], b: [usize; 4], out: [usize; 4]) -> Option<Broadcast> {
        let ok = |x: [usize; 4]| (0..4).all(|k| x[k] == out[k] || x[k] == 1);
        if !ok(a) || !ok(b) {
            return None;
        }
        let map = |x: [usize; 4]| {
            let s = strides(x);
            gather(out, |o| (0..4).map(|k| if x[k] == 1 { 0 } else { o[k] * s[k] }).sum())
        };
        Some(Broadcast { a: map(a), b: map(b) })
    }
}

/// A shape padded on the left with 1s to rank 4, or None above rank 4.
pub fn rank4(shape: &[i32]) -> Option<[usize; 4]> {
    if shape.len() > 4 {
        return None;
    }
    let mut d = [1usize; 4];
    for (k, &v) in shape.iter().enumerate() {
        d[4 - shape.len() + k] = v.max(0) as usize;
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_transpose_and_strided_slice_move_the_right_values() {
        let x = Buf::F32((0..6).map(|v| v as f32).collect()); // [1, 1, 2, 3]
        let p = pad([1, 1, 2, 3], [0, 0, 1, 0], [1, 1, 3, 4], 0);
        assert_eq!(p.run(&x), Buf::F32(vec![0., 0., 0., 0., 0., 1., 2., 0., 3., 4., 5., 0.]));
        let t = transpose([1, 1, 2, 3], [0, 1, 3, 2]);
        assert_eq!(t.run(&x), Buf::F32(vec![0., 3., 1., 4., 2., 5.]));
        let s = strided([1, 1, 2, 3], [0, 0, 1, 2], [1, 1, 1, -2], [1, 1, 1, 2]);
        assert_eq!(s.run(&x), Buf::F32(vec![5., 3.]));
    }

    #[test]
    fn space_to_batch_pads_and_batch_to_space_crops_back() {
        // [1, 3, 2, 1] padded to 4×2 (one row on top), block 2×2 → [4, 2, 1, 1].
        let x = Buf::U8((1..=6).collect());
        let s2b = space_to_batch([1, 3, 2, 1], [2, 2], [1, 0], [4, 2, 1, 1], 9);
        // Padded rows: [9 9] [1 2] [3 4] [5 6]; batch (sh, sw) takes rows sh, sh+2 and column sw.
        assert_eq!(s2b.run(&x), Buf::U8(vec![9, 3, 9, 4, 1, 5, 2, 6]));
        let b2s = batch_to_space([4, 2, 1, 1], [2, 2], [1, 0], [1, 3, 2, 1]);
        assert_eq!(b2s.run(&s2b.run(&x)), x);
        // Two images: batch b of the output is image b % 2.
        let two = Buf::F32((0..8).map(|v| v as f32).collect()); // [2, 2, 2, 1]
        let s2b = space_to_batch([2, 2, 2, 1], [2, 2], [0, 0], [8, 1, 1, 1], 0);
        assert_eq!(s2b.run(&two), Buf::F32(vec![0., 4., 1., 5., 2., 6., 3., 7.]));
        assert_eq!(batch_to_space([8, 1, 1, 1], [2, 2], [0, 0], [2, 2, 2, 1]).run(&s2b.run(&two)), two);
    }

    #[test]
    fn nearest_indices_follow_tflite() {
        // 2 → 5 without flags: floor(x · 0.4) = 0 0 0 1 1.
        let plain: Vec<usize> = (0..5).map(|x| nearest(x, 2, 5, false, false, false)).collect();
        assert_eq!(plain, vec![0, 0, 0, 1, 1]);
        let fixed: Vec<usize> = (0..5).map(|x| nearest(x, 2, 5, false, false, true)).collect();
        assert_eq!(fixed, plain);
        // align_corners 5 → 9: round(x · 0.5), half away from zero.
        let ac: Vec<usize> = (0..9).map(|x| nearest(x, 5, 9, true, false, false)).collect();
        assert_eq!(ac, vec![0, 1, 1, 2, 2, 3, 3, 4, 4]);
    }

    #[test]
    fn broadcasting_maps_indices() {
        let b = Broadcast::new([1, 1, 2, 3], [1, 1, 1, 3], [1, 1, 2, 3]).unwrap();
        assert_eq!(b.a, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(b.b, vec![0, 1, 2, 0, 1, 2]);
        assert!(Broadcast::new([1, 1, 2, 3], [1, 1, 1, 2], [1, 1, 2, 3]).is_none());
    }
}
