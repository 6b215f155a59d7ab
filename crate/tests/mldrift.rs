//! ML Drift's node rules (delegates::gpu::mldrift) on models built here. Each expectation is the
//! message of LiteRT's ml_drift_delegate/tflite/model_builder.cc at f674579; the ones the real
//! accelerator can show are also checked against it by tests/python/test_mldrift_rules.py.

use delegate_doctor::builder::{const_bytes, const_f32, const_i32, tensor, ModelBuilder};
use delegate_doctor::delegates::gpu::{mldrift, GpuContext};
use delegate_doctor::model::{self, BuiltinOperator as Op, TensorType as T};
use delegate_doctor::opts;

const S: [i32; 4] = [1, 4, 4, 8];

/// The refusal of every operator of the model, in order (fp16 remap applied as the helper does).
fn refusals(bytes: &[u8]) -> Vec<Option<String>> {
    let m = model::read(bytes).expect("model reads");
    let sg = &m.subgraphs[0];
    let remapped = mldrift::with_fp16_dequant_remap(sg);
    let ctx = GpuContext {
        model: &m,
        subgraph: remapped.as_ref().unwrap_or(sg),
        index: 0,
    };
    (0..sg.operators.len())
        .map(|i| mldrift::node_refusal(&ctx, i))
        .collect()
}

fn line(s: &str) -> Option<String> {
    Some(s.to_string())
}

/// x, x2 → ADD → a, then `tail` appends ops reading `a`.
fn model_with(tail: impl FnOnce(&mut ModelBuilder, i32) -> i32) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &S));
    let x2 = b.input(tensor("x2", T::FLOAT32, &S));
    let a = b.add(tensor("a", T::FLOAT32, &S));
    b.op(Op::ADD, &[x, x2], &[a]).options(opts!(AddOptions {}));
    let y = tail(&mut b, a);
    b.output(y);
    b.finish()
}

#[test]
fn arg_max_int64_output_is_refused_by_the_filter_with_the_tensor_name() {
    let bytes = model_with(|b, a| {
        let axis = b.add(const_i32("axis", &[1], &[3]));
        let y = b.add(tensor("ArgMax", T::INT64, &[1, 4, 4]));
        b.op(Op::ARG_MAX, &[a, axis], &[y]);
        y
    });
    assert_eq!(
        refusals(&bytes),
        vec![
            None,
            line("ARG_MAX: Tensor type(INT64) is not supported. ArgMax")
        ]
    );
}

#[test]
fn identical_inputs_are_refused_except_for_mul_and_add() {
    for (code, expected) in [
        (
            Op::DIV,
            line("DIV: No support of few identical inputs in the same operation."),
        ),
        (
            Op::SUB,
            line("SUB: No support of few identical inputs in the same operation."),
        ),
        (Op::MUL, None),
        (Op::ADD, None),
    ] {
        let bytes = model_with(|b, a| {
            let y = b.add(tensor("y", T::FLOAT32, &S));
            b.op(code, &[a, a], &[y]);
            y
        });
        assert_eq!(refusals(&bytes)[1], expected, "{code:?}");
    }
}

#[test]
fn rank_5_fails_the_filter_and_rank_6_the_parser() {
    // ValidateSupport checks the outputs (PreCheckOutputs) before the parser reads its input.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x5", T::FLOAT32, &[1, 2, 2, 2, 2]));
    let y = b.add(tensor("y5", T::FLOAT32, &[1, 2, 2, 2, 2]));
    b.op(Op::TANH, &[x], &[y]);
    let x6 = b.input(tensor("x6", T::FLOAT32, &[1, 1, 2, 2, 2, 2]));
    let y6 = b.add(tensor("y6", T::FLOAT32, &[1, 1, 2, 2, 2, 2]));
    b.op(Op::TANH, &[x6], &[y6]);
    b.output(y).output(y6);
    assert_eq!(
        refusals(&b.finish()),
        vec![
            line("TANH: Tensor dimensions must be less than 5. x5"),
            line("TANH: Tensor \"y6\" has bad input dims size: 6.")
        ]
    );
}

#[test]
fn fp16_dequantize_is_refused_with_an_empty_detail_and_its_consumer_reads_the_constant() {
    // CONV_2D weights from a DEQUANTIZE: remapped, the weights are a constant (one runtime
    // input), so the conv needs no second runtime input and is taken.
    let mut b = ModelBuilder::new();
    let x = b.input(tensor("x", T::FLOAT32, &S));
    let half: Vec<u8> = (0..8 * 8).flat_map(|_| 0x3c00u16.to_le_bytes()).collect();
    let w16 = b.add(const_bytes("w16", T::FLOAT16, &[8, 1, 1, 8], &half));
    let w = b.add(tensor("w", T::FLOAT32, &[8, 1, 1, 8]));
    b.op(Op::DEQUANTIZE, &[w16], &[w]).version(2);
    let bias = b.add(const_f32("bias", &[8], &[0.0; 8]));
    let y = b.add(tensor("y", T::FLOAT32, &S));
    b.op(Op::CONV_2D, &[x, w, bias], &[y])
        .options(opts!(Conv2DOptions {
            stride_w: 1,
            stride_h: 1
        }));
    b.output(y);
    let bytes = b.finish();
    assert_eq!(refusals(&bytes), vec![line("DEQUANTIZE: "), None]);
    let m = model::read(&bytes).unwrap();
    assert_eq!(
        mldrift::refusal_lines(&m).into_iter().collect::<Vec<_>>(),
        vec!["DEQUANTIZE: ".to_string()]
    );
    let remapped = mldrift::with_fp16_dequant_remap(&m.subgraphs[0]).expect("an fp16 DEQUANTIZE");
    assert_eq!(remapped.operators[1].inputs, vec![x, w16, bias]);
}

#[test]
fn strided_slice_uses_its_own_check_with_the_source_wording() {
    let bytes = model_with(|b, a| {
        let begin = b.add(const_i32("b", &[4], &[0, 0, 0, 0]));
        let end = b.add(const_i32("e", &[4], &[1, 4, 4, 8]));
        let strides = b.add(const_i32("s", &[4], &[1, 1, 1, 1]));
        let y = b.add(tensor("y", T::FLOAT32, &[4, 4, 8]));
        b.op(Op::STRIDED_SLICE, &[a, begin, end, strides], &[y])
            .options(opts!(StridedSliceOptions {
                shrink_axis_mask: 1
            }));
        y
    });
    assert_eq!(
        refusals(&bytes)[1],
        line("STRIDED_SLICE: Slice does not support shrink_axis_mask parameter. ")
    );
}

#[test]
fn strided_slice_output_shape_must_match_the_slice() {
    let bytes = model_with(|b, a| {
        let begin = b.add(const_i32("b", &[4], &[0, 0, 0, 0]));
        let end = b.add(const_i32("e", &[4], &[1, 4, 4, 8]));
        let strides = b.add(const_i32("s", &[4], &[1, 2, 2, 1]));
        let ok = b.add(tensor("ok", T::FLOAT32, &[1, 2, 2, 8]));
        b.op(Op::STRIDED_SLICE, &[a, begin, end, strides], &[ok]);
        let bad = b.add(tensor("bad", T::FLOAT32, &[1, 4, 4, 8]));
        b.op(Op::STRIDED_SLICE, &[a, begin, end, strides], &[bad]);
        bad
    });
    assert_eq!(
        refusals(&bytes)[1..],
        [None, line("STRIDED_SLICE: Output shape mismatch")]
    );
}

#[test]
fn slice_reads_begin_and_size_as_constants_and_refuses_a_constant_input() {
    let bytes = model_with(|b, a| {
        let begin_in = b.input(tensor("begin_in", T::INT32, &[4]));
        let size = b.add(const_i32("size", &[4], &[1, 2, 2, 8]));
        let s1 = b.add(tensor("s1", T::FLOAT32, &[1, 2, 2, 8]));
        b.op(Op::SLICE, &[a, begin_in, size], &[s1]);
        let c = b.add(const_f32("c", &S, &[0.0; 128]));
        let begin = b.add(const_i32("begin", &[4], &[0, 0, 0, 0]));
        let s2 = b.add(tensor("s2", T::FLOAT32, &[1, 2, 2, 8]));
        b.op(Op::SLICE, &[c, begin, size], &[s2]);
        let s3 = b.add(tensor("s3", T::FLOAT32, &[1, 2, 2, 8]));
        b.op(Op::SLICE, &[a, begin, size], &[s3]);
        s3
    });
    assert_eq!(
        refusals(&bytes)[1..],
        [
            line("SLICE: src has no data."),
            line("SLICE: Constant input is not supported."),
            None
        ]
    );
}

#[test]
fn op_names_follow_get_op_name_by_registration() {
    let bytes = model_with(|b, a| {
        let c = b.add(tensor("c", T::FLOAT32, &S));
        b.custom_op("MyCustomOp", &[a], &[c]);
        let y = b.add(tensor("y", T::FLOAT32, &S));
        b.op(Op::L2_NORMALIZATION, &[c], &[y]);
        y
    });
    assert_eq!(
        refusals(&bytes)[1..],
        [
            line("CUSTOM MyCustomOp: MyCustomOp"),
            line("L2_NORMALIZATION: Operation is not supported.")
        ]
    );
}

#[test]
fn versions_above_the_parser_maximum_are_refused() {
    let bytes = model_with(|b, a| {
        let y = b.add(tensor("y", T::FLOAT32, &S));
        b.op(Op::SOFTMAX, &[a], &[y])
            .version(5)
            .options(opts!(SoftmaxOptions { beta: 1.0 }));
        let z = b.add(tensor("z", T::FLOAT32, &S));
        b.op(Op::SOFTMAX, &[y], &[z])
            .options(opts!(SoftmaxOptions { beta: 2.0 }));
        z
    });
    assert_eq!(
        refusals(&bytes)[1..],
        [
            line("SOFTMAX: Max version supported: 4. Requested version 5."),
            line("SOFTMAX: Softmax.beta != 1 is not supported.")
        ]
    );
}

#[test]
fn select_v2_checks_its_condition_type_itself() {
    let mut b = ModelBuilder::new();
    let cond = b.input(tensor("cond", T::INT32, &S));
    let p = b.input(tensor("p", T::FLOAT32, &S));
    let q = b.input(tensor("q", T::FLOAT32, &S));
    let y = b.add(tensor("y", T::FLOAT32, &S));
    b.op(Op::SELECT_V2, &[cond, p, q], &[y]);
    b.output(y);
    assert_eq!(
        refusals(&b.finish()),
        vec![line(
            "SELECT_V2: Cond must be float or bool type, if, else tensors must be either be same the shape as output or constant, scalar."
        )]
    );
}

#[test]
fn comparisons_take_integer_inputs_and_bool_outputs_but_not_int64() {
    for (dtype, expected) in [
        (T::INT32, None),
        (
            T::INT64,
            line("LESS: Tensor type(INT64) is not supported. l"),
        ),
    ] {
        let mut b = ModelBuilder::new();
        let l = b.input(tensor("l", dtype, &S));
        let r = b.input(tensor("r", dtype, &S));
        let y = b.add(tensor("y", T::BOOL, &S));
        b.op(Op::LESS, &[l, r], &[y]);
        b.output(y);
        assert_eq!(refusals(&b.finish()), vec![expected], "{dtype:?}");
    }
}

#[test]
fn a_shape_computed_at_prepare_is_a_runtime_input_for_the_compatibility_check() {
    // SHAPE's int32 output is kTfLitePersistentRo when the delegate runs. The tensor filter
    // checks only kTfLiteArenaRw tensors, so it lets the RESHAPE reading it pass; but the
    // compatibility check counts only kTfLiteMmapRo tensors as constant (op_signature.cc
    // GetOpSignature: is_const), so RESHAPE has two runtime inputs. The real accelerator
    // (ai-edge-litert 2.3.0 on lavapipe) prints exactly these two lines for this model.
    let bytes = model_with(|b, a| {
        let shape = b.add(tensor("shape", T::INT32, &[4]));
        b.op(Op::SHAPE, &[a], &[shape])
            .options(opts!(ShapeOptions { out_type: T::INT32 }));
        let y = b.add(tensor("y", T::FLOAT32, &S));
        b.op(Op::RESHAPE, &[a, shape], &[y]);
        y
    });
    assert_eq!(
        refusals(&bytes)[1..],
        [
            line("SHAPE: Operation is not supported."),
            line("RESHAPE: Expected 1 runtime input tensor(s), but node has 2 runtime input(s).")
        ]
    );
}

#[test]
fn one_hot_compares_a_set_axis_with_the_last_dimension() {
    for (axis, expected) in [
        (-1, None),
        (2, None),
        (
            0,
            line("ONE_HOT: OneHot axis must be -1 or the last dimension."),
        ),
    ] {
        let mut b = ModelBuilder::new();
        let indices = b.input(tensor("indices", T::INT32, &[1, 2]));
        let depth = b.add(const_i32("depth", &[], &[8]));
        let on = b.add(const_f32("on", &[], &[1.0]));
        let off = b.add(const_f32("off", &[], &[0.0]));
        let y = b.add(tensor("y", T::FLOAT32, &[1, 2, 8]));
        b.op(Op::ONE_HOT, &[indices, depth, on, off], &[y])
            .options(opts!(OneHotOptions { axis: axis }));
        b.output(y);
        assert_eq!(refusals(&b.finish()), vec![expected], "axis {axis}");
    }
}

#[test]
fn malformed_nodes_are_refused_without_panicking() {
    // Missing inputs for ops whose parsers read fixed positions.
    for code in [
        Op::ARG_MAX,
        Op::CONV_2D,
        Op::STRIDED_SLICE,
        Op::PAD,
        Op::TRANSPOSE,
        Op::LSTM,
        Op::SPLIT,
        Op::GATHER,
    ] {
        let mut b = ModelBuilder::new();
        let x = b.input(tensor("x", T::FLOAT32, &S));
        let y = b.add(tensor("y", T::FLOAT32, &S));
        b.op(code, &[x], &[y]);
        b.output(y);
        let r = refusals(&b.finish());
        assert!(
            r[0].is_some(),
            "{code:?} with one input should be refused: {r:?}"
        );
    }
}
