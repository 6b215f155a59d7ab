//! The page's API: plain JS objects in and out (serde-wasm-bindgen, JSON-compatible maps).
//!
//! A `Session` keeps one model's bytes inside wasm memory, filled chunk by chunk as the page reads
//! the file, so a large model is copied into the module once and every later analysis or fix
//! works on it in place.

use serde::Serialize;
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;

use crate::delegates::gpu::policy::{Flavor, GpuOptions};
use crate::delegates::xnnpack::XnnpackOptions;
use crate::fixes::{self, FixOptions};
use crate::nnapi::delegate::Options;
use crate::plan::PlanRow;
use crate::{analyze, inspect, model};

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsValue::from_str(&format!("internal error while converting the result: {e}")))
}

/// An analysis report as JS objects. serde-wasm-bindgen builds each object field by field across
/// the JS boundary, which for a plan of thousands of rows (a GPU delegate keeps one partition, so
/// a large model leaves thousands of CPU rows) cost more than the analysis itself. The plans go
/// through JSON instead (serde_json, then one `JSON.parse`): the same values, since a row holds
/// only strings and integers below 2^53, and each is set in place of an empty plan serialized in
/// its position, so the objects' keys keep their order.
fn report_to_js(mut r: analyze::Report) -> Result<JsValue, JsValue> {
    let plans = take_plans(&mut r);
    let js = to_js(&r)?;
    let analyses = js_sys::Array::from(&js_sys::Reflect::get(&js, &"analyses".into())?);
    for (analysis, subgraph, plan) in plans {
        let mut holder = analyses.get(analysis);
        if let Some(k) = subgraph {
            holder = js_sys::Array::from(&js_sys::Reflect::get(&holder, &"other_subgraphs".into())?).get(k);
        }
        js_sys::Reflect::set(&holder, &"plan".into(), &plan_to_js(&plan)?)?;
    }
    Ok(js)
}

/// Every plan of the report, moved out: (index in `analyses` as serialized — NNAPI first —,
/// index in its `other_subgraphs` or `None` for the primary subgraph, rows).
fn take_plans(r: &mut analyze::Report) -> Vec<(u32, Option<u32>, Vec<PlanRow>)> {
    let mut plans = Vec::new();
    let nnapi = r.analyses.iter_mut().map(|l| (&mut l.analysis.plan, l.analysis.other_subgraphs.iter_mut().map(|p| &mut p.plan).collect::<Vec<_>>()));
    let gpu = r.gpu.iter_mut().map(|g| (&mut g.analysis.plan, g.analysis.other_subgraphs.iter_mut().map(|p| &mut p.plan).collect()));
    let xnnpack = r.xnnpack.iter_mut().map(|x| (&mut x.analysis.plan, x.analysis.other_subgraphs.iter_mut().map(|p| &mut p.plan).collect()));
    // The same order as `analyses` in the report's JSON: NNAPI, the GPU delegates, XNNPACK.
    for (a, (main, others)) in nnapi.chain(gpu).chain(xnnpack).enumerate() {
        plans.push((a as u32, None, std::mem::take(main)));
        plans.extend(others.into_iter().enumerate().map(|(k, p)| (a as u32, Some(k as u32), std::mem::take(p))));
    }
    plans
}

fn plan_to_js(plan: &[PlanRow]) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(plan).map_err(|e| err(format!("internal error while converting the plan: {e}")))?;
    js_sys::JSON::parse(&text)
}

fn err(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

fn options_from(value: JsValue) -> Result<Options, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Options::default());
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| err(format!("bad options: {e}")))
}

fn fix_options_from(value: JsValue) -> Result<FixOptions, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(FixOptions::default());
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| err(format!("bad fix options: {e}")))
}

fn gpu_options_from(value: JsValue) -> Result<GpuOptions, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(GpuOptions::default());
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| err(format!("bad GPU options: {e}")))
}

/// A GPU delegate by the id the CLI's `--delegate` takes.
fn flavor_from(id: &str) -> Result<Flavor, JsValue> {
    match id {
        "gpu" => Ok(Flavor::Classic),
        "litert-gpu" => Ok(Flavor::LiteRt),
        other => Err(err(format!("unknown GPU delegate {other:?}: it is gpu or litert-gpu"))),
    }
}

fn levels_or_all(levels: Vec<u32>) -> Vec<u32> {
    if levels.is_empty() {
        analyze::ALL_LEVELS.to_vec()
    } else {
        levels
    }
}

fn analyze_bytes(bytes: &[u8], options: JsValue, levels: Vec<u32>) -> Result<JsValue, JsValue> {
    let m = model::read(bytes).map_err(err)?;
    report_to_js(analyze::report(&m, &options_from(options)?, &levels_or_all(levels)))
}

/// What `delegate-doctor analyze --delegate nnapi` reports by default: NNAPI at each level, each
/// with its combined plan (the default XNNPACK delegate after it).
fn analyze_combined_bytes(bytes: &[u8], options: JsValue, levels: Vec<u32>) -> Result<JsValue, JsValue> {
    let m = model::read(bytes).map_err(err)?;
    let mut r = analyze::report(&m, &options_from(options)?, &levels_or_all(levels));
    analyze::add_combined(&mut r, &m, &XnnpackOptions::default());
    report_to_js(r)
}

/// What `delegate-doctor analyze --delegate all` reports: NNAPI at each level, then the classic
/// GPU delegate and LiteRT's GPU accelerator with `gpu_options`, XNNPACK on its own, every
/// accelerator's combined plan, and the comparison line.
fn analyze_all_bytes(bytes: &[u8], options: JsValue, levels: Vec<u32>, gpu_options: JsValue) -> Result<JsValue, JsValue> {
    let m = model::read(bytes).map_err(err)?;
    let g = gpu_options_from(gpu_options)?;
    let x = XnnpackOptions::default();
    let mut r = analyze::report(&m, &options_from(options)?, &levels_or_all(levels));
    analyze::add_gpu(&mut r, &m, Flavor::Classic, &g);
    analyze::add_gpu(&mut r, &m, Flavor::LiteRt, &g);
    analyze::add_xnnpack(&mut r, &m, &x);
    analyze::add_combined(&mut r, &m, &x);
    report_to_js(r)
}

/// What `delegate-doctor analyze --delegate gpu|litert-gpu` reports: one GPU analysis, with its
/// combined plan.
fn analyze_gpu_bytes(bytes: &[u8], delegate: &str, gpu_options: JsValue) -> Result<JsValue, JsValue> {
    let flavor = flavor_from(delegate)?;
    let m = model::read(bytes).map_err(err)?;
    let mut r = analyze::report(&m, &Options::default(), &[]);
    analyze::add_gpu(&mut r, &m, flavor, &gpu_options_from(gpu_options)?);
    analyze::add_combined(&mut r, &m, &XnnpackOptions::default());
    report_to_js(r)
}

/// The fixed bytes, the report as JS, and the report as Markdown (`fix --format md`).
struct FixedForJs<'a> {
    name: &'a str,
}

impl fixes::FixVisitor for FixedForJs<'_> {
    type Out = (Vec<u8>, Result<JsValue, JsValue>, String);
    fn visit<A: fixes::Analyzed>(self, fixed: fixes::Fixed<'_>, r: fixes::FixReport<A>) -> Self::Out {
        let markdown = crate::exports::markdown::fix_report(&r, self.name);
        (fixed.into_vec(), to_js(&r), markdown)
    }
}

/// `delegate-doctor fix` for the options' `delegate` (NNAPI, or a GPU delegate with `gpu`); the
/// Markdown report's heading names the model `name`.
fn fix_bytes(bytes: &[u8], options: JsValue, name: &str) -> Result<JsValue, JsValue> {
    let o = fix_options_from(options)?;
    let (fixed, report, markdown) = fixes::fix_delegate(bytes, o.delegate, &o, FixedForJs { name }).map_err(err)?;
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"bytes".into(), &js_sys::Uint8Array::from(fixed.as_slice()))?;
    js_sys::Reflect::set(&out, &"report".into(), &report?)?;
    js_sys::Reflect::set(&out, &"markdown".into(), &JsValue::from_str(&markdown))?;
    Ok(out.into())
}

/// The model summary and op list, as `delegate-doctor inspect --format json` prints it.
/// Errors are thrown as a string that says what is wrong and where.
#[wasm_bindgen]
pub fn inspect(bytes: &[u8]) -> Result<JsValue, JsValue> {
    let m = model::read(bytes).map_err(err)?;
    to_js(&inspect::report(&m))
}

/// NNAPI analyses of the model at each level in `levels` (Android API levels; empty = 27..35),
/// with `options` (a plain object with the fields of `Options`; missing fields take
/// benchmark_model's defaults).
#[wasm_bindgen]
pub fn analyze(bytes: &[u8], options: JsValue, levels: Vec<u32>) -> Result<JsValue, JsValue> {
    analyze_bytes(bytes, options, levels)
}

/// Fixes the model for `options` (the fields of `FixOptions`: `target`, `only`, `skip`, `cut`,
/// `pool_form`). Returns `{bytes: Uint8Array, report, markdown}`; `report` is what
/// `delegate-doctor fix --format json` prints, `markdown` what `--format md` prints (for a model
/// named "model").
#[wasm_bindgen]
pub fn fix(bytes: &[u8], options: JsValue) -> Result<JsValue, JsValue> {
    fix_bytes(bytes, options, "model")
}

/// One model held in wasm memory.
#[wasm_bindgen]
pub struct Session {
    bytes: Vec<u8>,
}

#[wasm_bindgen]
impl Session {
    /// An empty session expecting about `size` bytes.
    #[wasm_bindgen(constructor)]
    pub fn new(size: usize) -> Session {
        Session { bytes: Vec::with_capacity(size) }
    }

    /// Appends the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
    }

    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// A copy of the model's bytes (for the segmentation engine, which lives in its own worker).
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// Hex SHA-256 of the bytes (share links name the model by it).
    pub fn sha256(&self) -> String {
        Sha256::digest(&self.bytes).iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn inspect(&self) -> Result<JsValue, JsValue> {
        inspect(&self.bytes)
    }

    /// NNAPI at each level, the delegate's own plan only (as `analyze --use-xnnpack=false`).
    pub fn analyze(&self, options: JsValue, levels: Vec<u32>) -> Result<JsValue, JsValue> {
        analyze_bytes(&self.bytes, options, levels)
    }

    /// NNAPI at each level with the plan that really runs (as `analyze`): each analysis has its
    /// `combined` plan, the default XNNPACK delegate after NNAPI.
    pub fn analyze_combined(&self, options: JsValue, levels: Vec<u32>) -> Result<JsValue, JsValue> {
        analyze_combined_bytes(&self.bytes, options, levels)
    }

    /// NNAPI at each level (as `analyze_combined`), both GPU delegates with `gpu_options` (the fields of
    /// `GpuOptions`: `backend` "cl"|"gl", `enable_quant`, `max_delegated_partitions`,
    /// `precision_loss_allowed`; missing fields take benchmark_model's defaults) and XNNPACK on
    /// its own, every accelerator with its combined plan.
    pub fn analyze_all(&self, options: JsValue, levels: Vec<u32>, gpu_options: JsValue) -> Result<JsValue, JsValue> {
        analyze_all_bytes(&self.bytes, options, levels, gpu_options)
    }

    /// One GPU delegate (`delegate` = "gpu" or "litert-gpu") with `gpu_options`.
    pub fn analyze_gpu(&self, delegate: &str, gpu_options: JsValue) -> Result<JsValue, JsValue> {
        analyze_gpu_bytes(&self.bytes, delegate, gpu_options)
    }

    /// As the free `fix`, with the Markdown report's heading naming the model `name`.
    pub fn fix(&self, options: JsValue, name: &str) -> Result<JsValue, JsValue> {
        fix_bytes(&self.bytes, options, name)
    }
}

/// The version of this build, shown in the page footer.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
