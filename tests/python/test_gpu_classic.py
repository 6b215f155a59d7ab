"""Classic GPU delegate fixtures (issue 12) checked against the real interpreter.

No package ships the classic GPU delegate for Linux, so its decisions are tested in Rust against
the source (crate/tests/gpu_classic.rs). What the real interpreter can show, and this test
checks, is that the rules read the graph the runtime holds when a delegate is applied:

* every fixture is a model TFLite loads, prepares and runs with its builtin kernels;
* the interpreter's nodes are ours, in the same order (the delegate's node ids);
* after Prepare every tensor has the shape stored in the file, the dims our rules read.

The fixtures and our verdicts come from `cargo run -q --example make_gpu_fixtures -- DIR`.
"""

import json
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType

import dd_support as dd


def interpreter(path):
    it = Interpreter(model_path=str(path), num_threads=1,
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    return it


def run_with_zeros(it):
    for d in it.get_input_details():
        it.set_tensor(d["index"], np.zeros(d["shape"], dtype=d["dtype"]))
    it.invoke()


class ClassicGpuFixtures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._dir = tempfile.TemporaryDirectory(prefix="dd-gpu-")
        cls.dir = Path(cls._dir.name)
        subprocess.run(["cargo", "run", "-q", "--example", "make_gpu_fixtures", "--", str(cls.dir)],
                       cwd=dd.REPO, check=True)
        cls.manifest = json.loads((cls.dir / "manifest.json").read_text())

    @classmethod
    def tearDownClass(cls):
        cls._dir.cleanup()

    def test_fixtures_load_prepare_and_run(self):
        self.assertEqual(len(self.manifest), 10)
        for name in self.manifest:
            with self.subTest(name):
                run_with_zeros(interpreter(self.dir / f"{name}.tflite"))

    def test_nodes_are_ours_in_order(self):
        for name, m in self.manifest.items():
            with self.subTest(name):
                ops = interpreter(self.dir / f"{name}.tflite")._get_ops_details()
                self.assertEqual([o["index"] for o in ops], list(range(len(m["nodes"]))))
                self.assertEqual([o["op_name"] for o in ops], [n["op"] for n in m["nodes"]])

    def test_prepared_shapes_are_the_stored_ones(self):
        for name, m in self.manifest.items():
            with self.subTest(name):
                details = interpreter(self.dir / f"{name}.tflite").get_tensor_details()
                ours = [(t["name"], t["shape"]) for t in m["tensors"]]
                theirs = [(d["name"], d["shape"].tolist()) for d in details][:len(ours)]
                self.assertEqual(theirs, ours)

    def test_the_verdicts_the_source_implies(self):
        """Spot checks of the manifest (the Rust tests cover the rules in full): model_builder.cc
        lines in crate/tests/gpu_classic.rs."""
        def verdict(name, node, options="quant_on"):
            return self.manifest[name]["nodes"][node][options]

        self.assertIsNone(verdict("add_broadcast_batch1", 0)["refusal"])
        self.assertEqual(verdict("add_broadcast_batch2", 0)["refusal"],
                         "ADD: Doesn't support broadcasting - input0: [2,8,8,3], input1: [8,8,3]")
        self.assertEqual(verdict("add_rank5", 0)["refusal"],
                         "ADD: OP is supported, but tensor type/shape isn't compatible.")
        for node in range(5):
            self.assertIsNone(verdict("comparison_chains", node)["refusal"])
        self.assertEqual(verdict("identical_inputs", 0)["parse_failure"],
                         "DIV: No support of few identical inputs in the same operation.")
        self.assertIsNone(verdict("identical_inputs", 1)["parse_failure"])
        self.assertIsNone(verdict("split", 0)["refusal"])
        self.assertEqual(verdict("split", 0, "gl")["refusal"], "SPLIT: Operation is not supported.")
        self.assertEqual(verdict("fp16_conv", 0)["refusal"], "DEQUANTIZE: ")
        self.assertIsNone(verdict("fp16_conv", 2)["refusal"])
        self.assertIsNone(verdict("uint8_conv", 0)["refusal"])
        self.assertEqual(verdict("uint8_conv", 0, "quant_off")["refusal"],
                         "CONV_2D: OP is supported, but tensor type/shape isn't compatible.")
        self.assertEqual(verdict("unpack_to_scalars", 0)["parse_failure"],
                         'UNPACK: Tensor "y0" has bad input dims size: 0.')


if __name__ == "__main__":
    unittest.main()
