//! The model summary: what `delegate-doctor inspect` prints and what the page shows first.
//!
//! The JSON form is stable (documented in docs/json.md): fields are only ever added.

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
    sg.tensor(index).map(|t| describe_tensor(index, t))
}

fn describe_tensor(index: i32, t: &Tensor) -> TensorRef {
    TensorRef {
        index,
        name: t.name.clone(),
        dtype: type_name(t.dtype),
        shape: t.shape.clone(),
        shape_signature: t.shape_signature.clone().filter(|s| *s != t.shape),
        is_const: t.is_const(),
        quantization: t.quantization.as_ref().map(|q| QuantRef {
            scale: q.scale.iter().take(16).copied().collect(),
            zero_point: q.zero_point.iter().take(16).copied().collect(),
            quantized_dimension: q.quantized_dimension,
        }),
    }
}

fn refs(sg: &Subgraph, list: &[i32]) -> Vec<TensorRef> {
    list.iter().filter_map(|&t| tensor_ref(sg, t)).collect()
}

fn describe_operator(sg: &Subgraph, index: usize, op: &Operator) -> OperatorReport {
    OperatorReport {
        index,
        op: op.type_name(),
        builtin_code: op.code.0,
        version: op.version,
        inputs: op.inputs.iter().map(|&t| tensor_ref(sg, t)).collect(),
        outputs: refs(sg, &op.outputs),
        options: options::describe(&op.options),
    }
}

pub fn report(model: &Model<'_>) -> Report {
    let subgraphs = model
        .subgraphs
        .iter()
        .enumerate()
        .map(|(i, sg)| SubgraphReport {
            index: i,
            name: sg.name.clone(),
            tensor_count: sg.tensors.len(),
            inputs: refs(sg, &sg.inputs),
            outputs: refs(sg, &sg.outputs),
            operators: sg.operators.iter().enumerate().map(|(oi, op)| describe_operator(sg, oi, op)).collect(),
        })
        .collect();
    Report { format: INSPECT_FORMAT, model: summary(model), subgraphs }
}

/// The model-level summary alone (no per-op listing).
pub fn summary(model: &Model<'_>) -> ModelSummary {
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
        inputs: refs(main, &main.inputs),
        outputs: refs(main, &main.outputs),
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
        let ins: Vec<String> = op
            .inputs
            .iter()
            .filter_map(|t| t.as_ref())
            .filter(|t| !t.is_const)
            .map(tensor_label)
            .collect();
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
