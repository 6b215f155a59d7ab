//! CONV_2D without a bias input, refused at every level ("Conv2D with omitted bias not supported",
//! nnapi_delegate.cc).
//!
//! Changes: a zero bias of the type the kernel expects — float32 for float convolutions, int32 with
//! scale input_scale·filter_scale (per output channel when the filter is per-channel) and zero
//! point 0 for 8-bit ones. Why it is exact: adding zero changes nothing.

use tflite_schema::tflite::QuantizationParametersT;

use super::{Change, Ctx, Exactness, Delegate};
use crate::model::{BuiltinOperator as B, TensorType};
use crate::surgery::Draft;

pub const ID: &str = "conv-zero-bias";

/// The most output channels a zero bias is written for when the filter is not constant.
const MAX_CHANNELS: usize = 1 << 16;

pub fn cures(d: Delegate, reason: &str) -> bool {
    d == Delegate::Nnapi && (reason == "Conv2D with omitted bias not supported")
}

#[derive(Debug, Clone)]
pub struct Plan {
    op: usize,
    dtype: TensorType,
    channels: i32,
    scales: Option<Vec<f32>>,
    quantized_dimension: i32,
}

pub fn plan(c: &Ctx<'_, '_>, i: usize) -> Result<Plan, String> {
    let op = &c.sg.operators[i];
    if op.code != B::CONV_2D {
        return Err("not a CONV_2D".into());
    }
    if op.inputs.len() >= 3 && op.inputs[2] >= 0 {
        return Err("the convolution has a bias".into());
    }
    let input = op.input(0).and_then(|t| c.sg.tensors.get(t)).ok_or("no input")?;
    let filter = op.input(1).and_then(|t| c.sg.tensors.get(t)).ok_or("no filter")?;
    let channels = *filter.shape.first().ok_or("the filter has no shape")?;
    if channels < 1 {
        return Err("the filter has no output channels".into());
    }
    // The bias is allocated from this count: believe it only as far as the filter's own data goes
    // (a constant filter holds at least one byte per output channel).
    let limit = c.model.data(filter).map_or(MAX_CHANNELS, |d| d.len().min(MAX_CHANNELS));
    if channels as usize > limit {
        return Err(format!("the filter claims {channels} output channels; a zero bias is written for at most {limit}"));
    }
    match input.dtype {
        TensorType::FLOAT32 => Ok(Plan { op: i, dtype: TensorType::FLOAT32, channels, scales: None, quantized_dimension: 0 }),
        TensorType::UINT8 | TensorType::INT8 => {
            let iq = input.quantization.as_ref().ok_or("the input has no quantization")?;
            let fq = filter.quantization.as_ref().ok_or("the filter has no quantization")?;
            let s = iq.legacy_scale();
            let scales: Vec<f32> = fq.scale.iter().map(|f| f * s).collect();
            Ok(Plan { op: i, dtype: TensorType::INT32, channels, scales: Some(scales), quantized_dimension: 0 })
        }
        other => Err(format!("no zero bias is written for {other:?} inputs")),
    }
}

pub fn apply(d: &mut Draft<'_>, p: &Plan) -> Change {
    let out = d.operators()[p.op].outputs.clone().unwrap_or_default();
    let name = out.first().and_then(|&t| d.tensor(t)).and_then(|t| t.name.clone()).unwrap_or_default();
    let quant = p.scales.as_ref().map(|s| {
        let mut q = QuantizationParametersT::default();
        q.scale = Some(s.clone());
        q.zero_point = Some(vec![0; s.len()]);
        q.quantized_dimension = p.quantized_dimension;
        q
    });
    let bias = d.add_const(&format!("{name}/zero_bias"), p.dtype, &[p.channels], vec![0; 4 * p.channels.max(0) as usize], quant);
    let inputs = d.operators()[p.op].inputs.get_or_insert_with(Vec::new);
    inputs.truncate(2);
    inputs.push(bias);
    Change::new(ID, p.op, "CONV_2D", format!("omitted bias → zero {} bias", if p.dtype == TensorType::INT32 { "int32" } else { "float32" }), Exactness::Exact, out)
}
