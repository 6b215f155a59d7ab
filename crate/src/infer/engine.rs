//! Runs a compiled program on one image and returns its class map.

use super::argmax::argmax_last;
use super::conv::Scratch;
use super::program::{compile, Element, Kernel, Program, Step};
use super::tensor::Buf;

/// Float models get `(pixel − MEAN) / STD`, DeepLab's convention (inputs in [−1, 1]).
pub const FLOAT_INPUT_MEAN: f32 = 127.5;
pub const FLOAT_INPUT_STD: f32 = 127.5;

/// A model ready to segment images of its input size.
#[derive(Debug)]
pub struct Segmenter {
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

/// Milliseconds per kind of kernel in the last run (needs a clock), e.g. `("QuantConv 1×1", 12.5)`.
impl Segmenter {
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
}

/// One class index per pixel, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassMap {
    pub width: usize,
    pub height: usize,
    pub classes: Vec<u8>,
}

impl Segmenter {
    /// Reads and compiles a `.tflite` model; the error lists every operator that cannot run.
    pub fn new(bytes: &[u8]) -> Result<Segmenter, String> {
        let model = crate::model::read(bytes).map_err(|e| e.to_string())?;
        let program = compile(&model).map_err(|e| e.to_string())?;
        Ok(Segmenter { program, scratch: Scratch::default(), pool: Pool::default(), step_ms: Vec::new(), clock: None })
    }

    /// (width, height) of the images the model takes.
    pub fn input_size(&self) -> (usize, usize) {
        (self.program.input_shape.w, self.program.input_shape.h)
    }

    /// How many classes the class map can hold: ARG_MAX's axis length, or the output's channels.
    pub fn class_count(&self) -> usize {
        match self.program.steps.last() {
            Some(Step { kernel: Kernel::ArgMax { classes }, .. }) if self.program.output_is_classes => *classes,
            _ => self.program.output_shape.c,
        }
    }

    /// Whether the model computes in uint8 (quantized) or float32.
    pub fn is_quantized(&self) -> bool {
        self.program.input_element == Element::U8
    }

    /// Segments packed RGB8 pixels of exactly the input size.
    pub fn run(&mut self, rgb: &[u8]) -> Result<ClassMap, String> {
        let mut bufs = self.run_graph(rgb, false)?;
        Ok(self.class_map(std::mem::take(&mut bufs[self.program.output])))
    }

    /// Runs the graph and keeps every tensor (for comparing layer by layer with a reference).
    pub fn run_keeping_all(&mut self, rgb: &[u8]) -> Result<Vec<Buf>, String> {
        self.run_graph(rgb, true)
    }

    fn run_graph(&mut self, rgb: &[u8], keep: bool) -> Result<Vec<Buf>, String> {
        let shape = self.program.input_shape;
        if rgb.len() != shape.len() {
            return Err(format!("the image has {} bytes; {}×{} RGB needs {}", rgb.len(), shape.w, shape.h, shape.len()));
        }
        let mut bufs = vec![Buf::Empty; self.program.tensor_count];
        bufs[self.program.input] = match self.program.input_element {
            Element::F32 => Buf::F32(rgb.iter().map(|&p| (p as f32 - FLOAT_INPUT_MEAN) / FLOAT_INPUT_STD).collect()),
            _ => Buf::U8(rgb.to_vec()),
        };
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

    fn class_map(&self, out: Buf) -> ClassMap {
        let shape = self.program.output_shape;
        let classes = match out {
            Buf::U8(v) if self.program.output_is_classes => v,
            Buf::U8(v) => argmax_last(&v, shape.c),
            Buf::F32(v) => argmax_last(&v, shape.c),
            _ => vec![0; shape.pixels()],
        };
        ClassMap { width: shape.w, height: shape.h, classes }
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
            Buf::Empty => {}
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

fn run_step(step: &Step, bufs: &[Buf], scratch: &mut Scratch, pool: &mut Pool, size: usize) -> Buf {
    let input = |i: usize| &bufs[step.inputs[i]];
    match (&step.kernel, input(0)) {
        (Kernel::QuantConv(k), x) => into_u8(pool, size, |o| k.run(x.u8(), o, scratch)),
        (Kernel::FloatConv(k), x) => into_f32(pool, size, |o| k.run(x.f32(), o, scratch)),
        (Kernel::QuantDepthwise(k), x) => into_u8(pool, size, |o| k.run(x.u8(), o)),
        (Kernel::FloatDepthwise(k), x) => into_f32(pool, size, |o| k.run(x.f32(), o)),
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
        (Kernel::Slice(k), Buf::U8(x)) => into_u8(pool, size, |o| k.run(x, o)),
        (Kernel::Slice(k), x) => into_f32(pool, size, |o| k.run(x.f32(), o)),
        (Kernel::ArgMax { classes }, Buf::U8(x)) => Buf::U8(argmax_last(x, *classes)),
        (Kernel::ArgMax { classes }, x) => Buf::U8(argmax_last(x.f32(), *classes)),
    }
}
