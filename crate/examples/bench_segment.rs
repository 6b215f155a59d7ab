//! Times the in-page engine natively on one pre-resized image and optionally writes its output:
//! `bench_segment MODEL IMAGE.rgb ROUNDS [OUT] [--profile]`. The model picks the kind, as the
//! page's `Segmenter` does (crate/src/wasm_engine.rs): a soft-mask model (output float32
//! `[1, h, w, 1]`, MediaPipe's selfie segmenters) runs through `SoftMask` and OUT gets the mask as
//! little-endian float32; any other through `Segmenter` and OUT gets the class map, one byte per
//! pixel. Prints one JSON line with load, first, median and minimum times in milliseconds and the
//! kind (used by `scripts/bench-segment.sh` and the Python checks); `--profile` adds
//! `"profile": [[kernel, ms], …]` of the fastest of three more runs after the timed ones, with the
//! engine's clock on.

use std::time::Instant;

use delegate_doctor::infer::engine::native_clock;
use delegate_doctor::infer::mask::{is_soft_mask, SoftMask};
use delegate_doctor::infer::{Engine, Segmenter};

/// The profile is that of the fastest of this many runs (as in bench/segment.js).
const PROFILE_RUNS: usize = 3;

const USAGE: &str = "usage: bench_segment MODEL IMAGE.rgb ROUNDS [OUT] [--profile]";

/// A compiled model of either kind, run on packed RGB.
enum Model {
    Classes(Segmenter),
    Mask(SoftMask),
}

impl Model {
    fn new(bytes: &[u8]) -> Result<Model, String> {
        let engine = Engine::new(bytes)?;
        if engine.outputs().first().is_some_and(is_soft_mask) {
            SoftMask::from_engine(engine).map(Model::Mask)
        } else {
            Segmenter::from_engine(engine).map(Model::Classes)
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Model::Classes(_) => "classes",
            Model::Mask(_) => "mask",
        }
    }

    fn engine_mut(&mut self) -> &mut Engine {
        match self {
            Model::Classes(s) => &mut s.engine,
            Model::Mask(m) => &mut m.engine,
        }
    }

    /// One run; the output as the bytes OUT gets.
    fn run(&mut self, rgb: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Model::Classes(s) => s.run(rgb).map(|m| m.classes),
            Model::Mask(m) => m.run(rgb).map(|v| v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        }
    }
}

struct Args {
    model: String,
    rgb: String,
    rounds: usize,
    out: Option<String>,
    profile: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let profile = args.iter().any(|a| a == "--profile");
    args.retain(|a| a != "--profile");
    let (model, rgb, rounds, out) = match args.as_slice() {
        [m, r, n] => (m, r, n, None),
        [m, r, n, o] => (m, r, n, Some(o.clone())),
        _ => return Err(USAGE.into()),
    };
    let rounds = rounds.parse().map_err(|_| format!("ROUNDS must be a number, not {rounds:?}\n{USAGE}"))?;
    Ok(Args { model: model.clone(), rgb: rgb.clone(), rounds, out, profile })
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// `[["kernel", ms], …]` of the fastest of `PROFILE_RUNS` runs with the engine's clock on.
fn profile_json(model: &mut Model, rgb: &[u8]) -> Result<String, String> {
    model.engine_mut().clock = Some(native_clock);
    let mut best: Option<(f64, Vec<(String, f64)>)> = None;
    for _ in 0..PROFILE_RUNS {
        model.run(rgb)?;
        let rows = model.engine_mut().profile();
        let total: f64 = rows.iter().map(|(_, t)| t).sum();
        if best.as_ref().is_none_or(|(b, _)| total < *b) {
            best = Some((total, rows));
        }
    }
    model.engine_mut().clock = None;
    let rows: Vec<(String, f64)> = best.map(|(_, r)| r).unwrap_or_default().into_iter().map(|(k, t)| (k, (t * 1e3).round() / 1e3)).collect();
    serde_json::to_string(&rows).map_err(|e| e.to_string())
}

fn main() -> Result<(), String> {
    let args = parse_args()?;
    let bytes = std::fs::read(&args.model).map_err(|e| format!("{}: {e}", args.model))?;
    let rgb = std::fs::read(&args.rgb).map_err(|e| format!("{}: {e}", args.rgb))?;
    let t = Instant::now();
    let mut model = Model::new(&bytes)?;
    let load_ms = ms(t);
    let t = Instant::now();
    let output = model.run(&rgb)?;
    let first_ms = ms(t);
    let mut times = Vec::new();
    for _ in 0..args.rounds {
        let t = Instant::now();
        model.run(&rgb)?;
        times.push(ms(t));
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(first_ms);
    let min = times.first().copied().unwrap_or(first_ms);
    if let Some(o) = &args.out {
        std::fs::write(o, &output).map_err(|e| format!("{o}: {e}"))?;
    }
    let profile = if args.profile { format!(",\"profile\":{}", profile_json(&mut model, &rgb)?) } else { String::new() };
    println!(
        "{{\"kind\":\"{}\",\"load_ms\":{load_ms:.2},\"first_ms\":{first_ms:.2},\"median_ms\":{median:.2},\"min_ms\":{min:.2}{profile}}}",
        model.kind()
    );
    Ok(())
}
