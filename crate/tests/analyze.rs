//! The predictor on the real DeepLab models: the seed project's 8-row plan and the current defaults.

use delegate_doctor::analyze;
use delegate_doctor::model;
use delegate_doctor::nnapi::delegate::{analyze, Options, Outcome};

fn deeplab(name: &str) -> Vec<u8> {
    let path = format!("{}/../../shared/models/deeplab/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

const ORIGINAL: &str = "deeplabv3_mnv2_pascal_513_os8_google_original.tflite";
const REEXPORTED: &str = "deeplabv3_mnv2_pascal_513_os8_quant.tflite";

/// The options of the seed README's run: an older benchmark_model (CPU fallback allowed, at most 3
/// delegated partitions) on an Android 10 device.
fn seed_options() -> Options {
    Options { sdk: 29, disable_nnapi_cpu: false, max_delegated_partitions: 3, ..Options::default() }
}

#[test]
fn the_seed_readme_plan_is_reproduced_row_for_row() {
    let bytes = deeplab(ORIGINAL);
    let m = model::read(&bytes).unwrap();
    let a = analyze(&m, &seed_options());
    let rows: Vec<(String, String)> = a.plan.iter().map(|r| (r.node_type.clone(), r.name.clone())).collect();
    let expected = [
        ("TfLiteNnapiDelegate", "[MobilenetV2/expanded_conv_16/project/add_fold, aspp0/Relu]:71"),
        ("AVERAGE_POOL_2D", "[AvgPool2D/AvgPool]:61"),
        ("TfLiteNnapiDelegate", "[image_pooling/Relu]:72"),
        ("RESIZE_BILINEAR", "[ResizeBilinear]:63"),
        ("TfLiteNnapiDelegate", "[logits/semantic/BiasAdd]:73"),
        ("RESIZE_BILINEAR", "[ResizeBilinear_1]:68"),
        ("RESIZE_BILINEAR", "[ResizeBilinear_2]:69"),
        ("ARG_MAX", "[ArgMax]:70"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(rows, expected);
    assert_eq!(a.outcome, Outcome::Partial);
    assert_eq!(a.delegated_nodes, 66);
    assert!(a.log.iter().any(|l| l
        == "Replacing 66 out of 71 node(s) with delegate (TfLiteNnapiDelegate) node, yielding 6 partitions for subgraph 0 ()."));
    let reasons = |i: usize| a.refused.iter().find(|r| r.index == i).map(|r| r.reasons.join(" | ")).unwrap_or_default();
    assert!(reasons(61).contains("Large filter window would overflow on the reference CPU path"), "{}", reasons(61));
    assert!(reasons(63).contains("NNAPI does not support align_corners == true."));
    assert!(reasons(70).contains("NNAPI only supports int32 output."));
    assert_eq!(a.refused.iter().map(|r| r.index).collect::<Vec<_>>(), vec![61, 63, 68, 69, 70]);
}

#[test]
fn current_benchmark_defaults_per_level() {
    let bytes = deeplab(ORIGINAL);
    let m = model::read(&bytes).unwrap();
    let at = |sdk| analyze(&m, &Options { sdk, ..Options::default() });
    let refused = |sdk| at(sdk).refused.iter().map(|r| r.index).collect::<Vec<_>>();
    // Defaults: CPU fallback disabled → accelerator specified from API 29: the big window passes.
    assert_eq!(refused(29), vec![63, 68, 69, 70]);
    // align_corners is accepted from API 30; ARG_MAX with int64 output never.
    assert_eq!(refused(30), vec![70]);
    assert_eq!(refused(33), vec![70]);
    assert_eq!(refused(35), vec![70]);
    // At 27/28 there is no accelerator query, so the pool window counts; ARG_MAX needs API 29, and
    // dilated depthwise convolutions (op 25 …) need NNAPI 1.2.
    let r28 = refused(28);
    for op in [25, 61, 63, 68, 69, 70] {
        assert!(r28.contains(&op), "op {op} should be refused at API 28: {r28:?}");
    }
    let a30 = at(30);
    assert_eq!(a30.outcome, Outcome::Partial);
    assert_eq!(a30.plan.len(), 2);
    assert_eq!(a30.plan[1].name, "[ArgMax]:70");
    assert_eq!(at(26).outcome, Outcome::None);
}

#[test]
fn the_reexported_model_still_blocks_on_the_pool_without_an_accelerator() {
    let bytes = deeplab(REEXPORTED);
    let m = model::read(&bytes).unwrap();
    let a = analyze(&m, &seed_options());
    assert_eq!(a.refused.iter().map(|r| r.index).collect::<Vec<_>>(), vec![61]);
    // With the defaults of a current benchmark_model at API 30 it is fully delegated.
    let full = analyze(&m, &Options { sdk: 30, ..Options::default() });
    assert_eq!(full.outcome, Outcome::Full);
    assert_eq!(full.plan.len(), 1);
    assert_eq!(full.plan[0].name, "[ArgMax]:71");
}

#[test]
fn partition_limit_keeps_the_largest() {
    let bytes = deeplab(ORIGINAL);
    let m = model::read(&bytes).unwrap();
    let a = analyze(&m, &Options { max_delegated_partitions: 1, ..seed_options() });
    assert_eq!(a.delegate_kernels, 1);
    assert_eq!(a.delegated_nodes, 62);
    // Greedy clustering pulls op 64 (which reads op 60's output) into the first kernel; non-greedy
    // clustering ends that kernel at the pool.
    let greedy = analyze(&m, &Options { max_delegated_partitions: 0, ..seed_options() });
    assert!(greedy.plan[0].nodes.as_ref().unwrap().contains(&64));
    let b = analyze(&m, &Options { disable_delegate_clustering: true, max_delegated_partitions: 0, ..seed_options() });
    assert_eq!(b.plan[0].nodes.as_ref().unwrap(), &(0..=60).collect::<Vec<_>>());
}

#[test]
fn report_has_one_analysis_per_level_and_a_verdict() {
    let bytes = deeplab(ORIGINAL);
    let m = model::read(&bytes).unwrap();
    let r = analyze::report(&m, &seed_options(), &analyze::ALL_LEVELS);
    assert_eq!(r.analyses.len(), 9);
    let v = &r.analyses[2].verdict;
    assert!(v.summary.starts_with("3 NNAPI partitions cover 66 of 71 nodes; 5 ops run on the CPU"), "{}", v.summary);
    assert_eq!(v.transitions, 5);
    assert!(v.cpu_work_share > 0.0 && v.cpu_work_share < 0.5);
}
