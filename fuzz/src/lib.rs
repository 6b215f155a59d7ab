//! What each fuzz target checks; `fuzz_targets/*.rs` only hand the input over. Replay one input
//! with `RUSTC_BOOTSTRAP=1 cargo fuzz run -O -a TARGET FILE` (see docs/fuzzing.md).
//!
//! Every function takes the raw bytes of a would-be `.tflite` file and panics only when the crate
//! breaks one of its promises; a panic, a hang (libFuzzer `-timeout`) or a huge allocation
//! (`-malloc_limit_mb`) is a finding.

use delegate_doctor::analyze;
use delegate_doctor::fixes::{self, Cut, FixOptions, PoolForm};
use delegate_doctor::inspect;
use delegate_doctor::model::{self, Model, ModelError};
use delegate_doctor::nnapi::delegate::{self, Options};
use delegate_doctor::surgery::Draft;

/// Errors are shown to people as one line (the CLI prints "delegate-doctor: FILE: MESSAGE").
fn check_error(e: &ModelError) {
    let msg = e.to_string();
    assert!(!msg.contains('\n'), "a model error must be one line, got {msg:?}");
    assert!(!msg.is_empty());
    assert!(msg.len() < 4096, "a model error should be short, got {} bytes", msg.len());
}

/// Reports repeat names and shapes per reference; they must stay proportionate to the file (the
/// same bound as crate/tests/malformed.rs, for five levels at once).
fn check_size(what: &str, len: usize, file: usize) {
    let budget = 200 * file + (1 << 20);
    assert!(len <= budget, "the {what} is {len} bytes for a file of {file} bytes");
}

/// Everything `model::read` promises about a model it accepts.
fn check_model(m: &Model<'_>) {
    assert!(!m.subgraphs.is_empty());
    for sg in &m.subgraphs {
        for t in &sg.tensors {
            // Constant data lies inside the file (these index `bytes` directly).
            if let Some(d) = m.data(t) {
                assert_eq!(d.len(), t.data.map_or(0, |r| r.len));
            }
            let _ = m.const_ints(t);
            assert!(t.shape.iter().all(|&d| d >= 0));
        }
        let n = sg.tensors.len() as i32;
        for op in &sg.operators {
            assert!(op.inputs.iter().all(|&t| t == -1 || (0..n).contains(&t)));
            assert!(op.outputs.iter().all(|&t| (0..n).contains(&t)));
        }
        assert!(sg.inputs.iter().chain(sg.outputs.iter()).all(|&t| (0..n).contains(&t)));
    }
    for md in &m.metadata {
        let _ = m.metadata_bytes(md);
    }
}

/// Read, then summarise as `inspect` does (text and JSON).
pub fn read(data: &[u8]) {
    match model::read(data) {
        Err(e) => check_error(&e),
        Ok(m) => {
            check_model(&m);
            let r = inspect::report(&m);
            let text = inspect::render_text(&r);
            let json = serde_json::to_string(&r).expect("the inspect report serialises");
            check_size("inspect text", text.len(), data.len());
            check_size("inspect JSON", json.len(), data.len());
        }
    }
}

/// Option sets for the analysis, picked by a cheap function of the input so that one input file
/// (a plain model, so that real models seed the corpus) still meets several of them.
fn analyze_options(data: &[u8]) -> Options {
    let pick = data.len() % 5;
    let mut o = Options::default();
    match pick {
        0 => {}
        1 => {
            o.disable_delegate_clustering = true;
            o.max_delegated_partitions = 1;
        }
        2 => {
            o.allow_dynamic_dimensions = true;
            o.accelerator_name = Some("npu".into());
        }
        3 => {
            o.disable_nnapi_cpu = false;
            o.devices = Some(vec!["nnapi-reference".into(), "npu".into()]);
        }
        _ => {
            o.feature_level = Some(1_000_008);
            o.device_feature_level = Some(1_000_006);
        }
    }
    o
}

/// Read, then analyse at several API levels (the report runs the cost model and the partitioner).
pub fn analyze(data: &[u8]) {
    let m = match model::read(data) {
        Err(e) => return check_error(&e),
        Ok(m) => m,
    };
    let o = analyze_options(data);
    let r = analyze::report(&m, &o, &[27, 28, 29, 30, 33]);
    let text = analyze::render_text(&r);
    let json = serde_json::to_string(&r).expect("the analysis report serialises");
    check_size("analysis text", text.len(), data.len());
    check_size("analysis JSON", json.len(), data.len());
    for l in &r.analyses {
        let a = &l.analysis;
        assert!(a.delegated_nodes <= a.total_nodes);
        assert!((0.0..=1.0).contains(&l.verdict.cpu_work_share), "cpu_work_share {}", l.verdict.cpu_work_share);
        // Every original node appears exactly once in the plan (on the CPU or inside a kernel).
        if a.outcome != delegate::Outcome::Fails {
            let mut seen = vec![0u32; a.total_nodes];
            for row in &a.plan {
                match &row.nodes {
                    Some(nodes) => nodes.iter().for_each(|&n| seen[n] += 1),
                    None => seen[row.index] += 1,
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "the plan must hold every node once: {seen:?}");
        }
    }
}

fn fix_options(data: &[u8]) -> FixOptions {
    let mut o = FixOptions::default();
    match data.len() % 4 {
        0 => {}
        1 => {
            o.target.sdk = 28;
            o.cut = vec![Cut::Tail];
        }
        2 => {
            o.target.sdk = 30;
            o.pool_form = PoolForm::Separable;
            o.cut = vec![Cut::Head, Cut::Tail];
        }
        _ => {
            o.target.sdk = 29;
            o.target.accelerator_name = Some("npu".into());
            o.pool_form = PoolForm::Mean;
        }
    }
    o
}

/// Fix; a fixed model must verify and read again, and an editing round trip (open, write) of any
/// readable model must give a readable model.
pub fn fix(data: &[u8]) {
    let m = match model::read(data) {
        Err(e) => return check_error(&e),
        Ok(m) => m,
    };
    let draft = Draft::open(data).expect("a readable model opens for editing");
    match draft.write() {
        Ok(written) => {
            let again = model::read(&written).unwrap_or_else(|e| panic!("a rewritten model must read: {e}"));
            assert_eq!(again.subgraphs.len(), m.subgraphs.len());
            for (a, b) in again.subgraphs.iter().zip(&m.subgraphs) {
                assert_eq!(a.operators.len(), b.operators.len());
                assert_eq!(a.tensors.len(), b.tensors.len());
                for (x, y) in a.tensors.iter().zip(&b.tensors) {
                    assert_eq!(again.data(x), m.data(y), "constant data survives a rewrite");
                }
            }
        }
        Err(e) => check_error(&e),
    }
    let o = fix_options(data);
    match fixes::fix(data, &o) {
        Err(e) => check_error(&e),
        Ok((fixed, report)) => {
            let fm = model::read(&fixed).unwrap_or_else(|e| panic!("a fixed model must read: {e}"));
            check_model(&fm);
            assert_eq!(report.output_size, fixed.len());
            if report.changes.is_empty() {
                assert_eq!(fixed, data, "no change, same bytes");
            }
            let _ = fixes::render_text(&report);
            let _ = serde_json::to_string(&report).expect("the fix report serialises");
        }
    }
}

/// The segmentation engine: a model either compiles or is refused with a message; a compiled model
/// with a small input runs to a class map of its declared size (larger ones would only make each
/// input slow, so they are compiled but not run).
pub fn segment(data: &[u8]) {
    use delegate_doctor::infer::Segmenter;
    match Segmenter::new(data) {
        Err(e) => {
            assert!(!e.is_empty() && !e.contains('\n'), "an engine error must be one line, got {e:?}");
        }
        Ok(mut s) => {
            let (w, h) = s.input_size();
            let work: usize = s.program.sizes.iter().sum();
            if w * h <= 64 * 64 && work <= 1 << 22 {
                let map = s.run(&vec![101u8; w * h * 3]).expect("a compiled model runs on an image of its input size");
                assert_eq!(map.classes.len(), map.width * map.height);
            }
        }
    }
}
