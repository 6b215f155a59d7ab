//! Times the in-page engine natively on one pre-resized image and optionally writes the class map:
//! `bench_segment MODEL IMAGE.rgb ROUNDS [MAP_OUT]`. Prints one JSON line with load, first, median
//! and minimum times in milliseconds (used by `scripts/bench-segment.sh` and the Python checks).

use std::time::Instant;

use delegate_doctor::infer::Segmenter;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (model, rgb, rounds, out) = match args.as_slice() {
        [m, r, n] => (m, r, n, None),
        [m, r, n, o] => (m, r, n, Some(o)),
        _ => return Err("usage: bench_segment MODEL IMAGE.rgb ROUNDS [MAP_OUT]".into()),
    };
    let rounds: usize = rounds.parse().map_err(|_| format!("ROUNDS must be a number, not {rounds:?}"))?;
    let bytes = std::fs::read(model).map_err(|e| format!("{model}: {e}"))?;
    let rgb = std::fs::read(rgb).map_err(|e| format!("{rgb}: {e}"))?;
    let t = Instant::now();
    let mut seg = Segmenter::new(&bytes)?;
    let load_ms = ms(t);
    let t = Instant::now();
    let map = seg.run(&rgb)?;
    let first_ms = ms(t);
    let mut times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        seg.run(&rgb)?;
        times.push(ms(t));
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(first_ms);
    let min = times.first().copied().unwrap_or(first_ms);
    if let Some(o) = out {
        std::fs::write(o, &map.classes).map_err(|e| format!("{o}: {e}"))?;
    }
    println!("{{\"load_ms\":{load_ms:.2},\"first_ms\":{first_ms:.2},\"median_ms\":{median:.2},\"min_ms\":{min:.2}}}");
    Ok(())
}
