"""The GPU oracle (litert_gpu.py) itself: LiteRT's real ML Drift GPU accelerator, run on lavapipe.

Models: every DeepLab and MediaPipe model in ../shared/models, a float32 DeepLab 513 made from the
Google-original export (`cargo run --release --example make_float_deeplab -- IN OUT`, so ARG_MAX
keeps its int64 output), and the small probes of `cargo run --example make_gpu_probe -- DIR`.
A table of what the accelerator said is printed at the end; with DD_GPU_ORACLE_JSON=FILE the
answers are also written there as JSON.

The facts asserted are the ones the digest (../shared/reference/delegates.md §1.3) observed, the
probes' refusals as the sources word them (ml_drift_delegate/tflite/model_builder.cc), and the
agreement of the two compiles' readings (refusal counts vs. the logged node set).

Skipped only where the Vulkan loader or Mesa's lavapipe is absent; scripts/setup.sh installs both.

Run from the repository root:
    .venv/bin/python -m unittest tests/python/test_litert_gpu_oracle.py -v
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dd_support as dd  # noqa: E402
import litert_gpu as lg  # noqa: E402

MISSING = lg.lavapipe_missing()
SHARED_MODELS = sorted((dd.SHARED / "models" / "deeplab").glob("*.tflite")) + sorted(
    (dd.SHARED / "models" / "mediapipe").glob("*.tflite"))
FLOAT_513 = "deeplab_513_float_int64_argmax.tflite"

_TMP = tempfile.TemporaryDirectory(prefix="dd-gpu-oracle-")
TMP = Path(_TMP.name)
ANSWERS = {}  # model file name -> the oracle's answer, for the table and the JSON dump


def ask(path):
    answer = lg.oracle(path)
    ANSWERS[answer["model"]] = answer
    return answer


def cargo_example(name, *args, release=False):
    cmd = ["cargo", "run", "-q", *(["--release"] if release else []), "--example", name, "--", *map(str, args)]
    subprocess.run(cmd, cwd=dd.REPO, check=True)


def tearDownModule():
    if not ANSWERS:
        return
    rows = [("model", "GPU", "CPU", "fully", "nodes", "s", "refusals / error")]
    for name, a in sorted(ANSWERS.items()):
        nodes = "-" if a["gpu_nodes"] is None else str(len(a["gpu_nodes"]))
        seconds = sum(v for v in a["seconds"].values() if v is not None)
        rows.append((name, str(a["gpu_ops"]), str(a["cpu_ops"]), str(a["fully_accelerated"]), nodes,
                     f"{seconds:.1f}", "; ".join(a["refusals"]) or (a["error"] or "")))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    print("\n=== LiteRT GPU accelerator (ML Drift on lavapipe), GPU | CPU ===")
    for r in rows:
        print("  ".join([c.ljust(w) for c, w in zip(r, widths)] + [r[-1]]).rstrip())
    dump = os.environ.get("DD_GPU_ORACLE_JSON")
    if dump:
        Path(dump).write_text(json.dumps(ANSWERS, indent=1, sort_keys=True) + "\n")
    sys.stdout.flush()


@unittest.skipIf(MISSING, f"no software Vulkan: {MISSING}")
class SharedModels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        float_513 = TMP / FLOAT_513
        cargo_example("make_float_deeplab", dd.ORIGINAL_513, float_513, release=True)
        cls.paths = {p.name: p for p in [*SHARED_MODELS, float_513]}
        cls.answers = {name: ask(p) for name, p in cls.paths.items()}

    def test_the_models_are_there(self):
        self.assertGreaterEqual(len(SHARED_MODELS), 11, SHARED_MODELS)

    def test_each_ran_on_lavapipe_without_error(self):
        for name, a in self.answers.items():
            with self.subTest(name):
                self.assertIsNotNone(a["adapter"], "no WebGPU adapter was selected")
                self.assertIn("llvmpipe", a["adapter"])
                self.assertIn("backend=Vulkan", a["adapter"])
                self.assertIsNone(a["error"])
                self.assertIsNotNone(a["fully_accelerated"])

    def test_the_counts_agree_with_the_logged_node_set(self):
        """K = the chosen nodes and K + M = the node count; without a block every node is chosen."""
        for name, a in self.answers.items():
            with self.subTest(name):
                (n,) = lg.node_counts(self.paths[name])
                self.assertIsNotNone(a["gpu_nodes"], a["nodes_error"])
                self.assertEqual(a["delegate_prepare_calls"], 1)
                if a["blocks"]:
                    self.assertEqual(len(a["gpu_nodes"]), a["gpu_ops"])
                    self.assertEqual(a["gpu_ops"] + a["cpu_ops"], n)
                else:
                    self.assertEqual(a["gpu_nodes"], list(range(n)))
                    self.assertTrue(a["fully_accelerated"])

    def test_float_deeplab_513_leaves_the_int64_argmax_to_the_cpu(self):
        a = self.answers[FLOAT_513]
        self.assertEqual(a["refusals"], ["ARG_MAX: Tensor type(INT64) is not supported. ArgMax"])
        self.assertEqual((a["gpu_ops"], a["cpu_ops"]), (70, 1))
        self.assertEqual(a["gpu_nodes"], list(range(70)))  # all but the final ARG_MAX, node 70
        self.assertFalse(a["fully_accelerated"])  # XNNPACK does not take ARG_MAX either

    def test_uint8_deeplab_257_is_fully_accelerated(self):
        for name in ("deeplabv3_mnv2_pascal_257_os16_quant.tflite", "deeplabv3_mnv2_pascal_257_os8_quant.tflite"):
            with self.subTest(name):
                a = self.answers[name]
                self.assertTrue(a["fully_accelerated"])
                self.assertEqual(a["blocks"], [])
                self.assertEqual(a["gpu_nodes"], list(range(71)))


@unittest.skipIf(MISSING, f"no software Vulkan: {MISSING}")
class ProbeModels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = TMP / "probe"
        cargo_example("make_gpu_probe", cls.dir)

    def answer(self, name):
        a = ask(self.dir / name)
        self.assertIsNone(a["error"])
        self.assertIn("llvmpipe", a["adapter"] or "")
        return a

    def test_l2norm_and_lrn_are_refused_and_the_larger_partition_wins(self):
        """ADD, L2_NORMALIZATION, ADD, ADD, LRN: partitions {0} and {2, 3}; {2, 3} is delegated."""
        a = self.answer("gpu_l2norm_lrn.tflite")
        self.assertEqual(a["refusals"], ["L2_NORMALIZATION: Operation is not supported.",
                                         "LOCAL_RESPONSE_NORMALIZATION: Operation is not supported."])
        self.assertEqual((a["gpu_ops"], a["cpu_ops"]), (2, 3))
        self.assertEqual(a["gpu_nodes"], [2, 3])
        self.assertFalse(a["fully_accelerated"])

    def test_div_of_a_tensor_by_itself_is_refused(self):
        a = self.answer("gpu_div_same_input.tflite")
        self.assertEqual(a["refusals"], ["DIV: No support of few identical inputs in the same operation."])
        self.assertEqual((a["gpu_ops"], a["cpu_ops"]), (1, 1))
        self.assertEqual(a["gpu_nodes"], [1])
        self.assertTrue(a["fully_accelerated"])  # XNNPACK takes the DIV

    def test_rank5_refusals_name_the_tensor(self):
        a = self.answer("gpu_rank5.tflite")
        self.assertEqual(a["refusals"], ["ADD: Tensor dimensions must be less than 5. x5",
                                         "RESHAPE: Tensor dimensions must be less than 5. sum5"])
        self.assertEqual((a["gpu_ops"], a["cpu_ops"]), (1, 2))
        self.assertEqual(a["gpu_nodes"], [2])

    def test_nothing_on_the_gpu_has_its_own_wording(self):
        a = self.answer("gpu_only_refused.tflite")
        self.assertEqual(a["refusals"], ["L2_NORMALIZATION: Operation is not supported."])
        self.assertEqual((a["gpu_ops"], a["cpu_ops"]), (0, 1))
        self.assertEqual(a["gpu_nodes"], [])
        self.assertFalse(a["fully_accelerated"])

    def test_fp16_weights_are_taken_with_their_dequantize(self):
        a = self.answer("gpu_fp16_conv.tflite")
        self.assertEqual(a["blocks"], [])
        self.assertEqual(a["gpu_nodes"], [0, 1, 2])
        self.assertTrue(a["fully_accelerated"])

    def test_a_while_loop_stays_on_the_cpu_and_its_subgraphs_are_prepared_too(self):
        a = self.answer("gpu_while_loop.tflite")
        self.assertEqual(a["refusals"], ["WHILE: Operation is not supported."])
        self.assertEqual((a["gpu_ops"], a["cpu_ops"]), (1, 2))
        self.assertEqual(a["gpu_nodes"], [0])  # the first ADD; the WHILE and the last ADD stay
        body = {"refusals": ["L2_NORMALIZATION: Operation is not supported."], "gpu_ops": 1, "cpu_ops": 1}
        self.assertIn(body, a["blocks"][1:])
        self.assertIn([0, 1], a["gpu_nodes_by_call"][1:])  # cond: REDUCE_MAX and LESS
        self.assertFalse(a["fully_accelerated"])


@unittest.skipIf(MISSING, f"no software Vulkan: {MISSING}")
class FailingCompile(unittest.TestCase):
    def test_a_file_that_is_not_a_model_gives_an_error_not_an_exception(self):
        path = TMP / "not_a_model.tflite"
        path.write_bytes(b"this is not a flatbuffer" * 8)
        a = lg.oracle(path)
        self.assertIn("Failed to load model", a["error"] or "")
        self.assertIsNone(a["fully_accelerated"])
        self.assertIsNone(a["gpu_nodes"])
        self.assertIn("cannot count the model's nodes", a["nodes_error"])


class LogParsing(unittest.TestCase):
    """The readers on the exact lines the accelerator printed (see the other classes)."""

    def test_blocks_and_counts(self):
        log = ["INFO: something", "ERROR: Following operations are not supported by GPU delegate:",
               "ARG_MAX: Tensor type(INT64) is not supported. ArgMax",
               "70 operations will run on the GPU, and the remaining 1 operations will run on the CPU.",
               "ERROR: Following operations are not supported by GPU delegate:",
               "L2_NORMALIZATION: Operation is not supported.",
               "No operations will run on the GPU, and all 1 operations will run on the CPU.",
               "ERROR: Node number 1 (CONV_2D) failed to prepare."]
        self.assertEqual(lg.parse_blocks(log), [
            {"refusals": ["ARG_MAX: Tensor type(INT64) is not supported. ArgMax"], "gpu_ops": 70, "cpu_ops": 1},
            {"refusals": ["L2_NORMALIZATION: Operation is not supported."], "gpu_ops": 0, "cpu_ops": 1}])
        self.assertEqual(lg._other_errors(log), ["Node number 1 (CONV_2D) failed to prepare."])

    def test_a_block_cut_off_by_a_dying_process_has_no_counts(self):
        log = ["ERROR: Following operations are not supported by GPU delegate:", "WHILE: Operation is not supported."]
        self.assertEqual(lg.parse_blocks(log), [{"refusals": ["WHILE: Operation is not supported."],
                                                 "gpu_ops": None, "cpu_ops": None}])

    def test_excluded_nodes_per_call(self):
        prefix = "I0000 00:00:1796162889.269654   32185 delegate_webgpu.cc:"
        log = [prefix + "606] LITERT_GPU_DEBUG_EXCLUDE_NODES set to 1,0,2",
               prefix + "613] Excluding node 2 (1 in ops_to_replace) from WebGPU delegation.",
               prefix + "613] Excluding node 0 (0 in ops_to_replace) from WebGPU delegation.",
               prefix + "606] LITERT_GPU_DEBUG_EXCLUDE_NODES set to 1,0,2"]
        self.assertEqual(lg.parse_excluded_nodes(log), [[0, 2], []])


if __name__ == "__main__":
    unittest.main()
