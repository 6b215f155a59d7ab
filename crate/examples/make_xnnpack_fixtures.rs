//! Writes the XNNPACK fixtures of tests/python/test_xnnpack_predictions.py into the directory
//! given as the first argument: small models, each exercising one of the XNNPACK delegate's rules
//! (tflite/delegates/xnnpack/xnnpack_delegate.cc) — quantized uint8 and per-channel int8 ops,
//! fp16 and int8 weights through DEQUANTIZE, sparse weights through DENSIFY, dynamic shapes,
//! ranks 5 to 7, fused activations XNNPACK has no case for, TRANSPOSE_CONV, BATCH_MATMUL, resource
//! variables, FULLY_CONNECTED at several ranks and with dynamic weights, unsupported ops between
//! supported ones, and (`xnn_create_*`) nodes the detection pass accepts and `Subgraph::Create`
//! may refuse: INT64 TRANSPOSE permutations, quantized copy-like ops whose output quantization
//! differs from the input's.
//!
//!     cargo run -q --example make_xnnpack_fixtures -- DIR

use delegate_doctor::builder::{const_f16, const_f32, const_i32, const_i64, const_i8, const_u8, pack, tensor, ModelBuilder};
use delegate_doctor::model::{BuiltinOperator as Op, TensorType as T};
use delegate_doctor::opts;
use tflite_schema::tflite as fb;

const F32: T = T::FLOAT32;

fn ramp(n: usize, scale: f32) -> Vec<f32> {
    (0..n).map(|i| ((i % 7) as f32 - 3.0) * scale).collect()
}

fn conv_options(act: fb::ActivationFunctionType) -> delegate_doctor::model::BuiltinOptionsT {
    opts!(Conv2DOptions { padding: fb::Padding::SAME, stride_w: 1, stride_h: 1, fused_activation_function: act })
}

/// CONV → L2_NORMALIZATION → CONV → ADD: an op XNNPACK has no case for between supported ones.
fn unsupported_between() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 8, 8, 4]));
    let w1 = b.add(const_f32("w1", &[4, 3, 3, 4], &ramp(144, 0.1)));
    let b1 = b.add(const_f32("b1", &[4], &[0.1; 4]));
    let c1 = b.add(tensor("c1", F32, &[1, 8, 8, 4]));
    b.op(Op::CONV_2D, &[x, w1, b1], &[c1]).options(conv_options(fb::ActivationFunctionType::RELU));
    let n = b.add(tensor("n", F32, &[1, 8, 8, 4]));
    b.op(Op::L2_NORMALIZATION, &[c1], &[n]).options(opts!(L2NormOptions {}));
    let w2 = b.add(const_f32("w2", &[4, 3, 3, 4], &ramp(144, 0.05)));
    let b2 = b.add(const_f32("b2", &[4], &[0.0; 4]));
    let c2 = b.add(tensor("c2", F32, &[1, 8, 8, 4]));
    b.op(Op::CONV_2D, &[n, w2, b2], &[c2]).options(conv_options(fb::ActivationFunctionType::NONE));
    let y = b.add(tensor("y", F32, &[1, 8, 8, 4]));
    b.op(Op::ADD, &[c2, c1], &[y]).options(opts!(AddOptions {}));
    b.output(y);
    b.finish()
}

/// uint8 CONV → AVERAGE_POOL_2D → ARG_MAX (QU8; ARG_MAX has no case).
fn uint8_conv_pool_argmax() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::UINT8, &[1, 8, 8, 3]).quant(0.02, 128));
    let w = b.add(const_u8("w", &[4, 3, 3, 3], &(0..108).map(|i| (100 + i % 50) as u8).collect::<Vec<_>>()).quant(0.01, 120));
    let bias = b.add(const_i32("bias", &[4], &[10, -5, 3, 0]).quant(0.0002, 0));
    let c = b.add(tensor("c", T::UINT8, &[1, 8, 8, 4]).quant(0.05, 128));
    b.op(Op::CONV_2D, &[x, w, bias], &[c]).options(conv_options(fb::ActivationFunctionType::RELU6));
    let p = b.add(tensor("p", T::UINT8, &[1, 4, 4, 4]).quant(0.05, 128));
    b.op(Op::AVERAGE_POOL_2D, &[c], &[p])
        .options(opts!(Pool2DOptions { padding: fb::Padding::VALID, stride_w: 2, stride_h: 2, filter_width: 2, filter_height: 2 }));
    let axis = b.add(const_i32("axis", &[1], &[3]));
    let y = b.add(tensor("y", T::INT32, &[1, 4, 4]));
    b.op(Op::ARG_MAX, &[p, axis], &[y]).options(opts!(ArgMaxOptions { output_type: T::INT32 }));
    b.output(y);
    b.finish()
}

/// int8 CONV with per-channel weights → DEPTHWISE_CONV_2D per-channel → MAX_POOL_2D (QS8).
fn int8_per_channel() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::INT8, &[1, 8, 8, 3]).quant(0.02, -1));
    let w = b.add(
        const_i8("w", &[4, 3, 3, 3], &(0..108).map(|i| (i % 11) as i8 - 5).collect::<Vec<_>>())
            .per_channel(&[0.01, 0.02, 0.015, 0.03], &[0, 0, 0, 0], 0),
    );
    let bias = b.add(const_i32("bias", &[4], &[1, 2, 3, 4]).per_channel(&[0.0002, 0.0004, 0.0003, 0.0006], &[0, 0, 0, 0], 0));
    let c = b.add(tensor("c", T::INT8, &[1, 8, 8, 4]).quant(0.05, -3));
    b.op(Op::CONV_2D, &[x, w, bias], &[c]).version(3).options(conv_options(fb::ActivationFunctionType::RELU));
    let dw = b.add(
        const_i8("dw", &[1, 3, 3, 4], &(0..36).map(|i| (i % 9) as i8 - 4).collect::<Vec<_>>())
            .per_channel(&[0.01, 0.01, 0.02, 0.02], &[0, 0, 0, 0], 3),
    );
    let dbias = b.add(const_i32("dbias", &[4], &[0, 0, 0, 0]).per_channel(&[0.0005, 0.0005, 0.001, 0.001], &[0, 0, 0, 0], 0));
    let d = b.add(tensor("d", T::INT8, &[1, 8, 8, 4]).quant(0.05, -3));
    b.op(Op::DEPTHWISE_CONV_2D, &[c, dw, dbias], &[d]).version(3).options(opts!(DepthwiseConv2DOptions {
        padding: fb::Padding::SAME,
        stride_w: 1,
        stride_h: 1,
        depth_multiplier: 1
    }));
    let y = b.add(tensor("y", T::INT8, &[1, 4, 4, 4]).quant(0.05, -3));
    b.op(Op::MAX_POOL_2D, &[d], &[y])
        .version(2)
        .options(opts!(Pool2DOptions { padding: fb::Padding::VALID, stride_w: 2, stride_h: 2, filter_width: 2, filter_height: 2 }));
    b.output(y);
    b.finish()
}

/// fp16 weights: DEQUANTIZE → FULLY_CONNECTED (taken), and a second fp16 DEQUANTIZE read by an
/// op XNNPACK refuses (PACK): that one stays on the CPU.
fn fp16_dequantize() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 8]));
    let w16 = b.add(const_f16("w16", &[4, 8], &ramp(32, 0.1)));
    let w = b.add(tensor("w", F32, &[4, 8]));
    b.op(Op::DEQUANTIZE, &[w16], &[w]).version(3);
    let bias = b.add(const_f32("bias", &[4], &[0.0; 4]));
    let fc = b.add(tensor("fc", F32, &[1, 4]));
    b.op(Op::FULLY_CONNECTED, &[x, w, bias], &[fc]).options(opts!(FullyConnectedOptions {}));
    let k16 = b.add(const_f16("k16", &[1, 4], &[0.5, -0.5, 1.0, 2.0]));
    let k = b.add(tensor("k", F32, &[1, 4]));
    b.op(Op::DEQUANTIZE, &[k16], &[k]).version(3);
    let packed = b.add(tensor("packed", F32, &[2, 1, 4]));
    b.op(Op::PACK, &[fc, k], &[packed]).options(opts!(PackOptions { values_count: 2, axis: 0 }));
    b.output(packed);
    b.finish()
}

/// fp16 weights through DEQUANTIZE into a FULLY_CONNECTED that the GPU delegates take, then rank-5
/// ADDs they refuse and XNNPACK takes: after a GPU delegate (which reads the fp16 weights directly),
/// whether XNNPACK takes the DEQUANTIZE left on the CPU.
fn fp16_dequantize_after_gpu() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 8]));
    let w16 = b.add(const_f16("w16", &[4, 8], &ramp(32, 0.1)));
    let w = b.add(tensor("w", F32, &[4, 8]));
    b.op(Op::DEQUANTIZE, &[w16], &[w]).version(3);
    let bias = b.add(const_f32("bias", &[4], &[0.0; 4]));
    let fc = b.add(tensor("fc", F32, &[1, 4]));
    b.op(Op::FULLY_CONNECTED, &[x, w, bias], &[fc]).options(opts!(FullyConnectedOptions {}));
    let s5 = b.add(const_i32("s5", &[5], &[1, 1, 1, 1, 4]));
    let r = b.add(tensor("r", F32, &[1, 1, 1, 1, 4]));
    b.op(Op::RESHAPE, &[fc, s5], &[r]);
    let y = b.add(tensor("y", F32, &[1, 1, 1, 1, 4]));
    b.op(Op::ADD, &[r, r], &[y]).options(opts!(AddOptions {}));
    b.output(y);
    b.finish()
}

/// int8 weights with a scale: DEQUANTIZE → CONV_2D (float), then TANH.
fn int8_dequantize_conv() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 6, 6, 2]));
    let w8 = b.add(const_i8("w8", &[3, 3, 3, 2], &(0..54).map(|i| (i % 13) as i8 - 6).collect::<Vec<_>>()).quant(0.02, 0));
    let w = b.add(tensor("w", F32, &[3, 3, 3, 2]));
    b.op(Op::DEQUANTIZE, &[w8], &[w]).version(2);
    let bias = b.add(const_f32("bias", &[3], &[0.0; 3]));
    let c = b.add(tensor("c", F32, &[1, 6, 6, 3]));
    b.op(Op::CONV_2D, &[x, w, bias], &[c]).options(conv_options(fb::ActivationFunctionType::NONE));
    let y = b.add(tensor("y", F32, &[1, 6, 6, 3]));
    b.op(Op::TANH, &[c], &[y]);
    b.output(y);
    b.finish()
}

/// A 4×8 fp32 weight stored sparse (CSR: dense rows, sparse columns) → DENSIFY → FULLY_CONNECTED.
fn sparse_densify() -> Vec<u8> {
    let rows: usize = 4;
    let cols: usize = 8;
    // Two non-zeros per row, at columns (r, r + 4).
    let values: Vec<f32> = (0..rows * 2).map(|i| 0.25 * (i as f32 + 1.0)).collect();
    let segments: Vec<i32> = (0..=rows).map(|r| (2 * r) as i32).collect();
    let indices: Vec<i32> = (0..rows).flat_map(|r| [r as i32, r as i32 + 4]).collect();
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, cols as i32]));
    let ws = b.add(const_f32("w_sparse", &[rows as i32, cols as i32], &values));
    let w = b.add(tensor("w", F32, &[rows as i32, cols as i32]));
    b.op(Op::DENSIFY, &[ws], &[w]);
    let bias = b.add(const_f32("bias", &[rows as i32], &[0.0; 4]));
    let y = b.add(tensor("y", F32, &[1, rows as i32]));
    b.op(Op::FULLY_CONNECTED, &[x, w, bias], &[y]).options(opts!(FullyConnectedOptions {}));
    b.output(y);
    let mut m = b.model_t();
    let sg = &mut m.subgraphs.as_mut().expect("one subgraph")[0];
    let t = &mut sg.tensors.as_mut().expect("tensors")[ws as usize];
    let int32s = |v: Vec<i32>| {
        let mut vector = fb::Int32VectorT::default();
        vector.values = Some(v);
        fb::SparseIndexVectorT::Int32Vector(Box::new(vector))
    };
    let mut dense = fb::DimensionMetadataT::default();
    dense.format = fb::DimensionType::DENSE;
    dense.dense_size = rows as i32;
    let mut sparse = fb::DimensionMetadataT::default();
    sparse.format = fb::DimensionType::SPARSE_CSR;
    sparse.array_segments = int32s(segments);
    sparse.array_indices = int32s(indices);
    let mut s = fb::SparsityParametersT::default();
    s.traversal_order = Some(vec![0, 1]);
    s.dim_metadata = Some(vec![dense, sparse]);
    t.sparsity = Some(Box::new(s));
    pack(&m)
}

/// A batch dimension unknown until run time (shape_signature -1): FULLY_CONNECTED → RELU.
fn dynamic_batch() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 8]).signature(&[-1, 8]));
    let w = b.add(const_f32("w", &[4, 8], &ramp(32, 0.1)));
    let bias = b.add(const_f32("bias", &[4], &[0.0; 4]));
    let fc = b.add(tensor("fc", F32, &[1, 4]).signature(&[-1, 4]));
    b.op(Op::FULLY_CONNECTED, &[x, w, bias], &[fc]).options(opts!(FullyConnectedOptions {}));
    let y = b.add(tensor("y", F32, &[1, 4]).signature(&[-1, 4]));
    b.op(Op::RELU, &[fc], &[y]);
    b.output(y);
    b.finish()
}

/// A shape computed at run time: SHAPE → RESHAPE with a non-constant new shape, between ADDs.
fn runtime_reshape() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[2, 6]));
    let a = b.add(tensor("a", F32, &[2, 6]));
    b.op(Op::ADD, &[x, x], &[a]).options(opts!(AddOptions {}));
    let shape = b.add(tensor("shape", T::INT32, &[2]));
    b.op(Op::SHAPE, &[x], &[shape]).options(opts!(ShapeOptions { out_type: T::INT32 }));
    let r = b.add(tensor("r", F32, &[2, 6]));
    b.op(Op::RESHAPE, &[a, shape], &[r]);
    let y = b.add(tensor("y", F32, &[2, 6]));
    b.op(Op::MUL, &[r, x], &[y]).options(opts!(MulOptions {}));
    b.output(y);
    b.finish()
}

/// ADDs of rank 5, 6 and 7 in a chain (XNNPACK's tensors have at most XNN_MAX_TENSOR_DIMS dims).
fn high_ranks() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x5 = b.input(tensor("x5", F32, &[1, 2, 2, 2, 3]));
    let y5 = b.add(tensor("y5", F32, &[1, 2, 2, 2, 3]));
    b.op(Op::ADD, &[x5, x5], &[y5]).options(opts!(AddOptions {}));
    let s6 = b.add(const_i32("s6", &[6], &[1, 1, 2, 2, 2, 3]));
    let x6 = b.add(tensor("x6", F32, &[1, 1, 2, 2, 2, 3]));
    b.op(Op::RESHAPE, &[y5, s6], &[x6]);
    let y6 = b.add(tensor("y6", F32, &[1, 1, 2, 2, 2, 3]));
    b.op(Op::MUL, &[x6, x6], &[y6]).options(opts!(MulOptions {}));
    let s7 = b.add(const_i32("s7", &[7], &[1, 1, 1, 2, 2, 2, 3]));
    let x7 = b.add(tensor("x7", F32, &[1, 1, 1, 2, 2, 2, 3]));
    b.op(Op::RESHAPE, &[y6, s7], &[x7]);
    let y7 = b.add(tensor("y7", F32, &[1, 1, 1, 2, 2, 2, 3]));
    b.op(Op::SUB, &[x7, x7], &[y7]).options(opts!(SubOptions {}));
    b.output(y7);
    b.finish()
}

/// Fused activations: CONV with TANH and SIGN_BIT fused (XNNPACK has no case), ADD with RELU_N1_TO_1.
fn fused_activations() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 4, 4, 2]));
    let w = b.add(const_f32("w", &[2, 1, 1, 2], &[0.5, -0.5, 1.0, 0.25]));
    let bias = b.add(const_f32("bias", &[2], &[0.0, 0.1]));
    let c1 = b.add(tensor("c1", F32, &[1, 4, 4, 2]));
    b.op(Op::CONV_2D, &[x, w, bias], &[c1]).options(conv_options(fb::ActivationFunctionType::TANH));
    let c2 = b.add(tensor("c2", F32, &[1, 4, 4, 2]));
    b.op(Op::CONV_2D, &[c1, w, bias], &[c2]).options(conv_options(fb::ActivationFunctionType::SIGN_BIT));
    let a = b.add(tensor("a", F32, &[1, 4, 4, 2]));
    b.op(Op::ADD, &[c2, x], &[a]).options(opts!(AddOptions { fused_activation_function: fb::ActivationFunctionType::RELU_N1_TO_1 }));
    let y = b.add(tensor("y", F32, &[1, 4, 4, 2]));
    b.op(Op::MUL, &[a, x], &[y]).options(opts!(MulOptions { fused_activation_function: fb::ActivationFunctionType::RELU6 }));
    b.output(y);
    b.finish()
}

/// TRANSPOSE_CONV (constant output shape, weights and bias), then a second one whose output
/// shape is not constant.
fn transpose_conv() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 4, 4, 2]));
    let shape = b.add(const_i32("out_shape", &[4], &[1, 8, 8, 3]));
    let w = b.add(const_f32("w", &[3, 3, 3, 2], &ramp(54, 0.1)));
    let bias = b.add(const_f32("bias", &[3], &[0.0, 0.1, 0.2]));
    let y = b.add(tensor("y", F32, &[1, 8, 8, 3]));
    b.op(Op::TRANSPOSE_CONV, &[shape, w, x, bias], &[y])
        .version(3)
        .options(opts!(TransposeConvOptions { padding: fb::Padding::SAME, stride_w: 2, stride_h: 2 }));
    let s2 = b.add(tensor("s2", T::INT32, &[4]));
    b.op(Op::SHAPE, &[y], &[s2]).options(opts!(ShapeOptions { out_type: T::INT32 }));
    let w2 = b.add(const_f32("w2", &[3, 1, 1, 3], &ramp(9, 0.2)));
    let z = b.add(tensor("z", F32, &[1, 8, 8, 3]));
    b.op(Op::TRANSPOSE_CONV, &[s2, w2, y], &[z])
        .options(opts!(TransposeConvOptions { padding: fb::Padding::SAME, stride_w: 1, stride_h: 1 }));
    b.output(z);
    b.finish()
}

/// BATCH_MATMUL of two inputs, then with a constant right-hand side, then with adj_x.
fn batch_matmul() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[2, 3, 4]));
    let y = b.input(tensor("y", F32, &[2, 4, 5]));
    let xy = b.add(tensor("xy", F32, &[2, 3, 5]));
    b.op(Op::BATCH_MATMUL, &[x, y], &[xy]).options(opts!(BatchMatMulOptions {}));
    let k = b.add(const_f32("k", &[5, 2], &ramp(10, 0.3)));
    let xyk = b.add(tensor("xyk", F32, &[2, 3, 2]));
    b.op(Op::BATCH_MATMUL, &[xy, k], &[xyk]).options(opts!(BatchMatMulOptions {}));
    let t = b.add(tensor("t", F32, &[2, 2, 2]));
    b.op(Op::BATCH_MATMUL, &[xyk, xyk], &[t]).options(opts!(BatchMatMulOptions { adj_x: true }));
    b.output(t);
    b.finish()
}

/// VAR_HANDLE → ASSIGN_VARIABLE(constant), VAR_HANDLE → READ_VARIABLE → ADD with the input.
fn variables() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 4]));
    let h1 = b.add(tensor("h1", T::RESOURCE, &[]));
    b.op(Op::VAR_HANDLE, &[], &[h1]).options(opts!(VarHandleOptions { shared_name: Some("v".into()) }));
    let init = b.add(const_f32("init", &[1, 4], &[1.0, 2.0, 3.0, 4.0]));
    b.op(Op::ASSIGN_VARIABLE, &[h1, init], &[]);
    let h2 = b.add(tensor("h2", T::RESOURCE, &[]));
    b.op(Op::VAR_HANDLE, &[], &[h2]).options(opts!(VarHandleOptions { shared_name: Some("v".into()) }));
    let v = b.add(tensor("v", F32, &[1, 4]));
    b.op(Op::READ_VARIABLE, &[h2], &[v]);
    let y = b.add(tensor("y", F32, &[1, 4]));
    b.op(Op::ADD, &[v, x], &[y]).options(opts!(AddOptions {}));
    b.output(y);
    b.finish()
}

/// FULLY_CONNECTED with an input of rank `rank` (the last dim 8), keep_num_dims as given.
fn fc_rank(rank: usize, keep_num_dims: bool) -> Vec<u8> {
    let mut shape = vec![1; rank];
    shape[rank - 1] = 8;
    if rank >= 2 {
        shape[rank - 2] = 2;
    }
    let rows: i32 = shape[..rank - 1].iter().product();
    let out_shape: Vec<i32> = if keep_num_dims {
        let mut s = shape.clone();
        s[rank - 1] = 4;
        s
    } else {
        vec![rows, 4]
    };
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &shape));
    let w = b.add(const_f32("w", &[4, 8], &ramp(32, 0.1)));
    let bias = b.add(const_f32("bias", &[4], &[0.0; 4]));
    let y = b.add(tensor("y", F32, &out_shape));
    b.op(Op::FULLY_CONNECTED, &[x, w, bias], &[y]).options(opts!(FullyConnectedOptions { keep_num_dims: keep_num_dims }));
    let z = b.add(tensor("z", F32, &out_shape));
    b.op(Op::RELU, &[y], &[z]);
    b.output(z);
    b.finish()
}

/// FULLY_CONNECTED whose weights are a graph input (refused unless DYNAMIC_FULLY_CONNECTED).
fn fc_dynamic_weights() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 8]));
    let w = b.input(tensor("w", F32, &[4, 8]));
    let y = b.add(tensor("y", F32, &[1, 4]));
    b.op(Op::FULLY_CONNECTED, &[x, w, delegate_doctor::builder::OPTIONAL], &[y]).options(opts!(FullyConnectedOptions {}));
    let z = b.add(tensor("z", F32, &[1, 4]));
    b.op(Op::LOGISTIC, &[y], &[z]);
    b.output(z);
    b.finish()
}

/// uint8 and float ops mixed through QUANTIZE / DEQUANTIZE, with a quantized ADD and a float SOFTMAX.
fn quantize_dequantize_mix() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 16]));
    let q = b.add(tensor("q", T::UINT8, &[1, 16]).quant(0.05, 128));
    b.op(Op::QUANTIZE, &[x], &[q]);
    let a = b.add(tensor("a", T::UINT8, &[1, 16]).quant(0.1, 128));
    b.op(Op::ADD, &[q, q], &[a]).options(opts!(AddOptions {}));
    let d = b.add(tensor("d", F32, &[1, 16]));
    b.op(Op::DEQUANTIZE, &[a], &[d]);
    let s = b.add(tensor("s", F32, &[1, 16]));
    b.op(Op::SOFTMAX, &[d], &[s]).options(opts!(SoftmaxOptions { beta: 1.0 }));
    let q8 = b.add(tensor("q8", T::INT8, &[1, 16]).quant(1.0 / 256.0, -128));
    b.op(Op::QUANTIZE, &[s], &[q8]);
    let l = b.add(tensor("l", T::INT8, &[1, 16]).quant(1.0 / 256.0, -128));
    b.op(Op::LOGISTIC, &[q8], &[l]);
    b.output(l);
    b.finish()
}

/// Ops of a typical float head: MEAN, RESHAPE, SOFTMAX, CONCATENATION, PAD, plus GATHER (no case).
fn float_head() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, &[1, 4, 4, 8]));
    let axes = b.add(const_i32("axes", &[2], &[1, 2]));
    let m = b.add(tensor("m", F32, &[1, 1, 1, 8]));
    b.op(Op::MEAN, &[x, axes], &[m]).options(opts!(ReducerOptions { keep_dims: true }));
    let s = b.add(const_i32("s", &[2], &[1, 8]));
    let r = b.add(tensor("r", F32, &[1, 8]));
    b.op(Op::RESHAPE, &[m, s], &[r]);
    let idx = b.add(const_i32("idx", &[3], &[0, 2, 4]));
    let g = b.add(tensor("g", F32, &[1, 3]));
    b.op(Op::GATHER, &[r, idx], &[g]).options(opts!(GatherOptions { axis: 1 }));
    let pads = b.add(const_i32("pads", &[2, 2], &[0, 0, 1, 1]));
    let p = b.add(tensor("p", F32, &[1, 5]));
    b.op(Op::PAD, &[g, pads], &[p]);
    let c = b.add(tensor("c", F32, &[1, 13]));
    b.op(Op::CONCATENATION, &[p, r], &[c]).options(opts!(ConcatenationOptions { axis: 1 }));
    let y = b.add(tensor("y", F32, &[1, 13]));
    b.op(Op::SOFTMAX, &[c], &[y]).options(opts!(SoftmaxOptions { beta: 1.0 }));
    b.output(y);
    b.finish()
}

// Creation-time failures: nodes the detection pass accepts and `Subgraph::Create` then cannot
// define (the delegate's `VisitTransposeNode` … with `subgraph != nullptr`, and XNNPACK's
// `xnn_define_*` validations in src/subgraph/*.c).

/// TRANSPOSE whose permutation is an INT64 constant: the delegate reads it as int32 words, so
/// [0, 2, 1, 3] becomes [0, 0, 2, 0] (refused) but [1, 0] stays [1, 0] and [1, 2, 0] becomes the
/// valid [1, 0, 2] (taken).
fn transpose_i64_perm(shape: &[i32], perm: &[i64]) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", F32, shape));
    let p = b.add(const_i64("perm", &[perm.len() as i32], perm));
    let out: Vec<i32> = perm.iter().map(|&d| shape[d.rem_euclid(shape.len() as i64) as usize]).collect();
    let y = b.add(tensor("y", F32, &out));
    b.op(Op::TRANSPOSE, &[x, p], &[y]).options(opts!(TransposeOptions {}));
    b.output(y);
    b.finish()
}

/// The input and output quantization of the one quantized op of [`quantized_single`].
#[derive(Clone, Copy)]
struct Quant {
    dtype: T,
    input: (f32, i64),
    output: (f32, i64),
}

const U8_SCALES_DIFFER: Quant = Quant { dtype: T::UINT8, input: (0.02, 128), output: (0.04, 128) };
const U8_ZERO_POINTS_DIFFER: Quant = Quant { dtype: T::UINT8, input: (0.02, 128), output: (0.02, 100) };
const I8_SCALES_DIFFER: Quant = Quant { dtype: T::INT8, input: (0.02, 0), output: (0.04, 0) };
const U8_SAME: Quant = Quant { dtype: T::UINT8, input: (0.02, 128), output: (0.02, 128) };

/// One quantized op (input shape `shape`, outputs `outs`, extra constant inputs built by `extra`,
/// before the data input if `extra_first`). (EXPAND_DIMS is left out: its builtin kernel refuses
/// differing quantization itself.)
fn quantized_single(
    op: Op,
    q: Quant,
    shape: &[i32],
    outs: &[&[i32]],
    extra: impl FnOnce(&mut ModelBuilder) -> Vec<i32>,
    extra_first: bool,
    options: Option<delegate_doctor::model::BuiltinOptionsT>,
) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", q.dtype, shape).quant(q.input.0, q.input.1));
    let consts = extra(&mut b);
    let inputs: Vec<i32> = if extra_first { consts.into_iter().chain([x]).collect() } else { [x].into_iter().chain(consts).collect() };
    let ys: Vec<i32> = outs
        .iter()
        .enumerate()
        .map(|(i, s)| b.add(tensor(&format!("y{i}"), q.dtype, s).quant(q.output.0, q.output.1)))
        .collect();
    let node = b.op(op, &inputs, &ys);
    if let Some(o) = options {
        node.options(o);
    }
    for y in ys {
        b.output(y);
    }
    b.finish()
}

fn q_transpose(q: Quant) -> Vec<u8> {
    let perm = |b: &mut ModelBuilder| vec![b.add(const_i32("perm", &[4], &[0, 2, 1, 3]))];
    quantized_single(Op::TRANSPOSE, q, &[1, 4, 6, 3], &[&[1, 6, 4, 3]], perm, false, Some(opts!(TransposeOptions {})))
}

fn q_split(q: Quant) -> Vec<u8> {
    let axis = |b: &mut ModelBuilder| vec![b.add(const_i32("axis", &[], &[3]))];
    quantized_single(Op::SPLIT, q, &[1, 4, 4, 6], &[&[1, 4, 4, 3], &[1, 4, 4, 3]], axis, true, Some(opts!(SplitOptions { num_splits: 2 })))
}

fn q_pad(q: Quant) -> Vec<u8> {
    let pads = |b: &mut ModelBuilder| vec![b.add(const_i32("pads", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]))];
    quantized_single(Op::PAD, q, &[1, 4, 4, 3], &[&[1, 6, 6, 3]], pads, false, Some(opts!(PadOptions {})))
}

fn q_slice(q: Quant) -> Vec<u8> {
    let bs = |b: &mut ModelBuilder| vec![b.add(const_i32("begin", &[4], &[0, 1, 1, 0])), b.add(const_i32("size", &[4], &[1, 2, 2, 3]))];
    quantized_single(Op::SLICE, q, &[1, 4, 4, 3], &[&[1, 2, 2, 3]], bs, false, Some(opts!(SliceOptions {})))
}

fn q_strided_slice(q: Quant) -> Vec<u8> {
    let bes = |b: &mut ModelBuilder| {
        vec![
            b.add(const_i32("begin", &[4], &[0, 1, 1, 0])),
            b.add(const_i32("end", &[4], &[1, 3, 3, 3])),
            b.add(const_i32("strides", &[4], &[1, 1, 1, 1])),
        ]
    };
    quantized_single(Op::STRIDED_SLICE, q, &[1, 4, 4, 3], &[&[1, 2, 2, 3]], bes, false, Some(opts!(StridedSliceOptions {})))
}

fn q_depth_to_space(q: Quant) -> Vec<u8> {
    quantized_single(Op::DEPTH_TO_SPACE, q, &[1, 2, 2, 8], &[&[1, 4, 4, 2]], |_| vec![], false, Some(opts!(DepthToSpaceOptions { block_size: 2 })))
}

fn q_space_to_depth(q: Quant) -> Vec<u8> {
    quantized_single(Op::SPACE_TO_DEPTH, q, &[1, 4, 4, 2], &[&[1, 2, 2, 8]], |_| vec![], false, Some(opts!(SpaceToDepthOptions { block_size: 2 })))
}

fn q_max_pool(q: Quant) -> Vec<u8> {
    let o = opts!(Pool2DOptions { padding: fb::Padding::VALID, stride_w: 2, stride_h: 2, filter_width: 2, filter_height: 2 });
    quantized_single(Op::MAX_POOL_2D, q, &[1, 4, 4, 3], &[&[1, 2, 2, 3]], |_| vec![], false, Some(o))
}

fn q_resize_bilinear(q: Quant) -> Vec<u8> {
    let size = |b: &mut ModelBuilder| vec![b.add(const_i32("size", &[2], &[8, 8]))];
    quantized_single(Op::RESIZE_BILINEAR, q, &[1, 4, 4, 3], &[&[1, 8, 8, 3]], size, false, Some(opts!(ResizeBilinearOptions {})))
}

fn q_concat(q: Quant) -> Vec<u8> {
    let other = |b: &mut ModelBuilder| vec![b.add(const_u8("c", &[1, 4, 4, 3], &[128; 48]).quant(0.02, 128))];
    quantized_single(Op::CONCATENATION, q, &[1, 4, 4, 3], &[&[1, 4, 4, 6]], other, false, Some(opts!(ConcatenationOptions { axis: 3 })))
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: make_xnnpack_fixtures DIR");
    std::fs::create_dir_all(&dir).expect("create the output directory");
    let models: Vec<(&str, Vec<u8>)> = vec![
        ("xnn_unsupported_between", unsupported_between()),
        ("xnn_uint8_conv_pool_argmax", uint8_conv_pool_argmax()),
        ("xnn_int8_per_channel", int8_per_channel()),
        ("xnn_fp16_dequantize", fp16_dequantize()),
        ("xnn_int8_dequantize_conv", int8_dequantize_conv()),
        ("xnn_fp16_dequantize_after_gpu", fp16_dequantize_after_gpu()),
        ("xnn_sparse_densify", sparse_densify()),
        ("xnn_dynamic_batch", dynamic_batch()),
        ("xnn_runtime_reshape", runtime_reshape()),
        ("xnn_high_ranks", high_ranks()),
        ("xnn_fused_activations", fused_activations()),
        ("xnn_transpose_conv", transpose_conv()),
        ("xnn_batch_matmul", batch_matmul()),
        ("xnn_variables", variables()),
        ("xnn_fc_rank2", fc_rank(2, false)),
        ("xnn_fc_rank3_keep", fc_rank(3, true)),
        ("xnn_fc_rank4", fc_rank(4, false)),
        ("xnn_fc_rank5_keep", fc_rank(5, true)),
        ("xnn_fc_rank7_keep", fc_rank(7, true)),
        ("xnn_fc_dynamic_weights", fc_dynamic_weights()),
        ("xnn_quantize_dequantize_mix", quantize_dequantize_mix()),
        ("xnn_float_head", float_head()),
        ("xnn_create_transpose_i64_perm_4d", transpose_i64_perm(&[1, 4, 6, 3], &[0, 2, 1, 3])),
        ("xnn_create_transpose_i64_perm_2d", transpose_i64_perm(&[4, 6], &[1, 0])),
        ("xnn_create_transpose_i64_perm_3d", transpose_i64_perm(&[2, 3, 4], &[1, 2, 0])),
        ("xnn_create_transpose_i64_perm_neg", transpose_i64_perm(&[4, 6], &[-1, 0])),
        ("xnn_create_transpose_u8_scales", q_transpose(U8_SCALES_DIFFER)),
        ("xnn_create_transpose_u8_zero_points", q_transpose(U8_ZERO_POINTS_DIFFER)),
        ("xnn_create_transpose_i8_scales", q_transpose(I8_SCALES_DIFFER)),
        ("xnn_create_transpose_u8_same", q_transpose(U8_SAME)),
        ("xnn_create_split_u8_scales", q_split(U8_SCALES_DIFFER)),
        ("xnn_create_pad_u8_scales", q_pad(U8_SCALES_DIFFER)),
        ("xnn_create_slice_u8_scales", q_slice(U8_SCALES_DIFFER)),
        ("xnn_create_strided_slice_u8_scales", q_strided_slice(U8_SCALES_DIFFER)),
        ("xnn_create_depth_to_space_u8_scales", q_depth_to_space(U8_SCALES_DIFFER)),
        ("xnn_create_space_to_depth_u8_scales", q_space_to_depth(U8_SCALES_DIFFER)),
        ("xnn_create_max_pool_u8_scales", q_max_pool(U8_SCALES_DIFFER)),
        ("xnn_create_resize_bilinear_u8_scales", q_resize_bilinear(U8_SCALES_DIFFER)),
        ("xnn_create_concat_u8_scales", q_concat(U8_SCALES_DIFFER)),
        ("xnn_create_split_i8_scales", q_split(I8_SCALES_DIFFER)),
        ("xnn_create_pad_i8_scales", q_pad(I8_SCALES_DIFFER)),
        ("xnn_create_slice_i8_scales", q_slice(I8_SCALES_DIFFER)),
        ("xnn_create_depth_to_space_i8_scales", q_depth_to_space(I8_SCALES_DIFFER)),
        ("xnn_create_max_pool_i8_scales", q_max_pool(I8_SCALES_DIFFER)),
        ("xnn_create_resize_bilinear_i8_scales", q_resize_bilinear(I8_SCALES_DIFFER)),
        ("xnn_create_strided_slice_i8_scales", q_strided_slice(I8_SCALES_DIFFER)),
        ("xnn_create_space_to_depth_i8_scales", q_space_to_depth(I8_SCALES_DIFFER)),
    ];
    for (name, bytes) in models {
        let path = std::path::Path::new(&dir).join(format!("{name}.tflite"));
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}
