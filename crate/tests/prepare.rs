//! What Prepare leaves dynamic (`delegate_doctor::dynamic`) and the names after Prepare, on the
//! fixtures of examples/make_prepare_fixtures (one per kernel rule, both ways), with what the real
//! interpreter showed for them (tests/python/test_prepare.py, ai-edge-litert 2.3.0), and on models
//! the interpreter itself cannot be given (cycles, deep nesting, bad indices).

#[allow(dead_code)]
#[path = "../examples/make_prepare_fixtures/fixtures.rs"]
mod fixtures;

use delegate_doctor::builder::{const_f32, const_i32, tensor, ModelBuilder};
use delegate_doctor::dynamic::{self, DynamicStop};
use delegate_doctor::model::{self, BuiltinOperator as B, TensorType as T};
use delegate_doctor::nnapi::delegate::{analyze, Analysis, Options, Outcome};
use delegate_doctor::opts;

fn stop_of(bytes: &[u8]) -> Option<DynamicStop> {
    let m = model::read(bytes).expect("a valid fixture");
    dynamic::first_dynamic_tensor(&m.subgraphs, 0..m.subgraphs.len())
}

fn run(bytes: &[u8], o: &Options) -> Analysis {
    analyze(&model::read(bytes).expect("a valid model"), o)
}

fn rows(a: &Analysis) -> Vec<(String, String)> {
    a.plan.iter().map(|r| (r.node_type.clone(), r.name.clone())).collect()
}

/// The fixture `name` of the dynamic (`true`) or static kind.
fn fixture(name: &str, dynamic: bool) -> Vec<u8> {
    let found = fixtures::all().into_iter().find(|f| f.0 == name && f.1 == dynamic);
    found.unwrap_or_else(|| panic!("no fixture {name} (dynamic: {dynamic})")).2
}

#[test]
fn every_fixture_is_dynamic_exactly_when_the_real_interpreter_refused_the_static_delegate() {
    let all = fixtures::all();
    assert!(all.len() > 100);
    for (name, dynamic, bytes) in all {
        assert_eq!(stop_of(&bytes).is_some(), dynamic, "{name}");
    }
}

/// (fixture, subgraph, op where preparation stops, tensor#N the interpreter logged, every tensor
/// left dynamic): N as logged with tests/python/static_delegate.c, the numeric tensors of the set
/// as seen after allocate_tensors() (strings and resources from the rules).
type Measured = (&'static str, usize, Option<usize>, i32, &'static [usize]);

const MEASURED: &[Measured] = &[
    ("arg_max", 0, Some(0), 2, &[2]),
    ("arg_min", 0, Some(0), 2, &[2]),
    ("batch_to_space_nd", 0, Some(0), 3, &[3]),
    ("broadcast_args_then_fill", 0, Some(1), 4, &[4]),
    ("broadcast_to", 0, Some(0), 2, &[2]),
    ("call_once_dynamic_init", 1, Some(1), 1, &[1]),
    ("concatenation_then_reshape", 0, Some(1), -1, &[]),
    ("composite_fill", 0, Some(0), 2, &[2]),
    ("conv_3d_transpose", 0, Some(0), 3, &[3]),
    ("dilate", 0, Some(1), 4, &[4]),
    ("embedding_lookup_sparse", 0, Some(0), 5, &[5]),
    ("expand_dims", 0, Some(0), 2, &[2]),
    ("fill", 0, Some(0), 2, &[2]),
    ("fill_twice", 0, Some(0), 3, &[3]),
    ("gather_string_computed", 0, Some(0), 2, &[2]),
    ("gather_string_graph_output", 0, Some(0), 2, &[2]),
    ("gather_string_indices_computed", 0, Some(0), 2, &[2]),
    ("gather_then_reshape", 0, Some(1), -1, &[]),
    ("hashtable", 0, Some(0), 0, &[0]),
    ("if_branch_fill", 0, Some(0), 3, &[3]),
    ("if_shapes_differ", 0, Some(0), 3, &[3]),
    ("mean", 0, Some(0), 2, &[2]),
    ("mirror_pad", 0, Some(0), 2, &[2]),
    ("mul_then_fill", 0, Some(1), 4, &[4]),
    ("multinomial", 0, Some(0), 2, &[2]),
    ("non_max_suppression_v4", 0, Some(0), 5, &[5]),
    ("non_max_suppression_v5", 0, Some(0), 5, &[5, 7]),
    ("one_hot", 0, Some(0), 4, &[4]),
    ("pad", 0, Some(0), 2, &[2]),
    ("pad_scalar_input", 0, Some(0), 2, &[2]),
    ("padv2", 0, Some(0), 3, &[3]),
    ("random_standard_normal", 0, Some(0), 1, &[1]),
    ("random_uniform", 0, Some(0), 1, &[1]),
    ("range", 0, Some(0), 3, &[3]),
    ("read_variable", 0, Some(1), 1, &[1]),
    ("reduce_max", 0, Some(0), 2, &[2]),
    ("reduce_prod_large_then_reshape", 0, Some(1), -1, &[]),
    ("reshape", 0, Some(0), -1, &[]),
    ("reshape_then_fill", 0, Some(1), 4, &[4]),
    ("reshape_with_string_output", 0, Some(0), 0, &[0]),
    ("resize_bilinear", 0, Some(0), 2, &[2]),
    ("resize_nearest_neighbor", 0, Some(0), 2, &[2]),
    ("rfft2d", 0, Some(0), 2, &[2]),
    ("scatter_nd", 0, Some(0), 3, &[3]),
    ("segment_sum", 0, Some(0), 2, &[2]),
    ("slice_begin_computed_output_unknown", 0, Some(0), 3, &[3]),
    ("slice_known_input_unknown", 0, Some(0), 3, &[3]),
    ("space_to_batch_nd", 0, Some(0), 3, &[3]),
    ("sparse_to_dense", 0, Some(0), 4, &[4]),
    ("split", 0, Some(0), 2, &[2, 3]),
    ("split_v", 0, Some(0), 3, &[3, 4]),
    ("strided_slice", 0, Some(0), 4, &[4]),
    ("strided_slice_offset_strides_computed", 0, Some(0), 4, &[4]),
    ("strided_slice_then_fill", 0, Some(1), 6, &[6]),
    ("string_output_passthrough", 0, None, 0, &[0]),
    ("sum_then_reshape", 0, Some(1), -1, &[]),
    ("tile", 0, Some(0), 2, &[2]),
    ("tile_then_fill", 0, Some(1), 4, &[4]),
    ("topk_v2", 0, Some(0), 2, &[2, 3]),
    ("topk_v2_unknown_dimension", 0, Some(0), 2, &[2, 3]),
    ("transpose", 0, Some(0), 2, &[2]),
    ("transpose_conv", 0, Some(0), 3, &[3]),
    ("transpose_conv_shape_computed", 0, Some(1), 4, &[4]),
    ("unique", 0, Some(0), 1, &[1]),
    ("unsorted_segment_sum", 0, Some(0), 3, &[3]),
    ("where", 0, Some(0), 1, &[1]),
    ("while_body_grows", 0, Some(0), 2, &[2, 3]),
    ("while_cond_fill", 1, Some(0), 3, &[3]),
    ("while_fill_body", 0, Some(0), 3, &[3, 5]),
    ("while_resource_passthrough", 0, Some(1), 2, &[2, 3]),
    ("while_strided_slice_begin_computed", 0, Some(0), 3, &[3, 4, 5]),
];

#[test]
fn the_tensor_named_and_the_tensors_left_dynamic_are_the_ones_the_real_interpreter_showed() {
    for &(name, subgraph, op, tensor, set) in MEASURED {
        let stop = stop_of(&fixture(name, true)).unwrap_or_else(|| panic!("{name}: nothing dynamic"));
        assert_eq!((stop.subgraph, stop.op, stop.tensor, stop.dynamic), (subgraph, op, tensor, set.to_vec()), "{name}");
    }
}

#[test]
fn the_failure_says_where_preparation_stopped() {
    let o = Options { sdk: 30, ..Options::default() };
    let a = run(&fixture("fill", true), &o);
    assert_eq!(a.outcome, Outcome::Fails);
    let reason = a.failure.as_ref().map(|f| f.reason.clone()).unwrap_or_default();
    assert!(reason.contains("(tensor#2 is a dynamic-sized tensor). It is made by op 0 (FILL);"), "{reason}");
    let d = a.dynamic.expect("the dynamic tensors");
    assert_eq!((d.subgraph, d.tensor, d.op_index, d.tensors), (0, 2, Some(0), vec![2]));
    let a = run(&fixture("sum_then_reshape", true), &o);
    let reason = a.failure.map(|f| f.reason).unwrap_or_default();
    assert!(reason.contains("(tensor#-1 is a dynamic-sized tensor). Preparation stops at op 1 (RESHAPE)"), "{reason}");
    let a = run(&fixture("string_output_passthrough", true), &o);
    let f = a.failure.expect("a failure");
    assert!(f.reason.contains("Tensor 0, an output of the subgraph, is dynamic-sized from the start"), "{}", f.reason);
    assert_eq!(f.op_index, None);
    let a = run(&fixture("while_cond_fill", true), &o);
    let f = a.failure.expect("a failure");
    assert!(f.reason.contains("It is made by op 0 (FILL) of subgraph 1;"), "{}", f.reason);
    assert_eq!((f.subgraph, f.op_index), (Some(1), Some(0)));
}

#[test]
fn dynamic_dimensions_allowed_skip_the_check() {
    let a = run(&fixture("fill", true), &Options { sdk: 30, allow_dynamic_dimensions: true, ..Options::default() });
    assert_ne!(a.outcome, Outcome::Fails);
    assert!(a.dynamic.is_none());
}

#[test]
fn densify_renames_its_output_and_while_drops_an_unread_pass_through() {
    // As after allocate_tensors() in the real interpreter (test_prepare.py).
    let none = Options { sdk: 26, ..Options::default() };
    let a = run(&fixture("densify_renames_output", false), &none);
    assert_eq!(rows(&a)[0], ("DENSIFY".into(), "[Densify_output]:0".into()));
    let a = run(&fixture("while_unread_passthrough", false), &none);
    assert_eq!(rows(&a), vec![("WHILE".into(), "[i_out, Unknown]:0".into())]);
    // A read pass-through output is kept.
    let a = run(&fixture("while_relu_body", false), &none);
    assert_eq!(rows(&a), vec![("WHILE".into(), "[i_out, x_out]:0".into())]);
}

/// x → ADD(x, DENSIFY(sparse)) → y, the densified weights also a graph output.
fn densify_output_model() -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &[4]));
    let sparse = b.add(const_f32("sparse", &[4], &[1.0, 0.0, 2.0, 0.0]));
    let w = b.add(tensor("weights", T::FLOAT32, &[4]));
    b.op(B::DENSIFY, &[sparse], &[w]);
    let y = b.add(tensor("y", T::FLOAT32, &[4]));
    b.op(B::ADD, &[x, w], &[y]).options(opts!(AddOptions {}));
    b.output(y).output(w);
    b.finish()
}

#[test]
fn a_delegated_densify_renames_its_output_only_if_the_check_prepared_it() {
    let bytes = densify_output_model();
    let checked = run(&bytes, &Options { sdk: 30, ..Options::default() });
    assert_eq!(rows(&checked), vec![("TfLiteNnapiDelegate".into(), "[Densify_output, y]:2".into())]);
    // With dynamic dimensions allowed nothing prepares the DENSIFY before the delegate takes it.
    let allowed = run(&bytes, &Options { sdk: 30, allow_dynamic_dimensions: true, ..Options::default() });
    assert_eq!(rows(&allowed), vec![("TfLiteNnapiDelegate".into(), "[weights, y]:2".into())]);
}

/// Subgraph 0: x → WHILE(cond, body) → y, with the body made by `body`.
fn while_model(cond: i32, body_index: i32, body: impl FnOnce(&mut ModelBuilder)) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::INT32, &[]));
    let y = b.add(tensor("y", T::INT32, &[]));
    b.op(B::WHILE, &[x], &[y])
        .options(opts!(WhileOptions { cond_subgraph_index: cond, body_subgraph_index: body_index }));
    b.output(y);
    b.subgraph("cond");
    let i = b.input(tensor("i", T::INT32, &[]));
    let three = b.add(const_i32("three", &[], &[3]));
    let go = b.add(tensor("go", T::BOOL, &[]));
    b.op(B::LESS, &[i, three], &[go]);
    b.output(go);
    b.subgraph("body");
    body(&mut b);
    b.finish()
}

#[test]
fn control_flow_that_cannot_be_followed_is_not_dynamic_and_does_not_hang() {
    // A body that loops back into subgraph 0, a body index out of range, cond == body.
    let cyclic = while_model(1, 0, |b| {
        let i = b.input(tensor("i", T::INT32, &[]));
        b.output(i);
    });
    let out_of_range = while_model(1, 7, |_| {});
    let same = while_model(1, 1, |_| {});
    for bytes in [cyclic, out_of_range, same] {
        assert_eq!(stop_of(&bytes), None);
    }
}

#[test]
fn deeply_nested_loops_stop_being_followed() {
    // Subgraph k's WHILE runs subgraph k + 1 as its body, 200 levels deep; the innermost body
    // has a FILL from a loop variable, which would make every level dynamic.
    let depth = 200;
    let mut b = ModelBuilder::new();
    for k in 0..depth {
        if k > 0 {
            b.subgraph(&format!("level{k}"));
        }
        let i = b.input(tensor("i", T::INT32, &[2]));
        let o = b.add(tensor("o", T::INT32, &[2]));
        let body = (k + 1) as i32;
        b.op(B::WHILE, &[i], &[o])
            .options(opts!(WhileOptions { cond_subgraph_index: depth as i32, body_subgraph_index: body }));
        b.output(o);
    }
    b.subgraph("cond");
    let i = b.input(tensor("i", T::INT32, &[2]));
    let go = b.add(tensor("go", T::BOOL, &[]));
    let zero = b.add(const_i32("zero", &[2], &[0, 0]));
    let any = b.add(tensor("ne", T::BOOL, &[2]));
    b.op(B::NOT_EQUAL, &[i, zero], &[any]);
    let axis = b.add(const_i32("axis", &[1], &[0]));
    b.op(B::REDUCE_ANY, &[any, axis], &[go]).options(opts!(ReducerOptions { keep_dims: false }));
    b.output(go);
    b.subgraph("innermost");
    let i = b.input(tensor("i", T::INT32, &[2]));
    let v = b.add(const_f32("value", &[], &[1.0]));
    let f = b.add(tensor("filled", T::FLOAT32, &[2, 2]));
    b.op(B::FILL, &[i, v], &[f]);
    b.output(i);
    let bytes = b.finish();
    let m = model::read(&bytes).expect("valid");
    assert_eq!(m.subgraphs.len(), depth + 2);
    // Too deep to follow from subgraph 0: the levels are taken as static there, and the first
    // subgraph whose own check reaches the FILL within the limit fails.
    let stop = dynamic::first_dynamic_tensor(&m.subgraphs, 0..m.subgraphs.len()).expect("the FILL is found");
    assert!(stop.subgraph > 0, "{stop:?}");
}
