//! Run-time tensors: a typed buffer per graph tensor, plus the shapes and quantization parameters
//! the kernels need.

/// The values of one tensor during a run.
#[derive(Debug, Clone, Default)]
pub enum Buf {
    /// Not computed yet, or freed after its last use.
    #[default]
    Empty,
    U8(Vec<u8>),
    F32(Vec<f32>),
}

impl Buf {
    pub fn u8(&self) -> &[u8] {
        match self {
            Buf::U8(v) => v,
            _ => panic!("tensor is not uint8 at run time"), // ok: program::compile checks every op's types
        }
    }
    pub fn f32(&self) -> &[f32] {
        match self {
            Buf::F32(v) => v,
            _ => panic!("tensor is not float32 at run time"), // ok: program::compile checks every op's types
        }
    }
}

/// Makes `v` exactly `n` values long for a kernel that overwrites all of them: a recycled buffer of
/// the right length is used as is (no zero fill).
pub fn sized<T: Copy + Default>(v: &mut Vec<T>, n: usize) {
    if v.len() != n {
        v.clear();
        v.resize(n, T::default());
    }
}

/// An NHWC shape with batch 1 (lower ranks are padded on the left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hwc {
    pub h: usize,
    pub w: usize,
    pub c: usize,
}

impl Hwc {
    #[allow(clippy::len_without_is_empty)]
    pub fn len(self) -> usize {
        self.h * self.w * self.c
    }
    pub fn pixels(self) -> usize {
        self.h * self.w
    }
}

/// Per-tensor affine quantization: real = scale · (q − zero_point).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QParams {
    pub scale: f32,
    pub zero_point: i32,
}
