//! The delegate as a whole on constructed models: outcomes that are not a plan, the fp16 path,
//! partition limits, clustering and control flow.

use delegate_doctor::builder::{const_bytes, const_i32, const_i64, tensor, ModelBuilder};
use delegate_doctor::model::{self, BuiltinOperator as Op, TensorType as T};
use delegate_doctor::nnapi::delegate::{analyze, Analysis, Options, Outcome};
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
    // DEQUANTIZE is reported as staying on the CPU in the partial case.
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
