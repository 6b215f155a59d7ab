//! Writes the small fp16-weight models that tests/python/test_fp16.py checks with the real TFLite
//! interpreter. Run from the repository root with the directory to write into:
//!
//!     cargo run -q --example make_fp16_fixtures -- DIR
//!
//! * `fp16_full`, `fp16_islands`: fp16-weight stacks as the converter writes them (every float
//!   constant stored as float16 and read through a DEQUANTIZE): all ops supported (the delegate
//!   takes everything), and four NNAPI partitions of 4, 3, 2 and 1 ops split by SQUAREs;
//! * `dropped_<op>`: TANH, TANH, CUMSUM, then one op reading fp16 weights through DEQUANTIZE. With
//!   `--max-delegated-partitions 1` the delegate drops that op's partition and it goes back to the
//!   CPU still reading the float16 constants (tflite/delegates/utils.cc,
//!   `FP16GraphPartitionHelper::RemapFp16InputTensors`). The Python test rewires the op the same
//!   way and runs the builtin kernels' Prepare on it.
//!
//! The output is deterministic (same bytes on every run).

use delegate_doctor::builder::{const_f16, const_f32, const_i32, tensor, ModelBuilder, TensorSpec};
use delegate_doctor::model::{BuiltinOperator as B, BuiltinOptionsT, TensorType as T};
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

fn conv_options() -> BuiltinOptionsT {
    opts!(Conv2DOptions { padding: Padding::SAME, stride_w: 1, stride_h: 1, dilation_w_factor: 1, dilation_h_factor: 1 })
}

fn depthwise_options() -> BuiltinOptionsT {
    opts!(DepthwiseConv2DOptions {
        padding: Padding::SAME,
        stride_w: 1,
        stride_h: 1,
        depth_multiplier: 1,
        dilation_w_factor: 1,
        dilation_h_factor: 1,
    })
}

/// A float16 constant and the DEQUANTIZE that turns it into float32; returns the float32 tensor.
fn dequantized(b: &mut ModelBuilder, name: &str, shape: &[i32], seed: u64) -> i32 {
    let n = shape.iter().product::<i32>() as usize;
    let w = b.add(const_f16(name, shape, &pseudo_random(n, seed)));
    let out = b.add(f32_tensor(&format!("{name}_dequantize"), shape));
    b.op(B::DEQUANTIZE, &[w], &[out]);
    out
}

/// Layers of an fp16-weight convolution stack on an 8×8×C activation.
struct Stack {
    b: ModelBuilder,
    x: i32,
    channels: i32,
    seed: u64,
    layer: usize,
}

impl Stack {
    fn new(channels: i32) -> Stack {
        let mut b = ModelBuilder::new();
        let x = b.input(f32_tensor("input", &[1, 8, 8, channels]));
        Stack { b, x, channels, seed: 1, layer: 0 }
    }

    fn next(&mut self, op: &str) -> i32 {
        self.layer += 1;
        self.b.add(f32_tensor(&format!("{op}_{}", self.layer), &[1, 8, 8, self.channels]))
    }

    fn weights(&mut self, name: &str, shape: &[i32]) -> i32 {
        self.seed += 1;
        let name = format!("{name}_{}", self.layer);
        dequantized(&mut self.b, &name, shape, self.seed)
    }

    fn conv(&mut self) -> &mut Self {
        let c = self.channels;
        let y = self.next("conv");
        let w = self.weights("conv/kernel", &[c, 3, 3, c]);
        let bias = self.weights("conv/bias", &[c]);
        self.b.op(B::CONV_2D, &[self.x, w, bias], &[y]).options(conv_options());
        self.x = y;
        self
    }

    fn depthwise(&mut self) -> &mut Self {
        let c = self.channels;
        let y = self.next("depthwise");
        let w = self.weights("depthwise/kernel", &[1, 3, 3, c]);
        let bias = self.weights("depthwise/bias", &[c]);
        self.b.op(B::DEPTHWISE_CONV_2D, &[self.x, w, bias], &[y]).options(depthwise_options());
        self.x = y;
        self
    }

    fn unary(&mut self, code: B, name: &str) -> &mut Self {
        let y = self.next(name);
        self.b.op(code, &[self.x], &[y]);
        self.x = y;
        self
    }

    /// RELU: NNAPI runs it at every level.
    fn relu(&mut self) -> &mut Self {
        self.unary(B::RELU, "relu")
    }

    /// SQUARE: the NNAPI delegate has no case for it ("Unsupported operation type."), so it stays
    /// on the CPU and splits the graph.
    fn square(&mut self) -> &mut Self {
        self.unary(B::SQUARE, "square")
    }

    fn finish(&mut self) -> Vec<u8> {
        self.b.output(self.x);
        self.b.finish()
    }
}

/// Scenario 1 of FP16GraphPartitionHelper: every op but the DEQUANTIZEs is supported, so the
/// delegate takes all nodes, DEQUANTIZEs included, into one kernel.
fn full() -> Vec<u8> {
    Stack::new(4).conv().relu().depthwise().relu().conv().finish()
}

/// Scenario 2: SQUAREs split the supported ops into four partitions of 4, 3, 2 and 1 nodes. With
/// `--max-delegated-partitions 3` the 1-node partition (a DEPTHWISE_CONV_2D) goes back to the CPU
/// still reading its fp16 constants; with 2, the CONV_2D + RELU partition goes back too.
fn islands() -> Vec<u8> {
    Stack::new(4)
        .conv()
        .relu()
        .conv()
        .relu()
        .square()
        .depthwise()
        .relu()
        .conv()
        .square()
        .conv()
        .relu()
        .square()
        .depthwise()
        .finish()
}

/// input → TANH → TANH → CUMSUM → `tail`: with `--max-delegated-partitions 1` the delegate keeps
/// the two TANHs and drops the one-op partition of the tail's op, which goes back to the CPU still
/// reading its fp16 constants (the situation test_fp16.py re-creates for the real interpreter).
/// CUMSUM has no case in the NNAPI delegate, so it stays on the CPU; the values stay signed (a
/// PRELU only shows a misread alpha on negative inputs).
fn dropped(shape: &[i32], tail: impl FnOnce(&mut ModelBuilder, i32) -> i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(f32_tensor("input", shape));
    let mut t = x;
    for name in ["tanh_1", "tanh_2"] {
        let y = b.add(f32_tensor(name, shape));
        b.op(B::TANH, &[t], &[y]);
        t = y;
    }
    let axis = b.add(const_i32("cumsum/axis", &[], &[shape.len() as i32 - 1]));
    let y = b.add(f32_tensor("cumsum", shape));
    b.op(B::CUMSUM, &[t, axis], &[y]).options(opts!(CumsumOptions {}));
    let out = tail(&mut b, y);
    b.output(out);
    b.finish()
}

const ACT: [i32; 4] = [1, 8, 8, 4];

fn float_const(b: &mut ModelBuilder, name: &str, shape: &[i32], seed: u64) -> i32 {
    b.add(const_f32(name, shape, &pseudo_random(shape.iter().product::<i32>() as usize, seed)))
}

/// CONV_2D with an fp16 filter and bias (as the converter writes it).
fn dropped_conv() -> Vec<u8> {
    dropped(&ACT, |b, x| {
        let w = dequantized(b, "conv/kernel", &[4, 3, 3, 4], 2);
        let bias = dequantized(b, "conv/bias", &[4], 3);
        let y = b.add(f32_tensor("conv", &ACT));
        b.op(B::CONV_2D, &[x, w, bias], &[y]).options(conv_options());
        y
    })
}

/// CONV_2D with a float32 filter and an fp16 bias.
fn dropped_conv_bias_only() -> Vec<u8> {
    dropped(&ACT, |b, x| {
        let w = float_const(b, "conv/kernel", &[4, 3, 3, 4], 2);
        let bias = dequantized(b, "conv/bias", &[4], 3);
        let y = b.add(f32_tensor("conv", &ACT));
        b.op(B::CONV_2D, &[x, w, bias], &[y]).options(conv_options());
        y
    })
}

/// CONV_2D with an fp16 filter but a float32 bias: conv.cc never checks the filter type.
fn dropped_conv_filter_only() -> Vec<u8> {
    dropped(&ACT, |b, x| {
        let w = dequantized(b, "conv/kernel", &[4, 3, 3, 4], 2);
        let bias = float_const(b, "conv/bias", &[4], 3);
        let y = b.add(f32_tensor("conv", &ACT));
        b.op(B::CONV_2D, &[x, w, bias], &[y]).options(conv_options());
        y
    })
}

fn dropped_depthwise(filter_fp16: bool) -> Vec<u8> {
    dropped(&ACT, |b, x| {
        let w = if filter_fp16 {
            dequantized(b, "depthwise/kernel", &[1, 3, 3, 4], 4)
        } else {
            float_const(b, "depthwise/kernel", &[1, 3, 3, 4], 4)
        };
        let bias = dequantized(b, "depthwise/bias", &[4], 5);
        let y = b.add(f32_tensor("depthwise", &ACT));
        b.op(B::DEPTHWISE_CONV_2D, &[x, w, bias], &[y]).options(depthwise_options());
        y
    })
}

fn dropped_fully_connected(weights_fp16: bool) -> Vec<u8> {
    dropped(&[1, 8], |b, x| {
        let w = if weights_fp16 {
            dequantized(b, "fc/weights", &[4, 8], 6)
        } else {
            float_const(b, "fc/weights", &[4, 8], 6)
        };
        let bias = dequantized(b, "fc/bias", &[4], 7);
        let y = b.add(f32_tensor("fc", &[1, 4]));
        b.op(B::FULLY_CONNECTED, &[x, w, bias], &[y]).options(opts!(FullyConnectedOptions {}));
        y
    })
}

fn dropped_transpose_conv(weights_fp16: bool) -> Vec<u8> {
    dropped(&ACT, |b, x| {
        let shape = b.add(const_i32("output_shape", &[4], &[1, 16, 16, 4]));
        let w = if weights_fp16 {
            dequantized(b, "tconv/kernel", &[4, 3, 3, 4], 8)
        } else {
            float_const(b, "tconv/kernel", &[4, 3, 3, 4], 8)
        };
        let bias = dequantized(b, "tconv/bias", &[4], 9);
        let y = b.add(f32_tensor("tconv", &[1, 16, 16, 4]));
        b.op(B::TRANSPOSE_CONV, &[shape, w, x, bias], &[y])
            .version(3)
            .options(opts!(TransposeConvOptions { padding: Padding::SAME, stride_w: 2, stride_h: 2 }));
        y
    })
}

/// A binary elementwise op whose second operand is an fp16 constant.
fn dropped_binary(code: B) -> Vec<u8> {
    dropped(&ACT, |b, x| {
        let name = delegate_doctor::model::op_name(code).to_lowercase();
        let c = dequantized(b, &format!("{name}/constant"), &[4], 10);
        let y = b.add(f32_tensor(&name, &ACT));
        let op = b.op(code, &[x, c], &[y]);
        match code {
            B::ADD => op.options(opts!(AddOptions {})),
            B::SUB => op.options(opts!(SubOptions {})),
            B::MUL => op.options(opts!(MulOptions {})),
            B::DIV => op.options(opts!(DivOptions {})),
            _ => op,
        };
        y
    })
}

fn dropped_concatenation() -> Vec<u8> {
    dropped(&ACT, |b, x| {
        let c = dequantized(b, "concat/constant", &[1, 8, 8, 2], 11);
        let y = b.add(f32_tensor("concat", &[1, 8, 8, 6]));
        b.op(B::CONCATENATION, &[x, c], &[y]).options(opts!(ConcatenationOptions { axis: 3 }));
        y
    })
}

fn dropped_padv2() -> Vec<u8> {
    dropped(&ACT, |b, x| {
        let pads = b.add(const_i32("pad/paddings", &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]));
        let value = dequantized(b, "pad/value", &[], 12);
        let y = b.add(f32_tensor("pad", &[1, 10, 10, 4]));
        b.op(B::PADV2, &[x, pads, value], &[y]).options(opts!(PadV2Options {}));
        y
    })
}

/// PRELU with an fp16 alpha: its Prepare does not check alpha's type.
fn dropped_prelu() -> Vec<u8> {
    dropped(&ACT, |b, x| {
        let alpha = dequantized(b, "prelu/alpha", &[1, 1, 4], 14);
        let y = b.add(f32_tensor("prelu", &ACT));
        b.op(B::PRELU, &[x, alpha], &[y]);
        y
    })
}

type Fixture = (&'static str, fn() -> Vec<u8>);

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).ok_or_else(|| std::io::Error::other("usage: make_fp16_fixtures DIR"))?);
    std::fs::create_dir_all(&dir)?;
    let models: [Fixture; 22] = [
        ("fp16_full.tflite", full),
        ("fp16_islands.tflite", islands),
        ("dropped_conv.tflite", dropped_conv),
        ("dropped_conv_bias_only.tflite", dropped_conv_bias_only),
        ("dropped_conv_filter_only.tflite", dropped_conv_filter_only),
        ("dropped_depthwise.tflite", || dropped_depthwise(true)),
        ("dropped_depthwise_bias_only.tflite", || dropped_depthwise(false)),
        ("dropped_fully_connected.tflite", || dropped_fully_connected(true)),
        ("dropped_fully_connected_bias_only.tflite", || dropped_fully_connected(false)),
        ("dropped_transpose_conv.tflite", || dropped_transpose_conv(true)),
        ("dropped_transpose_conv_bias_only.tflite", || dropped_transpose_conv(false)),
        ("dropped_add.tflite", || dropped_binary(B::ADD)),
        ("dropped_sub.tflite", || dropped_binary(B::SUB)),
        ("dropped_mul.tflite", || dropped_binary(B::MUL)),
        ("dropped_div.tflite", || dropped_binary(B::DIV)),
        ("dropped_maximum.tflite", || dropped_binary(B::MAXIMUM)),
        ("dropped_minimum.tflite", || dropped_binary(B::MINIMUM)),
        ("dropped_pow.tflite", || dropped_binary(B::POW)),
        ("dropped_squared_difference.tflite", || dropped_binary(B::SQUARED_DIFFERENCE)),
        ("dropped_concatenation.tflite", dropped_concatenation),
        ("dropped_padv2.tflite", dropped_padv2),
        ("dropped_prelu.tflite", dropped_prelu),
    ];
    for (name, make) in models {
        let bytes = make();
        delegate_doctor::model::read(&bytes).map_err(|e| std::io::Error::other(format!("{name}: {e}")))?;
        std::fs::write(dir.join(name), bytes)?;
    }
    println!("wrote {} models to {}", models.len(), dir.display());
    Ok(())
}
