//! The classic GPU delegate's whole plans (`policy::analyze(.., Flavor::Classic, ..)`), worked
//! out by hand from the source: no package ships the classic delegate for Linux. Lines cited are
//! of google-ai-edge/LiteRT f674579:
//! * model_builder.cc = tflite/delegates/gpu/common/model_builder.cc: `GetOpsToReplace`
//!   (3291-3392): the node check (3297-3349), the partition helper (3351-3363), the largest
//!   partitions (3367-3370) and the "Following operations are not supported" log (3372-3391);
//!   `BuildModelEnforceIO` (3486-3560), whose failure fails the kernel's Init.
//! * utils.cc = tflite/delegates/utils.cc: `PrepareSupportedNodes` (145-199: the logged set is a
//!   `std::set` of "OP: detail" lines), `GetFirstNLargestPartitions` (105-130), and
//!   `FP16GraphPartitionHelper` (201-320: Scenario 1 "full delegation" 206-214, Scenario 2 the
//!   largest partitions without the fp16 DEQUANTIZEs 215-229, the DEQUANTIZE refusal 239-254).
//! * delegate.cc = tflite/delegates/gpu/delegate.cc: `DelegatePrepare` (1526-1566: SPLIT and
//!   SPLIT_V excluded without OpenCL 1536-1540, "Created %d GPU delegate kernels." 1554), the
//!   kernel registration (1413-1438: "TfLiteGpuDelegate Init: …", "TfLiteGpuDelegate Prepare:
//!   delegate is not initialized"), `max_delegated_partitions <= 0` → 1 (238-240), the kernel
//!   count undone by a failed kernel's destructor (297-302).
//! * graph_info.cc = tflite/graph_info.cc: `PartitionGraphIntoIndependentNodeSubsetsImpl`: each
//!   epoch takes its type from the first ready node in index order and then every ready node of
//!   that type, greedily (`UpdateNode`, `BuildNodeSubset`); a subset's outputs are sorted by
//!   tensor index (`Uniquefy`).
//! * subgraph.cc = tflite/core/subgraph.cc: `ReplaceNodeSubsetsWithDelegateKernels` (565-590:
//!   nothing to replace → no "Replacing" line; delegate node N+k per partition),
//!   `ReportOpError` (90-98), `ModifyGraphWithDelegateImpl` (2500-2610: the plan is prepared
//!   again after the delegate, and restored on failure).
//! * benchmark_tflite_model.cc:1297: "Failed to apply GPU delegate.".
//!
//! Names in plan rows: "[output tensor names]:node index" (benchmark_model's run order).

use delegate_doctor::builder::{const_bytes, const_i32, tensor, ModelBuilder};
use delegate_doctor::delegates::gpu::policy::{self, Backend, Flavor, GpuAnalysis, GpuOptions};
use delegate_doctor::model::{self, BuiltinOperator as Op, TensorType as T};
use delegate_doctor::opts;
use delegate_doctor::plan::{Outcome, TieAtLimit};

const F32: T = T::FLOAT32;
const F16: T = T::FLOAT16;
const U8: T = T::UINT8;
const BOOL: T = T::BOOL;
const S: &[i32] = &[1, 8, 8, 3];

const NOT_SUPPORTED: &str = "ERROR: Following operations are not supported by GPU delegate:";

fn analyze(bytes: &[u8], flavor: Flavor, o: &GpuOptions) -> GpuAnalysis {
    let m = model::read(bytes).expect("the builder writes valid models");
    policy::analyze(&m, flavor, o)
}

fn classic(bytes: &[u8]) -> GpuAnalysis {
    analyze(bytes, Flavor::Classic, &GpuOptions::default())
}

fn with_partitions(n: i32) -> GpuOptions {
    GpuOptions { max_delegated_partitions: n, ..GpuOptions::default() }
}

/// The run order as (node type, name) pairs.
fn rows(a: &GpuAnalysis) -> Vec<(String, String)> {
    a.plan.iter().map(|r| (r.node_type.clone(), r.name.clone())).collect()
}

fn expected_rows(rows: &[(&str, &str)]) -> Vec<(String, String)> {
    rows.iter().map(|(t, n)| (t.to_string(), n.to_string())).collect()
}

/// (index, op, reasons) of every refused op.
fn refused(a: &GpuAnalysis) -> Vec<(usize, String, Vec<String>)> {
    a.refused.iter().map(|r| (r.index, r.op.clone(), r.reasons.clone())).collect()
}

fn refusal(index: usize, op: &str, reason: &str) -> (usize, String, Vec<String>) {
    (index, op.to_string(), vec![reason.to_string()])
}

fn lines(l: &[&str]) -> Vec<String> {
    l.iter().map(|s| s.to_string()).collect()
}

/// `ops` unary ops in a chain from the graph input x (float [1,8,8,3]); a name starting with
/// "custom:" is a custom op. Tensor i+1 is the output of op i, named after `names[i]`.
fn chain(ops: &[(&str, &str)]) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let mut prev = b.input(tensor("x", F32, S));
    for (op, name) in ops {
        let out = b.add(tensor(name, F32, S));
        match op.strip_prefix("custom:") {
            Some(custom) => b.custom_op(custom, &[prev], &[out]),
            None => b.op(op_code(op), &[prev], &[out]),
        };
        prev = out;
    }
    b.output(prev);
    b.finish()
}

fn op_code(name: &str) -> Op {
    match name {
        "ABS" => Op::ABS,
        "L2_NORMALIZATION" => Op::L2_NORMALIZATION,
        other => panic!("no such op in these tests: {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// ADD/MUL broadcasting under kStandard.

/// x → ABS → ABS → ADD(·, y) → MUL(·, y) → ABS, with y float [8,3].
fn broadcast_model() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, S));
    let y = b.input(tensor("y", F32, &[8, 3]));
    let t: Vec<i32> = ["a0", "a1", "b", "c", "z"].iter().map(|n| b.add(tensor(n, F32, S))).collect();
    b.op(Op::ABS, &[x], &[t[0]]);
    b.op(Op::ABS, &[t[0]], &[t[1]]);
    b.op(Op::ADD, &[t[1], y], &[t[2]]);
    b.op(Op::MUL, &[t[2], y], &[t[3]]);
    b.op(Op::ABS, &[t[3]], &[t[4]]);
    b.output(t[4]);
    b.finish()
}

#[test]
fn add_and_mul_broadcasts_refused_under_standard_split_the_graph() {
    // The classic delegate's IsSupported calls CheckGpuDelegateCompatibility with kStandard
    // (gpu_compatibility.h:48-51): [1,8,8,3] with [8,3] is no broadcast it knows
    // (gpu_compatibility.cc:484-527), so ADD and MUL are refused and logged (utils.cc:189-193).
    // Supported {0,1,4}; partitions (graph_info.cc) {0,1} and {4}; the largest is {0,1}
    // (utils.cc:105-130, default max_delegated_partitions 1). Final plan: epoch 0 = {0,1} on the
    // GPU (its output a1 is read by ADD), epoch 1 = {2,3,4} on the CPU; delegate node 5+0.
    let a = classic(&broadcast_model());
    let add = "Doesn't support broadcasting - input0: [1,8,8,3], input1: [8,3]";
    assert_eq!(a.outcome, Outcome::Partial);
    assert_eq!((a.total_nodes, a.delegated_nodes, a.delegate_kernels, a.partitions), (5, 2, 1, 2));
    assert_eq!(
        rows(&a),
        expected_rows(&[("TfLiteGpuDelegateV2", "[a1]:5"), ("ADD", "[b]:2"), ("MUL", "[c]:3"), ("ABS", "[z]:4")])
    );
    assert_eq!(refused(&a), vec![refusal(2, "ADD", add), refusal(3, "MUL", add)]);
    // model_builder.cc:3372-3391: the set, then the GPU/CPU counts of num_total_nodes (5).
    assert_eq!(
        a.log,
        lines(&[
            NOT_SUPPORTED,
            "ADD: Doesn't support broadcasting - input0: [1,8,8,3], input1: [8,3]",
            "MUL: Doesn't support broadcasting - input0: [1,8,8,3], input1: [8,3]",
            "2 operations will run on the GPU, and the remaining 3 operations will run on the CPU.",
            "Replacing 2 out of 5 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 2 partitions for subgraph 0 ().",
            "Created 1 GPU delegate kernels.",
        ])
    );
    assert!(!a.tie_at_limit);

    // With two partitions allowed both are kept: GPU {0,1}, CPU {2,3}, GPU {4} (node 6).
    let two = analyze(&broadcast_model(), Flavor::Classic, &with_partitions(2));
    assert_eq!(
        rows(&two),
        expected_rows(&[
            ("TfLiteGpuDelegateV2", "[a1]:5"),
            ("ADD", "[b]:2"),
            ("MUL", "[c]:3"),
            ("TfLiteGpuDelegateV2", "[z]:6"),
        ])
    );
    assert_eq!(
        two.log[3..],
        lines(&[
            "3 operations will run on the GPU, and the remaining 2 operations will run on the CPU.",
            "Replacing 3 out of 5 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 3 partitions for subgraph 0 ().",
            "Created 2 GPU delegate kernels.",
        ])
    );
    assert_eq!((two.delegated_nodes, two.delegate_kernels, two.partitions), (3, 2, 3));
}

// ---------------------------------------------------------------------------------------------
// Rank-5 tensors.

/// Optionally x4 → ABS → a (float [1,8,8,3]); then ADD(x5, y5) → s, ADD(s, y5) → t, rank 5.
fn rank5_model(with_abs: bool) -> Vec<u8> {
    const S5: &[i32] = &[1, 2, 2, 2, 3];
    let mut b = ModelBuilder::new();
    if with_abs {
        let x4 = b.input(tensor("x4", F32, S));
        let a = b.add(tensor("a", F32, S));
        b.op(Op::ABS, &[x4], &[a]);
        b.output(a);
    }
    let x5 = b.input(tensor("x5", F32, S5));
    let y5 = b.input(tensor("y5", F32, S5));
    let s = b.add(tensor("s", F32, S5));
    let t = b.add(tensor("t", F32, S5));
    b.op(Op::ADD, &[x5, y5], &[s]);
    b.op(Op::ADD, &[s, y5], &[t]);
    b.output(t);
    b.finish()
}

#[test]
fn rank_5_tensors_stay_on_the_cpu() {
    // IsAllAllowedTensors refuses any tensor of rank ≥ 5 (model_builder.cc:3062), after the op
    // itself passed (same ranks: no broadcast check). The two ADD lines are equal, so the set
    // holds one (utils.cc:189-193). Supported {0}: one partition {0}; final plan epoch 0 = {0}
    // (node 0 is the first ready node), epoch 1 = {1,2}.
    let tensor_line = "ADD: OP is supported, but tensor type/shape isn't compatible.";
    let a = classic(&rank5_model(true));
    assert_eq!(a.outcome, Outcome::Partial);
    assert_eq!(rows(&a), expected_rows(&[("TfLiteGpuDelegateV2", "[a]:3"), ("ADD", "[s]:1"), ("ADD", "[t]:2")]));
    let detail = "OP is supported, but tensor type/shape isn't compatible.";
    assert_eq!(refused(&a), vec![refusal(1, "ADD", detail), refusal(2, "ADD", detail)]);
    assert_eq!(
        a.log,
        lines(&[
            NOT_SUPPORTED,
            tensor_line,
            "1 operations will run on the GPU, and the remaining 2 operations will run on the CPU.",
            "Replacing 1 out of 3 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 2 partitions for subgraph 0 ().",
            "Created 1 GPU delegate kernels.",
        ])
    );

    // Only the rank-5 ops: nothing to replace, the "No operations" wording (3385-3388), no
    // "Replacing" line (subgraph.cc:565-567), and still the kernel count (delegate.cc:1554).
    let none = classic(&rank5_model(false));
    assert_eq!(none.outcome, Outcome::None);
    assert_eq!(rows(&none), expected_rows(&[("ADD", "[s]:0"), ("ADD", "[t]:1")]));
    assert_eq!((none.delegated_nodes, none.delegate_kernels), (0, 0));
    assert_eq!(
        none.log,
        lines(&[
            NOT_SUPPORTED,
            tensor_line,
            "No operations will run on the GPU, and all 2 operations will run on the CPU.",
            "Created 0 GPU delegate kernels.",
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Comparisons feeding CAST / SELECT.

/// x, y float [1,2,2,3] → LESS → bool m → `next`(m[, x, y]) → out → ABS → z; with
/// `second_cast`, another CAST(m) → out2 → ABS → z2.
fn comparison_model(next: Op, second_cast: bool) -> Vec<u8> {
    const S4: &[i32] = &[1, 2, 2, 3];
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, S4));
    let y = b.input(tensor("y", F32, S4));
    let m = b.add(tensor("m", BOOL, S4));
    let out = b.add(tensor("out", F32, S4));
    let z = b.add(tensor("z", F32, S4));
    b.op(Op::LESS, &[x, y], &[m]);
    match next {
        Op::SELECT_V2 => b.op(next, &[m, x, y], &[out]),
        _ => b.op(next, &[m], &[out]),
    };
    b.op(Op::ABS, &[out], &[z]);
    b.output(z);
    if second_cast {
        let out2 = b.add(tensor("out2", F32, S4));
        let z2 = b.add(tensor("z2", F32, S4));
        b.op(Op::CAST, &[m], &[out2]);
        b.op(Op::ABS, &[out2], &[z2]);
        b.output(z2);
    }
    b.finish()
}

#[test]
fn a_comparison_with_one_cast_or_select_consumer_is_fully_delegated() {
    // LESS with one consumer, a CAST/SELECT_V2 with a float output (model_builder.cc:1073-1089),
    // the CAST's bool input from that comparison (380-409); bool allowed as a logical op's
    // output and as CAST/SELECT_V2 input (3318-3335). Every node supported: Scenario 1 takes all
    // (utils.cc:206-214), no log block (3372: no node left on the CPU).
    for next in [Op::CAST, Op::SELECT_V2] {
        let a = classic(&comparison_model(next, false));
        assert_eq!(a.outcome, Outcome::Full, "{next:?}");
        assert_eq!(rows(&a), expected_rows(&[("TfLiteGpuDelegateV2", "[z]:3")]));
        assert!(a.refused.is_empty());
        assert_eq!(
            a.log,
            lines(&[
                "Replacing 3 out of 3 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 1 partitions for subgraph 0 ().",
                "Created 1 GPU delegate kernels.",
            ])
        );
    }
}

#[test]
fn a_comparison_with_two_readers_leaves_both_casts_on_the_cpu() {
    // Two readers of m: LESS is refused (1077-1079) and each CAST sees two consumers of its bool
    // input (392-395). Supported {2,4}. graph_info.cc: epoch 0 starts at node 0 (CPU) and takes
    // 0, 1 and 3 (3 is ready once 0 ran); epoch 1 takes 2 and 4 together: one partition of 2
    // nodes, outputs z (4) and z2 (6) sorted by index.
    let a = classic(&comparison_model(Op::CAST, true));
    assert_eq!(a.outcome, Outcome::Partial);
    assert_eq!(
        rows(&a),
        expected_rows(&[
            ("LESS", "[m]:0"),
            ("CAST", "[out]:1"),
            ("CAST", "[out2]:3"),
            ("TfLiteGpuDelegateV2", "[z, z2]:5"),
        ])
    );
    assert_eq!(
        refused(&a),
        vec![
            refusal(0, "LESS", "Not supported logical op case"),
            refusal(1, "CAST", "Not supported cast case"),
            refusal(3, "CAST", "Not supported cast case"),
        ]
    );
    assert_eq!(
        a.log,
        lines(&[
            NOT_SUPPORTED,
            "CAST: Not supported cast case",
            "LESS: Not supported logical op case",
            "2 operations will run on the GPU, and the remaining 3 operations will run on the CPU.",
            "Replacing 2 out of 5 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 2 partitions for subgraph 0 ().",
            "Created 1 GPU delegate kernels.",
        ])
    );
    assert!(!a.tie_at_limit);
}

// ---------------------------------------------------------------------------------------------
// fp16-weight models: FP16GraphPartitionHelper's two scenarios.

/// x → CONV_2D(x, DEQUANTIZE(fp16 w16) → w, DEQUANTIZE(fp16 b16) → b) → y, optionally
/// → L2_NORMALIZATION → z (refused: no parser, model_builder.cc:3034-3038).
fn fp16_conv(refused_tail: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, S));
    let w16 = b.add(const_bytes("w16", F16, &[4, 1, 1, 3], &[0x3c; 24]));
    let b16 = b.add(const_bytes("b16", F16, &[4], &[0; 8]));
    let w = b.add(tensor("w", F32, &[4, 1, 1, 3]));
    let bias = b.add(tensor("b", F32, &[4]));
    let y = b.add(tensor("y", F32, &[1, 8, 8, 4]));
    b.op(Op::DEQUANTIZE, &[w16], &[w]);
    b.op(Op::DEQUANTIZE, &[b16], &[bias]);
    b.op(Op::CONV_2D, &[x, w, bias], &[y]).options(opts!(Conv2DOptions { stride_w: 1, stride_h: 1 }));
    if refused_tail {
        let z = b.add(tensor("z", F32, &[1, 8, 8, 4]));
        b.op(Op::L2_NORMALIZATION, &[y], &[z]);
        b.output(z);
    } else {
        b.output(y);
    }
    b.finish()
}

#[test]
fn fp16_scenario_1_delegates_every_node_including_the_dequantizes() {
    // The two DEQUANTIZEs of constant fp16 tensors are refused with an empty detail
    // (utils.cc:239-254), CONV_2D is checked reading the fp16 constants (262-275) and supported:
    // 1 supported + 2 fp16 DEQUANTIZEs = 3 nodes, Scenario 1: all three are replaced
    // (206-214). All nodes are chosen, so the log block is skipped although the set holds
    // "DEQUANTIZE: " (model_builder.cc:3372-3373). Init skips the DEQUANTIZEs (3500-3508).
    for flavor in [Flavor::Classic, Flavor::LiteRt] {
        let a = analyze(&fp16_conv(false), flavor, &GpuOptions::default());
        let kernel = if flavor == Flavor::Classic { "TfLiteGpuDelegateV2" } else { "LITERT_CL" };
        assert_eq!(a.outcome, Outcome::Full, "{flavor:?}");
        assert_eq!((a.total_nodes, a.delegated_nodes, a.delegate_kernels), (3, 3, 1));
        assert_eq!(rows(&a), expected_rows(&[(kernel, "[y]:3")]));
        assert!(a.refused.is_empty());
        assert!(!a.log.iter().any(|l| l.starts_with("ERROR")), "{:?}", a.log);
        assert_eq!(
            a.log[0],
            format!("Replacing 3 out of 3 node(s) with delegate ({kernel}) node, yielding 1 partitions for subgraph 0 ().")
        );
    }
    assert_eq!(classic(&fp16_conv(false)).log[1..], lines(&["Created 1 GPU delegate kernels."]));
}

#[test]
fn fp16_scenario_2_keeps_the_dequantizes_on_the_cpu() {
    // A refused L2_NORMALIZATION besides: 1 + 2 ≠ 4, Scenario 2: the largest partition {2}
    // (utils.cc:215-229) without the DEQUANTIZEs; CONV_2D is rewired to read the fp16 constants
    // (231-232), so in the final partitioning (graph_info.cc) epoch 0 = the DEQUANTIZEs {0,1},
    // epoch 1 = {2} (ready on x and the constants), epoch 2 = {3}.
    let a = classic(&fp16_conv(true));
    assert_eq!(a.outcome, Outcome::Partial);
    assert_eq!(
        rows(&a),
        expected_rows(&[
            ("DEQUANTIZE", "[w]:0"),
            ("DEQUANTIZE", "[b]:1"),
            ("TfLiteGpuDelegateV2", "[y]:4"),
            ("L2_NORMALIZATION", "[z]:3"),
        ])
    );
    assert_eq!(
        refused(&a),
        vec![
            refusal(0, "DEQUANTIZE", ""),
            refusal(1, "DEQUANTIZE", ""),
            refusal(3, "L2_NORMALIZATION", "Operation is not supported."),
        ]
    );
    assert_eq!(
        a.log,
        lines(&[
            NOT_SUPPORTED,
            "DEQUANTIZE: ",
            "L2_NORMALIZATION: Operation is not supported.",
            "1 operations will run on the GPU, and the remaining 3 operations will run on the CPU.",
            "Replacing 1 out of 4 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 3 partitions for subgraph 0 ().",
            "Created 1 GPU delegate kernels.",
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// SPLIT with the OpenGL backend.

/// x → ABS → a → SPLIT(axis 3) → s0, s1 → ABS each → z0, z1.
fn split_model() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 4, 4, 6]));
    let axis = b.add(const_i32("axis", &[], &[3]));
    let a = b.add(tensor("a", F32, &[1, 4, 4, 6]));
    let s: Vec<i32> = ["s0", "s1"].iter().map(|n| b.add(tensor(n, F32, &[1, 4, 4, 3]))).collect();
    let z: Vec<i32> = ["z0", "z1"].iter().map(|n| b.add(tensor(n, F32, &[1, 4, 4, 3]))).collect();
    b.op(Op::ABS, &[x], &[a]);
    b.op(Op::SPLIT, &[axis, a], &s).options(opts!(SplitOptions { num_splits: 2 }));
    b.op(Op::ABS, &[s[0]], &[z[0]]);
    b.op(Op::ABS, &[s[1]], &[z[1]]);
    b.output(z[0]).output(z[1]);
    b.finish()
}

#[test]
fn split_is_refused_with_the_gl_backend() {
    // OpenCL: everything supported, Scenario 1, one kernel with outputs z0, z1.
    let cl = classic(&split_model());
    assert_eq!(cl.outcome, Outcome::Full);
    assert_eq!(rows(&cl), expected_rows(&[("TfLiteGpuDelegateV2", "[z0, z1]:4")]));
    // GL only: SPLIT is an excluded op (delegate.cc:1536-1540), so NewOperationParser gives the
    // unsupported parser (model_builder.cc:3084-3088). Partitions {0} and {2,3} (both ready
    // after SPLIT, one epoch); the largest is {2,3}. Final: epoch 0 = {0,1} on the CPU (1 is
    // ready once 0 ran), epoch 1 = {2,3}.
    let gl = analyze(&split_model(), Flavor::Classic, &GpuOptions { backend: Backend::Gl, ..GpuOptions::default() });
    assert_eq!(gl.outcome, Outcome::Partial);
    assert_eq!(
        rows(&gl),
        expected_rows(&[("ABS", "[a]:0"), ("SPLIT", "[s0, s1]:1"), ("TfLiteGpuDelegateV2", "[z0, z1]:4")])
    );
    assert_eq!(refused(&gl), vec![refusal(1, "SPLIT", "Operation is not supported.")]);
    assert_eq!(
        gl.log,
        lines(&[
            NOT_SUPPORTED,
            "SPLIT: Operation is not supported.",
            "2 operations will run on the GPU, and the remaining 2 operations will run on the CPU.",
            "Replacing 2 out of 4 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 2 partitions for subgraph 0 ().",
            "Created 1 GPU delegate kernels.",
        ])
    );
    assert!(gl.assumptions.iter().any(|s| s.contains("SPLIT and SPLIT_V are excluded")));
}

// ---------------------------------------------------------------------------------------------
// Custom ops and tied partitions.

/// ABS ABS MyOp ABS ABS MyOp ABS ABS: three GPU partitions of two nodes each.
fn tied_model() -> Vec<u8> {
    chain(&[
        ("ABS", "a0"),
        ("ABS", "a1"),
        ("custom:MyOp", "c2"),
        ("ABS", "a3"),
        ("ABS", "a4"),
        ("custom:MyOp", "c5"),
        ("ABS", "a6"),
        ("ABS", "a7"),
    ])
}

#[test]
fn custom_ops_split_the_graph_into_tied_partitions() {
    // A custom op other than the four known ones gets the open-source build's unimplemented
    // parser, whose detail is the custom name (model_builder.cc:3283); GetOpNameByRegistration
    // prints "CUSTOM MyOp" (tflite/util.cc:185-194); the CPU row's type is the custom name.
    let ties = [[0, 1], [3, 4], [6, 7]].iter().map(|p| p.to_vec()).collect::<Vec<_>>();
    let myop = |i| refusal(i, "MyOp", "MyOp");

    // Limit 1 (also what 0 and negative values mean, delegate.cc:238-240): the three partitions
    // are equal, so std::sort's order of equals decides (utils.cc:111-116); the small-array
    // insertion sort keeps plan order, so {0,1}. Final plan: epoch 0 = {0,1}, then the rest.
    for limit in [1, 0, -3] {
        let a = analyze(&tied_model(), Flavor::Classic, &with_partitions(limit));
        assert!(a.tie_at_limit, "limit {limit}");
        assert_eq!(a.tie, Some(TieAtLimit { limit: 1, size: 2, partitions: ties.clone(), kept: 1 }));
        assert_eq!(
            rows(&a),
            expected_rows(&[
                ("TfLiteGpuDelegateV2", "[a1]:8"),
                ("MyOp", "[c2]:2"),
                ("ABS", "[a3]:3"),
                ("ABS", "[a4]:4"),
                ("MyOp", "[c5]:5"),
                ("ABS", "[a6]:6"),
                ("ABS", "[a7]:7"),
            ])
        );
        assert_eq!(refused(&a), vec![myop(2), myop(5)]);
        assert_eq!(
            a.log,
            lines(&[
                NOT_SUPPORTED,
                "CUSTOM MyOp: MyOp",
                "2 operations will run on the GPU, and the remaining 6 operations will run on the CPU.",
                "Replacing 2 out of 8 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 2 partitions for subgraph 0 ().",
                "Created 1 GPU delegate kernels.",
            ])
        );
    }

    // Limit 2: still a tie (the 2nd and 3rd are equal); {0,1} and {3,4} kept.
    let two = analyze(&tied_model(), Flavor::Classic, &with_partitions(2));
    assert_eq!(two.tie, Some(TieAtLimit { limit: 2, size: 2, partitions: ties.clone(), kept: 2 }));
    assert_eq!(
        rows(&two),
        expected_rows(&[
            ("TfLiteGpuDelegateV2", "[a1]:8"),
            ("MyOp", "[c2]:2"),
            ("TfLiteGpuDelegateV2", "[a4]:9"),
            ("MyOp", "[c5]:5"),
            ("ABS", "[a6]:6"),
            ("ABS", "[a7]:7"),
        ])
    );
    assert_eq!(
        two.log[2..],
        lines(&[
            "4 operations will run on the GPU, and the remaining 4 operations will run on the CPU.",
            "Replacing 4 out of 8 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 4 partitions for subgraph 0 ().",
            "Created 2 GPU delegate kernels.",
        ])
    );
    assert_eq!((two.delegated_nodes, two.delegate_kernels, two.partitions), (4, 2, 4));

    // Limit 3: every partition kept, no tie.
    let three = analyze(&tied_model(), Flavor::Classic, &with_partitions(3));
    assert!(!three.tie_at_limit);
    assert_eq!(three.tie, None);
    assert_eq!(
        rows(&three),
        expected_rows(&[
            ("TfLiteGpuDelegateV2", "[a1]:8"),
            ("MyOp", "[c2]:2"),
            ("TfLiteGpuDelegateV2", "[a4]:9"),
            ("MyOp", "[c5]:5"),
            ("TfLiteGpuDelegateV2", "[a7]:10"),
        ])
    );
    assert_eq!(three.log.last().map(String::as_str), Some("Created 3 GPU delegate kernels."));
}

#[test]
fn unequal_partitions_are_no_tie() {
    // ABS ABS MyOp ABS: partitions {0,1} and {3}; the limit does not cut between equals.
    let a = classic(&chain(&[("ABS", "a0"), ("ABS", "a1"), ("custom:MyOp", "c2"), ("ABS", "a3")]));
    assert!(!a.tie_at_limit);
    assert_eq!(rows(&a), expected_rows(&[("TfLiteGpuDelegateV2", "[a1]:4"), ("MyOp", "[c2]:2"), ("ABS", "[a3]:3")]));
}

// ---------------------------------------------------------------------------------------------
// Quantized models with quant on and off.

/// x → QUANTIZE → q (uint8) → CONV_2D(q, uint8 w, int32 b) → yq (uint8) → DEQUANTIZE → y.
fn quantized_model() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, S));
    let q = b.add(tensor("q", U8, S).quant(0.5, 128));
    let w = b.add(const_bytes("w", U8, &[4, 1, 1, 3], &[1; 12]).quant(0.1, 0));
    let bias = b.add(const_i32("bias", &[4], &[0; 4]).quant(0.05, 0));
    let yq = b.add(tensor("yq", U8, &[1, 8, 8, 4]).quant(0.5, 128));
    let y = b.add(tensor("y", F32, &[1, 8, 8, 4]));
    b.op(Op::QUANTIZE, &[x], &[q]);
    b.op(Op::CONV_2D, &[q, w, bias], &[yq]).options(opts!(Conv2DOptions { stride_w: 1, stride_h: 1 }));
    b.op(Op::DEQUANTIZE, &[yq], &[y]);
    b.output(y);
    b.finish()
}

#[test]
fn quantized_models_with_quant_on_and_off() {
    // Quant on (the default): QUANTIZE and DEQUANTIZE have parsers (model_builder.cc:3115-3119,
    // 3203-3207), uint8 runtime tensors are allowed (3311-3317); the constants are not
    // type-checked. All supported: one kernel.
    let on = classic(&quantized_model());
    assert_eq!(on.outcome, Outcome::Full);
    assert_eq!(rows(&on), expected_rows(&[("TfLiteGpuDelegateV2", "[y]:3")]));
    assert!(on.refused.is_empty());
    // Quant off: the two conversions have no parser, the CONV_2D's uint8 tensors fail
    // IsAllAllowedTensors; nothing runs on the GPU.
    let off = analyze(&quantized_model(), Flavor::Classic, &GpuOptions { enable_quant: false, ..GpuOptions::default() });
    assert_eq!(off.outcome, Outcome::None);
    assert_eq!(rows(&off), expected_rows(&[("QUANTIZE", "[q]:0"), ("CONV_2D", "[yq]:1"), ("DEQUANTIZE", "[y]:2")]));
    assert_eq!(
        refused(&off),
        vec![
            refusal(0, "QUANTIZE", "Operation is not supported."),
            refusal(1, "CONV_2D", "OP is supported, but tensor type/shape isn't compatible."),
            refusal(2, "DEQUANTIZE", "Operation is not supported."),
        ]
    );
    assert_eq!(
        off.log,
        lines(&[
            NOT_SUPPORTED,
            "CONV_2D: OP is supported, but tensor type/shape isn't compatible.",
            "DEQUANTIZE: Operation is not supported.",
            "QUANTIZE: Operation is not supported.",
            "No operations will run on the GPU, and all 3 operations will run on the CPU.",
            "Created 0 GPU delegate kernels.",
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// DIV(x, x): accepted, then Init fails.

const DIV_PARSE: &str = "DIV: No support of few identical inputs in the same operation.";

/// x → ABS → a → DIV(a, a) → d → ABS → z.
fn div_model() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, S));
    let t: Vec<i32> = ["a", "d", "z"].iter().map(|n| b.add(tensor(n, F32, S))).collect();
    b.op(Op::ABS, &[x], &[t[0]]);
    b.op(Op::DIV, &[t[0], t[0]], &[t[1]]);
    b.op(Op::ABS, &[t[1]], &[t[2]]);
    b.output(t[2]);
    b.finish()
}

#[test]
fn div_of_a_tensor_by_itself_makes_the_delegate_fail() {
    // DIV's IsSupported passes (two runtime inputs), so all three nodes form one kernel; its
    // Init parses them in order and DIV's Parse refuses identical inputs (model_builder.cc:
    // 1128-1143), returned as "DIV: …" (3540-3543) and logged by Init (delegate.cc:1422). The
    // kernel's count is undone (297-302): "Created 0". The interpreter then prepares the plan:
    // delegate node 3 has no user data (1433-1438, subgraph.cc:90-98), the plan is restored
    // (subgraph.cc:2507-2513) and benchmark_model gives up.
    let a = classic(&div_model());
    assert_eq!(a.outcome, Outcome::Fails);
    assert!(a.plan.is_empty());
    assert_eq!((a.delegated_nodes, a.delegate_kernels), (0, 0));
    let f = a.failure.as_ref().expect("a failure");
    assert_eq!(f.message, "Failed to apply GPU delegate.");
    assert_eq!(f.op_index, Some(1));
    assert_eq!(f.reason, format!("op 1 was accepted, but building the GPU model fails: {DIV_PARSE}"));
    assert_eq!(
        a.log,
        lines(&[
            "Replacing 3 out of 3 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 1 partitions for subgraph 0 ().",
            &format!("TfLiteGpuDelegate Init: {DIV_PARSE}"),
            "Created 0 GPU delegate kernels.",
            "TfLiteGpuDelegate Prepare: delegate is not initialized",
            "Node number 3 (TfLiteGpuDelegateV2) failed to prepare.",
            "Restored original execution plan after delegate application failure.",
            "Failed to apply GPU delegate.",
        ])
    );
}

#[test]
fn one_failing_kernel_of_two_fails_the_delegate() {
    // DIV(x, x) → MyOp → ABS with two partitions allowed: kernels {0} (node 3) and {2} (node 4).
    // Only the first one's Init fails: "Created 1"; preparing node 3 fails.
    let a = analyze(&div_then_custom(), Flavor::Classic, &with_partitions(2));
    assert_eq!(a.outcome, Outcome::Fails);
    assert_eq!(a.failure.as_ref().and_then(|f| f.op_index), Some(0));
    assert_eq!(
        a.log,
        lines(&[
            NOT_SUPPORTED,
            "CUSTOM MyOp: MyOp",
            "2 operations will run on the GPU, and the remaining 1 operations will run on the CPU.",
            "Replacing 2 out of 3 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 3 partitions for subgraph 0 ().",
            &format!("TfLiteGpuDelegate Init: {DIV_PARSE}"),
            "Created 1 GPU delegate kernels.",
            "TfLiteGpuDelegate Prepare: delegate is not initialized",
            "Node number 3 (TfLiteGpuDelegateV2) failed to prepare.",
            "Restored original execution plan after delegate application failure.",
            "Failed to apply GPU delegate.",
        ])
    );
    // With the default single partition the tie {0} vs {2} keeps {0} (plan order): the same
    // failure. (A failed analysis flags no tie, as the NNAPI one does not.)
    let one = analyze(&div_then_custom(), Flavor::Classic, &GpuOptions::default());
    assert_eq!(one.outcome, Outcome::Fails);
    assert_eq!(one.failure.as_ref().and_then(|f| f.op_index), Some(0));
    assert!(!one.tie_at_limit);
}

/// x → DIV(x, x) → d → MyOp → c → ABS → z.
fn div_then_custom() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, S));
    let t: Vec<i32> = ["d", "c", "z"].iter().map(|n| b.add(tensor(n, F32, S))).collect();
    b.op(Op::DIV, &[x, x], &[t[0]]);
    b.custom_op("MyOp", &[t[0]], &[t[1]]);
    b.op(Op::ABS, &[t[1]], &[t[2]]);
    b.output(t[2]);
    b.finish()
}

#[test]
fn a_partition_input_that_cannot_be_read_fails_init_before_any_parse() {
    // PrecreateInputTensors (model_builder.cc:3400-3412) reads every non-constant input of the
    // partition before the nodes are parsed: a scalar graph input has no layout
    // (model_builder_helper.cc:97-121), and the message names no op.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[]));
    let y = b.input(tensor("y", F32, &[1]));
    let s = b.add(tensor("s", F32, &[1]));
    b.op(Op::ADD, &[x, y], &[s]);
    b.output(s);
    let a = classic(&b.finish());
    assert_eq!(a.outcome, Outcome::Fails);
    let f = a.failure.as_ref().expect("a failure");
    assert_eq!(f.op_index, None);
    assert!(a.log.contains(&"TfLiteGpuDelegate Init: Tensor \"x\" has bad input dims size: 0.".to_string()), "{:?}", a.log);
}

// ---------------------------------------------------------------------------------------------
// The CLI's text for one of them.

#[test]
fn cli_text_for_the_gl_split_model() {
    let dir = std::env::temp_dir().join(format!("dd-gpu-plans-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("split.tflite");
    std::fs::write(&path, split_model()).expect("write model");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_delegate-doctor"))
        .args(["analyze", path.to_str().expect("utf-8"), "--delegate", "gpu", "--gpu-backend", "gl"])
        .env_remove("DD_READ")
        .output()
        .expect("run the CLI");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    for line in [
        "TFLite GPU delegate (--gpu-backend gl, --gpu-experimental-enable-quant=true, --max-delegated-partitions 1)",
        "  log: ERROR: Following operations are not supported by GPU delegate:",
        "  log: SPLIT: Operation is not supported.",
        "  log: 2 operations will run on the GPU, and the remaining 2 operations will run on the CPU.",
        "  log: Created 1 GPU delegate kernels.",
        "\t     TfLiteGpuDelegateV2\t[z0, z1]:4",
        "\t                     ABS\t[a]:0",
        "\t                   SPLIT\t[s0, s1]:1",
        "Ops refused by the GPU delegate (1):",
        "Assumed: the GPU backend is OpenGL ES only (SPLIT and SPLIT_V are excluded).",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in:\n{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Every subgraph but validation ones (interpreter.cc ModifyGraphWithDelegateImpl).

/// ADD → WHILE(cond: LESS(x, 10) all-GPU, body: ADD(x, L2_NORMALIZATION(x))) → ADD, plus a
/// validation subgraph with an L2_NORMALIZATION that must not be analysed.
fn while_model() -> Vec<u8> {
    use delegate_doctor::builder::const_f32;
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, S));
    let t: Vec<i32> = ["a", "w", "y"].iter().map(|n| b.add(tensor(n, F32, S))).collect();
    b.op(Op::ADD, &[x, x], &[t[0]]).options(opts!(AddOptions {}));
    b.op(Op::WHILE, &[t[0]], &[t[1]]).options(opts!(WhileOptions { cond_subgraph_index: 1, body_subgraph_index: 2 }));
    b.op(Op::ADD, &[t[1], t[1]], &[t[2]]).options(opts!(AddOptions {}));
    b.output(t[2]);
    b.subgraph("cond");
    let ci = b.input(tensor("ci", F32, &[1]));
    let limit = b.add(const_f32("limit", &[1], &[10.0]));
    let more = b.add(tensor("more", BOOL, &[1]));
    b.op(Op::LESS, &[ci, limit], &[more]);
    b.output(more);
    b.subgraph("body");
    let bi = b.input(tensor("bi", F32, S));
    let n = b.add(tensor("n", F32, S));
    let bo = b.add(tensor("bo", F32, S));
    b.op(Op::L2_NORMALIZATION, &[bi], &[n]).options(opts!(L2NormOptions {}));
    b.op(Op::ADD, &[bi, n], &[bo]).options(opts!(AddOptions {}));
    b.output(bo);
    b.subgraph("VALIDATION:check");
    let vi = b.input(tensor("vi", F32, S));
    let vo = b.add(tensor("vo", F32, S));
    b.op(Op::L2_NORMALIZATION, &[vi], &[vo]).options(opts!(L2NormOptions {}));
    b.output(vo);
    b.finish()
}

#[test]
fn every_subgraph_but_validation_ones_is_planned_in_order() {
    let a = analyze(&while_model(), Flavor::LiteRt, &GpuOptions::default());
    let others: Vec<(usize, &str, usize, usize)> =
        a.other_subgraphs.iter().map(|s| (s.index, s.name.as_str(), s.delegated_nodes, s.plan.len())).collect();
    assert_eq!(others, vec![(1, "cond", 1, 1), (2, "body", 1, 2)]);
    assert_eq!(a.other_subgraphs[1].refused.iter().map(|r| r.op.as_str()).collect::<Vec<_>>(), vec!["L2_NORMALIZATION"]);
    // The primary subgraph's block and line first, then cond's, then body's.
    assert_eq!(
        a.log,
        lines(&[
            NOT_SUPPORTED,
            "WHILE: Operation is not supported.",
            "1 operations will run on the GPU, and the remaining 2 operations will run on the CPU.",
            "Replacing 1 out of 3 node(s) with delegate (LITERT_CL) node, yielding 2 partitions for subgraph 0 ().",
            "Replacing 1 out of 1 node(s) with delegate (LITERT_CL) node, yielding 1 partitions for subgraph 1 (cond).",
            NOT_SUPPORTED,
            "L2_NORMALIZATION: Operation is not supported.",
            "1 operations will run on the GPU, and the remaining 1 operations will run on the CPU.",
            "Replacing 1 out of 2 node(s) with delegate (LITERT_CL) node, yielding 2 partitions for subgraph 2 (body).",
        ])
    );
    assert_eq!(a.other_subgraphs[0].log, a.log[4..5].to_vec());
    assert_eq!(a.outcome, Outcome::Partial);
    assert_eq!((a.delegated_nodes, a.total_nodes), (1, 3), "the top-level fields stay the primary subgraph's");
}

/// The text report lists the other subgraphs after the primary one's refusals (the JSON has them
/// in `other_subgraphs`): their figures, run order and refused ops; the validation subgraph is not
/// among them. The rows' names are the primary subgraph's tensors of the same indices, as
/// benchmark_model prints them (`plan::RowNames`).
#[test]
fn cli_text_lists_the_other_subgraphs() {
    let dir = std::env::temp_dir().join(format!("dd-gpu-plans-while-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("while.tflite");
    std::fs::write(&path, while_model()).expect("write model");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_delegate-doctor"))
        .args(["analyze", path.to_str().expect("utf-8"), "--delegate", "litert-gpu"])
        .env_remove("DD_READ")
        .output()
        .expect("run the CLI");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let expected_tail = "
Ops refused by the LiteRT GPU accelerator (1):
     1  WHILE v1
          - Operation is not supported.

Subgraph 1 (cond): 1 of 1 node in 1 GPU kernel, 1 partition.

============================== Run Order ==============================
\t             [node type]\t[Name]
\t               LITERT_CL\t[w]:1

Subgraph 2 (body): 1 of 2 nodes in 1 GPU kernel, 2 partitions.

============================== Run Order ==============================
\t             [node type]\t[Name]
\t        L2_NORMALIZATION\t[a]:0
\t               LITERT_CL\t[w]:2

Ops refused by the LiteRT GPU accelerator in subgraph 2 (1):
     0  L2_NORMALIZATION v1
          - Operation is not supported.

Verdict: ";
    assert!(text.contains(expected_tail), "missing\n{expected_tail}\nin:\n{text}");
    assert!(!text.contains("VALIDATION") && !text.contains("Subgraph 3"), "{text}");
}

/// A model whose every subgraph is one GPU kernel but one: not `Full`.
#[test]
fn full_needs_every_subgraph_on_one_kernel() {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, S));
    let y = b.add(tensor("y", F32, S));
    b.op(Op::CALL_ONCE, &[], &[]).options(opts!(CallOnceOptions { init_subgraph_index: 1 }));
    b.op(Op::ABS, &[x], &[y]);
    b.output(y);
    b.subgraph("init");
    let i = b.input(tensor("i", F32, S));
    let o = b.add(tensor("o", F32, S));
    b.op(Op::L2_NORMALIZATION, &[i], &[o]).options(opts!(L2NormOptions {}));
    b.output(o);
    let a = analyze(&b.finish(), Flavor::LiteRt, &GpuOptions::default());
    assert_eq!(a.other_subgraphs.len(), 1);
    assert_eq!(a.other_subgraphs[0].delegate_kernels, 0);
    assert_ne!(a.outcome, Outcome::Full);
}
