//! Compiling the float32 ops of the MediaPipe segmenters: HARD_SWISH, LOGISTIC, MUL,
//! TRANSPOSE_CONV with a bias, and MediaPipe's custom `Convolution2DTransposeBias`.

use tflite_schema::tflite as fb;

use super::elementwise::{FloatMul, Unary};
use super::program::{activation, activation_input, const_data, floats, image_shape, no_kernel_for, out_tensor, same_type, tensor, Element, Kernel, Res};
use super::quant::Activation;
use super::transpose_conv::{TransposeConv, Window};
use crate::fixes::transpose_conv_bias::{is_custom_transpose_conv, parse_params, CUSTOM_CODE};
use crate::model::{BuiltinOptionsT as O, Model, Operator, Subgraph};

/// HARD_SWISH, LOGISTIC on float32 (XNNPACK runs them in float32 on the default path).
pub fn unary(sg: &Subgraph, op: &Operator, f: Unary) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    if elem != Element::F32 {
        return Err(no_kernel_for(elem));
    }
    if xt.shape != out.shape {
        return Err(format!("input {:?} and output {:?} shapes differ", xt.shape, out.shape));
    }
    Ok((Kernel::FloatUnary(f), vec![x]))
}

/// MUL of float32 tensors of the same shape, or of a tensor by a per-channel vector
/// ([…, c] × [1, …, 1, c], broadcast as TFLite's BroadcastMul4DSlow does).
pub fn mul(sg: &Subgraph, op: &Operator) -> Res<(Kernel, Vec<usize>)> {
    let act = match &op.options {
        O::MulOptions(o) => activation(o.fused_activation_function)?,
        _ => Activation::None,
    };
    let (a, at, elem) = activation_input(sg, op, 0)?;
    let (b, bt, belem) = activation_input(sg, op, 1)?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    if elem != Element::F32 || belem != Element::F32 {
        return Err(no_kernel_for(if elem == Element::F32 { belem } else { elem }));
    }
    let channel_vector = |big: &[i32], small: &[i32]| {
        small.len() == big.len() && small.last() == big.last() && small[..small.len() - 1].iter().all(|&d| d == 1)
    };
    let (first, second, per_channel) = if at.shape == bt.shape {
        (a, b, None)
    } else if channel_vector(&at.shape, &bt.shape) {
        (a, b, Some(*at.shape.last().unwrap_or(&1) as usize))
    } else if channel_vector(&bt.shape, &at.shape) {
        (b, a, Some(*bt.shape.last().unwrap_or(&1) as usize))
    } else {
        return Err(format!("shapes {:?} × {:?}: only equal shapes or a per-channel vector are supported", at.shape, bt.shape));
    };
    let big = if per_channel.is_some() && first == b { bt } else { at };
    if big.shape != out.shape || per_channel == Some(0) {
        return Err(format!("the output shape {:?} is not the input's {:?}", out.shape, big.shape));
    }
    Ok((Kernel::FloatMul(FloatMul { per_channel, activation: act }), vec![first, second]))
}

/// Builtin TRANSPOSE_CONV (inputs: output shape, weights, data, optional bias).
pub fn transpose_conv(model: &Model, sg: &Subgraph, op: &Operator, o: &fb::TransposeConvOptionsT) -> Res<(Kernel, Vec<usize>)> {
    let (_, shape_t) = tensor(sg, op, 0)?;
    let out = out_tensor(sg, op)?;
    match model.const_ints(shape_t) {
        Some(s) if s.iter().map(|&d| d as i32).eq(out.shape.iter().copied()) => {}
        Some(s) => return Err(format!("the output shape operand {s:?} is not the output's {:?}", out.shape)),
        None => return Err("the output shape must be a constant".into()),
    }
    let stride = |v: i32| usize::try_from(v).ok().filter(|&v| (1..=4096).contains(&v)).ok_or(format!("stride {v} is not in 1..=4096"));
    let (sh, sw) = (stride(o.stride_h)?, stride(o.stride_w)?);
    let act = activation(o.fused_activation_function)?;
    build(model, sg, op, [2, 1, 3], (sh, sw, o.padding == fb::Padding::SAME), act)
}

/// MediaPipe's custom Convolution2DTransposeBias (inputs: data, weights, bias; the window in its
/// custom options, read as XNNPACK reads them).
pub fn custom(model: &Model, sg: &Subgraph, op: &Operator) -> Res<(Kernel, Vec<usize>)> {
    if !is_custom_transpose_conv(op) {
        return Err(format!("custom operator \"{}\" is not implemented by the in-page engine", op.custom_code.as_deref().unwrap_or("")));
    }
    let p = parse_params(model.custom_options(op).unwrap_or_default()).map_err(|e| format!("{CUSTOM_CODE}: {e}"))?;
    let window = (p.stride_h as usize, p.stride_w as usize, p.padding == fb::Padding::SAME);
    build(model, sg, op, [0, 1, 2], window, Activation::None)
}

/// The kernel of either form: `slots` are the input indices of (data, weights, bias);
/// `window` is (stride h, stride w, SAME).
fn build(model: &Model, sg: &Subgraph, op: &Operator, slots: [usize; 3], window: (usize, usize, bool), act: Activation) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, elem) = activation_input(sg, op, slots[0])?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    if elem != Element::F32 {
        return Err(no_kernel_for(elem));
    }
    let (input, output) = (image_shape(xt)?, image_shape(out)?);
    let (_, wt) = tensor(sg, op, slots[1])?;
    let (kh, kw) = match wt.shape.as_slice() {
        [o, h, w, i] if *o as usize == output.c && *i as usize == input.c && *h > 0 && *w > 0 => (*h as usize, *w as usize),
        s => return Err(format!("weights shape {s:?} does not fit input {input:?} and output {output:?}")),
    };
    let weights = floats(const_data(model, wt, "weights")?);
    let bias = match op.input(slots[2]) {
        Some(_) => floats(const_data(model, tensor(sg, op, slots[2])?.1, "bias")?),
        None => vec![0.0; output.c],
    };
    let (stride_h, stride_w, same) = window;
    let w = Window { kernel_h: kh, kernel_w: kw, stride_h, stride_w, same };
    let kernel = TransposeConv::new(input, output, w, &weights, bias, act)?;
    Ok((Kernel::TransposeConv(kernel), vec![x]))
}
