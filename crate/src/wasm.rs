//! The page's API: plain JS objects in and out (serde-wasm-bindgen, JSON-compatible maps).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::fixes::{self, FixOptions};
use crate::nnapi::delegate::Options;
use crate::{analyze, inspect, model};

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsValue::from_str(&format!("internal error while converting the result: {e}")))
}

/// The model summary and op list, as `delegate-doctor inspect --format json` prints it.
/// Errors are thrown as a string that says what is wrong and where.
#[wasm_bindgen]
pub fn inspect(bytes: &[u8]) -> Result<JsValue, JsValue> {
    let m = model::read(bytes).map_err(|e| JsValue::from_str(&e.to_string()))?;
    to_js(&inspect::report(&m))
}

/// NNAPI analyses of the model at each level in `levels` (Android API levels), with `options`
/// (a plain object with the fields of `Options`; missing fields take benchmark_model's defaults).
#[wasm_bindgen]
pub fn analyze(bytes: &[u8], options: JsValue, levels: Vec<u32>) -> Result<JsValue, JsValue> {
    let m = model::read(bytes).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let o: Options = if options.is_undefined() || options.is_null() {
        Options::default()
    } else {
        serde_wasm_bindgen::from_value(options).map_err(|e| JsValue::from_str(&format!("bad options: {e}")))?
    };
    let levels = if levels.is_empty() { analyze::ALL_LEVELS.to_vec() } else { levels };
    to_js(&analyze::report(&m, &o, &levels))
}

/// Fixes the model for `options` (a plain object with the fields of `FixOptions`: `target`,
/// `only`, `skip`, `cut`, `pool_form`). Returns `{bytes: Uint8Array, report}`; `report` is what
/// `delegate-doctor fix --format json` prints (changes, not_fixed, before, after).
#[wasm_bindgen]
pub fn fix(bytes: &[u8], options: JsValue) -> Result<JsValue, JsValue> {
    let o: FixOptions = if options.is_undefined() || options.is_null() {
        FixOptions::default()
    } else {
        serde_wasm_bindgen::from_value(options).map_err(|e| JsValue::from_str(&format!("bad options: {e}")))?
    };
    let (fixed, report) = fixes::fix(bytes, &o).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"bytes".into(), &js_sys::Uint8Array::from(fixed.as_slice()))?;
    js_sys::Reflect::set(&out, &"report".into(), &to_js(&report)?)?;
    Ok(out.into())
}

/// The version of this build, shown in the page footer.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
