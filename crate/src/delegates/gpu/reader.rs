//! What the classic delegate's `ObjectReader` (tflite/delegates/gpu/common/object_reader.{h,cc})
//! and its helpers in model_builder_helper.{h,cc} refuse while `Parse()` builds the GPU graph:
//! reading a runtime tensor as a graph value (`ReadNonConstantTensor`) and a constant tensor's
//! data into a GPU tensor of some layout (`ReadTensor`).
//!
//! Where the source would read memory that is not there (the data of a tensor that is not a
//! constant, a tensor index of -1) its behaviour is undefined; we then return our own message,
//! marked as such, and never claim the delegate's wording for it.

use std::cell::OnceCell;

use super::{GpuContext, InputRemap};
use crate::model::{Operator, Tensor, TensorType};

/// A shape in the delegate's BHWC layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bhwc {
    pub b: i32,
    pub h: i32,
    pub w: i32,
    pub c: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Axis {
    Batch,
    Height,
    Width,
    Channels,
}

impl Bhwc {
    pub fn get(&self, a: Axis) -> i32 {
        match a {
            Axis::Batch => self.b,
            Axis::Height => self.h,
            Axis::Width => self.w,
            Axis::Channels => self.c,
        }
    }
    pub fn set(&mut self, a: Axis, v: i32) {
        match a {
            Axis::Batch => self.b = v,
            Axis::Height => self.h = v,
            Axis::Width => self.w = v,
            Axis::Channels => self.c = v,
        }
    }
}

/// Our message for a case where the delegate's behaviour is undefined.
pub(super) fn undefined(what: &str) -> String {
    format!("{what} (undefined behaviour in the delegate; Delegate Doctor's wording)")
}

/// `ExtractTensorShape` (model_builder_helper.cc:97-121): ranks 1..4 map to BHWC.
pub(super) fn extract_tensor_shape(dims: &[i32], name: &str) -> Result<Bhwc, String> {
    match *dims {
        [b] => Ok(Bhwc { b, h: 1, w: 1, c: 1 }),
        [b, c] => Ok(Bhwc { b, h: 1, w: 1, c }),
        [b, w, c] => Ok(Bhwc { b, h: 1, w, c }),
        [b, h, w, c] => Ok(Bhwc { b, h, w, c }),
        _ => Err(format!("Tensor \"{name}\" has bad input dims size: {}.", dims.len())),
    }
}

pub(super) fn tensor_shape(t: &Tensor) -> Result<Bhwc, String> {
    extract_tensor_shape(&t.shape, &t.name)
}

/// `ExtractAxisFromIndex` (model_builder_helper.cc:123-155).
pub(super) fn extract_axis_from_index(dims: &[i32], index: i32) -> Result<Axis, String> {
    let rank = dims.len() as i64;
    let index = if index < 0 { rank + index as i64 } else { index as i64 };
    if index < 0 || index >= rank {
        return Err("Index for axis out of range".into());
    }
    let layout: &[Axis] = match rank {
        1 => &[Axis::Batch],
        2 => &[Axis::Batch, Axis::Channels],
        3 => &[Axis::Batch, Axis::Width, Axis::Channels],
        4 => &[Axis::Batch, Axis::Height, Axis::Width, Axis::Channels],
        _ => return Err("Unknown layout.".into()),
    };
    Ok(layout[index as usize])
}

/// The GPU tensor layouts `ReadTensor` fills (`SetAllDimensions`, model_builder_helper.cc:288-378).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    Scalar,
    Linear,
    Hw,
    Hwc,
    Ohwi,
    Bhwc,
}

/// The element type of the GPU tensor `ReadTensor` fills: `float` uses the
/// `CreateVectorCopyData<float>` specialisation, the others the generic template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Elem {
    Float,
    Int32,
    Bool,
}

fn dims_x(dims: &[i32]) -> String {
    dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x")
}

/// `SetAllDimensions` for each layout: the shape it reads, as [v], [h,w], [h,w,c], [o,h,w,i] or
/// [b,h,w,c] (a scalar gives [1]).
pub(super) fn set_all_dimensions(dims: &[i32], layout: Layout) -> Result<Vec<i32>, String> {
    let text = dims_x(dims);
    match layout {
        Layout::Scalar => {
            if dims.iter().any(|&d| d != 1) {
                return Err(format!("{text}  cannot be reduced to scalar."));
            }
            Ok(vec![1])
        }
        Layout::Linear => {
            linear_convertible(dims)?;
            Ok(vec![dims[dims.len() - 1]])
        }
        Layout::Hwc => match *dims {
            [h, w, c] => Ok(vec![h, w, c]),
            [1, h, w, c] => Ok(vec![h, w, c]),
            [_, _, _, _] => Err("Batch size is not equal to 1.".into()),
            _ => Err(format!(
                "Expected a 3D tensor of shape HxWxC or a 4D tensor of shape 1xHxWxC but got {text}"
            )),
        },
        Layout::Hw => match *dims {
            [h, w] => Ok(vec![h, w]),
            _ => Err(format!("Expected a 2D tensor of shape HxW but got {text}")),
        },
        Layout::Ohwi if dims.len() == 4 => Ok(dims.to_vec()),
        Layout::Ohwi => Err(format!("Expected a 4D tensor of shape OxHxWxI but got {text}")),
        Layout::Bhwc if dims.len() == 4 => Ok(dims.to_vec()),
        Layout::Bhwc => Err(format!("Expected a 4D tensor of shape BxHxWxC but got {text}")),
    }
}

/// `CheckIfLinearConvertible` (model_builder_helper.cc:302-313).
pub(super) fn linear_convertible(dims: &[i32]) -> Result<(), String> {
    if dims.is_empty() {
        return Err("Dimension is empty.".into());
    }
    if dims[..dims.len() - 1].iter().any(|&d| d != 1) {
        return Err(format!("{}  cannot be reduced to linear.", dims_x(dims)));
    }
    Ok(())
}

fn num_elements(dims: &[i32]) -> i64 {
    dims.iter().map(|&d| d as i64).product()
}

/// `sizeof(T)` of the GPU tensor's element.
fn elem_size(e: Elem) -> usize {
    match e {
        Elem::Float | Elem::Int32 => 4,
        Elem::Bool => 1,
    }
}

/// `CreateVectorCopyData` (model_builder_helper.h:110-205 and .cc:259-282): which source types
/// it can copy into the GPU tensor's element type.
fn copy_data(t: &Tensor, elem: Elem) -> Result<(), String> {
    use TensorType as T;
    if elem == Elem::Float {
        return match t.dtype {
            T::FLOAT32 | T::FLOAT16 | T::INT8 | T::UINT8 | T::INT32 => Ok(()),
            _ => Err("Unsupported data type for float32 tensor".into()),
        };
    }
    let bytes = t.data.map_or(0, |d| d.len);
    let size = elem_size(elem);
    if !bytes.is_multiple_of(size) {
        return Err(format!("Input data size {bytes} is not aligned to expected type: {size}"));
    }
    if num_elements(&t.shape) * size as i64 == bytes as i64 {
        return Ok(()); // copied as raw bytes, whatever the type
    }
    let refused = match t.dtype {
        T::STRING => "string",
        T::COMPLEX64 => "complex64",
        T::FLOAT16 => "float16",
        T::BFLOAT16 => "bfloat16",
        T::COMPLEX128 => "complex128",
        T::RESOURCE => "resource",
        T::VARIANT => "variant",
        T::UINT4 => "uint4",
        T::INT4 => "int4",
        T::INT2 => "int2",
        T::FLOAT8_E4M3FN => "float8_e4m3fn",
        T::FLOAT8_E5M2 => "float8_e5m2",
        _ => return Ok(()),
    };
    Err(format!("src can't be {refused}."))
}

/// Which constants of the subgraph are sparse, read from the file once, when first needed
/// (reading verifies the whole flatbuffer; most nodes never ask).
pub(super) struct Sparsity<'r, 'm, 'a> {
    ctx: &'r GpuContext<'m, 'a>,
    flags: OnceCell<Vec<bool>>,
}

impl<'r, 'm, 'a> Sparsity<'r, 'm, 'a> {
    pub fn new(ctx: &'r GpuContext<'m, 'a>) -> Self {
        Sparsity { ctx, flags: OnceCell::new() }
    }

    pub fn is_sparse(&self, tensor: i32) -> bool {
        let flags = self.flags.get_or_init(|| self.ctx.sparse_flags());
        usize::try_from(tensor).ok().and_then(|i| flags.get(i)).copied().unwrap_or(false)
    }
}

/// The node being parsed, read the way `ObjectReader` reads it.
pub(super) struct Reader<'r, 'm, 'a> {
    pub ctx: &'r GpuContext<'m, 'a>,
    /// The node, its inputs rewired as the delegate rewired them (fp16 path).
    pub op: &'r Operator,
    /// A `quant_conversion_map` exists (quantized models allowed).
    pub quant: bool,
    pub sparsity: &'r Sparsity<'r, 'm, 'a>,
}

impl Reader<'_, '_, '_> {
    pub fn n_inputs(&self) -> usize {
        self.op.inputs.len()
    }

    pub fn n_outputs(&self) -> usize {
        self.op.outputs.len()
    }

    pub fn input_id(&self, i: usize) -> Option<i32> {
        self.op.inputs.get(i).copied()
    }

    /// `GetInputTensor`: `None` past the end (the source returns null) and for -1 (the source
    /// returns a pointer before the tensor array).
    pub fn input(&self, i: usize) -> Option<&Tensor> {
        self.ctx.tensor(self.input_id(i)?)
    }

    pub fn output(&self, i: usize) -> Option<&Tensor> {
        self.ctx.tensor(*self.op.outputs.get(i)?)
    }

    /// `GetInputTensor(i)` when the parser uses it without checking.
    pub fn input_or_undefined(&self, i: usize) -> Result<&Tensor, String> {
        self.input(i).ok_or_else(|| undefined(&format!("reads input {i}, which the node does not have")))
    }

    pub fn output_or_undefined(&self, i: usize) -> Result<&Tensor, String> {
        self.output(i).ok_or_else(|| undefined(&format!("reads output {i}, which the node does not have")))
    }

    pub fn is_const_input(&self, i: usize) -> bool {
        self.input(i).is_some_and(|t| t.is_const())
    }

    /// `GetNumberOfRuntimeInputsForNode` (model_builder_helper.cc:199-210): omitted (-1) inputs
    /// are not runtime inputs.
    pub fn runtime_inputs(&self) -> usize {
        (0..self.n_inputs()).filter(|&i| self.input(i).is_some_and(|t| !t.is_const())).count()
    }

    /// `CheckInputsConstsOutputs` (model_builder_helper.cc:237-249): here the constant count is
    /// every input that is not a runtime one, omitted inputs included.
    pub fn verify_inputs_consts_outputs(&self, runtime: usize, consts: usize, outputs: usize) -> Result<(), String> {
        let have_runtime = self.runtime_inputs();
        let have_consts = self.n_inputs() - have_runtime;
        if have_consts != consts {
            return Err(format!("Expected {consts} const input tensor(s), but node has {have_consts} const input(s)."));
        }
        if have_runtime != runtime {
            return Err(format!(
                "Expected {runtime} runtime input tensor(s), but node has {have_runtime} runtime input(s)."
            ));
        }
        if self.n_outputs() != outputs {
            return Err(format!("Expected {outputs} output tensor(s), but node has {} output(s).", self.n_outputs()));
        }
        Ok(())
    }

    /// `ReadValue` / `AddInput`: input `idx` as a graph value; its BHWC shape.
    pub fn add_input(&self, idx: usize) -> Result<Bhwc, String> {
        let Some(t) = self.input_id(idx) else {
            return Err(format!("ReadValue: input tensor index: {idx}"));
        };
        self.value_by_tensor(t)
    }

    /// `AddOutput` (object_reader.cc:150-161).
    pub fn add_output(&self, id: usize) -> Result<Bhwc, String> {
        let Some(&t) = self.op.outputs.get(id) else {
            return Err(format!(
                "Data id {id} must be less than tflite node outputs size {}",
                self.n_outputs()
            ));
        };
        self.value_by_tensor(t)
    }

    /// `AddOutputs`: every output in order; the first one's shape.
    pub fn add_outputs(&self) -> Result<Option<Bhwc>, String> {
        let mut first = None;
        for i in 0..self.n_outputs() {
            let shape = self.add_output(i)?;
            first.get_or_insert(shape);
        }
        Ok(first)
    }

    /// `ReadValueByTensorIdx` → `ReadNonConstantTensor`.
    pub fn value_by_tensor(&self, tensor: i32) -> Result<Bhwc, String> {
        read_non_constant_tensor(self.ctx, tensor, self.quant)
    }

    /// True when reading the tensor as a value gives it quantization parameters
    /// (`Value::quant_params`): an int8/uint8 tensor with a quant conversion map.
    pub fn has_quant_params(&self, tensor: i32) -> bool {
        self.quant
            && self.ctx.tensor(tensor).is_some_and(|t| matches!(t.dtype, TensorType::INT8 | TensorType::UINT8))
    }

    /// `ReadTensor(index, &tensor)` (object_reader.h:65-122) into a GPU tensor of `layout` and
    /// `elem`: the shape `SetAllDimensions` reads.
    pub fn read_tensor(&self, index: usize, layout: Layout, elem: Elem) -> Result<Vec<i32>, String> {
        let Some(id) = self.input_id(index) else { return Err("Invalid data index found.".into()) };
        if id < 0 {
            return Err("Invalid data index found. Possibly an unset optional tensor is being read.".into());
        }
        let Some(t) = self.ctx.tensor(id) else {
            return Err(undefined(&format!("reads tensor {id}, which does not exist")));
        };
        if !t.is_const() {
            return Err(undefined(&format!(
                "reads the data of input {index} (tensor {id}), which is not a constant and has no data yet"
            )));
        }
        if self.sparsity.is_sparse(id) {
            if !matches!(t.dtype, TensorType::FLOAT32 | TensorType::FLOAT16) {
                return Err("Unexpected data type in sparse tensor".into());
            }
        } else {
            copy_data(t, elem)?;
        }
        set_all_dimensions(&t.shape, layout)
    }

    /// The int32 values `ReadTensor` puts into an int32 GPU tensor (after `read_tensor`
    /// succeeded): the raw bytes when they are exactly 4 per element, else each value converted.
    pub fn const_i32s(&self, index: usize) -> Vec<i32> {
        let Some(t) = self.input(index) else { return Vec::new() };
        const_i32s(self.ctx, t)
    }

    /// `GetTensorData<int32_t>(tensor)[0]` / `tensor->data.i32[i]` of input `index`: its raw
    /// bytes read as int32, whatever its type.
    pub fn raw_i32s(&self, index: usize) -> Result<Vec<i32>, String> {
        let t = self.input_or_undefined(index)?;
        let Some(bytes) = self.ctx.model.data(t) else {
            return Err(undefined(&format!("reads the data of input {index}, which is not a constant")));
        };
        Ok(bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }
}

/// Values of a constant as `CreateVectorCopyData<int32_t>` converts them.
fn const_i32s(ctx: &GpuContext, t: &Tensor) -> Vec<i32> {
    use TensorType as T;
    let Some(bytes) = ctx.model.data(t) else { return Vec::new() };
    let n = num_elements(&t.shape).max(0) as usize;
    if n * 4 == bytes.len() {
        return bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    }
    let values: Vec<i64> = match t.dtype {
        T::INT64 | T::UINT64 => bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect(),
        T::UINT8 | T::BOOL => bytes.iter().map(|&b| b as i64).collect(),
        T::INT8 => bytes.iter().map(|&b| b as i8 as i64).collect(),
        T::INT16 => bytes.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as i64).collect(),
        T::UINT16 => bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]) as i64).collect(),
        T::FLOAT32 => {
            bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect()
        }
        T::FLOAT64 => bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as i64).collect(),
        _ => bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect(),
    };
    values.into_iter().take(n).map(|v| v as i32).collect()
}

/// `ObjectReader::ReadNonConstantTensor` (object_reader.cc:34-101): a runtime tensor as a graph
/// value. With a quant conversion map an int8/uint8 tensor becomes a new float tensor (no name)
/// with quantization parameters from the original.
pub(super) fn read_non_constant_tensor(ctx: &GpuContext, tensor: i32, quant: bool) -> Result<Bhwc, String> {
    let Some(t) = ctx.tensor(tensor) else {
        return Err(format!("ReadNonConstTensor: input tensor index: {}", tensor as u32));
    };
    if t.is_const() {
        return Err(format!("ReadNonConstantTensor: value is a constant tensor: {tensor}"));
    }
    if quant && matches!(t.dtype, TensorType::INT8 | TensorType::UINT8) {
        // CreateNewTensorWithDifferentType (tflite/delegates/utils.cc:36-60) leaves the new
        // tensor's name null, which ExtractTensorShape prints as "nullptr".
        let shape = extract_tensor_shape(&t.shape, "nullptr")?;
        populate_quant_params(t)?;
        return Ok(shape);
    }
    tensor_shape(t)
}

/// `PopulateQuantParams` (model_builder_helper.cc:163-197).
fn populate_quant_params(t: &Tensor) -> Result<(), String> {
    let Some(q) = &t.quantization else {
        return Err(format!("Tensor not quantized: {}", t.name));
    };
    if q.scale.len() > 1 {
        return Err(format!("Non-constant per-channel quantized tensor: {}", t.name));
    }
    Ok(())
}

/// Inputs of node `op` after the fp16 remap (the node the delegate parses): borrowed when the
/// remap rewires none of its inputs, which is every node of a model without fp16 weights (a copy
/// per node was a tenth of a classic GPU analysis).
pub(super) fn remapped<'o>(op: &'o Operator, remap: Option<&InputRemap>) -> std::borrow::Cow<'o, Operator> {
    match remap {
        Some(r) if op.inputs.iter().any(|t| r.contains_key(t)) => std::borrow::Cow::Owned(super::with_inputs_remapped(op, r)),
        _ => std::borrow::Cow::Borrowed(op),
    }
}
