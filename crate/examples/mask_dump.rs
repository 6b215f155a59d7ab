//! Runs the in-page engine natively on a soft-mask model (MediaPipe's selfie segmenters) and writes
//! the mask as little-endian float32: `mask_dump MODEL IMAGE.rgb OUT.f32`; the per-kernel profile
//! of the fastest of DD_ROUNDS (default 3) runs goes to stderr.

use delegate_doctor::infer::mask::SoftMask;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, rgb, out] = args.as_slice() else {
        return Err("usage: mask_dump MODEL IMAGE.rgb OUT.f32".into());
    };
    let bytes = std::fs::read(model).map_err(|e| format!("{model}: {e}"))?;
    let rgb = std::fs::read(rgb).map_err(|e| format!("{rgb}: {e}"))?;
    let mut seg = SoftMask::new(&bytes)?;
    seg.engine.clock = Some(delegate_doctor::infer::engine::native_clock);
    let mask = seg.run(&rgb)?;
    let rounds = std::env::var("DD_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let mut best = (f64::INFINITY, Vec::new());
    for _ in 0..rounds {
        seg.run(&rgb)?;
        let total: f64 = seg.engine.step_ms.iter().sum();
        if total < best.0 {
            best = (total, seg.engine.profile());
        }
    }
    if rounds > 0 {
        eprintln!("fastest run {:.1} ms", best.0);
        for (kind, ms) in best.1 {
            eprintln!("{kind:24} {ms:8.2} ms");
        }
    }
    let data: Vec<u8> = mask.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(out, data).map_err(|e| format!("{out}: {e}"))
}
