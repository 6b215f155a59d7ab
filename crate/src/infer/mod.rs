//! In-page segmentation: runs a DeepLab-style `.tflite` model on one image with TFLite's own
//! arithmetic, so the class map is the one the real interpreter gives.
//!
//! # Route
//! We read the flatbuffer ourselves (`model.rs`) and run our own kernels rather than tract:
//! tract-tflite 0.23.9 cannot load the quantized DeepLab (no ARG_MAX, quantized ADD with different
//! scales fails), cannot be extended from outside, and its quantized arithmetic is not TFLite's;
//! running the dequantized model in float agrees with the real interpreter on only 44–88 % of
//! pixels (`../shared/reference/inference-findings.md`). A quantized network is a chain of integer
//! roundings, so faithfulness needs the same integer accumulators and the same requantization
//! rounding at every layer — which is what these kernels do, op by op, citing the TFLite kernel each
//! one follows. The op set is the DeepLab one (CONV_2D, DEPTHWISE_CONV_2D, ADD, AVERAGE_POOL_2D,
//! RESIZE_BILINEAR, CONCATENATION, ARG_MAX), what our fixes add (SLICE, MEAN, STRIDED_SLICE, PAD,
//! TRANSPOSE, …), the converter's atrous form (SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, convolutions
//! over a batch of images), the ends of full-integer models (QUANTIZE, DEQUANTIZE) and the float ops of
//! MediaPipe's selfie segmenters (fp16 weights folded at compile time, HARD_SWISH, LOGISTIC, MUL,
//! float MEAN, TRANSPOSE_CONV with bias and the custom `Convolution2DTransposeBias`; `mask.rs` for
//! their one-channel soft mask), in uint8, int8 and float32, on any number of typed inputs and
//! outputs (`Engine`); anything else is listed by
//! `program::compile` as not runnable. Keeping the engine this small also keeps its wasm small:
//! 0.14 MB gzip for the whole engine, where tract-tflite alone compiles to ≈ 0.94 MB gzip
//! (`../shared/reference/toolchain.md`), and the page's budget is 1.5 MB.

pub mod add;
pub mod argmax;
pub mod compare;
pub mod concat;
pub mod conv;
pub mod depthwise;
pub mod dequantize;
pub mod elementwise;
pub mod engine;
pub mod float_mean;
pub mod float_ops;
pub mod gemm;
pub mod layout;
pub mod mask;
pub mod mean;
pub mod photo;
pub mod pool;
pub mod program;
pub mod quant;
pub mod quantize;
pub mod resize;
pub mod simd;
pub mod slice;
pub mod space_batch;
pub mod tensor;
pub mod transpose_conv;

pub use engine::{ClassMap, Engine, Segmenter};
