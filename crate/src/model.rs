//! Reading a `.tflite` file: verify the flatbuffer, then build a light, owned view of the graph
//! (names, shapes, types, options) that borrows the file's bytes for constant data instead of
//! copying weight buffers.
//!
//! Follows `tflite/core/interpreter_builder.cc` for what makes a tensor constant and
//! `tflite/converter/schema/schema_utils.cc` for the effective builtin code.

use std::fmt;

use tflite_schema::tflite as fb;

pub use fb::{BuiltinOperator, BuiltinOptions2T, BuiltinOptionsT, TensorType};

/// Everything that can be wrong with a file we are asked to read. Each message says what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    Empty,
    TooSmall(usize),
    NotTflite { found: String },
    Flatbuffer(String),
    Structure(String),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Empty => write!(f, "the file is empty"),
            ModelError::TooSmall(n) => {
                write!(f, "the file is {n} bytes long, too short to be a TFLite model")
            }
            ModelError::NotTflite { found } => write!(
                f,
                "not a TFLite model: bytes 4..8 should hold the identifier \"TFL3\" but hold {found}"
            ),
            ModelError::Flatbuffer(m) => write!(f, "the TFLite flatbuffer is damaged: {m}"),
            ModelError::Structure(m) => write!(f, "the model is inconsistent: {m}"),
        }
    }
}

impl std::error::Error for ModelError {}

fn structure(msg: String) -> ModelError {
    ModelError::Structure(msg)
}

/// Where a constant tensor's bytes are in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataRange {
    pub start: usize,
    pub len: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quantization {
    pub scale: Vec<f32>,
    pub zero_point: Vec<i64>,
    pub quantized_dimension: i32,
}

impl Quantization {
    /// The per-tensor ("legacy") scale: the one scale when there is exactly one, else 0.
    pub fn legacy_scale(&self) -> f32 {
        if self.scale.len() == 1 {
            self.scale[0]
        } else {
            0.0
        }
    }
    pub fn legacy_zero_point(&self) -> i64 {
        if self.zero_point.len() == 1 {
            self.zero_point[0]
        } else {
            0
        }
    }
}

#[derive(Debug, Clone)]
pub struct Tensor {
    pub name: String,
    pub dtype: TensorType,
    pub shape: Vec<i32>,
    pub shape_signature: Option<Vec<i32>>,
    pub quantization: Option<Quantization>,
    pub buffer: u32,
    pub is_variable: bool,
    /// Location of read-only data in the file: present exactly when the interpreter would treat
    /// the tensor as a constant (`kTfLiteMmapRo`).
    pub data: Option<DataRange>,
    /// The tensor has sparsity parameters (`TfLiteTensor::sparsity` is set).
    pub sparse: bool,
}

impl Tensor {
    pub fn is_const(&self) -> bool {
        self.data.is_some()
    }
    pub fn rank(&self) -> usize {
        self.shape.len()
    }
    /// True when some dimension is unknown until run time (-1 in shape_signature).
    pub fn is_dynamic(&self) -> bool {
        self.shape_signature.as_ref().is_some_and(|s| s.iter().any(|&d| d < 0))
    }
}

#[derive(Debug, Clone)]
pub struct Operator {
    pub opcode_index: u32,
    pub code: BuiltinOperator,
    pub custom_code: Option<String>,
    pub version: i32,
    /// Tensor indices; -1 marks an omitted optional input.
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    pub intermediates: Vec<i32>,
    pub options: BuiltinOptionsT,
    pub options2: BuiltinOptions2T,
    /// Where the op's custom options are in the file: the `custom_options` vector (possibly
    /// empty), or the bytes after the flatbuffer that `large_custom_options_offset`/`_size` name
    /// (when the offset is above 1 and the range lies in the file), as InterpreterBuilder::ParseNodes
    /// (tflite/core/interpreter_builder.cc:373-391) passes them as `custom_initial_data`.
    pub custom_options: Option<DataRange>,
}

impl Operator {
    /// The name benchmark_model prints as `[node type]`: the builtin enum name, or the custom code.
    pub fn type_name(&self) -> String {
        if self.code == BuiltinOperator::CUSTOM {
            return self.custom_code.clone().unwrap_or_else(|| "CUSTOM".to_string());
        }
        op_name(self.code)
    }
    pub fn input(&self, i: usize) -> Option<usize> {
        self.inputs.get(i).and_then(|&t| usize::try_from(t).ok())
    }
    pub fn output(&self, i: usize) -> Option<usize> {
        self.outputs.get(i).and_then(|&t| usize::try_from(t).ok())
    }
}

/// `EnumNameBuiltinOperator`, or a readable placeholder for a code this schema does not know.
pub fn op_name(code: BuiltinOperator) -> String {
    match code.variant_name() {
        Some(n) => n.to_string(),
        None => format!("UNKNOWN_BUILTIN_{}", code.0),
    }
}

#[derive(Debug, Clone)]
pub struct Subgraph {
    pub name: String,
    pub tensors: Vec<Tensor>,
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    pub operators: Vec<Operator>,
}

impl Subgraph {
    pub fn tensor(&self, index: i32) -> Option<&Tensor> {
        usize::try_from(index).ok().and_then(|i| self.tensors.get(i))
    }
}

#[derive(Debug, Clone)]
pub struct Metadata {
    pub name: String,
    pub buffer: u32,
    pub size: usize,
    data: Option<DataRange>,
}

#[derive(Debug, Clone)]
pub struct SignatureTensor {
    pub name: String,
    pub tensor_index: u32,
}

#[derive(Debug, Clone)]
pub struct SignatureDef {
    pub key: String,
    pub subgraph_index: u32,
    pub inputs: Vec<SignatureTensor>,
    pub outputs: Vec<SignatureTensor>,
}

/// A verified model. Constant data stays in `bytes`; `Tensor::data` points into it.
#[derive(Debug, Clone)]
pub struct Model<'a> {
    pub bytes: &'a [u8],
    pub version: u32,
    pub description: Option<String>,
    pub subgraphs: Vec<Subgraph>,
    pub metadata: Vec<Metadata>,
    pub signature_defs: Vec<SignatureDef>,
    pub buffer_count: usize,
    /// True when some buffer keeps its data after the flatbuffer (offset/size, the >2 GB layout).
    pub uses_offset_buffers: bool,
}

impl<'a> Model<'a> {
    /// The bytes of a constant tensor.
    pub fn data(&self, t: &Tensor) -> Option<&'a [u8]> {
        t.data.map(|r| &self.bytes[r.start..r.start + r.len])
    }

    /// The custom options bytes of an op (`Operator::custom_options`).
    pub fn custom_options(&self, op: &Operator) -> Option<&'a [u8]> {
        let r = op.custom_options?;
        self.bytes.get(r.start..r.start.checked_add(r.len)?)
    }

    /// Constant integer values of an int32 or int64 tensor (little-endian), if it is constant.
    pub fn const_ints(&self, t: &Tensor) -> Option<Vec<i64>> {
        let d = self.data(t)?;
        match t.dtype {
            TensorType::INT32 => {
                Some(d.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect())
            }
            TensorType::INT64 => Some(
                d.chunks_exact(8)
                    .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The bytes of a metadata entry's buffer.
    pub fn metadata_bytes(&self, m: &Metadata) -> Option<&'a [u8]> {
        m.data.map(|r| &self.bytes[r.start..r.start + r.len])
    }

    pub fn operator_count(&self) -> usize {
        self.subgraphs.iter().map(|s| s.operators.len()).sum()
    }
}

/// Limits for the verifier that still accept models of several hundred MB (many tensors and ops).
pub fn verifier_options() -> flatbuffers::VerifierOptions {
    flatbuffers::VerifierOptions {
        max_depth: 128,
        max_tables: 1 << 26,
        // The flatbuffer part of a model is at most 2 GiB; data after it (offset buffers) is not walked.
        max_apparent_size: 1 << 31,
        ignore_missing_null_terminator: true,
    }
}

/// `verifier_options` for a file of `len` bytes. Flatbuffer tables and vectors may be shared
/// (many tensors pointing at one shape vector, many buffers at one data vector), so a small file
/// can describe far more data than it holds, and reading it would allocate all of it. The
/// verifier counts every byte it visits, shared ones each time; real models come to about 1.0–1.7
/// times their length, so more than 8 times is refused.
pub fn verifier_options_for(len: usize) -> flatbuffers::VerifierOptions {
    let mut o = verifier_options();
    o.max_apparent_size = o.max_apparent_size.min(len.saturating_mul(MAX_APPARENT_RATIO).saturating_add(1 << 16));
    o
}

/// How many times its own length a file may describe (see `verifier_options_for`).
pub const MAX_APPARENT_RATIO: usize = 8;

/// Read and check a model. Never panics on bad input; every problem becomes a `ModelError`.
pub fn read(bytes: &[u8]) -> Result<Model<'_>, ModelError> {
    check_header(bytes)?;
    let root =
        fb::root_as_model_with_opts(&verifier_options_for(bytes.len()), bytes).map_err(|e| flatbuffer_error(&e))?;
    build(bytes, root)
}

/// The verifier's complaint as one line: its message, then where ("while verifying …"), innermost
/// first. The verifier writes these as separate lines, which a one-line error must not contain.
pub fn flatbuffer_error(e: &flatbuffers::InvalidFlatbuffer) -> ModelError {
    const MAX_TRACE: usize = 6;
    if let flatbuffers::InvalidFlatbuffer::ApparentSizeTooLarge = e {
        return ModelError::Flatbuffer(format!(
            "its tables share data so much that reading it would take more than {MAX_APPARENT_RATIO} times the file's size (apparent size too large)"
        ));
    }
    let text = e.to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut parts: Vec<&str> = lines.by_ref().take(1 + MAX_TRACE).collect();
    if lines.next().is_some() {
        parts.push("…");
    }
    ModelError::Flatbuffer(parts.join("; "))
}

fn check_header(bytes: &[u8]) -> Result<(), ModelError> {
    if bytes.is_empty() {
        return Err(ModelError::Empty);
    }
    if bytes.len() < 8 {
        return Err(ModelError::TooSmall(bytes.len()));
    }
    if !fb::model_buffer_has_identifier(bytes) {
        return Err(ModelError::NotTflite { found: describe_identifier(bytes) });
    }
    Ok(())
}

/// What the first bytes say the file is, to make the error useful.
fn describe_identifier(bytes: &[u8]) -> String {
    let known = [
        (&b"\x89PNG"[..], "a PNG image"),
        (&b"PK\x03\x04"[..], "a ZIP archive"),
        (&b"\xff\xd8\xff"[..], "a JPEG image"),
        (&b"GIF8"[..], "a GIF image"),
        (&b"%PDF"[..], "a PDF document"),
    ];
    for (magic, what) in known {
        if bytes.starts_with(magic) {
            return format!("something else: the file looks like {what}");
        }
    }
    let id = &bytes[4..8];
    if id.iter().all(|b| b.is_ascii_graphic()) {
        format!("{:?}", String::from_utf8_lossy(id))
    } else {
        format!("the bytes {:02x} {:02x} {:02x} {:02x}", id[0], id[1], id[2], id[3])
    }
}

fn build<'a>(bytes: &'a [u8], root: fb::Model<'_>) -> Result<Model<'a>, ModelError> {
    let buffers = read_buffers(bytes, &root)?;
    let codes = read_operator_codes(&root);
    let fb_subgraphs = root.subgraphs().ok_or_else(|| structure("the model has no subgraphs".into()))?;
    if fb_subgraphs.is_empty() {
        return Err(structure("the model has no subgraphs".into()));
    }
    let mut subgraphs = Vec::with_capacity(fb_subgraphs.len());
    for (si, sg) in fb_subgraphs.iter().enumerate() {
        subgraphs.push(read_subgraph(bytes, si, sg, &codes, &buffers)?);
    }
    let metadata = read_metadata(&root, &buffers)?;
    let signature_defs = read_signature_defs(&root, &subgraphs)?;
    Ok(Model {
        bytes,
        version: root.version(),
        description: root.description().map(str::to_string),
        subgraphs,
        metadata,
        signature_defs,
        buffer_count: buffers.len(),
        uses_offset_buffers: buffers.iter().any(|b| b.by_offset),
    })
}

struct BufferInfo {
    data: Option<DataRange>,
    by_offset: bool,
}

/// Locates each buffer's data. Inline data is a slice of the flatbuffer; offset/size data must lie
/// within the file (`interpreter_builder.cc` treats `offset > 1` as "stored after the flatbuffer").
///
/// A buffer *has* data when its data vector is present, even empty, or when it points after the
/// flatbuffer, even with size 0: `InterpreterBuilder::ParseTensors` (`get_readonly_data`) then
/// hands a non-null pointer to `SetTensorParametersReadOnly`, which makes the tensor a constant
/// (`kTfLiteMmapRo`). Only an absent vector (and no offset) leaves the tensor read-write.
fn read_buffers(bytes: &[u8], root: &fb::Model<'_>) -> Result<Vec<BufferInfo>, ModelError> {
    let Some(list) = root.buffers() else { return Ok(Vec::new()) };
    let base = bytes.as_ptr() as usize;
    let mut out = Vec::with_capacity(list.len());
    for (i, b) in list.iter().enumerate() {
        if let Some(d) = b.data() {
            let start = d.bytes().as_ptr() as usize - base;
            out.push(BufferInfo { data: Some(DataRange { start, len: d.len() }), by_offset: false });
        } else if b.offset() > 1 {
            out.push(BufferInfo { data: offset_range(bytes.len(), i, b.offset(), b.size())?, by_offset: true });
        } else {
            out.push(BufferInfo { data: None, by_offset: false });
        }
    }
    Ok(out)
}

fn offset_range(file_len: usize, i: usize, offset: u64, size: u64) -> Result<Option<DataRange>, ModelError> {
    let end = offset.checked_add(size);
    match end {
        Some(end) if end <= file_len as u64 => Ok(Some(DataRange { start: offset as usize, len: size as usize })),
        _ => Err(structure(format!(
            "buffer {i} says its data is at bytes {offset}..{} but the file is {file_len} bytes long",
            offset as u128 + size as u128
        ))),
    }
}

struct Code {
    code: BuiltinOperator,
    custom: Option<String>,
    version: i32,
}

/// Effective builtin code = max(deprecated_builtin_code, builtin_code) (schema_utils.cc).
fn read_operator_codes(root: &fb::Model<'_>) -> Vec<Code> {
    let Some(list) = root.operator_codes() else { return Vec::new() };
    list.iter()
        .map(|c| Code {
            code: BuiltinOperator(c.builtin_code().0.max(c.deprecated_builtin_code() as i32)),
            custom: c.custom_code().map(str::to_string),
            version: c.version(),
        })
        .collect()
}

fn read_subgraph(
    bytes: &[u8],
    si: usize,
    sg: fb::SubGraph<'_>,
    codes: &[Code],
    buffers: &[BufferInfo],
) -> Result<Subgraph, ModelError> {
    let mut tensors = Vec::new();
    if let Some(list) = sg.tensors() {
        tensors.reserve(list.len());
        for (ti, t) in list.iter().enumerate() {
            tensors.push(read_tensor(si, ti, t, buffers)?);
        }
    }
    let n = tensors.len();
    let inputs: Vec<i32> = sg.inputs().map(|v| v.iter().collect()).unwrap_or_default();
    let outputs: Vec<i32> = sg.outputs().map(|v| v.iter().collect()).unwrap_or_default();
    check_io(si, "input", &inputs, n)?;
    check_io(si, "output", &outputs, n)?;
    let mut operators = Vec::new();
    if let Some(list) = sg.operators() {
        operators.reserve(list.len());
        for (oi, op) in list.iter().enumerate() {
            operators.push(read_operator(bytes, si, oi, op, codes, n)?);
        }
    }
    Ok(Subgraph { name: sg.name().unwrap_or("").to_string(), tensors, inputs, outputs, operators })
}

fn check_io(si: usize, what: &str, list: &[i32], n: usize) -> Result<(), ModelError> {
    for &t in list {
        if t < 0 || t as usize >= n {
            return Err(structure(format!(
                "subgraph {si} lists tensor {t} as an {what} but has {n} tensors"
            )));
        }
    }
    Ok(())
}

fn read_tensor(si: usize, ti: usize, t: fb::Tensor<'_>, buffers: &[BufferInfo]) -> Result<Tensor, ModelError> {
    let buffer = t.buffer();
    let data = if buffer == 0 {
        None
    } else {
        let b = buffers.get(buffer as usize).ok_or_else(|| {
            structure(format!(
                "tensor {ti} of subgraph {si} refers to buffer {buffer} but the model has {} buffers",
                buffers.len()
            ))
        })?;
        b.data
    };
    let shape: Vec<i32> = t.shape().map(|v| v.iter().collect()).unwrap_or_default();
    if let Some(d) = shape.iter().find(|&&d| d < 0) {
        return Err(structure(format!(
            "tensor {ti} of subgraph {si} has a negative dimension {d} in its shape {}",
            short_list(&shape)
        )));
    }
    if let Some(d) = data {
        check_constant(si, ti, &t, &shape, d.len)?;
    }
    Ok(Tensor {
        name: t.name().unwrap_or("").to_string(),
        dtype: t.type_(),
        shape,
        shape_signature: t.shape_signature().map(|v| v.iter().collect()),
        quantization: t.quantization().and_then(read_quantization),
        buffer,
        is_variable: t.is_variable(),
        data,
        sparse: t.sparsity().is_some(),
    })
}

/// What `InterpreterBuilder::ParseTensors` and `Subgraph::SetTensorParametersReadOnly`
/// (tflite/core/interpreter_builder.cc, tflite/core/subgraph.cc) refuse in a tensor with data: a
/// variable with a buffer, and data shorter than its shape needs (`BytesRequired`; strings,
/// resources, variants, sparse tensors and external buffers are not checked). The interpreter
/// cannot load such a model, so neither can we.
fn check_constant(si: usize, ti: usize, t: &fb::Tensor<'_>, shape: &[i32], len: usize) -> Result<(), ModelError> {
    if t.is_variable() {
        return Err(structure(format!(
            "tensor {ti} of subgraph {si} is a variable but has a buffer with data (the interpreter refuses this: \"Tensor {ti} is a variable tensor with buffer or external buffer. It's not supported now.\")"
        )));
    }
    if t.sparsity().is_some() || t.external_buffer() != 0 {
        return Ok(());
    }
    let Some(needed) = bytes_required(t.type_(), shape) else { return Ok(()) };
    if (len as u128) < needed {
        return Err(structure(format!(
            "tensor {ti} of subgraph {si} ({:?}) is a constant of {} bytes, but its shape {} of {} needs {needed} bytes (the interpreter refuses this: \"Tensor {ti} is invalidly specified in schema.\")",
            short_name(t.name().unwrap_or("")),
            len,
            short_list(shape),
            type_name(t.type_())
        )));
    }
    Ok(())
}

/// `tflite::BytesRequired` (tflite/util.cc, with `GetSizeOfType`): `None` for the types it does
/// not size (strings, resources, variants) and for types this schema does not know.
fn bytes_required(dtype: TensorType, shape: &[i32]) -> Option<u128> {
    use TensorType as T;
    let elements = shape.iter().fold(1u128, |n, &d| n.saturating_mul(d.max(0) as u128));
    let per_element: u128 = match dtype {
        T::FLOAT32 | T::INT32 | T::UINT32 => 4,
        T::UINT8 | T::INT8 | T::BOOL | T::INT4 | T::UINT4 | T::INT2 | T::FLOAT8_E4M3FN | T::FLOAT8_E5M2 => 1,
        T::INT64 | T::UINT64 | T::COMPLEX64 | T::FLOAT64 => 8,
        T::COMPLEX128 => 16,
        T::INT16 | T::UINT16 | T::FLOAT16 | T::BFLOAT16 => 2,
        _ => return None,
    };
    let bytes = elements.saturating_mul(per_element);
    Some(match dtype {
        T::INT4 | T::UINT4 => bytes.div_ceil(2),
        T::INT2 => bytes.div_ceil(4),
        _ => bytes,
    })
}

fn read_quantization(q: fb::QuantizationParameters<'_>) -> Option<Quantization> {
    let scale: Vec<f32> = q.scale().map(|v| v.iter().collect()).unwrap_or_default();
    if scale.is_empty() {
        return None;
    }
    Some(Quantization {
        scale,
        zero_point: q.zero_point().map(|v| v.iter().collect()).unwrap_or_default(),
        quantized_dimension: q.quantized_dimension(),
    })
}

fn read_operator(
    bytes: &[u8],
    si: usize,
    oi: usize,
    op: fb::Operator<'_>,
    codes: &[Code],
    tensor_count: usize,
) -> Result<Operator, ModelError> {
    let idx = op.opcode_index();
    let code = codes.get(idx as usize).ok_or_else(|| {
        structure(format!(
            "operator {oi} of subgraph {si} uses operator code {idx} but the model has {} operator codes",
            codes.len()
        ))
    })?;
    // Unpacking copies the index lists and the options tables (small), never tensor data.
    let t = op.unpack();
    let inputs = t.inputs.unwrap_or_default();
    let outputs = t.outputs.unwrap_or_default();
    let intermediates = t.intermediates.unwrap_or_default();
    for (what, list) in [("input", &inputs), ("output", &outputs), ("intermediate", &intermediates)] {
        for &ti in list.iter() {
            let omitted_ok = what == "input" && ti == -1;
            if !omitted_ok && (ti < 0 || ti as usize >= tensor_count) {
                return Err(structure(format!(
                    "operator {oi} of subgraph {si} refers to tensor {ti} as an {what} but the subgraph has {tensor_count} tensors"
                )));
            }
        }
    }
    Ok(Operator {
        opcode_index: idx,
        code: code.code,
        custom_code: code.custom.clone(),
        version: code.version,
        inputs,
        outputs,
        intermediates,
        options: t.builtin_options,
        options2: t.builtin_options_2,
        custom_options: custom_options_range(bytes, &op),
    })
}

/// `Operator::custom_options` of a verified operator of the model in `bytes`.
fn custom_options_range(bytes: &[u8], op: &fb::Operator<'_>) -> Option<DataRange> {
    if let Some(v) = op.custom_options() {
        // The vector is inside `bytes` (the flatbuffer was read from them).
        let start = (v.bytes().as_ptr() as usize).checked_sub(bytes.as_ptr() as usize)?;
        return (start + v.len() <= bytes.len()).then_some(DataRange { start, len: v.len() });
    }
    let (offset, size) = (op.large_custom_options_offset(), op.large_custom_options_size());
    if offset <= 1 {
        return None;
    }
    let start = usize::try_from(offset).ok()?;
    let len = usize::try_from(size).ok()?;
    (start.checked_add(len)? <= bytes.len()).then_some(DataRange { start, len })
}

fn read_metadata(root: &fb::Model<'_>, buffers: &[BufferInfo]) -> Result<Vec<Metadata>, ModelError> {
    let Some(list) = root.metadata() else { return Ok(Vec::new()) };
    let mut out = Vec::with_capacity(list.len());
    for (i, m) in list.iter().enumerate() {
        let buffer = m.buffer();
        let b = buffers.get(buffer as usize).ok_or_else(|| {
            structure(format!(
                "metadata entry {i} refers to buffer {buffer} but the model has {} buffers",
                buffers.len()
            ))
        })?;
        out.push(Metadata {
            name: m.name().unwrap_or("").to_string(),
            buffer,
            size: b.data.map_or(0, |d| d.len),
            data: b.data,
        });
    }
    Ok(out)
}

fn read_signature_defs(root: &fb::Model<'_>, subgraphs: &[Subgraph]) -> Result<Vec<SignatureDef>, ModelError> {
    let Some(list) = root.signature_defs() else { return Ok(Vec::new()) };
    let mut out = Vec::with_capacity(list.len());
    for (i, s) in list.iter().enumerate() {
        let sgi = s.subgraph_index();
        let sg = subgraphs.get(sgi as usize).ok_or_else(|| {
            structure(format!(
                "signature {i} refers to subgraph {sgi} but the model has {} subgraphs",
                subgraphs.len()
            ))
        })?;
        let read = |v: Option<flatbuffers::Vector<'_, flatbuffers::ForwardsUOffset<fb::TensorMap<'_>>>>| {
            v.map(|v| {
                v.iter()
                    .map(|m| SignatureTensor { name: m.name().unwrap_or("").to_string(), tensor_index: m.tensor_index() })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
        };
        let inputs = read(s.inputs());
        let outputs = read(s.outputs());
        for st in inputs.iter().chain(outputs.iter()) {
            if st.tensor_index as usize >= sg.tensors.len() {
                return Err(structure(format!(
                    "signature {i} maps {:?} to tensor {} but subgraph {sgi} has {} tensors",
                    short_name(&st.name),
                    st.tensor_index,
                    sg.tensors.len()
                )));
            }
        }
        out.push(SignatureDef {
            key: s.signature_key().unwrap_or("").to_string(),
            subgraph_index: sgi,
            inputs,
            outputs,
        });
    }
    Ok(out)
}

/// A list for an error message, which must stay one short line: at most 8 items.
fn short_list(v: &[i32]) -> String {
    if v.len() <= 8 {
        return format!("{v:?}");
    }
    let head: Vec<String> = v.iter().take(8).map(|d| d.to_string()).collect();
    format!("[{}, … ({} dimensions)]", head.join(", "), v.len())
}

/// A name from the file for an error message: at most 64 characters.
fn short_name(name: &str) -> String {
    match name.char_indices().nth(64) {
        Some((end, _)) => format!("{}…", &name[..end]),
        None => name.to_string(),
    }
}

/// Schema name of a tensor type, e.g. "FLOAT32".
pub fn type_name(t: TensorType) -> String {
    match t.variant_name() {
        Some(n) => n.to_string(),
        None => format!("UNKNOWN_TYPE_{}", t.0),
    }
}
