//! `--format model-explorer`: one node-data overlay per target for Google's Model Explorer
//! (`ai-edge-model-explorer`), loaded over the graph of the same `.tflite` with "Load node data".
//!
//! The file is Model Explorer's "model node data" JSON (`ModelNodeData` in its
//! `model_explorer/node_data_builder.py`): `{graph id: {"name", "results": {node id: {"value",
//! "bgColor"}}, …}}`. Its built-in TFLite adapter (`direct_flatbuffer_to_json_graph_convert.cc`
//! in google-ai-edge/model-explorer) names things this way:
//! - a graph (one per subgraph) by the subgraph's name; when that is empty, by the key of the
//!   first signature of that subgraph (if that key is not empty); else "main" for subgraph 0 and
//!   "subgraph_N" for the others (`GetSubgraphName`);
//! - an op's node by its index in the subgraph, in decimal (`SubgraphBuildContext` reserves ids
//!   0..n-1 for the operators; the GraphInputs, GraphOutputs and pseudo-const nodes it adds take
//!   the ids after them, and get no value here).
//!
//! The value of a node is a label, a string (Model Explorer shows string values as categories):
//! "kernel K of N" for an op a delegate kernel runs (K counts the subgraph's kernels in run order),
//! "CPU: <reasons>" for an op the delegate refused, "CPU: not in a delegated partition" for an op it
//! accepted but left out, and "CPU: delegation fails: <reason>" when applying the delegate fails.
//!
//! A target with a combined plan (the delegate, then TFLite's default XNNPACK delegate: the plan
//! that really runs) gets a second overlay, `combined_overlay`, saying where each op runs:
//! "accelerator kernel K of N", "XNNPACK kernel K of N" or "CPU" (a builtin kernel).

use serde_json::{json, Map, Value};

use crate::combined::{CombinedRow, RunsOn, XnnpackStep};
use crate::model::Model;
use crate::plan::Outcome;

use super::{SubgraphView, TargetView};

/// The background of delegate kernels 1, 2, … (cycling), and of CPU ops.
const KERNEL_COLOURS: [&str; 6] = ["#66bb6a", "#42a5f5", "#ab47bc", "#26a69a", "#ffa726", "#8d6e63"];
const REFUSED_COLOUR: &str = "#ef5350";
const CPU_COLOUR: &str = "#bdbdbd";
/// XNNPACK's kernels in the combined overlay (orange: apart from the greens and blues of the
/// accelerator's kernels and the grey of the builtin CPU kernels).
const XNNPACK_COLOURS: [&str; 2] = ["#ff9800", "#ffb74d"];

/// Model Explorer's id of subgraph `index` (`GetSubgraphName`).
pub fn graph_id(m: &Model<'_>, index: usize) -> String {
    let name = m.subgraphs.get(index).map_or("", |s| s.name.as_str());
    if !name.is_empty() {
        return name.to_string();
    }
    let key = m.signature_defs.iter().find(|s| s.subgraph_index as usize == index).map_or("", |s| s.key.as_str());
    match (key, index) {
        ("", 0) => "main".to_string(),
        ("", i) => format!("subgraph_{i}"),
        (key, _) => key.to_string(),
    }
}

/// The label and colour of every op of one subgraph.
fn subgraph_results(t: &TargetView<'_>, s: &SubgraphView<'_>, ops: usize) -> Map<String, Value> {
    let mut labels: Vec<Option<(String, &str)>> = vec![None; ops];
    let kernels = s.plan.iter().filter(|r| r.is_delegate()).count();
    let mut k = 0;
    for row in s.plan {
        match &row.nodes {
            Some(nodes) => {
                k += 1;
                for &n in nodes.iter().filter(|&&n| n < ops) {
                    labels[n] = Some((format!("kernel {k} of {kernels}"), KERNEL_COLOURS[(k - 1) % KERNEL_COLOURS.len()]));
                }
            }
            None if row.index < ops => labels[row.index] = Some(("CPU: not in a delegated partition".into(), CPU_COLOUR)),
            None => {}
        }
    }
    for r in s.refused.iter().filter(|r| r.index < ops) {
        let reasons: Vec<&str> = r.reasons.iter().map(String::as_str).filter(|x| !x.is_empty()).collect();
        let label = if reasons.is_empty() { "CPU: refused".to_string() } else { format!("CPU: {}", reasons.join("; ")) };
        labels[r.index] = Some((label, REFUSED_COLOUR));
    }
    // When the delegate fails (or is not used at all) its failure is why every op runs on the CPU.
    let failed = t.failure.and_then(|f| match t.outcome {
        Outcome::Fails => Some(format!("CPU: delegation fails: {}", f.reason)),
        Outcome::None => Some(format!("CPU: {}", f.reason)),
        _ => None,
    });
    let mut results = Map::new();
    for (i, label) in labels.into_iter().enumerate() {
        let (value, colour) = match (label, &failed) {
            (_, Some(f)) => (f.clone(), REFUSED_COLOUR),
            (Some(l), None) => l,
            (None, None) => ("CPU".to_string(), CPU_COLOUR),
        };
        results.insert(i.to_string(), json!({"value": value, "bgColor": colour}));
    }
    results
}

/// One target's overlay: every subgraph the analysis covers, under Model Explorer's graph ids.
pub fn overlay(m: &Model<'_>, t: &TargetView<'_>) -> Value {
    let mut graphs = Map::new();
    for s in &t.subgraphs {
        let ops = m.subgraphs.get(s.index).map_or(0, |sg| sg.operators.len());
        graphs.insert(
            graph_id(m, s.index),
            json!({
                "name": format!("Delegate Doctor: {}", t.title),
                "results": subgraph_results(t, s, ops),
                "showExpandedSummaryOnGroupNode": true,
                "showLabelCountColumnsInChildrenStatsTable": true,
            }),
        );
    }
    Value::Object(graphs)
}

/// The file name of a target's overlay for the model file `stem`: "STEM.TARGET.node-data.json".
pub fn file_name(stem: &str, t: &TargetView<'_>) -> String {
    format!("{stem}.{}.node-data.json", t.slug)
}

/// Where each op of one subgraph runs in a combined plan.
fn combined_results(plan: &[CombinedRow], ops: usize, fails: Option<&str>) -> Map<String, Value> {
    let count = |on: RunsOn| plan.iter().filter(|r| r.runs_on == on && r.row.nodes.is_some()).count();
    let (accelerators, xnnpacks) = (count(RunsOn::Accelerator), count(RunsOn::Xnnpack));
    let mut labels: Vec<(String, &str)> = vec![("CPU".to_string(), CPU_COLOUR); ops];
    let (mut a, mut x) = (0, 0);
    for r in plan {
        let label = match (r.runs_on, &r.row.nodes) {
            (RunsOn::Accelerator, Some(_)) => {
                a += 1;
                (format!("accelerator kernel {a} of {accelerators}"), KERNEL_COLOURS[(a - 1) % KERNEL_COLOURS.len()])
            }
            (RunsOn::Xnnpack, Some(_)) => {
                x += 1;
                (format!("XNNPACK kernel {x} of {xnnpacks}"), XNNPACK_COLOURS[(x - 1) % XNNPACK_COLOURS.len()])
            }
            _ => ("CPU".to_string(), CPU_COLOUR),
        };
        let nodes = r.row.nodes.clone().unwrap_or_else(|| vec![r.row.index]);
        for n in nodes.into_iter().filter(|&n| n < ops) {
            labels[n] = label.clone();
        }
    }
    let mut results = Map::new();
    for (i, (value, colour)) in labels.into_iter().enumerate() {
        let (value, colour) = match fails {
            Some(f) => (format!("the run fails: {f}"), REFUSED_COLOUR),
            None => (value, colour),
        };
        results.insert(i.to_string(), json!({"value": value, "bgColor": colour}));
    }
    results
}

/// The second overlay of a target that has a combined plan: where each op really runs.
pub fn combined_overlay(m: &Model<'_>, t: &TargetView<'_>) -> Option<Value> {
    let c = &t.combined?.plan;
    let fails = (c.xnnpack == XnnpackStep::Fails).then(|| c.reason.as_deref().unwrap_or("AllocateTensors fails."));
    let primary = std::iter::once((0, c.plan.as_slice()));
    let others = c.other_subgraphs.iter().map(|s| (s.index, s.plan.as_slice()));
    let mut graphs = Map::new();
    for (index, plan) in primary.chain(others) {
        let ops = m.subgraphs.get(index).map_or(0, |sg| sg.operators.len());
        graphs.insert(
            graph_id(m, index),
            json!({
                "name": format!("Delegate Doctor: {}, then XNNPACK (the plan that really runs)", t.title),
                "results": combined_results(plan, ops, fails),
                "showExpandedSummaryOnGroupNode": true,
                "showLabelCountColumnsInChildrenStatsTable": true,
            }),
        );
    }
    Some(Value::Object(graphs))
}

/// The file name of a target's combined overlay: "STEM.TARGET.combined.node-data.json".
pub fn combined_file_name(stem: &str, t: &TargetView<'_>) -> String {
    format!("{stem}.{}.combined.node-data.json", t.slug)
}
