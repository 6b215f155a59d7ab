"""fp16-weight models under the NNAPI delegate, checked against the real TFLite interpreter
(ai-edge-litert 2.3.0).

(a) The partition-limit failure. The delegate's fp16 path rewires every supported op to read the
    float16 constants directly; when a partition limit drops partitions, their ops go back to the
    CPU still rewired. The interpreter's own kernels are the judge of what happens then: for every
    op that `analyze` says is left reading fp16 weights on the CPU, this test rewires exactly those
    ops of the model the same way (the fp16 input replaces the DEQUANTIZE output, as
    FP16GraphPartitionHelper::RemapFp16InputTensors does) and runs allocate_tensors() with the
    builtin kernels (BUILTIN_WITHOUT_DEFAULT_DELEGATES, which runs every kernel's Prepare). Where we
    predict a failure, Prepare must fail with the kernel check and the "Node number N (OP) failed to
    prepare." line we log; where we predict wrong results, Prepare must pass and the output must
    differ from the model's true output.
(b) The fold fix (fp16-weights-to-fp32): the fixed model's outputs are bit-identical to the
    original's on both CPU backends (XNNPACK = AUTO, and the builtin kernels), and the fixed model
    analyses as predicted. On MediaPipe's selfie segmentation model, whose last ops include the
    custom op Convolution2DTransposeBias that the interpreter cannot run, the two models are
    compared on the prefix that ends at the custom op's input (cut in both the same way), and every
    folded weight is checked bit for bit against the float16 value it came from.

Run from the repository root:
    .venv/bin/python -m unittest tests/python/test_fp16.py -v
Fixtures are generated into a temporary directory by
    cargo run -q --example make_fp16_fixtures -- DIR
"""

import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

sys.path.insert(0, str(Path(__file__).resolve().parent))  # dd_support, also when run by path
import dd_support as dd  # noqa: E402

SELFIE = dd.SHARED / "models" / "mediapipe" / "selfie_segmentation.tflite"
FOLD = "fp16-weights-to-fp32"
_DIR = tempfile.TemporaryDirectory(prefix="dd-fp16-")
FIXTURES = Path(_DIR.name)


def setUpModule():
    dd.binary()
    subprocess.run(["cargo", "run", "-q", "--example", "make_fp16_fixtures", "--", str(FIXTURES)], cwd=dd.REPO, check=True)


# ---------------------------------------------------------------- reading and rewriting models


def read_model(path):
    return schema.ModelT.InitFromPackedBuf(Path(path).read_bytes(), 0)


def write_model(m, path):
    b = flatbuffers.Builder(1 << 20)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    Path(path).write_bytes(bytes(b.Output()))
    return path


def builtin_code(m, op):
    c = m.operatorCodes[op.opcodeIndex]
    return max(c.builtinCode, c.deprecatedBuiltinCode)


def tensor_data(m, sg, t):
    data = m.buffers[sg.tensors[t].buffer].data
    return None if data is None or len(data) == 0 else np.asarray(data, dtype=np.uint8)


def fp16_dequantizes(m):
    """{DEQUANTIZE output tensor: its constant float16 input} of subgraph 0 (IsDequantizeConstFloat16)."""
    sg = m.subgraphs[0]
    found = {}
    for op in sg.operators:
        if builtin_code(m, op) != schema.BuiltinOperator.DEQUANTIZE:
            continue
        t = int(op.inputs[0])
        if sg.tensors[t].type == schema.TensorType.FLOAT16 and tensor_data(m, sg, t) is not None:
            found[int(op.outputs[0])] = t
    return found


def rewired(path, nodes, out):
    """The model with `nodes` reading the float16 constants instead of their DEQUANTIZE outputs:
    what the delegate's fp16 path leaves the CPU kernels of dropped partitions."""
    m = read_model(path)
    remap = fp16_dequantizes(m)
    for i in nodes:
        op = m.subgraphs[0].operators[i]
        op.inputs = np.array([remap.get(int(t), int(t)) for t in op.inputs], dtype=np.int32)
    return write_model(m, out)


def prefix(path, out):
    """The model cut just before its first custom op: that op's first input becomes the output."""
    m = read_model(path)
    sg = m.subgraphs[0]
    first = next(i for i, op in enumerate(sg.operators) if builtin_code(m, op) == schema.BuiltinOperator.CUSTOM)
    sg.outputs = np.array([int(sg.operators[first].inputs[0])], dtype=np.int32)
    sg.operators = sg.operators[:first]
    m.signatureDefs = None
    return write_model(m, out)


# ---------------------------------------------------------------- interpreter


def allocate_error(path):
    """The error text of allocate_tensors() with the builtin kernels, or None when it succeeds."""
    it = dd.Interpreter(model_path=str(path), num_threads=1, experimental_op_resolver_type=dd.BACKENDS["BI"])
    try:
        it.allocate_tensors()
    except RuntimeError as e:
        return str(e)
    return None


def inputs_for(path, seed=0):
    """One pseudo-random float input set (negative values included)."""
    ins, _ = dd.io_details(path)
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(d["shape"]).astype(d["dtype"]) for d in ins]


def outputs(path, backend, input_set):
    return dd.run(path, backend, ("fp16", tuple(v.tobytes() for v in input_set)), [input_set])[0]


def kernel_line_pattern(detail):
    """Our log line "tflite/kernels/conv.cc: CHECK" as the interpreter prints it ("…conv.cc:423 CHECK")."""
    file, check = detail.split(": ", 1)
    return re.escape(file) + r":\d+ " + re.escape(check)


def analysis(path, *flags):
    return dd.analyze(path, *flags)


# ======================================================================================= (a)


class LeftOnCpuKernels(unittest.TestCase):
    """What analyze says the CPU kernels do with the ops a partition limit leaves reading fp16
    weights, against allocate_tensors() on the same ops rewired the same way."""

    FAILS = (
        "conv", "conv_bias_only", "depthwise", "depthwise_bias_only", "fully_connected", "fully_connected_bias_only",
        "transpose_conv", "transpose_conv_bias_only", "add", "sub", "mul", "div", "maximum", "minimum",
        "pow", "squared_difference", "concatenation", "padv2",
    )
    WRONG_RESULTS = ("conv_filter_only", "prelu")

    def left_on_cpu(self, name, *flags):
        path = FIXTURES / f"dropped_{name}.tflite" if not name.endswith(".tflite") else FIXTURES / name
        a = analysis(path, *flags)
        return path, a, a["fp16_weights"]["left_on_cpu"]

    def check_failure(self, path, a, left, out_name):
        """The interpreter fails where and how the analysis says."""
        self.assertEqual(a["outcome"], "fails")
        first = next(r for r in left if r["kernel"] == "fails")
        self.assertEqual(a["failure"]["op_index"], first["index"])
        node_line = f"Node number {first['index']} ({first['op']}) failed to prepare."
        self.assertIn(first["detail"], a["log"])
        self.assertIn(node_line, a["log"])
        self.assertIn("Restored original execution plan after delegate application failure.", a["log"])
        error = allocate_error(rewired(path, [r["index"] for r in left], FIXTURES / out_name))
        self.assertIsNotNone(error, f"{path.name}: allocate_tensors() succeeded on the rewired model")
        self.assertRegex(error, kernel_line_pattern(first["detail"]))
        self.assertIn(node_line, error)
        # The unchanged model prepares: the failure comes from the rewiring alone.
        self.assertIsNone(allocate_error(path))
        return error

    def test_kernels_that_refuse_fp16_weights(self):
        for name in self.FAILS:
            with self.subTest(op=name):
                path, a, left = self.left_on_cpu(name, "--sdk", "29", "--max-delegated-partitions", "1")
                self.assertEqual(len(left), 1, left)
                self.assertEqual(left[0]["kernel"], "fails")
                self.check_failure(path, a, left, f"rewired_{name}.tflite")

    def test_kernels_that_misread_fp16_weights(self):
        for name in self.WRONG_RESULTS:
            with self.subTest(op=name):
                path, a, left = self.left_on_cpu(name, "--sdk", "29", "--max-delegated-partitions", "1")
                self.assertEqual(a["outcome"], "partial")
                self.assertEqual([r["kernel"] for r in left], ["wrong-results"])
                self.assertIn(f"op {left[0]['index']} ({left[0]['op']})", a["fp16_weights"]["message"])
                bad = rewired(path, [left[0]["index"]], FIXTURES / f"rewired_{name}.tflite")
                self.assertIsNone(allocate_error(bad), "Prepare accepts the float16 operand")
                x = inputs_for(path)
                truth = outputs(path, "BI", x)
                got = outputs(bad, "BI", x)
                for k in truth:
                    self.assertFalse(np.array_equal(truth[k], got[k], equal_nan=True), f"{name}: the rewired op computed the right values")

    def test_islands_first_failure_in_run_order(self):
        """Four partitions of 4, 3, 2 and 1 ops: limit 3 drops the DEPTHWISE_CONV_2D, limit 2 also
        the CONV_2D + RELU, whose CONV_2D then fails first."""
        for limit, op in (("3", "DEPTHWISE_CONV_2D"), ("2", "CONV_2D")):
            with self.subTest(limit=limit):
                for sdk in ("27", "29", "30"):
                    path, a, left = self.left_on_cpu("fp16_islands.tflite", "--sdk", sdk, "--max-delegated-partitions", limit)
                    self.assertEqual(a["failure"]["op_index"], next(r["index"] for r in left if r["kernel"] == "fails"))
                    self.assertIn(f"({op}) failed to prepare.", " ".join(a["log"]))
                error = self.check_failure(path, a, left, f"rewired_islands_{limit}.tflite")
                self.assertIn(f"({op}) failed to prepare.", error)

    def test_no_limit_no_failure(self):
        a = analysis(FIXTURES / "fp16_islands.tflite", "--sdk", "29")
        self.assertEqual(a["outcome"], "partial")
        self.assertNotIn("left_on_cpu", a["fp16_weights"])
        self.assertFalse(a["fp16_weights"]["delegated"])
        self.assertEqual([r["op"] for r in a["refused"]], ["SQUARE"] * 3)


# ======================================================================================= (b)


class FoldFix(unittest.TestCase):
    """fp16-weights-to-fp32: same numbers, predicted plan."""

    # Measured: with a float32 filter and an fp16 bias, XNNPACK computes the original a few ulp
    # differently (the fold is labelled near-exact there); the builtin kernels agree bit for bit.
    MIXED = ("conv_bias_only", "depthwise_bias_only", "fully_connected_bias_only")

    def assert_same_outputs(self, original, fixed, label, xnn_ulps=0):
        x = inputs_for(original, seed=3)
        for b in ("XNN", "BI"):
            want = outputs(original, b, x)
            got = outputs(fixed, b, x)
            for k in want:
                same = dd.bit_identical(want[k], got[k])
                note = "" if same else "fp16 bias, float32 filter"
                dd.record(FOLD, label, b, 100.0 if same else dd.agreement(want[k], got[k]), dd.max_diff(want[k], got[k]), note)
                if b == "BI" or xnn_ulps == 0:
                    self.assertTrue(same, f"{label} on {b}: output {k} differs")
                else:
                    ulps = np.abs(want[k] - got[k]) / np.spacing(np.abs(want[k]).max())
                    self.assertLessEqual(float(ulps.max()), xnn_ulps, f"{label} on {b}: {k}")

    def test_islands_with_a_limit(self):
        flags = ("--sdk", "29", "--max-delegated-partitions", "3")
        original = FIXTURES / "fp16_islands.tflite"
        fixed, report = dd.fix(original, *flags)
        self.assertEqual([(c["fix"], c["exactness"]) for c in report["changes"]], [(FOLD, "exact")])
        self.assertEqual(report["before"]["outcome"], "fails")
        self.assertEqual(report["after"]["outcome"], "partial")
        self.assertEqual(report["after"]["delegate_kernels"], 3)
        self.assertNotIn("fp16_weights", report["after"])
        again = analysis(fixed, *flags)
        self.assertEqual((again["outcome"], again["delegate_kernels"]), ("partial", 3))
        self.assertEqual(fp16_dequantizes(read_model(fixed)), {})
        self.assert_same_outputs(original, fixed, "fp16_islands")

    def test_every_dropped_op(self):
        for name in LeftOnCpuKernels.FAILS + LeftOnCpuKernels.WRONG_RESULTS:
            with self.subTest(op=name):
                original = FIXTURES / f"dropped_{name}.tflite"
                fixed, report = dd.fix(original, "--sdk", "29", "--max-delegated-partitions", "1")
                mixed = name in self.MIXED
                self.assertEqual([(c["fix"], c["exactness"]) for c in report["changes"]], [(FOLD, "near-exact" if mixed else "exact")])
                self.assertNotEqual(report["after"]["outcome"], "fails")
                self.assert_same_outputs(original, fixed, f"dropped_{name}", xnn_ulps=16 if mixed else 0)

    def test_only_when_needed_or_asked(self):
        original = FIXTURES / "fp16_full.tflite"
        _, report = dd.fix(original, "--sdk", "29", "--max-delegated-partitions", "3")
        self.assertEqual(report["changes"], [])
        self.assertEqual(report["before"]["outcome"], "full")
        self.assertTrue(report["before"]["fp16_weights"]["delegated"])
        self.assertEqual(report["not_fixed"], [], "no 'Cannot fix' for delegated DEQUANTIZEs")
        fixed, report = dd.fix(original, "--sdk", "29", "--only", FOLD)
        self.assertEqual([c["fix"] for c in report["changes"]], [FOLD])
        self.assertEqual(report["after"]["outcome"], "full")
        self.assert_same_outputs(original, fixed, "fp16_full")


@unittest.skipUnless(SELFIE.exists(), f"{SELFIE} missing")
class Selfie(unittest.TestCase):
    """MediaPipe selfie segmentation: 110 DEQUANTIZEs of fp16 weights; at API 29 with CPU fallback
    and the Java delegate's default limit of 3 partitions, NNAPI keeps 3 of 5 partitions."""

    FLAGS = ("--sdk", "29", "--disable-nnapi-cpu=false", "--max-delegated-partitions", "3")

    @classmethod
    def setUpClass(cls):
        # Only the fold: at API 29 `transpose-conv-bias` would also replace the custom op this class
        # cuts at (that fix is proven in test_mediapipe.py).
        cls.fixed, cls.report = dd.fix(SELFIE, *cls.FLAGS, "--only", FOLD, name="selfie_fp32_weights.tflite")

    def test_prediction_and_fix_report(self):
        before = self.report["before"]
        self.assertEqual(before["outcome"], "fails")
        self.assertEqual(before["failure"]["op_index"], 220)
        self.assertIn("tflite/kernels/conv.cc: bias->type != input_type (FLOAT16 != FLOAT32)", before["failure"]["reason"])
        self.assertEqual(len(before["fp16_weights"]["dequantize_nodes"]), 110)
        self.assertNotIn("DEQUANTIZE", [r["op"] for r in before["refused"]])
        self.assertNotIn("DEQUANTIZE", [n["op_type"] for n in self.report["not_fixed"]])
        self.assertEqual([(c["fix"], c["exactness"]) for c in self.report["changes"]], [(FOLD, "exact")])
        after = analysis(self.fixed, *self.FLAGS)
        self.assertEqual((after["outcome"], after["delegate_kernels"], after["total_nodes"]), ("partial", 3, 136))
        self.assertNotIn("failure", after)
        self.assertNotIn("fp16_weights", after)

    def test_folded_weights_are_the_dequantized_values(self):
        """Every folded tensor holds float32(fp16) bit for bit; every other tensor's data is unchanged."""
        m, f = read_model(SELFIE), read_model(self.fixed)
        sg, fsg = m.subgraphs[0], f.subgraphs[0]
        folds = fp16_dequantizes(m)
        self.assertEqual(len(folds), 110)
        for out, fp16 in folds.items():
            halves = tensor_data(m, sg, fp16).view(np.float16)
            folded = tensor_data(f, fsg, out)
            self.assertEqual(fsg.tensors[out].type, schema.TensorType.FLOAT32)
            self.assertEqual(folded.tobytes(), halves.astype(np.float32).tobytes(), sg.tensors[out].name)
        for t in range(len(sg.tensors)):
            if t in folds or t in folds.values():
                continue
            a, b = tensor_data(m, sg, t), tensor_data(f, fsg, t)
            self.assertEqual(None if a is None else a.tobytes(), None if b is None else b.tobytes(), sg.tensors[t].name)

    def test_same_numbers_up_to_the_custom_op(self):
        original = prefix(SELFIE, FIXTURES / "selfie_prefix.tflite")
        fixed = prefix(self.fixed, FIXTURES / "selfie_fixed_prefix.tflite")
        x = [(dd.image("astronaut.png", 256).astype(np.float32) / 255.0) if (dd.SAMPLES / "astronaut.png").exists() else inputs_for(original)[0]]
        for b in ("XNN", "BI"):
            want = outputs(original, b, x)
            got = outputs(fixed, b, x)
            for k in want:
                same = dd.bit_identical(want[k], got[k])
                dd.record(FOLD, "selfie (prefix)", b, 100.0 if same else dd.agreement(want[k], got[k]), dd.max_diff(want[k], got[k]))
                self.assertTrue(same, f"selfie prefix on {b}: {k} differs")


def tearDownModule():
    dd.print_summary()


if __name__ == "__main__":
    unittest.main()
