//! Benchmark: fixing a large model whose weights are stored after the flatbuffer (offset/size
//! buffers, the >2 GB layout scaled down), compared with copying the same bytes.
//!
//! Run: `cargo run --release --example bench_fix [MB]` (default 300). Prints medians of 5 runs.

use std::time::{Duration, Instant};

use delegate_doctor::builder::large_fc_model;
use delegate_doctor::fixes::{fix, FixOptions};
use delegate_doctor::model;
use delegate_doctor::nnapi::delegate::Options;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let mb: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(300);
    let bytes = large_fc_model(mb);
    let size = bytes.len() as f64 / 1e6;
    let m = model::read(&bytes).expect("the generated model reads");
    assert!(m.uses_offset_buffers);
    let opts = FixOptions { target: Options { sdk: 30, ..Options::default() }, ..FixOptions::default() };
    let (fixed, report) = fix(&bytes, &opts).expect("fix works");
    assert_eq!(report.changes.len(), 1, "only the ARG_MAX needs fixing");
    assert!(model::read(&fixed).is_ok());

    let runs = 5;
    let t_read = time(runs, || model::read(&bytes).map(|m| m.operator_count()));
    let t_fix = time(runs, || fix(&bytes, &opts).map(|(b, _)| b.len()));
    let t_copy = time(runs, || bytes.clone());
    let dir = std::env::temp_dir().join("dd-bench-fix");
    let _ = std::fs::create_dir_all(&dir);
    let (src, dst) = (dir.join("model.tflite"), dir.join("copy.tflite"));
    let _ = std::fs::write(&src, &bytes);
    let t_file_copy = time(runs, || std::fs::copy(&src, &dst).ok());
    let t_read_write = time(runs, || std::fs::read(&src).ok().and_then(|b| std::fs::write(&dst, b).ok()));
    let t_fix_file = time(runs, || {
        let b = std::fs::read(&src).ok()?;
        let (f, _) = fix(&b, &opts).ok()?;
        std::fs::write(&dst, f).ok()
    });
    let _ = std::fs::remove_dir_all(&dir);

    let rate = |d: Duration| size / d.as_secs_f64();
    println!("model: {size:.1} MB, {} ops, weights in offset/size buffers", m.operator_count());
    println!("read (verify + index)       {:>9.2?}  {:>8.0} MB/s", t_read, rate(t_read));
    println!("fix in memory (read, analyse, plan, write, re-read, analyse twice) {:>9.2?}  {:>8.0} MB/s", t_fix, rate(t_fix));
    println!("copy in memory (Vec clone)  {:>9.2?}  {:>8.0} MB/s", t_copy, rate(t_copy));
    println!("fix file → file             {:>9.2?}  {:>8.0} MB/s", t_fix_file, rate(t_fix_file));
    println!("copy file → file (fs::copy, in the kernel) {:>9.2?}  {:>8.0} MB/s", t_file_copy, rate(t_file_copy));
    println!("copy file → file (read + write)            {:>9.2?}  {:>8.0} MB/s", t_read_write, rate(t_read_write));
    println!(
        "ratios: fix/copy in memory {:.2}×; file fix vs read+write copy {:.2}×; vs fs::copy {:.2}×",
        t_fix.as_secs_f64() / t_copy.as_secs_f64(),
        t_fix_file.as_secs_f64() / t_read_write.as_secs_f64(),
        t_fix_file.as_secs_f64() / t_file_copy.as_secs_f64()
    );
}
