//! The delegate as a whole on constructed models: outcomes that are not a plan, the fp16 path,
//! partition limits, clustering and control flow.

use delegate_doctor::builder::{const_bytes, const_f16, const_i32, const_i64, tensor, ModelBuilder};
use delegate_doctor::model::{self, BuiltinOperator as Op, TensorType as T};
use delegate_doctor::nnapi::delegate::{analyze, Analysis, Options, Outcome};
use delegate_doctor::nnapi::fp16::KernelVerdict;
use delegate_doctor::opts;

fn run(bytes: &[u8], o: &Options) -> Analysis {
    let m = model::read(bytes).expect("valid model");
    analyze(&m, o)
}

fn names(a: &Analysis) -> Vec<String> {
    a.plan.iter().map(|r| format!("{} {}", r.node_type, r.name)).collect()
}

/// x → RELU → PAD(paddings) → RELU → y, float.
fn pad_model(paddings_int64: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4, 4, 1]));
    let a = b.add(tensor("a", T::FLOAT32, &[1, 4, 4, 1]));
    let p = if paddings_int64 {
        b.add(const_i64("paddings", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]))
    } else {
        b.add(const_i32("paddings", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]))
    };
    let c = b.add(tensor("c", T::FLOAT32, &[1, 6, 6, 1]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 6, 6, 1]));
    b.op(Op::RELU, &[x], &[a]);
    b.op(Op::PAD, &[a, p], &[c]);
    b.op(Op::RELU, &[c], &[y]);
    b.output(y);
    b.finish()
}

#[test]
fn an_int64_operand_of_an_accepted_op_makes_delegation_fail() {
    let ok = run(&pad_model(false), &Options { sdk: 29, ..Options::default() });
    assert_eq!(ok.outcome, Outcome::Full);
    assert_eq!(names(&ok), vec!["TfLiteNnapiDelegate [y]:3"]);
    let bad = run(&pad_model(true), &Options { sdk: 29, ..Options::default() });
    assert_eq!(bad.outcome, Outcome::Fails);
    let f = bad.failure.expect("a failure");
    assert_eq!(f.message, "Failed to apply NNAPI delegate.");
    assert!(f.reason.starts_with("Failed to add NN API tensor: type INT64 is not supported."), "{}", f.reason);
    assert_eq!(f.op_index, Some(1));
    assert!(bad.plan.is_empty());
}

#[test]
fn without_the_device_query_only_kept_partitions_are_built() {
    // x → RELU → AVG_POOL(big window, refused without accel) → PAD(int64) → RELU.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::UINT8, &[1, 20, 20, 1]).quant(0.5, 0));
    let a = b.add(tensor("a", T::UINT8, &[1, 20, 20, 1]).quant(0.5, 0));
    let c = b.add(tensor("c", T::UINT8, &[1, 1, 1, 1]).quant(0.5, 0));
    let p = b.add(const_i64("paddings", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]));
    let d = b.add(tensor("d", T::UINT8, &[1, 3, 3, 1]).quant(0.5, 0));
    let y = b.add(tensor("y", T::UINT8, &[1, 3, 3, 1]).quant(0.5, 0));
    let z = b.add(tensor("z", T::UINT8, &[1, 20, 20, 1]).quant(0.5, 0));
    b.op(Op::RELU, &[x], &[a]);
    b.op(Op::AVERAGE_POOL_2D, &[a], &[c]).options(opts!(Pool2DOptions { filter_width: 20, filter_height: 20 }));
    b.op(Op::PAD, &[c, p], &[d]);
    b.op(Op::RELU, &[d], &[y]);
    b.op(Op::RELU, &[a], &[z]);
    b.output(y).output(z);
    let bytes = b.finish();
    // Partitions: {0, 4} (2 nodes) and {2, 3} (2 nodes, with the int64 PAD). Limit 1 keeps the first.
    let o = Options { sdk: 29, disable_nnapi_cpu: false, max_delegated_partitions: 1, ..Options::default() };
    let a = run(&bytes, &o);
    assert_eq!(a.outcome, Outcome::Partial, "{:?}", a.failure);
    assert_eq!(a.plan[0].nodes.as_deref(), Some(&[0, 4][..]));
    // Without a limit the PAD's kernel is built and fails.
    let all = run(&bytes, &Options { max_delegated_partitions: 0, ..o });
    assert_eq!(all.outcome, Outcome::Fails);
}

#[test]
fn a_dynamic_tensor_fails_unless_dynamic_dimensions_are_allowed() {
    // RESHAPE whose shape comes from the graph input: its Prepare returns kTfLiteOutputShapeNotKnown,
    // which stops preparation without marking a tensor, so the message names tensor -1 (as the
    // real interpreter does, tests/python/test_prepare.py).
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[2, 3]));
    let s = b.input(tensor("shape", T::INT32, &[2]));
    let y = b.add(tensor("y", T::FLOAT32, &[3, 2]));
    b.op(Op::RESHAPE, &[x, s], &[y]);
    b.output(y);
    let bytes = b.finish();
    let a = run(&bytes, &Options { sdk: 30, ..Options::default() });
    assert_eq!(a.outcome, Outcome::Fails);
    let reason = a.failure.clone().unwrap().reason;
    assert!(reason.contains("dynamic-sized tensors (tensor#-1 is a dynamic-sized tensor)"), "{reason}");
    assert_eq!(a.dynamic.as_ref().map(|d| (d.tensor, d.op_index, d.tensors.is_empty())), Some((-1, Some(0), true)));
    let allowed = run(&bytes, &Options { sdk: 30, allow_dynamic_dimensions: true, ..Options::default() });
    assert_ne!(allowed.outcome, Outcome::Fails);
    // A shape computed by SHAPE at prepare time is not dynamic.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[2, 3]));
    let s = b.add(tensor("shape", T::INT32, &[2]));
    let y = b.add(tensor("y", T::FLOAT32, &[2, 3]));
    b.op(Op::SHAPE, &[x], &[s]);
    b.op(Op::RESHAPE, &[x, s], &[y]);
    b.output(y);
    let a = run(&b.finish(), &Options { sdk: 30, ..Options::default() });
    assert_ne!(a.outcome, Outcome::Fails, "{:?}", a.failure);
}

#[test]
fn device_facts_decide_whether_the_delegate_runs() {
    let bytes = pad_model(false);
    let old = run(&bytes, &Options { sdk: 26, ..Options::default() });
    assert_eq!(old.outcome, Outcome::None);
    assert_eq!(old.plan.len(), 3);
    let only_reference =
        run(&bytes, &Options { sdk: 30, devices: Some(vec!["nnapi-reference".into()]), ..Options::default() });
    assert_eq!(only_reference.outcome, Outcome::None);
    let unknown = run(
        &bytes,
        &Options {
            sdk: 30,
            accelerator_name: Some("npu".into()),
            devices: Some(vec!["gpu".into(), "nnapi-reference".into()]),
            ..Options::default()
        },
    );
    assert_eq!(unknown.outcome, Outcome::Fails);
    assert_eq!(
        unknown.failure.unwrap().reason,
        "Could not find the specified NNAPI accelerator: npu. Must be one of: {gpu,nnapi-reference}."
    );
    let named = run(&bytes, &Options { sdk: 30, accelerator_name: Some("npu".into()), ..Options::default() });
    assert_eq!(named.outcome, Outcome::Full);
    assert!(named.assumptions.iter().any(|a| a.contains("\"npu\"")));
}

#[test]
fn feature_levels_follow_the_runtime_and_the_device() {
    let bytes = pad_model(false);
    let level = |o: Options| run(&bytes, &o).level;
    assert_eq!(level(Options { sdk: 33, ..Options::default() }), Some(1_000_006));
    assert_eq!(level(Options { sdk: 35, ..Options::default() }), Some(1_000_008));
    // Non-targeted: the API level itself.
    assert_eq!(level(Options { sdk: 33, disable_nnapi_cpu: false, ..Options::default() }), Some(33));
    // A device below the runtime lowers the level.
    assert_eq!(level(Options { sdk: 33, device_feature_level: Some(30), ..Options::default() }), Some(30));
    assert_eq!(level(Options { sdk: 31, feature_level: Some(1_000_007), ..Options::default() }), Some(1_000_007));
}

/// w_fp16 (const) → DEQUANTIZE → w; x · w by FULLY_CONNECTED; then an op NNAPI may refuse.
fn fp16_model(tail: Op) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let half_one = 0x3c00u16.to_le_bytes();
    let wdata: Vec<u8> = (0..16).flat_map(|_| half_one).collect();
    let w16 = b.add(const_bytes("w_fp16", T::FLOAT16, &[4, 4], &wdata));
    let w = b.add(tensor("w", T::FLOAT32, &[4, 4]));
    let h = b.add(tensor("h", T::FLOAT32, &[1, 4]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 4]));
    b.op(Op::DEQUANTIZE, &[w16], &[w]);
    b.op(Op::FULLY_CONNECTED, &[x, w, -1], &[h]);
    b.op(tail, &[h], &[y]);
    b.output(y);
    b.finish()
}

#[test]
fn fp16_weights_are_delegated_whole_when_everything_else_is_accepted() {
    let a = run(&fp16_model(Op::RELU), &Options { sdk: 30, ..Options::default() });
    assert_eq!(a.outcome, Outcome::Full, "{:?}", a.refused);
    assert_eq!(a.plan[0].nodes.as_deref(), Some(&[0, 1, 2][..]));
    // In the partial case the DEQUANTIZE stays on the CPU.
    let p = run(&fp16_model(Op::ZEROS_LIKE), &Options { sdk: 30, ..Options::default() });
    assert_eq!(p.outcome, Outcome::Partial);
    assert_eq!(names(&p), vec!["DEQUANTIZE [w]:0", "TfLiteNnapiDelegate [h]:3", "ZEROS_LIKE [y]:2"]);
    assert_eq!(p.plan[1].nodes.as_deref(), Some(&[1][..]));
}

#[test]
fn control_flow_bodies_get_their_own_plans_and_while_stays_on_cpu() {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let a = b.add(tensor("a", T::FLOAT32, &[1, 4]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 4]));
    b.op(Op::RELU, &[x], &[a]);
    b.op(Op::WHILE, &[a], &[y]).options(opts!(WhileOptions { cond_subgraph_index: 1, body_subgraph_index: 2 }));
    b.output(y);
    for name in ["cond", "body"] {
        b.subgraph(name);
        let i = b.input(tensor("i", T::FLOAT32, &[1, 4]));
        let o = b.add(tensor("o", T::FLOAT32, &[1, 4]));
        b.op(Op::RELU, &[i], &[o]);
        b.output(o);
    }
    let r = run(&b.finish(), &Options { sdk: 30, ..Options::default() });
    assert_eq!(r.outcome, Outcome::Partial);
    assert_eq!(names(&r), vec!["TfLiteNnapiDelegate [a]:2", "WHILE [y]:1"]);
    assert_eq!(r.refused[0].reasons, vec!["Unsupported operation type."]);
    assert_eq!(r.other_subgraphs.len(), 2);
    assert_eq!(r.other_subgraphs[1].name, "body");
    // benchmark_model names every row from the primary subgraph's tensors (profile_summarizer.cc
    // asks `Interpreter::tensor`): the body's output is its tensor 1, which in subgraph 0 is "a".
    assert_eq!(r.other_subgraphs[1].plan[0].name, "[a]:1");
    assert!(r.log.iter().any(|l| l.ends_with("yielding 1 partitions for subgraph 2 (body).")));
}

#[test]
fn resource_ops_are_ordered_by_their_side_effects() {
    // VAR_HANDLE → ASSIGN_VARIABLE / READ_VARIABLE (CPU) around delegated RELUs.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let h = b.add(tensor("handle", T::RESOURCE, &[]));
    let r1 = b.add(tensor("r1", T::FLOAT32, &[1, 4]));
    let v = b.add(tensor("v", T::FLOAT32, &[1, 4]));
    let r2 = b.add(tensor("r2", T::FLOAT32, &[1, 4]));
    b.op(Op::VAR_HANDLE, &[], &[h]);
    b.op(Op::RELU, &[x], &[r1]);
    b.op(Op::ASSIGN_VARIABLE, &[h, r1], &[]);
    b.op(Op::READ_VARIABLE, &[h], &[v]);
    b.op(Op::RELU, &[v], &[r2]);
    b.output(r2);
    let r = run(&b.finish(), &Options { sdk: 30, ..Options::default() });
    let types: Vec<&str> = r.plan.iter().map(|p| p.node_type.as_str()).collect();
    assert_eq!(types, vec!["VAR_HANDLE", "TfLiteNnapiDelegate", "ASSIGN_VARIABLE", "READ_VARIABLE", "TfLiteNnapiDelegate"]);
}

#[test]
fn a_cycle_is_reported_not_hung() {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let a = b.add(tensor("a", T::FLOAT32, &[1, 4]));
    let c = b.add(tensor("c", T::FLOAT32, &[1, 4]));
    b.op(Op::ADD, &[x, c], &[a]);
    b.op(Op::RELU, &[a], &[c]);
    b.output(c);
    let r = run(&b.finish(), &Options { sdk: 30, ..Options::default() });
    assert_eq!(r.outcome, Outcome::Fails);
    assert!(r.failure.unwrap().reason.contains("cycle"));
}

#[test]
fn validation_subgraphs_are_left_alone() {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 4]));
    b.op(Op::RELU, &[x], &[y]);
    b.output(y);
    // A validation subgraph with a dynamic-sized RESHAPE: the interpreter skips it entirely.
    b.subgraph("VALIDATION:accuracy");
    let i = b.input(tensor("i", T::FLOAT32, &[2, 3]));
    let s = b.input(tensor("s", T::INT32, &[2]));
    let o = b.add(tensor("o", T::FLOAT32, &[3, 2]));
    b.op(Op::RESHAPE, &[i, s], &[o]);
    b.output(o);
    let r = run(&b.finish(), &Options { sdk: 30, ..Options::default() });
    assert_eq!(r.outcome, Outcome::Full, "{:?}", r.failure);
    assert!(r.other_subgraphs.is_empty());
}

// ------------------------------------------------------------------ fp16 weights (issue 11)

fn conv_options(code: Op) -> delegate_doctor::model::BuiltinOptionsT {
    use tflite_schema::tflite::Padding;
    if code == Op::DEPTHWISE_CONV_2D {
        opts!(DepthwiseConv2DOptions { padding: Padding::SAME, stride_w: 1, stride_h: 1, depth_multiplier: 1 })
    } else {
        opts!(Conv2DOptions { padding: Padding::SAME, stride_w: 1, stride_h: 1 })
    }
}

/// A float16 constant and its DEQUANTIZE; returns the float32 tensor.
fn dequantized(b: &mut ModelBuilder, name: &str, shape: &[i32], value: f32) -> i32 {
    let n = shape.iter().product::<i32>() as usize;
    let w16 = b.add(const_f16(&format!("{name}_fp16"), shape, &vec![value; n]));
    let w = b.add(tensor(name, T::FLOAT32, shape));
    b.op(Op::DEQUANTIZE, &[w16], &[w]);
    w
}

/// A CONV_2D or DEPTHWISE_CONV_2D on [1,8,8,4] with fp16 filter and bias (as the converter writes them).
fn fp16_layer(b: &mut ModelBuilder, code: Op, x: i32, name: &str) -> i32 {
    let filter = if code == Op::DEPTHWISE_CONV_2D { [1, 3, 3, 4] } else { [4, 3, 3, 4] };
    let w = dequantized(b, &format!("{name}/kernel"), &filter, 0.5);
    let bias = dequantized(b, &format!("{name}/bias"), &[4], 0.25);
    let y = b.add(tensor(name, T::FLOAT32, &[1, 8, 8, 4]));
    b.op(code, &[x, w, bias], &[y]).options(conv_options(code));
    y
}

fn unary(b: &mut ModelBuilder, code: Op, x: i32, name: &str) -> i32 {
    let y = b.add(tensor(name, T::FLOAT32, &[1, 8, 8, 4]));
    b.op(code, &[x], &[y]);
    y
}

/// fp16-weight layers in three NNAPI partitions split by SQUAREs (which NNAPI has no case for):
/// {2 CONV, 3 RELU, 6 CONV}, {10 CONV, 11 RELU}, {15 DEPTHWISE_CONV_2D}; ops 0, 1, 4, 5, 8, 9, 13
/// and 14 are the DEQUANTIZEs.
fn fp16_islands() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 8, 8, 4]));
    let mut t = fp16_layer(&mut b, Op::CONV_2D, x, "conv1");
    t = unary(&mut b, Op::RELU, t, "relu1");
    t = fp16_layer(&mut b, Op::CONV_2D, t, "conv2");
    t = unary(&mut b, Op::SQUARE, t, "square1");
    t = fp16_layer(&mut b, Op::CONV_2D, t, "conv3");
    t = unary(&mut b, Op::RELU, t, "relu2");
    t = unary(&mut b, Op::SQUARE, t, "square2");
    t = fp16_layer(&mut b, Op::DEPTHWISE_CONV_2D, t, "depthwise");
    b.output(t);
    b.finish()
}

#[test]
fn fp16_dequantizes_of_a_fully_delegated_model_are_delegated_not_refused() {
    let a = run(&fp16_model(Op::RELU), &Options { sdk: 30, ..Options::default() });
    assert_eq!(a.outcome, Outcome::Full);
    assert!(a.refused.is_empty(), "{:?}", a.refused);
    let w = a.fp16_weights.as_ref().expect("an fp16 note");
    assert!(w.delegated);
    assert_eq!(w.dequantize_nodes, vec![0]);
    assert!(w.message.contains("are delegated") || w.message.contains("is delegated"), "{}", w.message);
    assert!(w.left_on_cpu.is_empty());
}

#[test]
fn fp16_dequantizes_left_on_the_cpu_are_said_once() {
    let a = run(&fp16_islands(), &Options { sdk: 29, ..Options::default() });
    assert_eq!(a.outcome, Outcome::Partial);
    assert_eq!(a.refused.iter().map(|r| (r.index, r.op.as_str())).collect::<Vec<_>>(), vec![(7, "SQUARE"), (12, "SQUARE")]);
    let w = a.fp16_weights.as_ref().expect("an fp16 note");
    assert!(!w.delegated);
    assert_eq!(w.dequantize_nodes, vec![0, 1, 4, 5, 8, 9, 13, 14]);
    assert!(w.message.starts_with("The 8 DEQUANTIZE ops of constant fp16 weights stay on the CPU"), "{}", w.message);
    // The text report says it once, and lists no DEQUANTIZE among the refused ops.
    let text = delegate_doctor::analyze::render_text(&delegate_doctor::analyze::report(
        &model::read(&fp16_islands()).unwrap(),
        &Options::default(),
        &[29],
    ));
    assert_eq!(text.matches("DEQUANTIZE ops of constant fp16 weights").count(), 1, "{text}");
    assert!(!text.contains("DEQUANTIZE v1"), "{text}");
    assert_eq!(a.delegate_kernels, 3);
}

#[test]
fn a_partition_limit_sends_fp16_rewired_ops_to_the_cpu_and_prepare_fails() {
    let bytes = fp16_islands();
    for sdk in 27..=35 {
        for disable_nnapi_cpu in [true, false] {
            for accelerator in [None, Some("npu"), Some("nnapi-reference")] {
                let base = Options {
                    sdk,
                    disable_nnapi_cpu,
                    accelerator_name: accelerator.map(str::to_string),
                    ..Options::default()
                };
                let case = format!("API {sdk}, disable_nnapi_cpu {disable_nnapi_cpu}, accelerator {accelerator:?}");
                for limit in [0, 3] {
                    let a = run(&bytes, &Options { max_delegated_partitions: limit, ..base.clone() });
                    assert_eq!((a.outcome, a.delegate_kernels), (Outcome::Partial, 3), "{case}, limit {limit}");
                }
                let two = run(&bytes, &Options { max_delegated_partitions: 2, ..base.clone() });
                assert_eq!(two.outcome, Outcome::Fails, "{case}, limit 2");
                assert_eq!(two.failure.as_ref().and_then(|f| f.op_index), Some(15), "{case}");
                let one = run(&bytes, &Options { max_delegated_partitions: 1, ..base.clone() });
                assert_eq!(one.failure.as_ref().and_then(|f| f.op_index), Some(10), "{case}, limit 1: the first in run order");
            }
        }
    }
}

#[test]
fn the_fp16_limit_failure_says_what_fails_and_the_cures() {
    let a = run(&fp16_islands(), &Options { sdk: 29, max_delegated_partitions: 2, ..Options::default() });
    let f = a.failure.as_ref().expect("a failure");
    assert_eq!(f.message, "Failed to apply NNAPI delegate.");
    for part in [
        "keeps 2 of the 3 NNAPI partitions",
        "op 15 (DEPTHWISE_CONV_2D) fails to prepare: tflite/kernels/depthwise_conv.cc: filter->type == data_type || data_type == kTfLiteInt16 || filter->type == kTfLiteInt4 was not true",
        "--max-delegated-partitions 0",
        "fp16-weights-to-fp32",
        "the file grows by about 968 bytes",
    ] {
        assert!(f.reason.contains(part), "{part:?} not in {}", f.reason);
    }
    let tail: Vec<&str> = a.log.iter().rev().take(4).rev().map(String::as_str).collect();
    assert_eq!(
        tail,
        vec![
            "tflite/kernels/depthwise_conv.cc: filter->type == data_type || data_type == kTfLiteInt16 || filter->type == kTfLiteInt4 was not true.",
            "Node number 15 (DEPTHWISE_CONV_2D) failed to prepare.",
            "Restored original execution plan after delegate application failure.",
            "Failed to apply NNAPI delegate.",
        ]
    );
    assert!(a.log[0].starts_with("Replacing 5 out of 16 node(s)"), "{:?}", a.log);
    assert!(a.plan.is_empty());
    // What is worth showing survives the failure: the refusals and the fp16 note.
    assert_eq!(a.refused.len(), 2);
    let w = a.fp16_weights.as_ref().expect("an fp16 note");
    assert_eq!(w.left_on_cpu.iter().map(|r| r.index).collect::<Vec<_>>(), vec![15]);
    // Limit 1 drops {10, 11} too: the CONV_2D prepares first and fails on its bias.
    let one = run(&fp16_islands(), &Options { sdk: 29, max_delegated_partitions: 1, ..Options::default() });
    let w = one.fp16_weights.as_ref().unwrap();
    assert_eq!(w.left_on_cpu.iter().map(|r| (r.index, r.op.as_str())).collect::<Vec<_>>(), vec![(10, "CONV_2D"), (15, "DEPTHWISE_CONV_2D")]);
    assert!(one.log.contains(&"tflite/kernels/conv.cc: bias->type != input_type (FLOAT16 != FLOAT32)".to_string()));
}

#[test]
fn the_fp16_limit_failure_needs_the_delegate_to_run() {
    // Only nnapi-reference on the phone and --disable-nnapi-cpu: the delegate does nothing at all.
    let o = Options { sdk: 30, max_delegated_partitions: 1, devices: Some(vec!["nnapi-reference".into()]), ..Options::default() };
    assert_eq!(run(&fp16_islands(), &o).outcome, Outcome::None);
    // Below API 27 there is no NNAPI.
    assert_eq!(run(&fp16_islands(), &Options { sdk: 26, max_delegated_partitions: 1, ..Options::default() }).outcome, Outcome::None);
}

#[test]
fn a_dropped_op_whose_kernel_misreads_fp16_is_a_warning_not_a_failure() {
    // x → RELU → RELU → SQUARE → PRELU(alpha fp16): the limit drops the PRELU, whose kernel does
    // not check alpha's type.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 8, 8, 4]));
    let mut t = unary(&mut b, Op::RELU, x, "relu1");
    t = unary(&mut b, Op::RELU, t, "relu2");
    t = unary(&mut b, Op::SQUARE, t, "square");
    let alpha = dequantized(&mut b, "alpha", &[1, 1, 4], 0.1);
    let y = b.add(tensor("prelu", T::FLOAT32, &[1, 8, 8, 4]));
    b.op(Op::PRELU, &[t, alpha], &[y]);
    b.output(y);
    let a = run(&b.finish(), &Options { sdk: 29, max_delegated_partitions: 1, ..Options::default() });
    assert_eq!(a.outcome, Outcome::Partial, "{:?}", a.failure);
    let w = a.fp16_weights.as_ref().unwrap();
    assert_eq!(w.left_on_cpu.len(), 1);
    assert_eq!(w.left_on_cpu[0].kernel, KernelVerdict::WrongResults);
    assert!(w.message.contains("op 4 (PRELU)"), "{}", w.message);
}
