//! Native benchmark of model reading and NNAPI analysis, on DeepLab and on a generated 5,000-op
//! model (once with small weights, once with ~170 MB of weights). Prints figures, asserts nothing.
//!
//! `cargo run --release --example bench_analyze -- [--rounds N] [--models DIR] [--json FILE]`
//! (from the repository root). `--models DIR` also writes the three models there, under the names
//! bench/analyze.js loads; `--json FILE` writes the figures for scripts/bench-analyze.sh.
//!
//! Every figure is the time of one call: after a warm-up, each round times a batch of calls long
//! enough (≥ 5 ms) for the clock, and the median and minimum are taken over the rounds. A round
//! goes through every model and call in turn, so the noise of a shared machine falls on all alike.

use std::hint::black_box;
use std::time::{Duration, Instant};

use delegate_doctor::analyze::{self, ALL_LEVELS};
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
    let mut rounds = 31;
    let mut models_dir = None;
    let mut json_file = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => rounds = args.next().ok_or("--rounds N")?.parse()?,
            "--models" => models_dir = Some(std::path::PathBuf::from(args.next().ok_or("--models DIR")?)),
            "--json" => json_file = Some(args.next().ok_or("--json FILE")?),
            _ => return Err(format!("unknown argument {a:?}").into()),
        }
    }
    let deeplab = std::fs::read(DEEPLAB).map_err(|e| format!("{DEEPLAB}: {e} (run from the repository root)"))?;
    let models = [
        ("deeplab.tflite", deeplab),
        ("gen5000.tflite", generated(GENERATED_OPS, 8)),
        ("gen5000-big.tflite", generated(GENERATED_OPS, 256)),
    ];
    if let Some(dir) = &models_dir {
        std::fs::create_dir_all(dir)?;
        for (name, bytes) in &models {
            std::fs::write(dir.join(name), bytes)?;
        }
    }
    let parsed = models.iter().map(|(_, b)| model::read(b)).collect::<Result<Vec<_>, _>>()?;

    let o = Options::default();
    let mut cases = Vec::new();
    for (i, ((_, bytes), m)) in models.iter().zip(&parsed).enumerate() {
        let o = &o;
        cases.extend([
            Case::new(i, "read", move || model::read(bytes).map(|m| m.operator_count())),
            Case::new(i, "analyze@29", move || delegate::analyze(m, o)),
            Case::new(i, "report (9 levels)", move || analyze::report(m, o, &ALL_LEVELS)),
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
        json.push(json!({ "file": name, "ops": ops, "bytes": bytes.len(), "rows": rows }));
    }
    if let Some(file) = json_file {
        std::fs::write(file, json!({ "rounds": rounds, "models": json }).to_string())?;
    }
    Ok(())
}
