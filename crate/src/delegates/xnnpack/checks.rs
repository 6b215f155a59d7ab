//! The `Check…` helpers of `Subgraph` (xnnpack_delegate.cc 1887-3150), each returning the text
//! the source passes to `TF_LITE_MAYBE_KERNEL_LOG`. `%s: ` prefixes that print `__FUNCTION__`
//! keep the helper's C++ name, as the source prints it.

use super::XnnpackFlags;
use crate::model::{self, Quantization, Tensor, TensorType as T};

pub type Check = Result<(), String>;

/// `XNN_MAX_TENSOR_DIMS` of the XNNPACK the delegate is built with.
pub const MAX_DIMS: usize = 6;

/// `TfLiteTypeGetName`.
pub fn type_name(t: &Tensor) -> String {
    model::type_name(t.dtype)
}

/// `TfLiteQuantizationType` of a tensor: affine (1) when it has scales, else none (0)
/// (`InterpreterBuilder::ParseQuantization`).
fn quant_type(t: &Tensor) -> i32 {
    i32::from(t.quantization.is_some())
}

fn unsupported_type(helper: &str, t: &Tensor, ti: i32, node: usize) -> String {
    format!("{helper}: unsupported type {} in tensor #{ti} in node #{node}", type_name(t))
}

fn unsupported_quantization(t: &Tensor, ti: i32, node: usize) -> String {
    format!("unsupported quantization type {} in tensor #{ti} in node #{node}", quant_type(t))
}

/// Per-tensor affine quantization along dimension 0 with one scale (and, if `with_zero_point`,
/// one zero point): the condition every 8-bit helper checks.
fn per_tensor(t: &Tensor, with_zero_point: bool) -> bool {
    t.quantization.as_ref().is_some_and(|q| q.quantized_dimension == 0 && q.scale.len() == 1 && (!with_zero_point || q.zero_point.len() == 1))
}

/// `TfLiteTensor::params.scale` / `zero_point`: the per-tensor values, or 0 (per-channel / none).
pub fn legacy(t: &Tensor) -> (f32, i64) {
    t.quantization.as_ref().map_or((0.0, 0), |q| (q.legacy_scale(), q.legacy_zero_point()))
}

pub fn check_type(t: &Tensor, expected: T, ti: i32, node: usize) -> Check {
    if t.dtype == expected {
        Ok(())
    } else {
        Err(unsupported_type("CheckTensorType", t, ti, node))
    }
}

pub fn check_float32(t: &Tensor, ti: i32, node: usize) -> Check {
    check_type(t, T::FLOAT32, ti, node)
}

pub fn check_float(t: &Tensor, ti: i32, node: usize) -> Check {
    match t.dtype {
        T::FLOAT32 | T::FLOAT16 => Ok(()),
        _ => Err(unsupported_type("CheckTensorFloatType", t, ti, node)),
    }
}

/// The QS8 branch shared by several helpers: per-tensor int8.
fn qs8_per_tensor(t: &Tensor, ti: i32, node: usize) -> Check {
    if per_tensor(t, false) {
        Ok(())
    } else {
        Err(unsupported_quantization(t, ti, node))
    }
}

/// The QU8 branch: per-tensor uint8 with one zero point.
fn qu8_per_tensor(t: &Tensor, ti: i32, node: usize) -> Check {
    if per_tensor(t, true) {
        Ok(())
    } else {
        Err(unsupported_quantization(t, ti, node))
    }
}

pub fn check_float_or_qint8(f: &XnnpackFlags, t: &Tensor, ti: i32, node: usize) -> Check {
    match t.dtype {
        T::FLOAT32 | T::FLOAT16 => Ok(()),
        T::INT8 if f.qs8 => qs8_per_tensor(t, ti, node),
        _ => Err(unsupported_type("CheckTensorFloatOrQInt8Type", t, ti, node)),
    }
}

pub fn check_qint8_or_quint8(f: &XnnpackFlags, t: &Tensor, ti: i32, node: usize) -> Check {
    match t.dtype {
        T::INT8 if f.qs8 => qs8_per_tensor(t, ti, node),
        T::UINT8 if f.qu8 => qu8_per_tensor(t, ti, node),
        _ => Err(unsupported_type("CheckTensorQInt8OrQUInt8Type", t, ti, node)),
    }
}

pub fn check_float32_or_quint8(f: &XnnpackFlags, t: &Tensor, ti: i32, node: usize) -> Check {
    match t.dtype {
        T::FLOAT32 => Ok(()),
        T::INT8 if f.qs8 => qs8_per_tensor(t, ti, node),
        T::UINT8 if f.qu8 => qu8_per_tensor(t, ti, node),
        _ => Err(unsupported_type("CheckTensorFloat32OrQUInt8Type", t, ti, node)),
    }
}

/// `CheckTensorFloatOrQUInt8Type`: fp16 too, then as `CheckTensorFloat32OrQUInt8Type`
/// (whose name the message then prints).
pub fn check_float_or_quint8(f: &XnnpackFlags, t: &Tensor, ti: i32, node: usize) -> Check {
    match t.dtype {
        T::FLOAT16 => Ok(()),
        _ => check_float32_or_quint8(f, t, ti, node),
    }
}

/// `xnn_validate_quantized_tensor` (XNNPACK src/tensor.c): the zero point fits the type, the
/// scale is positive and normal.
fn valid_quantized(dtype: T, zero_point: i64, scale: f32) -> bool {
    let zp_ok = match dtype {
        T::INT8 => (-128..=127).contains(&zero_point),
        T::UINT8 => (0..=255).contains(&zero_point),
        T::INT32 => zero_point == 0,
        _ => true,
    };
    zp_ok && scale > 0.0 && scale.is_normal()
}

/// `xnn_validate_channelwise_quantized_tensor`: the channel dimension exists, each scale is
/// positive and normal, the zero point fits.
fn valid_channelwise(dtype: T, zero_point: i64, q: &Quantization, rank: usize) -> bool {
    let dim_ok = usize::try_from(q.quantized_dimension).is_ok_and(|d| d < rank);
    dim_ok && valid_quantized(dtype, zero_point, 1.0) && q.scale.iter().all(|s| *s > 0.0 && s.is_normal())
}

fn invalid_channelwise(ti: i32, node: usize) -> String {
    format!("Channelwise quantized tensor #{ti} in node #{node} has invalid quantization parameters")
}

fn invalid_quantized(ti: i32, node: usize) -> String {
    format!("Quantized tensor #{ti} in node #{node} has invalid quantization parameters")
}

/// `CheckTensorFloat32OrQCInt8Type` (2447-2555): fp32/fp16, per-tensor or per-channel int8
/// along `qdim`, per-tensor uint8, each validated as XNNPACK does.
pub fn check_float32_or_qcint8(f: &XnnpackFlags, t: &Tensor, qdim: i64, ti: i32, node: usize) -> Check {
    match (t.dtype, &t.quantization) {
        (T::FLOAT32 | T::FLOAT16, _) => Ok(()),
        (T::INT8, None) if f.qs8 => Err(unsupported_quantization(t, ti, node)),
        (T::INT8, Some(q)) if f.qs8 => {
            if q.scale.len() > 1 && i64::from(q.quantized_dimension) != qdim {
                return Err(format!("unsupported quantized dimension {} in tensor #{ti} in node #{node}", q.quantized_dimension));
            }
            let zp = q.zero_point.first().copied().unwrap_or(0);
            if q.scale.len() > 1 {
                if !valid_channelwise(T::INT8, zp, q, t.rank()) {
                    return Err(invalid_channelwise(ti, node));
                }
            } else if !valid_quantized(T::INT8, zp, q.scale[0]) {
                return Err(invalid_quantized(ti, node));
            }
            Ok(())
        }
        (T::UINT8, _) if f.qu8 => {
            qu8_per_tensor(t, ti, node)?;
            let (scale, zp) = legacy(t);
            if valid_quantized(T::UINT8, zp, scale) {
                Ok(())
            } else {
                Err(invalid_quantized(ti, node))
            }
        }
        _ => Err(unsupported_type("CheckTensorFloat32OrQCInt8Type", t, ti, node)),
    }
}

/// `CheckTensorFilterType` (2557-2671): fp32/fp16, int8/int4/int2 with affine quantization
/// (per-channel along `qdim`; int2 only per-channel), per-tensor uint8.
pub fn check_filter(f: &XnnpackFlags, t: &Tensor, qdim: i64, ti: i32, node: usize) -> Check {
    match t.dtype {
        T::FLOAT32 | T::FLOAT16 => Ok(()),
        T::INT8 | T::INT4 | T::INT2 if f.qs8 => {
            // A tensor without quantization hits the switch's default: logged, yet accepted.
            let Some(q) = &t.quantization else { return Ok(()) };
            if q.scale.len() > 1 && i64::from(q.quantized_dimension) != qdim {
                return Err(format!("unsupported quantized dimension {} in tensor #{ti} in node #{node}", q.quantized_dimension));
            }
            let channels = usize::try_from(q.quantized_dimension).ok().and_then(|d| t.shape.get(d)).map_or(-1, |&d| i64::from(d));
            if t.dtype == T::INT2 && q.scale.len() as i64 != channels {
                return Err(format!(
                    "2 bit weights must be per channel and not per tensor quantized in channel #{} in tensor #{ti} in node #{node}",
                    q.quantized_dimension
                ));
            }
            Ok(())
        }
        T::UINT8 if f.qu8 => qu8_per_tensor(t, ti, node),
        _ => Err(unsupported_type("CheckTensorFilterType", t, ti, node)),
    }
}

/// `CheckTensorFloat32OrFloat16OrQCInt32Type` (2712-2770): a bias.
pub fn check_bias(f: &XnnpackFlags, t: &Tensor, ti: i32, node: usize) -> Check {
    match t.dtype {
        T::FLOAT32 | T::FLOAT16 => Ok(()),
        T::INT32 if f.qs8 => {
            let Some(q) = t.quantization.as_ref().filter(|q| q.quantized_dimension == 0) else {
                return Err(unsupported_quantization(t, ti, node));
            };
            if q.scale.len() > 1 {
                if !valid_channelwise(T::INT32, 0, q, t.rank()) {
                    return Err(invalid_channelwise(ti, node));
                }
            } else if !valid_quantized(T::INT32, q.zero_point.first().copied().unwrap_or(0), q.scale[0]) {
                return Err(invalid_quantized(ti, node));
            }
            Ok(())
        }
        _ => Err(unsupported_type("CheckTensorFloat32OrFloat16OrQCInt32Type", t, ti, node)),
    }
}

pub fn check_int32(t: &Tensor, ti: i32, node: usize) -> Check {
    if t.dtype == T::INT32 {
        Ok(())
    } else {
        Err(unsupported_type("CheckTensorInt32Type", t, ti, node))
    }
}

pub fn check_int32_or_int64(t: &Tensor, ti: i32, node: usize) -> Check {
    match t.dtype {
        T::INT32 | T::INT64 => Ok(()),
        _ => Err(unsupported_type("CheckTensorInt32OrInt64Type", t, ti, node)),
    }
}

/// `CheckTensorShape` (2834-2884): the rank within [min, max], every dimension positive.
pub fn check_shape(t: &Tensor, min: usize, max: usize, ti: i32, op: &str, node: usize) -> Check {
    let rank = t.rank();
    if min == max && rank != min {
        return Err(format!("unsupported number of shape dimensions ({rank}) in tensor #{ti} in {op} node #{node}: {min} dimensions expected"));
    }
    if rank < min {
        return Err(format!("unsupported number of shape dimensions ({rank}) in tensor #{ti} in {op} node #{node}: at least {min} dimensions expected"));
    }
    if rank > max {
        return Err(format!("unsupported number of shape dimensions ({rank}) in tensor #{ti} in {op} node #{node}: at most {max} dimensions expected"));
    }
    if let Some((d, size)) = t.shape.iter().enumerate().find(|(_, s)| **s <= 0) {
        return Err(format!("invalid num of elements ({size}) in dimension #{d} in tensor #{ti} in {op} node #{node}"));
    }
    Ok(())
}

pub fn check_rank(t: &Tensor, rank: usize, ti: i32, op: &str, node: usize) -> Check {
    check_shape(t, rank, rank, ti, op, node)
}

/// `CheckPaddingsTensorShape` (2926-2959; the row and column messages print the rank, as the source does).
pub fn check_paddings_shape(t: &Tensor, rows: usize, ti: i32, node: usize) -> Check {
    let rank = t.rank();
    if rank != 2 {
        return Err(format!("unexpected number of shape dimensions ({rank}) in padding tensor #{ti} in node #{node}: expected a 2D tensor"));
    }
    if t.shape[0] as i64 != rows as i64 {
        return Err(format!("unexpected number of rows ({rank}) in padding tensor #{ti} in node #{node}: {rows} rows expected"));
    }
    if t.shape[1] != 2 {
        return Err(format!("unexpected number of columns ({rank}) in padding tensor #{ti} in node #{node}: 2 columns expected"));
    }
    Ok(())
}

/// `CheckAxesTensorShape` (2961-2974).
pub fn check_axes_shape(t: &Tensor, ti: i32, node: usize) -> Check {
    let rank = t.rank();
    if rank > 1 {
        return Err(format!("unexpected number of shape dimensions ({rank}) in axes tensor #{ti} in node #{node}: expected a 1D tensor"));
    }
    Ok(())
}

/// `CheckShapeTensorShape` (2976-3010).
pub fn check_shape_tensor_shape(t: &Tensor, squeeze: bool, ti: i32, op: &str, node: usize) -> Check {
    let rank = t.rank();
    if rank == 1 {
        return Ok(());
    }
    if !squeeze {
        return Err(format!("unexpected number of shape dimensions ({rank}) in shape tensor #{ti} in {op} node #{node}: expected a 1D tensor"));
    }
    for (d, &size) in t.shape.iter().enumerate().take(rank.saturating_sub(1)) {
        if size != 1 {
            return Err(format!(
                "unexpected non-unit ({size}) shape dimension #{d} in shape tensor #{ti} in {op} node #{node}: expected {} leading dimensions of the {rank}D tensor to be 1",
                rank - 1
            ));
        }
    }
    Ok(())
}

/// `CheckTensorStaticAllocation` (3012-3027): a constant (kTfLiteMmapRo with data).
pub fn check_static(t: &Tensor, ti: i32, op: &str, node: usize) -> Check {
    if t.is_const() {
        Ok(())
    } else {
        Err(format!("invalid allocation type in tensor #{ti} in {op} node #{node}: expected static read-only tensor"))
    }
}

/// The static check of a weight, skipped for a quasi-static tensor (an unpacked DEQUANTIZE/DENSIFY output).
pub fn check_static_or_quasi(t: &Tensor, ti: i32, quasi: bool, op: &str, node: usize) -> Check {
    if quasi {
        Ok(())
    } else {
        check_static(t, ti, op, node)
    }
}

/// `CheckTensorsDimensionMatch` (3045-3062).
pub fn check_dimension_match(a: &Tensor, b: &Tensor, d: usize, node: usize, op: &str) -> Check {
    let (x, y) = (a.shape.get(d).copied().unwrap_or(0), b.shape.get(d).copied().unwrap_or(0));
    if x != y {
        return Err(format!("mismatch in shape dimension {d} ({x} != {y}) in input and output tensors of {op} operator #{node}"));
    }
    Ok(())
}

/// `GetTensorScaleOrDefault` (3064-3087).
pub fn scale_or(t: &Tensor, default: f32) -> f32 {
    match t.dtype {
        T::INT8 | T::UINT8 => t.quantization.as_ref().filter(|q| q.quantized_dimension == 0 && q.scale.len() == 1).map_or(default, |q| q.scale[0]),
        _ => default,
    }
}

fn first_scale(t: &Tensor) -> f32 {
    t.quantization.as_ref().and_then(|q| q.scale.first().copied()).unwrap_or(0.0)
}

/// `CheckTensorsInputOutputScale` (3089-3115).
pub fn check_input_output_scale(input: &Tensor, output: &Tensor, min: f32, max: f32, op: &str, node: usize) -> Check {
    if input.dtype != output.dtype || !matches!(input.dtype, T::INT8 | T::UINT8) {
        return Ok(());
    }
    let ratio = first_scale(input) / first_scale(output);
    if ratio < min || ratio >= max {
        return Err(format!("unsupported input-to-output scale in {op} node #{node}"));
    }
    Ok(())
}

/// `CheckTensorsInputProductOutputScale` (3117-3150).
pub fn check_product_output_scale(a: &Tensor, b: &Tensor, output: &Tensor, min: f32, max: f32, op: &str, node: usize) -> Check {
    if a.dtype != b.dtype || a.dtype != output.dtype || !matches!(a.dtype, T::INT8 | T::UINT8) {
        return Ok(());
    }
    let ratio = first_scale(a) * first_scale(b) / first_scale(output);
    if ratio < min || ratio >= max {
        return Err(format!("unsupported input-product-to-output scale in {op}, node #{node}"));
    }
    Ok(())
}

/// `ConvertActivationToOutputRange` (1887-1928), with the `TfLiteFusedActivation` number.
pub fn check_activation(activation: i32, node: usize) -> Check {
    match activation {
        0..=3 => Ok(()),
        4 => Err(format!("unsupported fused activation (Tanh) in node #{node}")),
        5 => Err(format!("unsupported fused activation (Sign) in node #{node}")),
        6 => Err(format!("unsupported fused activation (Sigmoid) in node #{node}")),
        a => Err(format!("invalid fused activation ({a}) in node #{node}")),
    }
}

/// `CalculatePadding` (1786-1803), with the `TfLitePadding` number (0 unknown, 1 same, 2 valid).
pub fn check_padding(padding: i32, node: usize) -> Check {
    match padding {
        1 | 2 => Ok(()),
        p => Err(format!("invalid padding mode ({p}) in node #{node}")),
    }
}
