//! Hostile input: every file in tests/malformed/ (made by `cargo run --example make_malformed`)
//! against its line in tests/malformed/expected.tsv, through the library and through the CLI, plus
//! the DeepLab model truncated and damaged at test time.
//!
//! Files marked `read` must be refused by `model::read` with the stated error, and the CLI must
//! exit with code 2 and one line on stderr. The others read; analysing them at every level and
//! fixing them must finish quickly, without a panic, with the stated outcome.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use delegate_doctor::analyze::{self, ALL_LEVELS};
use delegate_doctor::fixes::{self, Cut, FixOptions, PoolForm};
use delegate_doctor::{inspect, model};
use delegate_doctor::nnapi::delegate::Options;

/// Generous for a debug build on a shared 2-core machine; every file takes milliseconds.
const TIME_LIMIT: Duration = Duration::from_secs(20);

struct Entry {
    name: String,
    stage: String,
    expect: String,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/malformed")
}

fn manifest() -> Vec<Entry> {
    let text = std::fs::read_to_string(dir().join("expected.tsv")).expect("tests/malformed/expected.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "three tab-separated columns: {l:?}");
            Entry { name: cols[0].into(), stage: cols[1].into(), expect: cols[2].into() }
        })
        .collect()
}

fn bytes_of(e: &Entry) -> Vec<u8> {
    std::fs::read(dir().join(&e.name)).unwrap_or_else(|err| panic!("{}: {err}", e.name))
}

fn accepted(e: &Entry) -> bool {
    e.stage != "read"
}

/// Runs `f` on another thread; Err when it panics or takes longer than `limit`.
fn bounded<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(r);
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(p)) => Err(format!(
            "panicked: {}",
            p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
        )),
        Err(_) => Err(format!("still running after {limit:?}")),
    }
}

#[test]
fn the_manifest_lists_every_file_and_covers_the_issue() {
    let entries = manifest();
    let mut listed: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    listed.sort_unstable();
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .expect("tests/malformed")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expected.tsv")
        .collect();
    on_disk.sort_unstable();
    assert_eq!(listed, on_disk, "expected.tsv and the files in tests/malformed differ");
    assert!(entries.len() >= 50, "at least 50 hand-made bad files, found {}", entries.len());
    for e in &entries {
        assert!(["read", "analyze", "fix", "fix28"].contains(&e.stage.as_str()), "{}: unknown stage {}", e.name, e.stage);
        assert!(!e.expect.is_empty(), "{}: an expectation", e.name);
    }
    // The kinds of damage the corpus is meant to hold (by file name).
    for kind in [
        "empty", "random_", ".png", ".zip", ".onnx", ".jpg", "identifier_", "truncated_at_", "offset_out_of_bounds",
        "buffer_out_of_range", "opcode_index", "op_input_out_of_range", "negative_dim", "absurd_dims", "cycle",
        "reads_own_output", "unknown_builtin", "without_options", "duplicate_op_outputs", "while_calls_itself",
        "while_out_of_range", "offset_buffer_beyond_file", "length_2g",
    ] {
        assert!(entries.iter().any(|e| e.name.contains(kind)), "no file for {kind:?}");
    }
}

#[test]
fn rejected_files_give_their_error() {
    let mut failures = Vec::new();
    for e in manifest().iter().filter(|e| !accepted(e)) {
        let bytes = bytes_of(e);
        match model::read(&bytes) {
            Ok(_) => failures.push(format!("{}: read accepts it", e.name)),
            Err(err) => {
                let msg = err.to_string();
                if !msg.contains(&e.expect) {
                    failures.push(format!("{}: {msg:?} lacks {:?}", e.name, e.expect));
                }
                if msg.contains('\n') || msg.len() > 600 {
                    failures.push(format!("{}: the error is not one short line: {msg:?}", e.name));
                }
            }
        }
        // fix reads first, and must refuse the same way.
        match fixes::fix(&bytes, &FixOptions::default()) {
            Ok(_) => failures.push(format!("{}: fix accepts it", e.name)),
            Err(err) if !err.to_string().contains(&e.expect) => failures.push(format!("{}: fix says {err}", e.name)),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Everything the library does with an accepted file, as text, with the checks that hold for
/// every model: the CPU share of the work is a number in [0, 1] and a fixed model reads again.
fn exercise(bytes: Vec<u8>) -> Result<(String, String, String), String> {
    let m = model::read(&bytes).map_err(|e| format!("read refuses it: {e}"))?;
    let mut analysis = String::new();
    for base in [
        Options::default(),
        Options { disable_delegate_clustering: true, max_delegated_partitions: 1, ..Options::default() },
        Options { allow_dynamic_dimensions: true, disable_nnapi_cpu: false, ..Options::default() },
    ] {
        let r = analyze::report(&m, &base, &ALL_LEVELS);
        for l in &r.analyses {
            let share = l.verdict.cpu_work_share;
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("cpu_work_share {share} at API {}", l.analysis.sdk));
            }
        }
        analysis += &analyze::render_text(&r);
        analysis += &serde_json::to_string_pretty(&r).map_err(|e| e.to_string())?;
    }
    let one = analyze::report(&m, &Options::default(), &[29]);
    analysis += &analyze::render_text(&one);
    // Reports repeat names and shapes per reference; they must stay proportionate to the file.
    let summary = inspect::report(&m);
    let inspect_json = serde_json::to_string(&summary).map_err(|e| e.to_string())?;
    let inspect_text = inspect::render_text(&summary);
    let budget = 200 * bytes.len() + (1 << 20);
    for (what, len) in [("inspect JSON", inspect_json.len()), ("inspect text", inspect_text.len()), ("analysis", analysis.len())] {
        if len > budget {
            return Err(format!("the {what} is {len} bytes for a file of {} bytes", bytes.len()));
        }
    }
    analysis += &inspect_json;
    let mut fixed = [String::new(), String::new()];
    for (k, sdk) in [29, 28].into_iter().enumerate() {
        for (cut, pool_form) in [(vec![], PoolForm::Auto), (vec![Cut::Tail, Cut::Head], PoolForm::Separable)] {
            let mut o = FixOptions { cut: cut.clone(), pool_form, ..FixOptions::default() };
            o.target.sdk = sdk;
            let text = match fixes::fix(&bytes, &o) {
                Ok((out, report)) => {
                    model::read(&out).map_err(|e| format!("the model fixed for API {sdk} does not read: {e}"))?;
                    fixes::render_text(&report)
                }
                Err(e) => e.to_string(),
            };
            // The stage's own text is the one without cuts; both must run.
            if cut.is_empty() {
                fixed[k] = text;
            }
        }
    }
    let [fix29, fix28] = fixed;
    Ok((analysis, fix29, fix28))
}

#[test]
fn hostile_files_read_analyze_and_fix_quickly_with_the_stated_outcome() {
    let mut failures = Vec::new();
    for e in manifest().into_iter().filter(accepted) {
        let bytes = bytes_of(&e);
        let start = Instant::now();
        match bounded(TIME_LIMIT, move || exercise(bytes)) {
            Err(why) => failures.push(format!("{}: {why}", e.name)),
            Ok(Err(why)) => failures.push(format!("{}: {why}", e.name)),
            Ok(Ok((analysis, fix29, fix28))) => {
                let text = match e.stage.as_str() {
                    "analyze" => &analysis,
                    "fix" => &fix29,
                    _ => &fix28,
                };
                if !text.contains(&e.expect) {
                    failures.push(format!("{}: the {} output lacks {:?}", e.name, e.stage, e.expect));
                }
            }
        }
        let took = start.elapsed();
        if took > TIME_LIMIT {
            failures.push(format!("{}: took {took:?}", e.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn cli(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_delegate-doctor")).args(args).output().expect("run delegate-doctor");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_cli_refuses_rejected_files_with_exit_code_2_and_one_line() {
    let tmp = std::env::temp_dir().join(format!("dd-malformed-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let out = tmp.join("fixed.tflite");
    let out = out.to_str().expect("utf-8 temp path");
    let mut failures = Vec::new();
    for e in manifest().iter().filter(|e| !accepted(e)) {
        let path = dir().join(&e.name);
        let path = path.to_str().expect("utf-8 path");
        for args in [vec!["inspect", path], vec!["analyze", path, "--format", "json"], vec!["fix", path, "-o", out]] {
            let (code, stdout, stderr) = cli(&args);
            let what = format!("{} ({})", e.name, args[0]);
            if code != Some(2) {
                failures.push(format!("{what}: exit code {code:?}, not 2"));
            }
            if stderr.lines().count() != 1 || !stderr.ends_with('\n') {
                failures.push(format!("{what}: stderr is not one line: {stderr:?}"));
            }
            if !stderr.starts_with("delegate-doctor: ") || !stderr.contains(&e.expect) {
                failures.push(format!("{what}: stderr {stderr:?} lacks {:?}", e.expect));
            }
            if !stdout.is_empty() {
                failures.push(format!("{what}: printed to stdout"));
            }
        }
        if Path::new(out).exists() {
            failures.push(format!("{}: fix wrote an output file for a refused model", e.name));
            let _ = std::fs::remove_file(out);
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_cli_handles_hostile_files() {
    let tmp = std::env::temp_dir().join(format!("dd-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let mut failures = Vec::new();
    for e in manifest().iter().filter(|e| accepted(e)) {
        let path = dir().join(&e.name);
        let path = path.to_str().expect("utf-8 path");
        let (code, stdout, stderr) = cli(&["analyze", path]);
        if code != Some(0) || stdout.is_empty() || !stderr.is_empty() {
            failures.push(format!("{} (analyze): exit {code:?}, stderr {stderr:?}", e.name));
        }
        let out = tmp.join(&e.name);
        let out = out.to_str().expect("utf-8 path");
        let (code, _, stderr) = cli(&["fix", path, "-o", out]);
        // A fix either succeeds and writes a readable model, or is refused in one line.
        match code {
            Some(0) => {
                let fixed = std::fs::read(out).unwrap_or_default();
                if let Err(err) = model::read(&fixed) {
                    failures.push(format!("{} (fix): the written model does not read: {err}", e.name));
                }
            }
            Some(2) if stderr.lines().count() == 1 => {}
            _ => failures.push(format!("{} (fix): exit {code:?}, stderr {stderr:?}", e.name)),
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const DEEPLAB: &str = "../../shared/models/deeplab/deeplabv3_mnv2_pascal_513_os8_google_original.tflite";

fn deeplab() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEEPLAB);
    std::fs::read(&path).unwrap_or_else(|e| panic!("the DeepLab model is in shared/models ({}): {e}", path.display()))
}

#[test]
fn deeplab_truncated_anywhere_is_refused() {
    let bytes = deeplab();
    let len = bytes.len();
    assert!(model::read(&bytes).is_ok());
    // The start (header, root table, vtables), 64 points spread over the file, and the very end.
    let mut points: Vec<usize> = vec![0, 1, 4, 7, 8, 9, 12, 16, 20, 24, 32, 48, 64, 100, 128, 256, 1000, 4096];
    points.extend((1..64).map(|k| len * k / 64));
    points.extend([len - 1000, len - 64, len - 16, len - 8, len - 4, len - 1]);
    let mut failures = Vec::new();
    for p in points {
        let cut = &bytes[..p];
        match model::read(cut) {
            Ok(_) => failures.push(format!("truncated at {p} of {len}: read accepts it")),
            Err(e) => {
                let msg = e.to_string();
                let expected = match p {
                    0 => "the file is empty",
                    1..=7 => "too short to be a TFLite model",
                    _ => "the TFLite flatbuffer is damaged",
                };
                if !msg.contains(expected) || msg.contains('\n') {
                    failures.push(format!("truncated at {p}: {msg:?}, expected one line with {expected:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Overwrites 4 bytes at spread positions of the DeepLab model with hostile values; whatever
/// still reads must analyse and fix without a panic.
#[test]
fn deeplab_with_damaged_words_never_panics() {
    let original = deeplab();
    let len = original.len();
    // Damage lands in the first 64 KiB (the tables; the weights after them are just data) and at a
    // few points in the weights.
    let mut positions: Vec<usize> = (0..48).map(|k| ((k * 1361 + 7) % 65536) & !3).collect();
    positions.extend((1..8).map(|k| (len * k / 8) & !3));
    let mut read_ok = 0;
    let mut failures = Vec::new();
    for (k, &p) in positions.iter().enumerate() {
        let value: u32 = [0xffff_ffff, 0x7fff_ffff, 0x8000_0000, 0, 0x0000_ffff, 3][k % 6];
        let mut bytes = original.clone();
        bytes[p..p + 4].copy_from_slice(&value.to_le_bytes());
        let r = bounded(TIME_LIMIT, move || match model::read(&bytes) {
            Err(e) => {
                assert!(!e.to_string().contains('\n'), "one-line error: {e}");
                false
            }
            Ok(m) => {
                let r = analyze::report(&m, &Options::default(), &[27, 29, 33]);
                assert!(r.analyses.iter().all(|a| (0.0..=1.0).contains(&a.verdict.cpu_work_share)));
                let _ = analyze::render_text(&r);
                if let Ok((out, _)) = fixes::fix(&bytes, &FixOptions::default()) {
                    model::read(&out).expect("a fixed model reads");
                }
                true
            }
        });
        match r {
            Ok(true) => read_ok += 1,
            Ok(false) => {}
            Err(why) => failures.push(format!("{value:#x} at byte {p}: {why}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Not every hit is fatal to the file: some land in weights, names or unused fields.
    assert!(read_ok > 0, "some damaged copies still read");
}
