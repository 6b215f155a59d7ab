//! The plan that really runs (`crate::combined`): NNAPI first, then the default XNNPACK delegate
//! on the nodes NNAPI left, partitioned on the plan where NNAPI's kernels are single nodes. Worked
//! out by hand from tflite/core/interpreter.cc (`ApplyLazyDelegateProviders`) and
//! tflite/core/subgraph.cc (`ReplaceNodeSubsetsWithDelegateKernels`: delegate node N + k).
//! tests/python/test_xnnpack_predictions.py checks the XNNPACK step against the real interpreter.

use delegate_doctor::analyze;
use delegate_doctor::builder::{const_f32, const_i32, tensor, ModelBuilder};
use delegate_doctor::combined::{RunsOn, XnnpackStep};
use delegate_doctor::delegates::xnnpack::XnnpackOptions;
use delegate_doctor::model::{self, BuiltinOperator as Op, TensorType as T};
use delegate_doctor::nnapi::delegate::Options;
use delegate_doctor::opts;
use tflite_schema::tflite as fb;

const F32: T = T::FLOAT32;

/// CONV_2D → MEAN → ADD → ARG_MAX. At API 27 NNAPI has no MEAN (NNAPI 1.1) and no ARG_MAX
/// (NNAPI 1.2); XNNPACK takes MEAN but has no case for ARG_MAX. At API 29 NNAPI takes all four.
fn conv_mean_add_argmax() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 4, 4, 2]));
    let w = b.add(const_f32("w", &[2, 1, 1, 2], &[0.5, -0.5, 1.0, 0.25]));
    let bias = b.add(const_f32("bias", &[2], &[0.0, 0.1]));
    let c = b.add(tensor("c", F32, &[1, 4, 4, 2]));
    b.op(Op::CONV_2D, &[x, w, bias], &[c]).options(opts!(Conv2DOptions { padding: fb::Padding::SAME, stride_w: 1, stride_h: 1 }));
    let axes = b.add(const_i32("axes", &[2], &[1, 2]));
    let m = b.add(tensor("m", F32, &[1, 1, 1, 2]));
    b.op(Op::MEAN, &[c, axes], &[m]).options(opts!(ReducerOptions { keep_dims: true }));
    let one = b.add(const_f32("one", &[1, 1, 1, 2], &[1.0, 1.0]));
    let a = b.add(tensor("a", F32, &[1, 1, 1, 2]));
    b.op(Op::ADD, &[m, one], &[a]).options(opts!(AddOptions {}));
    let dim = b.add(const_i32("dim", &[1], &[3]));
    let y = b.add(tensor("y", T::INT32, &[1, 1, 1]));
    b.op(Op::ARG_MAX, &[a, dim], &[y]).options(opts!(ArgMaxOptions { output_type: T::INT32 }));
    b.output(y);
    b.finish()
}

fn combined_at(bytes: &[u8], sdk: u32) -> analyze::CombinedReport {
    let m = model::read(bytes).unwrap();
    let mut r = analyze::report(&m, &Options::default(), &[sdk]);
    analyze::add_combined(&mut r, &m, &XnnpackOptions::default());
    r.analyses.remove(0).combined.expect("a combined plan")
}

#[test]
fn xnnpack_takes_what_nnapi_left_and_its_kernels_come_after_nnapis() {
    let c = combined_at(&conv_mean_add_argmax(), 27).plan;
    assert_eq!(c.xnnpack, XnnpackStep::Applied);
    let rows: Vec<(&str, usize, Option<Vec<usize>>, RunsOn)> =
        c.plan.iter().map(|r| (r.row.node_type.as_str(), r.row.index, r.row.nodes.clone(), r.runs_on)).collect();
    assert_eq!(
        rows,
        vec![
            ("TfLiteNnapiDelegate", 4, Some(vec![0]), RunsOn::Accelerator),
            ("TfLiteXNNPackDelegate", 6, Some(vec![1]), RunsOn::Xnnpack),
            ("TfLiteNnapiDelegate", 5, Some(vec![2]), RunsOn::Accelerator),
            ("ARG_MAX", 3, None, RunsOn::Cpu),
        ]
    );
    assert_eq!(c.plan[1].row.name, "[m]:6");
    assert_eq!((c.accelerator_nodes, c.xnnpack_nodes, c.cpu_nodes), (2, 1, 1));
    assert_eq!((c.accelerator_kernels, c.xnnpack_kernels), (2, 1));
    // The partitioner ran on a plan of 4 rows (2 NNAPI kernels, MEAN, ARG_MAX): CPU {kernel 4},
    // XNNPACK {MEAN}, CPU {kernel 5, ARG_MAX} (greedy: the ARG_MAX is ready with kernel 5).
    assert!(c.log.iter().any(|l| l == "Replacing 1 out of 4 node(s) with delegate (TfLiteXNNPackDelegate) node, yielding 3 partitions for subgraph 0 ()."), "{:?}", c.log);
    assert_eq!(c.log.first().map(String::as_str), Some("Applying 1 TensorFlow Lite delegate(s) lazily."));
    // ARG_MAX is looked at and refused; NNAPI's nodes are not looked at.
    assert_eq!(c.refused.iter().map(|r| r.index).collect::<Vec<_>>(), vec![3]);
}

#[test]
fn the_verdict_counts_the_three_kinds_of_kernels() {
    let v = combined_at(&conv_mean_add_argmax(), 27).verdict;
    assert_eq!((v.accelerator_ops, v.xnnpack_ops, v.cpu_ops, v.transitions), (2, 1, 1, 3));
    let shares = v.accelerator_work_share + v.xnnpack_work_share + v.cpu_work_share;
    assert!((shares - 1.0).abs() < 1e-9, "{shares}");
    assert!(v.summary.starts_with("NNAPI runs 2 of 4 ops in 2 kernels, XNNPACK 1 in 1 kernel; 1 op runs on the builtin CPU kernels"), "{}", v.summary);
}

#[test]
fn a_fully_delegated_primary_subgraph_skips_xnnpack() {
    let c = combined_at(&conv_mean_add_argmax(), 29);
    assert_eq!(c.plan.xnnpack, XnnpackStep::Skipped);
    assert!(c.plan.reason.as_deref().unwrap().contains("IsFullyDelegated"));
    assert_eq!(c.plan.plan.len(), 1);
    assert!(c.plan.log.is_empty());
    assert!(c.verdict.summary.starts_with("Fully delegated: one NNAPI kernel runs all 4 ops"), "{}", c.verdict.summary);
}

/// A RESHAPE to a shape given as an input (a dynamic-sized tensor), then RELU.
fn reshape_to_input_shape() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 4]));
    let s = b.input(tensor("s", T::INT32, &[2]));
    let r = b.add(tensor("r", F32, &[1, 4]));
    b.op(Op::RESHAPE, &[x, s], &[r]);
    let y = b.add(tensor("y", F32, &[1, 4]));
    b.op(Op::RELU, &[r], &[y]);
    b.output(y);
    b.finish()
}

#[test]
fn a_failing_first_delegate_stops_before_xnnpack() {
    // NNAPI without dynamic dimensions fails on the dynamic-sized tensor ("Failed to apply NNAPI
    // delegate."), so benchmark_model never reaches AllocateTensors.
    let c = combined_at(&reshape_to_input_shape(), 30);
    assert_eq!(c.plan.xnnpack, XnnpackStep::Skipped);
    assert!(c.plan.reason.as_deref().unwrap().contains("benchmark_model stops before AllocateTensors"));
    assert!(c.plan.log.is_empty());
}

/// `analyze` through the CLI: the JSON of every analysis (`--format json`).
fn cli_analyses(bytes: &[u8], extra: &[&str]) -> Vec<serde_json::Value> {
    let path = std::env::temp_dir().join(format!("dd-combined-{}-{}.tflite", std::process::id(), extra.len()));
    std::fs::write(&path, bytes).unwrap();
    let mut args: Vec<std::ffi::OsString> = vec!["analyze".into(), path.clone().into(), "--format".into(), "json".into()];
    args.extend(extra.iter().map(|&a| a.into()));
    let out = delegate_doctor::cli::run(args).unwrap();
    std::fs::remove_file(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    v["analyses"].as_array().unwrap().clone()
}

#[test]
fn the_cli_adds_the_combined_plan_unless_use_xnnpack_is_false() {
    let bytes = conv_mean_add_argmax();
    let with = cli_analyses(&bytes, &["--sdk", "27", "--delegate", "nnapi"]);
    let c = &with[0]["combined"];
    assert_eq!(c["xnnpack"], "applied");
    let runs_on: Vec<&str> = c["plan"].as_array().unwrap().iter().map(|r| r["runs_on"].as_str().unwrap()).collect();
    assert_eq!(runs_on, ["accelerator", "xnnpack", "accelerator", "cpu"]);
    assert_eq!(c["verdict"]["xnnpack_ops"], 1);
    let without = cli_analyses(&bytes, &["--sdk", "27", "--use-xnnpack=false"]);
    assert!(without[0].get("combined").is_none());
    // Everything else is as it was.
    let mut stripped = with[0].clone();
    stripped.as_object_mut().unwrap().remove("combined");
    assert_eq!(stripped, without[0]);
    // The GPU delegates get one too.
    let gpu = cli_analyses(&bytes, &["--delegate", "gpu"]);
    assert!(gpu[0]["combined"]["xnnpack"].is_string());
}

#[test]
fn xnnpack_without_reshaping_is_not_applied_to_dynamic_tensors_after_nnapi_with_dynamic_dimensions() {
    let bytes = reshape_to_input_shape();
    let m = model::read(&bytes).unwrap();
    let o = Options { allow_dynamic_dimensions: true, ..Options::default() };
    let combined_with = |flags: &str| {
        let mut r = analyze::report(&m, &o, &[30]);
        let x = XnnpackOptions { flags: delegate_doctor::delegates::xnnpack::XnnpackFlags::parse(flags).unwrap() };
        analyze::add_combined(&mut r, &m, &x);
        r.analyses.remove(0).combined.unwrap().plan
    };
    // By default XNNPACK allows dynamic tensors and takes the RELU NNAPI's dynamic-tensor path left.
    let default = combined_with("qs8,qu8");
    assert_eq!(default.xnnpack, XnnpackStep::Applied);
    // Without subgraph reshaping, applying it prepares the graph, meets the dynamic tensor and
    // returns kTfLiteApplicationError, which the interpreter ignores: the first plan stays.
    let c = combined_with("qs8,qu8,disable_subgraph_reshaping");
    assert_eq!(c.xnnpack, XnnpackStep::Skipped);
    assert!(c.reason.as_deref().unwrap().contains("DISABLE_SUBGRAPH_RESHAPING"), "{:?}", c.reason);
    assert!(c.log.last().unwrap().contains("Ignoring the error, and continuing anyway."));
    assert_eq!(c.xnnpack_nodes, 0);
}

#[test]
fn after_a_gpu_delegate_xnnpack_takes_the_fp16_dequantize_only_its_kernel_read() {
    // DEQUANTIZE(fp16 w) → FULLY_CONNECTED → RESHAPE to rank 5 → ADD of rank 5: the GPU delegates
    // take the FULLY_CONNECTED (reading the fp16 w directly) and refuse the rank-5 ops; the
    // DEQUANTIZE stays on the CPU with no reader left, so XNNPACK takes it (the real GPU|CPU
    // CompiledModel is fully accelerated on this model: test_xnnpack_predictions.py).
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 8]));
    let w16 = b.add(delegate_doctor::builder::const_f16("w16", &[4, 8], &[0.5; 32]));
    let w = b.add(tensor("w", F32, &[4, 8]));
    b.op(Op::DEQUANTIZE, &[w16], &[w]).version(3);
    let bias = b.add(const_f32("bias", &[4], &[0.0; 4]));
    let fc = b.add(tensor("fc", F32, &[1, 4]));
    b.op(Op::FULLY_CONNECTED, &[x, w, bias], &[fc]).options(opts!(FullyConnectedOptions {}));
    let s5 = b.add(const_i32("s5", &[5], &[1, 1, 1, 1, 4]));
    let r = b.add(tensor("r", F32, &[1, 1, 1, 1, 4]));
    b.op(Op::RESHAPE, &[fc, s5], &[r]);
    let y = b.add(tensor("y", F32, &[1, 1, 1, 1, 4]));
    b.op(Op::ADD, &[r, r], &[y]).options(opts!(AddOptions {}));
    b.output(y);
    let bytes = b.finish();
    let m = model::read(&bytes).unwrap();
    let mut r = analyze::report(&m, &Options::default(), &[]);
    analyze::add_gpu(&mut r, &m, delegate_doctor::delegates::gpu::policy::Flavor::LiteRt, &Default::default());
    analyze::add_combined(&mut r, &m, &XnnpackOptions::default());
    let c = &r.gpu[0].combined.as_ref().unwrap().plan;
    let rows: Vec<(RunsOn, Vec<usize>)> = c.plan.iter().map(|r| (r.runs_on, r.row.nodes.clone().unwrap_or(vec![r.row.index]))).collect();
    assert_eq!(rows, vec![(RunsOn::Xnnpack, vec![0]), (RunsOn::Accelerator, vec![1]), (RunsOn::Xnnpack, vec![2, 3])]);
    assert_eq!(c.cpu_nodes, 0);
}

/// CONV_2D → TRANSPOSE with an INT64 permutation: NNAPI takes the CONV_2D, XNNPACK's detection
/// pass the TRANSPOSE, whose creation then fails (the permutation is read as int32 words).
fn conv_then_int64_transpose() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 4, 6, 2]));
    let w = b.add(const_f32("w", &[2, 1, 1, 2], &[0.5, -0.5, 1.0, 0.25]));
    let bias = b.add(const_f32("bias", &[2], &[0.0, 0.1]));
    let c = b.add(tensor("c", F32, &[1, 4, 6, 2]));
    b.op(Op::CONV_2D, &[x, w, bias], &[c]).options(opts!(Conv2DOptions { padding: fb::Padding::SAME, stride_w: 1, stride_h: 1 }));
    let perm = b.add(delegate_doctor::builder::const_i64("perm", &[4], &[0, 2, 1, 3]));
    let y = b.add(tensor("y", F32, &[1, 6, 4, 2]));
    b.op(Op::TRANSPOSE, &[c, perm], &[y]).options(opts!(TransposeOptions {}));
    b.output(y);
    b.finish()
}

#[test]
fn an_xnnpack_creation_failure_after_nnapi_undoes_every_delegate() {
    let c = combined_at(&conv_then_int64_transpose(), 27);
    assert_eq!(c.plan.xnnpack, XnnpackStep::Reverted, "{:?}", c.plan.reason);
    let reason = c.plan.reason.as_deref().unwrap();
    assert!(reason.contains("failed to delegate TRANSPOSE node #1") && reason.contains("as int32 words: [0, 0, 2, 0]"), "{reason}");
    assert!(c.plan.plan.iter().all(|r| r.runs_on == RunsOn::Cpu), "{:?}", c.plan.plan);
}
