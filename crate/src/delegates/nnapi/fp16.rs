//! fp16-weight models under the NNAPI delegate: what its fp16 path does with the DEQUANTIZE ops
//! of constant float16 weights, and what TFLite's CPU kernels do with the ops it leaves behind
//! reading those float16 constants directly.
//!
//! Sources: tflite/delegates/nnapi/nnapi_delegate.cc (`StatefulNnApiDelegate::DoPrepare`,
//! `GetSupportedOpsWithFp16WeightRemapping`), tflite/delegates/utils.cc
//! (`FP16GraphPartitionHelper`), and the `Prepare` functions of the builtin kernels named in
//! [`cpu_kernel_verdict`]; each kernel's message was checked against ai-edge-litert 2.3.0 by
//! tests/python/test_fp16.py.

use serde::Serialize;

use crate::model::{BuiltinOperator as B, Operator, Subgraph, TensorType};

/// What happened to the DEQUANTIZE ops of constant fp16 weights, said once per subgraph.
#[derive(Debug, Clone, Serialize)]
pub struct Fp16Weights {
    /// The DEQUANTIZE ops whose input is a constant float16 tensor.
    pub dequantize_nodes: Vec<usize>,
    /// True when the delegate takes them with every other op (the helper's "full delegation"
    /// scenario); false when they stay on the CPU.
    pub delegated: bool,
    pub message: String,
    /// Ops of partitions that the partition limit dropped, back on the CPU still reading the
    /// float16 constants, in run order, with what their CPU kernel does about it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_on_cpu: Vec<Fp16Reader>,
}

impl Fp16Weights {
    /// Adds the ops left reading fp16 weights on the CPU; `say` also tells them in the message
    /// (when no failure does).
    pub fn with_left_on_cpu(mut self, readers: Vec<Fp16Reader>, say: bool) -> Fp16Weights {
        if say && !readers.is_empty() {
            self.message += &left_on_cpu_message(&readers);
        }
        self.left_on_cpu = readers;
        self
    }
}

/// An op left on the CPU reading float16 constants where the model has float32 tensors.
#[derive(Debug, Clone, Serialize)]
pub struct Fp16Reader {
    pub index: usize,
    pub op: String,
    pub kernel: KernelVerdict,
    /// For `fails`: the kernel's log line without its line number ("tflite/kernels/conv.cc:
    /// bias->type != input_type (FLOAT16 != FLOAT32)"); otherwise what goes wrong.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KernelVerdict {
    /// The kernel's Prepare refuses the float16 operand: the graph fails to prepare.
    Fails,
    /// Prepare accepts it and Eval reads the float16 bytes as float32: wrong numbers, no error.
    WrongResults,
    /// Not modelled: we do not know what this kernel does with a float16 operand.
    Unknown,
}

/// The reason the fix planner attaches to a model whose fp16 path leaves ops reading float16
/// weights on the CPU (it is not a Validate message; `fixes::fp16_weights::cures` matches it).
pub const LEFT_ON_CPU_REASON: &str = "a partition limit leaves ops reading float16 weights on the CPU";

/// `IsDequantizeConstFloat16` (nnapi_delegate.cc): DEQUANTIZE of a constant float16 tensor.
pub fn is_const_fp16_dequantize(sg: &Subgraph, op: &Operator) -> bool {
    op.code == B::DEQUANTIZE
        && op.input(0).and_then(|t| sg.tensors.get(t)).is_some_and(|t| t.dtype == TensorType::FLOAT16 && t.is_const())
}

/// The TfLiteType enum value, which TF_LITE_ENSURE_EQ prints as a number (CONCATENATION).
fn tf_type_code(t: TensorType) -> i32 {
    match t {
        TensorType::FLOAT32 => 1,
        TensorType::FLOAT16 => 10,
        _ => -1,
    }
}

fn fails(file: &str, check: String) -> (KernelVerdict, String) {
    (KernelVerdict::Fails, format!("tflite/kernels/{file}: {check}"))
}

/// What the builtin CPU kernel of `op` (inputs already rewired to the float16 constants) does in
/// Prepare, for the float32 models the converter writes (activations float32, weights float16).
/// Checks that fire before the type checks (shapes, strides) are assumed to pass: the original
/// model prepared with the same shapes.
pub fn cpu_kernel_verdict(sg: &Subgraph, op: &Operator) -> (KernelVerdict, String) {
    let ty = |k: usize| op.input(k).and_then(|t| sg.tensors.get(t)).map(|t| t.dtype);
    let f16 = |k: usize| ty(k) == Some(TensorType::FLOAT16);
    let f32 = |k: usize| ty(k) == Some(TensorType::FLOAT32);
    match op.code {
        // conv.cc Prepare checks the bias type against the input type, never the filter type.
        B::CONV_2D if f32(0) && f16(2) => fails("conv.cc", "bias->type != input_type (FLOAT16 != FLOAT32)".into()),
        B::CONV_2D if f32(0) && f16(1) => (
            KernelVerdict::WrongResults,
            "conv.cc Prepare does not check the filter type; Eval reads the float16 filter as float32 (wrong values, read past the end of the weights)".into(),
        ),
        B::DEPTHWISE_CONV_2D if f32(0) && f16(1) => fails(
            "depthwise_conv.cc",
            "filter->type == data_type || data_type == kTfLiteInt16 || filter->type == kTfLiteInt4 was not true.".into(),
        ),
        B::DEPTHWISE_CONV_2D if f32(0) && f16(2) => {
            fails("depthwise_conv.cc", "bias->type != data_type (FLOAT16 != FLOAT32)".into())
        }
        // fully_connected.cc CheckTypes: a float32 filter, then an optional float32 bias.
        B::FULLY_CONNECTED if f32(0) && f16(1) => {
            fails("fully_connected.cc", "filter->type != kTfLiteFloat32 (FLOAT16 != FLOAT32)".into())
        }
        B::FULLY_CONNECTED if f32(0) && f16(2) => fails("fully_connected.cc", "is_optional_bias_float != true (0 != 1)".into()),
        // transpose_conv.cc: the inputs are (output shape, weights, input, bias).
        B::TRANSPOSE_CONV if f32(2) && f16(1) => fails(
            "transpose_conv.cc",
            "weights->type == kTfLiteFloat32 || weights->type == kTfLiteInt8 was not true.".into(),
        ),
        B::TRANSPOSE_CONV if f32(2) && f16(3) => {
            fails("transpose_conv.cc", "bias->type != input->type (FLOAT16 != FLOAT32)".into())
        }
        B::ADD | B::SUB | B::MUL | B::DIV | B::POW | B::SQUARED_DIFFERENCE | B::MAXIMUM | B::MINIMUM
            if (f32(0) && f16(1)) || (f16(0) && f32(1)) =>
        {
            binary_mismatch(op.code, f16(0))
        }
        B::CONCATENATION if f32(0) => concatenation(op, &ty),
        B::PADV2 if f32(0) && f16(2) => fails(
            "pad.cc",
            "op_context.input->type != op_context.constant_values->type (FLOAT32 != FLOAT16)".into(),
        ),
        B::BATCH_MATMUL if f32(0) && f16(1) => fails(
            "batch_matmul.cc",
            "rhs_data->type == kTfLiteFloat32 || rhs_data->type == kTfLiteInt8 || rhs_data->type == kTfLiteInt16 was not true.".into(),
        ),
        // activations.cc PreluPrepare has its alpha type check commented out.
        B::PRELU if f32(0) && f16(1) => (
            KernelVerdict::WrongResults,
            "PRELU's Prepare does not check alpha's type; Eval reads the float16 alpha as float32, so negative inputs get wrong values".into(),
        ),
        _ => (KernelVerdict::Unknown, format!("what {}'s kernel does with these float16 operands is not modelled", op.type_name())),
    }
}

/// The binary kernels compare the two input types (add.cc, sub.cc, mul.cc, div.cc, pow.cc,
/// squared_difference.cc; maximum_minimum.cc through its OpContext).
fn binary_mismatch(code: B, first_is_f16: bool) -> (KernelVerdict, String) {
    let (a, b) = if first_is_f16 { ("FLOAT16", "FLOAT32") } else { ("FLOAT32", "FLOAT16") };
    let file = match code {
        B::ADD => "add.cc",
        B::SUB => "sub.cc",
        B::MUL => "mul.cc",
        B::DIV => "div.cc",
        B::POW => "pow.cc",
        B::SQUARED_DIFFERENCE => "squared_difference.cc",
        _ => "maximum_minimum.cc",
    };
    let prefix = if file == "maximum_minimum.cc" { "op_context." } else { "" };
    fails(file, format!("{prefix}input1->type != {prefix}input2->type ({a} != {b})"))
}

/// concatenation.cc compares each later input's type with the first's (TF_LITE_ENSURE_EQ prints
/// the enum values).
fn concatenation(op: &Operator, ty: &dyn Fn(usize) -> Option<TensorType>) -> (KernelVerdict, String) {
    let first = TensorType::FLOAT32;
    for k in 1..op.inputs.len() {
        match ty(k) {
            Some(TensorType::FLOAT32) => continue,
            Some(TensorType::FLOAT16) => {
                return fails("concatenation.cc", format!("t->type != input_type ({} != {})", tf_type_code(TensorType::FLOAT16), tf_type_code(first)))
            }
            _ => break,
        }
    }
    (KernelVerdict::Unknown, "CONCATENATION is not modelled with these operand types".into())
}

/// The note for the DEQUANTIZE ops when the delegate takes every node (scenario 1).
pub fn delegated_message(n: usize) -> String {
    format!(
        "The {n} DEQUANTIZE op{} of constant fp16 weights {} delegated: every other op is supported, so the delegate's fp16 path gives NNAPI all nodes and the ops read the fp16 weights directly.",
        plural(n),
        if n == 1 { "is" } else { "are" }
    )
}

/// The note for the DEQUANTIZE ops when they stay on the CPU (scenario 2).
pub fn on_cpu_message(n: usize, queries_device: bool) -> String {
    let mut m = format!(
        "The {n} DEQUANTIZE op{} of constant fp16 weights stay{} on the CPU: the delegate's fp16 path delegates {} only when every other op is supported; the delegated ops read the fp16 weights directly.",
        plural(n),
        if n == 1 { "s" } else { "" },
        if n == 1 { "it" } else { "them" }
    );
    if queries_device {
        m += " If the device's driver refuses any of those ops, the delegate undoes this and delegates nothing (\"Only allow full model delegation for fp16 model\").";
    }
    m
}

/// What the note adds when a partition limit leaves ops reading fp16 weights on the CPU without a
/// Prepare failure.
pub fn left_on_cpu_message(readers: &[Fp16Reader]) -> String {
    let list: Vec<String> = readers.iter().map(|r| format!("op {} ({}): {}", r.index, r.op, r.detail)).collect();
    format!(
        " The partition limit sends {} op{} back to the CPU still reading the fp16 weights (the fp16 path's rewiring is not undone for them): {}.",
        readers.len(),
        plural(readers.len()),
        list.join("; ")
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
