//! The segmentation engine's page API, built as its own wasm (`--features engine`) so the page
//! loads it only when the user asks for a segmentation and analysis never waits for it.

use wasm_bindgen::prelude::*;

use crate::infer;
use crate::infer::mask::{is_soft_mask, SoftMask};

/// A model compiled for segmentation: a class map (DeepLab) or a one-channel soft mask (MediaPipe's
/// selfie segmenters, `infer::mask`).
#[wasm_bindgen]
pub struct Segmenter {
    inner: Kind,
}

enum Kind {
    Classes(infer::Segmenter),
    Mask(SoftMask),
}

impl Segmenter {
    fn engine(&self) -> &infer::Engine {
        match &self.inner {
            Kind::Classes(s) => &s.engine,
            Kind::Mask(m) => &m.engine,
        }
    }

    fn engine_mut(&mut self) -> &mut infer::Engine {
        match &mut self.inner {
            Kind::Classes(s) => &mut s.engine,
            Kind::Mask(m) => &mut m.engine,
        }
    }
}

#[wasm_bindgen]
impl Segmenter {
    /// Reads and compiles the model; throws an Error listing every operator that cannot run.
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8]) -> Result<Segmenter, JsError> {
        let engine = infer::Engine::new(model).map_err(|e| JsError::new(&e))?;
        let inner = if engine.outputs().first().is_some_and(is_soft_mask) {
            SoftMask::from_engine(engine).map(Kind::Mask)
        } else {
            infer::Segmenter::from_engine(engine).map(Kind::Classes)
        };
        inner.map(|inner| Segmenter { inner }).map_err(|e| JsError::new(&e))
    }

    #[wasm_bindgen(getter)]
    pub fn input_width(&self) -> usize {
        self.input_size().0
    }

    #[wasm_bindgen(getter)]
    pub fn input_height(&self) -> usize {
        self.input_size().1
    }

    fn input_size(&self) -> (usize, usize) {
        match &self.inner {
            Kind::Classes(s) => s.input_size(),
            Kind::Mask(m) => m.input_size(),
        }
    }

    /// True for a model with a quantized (uint8 or int8) image input, false for float32.
    #[wasm_bindgen(getter)]
    pub fn quantized(&self) -> bool {
        matches!(&self.inner, Kind::Classes(s) if s.is_quantized())
    }

    /// The image input's type as TFLite names it: "uint8", "int8" or "float32".
    #[wasm_bindgen(getter)]
    pub fn input_type(&self) -> String {
        self.engine().inputs().first().map_or("", |i| i.element.name()).to_string()
    }

    /// True when the output is a one-channel soft mask (run it with `run_mask`).
    #[wasm_bindgen(getter)]
    pub fn soft_mask(&self) -> bool {
        matches!(self.inner, Kind::Mask(_))
    }

    /// How many classes the model tells apart (21 for Pascal VOC; 0 for a soft mask).
    #[wasm_bindgen(getter)]
    pub fn class_count(&self) -> usize {
        match &self.inner {
            Kind::Classes(s) => s.class_count(),
            Kind::Mask(_) => 0,
        }
    }

    /// Per-kernel milliseconds of the next runs, as JSON `[["QuantConv 1×1", 12.5], …]` (for benchmarks).
    pub fn profile(&mut self) -> String {
        self.engine_mut().clock = Some(performance_now);
        serde_json::to_string(&self.engine().profile()).unwrap_or_default()
    }

    /// Segments packed RGB of the input size; returns one class index per pixel.
    pub fn run(&mut self, rgb: &[u8]) -> Result<Vec<u8>, JsError> {
        match &mut self.inner {
            Kind::Classes(s) => s.run(rgb).map(|m| m.classes).map_err(|e| JsError::new(&e)),
            Kind::Mask(_) => Err(JsError::new("this model gives a soft mask: use run_mask")),
        }
    }

    /// The soft mask of packed RGB of the input size, one probability per pixel of the mask
    /// (row-major; the mask has the input's size for the selfie models).
    pub fn run_mask(&mut self, rgb: &[u8]) -> Result<Vec<f32>, JsError> {
        match &mut self.inner {
            Kind::Mask(m) => m.run(rgb).map_err(|e| JsError::new(&e)),
            Kind::Classes(_) => Err(JsError::new("this model gives a class map: use run")),
        }
    }

    /// (width, height) of the soft mask; (0, 0) for a class map.
    #[wasm_bindgen(getter)]
    pub fn mask_width(&self) -> usize {
        match &self.inner {
            Kind::Mask(m) => m.mask_size().0,
            Kind::Classes(_) => 0,
        }
    }

    #[wasm_bindgen(getter)]
    pub fn mask_height(&self) -> usize {
        match &self.inner {
            Kind::Mask(m) => m.mask_size().1,
            Kind::Classes(_) => 0,
        }
    }
}

/// "Compare outputs": runs both models on the same seeded inputs (each input's type and range) and
/// returns JSON `{original_error, fixed_error, error, comparison: {seed, inputs, outputs: [{name,
/// original, fixed, values, identical, max_abs_diff, note}]}}` (see `infer::compare`).
#[wasm_bindgen]
pub fn compare_models(original: &[u8], fixed: &[u8], seed: u32) -> String {
    let outcome = infer::compare::compare_models(original, fixed, seed as u64);
    serde_json::to_string(&outcome).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Resizes packed RGB exactly as Pillow's `Image.resize(size, BILINEAR)` does.
#[wasm_bindgen]
pub fn resize_photo(rgb: &[u8], width: usize, height: usize, new_width: usize, new_height: usize) -> Result<Vec<u8>, JsError> {
    infer::photo::resize_bilinear_rgb(rgb, width, height, new_width, new_height).map_err(|e| JsError::new(&e))
}

/// `performance.now()` of the worker or page.
fn performance_now() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
    let now = performance.as_ref().and_then(|p| js_sys::Reflect::get(p, &"now".into()).ok());
    match (performance, now.and_then(|f| f.dyn_into::<js_sys::Function>().ok())) {
        (Some(p), Some(f)) => f.call0(&p).ok().and_then(|v| v.as_f64()).unwrap_or(0.0),
        _ => 0.0,
    }
}
