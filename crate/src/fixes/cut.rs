//! Cut (only on request): drop CPU-only ops at the end (or start) of the graph and expose the
//! tensor before (after) them as the new output (input), so the app does that step itself — the
//! workaround users apply by hand, e.g. ARG_MAX at API 27/28.
//!
//! Changes: the op is removed; the graph's output (input) list and the signature defs point at the
//! tensor next to it. Not exact in the model's own terms: the app's contract changes, and it is
//! reported as such.

use serde::{Deserialize, Serialize};

use super::{Change, Exactness};
use crate::model::{type_name, Subgraph};
use crate::surgery::Draft;

pub const ID: &str = "cut";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cut {
    /// Trailing CPU-only ops whose outputs only leave the graph.
    Tail,
    /// Leading CPU-only ops that only read graph inputs.
    Head,
}

fn non_const_inputs(sg: &Subgraph, op: usize) -> Vec<i32> {
    sg.operators[op].inputs.iter().copied().filter(|&t| sg.tensor(t).is_some_and(|t| !t.is_const())).collect()
}

/// How many ops read each tensor, kept up to date as ops are removed (the cut loops below ask
/// this once per candidate; counting afresh each time made a long cut cubic in the op count:
/// 2000 chained ops took 2 s, 8000 minutes).
struct Readers {
    count: Vec<usize>,
}

impl Readers {
    fn new(sg: &Subgraph) -> Self {
        let mut count = vec![0; sg.tensors.len()];
        for i in 0..sg.operators.len() {
            for t in distinct_inputs(sg, i) {
                count[t] += 1;
            }
        }
        Readers { count }
    }
    fn of(&self, t: i32) -> usize {
        usize::try_from(t).ok().and_then(|t| self.count.get(t)).copied().unwrap_or(0)
    }
    fn remove_op(&mut self, sg: &Subgraph, i: usize) {
        for t in distinct_inputs(sg, i) {
            self.count[t] -= 1;
        }
    }
}

/// The tensors op `i` reads, each once (an op reading a tensor twice is one reader).
fn distinct_inputs(sg: &Subgraph, i: usize) -> Vec<usize> {
    let mut v: Vec<usize> = sg.operators[i].inputs.iter().filter_map(|&t| usize::try_from(t).ok()).collect();
    v.sort_unstable();
    v.dedup();
    v.retain(|&t| t < sg.tensors.len());
    v
}

/// A membership table over the subgraph's tensors.
fn tensor_mask(sg: &Subgraph, list: &[i32]) -> Vec<bool> {
    let mut mask = vec![false; sg.tensors.len()];
    for &t in list {
        set(&mut mask, t, true);
    }
    mask
}

fn set(mask: &mut [bool], t: i32, value: bool) {
    if let Some(m) = usize::try_from(t).ok().and_then(|t| mask.get_mut(t)) {
        *m = value;
    }
}

fn member(mask: &[bool], t: i32) -> bool {
    usize::try_from(t).ok().and_then(|t| mask.get(t)).copied().unwrap_or(false)
}

fn label(sg: &Subgraph, t: i32) -> String {
    sg.tensor(t).map_or_else(String::new, |t| {
        let dims: Vec<String> = t.shape.iter().map(|d| d.to_string()).collect();
        format!("{:?} {}[{}]", t.name, type_name(t.dtype).to_lowercase(), dims.join(","))
    })
}

/// What one cut found: the ops to remove, and why it stopped where it did.
struct Found {
    /// (op, the tensor it leaves behind, the tensor that takes its place).
    ops: Vec<(usize, i32, i32)>,
    /// For each CPU op still ending (starting) the graph: why it cannot be cut.
    stops: Vec<String>,
}

fn op_label(sg: &Subgraph, i: usize) -> String {
    format!("op {i} {}", sg.operators[i].type_name())
}

fn tensor_names(sg: &Subgraph, list: &[i32]) -> String {
    let names: Vec<String> = list.iter().take(4).map(|&t| format!("{:?}", sg.tensor(t).map_or("", |t| t.name.as_str()))).collect();
    let more = if list.len() > 4 { format!(" and {} more", list.len() - 4) } else { String::new() };
    format!("{}{more}", names.join(", "))
}

/// Why the CPU op `i`, which writes a graph output, cannot be cut from the tail.
fn tail_stop(sg: &Subgraph, i: usize, outputs: &[bool], readers: &Readers) -> String {
    let op = &sg.operators[i];
    let computed = non_const_inputs(sg, i);
    let why = if op.outputs.len() != 1 {
        format!("it has {} outputs; a cut replaces one output by one input", op.outputs.len())
    } else if readers.of(op.outputs[0]) > 0 {
        format!("its output {} is also read by other ops", tensor_names(sg, &op.outputs))
    } else if computed.is_empty() {
        "its inputs are all constants, so there is nothing for the model to output instead".to_string()
    } else if computed.len() > 1 {
        format!(
            "it reads {} computed tensors ({}); a cut can make only one tensor the model's output in its place",
            computed.len(),
            tensor_names(sg, &computed)
        )
    } else if op.outputs.iter().any(|&t| !member(outputs, t)) {
        "not all of its outputs are model outputs".to_string()
    } else {
        "it cannot be cut".to_string()
    };
    format!("{} ends the model on the CPU: {why}", op_label(sg, i))
}

/// Why the CPU op `i`, which reads a graph input, cannot be cut from the head.
fn head_stop(sg: &Subgraph, i: usize, inputs: &[bool], readers: &Readers) -> String {
    let op = &sg.operators[i];
    let computed = non_const_inputs(sg, i);
    let why = if computed.iter().any(|&t| !member(inputs, t)) {
        format!(
            "its inputs are not all constants or model inputs (it also reads {})",
            tensor_names(sg, &computed.iter().copied().filter(|&t| !member(inputs, t)).collect::<Vec<_>>())
        )
    } else if computed.len() > 1 {
        format!("it reads {} model inputs ({}); a cut replaces one input by one output", computed.len(), tensor_names(sg, &computed))
    } else if computed.first().is_some_and(|&t| readers.of(t) > 1) {
        format!("its input {} is also read by other ops", tensor_names(sg, &computed))
    } else if op.outputs.len() != 1 {
        format!("it has {} outputs; a cut replaces one input by one output", op.outputs.len())
    } else {
        "it cannot be cut".to_string()
    };
    format!("{} starts the model on the CPU: {why}", op_label(sg, i))
}

/// Ops to remove at the tail: (op, its output, the tensor that becomes the output).
fn tail_ops(sg: &Subgraph, cpu: &[usize]) -> Found {
    let mut outputs = tensor_mask(sg, &sg.outputs);
    let mut readers = Readers::new(sg);
    let mut removed = vec![false; sg.operators.len()];
    let mut found = Vec::new();
    loop {
        let next = cpu.iter().rev().copied().find(|&i| {
            let op = &sg.operators[i];
            !removed[i]
                && op.outputs.len() == 1
                && member(&outputs, op.outputs[0])
                && readers.of(op.outputs[0]) == 0
                && non_const_inputs(sg, i).len() == 1
        });
        let Some(i) = next else {
            let stops = cpu
                .iter()
                .copied()
                .filter(|&i| !removed[i] && sg.operators[i].outputs.iter().any(|&t| member(&outputs, t)))
                .map(|i| tail_stop(sg, i, &outputs, &readers))
                .collect();
            return Found { ops: found, stops };
        };
        let (out, inp) = (sg.operators[i].outputs[0], non_const_inputs(sg, i)[0]);
        set(&mut outputs, out, false);
        set(&mut outputs, inp, true);
        removed[i] = true;
        readers.remove_op(sg, i);
        found.push((i, out, inp));
    }
}

/// Ops to remove at the head: (op, its input, the tensor that becomes the input).
fn head_ops(sg: &Subgraph, cpu: &[usize]) -> Found {
    let mut inputs = tensor_mask(sg, &sg.inputs);
    let mut readers = Readers::new(sg);
    let mut removed = vec![false; sg.operators.len()];
    let mut found = Vec::new();
    loop {
        let next = cpu.iter().copied().find(|&i| {
            let ins = non_const_inputs(sg, i);
            !removed[i]
                && ins.len() == 1
                && member(&inputs, ins[0])
                && readers.of(ins[0]) == 1
                && sg.operators[i].outputs.len() == 1
        });
        let Some(i) = next else {
            let stops = cpu
                .iter()
                .copied()
                .filter(|&i| !removed[i] && non_const_inputs(sg, i).iter().any(|&t| member(&inputs, t)))
                .map(|i| head_stop(sg, i, &inputs, &readers))
                .collect();
            return Found { ops: found, stops };
        };
        let (inp, out) = (non_const_inputs(sg, i)[0], sg.operators[i].outputs[0]);
        set(&mut inputs, inp, false);
        set(&mut inputs, out, true);
        removed[i] = true;
        readers.remove_op(sg, i);
        found.push((i, inp, out));
    }
}

/// What a cut did: the changes, the ops it removed, and why it stopped (one line per CPU op still
/// at that end of the model; empty when the model ends, or starts, in a delegate kernel).
pub struct CutResult {
    pub changes: Vec<Change>,
    pub removed: Vec<usize>,
    pub stops: Vec<String>,
}

/// Removes the ops and rewires the graph's inputs/outputs and signature defs.
pub fn apply(d: &mut Draft<'_>, sg: &Subgraph, cpu: &[usize], cut: Cut) -> CutResult {
    let Found { ops: found, stops } = match cut {
        Cut::Tail => tail_ops(sg, cpu),
        Cut::Head => head_ops(sg, cpu),
    };
    let mut changes = Vec::new();
    for &(i, old, new) in &found {
        rewire(d, old, new, cut);
        let what = match cut {
            Cut::Tail => format!("removed; the model now outputs {} and the app runs {} itself", label(sg, new), sg.operators[i].type_name()),
            Cut::Head => format!("removed; the model now takes {} and the app runs {} itself", label(sg, new), sg.operators[i].type_name()),
        };
        let mut c = Change::new(ID, i, &sg.operators[i].type_name(), what, Exactness::ChangesInterface, vec![]);
        c.detail = "the app's input/output contract changes".into();
        changes.push(c);
    }
    let mut ops: Vec<usize> = found.iter().map(|f| f.0).collect();
    ops.sort_unstable();
    for &i in ops.iter().rev() {
        d.operators().remove(i);
    }
    CutResult { changes, removed: ops, stops }
}

fn rewire(d: &mut Draft<'_>, old: i32, new: i32, cut: Cut) {
    if let Some(sg) = d.subgraph(0) {
        let list = match cut {
            Cut::Tail => sg.outputs.get_or_insert_with(Vec::new),
            Cut::Head => sg.inputs.get_or_insert_with(Vec::new),
        };
        if list.contains(&new) {
            list.retain(|&t| t != old);
        } else {
            list.iter_mut().filter(|t| **t == old).for_each(|t| *t = new);
        }
    }
    for s in d.model.signature_defs.iter_mut().flatten().filter(|s| s.subgraph_index == 0) {
        let maps = match cut {
            Cut::Tail => s.outputs.as_mut(),
            Cut::Head => s.inputs.as_mut(),
        };
        for m in maps.into_iter().flatten().filter(|m| m.tensor_index as i32 == old) {
            m.tensor_index = new as u32;
        }
    }
}
