//! The in-page segmentation engine (`infer::Segmenter`): a real DeepLab on synthetic images, models
//! it cannot run, inputs of the wrong size, and small float models whose classes are computed by
//! hand. (Faithfulness to ai-edge-litert is checked in tests/python/test_segment.py.)

use delegate_doctor::builder::{const_f32, const_i32, tensor, ModelBuilder};
use delegate_doctor::infer::tensor::Buf;
use delegate_doctor::infer::Segmenter;
use delegate_doctor::model::{BuiltinOperator as Op, TensorType as T};
use delegate_doctor::opts;

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
    match &all[seg.program.output] {
        Buf::U8(v) => assert_eq!(v, &a.classes, "two runs differ"),
        other => panic!("the ARG_MAX output should be class indices, got {other:?}"),
    }
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
    b.op(Op::MUL, &[y, y], &[z]).options(opts!(MulOptions {}));
    b.output(z);
    let e = Segmenter::new(&b.finish()).unwrap_err();
    assert!(e.contains("op 0 SOFTMAX"), "{e}");
    assert!(e.contains("op 1 MUL"), "{e}");
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
    match &all[seg.program.output] {
        Buf::F32(v) => assert_eq!(v.as_slice(), &expected),
        other => panic!("the logits should be float32, got {other:?}"),
    }
    // The input went in as (p − 127.5) / 127.5.
    match &all[seg.program.input] {
        Buf::F32(v) => assert_eq!(&v[..3], &[1.0, -1.0, -1.0]),
        other => panic!("the input should be float32, got {other:?}"),
    }

    // A wrong-length input names the expected size (2×2 RGB = 12 bytes).
    let e = seg.run(&PIXELS[..9]).unwrap_err();
    assert!(e.contains("9 bytes") && e.contains("2×2") && e.contains("needs 12"), "{e}");
}
