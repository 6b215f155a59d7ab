//! A rough estimate of each op's arithmetic (multiply-accumulates), to say what share of the work a
//! plan leaves on the CPU. Convolutions and matrix products count their MACs; everything else counts
//! one operation per output element (resizes: four, for the bilinear taps).

use crate::model::{BuiltinOperator as B, BuiltinOptionsT, Model, Operator, Subgraph};

/// The largest cost of one op. Absurd shapes (2^31-1 in every dimension, rank 64) would otherwise
/// reach infinity, and inf·0 or inf/inf would make the CPU share NaN; capped, sums over any
/// number of ops stay finite.
const MAX_OP_COST: f64 = 1e290;

/// A product that saturates at `MAX_OP_COST` (never infinite, so never NaN after a zero).
fn product(factors: impl IntoIterator<Item = f64>) -> f64 {
    factors.into_iter().fold(1.0, |acc, f| (acc * f).min(MAX_OP_COST))
}

fn elements(shape: &[i32]) -> f64 {
    product(shape.iter().map(|&d| d.max(0) as f64))
}

fn dim(sg: &Subgraph, t: Option<usize>, axis: usize) -> f64 {
    t.and_then(|t| sg.tensors.get(t)).and_then(|t| t.shape.get(axis)).map_or(1.0, |&d| d.max(0) as f64)
}

fn op_cost(sg: &Subgraph, op: &Operator) -> f64 {
    let out = op.output(0).and_then(|t| sg.tensors.get(t)).map_or(0.0, |t| elements(&t.shape));
    match (&op.code, &op.options) {
        (&B::CONV_2D, _) => product([out, dim(sg, op.input(1), 1), dim(sg, op.input(1), 2), dim(sg, op.input(1), 3)]),
        (&B::DEPTHWISE_CONV_2D, _) => product([out, dim(sg, op.input(1), 1), dim(sg, op.input(1), 2)]),
        (&B::TRANSPOSE_CONV, _) => {
            product([out, dim(sg, op.input(1), 1), dim(sg, op.input(1), 2), dim(sg, op.input(1), 3)])
        }
        (&B::FULLY_CONNECTED, _) => product([out, dim(sg, op.input(1), 1)]),
        (&B::AVERAGE_POOL_2D | &B::MAX_POOL_2D | &B::L2_POOL_2D, BuiltinOptionsT::Pool2DOptions(o)) => {
            product([out, o.filter_width.max(1) as f64, o.filter_height.max(1) as f64])
        }
        (&B::RESIZE_BILINEAR, _) => product([out, 4.0]),
        (&B::MEAN | &B::SUM | &B::REDUCE_MAX | &B::REDUCE_MIN | &B::REDUCE_PROD | &B::ARG_MAX | &B::ARG_MIN, _) => {
            op.input(0).and_then(|t| sg.tensors.get(t)).map_or(out, |t| elements(&t.shape))
        }
        _ => out,
    }
}

/// Estimated cost of every op of the primary subgraph, by op index.
pub fn op_costs(model: &Model<'_>) -> Vec<f64> {
    model.subgraphs.first().map_or_else(Vec::new, |sg| sg.operators.iter().map(|op| op_cost(sg, op)).collect())
}
