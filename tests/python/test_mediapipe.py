"""MediaPipe selfie segmentation (../shared/models/mediapipe) against ai-edge-litert 2.3.0.

The fix `transpose-conv-bias` (custom Convolution2DTransposeBias → builtin TRANSPOSE_CONV with its
bias), for NNAPI at API 30:
  - the original runs on the default interpreter only because the XNNPACK delegate claims the
    custom op (VisitMediaPipeDeconvolutionNode); TFLite's builtin kernels refuse it
    ("Encountered unresolved custom op");
  - the fixed model runs on both, and on the default interpreter (XNNPACK) its mask is
    bit-identical to the original's: XNNPACK builds the same deconvolution for both forms;
  - on TFLite's builtin kernels (transpose_conv.cc etc.) the fixed model's mask is within 1e-4 of
    the original's XNNPACK mask (another summation order).

The in-page engine (`segment_dump`): on the fixed model its soft mask is within 1e-4 of
ai-edge-litert's default interpreter, and on the original (which it runs through its own
Convolution2DTransposeBias kernel) within 1e-4 of the XNNPACK-computed original.

Inputs: both sample photos resized with PIL bilinear to the model's input (256×256 or 256 wide ×
144 high), scaled to [0, 1] (the models' metadata: mean 0, std 255).

Run from the repository root (after `cargo build -q`):
    .venv/bin/python -m unittest tests/python/test_mediapipe.py -v
"""

import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dd_support as dd  # noqa: E402

MEDIAPIPE = dd.SHARED / "models" / "mediapipe"
MODELS = ("selfie_segmentation.tflite", "selfie_segmentation_landscape.tflite")
MASK_MAX_DIFF = 1e-4
FIX_FLAGS = ("--sdk", "30")

_TMP = tempfile.TemporaryDirectory(prefix="dd-mediapipe-tests-")
TMP = Path(_TMP.name)


def available():
    return all((MEDIAPIPE / m).exists() for m in MODELS) and all((dd.SAMPLES / n).exists() for n in dd.IMAGES)


def input_hw(path):
    ins, _ = _details(path)
    shape = [int(v) for v in ins[0]["shape"]]
    assert len(shape) == 4 and shape[0] == 1 and shape[3] == 3, shape
    return shape[1], shape[2]


def _details(path):
    # The builtin resolver cannot prepare the original; the default interpreter reads its details.
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path), num_threads=1)
    return it.get_input_details(), it.get_output_details()


_PHOTOS = {}


def photo(name, h, w):
    """The photo resized with PIL bilinear to w×h, as uint8 RGB [1, h, w, 3]."""
    from PIL import Image

    if (name, h, w) not in _PHOTOS:
        with Image.open(dd.SAMPLES / name) as im:
            im = im.convert("RGB").resize((w, h), Image.BILINEAR)
            _PHOTOS[(name, h, w)] = np.asarray(im, dtype=np.uint8)[None]
    return _PHOTOS[(name, h, w)]


def unit_input(name, h, w):
    return photo(name, h, w).astype(np.float32) / np.float32(255.0)


def masks(path, backend):
    """{photo: mask} from ai-edge-litert on `backend`, or the refusal text."""
    h, w = input_hw(path)
    results = dd.try_run(path, backend, ("unit photos", h, w), [[unit_input(n, h, w)] for n in dd.IMAGES])
    if isinstance(results, str):
        return results
    return {n: next(iter(r.values())) for n, r in zip(dd.IMAGES, results)}


_MASK_DUMP = None


def mask_dump():
    """target/debug/examples/mask_dump, built (incrementally) once per run."""
    global _MASK_DUMP
    if _MASK_DUMP is None:
        subprocess.run(["cargo", "build", "-q", "--example", "mask_dump"], cwd=dd.REPO, check=True)
        _MASK_DUMP = dd.REPO / "target" / "debug" / "examples" / "mask_dump"
    return _MASK_DUMP


def engine_mask(path, name):
    """The in-page engine's soft mask of the photo, shaped like litert's output."""
    h, w = input_hw(path)
    rgb = TMP / f"{Path(name).stem}_{h}x{w}.rgb"
    rgb.write_bytes(np.ascontiguousarray(photo(name, h, w)).tobytes())
    out = TMP / f"mask_{Path(path).stem}_{Path(name).stem}.f32"
    p = subprocess.run([str(mask_dump()), str(path), str(rgb), str(out)], capture_output=True, text=True,
                       env={"DD_ROUNDS": "0", "PATH": "/usr/bin:/bin"})
    if p.returncode != 0:
        raise AssertionError(f"mask_dump {path} failed:\n{p.stderr}")
    return np.fromfile(out, dtype="<f4").reshape(1, h, w, 1)


def fixed(model):
    path, report = dd.fix(MEDIAPIPE / model, *FIX_FLAGS, name=f"fixed_{model}")
    return path, report


@unittest.skipUnless(available(), f"MediaPipe models or sample photos missing under {dd.SHARED}")
class TransposeConvFix(unittest.TestCase):
    def test_fix_rewrites_the_custom_op_only(self):
        for model in MODELS:
            with self.subTest(model=model):
                _, report = fixed(model)
                changes = [(c["fix"], c["op_type"], c["exactness"]) for c in report["changes"]]
                self.assertEqual(changes, [("transpose-conv-bias", "Convolution2DTransposeBias", "exact")])
                self.assertEqual(report["after"]["outcome"], "full")

    def test_original_needs_xnnpack_fixed_runs_everywhere(self):
        for model in MODELS:
            with self.subTest(model=model):
                refused = masks(MEDIAPIPE / model, "BI")
                self.assertIsInstance(refused, str)
                self.assertIn("unresolved custom op: Convolution2DTransposeBias", refused)
                path, _ = fixed(model)
                self.assertIsInstance(masks(path, "BI"), dict)

    def test_fixed_equals_original_on_xnnpack_bit_for_bit(self):
        for model in MODELS:
            path, _ = fixed(model)
            original, rewritten = masks(MEDIAPIPE / model, "XNN"), masks(path, "XNN")
            for n in dd.IMAGES:
                with self.subTest(model=model, photo=n):
                    share = float(np.mean(original[n] > 0.5))
                    print(f"\n  {model:40} {n:14} person share {share:.3f}; fixed vs original (XNNPACK) "
                          f"max |diff| {dd.max_diff(original[n], rewritten[n]):.3g}", end="")
                    self.assertTrue(0.02 < share < 0.98, f"a degenerate mask ({share:.3f}) would prove little")
                    self.assertTrue(dd.bit_identical(original[n], rewritten[n]))

    def test_fixed_on_builtin_kernels_is_within_float_tolerance(self):
        for model in MODELS:
            path, _ = fixed(model)
            original, builtin = masks(MEDIAPIPE / model, "XNN"), masks(path, "BI")
            for n in dd.IMAGES:
                with self.subTest(model=model, photo=n):
                    diff = dd.max_diff(original[n], builtin[n])
                    print(f"\n  {model:40} {n:14} fixed on builtin kernels vs original on XNNPACK "
                          f"max |diff| {diff:.3g}", end="")
                    self.assertLessEqual(diff, MASK_MAX_DIFF)


@unittest.skipUnless(available(), f"MediaPipe models or sample photos missing under {dd.SHARED}")
class Engine(unittest.TestCase):
    """The in-page engine against the default interpreter (XNNPACK f32 for every op here)."""

    def check(self, ours, reference, label):
        diff = dd.max_diff(ours, reference)
        same_side = 100.0 * float(np.mean((ours > 0.5) == (reference > 0.5)))
        print(f"\n  {label:66} max |diff| {diff:.3g}   same side of 0.5: {same_side:.3f} %", end="")
        self.assertLessEqual(diff, MASK_MAX_DIFF)
        # Identical masks except where the reference is within the tolerance of the threshold.
        near = np.abs(reference - 0.5) <= MASK_MAX_DIFF
        self.assertTrue(np.all(((ours > 0.5) == (reference > 0.5)) | near))

    def test_fixed_model_matches_default_interpreter(self):
        for model in MODELS:
            path, _ = fixed(model)
            reference = masks(path, "XNN")
            for n in dd.IMAGES:
                with self.subTest(model=model, photo=n):
                    self.check(engine_mask(path, n), reference[n], f"fixed {model} {n}")

    def test_original_matches_xnnpack_computed_custom_op(self):
        for model in MODELS:
            reference = masks(MEDIAPIPE / model, "XNN")
            for n in dd.IMAGES:
                with self.subTest(model=model, photo=n):
                    self.check(engine_mask(MEDIAPIPE / model, n), reference[n], f"original {model} {n}")


if __name__ == "__main__":
    unittest.main()
