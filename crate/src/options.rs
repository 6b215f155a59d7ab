//! Builtin options as plain key/value pairs for reports (text and JSON).
//!
//! Each listed options table gives its fields under their schema names; enums are written as their
//! schema names (e.g. "SAME", "RELU6", "INT64"). Tables not listed here give only their type name.

use serde_json::{json, Map, Value};
use tflite_schema::tflite as fb;

use crate::model::{type_name, BuiltinOptionsT};

fn act(a: fb::ActivationFunctionType) -> Value {
    Value::from(a.variant_name().map_or_else(|| format!("UNKNOWN_{}", a.0), str::to_string))
}

fn pad(p: fb::Padding) -> Value {
    Value::from(p.variant_name().map_or_else(|| format!("UNKNOWN_{}", p.0), str::to_string))
}

fn ty(t: fb::TensorType) -> Value {
    Value::from(type_name(t))
}

/// The options of one operator: `{"type": "Pool2DOptions", "filter_width": 65, …}`; empty when none.
pub fn describe(options: &BuiltinOptionsT) -> Map<String, Value> {
    use BuiltinOptionsT as O;
    let v = match options {
        O::NONE => return Map::new(),
        O::Conv2DOptions(o) => json!({"type": "Conv2DOptions", "padding": pad(o.padding), "stride_w": o.stride_w,
            "stride_h": o.stride_h, "dilation_w_factor": o.dilation_w_factor, "dilation_h_factor": o.dilation_h_factor,
            "fused_activation_function": act(o.fused_activation_function)}),
        O::DepthwiseConv2DOptions(o) => json!({"type": "DepthwiseConv2DOptions", "padding": pad(o.padding),
            "stride_w": o.stride_w, "stride_h": o.stride_h, "depth_multiplier": o.depth_multiplier,
            "dilation_w_factor": o.dilation_w_factor, "dilation_h_factor": o.dilation_h_factor,
            "fused_activation_function": act(o.fused_activation_function)}),
        O::Pool2DOptions(o) => json!({"type": "Pool2DOptions", "padding": pad(o.padding), "stride_w": o.stride_w,
            "stride_h": o.stride_h, "filter_width": o.filter_width, "filter_height": o.filter_height,
            "fused_activation_function": act(o.fused_activation_function)}),
        O::FullyConnectedOptions(o) => json!({"type": "FullyConnectedOptions",
            "fused_activation_function": act(o.fused_activation_function), "keep_num_dims": o.keep_num_dims,
            "asymmetric_quantize_inputs": o.asymmetric_quantize_inputs}),
        O::ResizeBilinearOptions(o) => json!({"type": "ResizeBilinearOptions", "align_corners": o.align_corners,
            "half_pixel_centers": o.half_pixel_centers}),
        O::ResizeNearestNeighborOptions(o) => json!({"type": "ResizeNearestNeighborOptions",
            "align_corners": o.align_corners, "half_pixel_centers": o.half_pixel_centers}),
        O::ArgMaxOptions(o) => json!({"type": "ArgMaxOptions", "output_type": ty(o.output_type)}),
        O::ArgMinOptions(o) => json!({"type": "ArgMinOptions", "output_type": ty(o.output_type)}),
        O::ConcatenationOptions(o) => json!({"type": "ConcatenationOptions", "axis": o.axis,
            "fused_activation_function": act(o.fused_activation_function)}),
        O::AddOptions(o) => json!({"type": "AddOptions", "fused_activation_function": act(o.fused_activation_function)}),
        O::SubOptions(o) => json!({"type": "SubOptions", "fused_activation_function": act(o.fused_activation_function)}),
        O::MulOptions(o) => json!({"type": "MulOptions", "fused_activation_function": act(o.fused_activation_function)}),
        O::DivOptions(o) => json!({"type": "DivOptions", "fused_activation_function": act(o.fused_activation_function)}),
        O::L2NormOptions(o) => json!({"type": "L2NormOptions", "fused_activation_function": act(o.fused_activation_function)}),
        O::ReshapeOptions(o) => json!({"type": "ReshapeOptions", "new_shape": o.new_shape}),
        O::SqueezeOptions(o) => json!({"type": "SqueezeOptions", "squeeze_dims": o.squeeze_dims}),
        O::SoftmaxOptions(o) => json!({"type": "SoftmaxOptions", "beta": o.beta}),
        O::ReducerOptions(o) => json!({"type": "ReducerOptions", "keep_dims": o.keep_dims}),
        O::StridedSliceOptions(o) => json!({"type": "StridedSliceOptions", "begin_mask": o.begin_mask,
            "end_mask": o.end_mask, "ellipsis_mask": o.ellipsis_mask, "new_axis_mask": o.new_axis_mask,
            "shrink_axis_mask": o.shrink_axis_mask, "offset": o.offset}),
        O::PackOptions(o) => json!({"type": "PackOptions", "values_count": o.values_count, "axis": o.axis}),
        O::UnpackOptions(o) => json!({"type": "UnpackOptions", "num": o.num, "axis": o.axis}),
        O::TransposeConvOptions(o) => json!({"type": "TransposeConvOptions", "padding": pad(o.padding),
            "stride_w": o.stride_w, "stride_h": o.stride_h, "fused_activation_function": act(o.fused_activation_function)}),
        O::CastOptions(o) => json!({"type": "CastOptions", "in_data_type": ty(o.in_data_type),
            "out_data_type": ty(o.out_data_type)}),
        O::SplitOptions(o) => json!({"type": "SplitOptions", "num_splits": o.num_splits}),
        O::SplitVOptions(o) => json!({"type": "SplitVOptions", "num_splits": o.num_splits}),
        O::GatherOptions(o) => json!({"type": "GatherOptions", "axis": o.axis, "batch_dims": o.batch_dims}),
        O::LeakyReluOptions(o) => json!({"type": "LeakyReluOptions", "alpha": o.alpha}),
        O::BatchMatMulOptions(o) => json!({"type": "BatchMatMulOptions", "adj_x": o.adj_x, "adj_y": o.adj_y}),
        O::MirrorPadOptions(o) => json!({"type": "MirrorPadOptions",
            "mode": o.mode.variant_name().unwrap_or("UNKNOWN")}),
        O::LSHProjectionOptions(o) => json!({"type": "LSHProjectionOptions",
            "projection_type": o.type_.variant_name().unwrap_or("UNKNOWN")}),
        O::DepthToSpaceOptions(o) => json!({"type": "DepthToSpaceOptions", "block_size": o.block_size}),
        O::SpaceToDepthOptions(o) => json!({"type": "SpaceToDepthOptions", "block_size": o.block_size}),
        other => json!({"type": other.builtin_options_type().variant_name().unwrap_or("UnknownOptions")}),
    };
    match v {
        Value::Object(m) => m,
        _ => Map::new(), // ok: every arm above builds an object
    }
}
