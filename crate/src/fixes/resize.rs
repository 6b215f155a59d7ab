//! RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR with `align_corners=true`, refused at level ≤ 29
//! ("NNAPI does not support align_corners == true.", nnapi_delegate.cc).
//!
//! Changes: the resize runs without align_corners to a larger size, then a SLICE (STRIDED_SLICE at
//! level 28) keeps the first rows and columns; the original output tensor keeps its name and index.
//! When the resize feeds only an ARG_MAX over channels, the crop moves after the ARG_MAX (a smaller
//! int32 tensor is cropped instead of the float/uint8 logits).
//!
//! Why it is exact: with align_corners the source coordinate of output row y is y·(in−1)/(out−1);
//! without it, resizing to out2 = in·(out−1)/(in−1) gives y·in/out2, the same rational number.
//! Both scales are correctly rounded float divisions of the same value, so every kernel computes
//! identical source coordinates and weights for rows 0..out−1. An axis with in = 1 or in = out is
//! exact with the flag simply cleared (scale 0 or 1 either way). Nearest neighbour rounds the
//! coordinate with align_corners and floors it without, so only those trivial axes are exact for it.

use tflite_schema::tflite::{SliceOptionsT, StridedSliceOptionsT};

use super::{Change, Ctx, Exactness, Delegate};
use crate::model::{BuiltinOperator as B, BuiltinOptionsT as O, TensorType};
use crate::surgery::Draft;

pub const ID: &str = "resize-align-corners";

pub fn cures(d: Delegate, reason: &str) -> bool {
    d == Delegate::Nnapi && (reason == "NNAPI does not support align_corners == true.")
}

#[derive(Debug, Clone)]
pub struct Plan {
    op: usize,
    /// Size to resize to without align_corners.
    new_hw: [i32; 2],
    out_shape: Vec<i32>,
    /// Crop needed (some axis grew).
    crop: bool,
    /// Crop after this ARG_MAX/ARG_MIN instead of after the resize.
    after_argmax: Option<usize>,
    use_slice: bool,
    bilinear: bool,
    /// A float bilinear resize with a 1→N axis: see `apply`.
    float_unit_axis: bool,
}

fn align_corners(o: &O) -> Option<(bool, bool)> {
    match o {
        O::ResizeBilinearOptions(r) => Some((r.align_corners, r.half_pixel_centers)),
        O::ResizeNearestNeighborOptions(r) => Some((r.align_corners, r.half_pixel_centers)),
        _ => None,
    }
}

/// The size per axis that makes the rewrite exact, or None.
fn exact_size(input: i32, output: i32, bilinear: bool) -> Option<i32> {
    if input == 1 || input == output {
        return Some(output);
    }
    if !bilinear || input < 1 || output < 2 {
        return None;
    }
    let num = i64::from(input) * i64::from(output - 1);
    let den = i64::from(input - 1);
    (num % den == 0).then(|| i32::try_from(num / den).ok()).flatten()
}

pub fn plan(c: &Ctx<'_, '_>, i: usize) -> Result<Plan, String> {
    let op = &c.sg.operators[i];
    let bilinear = op.code == B::RESIZE_BILINEAR;
    let (ac, hpc) = align_corners(&op.options).ok_or("the resize has no options")?;
    if !ac {
        return Err("align_corners is already false".into());
    }
    if hpc {
        return Err("half_pixel_centers is also set; no exact rewrite is known for that combination".into());
    }
    let input = op.input(0).and_then(|t| c.sg.tensors.get(t)).ok_or("the resize has no input")?;
    let output = op.output(0).and_then(|t| c.sg.tensors.get(t)).ok_or("the resize has no output")?;
    if input.rank() != 4 || output.rank() != 4 {
        return Err("the input and output must be rank 4".into());
    }
    let (ih, iw, oh, ow) = (input.shape[1], input.shape[2], output.shape[1], output.shape[2]);
    let h = exact_size(ih, oh, bilinear);
    let w = exact_size(iw, ow, bilinear);
    let (Some(h2), Some(w2)) = (h, w) else {
        return Err(format!(
            "no exact form: {ih}×{iw} → {oh}×{ow} needs in·(out−1)/(in−1) to be whole on every axis{}",
            if bilinear { "" } else { " (nearest neighbour: only 1→N and N→N axes are exact)" }
        ));
    };
    let crop = h2 != oh || w2 != ow;
    if crop && c.level < 28 {
        return Err("the crop needs STRIDED_SLICE (API 28) or SLICE (API 29)".into());
    }
    let out_t = op.outputs[0];
    Ok(Plan {
        op: i,
        new_hw: [h2, w2],
        out_shape: output.shape.clone(),
        crop,
        after_argmax: if crop { argmax_consumer(c, i, out_t) } else { None },
        use_slice: c.level >= 29,
        bilinear,
        float_unit_axis: bilinear && input.dtype == TensorType::FLOAT32 && ((ih == 1 && oh > 1) || (iw == 1 && ow > 1)),
    })
}

/// An ARG_MAX/ARG_MIN over the last axis that is the only reader of `t` (and `t` is no graph output),
/// later in the plan than the resize `i`: the crop is inserted after it, and fixes are applied from
/// the last op back, so an insertion before `i` would shift ops whose fixes are still to come.
fn argmax_consumer(c: &Ctx<'_, '_>, i: usize, t: i32) -> Option<usize> {
    if c.sg.outputs.contains(&t) {
        return None;
    }
    let readers: Vec<usize> =
        c.sg.operators.iter().enumerate().filter(|(_, o)| o.inputs.contains(&t)).map(|(k, _)| k).collect();
    let &[k] = readers.as_slice() else { return None };
    if k <= i {
        return None;
    }
    let op = &c.sg.operators[k];
    if !matches!(op.code, B::ARG_MAX | B::ARG_MIN) || op.inputs.first() != Some(&t) {
        return None;
    }
    // Cropping an int64 class map would put an op NNAPI refuses at the end.
    let int32 = op.output(0).and_then(|o| c.sg.tensors.get(o)).is_some_and(|o| o.dtype == TensorType::INT32);
    if !int32 && !c.int32_argmax.contains(&k) {
        return None;
    }
    let axis = op.input(1).and_then(|a| c.sg.tensors.get(a)).and_then(|a| c.model.const_ints(a))?;
    (axis == [3] || axis == [-1]).then_some(k)
}

pub fn apply(d: &mut Draft<'_>, p: &Plan) -> Change {
    let resize_out = output_of(d, p.op);
    let name = d.tensor(resize_out).and_then(|t| t.name.clone()).unwrap_or_default();
    clear_flag(d, p.op);
    let mut what = "align_corners → false".to_string();
    let mut touched = vec![resize_out];
    if p.crop {
        let size_name = format!("{name}/size_without_align_corners");
        let new_size = d.add_const_i32(&size_name, &[2], &p.new_hw);
        set_input(d, p.op, 1, new_size);
        let [n, c] = [p.out_shape[0], p.out_shape[3]];
        let big = d.add_tensor_like(resize_out, &format!("{name}/uncropped"), &[n, p.new_hw[0], p.new_hw[1], c]);
        set_output(d, p.op, big);
        touched.push(big);
        match p.after_argmax {
            Some(k) => {
                let arg_out = output_of(d, k);
                let arg_shape = vec![n, p.new_hw[0], p.new_hw[1]];
                let arg_name = d.tensor(arg_out).and_then(|t| t.name.clone()).unwrap_or_default();
                let arg_big = d.add_tensor_like(arg_out, &format!("{arg_name}/uncropped"), &arg_shape);
                set_input(d, k, 0, big);
                set_output(d, k, arg_big);
                insert_crop(d, k + 1, arg_big, arg_out, &[n, p.out_shape[1], p.out_shape[2]], p.use_slice);
                touched.extend([arg_big, arg_out]);
                what += &format!(
                    ", resize to {}×{} and keep the first {}×{} of the class map after ARG_MAX ({})",
                    p.new_hw[0], p.new_hw[1], p.out_shape[1], p.out_shape[2], crop_name(p.use_slice)
                );
            }
            None => {
                insert_crop(d, p.op + 1, big, resize_out, &p.out_shape, p.use_slice);
                what += &format!(
                    ", resize to {}×{} and keep the first {}×{} ({})",
                    p.new_hw[0], p.new_hw[1], p.out_shape[1], p.out_shape[2], crop_name(p.use_slice)
                );
            }
        }
    } else {
        what += " (the flag does not change this resize: every axis is 1→N or N→N)";
    }
    let op_type = if p.bilinear { "RESIZE_BILINEAR" } else { "RESIZE_NEAREST_NEIGHBOR" };
    if p.float_unit_axis {
        // Without align_corners a 1→N axis interpolates v·(1−f) + v·f, which float arithmetic does
        // not always round back to v (measured: 1-ulp differences in TFLite's builtin kernel).
        let mut c = Change::new(ID, p.op, op_type, what, Exactness::NearExact, touched);
        c.detail = "float input with a 1→N axis: exact under XNNPACK, up to 1 ulp off in TFLite's builtin kernel".into();
        return c;
    }
    Change::new(ID, p.op, op_type, what, Exactness::Exact, touched)
}

fn crop_name(slice: bool) -> &'static str {
    if slice {
        "SLICE"
    } else {
        "STRIDED_SLICE"
    }
}

fn clear_flag(d: &mut Draft<'_>, i: usize) {
    match &mut d.operators()[i].builtin_options {
        O::ResizeBilinearOptions(r) => r.align_corners = false,
        O::ResizeNearestNeighborOptions(r) => r.align_corners = false,
        _ => {} // plan() only accepts resizes that have these options

    }
}

fn output_of(d: &mut Draft<'_>, i: usize) -> i32 {
    d.operators()[i].outputs.as_ref().and_then(|o| o.first().copied()).unwrap_or(-1)
}

fn set_input(d: &mut Draft<'_>, i: usize, k: usize, t: i32) {
    if let Some(slot) = d.operators()[i].inputs.as_mut().and_then(|v| v.get_mut(k)) {
        *slot = t;
    }
}

fn set_output(d: &mut Draft<'_>, i: usize, t: i32) {
    if let Some(slot) = d.operators()[i].outputs.as_mut().and_then(|v| v.get_mut(0)) {
        *slot = t;
    }
}

/// Keeps the leading `shape` of `from` in `to` (a SLICE, or a STRIDED_SLICE before API 29).
fn insert_crop(d: &mut Draft<'_>, at: usize, from: i32, to: i32, shape: &[i32], slice: bool) {
    let rank = shape.len();
    let name = d.tensor(to).and_then(|t| t.name.clone()).unwrap_or_default();
    let begin = d.add_const_i32(&format!("{name}/crop_begin"), &[rank as i32], &vec![0; rank]);
    // The int8 kernels are version 2; uint8, int32 and float are version 1.
    let version = if d.tensor(from).is_some_and(|t| t.type_ == TensorType::INT8) { 2 } else { 1 };
    if slice {
        let size = d.add_const_i32(&format!("{name}/crop_size"), &[rank as i32], shape);
        let opts = O::SliceOptions(Box::<SliceOptionsT>::default());
        d.insert_op(at, B::SLICE, version, vec![from, begin, size], vec![to], opts);
    } else {
        let end = d.add_const_i32(&format!("{name}/crop_end"), &[rank as i32], shape);
        let strides = d.add_const_i32(&format!("{name}/crop_strides"), &[rank as i32], &vec![1; rank]);
        let opts = O::StridedSliceOptions(Box::<StridedSliceOptionsT>::default());
        d.insert_op(at, B::STRIDED_SLICE, version, vec![from, begin, end, strides], vec![to], opts);
    }
}
