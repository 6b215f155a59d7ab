"""Issue 11 regressions checked against the real interpreter: what models in the wild showed.

The fixtures are written by `cargo run -q --example make_wild_fixtures -- DIR` into a temporary
directory. "Static" is observed as the interpreter leaves it after allocate_tensors() with its
builtin kernels: every non-constant tensor then has memory. When a kernel's Prepare cannot size
its output, PrepareOpsStartingAt (tflite/core/subgraph.cc) stops there and the later ops' outputs
stay unallocated, so get_tensor() fails with "Tensor data is null".
"""

import subprocess
import tempfile
import unittest
from pathlib import Path

from ai_edge_litert.interpreter import Interpreter, OpResolverType

import dd_support as dd


def unallocated(path):
    """Names of the tensors without memory after allocate_tensors() (builtin kernels)."""
    it = Interpreter(model_path=str(path), num_threads=1,
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    names = []
    for d in it.get_tensor_details():
        try:
            it.get_tensor(d["index"])
        except ValueError as e:
            if "Tensor data is null" in str(e):
                names.append(d["name"])
    return names


class EmptyConstantBuffers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._dir = tempfile.TemporaryDirectory(prefix="dd-wild-")
        cls.dir = Path(cls._dir.name)
        subprocess.run(["cargo", "run", "-q", "--example", "make_wild_fixtures", "--", str(cls.dir)],
                       cwd=dd.REPO, check=True)

    @classmethod
    def tearDownClass(cls):
        cls._dir.cleanup()

    def test_an_empty_data_vector_is_a_constant_for_both(self):
        """RESHAPE to a scalar with shape = int32[0] stored as an empty data vector: the interpreter
        reads it as a constant, so every tensor is sized in Prepare; we see no dynamic tensor and
        the delegate is applied at every level."""
        model = self.dir / "reshape_scalar_empty_vector.tflite"
        self.assertEqual(unallocated(model), [])
        for sdk in range(27, 36):
            a = dd.analyze(model, "--sdk", sdk)
            self.assertNotEqual(a["outcome"], "fails", a.get("failure"))
            for r in a["refused"]:
                self.assertFalse(any("must be constant" in x for x in r["reasons"]), r)

    def test_an_absent_data_vector_is_computed_for_both(self):
        """The same model with no data vector: the shape is a read-write tensor, RESHAPE cannot size
        its output in Prepare, and ADD after it is left unprepared; our analysis says delegation
        fails on a dynamic-sized tensor."""
        model = self.dir / "reshape_scalar_no_vector.tflite"
        self.assertEqual(unallocated(model), ["y"])
        a = dd.analyze(model, "--sdk", 29)
        self.assertEqual(a["outcome"], "fails")
        self.assertIn("dynamic-sized", a["failure"]["reason"])

    def test_a_shape_with_values_prepares(self):
        model = self.dir / "reshape_const_shape.tflite"
        self.assertEqual(unallocated(model), [])
        self.assertNotEqual(dd.analyze(model, "--sdk", 29)["outcome"], "fails")


if __name__ == "__main__":
    unittest.main()
