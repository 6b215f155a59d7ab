//! Native benchmark of model reading and NNAPI analysis, on DeepLab and on a generated 5,000-op
//! model (once with small weights, once with ~170 MB of weights). Prints figures, asserts nothing.
//!
//! `cargo run --release --example bench_analyze -- [--rounds N] [--models DIR] [--json FILE] [--cli-only | --gpu-only]`
//! (from the repository root). Beside the NNAPI analysis at API 29 it times one classic GPU and one
//! LiteRT GPU analysis (default options) of each model and prints their ratios to the NNAPI one,
//! and the NNAPI report with the plan that really runs (`analyze::add_combined`, the default
//! XNNPACK delegate after NNAPI) against today's report, at API 29 and at all 9 levels, with its
//! ratio (issue 13's goal: ≤ 1.3×); `--gpu-only` times just those delegate calls (no reading,
//! exports or CLI runs). `--models DIR` also writes the three models there, under the names
//! bench/analyze.js loads; `--json FILE` writes the figures for scripts/bench-analyze.sh.
//!
//! Every figure is the time of one call: after a warm-up, each round times a batch of calls long
//! enough (≥ 5 ms) for the clock, and the median and minimum are taken over the rounds. A round
//! goes through every model and call in turn, so the noise of a shared machine falls on all alike.
//!
//! Then (alone with `--cli-only`) whole CLI runs: `delegate-doctor analyze MODEL --sdk 29 --format
//! json` as a child process of the release binary (built first with `cargo build --release`), on
//! the two generated models, with the file mapped (the default) and read into memory
//! (`DD_READ=plain`): wall and CPU time and peak RSS (from `wait4`) per run, medians over the
//! rounds, the four runs of a round interleaved; then the private memory (RssAnon, polled) of a
//! few untimed runs. The runs are started from a small helper process (see `bench_cli`).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use delegate_doctor::analyze::{self, ALL_LEVELS};
use delegate_doctor::delegates::gpu::policy::{self, Flavor, GpuOptions};
use delegate_doctor::delegates::xnnpack::{self, XnnpackOptions};
use delegate_doctor::builder::{const_bytes, const_i32, const_u8, tensor, ModelBuilder};
use delegate_doctor::model::{self, BuiltinOperator as B, TensorType};
use delegate_doctor::nnapi::delegate::{self, Options};
use delegate_doctor::{inspect, opts};
use serde_json::json;
use tflite_schema::tflite::ActivationFunctionType;

const DEEPLAB: &str = "../shared/models/deeplab/deeplabv3_mnv2_pascal_513_os8_google_original.tflite";
const GENERATED_OPS: usize = 5000;

/// A uint8 MobileNetV2-like chain of `n` ops on [1,16,16,c] activations: blocks of 1×1 CONV_2D →
/// 3×3 DEPTHWISE_CONV_2D → 1×1 CONV_2D → ADD with the block's input. Every 250th op is one the
/// delegate may refuse instead, in turn: AVERAGE_POOL_2D with a 32×32 window (refused below API 29),
/// RESIZE_BILINEAR with align_corners (refused up to API 29), a custom op (always refused).
fn generated(n: usize, c: i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    b.description(&format!("bench_analyze: {n} ops, {c} channels"));
    let act = |name: &str| tensor(name, TensorType::UINT8, &[1, 16, 16, c]).quant(0.05, 128);
    let weights = |name: &str, shape: &[i32]| {
        let len = shape.iter().product::<i32>() as usize;
        const_u8(name, shape, &vec![131; len]).quant(0.01, 128)
    };
    let bias = |name: &str| {
        const_bytes(name, TensorType::INT32, &[c], &vec![0; 4 * c as usize]).quant(0.0005, 0)
    };
    let relu6 = ActivationFunctionType::RELU6;
    let mut x = b.input(act("input"));
    let mut block_in = x;
    let mut step = 0;
    for k in 0..n {
        let block = format!("block_{}", step / 4);
        if k % 250 == 249 {
            let name = format!("refusable_{k}");
            let y = b.add(act(&name));
            match k / 250 % 3 {
                0 => b
                    .op(B::AVERAGE_POOL_2D, &[x], &[y])
                    .options(opts!(Pool2DOptions { stride_w: 1, stride_h: 1, filter_width: 32, filter_height: 32 })),
                1 => {
                    let size = b.add(const_i32(&format!("{name}/size"), &[2], &[16, 16]));
                    b.op(B::RESIZE_BILINEAR, &[x, size], &[y]).options(opts!(ResizeBilinearOptions { align_corners: true }))
                }
                _ => b.custom_op("BenchSmooth", &[x], &[y]),
            };
            x = y;
            continue;
        }
        let y = match step % 4 {
            0 | 2 => {
                let part = if step % 4 == 0 { "expand" } else { "project" };
                let w = b.add(weights(&format!("{block}/{part}/weights"), &[c, 1, 1, c]));
                let bi = b.add(bias(&format!("{block}/{part}/bias")));
                let y = b.add(act(&format!("{block}/{part}/Relu6")));
                b.op(B::CONV_2D, &[x, w, bi], &[y])
                    .version(3)
                    .options(opts!(Conv2DOptions { stride_w: 1, stride_h: 1, fused_activation_function: relu6 }));
                y
            }
            1 => {
                let w = b.add(weights(&format!("{block}/depthwise/weights"), &[1, 3, 3, c]));
                let bi = b.add(bias(&format!("{block}/depthwise/bias")));
                let y = b.add(act(&format!("{block}/depthwise/Relu6")));
                b.op(B::DEPTHWISE_CONV_2D, &[x, w, bi], &[y]).version(3).options(opts!(DepthwiseConv2DOptions {
                    stride_w: 1,
                    stride_h: 1,
                    depth_multiplier: 1,
                    fused_activation_function: relu6
                }));
                y
            }
            _ => {
                let y = b.add(act(&format!("{block}/add")));
                b.op(B::ADD, &[block_in, x], &[y]).version(2);
                block_in = y;
                y
            }
        };
        x = y;
        step += 1;
    }
    b.output(x);
    b.finish()
}

/// One timed call: a closure run in batches of `calls`, with the time per call of each round.
struct Case<'a> {
    model: usize,
    label: &'static str,
    f: Box<dyn FnMut() + 'a>,
    calls: u32,
    times: Vec<Duration>,
}

impl<'a> Case<'a> {
    fn new<T>(model: usize, label: &'static str, mut f: impl FnMut() -> T + 'a) -> Self {
        let f = Box::new(move || drop(black_box(f())));
        Case { model, label, f, calls: 1, times: Vec::new() }
    }

    fn batch(&mut self, calls: u32) -> Duration {
        let t = Instant::now();
        for _ in 0..calls {
            (self.f)();
        }
        t.elapsed()
    }

    /// 250 ms of warm-up, then the smallest batch (doubling) that takes ≥ 5 ms; neither is counted.
    fn calibrate(&mut self) {
        let warm = Instant::now();
        while warm.elapsed() < Duration::from_millis(250) {
            (self.f)();
        }
        while self.batch(self.calls) < Duration::from_millis(5) {
            self.calls *= 2;
        }
    }

    fn median_min(&self) -> (f64, f64) {
        let mut t = self.times.clone();
        t.sort();
        (ms(t[t.len() / 2]), ms(t[0]))
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rounds: usize = 31;
    let mut models_dir = None;
    let mut json_file = None;
    let mut cli_only = false;
    let mut gpu_only = false;
    let mut cli_runs_dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => rounds = args.next().ok_or("--rounds N")?.parse()?,
            "--models" => models_dir = Some(PathBuf::from(args.next().ok_or("--models DIR")?)),
            "--json" => json_file = Some(args.next().ok_or("--json FILE")?),
            "--cli-only" => cli_only = true,
            "--gpu-only" => gpu_only = true,
            // Internal: the measuring process that bench_cli starts.
            "--cli-runs" => cli_runs_dir = Some(PathBuf::from(args.next().ok_or("--cli-runs DIR")?)),
            _ => return Err(format!("unknown argument {a:?}").into()),
        }
    }
    if let Some(dir) = cli_runs_dir {
        return cli_runs(&dir, rounds);
    }
    let small = generated(GENERATED_OPS, 8);
    let big = generated(GENERATED_OPS, 256);
    if !cli_only {
        let deeplab = std::fs::read(DEEPLAB).map_err(|e| format!("{DEEPLAB}: {e} (run from the repository root)"))?;
        let models = [("deeplab.tflite", deeplab), ("gen5000.tflite", small.clone()), ("gen5000-big.tflite", big.clone())];
        bench_calls(&models, rounds, models_dir.as_deref(), json_file.as_deref(), gpu_only)?;
        println!();
    }
    if gpu_only {
        return Ok(());
    }
    bench_cli([&small, &big], rounds)
}

/// The in-process figures: each call on each model, timed in batches.
fn bench_calls(
    models: &[(&str, Vec<u8>)],
    rounds: usize,
    models_dir: Option<&Path>,
    json_file: Option<&str>,
    gpu_only: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = models_dir {
        std::fs::create_dir_all(dir)?;
        for (name, bytes) in models {
            std::fs::write(dir.join(name), bytes)?;
        }
    }
    let parsed = models.iter().map(|(_, b)| model::read(b)).collect::<Result<Vec<_>, _>>()?;

    let o = Options::default();
    let g = GpuOptions::default();
    let x = XnnpackOptions::default();
    let mut cases = Vec::new();
    for (i, ((_, bytes), m)) in models.iter().zip(&parsed).enumerate() {
        let (o, g, x) = (&o, &g, &x);
        cases.extend([
            Case::new(i, NNAPI_LABEL, move || delegate::analyze(m, o)),
            Case::new(i, GPU_LABEL, move || policy::analyze(m, Flavor::Classic, g)),
            Case::new(i, LITERT_LABEL, move || policy::analyze(m, Flavor::LiteRt, g)),
            // Issue 13: today's NNAPI report against the one with the plan that really runs.
            Case::new(i, REPORT_29, move || analyze::report(m, o, &[29])),
            Case::new(i, COMBINED_29, move || with_combined(m, o, &[29], x)),
            Case::new(i, REPORT_ALL, move || analyze::report(m, o, &ALL_LEVELS)),
            Case::new(i, COMBINED_ALL, move || with_combined(m, o, &ALL_LEVELS, x)),
            Case::new(i, "xnnpack analyze", move || xnnpack::analyze(m, x)),
        ]);
        if gpu_only {
            continue;
        }
        cases.extend([
            Case::new(i, "read", move || model::read(bytes).map(|m| m.operator_count())),
            // What the wasm exports compute (without their conversion of the result to JS objects).
            Case::new(i, "inspect()", move || model::read(bytes).map(|m| inspect::report(&m))),
            Case::new(i, "analyze([29])", move || model::read(bytes).map(|m| analyze::report(&m, o, &[29]))),
            Case::new(i, "analyze(all 9)", move || model::read(bytes).map(|m| analyze::report(&m, o, &ALL_LEVELS))),
        ]);
    }
    for c in &mut cases {
        c.calibrate();
    }
    // Rounds go across all cases, so that the machine's noise spreads over every figure alike.
    for _ in 0..rounds {
        for c in &mut cases {
            let t = c.batch(c.calls) / c.calls;
            c.times.push(t);
        }
    }

    println!("native (release), {rounds} rounds per figure (rounds × calls per batch); times per call");
    let mut json = Vec::new();
    for (i, ((name, bytes), m)) in models.iter().zip(&parsed).enumerate() {
        let ops = m.operator_count();
        let a = delegate::analyze(m, &o);
        println!(
            "\n{name}: {ops} ops, {:.1} MB; at API 29: {} of {} nodes in {} NNAPI kernels, {} ops refused",
            bytes.len() as f64 / 1e6,
            a.delegated_nodes,
            a.total_nodes,
            a.delegate_kernels,
            a.refused.len()
        );
        println!("  {:<34} {:>10} {:>10} {:>12}", "", "median ms", "min ms", "ms / 1k ops");
        let mut rows = serde_json::Map::new();
        for c in cases.iter().filter(|c| c.model == i) {
            let (median, min) = c.median_min();
            let calls = format!("({} × {})", c.times.len(), c.calls);
            println!("  {:<20}{calls:>14} {median:>10.4} {min:>10.4} {:>12.4}", c.label, median / (ops as f64 / 1000.0));
            rows.insert(c.label.to_string(), json!({ "median_ms": median, "min_ms": min }));
        }
        print_gpu_ratios(&cases, i, m, &g);
        print_combined_ratios(&cases, i, m, &o, &x);
        json.push(json!({ "file": name, "ops": ops, "bytes": bytes.len(), "rows": rows }));
    }
    if let Some(file) = json_file {
        std::fs::write(file, json!({ "rounds": rounds, "models": json }).to_string())?;
    }
    Ok(())
}

const NNAPI_LABEL: &str = "analyze@29";
const REPORT_29: &str = "report@29";
const COMBINED_29: &str = "report+combined@29";
const REPORT_ALL: &str = "report (9 levels)";
const COMBINED_ALL: &str = "report+combined (9)";
/// Issue 13's goal for the report with the combined plan against today's NNAPI report.
const COMBINED_RATIO_GOAL: f64 = 1.3;

/// What `analyze` computes by default now: the NNAPI report with each level's combined plan.
fn with_combined(m: &model::Model<'_>, o: &Options, levels: &[u32], x: &XnnpackOptions) -> analyze::Report {
    let mut r = analyze::report(m, o, levels);
    analyze::add_combined(&mut r, m, x);
    r
}

/// The reports with the combined plan over today's, with what the combined plan at API 29 holds.
fn print_combined_ratios(cases: &[Case], model: usize, m: &model::Model<'_>, o: &Options, x: &XnnpackOptions) {
    let median_of = |label: &str| cases.iter().find(|c| c.model == model && c.label == label).map(|c| c.median_min().0);
    for (today, combined) in [(REPORT_29, COMBINED_29), (REPORT_ALL, COMBINED_ALL)] {
        let (Some(t), Some(c)) = (median_of(today), median_of(combined)) else { continue };
        let ratio = c / t;
        let verdict = if ratio <= COMBINED_RATIO_GOAL { "within" } else { "ABOVE" };
        println!("  {combined} / {today}: {ratio:.2}× ({verdict} the {COMBINED_RATIO_GOAL}× goal)");
    }
    let r = with_combined(m, o, &[29], x);
    if let Some(c) = r.analyses.first().and_then(|l| l.combined.as_ref()) {
        let p = &c.plan;
        println!(
            "  combined@29: XNNPACK {:?}, {} NNAPI + {} XNNPACK + {} CPU ops, {} XNNPACK kernels",
            p.xnnpack, p.accelerator_nodes, p.xnnpack_nodes, p.cpu_nodes, p.xnnpack_kernels
        );
    }
}
const GPU_LABEL: &str = "gpu analyze";
const LITERT_LABEL: &str = "litert-gpu analyze";
/// Issue 12's goal for a GPU analysis against the NNAPI one of the same model.
const GPU_RATIO_GOAL: f64 = 1.2;

/// The GPU analyses' median times over the NNAPI analysis's, with what each GPU analysis found.
fn print_gpu_ratios(cases: &[Case], model: usize, m: &model::Model<'_>, g: &GpuOptions) {
    let median_of = |label: &str| cases.iter().find(|c| c.model == model && c.label == label).map(|c| c.median_min().0);
    let Some(nnapi) = median_of(NNAPI_LABEL) else { return };
    for (label, flavor) in [(GPU_LABEL, Flavor::Classic), (LITERT_LABEL, Flavor::LiteRt)] {
        let Some(t) = median_of(label) else { continue };
        let a = policy::analyze(m, flavor, g);
        let ratio = t / nnapi;
        let verdict = if ratio <= GPU_RATIO_GOAL { "within" } else { "ABOVE" };
        println!(
            "  {label} / {NNAPI_LABEL}: {ratio:.2}× ({verdict} the {GPU_RATIO_GOAL}× goal); {:?}: {} of {} nodes in {} kernels, {} ops refused",
            a.outcome, a.delegated_nodes, a.total_nodes, a.delegate_kernels, a.refused.len()
        );
    }
}

/// One whole CLI run as a child process.
struct Run {
    wall: Duration,
    /// User + system time of the child.
    cpu: Duration,
    peak_rss_kib: i64,
}

/// `delegate-doctor analyze MODEL --sdk 29 --format json`, output discarded; `plain` sets
/// `DD_READ=plain` (read the file into memory instead of mapping it).
fn analyze_command(bin: &Path, model: &Path, plain: bool) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("analyze").arg(model).args(["--sdk", "29", "--format", "json"]).stdout(Stdio::null());
    if plain {
        cmd.env("DD_READ", "plain");
    } else {
        cmd.env_remove("DD_READ");
    }
    cmd
}

/// Runs `delegate-doctor analyze MODEL --sdk 29 --format json` (output discarded) and waits for it
/// with `wait4`, which returns the child's resource usage.
fn run_cli(bin: &Path, model: &Path, plain: bool) -> Result<Run, String> {
    let mut cmd = analyze_command(bin, model, plain);
    let start = Instant::now();
    let child = cmd.spawn().map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data (zero is a valid value), and wait4 writes only into the two
    // locals it is given; the child is not waited for anywhere else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if waited != pid {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{} analyze {} failed (wait status {status})", bin.display(), model.display()));
    }
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    // On Linux ru_maxrss is in KiB.
    Ok(Run { wall, cpu: time(usage.ru_utime) + time(usage.ru_stime), peak_rss_kib: usage.ru_maxrss })
}

/// Builds the release CLI; a no-op when it is up to date.
fn release_cli() -> Result<(), Box<dyn std::error::Error>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = Command::new(cargo).args(["build", "--quiet", "--release", "--bin", "delegate-doctor"]).status()?;
    if !built.success() {
        return Err("cargo build --release --bin delegate-doctor failed".into());
    }
    Ok(())
}

/// The release CLI, beside this example's directory: target/release/{examples/bench_analyze, delegate-doctor}.
fn release_cli_path() -> Result<PathBuf, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let release = exe.parent().and_then(Path::parent).ok_or("no target directory above this example")?;
    Ok(release.join(format!("delegate-doctor{}", std::env::consts::EXE_SUFFIX)))
}

fn median<T: Ord + Copy>(v: &[T]) -> T {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

/// The models of the CLI runs, written by `bench_cli` and run by `cli_runs` under these names.
const CLI_MODELS: [&str; 2] = ["gen5000", "gen5000-big"];

/// Writes the two generated models to a temporary directory and measures the CLI on them from a
/// fresh, small process (this example again, with `--cli-runs DIR`). Not from this one: on Linux a
/// child's peak RSS (`ru_maxrss`) includes the peak of the address space it was started from, and
/// this process holds the models (hundreds of MB at its peak), which would hide the child's own figure.
fn bench_cli(models: [&[u8]; 2], rounds: usize) -> Result<(), Box<dyn std::error::Error>> {
    release_cli()?;
    let dir = std::env::temp_dir().join(format!("dd-bench-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let written = CLI_MODELS.iter().zip(models).try_for_each(|(name, bytes)| std::fs::write(dir.join(format!("{name}.tflite")), bytes));
    let ran = written.map_err(|e| e.to_string()).and_then(|()| {
        let status = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
            .arg("--cli-runs")
            .arg(&dir)
            .args(["--rounds", &rounds.to_string()])
            .status()
            .map_err(|e| e.to_string())?;
        if status.success() { Ok(()) } else { Err(format!("the CLI runs failed ({status})")) }
    });
    std::fs::remove_dir_all(&dir)?;
    Ok(ran?)
}

/// One model and read mode of the CLI runs, with what was measured.
struct CliCase {
    name: &'static str,
    bytes: u64,
    path: PathBuf,
    plain: bool,
    runs: Vec<Run>,
    anon_peaks_kib: Vec<i64>,
}

/// How many extra runs per case sample the private memory (not timed: the sampling costs CPU).
const ANON_SAMPLES: usize = 3;

/// Whole CLI runs on each model in `dir`, mapped and plain, interleaved within each round (in
/// reverse order every other round); one round of warm-up is not counted. Then a few runs per
/// case sample the child's private memory. Prints the medians and the ratios.
fn cli_runs(dir: &Path, rounds: usize) -> Result<(), Box<dyn std::error::Error>> {
    let bin = release_cli_path()?;
    let mut cases = Vec::new();
    for name in CLI_MODELS {
        let path = dir.join(format!("{name}.tflite"));
        let bytes = std::fs::metadata(&path)?.len();
        for plain in [false, true] {
            cases.push(CliCase { name, bytes, path: path.clone(), plain, runs: Vec::new(), anon_peaks_kib: Vec::new() });
        }
    }
    for round in 0..=rounds {
        let order: Vec<usize> = if round % 2 == 0 { (0..cases.len()).collect() } else { (0..cases.len()).rev().collect() };
        for i in order {
            let c = &mut cases[i];
            let run = run_cli(&bin, &c.path, c.plain)?;
            if round > 0 {
                c.runs.push(run);
            }
        }
    }
    for _ in 0..ANON_SAMPLES {
        for c in &mut cases {
            c.anon_peaks_kib.push(sampled_anon_peak(&bin, &c.path, c.plain)?);
        }
    }
    print_cli_figures(&bin, rounds, &cases);
    Ok(())
}

/// Median wall ms, median CPU ms, median peak RSS MiB and the largest private memory seen, MiB.
fn cli_figures(c: &CliCase) -> (f64, f64, f64, f64) {
    let wall = median(&c.runs.iter().map(|r| r.wall).collect::<Vec<_>>());
    let cpu = median(&c.runs.iter().map(|r| r.cpu).collect::<Vec<_>>());
    let rss = median(&c.runs.iter().map(|r| r.peak_rss_kib).collect::<Vec<_>>());
    let anon = c.anon_peaks_kib.iter().copied().max().unwrap_or(0);
    (ms(wall), ms(cpu), rss as f64 / 1024.0, anon as f64 / 1024.0)
}

fn print_cli_figures(bin: &Path, rounds: usize, cases: &[CliCase]) {
    println!("whole CLI runs: {} analyze MODEL --sdk 29 --format json > /dev/null", bin.display());
    println!("{rounds} rounds (+1 warm-up), medians; the files are in the page cache (just written); peak RSS from");
    println!("wait4 (counts the mapped file's resident pages too); private = largest RssAnon seen in {ANON_SAMPLES} sampled runs");
    println!("  {:<34} {:>9} {:>9} {:>9} {:>13} {:>12}", "", "wall ms", "min", "cpu ms", "peak RSS MiB", "private MiB");
    let mut figures = Vec::new();
    for c in cases {
        let (wall, cpu, rss, anon) = cli_figures(c);
        let min = ms(c.runs.iter().map(|r| r.wall).min().unwrap_or_default());
        let label = format!("{} ({:.1} MB) {}", c.name, c.bytes as f64 / 1e6, if c.plain { "plain" } else { "mapped" });
        println!("  {label:<34} {wall:>9.1} {min:>9.1} {cpu:>9.1} {rss:>13.1} {anon:>12.1}");
        figures.push((wall, cpu, rss, anon));
    }
    // The cases are [small mapped, small plain, big mapped, big plain].
    let ratio = |a: usize, b: usize| {
        let (x, y) = (figures[a], figures[b]);
        format!("wall {:.2}×, cpu {:.2}×, peak RSS {:.2}×, private {:.2}×", x.0 / y.0, x.1 / y.1, x.2 / y.2, x.3 / y.3)
    };
    println!("  big / small, mapped:   {}", ratio(2, 0));
    println!("  big / small, plain:    {}", ratio(3, 1));
    println!("  plain / mapped, big:   {}", ratio(3, 2));
    println!("  plain / mapped, small: {}", ratio(1, 0));
}

/// Runs the CLI once and polls its /proc/PID/status every 0.2 ms for RssAnon (its private
/// memory: the heap, and the copy of the file when it is read), returning the largest value seen.
/// The kernel keeps no peak of that figure, and the peak RSS of `wait4` includes the mapped file's
/// page-cache pages, which are shared and cost no extra memory.
fn sampled_anon_peak(bin: &Path, model: &Path, plain: bool) -> Result<i64, String> {
    let mut child = analyze_command(bin, model, plain).spawn().map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Some(kib) = std::fs::read_to_string(&status_file).ok().as_deref().and_then(rss_anon_kib) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return if status.success() { Ok(peak) } else { Err(format!("{} failed ({status})", bin.display())) };
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// The RssAnon line of /proc/PID/status, in KiB (absent once the process has exited).
fn rss_anon_kib(status: &str) -> Option<i64> {
    let line = status.lines().find(|l| l.starts_with("RssAnon:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
