//! Writes the int64 models tests/python/test_gpu_fixes.py feeds to `delegate-doctor fix --delegate
//! gpu|litert-gpu` (the `int64-tensors` and `int64-constants` fixes) and runs, original against
//! fixed, in the real interpreter, into the directory given as the first argument, with
//! `manifest.json` (per model: the fixes expected for each GPU delegate).
//!
//!     cargo run -q --example make_gpu_int64_fixtures -- DIR
//!
//! Each model has an ARG_MAX with the converter's default int64 output read by other ops, or an
//! op with constant int64 operands.

use delegate_doctor::builder::{const_f32, const_i32, const_i64, tensor, ModelBuilder};
use delegate_doctor::model::{BuiltinOperator as B, TensorType as T};
use delegate_doctor::opts;
use serde_json::json;

const SHAPE: [i32; 4] = [1, 8, 8, 5];
const MAP: [i32; 3] = [1, 8, 8];

/// input [1,8,8,5] float → ARG_MAX over the channels → int64 class map [1,8,8], then `readers`.
fn with_argmax(readers: impl FnOnce(&mut ModelBuilder, i32) -> i32) -> Vec<u8> {
    with_argmax_of(&SHAPE, readers)
}

fn with_argmax_of(shape: &[i32], readers: impl FnOnce(&mut ModelBuilder, i32) -> i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("scores", T::FLOAT32, shape));
    let axis = b.add(const_i32("axis", &[1], &[3]));
    let map = b.add(tensor("class_map", T::INT64, &shape[..3]));
    b.op(B::ARG_MAX, &[x, axis], &[map]).options(opts!(ArgMaxOptions { output_type: T::INT64 }));
    let out = readers(&mut b, map);
    b.output(out);
    b.finish()
}

/// CAST of the class map to float (with or without CastOptions saying INT64 → FLOAT32).
fn argmax_cast(with_options: bool) -> Vec<u8> {
    with_argmax(|b, map| {
        let y = b.add(tensor("class_map_f", T::FLOAT32, &MAP));
        let op = b.op(B::CAST, &[map], &[y]);
        if with_options {
            op.options(opts!(CastOptions { in_data_type: T::INT64, out_data_type: T::FLOAT32 }));
        }
        y
    })
}

/// class map == 2 (a scalar int64 constant), as float through SELECT_V2.
fn argmax_equal_select() -> Vec<u8> {
    with_argmax(|b, map| {
        let two = b.add(const_i64("person", &[], &[2]));
        let is = b.add(tensor("is_person", T::BOOL, &MAP));
        b.op(B::EQUAL, &[map, two], &[is]);
        let one = b.add(const_f32("one", &[], &[1.0]));
        let zero = b.add(const_f32("zero", &[], &[0.0]));
        let mask = b.add(tensor("mask", T::FLOAT32, &MAP));
        b.op(B::SELECT_V2, &[is, one, zero], &[mask]);
        mask
    })
}

/// ONE_HOT over 5 classes (float on/off values) of the class map of a [1,1,8,5] input (the classic
/// delegate takes one-hot indices with singleton leading dimensions only).
fn argmax_one_hot() -> Vec<u8> {
    let shape = [1, 1, 8, 5];
    with_argmax_of(&shape, |b, map| {
        let depth = b.add(const_i32("depth", &[], &[5]));
        let on = b.add(const_f32("on", &[], &[1.0]));
        let off = b.add(const_f32("off", &[], &[0.0]));
        let y = b.add(tensor("one_hot", T::FLOAT32, &shape));
        b.op(B::ONE_HOT, &[map, depth, on, off], &[y]).options(opts!(OneHotOptions { axis: -1 }));
        y
    })
}

/// The class map both CAST to float and ADDed to itself (int64 arithmetic: not rewired).
fn argmax_add() -> Vec<u8> {
    with_argmax(|b, map| {
        let sum = b.add(tensor("twice", T::INT64, &MAP));
        b.op(B::ADD, &[map, map], &[sum]).options(opts!(AddOptions {}));
        let y = b.add(tensor("twice_f", T::FLOAT32, &MAP));
        b.op(B::CAST, &[sum], &[y]);
        y
    })
}

/// GATHER of rows [8,4] (a graph input) at the ARG_MAX of a [1,8] vector (indices of shape [1]).
fn argmax_gather() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("scores", T::FLOAT32, &[1, 8]));
    let rows = b.input(tensor("rows", T::FLOAT32, &[8, 4]));
    let axis = b.add(const_i32("axis", &[1], &[1]));
    let best = b.add(tensor("best", T::INT64, &[1]));
    b.op(B::ARG_MAX, &[x, axis], &[best]).options(opts!(ArgMaxOptions { output_type: T::INT64 }));
    let y = b.add(tensor("picked", T::FLOAT32, &[1, 4]));
    b.op(B::GATHER, &[rows, best], &[y]).options(opts!(GatherOptions { axis: 0 }));
    b.output(y);
    b.finish()
}

/// A PAD with int64 paddings, then a GATHER of channels at constant int64 indices.
fn pad_gather_int64() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &SHAPE));
    let pads = b.add(const_i64("paddings", &[4, 2], &[0, 0, 1, 1, 2, 2, 0, 0]));
    let p = b.add(tensor("padded", T::FLOAT32, &[1, 10, 12, 5]));
    b.op(B::PAD, &[x, pads], &[p]);
    let picks = b.add(const_i64("channels", &[3], &[4, 0, 2]));
    let g = b.add(tensor("picked", T::FLOAT32, &[1, 10, 12, 3]));
    b.op(B::GATHER, &[p, picks], &[g]).options(opts!(GatherOptions { axis: 3 }));
    b.output(g);
    b.finish()
}

/// MEAN over H and W with int64 axes. TFLite's own MEAN kernel refuses int64 axes in Prepare
/// (reduce.cc `PrepareSimple`), so the original does not run at all; the fixed one does.
fn mean_int64() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &SHAPE));
    let axes = b.add(const_i64("axes", &[2], &[1, 2]));
    let m = b.add(tensor("mean", T::FLOAT32, &[1, 1, 1, 5]));
    b.op(B::MEAN, &[x, axes], &[m]).options(opts!(ReducerOptions { keep_dims: true }));
    b.output(m);
    b.finish()
}

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).ok_or_else(|| std::io::Error::other("usage: make_gpu_int64_fixtures DIR"))?);
    std::fs::create_dir_all(&dir)?;
    // (name, model, fixes for gpu, fixes for litert-gpu)
    type Case = (&'static str, Vec<u8>, Vec<&'static str>, Vec<&'static str>);
    let cases: Vec<Case> = vec![
        ("argmax_cast", argmax_cast(false), vec!["int64-tensors"], vec!["int64-tensors"]),
        ("argmax_cast_options", argmax_cast(true), vec!["int64-tensors"], vec!["int64-tensors"]),
        // The classic GPU takes no int32 comparison, so its change is taken back.
        ("argmax_equal_select", argmax_equal_select(), vec![], vec!["int64-tensors"]),
        ("argmax_one_hot", argmax_one_hot(), vec!["int64-tensors"], vec!["int64-tensors"]),
        ("argmax_gather", argmax_gather(), vec!["int64-tensors"], vec!["int64-tensors"]),
        ("argmax_add", argmax_add(), vec![], vec![]),
        ("pad_gather_int64", pad_gather_int64(), vec!["int64-constants"], vec!["int64-constants", "int64-constants"]),
        ("mean_int64", mean_int64(), vec!["int64-constants"], vec!["int64-constants"]),
    ];
    let mut manifest = Vec::new();
    for (name, bytes, gpu, litert) in cases {
        delegate_doctor::model::read(&bytes).map_err(|e| std::io::Error::other(format!("{name}: {e}")))?;
        let file = format!("{name}.tflite");
        std::fs::write(dir.join(&file), bytes)?;
        // The original of mean_int64 fails to prepare in TFLite: its fixed model is checked against numpy.
        let original_runs = name != "mean_int64";
        manifest.push(json!({ "file": file, "fixes": { "gpu": gpu, "litert-gpu": litert }, "original_runs": original_runs }));
    }
    std::fs::write(dir.join("manifest.json"), serde_json::to_string_pretty(&manifest)?)?;
    Ok(())
}
