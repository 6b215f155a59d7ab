//! The shapes the interpreter's builtin kernels compute in Prepare, and the Prepare failures they
//! raise at those shapes.
//!
//! `Subgraph::PrepareOpsStartingAt` (tflite/core/subgraph.cc) prepares the ops in plan order
//! (the order of the file). Each kernel's Prepare (tflite/kernels/<op>.cc) checks its inputs and
//! resizes its outputs from its inputs' *current* shapes (`context->ResizeTensor`), so what
//! matters is the shapes propagated from the graph inputs' stored `shape` and the constants'
//! shapes, not the stored shapes of intermediate tensors. The first op whose Prepare fails stops
//! the walk ("Node number N (OP) failed to prepare."); so does the first op whose output becomes
//! dynamic (that one is `dynamic::first_dynamic_tensor`'s business; the caller passes it as the
//! place to stop).
//!
//! Only the conditions that depend on shapes (ranks, dimensions, and the constant values that
//! decide shapes: axes, paddings, sizes, permutations …) are modelled; checks of types,
//! quantization and most options are not, and a structure the kernels would refuse for other
//! reasons (a missing input, an unexpected number of inputs) is left unpredicted. An op that is
//! not modelled keeps its stored output shapes. Whenever the outcome is not certain (an input
//! shape unknown, a size that does not fit in 32 bits, a value the kernel would read out of
//! bounds) the outputs become unknown and nothing is predicted: a failure is only reported when
//! the kernel certainly raises it.
//!
//! The walk is linear in the ops and their shapes; constant values are read only for the small
//! int tensors that decide shapes (at most `MAX_VALUES` elements), never for weights.

mod layout;
mod reduce;
mod window;

use std::collections::HashMap;
use std::rc::Rc;

use serde::Serialize;

use crate::model::{BuiltinOperator as B, Model, Operator, Subgraph, Tensor, TensorType};

/// A tensor's dimensions, shared between tensors that have the same shape.
pub type Dims = Rc<[i32]>;

/// The most elements of a constant int tensor whose values are read (shape vectors, axes, paddings).
const MAX_VALUES: usize = 1 << 12;

/// Why an op's Prepare fails, in the interpreter's words where it has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrepareFailure {
    pub op_index: usize,
    /// The op's name as the interpreter prints it, e.g. "CONV_2D".
    pub op: String,
    /// The kernel's source file, e.g. "tflite/kernels/conv.cc".
    pub kernel: &'static str,
    /// What the kernel logs: a TF_LITE_ENSURE condition as TFLite prints it (without its
    /// version-specific line number), or its message. `None` when it fails without a message.
    pub check: Option<String>,
    /// The cause in terms of the model.
    pub why: String,
}

impl PrepareFailure {
    /// One sentence for reports: op, cause, the kernel's check and the interpreter's line.
    pub fn reason(&self) -> String {
        let check = match &self.check {
            Some(c) => format!(" ({} Prepare: \"{c}\")", self.kernel),
            None => format!(" ({} Prepare)", self.kernel),
        };
        format!(
            "{} (op {}) fails to prepare at the model's declared shapes: {}{check}. The interpreter reports \"Node number {} ({}) failed to prepare.\"",
            self.op, self.op_index, self.why, self.op_index, self.op
        )
    }
}

/// The result of walking the ops as Prepare does.
#[derive(Debug, Clone)]
pub struct Propagation {
    /// Every tensor's shape as Prepare leaves it; `None` when it cannot be known here (unknown
    /// inputs, dynamic outputs, and the outputs of every op after the walk stopped).
    pub shapes: Vec<Option<Vec<i32>>>,
    /// How many ops were prepared (the walk stops at a failure or at a dynamic op).
    pub prepared: usize,
    /// The op whose outputs became dynamic, where the walk stopped: `stop_at`, or an op a modelled
    /// kernel makes dynamic first (e.g. a PAD of a rank-0 input).
    pub dynamic: Option<usize>,
    pub failure: Option<PrepareFailure>,
}

/// The first Prepare failure among the ops before `stop_at` (the first op whose output becomes
/// dynamic, where the interpreter stops preparing) and `stop_at` itself (kernels check their
/// inputs before they decide that an output is dynamic). The walk also stops at an op a modelled
/// kernel makes dynamic.
pub fn first_failure(model: &Model<'_>, sg: &Subgraph, stop_at: Option<usize>) -> Option<PrepareFailure> {
    let mut walk = Walk::new(model, sg);
    walk.run(stop_at)
}

/// The shapes of every tensor as Prepare leaves them, and the first failure.
pub fn propagate(model: &Model<'_>, sg: &Subgraph, stop_at: Option<usize>) -> Propagation {
    let mut walk = Walk::new(model, sg);
    let failure = walk.run(stop_at);
    // Ops after the stop are prepared later (at Invoke), from shapes known only then.
    let skipped = walk.prepared + usize::from(failure.is_some());
    for op in sg.operators.iter().skip(skipped) {
        for &t in &op.outputs {
            walk.set(t, Slot::Unknown);
        }
    }
    let shapes = (0..sg.tensors.len()).map(|t| walk.dims(t).map(<[i32]>::to_vec)).collect();
    Propagation { shapes, prepared: walk.prepared, dynamic: walk.dynamic, failure }
}

/// A tensor's shape during the walk.
#[derive(Debug, Clone)]
enum Slot {
    /// As stored in the file (graph inputs, constants, tensors no modelled op has written).
    Stored,
    Set(Dims),
    Unknown,
}

/// Int values known at Prepare time: a constant's, or a tensor computed in Prepare (SHAPE).
#[derive(Debug, Clone)]
pub(crate) struct Values {
    pub ints: Rc<[i64]>,
    /// The type the kernels see (SHAPE's output takes its `out_type`).
    pub dtype: TensorType,
}

struct Walk<'m, 'a> {
    model: &'m Model<'a>,
    sg: &'m Subgraph,
    slots: Vec<Slot>,
    /// Values of non-constant tensors computed in Prepare.
    computed: HashMap<usize, Values>,
    /// The op that writes each tensor (the last one, for a hostile file with several).
    producer: Vec<Option<B>>,
    prepared: usize,
    dynamic: Option<usize>,
}

impl<'m, 'a> Walk<'m, 'a> {
    fn new(model: &'m Model<'a>, sg: &'m Subgraph) -> Self {
        let mut producer = vec![None; sg.tensors.len()];
        for op in &sg.operators {
            for &t in &op.outputs {
                if let Some(p) = usize::try_from(t).ok().and_then(|t| producer.get_mut(t)) {
                    *p = Some(op.code);
                }
            }
        }
        Walk {
            model,
            sg,
            slots: vec![Slot::Stored; sg.tensors.len()],
            computed: HashMap::new(),
            producer,
            prepared: 0,
            dynamic: None,
        }
    }

    fn dims(&self, t: usize) -> Option<&[i32]> {
        match self.slots.get(t)? {
            Slot::Stored => self.sg.tensors.get(t).map(|t| t.shape.as_slice()),
            Slot::Set(d) => Some(d),
            Slot::Unknown => None,
        }
    }

    fn run(&mut self, stop_at: Option<usize>) -> Option<PrepareFailure> {
        let sg = self.sg;
        for (i, op) in sg.operators.iter().enumerate() {
            let step = prepare(&OpView { walk: self, op });
            let dynamic = matches!(step, Step::Dynamic) || stop_at == Some(i);
            if let Err(f) = self.apply(i, op, step) {
                return Some(f);
            }
            self.prepared = i + 1;
            if dynamic {
                for &t in &op.outputs {
                    self.set(t, Slot::Unknown);
                }
                self.dynamic = Some(i);
                break;
            }
        }
        None
    }

    fn apply(&mut self, i: usize, op: &Operator, step: Step) -> Result<(), PrepareFailure> {
        match step {
            Step::Stored => {}
            Step::Unknown | Step::Dynamic => {
                for &t in &op.outputs {
                    self.set(t, Slot::Unknown);
                }
            }
            Step::Out(shapes) => {
                for (k, &t) in op.outputs.iter().enumerate() {
                    let slot = match shapes.get(k) {
                        Some(Some(d)) if fits(d) => Slot::Set(d.clone()),
                        _ => Slot::Unknown,
                    };
                    self.set(t, slot);
                }
            }
            Step::Value(dims, values) => {
                if let Some(t) = op.output(0) {
                    self.computed.insert(t, values);
                }
                self.apply(i, op, Step::Out(vec![Some(dims)]))?;
            }
            Step::Fail(r) => {
                return Err(PrepareFailure {
                    op_index: i,
                    op: op.type_name(),
                    kernel: kernel_file(op.code),
                    check: r.check,
                    why: r.why,
                })
            }
        }
        Ok(())
    }

    fn set(&mut self, t: i32, slot: Slot) {
        if let Some(s) = usize::try_from(t).ok().and_then(|t| self.slots.get_mut(t)) {
            *s = slot;
        }
    }
}

/// At most 2^31 - 1 elements: larger tensors overflow the kernels' int arithmetic (or make
/// `ResizeTensor`'s byte count overflow), which is not modelled.
fn fits(d: &[i32]) -> bool {
    elements(d).is_some_and(|n| n <= i32::MAX as u64)
}

/// The product of the dimensions, `None` when it overflows u64 or a dimension is negative.
pub(crate) fn elements(d: &[i32]) -> Option<u64> {
    d.iter().try_fold(1u64, |n, &x| n.checked_mul(u64::try_from(x).ok()?))
}

/// What one op's Prepare does to its outputs.
pub(crate) enum Step {
    /// Not modelled: the outputs keep their shapes.
    Stored,
    /// Modelled, but the outputs cannot be known here (an input is unknown, the kernel would read
    /// out of bounds, a condition that is not modelled …).
    Unknown,
    /// The kernel makes its outputs dynamic (sized in Eval): the interpreter stops preparing here.
    Dynamic,
    /// The shape of each output, in order (`None`: unknown).
    Out(Vec<Option<Dims>>),
    /// One output whose values Prepare computes (persistent read-only).
    Value(Dims, Values),
    Fail(Refusal),
}

impl Step {
    pub(crate) fn one(d: Vec<i32>) -> Step {
        Step::Out(vec![Some(d.into())])
    }
    pub(crate) fn same(d: &[i32], outputs: usize) -> Step {
        let d: Dims = d.into();
        Step::Out(vec![Some(d); outputs.max(1)])
    }
}

/// A kernel's failure: what it logs and why.
pub(crate) struct Refusal {
    check: Option<String>,
    why: String,
}

/// `TF_LITE_ENSURE(context, cond)` prints "<cond> was not true.".
pub(crate) fn ensure(cond: &str, why: impl Into<String>) -> Step {
    Step::Fail(Refusal { check: Some(format!("{cond} was not true.")), why: why.into() })
}

/// `TF_LITE_ENSURE_EQ(context, a, b)` prints "<a> != <b> (<value of a> != <value of b>)".
pub(crate) fn ensure_eq(a: &str, b: &str, x: i64, y: i64, why: impl Into<String>) -> Step {
    Step::Fail(Refusal { check: Some(format!("{a} != {b} ({x} != {y})")), why: why.into() })
}

/// A message the kernel logs (TF_LITE_KERNEL_LOG or TF_LITE_ENSURE_MSG).
pub(crate) fn logged(message: impl Into<String>, why: impl Into<String>) -> Step {
    Step::Fail(Refusal { check: Some(message.into()), why: why.into() })
}

/// A failure the kernel returns without logging anything of its own.
pub(crate) fn silent(why: impl Into<String>) -> Step {
    Step::Fail(Refusal { check: None, why: why.into() })
}

/// `GetShapeDebugString` (kernel_util.cc): "[1,2,3]".
pub(crate) fn debug_shape(d: &[i32]) -> String {
    let items: Vec<String> = d.iter().map(i32::to_string).collect();
    format!("[{}]", items.join(","))
}

/// One op as its kernel sees it during the walk.
pub(crate) struct OpView<'w, 'm, 'a> {
    walk: &'w Walk<'m, 'a>,
    pub op: &'w Operator,
}

impl OpView<'_, '_, '_> {
    pub fn inputs(&self) -> usize {
        self.op.inputs.len()
    }
    pub fn outputs(&self) -> usize {
        self.op.outputs.len()
    }
    fn input_tensor(&self, k: usize) -> Option<(usize, &Tensor)> {
        let t = self.op.input(k)?;
        Some((t, self.walk.sg.tensors.get(t)?))
    }
    /// True when input `k` is given (not omitted with -1).
    pub fn has(&self, k: usize) -> bool {
        self.input_tensor(k).is_some()
    }
    /// The current shape of input `k`; `None` when it is omitted, unknown or too large.
    pub fn dims(&self, k: usize) -> Option<&[i32]> {
        let (t, _) = self.input_tensor(k)?;
        self.walk.dims(t).filter(|d| fits(d))
    }
    /// The type the kernel sees for input `k` (SHAPE's output takes its `out_type`).
    pub fn dtype(&self, k: usize) -> Option<TensorType> {
        let (t, tensor) = self.input_tensor(k)?;
        Some(self.walk.computed.get(&t).map_or(tensor.dtype, |v| v.dtype))
    }
    /// `IsConstantTensor`: a constant from the file (`kTfLiteMmapRo`).
    pub fn is_file_constant(&self, k: usize) -> bool {
        self.input_tensor(k).is_some_and(|(_, t)| t.is_const())
    }
    /// `IsConstantOrPersistentTensor`: a constant from the file, or a value computed in Prepare
    /// (only those this walk computes; others count as not known, which leaves the op unpredicted
    /// rather than wrongly predicted).
    pub fn known_at_prepare(&self, k: usize) -> bool {
        self.input_tensor(k).is_some_and(|(t, tensor)| tensor.is_const() || self.walk.computed.contains_key(&t))
    }
    /// True when input `k` might be computed in Prepare by a kernel this walk does not follow that
    /// far (the kernels that can make an output persistent read-only: broadcast_args.cc,
    /// concatenation.cc, gather.cc, mul.cc, range.cc, rank.cc, reduce.cc, reshape.cc, shape.cc,
    /// strided_slice.cc, tile.cc). A condition that holds only for inputs not known at Prepare
    /// cannot be predicted for such an input.
    pub fn maybe_known_at_prepare(&self, k: usize) -> bool {
        let Some((t, _)) = self.input_tensor(k) else { return false };
        self.known_at_prepare(k)
            || self.walk.producer.get(t).copied().flatten().is_some_and(|code| {
                matches!(
                    code,
                    B::BROADCAST_ARGS | B::CONCATENATION | B::GATHER | B::MUL | B::RANGE | B::RANK | B::MEAN | B::SUM
                        | B::REDUCE_PROD | B::REDUCE_MAX | B::REDUCE_MIN | B::REDUCE_ANY | B::REDUCE_ALL | B::RESHAPE
                        | B::SHAPE | B::STRIDED_SLICE | B::TILE
                )
            })
    }
    /// The int values of input `k` when they are known at Prepare (int32/int64 constants of at
    /// most `MAX_VALUES` elements, and values computed in Prepare).
    pub fn values(&self, k: usize) -> Option<Values> {
        let (t, tensor) = self.input_tensor(k)?;
        if let Some(v) = self.walk.computed.get(&t) {
            return Some(v.clone());
        }
        let width = match tensor.dtype {
            TensorType::INT32 => 4,
            TensorType::INT64 => 8,
            _ => return None,
        };
        let len = tensor.data?.len;
        if len / width > MAX_VALUES {
            return None;
        }
        let ints = self.walk.model.const_ints(tensor)?;
        // A constant shorter than its shape is refused by model::read; longer data is cut to the shape.
        let n = elements(&tensor.shape).and_then(|n| usize::try_from(n).ok())?;
        let ints: Rc<[i64]> = ints.get(..n)?.into();
        Some(Values { ints, dtype: tensor.dtype })
    }
    /// The stored tensor of output `k`.
    pub fn output_tensor(&self, k: usize) -> Option<&Tensor> {
        self.walk.sg.tensors.get(self.op.output(k)?)
    }
    /// `HasUnspecifiedDimension` (kernel_util.cc) of input `k`: its shape_signature has a -1.
    pub fn input_has_unspecified_dimension(&self, k: usize) -> bool {
        self.input_tensor(k).is_some_and(|(_, t)| has_unspecified_dimension(t))
    }
}

/// `HasUnspecifiedDimension` (kernel_util.cc): the shape_signature has a -1.
pub(crate) fn has_unspecified_dimension(t: &Tensor) -> bool {
    t.shape_signature.as_ref().is_some_and(|s| s.contains(&-1))
}

/// Each builtin kernel's Prepare, for the ops modelled; the others keep their stored shapes.
fn prepare(v: &OpView<'_, '_, '_>) -> Step {
    match v.op.code {
        B::CONV_2D => window::conv(v),
        B::DEPTHWISE_CONV_2D => window::depthwise(v),
        B::AVERAGE_POOL_2D | B::MAX_POOL_2D | B::L2_POOL_2D => window::pool(v),
        B::TRANSPOSE_CONV => window::transpose_conv(v),
        B::FULLY_CONNECTED => reduce::fully_connected(v),
        B::BATCH_MATMUL => reduce::batch_matmul(v),
        B::MEAN | B::SUM | B::REDUCE_PROD | B::REDUCE_MAX | B::REDUCE_MIN | B::REDUCE_ANY | B::REDUCE_ALL => reduce::reduce(v),
        B::ARG_MAX | B::ARG_MIN => reduce::arg_min_max(v),
        B::ADD | B::SUB | B::MUL | B::DIV | B::MAXIMUM | B::MINIMUM | B::SQUARED_DIFFERENCE | B::POW | B::FLOOR_DIV | B::FLOOR_MOD | B::LESS
        | B::LESS_EQUAL | B::GREATER | B::GREATER_EQUAL | B::EQUAL | B::NOT_EQUAL | B::LOGICAL_AND | B::LOGICAL_OR => broadcast(v),
        B::PRELU => prelu(v),
        B::SOFTMAX | B::L2_NORMALIZATION => unary_ranked(v, "NumDimensions(input) >= 1", |r| r >= 1),
        B::LOCAL_RESPONSE_NORMALIZATION => unary_rank_eq(v, 4),
        B::RELU | B::RELU6 | B::RELU_N1_TO_1 | B::RELU_0_TO_1 | B::TANH | B::LOGISTIC | B::HARD_SWISH | B::LEAKY_RELU | B::ELU | B::GELU
        | B::LOG_SOFTMAX | B::DEQUANTIZE | B::QUANTIZE | B::CAST | B::ABS | B::NEG | B::EXP | B::LOG | B::SQRT | B::RSQRT | B::SQUARE | B::SIN | B::COS
        | B::FLOOR | B::CEIL | B::ROUND | B::SIGN | B::LOGICAL_NOT | B::ZEROS_LIKE => unary(v),
        B::SHAPE => layout::shape(v),
        B::RESHAPE => layout::reshape(v),
        B::CONCATENATION => layout::concatenation(v),
        B::PAD | B::PADV2 => layout::pad(v),
        B::MIRROR_PAD => layout::mirror_pad(v),
        B::TRANSPOSE => layout::transpose(v),
        B::SQUEEZE => layout::squeeze(v),
        B::EXPAND_DIMS => layout::expand_dims(v),
        B::SLICE => layout::slice(v),
        B::STRIDED_SLICE => layout::strided_slice(v),
        B::GATHER => layout::gather(v),
        B::SPLIT => layout::split(v),
        B::SPLIT_V => layout::split_v(v),
        B::PACK => layout::pack(v),
        B::UNPACK => layout::unpack(v),
        B::SPACE_TO_DEPTH => layout::space_to_depth(v),
        B::DEPTH_TO_SPACE => layout::depth_to_space(v),
        B::RESIZE_BILINEAR | B::RESIZE_NEAREST_NEIGHBOR => layout::resize(v),
        _ => Step::Stored,
    }
}

/// The kernel source a builtin's Prepare lives in (for messages).
fn kernel_file(code: B) -> &'static str {
    match code {
        B::CONV_2D => "tflite/kernels/conv.cc",
        B::DEPTHWISE_CONV_2D => "tflite/kernels/depthwise_conv.cc",
        B::AVERAGE_POOL_2D | B::MAX_POOL_2D | B::L2_POOL_2D => "tflite/kernels/pooling.cc",
        B::TRANSPOSE_CONV => "tflite/kernels/transpose_conv.cc",
        B::FULLY_CONNECTED => "tflite/kernels/fully_connected.cc",
        B::BATCH_MATMUL => "tflite/kernels/batch_matmul.cc",
        B::MEAN | B::SUM | B::REDUCE_PROD | B::REDUCE_MAX | B::REDUCE_MIN | B::REDUCE_ANY | B::REDUCE_ALL => "tflite/kernels/reduce.cc",
        B::ARG_MAX | B::ARG_MIN => "tflite/kernels/arg_min_max.cc",
        B::ADD => "tflite/kernels/add.cc",
        B::SUB => "tflite/kernels/sub.cc",
        B::MUL => "tflite/kernels/mul.cc",
        B::DIV => "tflite/kernels/div.cc",
        B::MAXIMUM | B::MINIMUM => "tflite/kernels/maximum_minimum.cc",
        B::SQUARED_DIFFERENCE => "tflite/kernels/squared_difference.cc",
        B::POW => "tflite/kernels/pow.cc",
        B::FLOOR_DIV => "tflite/kernels/floor_div.cc",
        B::FLOOR_MOD => "tflite/kernels/floor_mod.cc",
        B::LESS | B::LESS_EQUAL | B::GREATER | B::GREATER_EQUAL | B::EQUAL | B::NOT_EQUAL => "tflite/kernels/comparisons.cc",
        B::LOGICAL_AND | B::LOGICAL_OR | B::LOGICAL_NOT => "tflite/kernels/logical.cc",
        B::PRELU | B::SOFTMAX | B::RELU | B::RELU6 | B::RELU_N1_TO_1 | B::RELU_0_TO_1 | B::TANH | B::LOGISTIC | B::HARD_SWISH | B::LEAKY_RELU
        | B::ELU | B::GELU | B::LOG_SOFTMAX => "tflite/kernels/activations.cc",
        B::L2_NORMALIZATION => "tflite/kernels/l2norm.cc",
        B::LOCAL_RESPONSE_NORMALIZATION => "tflite/kernels/local_response_norm.cc",
        B::SHAPE => "tflite/kernels/shape.cc",
        B::RESHAPE => "tflite/kernels/reshape.cc",
        B::CONCATENATION => "tflite/kernels/concatenation.cc",
        B::PAD | B::PADV2 => "tflite/kernels/pad.cc",
        B::MIRROR_PAD => "tflite/kernels/mirror_pad.cc",
        B::TRANSPOSE => "tflite/kernels/transpose.cc",
        B::SQUEEZE => "tflite/kernels/squeeze.cc",
        B::EXPAND_DIMS => "tflite/kernels/expand_dims.cc",
        B::SLICE => "tflite/kernels/slice.cc",
        B::STRIDED_SLICE => "tflite/kernels/strided_slice.cc",
        B::GATHER => "tflite/kernels/gather.cc",
        B::SPLIT => "tflite/kernels/split.cc",
        B::SPLIT_V => "tflite/kernels/split_v.cc",
        B::PACK => "tflite/kernels/pack.cc",
        B::UNPACK => "tflite/kernels/unpack.cc",
        B::SPACE_TO_DEPTH => "tflite/kernels/space_to_depth.cc",
        B::DEPTH_TO_SPACE => "tflite/kernels/depth_to_space.cc",
        B::RESIZE_BILINEAR => "tflite/kernels/resize_bilinear.cc",
        B::RESIZE_NEAREST_NEIGHBOR => "tflite/kernels/resize_nearest_neighbor.cc",
        _ => "tflite/kernels",
    }
}

/// Elementwise kernels (activations.cc GenericPrepare and friends, elementwise.cc, cast.cc,
/// dequantize.cc, quantize.cc …): the output takes the input's shape.
fn unary(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 1 || v.outputs() != 1 {
        return Step::Unknown;
    }
    match v.dims(0) {
        Some(d) => Step::same(d, 1),
        None => Step::Unknown,
    }
}

/// SOFTMAX (activations.cc SoftmaxPrepare) and L2_NORMALIZATION (l2norm.cc): rank ≥ 1.
fn unary_ranked(v: &OpView<'_, '_, '_>, cond: &str, ok: fn(usize) -> bool) -> Step {
    match v.dims(0) {
        Some(d) if v.inputs() == 1 && v.outputs() == 1 && !ok(d.len()) => {
            ensure(cond, format!("the input is a scalar (shape {})", debug_shape(d)))
        }
        _ => unary(v),
    }
}

/// LOCAL_RESPONSE_NORMALIZATION (local_response_norm.cc): rank 4.
fn unary_rank_eq(v: &OpView<'_, '_, '_>, rank: usize) -> Step {
    match v.dims(0) {
        Some(d) if v.inputs() == 1 && v.outputs() == 1 && d.len() != rank => ensure_eq(
            "NumDimensions(input)",
            &rank.to_string(),
            d.len() as i64,
            rank as i64,
            format!("the input has rank {} (shape {}), not {rank}", d.len(), debug_shape(d)),
        ),
        _ => unary(v),
    }
}

/// `CalculateShapeForBroadcast` (kernel_util.cc): dimensions aligned from the right must be equal
/// or 1; a 0 against a 1 gives 0.
pub(crate) fn broadcast_shape(a: &[i32], b: &[i32]) -> Option<Vec<i32>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let x = if i < a.len() { a[a.len() - 1 - i] } else { 1 };
        let y = if i < b.len() { b[b.len() - 1 - i] } else { 1 };
        if !(x == y || x == 1 || y == 1) {
            return None;
        }
        out[rank - 1 - i] = if x == 0 || y == 0 { 0 } else { x.max(y) };
    }
    Some(out)
}

/// Binary elementwise kernels (add.cc, sub.cc, mul.cc, div.cc, maximum_minimum.cc, comparisons.cc,
/// logical.cc, squared_difference.cc, pow.cc, floor_div.cc, floor_mod.cc Prepare): equal shapes
/// give the first input's shape, others must broadcast.
fn broadcast(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 2 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(a), Some(b)) = (v.dims(0), v.dims(1)) else { return Step::Unknown };
    if a == b {
        return Step::same(a, 1);
    }
    match broadcast_shape(a, b) {
        Some(d) => Step::one(d),
        None => not_broadcastable(a, b),
    }
}

fn not_broadcastable(a: &[i32], b: &[i32]) -> Step {
    let (a, b) = (debug_shape(a), debug_shape(b));
    logged(
        format!("Given shapes, {a} and {b}, are not broadcastable."),
        format!("its inputs have shapes {a} and {b}, which do not broadcast"),
    )
}

/// PRELU (activations.cc PreluPrepare): alpha always broadcasts against the input, and the result
/// must have the input's shape.
fn prelu(v: &OpView<'_, '_, '_>) -> Step {
    if v.inputs() != 2 || v.outputs() != 1 {
        return Step::Unknown;
    }
    let (Some(x), Some(alpha)) = (v.dims(0), v.dims(1)) else { return Step::Unknown };
    match broadcast_shape(x, alpha) {
        None => not_broadcastable(x, alpha),
        Some(d) if d != x => ensure(
            "HaveSameShapes(input, output)",
            format!("alpha {} broadcasts the input {} to {}", debug_shape(alpha), debug_shape(x), debug_shape(&d)),
        ),
        Some(d) => Step::one(d),
    }
}
