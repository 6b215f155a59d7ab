//! Writes the generated models of tests/python/test_model_explorer.py into the directory given as
//! the first argument: they exercise how Model Explorer's TFLite adapter names graphs (unnamed,
//! named, named by a signature) and ops the delegates refuse, in several subgraphs.
//!
//!     cargo run -q --example make_model_explorer_fixtures -- DIR

use delegate_doctor::builder::{const_f32, const_i32, pack, tensor, ModelBuilder};
use delegate_doctor::model::{BuiltinOperator as Op, TensorType as T};
use delegate_doctor::opts;
use tflite_schema::tflite::{SignatureDefT, TensorMapT};

/// Subgraph 0 (unnamed): x → ADD → WHILE(i, a) → a custom op no delegate takes → RELU; subgraph 1
/// (unnamed) is the loop's cond, subgraph 2 ("loop_body") its body.
fn control_flow() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let i0 = b.input(tensor("i0", T::INT32, &[]));
    let x = b.input(tensor("x", T::FLOAT32, &[1, 4]));
    let a = b.add(tensor("a", T::FLOAT32, &[1, 4]));
    b.op(Op::ADD, &[x, x], &[a]).options(opts!(AddOptions {}));
    let (i_out, a_out) = (b.add(tensor("i_out", T::INT32, &[])), b.add(tensor("a_out", T::FLOAT32, &[1, 4])));
    b.op(Op::WHILE, &[i0, a], &[i_out, a_out]).options(opts!(WhileOptions { cond_subgraph_index: 1, body_subgraph_index: 2 }));
    let c = b.add(tensor("custom_out", T::FLOAT32, &[1, 4]));
    b.custom_op("NotADelegateOp", &[a_out], &[c]);
    let y = b.add(tensor("y", T::FLOAT32, &[1, 4]));
    b.op(Op::RELU, &[c], &[y]);
    b.output(i_out).output(y);

    b.subgraph("");
    let i = b.input(tensor("i", T::INT32, &[]));
    b.input(tensor("a", T::FLOAT32, &[1, 4]));
    let three = b.add(const_i32("three", &[], &[3]));
    let go = b.add(tensor("go", T::BOOL, &[]));
    b.op(Op::LESS, &[i, three], &[go]);
    b.output(go);

    b.subgraph("loop_body");
    let i = b.input(tensor("i", T::INT32, &[]));
    let a = b.input(tensor("a", T::FLOAT32, &[1, 4]));
    let one = b.add(const_i32("one", &[], &[1]));
    let i_next = b.add(tensor("i_next", T::INT32, &[]));
    b.op(Op::ADD, &[i, one], &[i_next]).options(opts!(AddOptions {}));
    let half = b.add(const_f32("half", &[1], &[0.5]));
    let a_next = b.add(tensor("a_next", T::FLOAT32, &[1, 4]));
    b.op(Op::MUL, &[a, half], &[a_next]).options(opts!(MulOptions {}));
    b.output(i_next).output(a_next);
    b.finish()
}

/// One unnamed subgraph with the signature "serve": RELU → a custom op → RELU with names that
/// need escaping in Markdown.
fn signature() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("in|put`<b>", T::FLOAT32, &[1, 8]));
    let r = b.add(tensor("relu_[1]", T::FLOAT32, &[1, 8]));
    b.op(Op::RELU, &[x], &[r]);
    let c = b.add(tensor("custom*out*", T::FLOAT32, &[1, 8]));
    b.custom_op("Odd|Op<i>", &[r], &[c]);
    let y = b.add(tensor("y", T::FLOAT32, &[1, 8]));
    b.op(Op::RELU, &[c], &[y]);
    b.output(y);
    let mut m = b.model_t();
    let map = |name: &str, index: i32| {
        let mut t = TensorMapT::default();
        t.name = Some(name.into());
        t.tensor_index = index as u32;
        t
    };
    let mut s = SignatureDefT::default();
    s.inputs = Some(vec![map("x", x)]);
    s.outputs = Some(vec![map("y", y)]);
    s.signature_key = Some("serve".into());
    m.signature_defs = Some(vec![s]);
    pack(&m)
}

fn main() {
    let Some(dir) = std::env::args_os().nth(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: make_model_explorer_fixtures DIR");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir).expect("create the output directory");
    for (name, bytes) in [("control_flow", control_flow()), ("signature", signature())] {
        std::fs::write(dir.join(format!("{name}.tflite")), bytes).expect("write a fixture");
    }
}
