//! Runs the in-page engine natively and writes every tensor, to compare layer by layer with the
//! TFLite interpreter: `segment_dump MODEL IMAGE.rgb OUT_DIR`.

use delegate_doctor::infer::Segmenter;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, rgb, out] = args.as_slice() else {
        return Err("usage: segment_dump MODEL IMAGE.rgb OUT_DIR".into());
    };
    let bytes = std::fs::read(model).map_err(|e| format!("{model}: {e}"))?;
    let rgb = std::fs::read(rgb).map_err(|e| format!("{rgb}: {e}"))?;
    let mut seg = Segmenter::new(&bytes)?;
    seg.clock = Some(delegate_doctor::infer::engine::native_clock);
    let t = std::time::Instant::now();
    let bufs = seg.run_keeping_all(&rgb)?;
    eprintln!("ran in {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    // The per-step figures are the minimum over a few more runs (shared machines are noisy).
    let mut best = seg.step_ms.clone();
    for _ in 0..std::env::var("DD_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(2) {
        seg.run(&rgb)?;
        for (b, &t) in best.iter_mut().zip(&seg.step_ms) {
            *b = b.min(t);
        }
    }
    seg.step_ms = best;
    eprintln!("sum of per-step minimums {:.1} ms", seg.step_ms.iter().sum::<f64>());
    for (kind, ms) in seg.profile() {
        eprintln!("{kind:24} {ms:8.1} ms");
    }
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    for (i, b) in bufs.iter().enumerate() {
        if b.is_empty() {
            continue;
        }
        let data = b.to_le_bytes();
        std::fs::write(format!("{out}/{i}.bin"), data).map_err(|e| e.to_string())?;
    }
    Ok(())
}
