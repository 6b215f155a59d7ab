//! CONCATENATION (`tflite/kernels/concatenation.cc`). Quantized inputs whose scale or zero point
//! differ from the output's are requantized as `ConcatenationWithScaling` does (float scale and bias,
//! rounded half away from zero); equal ones are copied.

use super::tensor::QParams;

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
        output.clear();
        output.resize(self.outer * total, T::default());
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

    pub fn run_u8(&self, inputs: &[&[u8]], output: &mut Vec<u8>) {
        let out = self.output_params.expect("quantized concatenation has output parameters");
        let inverse = 1.0 / out.scale;
        let rescale: Vec<Option<(f32, f32)>> = self
            .input_params
            .iter()
            .map(|p| {
                let same = p.scale == out.scale && p.zero_point == out.zero_point;
                let scale = p.scale * inverse;
                (!same).then_some((scale, -(p.zero_point as f32) * scale))
            })
            .collect();
        self.run(inputs, output, |i, x| match rescale[i] {
            None => x,
            Some((scale, bias)) => {
                ((x as f32 * scale + bias).round() as i32 + out.zero_point).clamp(0, 255) as u8
            }
        });
    }
}
