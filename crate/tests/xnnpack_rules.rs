//! The XNNPACK delegate's node decision (`delegates::xnnpack`): each rule group accepted and
//! refused, with the source's messages, flags on and off, the static-unpack rule, creation
//! failures and the plan.

use delegate_doctor::builder::{const_f16, const_f32, const_i32, const_i64, const_i8, tensor, ModelBuilder, TensorSpec};
use delegate_doctor::delegates::xnnpack::{self, XnnpackFlags, XnnpackOptions};
use delegate_doctor::model::{self, BuiltinOperator as Op, BuiltinOptionsT, TensorType as T};
use delegate_doctor::opts;
use delegate_doctor::plan::Outcome;
use tflite_schema::tflite::ActivationFunctionType as Act;

fn defaults() -> XnnpackOptions {
    XnnpackOptions::default()
}

fn with(flags: &str) -> XnnpackOptions {
    XnnpackOptions { flags: XnnpackFlags::parse(flags).unwrap() }
}

/// The nodes taken from subgraph 0 and the refusal reason of each refused node.
fn decide(bytes: &[u8], o: &XnnpackOptions) -> (Vec<usize>, Vec<(usize, String)>) {
    let m = model::read(bytes).unwrap();
    let s = xnnpack::select(&m, 0, &[], o);
    (s.nodes, s.refused.into_iter().map(|r| (r.index, r.reasons.join("; "))).collect())
}

fn refusal(bytes: &[u8], o: &XnnpackOptions, node: usize) -> String {
    let (_, refused) = decide(bytes, o);
    refused.into_iter().find(|(i, _)| *i == node).map(|(_, r)| r).unwrap_or_else(|| panic!("node {node} was taken"))
}

fn taken(bytes: &[u8], o: &XnnpackOptions) -> Vec<usize> {
    decide(bytes, o).0
}

fn weights(name: &str, shape: &[i32]) -> TensorSpec {
    let n: i32 = shape.iter().product();
    const_f32(name, shape, &vec![0.5; n as usize])
}

fn conv_opts(act: Act) -> BuiltinOptionsT {
    opts!(Conv2DOptions { stride_w: 1, stride_h: 1, dilation_w_factor: 1, dilation_h_factor: 1, fused_activation_function: act })
}

/// x[1,8,8,3] → CONV_2D(filter [4,3,3,3], bias [4]) → y.
fn conv(input_shape: &[i32], filter: Option<TensorSpec>, with_bias: bool, o: BuiltinOptionsT) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, input_shape));
    let w = match filter {
        Some(f) => b.add(f),
        None => b.input(tensor("w", T::FLOAT32, &[4, 3, 3, 3])),
    };
    let bias = if with_bias { b.add(weights("b", &[4])) } else { -1 };
    let y = b.add(tensor("y", T::FLOAT32, &[1, 8, 8, 4]));
    b.op(Op::CONV_2D, &[x, w, bias], &[y]).options(o);
    b.output(y);
    b.finish()
}

#[test]
fn conv_2d_takes_static_weights_with_bias_and_refuses_the_rest() {
    let filter = || Some(weights("w", &[4, 3, 3, 3]));
    assert_eq!(taken(&conv(&[1, 8, 8, 3], filter(), true, conv_opts(Act::RELU)), &defaults()), [0]);
    assert_eq!(
        refusal(&conv(&[1, 8, 8, 3], None, true, conv_opts(Act::NONE)), &defaults(), 0),
        "invalid allocation type in tensor #1 in CONV_2D node #0: expected static read-only tensor"
    );
    assert_eq!(refusal(&conv(&[1, 8, 8, 3], filter(), false, conv_opts(Act::NONE)), &defaults(), 0), "unsupported CONV_2D node #0 without bias");
    assert_eq!(refusal(&conv(&[1, 8, 8, 3], filter(), true, conv_opts(Act::TANH)), &defaults(), 0), "unsupported fused activation (Tanh) in node #0");
    assert_eq!(
        refusal(&conv(&[1, 1, 8, 8, 3], filter(), true, conv_opts(Act::NONE)), &defaults(), 0),
        "unsupported number of shape dimensions (5) in tensor #0 in CONV_2D node #0: 4 dimensions expected"
    );
    // Options missing: zero strides.
    assert_eq!(refusal(&conv(&[1, 8, 8, 3], filter(), true, BuiltinOptionsT::NONE), &defaults(), 0), "invalid stride width 0 in node #0");
}

#[test]
fn per_channel_int8_filters_follow_qs8_and_their_channel_dimension() {
    let qconv = |qdim: i32, flags: &str| {
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::INT8, &[1, 8, 8, 3]).quant(0.5, 0));
        let w = b.add(const_i8("w", &[2, 1, 1, 3], &[1; 6]).per_channel(&[0.1, 0.2], &[0, 0], qdim));
        let bias = b.add(const_i32("b", &[2], &[0, 0]).per_channel(&[0.05, 0.1], &[0, 0], 0));
        let y = b.add(tensor("y", T::INT8, &[1, 8, 8, 2]).quant(0.5, 0));
        b.op(Op::CONV_2D, &[x, w, bias], &[y]).options(conv_opts(Act::NONE));
        b.output(y);
        decide(&b.finish(), &with(flags))
    };
    assert_eq!(qconv(0, "default").0, [0]);
    assert_eq!(qconv(3, "default").1, [(0, "unsupported quantized dimension 3 in tensor #1 in node #0".to_string())]);
    assert_eq!(qconv(0, "qu8").1, [(0, "CheckTensorFloat32OrQUInt8Type: unsupported type INT8 in tensor #0 in node #0".to_string())]);
}

/// a + b with uint8 tensors of the given scales.
fn quantized_add(scale_a: f32, scale_out: f32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::UINT8, &[1, 4]).quant(scale_a, 128));
    let z = b.input(tensor("z", T::UINT8, &[1, 4]).quant(scale_a, 128));
    let y = b.add(tensor("y", T::UINT8, &[1, 4]).quant(scale_out, 128));
    b.op(Op::ADD, &[x, z], &[y]);
    b.output(y);
    b.finish()
}

#[test]
fn quantized_binary_ops_need_qu8_and_a_scale_ratio_in_range() {
    assert_eq!(taken(&quantized_add(0.5, 0.5), &defaults()), [0]);
    assert_eq!(refusal(&quantized_add(0.5, 0.5), &with("qs8"), 0), "CheckTensorFloat32OrQUInt8Type: unsupported type UINT8 in tensor #0 in node #0");
    assert_eq!(refusal(&quantized_add(512.0, 1.0), &defaults(), 0), "unsupported input-to-output scale in ADD node #0");
}

#[test]
fn unsupported_ops_and_custom_ops_get_the_default_cases_message() {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 4]));
    let z = b.add(tensor("z", T::FLOAT32, &[1, 4]));
    b.op(Op::L2_NORMALIZATION, &[x], &[y]);
    b.custom_op("MyOp", &[y], &[z]);
    b.output(z);
    let (nodes, refused) = decide(&b.finish(), &defaults());
    assert!(nodes.is_empty());
    assert_eq!(refused[0].1, "unsupported operator type L2_NORMALIZATION in node #0");
    assert_eq!(refused[1].1, "unsupported custom operator type \"MyOp\" in node #1");
}

/// x → FULLY_CONNECTED(w, bias) → y; `w` constant fp16 through a DEQUANTIZE, or the given spec.
fn fc_through_dequantize(consumer_refused: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let w16 = b.add(const_f16("w16", &[2, 4], &[0.5; 8]));
    let w = b.add(tensor("w", T::FLOAT32, &[2, 4]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 2]));
    b.op(Op::DEQUANTIZE, &[w16], &[w]);
    b.op(Op::FULLY_CONNECTED, &[x, w], &[y]);
    if consumer_refused {
        let z = b.add(tensor("z", T::FLOAT32, &[2, 4]));
        b.op(Op::L2_NORMALIZATION, &[w], &[z]);
        b.output(z);
    }
    b.output(y);
    b.finish()
}

#[test]
fn a_static_dequantize_is_taken_only_when_no_refused_node_reads_it() {
    assert_eq!(taken(&fc_through_dequantize(false), &defaults()), [0, 1]);
    let (nodes, refused) = decide(&fc_through_dequantize(true), &defaults());
    assert_eq!(nodes, [1]);
    // The DEQUANTIZE itself is never visited, so it has no refusal of its own.
    assert_eq!(refused.iter().map(|r| r.0).collect::<Vec<_>>(), [2]);
}

#[test]
fn select_sees_another_delegates_kernel_as_a_refused_reader() {
    let bytes = fc_through_dequantize(false);
    let m = model::read(&bytes).unwrap();
    let s = xnnpack::select(&m, 0, &[false, true], &defaults());
    assert!(s.nodes.is_empty(), "{:?}", s.nodes);
    assert!(s.refused.is_empty(), "the other delegate's nodes are not XNNPACK refusals");
}

/// FULLY_CONNECTED whose filter is a graph input.
fn dynamic_fc() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let w = b.input(tensor("w", T::FLOAT32, &[2, 4]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 2]));
    b.op(Op::FULLY_CONNECTED, &[x, w], &[y]);
    b.output(y);
    b.finish()
}

#[test]
fn dynamic_fully_connected_is_a_flag() {
    assert_eq!(
        refusal(&dynamic_fc(), &defaults(), 0),
        "invalid allocation type in tensor #1 in FULLY_CONNECTED node #0: expected static read-only tensor"
    );
    assert_eq!(taken(&dynamic_fc(), &with("qs8,qu8,dynamic_fully_connected")), [0]);
}

/// A FULLY_CONNECTED with a rank-`rank` input (google/XNNPACK#11036 has rank 7).
fn fc_of_rank(rank: usize) -> Vec<u8> {
    let mut shape = vec![1; rank];
    shape[rank - 1] = 4;
    let mut out = shape.clone();
    out[rank - 1] = 2;
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &shape));
    let w = b.add(weights("w", &[2, 4]));
    let y = b.add(tensor("y", T::FLOAT32, &out));
    b.op(Op::FULLY_CONNECTED, &[x, w], &[y]).options(opts!(FullyConnectedOptions { keep_num_dims: true }));
    b.output(y);
    b.finish()
}

#[test]
fn a_rank_7_fully_connected_passes_detection_and_fails_creation() {
    let six = fc_of_rank(6);
    assert_eq!(xnnpack::analyze(&model::read(&six).unwrap(), &defaults()).outcome, Outcome::Full);
    let bytes = fc_of_rank(7);
    let m = model::read(&bytes).unwrap();
    let a = xnnpack::analyze(&m, &defaults());
    assert_eq!(a.outcome, Outcome::Fails);
    let f = a.failure.unwrap();
    assert_eq!(f.message, "Failed to apply XNNPACK delegate.");
    assert!(f.reason.contains("node #0 (FULLY_CONNECTED)") && f.reason.contains("tensor #0 has 7 dimensions"), "{}", f.reason);
    // The value's own failure is ignored; the node's definition fails (as ai-edge-litert logs it).
    assert!(f.reason.contains("\"failed to delegate FULLY_CONNECTED node #0\", then \"Node number 1 (TfLiteXNNPackDelegate) failed to prepare.\""), "{}", f.reason);
}

/// x → TRANSPOSE(perm) → y, the permutation a constant of `perm`'s type.
fn transpose(shape: &[i32], perm: TensorSpec) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, shape));
    let p = b.add(perm);
    let y = b.add(tensor("y", T::FLOAT32, shape));
    b.op(Op::TRANSPOSE, &[x, p], &[y]).options(opts!(TransposeOptions {}));
    b.output(y);
    b.finish()
}

fn creation_failure(bytes: &[u8]) -> Option<String> {
    let m = model::read(bytes).unwrap();
    let a = xnnpack::analyze(&m, &defaults());
    a.failure.map(|f| {
        assert_eq!(a.outcome, Outcome::Fails);
        f.reason
    })
}

#[test]
fn an_int64_transpose_permutation_is_read_as_int32_words() {
    // [0, 2, 1, 3] as int64 is read [0, 0, 2, 0]: repeated entries, xnn_define_static_transpose refuses.
    let bytes = transpose(&[1, 4, 6, 3], const_i64("perm", &[4], &[0, 2, 1, 3]));
    assert_eq!(taken(&bytes, &defaults()), [0], "the detection pass accepts it");
    let r = creation_failure(&bytes).expect("a creation failure");
    assert!(r.contains("as int32 words: [0, 0, 2, 0]") && r.contains("repeated entries"), "{r}");
    assert!(r.contains("\"failed to delegate TRANSPOSE node #0\", then \"Node number 1 (TfLiteXNNPackDelegate) failed to prepare.\""), "{r}");
    // The same permutation as int32 is fine, and so are int64 ones whose words happen to form a
    // permutation: [1, 0] stays [1, 0]; [1, 2, 0] becomes [1, 0, 2].
    assert_eq!(creation_failure(&transpose(&[1, 4, 6, 3], const_i32("perm", &[4], &[0, 2, 1, 3]))), None);
    assert_eq!(creation_failure(&transpose(&[4, 6], const_i64("perm", &[2], &[1, 0]))), None);
    assert_eq!(creation_failure(&transpose(&[2, 3, 4], const_i64("perm", &[3], &[1, 2, 0]))), None);
    // A negative entry: [-1, 0] is read [-1, -1], made [1, 1].
    let r = creation_failure(&transpose(&[4, 6], const_i64("perm", &[2], &[-1, 0]))).unwrap();
    assert!(r.contains("[-1, -1], which it makes [1, 1]"), "{r}");
}

/// One uint8 op from x (scale 0.02, zero point 128) to outputs quantized (`scale`, `zero_point`).
fn quantized_op(op: Op, outs: &[&[i32]], scale: f32, zero_point: i64, options: BuiltinOptionsT) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::UINT8, &[1, 4, 4, 6]).quant(0.02, 128));
    let inputs = match op {
        Op::SPLIT => vec![b.add(const_i32("axis", &[], &[3])), x],
        Op::PAD => vec![x, b.add(const_i32("pads", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]))],
        Op::CONCATENATION => vec![x, x],
        _ => vec![x],
    };
    let ys: Vec<i32> = outs.iter().enumerate().map(|(k, s)| b.add(tensor(&format!("y{k}"), T::UINT8, s).quant(scale, zero_point))).collect();
    b.op(op, &inputs, &ys).options(options);
    for y in ys {
        b.output(y);
    }
    b.finish()
}

#[test]
fn copy_like_ops_fail_creation_when_the_output_quantization_differs() {
    let split = |scale, zp| quantized_op(Op::SPLIT, &[&[1, 4, 4, 3], &[1, 4, 4, 3]], scale, zp, opts!(SplitOptions { num_splits: 2 }));
    assert_eq!(creation_failure(&split(0.02, 128)), None);
    let r = creation_failure(&split(0.04, 128)).expect("SPLIT with another scale");
    assert!(r.contains("node #0 (SPLIT)") && r.contains("scale (0.04) to equal the input's (0.02)"), "{r}");
    assert!(r.contains("\"failed to delegate SPLIT node #0\""), "{r}");
    let pad = |scale, zp| quantized_op(Op::PAD, &[&[1, 6, 6, 6]], scale, zp, opts!(PadOptions {}));
    let r = creation_failure(&pad(0.02, 100)).expect("PAD with another zero point");
    assert!(r.contains("zero point (100) to equal the input's (128)"), "{r}");
    let pool = opts!(Pool2DOptions { filter_width: 2, filter_height: 2, stride_w: 2, stride_h: 2 });
    assert!(creation_failure(&quantized_op(Op::MAX_POOL_2D, &[&[1, 2, 2, 6]], 0.03, 128, pool)).is_some());
    // CONCATENATION is refused for it by the detection pass: no creation failure, no node taken.
    let concat = quantized_op(Op::CONCATENATION, &[&[1, 4, 4, 12]], 0.04, 128, opts!(ConcatenationOptions { axis: 3 }));
    assert_eq!(creation_failure(&concat), None);
    assert!(taken(&concat, &defaults()).is_empty());
}

#[test]
fn the_failing_kernel_is_the_one_holding_the_first_failing_node() {
    // ADD | L2_NORMALIZATION (refused) | TRANSPOSE (fails creation): kernels #3 and #4.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4, 6, 3]));
    let a = b.add(tensor("a", T::FLOAT32, &[1, 4, 6, 3]));
    b.op(Op::ADD, &[x, x], &[a]);
    let n = b.add(tensor("n", T::FLOAT32, &[1, 4, 6, 3]));
    b.op(Op::L2_NORMALIZATION, &[a], &[n]).options(opts!(L2NormOptions {}));
    let p = b.add(const_i64("perm", &[4], &[0, 2, 1, 3]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 6, 4, 3]));
    b.op(Op::TRANSPOSE, &[n, p], &[y]).options(opts!(TransposeOptions {}));
    b.output(y);
    let r = creation_failure(&b.finish()).unwrap();
    assert!(r.contains("\"failed to delegate TRANSPOSE node #2\", then \"Node number 4 (TfLiteXNNPackDelegate) failed to prepare.\""), "{r}");
}

#[test]
fn the_plan_keeps_every_partition_under_the_xnnpack_kernel_name() {
    // ADD, L2_NORMALIZATION (refused), ADD: two XNNPACK kernels around a CPU node.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let t: Vec<i32> = (0..3).map(|k| b.add(tensor(&format!("t{k}"), T::FLOAT32, &[1, 4]))).collect();
    b.op(Op::ADD, &[x, x], &[t[0]]);
    b.op(Op::L2_NORMALIZATION, &[t[0]], &[t[1]]);
    b.op(Op::ADD, &[t[1], t[1]], &[t[2]]);
    b.output(t[2]);
    let bytes = b.finish();
    let m = model::read(&bytes).unwrap();
    let a = xnnpack::analyze(&m, &defaults());
    assert_eq!((a.outcome, a.delegated_nodes, a.delegate_kernels), (Outcome::Partial, 2, 2));
    let kinds: Vec<&str> = a.plan.iter().map(|r| r.node_type.as_str()).collect();
    assert_eq!(kinds, ["TfLiteXNNPackDelegate", "L2_NORMALIZATION", "TfLiteXNNPackDelegate"]);
    assert_eq!(a.log, ["Replacing 2 out of 3 node(s) with delegate (TfLiteXNNPackDelegate) node, yielding 3 partitions for subgraph 0 ()."]);
}

#[test]
fn pooling_and_softmax_checks() {
    let pool = |code: Op, dtype: T, filter: i32, stride: i32| {
        let mut b = ModelBuilder::new();
        let spec = |n: &str| if dtype == T::UINT8 { tensor(n, dtype, &[1, 8, 8, 3]).quant(0.5, 0) } else { tensor(n, dtype, &[1, 8, 8, 3]) };
        let x = b.input(spec("x"));
        let y = b.add(spec("y"));
        b.op(code, &[x], &[y]).options(opts!(Pool2DOptions { filter_width: filter, filter_height: filter, stride_w: stride, stride_h: stride }));
        b.output(y);
        b.finish()
    };
    assert_eq!(taken(&pool(Op::AVERAGE_POOL_2D, T::FLOAT32, 2, 2), &defaults()), [0]);
    assert_eq!(refusal(&pool(Op::AVERAGE_POOL_2D, T::UINT8, 2, 2), &defaults(), 0), "CheckTensorFloatType: unsupported type UINT8 in tensor #0 in node #0");
    assert_eq!(taken(&pool(Op::MAX_POOL_2D, T::UINT8, 2, 2), &defaults()), [0]);
    assert_eq!(
        refusal(&pool(Op::MAX_POOL_2D, T::FLOAT32, 2, 3), &defaults(), 0),
        "unsupported width stride 3 exceeding filter width 2 in MAX_POOL_2D node #0"
    );
    let softmax = |beta: f32| {
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
        let y = b.add(tensor("y", T::FLOAT32, &[1, 4]));
        b.op(Op::SOFTMAX, &[x], &[y]).options(opts!(SoftmaxOptions { beta: beta }));
        b.output(y);
        b.finish()
    };
    assert_eq!(taken(&softmax(1.0), &defaults()), [0]);
    assert_eq!(refusal(&softmax(0.5), &defaults(), 0), "unsupported beta value 0.5000000 in SOFTMAX node #0");
}

#[test]
fn disable_subgraph_reshaping_makes_dynamic_tensors_fail() {
    // RESHAPE to a shape only known at run time: its output is dynamic.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let shape = b.input(tensor("shape", T::INT32, &[2]));
    let y = b.add(tensor("y", T::FLOAT32, &[4, 1]));
    let z = b.add(tensor("z", T::FLOAT32, &[4, 1]));
    b.op(Op::RESHAPE, &[x, shape], &[y]);
    b.op(Op::RELU, &[y], &[z]);
    b.output(z);
    let bytes = b.finish();
    let m = model::read(&bytes).unwrap();
    let reshaping = xnnpack::analyze(&m, &defaults());
    assert_eq!((reshaping.outcome, reshaping.delegated_nodes), (Outcome::Partial, 1));
    let static_only = xnnpack::analyze(&m, &with("default,disable_subgraph_reshaping"));
    assert_eq!(static_only.outcome, Outcome::Fails);
    assert!(static_only.failure.unwrap().reason.contains("DISABLE_SUBGRAPH_RESHAPING"));
}
