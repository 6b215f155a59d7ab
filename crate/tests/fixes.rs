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
