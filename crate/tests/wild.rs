//! Regressions from models in the wild (issue 11): each test builds the situation a real model
//! showed, and checks the answer the TFLite source gives.

use delegate_doctor::analyze;
use delegate_doctor::fixes::{self, Cut, FixOptions, FixReport};
use delegate_doctor::builder::{const_bytes, tensor, ModelBuilder};
use delegate_doctor::model::{self, BuiltinOperator as Op, TensorType as T};
use delegate_doctor::nnapi::delegate::{analyze, Analysis, Options, Outcome};

fn run(bytes: &[u8], o: &Options) -> Analysis {
    let m = model::read(bytes).expect("valid model");
    analyze(&m, o)
}

/// x[1,1] → RESHAPE(shape = int32[0], an empty but present data vector, as the TF converter writes
/// for a reshape to a scalar) → s[] → ADD(s, s) → y[].
fn reshape_to_scalar() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 1]));
    let shape = b.add(const_bytes("shape", T::INT32, &[0], &[]));
    let s = b.add(tensor("s", T::FLOAT32, &[]));
    let y = b.add(tensor("y", T::FLOAT32, &[]));
    b.op(Op::RESHAPE, &[x, shape], &[s]);
    b.op(Op::ADD, &[s, s], &[y]).options(delegate_doctor::opts!(AddOptions {}));
    b.output(y);
    b.finish()
}

#[test]
fn an_empty_data_vector_is_a_constant() {
    // interpreter_builder.cc (get_readonly_data): any present data vector is read-only data.
    let bytes = reshape_to_scalar();
    let m = model::read(&bytes).expect("valid model");
    let shape = &m.subgraphs[0].tensors[1];
    assert!(shape.is_const(), "int32[0] with an empty data vector is a constant");
    assert_eq!(m.data(shape), Some(&[][..]));
    for sdk in analyze::ALL_LEVELS {
        let a = run(&bytes, &Options { sdk, ..Options::default() });
        assert_ne!(a.outcome, Outcome::Fails, "API {sdk}: {:?}", a.failure);
        for r in &a.refused {
            assert!(
                !r.reasons.iter().any(|x| x.contains("must be constant")),
                "API {sdk}: op {} refused as if its shape were computed: {:?}",
                r.index,
                r.reasons
            );
        }
    }
}

/// A chain of float RELUs with a custom op (always refused) after the ops listed in `cut_after`:
/// every run of RELUs between custom ops is one NNAPI partition.
fn relu_chain(relus: usize, cut_after: &[usize]) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let mut x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    for k in 0..relus {
        let y = b.add(tensor(&format!("relu_{k}"), T::FLOAT32, &[1, 4]));
        b.op(Op::RELU, &[x], &[y]);
        x = y;
        if cut_after.contains(&k) {
            let z = b.add(tensor(&format!("custom_{k}"), T::FLOAT32, &[1, 4]));
            b.custom_op("Smooth", &[x], &[z]);
            x = z;
        }
    }
    b.output(x);
    b.finish()
}

fn limited(max: i32) -> Options {
    Options { sdk: 29, max_delegated_partitions: max, ..Options::default() }
}

#[test]
fn a_limit_between_partitions_of_equal_size_is_a_tie() {
    // Partitions {0}, {2}, {4} (one RELU each) and a limit of 2: LimitDelegatedPartitions sorts
    // them by size with std::sort, and which two of the three stay is the library's choice.
    let bytes = relu_chain(3, &[0, 1]);
    let a = run(&bytes, &limited(2));
    let tie = a.tie.clone().expect("a tie at the limit");
    assert!(a.tie_at_limit);
    assert_eq!((tie.limit, tie.size, tie.kept), (2, 1, 2));
    assert_eq!(tie.partitions, vec![vec![0], vec![2], vec![4]]);
    // The plan shown keeps the earliest two.
    let kernels: Vec<_> = a.plan.iter().filter_map(|r| r.nodes.clone()).collect();
    assert_eq!(kernels, vec![vec![0], vec![2]]);
    let work = delegate_doctor::cost::op_costs(&model::read(&bytes).unwrap());
    let v = analyze::verdict(&a, &work);
    assert!(v.summary.contains("The partition limit (2) falls among 3 partitions of 1 node each"), "{}", v.summary);
    assert!(v.summary.contains("one of several"), "{}", v.summary);
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["tie_at_limit"], true);
    assert_eq!(json["tie"]["size"], 1);
}

#[test]
fn no_tie_when_the_sizes_at_the_limit_differ_or_nothing_is_dropped() {
    // Partitions {0,1}, {3}, {5}: a limit of 1 keeps the larger one, no choice involved.
    let bytes = relu_chain(4, &[1, 2]);
    for (max, tie) in [(1, false), (2, true), (3, false), (0, false), (-1, false)] {
        let a = run(&bytes, &limited(max));
        assert_eq!(a.tie_at_limit, tie, "limit {max}: {:?}", a.tie);
        assert_eq!(a.tie.is_some(), tie);
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["tie_at_limit"], tie);
    }
}

#[test]
fn a_fully_delegated_model_leaves_zero_work_on_the_cpu_not_minus_zero() {
    let bytes = relu_chain(3, &[]);
    let m = model::read(&bytes).unwrap();
    let r = analyze::report(&m, &Options::default(), &[29]);
    assert_eq!(r.analyses[0].analysis.outcome, Outcome::Full);
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"cpu_work_share\":0.0"), "{json}");
    assert!(!json.contains("-0.0"), "{json}");
}

fn cli(args: &[&str]) -> Result<delegate_doctor::cli::Output, String> {
    delegate_doctor::cli::run(args.iter().map(Into::into).collect())
}

fn model_file(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("dd-wild-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn sdk_outside_the_modelled_levels_is_a_usage_error() {
    let path = model_file("chain.tflite", &relu_chain(2, &[]));
    for bad in ["26", "36", "0", "100", "-1", "29.5", "Q"] {
        for cmd in ["analyze", "fix"] {
            let mut args = vec![cmd, path.as_str(), "--sdk", bad];
            let out = format!("{path}.fixed.tflite");
            if cmd == "fix" {
                args.extend(["-o", out.as_str()]);
            }
            let err = cli(&args).err().unwrap_or_else(|| panic!("{cmd} --sdk {bad} must be refused"));
            assert!(err.contains("from 27 to 35"), "{cmd} --sdk {bad}: {err}");
        }
    }
    for good in ["27", "35", " 30 "] {
        assert!(cli(&["analyze", &path, "--sdk", good]).is_ok(), "--sdk {good}");
    }
}

#[test]
fn feature_levels_are_the_ones_the_delegate_knows() {
    let path = model_file("chain2.tflite", &relu_chain(2, &[]));
    for good in ["27", "28", "29", "30", "31", "FL6", "FL7", "FL8", "1000006", "1000007", "1000008"] {
        for flag in ["--nnapi-feature-level", "--device-feature-level"] {
            let out = cli(&["analyze", &path, "--sdk", "35", flag, good, "--format", "json"])
                .unwrap_or_else(|e| panic!("{flag} {good}: {e}"));
            let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            let want = if let Some(k) = good.strip_prefix("FL") { 1_000_000 + k.parse::<i64>().unwrap() } else { good.parse().unwrap() };
            let key = if flag == "--nnapi-feature-level" { "feature_level" } else { "device_feature_level" };
            assert_eq!(json["analyses"][0]["options"][key], want, "{flag} {good}");
        }
    }
    // `8` once silently meant level 8 (the API-27 plan at every level); FL9 and 32 do not exist.
    for bad in ["8", "6", "FL5", "FL9", "32", "1000005", "1000009", "x"] {
        let err = cli(&["analyze", &path, "--nnapi-feature-level", bad]).err().unwrap_or_else(|| panic!("{bad} accepted"));
        assert!(err.contains("FL6, FL7, FL8"), "{bad}: {err}");
    }
}

/// x → RELU → a, x → RELU → b, then a custom op on the CPU reading both (nothing to cut at the
/// tail: it reads two computed tensors); a second model starts with a custom op reading a graph
/// input and a computed tensor.
fn merge_at_the_end() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let a = b.add(tensor("a", T::FLOAT32, &[1, 4]));
    let c = b.add(tensor("c", T::FLOAT32, &[1, 4]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 4]));
    b.op(Op::RELU, &[x], &[a]);
    b.op(Op::RELU6, &[x], &[c]);
    b.custom_op("Merge", &[a, c], &[y]);
    b.output(y);
    b.finish()
}

fn mixed_start() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let a = b.add(tensor("a", T::FLOAT32, &[1, 4]));
    let c = b.add(tensor("c", T::FLOAT32, &[1, 4]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 4]));
    b.op(Op::RELU, &[x], &[a]);
    b.custom_op("Mix", &[x, a], &[c]);
    b.op(Op::RELU, &[c], &[y]);
    b.output(y);
    b.finish()
}

fn fix_with(bytes: &[u8], cut: Cut) -> FixReport {
    let opts = FixOptions { target: Options { sdk: 29, ..Options::default() }, cut: vec![cut], ..FixOptions::default() };
    fixes::fix(bytes, &opts).expect("fix runs").1
}

#[test]
fn a_cut_that_cannot_cut_says_which_op_and_why() {
    let r = fix_with(&merge_at_the_end(), Cut::Tail);
    assert!(r.changes.is_empty());
    assert_eq!(r.not_cut.len(), 1, "{:?}", r.not_cut);
    assert!(r.not_cut[0].starts_with("op 2 Merge ends the model on the CPU: it reads 2 computed tensors (\"a\", \"c\")"), "{}", r.not_cut[0]);
    assert!(fixes::render_text(&r).contains("Cannot cut: op 2 Merge ends the model on the CPU"));

    let r = fix_with(&mixed_start(), Cut::Head);
    assert!(r.changes.is_empty());
    assert_eq!(r.not_cut.len(), 1, "{:?}", r.not_cut);
    assert!(
        r.not_cut[0].starts_with("op 1 Mix starts the model on the CPU: its inputs are not all constants or model inputs (it also reads \"a\")"),
        "{}",
        r.not_cut[0]
    );
    // A model that ends in a delegate kernel has nothing to explain.
    let r = fix_with(&mixed_start(), Cut::Tail);
    assert!(r.not_cut.is_empty(), "{:?}", r.not_cut);
}

#[test]
fn ops_removed_by_a_cut_are_not_also_cannot_fix() {
    let path = "../shared/models/deeplab/deeplabv3_mnv2_pascal_513_os8_google_original.tflite";
    let bytes = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)).expect("shared DeepLab");
    let opts = FixOptions { target: Options { sdk: 28, ..Options::default() }, cut: vec![Cut::Tail], ..FixOptions::default() };
    let r = fixes::fix(&bytes, &opts).unwrap().1;
    let mut cut: Vec<usize> = r.changes.iter().filter(|c| c.fix == "cut").map(|c| c.op).collect();
    cut.sort_unstable();
    assert_eq!(cut, vec![68, 69, 70]);
    for n in &r.not_fixed {
        assert!(!cut.contains(&n.op), "op {} {} was cut and is listed as cannot fix", n.op, n.op_type);
    }
    // The resize the cut did not reach is still reported.
    assert!(r.not_fixed.iter().any(|n| n.op == 63));
    assert!(r.not_cut.is_empty(), "the model now ends in an NNAPI kernel: {:?}", r.not_cut);
}

#[test]
fn a_fix_keeps_an_empty_constant_constant() {
    // A reshape of x2[1] to a scalar (shape = an empty data vector), and an ARG_MAX of x with
    // int64 output for argmax-int32 to rewrite.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let x2 = b.input(tensor("x2", T::FLOAT32, &[1]));
    let shape = b.add(const_bytes("shape", T::INT32, &[0], &[]));
    let axis = b.add(delegate_doctor::builder::const_i32("axis", &[1], &[1]));
    let idx = b.add(tensor("idx", T::INT64, &[1]));
    let s = b.add(tensor("s", T::FLOAT32, &[]));
    b.op(Op::RESHAPE, &[x2, shape], &[s]);
    b.op(Op::ARG_MAX, &[x, axis], &[idx]).options(delegate_doctor::opts!(ArgMaxOptions { output_type: T::INT64 }));
    b.output(idx).output(s);
    let bytes = b.finish();
    let opts = FixOptions { target: Options { sdk: 29, ..Options::default() }, ..FixOptions::default() };
    let (fixed, r) = fixes::fix(&bytes, &opts).unwrap();
    assert!(r.changes.iter().any(|c| c.fix == "argmax-int32"), "{:?}", r.changes);
    let m = model::read(&fixed).unwrap();
    let t = m.subgraphs[0].tensors.iter().find(|t| t.name == "shape").unwrap();
    assert!(t.is_const(), "the empty data vector survives the rewrite");
    assert_eq!(m.data(t), Some(&[][..]));
}
