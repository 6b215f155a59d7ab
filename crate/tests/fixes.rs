//! The fix planner on the real DeepLab model: what it changes per target, that the result is what
//! the predictor calls fully delegated, and that everything it did not touch is unchanged.
//! (Numerical exactness is proven with the real interpreter in tests/python/.)

use delegate_doctor::fixes::{fix, Cut, Exactness, FixOptions};
use delegate_doctor::model;
use delegate_doctor::nnapi::delegate::{Options, Outcome};

fn deeplab(name: &str) -> Vec<u8> {
    let path = format!("{}/../../shared/models/deeplab/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

const ORIGINAL: &str = "deeplabv3_mnv2_pascal_513_os8_google_original.tflite";

fn seed_target() -> Options {
    Options { sdk: 29, disable_nnapi_cpu: false, max_delegated_partitions: 3, ..Options::default() }
}

fn fix_for(target: Options) -> (Vec<u8>, delegate_doctor::fixes::FixReport) {
    fix(&deeplab(ORIGINAL), &FixOptions { target, ..FixOptions::default() }).unwrap()
}

#[test]
fn seed_setting_becomes_one_nnapi_kernel() {
    let (bytes, r) = fix_for(seed_target());
    assert_eq!(r.after.outcome, Outcome::Full);
    assert_eq!(r.after.plan.len(), 1);
    assert_eq!(r.after.plan[0].node_type, "TfLiteNnapiDelegate");
    let fixes: Vec<(&str, usize)> = r.changes.iter().map(|c| (c.fix, c.op)).collect();
    assert_eq!(
        fixes,
        vec![
            ("avg-pool-window", 61),
            ("resize-align-corners", 63),
            ("resize-align-corners", 68),
            ("resize-align-corners", 69),
            ("argmax-int32", 70)
        ]
    );
    assert!(r.changes.iter().all(|c| c.exactness != Exactness::Approximate));
    // The written file verifies and reads back.
    let m = model::read(&bytes).unwrap();
    assert_eq!(m.subgraphs[0].operators.len(), 72);
}

#[test]
fn untouched_tensors_buffers_and_metadata_are_unchanged() {
    let original = deeplab(ORIGINAL);
    let (bytes, _) = fix_for(seed_target());
    let a = model::read(&original).unwrap();
    let b = model::read(&bytes).unwrap();
    let (sa, sb) = (&a.subgraphs[0], &b.subgraphs[0]);
    assert!(sb.tensors.len() > sa.tensors.len());
    for (i, (ta, tb)) in sa.tensors.iter().zip(&sb.tensors).enumerate() {
        assert_eq!(ta.name, tb.name, "tensor {i}");
        assert_eq!(a.data(ta), b.data(tb), "data of tensor {i}");
        assert_eq!(ta.quantization, tb.quantization, "tensor {i}");
        if i != sa.outputs[0] as usize {
            assert_eq!(ta.dtype, tb.dtype, "tensor {i}");
            assert_eq!(ta.shape, tb.shape, "tensor {i}");
        }
    }
    assert_eq!(a.description, b.description);
    assert_eq!(a.metadata.len(), b.metadata.len());
    for (ma, mb) in a.metadata.iter().zip(&b.metadata) {
        assert_eq!(ma.name, mb.name);
        assert_eq!(a.metadata_bytes(ma), b.metadata_bytes(mb));
    }
    assert_eq!(sa.inputs, sb.inputs);
    assert_eq!(sa.outputs, sb.outputs);
    // Ops before the first fixed one are the same ops with the same tensors and options.
    for i in 0..61 {
        assert_eq!(sa.operators[i].inputs, sb.operators[i].inputs);
        assert_eq!(sa.operators[i].outputs, sb.operators[i].outputs);
        assert_eq!(sa.operators[i].options, sb.operators[i].options);
    }
}

#[test]
fn current_defaults_need_only_the_int32_argmax_from_api_30() {
    for sdk in [30, 31, 33] {
        let (_, r) = fix_for(Options { sdk, ..Options::default() });
        assert_eq!(r.after.outcome, Outcome::Full, "sdk {sdk}");
        assert_eq!(r.changes.iter().map(|c| c.fix).collect::<Vec<_>>(), vec!["argmax-int32"], "sdk {sdk}");
    }
    // At API 29 with the defaults (accelerator specified) the pool is accepted as it is.
    let (_, r) = fix_for(Options { sdk: 29, ..Options::default() });
    assert_eq!(r.after.outcome, Outcome::Full);
    assert!(r.changes.iter().all(|c| c.fix != "avg-pool-window"));
}

#[test]
fn api_28_says_what_cannot_be_fixed_and_cut_removes_the_tail() {
    let (bytes, r) = fix_for(Options { sdk: 28, ..Options::default() });
    assert!(r.changes.is_empty());
    assert_eq!(bytes, deeplab(ORIGINAL), "a model with no applicable fix is returned unchanged");
    let argmax = r.not_fixed.iter().find(|n| n.op == 70).expect("ARG_MAX is reported");
    assert!(argmax.reasons.contains(&"Android sdk version less than 29".to_string()));
    let pool = r.not_fixed.iter().find(|n| n.op == 61).expect("the pool is reported");
    assert!(pool.why.contains("approximate"), "{}", pool.why);

    let opts = FixOptions { target: Options { sdk: 28, ..Options::default() }, cut: vec![Cut::Tail], ..FixOptions::default() };
    let (bytes, r) = fix(&deeplab(ORIGINAL), &opts).unwrap();
    let cut: Vec<&str> = r.changes.iter().filter(|c| c.fix == "cut").map(|c| c.op_type.as_str()).collect();
    assert_eq!(cut[0], "ARG_MAX");
    let m = model::read(&bytes).unwrap();
    let out = m.subgraphs[0].tensor(m.subgraphs[0].outputs[0]).unwrap();
    assert_ne!(out.name, "ArgMax");
    assert!(m.subgraphs[0].operators.iter().all(|o| o.type_name() != "ARG_MAX"));
}

#[test]
fn a_model_that_needs_nothing_is_returned_byte_identical() {
    let reexport = deeplab("deeplabv3_mnv2_pascal_513_os8_quant.tflite");
    let (bytes, r) = fix(&reexport, &FixOptions { target: Options { sdk: 30, ..Options::default() }, ..FixOptions::default() }).unwrap();
    assert!(r.changes.is_empty());
    assert_eq!(bytes, reexport);
    assert_eq!(r.after.outcome, Outcome::Full);
}

#[test]
fn only_and_skip_limit_the_fixes() {
    let only = FixOptions { target: seed_target(), only: Some(vec!["argmax-int32".into()]), ..FixOptions::default() };
    let (_, r) = fix(&deeplab(ORIGINAL), &only).unwrap();
    assert_eq!(r.changes.iter().map(|c| c.fix).collect::<Vec<_>>(), vec!["argmax-int32"]);
    assert_eq!(r.after.outcome, Outcome::Partial);
    let skip = FixOptions { target: seed_target(), skip: vec!["avg-pool-window".into()], ..FixOptions::default() };
    let (_, r) = fix(&deeplab(ORIGINAL), &skip).unwrap();
    assert!(r.changes.iter().all(|c| c.fix != "avg-pool-window"));
    let pool = r.not_fixed.iter().find(|n| n.op == 61).unwrap();
    assert!(pool.why.contains("turned off"));
}

// ------------------------------------------------------------------ fp16 weights (issue 11)

mod fp16 {
    use delegate_doctor::builder::{const_f16, const_f32, const_i32, tensor, ModelBuilder};
    use delegate_doctor::fixes::{fix, render_text, Exactness, FixOptions, FixReport};
    use delegate_doctor::half::f16_to_f32;
    use delegate_doctor::model::{self, BuiltinOperator as Op, BuiltinOptionsT, TensorType as T};
    use delegate_doctor::nnapi::delegate::{Options, Outcome};
    use delegate_doctor::opts;
    use tflite_schema::tflite::Padding;

    const FOLD: &str = "fp16-weights-to-fp32";

    fn options(code: Op) -> BuiltinOptionsT {
        if code == Op::DEPTHWISE_CONV_2D {
            opts!(DepthwiseConv2DOptions { padding: Padding::SAME, stride_w: 1, stride_h: 1, depth_multiplier: 1 })
        } else {
            opts!(Conv2DOptions { padding: Padding::SAME, stride_w: 1, stride_h: 1 })
        }
    }

    /// Values of both signs, a few near zero (const_f16 rounds them to half precision).
    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| ((i * 7 + seed * 13) % 41) as f32 / 16.0 - 1.25 + if i % 5 == 0 { 3e-6 } else { 0.0 }).collect()
    }

    fn dequantized(b: &mut ModelBuilder, name: &str, shape: &[i32], seed: usize) -> i32 {
        let n = shape.iter().product::<i32>() as usize;
        let w16 = b.add(const_f16(&format!("{name}_fp16"), shape, &values(n, seed)));
        let w = b.add(tensor(name, T::FLOAT32, shape));
        b.op(Op::DEQUANTIZE, &[w16], &[w]);
        w
    }

    /// CONV_2D / DEPTHWISE_CONV_2D with fp16 filter and bias; `shape` is the activation's.
    fn layer(b: &mut ModelBuilder, code: Op, x: i32, shape: &[i32], name: &str) -> i32 {
        let c = shape[3];
        let filter = if code == Op::DEPTHWISE_CONV_2D { [1, 3, 3, c] } else { [c, 3, 3, c] };
        let w = dequantized(b, &format!("{name}/kernel"), &filter, name.len());
        let bias = dequantized(b, &format!("{name}/bias"), &[c], name.len() + 1);
        let y = b.add(tensor(name, T::FLOAT32, shape));
        b.op(code, &[x, w, bias], &[y]).options(options(code));
        y
    }

    fn unary(b: &mut ModelBuilder, code: Op, x: i32, shape: &[i32], name: &str) -> i32 {
        let y = b.add(tensor(name, T::FLOAT32, shape));
        b.op(code, &[x], &[y]);
        y
    }

    const ACT: [i32; 4] = [1, 8, 8, 4];

    /// Three NNAPI partitions split by SQUAREs: {CONV, RELU, CONV}, {CONV, RELU}, {DEPTHWISE_CONV_2D}.
    fn islands() -> Vec<u8> {
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::FLOAT32, &ACT));
        let mut t = layer(&mut b, Op::CONV_2D, x, &ACT, "conv1");
        t = unary(&mut b, Op::RELU, t, &ACT, "relu1");
        t = layer(&mut b, Op::CONV_2D, t, &ACT, "conv2");
        t = unary(&mut b, Op::SQUARE, t, &ACT, "square1");
        t = layer(&mut b, Op::CONV_2D, t, &ACT, "conv3");
        t = unary(&mut b, Op::RELU, t, &ACT, "relu2");
        t = unary(&mut b, Op::SQUARE, t, &ACT, "square2");
        t = layer(&mut b, Op::DEPTHWISE_CONV_2D, t, &ACT, "depthwise");
        b.output(t);
        b.finish()
    }

    fn fix_with(bytes: &[u8], target: Options, only: Option<&str>) -> (Vec<u8>, FixReport) {
        let opts = FixOptions { target, only: only.map(|o| vec![o.to_string()]), ..FixOptions::default() };
        fix(bytes, &opts).expect("fix")
    }

    fn limit(n: i32) -> Options {
        Options { sdk: 29, max_delegated_partitions: n, ..Options::default() }
    }

    /// (DEQUANTIZE output tensor, its fp16 input) of subgraph 0.
    fn dequantizes(m: &model::Model<'_>) -> Vec<(usize, usize)> {
        let sg = &m.subgraphs[0];
        sg.operators.iter().filter(|o| o.code == Op::DEQUANTIZE).map(|o| (o.outputs[0] as usize, o.inputs[0] as usize)).collect()
    }

    #[test]
    fn the_fold_cures_the_partition_limit_failure_with_the_same_values() {
        let original = islands();
        let (fixed, r) = fix_with(&original, limit(2), None);
        assert_eq!(r.before.outcome, Outcome::Fails);
        assert_eq!(r.changes.iter().map(|c| (c.fix, c.op, c.exactness)).collect::<Vec<_>>(), vec![(FOLD, 0, Exactness::Exact)]);
        assert!(r.changes[0].detail.contains("grows by 968 bytes"), "{}", r.changes[0].detail);
        assert_eq!((r.after.outcome, r.after.delegate_kernels), (Outcome::Partial, 2));
        assert!(r.after.fp16_weights.is_none());
        // The DEQUANTIZEs are the only thing that cannot be called refused: no "Cannot fix" for them.
        assert!(r.not_fixed.iter().all(|n| n.op_type == "SQUARE"), "{:?}", r.not_fixed);
        assert!(!render_text(&r).contains("Cannot fix 8 DEQUANTIZE"));

        let (a, b) = (model::read(&original).unwrap(), model::read(&fixed).unwrap());
        let (sa, sb) = (&a.subgraphs[0], &b.subgraphs[0]);
        assert_eq!(sb.operators.len(), sa.operators.len() - 8);
        assert!(sb.operators.iter().all(|o| o.code != Op::DEQUANTIZE));
        assert_eq!(sa.tensors.len(), sb.tensors.len());
        let folds = dequantizes(&a);
        for (i, (ta, tb)) in sa.tensors.iter().zip(&sb.tensors).enumerate() {
            assert_eq!(ta.name, tb.name, "tensor {i}");
            if let Some(&(_, fp16)) = folds.iter().find(|(out, _)| *out == i) {
                let halves = a.data(&sa.tensors[fp16]).unwrap();
                let want: Vec<u8> = halves
                    .chunks_exact(2)
                    .flat_map(|h| f16_to_f32(u16::from_le_bytes([h[0], h[1]])).to_le_bytes())
                    .collect();
                assert_eq!(b.data(tb), Some(&want[..]), "folded tensor {i}");
                assert!(tb.is_const() && tb.dtype == T::FLOAT32);
            } else if folds.iter().any(|(_, fp16)| *fp16 == i) {
                assert_eq!(b.data(tb), None, "the fp16 data of tensor {i} is dropped");
            } else {
                assert_eq!(a.data(ta), b.data(tb), "data of tensor {i}");
                assert_eq!(ta.dtype, tb.dtype);
            }
        }
        assert!(fixed.len() > original.len());
    }

    #[test]
    fn the_fold_applies_only_when_needed_or_asked() {
        let original = islands();
        // No limit: the partial plan runs, nothing to fix about the fp16 weights.
        let (bytes, r) = fix_with(&original, limit(0), None);
        assert!(r.changes.is_empty());
        assert_eq!(bytes, original);
        assert!(r.not_fixed.iter().all(|n| n.op_type == "SQUARE"));
        // A fully delegated fp16 model: the DEQUANTIZEs are delegated, not "Cannot fix".
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::FLOAT32, &ACT));
        let t = layer(&mut b, Op::CONV_2D, x, &ACT, "conv");
        let t = unary(&mut b, Op::RELU, t, &ACT, "relu");
        b.output(t);
        let full = b.finish();
        let (bytes, r) = fix_with(&full, limit(3), None);
        assert_eq!(r.before.outcome, Outcome::Full);
        assert!(r.changes.is_empty() && r.not_fixed.is_empty(), "{:?}", r.not_fixed);
        assert_eq!(bytes, full);
        assert!(!render_text(&r).contains("Cannot fix"));
        // Asked by name, it folds anyway, and the model stays fully delegated.
        let (_, r) = fix_with(&full, limit(3), Some(FOLD));
        assert_eq!(r.changes.iter().map(|c| c.fix).collect::<Vec<_>>(), vec![FOLD]);
        assert_eq!(r.after.outcome, Outcome::Full);
    }

    #[test]
    fn an_fp16_bias_with_a_float32_filter_is_near_exact() {
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::FLOAT32, &ACT));
        let w = b.add(const_f32("conv/kernel", &[4, 3, 3, 4], &values(144, 1)));
        let bias = dequantized(&mut b, "conv/bias", &[4], 2);
        let y = b.add(tensor("conv", T::FLOAT32, &ACT));
        b.op(Op::CONV_2D, &[x, w, bias], &[y]).options(options(Op::CONV_2D));
        b.output(y);
        let (_, r) = fix_with(&b.finish(), limit(0), Some(FOLD));
        assert_eq!(r.changes[0].exactness, Exactness::NearExact);
        assert!(r.changes[0].detail.contains("op 1 had an fp16 bias with a float32 filter"), "{}", r.changes[0].detail);
    }

    #[test]
    fn a_dequantized_graph_output_is_not_folded() {
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::FLOAT32, &[4]));
        let c = dequantized(&mut b, "c", &[4], 1);
        let y = b.add(tensor("y", T::FLOAT32, &[4]));
        b.op(Op::ADD, &[x, c], &[y]).options(opts!(AddOptions {}));
        b.output(y).output(c);
        let bytes = b.finish();
        let (out, r) = fix_with(&bytes, limit(0), Some(FOLD));
        assert!(r.changes.is_empty());
        assert_eq!(out, bytes);
        let why = &r.not_fixed.iter().find(|n| n.op_type == "DEQUANTIZE").expect("said why").why;
        assert!(why.contains("graph input or output"), "{why}");
    }

    #[test]
    fn the_fold_goes_with_fixes_that_insert_ops() {
        // fp16 CONV → RESIZE_BILINEAR align_corners 9→33 (refused at 29; its fix inserts a SLICE)
        // → SQUARE → fp16 DEPTHWISE_CONV_2D. With limit 1 the depthwise partition is dropped.
        let (small, big) = ([1, 9, 9, 4], [1, 33, 33, 4]);
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::FLOAT32, &small));
        let t = layer(&mut b, Op::CONV_2D, x, &small, "conv");
        let size = b.add(const_i32("size", &[2], &[33, 33]));
        let r = b.add(tensor("resize", T::FLOAT32, &big));
        b.op(Op::RESIZE_BILINEAR, &[t, size], &[r]).options(opts!(ResizeBilinearOptions { align_corners: true }));
        let t = unary(&mut b, Op::SQUARE, r, &big, "square");
        let t = layer(&mut b, Op::DEPTHWISE_CONV_2D, t, &big, "depthwise");
        b.output(t);
        let bytes = b.finish();
        let (fixed, r) = fix_with(&bytes, limit(1), None);
        assert_eq!(r.before.outcome, Outcome::Fails);
        let mut ids: Vec<&str> = r.changes.iter().map(|c| c.fix).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![FOLD, "resize-align-corners"]);
        assert_ne!(r.after.outcome, Outcome::Fails);
        let m = model::read(&fixed).unwrap();
        assert!(m.subgraphs[0].operators.iter().all(|o| o.code != Op::DEQUANTIZE));
        assert_eq!(m.subgraphs[0].operators.iter().filter(|o| o.code == Op::SLICE).count(), 1);
    }
}

// ------------------------------------------------------------------ GPU targets

mod gpu {
    use delegate_doctor::builder::{const_f32, const_i32, tensor, ModelBuilder};
    use delegate_doctor::delegates::gpu::policy::Flavor;
    use delegate_doctor::fixes::{fix_gpu, FixOptions};
    use delegate_doctor::model::{self, BuiltinOperator as Op, BuiltinOptionsT as O, TensorType as T};
    use delegate_doctor::nnapi::delegate::Outcome;
    use delegate_doctor::opts;
    use tflite_schema::tflite::Padding;

    /// x[1,15,15,3] → SPACE_TO_BATCH_ND(block 2, paddings [[2,3],[2,3]]) → CONV_2D 3×3 VALID →
    /// BATCH_TO_SPACE_ND(crops [[0,1],[0,1]]) → ADD: TensorFlow's SAME atrous conv with an input
    /// size the block does not divide; `pads` replaces the paddings.
    fn atrous(pads: [i32; 4]) -> Vec<u8> {
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::FLOAT32, &[1, 15, 15, 3]));
        let block = b.add(const_i32("block", &[2], &[2, 2]));
        let paddings = b.add(const_i32("paddings", &[2, 2], &pads));
        let crops = b.add(const_i32("crops", &[2, 2], &[0, 1, 0, 1]));
        let s = b.add(tensor("s2b", T::FLOAT32, &[4, 10, 10, 3]));
        b.op(Op::SPACE_TO_BATCH_ND, &[x, block, paddings], &[s]);
        let w = b.add(const_f32("w", &[4, 3, 3, 3], &[0.5; 108]));
        let bias = b.add(const_f32("b", &[4], &[0.0; 4]));
        let c = b.add(tensor("conv", T::FLOAT32, &[4, 8, 8, 4]));
        b.op(Op::CONV_2D, &[s, w, bias], &[c]).options(opts!(Conv2DOptions {
            padding: Padding::VALID,
            stride_w: 1,
            stride_h: 1,
            dilation_w_factor: 1,
            dilation_h_factor: 1
        }));
        let y = b.add(tensor("y", T::FLOAT32, &[1, 15, 15, 4]));
        b.op(Op::BATCH_TO_SPACE_ND, &[c, block, crops], &[y]);
        let one = b.add(const_f32("one", &[1], &[1.0]));
        let z = b.add(tensor("z", T::FLOAT32, &[1, 15, 15, 4]));
        b.op(Op::ADD, &[y, one], &[z]).options(opts!(AddOptions {}));
        b.output(z);
        b.finish()
    }

    #[test]
    fn dilated_conv_folds_into_one_gpu_partition() {
        for flavor in [Flavor::Classic, Flavor::LiteRt] {
            let (bytes, r) = fix_gpu(&atrous([2, 3, 2, 3]), flavor, &FixOptions::default()).unwrap();
            assert_eq!(r.before.refused.iter().map(|x| x.op.as_str()).collect::<Vec<_>>(), ["SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"]);
            assert_eq!(r.changes.len(), 1, "{flavor:?}");
            assert_eq!((r.changes[0].fix, r.changes[0].op), ("dilated-conv", 0));
            assert_eq!(r.after.outcome, Outcome::Full);
            let lp = r.largest_partition.unwrap();
            assert_eq!((lp.before, lp.after), (1, 2)); // the conv or the ADD alone before; both after
            let m = model::read(&bytes).unwrap();
            let ops = &m.subgraphs[0].operators;
            assert_eq!(ops.iter().map(|o| o.code).collect::<Vec<_>>(), [Op::CONV_2D, Op::ADD]);
            assert_eq!(ops[0].inputs[0], m.subgraphs[0].inputs[0]);
            let O::Conv2DOptions(o) = &ops[0].options else { panic!("no conv options") };
            assert_eq!((o.padding, o.dilation_h_factor, o.dilation_w_factor), (Padding::SAME, 2, 2));
            assert_eq!(ops[1].inputs[0], ops[0].outputs[0]);
        }
    }

    #[test]
    fn dilated_conv_refuses_paddings_that_are_not_same_or_valid() {
        // Paddings [[1,4],..]: the dilated conv would need padding 1 before, SAME needs 2.
        let (bytes, r) = fix_gpu(&atrous([1, 4, 1, 4]), Flavor::Classic, &FixOptions::default()).unwrap();
        assert!(r.changes.is_empty());
        assert_eq!(r.not_fixed.len(), 2);
        assert!(r.not_fixed[0].why.contains("neither SAME nor VALID"), "{}", r.not_fixed[0].why);
        assert_eq!(bytes, atrous([1, 4, 1, 4]));
    }

    /// scores[1,8,8,5] → ARG_MAX (int64 class map) → CAST to float, and, with `compare`, EQUAL(map, 2)
    /// with a scalar int64 constant → SELECT_V2 between float scalars (a second output).
    fn argmax_readers(compare: bool) -> Vec<u8> {
        use delegate_doctor::builder::const_i64;
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("scores", T::FLOAT32, &[1, 8, 8, 5]));
        let axis = b.add(const_i32("axis", &[1], &[3]));
        let map = b.add(tensor("class_map", T::INT64, &[1, 8, 8]));
        b.op(Op::ARG_MAX, &[x, axis], &[map]).options(opts!(ArgMaxOptions { output_type: T::INT64 }));
        let f = b.add(tensor("class_map_f", T::FLOAT32, &[1, 8, 8]));
        b.op(Op::CAST, &[map], &[f]).options(opts!(CastOptions { in_data_type: T::INT64, out_data_type: T::FLOAT32 }));
        b.output(f);
        if compare {
            let two = b.add(const_i64("person", &[], &[2]));
            let is = b.add(tensor("is_person", T::BOOL, &[1, 8, 8]));
            b.op(Op::EQUAL, &[map, two], &[is]);
            let one = b.add(const_f32("one", &[], &[1.0]));
            let zero = b.add(const_f32("zero", &[], &[0.0]));
            let mask = b.add(tensor("mask", T::FLOAT32, &[1, 8, 8]));
            b.op(Op::SELECT_V2, &[is, one, zero], &[mask]);
            b.output(mask);
        }
        b.finish()
    }

    fn refused(r: &delegate_doctor::fixes::GpuFixReport, after: bool) -> Vec<(usize, String)> {
        let a = if after { &r.after } else { &r.before };
        a.refused.iter().map(|x| (x.index, x.reasons[0].clone())).collect()
    }

    fn nodes_of_largest(r: &delegate_doctor::fixes::GpuFixReport) -> Vec<usize> {
        r.after.plan.iter().filter_map(|row| row.nodes.clone()).max_by_key(Vec::len).unwrap_or_default()
    }

    #[test]
    fn int64_class_map_between_accepted_ops_becomes_int32_for_litert_gpu() {
        let (bytes, r) = fix_gpu(&argmax_readers(true), Flavor::LiteRt, &FixOptions::default()).unwrap();
        let int64 = |t: &str| format!("Tensor type(INT64) is not supported. {t}");
        assert_eq!(
            refused(&r, false),
            [(0, int64("class_map")), (1, int64("class_map")), (2, "Can't parse inputs with const tensors.".to_string())]
        );
        assert_eq!(r.changes.iter().map(|c| (c.fix, c.op, c.op_type.as_str())).collect::<Vec<_>>(), [("int64-tensors", 0, "ARG_MAX")]);
        assert_eq!(r.changes[0].what, "int64 tensor \"class_map\" → int32 (output type and its readers, 1 int64 constant beside it → int32)");
        assert!(r.not_fixed.is_empty(), "{:?}", r.not_fixed);
        // Before: CAST, EQUAL and ARG_MAX on the CPU, SELECT_V2 alone on the GPU; after: one kernel.
        assert_eq!(r.largest_partition.map(|l| (l.before, l.after)), Some((1, 4)));
        assert_eq!((r.after.outcome, nodes_of_largest(&r)), (Outcome::Full, vec![0, 1, 2, 3]));
        let m = model::read(&bytes).unwrap();
        let sg = &m.subgraphs[0];
        let ops = &sg.operators;
        let O::ArgMaxOptions(a) = &ops[0].options else { panic!("ARG_MAX options") };
        assert_eq!(a.output_type, T::INT32);
        assert_eq!(sg.tensors[ops[0].outputs[0] as usize].dtype, T::INT32);
        let O::CastOptions(c) = &ops[1].options else { panic!("CAST options") };
        assert_eq!((c.in_data_type, c.out_data_type), (T::INT32, T::FLOAT32));
        let person = &sg.tensors[ops[2].inputs[1] as usize];
        assert_eq!((person.dtype, person.name.as_str(), m.const_ints(person)), (T::INT32, "person/int32", Some(vec![2])));
        assert_eq!(sg.outputs.iter().map(|&t| sg.tensors[t as usize].dtype).collect::<Vec<_>>(), [T::FLOAT32, T::FLOAT32]);
    }

    #[test]
    fn classic_gpu_takes_the_cast_of_an_int32_class_map_but_no_int32_comparison() {
        let (_, r) = fix_gpu(&argmax_readers(false), Flavor::Classic, &FixOptions::default()).unwrap();
        assert_eq!(
            refused(&r, false),
            [(0, "Operation is not supported.".to_string()), (1, "Not supported Cast case. Input type: INT64 and output type: FLOAT32".to_string())]
        );
        assert_eq!(r.changes.iter().map(|c| (c.fix, c.op)).collect::<Vec<_>>(), [("int64-tensors", 0)]);
        assert_eq!(refused(&r, true), [(0, "Operation is not supported.".to_string())], "ARG_MAX has no classic parser");
        assert_eq!((r.after.outcome, nodes_of_largest(&r)), (Outcome::Partial, vec![1]));
        // With the comparison, the EQUAL stays refused on int32 too (no classic type list takes it), so
        // the change is taken back.
        let (bytes, r) = fix_gpu(&argmax_readers(true), Flavor::Classic, &FixOptions::default()).unwrap();
        assert!(r.changes.is_empty(), "{:?}", r.changes);
        assert!(r.not_fixed.iter().any(|n| n.op_type == "CAST" && n.why.contains("int64-tensors: the rewritten ops were still refused")), "{:?}", r.not_fixed);
        assert_eq!(bytes, argmax_readers(true));
    }

    #[test]
    fn int64_tensors_needs_readers_that_give_the_same_results_and_no_graph_output() {
        // ADD of the class map to itself computes in int64: not rewired.
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("scores", T::FLOAT32, &[1, 8, 8, 5]));
        let axis = b.add(const_i32("axis", &[1], &[3]));
        let map = b.add(tensor("class_map", T::INT64, &[1, 8, 8]));
        b.op(Op::ARG_MAX, &[x, axis], &[map]).options(opts!(ArgMaxOptions { output_type: T::INT64 }));
        let twice = b.add(tensor("twice", T::INT64, &[1, 8, 8]));
        b.op(Op::ADD, &[map, map], &[twice]).options(opts!(AddOptions {}));
        let f = b.add(tensor("f", T::FLOAT32, &[1, 8, 8]));
        b.op(Op::CAST, &[map], &[f]);
        b.output(twice);
        b.output(f);
        let (_, r) = fix_gpu(&b.finish(), Flavor::LiteRt, &FixOptions::default()).unwrap();
        assert!(r.changes.is_empty());
        let why = &r.not_fixed.iter().find(|n| n.op == 0).expect("ARG_MAX not fixed").why;
        assert!(why.contains("int64-tensors: op 1 (ADD) reads the int64 tensor where int32 would change the op"), "{why}");
        // The class map as a graph output too: the app's buffer would change type.
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("scores", T::FLOAT32, &[1, 8, 8, 5]));
        let axis = b.add(const_i32("axis", &[1], &[3]));
        let map = b.add(tensor("class_map", T::INT64, &[1, 8, 8]));
        b.op(Op::ARG_MAX, &[x, axis], &[map]).options(opts!(ArgMaxOptions { output_type: T::INT64 }));
        let f = b.add(tensor("f", T::FLOAT32, &[1, 8, 8]));
        b.op(Op::CAST, &[map], &[f]);
        b.output(map);
        b.output(f);
        let (_, r) = fix_gpu(&b.finish(), Flavor::LiteRt, &FixOptions::default()).unwrap();
        assert!(r.changes.is_empty());
        assert!(r.not_fixed[0].why.contains("int64-tensors: the int64 tensor is a graph input or output"), "{}", r.not_fixed[0].why);
    }

    #[test]
    fn int64_constants_cure_the_gpu_refusals_of_mean_axes_and_litert_pad_paddings() {
        use delegate_doctor::builder::const_i64;
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::FLOAT32, &[1, 8, 8, 5]));
        let pads = b.add(const_i64("paddings", &[4, 2], &[0, 0, 1, 1, 2, 2, 0, 0]));
        let p = b.add(tensor("padded", T::FLOAT32, &[1, 10, 12, 5]));
        b.op(Op::PAD, &[x, pads], &[p]);
        let axes = b.add(const_i64("axes", &[2], &[1, 2]));
        let m = b.add(tensor("mean", T::FLOAT32, &[1, 1, 1, 5]));
        b.op(Op::MEAN, &[p, axes], &[m]).options(opts!(ReducerOptions { keep_dims: true }));
        b.output(m);
        let bytes = b.finish();
        let axes_refusal = "MEAN supports int32 tensor for axes. But node has INT64".to_string();
        let (_, r) = fix_gpu(&bytes, Flavor::Classic, &FixOptions::default()).unwrap();
        assert_eq!(refused(&r, false), [(1, axes_refusal.clone())], "the classic delegate takes the int64 paddings");
        assert_eq!(r.changes.iter().map(|c| (c.fix, c.op)).collect::<Vec<_>>(), [("int64-constants", 1)]);
        assert_eq!((r.after.outcome, r.largest_partition.map(|l| (l.before, l.after))), (Outcome::Full, Some((1, 2))));
        let (_, r) = fix_gpu(&bytes, Flavor::LiteRt, &FixOptions::default()).unwrap();
        assert_eq!(refused(&r, false), [(0, "src has wrong size.".to_string()), (1, axes_refusal)]);
        assert_eq!(r.changes.iter().map(|c| (c.fix, c.op)).collect::<Vec<_>>(), [("int64-constants", 0), ("int64-constants", 1)]);
        assert_eq!((r.after.outcome, r.largest_partition.map(|l| (l.before, l.after))), (Outcome::Full, Some((0, 2))));
    }

    #[test]
    fn classic_gpu_has_no_cure_for_arg_max() {
        let bytes = super::deeplab(super::ORIGINAL);
        let (_, r) = fix_gpu(&bytes, Flavor::Classic, &FixOptions::default()).unwrap();
        assert!(r.changes.is_empty());
        assert_eq!(r.not_fixed[0].op_type, "ARG_MAX");
        let (_, r) = fix_gpu(&bytes, Flavor::LiteRt, &FixOptions::default()).unwrap();
        assert_eq!(r.changes.iter().map(|c| c.fix).collect::<Vec<_>>(), ["argmax-int32"]);
        let lp = r.largest_partition.unwrap();
        assert_eq!((lp.before, lp.after, r.after.outcome), (70, 71, Outcome::Full));
    }
}
