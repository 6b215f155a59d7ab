//! CONCATENATION (`tflite/kernels/concatenation.cc`). Quantized inputs whose scale or zero point
//! differ from the output's are requantized as `ConcatenationWithScaling` does (float scale and bias,
//! rounded half away from zero); equal ones are copied.

use super::tensor::{sized, QParams};

/// Concatenates along an axis: `outer` blocks, each the inputs' `inner` slices one after another.
#[derive(Debug, Clone)]
pub struct Concat {
    pub outer: usize,
    /// Per input: values per outer block.
    pub inner: Vec<usize>,
    /// Per quantized input: its parameters; empty for float.
    pub input_params: Vec<QParams>,
    pub output_params: Option<QParams>,
}

impl Concat {
    pub fn run<T: Copy + Default>(&self, inputs: &[&[T]], output: &mut Vec<T>, convert: impl Fn(usize, T) -> T) {
        let total: usize = self.inner.iter().sum();
        sized(output, self.outer * total);
        let mut o = 0;
        for b in 0..self.outer {
            for (i, (src, &n)) in inputs.iter().zip(&self.inner).enumerate() {
                for (d, &s) in output[o..o + n].iter_mut().zip(&src[b * n..(b + 1) * n]) {
                    *d = convert(i, s);
                }
                o += n;
            }
        }
    }

    #[inline(never)] // a function of its own, so that V8 optimizes it apart from the run loop (conv.rs)
    pub fn run_u8(&self, inputs: &[&[u8]], output: &mut Vec<u8>) {
        let out = self.output_params.expect("uint8 concatenation has output parameters"); // ok: set by program::concat
        // Each input's requantization as a 256-entry table (same arithmetic, computed once).
        let tables: Vec<Option<[u8; 256]>> = self.input_params.iter().map(|p| requant_table(*p, out)).collect();
        self.run(inputs, output, |i, x| match &tables[i] {
            None => x,
            Some(t) => t[x as usize],
        });
    }
}

/// `ConcatenationWithScaling`'s per-value mapping for one input, or `None` when it is a copy.
fn requant_table(p: QParams, out: QParams) -> Option<[u8; 256]> {
    if p.scale == out.scale && p.zero_point == out.zero_point {
        return None;
    }
    let scale = p.scale * (1.0 / out.scale);
    let bias = -(p.zero_point as f32) * scale;
    Some(std::array::from_fn(|x| ((x as f32 * scale + bias).round() as i32 + out.zero_point).clamp(0, 255) as u8))
}
