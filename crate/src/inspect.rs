//! The model summary: what `delegate-doctor inspect` prints and what the page shows first.
//!
//! The JSON form is stable (documented in docs/json.md): fields are only ever added.

use std::cell::Cell;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::{type_name, Model, Operator, Subgraph, Tensor};
use crate::options;

pub const INSPECT_FORMAT: &str = "delegate-doctor.inspect/1";

#[derive(Debug, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub model: ModelSummary,
    pub subgraphs: Vec<SubgraphReport>,
}

#[derive(Debug, Serialize)]
pub struct ModelSummary {
    pub file_size: usize,
    pub schema_version: u32,
    pub description: Option<String>,
    pub subgraph_count: usize,
    pub operator_count: usize,
    pub tensor_count: usize,
    pub buffer_count: usize,
    pub uses_offset_buffers: bool,
    /// How many times each op occurs, across subgraphs; most frequent first.
    pub op_histogram: Vec<OpCount>,
    pub inputs: Vec<TensorRef>,
    pub outputs: Vec<TensorRef>,
    pub metadata: Vec<MetadataEntry>,
    pub signature_defs: Vec<SignatureEntry>,
}

#[derive(Debug, Serialize)]
pub struct OpCount {
    pub op: String,
    pub count: usize,
}

#[derive(Debug, Serialize)]
pub struct MetadataEntry {
    pub name: String,
    pub size: usize,
}

#[derive(Debug, Serialize)]
pub struct SignatureEntry {
    pub key: String,
    pub subgraph_index: u32,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TensorRef {
    pub index: i32,
    pub name: String,
    #[serde(rename = "type")]
    pub dtype: String,
    pub shape: Vec<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape_signature: Option<Vec<i32>>,
    #[serde(rename = "const")]
    pub is_const: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantization: Option<QuantRef>,
    /// The tensor's rank, given only when `shape` was cut (see `MAX_DIMS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuantRef {
    pub scale: Vec<f32>,
    pub zero_point: Vec<i64>,
    #[serde(skip_serializing_if = "is_zero")]
    pub quantized_dimension: i32,
}

fn is_zero(v: &i32) -> bool {
    *v == 0
}

#[derive(Debug, Serialize)]
pub struct SubgraphReport {
    pub index: usize,
    pub name: String,
    pub tensor_count: usize,
    pub inputs: Vec<TensorRef>,
    pub outputs: Vec<TensorRef>,
    pub operators: Vec<OperatorReport>,
}

#[derive(Debug, Serialize)]
pub struct OperatorReport {
    pub index: usize,
    pub op: String,
    pub builtin_code: i32,
    pub version: i32,
    pub inputs: Vec<Option<TensorRef>>,
    pub outputs: Vec<TensorRef>,
    pub options: Map<String, Value>,
}

pub fn tensor_ref(sg: &Subgraph, index: i32) -> Option<TensorRef> {
    sg.tensor(index).map(|t| describe_tensor(index, t, MAX_NAME, MAX_DIMS))
}

/// Every reference to a tensor repeats its name and shape, so without a bound a hostile file (one
/// tensor with a 64 KiB name read 20 000 times by one op: 146 kB) makes a report of gigabytes.
/// A reference gives at most `MAX_NAME` bytes of the name (then "…") and `MAX_DIMS` dimensions
/// (then `rank` gives the true rank). A report spends at most `Budget` on names and shapes in
/// full; past it, references give `SHORT_NAME` bytes and `SHORT_DIMS` dimensions. Real models
/// stay far below all of these (DeepLab: 71 ops, names of 86 bytes, rank 4).
pub const MAX_NAME: usize = 1024;
pub const MAX_DIMS: usize = 64;
const SHORT_NAME: usize = 16;
const SHORT_DIMS: usize = 8;

/// What full references may still cost in one report: JSON-escaped name bytes, 12 per dimension.
struct Budget {
    left: Cell<usize>,
}

impl Budget {
    fn new(file_size: usize) -> Budget {
        Budget { left: Cell::new((1 << 20) + 16 * file_size) }
    }

    fn tensor_ref(&self, sg: &Subgraph, index: i32) -> Option<TensorRef> {
        let t = sg.tensor(index)?;
        let full = self.left.get() > 0;
        let r = if full { describe_tensor(index, t, MAX_NAME, MAX_DIMS) } else { describe_tensor(index, t, SHORT_NAME, SHORT_DIMS) };
        let dims = r.shape.len() + r.shape_signature.as_ref().map_or(0, Vec::len);
        self.left.set(self.left.get().saturating_sub(json_len(&r.name) + 12 * dims));
        Some(r)
    }

    fn refs(&self, sg: &Subgraph, list: &[i32]) -> Vec<TensorRef> {
        list.iter().filter_map(|&t| self.tensor_ref(sg, t)).collect()
    }
}

/// The length of `s` in a JSON string (control characters take six bytes, quote and backslash two).
fn json_len(s: &str) -> usize {
    s.bytes().map(|b| if b < 0x20 { 6 } else if b == b'"' || b == b'\\' { 2 } else { 1 }).sum()
}

fn clip_name(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let mut end = max;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &name[..end])
}

fn clip_dims(dims: &[i32], max: usize) -> Vec<i32> {
    dims[..dims.len().min(max)].to_vec()
}

fn describe_tensor(index: i32, t: &Tensor, max_name: usize, max_dims: usize) -> TensorRef {
    TensorRef {
        index,
        name: clip_name(&t.name, max_name),
        dtype: type_name(t.dtype),
        shape: clip_dims(&t.shape, max_dims),
        shape_signature: t.shape_signature.as_ref().filter(|s| **s != t.shape).map(|s| clip_dims(s, max_dims)),
        rank: (t.shape.len() > max_dims).then_some(t.shape.len()),
        is_const: t.is_const(),
        quantization: t.quantization.as_ref().map(|q| QuantRef {
            scale: q.scale.iter().take(16).copied().collect(),
            zero_point: q.zero_point.iter().take(16).copied().collect(),
            quantized_dimension: q.quantized_dimension,
        }),
    }
}

fn describe_operator(b: &Budget, sg: &Subgraph, index: usize, op: &Operator) -> OperatorReport {
    OperatorReport {
        index,
        op: op.type_name(),
        builtin_code: op.code.0,
        version: op.version,
        inputs: op.inputs.iter().map(|&t| b.tensor_ref(sg, t)).collect(),
        outputs: b.refs(sg, &op.outputs),
        options: options::describe(&op.options),
    }
}

pub fn report(model: &Model<'_>) -> Report {
    let b = Budget::new(model.bytes.len());
    let summary = summary_within(model, &b);
    let subgraphs = model
        .subgraphs
        .iter()
        .enumerate()
        .map(|(i, sg)| SubgraphReport {
            index: i,
            name: sg.name.clone(),
            tensor_count: sg.tensors.len(),
            inputs: b.refs(sg, &sg.inputs),
            outputs: b.refs(sg, &sg.outputs),
            operators: sg.operators.iter().enumerate().map(|(oi, op)| describe_operator(&b, sg, oi, op)).collect(),
        })
        .collect();
    Report { format: INSPECT_FORMAT, model: summary, subgraphs }
}

/// The model-level summary alone (no per-op listing).
pub fn summary(model: &Model<'_>) -> ModelSummary {
    summary_within(model, &Budget::new(model.bytes.len()))
}

fn summary_within(model: &Model<'_>, b: &Budget) -> ModelSummary {
    let main = &model.subgraphs[0]; // ok: `model::read` refuses a model without subgraphs
    ModelSummary {
        file_size: model.bytes.len(),
        schema_version: model.version,
        description: model.description.clone(),
        subgraph_count: model.subgraphs.len(),
        operator_count: model.operator_count(),
        tensor_count: model.subgraphs.iter().map(|s| s.tensors.len()).sum(),
        buffer_count: model.buffer_count,
        uses_offset_buffers: model.uses_offset_buffers,
        op_histogram: histogram(model),
        inputs: b.refs(main, &main.inputs),
        outputs: b.refs(main, &main.outputs),
        metadata: model.metadata.iter().map(|m| MetadataEntry { name: m.name.clone(), size: m.size }).collect(),
        signature_defs: model
            .signature_defs
            .iter()
            .map(|s| SignatureEntry {
                key: s.key.clone(),
                subgraph_index: s.subgraph_index,
                inputs: s.inputs.iter().map(|t| t.name.clone()).collect(),
                outputs: s.outputs.iter().map(|t| t.name.clone()).collect(),
            })
            .collect(),
    }
}

/// Op counts, most frequent first (ties by name).
fn histogram(model: &Model<'_>) -> Vec<OpCount> {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for op in model.subgraphs.iter().flat_map(|s| s.operators.iter()) {
        *counts.entry(op.type_name()).or_default() += 1;
    }
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter().map(|(op, count)| OpCount { op, count }).collect()
}

/// "uint8[1,513,513,3]" — the way shapes and types are written in text output.
pub fn tensor_label(t: &TensorRef) -> String {
    let dims: Vec<String> = t.shape.iter().map(|d| d.to_string()).collect();
    format!("{}[{}]", t.dtype.to_lowercase(), dims.join(","))
}

/// Human-readable text form of the report.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    let m = &r.model;
    out += &format!(
        "TFLite model: {} bytes, schema version {}, {} subgraph(s), {} operators, {} tensors, {} buffers{}\n",
        m.file_size,
        m.schema_version,
        m.subgraph_count,
        m.operator_count,
        m.tensor_count,
        m.buffer_count,
        if m.uses_offset_buffers { " (data stored after the flatbuffer)" } else { "" }
    );
    if let Some(d) = &m.description {
        out += &format!("Description: {d:?}\n");
    }
    let io = |list: &[TensorRef]| list.iter().map(|t| format!("{:?} {}", t.name, tensor_label(t))).collect::<Vec<_>>().join(", ");
    out += &format!("Inputs: {}\nOutputs: {}\n", io(&m.inputs), io(&m.outputs));
    let hist: Vec<String> = m.op_histogram.iter().map(|c| format!("{}×{}", c.op, c.count)).collect();
    out += &format!("Ops: {}\n", hist.join(", "));
    for md in &m.metadata {
        out += &format!("Metadata: {:?} ({} bytes)\n", md.name, md.size);
    }
    for s in &m.signature_defs {
        out += &format!("Signature {:?}: inputs {:?} → outputs {:?}\n", s.key, s.inputs, s.outputs);
    }
    for sg in &r.subgraphs {
        out += &render_subgraph(sg);
    }
    out
}

fn render_subgraph(sg: &SubgraphReport) -> String {
    let mut out = format!("\nSubgraph {} {:?}: {} operators\n", sg.index, sg.name, sg.operators.len());
    for op in &sg.operators {
        // Constant inputs (weights, sizes) are left out, unless the op reads nothing else (e.g. a
        // DEQUANTIZE of fp16 weights), which would otherwise show no input at all.
        let present: Vec<&TensorRef> = op.inputs.iter().filter_map(|t| t.as_ref()).collect();
        let computed: Vec<&TensorRef> = present.iter().copied().filter(|t| !t.is_const).collect();
        let ins: Vec<String> = if computed.is_empty() {
            present.iter().map(|t| format!("const {}", tensor_label(t))).collect()
        } else {
            computed.into_iter().map(tensor_label).collect()
        };
        let outs: Vec<String> = op.outputs.iter().map(tensor_label).collect();
        let opts: Vec<String> = op
            .options
            .iter()
            .filter(|(k, _)| k.as_str() != "type")
            .map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_string)))
            .collect();
        out += &format!(
            "{:>4}  {:<24} v{}  {} → {}{}\n",
            op.index,
            op.op,
            op.version,
            ins.join(", "),
            outs.join(", "),
            if opts.is_empty() { String::new() } else { format!("  {}", opts.join(" ")) }
        );
    }
    out
}
