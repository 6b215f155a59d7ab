//! Kernels that rearrange data: SHAPE, RESHAPE, CONCATENATION, PAD/PADV2, MIRROR_PAD, TRANSPOSE,
//! SQUEEZE, EXPAND_DIMS, SLICE, STRIDED_SLICE, GATHER, SPLIT, SPLIT_V, PACK, UNPACK,
//! SPACE_TO_DEPTH, DEPTH_TO_SPACE and the resizes. Each function follows its kernel's Prepare
//! (tflite/kernels/<op>.cc) in the order of its checks.

use std::rc::Rc;

use super::{debug_shape, elements, ensure, ensure_eq, has_unspecified_dimension, logged, OpView, Step, Values, MAX_VALUES};
use crate::model::{BuiltinOperator as B, BuiltinOptionsT as Opts, TensorType};

/// Input `k`'s values when they are known at Prepare; `None` when they are not (the caller then
/// predicts nothing).
fn ints(v: &OpView<'_, '_, '_>, k: usize) -> Option<Rc<[i64]>> {
    v.values(k).map(|x| x.ints)
}

/// A rank check: `check` is the kernel's left-hand side, `noun` names the tensor for people.
fn rank_eq(check: &str, d: &[i32], rank: usize, noun: &str) -> Option<Step> {
    (d.len() != rank).then(|| {
        ensure_eq(check, &rank.to_string(), d.len() as i64, rank as i64, format!("{noun} has shape {}, of rank {}, not {rank}", debug_shape(d), d.len()))
    })
}

/// Values that are dimensions: each must fit in an int and not be negative.
fn as_dims(values: &[i64]) -> Option<Vec<i32>> {
    values.iter().map(|&d| i32::try_from(d).ok().filter(|d| *d >= 0)).collect()
}

/// shape.cc Prepare: a vector of the input's dimensions, computed in Prepare (persistent), of the
/// `out_type` asked for (other types fail there; not modelled).
pub fn shape(v: &OpView<'_, '_, '_>) -> Step {
    let out_type = match &v.op.options {
        Opts::ShapeOptions(o) => o.out_type,
        _ => return Step::Unknown,
    };
    if v.inputs() != 1 || v.outputs() != 1 || !matches!(out_type, TensorType::INT32 | TensorType::INT64) {
        return Step::Unknown;
    }
    let Some(x) = v.dims(0) else { return Step::Unknown };
    let ints: Rc<[i64]> = x.iter().map(|&d| i64::from(d)).collect();
    Step::Value(vec![x.len() as i32].into(), Values { ints, dtype: out_type })
}

/// reshape.cc Prepare: the requested shape comes from an int32 vector input when there is one,
/// else from the options; a shape input not known at Prepare makes the output dynamic.
pub fn reshape(v: &OpView<'_, '_, '_>) -> Step {
    if !(v.inputs() == 1 || v.inputs() == 2) || v.outputs() != 1 {
        return Step::Unknown;
    }
    if v.output_tensor(0).is_some_and(|t| t.dtype == TensorType::STRING) {
        return Step::Stored; // string outputs are sized in Eval
    }
    let Some(x) = v.dims(0) else { return Step::Unknown };
    if v.inputs() == 2 && !v.has(1) {
        return Step::Unknown;
    }
    if v.inputs() == 2 && !v.known_at_prepare(1) {
        return Step::Dynamic; // kTfLiteOutputShapeNotKnown
    }
    let Some(requested) = requested_shape(v) else { return Step::Unknown };
    match resolve_reshape(x, &requested) {
        Err(step) => step,
        Ok(out) => match v.values(0) {
            // A constant (or computed) input is reshaped in Prepare: the values carry over.
            Some(values) if v.known_at_prepare(0) => Step::Value(out.into(), values),
            _ => Step::one(out),
        },
    }
}

/// `GetOutputShape` (reshape.cc): the shape input when it is an int32 vector, else the options'
/// `new_shape` ([0] meaning a scalar, as legacy converters wrote it).
fn requested_shape(v: &OpView<'_, '_, '_>) -> Option<Vec<i64>> {
    let shape_is_vector = v.inputs() == 2 && v.dims(1).is_some_and(|d| d.len() == 1) && v.dtype(1) == Some(TensorType::INT32);
    if shape_is_vector {
        let n = usize::try_from(*v.dims(1)?.first()?).ok()?;
        return Some(ints(v, 1)?.get(..n)?.to_vec());
    }
    let new_shape: Vec<i32> = match &v.op.options {
        Opts::ReshapeOptions(o) => o.new_shape.clone().unwrap_or_default(),
        _ => Vec::new(),
    };
    if new_shape.len() > 8 {
        return None; // more than TfLiteReshapeParams holds: the parser refuses the model
    }
    if new_shape == [0] {
        return Some(Vec::new());
    }
    Some(new_shape.iter().map(|&d| i64::from(d)).collect())
}

/// `ResolveOutputShape` (tflite/kernels/internal/reshape_utils.h): at most one -1, no other
/// negative dimension, and as many elements as the input.
fn resolve_reshape(x: &[i32], requested: &[i64]) -> Result<Vec<i32>, Step> {
    let num_input = elements(x).unwrap_or(0) as u128;
    let nonzero_input: u128 = x.iter().filter(|&&d| d != 0).map(|&d| d as u128).product();
    let limit = u128::from(u64::MAX);
    let (mut nonzero_output, mut num_output) = (1u128, 1u128);
    let (mut nonzero_overflow, mut num_overflow) = (false, false);
    let mut stretch: Option<usize> = None;
    for (i, &d) in requested.iter().enumerate() {
        if d == -1 {
            if let Some(s) = stretch {
                return Err(ensure_eq("stretch_dim", "-1", s as i64, -1, format!("the new shape {requested:?} has more than one -1")));
            }
            stretch = Some(i);
            continue;
        }
        if d < 0 {
            return Err(logged("output shape contains negative dimension", format!("the new shape {requested:?} has a negative dimension")));
        }
        let d = d as u128;
        if d != 0 {
            nonzero_output = nonzero_output.saturating_mul(d);
            nonzero_overflow |= nonzero_output > limit;
        }
        num_output = num_output.saturating_mul(d);
        num_overflow |= num_output > limit;
    }
    if nonzero_overflow {
        return Err(logged("non_zero_num_output_elements overflowed", format!("the new shape {requested:?} is too large")));
    }
    if num_overflow {
        return Err(logged("num_output_elements overflowed", format!("the new shape {requested:?} is too large")));
    }
    let mut out: Vec<i32> = requested.iter().map(|&d| d.clamp(0, i64::from(i32::MAX)) as i32).collect();
    if let Some(s) = stretch {
        let inferred = if num_input == 0 && num_output != 0 { 0 } else { nonzero_input / nonzero_output };
        let Ok(inferred) = i32::try_from(inferred) else {
            return Err(logged("inferred reshape dimension overflowed", format!("the -1 in {requested:?} would be {inferred}")));
        };
        out[s] = inferred;
        num_output = num_output.saturating_mul(inferred as u128);
    }
    if num_input != num_output {
        return Err(logged(
            format!("num_input_elements != num_output_elements ({num_input} != {num_output})"),
            format!("the input {} has {num_input} elements but the new shape {} has {num_output}", debug_shape(x), debug_shape(&out)),
        ));
    }
    Ok(out)
}

/// concatenation.cc Prepare: a valid axis, equal ranks and equal dimensions off the axis; constant
/// scalars concatenate into a vector. Not modelled: the activation and type checks.
pub fn concatenation(v: &OpView<'_, '_, '_>) -> Step {
    let n = v.inputs();
    if n == 0 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let shapes: Option<Vec<&[i32]>> = (0..n).map(|k| v.dims(k)).collect();
    let Some(shapes) = shapes else { return Step::Unknown };
    let t0 = shapes[0];
    let rank = t0.len() as i64;
    let mut axis = match &v.op.options {
        Opts::ConcatenationOptions(o) => i64::from(o.axis),
        _ => 0,
    };
    if axis < 0 {
        axis += rank;
    }
    if axis < 0 {
        return ensure("axis >= 0", format!("the axis is out of range for rank {rank}"));
    }
    if !(axis < rank || (rank == 0 && axis == 0)) {
        return ensure(
            "axis < t0->dims->size || (t0->dims->size == 0 && axis == 0)",
            format!("the axis {axis} is out of range for the first input's shape {}", debug_shape(t0)),
        );
    }
    let all_known = (0..n).all(|k| v.known_at_prepare(k));
    if all_known && rank == 0 && v.dtype(0) != Some(TensorType::INT4) {
        if let Some((k, d)) = shapes.iter().enumerate().skip(1).find(|(_, d)| !d.is_empty()) {
            return ensure_eq("t->dims->size", "t0->dims->size", d.len() as i64, 0, format!("input {k} has shape {} but input 0 is a scalar", debug_shape(d)));
        }
        return concatenated(v, vec![n as i32]);
    }
    if rank == 0 {
        if (0..n).all(|k| v.maybe_known_at_prepare(k)) {
            return Step::Unknown; // if all are computed in Prepare, the kernel takes the path above
        }
        return ensure("t0->dims->size > 0", "the inputs are scalars that are not all constant");
    }
    let axis = axis as usize;
    let mut sum = i64::from(t0[axis]);
    for (k, d) in shapes.iter().enumerate().skip(1) {
        if d.len() != t0.len() {
            return ensure_eq("t->dims->size", "t0->dims->size", d.len() as i64, rank, format!("input {k} has shape {} but input 0 has {}", debug_shape(d), debug_shape(t0)));
        }
        for dim in 0..t0.len() {
            if dim == axis {
                if i64::from(d[axis]) > i64::from(i32::MAX) - sum {
                    return ensure(
                        "t->dims->data[axis] <= std::numeric_limits<int>::max() - sum_axis",
                        "the concatenated axis would not fit in an int",
                    );
                }
                sum += i64::from(d[axis]);
            } else if d[dim] != t0[dim] {
                return ensure_eq(
                    "t->dims->data[d]",
                    "t0->dims->data[d]",
                    i64::from(d[dim]),
                    i64::from(t0[dim]),
                    format!("input {k} has shape {} but input 0 has {}; they may differ only on axis {axis}", debug_shape(d), debug_shape(t0)),
                );
            }
        }
    }
    let mut out = t0.to_vec();
    out[axis] = sum as i32;
    if all_known && out.len() == 1 {
        return concatenated(v, out);
    }
    Step::one(out)
}

/// The output of a concatenation computed in Prepare: its values when every input's are known.
fn concatenated(v: &OpView<'_, '_, '_>, out: Vec<i32>) -> Step {
    let parts: Option<Vec<Values>> = (0..v.inputs()).map(|k| v.values(k)).collect();
    match parts {
        Some(parts) if parts.iter().map(|p| p.ints.len()).sum::<usize>() <= MAX_VALUES => {
            let dtype = parts[0].dtype;
            let ints: Rc<[i64]> = parts.iter().flat_map(|p| p.ints.iter().copied()).collect();
            if ints.len() as u64 == elements(&out).unwrap_or(u64::MAX) && parts.iter().all(|p| p.dtype == dtype) {
                return Step::Value(out.into(), Values { ints, dtype });
            }
            Step::one(out)
        }
        _ => Step::one(out),
    }
}

/// pad.cc Prepare (PAD and PADV2): paddings of shape [rank, 2], at most 5 dimensions, a scalar
/// constant value, non-negative paddings; a rank-0 input or paddings not known at Prepare make
/// the output dynamic.
pub fn pad(v: &OpView<'_, '_, '_>) -> Step {
    if !(v.inputs() == 2 || v.inputs() == 3) || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(x), Some(p), Some(ptype)) = (v.dims(0), v.dims(1), v.dtype(1)) else { return Step::Unknown };
    use TensorType as T;
    if !matches!(ptype, T::INT64 | T::INT32 | T::INT8 | T::INT16 | T::BOOL) {
        return Step::Unknown; // a type the kernel refuses (types are not modelled)
    }
    if let Some(s) = rank_eq("NumDimensions(&paddings)", p, 2, "the paddings input") {
        return s;
    }
    if p[1] != 2 {
        return ensure_eq("SizeOfDimension(&paddings, 1)", "2", i64::from(p[1]), 2, format!("the paddings have shape {}, not [rank, 2]", debug_shape(p)));
    }
    let rank = x.len();
    let paddings_known = v.known_at_prepare(1);
    let rows_match = || {
        ensure_eq(
            "SizeOfDimension(op_context.paddings, 0)",
            "op_context.dims",
            i64::from(p[0]),
            rank as i64,
            format!("the paddings have {} rows for an input of rank {rank} ({})", p[0], debug_shape(x)),
        )
    };
    if rank != 0 && !paddings_known && p[0] as usize != rank {
        return rows_match();
    }
    if v.inputs() == 3 && v.has(2) {
        let Some(c) = v.dims(2) else { return Step::Unknown };
        let count = elements(c).unwrap_or(0) as i64;
        if count != 1 {
            return ensure_eq("constant_values_count", "1", count, 1, format!("the constant value has shape {}", debug_shape(c)));
        }
    }
    if rank > 5 {
        return ensure("op_context.dims <= reference_ops::PadKernelMaxDimensionCount()", format!("the input has rank {rank}; PAD handles at most 5"));
    }
    if rank == 0 || !paddings_known {
        return Step::Dynamic;
    }
    if p[0] as usize != rank {
        return rows_match();
    }
    let Some(values) = ints(v, 1).filter(|p| p.len() >= 2 * rank) else { return Step::Unknown };
    if values.iter().any(|&x| i32::try_from(x).is_err()) {
        return logged("INT64 padding overflow. Only support value between INT32_MIN and INT32_MAX.", "a padding does not fit in 32 bits");
    }
    if let Some(i) = (0..rank).rev().find(|&i| values[2 * i] < 0 || values[2 * i + 1] < 0) {
        return logged(
            "Pad value has to be greater than equal to 0.",
            format!("the paddings of dimension {i} are [{}, {}]", values[2 * i], values[2 * i + 1]),
        );
    }
    let mut out = Vec::with_capacity(rank);
    for (i, &d) in x.iter().enumerate() {
        let padded = i64::from(d) + values[2 * i] + values[2 * i + 1];
        let Ok(padded) = i32::try_from(padded) else {
            return logged("Pad output dimension overflowed.", format!("dimension {i} would be {padded}"));
        };
        out.push(padded);
    }
    Step::one(out)
}

/// mirror_pad.cc Prepare: int32/int64 paddings of shape [rank, 2], each at most the dimension
/// minus the mode's offset (1 for REFLECT, 0 for SYMMETRIC).
pub fn mirror_pad(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 2 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let offset: i64 = match &v.op.options {
        Opts::MirrorPadOptions(o) if o.mode == tflite_schema::tflite::MirrorPadMode::REFLECT => 1,
        Opts::MirrorPadOptions(o) if o.mode == tflite_schema::tflite::MirrorPadMode::SYMMETRIC => 0,
        _ => return Step::Unknown,
    };
    let (Some(x), Some(p), Some(ptype)) = (v.dims(0), v.dims(1), v.dtype(1)) else { return Step::Unknown };
    if !matches!(ptype, TensorType::INT32 | TensorType::INT64) {
        return Step::Unknown; // a type the kernel refuses
    }
    if let Some(s) = rank_eq("NumDimensions(padding_matrix)", p, 2, "the paddings input") {
        return s;
    }
    if p[0] as usize != x.len() {
        return ensure_eq(
            "SizeOfDimension(padding_matrix, 0)",
            "NumDimensions(input)",
            i64::from(p[0]),
            x.len() as i64,
            format!("the paddings have {} rows for an input of rank {} ({})", p[0], x.len(), debug_shape(x)),
        );
    }
    if p[1] != 2 {
        return ensure_eq("SizeOfDimension(padding_matrix, 1)", "2", i64::from(p[1]), 2, format!("the paddings have shape {}", debug_shape(p)));
    }
    if !v.known_at_prepare(1) {
        return Step::Dynamic;
    }
    let Some(values) = ints(v, 1).filter(|p| p.len() >= 2 * x.len()) else { return Step::Unknown };
    let mut out = Vec::with_capacity(x.len());
    for (i, &d) in x.iter().enumerate() {
        let (l, r) = (values[2 * i], values[2 * i + 1]);
        if l < 0 || r < 0 {
            return logged("MirrorPad paddings must be non-negative.", format!("the paddings of dimension {i} are [{l}, {r}]"));
        }
        let max = i64::from(d) - offset;
        if l > max || r > max {
            return logged(
                format!("MirrorPad paddings must be no greater than the input dimension size minus the mode offset. Dimension {i} has input size {d}, mode offset {offset}, max padding {max}, left padding {l}, and right padding {r}."),
                format!("dimension {i} of the input {} is too small for paddings [{l}, {r}]", debug_shape(x)),
            );
        }
        let Ok(padded) = i32::try_from(i64::from(d) + l + r) else {
            return logged("MirrorPad output dimension overflowed.", format!("dimension {i} would not fit in an int"));
        };
        out.push(padded);
    }
    Step::one(out)
}

/// transpose.cc Prepare and ResizeOutputTensor: at most 8 dimensions, an int32 permutation of the
/// input's rank with entries in [-rank, rank).
pub fn transpose(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 2 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(x), Some(p)) = (v.dims(0), v.dims(1)) else { return Step::Unknown };
    let rank = x.len();
    if rank > 8 {
        return logged("Transpose op only supports 1D-8D input arrays.", format!("the input has rank {rank}"));
    }
    if !v.known_at_prepare(1) {
        return Step::Dynamic;
    }
    if let Some(s) = rank_eq("NumDimensions(op_context->perm)", p, 1, "the permutation") {
        return s;
    }
    if p[0] as usize != rank {
        return ensure_eq(
            "op_context->perm->dims->data[0]",
            "dims",
            i64::from(p[0]),
            rank as i64,
            format!("the permutation has {} entries for an input of rank {rank}", p[0]),
        );
    }
    if v.dtype(1) != Some(TensorType::INT32) {
        return Step::Unknown; // read as int32 whatever its type
    }
    let Some(perm) = ints(v, 1).filter(|p| p.len() == rank) else { return Step::Unknown };
    let r = rank as i64;
    if let Some(&bad) = perm.iter().find(|&&q| !(-r..r).contains(&q)) {
        return logged("Transpose op permutations array is out of bounds.", format!("the permutation {perm:?} has {bad} for rank {rank}"));
    }
    Step::one(perm.iter().map(|&q| x[(if q < 0 { q + r } else { q }) as usize]).collect())
}

/// squeeze.cc Prepare: at most 8 dimensions; each listed dimension must exist and be 1 (none
/// listed: every 1 goes).
pub fn squeeze(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 1 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let Some(x) = v.dims(0) else { return Step::Unknown };
    let listed: Vec<i32> = match &v.op.options {
        Opts::SqueezeOptions(o) => o.squeeze_dims.clone().unwrap_or_default(),
        _ => Vec::new(),
    };
    if listed.len() > 8 {
        return Step::Unknown; // the parser refuses more than TfLiteSqueezeParams holds
    }
    let rank = x.len() as i64;
    if rank > 8 {
        return ensure("input_num_dims <= 8", format!("the input has rank {rank}"));
    }
    let mut squeeze = [false; 8];
    if listed.is_empty() {
        for (i, &d) in x.iter().enumerate() {
            squeeze[i] = d == 1;
        }
    }
    for &s in &listed {
        let current = if s < 0 { i64::from(s) + rank } else { i64::from(s) };
        if !(current >= 0 && current < rank && x[current as usize] == 1) {
            return ensure(
                "current >= 0 && current < input_num_dims && input_dims->data[current] == 1",
                format!("dimension {s} of the input {} is not a dimension of size 1", debug_shape(x)),
            );
        }
        squeeze[current as usize] = true;
    }
    Step::one(x.iter().enumerate().filter(|(i, _)| !squeeze[*i]).map(|(_, &d)| d).collect())
}

/// expand_dims.cc Prepare: a one-element axis known at Prepare, within [-rank-1, rank].
pub fn expand_dims(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 2 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(x), Some(a)) = (v.dims(0), v.dims(1)) else { return Step::Unknown };
    if !v.known_at_prepare(1) {
        return Step::Dynamic;
    }
    let n = elements(a).unwrap_or(0) as i64;
    if n != 1 {
        return ensure_eq("NumElements(&axis)", "1", n, 1, format!("the axis input has shape {}", debug_shape(a)));
    }
    let Some(axis) = ints(v, 1).and_then(|a| a.first().copied()) else { return Step::Unknown };
    let rank = x.len() as i64;
    let axis = if axis < 0 { rank + 1 + axis } else { axis };
    if axis > rank {
        return ensure("axis <= input_dims.size", format!("the axis {axis} is beyond rank {rank}"));
    }
    if axis < 0 {
        return ensure("axis >= 0", format!("the axis is below -{}", rank + 1));
    }
    let mut out = x.to_vec();
    out.insert(axis as usize, 1);
    Step::one(out)
}

/// slice.cc Prepare: int32/int64 vectors of equal length for begin and size; constant begin and
/// size give the output shape (size -1 = to the end), which must lie within the input.
///
/// The kernel is in flux: at the mirrored commit an output whose stored shape is fully specified
/// keeps it unchecked, while newer releases (ai-edge-litert 2.3.0) check the slice and require it
/// to equal the stored shape, and refuse negative begins. Those cases are left unpredicted (a
/// fully specified output keeps its stored shape either way when nothing fails).
pub fn slice(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 3 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(x), Some(b), Some(s), Some(bt), Some(st)) = (v.dims(0), v.dims(1), v.dims(2), v.dtype(1), v.dtype(2)) else {
        return Step::Unknown;
    };
    // Types the kernel refuses, or begin and size of different types (read with begin's type at
    // the mirrored commit, refused by newer releases): not predicted.
    if !matches!(bt, TensorType::INT32 | TensorType::INT64) || bt != st {
        return Step::Unknown;
    }
    if let Some(step) = rank_eq("NumDimensions(begin)", b, 1, "begin").or_else(|| rank_eq("NumDimensions(size)", s, 1, "size")) {
        return step;
    }
    if b[0] != s[0] {
        return ensure_eq("NumElements(begin)", "NumElements(size)", i64::from(b[0]), i64::from(s[0]), "begin and size differ in length");
    }
    if b[0] as usize != x.len() {
        return Step::Unknown; // one entry per dimension: refused by newer releases, read past by older ones
    }
    let fully_specified = v.output_tensor(0).is_some_and(|t| !has_unspecified_dimension(t) && !t.shape.is_empty());
    if fully_specified {
        return Step::Stored;
    }
    if !(v.known_at_prepare(1) && v.known_at_prepare(2)) || v.input_has_unspecified_dimension(0) {
        return Step::Dynamic;
    }
    let (Some(begin), Some(size)) = (ints(v, 1), ints(v, 2)) else { return Step::Unknown };
    if begin.len() < x.len() || size.len() < x.len() || begin.iter().any(|&b| b < 0) {
        return Step::Unknown;
    }
    let mut out = Vec::with_capacity(x.len());
    for (i, &d) in x.iter().enumerate() {
        let (start, mut len) = (begin[i], size[i]);
        if len < 0 {
            if len != -1 {
                return logged("Invalid size.", format!("size[{i}] is {len}; only -1 (to the end) may be negative"));
            }
            len = i64::from(d) - start;
        } else if i64::from(d) < start.saturating_add(len) {
            return logged(
                "Invalid begin and size.",
                format!("dimension {i} has {d} elements but the slice takes {start}..{}", start.saturating_add(len)),
            );
        }
        let Some(len) = i32::try_from(len).ok().filter(|l| *l >= 0) else { return Step::Unknown };
        out.push(len);
    }
    Step::one(out)
}

/// The options of a STRIDED_SLICE (all zero when missing).
#[derive(Debug, Clone, Copy, Default)]
struct Masks {
    begin: u32,
    end: u32,
    ellipsis: u32,
    new_axis: u32,
    shrink: u32,
    offset: bool,
}

fn bit(mask: u32, i: usize) -> bool {
    i < 32 && mask & (1u32 << i) != 0
}

/// strided_slice.cc Prepare: int32 vectors for begin, end and strides, at most 31 indices; when
/// they are known at Prepare, the output shape from `BuildStridedSliceParams` and
/// `ResizeOutputTensor`.
pub fn strided_slice(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 4 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(x), Some(b), Some(e), Some(s)) = (v.dims(0), v.dims(1), v.dims(2), v.dims(3)) else { return Step::Unknown };
    if let Some(step) = rank_eq("NumDimensions(op_context.begin)", b, 1, "begin")
        .or_else(|| rank_eq("NumDimensions(op_context.end)", e, 1, "end"))
        .or_else(|| rank_eq("NumDimensions(op_context.strides)", s, 1, "strides"))
    {
        return step;
    }
    if b[0] != e[0] {
        return ensure_eq("NumElements(op_context.begin)", "NumElements(op_context.end)", i64::from(b[0]), i64::from(e[0]), "begin and end differ in length");
    }
    if (1..4).any(|k| v.dtype(k) != Some(TensorType::INT32)) {
        return Step::Unknown; // the kernel refuses other types (not modelled)
    }
    if b[0] > 31 {
        return logged("StridedSlice op only supports up to 31 indices.", format!("begin has {} entries", b[0]));
    }
    let m = match &v.op.options {
        Opts::StridedSliceOptions(o) => Masks {
            begin: o.begin_mask as u32,
            end: o.end_mask as u32,
            ellipsis: o.ellipsis_mask as u32,
            new_axis: o.new_axis_mask as u32,
            shrink: o.shrink_axis_mask as u32,
            offset: o.offset,
        },
        _ => Masks::default(),
    };
    let known = v.known_at_prepare(3) && (m.offset || (v.known_at_prepare(1) && v.known_at_prepare(2)));
    if !known {
        return Step::Dynamic;
    }
    if m.offset {
        return Step::Unknown; // offset mode is not modelled
    }
    let (Some(begin), Some(end), Some(strides)) = (ints(v, 1), ints(v, 2), ints(v, 3)) else { return Step::Unknown };
    let count = b[0] as usize;
    if begin.len() < count || end.len() < count || strides.len() < count {
        return Step::Unknown;
    }
    match StridedParams::build(x, m, &begin[..count], &end[..count], &strides[..count]) {
        Some(p) => p.output_shape(),
        None => Step::Unknown,
    }
}

/// `DynamicStridedSliceParams` with the effective input shape (reference/strided_slice.h).
struct StridedParams {
    start: Vec<i64>,
    stop: Vec<i64>,
    strides: Vec<i64>,
    begin_mask: u32,
    end_mask: u32,
    shrink_mask: u32,
    shape: Vec<i64>,
}

impl StridedParams {
    /// `BuildStridedSliceParams` (strided_slice.cc): ellipsis and new axes folded into masks and
    /// an effective input shape. `None` where the kernel would index out of bounds or shift past
    /// 32 bits.
    fn build(x: &[i32], m: Masks, begin: &[i64], end: &[i64], strides: &[i64]) -> Option<StridedParams> {
        let count = begin.len();
        let add_axes = (0..count).filter(|&i| !bit(m.ellipsis, i) && bit(m.new_axis, i)).count();
        let dims = x.len() + add_axes;
        if dims > 32 {
            return None;
        }
        let (mut ellipsis, mut new_axis) = (0u32, 0u32);
        let (mut ellipsis_start, mut expanded) = (dims, 0usize);
        let mut i = 0;
        while i < dims {
            if bit(m.ellipsis, i) {
                ellipsis_start = i;
                let wanted = (i + 1 + add_axes + x.len()) as i64 - count as i64;
                let end_idx = (i + 1).max(wanted.clamp(0, dims as i64) as usize);
                expanded = end_idx - ellipsis_start - 1;
                while i < end_idx {
                    ellipsis |= 1 << i;
                    i += 1;
                }
                continue;
            }
            if bit(m.new_axis, i.saturating_sub(expanded)) {
                new_axis |= 1 << i;
            }
            i += 1;
        }
        let mut p = StridedParams {
            start: vec![0; dims],
            stop: vec![0; dims],
            strides: vec![1; dims],
            begin_mask: 0,
            end_mask: 0,
            shrink_mask: 0,
            shape: vec![0; dims],
        };
        let (mut added_ellipsis, mut added_axes) = (0usize, 0usize);
        for i in 0..dims {
            let input_dim = |i: usize| x.get(i.checked_sub(added_axes)?).map(|&d| i64::from(d));
            if bit(ellipsis, i) {
                added_ellipsis = i.saturating_sub(ellipsis_start);
                p.begin_mask |= 1 << i;
                p.end_mask |= 1 << i;
                p.shape[i] = input_dim(i)?;
            } else if bit(new_axis, i) {
                p.stop[i] = 1;
                p.shape[i] = 1;
                added_axes += 1;
            } else if i >= count + expanded {
                p.begin_mask |= 1 << i;
                p.end_mask |= 1 << i;
                p.shape[i] = input_dim(i)?;
            } else {
                let orig = i.checked_sub(added_ellipsis).filter(|&o| o < count)?;
                p.start[i] = begin[orig];
                p.stop[i] = end[orig];
                p.strides[i] = strides[orig];
                for (from, to) in [(m.begin, &mut p.begin_mask), (m.end, &mut p.end_mask), (m.shrink, &mut p.shrink_mask)] {
                    if bit(from, orig) {
                        *to |= 1 << i;
                    }
                }
                p.shape[i] = input_dim(i)?;
            }
        }
        Some(p)
    }

    /// `StartForAxis` (reference/strided_slice.h).
    fn start_for(&self, axis: usize) -> i64 {
        let size = self.shape[axis];
        let stride = self.strides[axis];
        let mut start = self.start[axis];
        if start < 0 {
            start += size;
        }
        start = if stride > 0 { start.clamp(0, size) } else { clamp(start, -1, size - 1) };
        if bit(self.begin_mask, axis) {
            start = if stride > 0 { 0 } else { size - 1 };
        }
        start
    }

    /// `EndForAxis` (reference/strided_slice.h), for an axis that is not shrunk.
    fn end_for(&self, axis: usize) -> i64 {
        let size = self.shape[axis];
        let stride = self.strides[axis];
        let mut end = self.stop[axis];
        if end < 0 {
            end += size;
        }
        end = if stride > 0 { end.clamp(0, size) } else { clamp(end, -1, size - 1) };
        if bit(self.end_mask, axis) {
            end = if stride > 0 { size } else { -1 };
        }
        end
    }

    /// `ResizeOutputTensor` (strided_slice.cc), last axis first.
    fn output_shape(&self) -> Step {
        let mut out = Vec::with_capacity(self.shape.len());
        for axis in (0..self.shape.len()).rev() {
            let stride = self.strides[axis];
            if stride == 0 {
                return logged("stride value has to be non-zero", format!("the stride of axis {axis} is 0"));
            }
            if bit(self.shrink_mask, axis) {
                continue;
            }
            let start = self.start_for(axis);
            let mut dim = self.end_for(axis) - start;
            if stride == i64::from(i32::MIN) {
                return logged("stride value INT32_MIN is not supported", format!("the stride of axis {axis} is INT32_MIN"));
            }
            dim = if (dim < 0) != (stride < 0) {
                0
            } else if stride < 0 {
                (dim + 1) / stride + 1
            } else if dim == 0 {
                0
            } else {
                (dim - 1) / stride + 1
            };
            let Some(dim) = i32::try_from(dim).ok().filter(|d| *d >= 0) else {
                return logged(
                    format!("StridedSlice: integer overflow computing output dim at axis {axis}"),
                    format!("axis {axis} would have {dim} elements"),
                );
            };
            out.push(dim);
        }
        out.reverse();
        Step::one(out)
    }
}

/// `strided_slice::Clamp`: `hi` wins when the range is empty, as in the kernel.
fn clamp(v: i64, lo: i64, hi: i64) -> i64 {
    if hi < v {
        hi
    } else if v < lo {
        lo
    } else {
        v
    }
}

/// gather.cc Prepare: int16/32/64 positions, a valid axis and batch_dims, equal batch dimensions.
/// Output: the input's dimensions before the axis, the positions' after the batch dimensions, then
/// the input's after the axis.
pub fn gather(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 2 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(x), Some(p), Some(pt)) = (v.dims(0), v.dims(1), v.dtype(1)) else { return Step::Unknown };
    if !matches!(pt, TensorType::INT64 | TensorType::INT32 | TensorType::INT16) || v.dtype(0) == Some(TensorType::STRING) {
        return Step::Unknown;
    }
    let (axis, batch_dims) = match &v.op.options {
        Opts::GatherOptions(o) => (i64::from(o.axis), i64::from(o.batch_dims)),
        _ => (0, 0),
    };
    let (rank, prank) = (x.len() as i64, p.len() as i64);
    let axis = if axis < 0 { axis + rank } else { axis };
    if !(0 <= axis && axis < rank) {
        return ensure("0 <= axis && axis < NumDimensions(input)", format!("the axis is out of range for the input {}", debug_shape(x)));
    }
    let batch_dims = if batch_dims < 0 { batch_dims + prank } else { batch_dims };
    if batch_dims > axis {
        return ensure("batch_dims <= axis", format!("batch_dims {batch_dims} is beyond the axis {axis}"));
    }
    if !(0 <= batch_dims && batch_dims < rank) {
        return ensure("0 <= batch_dims && batch_dims < NumDimensions(input)", format!("batch_dims {batch_dims} is out of range"));
    }
    if batch_dims > prank {
        return ensure("batch_dims <= NumDimensions(positions)", format!("batch_dims {batch_dims} is beyond the positions' rank {prank}"));
    }
    let (axis, batch_dims) = (axis as usize, batch_dims as usize);
    if let Some(i) = (0..batch_dims).find(|&i| x[i] != p[i]) {
        return ensure_eq(
            "input->dims->data[i]",
            "positions->dims->data[i]",
            i64::from(x[i]),
            i64::from(p[i]),
            format!("batch dimension {i} differs between the input {} and the positions {}", debug_shape(x), debug_shape(p)),
        );
    }
    let out: Vec<i32> = x[..axis].iter().chain(&p[batch_dims..]).chain(&x[axis + 1..]).copied().collect();
    Step::one(out)
}

/// The axis value a kernel reads with `GetTensorData<int>` (int32 only).
fn int32_axis(v: &OpView<'_, '_, '_>, k: usize) -> Option<i64> {
    (v.dtype(k) == Some(TensorType::INT32)).then(|| ints(v, k)?.first().copied())?
}

fn num_splits(v: &OpView<'_, '_, '_>) -> i64 {
    match &v.op.options {
        Opts::SplitOptions(o) => i64::from(o.num_splits),
        Opts::SplitVOptions(o) => i64::from(o.num_splits),
        _ => 0,
    }
}

/// split.cc Prepare: as many outputs as `num_splits`; with the axis known at Prepare, a valid axis
/// whose size divides evenly.
pub fn split(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 2 || v.outputs() == 0 {
        return Step::Unknown;
    }
    let n = num_splits(v);
    if v.outputs() as i64 != n {
        return Step::Unknown; // outputs that do not match the options: refused, not modelled
    }
    let Some(x) = v.dims(1) else { return Step::Unknown };
    if !v.known_at_prepare(0) {
        return Step::Dynamic;
    }
    let Some(axis) = int32_axis(v, 0) else { return Step::Unknown };
    let Some(axis) = split_axis(x, axis) else { return bad_axis(x, axis) };
    let size = i64::from(x[axis]);
    if size % n != 0 {
        return logged("Not an even split", format!("dimension {axis} of the input {} does not split into {n} equal parts", debug_shape(x)));
    }
    let mut out = x.to_vec();
    out[axis] = (size / n) as i32;
    Step::same(&out, v.outputs())
}

fn split_axis(x: &[i32], axis: i64) -> Option<usize> {
    let axis = if axis < 0 { axis + x.len() as i64 } else { axis };
    usize::try_from(axis).ok().filter(|&a| a < x.len())
}

fn bad_axis(x: &[i32], axis: i64) -> Step {
    let normalized = if axis < 0 { axis + x.len() as i64 } else { axis };
    let why = format!("the axis {axis} is out of range for the input {}", debug_shape(x));
    if normalized < 0 {
        ensure("axis_value >= 0", why)
    } else {
        ensure("axis_value < NumDimensions(input)", why)
    }
}

/// split_v.cc Prepare: a vector of sizes, one per output; with sizes and axis known at Prepare,
/// at most one -1 and sizes that add up to the axis.
pub fn split_v(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 3 || v.outputs() == 0 {
        return Step::Unknown;
    }
    let n = num_splits(v);
    if v.outputs() as i64 != n {
        return Step::Unknown; // outputs that do not match the options: refused, not modelled
    }
    let (Some(x), Some(s)) = (v.dims(0), v.dims(1)) else { return Step::Unknown };
    if let Some(step) = rank_eq("NumDimensions(size_splits)", s, 1, "size_splits") {
        return step;
    }
    if i64::from(s[0]) != n {
        return ensure_eq("NumOutputs(node)", "NumElements(size_splits)", n, i64::from(s[0]), "size_splits does not have one entry per output");
    }
    if !(v.known_at_prepare(1) && v.known_at_prepare(2)) {
        return Step::Dynamic;
    }
    let (Some(sizes), Some(axis)) = (ints(v, 1), int32_axis(v, 2)) else { return Step::Unknown };
    let mut sizes = sizes.to_vec();
    let minus_ones: Vec<usize> = (0..sizes.len()).filter(|&i| sizes[i] == -1).collect();
    if minus_ones.len() > 1 {
        return logged("The size_splits contains more than one -1.", format!("size_splits is {sizes:?}"));
    }
    let Some(sum) = sizes.iter().filter(|&&d| d != -1).try_fold(0i64, |s, &d| s.checked_add(d)) else {
        return Step::Unknown; // the kernel's int64 sum would overflow
    };
    let Some(axis) = split_axis(x, axis) else { return bad_axis(x, axis) };
    let size = i64::from(x[axis]);
    if let Some(&k) = minus_ones.first() {
        if sum > size {
            return logged("The sum of size_splits must be less than the dimension of value.", format!("size_splits {sizes:?} exceeds dimension {axis} ({size})"));
        }
        sizes[k] = size - sum;
    } else if sum != size {
        return logged(
            "The size_splits must sum to the dimension of value along axis.",
            format!("size_splits {sizes:?} adds up to {sum}, dimension {axis} of the input {} is {size}", debug_shape(x)),
        );
    }
    let outs: Option<Vec<_>> = sizes
        .iter()
        .map(|&d| {
            let mut out = x.to_vec();
            out[axis] = i32::try_from(d).ok().filter(|d| *d >= 0)?;
            Some(Some(out.into()))
        })
        .collect();
    outs.map_or(Step::Unknown, Step::Out)
}

/// pack.cc Prepare: `values_count` inputs of one shape, an axis in [-rank-1, rank].
pub fn pack(v: &OpView<'_, '_, '_>) -> Step {
    let (count, axis) = match &v.op.options {
        Opts::PackOptions(o) => (i64::from(o.values_count), i64::from(o.axis)),
        _ => (0, 0),
    };
    if v.outputs() != 1 || v.inputs() == 0 {
        return Step::Unknown;
    }
    if v.inputs() as i64 != count {
        return Step::Unknown; // inputs that do not match the options: refused, not modelled
    }
    let shapes: Option<Vec<&[i32]>> = (0..v.inputs()).map(|k| v.dims(k)).collect();
    let Some(shapes) = shapes else { return Step::Unknown };
    let rank = shapes[0].len() as i64;
    let axis = if axis < 0 { axis + rank + 1 } else { axis };
    if rank < axis {
        return ensure("NumDimensions(input0) >= data->axis", format!("the axis {axis} is beyond rank {rank}"));
    }
    if axis < 0 {
        return ensure("data->axis >= 0", format!("the axis is below -{}", rank + 1));
    }
    if let Some((k, d)) = shapes.iter().enumerate().skip(1).find(|(_, d)| *d != &shapes[0]) {
        return ensure("HaveSameShapes(input0, input)", format!("input {k} has shape {} but input 0 has {}", debug_shape(d), debug_shape(shapes[0])));
    }
    let mut out = shapes[0].to_vec();
    out.insert(axis as usize, count as i32);
    Step::one(out)
}

/// unpack.cc Prepare: a non-empty input, a valid axis whose size equals `num` (the outputs).
pub fn unpack(v: &OpView<'_, '_, '_>) -> Step {
    let (num, axis) = match &v.op.options {
        Opts::UnpackOptions(o) => (i64::from(o.num), i64::from(o.axis)),
        _ => (0, 0),
    };
    if v.inputs() != 1 {
        return Step::Unknown;
    }
    if v.outputs() as i64 != num {
        return Step::Unknown; // outputs that do not match the options: refused, not modelled
    }
    let Some(x) = v.dims(0) else { return Step::Unknown };
    if elements(x).unwrap_or(0) == 0 {
        return ensure("NumElements(input) > 0", format!("the input {} is empty", debug_shape(x)));
    }
    let rank = x.len() as i64;
    let axis = if axis < 0 { axis + rank } else { axis };
    if !(0 <= axis && axis < rank) {
        return ensure("0 <= axis && axis < NumDimensions(input)", format!("the axis is out of range for the input {}", debug_shape(x)));
    }
    let axis = axis as usize;
    if i64::from(x[axis]) != num {
        return ensure_eq("data->num", "input_shape->data[axis]", num, i64::from(x[axis]), format!("num is {num} but dimension {axis} of the input {} is {}", debug_shape(x), x[axis]));
    }
    let mut out = x.to_vec();
    out.remove(axis);
    Step::same(&out, v.outputs())
}

fn block_size(v: &OpView<'_, '_, '_>) -> i64 {
    match &v.op.options {
        Opts::SpaceToDepthOptions(o) => i64::from(o.block_size),
        Opts::DepthToSpaceOptions(o) => i64::from(o.block_size),
        _ => 0,
    }
}

/// space_to_depth.cc Prepare: rank 4, a positive block size dividing height and width.
pub fn space_to_depth(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 1 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let Some(x) = v.dims(0) else { return Step::Unknown };
    if let Some(s) = rank_eq("NumDimensions(input)", x, 4, "the input") {
        return s;
    }
    let bs = block_size(v);
    if bs <= 0 {
        return Step::Unknown; // an option the kernel refuses
    }
    let (h, w) = (i64::from(x[1]), i64::from(x[2]));
    for (what, d) in [("input_height", h), ("input_width", w)] {
        if d % bs != 0 {
            let other = if what == "input_height" { "output_height * block_size" } else { "output_width * block_size" };
            return ensure_eq(what, other, d, d / bs * bs, format!("the block size {bs} does not divide the input {}", debug_shape(x)));
        }
    }
    let Ok(depth) = i32::try_from(i64::from(x[3]) * bs * bs) else { return Step::Unknown };
    Step::one(vec![x[0], (h / bs) as i32, (w / bs) as i32, depth])
}

/// depth_to_space.cc Prepare: rank 4, a positive block size whose square divides the depth.
pub fn depth_to_space(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 1 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let Some(x) = v.dims(0) else { return Step::Unknown };
    if let Some(s) = rank_eq("NumDimensions(input)", x, 4, "the input") {
        return s;
    }
    let bs = block_size(v);
    if bs <= 0 {
        return Step::Unknown; // an option the kernel refuses
    }
    let (Ok(h), Ok(w)) = (i32::try_from(i64::from(x[1]) * bs), i32::try_from(i64::from(x[2]) * bs)) else { return Step::Unknown };
    let c = i64::from(x[3]);
    let depth = c / bs / bs;
    if c != depth * bs * bs {
        return ensure_eq(
            "input_channels",
            "output_channels * block_size * block_size",
            c,
            depth * bs * bs,
            format!("the depth {c} is not a multiple of block size² = {}", bs * bs),
        );
    }
    Step::one(vec![x[0], h, w, depth as i32])
}

/// resize_bilinear.cc and resize_nearest_neighbor.cc Prepare: a rank-4 input and an int32 size
/// vector of 2 known at Prepare (else the output is dynamic); bilinear sizes must be positive.
pub fn resize(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 2 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(x), Some(s), Some(st)) = (v.dims(0), v.dims(1), v.dtype(1)) else { return Step::Unknown };
    let bilinear = v.op.code == B::RESIZE_BILINEAR;
    if let Some(step) = rank_eq("NumDimensions(input)", x, 4, "the input").or_else(|| rank_eq("NumDimensions(size)", s, 1, "the size")) {
        return step;
    }
    // A size of another type is refused (types are not modelled); RESIZE_NEAREST_NEIGHBOR checks
    // the type before the length, RESIZE_BILINEAR after.
    if !bilinear && st != TensorType::INT32 {
        return Step::Unknown;
    }
    if s[0] != 2 {
        return ensure_eq("size->dims->data[0]", "2", i64::from(s[0]), 2, format!("the size has {} entries", s[0]));
    }
    if st != TensorType::INT32 {
        return Step::Unknown;
    }
    if !v.known_at_prepare(1) {
        return Step::Dynamic;
    }
    let Some(size) = ints(v, 1).filter(|s| s.len() >= 2) else { return Step::Unknown };
    if bilinear {
        for (k, cond) in [(0, "size_data[0] > 0"), (1, "size_data[1] > 0")] {
            if size[k] <= 0 {
                return ensure(cond, format!("the requested size is {}×{}", size[0], size[1]));
            }
        }
    }
    match as_dims(&size[..2]) {
        Some(hw) => Step::one(vec![x[0], hw[0], hw[1], x[3]]),
        None => Step::Unknown,
    }
}
