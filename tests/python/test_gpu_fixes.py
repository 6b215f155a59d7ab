"""`delegate-doctor fix --delegate gpu|litert-gpu` checked against the real interpreter and LiteRT's
real GPU accelerator (ai-edge-litert 2.3.0; tests/python/litert_gpu.py on Mesa's lavapipe).

For each fixture of crate/examples/make_gpu_fix_fixtures.rs (atrous convolutions in the converter's
SPACE_TO_BATCH_ND → conv → BATCH_TO_SPACE_ND form, float and uint8, conv and depthwise, several
dilations and input sizes, SAME padding even and uneven, VALID) and for Google's original DeepLab:
* the fix is made (or refused, for paddings that are neither SAME nor VALID) as the manifest says;
* original and fixed model give bit-identical outputs on both CPU backends (AUTO = XNNPACK and
  BUILTIN_WITHOUT_DEFAULT_DELEGATES), num_threads=1, each comparison on one backend;
* for litert-gpu, the real accelerator's log block and node set for the fixed model equal what
  `analyze --delegate litert-gpu` predicts for it.
The same for the int64 fixtures of crate/examples/make_gpu_int64_fixtures.rs (int64-tensors,
int64-constants), with the fixes each delegate gets from the manifest.

Run from the repository root:
    .venv/bin/python -m unittest tests/python/test_gpu_fixes.py -v
"""

import json
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np

import dd_support as dd
import litert_gpu
from test_gpu_predictions import our_block, our_nodes

BACKENDS = tuple(dd.BACKENDS)


def inputs_for(path, seed, count=3):
    ins, _ = dd.io_details(path)
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(count):
        values = []
        for d in ins:
            if d["dtype"] == np.uint8:
                values.append(rng.integers(0, 256, size=d["shape"], dtype=np.uint8))
            else:
                values.append(rng.uniform(-2, 2, size=d["shape"]).astype(np.float32))
        sets.append(values)
    return sets


def assert_identical_runs(test, original, fixed, seed, near_exact=False):
    """Bit-identical outputs; with near_exact, the builtin backend (BI) may differ by float rounding
    (measured: a few ulp, |diff| < 1e-6, on < 1 % of the outputs of float CONV_2D)."""
    sets = inputs_for(original, seed)
    for b in BACKENDS:
        a = dd.run(original, b, "gpu-fix", sets)
        f = dd.run(fixed, b, "gpu-fix", sets)
        for ra, rf in zip(a, f):
            test.assertEqual(len(ra), 1)
            (va,), (vf,) = ra.values(), rf.values()
            test.assertEqual(va.shape, vf.shape)
            if near_exact and b == "BI":
                test.assertLess(np.max(np.abs(va.astype(np.float64) - vf)), 1e-6)
                test.assertLess(np.mean(va != vf), 0.02)
                continue
            test.assertTrue(np.array_equal(va.view(np.uint8), vf.view(np.uint8)),
                            f"{original.name} {b}: max |diff| {np.max(np.abs(va.astype(np.float64) - vf)):g}")


def assert_accelerator_agrees(test, path):
    real = litert_gpu.oracle(path)
    test.assertIsNone(real["error"], real)
    ours = dd.cli("analyze", path, "--delegate", "litert-gpu")["analyses"][0]
    block = our_block(ours)
    if not real["blocks"]:
        test.assertIsNone(block, f"{path.name}: the accelerator logged no block")
    else:
        test.assertEqual(block, (real["refusals"], real["gpu_ops"], real["cpu_ops"]), path.name)
    test.assertIsNotNone(real["gpu_nodes"], real)
    test.assertEqual(our_nodes(ours), sorted(real["gpu_nodes"]), path.name)
    return real, ours


class DilatedConvFixes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        dd.binary()
        cls._dir = tempfile.TemporaryDirectory(prefix="dd-gpu-fix-")
        cls.dir = Path(cls._dir.name)
        subprocess.run(["cargo", "run", "-q", "--example", "make_gpu_fix_fixtures", "--", str(cls.dir)],
                       cwd=dd.REPO, check=True)
        cls.manifest = json.loads((cls.dir / "manifest.json").read_text())

    @classmethod
    def tearDownClass(cls):
        cls._dir.cleanup()

    def test_a_fixture_count(self):
        self.assertGreaterEqual(len(self.manifest), 19)

    def test_b_fold_and_outputs_identical(self):
        for n, entry in enumerate(self.manifest):
            path = self.dir / entry["file"]
            for delegate in ("gpu", "litert-gpu"):
                with self.subTest(model=entry["file"], delegate=delegate):
                    fixed, report = dd.fix(path, "--delegate", delegate, "--format", "json")
                    before = report["before"]
                    refused = {r["op"] for r in before["refused"]}
                    self.assertEqual(refused, {"SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"})
                    if not entry["folds"]:
                        self.assertEqual(report["changes"], [])
                        self.assertIn("neither SAME nor VALID", report["not_fixed"][0]["why"])
                        continue
                    self.assertEqual([c["fix"] for c in report["changes"]], ["dilated-conv"])
                    change = report["changes"][0]
                    float_conv = not entry["quantized"] and not entry["depthwise"]
                    self.assertEqual(change["exactness"], "near-exact" if float_conv else "exact")
                    self.assertIn(f"({entry['padding']})", change["what"])
                    self.assertIn("dilated {}×{}".format(*entry["block"]), change["what"])
                    self.assertEqual(report["after"]["outcome"], "full")
                    self.assertEqual(report["largest_partition"]["after"], report["after"]["total_nodes"])
                    self.assertLess(report["largest_partition"]["before"], report["largest_partition"]["after"] + 1)
                    assert_identical_runs(self, path, fixed, seed=n, near_exact=float_conv)

    def test_c_litert_gpu_accepts_what_we_predict(self):
        why = litert_gpu.lavapipe_missing()
        if why:
            self.skipTest(why)
        for entry in self.manifest:
            path = self.dir / entry["file"]
            with self.subTest(model=entry["file"]):
                real, _ = assert_accelerator_agrees(self, path)
                self.assertTrue(any("SPACE_TO_BATCH_ND" in r for r in real["refusals"]), real["refusals"])
                if entry["folds"]:
                    fixed, _ = dd.fix(path, "--delegate", "litert-gpu", "--format", "json")
                    real, ours = assert_accelerator_agrees(self, fixed)
                    self.assertEqual(real["refusals"], [])
                    self.assertEqual(ours["outcome"], "full")
                    self.assertEqual(len(real["gpu_nodes"]), ours["total_nodes"])


def assert_mean_over_hw(test, original, fixed, seed):
    """The original cannot run (TFLite's MEAN refuses int64 axes in Prepare): the fixed model's
    MEAN over H and W against numpy, on both CPU backends (float rounding of the sum: < 1e-6)."""
    with test.assertRaises(RuntimeError):
        dd.interpreter(original, BACKENDS[0])
    sets = inputs_for(original, seed)
    for b in BACKENDS:
        for values, result in zip(sets, dd.run(fixed, b, "gpu-fix", sets)):
            (got,) = result.values()
            want = values[0].astype(np.float64).mean(axis=(1, 2), keepdims=True)
            test.assertLess(np.max(np.abs(got - want)), 1e-6, b)


class Int64Fixes(unittest.TestCase):
    """int64-tensors (an ARG_MAX's int64 class map read by CAST, GATHER, ONE_HOT or a comparison) and
    int64-constants (PAD paddings, MEAN axes) for both GPU delegates, on the models of
    crate/examples/make_gpu_int64_fixtures.rs: the fixes the manifest names are made, the fixed
    model gives bit-identical outputs on both CPU backends, the largest GPU partition grows, and the
    real accelerator's refusals and node set equal our prediction for the original and the fixed
    model."""

    @classmethod
    def setUpClass(cls):
        dd.binary()
        cls._dir = tempfile.TemporaryDirectory(prefix="dd-gpu-int64-")
        cls.dir = Path(cls._dir.name)
        subprocess.run(["cargo", "run", "-q", "--example", "make_gpu_int64_fixtures", "--", str(cls.dir)],
                       cwd=dd.REPO, check=True)
        cls.manifest = json.loads((cls.dir / "manifest.json").read_text())

    @classmethod
    def tearDownClass(cls):
        cls._dir.cleanup()

    def test_a_fixes_made_and_outputs_identical(self):
        self.assertGreaterEqual(len(self.manifest), 7)
        for n, entry in enumerate(self.manifest):
            path = self.dir / entry["file"]
            for delegate in ("gpu", "litert-gpu"):
                with self.subTest(model=entry["file"], delegate=delegate):
                    fixed, report = dd.fix(path, "--delegate", delegate, "--format", "json",
                                           name=f"{delegate}-{entry['file']}")
                    self.assertEqual([c["fix"] for c in report["changes"]], entry["fixes"][delegate])
                    if not report["changes"]:
                        continue
                    self.assertTrue(all(c["exactness"] == "exact" for c in report["changes"]), report["changes"])
                    grown = report["largest_partition"]
                    self.assertGreater(grown["after"], grown["before"])
                    if delegate == "litert-gpu":
                        self.assertEqual(report["after"]["outcome"], "full")
                    if entry["original_runs"]:
                        assert_identical_runs(self, path, fixed, seed=n)
                    else:
                        assert_mean_over_hw(self, path, fixed, seed=n)

    def test_b_litert_gpu_accepts_what_we_predict(self):
        why = litert_gpu.lavapipe_missing()
        if why:
            self.skipTest(why)
        for entry in self.manifest:
            path = self.dir / entry["file"]
            with self.subTest(model=entry["file"]):
                if entry["original_runs"]:
                    real, _ = assert_accelerator_agrees(self, path)
                    self.assertNotEqual(real["refusals"], [])
                fixed, _ = dd.fix(path, "--delegate", "litert-gpu", "--format", "json", name=f"oracle-{entry['file']}")
                real, ours = assert_accelerator_agrees(self, fixed)
                if entry["fixes"]["litert-gpu"]:
                    self.assertEqual(real["refusals"], [])
                    self.assertEqual(len(real["gpu_nodes"]), ours["total_nodes"])


@unittest.skipUnless(dd.ORIGINAL_513.exists() and all((dd.SAMPLES / n).exists() for n in dd.IMAGES),
                     f"DeepLab model or sample images missing under {dd.SHARED}")
class DeepLabLiteRtGpu(unittest.TestCase):
    def test_fixed_original_fully_accelerated_and_identical(self):
        dd.binary()
        fixed, report = dd.fix(dd.ORIGINAL_513, "--delegate", "litert-gpu", "--format", "json")
        self.assertEqual([(c["fix"], c["op_type"]) for c in report["changes"]], [("argmax-int32", "ARG_MAX")])
        self.assertEqual(report["before"]["refused"][0]["reasons"], ["Tensor type(INT64) is not supported. ArgMax"])
        self.assertEqual(report["after"]["outcome"], "full")
        self.assertEqual(report["largest_partition"], {"before": 70, "after": 71})
        why = litert_gpu.lavapipe_missing()
        if not why:
            real, _ = assert_accelerator_agrees(self, fixed)
            self.assertEqual(len(real["gpu_nodes"]), 71)
            self.assertTrue(real["fully_accelerated"])
        for b in BACKENDS:
            original = dd.deeplab_class_maps(dd.ORIGINAL_513, b)
            maps = dd.deeplab_class_maps(fixed, b)
            for n in dd.IMAGES:
                self.assertTrue(np.array_equal(original[n], maps[n]), f"{b} {n}")


if __name__ == "__main__":
    unittest.main()
