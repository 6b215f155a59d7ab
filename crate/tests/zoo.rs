//! The CLI's zoo scan (`analyze DIR_OR_FILES…`), `--format md` for `analyze` and `fix`, and the
//! Model Explorer export (`--format model-explorer -o DIR`), run as a process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use delegate_doctor::builder::{tensor, ModelBuilder};
use delegate_doctor::fixes::Delegate;
use delegate_doctor::model::{BuiltinOperator as Op, TensorType as T};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shared_models() -> PathBuf {
    repo().join("../shared/models")
}

fn fixtures() -> PathBuf {
    repo().join("e2e/fixtures")
}

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_delegate-doctor"))
        .args(args)
        .env_remove("DD_READ")
        .stdin(Stdio::null())
        .output()
        .expect("run delegate-doctor")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("dd-zoo-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create parent");
        std::fs::write(&path, bytes).expect("write temp file");
        path
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// x → RELU → y: every delegate takes it.
fn relu_model() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 8]));
    let y = b.add(tensor("y", T::FLOAT32, &[1, 8]));
    b.op(Op::RELU, &[x], &[y]);
    b.output(y);
    b.finish()
}

/// RELU → a custom op named with Markdown and HTML in it → RELU: no delegate takes the custom op.
fn hostile_names_model() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("in|put`<b>", T::FLOAT32, &[1, 8]));
    let r = b.add(tensor("relu_[1](x)", T::FLOAT32, &[1, 8]));
    b.op(Op::RELU, &[x], &[r]);
    let c = b.add(tensor("line\nbreak<script>", T::FLOAT32, &[1, 8]));
    b.custom_op("Odd|Op<img src=x>", &[r], &[c]);
    let y = b.add(tensor("y", T::FLOAT32, &[1, 8]));
    b.op(Op::RELU, &[c], &[y]);
    b.output(y);
    b.finish()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
}

fn rows(v: &Value) -> &Vec<Value> {
    v["rows"].as_array().expect("rows")
}

/// Every `.tflite` under `dir`, recursively, sorted by path.
fn tflite_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("list") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(tflite_files(&p));
        } else if p.extension().is_some_and(|x| x == "tflite") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn a_zoo_scan_covers_every_model_under_the_shared_models_and_the_fixtures_once_per_target() {
    let (models, fixtures) = (shared_models(), fixtures());
    let out = cli(&["analyze", models.to_str().unwrap(), fixtures.to_str().unwrap(), "--delegate", "all", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json_of(&out);
    assert_eq!(v["format"], "delegate-doctor.zoo/1");
    let files: Vec<PathBuf> = tflite_files(&models).into_iter().chain(tflite_files(&fixtures)).collect();
    assert!(files.len() >= 14, "{files:?}");
    assert_eq!(v["models"], files.len());
    assert!(v["errors"].as_array().unwrap().is_empty());
    let rows = rows(&v);
    assert_eq!(rows.len(), files.len() * Delegate::ALL.len());
    // Model by model in path order, each with every delegate of `--delegate all` in order.
    for (i, row) in rows.iter().enumerate() {
        let file = &files[i / Delegate::ALL.len()];
        assert_eq!(Path::new(row["model"].as_str().unwrap()), file.as_path());
        assert_eq!(row["delegate"], Delegate::ALL[i % Delegate::ALL.len()].id());
        let (total, delegated) = (row["total_nodes"].as_u64().unwrap(), row["delegated_nodes"].as_u64().unwrap());
        assert!(delegated <= total);
        let share = row["delegated_share"].as_f64().unwrap();
        assert!((share - delegated as f64 / total as f64).abs() < 1e-9);
        if row["outcome"] == "full" {
            assert_eq!(row["fix"]["full"], true, "a full model stays full");
            assert!(row["refused_ops"].as_array().unwrap().is_empty());
        }
    }
    // Known rows: Google's original DeepLab at API 29 refuses the align_corners resizes and the
    // int64 ARG_MAX, and the fixes make it fully delegated.
    let google = rows
        .iter()
        .find(|r| r["model"].as_str().unwrap().ends_with("pascal_513_os8_google_original.tflite") && r["target"] == "nnapi-api29")
        .expect("the google_original row");
    assert_eq!(google["outcome"], "partial");
    assert_eq!(google["refused_ops"], serde_json::json!(["ARG_MAX", "RESIZE_BILINEAR"]));
    assert_eq!(google["fix"]["full"], true);
    assert_eq!(google["fix"]["fixes"], serde_json::json!(["resize-align-corners", "argmax-int32"]));
}

#[test]
fn a_zoo_row_says_what_the_single_analysis_and_the_fix_say() {
    let model = shared_models().join("deeplab/deeplabv3_mnv2_pascal_513_os8_google_original.tflite");
    let model = model.to_str().unwrap();
    let fixtures = fixtures();
    let zoo = json_of(&cli(&["analyze", model, fixtures.to_str().unwrap(), "--delegate", "litert-gpu", "--format", "json"]));
    let row = &rows(&zoo)[0];
    assert_eq!(row["target"], "litert-gpu");
    let single = json_of(&cli(&["analyze", model, "--delegate", "litert-gpu", "--format", "json"]));
    let a = &single["analyses"][0];
    for field in ["outcome", "total_nodes", "delegated_nodes"] {
        assert_eq!(row[field], a[field], "{field}");
    }
    assert_eq!(row["kernels"], a["delegate_kernels"]);
    assert_eq!(row["cpu_work_share"], a["verdict"]["cpu_work_share"]);
    let dir = TempDir::new("row-fix");
    let fixed = dir.0.join("fixed.tflite");
    let fix = json_of(&cli(&["fix", model, "-o", fixed.to_str().unwrap(), "--delegate", "litert-gpu", "--format", "json"]));
    assert_eq!(row["fix"]["full"], fix["after"]["outcome"] == "full");
    assert_eq!(row["fix"]["delegated_nodes"], fix["after"]["delegated_nodes"]);
}

#[test]
fn a_directory_is_walked_recursively_in_sorted_order_and_bad_files_are_reported_at_the_end() {
    let dir = TempDir::new("walk");
    dir.file("b.tflite", &relu_model());
    dir.file("a.tflite", &relu_model());
    dir.file("sub/c.TFLITE", &relu_model());
    dir.file("notes.txt", b"not a model, not scanned");
    dir.file("broken.tflite", b"this is not a flatbuffer");
    std::os::unix::fs::symlink(dir.0.join("missing-target"), dir.0.join("dangling.tflite")).expect("symlink");
    let out = cli(&["analyze", dir.path(), "--delegate", "nnapi", "--sdk", "30", "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(2), "bad files are bad input, said after the scan");
    let lines: Vec<Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("one JSON object a line")).collect();
    let models: Vec<String> =
        lines.iter().map(|l| Path::new(l["model"].as_str().unwrap()).strip_prefix(&dir.0).unwrap().display().to_string()).collect();
    assert_eq!(models, ["a.tflite", "b.tflite", "sub/c.TFLITE", "broken.tflite", "dangling.tflite"]);
    assert!(lines[..3].iter().all(|l| l["target"] == "nnapi-api30" && l["sdk"] == 30 && l["outcome"] == "full"));
    assert!(lines[3]["error"].as_str().unwrap().contains("broken.tflite"), "{}", lines[3]);
    assert!(lines[4]["error"].as_str().unwrap().starts_with("cannot read"), "{}", lines[4]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("broken.tflite") && stderr.contains("dangling.tflite"), "{stderr}");
    assert!(!stderr.contains('\r'), "no progress line when stderr is not a terminal");
}

#[test]
fn require_full_delegation_fails_a_zoo_when_any_row_is_not_full() {
    let dir = TempDir::new("require");
    let full = dir.file("full.tflite", &relu_model());
    let out = cli(&["analyze", full.to_str().unwrap(), full.to_str().unwrap(), "--delegate", "all", "--require-full-delegation"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    dir.file("partial.tflite", &hostile_names_model());
    let out = cli(&["analyze", dir.path(), "--delegate", "all", "--require-full-delegation", "--format", "md"]);
    assert_eq!(out.status.code(), Some(3));
    let md = text(&out.stdout);
    assert!(md.starts_with("## Delegate Doctor: 2 models scanned\n"), "{md}");
    assert_eq!(md.lines().filter(|l| l.starts_with("| ") && l.contains("tflite")).count(), 2 * Delegate::ALL.len());
}

#[test]
fn a_zoo_scan_of_nothing_or_with_single_model_formats_is_a_usage_error() {
    let dir = TempDir::new("usage");
    let m = dir.file("m.tflite", &relu_model());
    let m = m.to_str().unwrap();
    let out = cli(&["analyze", m, m, "--format", "model-explorer", "-o", dir.path()]);
    assert_eq!(out.status.code(), Some(2));
    let out = cli(&["analyze", m, "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("zoo"), "{}", text(&out.stderr));
    let empty = TempDir::new("usage-empty");
    let out = cli(&["analyze", empty.path(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_of(&out)["models"], 0);
}

#[test]
fn markdown_escapes_names_from_the_model() {
    let dir = TempDir::new("md");
    let m = dir.file("odd|name.tflite", &hostile_names_model());
    let out = cli(&["analyze", m.to_str().unwrap(), "--sdk", "29", "--format", "md"]);
    assert_eq!(out.status.code(), Some(0));
    let md = text(&out.stdout);
    assert!(md.starts_with("## Delegate Doctor: odd\\|name.tflite\n"), "{md}");
    assert!(md.contains("| 1 | Odd\\|Op&lt;img src=x&gt; v1 | Unsupported operation type. |"), "{md}");
    assert!(md.contains("\\[line break&lt;script&gt;\\]:1"), "{md}");
    assert!(!md.contains('<') || md.lines().all(|l| !l.contains("<script") && !l.contains("<img")), "{md}");
    // Every table row has as many cells as its header: no name broke out of its cell.
    for block in md.split("\n\n").filter(|b| b.starts_with('|')) {
        let cells = |l: &str| l.replace("\\|", "").matches('|').count();
        let first = cells(block.lines().next().unwrap());
        assert!(block.lines().all(|l| cells(l) == first), "{block}");
    }
}

#[test]
fn analyze_md_lists_every_target_and_folds_the_refusals_of_each() {
    let model = shared_models().join("deeplab/deeplabv3_mnv2_pascal_513_os8_google_original.tflite");
    let out = cli(&["analyze", model.to_str().unwrap(), "--delegate", "all", "--format", "md"]);
    let md = text(&out.stdout);
    let (summary, combined) = md.split_once("\n### The plan that really runs").expect("the combined plans' table");
    let is_row = |l: &&str| l.starts_with("| NNAPI at API") || l.starts_with("| the GPU") || l.starts_with("| LiteRT") || l.starts_with("| XNNPACK");
    assert_eq!(summary.lines().filter(is_row).count(), 9 + 2 + 1, "{md}");
    assert!(summary.contains("\n| XNNPACK | "), "XNNPACK on its own is a target: {md}");
    // One line per analysis with a combined plan: NNAPI at each level and both GPU delegates (not
    // XNNPACK on its own), each the same as the JSON's `combined` verdict.
    let json = json_of(&cli(&["analyze", model.to_str().unwrap(), "--delegate", "all", "--format", "json"]));
    let with_combined: Vec<&Value> = json["analyses"].as_array().unwrap().iter().filter(|a| a.get("combined").is_some()).collect();
    assert_eq!(with_combined.len(), 9 + 2);
    let combined_rows: Vec<&str> = combined.lines().take_while(|l| !l.starts_with("<details>")).filter(is_row).collect();
    assert_eq!(combined_rows.len(), with_combined.len(), "{md}");
    for (line, a) in combined_rows.iter().zip(&with_combined) {
        let v = &a["combined"]["verdict"];
        let cpu = format!(" | {} | {} | {:.1}% | ", v["cpu_ops"], v["transitions"], v["cpu_work_share"].as_f64().unwrap() * 100.0);
        assert!(line.contains(&cpu), "{line} vs {v}");
    }
    assert!(md.contains("Runs most of the model:"), "{md}");
    assert!(md.contains("<details><summary>Refused by NNAPI at API 29 (4 ops)</summary>"), "{md}");
    assert!(!md.contains("### Plan"), "plans only for a single target");
}

#[test]
fn fix_md_has_the_changes_what_stays_and_the_plan_after() {
    let model = shared_models().join("deeplab/deeplabv3_mnv2_pascal_513_os8_google_original.tflite");
    let dir = TempDir::new("fix-md");
    let out_path = dir.0.join("fixed.tflite");
    let out = cli(&["fix", model.to_str().unwrap(), "-o", out_path.to_str().unwrap(), "--format", "md"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(md.starts_with("## Delegate Doctor: deeplabv3\\_mnv2\\_pascal\\_513\\_os8\\_google\\_original.tflite for NNAPI at Android API 29\n\nBefore: 2 NNAPI partitions"), "{md}");
    assert!(md.contains("\nAfter: Fully delegated"), "{md}");
    assert!(md.contains("| 70 ARG\\_MAX | argmax-int32 | output type int64 → int32 | exact: "), "{md}");
    assert!(md.contains("### Plan after the fixes\n\n| # | runs on | [node type] | [Name] |\n|---|---|---|---|\n| 0 | kernel 1 (72 ops) | TfLiteNnapiDelegate |"), "{md}");
    assert!(out_path.exists(), "fix --format md still writes the model");
    let hostile = dir.file("hostile.tflite", &hostile_names_model());
    let out = cli(&["fix", hostile.to_str().unwrap(), "-o", out_path.to_str().unwrap(), "--delegate", "gpu", "--format", "md"]);
    let md = text(&out.stdout);
    assert!(md.contains("for the GPU delegate\n"), "{md}");
    assert!(md.contains("No fix applies."), "{md}");
    assert!(md.contains("Not fixed: 1 Odd\\|Op&lt;img src=x&gt; ("), "{md}");
}

#[test]
fn model_explorer_export_writes_one_overlay_per_target_keyed_by_op_index() {
    let dir = TempDir::new("me");
    let m = dir.file("hostile.tflite", &hostile_names_model());
    let out_dir = dir.0.join("overlays");
    let out = cli(&["analyze", m.to_str().unwrap(), "--delegate", "all", "--format", "model-explorer", "-o", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut names: Vec<String> =
        std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    // One overlay per target, and one of the plan that really runs for each target that has it
    // (every one but XNNPACK on its own).
    let slugs: Vec<String> = (27..=35).map(|l| format!("nnapi-api{l}")).chain(["gpu".into(), "litert-gpu".into()]).collect();
    let mut want: Vec<String> = slugs.iter().map(|s| format!("hostile.{s}.node-data.json")).collect();
    want.extend(slugs.iter().map(|s| format!("hostile.{s}.combined.node-data.json")));
    want.push("hostile.xnnpack.node-data.json".to_string());
    want.sort();
    assert_eq!(names, want);
    let read = |name: &str| -> Value { serde_json::from_slice(&std::fs::read(out_dir.join(name)).unwrap()).unwrap() };
    let nnapi = read("hostile.nnapi-api29.node-data.json");
    let results = &nnapi["main"]["results"];
    assert_eq!(results.as_object().unwrap().len(), 3);
    assert_eq!(results["0"]["value"], "kernel 1 of 2");
    assert_eq!(results["2"]["value"], "kernel 2 of 2");
    assert_eq!(results["1"]["value"], "CPU: Unsupported operation type.");
    assert_eq!(nnapi["main"]["name"], "Delegate Doctor: NNAPI at API 29");
    // The classic GPU delegate keeps one partition (benchmark_model's default): the second RELU
    // stays on the CPU without being refused.
    let gpu = read("hostile.gpu.node-data.json");
    assert_eq!(gpu["main"]["results"]["0"]["value"], "kernel 1 of 1");
    assert_eq!(gpu["main"]["results"]["2"]["value"], "CPU: not in a delegated partition");
    assert!(gpu["main"]["results"]["1"]["value"].as_str().unwrap().starts_with("CPU: "));
    // XNNPACK on its own takes both RELUs in two kernels and refuses the custom op.
    let xnnpack = read("hostile.xnnpack.node-data.json");
    assert_eq!(xnnpack["main"]["name"], "Delegate Doctor: XNNPACK");
    assert_eq!(xnnpack["main"]["results"]["0"]["value"], "kernel 1 of 2");
    assert_eq!(xnnpack["main"]["results"]["2"]["value"], "kernel 2 of 2");
    assert!(xnnpack["main"]["results"]["1"]["value"].as_str().unwrap().starts_with("CPU: "));
    // The plan that really runs: NNAPI takes both RELUs; after the GPU delegate, XNNPACK takes the
    // RELU the GPU delegate left out; the custom op runs on its builtin (registered) CPU kernel.
    let nnapi = read("hostile.nnapi-api29.combined.node-data.json");
    assert_eq!(nnapi["main"]["name"], "Delegate Doctor: NNAPI at API 29, then XNNPACK (the plan that really runs)");
    let values = |v: &Value| -> Vec<String> { (0..3).map(|i| v["main"]["results"][i.to_string()]["value"].as_str().unwrap().to_string()).collect() };
    assert_eq!(values(&nnapi), ["accelerator kernel 1 of 2", "CPU", "accelerator kernel 2 of 2"]);
    let gpu = read("hostile.gpu.combined.node-data.json");
    assert_eq!(values(&gpu), ["accelerator kernel 1 of 1", "CPU", "XNNPACK kernel 1 of 1"]);
    assert_eq!(gpu["main"]["results"]["2"]["bgColor"], "#ff9800");
    let no_dir = cli(&["analyze", m.to_str().unwrap(), "--format", "model-explorer"]);
    assert_eq!(no_dir.status.code(), Some(2));
    assert!(text(&no_dir.stderr).contains("-o DIR"), "{}", text(&no_dir.stderr));
}

#[test]
fn one_model_file_is_analysed_as_before() {
    let dir = TempDir::new("single");
    let m = dir.file("m.tflite", &relu_model());
    let out = cli(&["analyze", m.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let t = text(&out.stdout);
    assert!(t.starts_with("NNAPI delegate per Android API level (benchmark_model defaults)\n"), "{t}");
    assert!(!t.contains("scanned"), "{t}");
    let out = cli(&["analyze", m.to_str().unwrap(), "--format", "json"]);
    assert_eq!(json_of(&out)["format"], "delegate-doctor.analyze/1");
}

#[test]
fn a_zoo_xnnpack_row_says_what_analyze_delegate_xnnpack_says_and_that_no_fix_is_for_xnnpack() {
    let dir = TempDir::new("xnnpack");
    let m = dir.file("hostile.tflite", &hostile_names_model());
    let m = m.to_str().unwrap();
    let zoo = json_of(&cli(&["analyze", m, m, "--delegate", "xnnpack", "--format", "json"]));
    let row = &rows(&zoo)[0];
    assert_eq!(rows(&zoo).len(), 2, "one row per model");
    assert_eq!((&row["target"], &row["delegate"]), (&"xnnpack".into(), &"xnnpack".into()));
    assert!(row.get("sdk").is_none());
    let single = json_of(&cli(&["analyze", m, "--delegate", "xnnpack", "--format", "json"]));
    let a = &single["analyses"][0];
    assert_eq!(a["delegate"], "xnnpack");
    for field in ["outcome", "total_nodes", "delegated_nodes"] {
        assert_eq!(row[field], a[field], "{field}");
    }
    assert_eq!(row["kernels"], a["delegate_kernels"]);
    assert_eq!(row["cpu_work_share"], a["verdict"]["cpu_work_share"]);
    assert_eq!(row["refused_ops"], serde_json::json!(["Odd|Op<img src=x>"]));
    assert_eq!(row["fix"], serde_json::json!({"full": false, "fixes": [], "delegated_nodes": 2, "kernels": 2}));
    let text_out = text(&cli(&["analyze", m, m, "--delegate", "all"]).stdout);
    let line = text_out.lines().find(|l| l.contains(" xnnpack ")).expect("the xnnpack row");
    assert!(line.ends_with("no fixes for XNNPACK"), "{line}");
    // `--xnnpack-flags` is taken by a scan too (no flags: the float RELUs are still XNNPACK's).
    let flagged = json_of(&cli(&["analyze", m, m, "--delegate", "xnnpack", "--xnnpack-flags", "none", "--format", "json"]));
    assert_eq!(rows(&flagged)[0]["delegated_nodes"], 2);
}

#[test]
fn analyze_md_of_one_target_lists_the_plan_that_really_runs() {
    let dir = TempDir::new("md-combined");
    let m = dir.file("hostile.tflite", &hostile_names_model());
    let md = text(&cli(&["analyze", m.to_str().unwrap(), "--delegate", "gpu", "--format", "md"]).stdout);
    assert!(md.contains("### The plan that really runs (the delegate, then TFLite's default XNNPACK delegate)\n\n| target | accelerator | XNNPACK | builtin CPU | transitions | CPU work | verdict |\n|---|---|---|---|---|---|---|\n| the GPU delegate | 1 op in 1 kernel | 1 op in 1 kernel | 1 | 2 | "), "{md}");
    assert!(md.contains("### Plan that really runs: the GPU delegate\n\n| # | runs on | [node type] | [Name] |\n|---|---|---|---|\n| 0 | accelerator kernel 1 (1 op) | TfLiteGpuDelegateV2 |"), "{md}");
    assert!(md.contains("| 2 | XNNPACK kernel 1 (1 op) | TfLiteXNNPackDelegate |"), "{md}");
    let without = text(&cli(&["analyze", m.to_str().unwrap(), "--delegate", "gpu", "--use-xnnpack=false", "--format", "md"]).stdout);
    assert!(!without.contains("really runs"), "{without}");
}
