"""The in-page segmentation engine (`crate/src/infer`) checked against ai-edge-litert 2.3.0.

Faithfulness: for every DeepLab in ../shared/models/deeplab and both sample photos (resized with
Pillow bilinear to the model's input), the engine's class map (`bench_segment MODEL IMG 0 MAP`)
must agree with ai-edge-litert's default interpreter (`Interpreter(model_path, num_threads=1)`, the
XNNPACK delegate applied) on at least 99 % of the pixels; the engine is meant to match it bit for
bit, so the exact percentage is printed. The agreement of litert's builtin kernels
(BUILTIN_WITHOUT_DEFAULT_DELEGATES) with the default is printed for context only.

Float: the pascal 257/513 os16 quant models are turned into float32 models with the same graph
(`make_float_deeplab`); with --logits the engine's logits (`segment_dump`) must be within 1e-3 of
litert's for the input (rgb − 127.5) / 127.5, and without it the class maps must agree on ≥ 99 %.

Errors: a model with an operator the engine lacks fails with a message naming the operator, and an
input file of the wrong size fails cleanly (non-zero exit, a message, no panic).

Run from the repository root:
    .venv/bin/python -m unittest discover -s tests/python -p test_segment.py -v
Environment: DD_SHARED (default ../shared), DD_EXAMPLES (directory holding the bench_segment,
segment_dump and make_float_deeplab binaries; default target/release/examples, built with
`cargo build --release --example bench_segment --example segment_dump --example make_float_deeplab`
(incremental) when DD_EXAMPLES is not set).
"""

import os
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import numpy as np

import dd_support as dd

EXAMPLES = ("bench_segment", "segment_dump", "make_float_deeplab")
AGREEMENT_MIN = 99.0  # per cent of pixels
LOGITS_MAX_DIFF = 1e-3
FLOAT_SOURCES = ("deeplabv3_mnv2_pascal_257_os16_quant.tflite", "deeplabv3_mnv2_pascal_513_os16_quant.tflite")

_TMP = tempfile.TemporaryDirectory(prefix="dd-segment-tests-")
TMP = Path(_TMP.name)
_BINS = None
SUMMARY = []  # (case, model, image, value, reference note)


def example(name):
    """Path of an example binary; the examples are built (incrementally) once per run."""
    global _BINS
    if _BINS is None:
        env = os.environ.get("DD_EXAMPLES")
        if env:
            d = Path(env) if Path(env).is_absolute() else dd.REPO / env
        else:
            d = dd.REPO / "target" / "release" / "examples"
            cmd = ["cargo", "build", "--release", "-q"] + [a for e in EXAMPLES for a in ("--example", e)]
            subprocess.run(cmd, cwd=dd.REPO, check=True)
        _BINS = {e: d / e for e in EXAMPLES}
        missing = [str(p) for p in _BINS.values() if not p.exists()]
        if missing:
            raise FileNotFoundError(f"example binaries missing: {missing}")
    return _BINS[name]


def call(name, *args, ok=True):
    """Runs an example binary; returns the CompletedProcess (asserting success when ok)."""
    cmd = [str(example(name)), *map(str, args)]
    # segment_dump: no extra timing rounds (they only refine its per-step timings).
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "DD_ROUNDS": "0"})
    if ok and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}\n{p.stdout}")
    return p


def deeplab_models():
    return sorted(dd.DEEPLAB.glob("*.tflite"))


def available():
    return bool(deeplab_models()) and all((dd.SAMPLES / n).exists() for n in dd.IMAGES)


def input_size(path):
    ins, _ = dd.io_details(path)
    shape = [int(v) for v in ins[0]["shape"]]
    assert len(shape) == 4 and shape[0] == 1 and shape[1] == shape[2] and shape[3] == 3, shape
    return shape[1]


def rgb_file(name, size):
    """The resized photo as a raw .rgb file (cached)."""
    path = TMP / f"{Path(name).stem}_{size}.rgb"
    if not path.exists():
        path.write_bytes(np.ascontiguousarray(dd.image(name, size)).tobytes())
    return path


def engine_class_map(model, name, size):
    out = TMP / f"map_{Path(model).stem}_{Path(name).stem}.bin"
    call("bench_segment", model, rgb_file(name, size), 0, out)
    classes = np.fromfile(out, dtype=np.uint8)
    assert classes.size == size * size, (model, classes.size)
    return classes.reshape(1, size, size).astype(np.int64)


def float_input(name, size):
    return (dd.image(name, size).astype(np.float32) - np.float32(127.5)) / np.float32(127.5)


def short(model):
    return Path(model).stem.replace("deeplabv3_mnv2_", "")


def tearDownModule():
    if not SUMMARY:
        return
    rows = [("case", "model", "image", "result", "context")] + SUMMARY
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    print("\n=== in-page engine vs ai-edge-litert (default interpreter, num_threads=1) ===")
    for r in rows:
        print("  ".join([str(c).ljust(w) for c, w in zip(r[:4], widths)] + [str(r[4])]).rstrip())
    sys.stdout.flush()


@unittest.skipUnless(available(), f"DeepLab models or sample images missing under {dd.SHARED}")
class Faithfulness(unittest.TestCase):
    """Every shared DeepLab × both photos: the engine's class map against litert's default."""

    def test_class_maps_match_default_interpreter(self):
        models = deeplab_models()
        self.assertEqual(len(models), 9, [m.name for m in models])
        for model in models:
            size = input_size(model)
            started = time.perf_counter()
            default = dd.deeplab_class_maps(model, "XNN", size)
            builtin = dd.deeplab_class_maps(model, "BI", size)
            litert_s = time.perf_counter() - started
            started = time.perf_counter()
            ours = {n: engine_class_map(model, n, size) for n in dd.IMAGES}
            ours_s = time.perf_counter() - started
            for n in dd.IMAGES:
                with self.subTest(model=model.name, image=n):
                    agree = dd.agreement(ours[n], default[n])
                    context = dd.agreement(builtin[n], default[n])
                    print(
                        f"\n  {short(model):38} {n:14} engine vs default {agree:8.3f} %   "
                        f"builtin vs default {context:8.3f} %",
                        end="",
                    )
                    SUMMARY.append((
                        "class map", short(model), n, f"{agree:.3f} %",
                        f"builtin vs default {context:.3f} %; time for both photos: engine {ours_s:.2f} s, litert XNN+BI {litert_s:.2f} s",
                    ))
                    self.assertGreaterEqual(agree, AGREEMENT_MIN)
                    self.assertTrue(set(np.unique(ours[n])) <= set(range(256)))


@unittest.skipUnless(available(), f"DeepLab models or sample images missing under {dd.SHARED}")
class QuantLogits(unittest.TestCase):
    """The uint8 tensor ARG_MAX reads, byte for byte. The four ade20k/cityscapes "dummy" models give
    a constant class map on both photos (class 1 / class 0 everywhere), so their class maps alone
    say little; the logits do. `make_float_deeplab --uint8-logits` removes the final ARG_MAX (the
    model stays quantized), since the XNNPACK delegate hides intermediate tensors."""

    def test_uint8_logits_match_default_interpreter(self):
        for model in deeplab_models():
            size = input_size(model)
            path = TMP / f"{model.stem}_uint8_logits.tflite"
            call("make_float_deeplab", model, path, "--uint8-logits")
            _, outs = dd.io_details(path)
            out_index = int(outs[0]["index"])
            results = dd.run(path, "XNN", ("images", size), [[dd.image(n, size)] for n in dd.IMAGES])
            for n, r in zip(dd.IMAGES, results):
                with self.subTest(model=model.name, image=n):
                    default = next(iter(r.values()))
                    self.assertEqual(default.dtype, np.uint8)
                    dump = TMP / f"dump_{path.stem}_{Path(n).stem}"
                    call("segment_dump", path, rgb_file(n, size), dump)
                    ours = np.fromfile(dump / f"{out_index}.bin", dtype=np.uint8).reshape(default.shape)
                    for f in dump.iterdir():
                        f.unlink()
                    same = dd.agreement(ours, default)
                    diff = dd.max_diff(ours, default)
                    values = np.unique(default).size
                    print(
                        f"\n  {short(model):38} {n:14} uint8 logits equal {same:8.4f} %   max |diff| {diff} steps"
                        f"   ({values} distinct values)",
                        end="",
                    )
                    SUMMARY.append((
                        "uint8 logits", short(model), n, f"{same:.4f} % equal",
                        f"max |diff| {diff} quantized steps; {values} distinct logit values",
                    ))
                    self.assertTrue(dd.bit_identical(ours, default), f"{same:.4f} % equal, max |diff| {diff}")


@unittest.skipUnless(
    all((dd.DEEPLAB / m).exists() for m in FLOAT_SOURCES) and all((dd.SAMPLES / n).exists() for n in dd.IMAGES),
    f"pascal os16 quant models or sample images missing under {dd.SHARED}",
)
class FloatModels(unittest.TestCase):
    """Float32 versions of the pascal os16 quant models (make_float_deeplab)."""

    @classmethod
    def setUpClass(cls):
        cls.models = {}
        for src in FLOAT_SOURCES:
            stem = Path(src).stem.replace("_quant", "")
            for logits in (False, True):
                out = TMP / f"{stem}_float{'_logits' if logits else ''}.tflite"
                call("make_float_deeplab", dd.DEEPLAB / src, out, *(["--logits"] if logits else []))
                cls.models[(src, logits)] = out

    def litert(self, path, backend, size):
        _, outs = dd.io_details(path)
        self.assertEqual(len(outs), 1)
        sets = [[float_input(n, size)] for n in dd.IMAGES]
        results = dd.run(path, backend, ("float images", size), sets)
        return {n: next(iter(r.values())) for n, r in zip(dd.IMAGES, results)}, int(outs[0]["index"])

    def test_model_is_float(self):
        for src in FLOAT_SOURCES:
            for logits in (False, True):
                path = self.models[(src, logits)]
                ins, outs = dd.io_details(path)
                with self.subTest(model=path.name):
                    self.assertEqual(ins[0]["dtype"], np.float32)
                    self.assertEqual(outs[0]["dtype"], np.float32 if logits else np.int32)
                    self.assertEqual(len(outs[0]["shape"]), 4 if logits else 3)

    def test_logits_match(self):
        for src in FLOAT_SOURCES:
            path = self.models[(src, True)]
            size = input_size(path)
            default, out_index = self.litert(path, "XNN", size)
            builtin, _ = self.litert(path, "BI", size)
            for n in dd.IMAGES:
                with self.subTest(model=path.name, image=n):
                    dump = TMP / f"dump_{path.stem}_{Path(n).stem}"
                    call("segment_dump", path, rgb_file(n, size), dump)
                    ours = np.fromfile(dump / f"{out_index}.bin", dtype="<f4").reshape(default[n].shape)
                    diff = dd.max_diff(ours, default[n])
                    context = dd.max_diff(builtin[n], default[n])
                    scale = float(np.max(np.abs(default[n])))
                    print(
                        f"\n  {path.stem:38} {n:14} logits max |diff| engine vs default {diff:.3g}   "
                        f"builtin vs default {context:.3g}   (max |logit| {scale:.1f})",
                        end="",
                    )
                    SUMMARY.append((
                        "float logits", path.stem.replace("deeplabv3_mnv2_", ""), n, f"max |diff| {diff:.3g}",
                        f"builtin vs default {context:.3g}; max |logit| {scale:.1f}",
                    ))
                    self.assertLessEqual(diff, LOGITS_MAX_DIFF)
                    for f in dump.iterdir():  # the dumps of the 513 model are ~100 MB
                        f.unlink()

    def test_class_maps_match(self):
        for src in FLOAT_SOURCES:
            path = self.models[(src, False)]
            size = input_size(path)
            default, _ = self.litert(path, "XNN", size)
            builtin, _ = self.litert(path, "BI", size)
            for n in dd.IMAGES:
                with self.subTest(model=path.name, image=n):
                    ours = engine_class_map(path, n, size)
                    agree = dd.agreement(ours, default[n].astype(np.int64))
                    context = dd.agreement(builtin[n], default[n])
                    print(
                        f"\n  {path.stem:38} {n:14} float class map engine vs default {agree:8.3f} %   "
                        f"builtin vs default {context:8.3f} %",
                        end="",
                    )
                    SUMMARY.append((
                        "float class map", path.stem.replace("deeplabv3_mnv2_", ""), n, f"{agree:.3f} %",
                        f"builtin vs default {context:.3f} %",
                    ))
                    self.assertGreaterEqual(agree, AGREEMENT_MIN)


class Errors(unittest.TestCase):
    """Models the engine cannot run, and inputs of the wrong size."""

    def assert_clean_failure(self, p, *needles):
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertNotIn("panicked", p.stderr)
        self.assertNotIn("RUST_BACKTRACE", p.stderr)
        for needle in needles:
            self.assertIn(needle, p.stderr)

    def test_unsupported_operator_is_named(self):
        rgb = TMP / "small.rgb"
        rgb.write_bytes(bytes(3 * 8 * 8))
        # PAD, TRANSPOSE and RESIZE_NEAREST_NEIGHBOR run now (test_engine_fixed.py); SOFTMAX does not.
        cases = {
            dd.REPO / "e2e" / "fixtures" / "unsupported-ops.tflite": "op 0 SOFTMAX",
        }
        for path, needle in cases.items():
            fixture = path.name
            with self.subTest(fixture=fixture):
                self.assertTrue(path.exists(), path)
                for tool, extra in (("bench_segment", [0]), ("segment_dump", [])):
                    out = [TMP / "unused_dir"] if tool == "segment_dump" else []
                    p = call(tool, path, rgb, *extra, *out, ok=False)
                    self.assert_clean_failure(p, needle, "cannot run")
                    print(f"\n  {fixture:32} {tool:14} -> {p.stderr.strip()}", end="")

    @unittest.skipUnless((dd.DEEPLAB / FLOAT_SOURCES[0]).exists(), "pascal 257 os16 quant model missing")
    def test_wrong_input_size(self):
        model = dd.DEEPLAB / FLOAT_SOURCES[0]  # 257×257 input: 198147 bytes
        for n_bytes in (0, 10, 257 * 257 * 3 - 1, 257 * 257 * 3 + 3, 513 * 513 * 3):
            with self.subTest(bytes=n_bytes):
                rgb = TMP / f"wrong_{n_bytes}.rgb"
                rgb.write_bytes(bytes(n_bytes))
                p = call("bench_segment", model, rgb, 0, TMP / "wrong_map.bin", ok=False)
                self.assert_clean_failure(p, f"the image has {n_bytes} bytes", "257×257 RGB needs 198147")
                p = call("segment_dump", model, rgb, TMP / f"wrong_dump_{n_bytes}", ok=False)
                self.assert_clean_failure(p, "needs 198147")
        print(f"\n  wrong size -> {p.stderr.strip()}", end="")

    def test_missing_files_fail_cleanly(self):
        p = call("bench_segment", TMP / "no_such_model.tflite", TMP / "no.rgb", 0, ok=False)
        self.assert_clean_failure(p, "no_such_model.tflite")
        garbage = TMP / "garbage.tflite"
        garbage.write_bytes(b"not a flatbuffer at all" * 10)
        rgb = TMP / "tiny.rgb"
        rgb.write_bytes(bytes(3))
        p = call("bench_segment", garbage, rgb, 0, ok=False)
        self.assert_clean_failure(p)
        p = call("make_float_deeplab", garbage, TMP / "garbage_float.tflite", ok=False)
        self.assert_clean_failure(p)


if __name__ == "__main__":
    unittest.main()
