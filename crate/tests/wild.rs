//! Regressions from models in the wild (issue 11): each test builds the situation a real model
//! showed, and checks the answer the TFLite source gives.

use delegate_doctor::analyze;
use delegate_doctor::builder::{const_bytes, tensor, ModelBuilder};
use delegate_doctor::model::{self, BuiltinOperator as Op, TensorType as T};
use delegate_doctor::nnapi::delegate::{analyze, Analysis, Options, Outcome};

fn run(bytes: &[u8], o: &Options) -> Analysis {
    let m = model::read(bytes).expect("valid model");
    analyze(&m, o)
}

/// x[1,1] → RESHAPE(shape = int32[0], an empty but present data vector, as the TF converter writes
/// for a reshape to a scalar) → s[] → ADD(s, s) → y[].
fn reshape_to_scalar() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[1, 1]));
    let shape = b.add(const_bytes("shape", T::INT32, &[0], &[]));
    let s = b.add(tensor("s", T::FLOAT32, &[]));
    let y = b.add(tensor("y", T::FLOAT32, &[]));
    b.op(Op::RESHAPE, &[x, shape], &[s]);
    b.op(Op::ADD, &[s, s], &[y]).options(delegate_doctor::opts!(AddOptions {}));
    b.output(y);
    b.finish()
}

#[test]
fn an_empty_data_vector_is_a_constant() {
    // interpreter_builder.cc (get_readonly_data): any present data vector is read-only data.
    let bytes = reshape_to_scalar();
    let m = model::read(&bytes).expect("valid model");
    let shape = &m.subgraphs[0].tensors[1];
    assert!(shape.is_const(), "int32[0] with an empty data vector is a constant");
    assert_eq!(m.data(shape), Some(&[][..]));
    for sdk in analyze::ALL_LEVELS {
        let a = run(&bytes, &Options { sdk, ..Options::default() });
        assert_ne!(a.outcome, Outcome::Fails, "API {sdk}: {:?}", a.failure);
        for r in &a.refused {
            assert!(
                !r.reasons.iter().any(|x| x.contains("must be constant")),
                "API {sdk}: op {} refused as if its shape were computed: {:?}",
                r.index,
                r.reasons
            );
        }
    }
}
