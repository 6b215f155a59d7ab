//! Kernels that contract dimensions: FULLY_CONNECTED (fully_connected.cc), BATCH_MATMUL
//! (batch_matmul.cc), the reductions (reduce.cc) and ARG_MAX/ARG_MIN (arg_min_max.cc).

use tflite_schema::tflite::FullyConnectedOptionsWeightsFormat;

use super::{debug_shape, elements, ensure, ensure_eq, logged, silent, OpView, Step};
use crate::model::{BuiltinOptionsT as Opts, TensorType};

/// fully_connected.cc PrepareImpl and UpdateOutputSize: a rank-2 filter [units, cols], a bias of
/// `units` elements; the output keeps the input's dimensions (`keep_num_dims`, whose last must be
/// `cols`) or flattens to [input elements / cols, units]. The division truncates and is not
/// checked in Prepare.
pub fn fully_connected(v: &OpView<'_, '_, '_>) -> Step {
    let (keep, shuffled) = match &v.op.options {
        Opts::FullyConnectedOptions(o) => (o.keep_num_dims, o.weights_format != FullyConnectedOptionsWeightsFormat::DEFAULT),
        _ => (false, false),
    };
    if !(v.inputs() == 2 || v.inputs() == 3) || v.outputs() != 1 || shuffled {
        return Step::Unknown;
    }
    let (Some(x), Some(f)) = (v.dims(0), v.dims(1)) else { return Step::Unknown };
    if f.len() != 2 {
        return ensure_eq("NumDimensions(filter)", "2", f.len() as i64, 2, format!("the weights have shape {}", debug_shape(f)));
    }
    let with_last = |last: i32| -> Step {
        match x.split_last() {
            Some((_, head)) => Step::one(head.iter().copied().chain([last]).collect()),
            None => Step::Unknown, // the kernel would read dims[-1]
        }
    };
    if f[1] == 0 {
        if keep {
            return with_last(f[0]);
        }
        let batch = x.split_last().map_or(1, |(_, head)| elements(head).unwrap_or(0));
        return Step::one(vec![batch as i32, f[0]]);
    }
    let batch = elements(x).unwrap_or(0) as i64 / i64::from(f[1]);
    if v.inputs() == 3 && v.has(2) {
        let Some(b) = v.dims(2) else { return Step::Unknown };
        let n = elements(b).unwrap_or(0) as i64;
        if n != i64::from(f[0]) {
            return ensure_eq("NumElements(bias)", "SizeOfDimension(filter, 0)", n, i64::from(f[0]), format!("the bias has {n} elements for {} units", f[0]));
        }
    }
    if keep {
        let Some(&last) = x.last() else { return Step::Unknown };
        if last != f[1] {
            return ensure_eq(
                "input->dims->data[input->dims->size - 1]",
                "cols",
                i64::from(last),
                i64::from(f[1]),
                format!("keep_num_dims needs the input's last dimension ({}) to equal the weights' {}", debug_shape(x), f[1]),
            );
        }
        return with_last(f[0]);
    }
    Step::one(vec![batch as i32, f[0]])
}

/// batch_matmul.cc Prepare: ranks 2 to 5, broadcastable batch dimensions and matching inner
/// dimensions (after `adj_x`/`adj_y`). With a rank below 2 it fails too, but what it logs depends
/// on memory it reads out of range.
pub fn batch_matmul(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 2 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(l), Some(r)) = (v.dims(0), v.dims(1)) else { return Step::Unknown };
    for (d, side) in [(l, "left"), (r, "right")] {
        if d.len() < 2 {
            // The kernel sizes its temporaries from out-of-range dimensions before it checks the
            // rank: it fails on the rank check or on a byte count that overflows.
            return silent(format!(
                "the {side} operand has shape {}; BATCH_MATMUL takes ranks 2 to 5 (\"NumDimensions({side}_data) >= 2\" or a size overflow of its temporaries)",
                debug_shape(d)
            ).replace("left_data", "lhs_data").replace("right_data", "rhs_data"));
        }
    }
    for (cond, d, side) in [("NumDimensions(lhs_data) <= 5", l, "left"), ("NumDimensions(rhs_data) <= 5", r, "right")] {
        if d.len() > 5 {
            return ensure(cond, format!("the {side} operand has shape {}; BATCH_MATMUL takes ranks 2 to 5", debug_shape(d)));
        }
    }
    let (adj_x, adj_y) = match &v.op.options {
        Opts::BatchMatMulOptions(o) => (o.adj_x, o.adj_y),
        _ => (false, false),
    };
    let rank = l.len().max(r.len());
    let extend = |d: &[i32]| -> Vec<i32> { std::iter::repeat_n(1, rank - d.len()).chain(d.iter().copied()).collect() };
    let (l, r) = (extend(l), extend(r));
    let mut out = Vec::with_capacity(rank);
    for i in 0..rank - 2 {
        if l[i] != r[i] && l[i] != 1 && r[i] != 1 {
            return ensure_eq("rhs_dim", "1", i64::from(r[i]), 1, format!("batch dimension {i} is {} and {}", l[i], r[i]));
        }
        out.push(if l[i] != r[i] && l[i] == 1 { r[i] } else { l[i] });
    }
    let accum_l = if adj_x { l[rank - 2] } else { l[rank - 1] };
    let accum_r = if adj_y { r[rank - 1] } else { r[rank - 2] };
    if accum_l != accum_r {
        return ensure_eq(
            "accum_dim_lhs",
            "accum_dim_rhs",
            i64::from(accum_l),
            i64::from(accum_r),
            format!("the inner dimensions {} and {} differ (shapes {} and {})", accum_l, accum_r, debug_shape(&l), debug_shape(&r)),
        );
    }
    out.push(if adj_x { l[rank - 1] } else { l[rank - 2] });
    out.push(if adj_y { r[rank - 2] } else { r[rank - 1] });
    Step::one(out)
}

/// reduce.cc PrepareSimple and GetOutputShape (MEAN, SUM, REDUCE_PROD/MAX/MIN/ANY/ALL): an int32
/// axis known at Prepare (else the output is dynamic), every axis within the input's rank.
pub fn reduce(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 2 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(x), Some(a), Some(at)) = (v.dims(0), v.dims(1), v.dtype(1)) else { return Step::Unknown };
    if at != TensorType::INT32 {
        return Step::Unknown; // the kernel refuses other axis types (types are not modelled)
    }
    if !v.known_at_prepare(1) {
        return Step::Dynamic;
    }
    let Some(axes) = v.values(1) else { return Step::Unknown };
    let count = elements(a).and_then(|n| usize::try_from(n).ok()).unwrap_or(usize::MAX);
    let Some(axes) = axes.ints.get(..count) else { return Step::Unknown };
    if x.is_empty() {
        return Step::one(Vec::new());
    }
    let rank = x.len() as i64;
    let mut reduced = vec![false; x.len()];
    for &axis in axes {
        let current = if axis < 0 { axis + rank } else { axis };
        if !(0..rank).contains(&current) {
            return logged("Invalid axis index.", format!("the axis {axis} is out of range for the input {}", debug_shape(x)));
        }
        reduced[current as usize] = true;
    }
    let keep = matches!(&v.op.options, Opts::ReducerOptions(o) if o.keep_dims);
    let out = x
        .iter()
        .zip(&reduced)
        .filter_map(|(&d, &r)| match (r, keep) {
            (true, true) => Some(1),
            (true, false) => None,
            (false, _) => Some(d),
        })
        .collect();
    Step::one(out)
}

/// arg_min_max.cc Prepare and ResizeOutput: a one-element int32/int64 axis, a ranked input; with
/// the axis known at Prepare, a valid, non-empty axis, which the output drops.
pub fn arg_min_max(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 2 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(x), Some(a), Some(at)) = (v.dims(0), v.dims(1), v.dtype(1)) else { return Step::Unknown };
    let n = elements(a).unwrap_or(0) as i64;
    if n != 1 {
        return ensure_eq("NumElements(axis)", "1", n, 1, format!("the axis input has shape {}", debug_shape(a)));
    }
    if !matches!(at, TensorType::INT32 | TensorType::INT64) {
        return Step::Unknown; // a type the kernel refuses
    }
    if x.is_empty() {
        return ensure("NumDimensions(input) >= 1", "the input is a scalar");
    }
    if !v.known_at_prepare(1) {
        return Step::Dynamic;
    }
    let Some(axis) = v.values(1).and_then(|a| a.ints.first().copied()) else { return Step::Unknown };
    let rank = x.len() as i64;
    let normalized = if axis < 0 { axis + rank } else { axis };
    if !(0..rank).contains(&normalized) {
        return logged("Invalid axis value.", format!("the axis {axis} is out of range for the input {}", debug_shape(x)));
    }
    let axis = normalized as usize;
    if x[axis] <= 0 {
        return logged("Cannot compute ArgMin/ArgMax over an empty axis.", format!("dimension {axis} of the input {} is empty", debug_shape(x)));
    }
    let mut out = x.to_vec();
    out.remove(axis);
    Step::one(out)
}
