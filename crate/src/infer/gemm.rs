//! Matrix products for convolutions: `out[m][n] = epilogue(Σ_k a[m][k] · b[n][k])`, with `a` the
//! activations (one row per output pixel) and `b` the weights (one row per output channel).
//!
//! The int16 product accumulates exactly in int32 (|a|, |b| ≤ 255, depth ≤ 2^14). On wasm32 with
//! `simd128` a 4×4 register tile uses `i32x4.dot_i16x8_s`; elsewhere a portable loop computes the
//! same integers.

use super::quant::Fp32Requant;

/// Bias, then requantization and clamping, applied to each int32 accumulator.
pub struct Epilogue<'a> {
    pub bias: &'a [i32],
    pub requant: Fp32Requant,
}

impl Epilogue<'_> {
    #[inline]
    fn finish(&self, acc: i32, n: usize) -> u8 {
        self.requant.apply(acc.wrapping_add(self.bias[n]))
    }
}

/// The quantized product; `depth` is a multiple of 8 and rows are zero padded to it.
pub fn i16_requantize(a: &[i16], b: &[i16], depth: usize, epi: &Epilogue, out: &mut [u8]) {
    let rows = a.len() / depth;
    let cols = b.len() / depth;
    debug_assert_eq!(depth % 8, 0);
    debug_assert_eq!(out.len(), rows * cols);
    let mut m = 0;
    while m + 4 <= rows {
        let mut n = 0;
        while n + 4 <= cols {
            let acc = tile4x4(&a[m * depth..(m + 4) * depth], &b[n * depth..(n + 4) * depth], depth);
            for (i, row) in acc.iter().enumerate() {
                for (j, &v) in row.iter().enumerate() {
                    out[(m + i) * cols + n + j] = epi.finish(v, n + j);
                }
            }
            n += 4;
        }
        for nn in n..cols {
            for i in 0..4 {
                let v = dot_i16(&a[(m + i) * depth..][..depth], &b[nn * depth..][..depth]);
                out[(m + i) * cols + nn] = epi.finish(v, nn);
            }
        }
        m += 4;
    }
    for mm in m..rows {
        for nn in 0..cols {
            let v = dot_i16(&a[mm * depth..][..depth], &b[nn * depth..][..depth]);
            out[mm * cols + nn] = epi.finish(v, nn);
        }
    }
}

#[inline]
fn dot_i16(a: &[i16], b: &[i16]) -> i32 {
    a.iter().zip(b).map(|(&x, &y)| x as i32 * y as i32).sum()
}

/// Sixteen dot products of four activation rows with four weight rows.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline]
fn tile4x4(a: &[i16], b: &[i16], depth: usize) -> [[i32; 4]; 4] {
    let mut acc = [[0i32; 4]; 4];
    for (i, row) in acc.iter_mut().enumerate() {
        let ar = &a[i * depth..][..depth];
        for (j, v) in row.iter_mut().enumerate() {
            *v = dot_i16(ar, &b[j * depth..][..depth]);
        }
    }
    acc
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn tile4x4(a: &[i16], b: &[i16], depth: usize) -> [[i32; 4]; 4] {
    use core::arch::wasm32::*;
    assert!(a.len() >= 4 * depth && b.len() >= 4 * depth && depth % 8 == 0);
    let mut acc = [i32x4_splat(0); 16];
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut k = 0;
    while k < depth {
        // SAFETY: every row has `depth` values and k + 8 ≤ depth (asserted above).
        unsafe {
            let av = [0, 1, 2, 3].map(|i| v128_load(pa.add(i * depth + k) as *const v128));
            let bv = [0, 1, 2, 3].map(|j| v128_load(pb.add(j * depth + k) as *const v128));
            for i in 0..4 {
                for j in 0..4 {
                    acc[i * 4 + j] = i32x4_add(acc[i * 4 + j], i32x4_dot_i16x8(av[i], bv[j]));
                }
            }
        }
        k += 8;
    }
    let mut out = [[0i32; 4]; 4];
    for (i, row) in out.iter_mut().enumerate() {
        let s = horizontal_sums(acc[i * 4], acc[i * 4 + 1], acc[i * 4 + 2], acc[i * 4 + 3]);
        *row = [
            i32x4_extract_lane::<0>(s),
            i32x4_extract_lane::<1>(s),
            i32x4_extract_lane::<2>(s),
            i32x4_extract_lane::<3>(s),
        ];
    }
    out
}

/// `[Σa, Σb, Σc, Σd]` of four vectors.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn horizontal_sums(
    a: core::arch::wasm32::v128,
    b: core::arch::wasm32::v128,
    c: core::arch::wasm32::v128,
    d: core::arch::wasm32::v128,
) -> core::arch::wasm32::v128 {
    use core::arch::wasm32::*;
    let ab = i32x4_add(i32x4_shuffle::<0, 4, 1, 5>(a, b), i32x4_shuffle::<2, 6, 3, 7>(a, b));
    let cd = i32x4_add(i32x4_shuffle::<0, 4, 1, 5>(c, d), i32x4_shuffle::<2, 6, 3, 7>(c, d));
    i32x4_add(i32x4_shuffle::<0, 1, 4, 5>(ab, cd), i32x4_shuffle::<2, 3, 6, 7>(ab, cd))
}

/// The float product with bias and a clamp.
pub fn f32_bias_clamp(a: &[f32], b: &[f32], depth: usize, bias: &[f32], lo: f32, hi: f32, out: &mut [f32]) {
    let cols = b.len() / depth;
    for (arow, orow) in a.chunks_exact(depth).zip(out.chunks_exact_mut(cols)) {
        for ((o, brow), &bias) in orow.iter_mut().zip(b.chunks_exact(depth)).zip(bias) {
            let s: f32 = arow.iter().zip(brow).map(|(&x, &w)| x * w).sum();
            *o = (s + bias).clamp(lo, hi);
        }
    }
}
