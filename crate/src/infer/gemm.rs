//! Matrix products for convolutions: `out[m][n] = requant(bias[n] + Σ_k a[m][k] · w[n][k])`, with
//! `a` the zero-point-subtracted activations (one row per output pixel) and `w` the weights (one
//! row per output channel).
//!
//! The weights are packed once into panels of 8 output channels with pairs of `k` interleaved, so
//! one vector multiply-add of a broadcast activation pair against a panel row accumulates 8 channels
//! (`i32x4.dot_i16x8_s` in wasm, `pmaddwd` on x86_64). The int32 sums are exact (|a|, |w| ≤ 255),
//! so the result does not depend on the order of summation.

use super::quant::Fp32Requant;
use super::simd::{self, V};

/// Rows of the output computed together: 2·ROWS accumulators, two weight vectors and a broadcast
/// must fit the vector registers (16 on x86_64; V8 keeps fewer of them for wasm code).
#[cfg(not(target_arch = "wasm32"))]
const ROWS: usize = 6;
#[cfg(target_arch = "wasm32")]
const ROWS: usize = 4;
const PANEL: usize = 8;
/// Rows of the float product computed together: 2·F32_ROWS accumulators, two weight vectors and
/// a broadcast in 16 vector registers on x86_64.
#[cfg(not(target_arch = "wasm32"))]
const F32_ROWS: usize = 6;
/// V8 keeps fewer registers for wasm: 5 or 6 rows spill (measured: 6 rows take 2.2× as long).
#[cfg(target_arch = "wasm32")]
const F32_ROWS: usize = 4;

/// Weights in panels: for each group of 8 output channels, for each pair of `k`, the 8 channels'
/// two values, zero padded.
#[derive(Debug, Clone)]
pub struct PackedWeights {
    panels: Vec<i16>,
    /// Row length of the activations: the depth rounded up to an even number.
    pub depth: usize,
    pub channels: usize,
}

impl PackedWeights {
    /// Packs `channels` rows of `k` values each; `depth ≥ k` is the (even) activation row length.
    pub fn new(rows: &[i16], k: usize, depth: usize) -> PackedWeights {
        assert!(depth.is_multiple_of(2) && depth >= k);
        let channels = rows.len().checked_div(k).unwrap_or(0);
        let groups = channels.div_ceil(PANEL);
        let mut panels = vec![0i16; groups * depth * PANEL];
        // Channel n's pairs go to lane n % 8 of consecutive 16-value slots of its group's panel.
        for (n, row) in rows.chunks_exact(k.max(1)).take(channels).enumerate() {
            let (g, lane) = (n / PANEL, n % PANEL);
            let panel = &mut panels[g * depth * PANEL..(g + 1) * depth * PANEL];
            for (slot, pair) in panel.chunks_exact_mut(2 * PANEL).zip(row.chunks(2)) {
                slot[lane * 2] = pair[0];
                if let Some(&second) = pair.get(1) {
                    slot[lane * 2 + 1] = second;
                }
            }
        }
        PackedWeights { panels, depth, channels }
    }
}

/// Bias, then requantization and clamping, applied to each int32 accumulator.
pub struct Epilogue<'a> {
    pub bias: &'a [i32],
    /// Zero point and clamp bounds (its scale is replaced by `scales`).
    pub requant: Fp32Requant,
    /// The requantization scale of each output channel (per-channel quantized filters; otherwise
    /// the same value everywhere).
    pub scales: &'a [f32],
}

/// The quantized product; `a` holds rows of `w.depth` values.
pub fn i16_requantize(a: &[i16], w: &PackedWeights, epi: &Epilogue, out: &mut [u8]) {
    let depth = w.depth;
    let rows = a.len() / depth;
    assert!(a.len() == rows * depth && out.len() == rows * w.channels && epi.bias.len() == w.channels);
    assert!(epi.scales.len() == w.channels);
    let r = epi.requant;
    let consts = Consts {
        lo: simd::splat_f32((r.min - r.zero_point) as f32),
        hi: simd::splat_f32((r.max - r.zero_point) as f32),
        zp: simd::splat(r.zero_point),
    };
    let mut bias = vec![0i32; w.channels.div_ceil(PANEL) * PANEL];
    bias[..w.channels].copy_from_slice(epi.bias);
    let mut scales = vec![0f32; w.channels.div_ceil(PANEL) * PANEL];
    scales[..w.channels].copy_from_slice(epi.scales);
    for_each_tile(rows, w.channels, ROWS, |t| {
        let block = &a[t.m * depth..(t.m + t.rows) * depth];
        let panel = &w.panels[t.group * depth * PANEL..(t.group + 1) * depth * PANEL];
        let b: &[i32; PANEL] = bias[t.n0..t.n0 + PANEL].try_into().expect("8 biases"); // ok: bias has groups·8 values
        let s: &[f32; PANEL] = scales[t.n0..t.n0 + PANEL].try_into().expect("8 scales"); // ok: as the biases
        let dst = &mut out[t.m * w.channels + t.n0..];
        let ch = (b, s);
        match t.rows {
            6 => tile::<6>(block, depth, panel, ch, &consts, dst, w.channels, t.width),
            5 => tile::<5>(block, depth, panel, ch, &consts, dst, w.channels, t.width),
            4 => tile::<4>(block, depth, panel, ch, &consts, dst, w.channels, t.width),
            3 => tile::<3>(block, depth, panel, ch, &consts, dst, w.channels, t.width),
            2 => tile::<2>(block, depth, panel, ch, &consts, dst, w.channels, t.width),
            _ => tile::<1>(block, depth, panel, ch, &consts, dst, w.channels, t.width),
        }
    });
}

/// One output tile: rows `m..m + rows`, channels `n0..n0 + width` (weight panel `group`).
struct Tile {
    m: usize,
    rows: usize,
    group: usize,
    n0: usize,
    width: usize,
}

/// Visits the output in tiles, row blocks outside and panels inside: a block of activation rows
/// stays in L1 while the weight panels stream past it.
fn for_each_tile(rows: usize, channels: usize, block: usize, mut f: impl FnMut(Tile)) {
    let mut m = 0;
    while m < rows {
        let take = block.min(rows - m);
        for group in 0..channels.div_ceil(PANEL) {
            let n0 = group * PANEL;
            f(Tile { m, rows: take, group, n0, width: PANEL.min(channels - n0) });
        }
        m += take;
    }
}

struct Consts {
    lo: V,
    hi: V,
    zp: V,
}

/// R rows × 8 channels, written to `out` (rows `stride` apart, the first `width` channels).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tile<const R: usize>(
    a: &[i16],
    depth: usize,
    panel: &[i16],
    (bias, scales): (&[i32; PANEL], &[f32; PANEL]),
    c: &Consts,
    out: &mut [u8],
    stride: usize,
    width: usize,
) {
    assert!(a.len() >= R * depth && panel.len() >= depth * PANEL);
    assert!(width <= PANEL && out.len() >= (R - 1) * stride + width);
    let mut acc = [[simd::zero(); 2]; R];
    let (pa, pw) = (a.as_ptr(), panel.as_ptr());
    for kp in 0..depth / 2 {
        // SAFETY: kp·16 + 16 ≤ depth · 8 = panel.len(), and row r's pair ends at r·depth + depth.
        unsafe {
            let w0 = simd::load(pw.add(kp * 16));
            let w1 = simd::load(pw.add(kp * 16 + 8));
            for (r, acc) in acc.iter_mut().enumerate() {
                let pair = (pa.add(r * depth + 2 * kp) as *const i32).read_unaligned();
                let x = simd::splat(pair);
                acc[0] = simd::add(acc[0], simd::madd(x, w0));
                acc[1] = simd::add(acc[1], simd::madd(x, w1));
            }
        }
    }
    // SAFETY: `bias` has 8 int32 values = two vectors.
    let (b0, b1) = unsafe { (simd::load(bias.as_ptr() as *const i16), simd::load(bias.as_ptr().add(4) as *const i16)) };
    // SAFETY: `scales` has 8 float values = two vectors.
    let (s0, s1) = unsafe { (simd::load_f32(scales.as_ptr()), simd::load_f32(scales.as_ptr().add(4))) };
    for (r, [v0, v1]) in acc.into_iter().enumerate() {
        let q0 = simd::requant(simd::add(v0, b0), s0, c.lo, c.hi, c.zp);
        let q1 = simd::requant(simd::add(v1, b1), s1, c.lo, c.hi, c.zp);
        let row = &mut out[r * stride..];
        if width == PANEL && row.len() >= PANEL {
            // SAFETY: the row has at least 8 bytes from its start.
            unsafe { simd::store_u8x8(row.as_mut_ptr(), q0, q1) };
        } else {
            row[..width].copy_from_slice(&simd::to_u8x8(q0, q1)[..width]);
        }
    }
}

/// Float weights in panels of 8 output channels: for each `k`, the 8 channels' weights.
#[derive(Debug, Clone)]
pub struct PackedF32 {
    panels: Vec<f32>,
    pub depth: usize,
    pub channels: usize,
}

impl PackedF32 {
    /// Packs `channels` rows of `depth` weights each.
    pub fn new(rows: &[f32], depth: usize) -> PackedF32 {
        let channels = rows.len().checked_div(depth).unwrap_or(0);
        let mut panels = vec![0f32; channels.div_ceil(PANEL) * depth * PANEL];
        for n in 0..channels {
            for k in 0..depth {
                panels[(n / PANEL) * depth * PANEL + k * PANEL + n % PANEL] = rows[n * depth + k];
            }
        }
        PackedF32 { panels, depth, channels }
    }
}

/// The float product with bias and a clamp; `a` holds rows of `w.depth` values.
#[inline(never)]
pub fn f32_bias_clamp(a: &[f32], w: &PackedF32, bias: &[f32], lo: f32, hi: f32, out: &mut [f32]) {
    let depth = w.depth;
    let rows = a.len().checked_div(depth).unwrap_or(0);
    assert!(out.len() == rows * w.channels && bias.len() == w.channels);
    let mut padded_bias = vec![0f32; w.channels.div_ceil(PANEL) * PANEL];
    padded_bias[..w.channels].copy_from_slice(bias);
    let (lo, hi) = (simd::splat_f32(lo), simd::splat_f32(hi));
    for_each_tile(rows, w.channels, F32_ROWS, |t| {
        let block = &a[t.m * depth..(t.m + t.rows) * depth];
        let panel = &w.panels[t.group * depth * PANEL..(t.group + 1) * depth * PANEL];
        let bias = &padded_bias[t.n0..t.n0 + PANEL];
        let dst = &mut out[t.m * w.channels + t.n0..];
        let f = FloatTile { depth, panel, bias, lo, hi, stride: w.channels, width: t.width };
        match t.rows {
            6 => f.run::<6>(block, dst),
            5 => f.run::<5>(block, dst),
            4 => f.run::<4>(block, dst),
            3 => f.run::<3>(block, dst),
            2 => f.run::<2>(block, dst),
            _ => f.run::<1>(block, dst),
        }
    });
}

struct FloatTile<'a> {
    depth: usize,
    panel: &'a [f32],
    bias: &'a [f32],
    lo: V,
    hi: V,
    stride: usize,
    width: usize,
}

impl FloatTile<'_> {
    /// R rows × 8 channels.
    #[inline(always)]
    fn run<const R: usize>(&self, a: &[f32], out: &mut [f32]) {
        let depth = self.depth;
        assert!(a.len() >= R * depth && self.panel.len() >= depth * PANEL && self.bias.len() >= PANEL);
        assert!(self.width <= PANEL && out.len() >= (R - 1) * self.stride + self.width);
        let (pa, pw) = (a.as_ptr(), self.panel.as_ptr());
        // SAFETY: bias holds 8 floats; panel row k is 8 floats at k·8 < depth·8; row r's value k is
        // at r·depth + k < R·depth ≤ a.len().
        unsafe {
            let (b0, b1) = (simd::load_f32(self.bias.as_ptr()), simd::load_f32(self.bias.as_ptr().add(4)));
            let mut acc = [[b0, b1]; R];
            for k in 0..depth {
                let w0 = simd::load_f32(pw.add(k * PANEL));
                let w1 = simd::load_f32(pw.add(k * PANEL + 4));
                for (r, acc) in acc.iter_mut().enumerate() {
                    let x = simd::load_splat_f32(pa.add(r * depth + k));
                    acc[0] = simd::mul_add_f32(acc[0], x, w0);
                    acc[1] = simd::mul_add_f32(acc[1], x, w1);
                }
            }
            for (r, [v0, v1]) in acc.into_iter().enumerate() {
                let row = &mut out[r * self.stride..];
                let (q0, q1) = (simd::clamp_f32(v0, self.lo, self.hi), simd::clamp_f32(v1, self.lo, self.hi));
                if self.width == PANEL && row.len() >= PANEL {
                    simd::store_f32(row.as_mut_ptr(), q0);
                    simd::store_f32(row.as_mut_ptr().add(4), q1);
                } else {
                    let mut tmp = [0f32; PANEL];
                    simd::store_f32(tmp.as_mut_ptr(), q0);
                    simd::store_f32(tmp.as_mut_ptr().add(4), q1);
                    row[..self.width].copy_from_slice(&tmp[..self.width]);
                }
            }
        }
    }
}
