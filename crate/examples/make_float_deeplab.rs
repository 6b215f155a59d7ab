//! Turns a uint8 (per-tensor or per-channel quantized) DeepLab into a float32 model with the same
//! graph, for checking the engine's float kernels against the real interpreter:
//! `make_float_deeplab IN_QUANT.tflite OUT_FLOAT.tflite [--logits | --uint8-logits]`.
//!
//! * every UINT8 tensor becomes FLOAT32 without quantization; constant ones (weights) are
//!   dequantized, `(q − zero_point) · scale`, into new float32 buffers;
//! * int32 biases (input 2 of CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED) become `b · bias_scale`,
//!   with the bias tensor's own scale, or input scale × filter scale when it has none;
//! * ARG_MAX keeps its int32/int64 output; with `--logits` the final ARG_MAX is removed and its
//!   input becomes the graph output, so the float logits can be compared;
//! * `--uint8-logits` only removes the final ARG_MAX and keeps the model quantized, so that the
//!   uint8 logits of the default (XNNPACK) interpreter, which hides intermediate tensors, can be
//!   compared byte for byte.
//!
//! Unpacks with the generated object API, edits, and packs again with the "TFL3" identifier.
//! Models whose buffers live after the flatbuffer (offset/size) are refused.

use flatbuffers::FlatBufferBuilder;
use tflite_schema::tflite::{self as fb, BufferT, BuiltinOperator, ModelT, OperatorCodeT, QuantizationParametersT, TensorT, TensorType};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output, logits, float) = match args.as_slice() {
        [i, o] => (i, o, false, true),
        [i, o, flag] if flag == "--logits" => (i, o, true, true),
        [i, o, flag] if flag == "--uint8-logits" => (i, o, true, false),
        _ => return Err("usage: make_float_deeplab IN_QUANT.tflite OUT_FLOAT.tflite [--logits | --uint8-logits]".into()),
    };
    let bytes = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
    let model = fb::root_as_model(&bytes).map_err(|e| format!("{input}: not a .tflite model: {e}"))?;
    let mut m = model.unpack();
    let summary = floatify(&mut m, logits, float)?;
    let mut fbb = FlatBufferBuilder::with_capacity(bytes.len() * 4 + (1 << 16));
    let root = m.pack(&mut fbb);
    fbb.finish(root, Some("TFL3"));
    std::fs::write(output, fbb.finished_data()).map_err(|e| format!("{output}: {e}"))?;
    eprintln!("{output}: {summary}");
    Ok(())
}

fn op_code(code: &OperatorCodeT) -> BuiltinOperator {
    // Old models only fill the deprecated byte; new ones fill both (builtin_code ≥ the byte).
    BuiltinOperator(code.builtin_code.0.max(code.deprecated_builtin_code as i32))
}

/// One scale and zero point per slice along `dim` (a single pair for per-tensor quantization).
struct Quant {
    scales: Vec<f32>,
    zero_points: Vec<i64>,
    dim: usize,
}

fn quant_of(t: &TensorT) -> Option<Quant> {
    let q: &QuantizationParametersT = t.quantization.as_deref()?;
    let scales = q.scale.clone().filter(|s| !s.is_empty())?;
    let mut zero_points = q.zero_point.clone().unwrap_or_default();
    if zero_points.is_empty() {
        zero_points = vec![0; scales.len()];
    }
    if zero_points.len() != scales.len() {
        return None;
    }
    Some(Quant { scales, zero_points, dim: q.quantized_dimension.max(0) as usize })
}

impl Quant {
    /// (scale, zero point) of element `i` of a tensor of `shape` (row-major).
    fn at(&self, shape: &[i32], i: usize) -> (f32, i64) {
        if self.scales.len() == 1 {
            return (self.scales[0], self.zero_points[0]);
        }
        let inner: usize = shape.iter().skip(self.dim + 1).map(|&d| d.max(1) as usize).product();
        let c = (i / inner) % self.scales.len();
        (self.scales[c], self.zero_points[c])
    }
}

fn float_buffer(data: Vec<u8>) -> BufferT {
    let mut b = BufferT::default();
    b.data = Some(data);
    b
}

fn f32_bytes(values: impl Iterator<Item = f32>) -> Vec<u8> {
    values.flat_map(f32::to_le_bytes).collect()
}

fn floatify(m: &mut ModelT, logits: bool, float: bool) -> Result<String, String> {
    let codes: Vec<BuiltinOperator> = m.operator_codes.iter().flatten().map(op_code).collect();
    let buffers = m.buffers.get_or_insert_with(Vec::new);
    if buffers.iter().any(|b| b.offset > 1) {
        return Err("models with offset/size buffers are not supported".into());
    }
    let data_of = |buffers: &Vec<BufferT>, t: &TensorT| -> Option<Vec<u8>> {
        buffers.get(t.buffer as usize).and_then(|b| b.data.clone()).filter(|d| !d.is_empty())
    };
    let (mut weights, mut biases, mut activations) = (0, 0, 0);
    let mut removed = 0;
    for sg in m.subgraphs.iter_mut().flatten() {
        let tensors = sg.tensors.get_or_insert_with(Vec::new);
        let operators = sg.operators.get_or_insert_with(Vec::new);
        // Bias scales first, from the original (still quantized) input and filter.
        let mut bias_scale: Vec<Option<f32>> = vec![None; tensors.len()];
        for op in operators.iter() {
            let code = codes.get(op.opcode_index as usize).copied().unwrap_or(BuiltinOperator::CUSTOM);
            if !matches!(code, BuiltinOperator::CONV_2D | BuiltinOperator::DEPTHWISE_CONV_2D | BuiltinOperator::FULLY_CONNECTED) {
                continue;
            }
            let ins = op.inputs.as_deref().unwrap_or(&[]);
            let Some(&b) = ins.get(2).filter(|&&b| b >= 0) else { continue };
            let (x, f) = (&tensors[ins[0] as usize], &tensors[ins[1] as usize]);
            let product = match (quant_of(x), quant_of(f)) {
                (Some(qx), Some(qf)) if qf.scales.len() == 1 => Some(qx.scales[0] * qf.scales[0]),
                _ => None,
            };
            let own = quant_of(&tensors[b as usize]).map(|q| q.scales[0]).filter(|&s| s > 0.0);
            bias_scale[b as usize] = own.or(product);
        }
        for (i, t) in tensors.iter_mut().enumerate().filter(|_| float) {
            match t.type_ {
                TensorType::UINT8 => {
                    let shape = t.shape.clone().unwrap_or_default();
                    if let Some(data) = data_of(buffers, t) {
                        let q = quant_of(t).ok_or_else(|| format!("constant uint8 tensor {i} has no quantization"))?;
                        let values = data.iter().enumerate().map(|(k, &v)| {
                            let (s, z) = q.at(&shape, k);
                            (v as i64 - z) as f32 * s
                        });
                        buffers.push(float_buffer(f32_bytes(values)));
                        t.buffer = (buffers.len() - 1) as u32;
                        weights += 1;
                    } else {
                        activations += 1;
                    }
                    t.type_ = TensorType::FLOAT32;
                    t.quantization = None;
                }
                TensorType::INT32 if bias_scale[i].is_some() => {
                    let data = data_of(buffers, t).ok_or_else(|| format!("bias tensor {i} is not a constant"))?;
                    let q = quant_of(t);
                    let shape = t.shape.clone().unwrap_or_default();
                    let per_channel = q.as_ref().filter(|q| q.scales.len() > 1);
                    let scale = bias_scale[i].unwrap_or(1.0);
                    let values = data.chunks_exact(4).enumerate().map(|(k, b)| {
                        let v = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                        let s = per_channel.map_or(scale, |q| q.at(&shape, k).0);
                        v as f32 * s
                    });
                    buffers.push(float_buffer(f32_bytes(values)));
                    t.buffer = (buffers.len() - 1) as u32;
                    t.type_ = TensorType::FLOAT32;
                    t.quantization = None;
                    biases += 1;
                }
                _ => {}
            }
        }
        if logits {
            let outputs = sg.outputs.get_or_insert_with(Vec::new);
            while let Some(pos) = operators.iter().position(|op| {
                codes.get(op.opcode_index as usize) == Some(&BuiltinOperator::ARG_MAX)
                    && op.outputs.as_deref().is_some_and(|o| o.len() == 1 && outputs.contains(&o[0]))
            }) {
                let op = operators.remove(pos);
                let (input, out) = (op.inputs.as_deref().unwrap_or(&[])[0], op.outputs.as_deref().unwrap_or(&[])[0]);
                for o in outputs.iter_mut().filter(|o| **o == out) {
                    *o = input;
                }
                removed += 1;
            }
        }
    }
    // Drop the data of the uint8 / int32 buffers no tensor refers to any more.
    let mut used = vec![false; buffers.len()];
    for t in m.subgraphs.iter().flatten().flat_map(|sg| sg.tensors.iter().flatten()) {
        if let Some(u) = used.get_mut(t.buffer as usize) {
            *u = true;
        }
    }
    for (b, used) in buffers.iter_mut().zip(used) {
        if !used {
            b.data = None;
        }
    }
    if logits && removed == 0 {
        return Err("--logits: no ARG_MAX computes a graph output".into());
    }
    Ok(format!(
        "{weights} uint8 constants dequantized, {biases} int32 biases scaled, {activations} uint8 activations made float32{}",
        if logits { format!(", {removed} ARG_MAX removed") } else { String::new() }
    ))
}
