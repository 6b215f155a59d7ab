//! Prints what LiteRT's ML Drift GPU accelerator refuses in a model, by our rules
//! (`delegates::gpu::mldrift`), as JSON:
//!
//!     cargo run -q --example mldrift_refusals -- MODEL
//!     {"lines": ["ARG_MAX: Tensor type(INT64) is not supported. ArgMax"], "operators": 71, "supported": 70}
//!
//! `lines` are the sorted, de-duplicated lines of the "Following operations are not supported by
//! GPU delegate:" block; `supported` counts the operators of the first subgraph that pass the node
//! check (the partition policy, which picks one partition, is not applied).

use delegate_doctor::delegates::gpu::{mldrift, GpuContext};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: mldrift_refusals MODEL");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let model = match delegate_doctor::model::read(&bytes) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let lines = mldrift::refusal_lines(&model);
    let (operators, supported) = match model.subgraphs.first() {
        Some(sg) => {
            let remapped = mldrift::with_fp16_dequant_remap(sg);
            let ctx = GpuContext {
                model: &model,
                subgraph: remapped.as_ref().unwrap_or(sg),
                index: 0,
            };
            let supported = (0..sg.operators.len())
                .filter(|&i| mldrift::node_refusal(&ctx, i).is_none())
                .count();
            (sg.operators.len(), supported)
        }
        None => (0, 0),
    };
    let out = serde_json::json!({ "lines": lines, "operators": operators, "supported": supported });
    println!("{out}");
    ExitCode::SUCCESS
}
