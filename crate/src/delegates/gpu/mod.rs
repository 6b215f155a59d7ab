//! TensorFlow Lite's GPU delegates: the per-node decision.
//!
//! * [`compat`]: `CheckGpuDelegateCompatibility` (tflite/tools/versioning/gpu_compatibility.cc),
//!   shared by the classic delegate and LiteRT's ML Drift accelerator.
//! * [`classic`]: the classic delegate (`tflite/delegates/gpu`): `NewOperationParser`, each
//!   parser's `IsSupported`, `IsAllAllowedTensors`, and the `Parse()` failures that make the
//!   whole delegate fail after a node was accepted.
//!
//! Sources: google-ai-edge/LiteRT at f67457790c9c (paths relative to the repo root, lines of
//! that commit). Digest: `shared/reference/delegates.md` §1.1–1.2. The code is our own; the
//! messages are the delegate's, character for character.
//!
//! How the runtime's view (`TfLiteContext`, `TfLiteNode`, `OpSignature`) maps onto our model:
//! * a node's tensors are `Operator::inputs` / `outputs` (-1 = omitted optional tensor);
//! * a tensor is constant (`kTfLiteMmapRo`) when `Tensor::is_const`; a variable tensor is
//!   `kTfLiteArenaRwPersistent`, a non-constant string/resource/variant tensor `kTfLiteDynamic`,
//!   every other one `kTfLiteArenaRw` (tflite/core/subgraph.cc `SetTensorParametersReadWrite`);
//! * dims are the tensor's `shape` from the file (what the runtime holds when the delegate is
//!   applied to a model whose ops prepare to the stored shapes);
//! * `builtin_data` is what `ParseOpData` (tflite/core/api/flatbuffer_conversions.cc) leaves: the
//!   options' values, or zeros when the options table is missing or of another type (its params
//!   are value-initialised); it is never null for the ops these checks read it for;
//! * `custom_initial_data` is the custom op's `custom_options` bytes, read as the C struct the
//!   source casts them to (tflite/core/subgraph.cc `AddNodeWithParameters`).

pub mod classic;
pub mod compat;
pub mod mldrift;
pub mod policy;
mod parse;
mod reader;

use std::collections::HashMap;

use crate::model::{self, BuiltinOperator, Model, Operator, Subgraph, Tensor, TensorType};
use tflite_schema::tflite as fb;

/// A set of tensor types, one bit per `TensorType` value: the type filters' allowed lists,
/// built for every node of the model without allocating.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TypeSet(u64);

impl TypeSet {
    pub(crate) fn of(types: &[TensorType]) -> Self {
        let mut set = TypeSet::default();
        set.extend(types.iter().copied());
        set
    }

    fn bit(t: TensorType) -> Option<u64> {
        u32::try_from(t.0).ok().filter(|&v| v < 64).map(|v| 1 << v)
    }

    pub(crate) fn insert(&mut self, t: TensorType) {
        debug_assert!(Self::bit(t).is_some(), "{t:?} has no bit");
        self.0 |= Self::bit(t).unwrap_or(0);
    }

    pub(crate) fn extend(&mut self, types: impl IntoIterator<Item = TensorType>) {
        for t in types {
            self.insert(t);
        }
    }

    /// A type outside the schema's range is in no set.
    pub(crate) fn contains(self, t: TensorType) -> bool {
        Self::bit(t).is_some_and(|b| self.0 & b != 0)
    }
}

/// A model and the subgraph whose nodes are checked (the one the delegate is applied to).
pub struct GpuContext<'m, 'a> {
    pub model: &'m Model<'a>,
    /// The subgraph as the check sees it (it may be a copy with inputs rewired, see
    /// `FP16GraphPartitionHelper`).
    pub subgraph: &'m Subgraph,
    /// Its index in the model: per-op data our `Operator` does not keep (custom options) is read
    /// from the file's subgraph of that index.
    pub index: usize,
}

/// `GpuCompatibilityFlags` (gpu_compatibility.h:27-30). The runtime entry point the delegates
/// call uses `Standard`; the flatbuffer entry point (gpu_compatibility.cc:1277-1287), used by
/// offline checkers, uses `EnhancedBroadcast`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompatFlags {
    Standard,
    EnhancedBroadcast,
}

/// Node inputs rewired for a check: DEQUANTIZE output tensor → its constant fp16 input
/// (`FP16GraphPartitionHelper::constant_dequant_map_`, tflite/delegates/utils.cc:236-320).
pub type InputRemap = HashMap<i32, i32>;

impl<'a> GpuContext<'_, 'a> {
    pub(crate) fn tensor(&self, index: i32) -> Option<&Tensor> {
        self.subgraph.tensor(index)
    }

    /// `node->custom_initial_data` of a custom op: its `custom_options` bytes, or the ones stored
    /// after the flatbuffer (`large_custom_options_offset`), as InterpreterBuilder::ParseNodes
    /// (tflite/core/interpreter_builder.cc:373-391) passes them. Taken from node `op_index` of
    /// the model's subgraph of this index (the context's subgraph may be a rewired copy).
    pub(crate) fn custom_initial_data(&self, op_index: usize) -> Option<&'a [u8]> {
        let op = self.model.subgraphs.get(self.index)?.operators.get(op_index)?;
        self.model.custom_options(op)
    }

    /// Which tensors of the subgraph have sparsity parameters (`TfLiteTensor::sparsity`).
    pub(crate) fn sparse_flags(&self) -> Vec<bool> {
        let Some(sg) = self.model.subgraphs.get(self.index) else { return Vec::new() };
        sg.tensors.iter().map(|t| t.sparse).collect()
    }
}

/// `GetOpNameByRegistration` (tflite/util.cc:185-194): the builtin's enum name, plus
/// " <custom name>" for custom (and delegate) ops.
pub fn op_name_by_registration(op: &Operator) -> String {
    let mut name = model::op_name(op.code);
    if matches!(op.code, BuiltinOperator::CUSTOM | BuiltinOperator::DELEGATE) {
        if let Some(custom) = &op.custom_code {
            name.push(' ');
            name.push_str(custom);
        }
    }
    name
}

/// A DEQUANTIZE whose input is a constant fp16 tensor: `FP16GraphPartitionHelper::IsNodeSupported`
/// (tflite/delegates/utils.cc:239-254) refuses it with an empty detail and remembers it, so its
/// consumers are checked as if they read the fp16 constant.
pub fn is_const_fp16_dequantize(sg: &Subgraph, op: &Operator) -> bool {
    op.code == BuiltinOperator::DEQUANTIZE
        && op
            .inputs
            .first()
            .and_then(|&t| sg.tensor(t))
            .is_some_and(|t| t.dtype == TensorType::FLOAT16 && t.is_const())
}

/// The helper's `constant_dequant_map_` once it has seen every node: each constant-fp16
/// DEQUANTIZE's output → its input. (The helper fills it in execution order; a consumer always
/// comes after its DEQUANTIZE, so checking consumers with the full map is the same.)
pub fn fp16_dequant_remap(sg: &Subgraph) -> InputRemap {
    sg.operators
        .iter()
        .filter(|op| is_const_fp16_dequantize(sg, op))
        .filter_map(|op| Some((*op.outputs.first()?, op.inputs[0])))
        .collect()
}

/// The node with its inputs rewired as `RemapFp16InputTensors` (utils.cc:295-320) does.
pub fn with_inputs_remapped(op: &Operator, remap: &InputRemap) -> Operator {
    let mut out = op.clone();
    for t in &mut out.inputs {
        if let Some(&fp16) = remap.get(t) {
            *t = fp16;
        }
    }
    out
}

/// `TfLiteTensor::allocation_type` when the delegate is applied (before AllocateTensors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Allocation {
    MmapRo,
    ArenaRw,
    ArenaRwPersistent,
    Dynamic,
}

pub(crate) fn allocation(t: &Tensor) -> Allocation {
    if t.is_const() {
        Allocation::MmapRo
    } else if matches!(t.dtype, TensorType::STRING | TensorType::RESOURCE | TensorType::VARIANT) {
        Allocation::Dynamic
    } else if t.is_variable {
        Allocation::ArenaRwPersistent
    } else {
        Allocation::ArenaRw
    }
}

/// `TfLiteTypeGetName` (tflite/core/c/common.cc:675): the schema's spelling; `None` = no type.
pub(crate) fn type_name(t: Option<TensorType>) -> String {
    t.map_or_else(|| "NOTYPE".to_string(), model::type_name)
}

/// The `TfLiteType` number of a schema type (`ConvertTensorType`, flatbuffer_conversions.cc:1038;
/// enum in tflite/converter/core/c/tflite_types.h:46-71): the schema shifted by one from FLOAT64
/// on, FLOAT32 = 1, FLOAT16 = 10.
pub(crate) fn type_number(t: Option<TensorType>) -> i32 {
    match t {
        None => 0,
        Some(TensorType::FLOAT32) => 1,
        Some(TensorType::FLOAT16) => 10,
        Some(t) if (2..=9).contains(&t.0) => t.0 as i32,
        Some(t) => t.0 as i32 + 1,
    }
}

/// `TfLiteFusedActivation` number of a schema activation (`ConvertActivation`,
/// flatbuffer_conversions.cc:110-127; enum in builtin_op_data.h:79-87): NONE 0, RELU 1,
/// RELU_N1_TO_1 2, RELU6 3, TANH 4, SIGN_BIT 5; unknown values read as NONE.
pub(crate) fn activation_number(a: fb::ActivationFunctionType) -> i32 {
    if (0..=5).contains(&a.0) {
        a.0 as i32
    } else {
        0
    }
}

pub(crate) const ACT_TANH: i32 = 4;
pub(crate) const ACT_SIGN_BIT: i32 = 5;
pub(crate) const ACT_SIGMOID: i32 = 6;

/// A little-endian i32 at `offset` of a custom op's raw options (the C struct the source casts
/// them to). Bytes past the end read as 0 (the source would read past the buffer).
pub(crate) fn raw_i32(data: &[u8], offset: usize) -> i32 {
    let mut b = [0u8; 4];
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = data.get(offset + i).copied().unwrap_or(0);
    }
    i32::from_le_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_set_holds_what_was_inserted_and_nothing_out_of_range() {
        let mut s = TypeSet::of(&[TensorType::FLOAT32, TensorType::INT2]);
        s.insert(TensorType::BFLOAT16);
        assert!(s.contains(TensorType::FLOAT32) && s.contains(TensorType::INT2) && s.contains(TensorType::BFLOAT16));
        assert!(!s.contains(TensorType::UINT8));
        assert!(!s.contains(TensorType(-1)) && !s.contains(TensorType(100)));
        assert!(!TypeSet::default().contains(TensorType::FLOAT32));
    }
}
