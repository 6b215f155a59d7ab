//! SLICE with constant begin and size (`tflite/kernels/slice.cc`): copies a box of the input. The
//! fixes use it to crop an enlarged class map back to the input size.

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
