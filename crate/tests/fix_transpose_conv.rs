//! The `transpose-conv-bias` fix: MediaPipe's custom Convolution2DTransposeBias → builtin
//! TRANSPOSE_CONV v3 with its bias. Plans before/after on the real selfie segmenters and on small
//! generated models; the numbers are proven with the real interpreter in
//! tests/python/test_mediapipe.py.

use delegate_doctor::builder::{const_f32, tensor, ModelBuilder};
use delegate_doctor::delegates::gpu::policy::Flavor;
use delegate_doctor::fixes::transpose_conv_bias::{parse_params, Params};
use delegate_doctor::fixes::{fix, fix_gpu, Exactness, FixOptions};
use delegate_doctor::model::{self, BuiltinOperator as Op, BuiltinOptionsT as O, TensorType as T};
use delegate_doctor::nnapi::delegate::{Options, Outcome};
use tflite_schema::tflite::Padding;

fn selfie(name: &str) -> Vec<u8> {
    let path = format!("{}/../../shared/models/mediapipe/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn at(sdk: u32) -> FixOptions {
    FixOptions { target: Options { sdk, ..Options::default() }, ..FixOptions::default() }
}

const SELFIES: [(&str, [i32; 4]); 2] = [
    ("selfie_segmentation.tflite", [1, 256, 256, 1]),
    ("selfie_segmentation_landscape.tflite", [1, 144, 256, 1]),
];

#[test]
fn selfie_segmenters_become_one_nnapi_kernel_from_api_30() {
    for (name, out_shape) in SELFIES {
        let original = selfie(name);
        let (bytes, r) = fix(&original, &at(30)).unwrap();
        assert!(r.before.refused.iter().any(|x| x.index == 244 && x.reasons == ["Unsupported operation type."]), "{name}");
        assert_eq!(r.changes.len(), 1, "{name}");
        let c = &r.changes[0];
        assert_eq!((c.fix, c.op, c.op_type.as_str(), c.exactness), ("transpose-conv-bias", 244, "Convolution2DTransposeBias", Exactness::Exact));
        assert_eq!(r.after.outcome, Outcome::Full, "{name}");
        assert_eq!(r.after.plan.len(), 1);

        let (a, b) = (model::read(&original).unwrap(), model::read(&bytes).unwrap());
        let (before, after) = (&a.subgraphs[0].operators[244], &b.subgraphs[0].operators[244]);
        assert_eq!((after.code, after.version, after.custom_code.as_deref()), (Op::TRANSPOSE_CONV, 3, None));
        // (output shape, weights, data, bias) from (data, weights, bias).
        assert_eq!(&after.inputs[1..], &[before.inputs[1], before.inputs[0], before.inputs[2]]);
        assert_eq!(after.outputs, before.outputs);
        let shape = &b.subgraphs[0].tensors[after.inputs[0] as usize];
        assert_eq!(b.const_ints(shape).unwrap(), out_shape.map(i64::from));
        let O::TransposeConvOptions(o) = &after.options else { panic!("no TransposeConvOptions") };
        assert_eq!((o.padding, o.stride_h, o.stride_w), (Padding::SAME, 2, 2));
        assert!(b.custom_options(after).is_none_or(|d| d.is_empty()));
        // Every other op is unchanged.
        for (i, (x, y)) in a.subgraphs[0].operators.iter().zip(&b.subgraphs[0].operators).enumerate() {
            if i != 244 {
                assert_eq!((x.code, &x.inputs, &x.outputs), (y.code, &y.inputs, &y.outputs), "op {i}");
            }
        }
    }
}

#[test]
fn api_29_rewrites_but_resizes_stay_refused_and_api_28_cannot_run_transpose_conv() {
    let (name, _) = SELFIES[0];
    let (_, r) = fix(&selfie(name), &at(29)).unwrap();
    assert_eq!(r.changes.iter().map(|c| c.fix).collect::<Vec<_>>(), ["transpose-conv-bias"]);
    assert_eq!(r.after.outcome, Outcome::Partial); // half_pixel_centers RESIZE_BILINEAR before API 30
    assert!(r.after.refused.iter().all(|x| x.op == "RESIZE_BILINEAR"));

    let (bytes, r) = fix(&selfie(name), &at(28)).unwrap();
    assert!(r.changes.is_empty());
    assert_eq!(bytes, selfie(name));
    let nf = r.not_fixed.iter().find(|n| n.op == 244).expect("op 244 reported");
    assert!(nf.why.contains("only from API 29"), "{}", nf.why);
}

#[test]
fn gpu_delegates_accept_the_custom_op_so_there_is_nothing_to_fix() {
    for flavor in [Flavor::Classic, Flavor::LiteRt] {
        let (_, r) = fix_gpu(&selfie(SELFIES[0].0), flavor, &FixOptions::default()).unwrap();
        assert!(r.changes.is_empty(), "{flavor:?}");
        assert_eq!(r.before.outcome, Outcome::Full, "{flavor:?}");
    }
}

/// x[1,4,5,3] → custom `code`(weights [2,kh,kw,3], bias [2]) → y; `options` are the raw custom
/// options.
fn small(code: &str, options: &[u8], kernel: i32, out_hw: (i32, i32)) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4, 5, 3]));
    let n = (2 * kernel * kernel * 3) as usize;
    let w = b.add(const_f32("w", &[2, kernel, kernel, 3], &vec![0.25; n]));
    let bias = b.add(const_f32("b", &[2], &[1.0, -1.0]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, out_hw.0, out_hw.1, 2]));
    b.custom_op(code, &[x, w, bias], &[y]).custom_options(options);
    b.output(y);
    b.finish()
}

fn words(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[test]
fn valid_padding_and_other_strides_are_carried_over() {
    // VALID, stride w 3, stride h 2, 3×3 kernel: out = (in − 1)·stride + 3.
    let bytes = small("Convolution2DTransposeBias", &words(&[2, 3, 2]), 3, (9, 15));
    let (fixed, r) = fix(&bytes, &at(30)).unwrap();
    assert_eq!(r.changes.len(), 1);
    assert_eq!(r.after.outcome, Outcome::Full);
    let m = model::read(&fixed).unwrap();
    let op = &m.subgraphs[0].operators[0];
    let O::TransposeConvOptions(o) = &op.options else { panic!("no TransposeConvOptions") };
    assert_eq!((o.padding, o.stride_h, o.stride_w), (Padding::VALID, 2, 3));
    assert_eq!(m.const_ints(&m.subgraphs[0].tensors[op.inputs[0] as usize]).unwrap(), [1, 9, 15, 2]);
}

#[test]
fn bad_options_or_shapes_are_not_fixed_and_say_why() {
    let cases: [(Vec<u8>, (i32, i32), &str); 4] = [
        (words(&[1, 2]), (8, 10), "padding and two strides need 12"),
        (words(&[0, 2, 2]), (8, 10), "neither SAME (1) nor VALID (2)"),
        (words(&[1, 0, 2]), (8, 10), "not positive"),
        (words(&[1, 2, 2]), (9, 10), "is not the 8×10 the window gives"),
    ];
    for (options, out_hw, needle) in cases {
        let (bytes, r) = fix(&small("Convolution2DTransposeBias", &options, 2, out_hw), &at(30)).unwrap();
        assert!(r.changes.is_empty(), "{needle}");
        assert_eq!(bytes.len(), small("Convolution2DTransposeBias", &options, 2, out_hw).len());
        let why = &r.not_fixed[0].why;
        assert!(why.contains(needle), "{why}");
    }
}

#[test]
fn other_custom_ops_keep_the_plain_message() {
    let (_, r) = fix(&small("SomethingElse", &words(&[1, 2, 2]), 2, (8, 10)), &at(30)).unwrap();
    assert!(r.changes.is_empty());
    assert_eq!(r.not_fixed[0].why, "no rewrite removes \"Unsupported operation type.\"");
}

#[test]
fn params_read_as_xnnpack_reads_them() {
    let p = parse_params(&words(&[1, 2, 3, 0, 0])).unwrap();
    assert_eq!(p, Params { padding: Padding::SAME, stride_w: 2, stride_h: 3 });
    assert!(parse_params(&[]).is_err());
    assert!(parse_params(&words(&[2, -1, 1])).is_err());
}
