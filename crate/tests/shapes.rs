//! Prepare at the model's declared shapes (`shapes`): the failures the builtin kernels raise, how
//! the delegate reports them, and that valid models are left alone. The same rules are checked
//! against the real interpreter in tests/python/test_prepare_shapes.py.

use std::time::{Duration, Instant};

use delegate_doctor::builder::{const_f32, const_i32, tensor, ModelBuilder, OPTIONAL};
use delegate_doctor::model::{self, BuiltinOperator as Op, TensorType as T};
use delegate_doctor::nnapi::delegate::{analyze, Analysis, Options, Outcome};
use delegate_doctor::opts;
use delegate_doctor::shapes::{self, PrepareFailure};
use tflite_schema::tflite::Padding;

fn run(bytes: &[u8], o: &Options) -> Analysis {
    let m = model::read(bytes).expect("valid model");
    analyze(&m, o)
}

fn failure(bytes: &[u8]) -> Option<PrepareFailure> {
    let m = model::read(bytes).expect("valid model");
    shapes::first_failure(&m, &m.subgraphs[0], None)
}

fn conv_options(padding: Padding) -> delegate_doctor::model::BuiltinOptionsT {
    opts!(Conv2DOptions { padding: padding, stride_w: 1, stride_h: 1, dilation_w_factor: 1, dilation_h_factor: 1 })
}

/// The issue's model: x has shape signature [-1, -1], stored as `stored`; RESHAPE to `image`, then
/// a 3×3 VALID CONV_2D. The stored intermediate shapes are those of a 5×5 image.
fn issue_model(stored: &[i32], image: &[i32]) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, stored).signature(&[-1, -1]));
    let shape = b.add(const_i32("shape", &[4], image));
    let r = b.add(tensor("image", T::FLOAT32, &[1, 5, 5, 1]));
    b.op(Op::RESHAPE, &[x, shape], &[r]);
    let w = b.add(const_f32("w", &[2, 3, 3, 1], &[0.1; 18]));
    let bias = b.add(const_f32("bias", &[2], &[0.0; 2]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 3, 3, 2]));
    b.op(Op::CONV_2D, &[r, w, bias], &[y]).options(conv_options(Padding::VALID));
    b.output(y);
    b.finish()
}

#[test]
fn the_issue_example_fails_at_the_conv_with_the_reason_not_a_plan() {
    let a = run(&issue_model(&[1, 1], &[1, 1, 1, 1]), &Options { sdk: 30, ..Options::default() });
    assert_eq!(a.outcome, Outcome::Fails);
    assert!(a.plan.is_empty());
    let f = a.failure.expect("a failure");
    assert_eq!(f.message, "Failed to apply NNAPI delegate.");
    assert_eq!((f.subgraph, f.op_index), (Some(0), Some(1)));
    for part in [
        "CONV_2D (op 1) fails to prepare",
        "the output width would be negative",
        "input width 1 + stride 1 − effective filter width 3",
        "input [1,1,1,1], filter [2,3,3,1], VALID padding",
        "tflite/kernels/conv.cc Prepare",
        "The interpreter reports \"Node number 1 (CONV_2D) failed to prepare.\"",
    ] {
        assert!(f.reason.contains(part), "{part:?} missing from {}", f.reason);
    }
    // Stored as a 5×5 image, the same graph prepares and is delegated.
    let ok = run(&issue_model(&[5, 5], &[1, 5, 5, 1]), &Options { sdk: 30, ..Options::default() });
    assert_eq!(ok.outcome, Outcome::Full, "{:?}", ok.failure);
}

#[test]
fn prepare_uses_propagated_shapes_not_the_stored_intermediates() {
    let m = issue_model(&[1, 1], &[1, 1, 1, 1]);
    let m = model::read(&m).expect("valid model");
    let p = shapes::propagate(&m, &m.subgraphs[0], None);
    assert_eq!(p.shapes[2].as_deref(), Some(&[1, 1, 1, 1][..]), "RESHAPE's output as Prepare computes it");
    assert_eq!(m.subgraphs[0].tensors[2].shape, vec![1, 5, 5, 1], "as the file claims it");
    assert_eq!(p.prepared, 1, "the walk stops at the failing op");
    assert_eq!(p.failure.map(|f| f.op_index), Some(1));
}

#[test]
fn with_dynamic_dimensions_allowed_the_delegate_applies_and_allocation_fails() {
    let bytes = issue_model(&[1, 1], &[1, 1, 1, 1]);
    let a = run(&bytes, &Options { sdk: 30, allow_dynamic_dimensions: true, ..Options::default() });
    assert_eq!(a.outcome, Outcome::Fails);
    let f = a.failure.expect("a failure");
    assert_eq!(f.message, "Failed to allocate tensors!");
    assert_eq!(f.op_index, Some(1));
    assert!(a.log.first().is_some_and(|l| l.starts_with("Replacing 2 out of 2 node(s)")), "{:?}", a.log);
    assert_eq!(a.log.last().map(String::as_str), Some("Failed to allocate tensors!"));
    assert_eq!(a.level, Some(30), "the delegate did decide");
    // Below API 28 the flag is ignored: the pre-delegation Prepare fails as without it.
    let old = run(&bytes, &Options { sdk: 27, allow_dynamic_dimensions: true, ..Options::default() });
    assert_eq!(old.failure.map(|f| f.message), Some("Failed to apply NNAPI delegate.".to_string()));
}

/// x → op A → op B, where `dynamic_first` puts a RESHAPE whose shape is a graph input (its output
/// is dynamic) before a CONV_2D whose window is wider than its input.
fn ordered(dynamic_first: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 1, 1, 1]));
    let s = b.input(tensor("shape", T::INT32, &[2]));
    let v = b.input(tensor("v", T::FLOAT32, &[2, 3]));
    let w = b.add(const_f32("w", &[1, 3, 3, 1], &[0.1; 9]));
    let bias = b.add(const_f32("bias", &[1], &[0.0]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 1, 1, 1]));
    let r = b.add(tensor("r", T::FLOAT32, &[3, 2]));
    let conv = |b: &mut ModelBuilder| {
        b.op(Op::CONV_2D, &[x, w, bias], &[y]).options(conv_options(Padding::VALID));
    };
    if dynamic_first {
        b.op(Op::RESHAPE, &[v, s], &[r]);
        conv(&mut b);
    } else {
        conv(&mut b);
        b.op(Op::RESHAPE, &[v, s], &[r]);
    }
    b.output(y).output(r);
    b.finish()
}

#[test]
fn the_first_op_that_fails_or_goes_dynamic_decides() {
    let o = Options { sdk: 30, ..Options::default() };
    let dynamic = run(&ordered(true), &o).failure.expect("a failure");
    // RESHAPE with a computed shape returns kTfLiteOutputShapeNotKnown: the message names tensor#-1.
    assert!(dynamic.reason.contains("dynamic-sized tensors (tensor#-1 is a dynamic-sized tensor)"), "{}", dynamic.reason);
    assert_eq!(dynamic.op_index, Some(0));
    let prepare = run(&ordered(false), &o).failure.expect("a failure");
    assert!(prepare.reason.starts_with("CONV_2D (op 0) fails to prepare"), "{}", prepare.reason);
    assert_eq!(prepare.op_index, Some(0));
    // With dynamic dimensions allowed, AllocateTensors stops at the dynamic op too.
    let allowed = Options { allow_dynamic_dimensions: true, ..o };
    assert_ne!(run(&ordered(true), &allowed).outcome, Outcome::Fails);
    assert_eq!(run(&ordered(false), &allowed).failure.map(|f| f.message), Some("Failed to allocate tensors!".into()));
}

fn binary(code: Op, a: &[i32], c: &[i32]) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("a", T::FLOAT32, a));
    let y = b.input(tensor("b", T::FLOAT32, c));
    let z = b.add(tensor("z", T::FLOAT32, &[1]));
    b.op(code, &[x, y], &[z]);
    b.output(z);
    b.finish()
}

#[test]
fn failures_quote_the_kernels_words() {
    let f = failure(&binary(Op::ADD, &[2, 3], &[4, 3])).expect("not broadcastable");
    assert_eq!(f.kernel, "tflite/kernels/add.cc");
    assert_eq!(f.check.as_deref(), Some("Given shapes, [2,3] and [4,3], are not broadcastable."));
    assert!(f.reason().contains("ADD (op 0) fails to prepare at the model's declared shapes: its inputs have shapes [2,3] and [4,3]"));

    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[2, 3, 4]));
    let s = b.add(const_i32("shape", &[3], &[5, -1, 5]));
    let y = b.add(tensor("y", T::FLOAT32, &[5, 1, 5]));
    b.op(Op::RESHAPE, &[x, s], &[y]);
    b.output(y);
    let f = failure(&b.finish()).expect("element count");
    assert_eq!(f.check.as_deref(), Some("num_input_elements != num_output_elements (24 != 0)"));

    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 2, 3]));
    let c = b.input(tensor("c", T::FLOAT32, &[1, 3, 3]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 2, 6]));
    b.op(Op::CONCATENATION, &[x, c], &[y]).options(opts!(ConcatenationOptions { axis: 2 }));
    b.output(y);
    let f = failure(&b.finish()).expect("dimension mismatch");
    assert_eq!(f.check.as_deref(), Some("t->dims->data[d] != t0->dims->data[d] (3 != 2)"));
    assert!(f.why.contains("they may differ only on axis 2"), "{}", f.why);

    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4, 4, 3]));
    let w = b.add(const_f32("w", &[4, 1, 1, 3], &[0.5; 12]));
    let bias = b.add(const_f32("bias", &[3], &[0.0; 3]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 4, 4, 4]));
    b.op(Op::CONV_2D, &[x, w, bias], &[y]).options(conv_options(Padding::VALID));
    b.output(y);
    let f = failure(&b.finish()).expect("bias length");
    assert_eq!(f.check.as_deref(), Some("NumElements(bias) != SizeOfDimension(filter, 0) (3 != 4)"));
}

fn pool(filter: i32, input: &[i32]) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, input));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 1, 1, 3]));
    b.op(Op::AVERAGE_POOL_2D, &[x], &[y]).options(opts!(Pool2DOptions {
        padding: Padding::VALID,
        stride_w: 1,
        stride_h: 1,
        filter_width: filter,
        filter_height: filter
    }));
    b.output(y);
    b.finish()
}

#[test]
fn valid_models_are_not_reported() {
    // A pooling window wider than its input makes an empty output, not a failure.
    let bytes = pool(3, &[1, 2, 2, 3]);
    assert_eq!(failure(&bytes), None);
    let m = model::read(&bytes).expect("valid model");
    assert_eq!(shapes::propagate(&m, &m.subgraphs[0], None).shapes[1].as_deref(), Some(&[1, 0, 0, 3][..]));
    assert_eq!(failure(&binary(Op::ADD, &[1, 4, 1], &[3])), None);
    assert_eq!(failure(&binary(Op::MUL, &[0, 3], &[1, 3])), None);
    assert_eq!(failure(&binary(Op::SUB, &[5], &[5])), None);
    assert_eq!(failure(&issue_model(&[5, 5], &[1, 5, 5, 1])), None);
    // Options the kernels refuse whatever the shapes (a zero stride) are not this module's business.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 20, 20, 1]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 1, 1, 1]));
    b.op(Op::AVERAGE_POOL_2D, &[x], &[y]).options(opts!(Pool2DOptions { filter_width: 20, filter_height: 20 }));
    b.output(y);
    assert_eq!(failure(&b.finish()), None);
    // Nor is a CONV_2D without bias (it fails in Prepare on `has_bias`, which is not modelled).
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 8, 8, 3]));
    let w = b.add(const_f32("w", &[4, 3, 3, 3], &[0.1; 108]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 8, 8, 4]));
    b.op(Op::CONV_2D, &[x, w, OPTIONAL], &[y]).options(conv_options(Padding::SAME));
    b.output(y);
    assert_eq!(failure(&b.finish()), None);
}

/// The shared models: $DD_SHARED or ../shared next to the repository; None when missing.
fn shared_models() -> Vec<(String, Vec<u8>)> {
    let repo = format!("{}/..", env!("CARGO_MANIFEST_DIR"));
    let shared = match std::env::var("DD_SHARED") {
        Ok(s) if s.starts_with('/') => s,
        Ok(s) => format!("{repo}/{s}"),
        Err(_) => format!("{repo}/../shared"),
    };
    let mut out = Vec::new();
    for dir in ["deeplab", "mediapipe"] {
        let Ok(entries) = std::fs::read_dir(format!("{shared}/models/{dir}")) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_some_and(|x| x == "tflite") {
                let bytes = std::fs::read(&path).expect("readable model");
                out.push((path.display().to_string(), bytes));
            }
        }
    }
    out
}

#[test]
fn the_shared_models_prepare_and_their_stored_shapes_are_what_prepare_computes() {
    let models = shared_models();
    if models.is_empty() {
        eprintln!("note: skipping, the shared models are not available");
        return;
    }
    for (path, bytes) in &models {
        let m = model::read(bytes).expect("valid model");
        let sg = &m.subgraphs[0];
        let p = shapes::propagate(&m, sg, None);
        assert_eq!(p.failure, None, "{path}");
        assert_eq!(p.prepared, sg.operators.len(), "{path}");
        for (i, t) in sg.tensors.iter().enumerate() {
            assert_eq!(p.shapes[i].as_deref(), Some(t.shape.as_slice()), "{path}: tensor {i} {:?}", t.name);
        }
        for sdk in [27, 29, 31] {
            assert_ne!(analyze(&m, &Options { sdk, ..Options::default() }).outcome, Outcome::Fails, "{path} at {sdk}");
        }
    }
}

#[test]
fn values_computed_in_prepare_decide_shapes() {
    // SHAPE → RESHAPE: the shape is known in Prepare; a wrong element count fails there.
    for (v, fails) in [(&[3, 2][..], false), (&[3, 3][..], true)] {
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::FLOAT32, &[2, 3]));
        let vt = b.input(tensor("v", T::FLOAT32, v));
        let s = b.add(tensor("shape", T::INT32, &[2]));
        b.op(Op::SHAPE, &[x], &[s]).options(opts!(ShapeOptions { out_type: T::INT32 }));
        let y = b.add(tensor("y", T::FLOAT32, &[1]));
        b.op(Op::RESHAPE, &[vt, s], &[y]);
        b.output(y);
        let bytes = b.finish();
        let m = model::read(&bytes).expect("valid model");
        let p = shapes::propagate(&m, &m.subgraphs[0], None);
        assert_eq!(p.failure.map(|f| f.op_index), fails.then_some(1));
        if !fails {
            assert_eq!(p.shapes[3].as_deref(), Some(&[2, 3][..]));
        }
    }
}

#[test]
fn absurd_shapes_are_not_predicted_and_do_not_panic() {
    let big = i32::MAX;
    // A conv whose sizes overflow int arithmetic: nothing is predicted.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[big, big, big, big]));
    let w = b.add(tensor("w", T::FLOAT32, &[big, big, big, 1]));
    let bias = b.add(tensor("bias", T::FLOAT32, &[big]));
    let y = b.add(tensor("y", T::FLOAT32, &[1]));
    b.op(Op::CONV_2D, &[x, w, bias], &[y]).options(conv_options(Padding::SAME));
    let s = b.add(const_i32("shape", &[3], &[-1, big, big]));
    let z = b.add(tensor("z", T::FLOAT32, &[1]));
    b.op(Op::RESHAPE, &[y, s], &[z]);
    b.output(z);
    assert_eq!(failure(&b.finish()), None);
    // RESHAPE to a shape whose element count overflows u64: the kernel's own overflow message.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[4]));
    let s = b.add(const_i32("shape", &[3], &[big, big, big]));
    let y = b.add(tensor("y", T::FLOAT32, &[1]));
    b.op(Op::RESHAPE, &[x, s], &[y]);
    b.output(y);
    let f = failure(&b.finish()).expect("overflow");
    assert_eq!(f.check.as_deref(), Some("non_zero_num_output_elements overflowed"));
    // A strided slice with every mask bit set and huge indices.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[3, 4, 5]));
    let begin = b.add(const_i32("begin", &[3], &[big, -big, 0]));
    let end = b.add(const_i32("end", &[3], &[-big, big, i32::MIN]));
    let strides = b.add(const_i32("strides", &[3], &[-1, big, 1]));
    let y = b.add(tensor("y", T::FLOAT32, &[1]));
    b.op(Op::STRIDED_SLICE, &[x, begin, end, strides], &[y]).options(opts!(StridedSliceOptions {
        begin_mask: -1,
        end_mask: -1,
        ellipsis_mask: -1,
        new_axis_mask: -1,
        shrink_axis_mask: -1
    }));
    b.output(y);
    let _ = failure(&b.finish());
}

#[test]
fn the_walk_is_linear_in_the_ops() {
    // 20000 chained ADDs of a [1, 64] tensor with a constant: one pass, no copy per op of anything
    // but the small shapes.
    let mut b = ModelBuilder::new();
    let mut t = b.input(tensor("x", T::FLOAT32, &[1, 64]));
    let c = b.add(const_f32("c", &[64], &[1.0; 64]));
    for i in 0..20_000 {
        let y = b.add(tensor(&format!("y{i}"), T::FLOAT32, &[1]));
        b.op(Op::ADD, &[t, c], &[y]);
        t = y;
    }
    b.output(t);
    let bytes = b.finish();
    let m = model::read(&bytes).expect("valid model");
    let start = Instant::now();
    let p = shapes::propagate(&m, &m.subgraphs[0], None);
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
    assert_eq!(p.prepared, 20_000);
    assert_eq!(p.shapes[t as usize].as_deref(), Some(&[1, 64][..]));
}

/// A small deterministic generator (no dependency needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() as usize) % items.len()]
    }
}

const ODD_INTS: [i32; 12] = [0, 1, 2, 3, 4, 7, -1, -2, -3, 31, i32::MAX, i32::MIN];

/// Options of the op's type with every int field drawn from `ODD_INTS`.
fn random_options(code: Op, r: &mut Lcg) -> delegate_doctor::model::BuiltinOptionsT {
    let mut i = || r.pick(&ODD_INTS);
    match code {
        Op::CONV_2D => opts!(Conv2DOptions { stride_w: i(), stride_h: i(), dilation_w_factor: i(), dilation_h_factor: i() }),
        Op::DEPTHWISE_CONV_2D => opts!(DepthwiseConv2DOptions { stride_w: i(), stride_h: i(), dilation_w_factor: i() }),
        Op::AVERAGE_POOL_2D | Op::MAX_POOL_2D => {
            opts!(Pool2DOptions { stride_w: i(), stride_h: i(), filter_width: i(), filter_height: i() })
        }
        Op::TRANSPOSE_CONV => opts!(TransposeConvOptions { stride_w: i(), stride_h: i() }),
        Op::CONCATENATION => opts!(ConcatenationOptions { axis: i() }),
        Op::RESHAPE => opts!(ReshapeOptions { new_shape: Some(vec![i(), i()]) }),
        Op::STRIDED_SLICE => opts!(StridedSliceOptions {
            begin_mask: i(),
            end_mask: i(),
            ellipsis_mask: i(),
            new_axis_mask: i(),
            shrink_axis_mask: i()
        }),
        Op::SQUEEZE => opts!(SqueezeOptions { squeeze_dims: Some(vec![i(), i()]) }),
        Op::GATHER => opts!(GatherOptions { axis: i(), batch_dims: i() }),
        Op::SPLIT => opts!(SplitOptions { num_splits: i() }),
        Op::SPLIT_V => opts!(SplitVOptions { num_splits: i() }),
        Op::PACK => opts!(PackOptions { values_count: i(), axis: i() }),
        Op::UNPACK => opts!(UnpackOptions { num: i(), axis: i() }),
        Op::SPACE_TO_DEPTH => opts!(SpaceToDepthOptions { block_size: i() }),
        Op::DEPTH_TO_SPACE => opts!(DepthToSpaceOptions { block_size: i() }),
        Op::SHAPE => opts!(ShapeOptions { out_type: T::INT32 }),
        Op::MEAN | Op::SUM => opts!(ReducerOptions { keep_dims: i() % 2 == 0 }),
        Op::FULLY_CONNECTED => opts!(FullyConnectedOptions { keep_num_dims: i() % 2 == 0 }),
        _ => delegate_doctor::model::BuiltinOptionsT::NONE,
    }
}

#[test]
fn random_single_op_models_never_panic() {
    let codes = [
        Op::CONV_2D, Op::DEPTHWISE_CONV_2D, Op::AVERAGE_POOL_2D, Op::MAX_POOL_2D, Op::TRANSPOSE_CONV,
        Op::FULLY_CONNECTED, Op::BATCH_MATMUL, Op::MEAN, Op::SUM, Op::ARG_MAX, Op::ADD, Op::PRELU, Op::SOFTMAX,
        Op::SHAPE, Op::RESHAPE, Op::CONCATENATION, Op::PAD, Op::PADV2, Op::MIRROR_PAD, Op::TRANSPOSE, Op::SQUEEZE,
        Op::EXPAND_DIMS, Op::SLICE, Op::STRIDED_SLICE, Op::GATHER, Op::SPLIT, Op::SPLIT_V, Op::PACK, Op::UNPACK,
        Op::SPACE_TO_DEPTH, Op::DEPTH_TO_SPACE, Op::RESIZE_BILINEAR, Op::RESIZE_NEAREST_NEIGHBOR,
        Op::LOCAL_RESPONSE_NORMALIZATION,
    ];
    let dims = [0, 1, 2, 3, 5, 8, i32::MAX];
    let mut r = Lcg(7);
    let mut failures = 0;
    for _ in 0..4000 {
        let code = r.pick(&codes);
        let mut b = ModelBuilder::new();
        let n_inputs = 1 + (r.next() % 4) as usize;
        let mut inputs = Vec::new();
        for k in 0..n_inputs {
            let rank = (r.next() % 6) as usize;
            let shape: Vec<i32> = (0..rank).map(|_| r.pick(&dims)).collect();
            let small = shape.iter().all(|&d| d <= 8) && shape.iter().product::<i32>() <= 64;
            let t = if k > 0 && small && r.next().is_multiple_of(2) {
                let n: i32 = shape.iter().product();
                let values: Vec<i32> = (0..n).map(|_| r.pick(&ODD_INTS)).collect();
                b.add(const_i32(&format!("c{k}"), &shape, &values))
            } else {
                b.input(tensor(&format!("x{k}"), r.pick(&[T::FLOAT32, T::INT32, T::INT64]), &shape))
            };
            inputs.push(t);
        }
        let outputs: Vec<i32> = (0..1 + r.next() % 3).map(|k| b.add(tensor(&format!("y{k}"), T::FLOAT32, &[1]))).collect();
        b.op(code, &inputs, &outputs).options(random_options(code, &mut r));
        for &o in &outputs {
            b.output(o);
        }
        let bytes = b.finish();
        let m = model::read(&bytes).expect("valid model");
        let p = shapes::propagate(&m, &m.subgraphs[0], None);
        if let Some(f) = &p.failure {
            failures += 1;
            assert!(f.reason().contains(&format!("Node number 0 ({}) failed to prepare.", f.op)));
        }
        let _ = analyze(&m, &Options { sdk: 29, allow_dynamic_dimensions: true, ..Options::default() });
    }
    assert!(failures > 100, "the generator reaches the failures ({failures})");
}

#[test]
fn the_walk_stops_where_a_kernel_makes_its_output_dynamic() {
    // PAD of a rank-0 input sizes its output in Eval (pad.cc): the interpreter stops preparing
    // there, so the uneven SPLIT after it does not fail in Prepare.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[]));
    let p = b.add(const_i32("paddings", &[0, 2], &[]));
    let y = b.add(tensor("y", T::FLOAT32, &[1]));
    b.op(Op::PAD, &[x, p], &[y]);
    let axis = b.add(const_i32("axis", &[], &[0]));
    let v = b.input(tensor("v", T::FLOAT32, &[3]));
    let a = b.add(tensor("a", T::FLOAT32, &[1]));
    let c = b.add(tensor("c", T::FLOAT32, &[1]));
    b.op(Op::SPLIT, &[axis, v], &[a, c]).options(opts!(SplitOptions { num_splits: 2 }));
    b.output(y).output(a).output(c);
    let bytes = b.finish();
    let m = model::read(&bytes).expect("valid model");
    let p = shapes::propagate(&m, &m.subgraphs[0], None);
    assert_eq!(p.failure, None);
    assert_eq!((p.prepared, p.dynamic), (1, Some(0)));
    assert_eq!(p.shapes[2], None, "the PAD's output is dynamic");
    assert_eq!(p.shapes[5], None, "the SPLIT is prepared later");
    // Without the PAD the SPLIT fails.
    let mut b = ModelBuilder::new();
    let axis = b.add(const_i32("axis", &[], &[0]));
    let v = b.input(tensor("v", T::FLOAT32, &[3]));
    let a = b.add(tensor("a", T::FLOAT32, &[1]));
    let c = b.add(tensor("c", T::FLOAT32, &[1]));
    b.op(Op::SPLIT, &[axis, v], &[a, c]).options(opts!(SplitOptions { num_splits: 2 }));
    b.output(a).output(c);
    assert_eq!(failure(&b.finish()).and_then(|f| f.check), Some("Not an even split".to_string()));
}
