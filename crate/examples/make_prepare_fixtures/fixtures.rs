//! The fixtures of make_prepare_fixtures (also compiled into crate/tests/prepare.rs): for each
//! rule of `delegate_doctor::dynamic` a model where the deciding input is known at Prepare time
//! and one where it is not, and models for the names benchmark_model prints after Prepare.

use delegate_doctor::builder::{const_bytes, const_f32, const_i32, tensor, ModelBuilder, TensorSpec, OPTIONAL};
use delegate_doctor::model::{BuiltinOperator as B, BuiltinOptionsT, TensorType as T};
use delegate_doctor::opts;
use tflite_schema::tflite::{DimensionMetadataT, DimensionType, Padding, SparsityParametersT};

/// (name, dynamic: preparing it leaves a dynamic-sized tensor, the model).
pub type Fixture = (&'static str, bool, Vec<u8>);

/// Every fixture.
pub fn all() -> Vec<Fixture> {
    [simple_kernels(), computed_values(), strings_and_resources(), control_flow(), names()].concat()
}

fn f32t(name: &str, shape: &[i32]) -> TensorSpec {
    tensor(name, T::FLOAT32, shape)
}

/// An int32 operand: a constant with `values`, or (`computed`) a graph input of the same shape.
fn int_operand(b: &mut ModelBuilder, computed: bool, name: &str, shape: &[i32], values: &[i32]) -> i32 {
    if computed {
        b.input(tensor(name, T::INT32, shape))
    } else {
        b.add(const_i32(name, shape, values))
    }
}

/// x → OP(x, operand) → y, the operand (an int32 constant of `shape` and `values`, or a graph
/// input of that shape) the op's second input.
fn with_operand(
    code: B,
    options: BuiltinOptionsT,
    computed: bool,
    x_shape: &[i32],
    operand: (&[i32], &[i32]),
    y_shape: &[i32],
) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", x_shape));
    let k = int_operand(&mut b, computed, "operand", operand.0, operand.1);
    let y = b.add(f32t("y", y_shape));
    b.op(code, &[x, k], &[y]).options(options);
    b.output(y);
    b.finish()
}

/// FILL(dims, 1.0) → y [2, 3], the dims made by `make_dims` (an int32 [2] tensor).
fn fill_from(make_dims: impl FnOnce(&mut ModelBuilder) -> i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let dims = make_dims(&mut b);
    let v = b.add(const_f32("value", &[], &[1.0]));
    let y = b.add(f32t("y", &[2, 3]));
    b.op(B::FILL, &[dims, v], &[y]);
    b.output(y);
    b.finish()
}

/// RESHAPE(x [6], shape) → y [2, 3], the shape made by `make_shape` (an int32 [2] tensor).
fn reshape_from(make_shape: impl FnOnce(&mut ModelBuilder) -> i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[6]));
    let shape = make_shape(&mut b);
    let y = b.add(f32t("y", &[2, 3]));
    b.op(B::RESHAPE, &[x, shape], &[y]);
    b.output(y);
    b.finish()
}

/// SHAPE(z) as int32, z a graph input of `shape`: computed in Prepare.
fn shape_of(b: &mut ModelBuilder, shape: &[i32]) -> i32 {
    let z = b.input(f32t("z", shape));
    let s = b.add(tensor("shape", T::INT32, &[shape.len() as i32]));
    b.op(B::SHAPE, &[z], &[s]).options(opts!(ShapeOptions { out_type: T::INT32 }));
    s
}

/// The kernels with one rule, both ways: `computed` = the deciding input is a graph input.
fn pairs(c: bool) -> Vec<(&'static str, Vec<u8>)> {
    let none = BuiltinOptionsT::NONE;
    let image = (&[1, 2, 2, 1][..], &[1, 4, 4, 1][..]);
    vec![
        ("arg_max", arg_op(B::ARG_MAX, c, opts!(ArgMaxOptions { output_type: T::INT32 }))),
        ("arg_min", arg_op(B::ARG_MIN, c, opts!(ArgMinOptions { output_type: T::INT32 }))),
        ("batch_to_space_nd", batch_space(B::BATCH_TO_SPACE_ND, c)),
        ("space_to_batch_nd", batch_space(B::SPACE_TO_BATCH_ND, c)),
        ("broadcast_to", broadcast_to(c)),
        ("expand_dims", with_operand(B::EXPAND_DIMS, none.clone(), c, &[2, 3], (&[1], &[0]), &[1, 2, 3])),
        ("fill", fill_from(|b| int_operand(b, c, "dims", &[2], &[2, 3]))),
        (
            "mirror_pad",
            with_operand(B::MIRROR_PAD, opts!(MirrorPadOptions {}), c, &[2, 2], (&[2, 2], &[1; 4]), &[4, 4]),
        ),
        ("pad", with_operand(B::PAD, none.clone(), c, &[2, 2], (&[2, 2], &[1, 1, 0, 0]), &[4, 2])),
        ("padv2", padv2(c)),
        (
            "resize_bilinear",
            with_operand(B::RESIZE_BILINEAR, opts!(ResizeBilinearOptions {}), c, image.0, (&[2], &[4, 4]), image.1),
        ),
        (
            "resize_nearest_neighbor",
            with_operand(
                B::RESIZE_NEAREST_NEIGHBOR,
                opts!(ResizeNearestNeighborOptions {}),
                c,
                image.0,
                (&[2], &[4, 4]),
                image.1,
            ),
        ),
        ("transpose", with_operand(B::TRANSPOSE, none.clone(), c, &[2, 3], (&[2], &[1, 0]), &[3, 2])),
        ("tile", with_operand(B::TILE, none, c, &[1, 2], (&[2], &[2, 1]), &[2, 2])),
        ("one_hot", one_hot(c)),
        ("reshape", reshape_from(|b| int_operand(b, c, "shape", &[2], &[2, 3]))),
        ("mean", reduce(B::MEAN, c)),
        ("reduce_max", reduce(B::REDUCE_MAX, c)),
        ("random_uniform", random(B::RANDOM_UNIFORM, c)),
        ("random_standard_normal", random(B::RANDOM_STANDARD_NORMAL, c)),
        ("multinomial", multinomial(c)),
        ("scatter_nd", scatter_nd(c)),
        ("segment_sum", segment_sum(c)),
        ("sparse_to_dense", sparse_to_dense(c)),
        ("split", split(c)),
        ("split_v", split_v(c)),
        ("strided_slice", strided_slice(c, false, false)),
        ("topk_v2", topk(c, false)),
        ("transpose_conv", transpose_conv(|b| int_operand(b, c, "output_shape", &[4], &[1, 4, 4, 1]))),
        ("conv_3d_transpose", conv3d_transpose(c)),
        ("unsorted_segment_sum", unsorted_segment_sum(c)),
        ("where", where_op(c)),
        ("non_max_suppression_v4", nms(c, false)),
        ("non_max_suppression_v5", nms(c, true)),
        ("rfft2d", rfft2d(c)),
        ("range", range(c)),
        ("read_variable", read_variable(c)),
        ("dilate", dilate(|b| if c { shape_of(b, &[2, 2]) } else { b.add(const_i32("dilations", &[2], &[2, 2])) })),
    ]
}

fn simple_kernels() -> Vec<Fixture> {
    let mut v: Vec<Fixture> = [false, true]
        .into_iter()
        .flat_map(|c| pairs(c).into_iter().map(move |(name, bytes)| (name, c, bytes)))
        .collect();
    // Known-ness rules the pairs do not cover.
    v.push(("fill_shape_computed", false, fill_from(|b| shape_of(b, &[2, 3]))));
    v.push(("reshape_shape_computed", false, reshape_from(|b| shape_of(b, &[2, 3]))));
    v.push(("reshape_shape_in_options", false, reshape_in_options()));
    v.push(("transpose_conv_shape_computed", true, transpose_conv(|b| shape_of(b, &[1, 4, 4, 1]))));
    v.push(("pad_scalar_input", true, pad_scalar()));
    v.push(("topk_v2_unknown_dimension", true, topk(false, true)));
    v.push(("strided_slice_offset", false, strided_slice(true, true, false)));
    v.push(("strided_slice_offset_strides_computed", true, strided_slice(true, true, true)));
    v.push(("unique", true, unique()));
    v.push(("embedding_lookup_sparse", true, embedding_lookup_sparse()));
    v.extend(slices());
    v
}

fn arg_op(code: B, computed: bool, options: BuiltinOptionsT) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[2, 3]));
    let axis = int_operand(&mut b, computed, "axis", &[1], &[1]);
    let y = b.add(tensor("y", T::INT32, &[2]));
    b.op(code, &[x, axis], &[y]).options(options);
    b.output(y);
    b.finish()
}

/// BATCH_TO_SPACE_ND / SPACE_TO_BATCH_ND with block [2, 2]; the crops / paddings decide.
fn batch_space(code: B, computed: bool) -> Vec<u8> {
    let (from, to) =
        if code == B::BATCH_TO_SPACE_ND { ([4, 2, 2, 1], [1, 4, 4, 1]) } else { ([1, 4, 4, 1], [4, 2, 2, 1]) };
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &from));
    let block = b.add(const_i32("block", &[2], &[2, 2]));
    let pads = int_operand(&mut b, computed, "pads", &[2, 2], &[0, 0, 0, 0]);
    let y = b.add(f32t("y", &to));
    b.op(code, &[x, block, pads], &[y]);
    b.output(y);
    b.finish()
}

/// BROADCAST_TO exists from version 2.
fn broadcast_to(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[1, 3]));
    let shape = int_operand(&mut b, computed, "shape", &[2], &[2, 3]);
    let y = b.add(f32t("y", &[2, 3]));
    b.op(B::BROADCAST_TO, &[x, shape], &[y]).version(2);
    b.output(y);
    b.finish()
}

fn padv2(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[2, 2]));
    let p = int_operand(&mut b, computed, "paddings", &[2, 2], &[1, 1, 0, 0]);
    let cv = b.add(const_f32("constant_values", &[], &[0.5]));
    let y = b.add(f32t("y", &[4, 2]));
    b.op(B::PADV2, &[x, p, cv], &[y]);
    b.output(y);
    b.finish()
}

/// pad.cc: an input of rank 0 is always dynamic, even with constant (empty) paddings.
fn pad_scalar() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[]));
    let p = b.add(const_i32("paddings", &[0, 2], &[]));
    let y = b.add(f32t("y", &[]));
    b.op(B::PAD, &[x, p], &[y]);
    b.output(y);
    b.finish()
}

fn one_hot(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let indices = b.input(tensor("indices", T::INT32, &[3]));
    let depth = int_operand(&mut b, computed, "depth", &[], &[4]);
    let on = b.add(const_f32("on", &[], &[1.0]));
    let off = b.add(const_f32("off", &[], &[0.0]));
    let y = b.add(f32t("y", &[3, 4]));
    b.op(B::ONE_HOT, &[indices, depth, on, off], &[y]).options(opts!(OneHotOptions { axis: -1 }));
    b.output(y);
    b.finish()
}

fn reduce(code: B, computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[2, 3]));
    let axis = int_operand(&mut b, computed, "axis", &[1], &[1]);
    let y = b.add(f32t("y", &[2]));
    b.op(code, &[x, axis], &[y]).options(opts!(ReducerOptions { keep_dims: false }));
    b.output(y);
    b.finish()
}

fn random(code: B, computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let shape = int_operand(&mut b, computed, "shape", &[2], &[2, 3]);
    let y = b.add(f32t("y", &[2, 3]));
    b.op(code, &[shape], &[y]).options(opts!(RandomOptions { seed: 1, seed2: 2 }));
    b.output(y);
    b.finish()
}

fn multinomial(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let logits =
        if computed { b.input(f32t("logits", &[1, 3])) } else { b.add(const_f32("logits", &[1, 3], &[0.1, 0.2, 0.7])) };
    let n = b.add(const_i32("num_samples", &[], &[2]));
    let y = b.add(tensor("y", T::INT64, &[1, 2]));
    b.op(B::MULTINOMIAL, &[logits, n], &[y]).options(opts!(RandomOptions { seed: 1, seed2: 2 }));
    b.output(y);
    b.finish()
}

fn scatter_nd(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let indices = b.add(const_i32("indices", &[2, 1], &[0, 2]));
    let updates = b.input(f32t("updates", &[2]));
    let shape = int_operand(&mut b, computed, "shape", &[1], &[4]);
    let y = b.add(f32t("y", &[4]));
    b.op(B::SCATTER_ND, &[indices, updates, shape], &[y]);
    b.output(y);
    b.finish()
}

/// segment_sum.cc: the data must be known too, so an activation makes it dynamic.
fn segment_sum(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let data = if computed { b.input(f32t("data", &[3, 2])) } else { b.add(const_f32("data", &[3, 2], &[1.0; 6])) };
    let ids = b.add(const_i32("segment_ids", &[3], &[0, 0, 1]));
    let y = b.add(f32t("y", &[2, 2]));
    b.op(B::SEGMENT_SUM, &[data, ids], &[y]);
    b.output(y);
    b.finish()
}

fn sparse_to_dense(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let indices = b.add(const_i32("indices", &[2, 1], &[0, 2]));
    let shape = int_operand(&mut b, computed, "output_shape", &[1], &[4]);
    let values = b.input(f32t("values", &[2]));
    let default = b.add(const_f32("default", &[], &[0.0]));
    let y = b.add(f32t("y", &[4]));
    b.op(B::SPARSE_TO_DENSE, &[indices, shape, values, default], &[y])
        .options(opts!(SparseToDenseOptions { validate_indices: false }));
    b.output(y);
    b.finish()
}

/// split.cc: both outputs.
fn split(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let axis = int_operand(&mut b, computed, "axis", &[], &[1]);
    let x = b.input(f32t("x", &[2, 4]));
    let (y0, y1) = (b.add(f32t("y0", &[2, 2])), b.add(f32t("y1", &[2, 2])));
    b.op(B::SPLIT, &[axis, x], &[y0, y1]).options(opts!(SplitOptions { num_splits: 2 }));
    b.output(y0).output(y1);
    b.finish()
}

fn split_v(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[2, 4]));
    let sizes = int_operand(&mut b, computed, "size_splits", &[2], &[1, 3]);
    let axis = b.add(const_i32("axis", &[], &[1]));
    let (y0, y1) = (b.add(f32t("y0", &[2, 1])), b.add(f32t("y1", &[2, 3])));
    b.op(B::SPLIT_V, &[x, sizes, axis], &[y0, y1]).options(opts!(SplitVOptions { num_splits: 2 }));
    b.output(y0).output(y1);
    b.finish()
}

/// x [4] → STRIDED_SLICE(begin [1], end [3] (a size with `offset`), strides [1]) → y [2]; the
/// begin (or, with `strides_computed`, the strides) a graph input when `computed`.
fn strided_slice(computed: bool, offset: bool, strides_computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[4]));
    let begin = int_operand(&mut b, computed && !strides_computed, "begin", &[1], &[1]);
    let end = b.add(const_i32("end", &[1], &[if offset { 2 } else { 3 }]));
    let strides = int_operand(&mut b, strides_computed, "strides", &[1], &[1]);
    let y = b.add(f32t("y", &[2]));
    b.op(B::STRIDED_SLICE, &[x, begin, end, strides], &[y]).options(opts!(StridedSliceOptions { offset: offset }));
    b.output(y);
    b.finish()
}

/// x [5] → TOPK_V2(k = 2) → values, indices; `unknown_dimension`: x's signature is [-1].
fn topk(computed: bool, unknown_dimension: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let spec = f32t("x", &[5]);
    let x = b.input(if unknown_dimension { spec.signature(&[-1]) } else { spec });
    let k = int_operand(&mut b, computed, "k", &[], &[2]);
    let (values, indices) = (b.add(f32t("values", &[2])), b.add(tensor("indices", T::INT32, &[2])));
    b.op(B::TOPK_V2, &[x, k], &[values, indices]);
    b.output(values).output(indices);
    b.finish()
}

/// TRANSPOSE_CONV to [1, 4, 4, 1] (stride 2, valid), the output shape made by `make_shape`.
fn transpose_conv(make_shape: impl FnOnce(&mut ModelBuilder) -> i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let shape = make_shape(&mut b);
    let w = b.add(const_f32("weights", &[1, 2, 2, 1], &[1.0; 4]));
    let x = b.input(f32t("x", &[1, 2, 2, 1]));
    let y = b.add(f32t("y", &[1, 4, 4, 1]));
    b.op(B::TRANSPOSE_CONV, &[shape, w, x], &[y]).options(opts!(TransposeConvOptions {
        padding: Padding::VALID,
        stride_w: 2,
        stride_h: 2
    }));
    b.output(y);
    b.finish()
}

fn conv3d_transpose(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let shape = int_operand(&mut b, computed, "output_shape", &[5], &[1, 2, 2, 2, 1]);
    let w = b.add(const_f32("filter", &[1, 1, 1, 1, 1], &[1.0]));
    let x = b.input(f32t("x", &[1, 2, 2, 2, 1]));
    let y = b.add(f32t("y", &[1, 2, 2, 2, 1]));
    let o = opts!(Conv3DOptions {
        padding: Padding::VALID,
        stride_d: 1,
        stride_w: 1,
        stride_h: 1,
        dilation_d_factor: 1,
        dilation_w_factor: 1,
        dilation_h_factor: 1
    });
    b.op(B::CONV_3D_TRANSPOSE, &[shape, w, x, OPTIONAL], &[y]).options(o);
    b.output(y);
    b.finish()
}

fn unsorted_segment_sum(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let data = b.input(f32t("data", &[3]));
    let ids = int_operand(&mut b, computed, "segment_ids", &[3], &[0, 1, 0]);
    let n = b.add(const_i32("num_segments", &[], &[2]));
    let y = b.add(f32t("y", &[2]));
    b.op(B::UNSORTED_SEGMENT_SUM, &[data, ids, n], &[y]);
    b.output(y);
    b.finish()
}

fn where_op(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let cond = if computed {
        b.input(tensor("cond", T::BOOL, &[3]))
    } else {
        b.add(const_bytes("cond", T::BOOL, &[3], &[1, 0, 1]))
    };
    let y = b.add(tensor("y", T::INT64, &[2, 1]));
    b.op(B::WHERE, &[cond], &[y]);
    b.output(y);
    b.finish()
}

/// NON_MAX_SUPPRESSION_V4 (or V5 = soft NMS, with sigma and a scores output) on 3 boxes.
fn nms(computed: bool, soft: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let boxes = b.input(f32t("boxes", &[3, 4]));
    let scores = b.input(f32t("scores", &[3]));
    let max = int_operand(&mut b, computed, "max_output_size", &[], &[2]);
    let iou = b.add(const_f32("iou_threshold", &[], &[0.5]));
    let threshold = b.add(const_f32("score_threshold", &[], &[0.0]));
    let mut inputs = vec![boxes, scores, max, iou, threshold];
    let selected = b.add(tensor("selected_indices", T::INT32, &[2]));
    let mut outputs = vec![selected];
    if soft {
        inputs.push(b.add(const_f32("sigma", &[], &[0.5])));
        outputs.push(b.add(f32t("selected_scores", &[2])));
    }
    outputs.push(b.add(tensor("num_selected", T::INT32, &[])));
    let code = if soft { B::NON_MAX_SUPPRESSION_V5 } else { B::NON_MAX_SUPPRESSION_V4 };
    b.op(code, &inputs, &outputs);
    for &o in &outputs {
        b.output(o);
    }
    b.finish()
}

fn rfft2d(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[4, 4]));
    let len = int_operand(&mut b, computed, "fft_length", &[2], &[4, 4]);
    let y = b.add(tensor("y", T::COMPLEX64, &[4, 3]));
    b.op(B::RFFT2D, &[x, len], &[y]);
    b.output(y);
    b.finish()
}

/// RANGE(1, limit, 1) → FILL(range) → [1, 2, 3]: a range computed in Prepare sizes the FILL;
/// with the limit a graph input the RANGE output itself is dynamic.
fn range(computed: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let start = b.add(const_i32("start", &[], &[1]));
    let limit = int_operand(&mut b, computed, "limit", &[], &[4]);
    let delta = b.add(const_i32("delta", &[], &[1]));
    let r = b.add(tensor("range", T::INT32, &[3]));
    b.op(B::RANGE, &[start, limit, delta], &[r]);
    let v = b.add(const_f32("value", &[], &[1.0]));
    let y = b.add(f32t("y", &[1, 2, 3]));
    b.op(B::FILL, &[r, v], &[y]);
    b.output(y);
    b.finish()
}

/// VAR_HANDLE → READ_VARIABLE: the handle (a RESOURCE) gets arena memory and is not dynamic; the
/// value is dynamic when its declared shape is a scalar (read_variable.cc).
fn read_variable(scalar: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let h = b.add(tensor("handle", T::RESOURCE, &[]));
    b.op(B::VAR_HANDLE, &[], &[h]).options(opts!(VarHandleOptions { shared_name: Some("v".into()) }));
    let y = b.add(f32t("value", if scalar { &[] } else { &[2] }));
    b.op(B::READ_VARIABLE, &[h], &[y]);
    b.output(y);
    b.finish()
}

/// DILATE with the dilations made by `make`: dilate.cc accepts only constants from the file.
fn dilate(make: impl FnOnce(&mut ModelBuilder) -> i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[2, 2]));
    let d = make(&mut b);
    let pad = b.add(const_f32("padding_value", &[], &[0.0]));
    let y = b.add(f32t("y", &[3, 3]));
    b.op(B::DILATE, &[x, d, pad], &[y]);
    b.output(y);
    b.finish()
}

fn reshape_in_options() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[6]));
    let y = b.add(f32t("y", &[2, 3]));
    b.op(B::RESHAPE, &[x], &[y]).options(opts!(ReshapeOptions { new_shape: Some(vec![2, 3]) }));
    b.output(y);
    b.finish()
}

fn unique() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[4]));
    let (y, idx) = (b.add(f32t("y", &[4])), b.add(tensor("idx", T::INT32, &[4])));
    b.op(B::UNIQUE, &[x], &[y, idx]).options(opts!(UniqueOptions { idx_out_type: T::INT32 }));
    b.output(y).output(idx);
    b.finish()
}

fn embedding_lookup_sparse() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let ids = b.input(tensor("ids", T::INT32, &[3]));
    let indices = b.input(tensor("indices", T::INT32, &[3, 2]));
    let shape = b.input(tensor("dense_shape", T::INT32, &[2]));
    let weights = b.input(f32t("weights", &[3]));
    let params = b.add(const_f32("params", &[4, 2], &[1.0; 8]));
    let y = b.add(f32t("y", &[2, 2]));
    b.op(B::EMBEDDING_LOOKUP_SPARSE, &[ids, indices, shape, weights, params], &[y])
        .options(opts!(EmbeddingLookupSparseOptions {}));
    b.output(y);
    b.finish()
}

/// slice.cc: an output with a declared rank and no unknown dimension is kept as declared, even
/// with a computed begin; otherwise begin and size must be known and the input fully specified.
fn slices() -> Vec<Fixture> {
    let slice = |begin_computed: bool, input_sig: Option<&[i32]>, output_sig: Option<&[i32]>| {
        let mut b = ModelBuilder::new();
        let spec = f32t("x", &[2, 3]);
        let x = b.input(match input_sig {
            Some(s) => spec.signature(s),
            None => spec,
        });
        let begin = int_operand(&mut b, begin_computed, "begin", &[2], &[0, 1]);
        let size = b.add(const_i32("size", &[2], &[2, 2]));
        let spec = f32t("y", &[2, 2]);
        let y = b.add(match output_sig {
            Some(s) => spec.signature(s),
            None => spec,
        });
        b.op(B::SLICE, &[x, begin, size], &[y]);
        b.output(y);
        b.finish()
    };
    vec![
        ("slice_begin_computed_output_declared", false, slice(true, None, None)),
        ("slice_begin_computed_output_unknown", true, slice(true, None, Some(&[2, -1]))),
        ("slice_known_output_unknown", false, slice(false, None, Some(&[2, -1]))),
        ("slice_known_input_unknown", true, slice(false, Some(&[-1, 3]), Some(&[-1, 2]))),
    ]
}

/// Values computed in Prepare (kTfLitePersistentRo) feeding a shape, and the kernels that
/// compute (or do not compute) their value in Prepare.
fn computed_values() -> Vec<Fixture> {
    let mut v = Vec::new();
    for computed in [false, true] {
        let c = computed;
        // broadcast_args.cc: computed when both shapes are known.
        v.push((
            "broadcast_args_then_fill",
            c,
            fill_from(|b| {
                let s1 = int_operand(b, c, "s1", &[2], &[2, 1]);
                let s2 = b.add(const_i32("s2", &[2], &[1, 3]));
                let out = b.add(tensor("broadcast", T::INT32, &[2]));
                b.op(B::BROADCAST_ARGS, &[s1, s2], &[out]);
                out
            }),
        ));
        // mul.cc: computed when both inputs are known.
        v.push((
            "mul_then_fill",
            c,
            fill_from(|b| {
                let a = b.add(const_i32("a", &[2], &[2, 3]));
                let k = int_operand(b, c, "k", &[2], &[1, 1]);
                let out = b.add(tensor("product", T::INT32, &[2]));
                b.op(B::MUL, &[a, k], &[out]);
                out
            }),
        ));
        // tile.cc: computed when input and multipliers are known.
        v.push((
            "tile_then_fill",
            c,
            fill_from(|b| {
                let a = int_operand(b, c, "a", &[2], &[2, 3]);
                let m = b.add(const_i32("multiples", &[1], &[1]));
                let out = b.add(tensor("tiled", T::INT32, &[2]));
                b.op(B::TILE, &[a, m], &[out]);
                out
            }),
        ));
        // strided_slice.cc: computed when input, begin and end are known.
        v.push((
            "strided_slice_then_fill",
            c,
            fill_from(|b| {
                let a = int_operand(b, c, "a", &[4], &[1, 2, 3, 4]);
                let begin = b.add(const_i32("begin", &[1], &[1]));
                let end = b.add(const_i32("end", &[1], &[3]));
                let strides = b.add(const_i32("strides", &[1], &[1]));
                let out = b.add(tensor("sliced", T::INT32, &[2]));
                b.op(B::STRIDED_SLICE, &[a, begin, end, strides], &[out]).options(opts!(StridedSliceOptions {}));
                out
            }),
        ));
        // reshape.cc: computed when input and shape are known.
        v.push((
            "reshape_then_fill",
            c,
            fill_from(|b| {
                let a = int_operand(b, c, "a", &[1, 2], &[2, 3]);
                let shape = b.add(const_i32("shape", &[1], &[2]));
                let out = b.add(tensor("reshaped", T::INT32, &[2]));
                b.op(B::RESHAPE, &[a, shape], &[out]);
                out
            }),
        ));
        // concatenation.cc: computed when every input is known; else RESHAPE stops (tensor#-1).
        v.push((
            "concatenation_then_reshape",
            c,
            reshape_from(|b| {
                let a = b.add(const_i32("a", &[1], &[2]));
                let k = int_operand(b, c, "k", &[1], &[3]);
                let out = b.add(tensor("concatenated", T::INT32, &[2]));
                b.op(B::CONCATENATION, &[a, k], &[out]).options(opts!(ConcatenationOptions { axis: 0 }));
                out
            }),
        ));
        // gather.cc: computed when params and indices are known.
        v.push((
            "gather_then_reshape",
            c,
            reshape_from(|b| {
                let params = b.add(const_i32("params", &[3], &[2, 3, 4]));
                let indices = int_operand(b, c, "indices", &[2], &[0, 1]);
                let out = b.add(tensor("gathered", T::INT32, &[2]));
                b.op(B::GATHER, &[params, indices], &[out]).options(opts!(GatherOptions { axis: 0 }));
                out
            }),
        ));
    }
    // reduce.cc: only REDUCE_PROD computes (input and axis known, at most 8 output elements).
    let reduction = |code: B, rows: i32, cols: i32| {
        let mut b = ModelBuilder::new();
        let x = b.input(f32t("x", &[1]));
        let ones = b.add(const_i32("ones", &[rows, cols], &vec![1; (rows * cols) as usize]));
        let axis = b.add(const_i32("axis", &[1], &[0]));
        let shape = b.add(tensor("reduced", T::INT32, &[cols]));
        b.op(code, &[ones, axis], &[shape]).options(opts!(ReducerOptions { keep_dims: false }));
        let y = b.add(f32t("y", &vec![1; cols as usize]));
        b.op(B::RESHAPE, &[x, shape], &[y]);
        b.output(y);
        b.finish()
    };
    v.push(("reduce_prod_small_then_reshape", false, reduction(B::REDUCE_PROD, 2, 8)));
    v.push(("reduce_prod_large_then_reshape", true, reduction(B::REDUCE_PROD, 2, 9)));
    v.push(("sum_then_reshape", true, reduction(B::SUM, 2, 3)));
    // rank.cc: always computed.
    v.push(("rank_then_one_hot", false, {
        let mut b = ModelBuilder::new();
        let z = b.input(f32t("z", &[2, 3]));
        let r = b.add(tensor("rank", T::INT32, &[]));
        b.op(B::RANK, &[z], &[r]);
        let indices = b.input(tensor("indices", T::INT32, &[3]));
        let on = b.add(const_f32("on", &[], &[1.0]));
        let off = b.add(const_f32("off", &[], &[0.0]));
        let y = b.add(f32t("y", &[3, 2]));
        b.op(B::ONE_HOT, &[indices, r, on, off], &[y]).options(opts!(OneHotOptions { axis: -1 }));
        b.output(y);
        b.finish()
    }));
    v
}

/// A TFLite string tensor's bytes: count, offsets, then the characters.
fn string_bytes(items: &[&str]) -> Vec<u8> {
    let header = 4 * (items.len() + 2);
    let mut offsets = vec![header as i32];
    for s in items {
        offsets.push(offsets.last().copied().unwrap_or(0) + s.len() as i32);
    }
    let mut out: Vec<u8> = (items.len() as i32).to_le_bytes().to_vec();
    out.extend(offsets.iter().flat_map(|o| o.to_le_bytes()));
    out.extend(items.iter().flat_map(|s| s.bytes()));
    out
}

/// STRING, RESOURCE and VARIANT tensors are dynamic from the start.
fn strings_and_resources() -> Vec<Fixture> {
    // GATHER of constant strings computes its output in Prepare, but writing a string makes the
    // tensor dynamic again (string_util.cc); with computed indices it is dynamic anyway.
    let gather = |indices_computed: bool| {
        let mut b = ModelBuilder::new();
        let params = b.add(const_bytes("words", T::STRING, &[2], &string_bytes(&["a", "bc"])));
        let indices = int_operand(&mut b, indices_computed, "indices", &[1], &[1]);
        let y = b.add(tensor("word", T::STRING, &[1]));
        b.op(B::GATHER, &[params, indices], &[y]).options(opts!(GatherOptions { axis: 0 }));
        let n = b.add(tensor("n", T::INT32, &[1]));
        b.op(B::SHAPE, &[y], &[n]).options(opts!(ShapeOptions { out_type: T::INT32 }));
        b.output(n);
        b.finish()
    };
    // A string graph output is dynamic from the start, even when a kernel computes it.
    let string_output = {
        let mut b = ModelBuilder::new();
        let params = b.add(const_bytes("words", T::STRING, &[2], &string_bytes(&["a", "bc"])));
        let indices = b.add(const_i32("indices", &[1], &[1]));
        let y = b.add(tensor("word", T::STRING, &[1]));
        b.op(B::GATHER, &[params, indices], &[y]).options(opts!(GatherOptions { axis: 0 }));
        b.output(y);
        b.finish()
    };
    // A string graph input passed straight out: no node stops, the output check does.
    let passthrough = {
        let mut b = ModelBuilder::new();
        let s = b.input(tensor("text", T::STRING, &[1]));
        let x = b.input(f32t("x", &[2]));
        let y = b.add(f32t("y", &[2]));
        b.op(B::RELU, &[x], &[y]);
        b.output(y).output(s);
        b.finish()
    };
    // RESHAPE stops without naming a tensor; the name left by the output check is printed.
    let reshape_and_string_output = {
        let mut b = ModelBuilder::new();
        let s = b.input(tensor("text", T::STRING, &[1]));
        let x = b.input(f32t("x", &[6]));
        let shape = b.input(tensor("shape", T::INT32, &[2]));
        let y = b.add(f32t("y", &[2, 3]));
        b.op(B::RESHAPE, &[x, shape], &[y]);
        b.output(y).output(s);
        b.finish()
    };
    let hashtable = {
        let mut b = ModelBuilder::new();
        let h = b.add(tensor("table", T::RESOURCE, &[]));
        b.op(B::HASHTABLE, &[], &[h]).options(opts!(HashtableOptions {
            table_id: 1,
            key_dtype: T::INT64,
            value_dtype: T::STRING
        }));
        let n = b.add(tensor("size", T::INT64, &[1]));
        b.op(B::HASHTABLE_SIZE, &[h], &[n]);
        b.output(n);
        b.finish()
    };
    vec![
        ("gather_string_computed", true, gather(false)),
        ("gather_string_graph_output", true, string_output),
        ("gather_string_indices_computed", true, gather(true)),
        ("string_output_passthrough", true, passthrough),
        ("reshape_with_string_output", true, reshape_and_string_output),
        ("hashtable", true, hashtable),
        ("fill_twice", true, {
            // Preparation stops at the first FILL: the second is never prepared.
            let mut b = ModelBuilder::new();
            let d1 = b.input(tensor("dims1", T::INT32, &[2]));
            let d2 = b.input(tensor("dims2", T::INT32, &[2]));
            let v = b.add(const_f32("value", &[], &[1.0]));
            let (y1, y2) = (b.add(f32t("y1", &[2, 3])), b.add(f32t("y2", &[2, 3])));
            b.op(B::FILL, &[d1, v], &[y1]);
            b.op(B::FILL, &[d2, v], &[y2]);
            b.output(y1).output(y2);
            b.finish()
        }),
    ]
}

/// A loop over (i: int32 scalar, `vars`): cond `i < 3`, body `i + 1` plus what the body builder
/// does with the other variables; subgraph 0 feeds every variable from a graph input.
struct Loop {
    /// (name, type, shape) of each variable after i.
    vars: Vec<(&'static str, T, Vec<i32>)>,
}

impl Loop {
    /// Builds subgraph 0 (WHILE, outputs `used` of the loop outputs), cond (1) and body (2); `body`
    /// gets the body's input tensors (i first) and returns its outputs after i.
    fn build(&self, used: &[usize], body: impl FnOnce(&mut ModelBuilder, &[i32]) -> Vec<i32>) -> Vec<u8> {
        let mut b = ModelBuilder::new();
        let i0 = b.input(tensor("i0", T::INT32, &[]));
        let mut inputs = vec![i0];
        for (name, t, shape) in &self.vars {
            inputs.push(b.input(tensor(&format!("{name}0"), *t, shape)));
        }
        let outputs: Vec<i32> = std::iter::once(("i", T::INT32, vec![]))
            .chain(self.vars.iter().cloned())
            .map(|(name, t, shape)| b.add(tensor(&format!("{name}_out"), t, &shape)))
            .collect();
        b.op(B::WHILE, &inputs, &outputs)
            .options(opts!(WhileOptions { cond_subgraph_index: 1, body_subgraph_index: 2 }));
        for &k in used {
            b.output(outputs[k]);
        }
        b.subgraph("cond");
        let ins = self.loop_inputs(&mut b);
        let three = b.add(const_i32("three", &[], &[3]));
        let go = b.add(tensor("go", T::BOOL, &[]));
        b.op(B::LESS, &[ins[0], three], &[go]);
        b.output(go);
        b.subgraph("body");
        let ins = self.loop_inputs(&mut b);
        let one = b.add(const_i32("one", &[], &[1]));
        let next = b.add(tensor("i_next", T::INT32, &[]));
        b.op(B::ADD, &[ins[0], one], &[next]);
        let rest = body(&mut b, &ins);
        b.output(next);
        for t in rest {
            b.output(t);
        }
        b.finish()
    }

    fn loop_inputs(&self, b: &mut ModelBuilder) -> Vec<i32> {
        let mut ins = vec![b.input(tensor("i", T::INT32, &[]))];
        for (name, t, shape) in &self.vars {
            ins.push(b.input(tensor(name, *t, shape)));
        }
        ins
    }
}

fn control_flow() -> Vec<Fixture> {
    let x_loop = Loop { vars: vec![("x", T::FLOAT32, vec![4])] };
    let relu_body = |b: &mut ModelBuilder, ins: &[i32]| {
        let y = b.add(f32t("x_next", &[4]));
        b.op(B::RELU, &[ins[1]], &[y]);
        vec![y]
    };
    // The case: a STRIDED_SLICE whose begin is a loop variable.
    let sliced_loop = Loop { vars: vec![("x", T::FLOAT32, vec![4]), ("y", T::FLOAT32, vec![1])] };
    let slice_body = |code: B| {
        move |b: &mut ModelBuilder, ins: &[i32]| {
            let begin = b.add(tensor("begin", T::INT32, &[1]));
            let one_d = b.add(const_i32("shape1", &[1], &[1]));
            b.op(B::RESHAPE, &[ins[0], one_d], &[begin]);
            let y = b.add(f32t("y_next", &[1]));
            if code == B::STRIDED_SLICE {
                let size = b.add(const_i32("size", &[1], &[1]));
                let strides = b.add(const_i32("strides", &[1], &[1]));
                b.op(B::STRIDED_SLICE, &[ins[1], begin, size, strides], &[y])
                    .options(opts!(StridedSliceOptions { offset: true }));
            } else {
                let size = b.add(const_i32("size", &[1], &[1]));
                b.op(B::SLICE, &[ins[1], begin, size], &[y]);
            }
            vec![ins[1], y]
        }
    };
    let strided_begin_computed = {
        sliced_loop.build(&[0, 1, 2], move |b: &mut ModelBuilder, ins: &[i32]| {
            // Without `offset` the begin alone (a loop variable) makes the output dynamic.
            let end = b.add(const_i32("end", &[1], &[4]));
            let strides = b.add(const_i32("strides", &[1], &[1]));
            let begin = b.add(tensor("begin", T::INT32, &[1]));
            let one_d = b.add(const_i32("shape1", &[1], &[1]));
            b.op(B::RESHAPE, &[ins[0], one_d], &[begin]);
            let y = b.add(f32t("y_next", &[1]));
            b.op(B::STRIDED_SLICE, &[ins[1], begin, end, strides], &[y]).options(opts!(StridedSliceOptions {}));
            vec![ins[1], y]
        })
    };
    let fill_loop = Loop { vars: vec![("dims", T::INT32, vec![2]), ("x", T::FLOAT32, vec![2, 3])] };
    let pad_loop = Loop { vars: vec![("x", T::FLOAT32, vec![2])] };
    vec![
        ("while_relu_body", false, x_loop.build(&[0, 1], relu_body)),
        ("while_strided_slice_begin_computed", true, strided_begin_computed),
        ("while_strided_slice_offset", false, sliced_loop.build(&[0, 1, 2], slice_body(B::STRIDED_SLICE))),
        ("while_slice_begin_computed", false, sliced_loop.build(&[0, 1, 2], slice_body(B::SLICE))),
        // FILL from the dims variable; the dims output is unused and dropped, so the first
        // remaining output (i) is the one named.
        (
            "while_fill_body",
            true,
            fill_loop.build(&[0, 2], |b, ins| {
                let v = b.add(const_f32("value", &[], &[1.0]));
                let y = b.add(f32t("x_next", &[2, 3]));
                b.op(B::FILL, &[ins[1], v], &[y]);
                vec![ins[1], y]
            }),
        ),
        // The body pads x: its output shape differs from the loop input's.
        (
            "while_body_grows",
            true,
            pad_loop.build(&[0, 1], |b, ins| {
                let p = b.add(const_i32("paddings", &[1, 2], &[1, 1]));
                let y = b.add(f32t("x_next", &[4]));
                b.op(B::PAD, &[ins[1], p], &[y]);
                vec![y]
            }),
        ),
        // A scalar loop variable whose body output is declared [1]: the same for while.cc.
        ("while_scalar_becomes_vector", false, {
            let mut b = ModelBuilder::new();
            let i0 = b.input(tensor("i0", T::INT32, &[]));
            let out = b.add(tensor("i_out", T::INT32, &[]));
            b.op(B::WHILE, &[i0], &[out])
                .options(opts!(WhileOptions { cond_subgraph_index: 1, body_subgraph_index: 2 }));
            b.output(out);
            b.subgraph("cond");
            let i = b.input(tensor("i", T::INT32, &[]));
            let three = b.add(const_i32("three", &[], &[3]));
            let go = b.add(tensor("go", T::BOOL, &[]));
            b.op(B::LESS, &[i, three], &[go]);
            b.output(go);
            b.subgraph("body");
            let i = b.input(tensor("i", T::INT32, &[]));
            let one = b.add(const_i32("one", &[1], &[1]));
            let next = b.add(tensor("i_next", T::INT32, &[1]));
            b.op(B::ADD, &[i, one], &[next]);
            b.output(next);
            b.finish()
        }),
        // A dynamic tensor in the condition: the WHILE is static, the condition's own
        // delegation fails (subgraph 1).
        ("while_cond_fill", true, {
            let mut b = ModelBuilder::new();
            let i0 = b.input(tensor("i0", T::INT32, &[]));
            let d0 = b.input(tensor("dims0", T::INT32, &[2]));
            let (i_out, d_out) = (b.add(tensor("i_out", T::INT32, &[])), b.add(tensor("dims_out", T::INT32, &[2])));
            b.op(B::WHILE, &[i0, d0], &[i_out, d_out])
                .options(opts!(WhileOptions { cond_subgraph_index: 1, body_subgraph_index: 2 }));
            b.output(i_out).output(d_out);
            b.subgraph("cond");
            let i = b.input(tensor("i", T::INT32, &[]));
            let d = b.input(tensor("dims", T::INT32, &[2]));
            let v = b.add(const_f32("value", &[], &[1.0]));
            let filled = b.add(f32t("filled", &[2, 3]));
            b.op(B::FILL, &[d, v], &[filled]);
            let three = b.add(const_i32("three", &[], &[3]));
            let go = b.add(tensor("go", T::BOOL, &[]));
            b.op(B::LESS, &[i, three], &[go]);
            b.output(go);
            b.subgraph("body");
            let i = b.input(tensor("i", T::INT32, &[]));
            let d = b.input(tensor("dims", T::INT32, &[2]));
            let one = b.add(const_i32("one", &[], &[1]));
            let next = b.add(tensor("i_next", T::INT32, &[]));
            b.op(B::ADD, &[i, one], &[next]);
            b.output(next).output(d);
            b.finish()
        }),
        ("if_same_shapes", false, if_model(false, false)),
        ("if_shapes_differ", true, if_model(true, false)),
        ("if_branch_fill", true, if_model(false, true)),
        ("call_once_dynamic_init", true, call_once(true)),
        ("call_once_static_init", false, call_once(false)),
        ("composite_relu", false, composite(false)),
        ("composite_fill", true, composite(true)),
        ("while_resource_passthrough", true, while_resource()),
    ]
}

/// IF(cond, x [2]): then RELU(x); else NEG(x), or (`grow`) PAD(x) to [4], or (`fill`) a FILL
/// whose dims are a branch input.
fn if_model(grow: bool, fill: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let cond = b.input(tensor("cond", T::BOOL, &[]));
    let x = b.input(f32t("x", &[2]));
    let d = b.input(tensor("dims", T::INT32, &[1]));
    let y = b.add(f32t("y", &[2]));
    b.op(B::IF, &[cond, x, d], &[y]).options(opts!(IfOptions { then_subgraph_index: 1, else_subgraph_index: 2 }));
    b.output(y);
    b.subgraph("then");
    let x = b.input(f32t("x", &[2]));
    b.input(tensor("dims", T::INT32, &[1]));
    let y = b.add(f32t("y", &[2]));
    b.op(B::RELU, &[x], &[y]);
    b.output(y);
    b.subgraph("else");
    let x = b.input(f32t("x", &[2]));
    let d = b.input(tensor("dims", T::INT32, &[1]));
    let y = if grow {
        let p = b.add(const_i32("paddings", &[1, 2], &[1, 1]));
        let y = b.add(f32t("y", &[4]));
        b.op(B::PAD, &[x, p], &[y]);
        y
    } else if fill {
        let v = b.add(const_f32("value", &[], &[1.0]));
        let y = b.add(f32t("y", &[2]));
        b.op(B::FILL, &[d, v], &[y]);
        y
    } else {
        let y = b.add(f32t("y", &[2]));
        b.op(B::NEG, &[x], &[y]);
        y
    };
    b.output(y);
    b.finish()
}

/// STABLEHLO_COMPOSITE(x [2], dims [2]) decomposed into RELU(x), or (`fill`) a FILL whose dims
/// are a decomposition input.
fn composite(fill: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[2]));
    let d = b.input(tensor("dims", T::INT32, &[1]));
    let y = b.add(f32t("y", &[2]));
    let mut o = tflite_schema::tflite::StableHLOCompositeOptionsT::default();
    o.name = Some("test.composite".into());
    o.decomposition_subgraph_index = 1;
    // The attributes are required; a flexbuffer holding null (value 0, type NULL, width 1).
    o.composite_attributes = Some(vec![0, 0, 1]);
    o.composite_attributes_format = tflite_schema::tflite::CustomOptionsFormat::FLEXBUFFERS;
    b.op(B::STABLEHLO_COMPOSITE, &[x, d], &[y])
        .options2(delegate_doctor::model::BuiltinOptions2T::StableHLOCompositeOptions(Box::new(o)));
    b.output(y);
    b.subgraph("decomposition");
    let x = b.input(f32t("x", &[2]));
    let d = b.input(tensor("dims", T::INT32, &[1]));
    let y = b.add(f32t("y", &[2]));
    if fill {
        let v = b.add(const_f32("value", &[], &[1.0]));
        b.op(B::FILL, &[d, v], &[y]);
    } else {
        b.op(B::RELU, &[x], &[y]);
    }
    b.output(y);
    b.finish()
}

/// A WHILE whose body passes a variable's handle through: a RESOURCE body input keeps its
/// dynamic allocation (while.cc), so the body output is dynamic and so are the WHILE's outputs.
fn while_resource() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let h = b.add(tensor("handle", T::RESOURCE, &[]));
    b.op(B::VAR_HANDLE, &[], &[h]).options(opts!(VarHandleOptions { shared_name: Some("v".into()) }));
    let i0 = b.input(tensor("i0", T::INT32, &[]));
    let (i_out, h_out) = (b.add(tensor("i_out", T::INT32, &[])), b.add(tensor("handle_out", T::RESOURCE, &[])));
    b.op(B::WHILE, &[i0, h], &[i_out, h_out])
        .options(opts!(WhileOptions { cond_subgraph_index: 1, body_subgraph_index: 2 }));
    b.output(i_out);
    b.subgraph("cond");
    let i = b.input(tensor("i", T::INT32, &[]));
    b.input(tensor("handle", T::RESOURCE, &[]));
    let three = b.add(const_i32("three", &[], &[3]));
    let go = b.add(tensor("go", T::BOOL, &[]));
    b.op(B::LESS, &[i, three], &[go]);
    b.output(go);
    b.subgraph("body");
    let i = b.input(tensor("i", T::INT32, &[]));
    let h = b.input(tensor("handle", T::RESOURCE, &[]));
    let one = b.add(const_i32("one", &[], &[1]));
    let next = b.add(tensor("i_next", T::INT32, &[]));
    b.op(B::ADD, &[i, one], &[next]);
    b.output(next).output(h);
    b.finish()
}

/// CALL_ONCE of an init subgraph with a READ_VARIABLE, of a scalar (`dynamic`) or of a vector:
/// subgraph 0 is static either way (call_once.cc prepares nothing), the init subgraph's own
/// delegation fails on the scalar.
fn call_once(dynamic: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32t("x", &[2]));
    let y = b.add(f32t("y", &[2]));
    b.op(B::CALL_ONCE, &[], &[]).options(opts!(CallOnceOptions { init_subgraph_index: 1 }));
    b.op(B::RELU, &[x], &[y]);
    b.output(y);
    b.subgraph("init");
    let h = b.add(tensor("handle", T::RESOURCE, &[]));
    b.op(B::VAR_HANDLE, &[], &[h]).options(opts!(VarHandleOptions { shared_name: Some("v".into()) }));
    let value = b.add(f32t("value", if dynamic { &[] } else { &[2] }));
    b.op(B::READ_VARIABLE, &[h], &[value]);
    b.finish()
}

/// Names benchmark_model reads after Prepare.
fn names() -> Vec<Fixture> {
    // densify.cc renames its output "Densify_output".
    let densify = {
        let mut b = ModelBuilder::new();
        let x = b.input(f32t("x", &[4]));
        let sparse = b.add(const_f32("sparse_weights", &[4], &[1.0, 0.0, 2.0, 0.0]));
        let w = b.add(f32t("weights", &[4]));
        b.op(B::DENSIFY, &[sparse], &[w]);
        let y = b.add(f32t("y", &[4]));
        b.op(B::ADD, &[x, w], &[y]).options(opts!(AddOptions {}));
        b.output(y);
        let mut m = b.model_t();
        let mut dense = DimensionMetadataT::default();
        dense.format = DimensionType::DENSE;
        dense.dense_size = 4;
        let mut sparsity = SparsityParametersT::default();
        sparsity.traversal_order = Some(vec![0]);
        sparsity.dim_metadata = Some(vec![dense]);
        if let Some(t) =
            m.subgraphs.as_mut().and_then(|s| s[0].tensors.as_mut()).and_then(|t| t.get_mut(sparse as usize))
        {
            t.sparsity = Some(Box::new(sparsity));
        }
        delegate_doctor::builder::pack(&m)
    };
    // while.cc drops a pass-through loop output nothing reads (x): it is listed as "Unknown".
    let passthrough = Loop { vars: vec![("x", T::FLOAT32, vec![4])] }.build(&[0], |_, ins| vec![ins[1]]);
    vec![("densify_renames_output", false, densify), ("while_unread_passthrough", false, passthrough)]
}
