//! Writes small SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND models into the directory given as the first
//! argument, for tests/python/test_engine_fixed.py to run in the in-page engine and in the real
//! interpreter: the forms the atrous fixtures (`make_gpu_fix_fixtures`) do not cover — int8 and
//! uint8 padding with a zero point that is not 0, crops at the start, rank 3 (NHC), int32 and int64,
//! several input images.
//!
//!     cargo run -q --example make_space_batch_fixtures -- DIR

use delegate_doctor::builder::{const_bytes, const_i32, tensor, ModelBuilder, TensorSpec};
use delegate_doctor::model::{BuiltinOperator as B, TensorType as T};
use delegate_doctor::opts;
use tflite_schema::tflite::Padding;

/// A quantized activation, or a plain one for unquantized types.
fn act(name: &str, dtype: T, shape: &[i32], zero_point: i64) -> TensorSpec {
    match dtype {
        T::UINT8 | T::INT8 => tensor(name, dtype, shape).quant(0.1, zero_point),
        _ => tensor(name, dtype, shape),
    }
}

/// The block, and paddings or crops, as constants: `pairs` is [before, after] per spatial axis.
fn spatial(b: &mut ModelBuilder, name: &str, block: &[i32], pairs: &[i32]) -> (i32, i32) {
    let n = block.len() as i32;
    (b.add(const_i32(&format!("{name}_block"), &[n], block)), b.add(const_i32(&format!("{name}_amounts"), &[n, 2], pairs)))
}

/// SPACE_TO_BATCH_ND alone (the padding is visible in the output), then BATCH_TO_SPACE_ND back
/// with `crops` (a second output).
fn round_trip(dtype: T, zero_point: i64, shape: &[i32], block: &[i32], pads: &[i32], crops: &[i32]) -> Vec<u8> {
    let (batched, restored) = shapes(shape, block, pads, crops);
    let mut b = ModelBuilder::new();
    let x = b.input(act("x", dtype, shape, zero_point));
    let (blk, p) = spatial(&mut b, "s2b", block, pads);
    let y = b.add(act("batched", dtype, &batched, zero_point));
    b.op(B::SPACE_TO_BATCH_ND, &[x, blk, p], &[y]).version(2);
    let (blk, c) = spatial(&mut b, "b2s", block, crops);
    let z = b.add(act("restored", dtype, &restored, zero_point));
    b.op(B::BATCH_TO_SPACE_ND, &[y, blk, c], &[z]).version(2);
    b.output(y).output(z);
    b.finish()
}

/// The shapes after SPACE_TO_BATCH_ND and after BATCH_TO_SPACE_ND with `crops` (rank 3 or 4).
fn shapes(shape: &[i32], block: &[i32], pads: &[i32], crops: &[i32]) -> (Vec<i32>, Vec<i32>) {
    let mut batched = shape.to_vec();
    let mut restored = shape.to_vec();
    for k in 0..block.len() {
        batched[1 + k] = (shape[1 + k] + pads[2 * k] + pads[2 * k + 1]) / block[k];
        restored[1 + k] = batched[1 + k] * block[k] - crops[2 * k] - crops[2 * k + 1];
    }
    batched[0] = shape[0] * block.iter().product::<i32>();
    (batched, restored)
}

/// An int8 atrous depthwise convolution in the converter's form, per-channel int8 weights, with a
/// crop at the start of the height axis.
fn atrous_int8() -> Vec<u8> {
    let (shape, block, pads, crops) = ([1, 9, 9, 8], [2, 2], [2, 3, 2, 3], [1, 0, 0, 1]);
    let mut b = ModelBuilder::new();
    let x = b.input(act("x", T::INT8, &shape, -7));
    let (blk, p) = spatial(&mut b, "s2b", &block, &pads);
    let y = b.add(act("batched", T::INT8, &[4, 7, 7, 8], -7));
    b.op(B::SPACE_TO_BATCH_ND, &[x, blk, p], &[y]).version(2);
    let w: Vec<u8> = (0..72).map(|i| (i * 37 % 255 - 127) as i8 as u8).collect();
    let scales: Vec<f32> = (0..8).map(|c| 0.004 + 0.001 * c as f32).collect();
    let wt = b.add(const_bytes("w", T::INT8, &[1, 3, 3, 8], &w).per_channel(&scales, &[0; 8], 3));
    let bias: Vec<u8> = (0..8).flat_map(|c| (c * 50 - 150i32).to_le_bytes()).collect();
    let bias_scales: Vec<f32> = scales.iter().map(|s| s * 0.1).collect();
    let bt = b.add(const_bytes("b", T::INT32, &[8], &bias).per_channel(&bias_scales, &[0; 8], 0));
    let conv = b.add(tensor("conv", T::INT8, &[4, 5, 5, 8]).quant(0.05, 3));
    b.op(B::DEPTHWISE_CONV_2D, &[y, wt, bt], &[conv]).version(3).options(opts!(DepthwiseConv2DOptions {
        padding: Padding::VALID,
        stride_w: 1,
        stride_h: 1,
        depth_multiplier: 1,
        dilation_w_factor: 1,
        dilation_h_factor: 1
    }));
    let (hb, wb) = (5 * 2 - crops[0] - crops[1], 5 * 2 - crops[2] - crops[3]);
    let (blk, c) = spatial(&mut b, "b2s", &block, &crops);
    let out = b.add(tensor("y", T::INT8, &[1, hb, wb, 8]).quant(0.05, 3));
    b.op(B::BATCH_TO_SPACE_ND, &[conv, blk, c], &[out]).version(2);
    b.output(out);
    b.finish()
}

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).ok_or_else(|| std::io::Error::other("usage: make_space_batch_fixtures DIR"))?);
    std::fs::create_dir_all(&dir)?;
    let models: Vec<(&str, Vec<u8>)> = vec![
        ("s2b_int8_zp-5_pad.tflite", round_trip(T::INT8, -5, &[1, 5, 6, 3], &[2, 3], &[1, 0, 2, 1], &[1, 0, 2, 1])),
        ("s2b_uint8_zp100_pad.tflite", round_trip(T::UINT8, 100, &[1, 7, 7, 4], &[2, 2], &[0, 1, 1, 0], &[0, 1, 0, 1])),
        ("s2b_float_rank3_two_images.tflite", round_trip(T::FLOAT32, 0, &[2, 7, 3], &[3], &[1, 1], &[2, 0])),
        ("s2b_int32_crops.tflite", round_trip(T::INT32, 0, &[1, 3, 3, 2], &[2, 2], &[1, 0, 0, 1], &[0, 1, 1, 0])),
        ("s2b_int64_two_images.tflite", round_trip(T::INT64, 0, &[2, 4, 2, 1], &[2, 1], &[0, 0, 1, 1], &[0, 0, 1, 1])),
        ("atrous_int8_dw_crop_top.tflite", atrous_int8()),
    ];
    for (name, bytes) in models {
        delegate_doctor::model::read(&bytes).map_err(|e| std::io::Error::other(format!("{name}: {e}")))?;
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}
