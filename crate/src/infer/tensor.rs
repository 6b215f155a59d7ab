//! Run-time tensors: a typed buffer per graph tensor, plus the shapes and quantization parameters
//! the kernels need.

/// The values of one tensor during a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Buf {
    /// Not computed yet, or freed after its last use.
    #[default]
    Empty,
    U8(Vec<u8>),
    I8(Vec<i8>),
    F32(Vec<f32>),
    I32(Vec<i32>),
    I64(Vec<i64>),
}

/// Why a typed accessor panics: `program::compile` checks every op's types, so a wrong type at run
/// time is a bug in the engine, never bad input.
const TYPE_CHECKED: &str = "program::compile checks every op's types";

impl Buf {
    pub fn u8(&self) -> &[u8] {
        match self {
            Buf::U8(v) => v,
            _ => panic!("tensor is not uint8 at run time ({TYPE_CHECKED})"), // ok: types checked at compile, inputs by check_inputs
        }
    }
    pub fn i8(&self) -> &[i8] {
        match self {
            Buf::I8(v) => v,
            _ => panic!("tensor is not int8 at run time ({TYPE_CHECKED})"), // ok: types checked at compile, inputs by check_inputs
        }
    }
    pub fn f32(&self) -> &[f32] {
        match self {
            Buf::F32(v) => v,
            _ => panic!("tensor is not float32 at run time ({TYPE_CHECKED})"), // ok: types checked at compile, inputs by check_inputs
        }
    }
    pub fn i32(&self) -> &[i32] {
        match self {
            Buf::I32(v) => v,
            _ => panic!("tensor is not int32 at run time ({TYPE_CHECKED})"), // ok: types checked at compile, inputs by check_inputs
        }
    }

    /// Number of values (0 for `Empty`).
    pub fn len(&self) -> usize {
        match self {
            Buf::Empty => 0,
            Buf::U8(v) => v.len(),
            Buf::I8(v) => v.len(),
            Buf::F32(v) => v.len(),
            Buf::I32(v) => v.len(),
            Buf::I64(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type of the values, None for `Empty`.
    pub fn element(&self) -> Option<Element> {
        match self {
            Buf::Empty => None,
            Buf::U8(_) => Some(Element::U8),
            Buf::I8(_) => Some(Element::I8),
            Buf::F32(_) => Some(Element::F32),
            Buf::I32(_) => Some(Element::I32),
            Buf::I64(_) => Some(Element::I64),
        }
    }

    /// Every value as f64 (exact for all these types), for comparisons.
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Buf::Empty => Vec::new(),
            Buf::U8(v) => v.iter().map(|&x| x as f64).collect(),
            Buf::I8(v) => v.iter().map(|&x| x as f64).collect(),
            Buf::F32(v) => v.iter().map(|&x| x as f64).collect(),
            Buf::I32(v) => v.iter().map(|&x| x as f64).collect(),
            Buf::I64(v) => v.iter().map(|&x| x as f64).collect(),
        }
    }

    /// The values as little-endian bytes, as TFLite stores them.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        match self {
            Buf::Empty => Vec::new(),
            Buf::U8(v) => v.clone(),
            Buf::I8(v) => v.iter().map(|&x| x as u8).collect(),
            Buf::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Buf::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Buf::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }

    /// Reads little-endian bytes of `element`; None when the length is not a whole number of values.
    pub fn from_le_bytes(element: Element, bytes: &[u8]) -> Option<Buf> {
        let size = element.size();
        if !bytes.len().is_multiple_of(size) {
            return None;
        }
        let words = |n: usize| bytes.chunks_exact(n);
        Some(match element {
            Element::U8 => Buf::U8(bytes.to_vec()),
            Element::I8 => Buf::I8(bytes.iter().map(|&b| b as i8).collect()),
            Element::F32 => Buf::F32(words(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()),
            Element::I32 => Buf::I32(words(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()),
            Element::I64 => Buf::I64(words(8).map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8]))).collect()),
        })
    }
}

/// The element type a tensor has at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    U8,
    I8,
    F32,
    I32,
    I64,
}

impl Element {
    /// Bytes per value.
    pub fn size(self) -> usize {
        match self {
            Element::U8 | Element::I8 => 1,
            Element::F32 | Element::I32 => 4,
            Element::I64 => 8,
        }
    }

    /// TFLite's name of the type ("uint8", "float32", …).
    pub fn name(self) -> &'static str {
        match self {
            Element::U8 => "uint8",
            Element::I8 => "int8",
            Element::F32 => "float32",
            Element::I32 => "int32",
            Element::I64 => "int64",
        }
    }

    pub fn is_quantized(self) -> bool {
        matches!(self, Element::U8 | Element::I8)
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
