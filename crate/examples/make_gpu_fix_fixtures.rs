//! Writes the models tests/python/test_gpu_fixes.py feeds to `delegate-doctor fix --delegate
//! gpu|litert-gpu` and runs, original against fixed, in the real interpreter, into the directory
//! given as the first argument, with `manifest.json` (per model: whether the dilated-conv fix
//! applies, and with which padding).
//!
//!     cargo run -q --example make_gpu_fix_fixtures -- DIR
//!
//! Each model is an atrous convolution in the converter's form SPACE_TO_BATCH_ND → CONV_2D or
//! DEPTHWISE_CONV_2D (VALID) → BATCH_TO_SPACE_ND, with the paddings and crops TensorFlow computes
//! (`required_space_to_batch_paddings`: the SAME padding of the dilated kernel, then extra padding
//! at the end so the padded size divides by the block, cropped off again).

use delegate_doctor::builder::{const_bytes, const_f32, const_i32, tensor, ModelBuilder, TensorSpec};
use delegate_doctor::model::{BuiltinOperator as B, TensorType as T};
use delegate_doctor::opts;
use serde_json::json;
use tflite_schema::tflite::Padding;

/// Deterministic pseudo-random values in [-1, 1).
fn pseudo_random(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Pads {
    /// TensorFlow's SAME paddings and crops.
    Same,
    /// VALID: only the extra end padding, cropped off again.
    Valid,
    /// Paddings that are neither (the fix must refuse).
    Skewed,
}

#[derive(Clone, Copy)]
struct Spec {
    quantized: bool,
    depthwise: bool,
    hw: [i32; 2],
    channels: i32,
    kernel: [i32; 2],
    block: [i32; 2],
    pads: Pads,
    /// ADD ops before and after the chain (accepted ops around it).
    surrounded: bool,
}

/// (paddings, crops) of one axis.
fn axis_pads(size: i32, k: i32, d: i32, pads: Pads) -> ([i32; 2], [i32; 2]) {
    let span = (k - 1) * d;
    let (start, end) = match pads {
        Pads::Same => (span / 2, span - span / 2),
        Pads::Valid => (0, 0),
        Pads::Skewed => (span / 2 + 1, span - span / 2 + 1),
    };
    let extra = (d - (size + start + end) % d) % d;
    ([start, end + extra], [0, extra])
}

fn act(name: &str, s: &Spec, shape: &[i32], scale: f32, zp: i64) -> TensorSpec {
    if s.quantized {
        tensor(name, T::UINT8, shape).quant(scale, zp)
    } else {
        tensor(name, T::FLOAT32, shape)
    }
}

/// Filter and bias constants of the convolution.
fn weights(b: &mut ModelBuilder, s: &Spec, cout: i32, seed: u64) -> (i32, i32) {
    let [kh, kw] = s.kernel;
    let shape = if s.depthwise { vec![1, kh, kw, cout] } else { vec![cout, kh, kw, s.channels] };
    let n: i32 = shape.iter().product();
    let w = pseudo_random(n as usize, seed);
    let bias = pseudo_random(cout as usize, seed + 1);
    if s.quantized {
        let wq: Vec<u8> = w.iter().map(|v| (v * 120.0 + 128.0) as u8).collect();
        let bq: Vec<u8> = bias.iter().flat_map(|v| ((v * 400.0) as i32).to_le_bytes()).collect();
        let wt = b.add(const_bytes("w", T::UINT8, &shape, &wq).quant(0.01, 128));
        let bt = b.add(const_bytes("b", T::INT32, &[cout], &bq).quant(0.05 * 0.01, 0));
        (wt, bt)
    } else {
        (b.add(const_f32("w", &shape, &w)), b.add(const_f32("b", &[cout], &bias)))
    }
}

fn surrounding_add(b: &mut ModelBuilder, s: &Spec, x: i32, shape: &[i32], name: &str) -> i32 {
    let c = if s.quantized {
        b.add(const_bytes(&format!("{name}_c"), T::UINT8, &[1], &[140]).quant(0.05, 128))
    } else {
        b.add(const_f32(&format!("{name}_c"), &[1], &[0.25]))
    };
    let y = b.add(act(name, s, shape, 0.05, 128));
    b.op(B::ADD, &[x, c], &[y]).options(opts!(AddOptions {}));
    y
}

fn atrous(s: Spec) -> Vec<u8> {
    let [h, w] = s.hw;
    let (ph, ch) = axis_pads(h, s.kernel[0], s.block[0], s.pads);
    let (pw, cw) = axis_pads(w, s.kernel[1], s.block[1], s.pads);
    let cout = if s.depthwise { s.channels } else { 4 };
    let batch = s.block[0] * s.block[1];
    let (hs, ws) = ((h + ph[0] + ph[1]) / s.block[0], (w + pw[0] + pw[1]) / s.block[1]);
    let (ho, wo) = (hs - s.kernel[0] + 1, ws - s.kernel[1] + 1);
    let (hb, wb) = (ho * s.block[0] - ch[0] - ch[1], wo * s.block[1] - cw[0] - cw[1]);

    let mut b = ModelBuilder::new();
    let mut x = b.input(act("x", &s, &[1, h, w, s.channels], 0.05, 128));
    if s.surrounded {
        x = surrounding_add(&mut b, &s, x, &[1, h, w, s.channels], "pre");
    }
    let block = b.add(const_i32("block", &[2], &s.block));
    let paddings = b.add(const_i32("paddings", &[2, 2], &[ph[0], ph[1], pw[0], pw[1]]));
    let crops = b.add(const_i32("crops", &[2, 2], &[ch[0], ch[1], cw[0], cw[1]]));
    let batched = b.add(act("s2b", &s, &[batch, hs, ws, s.channels], 0.05, 128));
    b.op(B::SPACE_TO_BATCH_ND, &[x, block, paddings], &[batched]);
    let (wt, bt) = weights(&mut b, &s, cout, 7);
    let conv = b.add(act("conv", &s, &[batch, ho, wo, cout], 0.1, 100));
    if s.depthwise {
        b.op(B::DEPTHWISE_CONV_2D, &[batched, wt, bt], &[conv]).options(opts!(DepthwiseConv2DOptions {
            padding: Padding::VALID,
            stride_w: 1,
            stride_h: 1,
            depth_multiplier: 1,
            dilation_w_factor: 1,
            dilation_h_factor: 1
        }));
    } else {
        b.op(B::CONV_2D, &[batched, wt, bt], &[conv]).options(opts!(Conv2DOptions {
            padding: Padding::VALID,
            stride_w: 1,
            stride_h: 1,
            dilation_w_factor: 1,
            dilation_h_factor: 1
        }));
    }
    let mut y = b.add(act("y", &s, &[1, hb, wb, cout], 0.1, 100));
    b.op(B::BATCH_TO_SPACE_ND, &[conv, block, crops], &[y]);
    if s.surrounded {
        y = surrounding_add(&mut b, &s, y, &[1, hb, wb, cout], "post");
    }
    b.output(y);
    b.finish()
}

fn spec(quantized: bool, depthwise: bool, hw: [i32; 2], kernel: [i32; 2], block: [i32; 2], pads: Pads) -> Spec {
    Spec { quantized, depthwise, hw, channels: if depthwise { 8 } else { 3 }, kernel, block, pads, surrounded: false }
}

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).ok_or_else(|| std::io::Error::other("usage: make_gpu_fix_fixtures DIR"))?);
    std::fs::create_dir_all(&dir)?;
    let (f, u) = (false, true);
    let cases: Vec<(&str, Spec)> = vec![
        ("conv_f32_d2_16_same", spec(f, false, [16, 16], [3, 3], [2, 2], Pads::Same)),
        ("conv_f32_d2_15_same", spec(f, false, [15, 15], [3, 3], [2, 2], Pads::Same)),
        ("conv_f32_d3_k2_10x11_same_uneven", spec(f, false, [10, 11], [2, 2], [3, 3], Pads::Same)),
        ("conv_f32_d2x3_13x17_same", spec(f, false, [13, 17], [3, 3], [2, 3], Pads::Same)),
        ("conv_f32_d2_16_valid", spec(f, false, [16, 16], [3, 3], [2, 2], Pads::Valid)),
        ("conv_f32_d4_21_valid", spec(f, false, [21, 21], [3, 3], [4, 4], Pads::Valid)),
        ("dw_f32_d2_16_same", spec(f, true, [16, 16], [3, 3], [2, 2], Pads::Same)),
        ("dw_f32_d4_19_same", spec(f, true, [19, 19], [3, 3], [4, 4], Pads::Same)),
        ("dw_f32_d3_k2_11_same_uneven", spec(f, true, [11, 11], [2, 2], [3, 3], Pads::Same)),
        ("dw_f32_d2_15_valid", spec(f, true, [15, 15], [3, 3], [2, 2], Pads::Valid)),
        ("conv_u8_d2_16_same", spec(u, false, [16, 16], [3, 3], [2, 2], Pads::Same)),
        ("conv_u8_d3_k2_10_same_uneven", spec(u, false, [10, 10], [2, 2], [3, 3], Pads::Same)),
        ("conv_u8_d2_15_valid", spec(u, false, [15, 15], [3, 3], [2, 2], Pads::Valid)),
        ("dw_u8_d2_17_same", spec(u, true, [17, 17], [3, 3], [2, 2], Pads::Same)),
        ("dw_u8_d4_33_same", spec(u, true, [33, 33], [3, 3], [4, 4], Pads::Same)),
        ("dw_u8_d2_16_valid", spec(u, true, [16, 16], [3, 3], [2, 2], Pads::Valid)),
        ("conv_f32_d2_16_same_surrounded", Spec { surrounded: true, ..spec(f, false, [16, 16], [3, 3], [2, 2], Pads::Same) }),
        ("dw_u8_d2_16_same_surrounded", Spec { surrounded: true, ..spec(u, true, [16, 16], [3, 3], [2, 2], Pads::Same) }),
        ("conv_f32_d2_12_skewed", spec(f, false, [12, 12], [3, 3], [2, 2], Pads::Skewed)),
    ];
    let mut manifest = Vec::new();
    for (name, s) in cases {
        let bytes = atrous(s);
        delegate_doctor::model::read(&bytes).map_err(|e| std::io::Error::other(format!("{name}: {e}")))?;
        let file = format!("{name}.tflite");
        std::fs::write(dir.join(&file), bytes)?;
        let padding = match s.pads {
            Pads::Same => json!("SAME"),
            Pads::Valid => json!("VALID"),
            Pads::Skewed => json!(null),
        };
        manifest.push(json!({"file": file, "quantized": s.quantized, "depthwise": s.depthwise,
                             "block": s.block, "folds": s.pads != Pads::Skewed, "padding": padding}));
    }
    let text = serde_json::to_string_pretty(&manifest).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("manifest.json"), text)
}
