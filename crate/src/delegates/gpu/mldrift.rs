//! The per-node decision of LiteRT's GPU accelerator, ML Drift (`ml_drift_delegate/`, the GPU
//! behind the CompiledModel API: `libLiteRtWebGpuAccelerator.so` on Linux, `LITERT_CL` on
//! Android).
//!
//! Rules from LiteRT at commit f674579 (2026-08-21; `model_builder.cc` is unchanged since the
//! v2.2.0 tag), checked against the accelerator in the `ai-edge-litert` 2.3.0 wheel (released
//! 2026-10) by tests/python/test_mldrift_rules.py. Paths below are relative to the LiteRT repo.
//!
//! `DelegatePrepare` (ml_drift_delegate/delegate/delegate_webgpu.cc 536-600) calls
//! `GetOpsToReplace(allow_quant_ops = true, max_delegated_partitions = 1, no excluded ops, a
//! CustomOperationParserFactory)`. Its node check (`GetOpsToReplaceWithOptions`,
//! ml_drift_delegate/tflite/model_builder.cc 7139-7302) is, per node:
//! 1. `NewOperationParser(...)->IsSupported()` (6766-7135): a parser per op, whose IsSupported
//!    runs ValidateSupport (operation_parser.cc: max version, `CheckGpuDelegateCompatibility`,
//!    input/output counts) and the "pre-checks" of its Parse (operation_parser.h ~110);
//! 2. the tensor filter `IsAllAllowedTensors` (6734-6762) on the inputs, then the outputs, with
//!    per-op type lists; its message carries the tensor name.
//!
//! The partition helper (`FP16GraphPartitionHelper`, tflite/delegates/utils.cc 145-330) logs
//! `GetOpNameByRegistration(reg) + ": " + details` for each refused node into a sorted set; it
//! refuses a DEQUANTIZE of a constant fp16 tensor with an empty detail and checks the consumers
//! as if they read the fp16 constant ([`with_fp16_dequant_remap`]).
//!
//! The tensors are seen as the interpreter leaves them after preparing every op
//! (`Subgraph::ModifyGraphWithDelegateImpl`, tflite/core/subgraph.cc): constants are
//! `kTfLiteMmapRo`, variables `kTfLiteArenaRwPersistent`, outputs computed at Prepare (SHAPE …)
//! `kTfLitePersistentRo`, everything else `kTfLiteArenaRw` with no data yet. Shapes are the
//! file's. Not modelled: sparse constants, blockwise quantization, the flexbuffer attributes of
//! composites and `custom_call.*` ops, and the closed `NewCustomOperationParser` of the
//! `@ml_drift` dependency (taken as the open default: refuse with the custom op's name).

use std::collections::BTreeSet;

use super::{compat, is_const_fp16_dequantize, op_name_by_registration, CompatFlags, GpuContext, TypeSet};
use crate::model::{
    type_name, BuiltinOperator as B, BuiltinOptionsT as O, Operator, Subgraph, Tensor,
    TensorType as T,
};

/// Why a check refuses: the status message ML Drift puts after "OP: ".
type Check = Result<(), String>;

/// `None` when ML Drift takes operator `op_index` of `ctx.subgraph`, else the line its partition
/// helper logs for it ("ARG_MAX: Tensor type(INT64) is not supported. ArgMax"). For a model with
/// fp16 weights, pass the subgraph of [`with_fp16_dequant_remap`], as the helper checks it.
pub fn node_refusal(ctx: &GpuContext<'_, '_>, op_index: usize) -> Option<String> {
    refusal_with(ctx, op_index, &allocations(ctx.subgraph))
}

/// [`node_refusal`] of every node of the context's subgraph, in order: the tensors' allocation
/// types are worked out once for all of them (they depend on the whole subgraph).
pub fn node_refusals(ctx: &GpuContext<'_, '_>) -> Vec<Option<String>> {
    let alloc = allocations(ctx.subgraph);
    (0..ctx.subgraph.operators.len()).map(|i| refusal_with(ctx, i, &alloc)).collect()
}

fn refusal_with(ctx: &GpuContext<'_, '_>, op_index: usize, alloc: &[Allocation]) -> Option<String> {
    let op = ctx.subgraph.operators.get(op_index)?;
    let node = Node::new(ctx, op_index, op, alloc);
    let detail = if node.is_fp16_const_dequantize() {
        Err(String::new())
    } else {
        node.decide()
    };
    detail
        .err()
        .map(|d| format!("{}: {d}", op_name_by_registration(op)))
}

/// The subgraph as `FP16GraphPartitionHelper::IsNodeSupported` checks it: every input that is
/// the output of a DEQUANTIZE of a constant fp16 tensor reads that fp16 tensor instead
/// (`RemapFp16InputTensors`, tflite/delegates/utils.cc 240-330). `None` when there is no such
/// DEQUANTIZE.
pub fn with_fp16_dequant_remap(sg: &Subgraph) -> Option<Subgraph> {
    let mut map = std::collections::HashMap::new();
    for op in &sg.operators {
        if is_const_fp16_dequantize(sg, op) {
            if let (Some(&out), Some(&inp)) = (op.outputs.first(), op.inputs.first()) {
                map.insert(out, inp);
            }
        }
    }
    if map.is_empty() {
        return None;
    }
    let mut remapped = sg.clone();
    for op in &mut remapped.operators {
        for t in &mut op.inputs {
            if let Some(&to) = map.get(t) {
                *t = to;
            }
        }
    }
    Some(remapped)
}

/// The refusal lines of every operator of the first subgraph, as the helper's sorted set holds
/// them (consumers of fp16 DEQUANTIZE nodes checked as the helper checks them).
pub fn refusal_lines(model: &crate::model::Model<'_>) -> BTreeSet<String> {
    let Some(sg) = model.subgraphs.first() else {
        return BTreeSet::new();
    };
    let remapped = with_fp16_dequant_remap(sg);
    let ctx = GpuContext {
        model,
        subgraph: remapped.as_ref().unwrap_or(sg),
        index: 0,
    };
    node_refusals(&ctx).into_iter().flatten().collect()
}


// ------------------------------------------------------------------------------------------------
// The node as the parsers see it.

/// `TfLiteAllocationType` of a tensor when the delegate runs (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Allocation {
    MmapRo,
    ArenaRw,
    PersistentRo,
    ArenaRwPersistent,
}

/// The element type a parser reads a constant into (`Tensor<Shape, DataType>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Elem {
    F32,
    I32,
}

/// The shape type a parser reads a constant into; `CheckAllDimensions<Shape>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Scalar,
    Linear,
    Hw,
    Hwc,
    Ohwi,
    Bhwc,
}

/// `ParserValidationOptions` (operation_parser.h): -1 = not checked.
#[derive(Debug, Clone, Copy)]
struct Validation {
    max_version: i32,
    min_inputs: i32,
    max_inputs: i32,
    num_outputs: i32,
    runtime_inputs: i32,
    const_inputs: i32,
    compat: bool,
    flags: CompatFlags,
}

const VALIDATE: Validation = Validation {
    max_version: -1,
    min_inputs: -1,
    max_inputs: -1,
    num_outputs: -1,
    runtime_inputs: -1,
    const_inputs: -1,
    compat: true,
    flags: CompatFlags::Standard,
};

/// BHWC as `ExtractTensorShape` (model_builder_helper.cc 115-128) maps a shape of rank 0..4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Bhwc {
    b: i32,
    h: i32,
    w: i32,
    c: i32,
}

impl Bhwc {
    fn of(dims: &[i32]) -> Bhwc {
        let d = |i: usize| dims[i];
        match dims.len() {
            0 => Bhwc {
                b: 1,
                h: 1,
                w: 1,
                c: 1,
            },
            1 => Bhwc {
                b: d(0),
                h: 1,
                w: 1,
                c: 1,
            },
            2 => Bhwc {
                b: d(0),
                h: 1,
                w: 1,
                c: d(1),
            },
            3 => Bhwc {
                b: d(0),
                h: 1,
                w: d(1),
                c: d(2),
            },
            _ => Bhwc {
                b: d(0),
                h: d(1),
                w: d(2),
                c: d(3),
            },
        }
    }
    fn to_vec(self) -> [i32; 4] {
        [self.b, self.h, self.w, self.c]
    }
}

struct Node<'n, 'm, 'a> {
    ctx: &'n GpuContext<'m, 'a>,
    index: usize,
    op: &'m Operator,
    alloc: &'n [Allocation],
}

impl<'n, 'm, 'a> Node<'n, 'm, 'a> {
    fn new(ctx: &'n GpuContext<'m, 'a>, index: usize, op: &'m Operator, alloc: &'n [Allocation]) -> Self {
        Node { ctx, index, op, alloc }
    }

    fn is_fp16_const_dequantize(&self) -> bool {
        is_const_fp16_dequantize(self.ctx.subgraph, self.op)
    }

    /// IsSupported, then the tensor filter (`node_supported_fn` in GetOpsToReplaceWithOptions).
    fn decide(&self) -> Check {
        self.is_supported()?;
        self.tensor_filter()
    }

    fn tensor(&self, tid: i32) -> Option<&'m Tensor> {
        self.ctx.subgraph.tensor(tid)
    }
    fn alloc_of(&self, tid: usize) -> Allocation {
        self.alloc.get(tid).copied().unwrap_or(Allocation::ArenaRw)
    }
    /// `tflite::IsConstantTensor`: `kTfLiteMmapRo`.
    fn is_const(&self, t: &Tensor) -> bool {
        t.is_const()
    }
    fn has_data(&self, tid: usize) -> bool {
        matches!(
            self.alloc_of(tid),
            Allocation::MmapRo | Allocation::PersistentRo
        )
    }
    fn n_inputs(&self) -> usize {
        self.op.inputs.len()
    }
    fn n_outputs(&self) -> usize {
        self.op.outputs.len()
    }
    fn version(&self) -> i32 {
        self.op.version
    }

    /// `GetTensorId` (operation_parser.cc).
    fn tensor_id(&self, k: usize) -> Result<usize, String> {
        let tid = *self
            .op
            .inputs
            .get(k)
            .ok_or_else(|| format!("Invalid input tensor index: {k}"))?;
        // (The source tests `> tensors_size`; an index equal to it cannot come from a valid file.)
        if tid < 0 || tid as usize >= self.ctx.subgraph.tensors.len() {
            return Err(format!("Invalid Tensor index: {tid}"));
        }
        Ok(tid as usize)
    }

    /// `PreGetInputTensor`: the tensor of input `k`, or "input #k tensor is not available".
    fn input(&self, k: usize) -> Result<&'m Tensor, String> {
        self.op
            .inputs
            .get(k)
            .and_then(|&t| self.tensor(t))
            .ok_or_else(|| format!("input #{k} tensor is not available"))
    }
    /// `PreGetOutputTensor`.
    fn output(&self, k: usize) -> Result<&'m Tensor, String> {
        self.op
            .outputs
            .get(k)
            .and_then(|&t| self.tensor(t))
            .ok_or_else(|| format!("output #{k} tensor is not available"))
    }
    /// Input `k` when the node has it and it is not an omitted optional input.
    fn optional_input(&self, k: usize) -> Option<&'m Tensor> {
        self.op.inputs.get(k).and_then(|&t| self.tensor(t))
    }

    /// `GetNumberOfRuntimeInputsForNode` (model_builder_helper.cc 176-187).
    fn runtime_inputs(&self) -> usize {
        self.op
            .inputs
            .iter()
            .filter_map(|&t| self.tensor(t))
            .filter(|t| !self.is_const(t))
            .count()
    }
    /// `GetNumberOfConstInputsForNode`: all inputs (omitted ones too) minus the runtime ones.
    fn const_inputs(&self) -> usize {
        self.n_inputs() - self.runtime_inputs()
    }

    /// `ValidateSupport` (operation_parser.cc).
    fn validate(&self, v: Validation) -> Check {
        max_version(self.version(), v.max_version)?;
        if v.compat {
            compat::check(self.ctx, self.index, v.flags)?;
        }
        let inputs = self.n_inputs() as i32;
        if v.min_inputs != -1 && inputs < v.min_inputs {
            return Err(format!(
                "Invalid number of inputs: {inputs}, while expected at least {}.",
                v.min_inputs
            ));
        }
        if v.max_inputs != -1 && inputs > v.max_inputs {
            return Err(format!(
                "Invalid number of inputs: {inputs}, while expected at most {}.",
                v.max_inputs
            ));
        }
        if v.num_outputs != -1 && self.n_outputs() as i32 != v.num_outputs {
            return Err(format!(
                "Expected {} output tensor(s), but node has {} output(s).",
                v.num_outputs,
                self.n_outputs()
            ));
        }
        if v.runtime_inputs != -1 && self.runtime_inputs() as i32 != v.runtime_inputs {
            return Err(runtime_inputs_message(
                v.runtime_inputs,
                self.runtime_inputs(),
            ));
        }
        if v.const_inputs != -1 && self.const_inputs() as i32 != v.const_inputs {
            return Err(const_inputs_message(v.const_inputs, self.const_inputs()));
        }
        self.check_outputs()
    }

    /// `CheckInputsConstsOutputs` (model_builder_helper.cc 195-226).
    fn check_inputs_consts_outputs(&self, runtime: usize, consts: usize, outputs: usize) -> Check {
        if self.const_inputs() != consts {
            return Err(const_inputs_message(consts as i32, self.const_inputs()));
        }
        if self.runtime_inputs() != runtime {
            return Err(runtime_inputs_message(
                runtime as i32,
                self.runtime_inputs(),
            ));
        }
        if self.n_outputs() != outputs {
            return Err(format!(
                "Expected {outputs} output tensor(s), but node has {} output(s).",
                self.n_outputs()
            ));
        }
        Ok(())
    }

    /// `PreCheckReadValue`: input `k` can become a graph value.
    fn read_value(&self, k: usize) -> Check {
        let tid = self.tensor_id(k)?;
        self.read_value_by_tensor(tid)
    }

    /// `PreCheckReadValueByTensorIdx`: rank at most 5; a quantized 8-bit tensor has one scale.
    fn read_value_by_tensor(&self, tid: usize) -> Check {
        let t = self
            .ctx
            .subgraph
            .tensors
            .get(tid)
            .ok_or_else(|| format!("PreCheckReadValue: input tensor index: {tid}"))?;
        check_tensor_shape(&t.shape, Some(&t.name))?;
        if matches!(t.dtype, T::INT8 | T::UINT8)
            && t.quantization.as_ref().is_some_and(|q| q.scale.len() > 1)
        {
            return Err("Unsupported quantization scale size".into());
        }
        Ok(())
    }

    /// `PreCheckOutput`.
    fn check_output(&self, k: usize) -> Check {
        let tid = self.op.outputs.get(k).copied().ok_or_else(|| {
            format!(
                "Data id {k} must be less than tflite node outputs size {}",
                self.n_outputs()
            )
        })?;
        self.read_value_by_tensor(tid as u32 as usize)
    }

    /// `PreCheckOutputs`.
    fn check_outputs(&self) -> Check {
        (0..self.n_outputs()).try_for_each(|k| self.check_output(k))
    }

    /// `PreCheckReadTensor` / `PreReadTensor` (operation_parser.h): input `k` read as a constant
    /// of `elem` values in `layout`; the int32 values when `elem` is I32.
    fn read_tensor(&self, k: usize, elem: Elem, layout: Layout) -> Result<Vec<i32>, String> {
        let tid = self.tensor_id(k)?;
        let t = self
            .ctx
            .subgraph
            .tensors
            .get(tid)
            .ok_or_else(|| format!("Invalid Tensor index: {tid}"))?;
        self.copy_data_check(tid, t, elem)?;
        check_all_dimensions(&t.shape, layout)?;
        Ok(if elem == Elem::I32 {
            self.i32_values(t)
        } else {
            Vec::new()
        })
    }

    /// `PreCheckCopyData<float>` and the generic `PreCheckCopyData<T>`.
    fn copy_data_check(&self, tid: usize, t: &Tensor, elem: Elem) -> Check {
        if !self.has_data(tid) {
            return Err("src has no data.".into());
        }
        match elem {
            Elem::F32 => match t.dtype {
                T::FLOAT32 | T::FLOAT16 | T::INT4 | T::INT8 | T::UINT8 | T::INT32 => Ok(()),
                _ => Err("Unsupported data type for float32 tensor".into()),
            },
            Elem::I32 => {
                let bytes = self.byte_len(t);
                if !bytes.is_multiple_of(4) {
                    return Err(format!(
                        "Input data size {bytes} is not aligned to expected type: 4"
                    ));
                }
                if num_elements(&t.shape).wrapping_mul(4) != bytes as i64 {
                    return Err("src has wrong size.".into());
                }
                copy_type_check(t.dtype)
            }
        }
    }

    fn byte_len(&self, t: &Tensor) -> usize {
        t.data
            .map(|d| d.len)
            .unwrap_or_else(|| num_elements(&t.shape).max(0) as usize * element_size(t.dtype))
    }

    fn i32_values(&self, t: &Tensor) -> Vec<i32> {
        let Some(d) = self.ctx.model.data(t) else {
            return Vec::new();
        };
        d.chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// `PreCheckRuntimeOrConstantInput`: a value, or a constant NewConstNode can hold.
    fn runtime_or_constant_input(&self, k: usize) -> Check {
        if self.read_value(k).is_ok() {
            return Ok(());
        }
        let t = self.input(k)?;
        match t.dtype {
            T::FLOAT32 => self.read_tensor(k, Elem::F32, Layout::Bhwc).map(drop),
            T::INT32 => self.read_tensor(k, Elem::I32, Layout::Bhwc).map(drop),
            T::BOOL => self.read_bool_tensor(k),
            other => Err(format!(
                "Unsupported tensor type in NewConstNode: {}",
                type_name(other)
            )),
        }
    }

    /// `PreCheckTensorToTensor<TensorBool>` (1-byte elements, BHWC).
    fn read_bool_tensor(&self, k: usize) -> Check {
        let tid = self.tensor_id(k)?;
        let t = self
            .ctx
            .subgraph
            .tensors
            .get(tid)
            .ok_or_else(|| format!("Invalid Tensor index: {tid}"))?;
        if !self.has_data(tid) {
            return Err("src has no data.".into());
        }
        if num_elements(&t.shape) != self.byte_len(t) as i64 {
            return Err("src has wrong size.".into());
        }
        copy_type_check(t.dtype)?;
        check_all_dimensions(&t.shape, Layout::Bhwc)
    }

    fn custom_options(&self) -> Option<Vec<u8>> {
        custom_options(self.ctx, self.index)
    }
}

fn runtime_inputs_message(expected: i32, got: usize) -> String {
    format!("Expected {expected} runtime input tensor(s), but node has {got} runtime input(s).")
}

fn const_inputs_message(expected: i32, got: usize) -> String {
    format!("Expected {expected} const input tensor(s), but node has {got} const input(s).")
}

/// `CheckMaxSupportedOpVersion` (operation_parser.cc).
fn max_version(version: i32, max: i32) -> Check {
    if max != -1 && version > max {
        return Err(format!(
            "Max version supported: {max}. Requested version {version}."
        ));
    }
    Ok(())
}

/// `CheckTensorShape` (operation_parser.cc): rank 0..5.
fn check_tensor_shape(dims: &[i32], name: Option<&str>) -> Check {
    if dims.len() <= 5 {
        return Ok(());
    }
    Err(format!(
        "Tensor \"{}\" has bad input dims size: {}.",
        name.unwrap_or("nullptr"),
        dims.len()
    ))
}

/// `PreCheckTensorShape`.
fn tensor_shape(t: &Tensor) -> Check {
    check_tensor_shape(&t.shape, Some(&t.name))
}

/// `PreCheckTfLiteShape`: rank 1..4.
fn tflite_shape(t: &Tensor) -> Check {
    if (1..=4).contains(&t.rank()) {
        return Ok(());
    }
    Err(format!(
        "Tensor \"{}\" has bad input dims size: {}.",
        t.name,
        t.rank()
    ))
}

/// `PreCheckAxisFromIndex`.
fn axis_from_index(t: &Tensor, index: i32) -> Check {
    let rank = t.rank() as i32;
    let index = if index < 0 { rank + index } else { index };
    if index < 0 || index >= rank {
        return Err("Index for axis out of range".into());
    }
    if !(1..=4).contains(&rank) {
        return Err("Unknown layout.".into());
    }
    Ok(())
}

/// `CheckAllDimensions<Shape>` (operation_parser.cc).
fn check_all_dimensions(dims: &[i32], layout: Layout) -> Check {
    // Formatted only for a refusal: this runs for every constant read (each conv's weights).
    let shown = || shape_debug_string(dims);
    match layout {
        Layout::Scalar if dims.iter().all(|&d| d == 1) => Ok(()),
        Layout::Scalar => Err(format!("{}  cannot be reduced to scalar.", shown())),
        Layout::Linear if is_linear_convertible(dims) => Ok(()),
        Layout::Linear => Err("Isn't linear convertible.".into()),
        Layout::Hwc => match dims.len() {
            3 => Ok(()),
            4 if dims[0] == 1 => Ok(()),
            4 => Err("Batch size is not equal to 1.".into()),
            _ => Err(format!("Expected a 3D tensor of shape HxWxC or a 4D tensor of shape 1xHxWxC but got {}", shown())),
        },
        Layout::Hw if dims.len() == 2 => Ok(()),
        Layout::Hw => Err(format!("Expected a 2D tensor of shape HxW but got {}", shown())),
        Layout::Ohwi if dims.len() == 4 => Ok(()),
        Layout::Ohwi => Err(format!("Expected a 4D tensor of shape OxHxWxI but got {}", shown())),
        Layout::Bhwc => check_tensor_shape(dims, None),
    }
}

/// The type switch of the generic `PreCheckCopyData<T>`.
fn copy_type_check(dtype: T) -> Check {
    match dtype {
        T::FLOAT32
        | T::INT32
        | T::UINT8
        | T::INT64
        | T::BOOL
        | T::INT16
        | T::INT8
        | T::FLOAT64
        | T::UINT64
        | T::UINT32
        | T::UINT16
        | T::INT4 => Ok(()),
        T::STRING => Err("src can't be string.".into()),
        T::COMPLEX64 => Err("src can't be complex64.".into()),
        T::FLOAT16 => Err("src can't be float16.".into()),
        T::COMPLEX128 => Err("src can't be complex128.".into()),
        T::RESOURCE => Err("src can't be resource.".into()),
        T::VARIANT => Err("src can't be variant.".into()),
        other => Err(format!(
            "src type not allowed: {}",
            tflite_type_number(other)
        )),
    }
}

/// The `TfLiteType` number of a schema type (tflite/core/c/c_api_types.h), for messages that
/// print the enum as a number.
fn tflite_type_number(t: T) -> i32 {
    match t {
        T::FLOAT32 => 1,
        T::INT32 => 2,
        T::UINT8 => 3,
        T::INT64 => 4,
        T::STRING => 5,
        T::BOOL => 6,
        T::INT16 => 7,
        T::COMPLEX64 => 8,
        T::INT8 => 9,
        T::FLOAT16 => 10,
        T::FLOAT64 => 11,
        T::COMPLEX128 => 12,
        T::UINT64 => 13,
        T::RESOURCE => 14,
        T::VARIANT => 15,
        T::UINT32 => 16,
        T::UINT16 => 17,
        T::INT4 => 18,
        T::BFLOAT16 => 19,
        T::INT2 => 20,
        T::UINT4 => 21,
        other => 100 + other.0 as i32,
    }
}

/// `tflite::GetShapeDebugString`: "[1,2,3]".
fn shape_debug_string(dims: &[i32]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(","))
}

/// `IsLinearConvertible` (model_builder_helper.cc 295-301).
fn is_linear_convertible(dims: &[i32]) -> bool {
    !dims.is_empty() && dims[..dims.len() - 1].iter().all(|&d| d == 1)
}

/// `tflite::NumElements`.
fn num_elements(dims: &[i32]) -> i64 {
    dims.iter().fold(1i64, |n, &d| n.wrapping_mul(d as i64))
}

fn element_size(t: T) -> usize {
    match t {
        T::FLOAT32 | T::INT32 | T::UINT32 => 4,
        T::INT64 | T::UINT64 | T::FLOAT64 | T::COMPLEX64 => 8,
        T::INT16 | T::UINT16 | T::FLOAT16 | T::BFLOAT16 => 2,
        T::COMPLEX128 => 16,
        _ => 1,
    }
}

/// Each tensor's allocation type after the interpreter prepared every op (see the module doc).
/// Computed at Prepare: SHAPE and RANK outputs, and the constant-folding paths that
/// crate::dynamic lists (tflite/kernels/*.cc `SetTensorToPersistentRo`).
fn allocations(sg: &Subgraph) -> Vec<Allocation> {
    let mut alloc: Vec<Allocation> = sg
        .tensors
        .iter()
        .map(|t| {
            if t.is_const() {
                Allocation::MmapRo
            } else if t.is_variable {
                Allocation::ArenaRwPersistent
            } else {
                Allocation::ArenaRw
            }
        })
        .collect();
    for op in &sg.operators {
        let known = |t: &i32| {
            *t < 0
                || alloc
                    .get(*t as usize)
                    .is_some_and(|a| matches!(a, Allocation::MmapRo | Allocation::PersistentRo))
        };
        let all_known = op.inputs.iter().all(known);
        let computed = match op.code {
            B::SHAPE | B::RANK => true,
            B::BROADCAST_ARGS
            | B::CONCATENATION
            | B::GATHER
            | B::MUL
            | B::RANGE
            | B::MEAN
            | B::SUM
            | B::RESHAPE
            | B::STRIDED_SLICE
            | B::TILE => all_known && op.inputs.iter().any(|&t| t >= 0),
            _ => false,
        };
        if computed {
            for &t in &op.outputs {
                if let Some(a) = usize::try_from(t).ok().and_then(|t| alloc.get_mut(t)) {
                    *a = Allocation::PersistentRo;
                }
            }
        }
    }
    alloc
}

/// The custom options bytes of operator `op_index` of the first subgraph, read from the file
/// (the model view does not keep them); `custom_initial_data` of the node.
fn custom_options(ctx: &GpuContext<'_, '_>, op_index: usize) -> Option<Vec<u8>> {
    let model = tflite_schema::tflite::root_as_model_with_opts(
        &crate::model::verifier_options_for(ctx.model.bytes.len()),
        ctx.model.bytes,
    )
    .ok()?;
    let op = model
        .subgraphs()?
        .iter()
        .next()?
        .operators()?
        .iter()
        .nth(op_index)?;
    op.custom_options()
        .map(|v| v.bytes().to_vec())
        .filter(|v| !v.is_empty())
}

/// The fused activation of the options this op carries (`TfLiteFusedActivation` number).
fn fused_activation(op: &Operator) -> i32 {
    let a = match &op.options {
        O::AddOptions(o) => o.fused_activation_function,
        O::SubOptions(o) => o.fused_activation_function,
        O::MulOptions(o) => o.fused_activation_function,
        O::DivOptions(o) => o.fused_activation_function,
        O::Conv2DOptions(o) => o.fused_activation_function,
        O::DepthwiseConv2DOptions(o) => o.fused_activation_function,
        O::ConcatenationOptions(o) => o.fused_activation_function,
        O::FullyConnectedOptions(o) => o.fused_activation_function,
        O::Pool2DOptions(o) => o.fused_activation_function,
        O::LSTMOptions(o) => o.fused_activation_function,
        O::TransposeConvOptions(o) => o.fused_activation_function,
        _ => return 0,
    };
    a.0 as i32
}

/// `PreCheckMaybeFuseActivationSkipSize`: kTfLiteActNone, Relu, ReluN1To1, Relu6, Tanh, Sigmoid.
fn fuse_activation_skip_size(activation: i32) -> Check {
    match activation {
        0..=4 | 6 => Ok(()),
        other => Err(format!("Unsupported fused activation: {other}")),
    }
}

impl Node<'_, '_, '_> {
    /// `PreCheckMaybeFuseActivation`: one output, and an activation ML Drift can fuse.
    fn fuse_activation(&self, activation: i32) -> Check {
        if self.n_outputs() != 1 {
            return Err("Number of outputs != 1".into());
        }
        fuse_activation_skip_size(activation)
    }
}

// ------------------------------------------------------------------------------------------------
// NewOperationParser (model_builder.cc 6766-7115), in the order of its switch.

/// ML Drift's elementwise operation types (`::ml_drift::OperationType`) for the builtins the
/// switch gives an ElementwiseOperationParser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Elementwise {
    Abs,
    Add,
    Atan2,
    LogicalXor,
    Ceil,
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
    LogicalAnd,
    LogicalNot,
    LogicalOr,
    Sigmoid,
    Log,
    Maximum,
    Minimum,
    Mul,
    Neg,
    NotEqual,
    Pow,
    Round,
    Rsqrt,
    ShiftLeft,
    ShiftRight,
    Sign,
    Sin,
    Sqrt,
    Square,
    SquaredDiff,
    Sub,
    Tanh,
}

fn elementwise_of(code: B) -> Option<Elementwise> {
    use Elementwise as E;
    Some(match code {
        B::ABS => E::Abs,
        B::ADD | B::ADD_N => E::Add,
        B::ATAN2 => E::Atan2,
        B::BITWISE_XOR => E::LogicalXor,
        B::CEIL => E::Ceil,
        B::COS => E::Cos,
        B::DIV => E::Div,
        B::EQUAL => E::Equal,
        B::ELU => E::Elu,
        B::EXP => E::Exp,
        B::FLOOR => E::Floor,
        B::FLOOR_DIV => E::FloorDiv,
        B::FLOOR_MOD => E::FloorMod,
        B::GELU => E::Gelu,
        B::GREATER => E::Greater,
        B::GREATER_EQUAL => E::GreaterEqual,
        B::LESS => E::Less,
        B::LESS_EQUAL => E::LessEqual,
        B::LOGICAL_AND => E::LogicalAnd,
        B::LOGICAL_NOT => E::LogicalNot,
        B::LOGICAL_OR => E::LogicalOr,
        B::LOGISTIC => E::Sigmoid,
        B::LOG => E::Log,
        B::MAXIMUM => E::Maximum,
        B::MINIMUM => E::Minimum,
        B::MUL => E::Mul,
        B::NEG => E::Neg,
        B::NOT_EQUAL => E::NotEqual,
        B::POW => E::Pow,
        B::ROUND => E::Round,
        B::RSQRT => E::Rsqrt,
        B::STABLEHLO_SHIFT_LEFT => E::ShiftLeft,
        B::RIGHT_SHIFT => E::ShiftRight,
        B::SIGN => E::Sign,
        B::SIN => E::Sin,
        B::SQRT => E::Sqrt,
        B::SQUARE => E::Square,
        B::SQUARED_DIFFERENCE => E::SquaredDiff,
        B::SUB => E::Sub,
        B::TANH => E::Tanh,
        _ => return None,
    })
}

impl Node<'_, '_, '_> {
    /// `NewOperationParser(...)->IsSupported(...)`.
    fn is_supported(&self) -> Check {
        if let Some(kind) = elementwise_of(self.op.code) {
            return self.elementwise(kind);
        }
        match self.op.code {
            B::ARG_MAX => self.arg_max(),
            B::AVERAGE_POOL_2D | B::MAX_POOL_2D => self.pooling_2d(),
            B::BATCH_MATMUL => self.batch_matmul(),
            B::BITCAST => self.bitcast(),
            B::STABLEHLO_BROADCAST_IN_DIM => self.broadcast_in_dim(),
            B::CAST => self.cast(),
            B::STABLEHLO_CBRT => self.cbrt(),
            B::CONCATENATION => self.concatenation(),
            B::CONV_2D => self.conv_2d(),
            B::CUMSUM => self.cumsum(),
            B::DEPTHWISE_CONV_2D => self.depthwise_conv_2d(),
            B::DEPTH_TO_SPACE => self.depth_to_space(),
            B::DEQUANTIZE => self.dequantize(),
            B::DYNAMIC_UPDATE_SLICE => self.dynamic_update_slice(),
            B::EMBEDDING_LOOKUP => self.embedding_lookup(),
            B::FULLY_CONNECTED => self.fully_connected(),
            B::GATHER => self.gather(),
            B::HARD_SWISH => self.hard_swish(),
            B::LSTM => self.lstm(),
            B::MEAN
            | B::REDUCE_ALL
            | B::REDUCE_ANY
            | B::REDUCE_MAX
            | B::REDUCE_MIN
            | B::REDUCE_PROD
            | B::SUM => self.reduce(),
            B::MIRROR_PAD | B::PAD | B::PADV2 => self.pad(),
            B::ONE_HOT => self.one_hot(),
            B::PACK => self.pack(),
            B::QUANTIZE => self.quantize(),
            B::RELU | B::RELU6 | B::RELU_0_TO_1 | B::RELU_N1_TO_1 | B::LEAKY_RELU => self.relu(),
            B::PRELU => self.prelu(),
            B::STABLEHLO_REMAINDER => self.remainder(),
            B::RESHAPE => self.reshape(),
            B::RESIZE_BILINEAR => self.resize_2d(true),
            B::RESIZE_NEAREST_NEIGHBOR => self.resize_2d(false),
            B::REVERSE_V2 => self.reverse(),
            B::SELECT | B::SELECT_V2 => self.select_v2(),
            B::SLICE => self.slice(),
            B::SOFTMAX => self.softmax(),
            B::SPACE_TO_DEPTH => self.space_to_depth(),
            B::SPLIT => self.split(),
            B::SPLIT_V => self.split_v(),
            B::STRIDED_SLICE => self.strided_slice(),
            B::TILE => self.tile(),
            B::TOPK_V2 => self.top_k(),
            B::TRANSPOSE => self.transpose(),
            B::TRANSPOSE_CONV => self.transpose_conv_builtin(),
            B::UNPACK => self.unpack(),
            B::STABLEHLO_CLAMP => self.clamp(),
            B::CUSTOM => self.custom(),
            B::STABLEHLO_COMPOSITE => self.composite(),
            _ => unsupported(),
        }
    }

    /// ArgMaxOperationParser (model_builder.cc 572-601): no compatibility check.
    fn arg_max(&self) -> Check {
        self.validate(Validation {
            num_outputs: 1,
            runtime_inputs: 1,
            const_inputs: 1,
            compat: false,
            ..VALIDATE
        })?;
        let axis = self.read_tensor(1, Elem::I32, Layout::Scalar)?;
        let src = self.input(0)?;
        let dst = self.output(0)?;
        axis_from_index(src, axis.first().copied().unwrap_or(0))?;
        self.read_value(0)?;
        tensor_shape(src)?;
        tensor_shape(dst)
    }

    /// BatchedMatMulOperationParser (658-703).
    fn batch_matmul(&self) -> Check {
        self.validate(Validation {
            num_outputs: 1,
            ..VALIDATE
        })?;
        match self.runtime_inputs() {
            1 => {
                self.read_value(0)?;
                let second = self.input(1)?;
                if !self.is_const(second) {
                    return Err("Not supported batched mat mul case: non-constant tensor".into());
                }
                match second.rank() {
                    2 => self.read_tensor(1, Elem::F32, Layout::Hw).map(drop)?,
                    3 | 4 => self.read_tensor(1, Elem::F32, Layout::Bhwc).map(drop)?,
                    _ => {
                        return Err(
                            "Not supported batched mat mul case: second input has unsupported rank"
                                .into(),
                        )
                    }
                }
            }
            2 => {
                self.read_value(0)?;
                self.read_value(1)?;
            }
            _ => return Err("Not supported batched mat mul case: too many inputs".into()),
        }
        self.check_outputs()
    }

    /// BitcastOperationParser (842-862).
    fn bitcast(&self) -> Check {
        self.validate(VALIDATE)?;
        let src = self.input(0)?;
        let dst = self.output(0)?;
        self.read_value(0)?;
        if src.rank() != dst.rank() {
            tensor_shape(dst)?;
        }
        Ok(())
    }

    /// BroadcastInDimOperationParser (941-969, CheckIndices 1036-1058).
    fn broadcast_in_dim(&self) -> Check {
        self.validate(VALIDATE)?;
        let input = self.input(0)?;
        let output = self.output(0)?;
        if !(1..5).contains(&input.rank()) {
            return Err("Only supports 1D-4D input tensor.".into());
        }
        if !(1..5).contains(&output.rank()) {
            return Err("Only supports 1D-4D output tensor.".into());
        }
        let indices = self.read_tensor(1, Elem::I32, Layout::Linear)?;
        for (d, &index) in indices.iter().enumerate() {
            if index < 0 || index as usize >= output.rank() {
                return Err("Require 0 <= index val < rank(result)".into());
            }
            let in_dim = input.shape.get(d).copied().unwrap_or(1);
            if in_dim != 1 && in_dim != output.shape[index as usize] {
                return Err(
                    "Requires dim(input, d) = 1 || dim(input, d) = dim(output, index[d])".into(),
                );
            }
        }
        if indices.iter().collect::<BTreeSet<_>>().len() != indices.len() {
            return Err("Index values must be unique".into());
        }
        self.read_value(0)?;
        tensor_shape(output)
    }

    /// CastOperationParser (1061-1076): no compatibility check.
    fn cast(&self) -> Check {
        self.validate(Validation {
            min_inputs: 1,
            max_inputs: 1,
            num_outputs: 1,
            runtime_inputs: 1,
            const_inputs: 0,
            compat: false,
            ..VALIDATE
        })?;
        self.read_value(0)
    }

    /// CbrtOperationParser (1088-1097).
    fn cbrt(&self) -> Check {
        self.validate(VALIDATE)?;
        self.read_value(0)
    }

    /// ClampOperationsParser (1113-1124).
    fn clamp(&self) -> Check {
        self.validate(VALIDATE)?;
        (0..3).try_for_each(|k| self.read_value(k))
    }

    /// ConcatenationOperationParser (1154-1185, GetAxis 1254-1292).
    fn concatenation(&self) -> Check {
        self.validate(Validation {
            max_version: 6,
            ..VALIDATE
        })?;
        let mut shapes = Vec::new();
        for k in 0..self.n_inputs() {
            let t = self.input(k)?;
            self.read_value(k)?;
            shapes.push(Bhwc::of(&t.shape));
        }
        if !concat_axis_found(&shapes) {
            return Err("Couldn't find an axis to concatenate by.".into());
        }
        self.fuse_activation(fused_activation(self.op))
    }

    /// Conv2DOperationParser (1295-1361, IsConvertibleToFC 1474-1482).
    fn conv_2d(&self) -> Check {
        self.validate(Validation {
            max_version: 6,
            ..VALIDATE
        })?;
        let input = self.input(0)?;
        self.read_value(0)?;
        if self.is_const(input) {
            return Err("input must be a runtime tensor".into());
        }
        let weights = self.input(1)?;
        let convertible_to_fc = weights.rank() == 4
            && weights.shape[1] == 1
            && weights.shape[2] == 1
            && weights.quantization.is_some()
            && matches!(weights.dtype, T::INT4 | T::INT8);
        if convertible_to_fc {
            let tid = self.tensor_id(1)?;
            self.read_quantized_value(tid)?;
        }
        if self.runtime_inputs() == 2 {
            self.read_value(1)?;
        }
        if self.is_variable_input(2) {
            self.read_value(2)?;
        }
        self.fuse_activation(fused_activation(self.op))
    }

    /// `tflite::GetVariableInput`: input `k` exists and is a variable tensor.
    fn is_variable_input(&self, k: usize) -> bool {
        self.optional_input(k).is_some_and(|t| t.is_variable)
    }

    /// `PreCheckReadQuantizedValueByTensorIdx` (operation_parser.cc).
    fn read_quantized_value(&self, tid: usize) -> Check {
        let Some(t) = self.ctx.subgraph.tensors.get(tid) else {
            return Err(format!("Invalid Tensor index: {tid}"));
        };
        if t.quantization.is_none() {
            return Err(format!(
                "PreCheckReadQuantizedValueByTensorIdx: Empty quantization params: {tid}"
            ));
        }
        if !matches!(t.dtype, T::INT8 | T::INT4 | T::INT2) {
            return Err(format!(
                "Expected Int8, Int4, or Int2 quantized tensor: {tid}"
            ));
        }
        if t.rank() != 2 && t.rank() != 4 {
            return Err(format!(
                "PreCheckReadQuantizedValueByTensorIdx: Expected 2D or 4D quantized tensor: {tid}"
            ));
        }
        if t.rank() == 4 && (t.shape[1] != 1 || t.shape[2] != 1) {
            return Err(format!(
                "PreCheckReadQuantizedValueByTensorIdx: Expected 4D quantized tensor with height of 1 and width of 1: {tid}"
            ));
        }
        Ok(())
    }

    /// CumsumOperationParser (1750-1759).
    fn cumsum(&self) -> Check {
        self.validate(Validation {
            max_version: 1,
            ..VALIDATE
        })?;
        self.read_value(0)
    }

    /// DepthwiseConvolutionOperationParser (1781-1812).
    fn depthwise_conv_2d(&self) -> Check {
        self.validate(Validation {
            max_version: 6,
            ..VALIDATE
        })?;
        self.read_value(0)?;
        match self.runtime_inputs() {
            2 => self.read_value(1)?,
            1 => self.read_tensor(1, Elem::F32, Layout::Ohwi).map(drop)?,
            _ => return Err("Unsupported Depthwise Convolution case.".into()),
        }
        self.fuse_activation(fused_activation(self.op))
    }

    /// DepthToSpaceOperationParser (1952-1968).
    fn depth_to_space(&self) -> Check {
        self.validate(VALIDATE)?;
        self.read_value(0)
    }

    /// DequantizeOperationParser (1985-2058). A DEQUANTIZE of a constant fp16 tensor never gets
    /// here: the partition helper refuses it first.
    fn dequantize(&self) -> Check {
        self.validate(Validation {
            max_version: 3,
            ..VALIDATE
        })?;
        let runtime = self.runtime_inputs();
        let input = self.input(0)?;
        if runtime == 0 {
            if !(2..=4).contains(&input.rank()) {
                return Err(format!(
                    "Unsupported dims for tensor: {} Got dims:{}",
                    input.name,
                    input.rank()
                ));
            }
            let layout = match input.rank() {
                2 => Layout::Hw,
                3 => Layout::Hwc,
                _ => Layout::Bhwc,
            };
            return self.read_tensor(0, Elem::F32, layout).map(drop);
        }
        match &input.quantization {
            None if runtime == 1 => return Err("Dequantize for Densify is not supported".into()),
            None => return Err("Encountered Dequantize input with no quant params".into()),
            Some(q) if q.scale.len() > 1 => {
                return Err("Unsupported quantization scale size".into())
            }
            Some(_) => {}
        }
        self.read_value(0)
    }

    /// DynamicUpdateSliceOperationParser (2127-2179, CanMapAxis 2218-2220).
    fn dynamic_update_slice(&self) -> Check {
        self.validate(VALIDATE)?;
        let operand = self.input(0)?;
        let update = self.input(1)?;
        let start = self.input(2)?;
        let output = self.output(0)?;
        let mappable = |t: &Tensor| (1..5).contains(&t.rank());
        if self.is_const(start) {
            return Err("start_indices must be a runtime tensor".into());
        }
        self.read_value(0)?;
        if !mappable(operand) {
            return Err("operand dims must be 1D-4D.".into());
        }
        let operand_shape = map_axis(&operand.shape);
        self.read_value(1)?;
        if !mappable(update) {
            return Err("update dims must be 1D-4D.".into());
        }
        let update_shape = map_axis(&update.shape);
        if update_shape
            .iter()
            .zip(operand_shape.iter())
            .any(|(u, o)| u > o)
        {
            let join = |s: [i32; 4]| s.iter().map(|d| d.to_string()).collect::<String>();
            return Err(format!(
                "Updated_slice shape must be less or equal to the array to update, but they are updated_slice: [{}], array_to_update: [{}]",
                join(update_shape),
                join(operand_shape)
            ));
        }
        self.read_value(2)?;
        if !mappable(start) {
            return Err("start_indices dims must be 1D-4D.".into());
        }
        self.check_output(0)?;
        if !mappable(output) {
            return Err("output dims must be 1D-4D.".into());
        }
        Ok(())
    }

    /// ElementwiseOperationParser (2236-2337; its helpers 2535-2870).
    fn elementwise(&self, kind: Elementwise) -> Check {
        use Elementwise as E;
        let max = match kind {
            E::Abs => 5,
            E::FloorDiv => 3,
            E::Maximum | E::Minimum => 4,
            E::Mul => 8,
            E::Add => 6,
            E::Gelu => 3,
            _ => 2,
        };
        self.validate(Validation {
            max_version: max,
            flags: CompatFlags::EnhancedBroadcast,
            ..VALIDATE
        })?;
        let mut need_broadcast = false;
        if is_one_argument(kind) {
            self.check_inputs_consts_outputs(1, 0, 1)?;
            self.read_value(0)?;
        } else if self.check_inputs_consts_outputs(2, 0, 1).is_ok() {
            if self.n_inputs() != 2 {
                return Err("Applies only two input tensors".into());
            }
            let input0 = self.input(0)?;
            let input1 = self.input(1)?;
            if self.op.inputs[0] == self.op.inputs[1] {
                if kind != E::Mul && kind != E::Add {
                    return Err("No support of few identical inputs in the same operation.".into());
                }
                self.read_value(0)?;
            } else {
                if kind == E::Mul || kind == E::Add {
                    tensor_shape(input0)?;
                    tensor_shape(input1)?;
                }
                self.read_value(0)?;
                self.read_value(1)?;
                if input0.rank() != input1.rank() {
                    need_broadcast = is_broadcastable(&input0.shape, &input1.shape);
                    if !need_broadcast {
                        return Err(
                            "Inputs dimensions sizes don't match, broadcasting isn't applicable."
                                .into(),
                        );
                    }
                }
                if need_broadcast {
                    tflite_shape(input0)?;
                    tflite_shape(input1)?;
                }
            }
        } else {
            self.check_inputs_consts_outputs(1, 1, 1)?;
            if !self.can_parse_inputs_with_const_tensor() {
                return Err("Can't parse inputs with const tensors.".into());
            }
        }
        if need_broadcast {
            self.check_output(0)?;
            tflite_shape(self.output(0)?)?;
        }
        // PreCheckMaybeFuseActivationForElementwiseNode: only ADD, SUB, MUL and DIV carry one.
        let activation = if matches!(kind, E::Add | E::Sub | E::Mul | E::Div) {
            fused_activation(self.op)
        } else {
            0
        };
        if activation != 0 {
            self.fuse_activation(activation)?;
        }
        Ok(())
    }

    /// `CanParseInputsWithConstTensor` (2576-2647): the constant operand can be read as a
    /// scalar, a linear or a BHWC float tensor.
    fn can_parse_inputs_with_const_tensor(&self) -> bool {
        let (Some(input0), Some(input1)) = (self.optional_input(0), self.optional_input(1)) else {
            return false;
        };
        let (const0, const1) = (self.is_const(input0), self.is_const(input1));
        if const0 && const1 {
            return false;
        }
        if !const0 && !const1 {
            return true;
        }
        let constant = if const0 { input0 } else { input1 };
        let affine = constant.quantization.is_some();
        let convertible_to_f32 = matches!(constant.dtype, T::FLOAT32 | T::FLOAT16)
            || (affine && matches!(constant.dtype, T::INT8 | T::UINT8 | T::INT4));
        let float32_convertible = matches!(
            constant.dtype,
            T::FLOAT32 | T::FLOAT16 | T::INT4 | T::INT8 | T::UINT8 | T::INT32
        );
        if num_elements(&constant.shape) == 1 {
            if convertible_to_f32 {
                return float32_convertible;
            }
            return constant.dtype == T::INT32;
        }
        if !convertible_to_f32 {
            return true;
        }
        if is_linear_convertible(&constant.shape) {
            return float32_convertible;
        }
        float32_convertible && constant.rank() < 5
    }

    /// EmbeddingLookupOperationParser (2972-3014): input 1 holds the weights.
    fn embedding_lookup(&self) -> Check {
        let weights = self.input(1)?;
        if weights.quantization.is_none() && weights.dtype != T::FLOAT32 {
            return Err("EMBEDDING_LOOKUP: Empty quantization params.".into());
        }
        if matches!(weights.dtype, T::INT8 | T::INT4 | T::INT2) {
            let tid = self.tensor_id(1)?;
            self.read_quantized_value(tid)?;
        } else if weights.dtype != T::FLOAT32 {
            return Err("EMBEDDING_LOOKUP: Unsupported weights type.".into());
        }
        self.read_value(0)?;
        self.validate(VALIDATE)?;
        self.check_output(0)
    }

    /// FullyConnectedOperationParser (3249-3324), default options (no raw weights propagation).
    fn fully_connected(&self) -> Check {
        self.validate(Validation {
            max_version: 14,
            ..VALIDATE
        })?;
        self.input(0)?;
        self.read_value(0)?;
        let weights = self.input(1)?;
        if weights.quantization.is_some() {
            let tid = self.tensor_id(1)?;
            self.read_quantized_value(tid)?;
        } else {
            self.read_value(1)?;
        }
        if self.is_variable_input(2) {
            self.read_value(2)?;
        }
        self.output(0)?;
        self.check_outputs()?;
        if let O::FullyConnectedOptions(o) = &self.op.options {
            if o.weights_format.0 != 0 {
                return Err("Unsupported fully connected weights format.".into());
            }
        }
        self.fuse_activation(fused_activation(self.op))
    }

    /// GatherOperationParser (3474-3501).
    fn gather(&self) -> Check {
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        self.read_value(1)?;
        let input = self.input(0)?;
        self.check_outputs()?;
        let output = self.output(0)?;
        if input.dtype != output.dtype {
            return Err("Input / output dtype mismatch.".into());
        }
        Ok(())
    }

    /// HardSwishOperationParser (3560-3570).
    fn hard_swish(&self) -> Check {
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        self.check_outputs()
    }

    /// LSTMOperationParser (3610-3912).
    fn lstm(&self) -> Check {
        self.validate(Validation {
            max_version: 4,
            ..VALIDATE
        })?;
        let options = match &self.op.options {
            O::LSTMOptions(o) => (**o).clone(),
            _ => Default::default(),
        };
        if options.kernel_type.0 == 1 {
            self.lstm_basic(&options)
        } else {
            self.lstm_full(&options)
        }
    }

    /// `CheckBasic`.
    fn lstm_basic(&self, o: &tflite_schema::tflite::LSTMOptionsT) -> Check {
        if self.n_inputs() != 5 {
            return Err("LSTM should have 5 input tensors".into());
        }
        if self.n_outputs() != 4 {
            return Err("LSTM should have 4 output tensors".into());
        }
        if o.fused_activation_function.0 != 4 {
            return Err("Only TANH activation is supported.".into());
        }
        if o.cell_clip != 0.0 {
            return Err("cell_clip is not supported.".into());
        }
        if o.proj_clip != 0.0 {
            return Err("proj_clip is not supported.".into());
        }
        self.read_tensor(2, Elem::F32, Layout::Hw)?;
        self.read_value_by_tensor(self.op.outputs[2] as u32 as usize)?;
        self.read_value_by_tensor(self.op.outputs[3] as u32 as usize)?;
        self.read_value(0)?;
        self.read_value(1)?;
        self.read_value(4)?;
        self.check_output(0)?;
        self.check_output(1)
    }

    /// `CheckFull`, with tensor numbers of tflite/kernels/lstm_shared.h.
    fn lstm_full(&self, o: &tflite_schema::tflite::LSTMOptionsT) -> Check {
        let has = |k: usize| self.op.inputs.get(k).is_some_and(|&t| t >= 0);
        let cifg = !has(1);
        let peephole = has(10);
        self.read_value(19)?; // cell state
        self.read_value(18)?; // output state
                              // (input, recurrent, cell, bias, norm) weights of the forget gate, twice as in the source.
        self.lstm_gate(2, 6, 10, 13, 21, 6, peephole)?;
        self.lstm_gate(2, 6, 10, 13, 21, 6, peephole)?;
        if !cifg {
            self.lstm_gate(1, 5, 9, 12, 20, 6, peephole)?;
        }
        let activation = o.fused_activation_function.0 as i32;
        self.lstm_gate(3, 7, usize::MAX, 14, 22, activation, false)?;
        self.lstm_gate(4, 8, 11, 15, 23, 6, peephole)?;
        self.check_output(0)?;
        if activation != 6 && activation != 4 {
            return Err("Only sigmoid or tanh activation is supported.".into());
        }
        Ok(())
    }

    /// `CheckBuildLstmGate`.
    #[allow(clippy::too_many_arguments)]
    fn lstm_gate(
        &self,
        input_w: usize,
        recurrent_w: usize,
        cell_w: usize,
        bias: usize,
        norm: usize,
        activation: i32,
        peephole: bool,
    ) -> Check {
        self.lstm_fully_connected(input_w)?;
        self.lstm_fully_connected(recurrent_w)?;
        if peephole {
            self.read_tensor(cell_w, Elem::F32, Layout::Linear)?;
        }
        self.read_tensor(norm, Elem::F32, Layout::Linear)?;
        self.read_tensor(bias, Elem::F32, Layout::Linear)?;
        self.fuse_activation(activation)
    }

    /// `CheckFullyConnected` of the LSTM parser.
    fn lstm_fully_connected(&self, k: usize) -> Check {
        let weights = self.input(k)?;
        let per_tensor_int8 = weights.dtype == T::INT8
            && weights
                .quantization
                .as_ref()
                .is_some_and(|q| q.scale.len() == 1);
        if per_tensor_int8 {
            self.tensor_id(k).map(drop)
        } else {
            self.read_tensor(k, Elem::F32, Layout::Hw).map(drop)
        }
    }

    /// OneHotOperationParser (3914-3946): no compatibility check.
    fn one_hot(&self) -> Check {
        self.validate(Validation {
            max_version: 1,
            min_inputs: 4,
            num_outputs: 1,
            compat: false,
            ..VALIDATE
        })?;
        let indices = self.input(0)?;
        let axis = match &self.op.options {
            O::OneHotOptions(o) => o.axis,
            _ => -1,
        };
        let rank = indices.rank();
        if axis != -1 && (rank == 0 || axis != indices.shape[rank - 1]) {
            return Err("OneHot axis must be -1 or the last dimension.".into());
        }
        if rank >= 4 && indices.shape[3] != 1 {
            return Err("OneHot indices channel dimension must be 1.".into());
        }
        self.read_value(0)
    }

    /// PackOperationParser (3964-3997).
    fn pack(&self) -> Check {
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        if self.n_inputs() == 1 {
            self.read_value(0)?;
            return self.check_outputs();
        }
        self.validate(VALIDATE)?;
        (0..self.n_inputs()).try_for_each(|k| self.runtime_or_constant_input(k))?;
        let output = self.output(0)?;
        let axis = match &self.op.options {
            O::PackOptions(o) => o.axis,
            _ => 0,
        };
        axis_from_index(output, axis)?;
        tensor_shape(output)
    }

    /// PReLUOperationParser (4068-4104): the version only, no compatibility check.
    fn prelu(&self) -> Check {
        max_version(self.version(), 1)?;
        let input = self.input(0)?;
        self.read_value(0)?;
        let channels = Bhwc::of(&input.shape);
        match self.read_tensor(1, Elem::F32, Layout::Linear) {
            Ok(_) => {
                let alpha = self.input(1)?;
                if num_elements(&alpha.shape) as i32 != channels.c {
                    return Err(
                        "Linear alpha shape does not match the number of input channels.".into(),
                    );
                }
            }
            Err(_) => {
                self.read_tensor(1, Elem::F32, Layout::Hwc)?;
                let alpha = hwc_of(&self.input(1)?.shape);
                if alpha != (channels.h, channels.w, channels.c) {
                    return Err("Alpha shape does not match input shape.".into());
                }
            }
        }
        self.check_outputs()
    }

    /// PadOperationParser (4128-4161), PAD, PADV2 and MIRROR_PAD.
    fn pad(&self) -> Check {
        self.validate(Validation {
            max_version: 5,
            ..VALIDATE
        })?;
        self.read_value(0)?;
        self.read_tensor(1, Elem::I32, Layout::Hw)?;
        if self.op.code == B::PADV2 && self.n_inputs() == 3 {
            self.read_tensor(2, Elem::F32, Layout::Scalar)?;
        }
        let paddings = &self.input(1)?.shape;
        if paddings[1] != 2 || (paddings[0] != 4 && paddings[0] != 3) {
            return Err("Paddings tensor has unexpected shape.".into());
        }
        Ok(())
    }

    /// Pooling2DOperationParser (4225-4246): AVERAGE_POOL_2D, MAX_POOL_2D and the custom
    /// MaxPoolingWithArgmax2D, whose options are a raw `TfLitePoolParams`.
    fn pooling_2d(&self) -> Check {
        self.validate(Validation {
            max_version: 2,
            ..VALIDATE
        })?;
        self.read_value(0)?;
        let activation = if self.op.code == B::CUSTOM {
            let raw = self.custom_options().ok_or("Missing TfLitePoolParams.")?;
            pool_params_activation(&raw)
        } else {
            fused_activation(self.op)
        };
        fuse_activation_skip_size(activation)
    }

    /// ReduceOperationParser (4294-4328): MEAN, SUM, REDUCE_*.
    fn reduce(&self) -> Check {
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        let input = self.input(0)?;
        let axes = self.input(1)?;
        for &axis in self
            .i32_values(axes)
            .iter()
            .take(num_elements(&axes.shape).max(0) as usize)
        {
            axis_from_index(input, axis)?;
        }
        let keep_dims = match &self.op.options {
            O::ReducerOptions(o) => o.keep_dims,
            _ => false,
        };
        if !keep_dims {
            tensor_shape(self.output(0)?)?;
        }
        self.check_outputs()
    }

    /// QuantizeOperationParser (4379-4398).
    fn quantize(&self) -> Check {
        max_version(self.version(), 2)?;
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        if self.output(0)?.quantization.is_none() {
            return Err("Encountered Quantize output with no quant params".into());
        }
        self.check_outputs()
    }

    /// ReLUOperationParser (4422-4437): RELU, RELU6, RELU_0_TO_1, RELU_N1_TO_1, LEAKY_RELU.
    fn relu(&self) -> Check {
        self.validate(Validation {
            max_version: 2,
            num_outputs: 1,
            runtime_inputs: 1,
            const_inputs: 0,
            ..VALIDATE
        })?;
        self.read_value(0)
    }

    /// RemainderOperationParser (4461-4472).
    fn remainder(&self) -> Check {
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        self.read_value(1)?;
        self.check_outputs()
    }

    /// ResamplerOperationParser (4523-4534), the custom op "Resampler".
    fn resampler(&self) -> Check {
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        self.read_value(1)?;
        self.check_outputs()
    }

    /// ReshapeOperationParser (4555-4571).
    fn reshape(&self) -> Check {
        max_version(self.version(), 1)?;
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        self.check_outputs()
    }

    /// Resize2DOperationParser (4588-4623).
    fn resize_2d(&self, bilinear: bool) -> Check {
        max_version(self.version(), 3)?;
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        self.check_outputs()?;
        if bilinear {
            if let O::ResizeBilinearOptions(o) = &self.op.options {
                if o.align_corners && o.half_pixel_centers {
                    return Err(
                        "If half_pixel_centers is True, align_corners must be False.".into(),
                    );
                }
            }
        }
        Ok(())
    }

    /// ReverseOperationParser (4658-4677).
    fn reverse(&self) -> Check {
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        self.check_outputs()?;
        let input = self.input(0)?;
        let axes = self.input(1)?;
        for &axis in self
            .i32_values(axes)
            .iter()
            .take(num_elements(&axes.shape).max(0) as usize)
        {
            axis_from_index(input, axis)?;
        }
        Ok(())
    }

    /// SelectV2OperationParser (4698-4745): its own compatibility check, not the shared one.
    fn select_v2(&self) -> Check {
        max_version(self.version(), 1)?;
        self.select_compatibility()?;
        (0..3).try_for_each(|k| self.runtime_or_constant_input(k))?;
        self.check_outputs()
    }

    /// `SelectV2OperationParser::CheckGpuDelegateCompatibility` on the op signature.
    fn select_compatibility(&self) -> Check {
        if self.n_inputs() != 3 || self.n_outputs() != 1 {
            return Err("Expected 3 inputs and 1 output".into());
        }
        let error = "Cond must be float or bool type, if, else tensors must be either be same the shape as output or constant, scalar.";
        let dims = |k: usize| {
            self.optional_input(k)
                .map(|t| t.shape.clone())
                .unwrap_or_default()
        };
        let cond_type = self.optional_input(0).map(|t| t.dtype);
        if !matches!(cond_type, Some(T::BOOL | T::FLOAT16 | T::FLOAT32)) {
            return Err(error.into());
        }
        let out = self.output(0).map(|t| t.shape.clone()).unwrap_or_default();
        for k in [1, 2] {
            let d = dims(k);
            if !d.is_empty() && d != out && (d.len() > 1 || d[0] > 1) {
                return Err(error.into());
            }
        }
        Ok(())
    }

    /// SliceOperationParser (4794-4916): no compatibility check.
    fn slice(&self) -> Check {
        self.validate(Validation {
            max_version: 8,
            min_inputs: 3,
            compat: false,
            ..VALIDATE
        })?;
        self.read_value(0)?;
        let input = self.input(0)?;
        if self.is_const(input) {
            return Err("Constant input is not supported.".into());
        }
        let starts = self.read_tensor(1, Elem::I32, Layout::Linear)?;
        let sizes = self.read_tensor(2, Elem::I32, Layout::Linear)?;
        if starts.len() != sizes.len() {
            return Err(format!(
                "The dimensionality of `starts` ({}D) must match `sizes` ({}D).",
                starts.len(),
                sizes.len()
            ));
        }
        let in_shape = Bhwc::of(&input.shape);
        let (start, mut size) = slice_starts_sizes(input.rank(), &starts, &sizes, in_shape)?;
        for (s, (st, full)) in size.iter_mut().zip(start.iter().zip(in_shape.to_vec())) {
            if *s == -1 {
                *s = full.wrapping_sub(*st);
            }
        }
        let mut ends: Vec<i32> = start
            .iter()
            .zip(size.iter())
            .map(|(a, b)| a.wrapping_add(*b))
            .collect();
        for (e, full) in ends.iter_mut().zip(in_shape.to_vec()) {
            if *e < 0 {
                *e = e.wrapping_add(full);
            }
        }
        let out = Bhwc::of(&self.output(0)?.shape).to_vec();
        let names = [
            "Output batch don't match",
            "Output height doesn't match",
            "Output width doesn't match",
            "Output channels don't match",
        ];
        for d in 0..4 {
            if ends[d].wrapping_sub(start[d]) != out[d] {
                return Err(names[d].into());
            }
        }
        Ok(())
    }

    /// SoftmaxOperationParser (5014-5041).
    fn softmax(&self) -> Check {
        self.validate(Validation {
            max_version: 4,
            num_outputs: 1,
            runtime_inputs: 1,
            const_inputs: 0,
            ..VALIDATE
        })?;
        self.read_value(0)?;
        let beta = match &self.op.options {
            O::SoftmaxOptions(o) => o.beta,
            _ => 0.0,
        };
        if beta != 1.0 {
            return Err("Softmax.beta != 1 is not supported.".into());
        }
        Ok(())
    }

    /// SpaceToDepthOperationParser (5095-5113).
    fn space_to_depth(&self) -> Check {
        self.validate(Validation {
            max_version: 2,
            num_outputs: 1,
            runtime_inputs: 1,
            const_inputs: 0,
            ..VALIDATE
        })?;
        self.read_value(0)
    }

    /// SplitOperationParser (5130-5161): input 0 is the axis, input 1 the data.
    fn split(&self) -> Check {
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        let num_splits = match &self.op.options {
            O::SplitOptions(o) => o.num_splits,
            _ => 0,
        };
        if num_splits == 1 {
            self.validate(VALIDATE)?;
            return self.read_value(0);
        }
        let input = self.input(1)?;
        let axis = self.input(0)?;
        axis_from_index(input, self.i32_values(axis).first().copied().unwrap_or(0))?;
        self.read_value(1)?;
        (0..self.n_outputs()).try_for_each(|k| self.check_output(k))
    }

    /// SplitVOperationParser (5193-5221): input 2 is the axis.
    fn split_v(&self) -> Check {
        self.validate(Validation {
            runtime_inputs: 1,
            const_inputs: 2,
            ..VALIDATE
        })?;
        let num_splits = match &self.op.options {
            O::SplitVOptions(o) => o.num_splits,
            _ => 0,
        };
        self.read_value(0)?;
        if num_splits == 1 {
            return Ok(());
        }
        let input = self.input(0)?;
        let axis = self.input(2)?;
        axis_from_index(input, self.i32_values(axis).first().copied().unwrap_or(0))
    }

    /// StridedSliceOperationParser (5253-5563): its own compatibility check, not the shared one.
    fn strided_slice(&self) -> Check {
        max_version(self.version(), 2)?;
        let o = match &self.op.options {
            O::StridedSliceOptions(o) => (**o).clone(),
            _ => Default::default(),
        };
        self.strided_slice_compatibility(&o)?;
        let input = self.input(0)?;
        let starts = self.read_tensor(1, Elem::I32, Layout::Linear)?;
        let rank = input.rank();
        let without_batch = rank == starts.len() + 1;
        if !without_batch && rank != starts.len() {
            return Err("STRIDED_SLICE input/params dimensions mismatch.".into());
        }
        let in_shape = Bhwc::of(&input.shape);
        let mut start = [0, 0, 0, 0];
        let mut end = in_shape.to_vec();
        let mut stride = [1, 1, 1, 1];
        for (k, target) in [(1, &mut start), (2, &mut end), (3, &mut stride)] {
            let values = self.read_tensor(k, Elem::I32, Layout::Linear)?;
            place_slice_values(target, &values, without_batch);
        }
        let full = in_shape.to_vec();
        for d in 0..4 {
            if end[d] < 0 {
                end[d] = end[d].wrapping_add(full[d]);
            }
            if start[d] < 0 {
                start[d] = start[d].wrapping_add(full[d]);
            }
        }
        let (begin_mask, end_mask) = (slice_mask(o.begin_mask, rank), slice_mask(o.end_mask, rank));
        for d in 0..4 {
            if begin_mask & (1 << d) != 0 {
                start[d] = 0;
            }
            if end_mask & (1 << d) != 0 {
                end[d] = full[d];
            }
        }
        if stride.contains(&0) {
            return Err("stride values must be non-zero".into());
        }
        if stride.iter().any(|&s| s < 0) {
            return Err("Reverse slices are not supported.".into());
        }
        let reference: Vec<i32> = (0..4)
            .map(|d| divide_round_up(end[d].wrapping_sub(start[d]), stride[d]))
            .collect();
        if reference != Bhwc::of(&self.output(0)?.shape).to_vec() {
            return Err("Output shape mismatch".into());
        }
        self.check_outputs()
    }

    /// `StridedSliceOperationParser::CheckGpuDelegateCompatibility` (5334-5363).
    fn strided_slice_compatibility(
        &self,
        o: &tflite_schema::tflite::StridedSliceOptionsT,
    ) -> Check {
        if o.ellipsis_mask != 0 {
            return Err("Slice does not support ellipsis_mask.".into());
        }
        if o.new_axis_mask != 0 {
            return Err("Slice does not support new_axis_mask.".into());
        }
        if o.shrink_axis_mask != 0 {
            return Err("Slice does not support shrink_axis_mask parameter. ".into());
        }
        if self.n_inputs() < 4 {
            return Err("STRIDED_SLICE requires 4 inputs.".into());
        }
        let input_rank = self.optional_input(0).map(|t| t.rank()).unwrap_or(0) as i64;
        let start_dim0 = self
            .optional_input(1)
            .and_then(|t| t.shape.first().copied())
            .unwrap_or(0) as i64;
        if input_rank != start_dim0 + 1 && input_rank != start_dim0 {
            return Err("STRIDED_SLICE input/params dimensions mismatch.".into());
        }
        Ok(())
    }

    /// TileOperationParser (5564-5574).
    fn tile(&self) -> Check {
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        self.check_outputs()
    }

    /// TopKOperationParser (5586-5610).
    fn top_k(&self) -> Check {
        max_version(self.version(), 1)?;
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        let k = self.input(1)?;
        if !self.is_const(k) {
            return Err("TopK k must be constant tensor.".into());
        }
        if num_elements(&k.shape) != 1 {
            return Err("TopK k must be scalar.".into());
        }
        if self.n_outputs() != 2 {
            return Err("TopK requires 2 output tensors".into());
        }
        self.check_outputs()
    }

    /// TransposeConvBuiltinOperationParser (5677-5707): input 2 is the data, input 1 the weights.
    fn transpose_conv_builtin(&self) -> Check {
        max_version(self.version(), 3)?;
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(2)?;
        self.check_outputs()?;
        if self.runtime_inputs() == 2 {
            self.read_value(1)
        } else {
            self.read_tensor(1, Elem::F32, Layout::Ohwi).map(drop)
        }
    }

    /// TransposeConvCustomOperationParser (5745-5759), the custom Convolution2DTransposeBias.
    fn transpose_conv_custom(&self) -> Check {
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        self.check_outputs()?;
        self.read_tensor(1, Elem::F32, Layout::Ohwi).map(drop)
    }

    /// TransposeOperationParser (5788-5807).
    fn transpose(&self) -> Check {
        max_version(self.version(), 9)?;
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        self.check_outputs()?;
        let perm = self.read_tensor(1, Elem::I32, Layout::Linear)?;
        if perm.len() > 4 || perm.len() < 2 {
            return Err("Permutation for transpose is invalid.".into());
        }
        Ok(())
    }

    /// UnpackOperationParser (5849-5879): no version or compatibility check.
    fn unpack(&self) -> Check {
        let (num, axis) = match &self.op.options {
            O::UnpackOptions(o) => (o.num, o.axis),
            _ => (0, 0),
        };
        if num == 1 {
            self.read_value(0)?;
            return self.check_outputs();
        }
        let input = self.input(0)?;
        tensor_shape(input)?;
        axis_from_index(input, axis)?;
        self.read_value(0)?;
        for k in 0..self.n_outputs() {
            // The source checks output 0's shape each time, then output k.
            tensor_shape(self.output(0)?)?;
            self.check_output(k)?;
        }
        Ok(())
    }

    /// Unpooling2DOperationParser (5935-5949), the custom MaxUnpooling2D.
    fn unpooling_2d(&self) -> Check {
        compat::check(self.ctx, self.index, CompatFlags::Standard)?;
        self.read_value(0)?;
        self.read_value(1)?;
        self.check_outputs()?;
        self.custom_options()
            .map(drop)
            .ok_or_else(|| "Missing TfLitePoolParams.".to_string())
    }

    /// The CUSTOM case of the switch (7016-7069), then CustomOperationParserFactory
    /// (ml_drift_delegate/delegate/composite/custom_parsers.cc) and the default
    /// NewCustomOperationParser.
    fn custom(&self) -> Check {
        let name = self.op.custom_code.clone().unwrap_or_default();
        match name.as_str() {
            "custom_call.GroupNorm" | "custom_call.LayerNorm" => self.norm_with_scale_and_bias(),
            "custom_call.RmsNorm" => self.rms_norm(),
            "custom_call.PixelShuffle" => self.pixel_shuffle(),
            "custom_call.absolute_positional_embedding" => self.positional_embedding(),
            "custom_call.rotary_positional_embedding" => self.rope(),
            "Convolution2DTransposeBias" => self.transpose_conv_custom(),
            "MaxPoolingWithArgmax2D" => self.pooling_2d(),
            "MaxUnpooling2D" => self.unpooling_2d(),
            "Resampler" => self.resampler(),
            // The factory's own parsers (odml.cache_update, odml.runtime_bmm, …) are not modelled.
            _ => Err(name),
        }
    }

    /// GroupNormParser (5978-6005) and LayerNormParser (6044-6071): optional linear scale and
    /// bias whose length is the input's channels.
    fn norm_with_scale_and_bias(&self) -> Check {
        self.read_value(0)?;
        self.check_outputs()?;
        let channels = Bhwc::of(&self.input(0)?.shape).c;
        if let Some(scale) = self.optional_linear(1)? {
            if scale != channels {
                return Err("Scale tensor channels don't match input tensor channels.".into());
            }
        }
        if let Some(bias) = self.optional_linear(2)? {
            if bias != 0 && bias != channels {
                return Err("Bias tensor channels don't match input tensor channels.".into());
            }
        }
        Ok(())
    }

    /// `PreReadTensor` into an optional linear tensor: `None` when the node has no input `k`,
    /// else its length.
    fn optional_linear(&self, k: usize) -> Result<Option<i32>, String> {
        if k >= self.n_inputs() {
            return Ok(None);
        }
        self.read_tensor(k, Elem::F32, Layout::Linear)?;
        Ok(Some(num_elements(&self.input(k)?.shape) as i32))
    }

    /// RmsNormParser (6675-6696) and CompositeRmsNormParser (6543-6563).
    fn rms_norm(&self) -> Check {
        self.read_value(0)?;
        self.check_outputs()?;
        let channels = Bhwc::of(&self.input(0)?.shape).c;
        if let Some(scale) = self.optional_linear(1)? {
            if scale != channels {
                return Err("Scale tensor channels don't match input tensor channels.".into());
            }
        }
        Ok(())
    }

    /// PixelShuffleParser (6101-6109).
    fn pixel_shuffle(&self) -> Check {
        self.read_value(0)?;
        self.check_outputs()
    }

    /// PositionalEmbeddingParser (6130-6160).
    fn positional_embedding(&self) -> Check {
        if self.n_inputs() != 2 {
            return Err(format!(
                "Invalid number of inputs: {}, while expected 2.",
                self.n_inputs()
            ));
        }
        if self.n_outputs() != 1 {
            return Err(format!(
                "Invalid number of outputs: {}, while expected 1.",
                self.n_outputs()
            ));
        }
        if Bhwc::of(&self.input(0)?.shape).w != Bhwc::of(&self.input(1)?.shape).w {
            return Err("src and pos must have the same width for PositionalEmbedding.".into());
        }
        self.read_value(0)?;
        self.read_value(1)?;
        self.check_outputs()
    }

    /// RoPEParser (6174-6220).
    fn rope(&self) -> Check {
        match (self.n_inputs(), self.n_outputs()) {
            (2, 1) | (3, 2) => {}
            (2, n) => return Err(format!("Invalid number of outputs: {n}, while expected 1.")),
            (3, n) => return Err(format!("Invalid number of outputs: {n}, while expected 2.")),
            (n, _) => {
                return Err(format!(
                    "Invalid number of inputs: {n}, while expected 2 or 3."
                ))
            }
        }
        let pos = if self.n_inputs() == 2 { 1 } else { 2 };
        if Bhwc::of(&self.input(0)?.shape).w != Bhwc::of(&self.input(pos)?.shape).w {
            return Err("src and pos must have the same width for PositionalEmbedding.".into());
        }
        (0..self.n_inputs()).try_for_each(|k| self.runtime_or_constant_input(k))?;
        self.check_outputs()
    }

    /// The STABLEHLO_COMPOSITE case of the switch (7071-7112). The parsers' checks of the
    /// flexbuffer attributes are not modelled.
    fn composite(&self) -> Check {
        let name = match &self.op.options2 {
            crate::model::BuiltinOptions2T::StableHLOCompositeOptions(o) => o.name.clone(),
            _ => None,
        };
        let Some(name) = name else {
            return unsupported();
        };
        match name.as_str() {
            "odml.group_norm" => self.composite_norm("GroupNorm"),
            "odml.rms_norm" => self.rms_norm(),
            "custom_call.rotary_positional_embedding" => self.rope(),
            "odml.scaled_dot_product_attention" => self.sdpa(),
            // CustomOperationParserFactory::Create: its own parsers are not modelled; any
            // other name gets an UnimplementedOperationParser(name).
            _ => Err(name),
        }
    }

    /// The tensor checks of CompositeGroupNormParser (6323-6414) / CompositeLayerNormParser.
    fn composite_norm(&self, what: &str) -> Check {
        let input = self
            .input(0)
            .map_err(|_| format!("{what} is missing input tensor."))?;
        if input.rank() > 4 {
            let dims: Vec<String> = input.shape.iter().map(|d| d.to_string()).collect();
            return Err(format!(
                "{what} has bad input tensor dims. Expected at most 4D input, got {}",
                dims.join(", ")
            ));
        }
        let channels = input.shape.last().copied().unwrap_or(0);
        for (k, label, mismatch) in [(1, "gamma", "Scale"), (2, "beta", "Beta")] {
            if let Some(t) = self.optional_input(k) {
                if t.rank() != 1 {
                    return Err(format!("{what} has bad {label} tensor dims."));
                }
                if channels != t.shape[0] {
                    return Err(format!(
                        "{mismatch} tensor channels don't match input tensor channels."
                    ));
                }
            }
        }
        Ok(())
    }

    /// CompositeSdpaParser (6589-6633).
    fn sdpa(&self) -> Check {
        let n = self.n_inputs();
        if !(3..=4).contains(&n) {
            return Err(format!(
                "Invalid number of inputs: {n}, while expected 3 or 4."
            ));
        }
        let shape = |k: usize| {
            self.optional_input(k)
                .map(|t| Bhwc::of(&t.shape))
                .unwrap_or_default()
        };
        let (q, k, v) = (shape(0), shape(1), shape(2));
        if q.c != k.c || q.c != v.c {
            return Err(format!(
                "Q, K and V tensors' channels must match, but they are: Q.c = {}, K.c = {}, and V.c = {}.",
                q.c, k.c, v.c
            ));
        }
        if k != v {
            return Err(format!(
                "K and V tensors' shapes must identical, but they are: K = {}, V = {}.",
                bhwc_string(k),
                bhwc_string(v)
            ));
        }
        if n == 4 {
            let mask = shape(3);
            if k.h != mask.c {
                return Err(format!(
                    "K tensor's height must match Mask tensor's channels, but they are: K = {}, Mask = {}.",
                    bhwc_string(k),
                    bhwc_string(mask)
                ));
            }
        }
        Ok(())
    }
}

/// UnsupportedOperationParser (6721-6733).
fn unsupported() -> Check {
    Err("Operation is not supported.".into())
}

/// `::ml_drift::ToString(BHWC)`.
fn bhwc_string(s: Bhwc) -> String {
    format!("{{{}, {}, {}, {}}}", s.b, s.h, s.w, s.c)
}

/// The activation field of a raw `TfLitePoolParams` (padding, stride_width, stride_height,
/// filter_width, filter_height, activation: six 4-byte fields), as ML Drift reads a custom op's
/// `custom_initial_data`.
fn pool_params_activation(raw: &[u8]) -> i32 {
    raw.get(20..24)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

fn is_one_argument(kind: Elementwise) -> bool {
    use Elementwise as E;
    matches!(
        kind,
        E::Abs
            | E::Ceil
            | E::Cos
            | E::Elu
            | E::Exp
            | E::Floor
            | E::Gelu
            | E::Log
            | E::LogicalNot
            | E::Neg
            | E::Round
            | E::Rsqrt
            | E::Sigmoid
            | E::Sign
            | E::Sin
            | E::Sqrt
            | E::Square
            | E::Tanh
    )
}

/// `IsBroadcastable` (model_builder_helper.cc 396-408): right-aligned dimensions match or are 1.
fn is_broadcastable(a: &[i32], b: &[i32]) -> bool {
    let n = a.len().max(b.len());
    (0..n).all(|i| {
        let x = if i < a.len() { a[a.len() - 1 - i] } else { 1 };
        let y = if i < b.len() { b[b.len() - 1 - i] } else { 1 };
        x == y || x == 1 || y == 1
    })
}

/// `ConcatenationOperationParser::GetAxis` is not UNKNOWN.
fn concat_axis_found(shapes: &[Bhwc]) -> bool {
    let first = shapes.first().copied().unwrap_or_default();
    let rest = || shapes.iter().skip(1);
    if !rest().any(|s| first.h != s.h && first.w != s.w && first.c != s.c) {
        return true; // BATCH
    }
    if rest().any(|s| first.b != s.b && first.w != s.w && first.c != s.c) {
        return true; // WIDTH
    }
    if rest().any(|s| first.b != s.b && first.h != s.h && first.c != s.c) {
        return true; // CHANNELS
    }
    !rest().any(|s| first.b != s.b && first.w != s.w && first.h != s.h)
}

/// `DynamicUpdateSliceOperationParser::MapAxis` (rank 1..4 only).
fn map_axis(dims: &[i32]) -> [i32; 4] {
    match dims.len() {
        1 => [1, 1, 1, dims[0]],
        2 => [1, 1, dims[0], dims[1]],
        3 => [1, dims[0], dims[1], dims[2]],
        _ => [dims[0], dims[1], dims[2], dims[3]],
    }
}

/// `(h, w, c)` of a shape read as `HWC` (rank 3, or 4 with batch 1).
fn hwc_of(dims: &[i32]) -> (i32, i32, i32) {
    let d = if dims.len() == 4 { &dims[1..] } else { dims };
    (d[0], d[1], d[2])
}

/// SliceOperationParser: `starts`/`sizes` placed in BHWC by the input's rank; the sizes start as
/// the input's shape.
fn slice_starts_sizes(
    rank: usize,
    starts: &[i32],
    sizes: &[i32],
    input: Bhwc,
) -> Result<([i32; 4], [i32; 4]), String> {
    let mut start = [0, 0, 0, 0];
    let mut size = input.to_vec();
    let slots: &[usize] = match (rank, starts.len()) {
        (4, 4) => &[0, 1, 2, 3],
        (4, 3) => &[1, 2, 3],
        (4, _) => return Err("Slicing starts count must be 3 or 4 for 4d input".into()),
        (3, 3) => &[0, 2, 3],
        (3, _) => return Err("Slicing starts count must be 3 for 3d input".into()),
        (2, 2) => &[0, 3],
        (2, _) => return Err("Slicing starts count must be 2 for 2d input".into()),
        (1, 1) => &[0],
        (1, _) => return Err("Slicing starts count must be 1 for 1d input".into()),
        _ => return Err("Slicing is unsupported for input with rank > 4".into()),
    };
    for (i, &slot) in slots.iter().enumerate() {
        start[slot] = starts[i];
        size[slot] = sizes[i];
    }
    Ok((start, size))
}

/// `CanReadBhwc` / `CanReadHwc` of the strided slice parser: where 1..4 values go in BHWC.
fn place_slice_values(target: &mut [i32; 4], v: &[i32], without_batch: bool) {
    let slots: &[usize] = match (without_batch, v.len()) {
        (false, 4) => &[0, 1, 2, 3],
        (false, 3) => &[0, 2, 3],
        (false, 2) => &[0, 3],
        (false, 1) => &[0],
        (true, 3) => &[1, 2, 3],
        (true, 2) => &[2, 3],
        (true, 1) => &[3],
        _ => &[],
    };
    for (i, &slot) in slots.iter().enumerate() {
        target[slot] = v[i];
    }
}

/// `StridedSliceOperationParser::UpdateMask`: a mask over the input's axes as a BHWC mask.
fn slice_mask(mask: i32, rank: usize) -> i32 {
    match rank {
        3 => ((mask & 4) << 1) | ((mask & 2) << 1) | (mask & 1),
        2 => ((mask & 2) << 2) | (mask & 1),
        _ => mask,
    }
}

/// `DivideRoundUp` (C++ integer division, truncating).
fn divide_round_up(n: i32, d: i32) -> i32 {
    let q = n / d;
    if n % d == 0 {
        q
    } else {
        q + 1
    }
}

// ------------------------------------------------------------------------------------------------
// The tensor filter (GetOpsToReplaceWithOptions, model_builder.cc 7158-7258).

impl Node<'_, '_, '_> {
    fn tensor_filter(&self) -> Check {
        let (inputs, outputs) = allowed_types(
            self.op.code,
            self.op.custom_code.as_deref(),
            &self.op.options2,
        );
        self.all_allowed(&self.op.inputs, inputs)?;
        self.all_allowed(&self.op.outputs, outputs)
    }

    /// `IsAllAllowedTensors` (6734-6762): rank below 5 for every tensor; an allowed type for
    /// every `kTfLiteArenaRw` one.
    fn all_allowed(&self, tensors: &[i32], allowed: TypeSet) -> Check {
        for &tid in tensors {
            if tid < 0 {
                continue;
            }
            let Some(t) = self.tensor(tid) else { continue };
            if t.rank() >= 5 {
                return Err(format!("Tensor dimensions must be less than 5. {}", t.name));
            }
            if self.alloc_of(tid as usize) == Allocation::ArenaRw && !allowed.contains(t.dtype) {
                return Err(format!(
                    "Tensor type({}) is not supported. {}",
                    type_name(t.dtype),
                    t.name
                ));
            }
        }
        Ok(())
    }
}

const INTS: [T; 3] = [T::INT8, T::INT16, T::INT32];
const UINTS: [T; 3] = [T::UINT8, T::UINT16, T::UINT32];

/// The input and output types the filter allows for an op, with the options DelegatePrepare
/// uses (allow_quant_ops, allow_bool_tensors, the CustomOperationParserFactory).
fn allowed_types(
    code: B,
    custom: Option<&str>,
    options2: &crate::model::BuiltinOptions2T,
) -> (TypeSet, TypeSet) {
    let mut ins = TypeSet::of(&[T::FLOAT32, T::FLOAT16, T::BOOL]);
    let mut outs = TypeSet::of(&[T::FLOAT32, T::FLOAT16]);
    // allow_quant_ops
    ins.extend([T::INT2, T::INT4, T::INT8, T::UINT8]);
    outs.extend([T::INT8, T::UINT8]);
    if code == B::ARG_MAX {
        outs = TypeSet::of(&[T::INT32]);
    }
    if matches!(code, B::REDUCE_ALL | B::REDUCE_ANY) {
        ins = TypeSet::of(&[T::BOOL]);
        outs = TypeSet::of(&[T::BOOL]);
    }
    if matches!(
        code,
        B::EMBEDDING_LOOKUP | B::ONE_HOT | B::DYNAMIC_UPDATE_SLICE
    ) {
        ins.insert(T::INT32);
    }
    if is_compare(code) {
        ins.extend(INTS);
        ins.extend(UINTS);
        outs.insert(T::BOOL);
    }
    if matches!(
        code,
        B::LOGICAL_AND | B::LOGICAL_OR | B::LOGICAL_NOT | B::BITWISE_XOR
    ) {
        ins = TypeSet::of(&[T::BOOL, T::INT8, T::INT16, T::INT32]);
        outs = ins;
    }
    if code == B::TOPK_V2 {
        outs.insert(T::INT32);
    }
    if is_bf16_op(code) {
        ins.insert(T::BFLOAT16);
        outs.insert(T::BFLOAT16);
    }
    if is_int_op(code) {
        ins.extend(INTS);
        outs.extend(INTS);
    }
    let composite_name = match options2 {
        crate::model::BuiltinOptions2T::StableHLOCompositeOptions(o) => o.name.as_deref(),
        _ => None,
    };
    if code == B::STABLEHLO_COMPOSITE && composite_name == Some("odml.sdpa_transposed") {
        ins.insert(T::BOOL);
        outs.insert(T::BOOL);
    }
    let factory_name = match code {
        B::STABLEHLO_COMPOSITE => composite_name,
        B::CUSTOM => custom,
        _ => None,
    };
    if factory_name.is_some_and(factory_supports_integers) {
        ins.insert(T::INT32);
    }
    if is_all_precision_op(code) {
        ins.extend(INTS);
        ins.extend(UINTS);
        ins.extend([T::BOOL, T::BFLOAT16]);
        outs.extend(INTS);
        outs.extend(UINTS);
        outs.extend([T::BOOL, T::BFLOAT16]);
    }
    if code == B::STABLEHLO_SHIFT_LEFT {
        ins.extend(INTS);
        outs.extend(INTS);
    }
    (ins, outs)
}

/// `CustomOperationParserFactory::SupportsIntegerTypes`.
fn factory_supports_integers(name: &str) -> bool {
    matches!(
        name,
        "odml.cache_update" | "odml.runtime_bmm" | "moe" | "odml.rope" | "odml.sdpa_transposed"
    )
}

/// `IsCompareOpCode` (model_builder.cc 450-457).
fn is_compare(code: B) -> bool {
    matches!(
        code,
        B::GREATER | B::GREATER_EQUAL | B::LESS | B::LESS_EQUAL | B::EQUAL | B::NOT_EQUAL
    )
}

/// `IsBf16SupportedOp` (459-486).
fn is_bf16_op(code: B) -> bool {
    matches!(
        code,
        B::ABS
            | B::ADD
            | B::ATAN2
            | B::STABLEHLO_CBRT
            | B::CEIL
            | B::STABLEHLO_CLAMP
            | B::CONV_2D
            | B::COS
            | B::DIV
            | B::EXP
            | B::FLOOR
            | B::GATHER
            | B::LOG
            | B::LOGISTIC
            | B::MAXIMUM
            | B::MINIMUM
            | B::MUL
            | B::NEG
            | B::POW
            | B::ROUND
            | B::RSQRT
            | B::SIGN
            | B::SIN
            | B::SQRT
            | B::SUB
            | B::TANH
    )
}

/// `IsIntSupportedOp` (488-511).
fn is_int_op(code: B) -> bool {
    matches!(
        code,
        B::ABS
            | B::ADD
            | B::ATAN2
            | B::COS
            | B::DIV
            | B::FLOOR_DIV
            | B::FLOOR_MOD
            | B::MAXIMUM
            | B::MINIMUM
            | B::MUL
            | B::NEG
            | B::REDUCE_MAX
            | B::REDUCE_MIN
            | B::REDUCE_PROD
            | B::RIGHT_SHIFT
            | B::SIGN
            | B::SIN
            | B::STABLEHLO_CLAMP
            | B::SUB
            | B::SUM
            | B::STABLEHLO_REMAINDER
            | B::TILE
    )
}

/// `SupportAllPrecisionOp` (549-566).
fn is_all_precision_op(code: B) -> bool {
    matches!(
        code,
        B::STABLEHLO_BROADCAST_IN_DIM
            | B::BITCAST
            | B::CAST
            | B::CONCATENATION
            | B::DYNAMIC_UPDATE_SLICE
            | B::GATHER
            | B::PACK
            | B::PAD
            | B::PADV2
            | B::RESHAPE
            | B::REVERSE_V2
            | B::SELECT
            | B::SELECT_V2
            | B::SLICE
            | B::STRIDED_SLICE
            | B::TRANSPOSE
    )
}
