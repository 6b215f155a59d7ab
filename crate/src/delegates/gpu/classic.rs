//! The classic TFLite GPU delegate's per-node decision (`tflite/delegates/gpu`, Interpreter API,
//! Play services, `benchmark_model --use_gpu=true`).
//!
//! * `DelegatePrepare` (tflite/delegates/gpu/delegate.cc:1526-1566) excludes SPLIT and SPLIT_V
//!   when OpenCL is not available, then calls `GetOpsToReplace` with `IsQuantOpsAllowed()`.
//! * `GetOpsToReplace` (tflite/delegates/gpu/common/model_builder.cc:3291-3392) accepts a node
//!   when `NewOperationParser(...)->IsSupported()` passes (3047-3053, the switch at 3080-3287)
//!   and its tensors pass `IsAllAllowedTensors` (3055-3077, type lists 3308-3342); a refused
//!   node is logged as `GetOpNameByRegistration + ": " + details`
//!   (tflite/delegates/utils.cc:189-193).
//! * The nodes of the chosen partition are then parsed (`BuildModelEnforceIO`, 3488-3560); a
//!   failing `Parse()` makes the whole delegate fail (`TfLiteGpuDelegate Init: <reason>`,
//!   delegate.cc:1422), see [`parse_failure`].
//!
//! The partition policy (`FP16GraphPartitionHelper`, largest partition) is not here.

use super::reader::{self, Reader, Sparsity};
use super::{compat, op_name_by_registration, CompatFlags, GpuContext, InputRemap, TypeSet};
use crate::model::{BuiltinOperator as Op, Operator, TensorType};

/// The delegate's options that change the node decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassicOptions {
    /// `TFLITE_GPU_EXPERIMENTAL_FLAGS_ENABLE_QUANT` (on by default, delegate_options.cc).
    pub allow_quant_ops: bool,
    /// `cl::OpenCLSupported()`: false on GL-only devices, which then refuse SPLIT and SPLIT_V.
    pub opencl: bool,
}

impl Default for ClassicOptions {
    fn default() -> Self {
        ClassicOptions { allow_quant_ops: true, opencl: true }
    }
}

/// The detail `GetOpsToReplace` gives when a supported op's tensors are refused (3346-3347).
pub const TENSOR_REFUSAL: &str = "OP is supported, but tensor type/shape isn't compatible.";

/// The elementwise `OperationType`s `NewOperationParser` gives `ElementwiseOperationParser`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Elementwise {
    Abs,
    Add,
    Cos,
    Div,
    Equal,
    Elu,
    Exp,
    Floor,
    FloorDiv,
    FloorMod,
    Gelu,
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
    Sigmoid,
    Log,
    LogicalAnd,
    Maximum,
    Minimum,
    Mul,
    Neg,
    NotEqual,
    Pow,
    Rsqrt,
    Sign,
    Sin,
    Sqrt,
    Square,
    SquaredDiff,
    Sub,
    Tanh,
}

impl Elementwise {
    /// `IsLogicalOp` (model_builder.cc:311-318).
    pub fn is_logical(self) -> bool {
        use Elementwise::*;
        matches!(self, Greater | GreaterEqual | Less | LessEqual | Equal | NotEqual)
    }

    /// `IsOneArgumentOperation` (1207-1229).
    pub fn is_one_argument(self) -> bool {
        use Elementwise::*;
        matches!(self, Abs | Cos | Elu | Exp | Floor | Gelu | Log | Neg | Rsqrt | Sigmoid | Sign | Sin | Sqrt | Square | Tanh)
    }
}

/// The parser `NewOperationParser` picks for a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Parser {
    Elementwise(Elementwise),
    Pooling2D,
    BatchedMatMul,
    Cast,
    Concatenation,
    Conv2D,
    Cumsum,
    Densify,
    DepthwiseConvolution,
    DepthToSpace,
    Dequantize,
    FullyConnected,
    Gather,
    HardSwish,
    Lstm,
    Mean,
    Pad,
    OneHot,
    Pack,
    Reduce,
    Quantize,
    ReLU,
    PReLU,
    Reshape,
    Resize2D,
    SelectV2,
    Slice,
    Softmax,
    SpaceToDepth,
    Split,
    SplitV,
    StridedSlice,
    Tile,
    Transpose,
    TransposeConvBuiltin,
    Unpack,
    TransposeConvCustom,
    Unpooling2D,
    Resampler,
    /// `UnimplementedOperationParser(custom name)` (default/custom_parsers.cc): refuses with the
    /// custom name as the message.
    UnimplementedCustom(String),
    /// `UnsupportedOperationParser` (3032-3045).
    Unsupported,
}

/// `NewOperationParser` (model_builder.cc:3080-3287), in the order of its switch.
pub(super) fn new_operation_parser(op: &Operator, o: &ClassicOptions) -> Parser {
    use Elementwise as E;
    use Parser as P;
    if !o.opencl && matches!(op.code, Op::SPLIT | Op::SPLIT_V) {
        return P::Unsupported; // excluded_ops (delegate.cc:1536-1540)
    }
    match op.code {
        Op::ABS => P::Elementwise(E::Abs),
        Op::ADD | Op::ADD_N => P::Elementwise(E::Add),
        Op::AVERAGE_POOL_2D => P::Pooling2D,
        Op::BATCH_MATMUL => P::BatchedMatMul,
        Op::CAST => P::Cast,
        Op::CONCATENATION => P::Concatenation,
        Op::CONV_2D => P::Conv2D,
        Op::COS => P::Elementwise(E::Cos),
        Op::CUMSUM => P::Cumsum,
        Op::DENSIFY => P::Densify,
        Op::DEPTHWISE_CONV_2D => P::DepthwiseConvolution,
        Op::DEPTH_TO_SPACE => P::DepthToSpace,
        Op::DEQUANTIZE if o.allow_quant_ops => P::Dequantize,
        Op::DIV => P::Elementwise(E::Div),
        Op::EQUAL => P::Elementwise(E::Equal),
        Op::ELU => P::Elementwise(E::Elu),
        Op::EXP => P::Elementwise(E::Exp),
        Op::FLOOR => P::Elementwise(E::Floor),
        Op::FLOOR_DIV => P::Elementwise(E::FloorDiv),
        Op::FLOOR_MOD => P::Elementwise(E::FloorMod),
        Op::FULLY_CONNECTED => P::FullyConnected,
        Op::GATHER => P::Gather,
        Op::GELU => P::Elementwise(E::Gelu),
        Op::GREATER => P::Elementwise(E::Greater),
        Op::GREATER_EQUAL => P::Elementwise(E::GreaterEqual),
        Op::HARD_SWISH => P::HardSwish,
        Op::LESS => P::Elementwise(E::Less),
        Op::LESS_EQUAL => P::Elementwise(E::LessEqual),
        Op::LOGISTIC => P::Elementwise(E::Sigmoid),
        Op::LOG => P::Elementwise(E::Log),
        Op::LOGICAL_AND => P::Elementwise(E::LogicalAnd),
        Op::LSTM => P::Lstm,
        Op::MAXIMUM => P::Elementwise(E::Maximum),
        Op::MAX_POOL_2D => P::Pooling2D,
        Op::MEAN => P::Mean,
        Op::MINIMUM => P::Elementwise(E::Minimum),
        Op::MIRROR_PAD => P::Pad,
        Op::MUL => P::Elementwise(E::Mul),
        Op::NEG => P::Elementwise(E::Neg),
        Op::NOT_EQUAL => P::Elementwise(E::NotEqual),
        Op::ONE_HOT => P::OneHot,
        Op::PACK => P::Pack,
        Op::PAD | Op::PADV2 => P::Pad,
        Op::POW => P::Elementwise(E::Pow),
        Op::REDUCE_MAX | Op::REDUCE_MIN | Op::REDUCE_PROD => P::Reduce,
        Op::QUANTIZE if o.allow_quant_ops => P::Quantize,
        Op::RELU | Op::RELU6 | Op::RELU_0_TO_1 | Op::RELU_N1_TO_1 | Op::LEAKY_RELU => P::ReLU,
        Op::PRELU => P::PReLU,
        Op::RESHAPE => P::Reshape,
        Op::RESIZE_BILINEAR | Op::RESIZE_NEAREST_NEIGHBOR => P::Resize2D,
        Op::RSQRT => P::Elementwise(E::Rsqrt),
        Op::SELECT | Op::SELECT_V2 => P::SelectV2,
        Op::SIGN => P::Elementwise(E::Sign),
        Op::SIN => P::Elementwise(E::Sin),
        Op::SLICE => P::Slice,
        Op::SOFTMAX => P::Softmax,
        Op::SPACE_TO_DEPTH => P::SpaceToDepth,
        Op::SPLIT => P::Split,
        Op::SPLIT_V => P::SplitV,
        Op::SQRT => P::Elementwise(E::Sqrt),
        Op::SQUARE => P::Elementwise(E::Square),
        Op::SQUARED_DIFFERENCE => P::Elementwise(E::SquaredDiff),
        Op::STRIDED_SLICE => P::StridedSlice,
        Op::SUB => P::Elementwise(E::Sub),
        Op::SUM => P::Reduce,
        Op::TANH => P::Elementwise(E::Tanh),
        Op::TILE => P::Tile,
        Op::TRANSPOSE => P::Transpose,
        Op::TRANSPOSE_CONV => P::TransposeConvBuiltin,
        Op::UNPACK => P::Unpack,
        Op::CUSTOM => custom_parser(op.custom_code.as_deref().unwrap_or("")),
        _ => P::Unsupported,
    }
}

/// The custom case of the switch (3269-3284); other names get the platform's
/// `NewCustomOperationParser`, which in the open-source build (default/custom_parsers.cc)
/// refuses with the op's name.
fn custom_parser(name: &str) -> Parser {
    match name {
        "Convolution2DTransposeBias" => Parser::TransposeConvCustom,
        "MaxPoolingWithArgmax2D" => Parser::Pooling2D,
        "MaxUnpooling2D" => Parser::Unpooling2D,
        "Resampler" => Parser::Resampler,
        other => Parser::UnimplementedCustom(other.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// IsSupported, one function per parser class, in the order of model_builder.cc.

type Status = Result<(), String>;

/// A node as `IsSupported` sees it.
struct Node<'c, 'm, 'a> {
    ctx: &'c GpuContext<'m, 'a>,
    index: usize,
    /// The node, inputs rewired (fp16 path) while it is checked.
    op: &'c Operator,
}

impl Node<'_, '_, '_> {
    fn compat(&self) -> Status {
        compat::check_operator(self.ctx, self.index, self.op, CompatFlags::Standard)
    }

    /// `CheckMaxSupportedOpVersion` (operation_parser.cc:28-37).
    fn max_version(&self, max: i32) -> Status {
        if self.op.version > max {
            return Err(format!("Max version supported: {max}. Requested version {}.", self.op.version));
        }
        Ok(())
    }

    fn versioned_compat(&self, max: i32) -> Status {
        self.max_version(max)?;
        self.compat()
    }

    /// The node's inputs as `GetTensorInfo` sees them: rewired for the node being checked only
    /// (the helper rewires it in place during the check), original for every other node.
    fn inputs_of(&self, i: usize) -> &[i32] {
        if i == self.index {
            &self.op.inputs
        } else {
            &self.ctx.subgraph.operators[i].inputs
        }
    }

    /// `GetTensorInfo` (271-300) over the whole execution plan: the nodes that consume `tensor`
    /// (once per occurrence) and produce it.
    fn tensor_info(&self, tensor: i32) -> (Vec<usize>, Vec<usize>) {
        let mut producers = Vec::new();
        let mut consumers = Vec::new();
        for (i, op) in self.ctx.subgraph.operators.iter().enumerate() {
            consumers.extend(self.inputs_of(i).iter().filter(|&&t| t == tensor).map(|_| i));
            producers.extend(op.outputs.iter().filter(|&&t| t == tensor).map(|_| i));
        }
        (producers, consumers)
    }

    fn tensor_type(&self, t: Option<&i32>) -> Option<TensorType> {
        t.and_then(|&t| self.ctx.tensor(t)).map(|t| t.dtype)
    }
}

fn is_supported(node: &Node, parser: &Parser) -> Status {
    use Parser as P;
    match parser {
        P::BatchedMatMul => node.compat(),
        P::Cast => cast(node),
        P::Concatenation => node.versioned_compat(2),
        P::Conv2D => node.versioned_compat(6),
        P::Cumsum | P::Densify => node.versioned_compat(1),
        P::DepthwiseConvolution => node.versioned_compat(6),
        P::DepthToSpace => node.compat(),
        P::Dequantize => node.versioned_compat(3),
        P::Elementwise(kind) => elementwise(node, *kind),
        P::FullyConnected => node.versioned_compat(9),
        P::Gather => node.versioned_compat(1),
        P::HardSwish => node.compat(),
        P::Lstm => node.versioned_compat(4),
        P::OneHot => node.versioned_compat(1),
        P::Pack => node.compat(),
        P::PReLU => node.max_version(1),
        P::Pad => node.versioned_compat(2),
        P::Pooling2D => node.versioned_compat(2),
        P::Reduce => node.compat(),
        P::Quantize => node.versioned_compat(2),
        P::ReLU => node.max_version(2),
        P::Resampler => node.compat(),
        P::Reshape => node.versioned_compat(1),
        P::Resize2D => node.versioned_compat(3),
        P::SelectV2 => node.versioned_compat(1),
        P::Slice => node.versioned_compat(2),
        P::Softmax => node.versioned_compat(2),
        P::SpaceToDepth => node.versioned_compat(2),
        P::Split | P::SplitV => node.compat(),
        P::StridedSlice => node.versioned_compat(4),
        P::Tile => node.compat(),
        P::TransposeConvBuiltin => node.versioned_compat(3),
        P::TransposeConvCustom => node.compat(),
        P::Transpose => node.versioned_compat(4),
        P::Unpack => Ok(()),
        P::Unpooling2D => node.compat(),
        P::Mean => node.compat(),
        P::UnimplementedCustom(name) => Err(name.clone()),
        P::Unsupported => Err("Operation is not supported.".into()),
    }
}

/// `CastOperationParser::IsSupported` (380-409): a bool → float CAST must read the only output
/// of a comparison that nothing else reads, and its own output must have exactly one consumer.
fn cast(node: &Node) -> Status {
    let src = node.tensor_type(node.op.inputs.first());
    let dst = node.tensor_type(node.op.outputs.first());
    let is_float = |t| t == Some(TensorType::FLOAT16) || t == Some(TensorType::FLOAT32);
    if src == Some(TensorType::BOOL) && is_float(dst) {
        let (producers, consumers) = node.tensor_info(node.op.inputs[0]);
        if producers.len() != 1 || consumers.len() != 1 {
            return Err("Not supported cast case".into());
        }
        let (_, out_consumers) = node.tensor_info(node.op.outputs[0]);
        if out_consumers.len() != 1 {
            return Err("Cast from bool not supported for outputs".into());
        }
        if is_logical_code(node.ctx.subgraph.operators[producers[0]].code) {
            return Ok(());
        }
    }
    node.compat()
}

/// `IsLogicalCode` (302-309).
fn is_logical_code(code: Op) -> bool {
    matches!(code, Op::GREATER | Op::GREATER_EQUAL | Op::LESS | Op::LESS_EQUAL | Op::EQUAL | Op::NOT_EQUAL)
}

/// `ElementwiseOperationParser::IsSupported` (1066-1095): version (MUL 3, others 2); a
/// comparison must feed exactly one CAST / SELECT / SELECT_V2 with a float output and skips the
/// shared check; every other op goes through it.
fn elementwise(node: &Node, kind: Elementwise) -> Status {
    node.max_version(if kind == Elementwise::Mul { 3 } else { 2 })?;
    if !kind.is_logical() {
        return node.compat();
    }
    let Some(&out) = node.op.outputs.first() else { return Err("Not supported logical op case".into()) };
    let (producers, consumers) = node.tensor_info(out);
    if producers.len() != 1 || consumers.len() != 1 {
        return Err("Not supported logical op case".into());
    }
    let next = &node.ctx.subgraph.operators[consumers[0]];
    let dst = node.tensor_type(next.outputs.first());
    let feeds_cast_or_select = matches!(next.code, Op::CAST | Op::SELECT | Op::SELECT_V2);
    if feeds_cast_or_select && (dst == Some(TensorType::FLOAT16) || dst == Some(TensorType::FLOAT32)) {
        return Ok(());
    }
    Err("Not supported logical op case.".into())
}

// ---------------------------------------------------------------------------------------------
// IsAllAllowedTensors (3055-3077) with the type lists of GetOpsToReplace (3308-3342).

fn allowed_types(op: &Operator, quant: bool) -> (TypeSet, TypeSet) {
    use TensorType as T;
    let mut ins = TypeSet::of(&[T::FLOAT32, T::FLOAT16]);
    let mut outs = TypeSet::of(&[T::FLOAT32, T::FLOAT16]);
    if quant {
        ins.extend([T::INT8, T::UINT8]);
        outs.extend([T::INT8, T::UINT8]);
    }
    if is_logical_code(op.code) {
        outs.insert(T::BOOL);
    }
    match op.code {
        Op::CAST => {
            ins.extend([T::BOOL, T::FLOAT32, T::INT32]);
            outs.extend([T::FLOAT32, T::INT32, T::BOOL]);
        }
        Op::ONE_HOT | Op::GATHER => ins.insert(T::INT32),
        Op::SELECT | Op::SELECT_V2 => ins.insert(T::BOOL),
        Op::LOGICAL_AND => {
            ins.insert(T::BOOL);
            outs.insert(T::BOOL);
        }
        _ => {}
    }
    (ins, outs)
}

/// Every listed tensor has rank < 5, and every arena (`kTfLiteArenaRw`) one an allowed type;
/// constants, variables and dynamic (string) tensors are not type-checked.
fn all_allowed(ctx: &GpuContext, tensors: &[i32], allowed: TypeSet) -> bool {
    tensors.iter().filter(|&&t| t != -1).all(|&t| {
        let Some(t) = ctx.tensor(t) else { return true };
        t.rank() < 5 && (super::allocation(t) != super::Allocation::ArenaRw || allowed.contains(t.dtype))
    })
}

// ---------------------------------------------------------------------------------------------
// The public entry points.

/// The line the delegate logs for node `op_index` when it refuses it
/// (`GetOpNameByRegistration + ": " + details`), or `None` when `GetOpsToReplace`'s
/// `node_supported_fn` accepts it. With `remap`, the node's inputs are rewired first, as
/// `FP16GraphPartitionHelper::IsNodeSupported` does for consumers of constant-fp16 DEQUANTIZEs;
/// the DEQUANTIZE nodes themselves are refused by the helper before this check
/// ([`partition_helper_refusal`]).
pub fn node_refusal(
    ctx: &GpuContext,
    op_index: usize,
    o: &ClassicOptions,
    remap: Option<&InputRemap>,
) -> Option<String> {
    let original = ctx.subgraph.operators.get(op_index)?;
    let op = reader::remapped(original, remap);
    let detail = node_supported_detail(ctx, op_index, &op, o)?;
    Some(format!("{}: {detail}", op_name_by_registration(original)))
}

fn node_supported_detail(ctx: &GpuContext, op_index: usize, op: &Operator, o: &ClassicOptions) -> Option<String> {
    let node = Node { ctx, index: op_index, op };
    if let Err(detail) = is_supported(&node, &new_operation_parser(op, o)) {
        return Some(detail);
    }
    let (ins, outs) = allowed_types(op, o.allow_quant_ops);
    if !all_allowed(ctx, &op.inputs, ins) || !all_allowed(ctx, &op.outputs, outs) {
        return Some(TENSOR_REFUSAL.to_string());
    }
    None
}

/// `FP16GraphPartitionHelper::IsNodeSupported` (tflite/delegates/utils.cc:236-277) around
/// [`node_refusal`]: a DEQUANTIZE of a constant fp16 tensor is refused with an empty detail
/// ("DEQUANTIZE: "); any other node is checked with its inputs rewired by `remap`.
pub fn partition_helper_refusal(
    ctx: &GpuContext,
    op_index: usize,
    o: &ClassicOptions,
    remap: &InputRemap,
) -> Option<String> {
    let op = ctx.subgraph.operators.get(op_index)?;
    if super::is_const_fp16_dequantize(ctx.subgraph, op) {
        return Some(format!("{}: ", op_name_by_registration(op)));
    }
    node_refusal(ctx, op_index, o, Some(remap))
}

/// For a node the delegate accepted and put in the partition it replaces: the reason its
/// `Parse()` fails, which makes the whole delegate fail to apply, or `None` when it parses.
///
/// The text is what `BuildModelEnforceIO` returns (model_builder.cc:3535-3547):
/// `GetOpNameByRegistration + ": " + Parse's message`, or, for a node that reads a variable
/// tensor it does not update, `"<OP> did not provide a new value for the variable input tensor
/// with index N"` (`CopyVariableTensorOutputs`, 3434-3470). The delegate logs it as
/// `"TfLiteGpuDelegate Init: " + text` (delegate.cc:1422). `remap` is the fp16 rewiring the
/// helper applied to the chosen nodes (`RemapFp16InputTensors`, utils.cc:231-232); a
/// constant-fp16 DEQUANTIZE is skipped, never parsed (3500-3508).
///
/// A message ending in "(undefined behaviour in the delegate; Delegate Doctor's wording)" marks
/// a case where the delegate reads memory that is not there; what it then does is unknown.
pub fn parse_failure(
    ctx: &GpuContext,
    op_index: usize,
    o: &ClassicOptions,
    remap: Option<&InputRemap>,
) -> Option<String> {
    parse_failure_with(ctx, op_index, o, remap, &Sparsity::new(ctx))
}

/// [`parse_failure`] for each of `nodes` (e.g. the chosen partition, in execution order): the
/// failing nodes and their reasons, in the order given. The delegate stops at the first one.
/// Reads the file's sparsity once for all of them.
pub fn parse_failures(
    ctx: &GpuContext,
    nodes: &[usize],
    o: &ClassicOptions,
    remap: Option<&InputRemap>,
) -> Vec<(usize, String)> {
    let sparsity = Sparsity::new(ctx);
    nodes.iter().filter_map(|&i| Some((i, parse_failure_with(ctx, i, o, remap, &sparsity)?))).collect()
}

fn parse_failure_with(
    ctx: &GpuContext,
    op_index: usize,
    o: &ClassicOptions,
    remap: Option<&InputRemap>,
    sparsity: &Sparsity,
) -> Option<String> {
    let original = ctx.subgraph.operators.get(op_index)?;
    if super::is_const_fp16_dequantize(ctx.subgraph, original) {
        return None;
    }
    let op = reader::remapped(original, remap);
    // BuildModelEnforceIO asks NewOperationParser without excluded ops (3509-3510).
    let parser = new_operation_parser(&op, &ClassicOptions { opencl: true, ..*o });
    let r = Reader { ctx, op: &op, quant: o.allow_quant_ops, sparsity };
    if let Err(msg) = super::parse::parse(&r, op_index, &parser) {
        return Some(format!("{}: {msg}", op_name_by_registration(original)));
    }
    super::parse::copy_variable_tensor_outputs(&r, &parser, original).err()
}

/// `PrecreateInputTensors` / `PrecreateOutputTensors` (3400-3432): before any node is parsed,
/// every non-constant input and output tensor of the partition is read as a graph value. The
/// reason this fails for `tensor` (logged without an op name), or `None`.
pub fn io_tensor_failure(ctx: &GpuContext, tensor: i32, o: &ClassicOptions) -> Option<String> {
    let t = ctx.tensor(tensor)?;
    if t.is_const() {
        return None;
    }
    reader::read_non_constant_tensor(ctx, tensor, o.allow_quant_ops).err()
}
