//! Writes the models of tests/python/test_wild.py (issue 11: answers that models in the wild got
//! wrong) into the directory given as the first argument:
//!
//!     cargo run -q --example make_wild_fixtures -- DIR

use delegate_doctor::builder::{const_bytes, const_i32, tensor, ModelBuilder};
use delegate_doctor::model::{BuiltinOperator as Op, TensorType as T};
use delegate_doctor::opts;

/// x[1,1] → RESHAPE(shape = int32[0] with an empty, present data vector, as the TF converter
/// writes for a reshape to a scalar) → s[] → ADD(s, s) → y[].
fn reshape_to_scalar(empty_vector: bool) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 1]));
    let shape = if empty_vector { b.add(const_bytes("shape", T::INT32, &[0], &[])) } else { b.add(tensor("shape", T::INT32, &[0])) };
    let s = b.add(tensor("s", T::FLOAT32, &[]));
    let y = b.add(tensor("y", T::FLOAT32, &[]));
    b.op(Op::RESHAPE, &[x, shape], &[s]);
    b.op(Op::ADD, &[s, s], &[y]).options(opts!(AddOptions {}));
    b.output(y);
    b.finish()
}

/// The same reshape to a scalar with its shape as an int32[1] constant [1] reshaping to [1].
fn reshape_with_shape() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 1]));
    let shape = b.add(const_i32("shape", &[1], &[1]));
    let s = b.add(tensor("s", T::FLOAT32, &[1]));
    b.op(Op::RESHAPE, &[x, shape], &[s]);
    b.output(s);
    b.finish()
}

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    std::fs::create_dir_all(&dir)?;
    let files = [
        ("reshape_scalar_empty_vector.tflite", reshape_to_scalar(true)),
        ("reshape_scalar_no_vector.tflite", reshape_to_scalar(false)),
        ("reshape_const_shape.tflite", reshape_with_shape()),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}
