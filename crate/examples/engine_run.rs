//! Runs a model in the in-page engine natively on seeded inputs (`infer::compare::seeded_inputs`)
//! and writes them and the outputs, for checks against the real interpreter
//! (tests/python/test_engine_fixed.py): `engine_run MODEL OUT_DIR [SEED]`.
//! OUT_DIR gets `meta.json` ({"inputs": [...], "outputs": [...]}, each {index, name, dtype, shape}),
//! `input_I.bin` and `output_I.bin` (little-endian values, as TFLite stores them).
//! With DD_INPUTS=DIR the inputs are read from DIR/input_I.bin instead.

use delegate_doctor::infer::compare::seeded_inputs;
use delegate_doctor::infer::program::TensorInfo;
use delegate_doctor::infer::tensor::Buf;
use delegate_doctor::infer::Engine;

fn describe(list: &[TensorInfo]) -> serde_json::Value {
    list.iter()
        .map(|t| serde_json::json!({"index": t.index, "name": t.name, "dtype": t.element.name(), "shape": t.shape}))
        .collect()
}

fn read_inputs(dir: &str, infos: &[TensorInfo]) -> Result<Vec<Buf>, String> {
    infos
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let path = format!("{dir}/input_{i}.bin");
            let bytes = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
            Buf::from_le_bytes(t.element, &bytes).ok_or(format!("{path}: not a whole number of {} values", t.element.name()))
        })
        .collect()
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (model, out, seed) = match args.as_slice() {
        [m, o] => (m, o, 1u64),
        [m, o, s] => (m, o, s.parse().map_err(|_| format!("SEED must be a number, not {s:?}"))?),
        _ => return Err("usage: engine_run MODEL OUT_DIR [SEED]".into()),
    };
    let bytes = std::fs::read(model).map_err(|e| format!("{model}: {e}"))?;
    let mut engine = Engine::new(&bytes)?;
    let inputs = match std::env::var("DD_INPUTS") {
        Ok(dir) => read_inputs(&dir, engine.inputs())?,
        Err(_) => seeded_inputs(engine.inputs(), seed),
    };
    std::fs::create_dir_all(out).map_err(|e| format!("{out}: {e}"))?;
    for (i, b) in inputs.iter().enumerate() {
        std::fs::write(format!("{out}/input_{i}.bin"), b.to_le_bytes()).map_err(|e| e.to_string())?;
    }
    let t = std::time::Instant::now();
    let outputs = engine.run(inputs)?;
    eprintln!("ran in {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    for (i, b) in outputs.iter().enumerate() {
        std::fs::write(format!("{out}/output_{i}.bin"), b.to_le_bytes()).map_err(|e| e.to_string())?;
    }
    let meta = serde_json::json!({"inputs": describe(engine.inputs()), "outputs": describe(engine.outputs())});
    std::fs::write(format!("{out}/meta.json"), meta.to_string()).map_err(|e| e.to_string())?;
    Ok(())
}
