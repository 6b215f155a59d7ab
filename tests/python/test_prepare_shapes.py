"""Prepare failures at the model's declared shapes, checked against the real interpreter.

crate/examples/make_shape_fixtures.rs writes, for each Prepare rule of crate/src/shapes/, a model
that prepares and one that fails, and what delegate-doctor predicts for each (predictions.json:
the failing op and every tensor's shape after Prepare). The interpreter (ai-edge-litert,
BUILTIN_WITHOUT_DEFAULT_DELEGATES, num_threads=1) runs the builtin kernels' Prepare in
allocate_tensors(); it must fail exactly for the fixtures where a failure is predicted, at that op,
with the kernel's message, and report our shapes for every tensor of the others. The same holds
for every model in ../shared/models (those with custom ops are checked on their builtin prefix).

Run from the repository root: .venv/bin/python -m unittest tests/python/test_prepare_shapes.py -v
"""

import json
import subprocess
import sys
import tempfile
import unittest
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when run by path, not by discover

import dd_support as dd  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

SHARED_MODELS = sorted((dd.SHARED / "models").glob("*/*.tflite"))
RANDOM_MODELS = 3000

# Prepares each model named in the file argv[1] and prints one JSON line per model. Random models
# can make the interpreter crash (some kernels read out of range before they check): the parent
# then restarts it after the model that crashed it.
WORKER = """
import json, sys
from ai_edge_litert.interpreter import Interpreter, OpResolverType
for path in open(sys.argv[1]).read().split():
    try:
        it = Interpreter(model_path=path, num_threads=1,
                         experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        it.allocate_tensors()
        out = {"error": None, "shapes": {d["index"]: [int(x) for x in d["shape"]] for d in it.get_tensor_details()}}
    except (RuntimeError, ValueError) as e:
        out = {"error": " ".join(str(e).split()), "shapes": {}}
    print(json.dumps(out), flush=True)
"""


def prepare(path):
    """(error text or None, {tensor index: shape}) after allocate_tensors() on the builtin kernels."""
    try:
        it = Interpreter(model_path=str(path), num_threads=1,
                         experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        it.allocate_tensors()
    except (RuntimeError, ValueError) as e:
        return " ".join(str(e).split()), {}
    shapes = {d["index"]: [int(x) for x in d["shape"]] for d in it.get_tensor_details()}
    outputs = {d["index"]: [int(x) for x in d["shape"]] for d in it.get_output_details()}
    assert all(shapes.get(i) == s for i, s in outputs.items()), (path, outputs)
    return None, shapes


class PrepareShapes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="dd-shapes-")
        cls.dir = Path(cls._tmp.name)
        models = [a for m in SHARED_MODELS for a in ("--model", str(m))]
        cmd = ["cargo", "run", "-q", "--example", "make_shape_fixtures", "--", str(cls.dir), *models,
               "--random", str(RANDOM_MODELS)]
        subprocess.run(cmd, cwd=dd.REPO, check=True)
        predictions = json.loads((cls.dir / "predictions.json").read_text())
        cls.fixtures = predictions["fixtures"]
        cls.models = predictions["models"]
        cls.random = predictions["random"]
        cls.real = {name: prepare(cls.dir / name) for name in cls.fixtures}

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def test_every_rule_has_a_model_that_prepares_and_one_that_fails(self):
        outcomes = defaultdict(set)
        for p in self.fixtures.values():
            outcomes[p["rule"]].add(p["intended_failure"] is not None)
        self.assertGreaterEqual(len(outcomes), 30, sorted(outcomes))
        one_sided = {rule for rule, seen in outcomes.items() if seen != {True, False}}
        self.assertEqual(one_sided, {"stored"}, "rules without both outcomes")

    def test_predictions_are_the_fixtures_intent(self):
        for name, p in self.fixtures.items():
            with self.subTest(name):
                predicted = p["failure"]["op_index"] if p["failure"] else None
                self.assertEqual(predicted, p["intended_failure"], p["failure"])

    def test_the_interpreter_fails_exactly_where_predicted(self):
        for name, p in self.fixtures.items():
            with self.subTest(name):
                error, _ = self.real[name]
                f = p["failure"]
                if f is None:
                    self.assertIsNone(error, "the interpreter refuses a model predicted to prepare")
                    continue
                self.assertIsNotNone(error, f"predicted to fail: {f['reason']}")
                self.assertIn(f"Node number {f['op_index']} ({f['op']}) failed to prepare.", error)
                self.assertIn(f"Node number {f['op_index']} ({f['op']}) failed to prepare.", f["reason"])
                if f["check"] is not None:
                    self.assertIn(f["check"], error, "the kernel's own words")
                else:
                    # The kernel fails without a message: the interpreter prints only its line.
                    self.assertTrue(error.startswith("Node number"), error)

    def test_propagated_shapes_are_the_interpreters(self):
        compared = 0
        for name, p in self.fixtures.items():
            error, shapes = self.real[name]
            if error is not None:
                continue
            with self.subTest(name):
                for i, ours in enumerate(p["shapes"]):
                    if ours is None:
                        # Only the outputs of the first dynamic op and of the ops after it are unknown.
                        self.assertIsNotNone(p["stopped_at_dynamic"], f"tensor {i} unknown")
                        continue
                    self.assertEqual(ours, shapes.get(i), f"tensor {i}")
                    compared += 1
        self.assertGreater(compared, 150)

    def test_the_issue_example(self):
        f = self.fixtures["issue_signature_stored_1x1.tflite"]["failure"]
        self.assertEqual((f["op_index"], f["op"]), (1, "CONV_2D"))
        self.assertIn("output width would be negative", f["reason"])
        self.assertIn("input width 1", f["reason"])
        self.assertIsNone(self.fixtures["issue_signature_stored_5x5.tflite"]["failure"])
        # The stored intermediate shapes claim a 5×5 image; Prepare computes from the input's [1, 1].
        self.assertEqual(self.fixtures["issue_signature_stored_1x1.tflite"]["shapes"][2], [1, 1, 1, 1])

    def test_the_cli_names_the_op_and_why(self):
        for name, p in self.fixtures.items():
            path = self.dir / name
            with self.subTest(name):
                a = dd.analyze(path, "--sdk", "29")
                f = p["failure"]
                if f is None:
                    failure = a.get("failure") or {}
                    self.assertNotIn("failed to prepare", failure.get("reason", ""))
                    continue
                self.assertEqual(a["outcome"], "fails")
                self.assertEqual(a["plan"], [])
                self.assertEqual(a["failure"]["message"], "Failed to apply NNAPI delegate.")
                self.assertEqual(a["failure"]["op_index"], f["op_index"])
                self.assertEqual(a["failure"]["reason"], f["reason"])
                # With dynamic dimensions allowed the delegate applies, then AllocateTensors fails.
                d = dd.analyze(path, "--sdk", "30", "--nnapi-allow-dynamic-dimensions")
                self.assertEqual(d["outcome"], "fails")
                self.assertEqual(d["failure"]["message"], "Failed to allocate tensors!")
                self.assertEqual(d["failure"]["op_index"], f["op_index"])

    def test_shared_models_prepare_with_the_propagated_shapes(self):
        self.assertGreaterEqual(len(self.models), 11)
        for path, p in self.models.items():
            with self.subTest(Path(path).name):
                self.assertIsNone(p["failure"])
                run = self.dir / p["prefix"] if "prefix" in p else Path(path)
                error, shapes = prepare(run)
                self.assertIsNone(error)
                checked = p.get("checked_tensors", range(len(p["shapes"])))
                self.assertGreater(len(checked), 100)
                for i in checked:
                    self.assertEqual(p["shapes"][i], shapes.get(i), f"tensor {i}")


    def prepare_in_worker(self, names):
        """{name: {"error", "shapes"}}, or None for the models that crashed the interpreter."""
        worker, listing = self.dir / "worker.py", self.dir / "list.txt"
        worker.write_text(WORKER)
        results, i = {}, 0
        while i < len(names):
            listing.write_text("\n".join(str(self.dir / n) for n in names[i:]))
            p = subprocess.run([sys.executable, str(worker), str(listing)], capture_output=True, text=True)
            for line in p.stdout.splitlines():
                r = json.loads(line)
                results[names[i]] = {"error": r["error"], "shapes": {int(k): v for k, v in r["shapes"].items()}}
                i += 1
            if i < len(names):
                results[names[i]] = None
                i += 1
        return results

    def test_random_models_no_failure_is_invented(self):
        """Random chains of one to three ops (small shapes, 0 and rank 0 included, small constants,
        options with small and negative values): every predicted failure is real and at the op named
        (or an earlier op fails on a check that is not modelled, e.g. a type or a stride), and when
        the interpreter prepares, every shape we know is its shape. Failures we do not predict are
        allowed (types, options and values the kernels check are not modelled)."""
        names = sorted(self.random)
        self.assertEqual(len(names), RANDOM_MODELS)
        results = self.prepare_in_worker(names)
        counts = defaultdict(int)
        for name in names:
            p, r = self.random[name], results[name]
            if r is None:
                counts["crashed"] += 1
                continue
            f, error = p["failure"], r["error"]
            with self.subTest(name):
                if f is None:
                    counts["failed, not predicted" if error else "prepared"] += 1
                    if error is None:
                        for i, ours in enumerate(p["shapes"]):
                            if ours is not None:
                                self.assertEqual(ours, r["shapes"].get(i), f"tensor {i}")
                    continue
                self.assertIsNotNone(error, f"predicted to fail: {f['reason']}")
                failing = int(error.split("Node number ")[1].split(" ")[0])
                self.assertLessEqual(failing, f["op_index"], error)
                if failing < f["op_index"]:
                    counts["an earlier op fails on an unmodelled check"] += 1
                    continue
                counts["failed as predicted"] += 1
                self.assertIn(f"Node number {f['op_index']} ({f['op']}) failed to prepare.", error)
                if f["check"] is not None:
                    self.assertIn(f["check"], error)
        print(f"\nrandom models: {dict(counts)}", file=sys.stderr)
        self.assertGreater(counts["failed as predicted"], RANDOM_MODELS // 3)
        self.assertGreater(counts["prepared"], RANDOM_MODELS // 20)
        self.assertLess(counts["crashed"], RANDOM_MODELS // 100 + 2)


if __name__ == "__main__":
    unittest.main()
