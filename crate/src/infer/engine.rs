//! Runs a compiled program: `Engine` on typed tensors (any number of inputs and outputs), and
//! `Segmenter` on one RGB image, returning a class map.

use super::argmax::argmax_last;
use super::conv::Scratch;
use super::program::{compile, Element, Kernel, Program, Step, TensorInfo};
use super::tensor::{Buf, QParams};

/// Float models get `(pixel − MEAN) / STD`, DeepLab's convention (inputs in [−1, 1]).
pub const FLOAT_INPUT_MEAN: f32 = 127.5;
pub const FLOAT_INPUT_STD: f32 = 127.5;

/// A compiled model that runs on typed tensors.
#[derive(Debug)]
pub struct Engine {
    pub program: Program,
    scratch: Scratch,
    pool: Pool,
    /// Milliseconds per step of the last run, when a clock is set.
    pub step_ms: Vec<f64>,
    /// A millisecond clock for `step_ms` (`std::time` does not exist in wasm, so the caller gives one).
    pub clock: Option<fn() -> f64>,
}

/// A millisecond clock for native builds.
#[cfg(not(target_arch = "wasm32"))]
pub fn native_clock() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64() * 1e3
}

impl Engine {
    /// Reads and compiles a `.tflite` model; the error lists every operator that cannot run.
    pub fn new(bytes: &[u8]) -> Result<Engine, String> {
        let model = crate::model::read(bytes).map_err(|e| e.to_string())?;
        let program = compile(&model).map_err(|e| e.to_string())?;
        Ok(Engine { program, scratch: Scratch::default(), pool: Pool::default(), step_ms: Vec::new(), clock: None })
    }

    pub fn inputs(&self) -> &[TensorInfo] {
        &self.program.inputs
    }

    pub fn outputs(&self) -> &[TensorInfo] {
        &self.program.outputs
    }

    /// Milliseconds per kind of kernel in the last run (needs a clock), e.g. `("QuantConv 1×1", 12.5)`.
    pub fn profile(&self) -> Vec<(String, f64)> {
        let mut by_kind: Vec<(String, f64)> = Vec::new();
        for (step, ms) in self.program.steps.iter().zip(&self.step_ms) {
            let name = step.kernel.describe();
            match by_kind.iter_mut().find(|(k, _)| *k == name) {
                Some((_, t)) => *t += ms,
                None => by_kind.push((name, *ms)),
            }
        }
        by_kind.sort_by(|a, b| b.1.total_cmp(&a.1));
        by_kind
    }

    /// Runs the model on one buffer per input (in the model's order, each of its type and size);
    /// returns one buffer per output.
    pub fn run(&mut self, inputs: Vec<Buf>) -> Result<Vec<Buf>, String> {
        let mut bufs = self.run_graph(inputs, false)?;
        let outputs = self.program.outputs.iter().map(|o| {
            let b = std::mem::take(&mut bufs[o.index]);
            if o.element == Element::I8 { unshift_int8(b) } else { b }
        });
        Ok(outputs.collect())
    }

    /// Runs the graph and keeps every tensor (for comparing layer by layer with a reference).
    pub fn run_keeping_all(&mut self, inputs: Vec<Buf>) -> Result<Vec<Buf>, String> {
        let bufs = self.run_graph(inputs, true)?;
        let int8 = &self.program.int8;
        Ok(bufs.into_iter().enumerate().map(|(t, b)| if int8[t] { unshift_int8(b) } else { b }).collect())
    }

    fn check_inputs(&self, inputs: &[Buf]) -> Result<(), String> {
        let want = &self.program.inputs;
        if inputs.len() != want.len() {
            return Err(format!("the model takes {} inputs; {} were given", want.len(), inputs.len()));
        }
        for (info, buf) in want.iter().zip(inputs) {
            if buf.element() != Some(info.element) || buf.len() != info.len() {
                let got = buf.element().map_or("nothing", Element::name);
                return Err(format!(
                    "input \"{}\" needs {} {} values; {} {got} values were given",
                    info.name,
                    info.len(),
                    info.element.name(),
                    buf.len()
                ));
            }
        }
        Ok(())
    }

    fn run_graph(&mut self, inputs: Vec<Buf>, keep: bool) -> Result<Vec<Buf>, String> {
        self.check_inputs(&inputs)?;
        let mut bufs = vec![Buf::Empty; self.program.tensor_count];
        for (info, buf) in self.program.inputs.iter().zip(inputs) {
            bufs[info.index] = shift_int8(buf);
        }
        for (t, values) in &self.program.constants {
            bufs[*t] = shift_int8(values.clone());
        }
        self.step_ms.clear();
        for (s, step) in self.program.steps.iter().enumerate() {
            let started = self.clock.map(|now| now());
            let size = self.program.sizes[step.output];
            let out = run_step(step, &bufs, &mut self.scratch, &mut self.pool, size);
            if let (Some(now), Some(t0)) = (self.clock, started) {
                self.step_ms.push(now() - t0);
            }
            bufs[step.output] = out;
            if !keep {
                for &t in &step.inputs {
                    if self.program.last_use[t] == s {
                        self.pool.give(std::mem::take(&mut bufs[t]));
                    }
                }
            }
        }
        Ok(bufs)
    }
}

/// An int8 tensor as the kernels hold it: each value plus 128, as uint8 (`program::INT8_OFFSET`).
fn shift_int8(b: Buf) -> Buf {
    match b {
        Buf::I8(v) => Buf::U8(v.into_iter().map(|x| (x as u8) ^ 0x80).collect()),
        other => other,
    }
}

/// The int8 values of a shifted tensor.
fn unshift_int8(b: Buf) -> Buf {
    match b {
        Buf::U8(v) => Buf::I8(v.into_iter().map(|x| (x ^ 0x80) as i8).collect()),
        other => other,
    }
}

/// One class index per pixel, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassMap {
    pub width: usize,
    pub height: usize,
    pub classes: Vec<u8>,
}

/// What a segmenter's first output holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scores {
    /// Class indices ([1, h, w] or [1, h, w, 1] of int32/int64/uint8, e.g. from ARG_MAX).
    Classes,
    /// Per-class scores [1, h, w, classes]: the map is their argmax (first maximum, as ARG_MAX).
    Logits { classes: usize },
}

/// A model that segments one RGB image: input 0 is `[1, h, w, 3]` (uint8: the pixels as they are;
/// int8: the float input below, quantized with the input's parameters; float32:
/// `(p − 127.5) / 127.5`), output 0 holds classes or per-class scores.
#[derive(Debug)]
pub struct Segmenter {
    pub engine: Engine,
    width: usize,
    height: usize,
    scores: Scores,
}

impl std::ops::Deref for Segmenter {
    type Target = Engine;
    fn deref(&self) -> &Engine {
        &self.engine
    }
}

impl std::ops::DerefMut for Segmenter {
    fn deref_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }
}

impl Segmenter {
    /// Reads and compiles a `.tflite` model; the error lists every operator that cannot run, or
    /// says why the model is not an image segmenter.
    pub fn new(bytes: &[u8]) -> Result<Segmenter, String> {
        Segmenter::from_engine(Engine::new(bytes)?)
    }

    /// A compiled model as a segmenter, or why it is not one.
    pub fn from_engine(engine: Engine) -> Result<Segmenter, String> {
        let input = &engine.program.inputs[0];
        let shape = input.image_shape().filter(|s| s.c == 3);
        let Some(shape) = shape else {
            return Err(format!("the input \"{}\" has shape {:?}; an RGB image [1, height, width, 3] is needed", input.name, input.shape));
        };
        if input.element == Element::I32 || input.element == Element::I64 {
            return Err(format!("the input \"{}\" is {}; an image is uint8, int8 or float32", input.name, input.element.name()));
        }
        let scores = scores_of(&engine.program.outputs[0])?;
        Ok(Segmenter { engine, width: shape.w, height: shape.h, scores })
    }

    /// (width, height) of the images the model takes.
    pub fn input_size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    /// How many classes the class map can hold: the scores' channels; for class indices, 256.
    pub fn class_count(&self) -> usize {
        match self.scores {
            Scores::Logits { classes } => classes,
            Scores::Classes => self.engine.program.steps.iter().rev().find_map(|s| match &s.kernel {
                Kernel::ArgMax(a) => Some(a.classes),
                _ => None,
            }).unwrap_or(256),
        }
    }

    /// Whether the model takes a quantized (uint8 or int8) image.
    pub fn is_quantized(&self) -> bool {
        self.engine.program.inputs[0].element.is_quantized()
    }

    /// Segments packed RGB8 pixels of exactly the input size.
    pub fn run(&mut self, rgb: &[u8]) -> Result<ClassMap, String> {
        let mut outputs = self.engine.run(self.image_inputs(rgb)?)?;
        Ok(self.class_map(std::mem::take(&mut outputs[0])))
    }

    /// Runs the graph on an image and keeps every tensor.
    pub fn run_keeping_all(&mut self, rgb: &[u8]) -> Result<Vec<Buf>, String> {
        let inputs = self.image_inputs(rgb)?;
        self.engine.run_keeping_all(inputs)
    }

    /// The image as input 0, and zeros for any further inputs.
    fn image_inputs(&self, rgb: &[u8]) -> Result<Vec<Buf>, String> {
        let (w, h) = (self.width, self.height);
        if rgb.len() != w * h * 3 {
            return Err(format!("the image has {} bytes; {w}×{h} RGB needs {}", rgb.len(), w * h * 3));
        }
        let info = &self.engine.program.inputs[0];
        let normalized = || rgb.iter().map(|&p| (p as f32 - FLOAT_INPUT_MEAN) / FLOAT_INPUT_STD);
        let image = match (info.element, info.quant) {
            (Element::F32, _) => Buf::F32(normalized().collect()),
            (Element::I8, Some(q)) => Buf::I8(normalized().map(|v| quantize_i8(v, q)).collect()),
            _ => Buf::U8(rgb.to_vec()),
        };
        let rest = self.engine.program.inputs[1..].iter().map(zeros);
        Ok(std::iter::once(image).chain(rest).collect())
    }

    fn class_map(&self, out: Buf) -> ClassMap {
        let (w, h) = (self.width, self.height);
        let out_shape = &self.engine.program.outputs[0].shape;
        let (width, height) = (out_shape.get(2).copied().unwrap_or(w), out_shape.get(1).copied().unwrap_or(h));
        let classes = match (self.scores, out) {
            (Scores::Logits { classes }, Buf::U8(v)) => argmax_last(&v, classes),
            (Scores::Logits { classes }, Buf::I8(v)) => argmax_last(&v, classes),
            (Scores::Logits { classes }, Buf::F32(v)) => argmax_last(&v, classes),
            (_, Buf::U8(v)) => v,
            (_, Buf::I32(v)) => v.iter().map(|&c| c.clamp(0, 255) as u8).collect(),
            (_, Buf::I64(v)) => v.iter().map(|&c| c.clamp(0, 255) as u8).collect(),
            _ => vec![0; width * height],
        };
        ClassMap { width, height, classes }
    }
}

/// How output 0 of a segmenter is read as a class map.
fn scores_of(out: &TensorInfo) -> Result<Scores, String> {
    let integer = matches!(out.element, Element::I32 | Element::I64);
    match (out.shape.as_slice(), integer) {
        ([1, _, _], true) | ([1, _, _, 1], true) => Ok(Scores::Classes),
        ([1, _, _, c], false) => Ok(Scores::Logits { classes: *c }),
        _ => Err(format!(
            "the output \"{}\" is {}{:?}; a class map [1, height, width] or per-class scores [1, height, width, classes] is needed",
            out.name,
            out.element.name(),
            out.shape
        )),
    }
}

/// TFLite's QUANTIZE of one float: `round(v / scale) + zero point` (half away from zero), clamped.
pub fn quantize_i8(v: f32, q: QParams) -> i8 {
    ((v / q.scale).round() as i32 + q.zero_point).clamp(-128, 127) as i8
}

/// A zero-filled buffer for an input.
fn zeros(info: &TensorInfo) -> Buf {
    let n = info.len();
    match info.element {
        Element::U8 => Buf::U8(vec![0; n]),
        Element::I8 => Buf::I8(vec![0; n]),
        Element::F32 => Buf::F32(vec![0.0; n]),
        Element::I32 => Buf::I32(vec![0; n]),
        Element::I64 => Buf::I64(vec![0; n]),
    }
}

/// Buffers of freed tensors, kept for later steps and runs: a buffer of the same length needs no
/// allocation and no zero fill (the kernels overwrite every value).
#[derive(Debug, Default)]
struct Pool {
    u8s: Vec<Vec<u8>>,
    f32s: Vec<Vec<f32>>,
}

impl Pool {
    fn give(&mut self, b: Buf) {
        match b {
            Buf::U8(v) => self.u8s.push(v),
            Buf::F32(v) => self.f32s.push(v),
            Buf::I8(_) | Buf::I32(_) | Buf::I64(_) | Buf::Empty => {}
        }
    }

    fn u8(&mut self, n: usize) -> Vec<u8> {
        take_fitting(&mut self.u8s, n)
    }

    fn f32(&mut self, n: usize) -> Vec<f32> {
        take_fitting(&mut self.f32s, n)
    }
}

/// A buffer of exactly `n` values if there is one, else the roomiest, else a new one.
fn take_fitting<T>(list: &mut Vec<Vec<T>>, n: usize) -> Vec<T> {
    let exact = list.iter().position(|v| v.len() == n);
    let pick = exact.or_else(|| (0..list.len()).max_by_key(|&i| list[i].capacity()));
    pick.map(|i| list.swap_remove(i)).unwrap_or_default()
}

/// Runs `f` on a recycled uint8 buffer of `size` values and returns it as a tensor.
fn into_u8(pool: &mut Pool, size: usize, f: impl FnOnce(&mut Vec<u8>)) -> Buf {
    let mut out = pool.u8(size);
    f(&mut out);
    Buf::U8(out)
}

/// Runs `f` on a recycled float buffer of `size` values and returns it as a tensor.
fn into_f32(pool: &mut Pool, size: usize, f: impl FnOnce(&mut Vec<f32>)) -> Buf {
    let mut out = pool.f32(size);
    f(&mut out);
    Buf::F32(out)
}

/// `out[i] = f(x[i])`, in a buffer of `x`'s length.
fn map_into<T: Copy + Default>(x: &[T], out: &mut Vec<T>, f: impl Fn(T) -> T) {
    super::tensor::sized(out, x.len());
    for (o, &v) in out.iter_mut().zip(x) {
        *o = f(v);
    }
}

fn run_step(step: &Step, bufs: &[Buf], scratch: &mut Scratch, pool: &mut Pool, size: usize) -> Buf {
    let input = |i: usize| &bufs[step.inputs[i]];
    match (&step.kernel, input(0)) {
        (Kernel::QuantConv(k), x) => into_u8(pool, size, |o| per_image(x.u8(), k.geometry.batch, o, |x, o| k.run(x, o, scratch))),
        (Kernel::FloatConv(k), x) => into_f32(pool, size, |o| per_image(x.f32(), k.geometry.batch, o, |x, o| k.run(x, o, scratch))),
        (Kernel::QuantDepthwise(k), x) => into_u8(pool, size, |o| per_image(x.u8(), k.geometry.batch, o, |x, o| k.run(x, o))),
        (Kernel::FloatDepthwise(k), x) => into_f32(pool, size, |o| per_image(x.f32(), k.geometry.batch, o, |x, o| k.run(x, o))),
        (Kernel::QuantAdd(k), x) => into_u8(pool, size, |o| k.run(x.u8(), input(1).u8(), o)),
        (Kernel::FloatAdd(act), x) => into_f32(pool, size, |o| super::add::float_add(x.f32(), input(1).f32(), *act, o)),
        (Kernel::AveragePool(k), Buf::U8(x)) => into_u8(pool, size, |o| k.run_u8(x, o)),
        (Kernel::AveragePool(k), x) => into_f32(pool, size, |o| k.run_f32(x.f32(), o)),
        (Kernel::Resize(k), Buf::U8(x)) => into_u8(pool, size, |o| k.run_u8(x, o)),
        (Kernel::Resize(k), x) => into_f32(pool, size, |o| k.run_f32(x.f32(), o)),
        (Kernel::Concat(k), Buf::U8(_)) => {
            let parts: Vec<&[u8]> = (0..step.inputs.len()).map(|i| input(i).u8()).collect();
            into_u8(pool, size, |o| k.run_u8(&parts, o))
        }
        (Kernel::Concat(k), _) => {
            let parts: Vec<&[f32]> = (0..step.inputs.len()).map(|i| input(i).f32()).collect();
            into_f32(pool, size, |o| k.run(&parts, o, |_, v| v))
        }
        (Kernel::Slice(k), x) => k.run_any(x),
        (Kernel::ArgMax(k), x) => super::argmax::run(k, x),
        (Kernel::QuantMean(k), x) => into_u8(pool, size, |o| k.run_u8(x.u8(), o)),
        (Kernel::Quantize(k), x) => into_u8(pool, size, |o| k.run(x.f32(), o)),
        (Kernel::Requantize(k), x) => into_u8(pool, size, |o| k.run(x.u8(), o)),
        (Kernel::Dequantize(k), x) => into_f32(pool, size, |o| k.run(x.u8(), o)),
        (Kernel::Gather(k), x) => k.run(x),
        (Kernel::BroadcastAdd(k), x) => broadcast_add(k, x, input(1)),
        (Kernel::Relu(k), Buf::U8(x)) => into_u8(pool, size, |o| map_into(x, o, |v| v.clamp(k.lo_q, k.hi_q))),
        (Kernel::Relu(k), x) => into_f32(pool, size, |o| map_into(x.f32(), o, |v| v.max(k.lo).min(k.hi))),
        (Kernel::FloatUnary(u), x) => into_f32(pool, size, |o| u.run(x.f32(), o)),
        (Kernel::FloatMul(k), x) => into_f32(pool, size, |o| k.run(x.f32(), input(1).f32(), o)),
        (Kernel::TransposeConv(k), x) => into_f32(pool, size, |o| k.run(x.f32(), o)),
        (Kernel::FloatMean(k), x) => into_f32(pool, size, |o| k.run(x.f32(), o)),
    }
}

/// Runs a kernel written for one image on each of `batch` images in turn, appending the outputs
/// (CONV_2D and DEPTHWISE_CONV_2D after SPACE_TO_BATCH_ND; XNNPACK's convolutions take the batch
/// as a count of images with the same arithmetic per image).
fn per_image<T: Copy>(x: &[T], batch: usize, out: &mut Vec<T>, mut run: impl FnMut(&[T], &mut Vec<T>)) {
    if batch <= 1 {
        return run(x, out);
    }
    let mut part = Vec::new();
    out.clear();
    for image in x.chunks_exact((x.len() / batch).max(1)) {
        run(image, &mut part);
        out.extend_from_slice(&part);
    }
}

fn broadcast_add(k: &super::program::BroadcastAdd, a: &Buf, b: &Buf) -> Buf {
    let pairs = k.map.a.iter().zip(&k.map.b);
    match &k.quant {
        Some(q) => {
            let (a, b) = (a.u8(), b.u8());
            Buf::U8(pairs.map(|(&i, &j)| q.add_one(a[i], b[j])).collect())
        }
        None => {
            let (a, b) = (a.f32(), b.f32());
            let (lo, hi) = k.activation.float_range();
            Buf::F32(pairs.map(|(&i, &j)| (a[i] + b[j]).max(lo).min(hi)).collect())
        }
    }
}
