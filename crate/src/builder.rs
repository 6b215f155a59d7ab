//! A small builder for `.tflite` models, for tests and fixtures.
//!
//! Tensors are described by an owned [`TensorSpec`] (made with [`tensor`] or one of the `const_*`
//! functions, then refined with `.quant(..)`, `.per_channel(..)`, `.signature(..)`, `.variable()`),
//! added to the current subgraph with [`ModelBuilder::add`] or [`ModelBuilder::input`], and
//! referred to afterwards by their index (`i32`, as in the flatbuffer; [`OPTIONAL`] = -1 marks an
//! omitted optional input).
//!
//! ```
//! use delegate_doctor::builder::{const_i32, tensor, ModelBuilder};
//! use delegate_doctor::model::{BuiltinOperator, TensorType};
//! use delegate_doctor::opts;
//!
//! let mut b = ModelBuilder::new();
//! let x = b.input(tensor("x", TensorType::UINT8, &[1, 65, 65, 320]).quant(0.1, 128));
//! let size = b.add(const_i32("size", &[2], &[65, 65]));
//! let y = b.add(tensor("y", TensorType::UINT8, &[1, 130, 130, 320]).quant(0.1, 128));
//! b.op(BuiltinOperator::RESIZE_BILINEAR, &[x, size], &[y])
//!     .version(1)
//!     .options(opts!(ResizeBilinearOptions { align_corners: true }));
//! b.output(y);
//! let bytes: Vec<u8> = b.finish();
//! assert!(delegate_doctor::model::read(&bytes).is_ok());
//! ```
//!
//! Packing uses the generated object API (`ModelT` …) and `finish_model_buffer`, which writes the
//! "TFL3" identifier. Operator codes are deduplicated per (code, custom code, version) when the
//! model is finished and carry both `builtin_code` and `deprecated_builtin_code`
//! (= min(code, 127)), as the converter writes them. Buffer 0 is the usual empty buffer; every
//! constant tensor gets a buffer of its own.

use flatbuffers::FlatBufferBuilder;
use tflite_schema::tflite::{
    self as fb, BufferT, ModelT, OperatorCodeT, OperatorT, QuantizationParametersT, SubGraphT, TensorT,
};

use crate::model::{BuiltinOperator, BuiltinOptions2T, BuiltinOptionsT, TensorType};

/// The tensor index that marks an omitted optional input.
pub const OPTIONAL: i32 = -1;

/// `opts!(Pool2DOptions { filter_width: 65, filter_height: 65 })`: a `BuiltinOptionsT` whose
/// unnamed fields keep their schema defaults. (The generated option structs are
/// `#[non_exhaustive]`, so struct literals cannot be written outside their crate.)
#[macro_export]
macro_rules! opts {
    ($variant:ident { $($field:ident : $value:expr),* $(,)? }) => {{
        let mut options = $crate::model::BuiltinOptionsT::$variant(Default::default());
        if let $crate::model::BuiltinOptionsT::$variant(o) = &mut options {
            $(o.$field = $value;)*
            let _ = o;
        }
        options
    }};
}

/// Everything about one tensor, before it is added to a subgraph.
#[derive(Debug, Clone)]
pub struct TensorSpec {
    name: String,
    dtype: TensorType,
    shape: Vec<i32>,
    data: Option<Vec<u8>>,
    quantization: Option<QuantizationParametersT>,
    shape_signature: Option<Vec<i32>>,
    is_variable: bool,
}

/// A tensor without data (an activation, a graph input, a RESOURCE handle …).
pub fn tensor(name: &str, dtype: TensorType, shape: &[i32]) -> TensorSpec {
    TensorSpec {
        name: name.to_string(),
        dtype,
        shape: shape.to_vec(),
        data: None,
        quantization: None,
        shape_signature: None,
        is_variable: false,
    }
}

/// A constant tensor with raw little-endian bytes (any type: f16, bool, int16 …).
pub fn const_bytes(name: &str, dtype: TensorType, shape: &[i32], bytes: &[u8]) -> TensorSpec {
    tensor(name, dtype, shape).data(bytes.to_vec())
}

pub fn const_f32(name: &str, shape: &[i32], values: &[f32]) -> TensorSpec {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    const_bytes(name, TensorType::FLOAT32, shape, &bytes)
}

/// A float16 constant holding `values` rounded to half precision (the fp16-weight layout).
pub fn const_f16(name: &str, shape: &[i32], values: &[f32]) -> TensorSpec {
    let bytes: Vec<u8> = values.iter().flat_map(|&v| crate::half::f32_to_f16(v).to_le_bytes()).collect();
    const_bytes(name, TensorType::FLOAT16, shape, &bytes)
}

pub fn const_i32(name: &str, shape: &[i32], values: &[i32]) -> TensorSpec {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    const_bytes(name, TensorType::INT32, shape, &bytes)
}

pub fn const_i64(name: &str, shape: &[i32], values: &[i64]) -> TensorSpec {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    const_bytes(name, TensorType::INT64, shape, &bytes)
}

pub fn const_u8(name: &str, shape: &[i32], values: &[u8]) -> TensorSpec {
    const_bytes(name, TensorType::UINT8, shape, values)
}

pub fn const_i8(name: &str, shape: &[i32], values: &[i8]) -> TensorSpec {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    const_bytes(name, TensorType::INT8, shape, &bytes)
}

impl TensorSpec {
    /// Per-tensor affine quantization.
    pub fn quant(self, scale: f32, zero_point: i64) -> Self {
        self.per_channel(&[scale], &[zero_point], 0)
    }

    /// Affine quantization with one scale and zero point per slice along `dimension`.
    pub fn per_channel(mut self, scales: &[f32], zero_points: &[i64], dimension: i32) -> Self {
        let mut q = QuantizationParametersT::default();
        q.scale = Some(scales.to_vec());
        q.zero_point = Some(zero_points.to_vec());
        q.quantized_dimension = dimension;
        self.quantization = Some(q);
        self
    }

    /// The `shape_signature` field (-1 = unknown until run time).
    pub fn signature(mut self, signature: &[i32]) -> Self {
        self.shape_signature = Some(signature.to_vec());
        self
    }

    pub fn variable(mut self) -> Self {
        self.is_variable = true;
        self
    }

    /// Constant data (raw bytes); makes the tensor constant unless empty.
    pub fn data(mut self, bytes: Vec<u8>) -> Self {
        self.data = Some(bytes);
        self
    }
}

/// An operator waiting for its operator code, which is resolved in `finish`.
#[derive(Debug, Clone)]
struct PendingOp {
    code: BuiltinOperator,
    custom_code: Option<String>,
    version: i32,
    op: OperatorT,
}

#[derive(Debug, Clone, Default)]
struct PendingSubgraph {
    name: String,
    tensors: Vec<TensorT>,
    inputs: Vec<i32>,
    outputs: Vec<i32>,
    ops: Vec<PendingOp>,
}

/// Builds a model one subgraph at a time; see the module documentation.
#[derive(Debug, Clone)]
pub struct ModelBuilder {
    buffers: Vec<BufferT>,
    subgraphs: Vec<PendingSubgraph>,
    current: usize,
    description: Option<String>,
}

impl Default for ModelBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ModelBuilder {
    /// An empty model with one (current) subgraph and the empty buffer 0.
    pub fn new() -> Self {
        ModelBuilder {
            buffers: vec![BufferT::default()],
            subgraphs: vec![PendingSubgraph::default()],
            current: 0,
            description: None,
        }
    }

    pub fn description(&mut self, text: &str) -> &mut Self {
        self.description = Some(text.to_string());
        self
    }

    /// Starts a new subgraph (for control-flow bodies); later calls add to it. Returns its index.
    pub fn subgraph(&mut self, name: &str) -> usize {
        self.subgraphs.push(PendingSubgraph { name: name.to_string(), ..Default::default() });
        self.select(self.subgraphs.len() - 1);
        self.current
    }

    /// Makes an existing subgraph current again (an index out of range is ignored).
    pub fn select(&mut self, subgraph: usize) -> &mut Self {
        if subgraph < self.subgraphs.len() {
            self.current = subgraph;
        }
        self
    }

    /// Names the current subgraph.
    pub fn name(&mut self, name: &str) -> &mut Self {
        self.sg().name = name.to_string();
        self
    }

    fn sg(&mut self) -> &mut PendingSubgraph {
        // ok: `new` creates subgraph 0 and `subgraph`/`select` only make existing ones current.
        &mut self.subgraphs[self.current]
    }

    /// Adds a tensor to the current subgraph and returns its index.
    pub fn add(&mut self, spec: TensorSpec) -> i32 {
        let buffer = match spec.data {
            Some(bytes) => {
                let mut b = BufferT::default();
                b.data = Some(bytes);
                self.buffers.push(b);
                (self.buffers.len() - 1) as u32
            }
            None => 0,
        };
        let mut t = TensorT::default();
        t.name = Some(spec.name);
        t.type_ = spec.dtype;
        t.shape = Some(spec.shape);
        t.buffer = buffer;
        t.quantization = spec.quantization.map(Box::new);
        t.shape_signature = spec.shape_signature;
        t.is_variable = spec.is_variable;
        let sg = self.sg();
        sg.tensors.push(t);
        (sg.tensors.len() - 1) as i32
    }

    /// Adds a tensor and lists it as an input of the current subgraph.
    pub fn input(&mut self, spec: TensorSpec) -> i32 {
        let t = self.add(spec);
        self.sg().inputs.push(t);
        t
    }

    /// Lists a tensor as an output of the current subgraph.
    pub fn output(&mut self, t: i32) -> &mut Self {
        self.sg().outputs.push(t);
        self
    }

    /// Appends a builtin operator (version 1, no options) to the current subgraph.
    pub fn op(&mut self, code: BuiltinOperator, inputs: &[i32], outputs: &[i32]) -> OpBuilder<'_> {
        self.push_op(code, None, inputs, outputs)
    }

    /// Appends a custom operator with the given custom code.
    pub fn custom_op(&mut self, name: &str, inputs: &[i32], outputs: &[i32]) -> OpBuilder<'_> {
        self.push_op(BuiltinOperator::CUSTOM, Some(name.to_string()), inputs, outputs)
    }

    fn push_op(
        &mut self,
        code: BuiltinOperator,
        custom_code: Option<String>,
        inputs: &[i32],
        outputs: &[i32],
    ) -> OpBuilder<'_> {
        let mut op = OperatorT::default();
        op.inputs = Some(inputs.to_vec());
        op.outputs = Some(outputs.to_vec());
        let ops = &mut self.sg().ops;
        ops.push(PendingOp { code, custom_code, version: 1, op });
        let index = ops.len() - 1;
        OpBuilder { ops, index }
    }

    /// The model as generated object-API structures (operator codes resolved).
    pub fn model_t(&self) -> ModelT {
        let mut codes: Vec<OperatorCodeT> = Vec::new();
        let subgraphs = self.subgraphs.iter().map(|sg| subgraph_t(sg, &mut codes)).collect();
        let mut m = ModelT::default();
        m.version = 3;
        m.description = self.description.clone();
        m.operator_codes = Some(codes);
        m.subgraphs = Some(subgraphs);
        m.buffers = Some(self.buffers.clone());
        m
    }

    /// The finished `.tflite` bytes.
    pub fn finish(&self) -> Vec<u8> {
        pack(&self.model_t())
    }

    /// The finished bytes with every constant's data stored after the flatbuffer (offset/size
    /// buffers, the layout of models over 2 GB), each blob 16-byte aligned.
    pub fn finish_with_offset_buffers(&self) -> Vec<u8> {
        let mut m = self.model_t();
        let mut blobs = Vec::new();
        for buf in m.buffers.iter_mut().flatten() {
            if let Some(d) = buf.data.take() {
                buf.size = d.len() as u64;
                buf.offset = 2; // a placeholder of the same encoded size, replaced below
                blobs.push(d);
            }
        }
        let start = pack(&m).len().next_multiple_of(16);
        let mut at = start as u64;
        for buf in m.buffers.iter_mut().flatten().filter(|b| b.offset > 1) {
            buf.offset = at;
            at += buf.size.next_multiple_of(16);
        }
        let mut out = pack(&m);
        out.resize(start, 0);
        for d in blobs {
            out.extend_from_slice(&d);
            out.resize(out.len().next_multiple_of(16), 0);
        }
        out
    }
}

/// Serialises a model with the "TFL3" identifier.
pub fn pack(model: &ModelT) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::new();
    let root = model.pack(&mut fbb);
    fb::finish_model_buffer(&mut fbb, root);
    fbb.finished_data().to_vec()
}

fn subgraph_t(sg: &PendingSubgraph, codes: &mut Vec<OperatorCodeT>) -> SubGraphT {
    let operators = sg
        .ops
        .iter()
        .map(|p| {
            let mut op = p.op.clone();
            op.opcode_index = code_index(codes, p);
            op
        })
        .collect();
    let mut s = SubGraphT::default();
    s.name = Some(sg.name.clone());
    s.tensors = Some(sg.tensors.clone());
    s.inputs = Some(sg.inputs.clone());
    s.outputs = Some(sg.outputs.clone());
    s.operators = Some(operators);
    s
}

/// Index of the (code, custom code, version) entry, added on first use.
fn code_index(codes: &mut Vec<OperatorCodeT>, p: &PendingOp) -> u32 {
    let same = |c: &OperatorCodeT| {
        c.builtin_code == p.code && c.version == p.version && c.custom_code == p.custom_code
    };
    if let Some(i) = codes.iter().position(same) {
        return i as u32;
    }
    let mut c = OperatorCodeT::default();
    c.builtin_code = p.code;
    c.deprecated_builtin_code = p.code.0.clamp(0, 127) as i8;
    c.custom_code = p.custom_code.clone();
    c.version = p.version;
    codes.push(c);
    (codes.len() - 1) as u32
}

/// Refines the operator just added.
pub struct OpBuilder<'b> {
    ops: &'b mut Vec<PendingOp>,
    index: usize,
}

impl OpBuilder<'_> {
    fn pending(&mut self) -> Option<&mut PendingOp> {
        self.ops.get_mut(self.index)
    }

    /// The operator code's version (default 1).
    pub fn version(mut self, version: i32) -> Self {
        if let Some(p) = self.pending() {
            p.version = version;
        }
        self
    }

    pub fn options(mut self, options: BuiltinOptionsT) -> Self {
        if let Some(p) = self.pending() {
            p.op.builtin_options = options;
        }
        self
    }

    pub fn options2(mut self, options: BuiltinOptions2T) -> Self {
        if let Some(p) = self.pending() {
            p.op.builtin_options_2 = options;
        }
        self
    }

    pub fn intermediates(mut self, tensors: &[i32]) -> Self {
        if let Some(p) = self.pending() {
            p.op.intermediates = Some(tensors.to_vec());
        }
        self
    }

    /// Raw custom options (flexbuffer bytes for custom ops).
    pub fn custom_options(mut self, bytes: &[u8]) -> Self {
        if let Some(p) = self.pending() {
            p.op.custom_options = Some(bytes.to_vec());
        }
        self
    }
}

/// A large model for benchmarks and large-file tests: x[1,1024] → FULLY_CONNECTED × n (1024×1024
/// float weights, 4 MiB each, about `megabytes` in all) → ARG_MAX with an int64 output (so the
/// fixer has one thing to do), with the weights stored after the flatbuffer (offset/size buffers).
pub fn large_fc_model(megabytes: usize) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let mut x = b.input(tensor("x", TensorType::FLOAT32, &[1, 1024]));
    for i in 0..(megabytes / 4).max(1) {
        let w = b.add(const_f32(&format!("w{i}"), &[1024, 1024], &vec![(i % 7) as f32 * 0.001; 1024 * 1024]));
        let y = b.add(tensor(&format!("fc{i}"), TensorType::FLOAT32, &[1, 1024]));
        b.op(BuiltinOperator::FULLY_CONNECTED, &[x, w, OPTIONAL], &[y]);
        x = y;
    }
    let axis = b.add(const_i32("axis", &[1], &[1]));
    let out = b.add(tensor("argmax", TensorType::INT64, &[1]));
    b.op(BuiltinOperator::ARG_MAX, &[x, axis], &[out])
        .options(crate::opts!(ArgMaxOptions { output_type: TensorType::INT64 }));
    b.output(out);
    b.finish_with_offset_buffers()
}
