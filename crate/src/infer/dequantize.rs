//! DEQUANTIZE of constant float16 tensors (fp16-weight models such as MediaPipe's), evaluated once
//! when the model is compiled: IEEE half → single is exact, and it is what TFLite's DEQUANTIZE
//! kernel computes (tflite/kernels/dequantize.cc; XNNPACK converts such weights the same way when
//! it builds its graph). The dequantized values are appended after a copy of the model's bytes and
//! the float32 tensors point at them, so every kernel reads them as ordinary constants; the
//! DEQUANTIZE ops themselves then compile to no step.

use crate::half::f16_to_f32;
use crate::model::{BuiltinOperator as Op, DataRange, Model, Operator, Subgraph, TensorType};

/// Whether `op` is a DEQUANTIZE whose output is a constant (after `with_folded_fp16`).
pub fn is_folded(sg: &Subgraph, op: &Operator) -> bool {
    op.code == Op::DEQUANTIZE && op.output(0).and_then(|o| sg.tensors.get(o)).is_some_and(|t| t.is_const())
}

/// The float32 values of each foldable DEQUANTIZE of the main subgraph: (output tensor, bytes).
fn foldable(model: &Model) -> Vec<(usize, Vec<u8>)> {
    let Some(sg) = model.subgraphs.first() else { return Vec::new() };
    let mut list = Vec::new();
    for op in sg.operators.iter().filter(|op| op.code == Op::DEQUANTIZE) {
        let (Some(i), Some(o)) = (op.input(0), op.output(0)) else { continue };
        let (Some(src), Some(dst)) = (sg.tensors.get(i), sg.tensors.get(o)) else { continue };
        let Some(bytes) = model.data(src) else { continue };
        let same_size = src.shape == dst.shape && bytes.len() == 2 * dst.shape.iter().map(|&d| d.max(0) as usize).product::<usize>();
        if src.dtype != TensorType::FLOAT16 || dst.dtype != TensorType::FLOAT32 || dst.is_const() || !same_size {
            continue;
        }
        if sg.outputs.contains(&(o as i32)) {
            continue; // a graph output stays computed
        }
        let values = bytes.chunks_exact(2).flat_map(|h| f16_to_f32(u16::from_le_bytes([h[0], h[1]])).to_le_bytes()).collect();
        list.push((o, values));
    }
    list
}

/// Calls `f` on the model with its constant fp16 DEQUANTIZEs folded (or on the model itself when
/// it has none).
pub fn with_folded_fp16<R>(model: &Model, f: impl FnOnce(&Model) -> R) -> R {
    let folds = foldable(model);
    if folds.is_empty() {
        return f(model);
    }
    let mut bytes = model.bytes.to_vec();
    let mut subgraphs = model.subgraphs.clone();
    for (t, values) in folds {
        bytes.resize(bytes.len().next_multiple_of(4), 0);
        let range = DataRange { start: bytes.len(), len: values.len() };
        bytes.extend_from_slice(&values);
        subgraphs[0].tensors[t].data = Some(range);
    }
    let folded = Model { bytes: &bytes, subgraphs, ..model.clone() };
    f(&folded)
}
