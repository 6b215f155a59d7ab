//! The classic delegate's `Parse()` checks that `IsSupported` does not make: one function per
//! parser class, in the order of tflite/delegates/gpu/common/model_builder.cc, each doing the
//! reads and checks of its `Parse` in the source's order and returning its first failure.
//!
//! Not modelled: the full LSTM kernel's gate building (lstm_parser.cc) beyond its state reads,
//! and the graph transformations after parsing (`ApplyModelTransformations`, "Graph
//! transformations failed", model_builder.cc:3568-3572), which depend on the GPU graph built.

use super::classic::{Elementwise, Parser};
use super::reader::{extract_axis_from_index, linear_convertible, tensor_shape, undefined, Axis, Bhwc, Elem, Layout, Reader};
use super::{activation_number, raw_i32, ACT_TANH};
use crate::model::{BuiltinOperator as Op, BuiltinOptionsT as Opts, Operator, TensorType};
use tflite_schema::tflite::LSTMKernelType;

type Status = Result<(), String>;

/// Dispatches to the parser's `Parse` (model_builder.cc:3527-3541).
pub(super) fn parse(r: &Reader, op_index: usize, parser: &Parser) -> Status {
    use Parser as P;
    match parser {
        P::BatchedMatMul => batched_matmul(r),
        P::Cast | P::DepthToSpace | P::HardSwish | P::ReLU | P::Reshape | P::SpaceToDepth | P::Tile => {
            one_input_one_node(r)
        }
        P::Concatenation => concatenation(r),
        P::Conv2D => conv_2d(r),
        P::Cumsum => cumsum(r),
        P::Densify => densify(r),
        P::DepthwiseConvolution => depthwise_convolution(r),
        P::Dequantize => dequantize(r),
        P::Elementwise(kind) => elementwise(r, *kind),
        P::FullyConnected => fully_connected(r),
        P::Gather => gather(r),
        P::Lstm => lstm(r),
        P::OneHot => one_input_one_node(r),
        P::Pack => pack(r),
        P::PReLU => prelu(r),
        P::Pad => pad(r),
        P::Pooling2D => pooling_2d(r, op_index),
        P::Reduce => reduce(r),
        P::Quantize => quantize(r),
        P::Resampler => resampler(r),
        P::Resize2D => resize_2d(r),
        P::SelectV2 => select_v2(r),
        P::Slice => slice(r),
        P::Softmax => one_input_one_node(r),
        P::Split => split(r, 1, 0),
        P::SplitV => split(r, 0, 2),
        P::StridedSlice => strided_slice(r),
        P::TransposeConvBuiltin => transpose_conv_builtin(r),
        P::TransposeConvCustom => transpose_conv_custom(r),
        P::Transpose => transpose(r),
        P::Unpack => unpack(r),
        P::Unpooling2D => unpooling_2d(r),
        P::Mean => mean(r),
        P::UnimplementedCustom(name) => Err(name.clone()),
        P::Unsupported => Err("Operation is not supported.".into()),
    }
}

/// `CopyVariableTensorOutputs` (model_builder.cc:3434-3470), run after each node's `Parse`:
/// every variable tensor the node reads must get a new value from the parser, which only the
/// full LSTM kernel provides (for its output and cell state, inputs 18 and 19,
/// lstm_parser.cc:559-565).
pub(super) fn copy_variable_tensor_outputs(r: &Reader, parser: &Parser, original: &Operator) -> Status {
    let mut provided: Vec<usize> = if *parser == Parser::Lstm && !is_basic_lstm(r) { vec![18, 19] } else { vec![] };
    for (i, &t) in r.op.inputs.iter().enumerate() {
        // Only a variable input that reads as a value counts. The cheap test first: reading a
        // constant as a value formats an error message, for every weight of every node.
        if !r.ctx.tensor(t).is_some_and(|t| t.is_variable) {
            continue;
        }
        if r.value_by_tensor(t).is_err() {
            continue;
        }
        match provided.iter().position(|&p| p == i) {
            Some(k) => {
                provided.remove(k);
            }
            None => {
                let op_name = super::op_name_by_registration(original);
                return Err(format!(
                    "{op_name} did not provide a new value for the variable input tensor with index {t}"
                ));
            }
        }
    }
    if !provided.is_empty() {
        return Err("More input variable tensors asked to be copied than present on the node".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Shared pieces.

/// `MaybeFuseActivation` (model_builder_helper.cc:383-428): the GPU node must have one output;
/// activations other than none, relu, relu1, relu6, tanh and sigmoid are refused.
fn fuse_activation(gpu_node_outputs: usize, activation: i32) -> Status {
    if gpu_node_outputs != 1 {
        return Err("Number of outputs != 1".into());
    }
    match activation {
        0..=4 | 6 => Ok(()),
        other => Err(format!("Unsupported fused activation: {other}")),
    }
}

/// Parsers whose `Parse` adds input 0 and all outputs to one node and checks nothing else the
/// shared check has not (CAST, DEPTH_TO_SPACE, HARD_SWISH, ONE_HOT, RELU*, RESHAPE, SOFTMAX,
/// SPACE_TO_DEPTH, TILE).
fn one_input_one_node(r: &Reader) -> Status {
    r.add_input(0)?;
    r.add_outputs()?;
    Ok(())
}

/// A constant input read as a BHWC float tensor, else as a graph value (CONCATENATION and PACK
/// read each input this way: `ReadValue`, falling back to `ReadTensor`).
fn value_or_constant(r: &Reader, idx: usize) -> Result<Bhwc, String> {
    match r.add_input(idx) {
        Ok(shape) => Ok(shape),
        Err(_) => {
            let d = r.read_tensor(idx, Layout::Bhwc, Elem::Float)?;
            Ok(Bhwc { b: d[0], h: d[1], w: d[2], c: d[3] })
        }
    }
}

/// The activation of an op's builtin options (`TfLite*Params::activation`), 0 when missing.
fn builtin_activation(options: &Opts) -> i32 {
    let a = match options {
        Opts::Conv2DOptions(o) => o.fused_activation_function,
        Opts::DepthwiseConv2DOptions(o) => o.fused_activation_function,
        Opts::ConcatenationOptions(o) => o.fused_activation_function,
        Opts::FullyConnectedOptions(o) => o.fused_activation_function,
        Opts::AddOptions(o) => o.fused_activation_function,
        Opts::MulOptions(o) => o.fused_activation_function,
        Opts::SubOptions(o) => o.fused_activation_function,
        Opts::DivOptions(o) => o.fused_activation_function,
        Opts::Pool2DOptions(o) => o.fused_activation_function,
        Opts::LSTMOptions(o) => o.fused_activation_function,
        _ => return 0,
    };
    activation_number(a)
}

fn output_shape(r: &Reader, i: usize) -> Result<Bhwc, String> {
    tensor_shape(r.output_or_undefined(i)?)
}

fn input_shape(r: &Reader, i: usize) -> Result<Bhwc, String> {
    tensor_shape(r.input_or_undefined(i)?)
}

// ---------------------------------------------------------------------------------------------
// The parsers, in the order of model_builder.cc.

/// `BatchedMatMulOperationParser::Parse` (328-375): two runtime inputs, or a runtime input and
/// a 2-D constant.
fn batched_matmul(r: &Reader) -> Status {
    match r.runtime_inputs() {
        2 => {
            r.add_input(0)?;
            r.add_input(1)?;
            r.add_outputs()?;
            Ok(())
        }
        1 => {
            let second = r.input_or_undefined(1)?;
            if !second.is_const() || second.rank() != 2 {
                return Err("Not supported batched mat mul case".into());
            }
            r.add_input(0)?;
            r.add_outputs()?;
            r.read_tensor(1, Layout::Hw, Elem::Float)?;
            Ok(())
        }
        _ => Err("Not supported batched mat mul case".into()),
    }
}

/// `ConcatenationOperationParser::Parse` (500-571) and `SetAxis` (574-613).
fn concatenation(r: &Reader) -> Status {
    let mut shapes = Vec::with_capacity(r.n_inputs());
    for idx in 0..r.n_inputs() {
        shapes.push(value_or_constant(r, idx)?);
    }
    r.add_outputs()?;
    concat_axis(&shapes)?;
    fuse_activation(r.n_outputs(), builtin_activation(&r.op.options))
}

/// `SetAxis` (574-613): refuses only when the inputs differ from the first in three dimensions
/// other than each of height, width and channels, and then also in batch, width and height.
fn concat_axis(shapes: &[Bhwc]) -> Status {
    let Some((s0, rest)) = shapes.split_first() else { return Ok(()) };
    let differ3 = |s: &Bhwc, skip: Axis| {
        [Axis::Batch, Axis::Height, Axis::Width, Axis::Channels]
            .into_iter()
            .filter(|&a| a != skip)
            .all(|a| s0.get(a) != s.get(a))
    };
    if !rest.iter().any(|s| differ3(s, Axis::Batch)) {
        return Ok(()); // axis stays BATCH
    }
    if !rest.iter().any(|s| differ3(s, Axis::Height)) {
        return Ok(()); // HEIGHT
    }
    if !rest.iter().any(|s| differ3(s, Axis::Width)) {
        return Ok(()); // WIDTH
    }
    if rest.iter().any(|s| differ3(s, Axis::Channels)) {
        return Err("Can concatenate tensors only by batch, height, width, or channels.".into());
    }
    Ok(())
}

/// `Conv2DOperationParser::Parse` (625-714) with `ReadAttributes` (717-745) and
/// `ResolveGroupedConvolution` (751-847).
fn conv_2d(r: &Reader) -> Status {
    let act = builtin_activation(&r.op.options);
    let src = input_shape(r, 0)?;
    let runtime = r.runtime_inputs();
    let (mut weights_i, mut groups) = (0, 1);
    if runtime == 1 {
        weights_i = r.read_tensor(1, Layout::Ohwi, Elem::Float)?[3];
        if weights_i == 0 {
            return Err(undefined("divides by the weights' zero input channels"));
        }
        groups = src.c / weights_i;
    } else {
        let Some(weights) = r.input(1) else { return Err("Expected second runtime tensor.".into()) };
        tensor_shape(weights)?;
    }
    if runtime == 2 {
        let weights = input_shape(r, 1)?;
        if src.c != weights.c {
            return Err("No support of CONVOLUTION_2D with runtime grouped weights.".into());
        }
        r.add_input(0)?;
        r.add_input(1)?;
        r.add_outputs()?;
        return fuse_activation(r.n_outputs(), act);
    }
    let dst = output_shape(r, 0)?;
    let depthwise_equivalent = weights_i == 1 && src.c == dst.c;
    if !depthwise_equivalent && groups == 0 {
        return Err(undefined("divides by a group count of zero"));
    }
    r.add_input(0)?;
    r.add_outputs()?;
    fuse_activation(r.n_outputs(), act)
}

/// `CumsumOperationParser::Parse` (859-876): the axis indexes a 4-entry table from the end.
fn cumsum(r: &Reader) -> Status {
    let rank = r.input_or_undefined(0)?.rank() as i64;
    let axis = r.raw_i32s(1)?.first().copied().unwrap_or(0) as i64;
    if !(0..4).contains(&(axis + 4 - rank)) {
        return Err(undefined("reads past its 4-entry axis table"));
    }
    r.add_input(0)?;
    r.add_outputs()?;
    Ok(())
}

/// `DensifyOperationParser::Parse` (889-904).
fn densify(r: &Reader) -> Status {
    let Some(id) = r.input_id(0) else { return Err(undefined("reads input 0, which the node does not have")) };
    if !r.sparsity.is_sparse(id) {
        return Err("Input tensor must be sparse.".into());
    }
    r.read_tensor(0, Layout::Bhwc, Elem::Float)?;
    r.add_outputs()?;
    Ok(())
}

/// `DepthwiseConvolutionOperationParser::Parse` (916-952).
fn depthwise_convolution(r: &Reader) -> Status {
    r.add_input(0)?;
    r.add_outputs()?;
    if r.runtime_inputs() == 2 {
        r.add_input(1)?;
    } else {
        r.read_tensor(1, Layout::Ohwi, Elem::Float)?;
    }
    fuse_activation(r.n_outputs(), builtin_activation(&r.op.options))
}

/// `DequantizeOperationParser::Parse` (1018-1058): a constant input becomes a constant BHWC
/// tensor (so it must be 4-D); a runtime one must carry quantization parameters unless it is
/// the only runtime input.
fn dequantize(r: &Reader) -> Status {
    let runtime = r.runtime_inputs();
    if runtime == 0 {
        r.read_tensor(0, Layout::Bhwc, Elem::Float)?;
        r.add_outputs()?;
        return Ok(());
    }
    r.add_input(0)?;
    r.add_outputs()?;
    let has_quant = r.input_id(0).is_some_and(|t| r.has_quant_params(t));
    if !has_quant && runtime != 1 {
        return Err("Encountered Dequantize input with no quant params".into());
    }
    Ok(())
}

/// `ElementwiseOperationParser::Parse` (1097-1183).
fn elementwise(r: &Reader, kind: Elementwise) -> Status {
    if kind.is_one_argument() {
        r.verify_inputs_consts_outputs(1, 0, 1)?;
        r.add_input(0)?;
    } else if r.verify_inputs_consts_outputs(2, 0, 1).is_ok() {
        two_runtime_inputs(r, kind)?;
    } else {
        r.verify_inputs_consts_outputs(1, 1, 1)?;
        runtime_and_constant(r)?;
    }
    r.add_outputs()?;
    // MaybeFuseActivationForElementwiseNode (222-264): only MUL, ADD, SUB and DIV carry one
    // (ADD_N has no builtin data), and only a non-zero one is fused.
    let act = match kind {
        Elementwise::Mul | Elementwise::Add | Elementwise::Sub | Elementwise::Div => builtin_activation(&r.op.options),
        _ => 0,
    };
    if act != 0 {
        fuse_activation(r.n_outputs(), act)?;
    }
    Ok(())
}

/// Two runtime inputs (1114-1164): the same tensor twice is only handled for MUL (SQUARE) and
/// ADD (MUL by 2); ADD and MUL read both shapes to order their inputs.
fn two_runtime_inputs(r: &Reader, kind: Elementwise) -> Status {
    if r.n_inputs() != 2 {
        return Err("Applies only two input tensors".into());
    }
    if r.input_id(0) == r.input_id(1) {
        if kind == Elementwise::Mul || kind == Elementwise::Add {
            r.add_input(0)?;
            return Ok(());
        }
        return Err("No support of few identical inputs in the same operation.".into());
    }
    if kind == Elementwise::Mul || kind == Elementwise::Add {
        input_shape(r, 0)?;
        input_shape(r, 1)?;
    }
    r.add_input(0)?;
    r.add_input(1)?;
    Ok(())
}

/// One runtime and one constant input (1165-1175, `ParseInputsWithConstTensor` 118-220): the
/// constant is read as a scalar, a linear, an HW or an HWC tensor of its own element type (bool,
/// int32, else float).
fn runtime_and_constant(r: &Reader) -> Status {
    let (Some(in0), Some(in1)) = (r.input(0), r.input(1)) else {
        return Err(undefined("reads an omitted input"));
    };
    let (runtime, constant) = if in0.is_const() { (1, 0) } else { (0, 1) };
    let ct = if constant == 0 { in0 } else { in1 };
    r.add_input(runtime)?;
    let elem = match ct.dtype {
        TensorType::BOOL => Elem::Bool,
        TensorType::INT32 => Elem::Int32,
        _ => Elem::Float,
    };
    let elements: i64 = ct.shape.iter().map(|&d| d as i64).product();
    let layout = if ct.shape.is_empty() || elements == 1 {
        Layout::Scalar
    } else if linear_convertible(&ct.shape).is_ok() {
        Layout::Linear
    } else if ct.rank() == 2 {
        Layout::Hw
    } else {
        Layout::Hwc
    };
    r.read_tensor(constant, layout, elem)?;
    Ok(())
}

/// `FullyConnectedOperationParser::Parse` (1294-1384).
fn fully_connected(r: &Reader) -> Status {
    let act = builtin_activation(&r.op.options);
    if r.runtime_inputs() == 2 {
        r.add_input(0)?;
        r.add_input(1)?;
        let input = input_shape(r, 0)?;
        let weights = input_shape(r, 1)?;
        let output = output_shape(r, 0)?;
        let reshaped = Bhwc { c: weights.b, ..input } != output;
        r.add_outputs()?;
        // With a reshape the FC node's only output is the new value.
        return fuse_activation(if reshaped { 1 } else { r.n_outputs() }, act);
    }
    let input = r.add_input(0)?;
    let weights = r.read_tensor(1, Layout::Hw, Elem::Float)?;
    if input.c != weights[1] {
        return Err("Amount of input channels should match weights width".into());
    }
    r.add_outputs()?;
    fuse_activation(r.n_outputs(), act)
}

/// `GatherOperationParser::Parse` (1396-1416).
fn gather(r: &Reader) -> Status {
    let input = r.input_or_undefined(0)?;
    let axis = match &r.op.options {
        Opts::GatherOptions(o) => o.axis,
        _ => 0,
    };
    extract_axis_from_index(&input.shape, axis)?;
    r.add_input(0)?;
    if r.is_const_input(1) {
        r.read_tensor(1, Layout::Linear, Elem::Int32)?;
    } else {
        r.add_input(1)?;
    }
    r.add_outputs()?;
    Ok(())
}

fn is_basic_lstm(r: &Reader) -> bool {
    matches!(&r.op.options, Opts::LSTMOptions(o) if o.kernel_type == LSTMKernelType::BASIC)
}

/// `LSTMOperationParser::Parse` (1473-1484): `ParseBasic` (1492-1548) or the state reads that
/// open `ParseLSTMAttributes` (lstm_parser.cc:470-482).
fn lstm(r: &Reader) -> Status {
    if !is_basic_lstm(r) {
        let cell_state = r.add_input(19)?;
        if cell_state.b != 1 {
            return Err("Batched execution is not supported for LSTM".into());
        }
        r.add_input(18)?;
        return Ok(());
    }
    if r.n_inputs() != 5 {
        return Err("LSTM should have 5 input tensors".into());
    }
    if r.n_outputs() != 4 {
        return Err("LSTM should have 4 output tensors".into());
    }
    basic_lstm_parameters(r)?;
    r.read_tensor(2, Layout::Hw, Elem::Float)?;
    r.value_by_tensor(r.op.outputs[2])?;
    let activ = r.value_by_tensor(r.op.outputs[3])?;
    if activ.c % 4 != 0 {
        return Err("BasicLSTM activation depth must be a multiple of 4.".into());
    }
    for i in [0, 1, 4] {
        r.add_input(i)?;
    }
    r.add_output(1)?;
    r.add_output(0)?;
    Ok(())
}

/// `CheckBasicParameters` (1550-1561).
fn basic_lstm_parameters(r: &Reader) -> Status {
    let Opts::LSTMOptions(o) = &r.op.options else { return Ok(()) };
    if activation_number(o.fused_activation_function) != ACT_TANH {
        return Err("Only TANH activation is supported.".into());
    }
    if o.cell_clip != 0.0 {
        return Err("cell_clip is not supported.".into());
    }
    if o.proj_clip != 0.0 {
        return Err("proj_clip is not supported.".into());
    }
    Ok(())
}

/// `PackOperationParser::Parse` (1621-1693).
fn pack(r: &Reader) -> Status {
    if r.n_inputs() == 1 {
        return one_input_one_node(r);
    }
    for idx in 0..r.n_inputs() {
        value_or_constant(r, idx)?;
    }
    let output = r.output_or_undefined(0)?;
    let axis = match &r.op.options {
        Opts::PackOptions(o) => o.axis,
        _ => 0,
    };
    extract_axis_from_index(&output.shape, axis)?;
    tensor_shape(output)?;
    r.add_outputs()?;
    Ok(())
}

/// `PReLUOperationParser::Parse` (1705-1736): alpha is linear over the channels, or a full HWC
/// tensor of the input's shape.
fn prelu(r: &Reader) -> Status {
    let input = r.add_input(0)?;
    match r.read_tensor(1, Layout::Linear, Elem::Float) {
        Ok(alpha) => {
            if alpha[0] != input.c {
                return Err("Linear alpha shape does not match the number of input channels.".into());
            }
        }
        Err(_) => {
            let alpha = r.read_tensor(1, Layout::Hwc, Elem::Float)?;
            if alpha != [input.h, input.w, input.c] {
                return Err("Alpha shape does not match input shape.".into());
            }
        }
    }
    r.add_outputs()?;
    Ok(())
}

/// `PadOperationParser::Parse` (1749-1792).
fn pad(r: &Reader) -> Status {
    r.add_input(0)?;
    r.add_outputs()?;
    let paddings = r.read_tensor(1, Layout::Hw, Elem::Int32)?;
    if r.op.code == Op::PADV2 && r.n_inputs() == 3 {
        r.raw_i32s(2)?; // GetTensorData<float>(input 2)[0]
    }
    if !matches!(paddings[..], [4, 2] | [3, 2]) {
        return Err("Paddings tensor has unexpected shape.".into());
    }
    Ok(())
}

/// `Pooling2DOperationParser::Parse` (1810-1848): custom data (MaxPoolingWithArgmax2D) first,
/// else builtin data; the activation is fused on a node with one output.
fn pooling_2d(r: &Reader, op_index: usize) -> Status {
    r.add_input(0)?;
    r.add_output(0)?;
    let act = match (r.op.code, r.ctx.custom_initial_data(op_index)) {
        (Op::CUSTOM, Some(data)) => raw_i32(data, 20),
        (Op::CUSTOM, None) => return Err("Unable to retrieve builtin_data.".into()),
        _ => builtin_activation(&r.op.options),
    };
    fuse_activation(1, act)
}

/// `ReduceOperationParser::Parse` (1865-1910): each axis must name a dimension of the input;
/// without keep_dims the output shape must be BHWC-representable.
fn reduce(r: &Reader) -> Status {
    r.add_input(0)?;
    reduce_axes(r)?;
    let keep_dims = matches!(&r.op.options, Opts::ReducerOptions(o) if o.keep_dims);
    if !keep_dims {
        output_shape(r, 0)?;
    }
    r.add_outputs()?;
    Ok(())
}

/// The axes loop of REDUCE and MEAN: `NumElements(axes->dims)` values of `axes->data.i32`.
fn reduce_axes(r: &Reader) -> Status {
    let input = r.input_or_undefined(0)?;
    let axes = r.input_or_undefined(1)?;
    let n = axes.shape.iter().map(|&d| d as i64).product::<i64>().max(0) as usize;
    let values = r.raw_i32s(1)?;
    if values.len() < n {
        return Err(undefined("reads past the end of its axes"));
    }
    for &axis in &values[..n] {
        extract_axis_from_index(&input.shape, axis)?;
    }
    Ok(())
}

/// `QuantizeOperationParser::Parse` (1925-1948): the output value must carry quantization
/// parameters (an int8/uint8 output with quantized models allowed).
fn quantize(r: &Reader) -> Status {
    r.add_input(0)?;
    r.add_outputs()?;
    let has_quant = r.op.outputs.first().is_some_and(|&t| r.has_quant_params(t));
    if !has_quant {
        return Err("Encountered Quantize output with no quant params".into());
    }
    Ok(())
}

/// `ResamplerOperationParser::Parse` (1993-2017).
fn resampler(r: &Reader) -> Status {
    let src = r.add_input(0)?;
    let warp = r.add_input(1)?;
    r.add_outputs()?;
    if src.b != warp.b {
        return Err("src_shape.b != warp_shape.b".into());
    }
    if warp.c < 2 {
        return Err("warp_shape.c < 2".into());
    }
    Ok(())
}

/// `Resize2DOperationParser::Parse` (2061-2080).
fn resize_2d(r: &Reader) -> Status {
    r.add_input(0)?;
    r.add_outputs()?;
    if let Opts::ResizeBilinearOptions(o) = &r.op.options {
        if r.op.code == Op::RESIZE_BILINEAR && o.align_corners && o.half_pixel_centers {
            return Err("If half_pixel_centers is True, align_corners must be False.".into());
        }
    }
    Ok(())
}

/// `SelectV2OperationParser::Parse` (2137-2201): the condition is a runtime value; a constant
/// "if" tensor of two or more elements must be 4-D, a constant "else" tensor 4-D or HWC.
fn select_v2(r: &Reader) -> Status {
    r.input_or_undefined(0)?;
    r.add_input(0)?;
    for idx in [1, 2] {
        let t = r.input_or_undefined(idx)?;
        let elements: i64 = t.shape.iter().map(|&d| d as i64).product();
        if !t.is_const() {
            r.add_input(idx)?;
        } else if elements < 2 {
            r.read_tensor(idx, Layout::Scalar, Elem::Float)?;
        } else if idx == 1 {
            r.read_tensor(idx, Layout::Bhwc, Elem::Float)?;
        } else if r.read_tensor(idx, Layout::Bhwc, Elem::Float).is_err() {
            r.read_tensor(idx, Layout::Hwc, Elem::Float)?;
        }
    }
    r.add_outputs()?;
    Ok(())
}

/// An int32 constant read as a linear GPU tensor: its `NumElements` values.
fn linear_i32s(r: &Reader, idx: usize) -> Result<Vec<i32>, String> {
    r.read_tensor(idx, Layout::Linear, Elem::Int32)?;
    let n = r.input(idx).map_or(0, |t| t.shape.iter().map(|&d| d as i64).product::<i64>().max(0) as usize);
    let mut values = r.const_i32s(idx);
    values.resize(n, 0);
    Ok(values)
}

/// The output checks shared by SLICE and STRIDED_SLICE.
fn check_slice_output(starts: Bhwc, ends: Bhwc, strides: Bhwc, out: Bhwc) -> Status {
    let size = |a: Axis| (ends.get(a) - starts.get(a) + strides.get(a) - 1) / strides.get(a);
    if size(Axis::Batch) != out.b {
        return Err("Output batch don't match".into());
    }
    if size(Axis::Height) != out.h {
        return Err("Output height doesn't match".into());
    }
    if size(Axis::Width) != out.w {
        return Err("Output width doesn't match".into());
    }
    if size(Axis::Channels) != out.c {
        return Err("Output channels don't match".into());
    }
    Ok(())
}

/// `SliceOperationParser::Parse` (2213-2310).
fn slice(r: &Reader) -> Status {
    let out = r.add_outputs()?.unwrap_or(Bhwc { b: 0, h: 0, w: 0, c: 0 });
    let input = r.add_input(0)?;
    let rank = r.input_or_undefined(0)?.rank();
    let starts = linear_i32s(r, 1)?;
    let sizes = linear_i32s(r, 2)?;
    if starts.len() != sizes.len() {
        return Err("Starts amount != sizes amount.".into());
    }
    let unsupported = || Err("Slicing is supported for 3 or 4 dimensional tensors only.".to_string());
    let mut s = Bhwc { b: 0, h: 0, w: 0, c: 0 };
    let mut z = input;
    match (rank, starts.len()) {
        (4, 4) => {
            s = Bhwc { b: starts[0], h: starts[1], w: starts[2], c: starts[3] };
            z = Bhwc { b: sizes[0], h: sizes[1], w: sizes[2], c: sizes[3] };
        }
        (4, 3) => {
            (s.h, s.w, s.c) = (starts[0], starts[1], starts[2]);
            (z.h, z.w, z.c) = (sizes[0], sizes[1], sizes[2]);
        }
        (3, 3) => {
            (s.b, s.w, s.c) = (starts[0], starts[1], starts[2]);
            (z.b, z.w, z.c) = (sizes[0], sizes[1], sizes[2]);
        }
        _ => return unsupported(),
    }
    for a in [Axis::Batch, Axis::Height, Axis::Width, Axis::Channels] {
        if z.get(a) == -1 {
            z.set(a, input.get(a) - s.get(a));
        }
    }
    let mut ends = Bhwc { b: s.b + z.b, h: s.h + z.h, w: s.w + z.w, c: s.c + z.c };
    for a in [Axis::Height, Axis::Width, Axis::Channels, Axis::Batch] {
        if ends.get(a) < 0 {
            ends.set(a, input.get(a) + ends.get(a));
        }
    }
    check_slice_output(s, ends, Bhwc { b: 1, h: 1, w: 1, c: 1 }, out)
}

/// `SplitOperationParser::Parse` (2398-2430) and `SplitVOperationParser::Parse` (2440-2472):
/// `data` is the split tensor's input index, `axis` the axis tensor's.
fn split(r: &Reader, data: usize, axis: usize) -> Status {
    let num_splits = match &r.op.options {
        Opts::SplitOptions(o) => o.num_splits,
        Opts::SplitVOptions(o) => o.num_splits,
        _ => 0,
    };
    if num_splits == 1 {
        r.add_input(data)?;
        r.add_outputs()?;
        return Ok(());
    }
    let input = r.input_or_undefined(data)?;
    let Some(&axis_value) = r.raw_i32s(axis)?.first() else {
        return Err(undefined("reads the first value of an empty axis tensor"));
    };
    extract_axis_from_index(&input.shape, axis_value)?;
    r.add_input(data)?;
    for i in 0..r.n_outputs() {
        r.add_output(i)?;
    }
    Ok(())
}

/// `StridedSliceOperationParser::Parse` (2484-2546) with `ReadAttribsWithBatch` /
/// `ReadAttribsWithoutBatch`, `UpdateIfNegative` and `UpdateWithMask` (2549-2650).
fn strided_slice(r: &Reader) -> Status {
    let out = r.add_outputs()?.unwrap_or(Bhwc { b: 0, h: 0, w: 0, c: 0 });
    let input = r.add_input(0)?;
    let n = linear_i32s(r, 1)?.len();
    if n != 3 && n != 4 {
        return Err("Slicing is supported for 3 or 4 dimensional tensors only.".into());
    }
    let (begin_mask, end_mask) = match &r.op.options {
        Opts::StridedSliceOptions(o) => (o.begin_mask, o.end_mask),
        _ => (0, 0),
    };
    let read = |idx: usize| -> Result<Bhwc, String> {
        let mut v = linear_i32s(r, idx)?;
        v.resize(4, 0);
        Ok(if n == 4 { Bhwc { b: v[0], h: v[1], w: v[2], c: v[3] } } else { Bhwc { b: 0, h: v[0], w: v[1], c: v[2] } })
    };
    let (mut starts, mut ends, mut strides) = (read(1)?, read(2)?, read(3)?);
    for a in [Axis::Height, Axis::Width, Axis::Channels, Axis::Batch] {
        if ends.get(a) < 0 {
            ends.set(a, input.get(a) + ends.get(a));
        }
        if starts.get(a) < 0 {
            starts.set(a, input.get(a) + starts.get(a));
        }
    }
    // Mask bits: b, h, w, c = 1, 2, 4, 8 with batch; h, w, c = 1, 2, 4 without (b never).
    let bits: [(Axis, i32); 4] = if n == 4 {
        [(Axis::Batch, 1), (Axis::Height, 2), (Axis::Width, 4), (Axis::Channels, 8)]
    } else {
        [(Axis::Batch, 0), (Axis::Height, 1), (Axis::Width, 2), (Axis::Channels, 4)]
    };
    for (a, bit) in bits {
        if begin_mask & bit != 0 {
            starts.set(a, 0);
        }
        if end_mask & bit != 0 {
            ends.set(a, input.get(a));
        }
    }
    if n == 3 {
        (starts.b, ends.b, strides.b) = (0, input.b, 1);
    }
    let all = [Axis::Batch, Axis::Height, Axis::Width, Axis::Channels];
    if all.iter().any(|&a| strides.get(a) == 0) {
        return Err("stride values must be non-zero".into());
    }
    if all.iter().any(|&a| strides.get(a) < 0) {
        return Err("Reverse slices are not supported.".into());
    }
    check_slice_output(starts, ends, strides, out)
}

/// `TransposeConvBuiltinOperationParser::Parse` (2698-2730): the data input is input 2.
fn transpose_conv_builtin(r: &Reader) -> Status {
    r.add_input(2)?;
    r.add_outputs()?;
    if r.runtime_inputs() == 2 {
        r.add_input(1)?;
    } else {
        r.read_tensor(1, Layout::Ohwi, Elem::Float)?;
    }
    Ok(())
}

/// `TransposeConvCustomOperationParser::Parse` (2742-2764).
fn transpose_conv_custom(r: &Reader) -> Status {
    r.add_input(0)?;
    r.add_outputs()?;
    r.read_tensor(1, Layout::Ohwi, Elem::Float)?;
    Ok(())
}

/// `TransposeOperationParser::Parse` (2777-2814): a permutation of 2, 3 or 4 axes.
fn transpose(r: &Reader) -> Status {
    r.add_input(0)?;
    r.add_outputs()?;
    let perm = linear_i32s(r, 1)?;
    if !(2..=4).contains(&perm.len()) {
        return Err("Permutation for transpose is invalid.".into());
    }
    Ok(())
}

/// `UnpackOperationParser::Parse` (2825-2879): every output must be BHWC-representable, so
/// unpacking into scalars fails.
fn unpack(r: &Reader) -> Status {
    let (num, axis) = match &r.op.options {
        Opts::UnpackOptions(o) => (o.num, o.axis),
        _ => (0, 0),
    };
    if num == 1 {
        return one_input_one_node(r);
    }
    let input = r.input_or_undefined(0)?;
    tensor_shape(input)?;
    extract_axis_from_index(&input.shape, axis)?;
    r.add_input(0)?;
    for i in 0..r.n_outputs() {
        output_shape(r, i)?;
        r.add_output(i)?;
    }
    Ok(())
}

/// `Unpooling2DOperationParser::Parse` (2890-2913).
fn unpooling_2d(r: &Reader) -> Status {
    r.add_input(0)?;
    r.add_input(1)?;
    r.add_outputs()?;
    Ok(())
}

/// `MeanOperationParser::Parse` (3011-3029).
fn mean(r: &Reader) -> Status {
    r.add_input(0)?;
    r.add_outputs()?;
    reduce_axes(r)
}
