//! The segmentation engine's page API, built as its own wasm (`--features engine`) so the page
//! loads it only when the user asks for a segmentation and analysis never waits for it.

use wasm_bindgen::prelude::*;

use crate::infer;

/// A model compiled for segmentation.
#[wasm_bindgen]
pub struct Segmenter {
    inner: infer::Segmenter,
}

#[wasm_bindgen]
impl Segmenter {
    /// Reads and compiles the model; throws an Error listing every operator that cannot run.
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8]) -> Result<Segmenter, JsError> {
        infer::Segmenter::new(model).map(|inner| Segmenter { inner }).map_err(|e| JsError::new(&e))
    }

    #[wasm_bindgen(getter)]
    pub fn input_width(&self) -> usize {
        self.inner.input_size().0
    }

    #[wasm_bindgen(getter)]
    pub fn input_height(&self) -> usize {
        self.inner.input_size().1
    }

    /// True for a uint8 (quantized) model, false for float32.
    #[wasm_bindgen(getter)]
    pub fn quantized(&self) -> bool {
        self.inner.is_quantized()
    }

    /// How many classes the model tells apart (21 for Pascal VOC).
    #[wasm_bindgen(getter)]
    pub fn class_count(&self) -> usize {
        self.inner.class_count()
    }

    /// Per-kernel milliseconds of the next runs, as JSON `[["QuantConv 1×1", 12.5], …]` (for benchmarks).
    pub fn profile(&mut self) -> String {
        self.inner.clock = Some(performance_now);
        serde_json::to_string(&self.inner.profile()).unwrap_or_default()
    }

    /// Segments packed RGB of the input size; returns one class index per pixel.
    pub fn run(&mut self, rgb: &[u8]) -> Result<Vec<u8>, JsError> {
        self.inner.run(rgb).map(|m| m.classes).map_err(|e| JsError::new(&e))
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
