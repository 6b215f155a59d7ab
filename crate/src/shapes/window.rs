//! Windowed kernels: CONV_2D (conv.cc), DEPTHWISE_CONV_2D (depthwise_conv.cc), the 2-D pools
//! (pooling.cc) and TRANSPOSE_CONV (transpose_conv.cc), with the output-size arithmetic of
//! tflite/kernels/padding.h.

use tflite_schema::tflite::Padding;

use super::{debug_shape, ensure, ensure_eq, silent, OpView, Step};
use crate::model::{BuiltinOptionsT as Opts, TensorType};

/// `TfLitePadding` as the flatbuffer parser leaves it (missing options: all zero = unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pad {
    Unknown,
    Same,
    Valid,
}

impl Pad {
    fn of(p: Padding) -> Pad {
        match p {
            Padding::SAME => Pad::Same,
            Padding::VALID => Pad::Valid,
            _ => Pad::Unknown,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Pad::Same => "SAME",
            Pad::Valid => "VALID",
            Pad::Unknown => "unknown",
        }
    }
}

/// The window parameters a kernel reads from its options (all zero when the options are missing,
/// as the parser value-initialises them).
#[derive(Debug, Clone, Copy)]
struct Window {
    pad: Pad,
    stride_h: i32,
    stride_w: i32,
    dilation_h: i32,
    dilation_w: i32,
}

fn window(o: &Opts) -> Window {
    match o {
        Opts::Conv2DOptions(o) => Window {
            pad: Pad::of(o.padding),
            stride_h: o.stride_h,
            stride_w: o.stride_w,
            dilation_h: o.dilation_h_factor,
            dilation_w: o.dilation_w_factor,
        },
        Opts::DepthwiseConv2DOptions(o) => Window {
            pad: Pad::of(o.padding),
            stride_h: o.stride_h,
            stride_w: o.stride_w,
            dilation_h: o.dilation_h_factor,
            dilation_w: o.dilation_w_factor,
        },
        Opts::Pool2DOptions(o) => {
            Window { pad: Pad::of(o.padding), stride_h: o.stride_h, stride_w: o.stride_w, dilation_h: 1, dilation_w: 1 }
        }
        Opts::TransposeConvOptions(o) => {
            Window { pad: Pad::of(o.padding), stride_h: o.stride_h, stride_w: o.stride_w, dilation_h: 1, dilation_w: 1 }
        }
        _ => Window { pad: Pad::Unknown, stride_h: 0, stride_w: 0, dilation_h: 0, dilation_w: 0 },
    }
}

/// One spatial axis of a window.
#[derive(Debug, Clone, Copy)]
struct Axis {
    name: &'static str,
    image: i32,
    filter: i32,
    stride: i32,
    dilation: i32,
}

/// `ComputeOutSizeChecked` (padding.h): `Err` with the reason when it fails. Integer division
/// truncates toward zero, as in C++.
fn out_size(pad: Pad, a: Axis) -> Result<i32, String> {
    if pad == Pad::Unknown {
        return Err("the padding is neither SAME nor VALID".into());
    }
    if a.image < 0 || a.filter <= 0 || a.stride <= 0 || a.dilation <= 0 {
        return Err(format!(
            "the {} window is invalid (input {}, filter {}, stride {}, dilation {})",
            a.name, a.image, a.filter, a.stride, a.dilation
        ));
    }
    let effective = (i64::from(a.filter) - 1) * i64::from(a.dilation) + 1;
    let (image, stride) = (i64::from(a.image), i64::from(a.stride));
    let value = match pad {
        Pad::Same => (image + stride - 1) / stride,
        _ => (image + stride - effective) / stride,
    };
    if value < 0 {
        return Err(format!(
            "the output {} would be negative: (input {} {image} + stride {stride} − effective filter {} {effective}) / stride {stride} = {value}",
            a.name, a.name, a.name
        ));
    }
    i32::try_from(value).map_err(|_| format!("the output {} does not fit in an int", a.name))
}

/// `ComputePaddingWithOffsetChecked` (padding.h): the total padding halved must fit in an int.
fn padding_fits(a: Axis, out: i32) -> bool {
    let effective = (i64::from(a.filter) - 1) * i64::from(a.dilation) + 1;
    let total = (i64::from(out) - 1) * i64::from(a.stride) + effective - i64::from(a.image);
    i32::try_from(total.max(0) / 2).is_ok()
}

/// `ComputePaddingHeightWidthChecked` (padding.h): width first, then height, then the paddings.
fn out_hw(pad: Pad, h: Axis, w: Axis) -> Result<(i32, i32), String> {
    let ow = out_size(pad, w)?;
    let oh = out_size(pad, h)?;
    if !padding_fits(h, oh) || !padding_fits(w, ow) {
        return Err("the padding does not fit in an int".into());
    }
    Ok((oh, ow))
}

fn axes(x: &[i32], fh: i32, fw: i32, p: Window) -> (Axis, Axis) {
    (
        Axis { name: "height", image: x[1], filter: fh, stride: p.stride_h, dilation: p.dilation_h },
        Axis { name: "width", image: x[2], filter: fw, stride: p.stride_w, dilation: p.dilation_w },
    )
}

/// A rank check: `check` is the kernel's left-hand side, `noun` names the tensor for people.
fn rank_is(check: &str, noun: &str, d: &[i32], rank: usize) -> Option<Step> {
    (d.len() != rank).then(|| {
        ensure_eq(
            check,
            &rank.to_string(),
            d.len() as i64,
            rank as i64,
            format!("{noun} has shape {}, of rank {}, not {rank}", debug_shape(d), d.len()),
        )
    })
}

/// The first of `(condition text, holds, why)` that does not hold, as a TF_LITE_ENSURE failure.
fn first_false(checks: &[(&str, bool, String)]) -> Option<Step> {
    checks.iter().find(|(_, ok, _)| !ok).map(|(cond, _, why)| ensure(cond, why.clone()))
}

/// conv.cc Prepare: ranks, positive sizes, channel groups, strides and dilations, the bias
/// length, then the output size. Not modelled: the `has_bias` requirement (a CONV_2D without
/// bias fails there whatever its shapes), types and quantization.
pub fn conv(v: &OpView<'_, '_, '_>) -> Step {
    if !(v.inputs() == 2 || v.inputs() == 3) || v.outputs() != 1 || (v.inputs() == 3 && !v.has(2)) {
        return Step::Unknown;
    }
    let (Some(x), Some(f)) = (v.dims(0), v.dims(1)) else { return Step::Unknown };
    if let Some(s) = rank_is("input->dims->size", "the input", x, 4).or_else(|| rank_is("filter->dims->size", "the filter", f, 4)) {
        return s;
    }
    let p = window(&v.op.options);
    let dims = format!("input {}, filter {}", debug_shape(x), debug_shape(f));
    let zero = |what: &str| format!("the {what} is 0 ({dims})");
    if let Some(s) = first_false(&[
        ("input->dims->data[1] > 0", x[1] > 0, zero("input height")),
        ("input->dims->data[2] > 0", x[2] > 0, zero("input width")),
        ("input_channel > 0", x[3] > 0, zero("input depth")),
        ("filter->dims->data[1] > 0", f[1] > 0, zero("filter height")),
        ("filter->dims->data[2] > 0", f[2] > 0, zero("filter width")),
        ("filter->dims->data[0] > 0", f[0] > 0, zero("number of filters")),
        ("filter_input_channel > 0", f[3] > 0, zero("filter depth")),
    ]) {
        return s;
    }
    if x[3] % f[3] != 0 {
        return ensure_eq(
            "input_channel % filter_input_channel",
            "0",
            i64::from(x[3] % f[3]),
            0,
            format!("the input depth {} is not a multiple of the filter depth {} ({dims})", x[3], f[3]),
        );
    }
    let groups = x[3] / f[3];
    if f[0] % groups != 0 {
        return ensure_eq(
            "filter->dims->data[0] % data->groups",
            "0",
            i64::from(f[0] % groups),
            0,
            format!("{} filters do not split into {groups} groups ({dims})", f[0]),
        );
    }
    if !p.valid(i32::MAX) {
        return Step::Unknown; // the kernel refuses the options, whatever the shapes
    }
    if v.has(2) {
        let Some(b) = v.dims(2) else { return Step::Unknown };
        let n = super::elements(b).unwrap_or(0) as i64;
        if n != i64::from(f[0]) {
            return ensure_eq(
                "NumElements(bias)",
                "SizeOfDimension(filter, 0)",
                n,
                i64::from(f[0]),
                format!("the bias has {n} elements for {} filters", f[0]),
            );
        }
    }
    let (h, w) = axes(x, f[1], f[2], p);
    match out_hw(p.pad, h, w) {
        Ok((oh, ow)) => Step::one(vec![x[0], oh, ow, f[0]]),
        Err(why) => silent(format!("{why} ({dims}, {} padding; ComputePaddingHeightWidthChecked fails)", p.pad.name())),
    }
}

impl Window {
    /// Strides and dilations in (0, limit] and a known padding. Kernels that check options refuse
    /// others whatever the shapes; that is not this module's business, so nothing is predicted.
    fn valid(&self, limit: i32) -> bool {
        let ok = |x: i32| x > 0 && x <= limit;
        self.pad != Pad::Unknown && ok(self.stride_h) && ok(self.stride_w) && ok(self.dilation_h) && ok(self.dilation_w)
    }
}

/// depthwise_conv.cc Prepare: ranks, dilation and stride limits, positive sizes, a filter of
/// shape [1, H, W, O] with O a multiple of the input depth, the bias, then the output size.
pub fn depthwise(v: &OpView<'_, '_, '_>) -> Step {
    if !(v.inputs() == 2 || v.inputs() == 3) || v.outputs() != 1 || (v.inputs() == 3 && !v.has(2)) {
        return Step::Unknown;
    }
    let (Some(x), Some(f)) = (v.dims(0), v.dims(1)) else { return Step::Unknown };
    if let Some(s) = rank_is("NumDimensions(input)", "the input", x, 4).or_else(|| rank_is("NumDimensions(filter)", "the filter", f, 4)) {
        return s;
    }
    let p = window(&v.op.options);
    let dims = format!("input {}, filter {}", debug_shape(x), debug_shape(f));
    let zero = |what: &str| format!("the {what} is 0 ({dims})");
    if !p.valid(i32::from(i16::MAX)) {
        return Step::Unknown; // strides and dilations are checked first, and are options
    }
    if let Some(s) = first_false(&[
        ("SizeOfDimension(input, 1) > 0", x[1] > 0, zero("input height")),
        ("SizeOfDimension(input, 2) > 0", x[2] > 0, zero("input width")),
        ("SizeOfDimension(input, 3) > 0", x[3] > 0, zero("input depth")),
        ("SizeOfDimension(filter, 1) > 0", f[1] > 0, zero("filter height")),
        ("SizeOfDimension(filter, 2) > 0", f[2] > 0, zero("filter width")),
        ("SizeOfDimension(filter, 3) > 0", f[3] > 0, zero("filter depth")),
    ]) {
        return s;
    }
    if f[0] != 1 {
        return ensure_eq(
            "SizeOfDimension(filter, 0)",
            "1",
            i64::from(f[0]),
            1,
            format!("a depthwise filter must have shape [1, H, W, channels] ({dims})"),
        );
    }
    if f[3] % x[3] != 0 {
        return ensure_eq(
            "output_channels % input_channels",
            "0",
            i64::from(f[3] % x[3]),
            0,
            format!("the filter's {} channels are not a multiple of the input's {} ({dims})", f[3], x[3]),
        );
    }
    if v.has(2) {
        let Some(b) = v.dims(2) else { return Step::Unknown };
        if b.len() != 1 {
            return ensure_eq(
                "NumDimensions(bias)",
                "1",
                b.len() as i64,
                1,
                format!("the bias has shape {}", debug_shape(b)),
            );
        }
        if b[0] != f[3] {
            return ensure_eq(
                "SizeOfDimension(filter, 3)",
                "SizeOfDimension(bias, 0)",
                i64::from(f[3]),
                i64::from(b[0]),
                format!("the bias has {} elements for {} output channels", b[0], f[3]),
            );
        }
    }
    let (h, w) = axes(x, f[1], f[2], p);
    match out_hw(p.pad, h, w) {
        Ok((oh, ow)) => Step::one(vec![x[0], oh, ow, f[3]]),
        Err(why) => silent(format!("{why} ({dims}, {} padding; ComputePaddingHeightWidthChecked fails)", p.pad.name())),
    }
}

/// pooling.cc GenericPrepare: rank 4 and positive strides. The output size comes from
/// `ComputePaddingHeightWidth`, which gives 0 instead of failing: a window wider than the input
/// makes an empty output, not a failure.
pub fn pool(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 1 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let Some(x) = v.dims(0) else { return Step::Unknown };
    if let Some(s) = rank_is("NumDimensions(input)", "the input", x, 4) {
        return s;
    }
    let p = window(&v.op.options);
    if p.stride_h <= 0 || p.stride_w <= 0 {
        return Step::Unknown; // an option the kernel refuses
    }
    let (fh, fw) = match &v.op.options {
        Opts::Pool2DOptions(o) => (o.filter_height, o.filter_width),
        _ => (0, 0),
    };
    let (h, w) = axes(x, fh, fw, p);
    // Width first; a failure leaves both sizes 0, a failing height leaves the height 0.
    let (oh, ow) = match out_size(p.pad, w) {
        Ok(ow) => (out_size(p.pad, h).unwrap_or(0), ow),
        Err(_) => (0, 0),
    };
    Step::one(vec![x[0], oh, ow, x[3]])
}

/// transpose_conv.cc Prepare: ranks, strides, positive sizes, the bias length and matching
/// channels; the output takes the shape given by the constant `output_shape` input (a
/// non-constant one makes the output dynamic).
pub fn transpose_conv(v: &OpView<'_, '_, '_>) -> Step {
    if !(v.inputs() == 3 || v.inputs() == 4) || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(s), Some(w), Some(x)) = (v.dims(0), v.dims(1), v.dims(2)) else { return Step::Unknown };
    if let Some(step) = rank_is("NumDimensions(output_shape)", "the output_shape input", s, 1)
        .or_else(|| rank_is("NumDimensions(input)", "the input", x, 4))
        .or_else(|| rank_is("NumDimensions(weights)", "the weights", w, 4))
    {
        return step;
    }
    let p = window(&v.op.options);
    if !(p.stride_h > 0 && p.stride_h <= i32::from(i16::MAX) && p.stride_w > 0 && p.stride_w <= i32::from(i16::MAX)) {
        return Step::Unknown; // options the kernel refuses first
    }
    let dims = format!("input {}, weights {}", debug_shape(x), debug_shape(w));
    let zero = |what: &str| format!("the {what} is 0 ({dims})");
    if let Some(step) = first_false(&[
        ("SizeOfDimension(input, 1) > 0", x[1] > 0, zero("input height")),
        ("SizeOfDimension(input, 2) > 0", x[2] > 0, zero("input width")),
        ("SizeOfDimension(input, 3) > 0", x[3] > 0, zero("input depth")),
        ("SizeOfDimension(weights, 0) > 0", w[0] > 0, zero("number of filters")),
        ("SizeOfDimension(weights, 1) > 0", w[1] > 0, zero("filter height")),
        ("SizeOfDimension(weights, 2) > 0", w[2] > 0, zero("filter width")),
    ]) {
        return step;
    }
    if v.inputs() == 4 && v.has(3) {
        let Some(b) = v.dims(3) else { return Step::Unknown };
        let n = super::elements(b).unwrap_or(0) as i64;
        if n != i64::from(w[0]) {
            return ensure_eq(
                "NumElements(bias)",
                "SizeOfDimension(weights, 0)",
                n,
                i64::from(w[0]),
                format!("the bias has {n} elements for {} filters", w[0]),
            );
        }
    }
    if x[3] != w[3] {
        return ensure_eq(
            "SizeOfDimension(input, 3)",
            "SizeOfDimension(weights, 3)",
            i64::from(x[3]),
            i64::from(w[3]),
            format!("the input depth {} differs from the weights' depth {}", x[3], w[3]),
        );
    }
    // Only a constant from the file counts here (IsConstantTensor), not a computed value.
    if !v.is_file_constant(0) {
        return Step::Dynamic;
    }
    let Some(values) = v.values(0) else { return Step::Unknown };
    if values.dtype != TensorType::INT32 {
        return Step::Unknown; // the kernel refuses other types ("Output shape is …, not int32.")
    }
    let out: Option<Vec<i32>> = values.ints.iter().map(|&d| i32::try_from(d).ok().filter(|d| *d >= 0)).collect();
    match out {
        Some(d) if d.len() == 4 => Step::one(d),
        _ => Step::Unknown,
    }
}
