//! SLICE with constant begin and size (`tflite/kernels/slice.cc`): copies a box of the input. The
//! fixes use it to crop an enlarged class map back to the input size.

use super::tensor::Buf;

#[derive(Debug, Clone)]
pub struct Slice {
    /// Input dimensions, padded on the left with 1s to rank 4.
    pub input: [usize; 4],
    pub begin: [usize; 4],
    pub size: [usize; 4],
}

impl Slice {
    pub fn run<T: Copy>(&self, input: &[T], output: &mut Vec<T>) {
        let [_, d1, d2, d3] = self.input;
        output.clear();
        for a in self.begin[0]..self.begin[0] + self.size[0] {
            for b in self.begin[1]..self.begin[1] + self.size[1] {
                for c in self.begin[2]..self.begin[2] + self.size[2] {
                    let start = ((a * d1 + b) * d2 + c) * d3 + self.begin[3];
                    output.extend_from_slice(&input[start..start + self.size[3]]);
                }
            }
        }
    }
}

impl Slice {
    /// The slice of a tensor of any type.
    pub fn run_any(&self, x: &Buf) -> Buf {
        fn cut<T: Copy>(s: &Slice, v: &[T]) -> Vec<T> {
            let mut out = Vec::new();
            s.run(v, &mut out);
            out
        }
        match x {
            Buf::U8(v) => Buf::U8(cut(self, v)),
            Buf::I8(v) => Buf::I8(cut(self, v)),
            Buf::F32(v) => Buf::F32(cut(self, v)),
            Buf::I32(v) => Buf::I32(cut(self, v)),
            Buf::I64(v) => Buf::I64(cut(self, v)),
            Buf::Empty => Buf::Empty,
        }
    }
}
