//! The few 128-bit vector operations the quantized kernels need, on wasm32 `simd128`, on x86_64
//! (SSE2, always present there), and as plain arrays elsewhere. Each lane result is the same
//! integer or float on every target, so the engine gives identical results natively and in wasm.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::*;
    pub type V = v128;
    #[inline(always)]
    pub fn zero() -> V {
        i32x4_splat(0)
    }
    #[inline(always)]
    pub fn splat(x: i32) -> V {
        i32x4_splat(x)
    }
    /// Loads 8 int16 (or 4 int32) values.
    ///
    /// # Safety
    /// `p` must point to 16 readable bytes.
    #[inline(always)]
    pub unsafe fn load(p: *const i16) -> V {
        v128_load(p as *const v128)
    }
    /// Pairwise products of int16 lanes summed into int32 lanes.
    #[inline(always)]
    pub fn madd(a: V, b: V) -> V {
        i32x4_dot_i16x8(a, b)
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        i32x4_add(a, b)
    }
    /// int32 lanes → float, times `scale`, clamped, rounded half to even, plus `zp`.
    ///
    /// The rounding is XNNPACK's "magic bias": adding 1.5·2^23 to a float of magnitude below
    /// 2^22 leaves the integer part, rounded half to even by the addition itself, in the low
    /// mantissa bits (cheaper than `nearest` + `trunc_sat`, which V8 expands to many instructions).
    #[inline(always)]
    pub fn requant(acc: V, scale: V, lo: V, hi: V, zp: V) -> V {
        const MAGIC: f32 = 12582912.0;
        let y = f32x4_mul(f32x4_convert_i32x4(acc), scale);
        let y = f32x4_add(f32x4_pmin(f32x4_pmax(y, lo), hi), f32x4_splat(MAGIC));
        i32x4_add(i32x4_sub(y, i32x4_splat(MAGIC.to_bits() as i32)), zp)
    }
    #[inline(always)]
    pub fn splat_f32(x: f32) -> V {
        f32x4_splat(x)
    }
    /// # Safety
    /// `p` must point to 4 readable floats.
    #[inline(always)]
    pub unsafe fn load_f32(p: *const f32) -> V {
        v128_load(p as *const v128)
    }
    /// # Safety
    /// `p` must point to 4 writable floats.
    #[inline(always)]
    pub unsafe fn store_f32(p: *mut f32, v: V) {
        v128_store(p as *mut v128, v)
    }
    /// One float read from memory into all four lanes.
    ///
    /// # Safety
    /// `p` must point to a readable float.
    #[inline(always)]
    pub unsafe fn load_splat_f32(p: *const f32) -> V {
        v128_load32_splat(p as *const u32)
    }
    /// `acc + a·b` in float lanes (a multiply, then an add).
    #[inline(always)]
    pub fn mul_add_f32(acc: V, a: V, b: V) -> V {
        f32x4_add(acc, f32x4_mul(a, b))
    }
    #[inline(always)]
    pub fn add_f32(a: V, b: V) -> V {
        f32x4_add(a, b)
    }
    #[inline(always)]
    pub fn clamp_f32(v: V, lo: V, hi: V) -> V {
        f32x4_pmin(f32x4_pmax(v, lo), hi)
    }
    /// Interleaves the low (`lo`) or high four int16 lanes of `a` and `b`: a0 b0 a1 b1 …
    #[inline(always)]
    pub fn zip_lo_i16(a: V, b: V) -> V {
        i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(a, b)
    }
    #[inline(always)]
    pub fn zip_hi_i16(a: V, b: V) -> V {
        i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(a, b)
    }
    /// Stores eight int32 lanes (already in 0..=255) as bytes.
    ///
    /// # Safety
    /// `p` must point to 8 writable bytes.
    #[inline(always)]
    pub unsafe fn store_u8x8(p: *mut u8, a: V, b: V) {
        let w = i16x8_narrow_i32x4(a, b);
        v128_store64_lane::<0>(u8x16_narrow_i16x8(w, w), p as *mut u64);
    }
    /// Eight int32 lanes (already in 0..=255) as bytes.
    #[inline(always)]
    pub fn to_u8x8(a: V, b: V) -> [u8; 8] {
        let w = i16x8_narrow_i32x4(a, b);
        let bytes = u8x16_narrow_i16x8(w, w);
        let lo = i64x2_extract_lane::<0>(bytes);
        lo.to_le_bytes()
    }
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use core::arch::x86_64::*;
    pub type V = __m128i;
    #[inline(always)]
    pub fn zero() -> V {
        unsafe { _mm_setzero_si128() }
    }
    #[inline(always)]
    pub fn splat(x: i32) -> V {
        unsafe { _mm_set1_epi32(x) }
    }
    /// # Safety
    /// `p` must point to 16 readable bytes.
    #[inline(always)]
    pub unsafe fn load(p: *const i16) -> V {
        _mm_loadu_si128(p as *const __m128i)
    }
    #[inline(always)]
    pub fn madd(a: V, b: V) -> V {
        unsafe { _mm_madd_epi16(a, b) }
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        unsafe { _mm_add_epi32(a, b) }
    }
    #[inline(always)]
    pub fn requant(acc: V, scale: V, lo: V, hi: V, zp: V) -> V {
        unsafe {
            let f = |v: V| _mm_castsi128_ps(v);
            let y = _mm_mul_ps(_mm_cvtepi32_ps(acc), f(scale));
            let y = _mm_min_ps(_mm_max_ps(y, f(lo)), f(hi));
            // The default MXCSR rounding is to nearest, ties to even.
            _mm_add_epi32(_mm_cvtps_epi32(y), zp)
        }
    }
    #[inline(always)]
    pub fn splat_f32(x: f32) -> V {
        unsafe { _mm_castps_si128(_mm_set1_ps(x)) }
    }
    /// # Safety
    /// `p` must point to 4 readable floats.
    #[inline(always)]
    pub unsafe fn load_f32(p: *const f32) -> V {
        _mm_castps_si128(_mm_loadu_ps(p))
    }
    /// # Safety
    /// `p` must point to 4 writable floats.
    #[inline(always)]
    pub unsafe fn store_f32(p: *mut f32, v: V) {
        _mm_storeu_ps(p, _mm_castsi128_ps(v))
    }
    /// # Safety
    /// `p` must point to a readable float.
    #[inline(always)]
    pub unsafe fn load_splat_f32(p: *const f32) -> V {
        _mm_castps_si128(_mm_load1_ps(p))
    }
    #[inline(always)]
    pub fn mul_add_f32(acc: V, a: V, b: V) -> V {
        unsafe { _mm_castps_si128(_mm_add_ps(_mm_castsi128_ps(acc), _mm_mul_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b)))) }
    }
    #[inline(always)]
    pub fn add_f32(a: V, b: V) -> V {
        unsafe { _mm_castps_si128(_mm_add_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b))) }
    }
    #[inline(always)]
    pub fn clamp_f32(v: V, lo: V, hi: V) -> V {
        unsafe {
            let f = |x: V| _mm_castsi128_ps(x);
            _mm_castps_si128(_mm_min_ps(_mm_max_ps(f(v), f(lo)), f(hi)))
        }
    }
    #[inline(always)]
    pub fn zip_lo_i16(a: V, b: V) -> V {
        unsafe { _mm_unpacklo_epi16(a, b) }
    }
    #[inline(always)]
    pub fn zip_hi_i16(a: V, b: V) -> V {
        unsafe { _mm_unpackhi_epi16(a, b) }
    }
    /// # Safety
    /// `p` must point to 8 writable bytes.
    #[inline(always)]
    pub unsafe fn store_u8x8(p: *mut u8, a: V, b: V) {
        let w = _mm_packs_epi32(a, b);
        _mm_storel_epi64(p as *mut __m128i, _mm_packus_epi16(w, w));
    }
    #[inline(always)]
    pub fn to_u8x8(a: V, b: V) -> [u8; 8] {
        unsafe {
            let w = _mm_packs_epi32(a, b);
            let bytes = _mm_packus_epi16(w, w);
            (_mm_cvtsi128_si64(bytes) as u64).to_le_bytes()
        }
    }
}

#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
mod imp {
    #[derive(Clone, Copy)]
    pub struct V([i32; 4]);
    pub fn zero() -> V {
        V([0; 4])
    }
    pub fn splat(x: i32) -> V {
        V([x; 4])
    }
    /// # Safety
    /// `p` must point to 8 readable int16 values.
    pub unsafe fn load(p: *const i16) -> V {
        let mut v = [0i32; 4];
        for (i, l) in v.iter_mut().enumerate() {
            let (a, b) = (*p.add(2 * i) as u16 as u32, *p.add(2 * i + 1) as u16 as u32);
            *l = (a | (b << 16)) as i32;
        }
        V(v)
    }
    pub fn madd(a: V, b: V) -> V {
        let lo = |x: i32| x as i16 as i32;
        let hi = |x: i32| (x >> 16) as i16 as i32;
        V(std::array::from_fn(|i| lo(a.0[i]) * lo(b.0[i]) + hi(a.0[i]) * hi(b.0[i])))
    }
    pub fn add(a: V, b: V) -> V {
        V(std::array::from_fn(|i| a.0[i].wrapping_add(b.0[i])))
    }
    pub fn requant(acc: V, scale: V, lo: V, hi: V, zp: V) -> V {
        let f = |x: i32| f32::from_bits(x as u32);
        V(std::array::from_fn(|i| {
            let y = (acc.0[i] as f32 * f(scale.0[i])).clamp(f(lo.0[i]), f(hi.0[i]));
            y.round_ties_even() as i32 + zp.0[i]
        }))
    }
    pub fn splat_f32(x: f32) -> V {
        V([x.to_bits() as i32; 4])
    }
    fn f(v: V) -> [f32; 4] {
        v.0.map(|x| f32::from_bits(x as u32))
    }
    fn v(x: [f32; 4]) -> V {
        V(x.map(|y| y.to_bits() as i32))
    }
    /// # Safety
    /// `p` must point to 4 readable floats.
    pub unsafe fn load_f32(p: *const f32) -> V {
        v(std::array::from_fn(|i| *p.add(i)))
    }
    /// # Safety
    /// `p` must point to 4 writable floats.
    pub unsafe fn store_f32(p: *mut f32, x: V) {
        for (i, y) in f(x).into_iter().enumerate() {
            *p.add(i) = y;
        }
    }
    /// # Safety
    /// `p` must point to a readable float.
    pub unsafe fn load_splat_f32(p: *const f32) -> V {
        splat_f32(*p)
    }
    pub fn mul_add_f32(acc: V, a: V, b: V) -> V {
        let (acc, a, b) = (f(acc), f(a), f(b));
        v(std::array::from_fn(|i| acc[i] + a[i] * b[i]))
    }
    pub fn add_f32(a: V, b: V) -> V {
        let (a, b) = (f(a), f(b));
        v(std::array::from_fn(|i| a[i] + b[i]))
    }
    pub fn clamp_f32(x: V, lo: V, hi: V) -> V {
        let (x, lo, hi) = (f(x), f(lo), f(hi));
        v(std::array::from_fn(|i| x[i].max(lo[i]).min(hi[i])))
    }
    fn halves(v: V) -> [i16; 8] {
        std::array::from_fn(|i| (v.0[i / 2] >> (16 * (i % 2))) as i16)
    }
    fn join(h: [i16; 8]) -> V {
        V(std::array::from_fn(|i| (h[2 * i] as u16 as u32 | ((h[2 * i + 1] as u16 as u32) << 16)) as i32))
    }
    pub fn zip_lo_i16(a: V, b: V) -> V {
        let (a, b) = (halves(a), halves(b));
        join(std::array::from_fn(|i| if i % 2 == 0 { a[i / 2] } else { b[i / 2] }))
    }
    pub fn zip_hi_i16(a: V, b: V) -> V {
        let (a, b) = (halves(a), halves(b));
        join(std::array::from_fn(|i| if i % 2 == 0 { a[4 + i / 2] } else { b[4 + i / 2] }))
    }
    /// # Safety
    /// `p` must point to 8 writable bytes.
    pub unsafe fn store_u8x8(p: *mut u8, a: V, b: V) {
        std::ptr::copy_nonoverlapping(to_u8x8(a, b).as_ptr(), p, 8);
    }
    pub fn to_u8x8(a: V, b: V) -> [u8; 8] {
        std::array::from_fn(|i| if i < 4 { a.0[i] } else { b.0[i - 4] }.clamp(0, 255) as u8)
    }
}

pub use imp::*;
