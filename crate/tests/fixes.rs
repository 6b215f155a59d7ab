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
