//! The in-page segmentation engine (`infer::Segmenter`): a real DeepLab on synthetic images, models
//! it cannot run, inputs of the wrong size, and small float models whose classes are computed by
//! hand. (Faithfulness to ai-edge-litert is checked in tests/python/test_segment.py.)

use delegate_doctor::builder::{const_f32, const_i32, tensor, ModelBuilder};
use delegate_doctor::infer::tensor::Buf;
use delegate_doctor::infer::Segmenter;
use delegate_doctor::model::{BuiltinOperator as Op, TensorType as T};
use delegate_doctor::opts;
use tflite_schema::tflite::{ActivationFunctionType as Activation, Padding};

const PASCAL_257: &str = "deeplabv3_mnv2_pascal_257_os16_quant.tflite";

/// A shared DeepLab model: $DD_SHARED (absolute, or relative to the repository root) or ../shared
/// next to the repository. None (with a note) when it is missing, so the test can skip.
fn deeplab(name: &str) -> Option<Vec<u8>> {
    let repo = format!("{}/..", env!("CARGO_MANIFEST_DIR"));
    let shared = match std::env::var("DD_SHARED") {
        Ok(s) if s.starts_with('/') => s,
        Ok(s) => format!("{repo}/{s}"),
        Err(_) => format!("{repo}/../shared"),
    };
    let path = format!("{shared}/models/deeplab/{name}");
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("note: skipping, {path} is not available ({e})");
            None
        }
    }
}

#[test]
fn deeplab_gives_a_valid_deterministic_map_for_synthetic_images() {
    let Some(bytes) = deeplab(PASCAL_257) else { return };
    let mut seg = Segmenter::new(&bytes).expect("the pascal 257 model compiles");
    assert_eq!(seg.input_size(), (257, 257));
    assert!(seg.is_quantized());
    let gray = vec![128u8; 257 * 257 * 3];
    // A smooth colour gradient with a bright square, so that the map is not trivially uniform.
    let mut pattern = vec![0u8; 257 * 257 * 3];
    for y in 0..257 {
        for x in 0..257 {
            let i = (y * 257 + x) * 3;
            let inside = (64..192).contains(&x) && (80..224).contains(&y);
            pattern[i] = if inside { 230 } else { (x * 255 / 256) as u8 };
            pattern[i + 1] = if inside { 190 } else { (y * 255 / 256) as u8 };
            pattern[i + 2] = if inside { 160 } else { ((x + y) * 255 / 512) as u8 };
        }
    }
    // Each run takes ~5 s in a debug build (`cargo test --workspace`), so three runs in all.
    let check = |name: &str, classes: &[u8]| {
        assert_eq!(classes.len(), 257 * 257, "{name}");
        assert!(classes.iter().all(|&c| c < 21), "{name}: pascal has 21 classes");
        let mut counts = [0usize; 21];
        classes.iter().for_each(|&c| counts[c as usize] += 1);
        eprintln!("{name}: class histogram {counts:?}");
    };
    let a = seg.run(&gray).unwrap();
    assert_eq!((a.width, a.height), (257, 257));
    check("gray", &a.classes);
    // A second run (keeping every tensor) gives the same map: the graph output is the class map.
    let all = seg.run_keeping_all(&gray).unwrap();
    let indices: Vec<u8> = all[seg.program.outputs[0].index].to_f64().iter().map(|&c| c as u8).collect();
    assert!(matches!(all[seg.program.outputs[0].index], Buf::I32(_) | Buf::I64(_)), "ARG_MAX gives integer indices");
    assert_eq!(indices, a.classes, "two runs differ");
    // The pattern on a fresh Segmenter (the scratch of the gray runs is not reused).
    let p = Segmenter::new(&bytes).unwrap().run(&pattern).unwrap();
    assert_eq!((p.width, p.height), (257, 257));
    check("pattern", &p.classes);
}

#[test]
fn deeplab_refuses_an_input_of_the_wrong_size() {
    let Some(bytes) = deeplab(PASCAL_257) else { return };
    let mut seg = Segmenter::new(&bytes).unwrap();
    for len in [0, 3, 257 * 257 * 3 - 1, 257 * 257 * 3 + 3, 513 * 513 * 3] {
        let e = seg.run(&vec![0; len]).unwrap_err();
        assert!(e.contains(&format!("{len} bytes")) && e.contains("257×257") && e.contains("198147"), "{e}");
        let e = seg.run_keeping_all(&vec![0; len]).unwrap_err();
        assert!(e.contains("198147"), "{e}");
    }
}

#[test]
fn unsupported_operators_are_each_named() {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4, 4, 3]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 4, 4, 3]));
    let z = b.add(tensor("z", T::FLOAT32, &[1, 4, 4, 3]));
    b.op(Op::SOFTMAX, &[x], &[y]).options(opts!(SoftmaxOptions { beta: 1.0 }));
    b.op(Op::EXP, &[y], &[z]);
    b.output(z);
    let e = Segmenter::new(&b.finish()).unwrap_err();
    assert!(e.contains("op 0 SOFTMAX"), "{e}");
    assert!(e.contains("op 1 EXP"), "{e}");
    assert!(!e.contains("op 2"), "{e}");

    // One unsupported op among supported ones: only that one is listed.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4, 4, 3]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 4, 4, 3]));
    let z = b.add(tensor("z", T::FLOAT32, &[1, 4, 4, 3]));
    b.op(Op::ADD, &[x, x], &[y]).options(opts!(AddOptions {}));
    b.op(Op::TANH, &[y], &[z]);
    b.output(z);
    let e = Segmenter::new(&b.finish()).unwrap_err();
    assert!(e.contains("op 1 TANH") && !e.contains("op 0"), "{e}");

    // Not a model at all: an error, not a panic.
    assert!(Segmenter::new(b"definitely not a tflite flatbuffer").is_err());
    assert!(Segmenter::new(&[]).is_err());
}

/// A float model: 2×2 RGB input → 1×1 CONV_2D with 3 output channels → (optionally) ARG_MAX.
/// Class 0 scores R, class 1 scores G + 0.5, class 2 scores −B, on inputs (p − 127.5) / 127.5.
fn float_conv_model(with_argmax: bool, argmax_type: T) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 2, 2, 3]));
    #[rustfmt::skip]
    let w = b.add(const_f32("w", &[3, 1, 1, 3], &[
        1.0, 0.0, 0.0,
        0.0, 1.0, 0.0,
        0.0, 0.0, -1.0,
    ]));
    let bias = b.add(const_f32("b", &[3], &[0.0, 0.5, 0.0]));
    let logits = b.add(tensor("logits", T::FLOAT32, &[1, 2, 2, 3]));
    b.op(Op::CONV_2D, &[x, w, bias], &[logits]).options(opts!(Conv2DOptions { stride_w: 1, stride_h: 1 }));
    if with_argmax {
        let axis = b.add(const_i32("axis", &[], &[3]));
        let classes = b.add(tensor("classes", argmax_type, &[1, 2, 2]));
        b.op(Op::ARG_MAX, &[logits, axis], &[classes]).options(opts!(ArgMaxOptions { output_type: argmax_type }));
        b.output(classes);
    } else {
        b.output(logits);
    }
    b.finish()
}

#[rustfmt::skip]
const PIXELS: [u8; 12] = [
    255, 0, 0,   // x = ( 1, −1, −1): scores ( 1, −0.5,  1) → 0 (a tie: the first index wins)
    0, 255, 0,   // x = (−1,  1, −1): scores (−1,  1.5,  1) → 1
    0, 0, 255,   // x = (−1, −1,  1): scores (−1, −0.5, −1) → 1
    0, 0, 0,     // x = (−1, −1, −1): scores (−1, −0.5,  1) → 2
];

#[test]
fn a_float_conv_and_argmax_give_the_hand_computed_classes() {
    for argmax_type in [T::INT32, T::INT64] {
        let mut seg = Segmenter::new(&float_conv_model(true, argmax_type)).expect("CONV_2D + ARG_MAX compiles");
        assert!(!seg.is_quantized());
        assert_eq!(seg.input_size(), (2, 2));
        let map = seg.run(&PIXELS).unwrap();
        assert_eq!((map.width, map.height), (2, 2));
        assert_eq!(map.classes, vec![0, 1, 1, 2]);
    }

    // Without ARG_MAX the output is the logits; the class map is their argmax, and the logits are
    // exactly the hand-computed scores (every product and sum here is exact in float32).
    let mut seg = Segmenter::new(&float_conv_model(false, T::INT32)).unwrap();
    assert_eq!(seg.run(&PIXELS).unwrap().classes, vec![0, 1, 1, 2]);
    let all = seg.run_keeping_all(&PIXELS).unwrap();
    #[rustfmt::skip]
    let expected = [
        1.0, -0.5, 1.0,
        -1.0, 1.5, 1.0,
        -1.0, -0.5, -1.0,
        -1.0, -0.5, 1.0,
    ];
    match &all[seg.program.outputs[0].index] {
        Buf::F32(v) => assert_eq!(v.as_slice(), &expected),
        other => panic!("the logits should be float32, got {other:?}"),
    }
    // The input went in as (p − 127.5) / 127.5.
    match &all[seg.program.inputs[0].index] {
        Buf::F32(v) => assert_eq!(&v[..3], &[1.0, -1.0, -1.0]),
        other => panic!("the input should be float32, got {other:?}"),
    }

    // A wrong-length input names the expected size (2×2 RGB = 12 bytes).
    let e = seg.run(&PIXELS[..9]).unwrap_err();
    assert!(e.contains("9 bytes") && e.contains("2×2") && e.contains("needs 12"), "{e}");
}

/// A small uint8 DeepLab-like graph: 3×3 stride-2 conv, depthwise, residual add, global pool,
/// resize (align_corners), concatenation, 1×1 conv to 4 classes, ARG_MAX.
fn tiny_quant_deeplab() -> Vec<u8> {
    let q = |name: &str, shape: &[i32], scale: f32, zp: i64| tensor(name, T::UINT8, shape).quant(scale, zp);
    let w = |name: &str, shape: &[i32]| {
        let n: i32 = shape.iter().product();
        let values: Vec<u8> = (0..n).map(|i| (i * 37 % 251) as u8).collect();
        delegate_doctor::builder::const_u8(name, shape, &values).quant(0.01, 120)
    };
    let bias = |name: &str, n: i32| {
        let values: Vec<i32> = (0..n).map(|i| i * 13 - 40).collect();
        const_i32(name, &[n], &values).quant(0.0001, 0)
    };
    let mut b = ModelBuilder::new();
    let x = b.input(q("image", &[1, 16, 16, 3], 1.0 / 128.0, 128));
    let (w1, b1) = (b.add(w("w1", &[8, 3, 3, 3])), b.add(bias("b1", 8)));
    let c1 = b.add(q("c1", &[1, 8, 8, 8], 0.05, 0));
    b.op(Op::CONV_2D, &[x, w1, b1], &[c1]).options(opts!(Conv2DOptions {
        padding: Padding::SAME, stride_w: 2, stride_h: 2, dilation_w_factor: 1,
        dilation_h_factor: 1, fused_activation_function: Activation::RELU6
    }));
    let (w2, b2) = (b.add(w("w2", &[1, 3, 3, 8])), b.add(bias("b2", 8)));
    let d1 = b.add(q("d1", &[1, 8, 8, 8], 0.04, 3));
    b.op(Op::DEPTHWISE_CONV_2D, &[c1, w2, b2], &[d1]).options(opts!(DepthwiseConv2DOptions {
        padding: Padding::SAME, stride_w: 1, stride_h: 1, depth_multiplier: 1,
        dilation_w_factor: 2, dilation_h_factor: 2
    }));
    let a1 = b.add(q("a1", &[1, 8, 8, 8], 0.06, 10));
    b.op(Op::ADD, &[c1, d1], &[a1]).options(opts!(AddOptions {}));
    let p1 = b.add(q("p1", &[1, 1, 1, 8], 0.06, 10));
    b.op(Op::AVERAGE_POOL_2D, &[a1], &[p1]).options(opts!(Pool2DOptions {
        padding: Padding::VALID, stride_w: 1, stride_h: 1, filter_width: 8, filter_height: 8
    }));
    let size = b.add(const_i32("size", &[2], &[8, 8]));
    let r1 = b.add(q("r1", &[1, 8, 8, 8], 0.06, 10));
    b.op(Op::RESIZE_BILINEAR, &[p1, size], &[r1]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    let cat = b.add(q("cat", &[1, 8, 8, 16], 0.07, 5));
    b.op(Op::CONCATENATION, &[a1, r1], &[cat]).options(opts!(ConcatenationOptions { axis: 3 }));
    let (w3, b3) = (b.add(w("w3", &[4, 1, 1, 16])), b.add(bias("b3", 4)));
    let logits = b.add(q("logits", &[1, 8, 8, 4], 0.1, 128));
    b.op(Op::CONV_2D, &[cat, w3, b3], &[logits]).options(opts!(Conv2DOptions {
        padding: Padding::SAME, stride_w: 1, stride_h: 1, dilation_w_factor: 1,
        dilation_h_factor: 1
    }));
    let axis = b.add(const_i32("axis", &[1], &[3]));
    let classes = b.add(tensor("classes", T::INT32, &[1, 8, 8]));
    b.op(Op::ARG_MAX, &[logits, axis], &[classes]).options(opts!(ArgMaxOptions { output_type: T::INT32 }));
    b.output(classes);
    b.finish()
}

/// Every byte of a model is untrusted: thousands of corrupted copies of a runnable model either fail
/// to compile with a message or run to a class map of the declared size — never a panic.
#[test]
fn corrupted_models_never_panic_the_engine() {
    let good = tiny_quant_deeplab();
    let mut seg = Segmenter::new(&good).expect("the tiny model compiles");
    assert_eq!(seg.run(&vec![90u8; 16 * 16 * 3]).expect("runs").classes.len(), 64);
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut compiled, mut refused) = (0, 0);
    for _ in 0..3000 {
        let mut bytes = good.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() % bytes.len() as u64) as usize;
            bytes[at] = next() as u8;
        }
        let outcome = std::panic::catch_unwind(|| match Segmenter::new(&bytes) {
            Ok(mut s) => {
                let (w, h) = s.input_size();
                let map = s.run(&vec![77u8; w * h * 3]).map(|m| (m.width * m.height, m.classes.len()));
                Some(map)
            }
            Err(e) => {
                assert!(!e.is_empty());
                None
            }
        });
        match outcome {
            Ok(Some(Ok((pixels, len)))) => {
                assert_eq!(pixels, len, "a class map's size must match its declared shape");
                compiled += 1;
            }
            Ok(Some(Err(e))) => panic!("a compiled model failed to run: {e}"),
            Ok(None) => refused += 1,
            Err(_) => panic!("the engine panicked on a corrupted model"),
        }
    }
    assert!(compiled > 100 && refused > 100, "compiled {compiled}, refused {refused}");
}

/// The malformed corpus and the fuzz findings: the engine refuses or runs each, without a panic.
#[test]
fn malformed_files_and_fuzz_findings_never_panic_the_engine() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut seen = 0;
    for dir in ["tests/malformed", "fuzz/regressions"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("the corpus folder exists") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_none_or(|e| e != "tflite") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("readable");
            let outcome = std::panic::catch_unwind(|| match Segmenter::new(&bytes) {
                Ok(mut s) => {
                    let (w, h) = s.input_size();
                    if w * h <= 64 * 64 {
                        let _ = s.run(&vec![5u8; w * h * 3]);
                    }
                }
                Err(e) => assert!(!e.is_empty() && !e.contains('\n'), "{e:?}"),
            });
            assert!(outcome.is_ok(), "the engine panicked on {}", path.display());
            seen += 1;
        }
    }
    assert!(seen > 100, "only {seen} files");
}

#[test]
fn a_long_list_of_problems_is_cut_after_ten() {
    let mut b = ModelBuilder::new();
    let mut x = b.input(tensor("image", T::FLOAT32, &[1, 4, 4, 3]));
    for i in 0..25 {
        let y = b.add(tensor(&format!("t{i}"), T::FLOAT32, &[1, 4, 4, 3]));
        b.op(Op::TANH, &[x], &[y]);
        x = y;
    }
    b.output(x);
    let err = Segmenter::new(&b.finish()).expect_err("TANH is not supported");
    assert!(err.contains("op 9 TANH") && !err.contains("op 10 TANH"), "{err}");
    assert!(err.ends_with("; and 15 more"), "{err}");
}

/// Two float inputs, an int8 input and two outputs: `sum = a + b` (b broadcast along the last axis),
/// `codes = QUANTIZE(sum)` (int8) and the int8 input passed through SLICE.
fn typed_model() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let a = b.input(tensor("a", T::FLOAT32, &[1, 2, 3]));
    let bias = b.input(tensor("b", T::FLOAT32, &[1, 1, 3]));
    let c = b.input(tensor("c", T::INT8, &[1, 4]).quant(0.5, -3));
    let sum = b.add(tensor("sum", T::FLOAT32, &[1, 2, 3]));
    let codes = b.add(tensor("codes", T::INT8, &[1, 2, 3]).quant(0.25, 10));
    let begin = b.add(const_i32("begin", &[2], &[0, 1]));
    let size = b.add(const_i32("size", &[2], &[1, 2]));
    let part = b.add(tensor("part", T::INT8, &[1, 2]).quant(0.5, -3));
    b.op(Op::ADD, &[a, bias], &[sum]).options(opts!(AddOptions {}));
    b.op(Op::QUANTIZE, &[sum], &[codes]);
    b.op(Op::SLICE, &[c, begin, size], &[part]);
    b.output(codes);
    b.output(part);
    b.finish()
}

#[test]
fn the_engine_runs_typed_tensors_with_several_inputs_and_outputs() {
    use delegate_doctor::infer::Engine;
    let mut e = Engine::new(&typed_model()).expect("ADD, QUANTIZE and SLICE compile");
    assert_eq!(e.inputs().len(), 3);
    assert_eq!(e.outputs().iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["codes", "part"]);
    let out = e
        .run(vec![
            Buf::F32(vec![0.0, 0.25, -0.5, 1.0, 2.0, 100.0]),
            Buf::F32(vec![0.125, 0.0, 0.0]),
            Buf::I8(vec![-128, 7, -9, 127]),
        ])
        .unwrap();
    // 0.125 / 0.25 = 0.5 → 0 (half to even) + 10; 100 / 0.25 = 400 → clamped to 127.
    assert_eq!(out[0], Buf::I8(vec![10, 11, 8, 14, 18, 127]));
    assert_eq!(out[1], Buf::I8(vec![7, -9]));

    // Wrong inputs: a clear error, no panic.
    let err = e.run(vec![Buf::F32(vec![0.0; 6])]).unwrap_err();
    assert!(err.contains("takes 3 inputs; 1 were given"), "{err}");
    let err = e.run(vec![Buf::F32(vec![0.0; 6]), Buf::U8(vec![0; 3]), Buf::I8(vec![0; 4])]).unwrap_err();
    assert!(err.contains("input \"b\" needs 3 float32 values; 3 uint8 values were given"), "{err}");
    // A Segmenter needs an image input.
    let err = Segmenter::new(&typed_model()).unwrap_err();
    assert!(err.contains("an RGB image [1, height, width, 3] is needed"), "{err}");
}

#[test]
fn compare_reports_identical_and_differing_outputs() {
    use delegate_doctor::infer::compare::compare_models;
    let same = compare_models(&typed_model(), &typed_model(), 3);
    let c = same.comparison.expect("both run");
    assert_eq!(c.outputs.len(), 2);
    assert!(c.outputs.iter().all(|o| o.values > 0 && o.identical == o.values && o.max_abs_diff == 0.0));
    // A model that cannot run is named, op by op.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 2, 3]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 2, 3]));
    b.op(Op::TANH, &[x], &[y]);
    b.output(y);
    let other = compare_models(&typed_model(), &b.finish(), 3);
    assert!(other.comparison.is_none() && other.original_error.is_none());
    assert!(other.fixed_error.as_deref().unwrap_or("").contains("op 0 TANH"), "{other:?}");
}

/// x + DEQUANTIZE(w): `w` a constant int8 (or float16) tensor; with `w_out` the DEQUANTIZE's output
/// is also a graph output.
fn dequantized_constant_model(w: delegate_doctor::builder::TensorSpec, w_out: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let w = b.add(w);
    let wf = b.add(tensor("w_float", T::FLOAT32, &[1, 4]));
    let sum = b.add(tensor("sum", T::FLOAT32, &[1, 4]));
    b.op(Op::DEQUANTIZE, &[w], &[wf]);
    b.op(Op::ADD, &[x, wf], &[sum]).options(opts!(AddOptions {}));
    b.output(sum);
    if w_out {
        b.output(wf);
    }
    b.finish()
}

#[test]
fn dequantize_of_constants_runs_or_says_why_not() {
    use delegate_doctor::builder::{const_f16, const_i8};
    use delegate_doctor::infer::Engine;
    // A quantized constant is loaded like an activation and dequantized per run: (q − zp) · s.
    let int8 = const_i8("w", &[1, 4], &[-3, -1, 1, 5]).quant(0.5, -3);
    let mut e = Engine::new(&dequantized_constant_model(int8, false)).expect("an int8 constant DEQUANTIZE compiles");
    let out = e.run(vec![Buf::F32(vec![1.0, 1.0, 1.0, 1.0])]).unwrap();
    assert_eq!(out[0], Buf::F32(vec![1.0, 2.0, 3.0, 5.0]));
    // fp16 weights are folded at compile time (exact).
    let half = const_f16("w", &[1, 4], &[0.5, -2.0, 0.25, 1024.0]);
    let mut e = Engine::new(&dequantized_constant_model(half.clone(), false)).expect("fp16 weights fold");
    let out = e.run(vec![Buf::F32(vec![1.0, 1.0, 1.0, 1.0])]).unwrap();
    assert_eq!(out[0], Buf::F32(vec![1.5, -1.0, 1.25, 1025.0]));
    // …except when the dequantized tensor is itself a graph output: a plain error naming the op.
    let err = Engine::new(&dequantized_constant_model(half, true)).unwrap_err();
    assert!(err.contains("op 0 DEQUANTIZE: a float16 DEQUANTIZE is supported only on constant weights"), "{err}");
}

/// SPACE_TO_BATCH_ND of an int8 `[1, 3, 2, 1]` input (block 2×2, one padded row on top), then
/// BATCH_TO_SPACE_ND back with that row cropped; `block`/`batched` may be replaced to make it wrong.
fn space_batch_model(block_input: bool, batched_shape: &[i32], crops: &[i32]) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::INT8, &[1, 3, 2, 1]).quant(0.5, -5));
    let block = if block_input { b.input(tensor("block", T::INT32, &[2])) } else { b.add(const_i32("block", &[2], &[2, 2])) };
    let pads = b.add(const_i32("paddings", &[2, 2], &[1, 0, 0, 0]));
    let crop = b.add(const_i32("crops", &[2, 2], crops));
    let y = b.add(tensor("batched", T::INT8, batched_shape).quant(0.5, -5));
    let z = b.add(tensor("restored", T::INT8, &[1, 3, 2, 1]).quant(0.5, -5));
    b.op(Op::SPACE_TO_BATCH_ND, &[x, block, pads], &[y]);
    b.op(Op::BATCH_TO_SPACE_ND, &[y, block, crop], &[z]);
    b.output(y);
    b.output(z);
    b.finish()
}

#[test]
fn space_to_batch_pads_with_the_zero_point_and_batch_to_space_crops() {
    use delegate_doctor::infer::Engine;
    let mut e = Engine::new(&space_batch_model(false, &[4, 2, 1, 1], &[1, 0, 0, 0])).expect("both ops compile");
    assert_eq!(e.outputs()[0].shape, [4, 2, 1, 1]);
    let x = Buf::I8(vec![1, 2, 3, 4, 5, 6]);
    let out = e.run(vec![x.clone()]).unwrap();
    // Padded rows [z z] [1 2] [3 4] [5 6] with z the zero point −5 (space_to_batch_nd.cc pads with
    // the output zero point); batch (sh, sw) takes rows sh, sh + 2 of column sw.
    assert_eq!(out[0], Buf::I8(vec![-5, 3, -5, 4, 1, 5, 2, 6]));
    assert_eq!(out[1], x, "cropping the padded row restores the input");
}

#[test]
fn space_batch_ops_refuse_what_tflite_would_not_compute_the_same() {
    use delegate_doctor::infer::Engine;
    // A block shape computed at run time: TFLite resizes the output per run; the engine says which tensor.
    let e = Engine::new(&space_batch_model(true, &[4, 2, 1, 1], &[1, 0, 0, 0])).unwrap_err();
    assert!(e.contains("op 0 SPACE_TO_BATCH_ND: the block shape \"block\" must be a constant int32 tensor"), "{e}");
    assert!(e.contains("op 1 BATCH_TO_SPACE_ND: the block shape \"block\""), "{e}");
    // A declared shape that is not TFLite's.
    let e = Engine::new(&space_batch_model(false, &[2, 4, 1, 1], &[1, 0, 0, 0])).unwrap_err();
    assert!(e.contains("op 0 SPACE_TO_BATCH_ND: the output \"batched\" has shape [2, 4, 1, 1]; TFLite computes [4, 2, 1, 1]"), "{e}");
    // Crops that remove every row, and negative crops (TFLite's Prepare refuses them).
    let e = Engine::new(&space_batch_model(false, &[4, 2, 1, 1], &[2, 2, 0, 0])).unwrap_err();
    assert!(e.contains("op 1 BATCH_TO_SPACE_ND: crops of 4 leave nothing of spatial axis 0"), "{e}");
    let e = Engine::new(&space_batch_model(false, &[4, 2, 1, 1], &[1, 0, -1, 1])).unwrap_err();
    assert!(e.contains("op 1 BATCH_TO_SPACE_ND: crops of -1 are not supported"), "{e}");
}
