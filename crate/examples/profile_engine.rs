//! Per-kernel profile of the in-page engine natively: `profile_engine MODEL ROUNDS [SEED]` runs the
//! model on seeded inputs (`infer::compare::seeded_inputs`) once to warm up, then ROUNDS times, and
//! prints the median run and, per kind of kernel, the median milliseconds over the rounds
//! (with DD_STEPS=1 also each step of the last round).

use delegate_doctor::infer::compare::seeded_inputs;
use delegate_doctor::infer::engine::native_clock;
use delegate_doctor::infer::Engine;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (model, rounds, seed) = match args.as_slice() {
        [m, r] => (m, r, "1"),
        [m, r, s] => (m, r, s.as_str()),
        _ => return Err("usage: profile_engine MODEL ROUNDS [SEED]".into()),
    };
    let rounds: usize = rounds.parse().map_err(|_| format!("ROUNDS must be a number, not {rounds:?}"))?;
    let seed: u64 = seed.parse().map_err(|_| format!("SEED must be a number, not {seed:?}"))?;
    let bytes = std::fs::read(model).map_err(|e| format!("{model}: {e}"))?;
    let mut engine = Engine::new(&bytes)?;
    engine.clock = Some(native_clock);
    let inputs = seeded_inputs(engine.inputs(), seed);
    engine.run(inputs.clone())?;
    let mut totals = Vec::new();
    let mut kinds: Vec<(String, Vec<f64>)> = Vec::new();
    for _ in 0..rounds.max(1) {
        let t0 = native_clock();
        engine.run(inputs.clone())?;
        totals.push(native_clock() - t0);
        for (name, ms) in engine.profile() {
            match kinds.iter_mut().find(|(k, _)| *k == name) {
                Some((_, v)) => v.push(ms),
                None => kinds.push((name, vec![ms])),
            }
        }
    }
    let total = median(totals);
    let mut text = format!("median run {total:.2} ms over {} rounds\n", rounds.max(1));
    if std::env::var_os("DD_STEPS").is_some() {
        for (step, ms) in engine.program.steps.iter().zip(&engine.step_ms) {
            let size = engine.program.sizes[step.output];
            text += &format!("  op {:3} {ms:8.3} ms  {:<22} out {size}\n", step.op_index, step.kernel.describe());
        }
    }
    let mut rows: Vec<(String, f64)> = kinds.into_iter().map(|(k, v)| (k, median(v))).collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (name, ms) in rows {
        text += &format!("{ms:9.2} ms {:5.1} %  {name}\n", 100.0 * ms / total.max(1e-9));
    }
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
    Ok(())
}
