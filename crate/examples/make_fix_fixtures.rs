//! Writes the small models that tests/python/test_fixes.py feeds to `delegate-doctor fix` and then
//! runs, original against fixed, in the real TFLite interpreter. Each model holds one situation a
//! fix is for; the comment on each function says which, and at which level the NNAPI delegate
//! refuses it. Run from the repository root:
//!
//!     cargo run -q --example make_fix_fixtures -- tests/python/fixtures
//!
//! The output is deterministic (same bytes on every run), so the Python suite can check that the
//! committed fixtures are up to date.

use delegate_doctor::builder::{const_f32, const_i32, const_i64, const_u8, tensor, ModelBuilder, TensorSpec};
use delegate_doctor::model::{BuiltinOperator as B, TensorType as T};
use delegate_doctor::opts;
use tflite_schema::tflite::Padding;

fn f32_tensor(name: &str, shape: &[i32]) -> TensorSpec {
    tensor(name, T::FLOAT32, shape)
}

/// Deterministic pseudo-random values in [-1, 1) (a small LCG; no dependency needed).
fn pseudo_random(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// (a) RESIZE_BILINEAR align_corners=true 9→33, float. Refused at ≤ 29 for the flag; the exact
/// form resizes to 9·32/8 = 36 and crops the first 33 rows and columns (SLICE at 29,
/// STRIDED_SLICE at 28). Square, so the output is also valid at 28.
fn resize_bilinear_crop() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x", &[1, 9, 9, 3]));
    let size = b.add(const_i32("size", &[2], &[33, 33]));
    let y = b.add(f32_tensor("y", &[1, 33, 33, 3]));
    b.op(B::RESIZE_BILINEAR, &[x, size], &[y]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    b.output(y);
    b.finish()
}

/// (a') The same resize feeding an int32 ARG_MAX over channels: the crop moves after the ARG_MAX
/// (the path DeepLab takes).
fn resize_bilinear_crop_argmax() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x", &[1, 9, 9, 5]));
    let size = b.add(const_i32("size", &[2], &[33, 33]));
    let y = b.add(f32_tensor("logits", &[1, 33, 33, 5]));
    b.op(B::RESIZE_BILINEAR, &[x, size], &[y]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    let axis = b.add(const_i32("axis", &[1], &[3]));
    let z = b.add(tensor("class_map", T::INT32, &[1, 33, 33]));
    b.op(B::ARG_MAX, &[y, axis], &[z]).options(opts!(ArgMaxOptions { output_type: T::INT32 }));
    b.output(z);
    b.finish()
}

/// (b) RESIZE_BILINEAR align_corners=true on trivial axes: 1×5 → 6×5 (1→N and N→N), then
/// 6×5 → 6×5. Both become exact with just the flag cleared.
fn resize_bilinear_trivial() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x", &[1, 1, 5, 4]));
    let size = b.add(const_i32("size", &[2], &[6, 5]));
    let y = b.add(f32_tensor("y", &[1, 6, 5, 4]));
    b.op(B::RESIZE_BILINEAR, &[x, size], &[y]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    let z = b.add(f32_tensor("z", &[1, 6, 5, 4]));
    b.op(B::RESIZE_BILINEAR, &[y, size], &[z]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    b.output(z);
    b.finish()
}

/// (b') The same chain in uint8 (as DeepLab's 1×1 → 65×65 and 65 → 65 resizes are).
fn resize_bilinear_trivial_u8() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::UINT8, &[1, 1, 5, 16]).quant(0.1, 128));
    let size = b.add(const_i32("size", &[2], &[6, 5]));
    let y = b.add(tensor("y", T::UINT8, &[1, 6, 5, 16]).quant(0.1, 128));
    b.op(B::RESIZE_BILINEAR, &[x, size], &[y]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    let z = b.add(tensor("z", T::UINT8, &[1, 6, 5, 16]).quant(0.1, 128));
    b.op(B::RESIZE_BILINEAR, &[y, size], &[z]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    b.output(z);
    b.finish()
}

/// (b'') Float RESIZE_BILINEAR align_corners=true 1×1 → 7×7 (both axes 1→N).
fn resize_bilinear_1x1() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x", &[1, 1, 1, 8]));
    let size = b.add(const_i32("size", &[2], &[7, 7]));
    let y = b.add(f32_tensor("y", &[1, 7, 7, 8]));
    b.op(B::RESIZE_BILINEAR, &[x, size], &[y]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    b.output(y);
    b.finish()
}

/// (c) RESIZE_NEAREST_NEIGHBOR align_corners=true 5→9: nearest neighbour rounds the source
/// coordinate with align_corners and floors it without, so no exact rewrite exists.
fn resize_nearest_nontrivial() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x", &[1, 5, 5, 3]));
    let size = b.add(const_i32("size", &[2], &[9, 9]));
    let y = b.add(f32_tensor("y", &[1, 9, 9, 3]));
    b.op(B::RESIZE_NEAREST_NEIGHBOR, &[x, size], &[y])
        .options(opts!(ResizeNearestNeighborOptions { align_corners: true }));
    b.output(y);
    b.finish()
}

/// (c') RESIZE_NEAREST_NEIGHBOR align_corners=true 1×5 → 4×5: trivial axes only, rewritten.
fn resize_nearest_trivial() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x", &[1, 1, 5, 3]));
    let size = b.add(const_i32("size", &[2], &[4, 5]));
    let y = b.add(f32_tensor("y", &[1, 4, 5, 3]));
    b.op(B::RESIZE_NEAREST_NEIGHBOR, &[x, size], &[y])
        .options(opts!(ResizeNearestNeighborOptions { align_corners: true }));
    b.output(y);
    b.finish()
}

/// (d) ARG_MAX with an int64 output on float input ("NNAPI only supports int32 output.").
fn argmax_int64() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x", &[1, 8, 8, 5]));
    let axis = b.add(const_i32("axis", &[1], &[3]));
    let y = b.add(tensor("class_map", T::INT64, &[1, 8, 8]));
    b.op(B::ARG_MAX, &[x, axis], &[y]).options(opts!(ArgMaxOptions { output_type: T::INT64 }));
    b.output(y);
    b.finish()
}

/// (e) PAD with int64 paddings, TRANSPOSE with an int64 perm and MEAN with int64 axes: NNAPI
/// has no int64 operands, so building the NNAPI model fails.
fn int64_operands() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x", &[1, 4, 6, 3]));
    let paddings = b.add(const_i64("paddings", &[4, 2], &[0, 0, 1, 1, 2, 2, 0, 0]));
    let padded = b.add(f32_tensor("padded", &[1, 6, 10, 3]));
    b.op(B::PAD, &[x, paddings], &[padded]).options(opts!(PadOptions {}));
    let perm = b.add(const_i64("perm", &[4], &[0, 2, 1, 3]));
    let transposed = b.add(f32_tensor("transposed", &[1, 10, 6, 3]));
    b.op(B::TRANSPOSE, &[padded, perm], &[transposed]).options(opts!(TransposeOptions {}));
    let axes = b.add(const_i64("axes", &[2], &[1, 2]));
    let mean = b.add(f32_tensor("mean", &[1, 1, 1, 3]));
    b.op(B::MEAN, &[transposed, axes], &[mean]).options(opts!(ReducerOptions { keep_dims: true }));
    b.output(transposed);
    b.output(mean);
    b.finish()
}

/// (e') PAD alone with int64 paddings (TFLite runs this original on both backends).
fn pad_int64() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x", &[1, 4, 6, 3]));
    let paddings = b.add(const_i64("paddings", &[4, 2], &[0, 0, 1, 2, 3, 0, 0, 0]));
    let y = b.add(f32_tensor("padded", &[1, 7, 9, 3]));
    b.op(B::PAD, &[x, paddings], &[y]).options(opts!(PadOptions {}));
    b.output(y);
    b.finish()
}

/// (e'') TRANSPOSE alone with an int64 perm (TFLite's builtin kernel runs this original; the
/// XNNPACK delegate claims the node and then fails to prepare it).
fn transpose_int64() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x", &[1, 4, 6, 3]));
    let perm = b.add(const_i64("perm", &[4], &[0, 2, 1, 3]));
    let y = b.add(f32_tensor("transposed", &[1, 6, 4, 3]));
    b.op(B::TRANSPOSE, &[x, perm], &[y]).options(opts!(TransposeOptions {}));
    b.output(y);
    b.finish()
}

/// (f) CONV_2D with the bias omitted (only input and filter), float: "Conv2D with omitted bias
/// not supported". (A -1 bias slot passes the delegate's input count check, so it is not used.)
fn conv_no_bias_float() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("x", &[1, 8, 8, 3]));
    let w = b.add(const_f32("w", &[4, 3, 3, 3], &pseudo_random(4 * 3 * 3 * 3, 1)));
    let y = b.add(f32_tensor("y", &[1, 8, 8, 4]));
    b.op(B::CONV_2D, &[x, w], &[y]).options(opts!(Conv2DOptions {
        padding: Padding::SAME,
        stride_w: 1,
        stride_h: 1,
        dilation_w_factor: 1,
        dilation_h_factor: 1,
    }));
    b.output(y);
    b.finish()
}

/// (f') CONV_2D with the bias omitted, uint8 with per-tensor quantization: the zero bias is int32
/// with scale input_scale·filter_scale.
fn conv_no_bias_uint8() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::UINT8, &[1, 8, 8, 3]).quant(0.05, 128));
    let weights: Vec<u8> = pseudo_random(4 * 3 * 3 * 3, 2).iter().map(|v| (128.0 + v * 120.0).round() as u8).collect();
    let w = b.add(const_u8("w", &[4, 3, 3, 3], &weights).quant(0.02, 128));
    let y = b.add(tensor("y", T::UINT8, &[1, 8, 8, 4]).quant(1.0, 128));
    b.op(B::CONV_2D, &[x, w], &[y]).options(opts!(Conv2DOptions {
        padding: Padding::SAME,
        stride_w: 1,
        stride_h: 1,
        dilation_w_factor: 1,
        dilation_h_factor: 1,
    }));
    b.output(y);
    b.finish()
}

/// (g) uint8 global AVERAGE_POOL_2D n×n (20×20 = 400 and 17×17 = 289 > 256 elements): "Large
/// filter window would overflow on the reference CPU path". Becomes MEAN at ≥ 29. Both parities
/// matter: MEAN rounds ties differently in XNNPACK and in the builtin kernel.
fn avgpool_global(n: i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::UINT8, &[1, n, n, 64]).quant(0.1, 100));
    let y = b.add(tensor("y", T::UINT8, &[1, 1, 1, 64]).quant(0.1, 100));
    b.op(B::AVERAGE_POOL_2D, &[x], &[y]).options(opts!(Pool2DOptions {
        padding: Padding::VALID,
        stride_w: 1,
        stride_h: 1,
        filter_width: n,
        filter_height: n,
    }));
    b.output(y);
    b.finish()
}

/// (g') uint8 AVERAGE_POOL_2D 20×16 (320 elements), VALID, stride 2, not global: only the separable
/// form (20×1 then 1×16) applies.
fn avgpool_separable() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::UINT8, &[1, 24, 20, 64]).quant(0.1, 100));
    let y = b.add(tensor("y", T::UINT8, &[1, 3, 3, 64]).quant(0.1, 100));
    b.op(B::AVERAGE_POOL_2D, &[x], &[y]).options(opts!(Pool2DOptions {
        padding: Padding::VALID,
        stride_w: 2,
        stride_h: 2,
        filter_width: 16,
        filter_height: 20,
    }));
    b.output(y);
    b.finish()
}

/// The tail that `fix --cut tail` removes from Google's DeepLab (pascal 513) at API 28: two
/// align_corners resizes (65→65, 65→513) of the uint8 logits, with the logits' quantization. The
/// Python test runs it on the cut model's output to rebuild the class map as an app would.
fn deeplab_tail() -> Vec<u8> {
    let (scale, zero_point) = (0.201_498_37_f32, 36);
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("logits/semantic/BiasAdd", T::UINT8, &[1, 65, 65, 21]).quant(scale, zero_point));
    let s65 = b.add(const_i32("size_65", &[2], &[65, 65]));
    let y = b.add(tensor("ResizeBilinear_1", T::UINT8, &[1, 65, 65, 21]).quant(scale, zero_point));
    b.op(B::RESIZE_BILINEAR, &[x, s65], &[y]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    let s513 = b.add(const_i32("size_513", &[2], &[513, 513]));
    let z = b.add(tensor("ResizeBilinear_2", T::UINT8, &[1, 513, 513, 21]).quant(scale, zero_point));
    b.op(B::RESIZE_BILINEAR, &[y, s513], &[z]).options(opts!(ResizeBilinearOptions { align_corners: true }));
    b.output(z);
    b.finish()
}

type Fixture = (&'static str, fn() -> Vec<u8>);

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "tests/python/fixtures".into()));
    std::fs::create_dir_all(&dir)?;
    let models: [Fixture; 17] = [
        ("resize_bilinear_ac_9to33.tflite", resize_bilinear_crop),
        ("resize_bilinear_ac_9to33_argmax.tflite", resize_bilinear_crop_argmax),
        ("resize_bilinear_ac_trivial.tflite", resize_bilinear_trivial),
        ("resize_bilinear_ac_trivial_u8.tflite", resize_bilinear_trivial_u8),
        ("resize_bilinear_ac_1x1.tflite", resize_bilinear_1x1),
        ("resize_nearest_ac_5to9.tflite", resize_nearest_nontrivial),
        ("resize_nearest_ac_trivial.tflite", resize_nearest_trivial),
        ("argmax_int64.tflite", argmax_int64),
        ("int64_pad_transpose_mean.tflite", int64_operands),
        ("int64_pad.tflite", pad_int64),
        ("int64_transpose.tflite", transpose_int64),
        ("conv_no_bias_float.tflite", conv_no_bias_float),
        ("conv_no_bias_uint8.tflite", conv_no_bias_uint8),
        ("avgpool_u8_20x20_global.tflite", || avgpool_global(20)),
        ("avgpool_u8_17x17_global.tflite", || avgpool_global(17)),
        ("avgpool_u8_20x16_valid.tflite", avgpool_separable),
        ("deeplab_tail_resizes.tflite", deeplab_tail),
    ];
    for (name, make) in models {
        let bytes = make();
        delegate_doctor::model::read(&bytes).map_err(|e| std::io::Error::other(format!("{name}: {e}")))?;
        std::fs::write(dir.join(name), bytes)?;
    }
    println!("wrote {} models to {}", models.len(), dir.display());
    Ok(())
}
