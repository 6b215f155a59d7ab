//! Compiling SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (`tflite/kernels/space_to_batch_nd.cc`,
//! `batch_to_space_nd.cc`) into precomputed copies (`layout::space_to_batch`,
//! `layout::batch_to_space`). The default interpreter's XNNPACK delegate does not take these ops,
//! so TFLite's builtin kernels run them: plain copies, the padding filled with the output's zero
//! point when quantized (uint8 and int8 alike: `memset` of the 8-bit zero point) and zero
//! otherwise. Rank 3 (NHC) is run as NH1C, as the kernels extend it.

use super::layout::{batch_to_space, space_to_batch};
use super::program::{activation_input, kparams, out_tensor, params, same_type, tensor, Kernel, Res, MAX_WINDOW};
use crate::model::{Model, Operator, Subgraph, Tensor, TensorType};

/// Which of the two operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// SPACE_TO_BATCH_ND: operand 2 holds paddings.
    ToBatch,
    /// BATCH_TO_SPACE_ND: operand 2 holds crops.
    ToSpace,
}

/// Block sizes and the (before, after) amounts of the H and W axes; a rank 3 input's W axis has
/// block 1 and nothing before or after.
struct Spatial {
    block: [usize; 2],
    before: [usize; 2],
    after: [usize; 2],
}

/// The shape as NHWC: rank 4 as it is, rank 3 `[n, h, c]` as `[n, h, 1, c]`
/// (`ExtendShapeSpaceToBatch` in `reference/space_to_batch_nd.h`).
fn nhwc(t: &Tensor) -> Res<[usize; 4]> {
    let d = |v: i32| v.max(0) as usize;
    match *t.shape.as_slice() {
        [n, h, w, c] => Ok([d(n), d(h), d(w), d(c)]),
        [n, h, c] => Ok([d(n), d(h), 1, d(c)]),
        ref s => Err(format!("tensor \"{}\" has shape {s:?}; only rank 3 and rank 4 tensors are supported", t.name)),
    }
}

/// Operand `i` as the values of a constant int32 tensor of shape `shape` (TFLite reads both
/// operands as int32; it resizes the output from them only when they are constant).
fn int32_operand(model: &Model, sg: &Subgraph, op: &Operator, i: usize, what: &str, shape: &[i32]) -> Res<Vec<i64>> {
    let (_, t) = tensor(sg, op, i)?;
    if t.dtype != TensorType::INT32 || !t.is_const() {
        return Err(format!("the {what} \"{}\" must be a constant int32 tensor", t.name));
    }
    if t.shape != shape {
        return Err(format!("the {what} \"{}\" has shape {:?}; {shape:?} is needed", t.name, t.shape));
    }
    let n = shape.iter().product::<i32>() as usize;
    model.const_ints(t).filter(|v| v.len() == n).ok_or(format!("the {what} \"{}\" does not hold {n} values", t.name))
}

/// The block shape (operand 1) and the paddings or crops (operand 2, called `what`).
fn spatial(model: &Model, sg: &Subgraph, op: &Operator, rank: usize, what: &str) -> Res<Spatial> {
    let axes = rank as i32 - 2;
    let block = int32_operand(model, sg, op, 1, "block shape", &[axes])?;
    let amounts = int32_operand(model, sg, op, 2, what, &[axes, 2])?;
    if let Some(b) = block.iter().find(|&&b| b < 1 || b > MAX_WINDOW as i64) {
        return Err(format!("block size {b} is not in 1..={MAX_WINDOW}"));
    }
    if let Some(a) = amounts.iter().find(|&&a| a < 0) {
        return Err(format!("{what} of {a} are not supported (only amounts of 0 or more)"));
    }
    let mut s = Spatial { block: [1, 1], before: [0, 0], after: [0, 0] };
    for k in 0..axes as usize {
        (s.block[k], s.before[k], s.after[k]) = (block[k] as usize, amounts[2 * k] as usize, amounts[2 * k + 1] as usize);
    }
    Ok(s)
}

/// The output shape TFLite computes (`ResizeOutputTensor` of `space_to_batch_nd.cc`), in 64 bits.
fn to_batch_shape(input: [usize; 4], s: &Spatial) -> Res<[u64; 4]> {
    let (input, block) = (input.map(|d| d as u64), s.block.map(|b| b as u64));
    let mut out = [input[0] * block[0] * block[1], 0, 0, input[3]];
    for k in 0..2 {
        let padded = input[1 + k] + s.before[k] as u64 + s.after[k] as u64;
        if !padded.is_multiple_of(block[k]) {
            return Err(format!("the padded size {padded} of spatial axis {k} is not a multiple of the block size {}", block[k]));
        }
        out[1 + k] = padded / block[k];
    }
    Ok(out)
}

/// The output shape TFLite computes (`ResizeOutputTensor` of `batch_to_space_nd.cc`), in 64 bits.
fn to_space_shape(input: [usize; 4], s: &Spatial) -> Res<[u64; 4]> {
    let (input, block) = (input.map(|d| d as u64), s.block.map(|b| b as u64));
    let blocks = block[0] * block[1];
    if !input[0].is_multiple_of(blocks) {
        return Err(format!("the batch {} is not a multiple of the block sizes' product {blocks}", input[0]));
    }
    let mut out = [input[0] / blocks, 0, 0, input[3]];
    for k in 0..2 {
        let whole = input[1 + k] * block[k];
        let cropped = s.before[k] as u64 + s.after[k] as u64;
        if cropped >= whole {
            return Err(format!("crops of {cropped} leave nothing of spatial axis {k} ({whole} values)"));
        }
        out[1 + k] = whole - cropped;
    }
    Ok(out)
}

/// SPACE_TO_BATCH_ND or BATCH_TO_SPACE_ND as a precomputed copy.
pub fn compile(model: &Model, sg: &Subgraph, op: &Operator, direction: Direction) -> Res<(Kernel, Vec<usize>)> {
    let (x, xt, elem) = activation_input(sg, op, 0)?;
    let out = out_tensor(sg, op)?;
    same_type(elem, out)?;
    if elem.is_quantized() && params(xt)? != params(out)? {
        return Err("quantized input and output parameters differ".into());
    }
    if xt.shape.len() != out.shape.len() {
        return Err(format!("input {:?} and output {:?} have different ranks", xt.shape, out.shape));
    }
    let (input, output) = (nhwc(xt)?, nhwc(out)?);
    let what = if direction == Direction::ToBatch { "paddings" } else { "crops" };
    let s = spatial(model, sg, op, xt.shape.len(), what)?;
    let expected = match direction {
        Direction::ToBatch => to_batch_shape(input, &s)?,
        Direction::ToSpace => to_space_shape(input, &s)?,
    };
    if expected != output.map(|d| d as u64) {
        let mut shape = expected.to_vec();
        if xt.shape.len() == 3 {
            shape.remove(2);
        }
        return Err(format!("the output \"{}\" has shape {:?}; TFLite computes {shape:?}", out.name, out.shape));
    }
    let gather = match direction {
        Direction::ToBatch => {
            let fill = if elem.is_quantized() { kparams(out)?.zero_point as u8 } else { 0 };
            space_to_batch(input, s.block, s.before, output, fill)
        }
        Direction::ToSpace => batch_to_space(input, s.block, s.before, output),
    };
    Ok((Kernel::Gather(gather), vec![x]))
}
