//! Quantized AVERAGE_POOL_2D with a window over 256 elements, refused unless an accelerator is
//! specified ("Large filter window would overflow on the reference CPU path", nnapi_delegate.cc:
//! NNAPI's reference uint8 kernel sums in 16 bits).
//!
//! Two forms, chosen by the target level (the user can force one):
//! * MEAN over H and W with keep_dims, for a global pool (1×1 output, VALID, window = input,
//!   no activation, same quantization in and out). Needs level ≥ 29 for quantized MEAN.
//!   Exactness: measured over every channel sum, one kernel matches AVERAGE_POOL_2D exactly and the
//!   other is one step off at one residue (about 1 in n sums): for odd windows (DeepLab's 65×65)
//!   XNNPACK is exact and TFLite's builtin MEAN rounds +1; for even windows the builtin kernel is
//!   exact and XNNPACK rounds the .5 tie to even. NNAPI's reference MEAN truncates. Near-exact.
//! * Separable pooling: an fh×1 pool then a 1×fw pool (each window ≤ 256), accepted at every level.
//!   The average of row averages equals the window average before rounding, but the intermediate is
//!   rounded to the input's quantization, so results differ by ±1 on a few per cent of channels.

use tflite_schema::tflite::{Padding, Pool2DOptionsT, ReducerOptionsT};

use super::{Change, Ctx, Exactness, PoolForm, Delegate};
use crate::model::{BuiltinOperator as B, BuiltinOptionsT as O, TensorType};
use crate::surgery::Draft;

pub const ID: &str = "avg-pool-window";

pub fn cures(d: Delegate, reason: &str) -> bool {
    d == Delegate::Nnapi && (reason == "Large filter window would overflow on the reference CPU path")
}

#[derive(Debug, Clone)]
pub enum Plan {
    Mean { op: usize },
    Separable { op: usize, opts: Pool2DOptionsT, mid_shape: Vec<i32> },
}

pub fn plan(c: &Ctx<'_, '_>, i: usize) -> Result<Plan, String> {
    let op = &c.sg.operators[i];
    let O::Pool2DOptions(o) = &op.options else { return Err("the pool has no options".into()) };
    let input = op.input(0).and_then(|t| c.sg.tensors.get(t)).ok_or("the pool has no input")?;
    let output = op.output(0).and_then(|t| c.sg.tensors.get(t)).ok_or("the pool has no output")?;
    if input.rank() != 4 || output.rank() != 4 {
        return Err("the input and output must be rank 4".into());
    }
    if input.quantization != output.quantization {
        return Err("input and output quantization differ".into());
    }
    let global = o.padding == Padding::VALID
        && output.shape[1] == 1
        && output.shape[2] == 1
        && o.filter_height == input.shape[1]
        && o.filter_width == input.shape[2];
    let no_act = o.fused_activation_function.0 == 0;
    let mean_ok = global && no_act && c.level >= 29;
    let separable_ok = o.padding == Padding::VALID && o.filter_height <= 256 && o.filter_width <= 256;
    let separable = || Plan::Separable {
        op: i,
        opts: (**o).clone(),
        mid_shape: vec![input.shape[0], output.shape[1], input.shape[2], input.shape[3]],
    };
    match c.opts.pool_form {
        PoolForm::Auto if mean_ok => Ok(Plan::Mean { op: i }),
        PoolForm::Auto | PoolForm::Separable if separable_ok => Ok(separable()),
        PoolForm::Mean if mean_ok => Ok(Plan::Mean { op: i }),
        PoolForm::Mean => Err("MEAN needs a global pool without activation and API ≥ 29".into()),
        PoolForm::Separable => Err("separable pooling needs VALID padding and each window side ≤ 256".into()),
        PoolForm::Auto => Err(format!(
            "MEAN needs a global VALID pool without activation and API ≥ 29 (here: {}); separable pooling needs VALID padding and each window side ≤ 256",
            if !global {
                "not a global VALID pool".to_string()
            } else if !no_act {
                "it has a fused activation".to_string()
            } else {
                format!("level {}", c.level)
            }
        )),
    }
}

pub fn apply(d: &mut Draft<'_>, p: &Plan) -> Change {
    match p {
        Plan::Mean { op } => to_mean(d, *op),
        Plan::Separable { op, opts, mid_shape } => to_separable(d, *op, opts, mid_shape),
    }
}

fn io(d: &mut Draft<'_>, i: usize) -> (i32, i32) {
    let op = &d.operators()[i];
    let first = |v: &Option<Vec<i32>>| v.as_ref().and_then(|v| v.first().copied()).unwrap_or(-1);
    (first(&op.inputs), first(&op.outputs))
}

fn version_for(d: &mut Draft<'_>, t: i32) -> i32 {
    if d.tensor(t).is_some_and(|t| t.type_ == TensorType::INT8) {
        2
    } else {
        1
    }
}

fn to_mean(d: &mut Draft<'_>, i: usize) -> Change {
    let (x, y) = io(d, i);
    let name = d.tensor(y).and_then(|t| t.name.clone()).unwrap_or_default();
    let axes = d.add_const_i32(&format!("{name}/mean_axes"), &[2], &[1, 2]);
    let version = version_for(d, x);
    let opcode = d.opcode(B::MEAN, version);
    let op = &mut d.operators()[i];
    op.opcode_index = opcode;
    op.inputs = Some(vec![x, axes]);
    op.builtin_options = O::ReducerOptions(Box::new({
        let mut r = ReducerOptionsT::default();
        r.keep_dims = true;
        r
    }));
    let mut c = Change::new(
        ID,
        i,
        "AVERAGE_POOL_2D",
        "global average pool → MEAN over H,W (keep_dims, same quantization)".into(),
        Exactness::NearExact,
        vec![y],
    );
    c.detail = "MEAN rounds ties differently from AVERAGE_POOL_2D in some kernels: one quantized step off for about 1 in n channel sums (odd windows: TFLite's builtin kernel; even windows: XNNPACK); NNAPI's reference CPU MEAN truncates".into();
    c
}

fn to_separable(d: &mut Draft<'_>, i: usize, o: &Pool2DOptionsT, mid_shape: &[i32]) -> Change {
    let (x, y) = io(d, i);
    let name = d.tensor(y).and_then(|t| t.name.clone()).unwrap_or_default();
    let mid = d.add_tensor_like(x, &format!("{name}/rows"), mid_shape);
    let mut first = o.clone();
    first.filter_width = 1;
    first.stride_w = 1;
    first.fused_activation_function = Default::default();
    let mut second = o.clone();
    second.filter_height = 1;
    second.stride_h = 1;
    let version = version_for(d, x);
    let opcode = d.opcode(B::AVERAGE_POOL_2D, version);
    {
        let op = &mut d.operators()[i];
        op.opcode_index = opcode;
        op.outputs = Some(vec![mid]);
        op.builtin_options = O::Pool2DOptions(Box::new(first));
    }
    d.insert_op(i + 1, B::AVERAGE_POOL_2D, version, vec![mid], vec![y], O::Pool2DOptions(Box::new(second)));
    let mut c = Change::new(
        ID,
        i,
        "AVERAGE_POOL_2D",
        format!("{}×{} pool → {}×1 pool then 1×{} pool", o.filter_height, o.filter_width, o.filter_height, o.filter_width),
        Exactness::Approximate,
        vec![mid, y],
    );
    c.detail = "rounds twice: expect ±1 (in quantized steps) on a few per cent of channels".into();
    c
}
