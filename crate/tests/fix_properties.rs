//! Surgery safety on random valid graphs: for every generated model, level and delegate setting,
//! a fix (1) writes a model that verifies, (2) leaves every original tensor's name, shape,
//! quantization and data as they were, (3) leaves every op it did not touch exactly as it was, and
//! (4) never makes the predictor's verdict worse.

use delegate_doctor::builder::{const_bytes, const_i32, const_i64, tensor, ModelBuilder};
use delegate_doctor::fixes::{fix, FixOptions};
use delegate_doctor::model::{self, BuiltinOperator as Op, TensorType as T};
use delegate_doctor::nnapi::delegate::{Analysis, Options, Outcome};
use delegate_doctor::opts;
use tflite_schema::tflite::Padding;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// A uint8 activation [1, h, w, c] with one shared quantization (so every op keeps it).
fn act(b: &mut ModelBuilder, name: &str, h: i32, w: i32, c: i32) -> i32 {
    b.add(tensor(name, T::UINT8, &[1, h, w, c]).quant(0.05, 128))
}

/// A random chain of blocks, some of which the delegate refuses and a fix can cure.
fn random_model(rng: &mut Lcg) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let (mut h, mut w, c) = (17, 17, 4);
    let mut x = b.input(tensor("input", T::UINT8, &[1, h, w, c]).quant(0.05, 128));
    for k in 0..(2 + rng.next(8)) {
        let name = format!("t{k}");
        match rng.next(7) {
            0 => {
                let y = act(&mut b, &name, h, w, c);
                b.op(Op::RELU, &[x], &[y]);
                x = y;
            }
            1 | 2 => {
                let weights = const_bytes(&format!("w{k}"), T::UINT8, &[c, 1, 1, c], &vec![130; (c * c) as usize]).quant(0.02, 128);
                let wt = b.add(weights);
                let y = act(&mut b, &name, h, w, c);
                if rng.next(2) == 0 {
                    let bias = b.add(const_i32(&format!("b{k}"), &[c], &vec![3; c as usize]).quant(0.001, 0));
                    b.op(Op::CONV_2D, &[x, wt, bias], &[y]).options(opts!(Conv2DOptions { stride_w: 1, stride_h: 1 }));
                } else {
                    b.op(Op::CONV_2D, &[x, wt], &[y]).options(opts!(Conv2DOptions { stride_w: 1, stride_h: 1 }));
                }
                x = y;
            }
            3 if h > 1 => {
                let y = act(&mut b, &name, 1, 1, c);
                let (fh, fw) = (h, w);
                b.op(Op::AVERAGE_POOL_2D, &[x], &[y])
                    .options(opts!(Pool2DOptions { padding: Padding::VALID, filter_height: fh, filter_width: fw, stride_h: 1, stride_w: 1 }));
                (h, w) = (1, 1);
                x = y;
            }
            4 => {
                let (oh, ow) = if h == 1 { (17, 17) } else { (2 * h - 1 + 8, 2 * w - 1 + 8) };
                let size = b.add(const_i32(&format!("size{k}"), &[2], &[oh, ow]));
                let y = act(&mut b, &name, oh, ow, c);
                b.op(Op::RESIZE_BILINEAR, &[x, size], &[y]).options(opts!(ResizeBilinearOptions { align_corners: true }));
                (h, w) = (oh, ow);
                x = y;
            }
            5 => {
                let pads = b.add(const_i64(&format!("pads{k}"), &[4, 2], &[0, 0, 1, 1, 1, 1, 0, 0]));
                let y = act(&mut b, &name, h + 2, w + 2, c);
                b.op(Op::PAD, &[x, pads], &[y]);
                (h, w) = (h + 2, w + 2);
                x = y;
            }
            _ => {
                let y = act(&mut b, &name, h, w, c);
                b.custom_op("MyCustomOp", &[x], &[y]);
                x = y;
            }
        }
    }
    if rng.next(2) == 0 {
        let axis = b.add(const_i32("axis", &[1], &[3]));
        let y = b.add(tensor("argmax", T::INT64, &[1, h, w]));
        b.op(Op::ARG_MAX, &[x, axis], &[y]).options(opts!(ArgMaxOptions { output_type: T::INT64 }));
        x = y;
    }
    b.output(x);
    b.finish()
}

fn rank(o: Outcome) -> u8 {
    match o {
        Outcome::Fails => 0,
        Outcome::None => 1,
        Outcome::Partial => 2,
        Outcome::Full => 3,
    }
}

fn cpu_ops(a: &Analysis) -> usize {
    a.plan.iter().filter(|r| !r.is_delegate()).count()
}

#[test]
fn fixes_are_safe_on_random_graphs() {
    let mut rng = Lcg(2026);
    let mut applied = 0;
    let mut seen = std::collections::BTreeSet::new();
    for case in 0..400 {
        let bytes = random_model(&mut rng);
        let target = Options {
            sdk: 27 + rng.next(9) as u32,
            disable_nnapi_cpu: rng.next(2) == 0,
            max_delegated_partitions: rng.next(4) as i32,
            ..Options::default()
        };
        let (fixed, report) = fix(&bytes, &FixOptions { target: target.clone(), ..FixOptions::default() })
            .unwrap_or_else(|e| panic!("case {case}: fix failed: {e}"));
        let a = model::read(&bytes).unwrap();
        let b = model::read(&fixed).unwrap_or_else(|e| panic!("case {case}: fixed model does not read: {e}"));
        let (sa, sb) = (&a.subgraphs[0], &b.subgraphs[0]);
        applied += report.changes.len();
        seen.extend(report.changes.iter().map(|c| c.fix));

        // (2) original tensors keep name, shape, quantization and data (an ARG_MAX output may become int32).
        for (i, (ta, tb)) in sa.tensors.iter().zip(&sb.tensors).enumerate() {
            assert_eq!((&ta.name, &ta.shape, &ta.quantization), (&tb.name, &tb.shape, &tb.quantization), "case {case} tensor {i}");
            assert_eq!(a.data(ta), b.data(tb), "case {case} data of tensor {i}");
            if ta.dtype != tb.dtype {
                assert!(report.changes.iter().any(|c| c.fix == "argmax-int32"), "case {case}: tensor {i} changed type");
            }
        }
        // (3) every op that no change touched is still there, the same.
        let touched: Vec<i32> = report.changes.iter().flat_map(|c| c.touched.iter().copied()).collect();
        for (i, op) in sa.operators.iter().enumerate() {
            if report.changes.iter().any(|c| c.op == i) || op.outputs.iter().any(|t| touched.contains(t)) {
                continue;
            }
            let same = sb.operators.iter().find(|o| o.outputs == op.outputs).unwrap_or_else(|| panic!("case {case}: op {i} is gone"));
            assert_eq!((same.code, same.version, &same.inputs), (op.code, op.version, &op.inputs), "case {case} op {i}");
            assert_eq!(same.options, op.options, "case {case} op {i}");
        }
        // (4) the verdict is never worse.
        let (before, after) = (&report.before, &report.after);
        assert!(rank(after.outcome) >= rank(before.outcome), "case {case}: {:?} → {:?}", before.outcome, after.outcome);
        assert!(after.refused.len() <= before.refused.len(), "case {case}: more refused ops after fixing");
        if before.outcome == Outcome::Partial && after.outcome == Outcome::Partial {
            assert!(cpu_ops(after) <= cpu_ops(before), "case {case}: more CPU ops after fixing");
        }
    }
    assert!(applied > 100, "the generator should exercise the fixes (applied {applied})");
    let expected = ["argmax-int32", "avg-pool-window", "conv-zero-bias", "int64-constants", "resize-align-corners"];
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), expected, "every fix is exercised");
}

