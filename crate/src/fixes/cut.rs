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

fn readers(sg: &Subgraph, t: i32, removed: &[usize]) -> usize {
    sg.operators.iter().enumerate().filter(|(i, o)| !removed.contains(i) && o.inputs.contains(&t)).count()
}

fn label(sg: &Subgraph, t: i32) -> String {
    sg.tensor(t).map_or_else(String::new, |t| {
        let dims: Vec<String> = t.shape.iter().map(|d| d.to_string()).collect();
        format!("{:?} {}[{}]", t.name, type_name(t.dtype).to_lowercase(), dims.join(","))
    })
}

/// Ops to remove at the tail: (op, its output, the tensor that becomes the output).
fn tail_ops(sg: &Subgraph, cpu: &[usize]) -> Vec<(usize, i32, i32)> {
    let mut outputs = sg.outputs.clone();
    let mut removed: Vec<usize> = Vec::new();
    let mut found = Vec::new();
    loop {
        let next = cpu.iter().rev().copied().find(|&i| {
            let op = &sg.operators[i];
            !removed.contains(&i)
                && op.outputs.len() == 1
                && outputs.contains(&op.outputs[0])
                && readers(sg, op.outputs[0], &removed) == 0
                && non_const_inputs(sg, i).len() == 1
        });
        let Some(i) = next else { return found };
        let (out, inp) = (sg.operators[i].outputs[0], non_const_inputs(sg, i)[0]);
        outputs.retain(|&t| t != out);
        if !outputs.contains(&inp) {
            outputs.push(inp);
        }
        removed.push(i);
        found.push((i, out, inp));
    }
}

/// Ops to remove at the head: (op, its input, the tensor that becomes the input).
fn head_ops(sg: &Subgraph, cpu: &[usize]) -> Vec<(usize, i32, i32)> {
    let mut inputs = sg.inputs.clone();
    let mut removed: Vec<usize> = Vec::new();
    let mut found = Vec::new();
    loop {
        let next = cpu.iter().copied().find(|&i| {
            let ins = non_const_inputs(sg, i);
            !removed.contains(&i)
                && ins.len() == 1
                && inputs.contains(&ins[0])
                && readers(sg, ins[0], &removed) == 1
                && sg.operators[i].outputs.len() == 1
        });
        let Some(i) = next else { return found };
        let (inp, out) = (non_const_inputs(sg, i)[0], sg.operators[i].outputs[0]);
        inputs.retain(|&t| t != inp);
        inputs.push(out);
        removed.push(i);
        found.push((i, inp, out));
    }
}

/// Removes the ops and rewires the graph's inputs/outputs and signature defs.
pub fn apply(d: &mut Draft<'_>, sg: &Subgraph, cpu: &[usize], cut: Cut) -> Vec<Change> {
    let found = match cut {
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
    changes
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
