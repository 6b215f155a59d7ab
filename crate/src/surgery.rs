//! Editing a model: a `Draft` holds every table of the file as owned, mutable values (the flatc
//! object API) except the weights, which stay in the original bytes and are copied exactly once,
//! verbatim, when the draft is written. Buffers stored after the flatbuffer (offset/size, the
//! >2 GB layout) are moved as one block and their offsets updated.
//!
//! Every field the current schema knows survives (the object API is generated from it); nothing is
//! changed that a fix did not change.

use flatbuffers::{FlatBufferBuilder, Push, PushAlignment, WIPOffset};
use tflite_schema::tflite::{
    self as fb, BufferT, ModelT, OperatorCodeT, OperatorT, QuantizationParametersT, SubGraphT, TensorT,
};

use crate::model::{BuiltinOperator, BuiltinOptionsT, ModelError, TensorType};

/// What one flatbuffer can hold, less room for the tables.
const MAX_FLATBUFFER: u64 = (1 << 31) - (1 << 24);

/// Where a buffer's bytes come from when the draft is written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// No data (buffer 0, tensors computed at run time).
    Empty,
    /// Inline data of the original file, bytes `start..start+len`.
    Inline { start: usize, len: usize },
    /// Data after the original flatbuffer (offset/size).
    Tail { offset: u64, size: u64 },
    /// Data added by a fix.
    New(Vec<u8>),
}

/// An editable model. Subgraph 0 is the one fixes work on.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    original: &'a [u8],
    pub model: ModelT,
    sources: Vec<Source>,
}

fn unpack_list<'a, T, U>(v: Option<flatbuffers::Vector<'a, flatbuffers::ForwardsUOffset<T>>>, f: impl Fn(T) -> U) -> Option<Vec<U>>
where
    T: flatbuffers::Follow<'a, Inner = T> + 'a,
{
    v.map(|v| v.iter().map(f).collect())
}

impl<'a> Draft<'a> {
    /// Opens a verified model for editing (the caller has run `model::read` on the same bytes).
    pub fn open(bytes: &'a [u8]) -> Result<Draft<'a>, ModelError> {
        let root = fb::root_as_model_with_opts(&crate::model::verifier_options_for(bytes.len()), bytes)
            .map_err(|e| crate::model::flatbuffer_error(&e))?;
        let mut m = ModelT::default();
        m.version = root.version();
        m.operator_codes = unpack_list(root.operator_codes(), |c| c.unpack());
        m.subgraphs = unpack_list(root.subgraphs(), |s| s.unpack());
        m.description = root.description().map(str::to_string);
        m.metadata_buffer = root.metadata_buffer().map(|v| v.iter().collect());
        m.metadata = unpack_list(root.metadata(), |x| x.unpack());
        m.signature_defs = unpack_list(root.signature_defs(), |x| x.unpack());
        m.external_buffer_groups = unpack_list(root.external_buffer_groups(), |x| x.unpack());
        m.external_buffers = unpack_list(root.external_buffers(), |x| x.unpack());
        let base = bytes.as_ptr() as usize;
        let mut sources = Vec::new();
        let mut buffers = Vec::new();
        for b in root.buffers().iter().flat_map(|v| v.iter()) {
            let source = match b.data() {
                Some(d) => Source::Inline { start: d.bytes().as_ptr() as usize - base, len: d.len() },
                None if b.offset() > 1 => Source::Tail { offset: b.offset(), size: b.size() },
                None => Source::Empty,
            };
            let mut t = BufferT::default();
            t.offset = b.offset();
            t.size = b.size();
            buffers.push(t);
            sources.push(source);
        }
        m.buffers = root.buffers().map(|_| buffers);
        Ok(Draft { original: bytes, model: m, sources })
    }

    pub fn subgraph(&mut self, index: usize) -> Option<&mut SubGraphT> {
        self.model.subgraphs.as_mut()?.get_mut(index)
    }

    fn main(&mut self) -> &mut SubGraphT {
        let subgraphs = self.model.subgraphs.get_or_insert_with(Vec::new);
        if subgraphs.is_empty() {
            subgraphs.push(SubGraphT::default());
        }
        &mut subgraphs[0] // ok: made non-empty just above
    }

    pub fn tensors(&mut self) -> &mut Vec<TensorT> {
        self.main().tensors.get_or_insert_with(Vec::new)
    }

    pub fn operators(&mut self) -> &mut Vec<OperatorT> {
        self.main().operators.get_or_insert_with(Vec::new)
    }

    pub fn tensor(&mut self, index: i32) -> Option<&mut TensorT> {
        usize::try_from(index).ok().and_then(|i| self.tensors().get_mut(i))
    }

    /// Adds a buffer with new data; returns its index.
    fn add_buffer(&mut self, data: Vec<u8>) -> u32 {
        let buffers = self.model.buffers.get_or_insert_with(Vec::new);
        if buffers.is_empty() {
            buffers.push(BufferT::default());
            self.sources.push(Source::Empty);
        }
        buffers.push(BufferT::default());
        self.sources.push(Source::New(data));
        (buffers.len() - 1) as u32
    }

    /// Adds a tensor to subgraph 0; returns its index.
    pub fn add_tensor(&mut self, t: TensorT) -> i32 {
        let tensors = self.tensors();
        tensors.push(t);
        (tensors.len() - 1) as i32
    }

    /// Adds a constant int32 tensor.
    pub fn add_const_i32(&mut self, name: &str, shape: &[i32], values: &[i32]) -> i32 {
        let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.add_const(name, TensorType::INT32, shape, data, None)
    }

    pub fn add_const(
        &mut self,
        name: &str,
        dtype: TensorType,
        shape: &[i32],
        data: Vec<u8>,
        quantization: Option<QuantizationParametersT>,
    ) -> i32 {
        let buffer = self.add_buffer(data);
        let mut t = TensorT::default();
        t.name = Some(name.to_string());
        t.type_ = dtype;
        t.shape = Some(shape.to_vec());
        t.buffer = buffer;
        t.quantization = quantization.map(Box::new);
        self.add_tensor(t)
    }

    /// Gives tensor `index` of subgraph 0 a new buffer holding `data`, making it a constant.
    pub fn set_data(&mut self, index: i32, data: Vec<u8>) {
        let buffer = self.add_buffer(data);
        if let Some(t) = self.tensor(index) {
            t.buffer = buffer;
        }
    }

    /// Writes buffer `index` without data from now on (for a buffer no tensor uses any more; the
    /// buffer stays, so no index changes).
    pub fn clear_buffer(&mut self, index: u32) {
        let i = index as usize;
        if i == 0 || i >= self.sources.len() {
            return;
        }
        self.sources[i] = Source::Empty;
        if let Some(b) = self.model.buffers.as_mut().and_then(|b| b.get_mut(i)) {
            b.offset = 0;
            b.size = 0;
        }
    }

    /// The builtin operator of an operator-code index (as `model::read` resolves it).
    pub fn builtin_code(&self, opcode_index: u32) -> Option<BuiltinOperator> {
        let c = self.model.operator_codes.as_ref()?.get(opcode_index as usize)?;
        Some(BuiltinOperator(c.builtin_code.0.max(c.deprecated_builtin_code as i32)))
    }

    /// The version of an operator-code index (1 when the index is out of range).
    pub fn opcode_version(&self, opcode_index: u32) -> i32 {
        self.model.operator_codes.as_ref().and_then(|c| c.get(opcode_index as usize)).map_or(1, |c| c.version)
    }

    /// A new activation tensor like `like` (type, quantization) with another shape and name.
    pub fn add_tensor_like(&mut self, like: i32, name: &str, shape: &[i32]) -> i32 {
        let mut t = self.tensor(like).cloned().unwrap_or_default();
        t.name = Some(name.to_string());
        t.shape = Some(shape.to_vec());
        t.shape_signature = None;
        t.buffer = 0;
        t.is_variable = false;
        self.add_tensor(t)
    }

    /// The operator-code index for (code, version), adding it when new. Both code fields are
    /// written, as the converter does, so that old runtimes read codes below 127.
    pub fn opcode(&mut self, code: BuiltinOperator, version: i32) -> u32 {
        let codes = self.model.operator_codes.get_or_insert_with(Vec::new);
        let effective = |c: &OperatorCodeT| BuiltinOperator(c.builtin_code.0.max(c.deprecated_builtin_code as i32));
        if let Some(i) = codes.iter().position(|c| effective(c) == code && c.version == version && c.custom_code.is_none()) {
            return i as u32;
        }
        let mut c = OperatorCodeT::default();
        c.builtin_code = code;
        c.deprecated_builtin_code = code.0.clamp(0, 127) as i8;
        c.version = version;
        codes.push(c);
        (codes.len() - 1) as u32
    }

    /// Inserts an operator at `position` of subgraph 0's execution order.
    pub fn insert_op(&mut self, position: usize, code: BuiltinOperator, version: i32, inputs: Vec<i32>, outputs: Vec<i32>, options: BuiltinOptionsT) {
        let opcode_index = self.opcode(code, version);
        let mut op = OperatorT::default();
        op.opcode_index = opcode_index;
        op.inputs = Some(inputs);
        op.outputs = Some(outputs);
        op.builtin_options = options;
        let ops = self.operators();
        let at = position.min(ops.len());
        ops.insert(at, op);
    }

    /// Indices of the operators of subgraph 0 that read `tensor`.
    pub fn consumers(&mut self, tensor: i32) -> Vec<usize> {
        self.operators()
            .iter()
            .enumerate()
            .filter(|(_, op)| op.inputs.as_ref().is_some_and(|i| i.contains(&tensor)))
            .map(|(i, _)| i)
            .collect()
    }

    pub fn is_graph_output(&mut self, tensor: i32) -> bool {
        self.main().outputs.as_ref().is_some_and(|o| o.contains(&tensor))
    }

    /// Writes the draft as a `.tflite` file.
    pub fn write(&self) -> Result<Vec<u8>, ModelError> {
        self.check_sizes()?;
        let tail = self.tail_span();
        // Offsets after the flatbuffer depend on its length, which does not depend on their values
        // (u64 fields are written whole whenever non-zero): pack once with a non-zero placeholder to
        // learn the length, then again with the real offsets.
        const PLACEHOLDER: u64 = 1 << 40;
        let first = self.pack(tail.as_ref().map(|_| PLACEHOLDER))?;
        let Some((tail_start, tail_end)) = tail else { return Ok(first) };
        let new_start = first.len().next_multiple_of(16);
        let second = self.pack(Some(new_start as u64))?;
        if second.len() != first.len() {
            return Err(ModelError::Structure("internal: the flatbuffer changed size while relocating offset buffers".into()));
        }
        let mut out = second;
        out.resize(new_start, 0);
        // ok: check_sizes() found the span inside the original file.
        out.extend_from_slice(&self.original[tail_start as usize..tail_end as usize]);
        Ok(out)
    }

    /// Refuses what cannot be written faithfully, before anything is allocated for it: offset/size
    /// data outside the original file (`Draft::open` does not check it; `model::read` does),
    /// buffers whose inline data overlap (flatbuffer vectors may share bytes, so a small file can
    /// name gigabytes of "data": writing would copy each share), and more data than one flatbuffer
    /// can hold (the builder panics past 2 GiB).
    pub fn check_sizes(&self) -> Result<(), ModelError> {
        let file = self.original.len() as u64;
        if let Some((start, end)) = self.tail_span() {
            if start > end || end > file {
                return Err(ModelError::Structure(format!(
                    "offset buffers say their data is at bytes {start}..{end} but the file is {file} bytes long"
                )));
            }
        }
        let inline: u64 = self.sources.iter().map(|s| if let Source::Inline { len, .. } = s { *len as u64 } else { 0 }).sum();
        if inline > file {
            return Err(ModelError::Structure(format!(
                "the buffers overlap: they hold {inline} bytes of data in a file of {file} bytes, so the model cannot be rewritten"
            )));
        }
        let total: u64 = self.sources.iter().map(|s| source_len(s) as u64).sum();
        if total > MAX_FLATBUFFER {
            return Err(ModelError::Structure(format!(
                "the rewritten model would hold {total} bytes of buffer data inside the flatbuffer, more than its 2 GiB limit"
            )));
        }
        Ok(())
    }

    /// The region of the original file holding offset/size buffers, if any.
    fn tail_span(&self) -> Option<(u64, u64)> {
        let spans = self.sources.iter().filter_map(|s| match s {
            Source::Tail { offset, size } => Some((*offset, offset.saturating_add(*size))),
            _ => None,
        });
        spans.fold(None, |acc, (a, b)| match acc {
            None => Some((a, b)),
            Some((x, y)) => Some((x.min(a), y.max(b))),
        })
    }

    /// Packs the model; `tail_at` is where the original tail block will start in the new file.
    fn pack(&self, tail_at: Option<u64>) -> Result<Vec<u8>, ModelError> {
        let capacity = self.sources.iter().map(source_len).sum::<usize>() + (1 << 16);
        let mut fbb = FlatBufferBuilder::with_capacity(capacity.min(1 << 31));
        let tail_start = self.tail_span().map_or(0, |(a, _)| a);
        let mut packed = Vec::with_capacity(self.sources.len());
        let empty = Vec::new();
        let buffers = self.model.buffers.as_ref().unwrap_or(&empty);
        for (b, s) in buffers.iter().zip(&self.sources) {
            let data = match s {
                Source::Inline { start, len } => Some(aligned_bytes(&mut fbb, &self.original[*start..*start + *len])),
                Source::New(d) => Some(aligned_bytes(&mut fbb, d)),
                _ => None,
            };
            let (offset, size) = match (s, tail_at) {
                (Source::Tail { offset, size }, Some(at)) => (at + (offset - tail_start), *size),
                _ => (b.offset, b.size),
            };
            packed.push(fb::Buffer::create(&mut fbb, &fb::BufferArgs { data, offset, size }));
        }
        let buffers = self.model.buffers.as_ref().map(|_| fbb.create_vector(&packed));
        let root = pack_model(&mut fbb, &self.model, buffers);
        fb::finish_model_buffer(&mut fbb, root);
        Ok(fbb.finished_data().to_vec())
    }
}

fn source_len(s: &Source) -> usize {
    match s {
        Source::Inline { len, .. } => *len + 16,
        Source::New(d) => d.len() + 16,
        _ => 0,
    }
}

/// A byte with the 16-byte alignment the schema asks for buffer data (`force_align: 16`).
#[repr(transparent)]
#[derive(Clone, Copy)]
struct Align16Byte(u8);

impl Push for Align16Byte {
    type Output = u8;
    #[inline]
    unsafe fn push(&self, dst: &mut [u8], _written_len: usize) {
        dst[0] = self.0;
    }
    #[inline]
    fn size() -> usize {
        1
    }
    #[inline]
    fn alignment() -> PushAlignment {
        PushAlignment::new(16)
    }
}

fn aligned_bytes<'b>(fbb: &mut FlatBufferBuilder<'b>, data: &[u8]) -> WIPOffset<flatbuffers::Vector<'b, u8>> {
    // ok: Align16Byte is repr(transparent) over u8, so the slice has the same layout.
    let items: &[Align16Byte] = unsafe { std::slice::from_raw_parts(data.as_ptr().cast(), data.len()) };
    fbb.create_vector(items)
}

/// `ModelT::pack` with the buffers already written.
fn pack_model<'b>(
    fbb: &mut FlatBufferBuilder<'b>,
    m: &ModelT,
    buffers: Option<WIPOffset<flatbuffers::Vector<'b, flatbuffers::ForwardsUOffset<fb::Buffer<'b>>>>>,
) -> WIPOffset<fb::Model<'b>> {
    macro_rules! tables {
        ($field:expr) => {
            $field.as_ref().map(|x| {
                let w: Vec<_> = x.iter().map(|t| t.pack(fbb)).collect();
                fbb.create_vector(&w)
            })
        };
    }
    let operator_codes = tables!(m.operator_codes);
    let subgraphs = tables!(m.subgraphs);
    let description = m.description.as_ref().map(|d| fbb.create_string(d));
    let metadata_buffer = m.metadata_buffer.as_ref().map(|v| fbb.create_vector(v));
    let metadata = tables!(m.metadata);
    let signature_defs = tables!(m.signature_defs);
    let external_buffer_groups = tables!(m.external_buffer_groups);
    let external_buffers = tables!(m.external_buffers);
    fb::Model::create(
        fbb,
        &fb::ModelArgs {
            version: m.version,
            operator_codes,
            subgraphs,
            description,
            buffers,
            metadata_buffer,
            metadata,
            signature_defs,
            external_buffer_groups,
            external_buffers,
        },
    )
}
