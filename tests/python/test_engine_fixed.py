"""Every model `delegate-doctor fix` writes, run in the in-page engine (`crate/src/infer`) against
ai-edge-litert 2.3.0 (default interpreter: the XNNPACK delegate applied; num_threads=1).

Sources: every model in ../shared/models (DeepLab, MediaPipe), the repo's fix fixtures
(tests/python/fixtures, the atrous-convolution fixtures of crate/examples/make_gpu_fix_fixtures.rs and
the SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND models of crate/examples/make_space_batch_fixtures.rs, written
into a temp dir), and the float DeepLab (crate/examples/make_float_deeplab.rs).
Targets: NNAPI at every API level 27..35 with the option sets the page offers (default flags; CPU
fallback allowed with partition limit 3, as the seed app; each pool form; the tail cut), the GPU
delegate and LiteRT's GPU accelerator. Each distinct output (by SHA-256), and each source, is run
on seeded inputs (`engine_run MODEL DIR SEED`, `infer::compare::seeded_inputs`) in the engine and
in litert: integer outputs must be byte-identical, float outputs within FLOAT_MAX_DIFF.

Every model, source or fixed, must run in the engine (no operator is missing for any of them). Both MediaPipe
selfie segmenters (custom Convolution2DTransposeBias, fp16 weights) and their transpose-conv-bias
fixed variants must run in both, and so must at least one model with a float32 MEAN (the
global-pool fix on the float DeepLab or on a selfie model).

Run from the repository root (builds target/debug/delegate-doctor and the release examples):
    .venv/bin/python -m unittest tests/python/test_engine_fixed.py -v
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # dd_support, also when run by path
from ai_edge_litert.interpreter import Interpreter

import dd_support as dd

FLOAT_MAX_DIFF = 1e-4
SEED = 1
# Full-integer int8 DeepLabs made by scripts/make_int8_deeplab.py from the float 257 OS16 DeepLab:
# (file stem, script flags).
INT8_VARIANTS = (("argmax", []), ("logits_int8", ["--logits", "int8"]), ("float_io", ["--logits", "float", "--float-input"]))
MEDIAPIPE = dd.SHARED / "models" / "mediapipe"

_TMP = tempfile.TemporaryDirectory(prefix="dd-engine-fixed-")
TMP = Path(_TMP.name)
EXAMPLES = ("engine_run", "make_float_deeplab", "make_gpu_fix_fixtures", "make_space_batch_fixtures", "bench_segment")
_BINS = {}
SUMMARY = []


def example(name):
    if not _BINS:
        env = os.environ.get("DD_EXAMPLES")
        d = Path(env) if env else dd.REPO / "target" / "release" / "examples"
        if not env:
            cmd = ["cargo", "build", "--release", "-q"] + [a for e in EXAMPLES for a in ("--example", e)]
            subprocess.run(cmd, cwd=dd.REPO, check=True)
        _BINS.update({e: d / e for e in EXAMPLES})
    return _BINS[name]


def nnapi_targets():
    sets = {
        "default": [],
        "seed": dd.SEED_FLAGS,
        "seed-mean": dd.SEED_FLAGS + ["--pool-form", "mean"],
        "seed-separable": dd.SEED_FLAGS + ["--pool-form", "separable"],
        "cut-tail": ["--cut", "tail"],
    }
    return [(f"nnapi {sdk} {name}", ["--delegate", "nnapi", "--sdk", str(sdk), *flags])
            for sdk in range(27, 36) for name, flags in sets.items()]


TARGETS = nnapi_targets() + [("gpu", ["--delegate", "gpu"]), ("litert-gpu", ["--delegate", "litert-gpu"]),
                             ("gpu cut-tail", ["--delegate", "gpu", "--cut", "tail"])]


def sources():
    """(label, path) of every model the fixes start from."""
    found = [(p.name, p) for p in sorted(dd.DEEPLAB.glob("*.tflite"))]
    found += [(p.name, p) for p in sorted(MEDIAPIPE.glob("*.tflite"))]
    found += [(p.name, p) for p in sorted(dd.FIXTURES.glob("*.tflite"))]
    gpu_dir = TMP / "gpu_fix_fixtures"
    subprocess.run([str(example("make_gpu_fix_fixtures")), str(gpu_dir)], check=True, capture_output=True)
    found += [(f"gpu/{p.name}", p) for p in sorted(gpu_dir.glob("*.tflite"))]
    space_dir = TMP / "space_batch_fixtures"
    subprocess.run([str(example("make_space_batch_fixtures")), str(space_dir)], check=True, capture_output=True)
    found += [(f"space-batch/{p.name}", p) for p in sorted(space_dir.glob("*.tflite"))]
    src = dd.DEEPLAB / "deeplabv3_mnv2_pascal_257_os16_quant.tflite"
    if src.exists():
        out = TMP / "pascal_257_os16_float.tflite"
        subprocess.run([str(example("make_float_deeplab")), str(src), str(out)], check=True, capture_output=True)
        found.append((out.name, out))
        found += [(p.name, p) for p in int8_models(out)]
    return found


def int8_models(float_model):
    """The int8 DeepLabs, quantized with ai-edge-quantizer by scripts/make_int8_deeplab.py."""
    made = []
    for stem, flags in INT8_VARIANTS:
        out = TMP / f"pascal_257_os16_int8_{stem}.tflite"
        made.append(out)
        if out.exists():
            continue
        cmd = [sys.executable, str(dd.REPO / "scripts" / "make_int8_deeplab.py"), str(float_model), str(out), *flags,
               "--samples", str(dd.SAMPLES)]
        subprocess.run(cmd, check=True, capture_output=True)
    return made


def float_deeplab_257():
    out = TMP / "pascal_257_os16_float.tflite"
    if not out.exists():
        src = dd.DEEPLAB / "deeplabv3_mnv2_pascal_257_os16_quant.tflite"
        subprocess.run([str(example("make_float_deeplab")), str(src), str(out)], check=True, capture_output=True)
    return out


def fix(path, flags, out):
    """Runs `fix`; returns the list of applied fixes (None when fix refused the model)."""
    cmd = [str(dd.binary()), "fix", str(path), "-o", str(out), *flags, "--format", "json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None
    return [c["fix"] for c in json.loads(p.stdout)["changes"]]


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def engine(path, out_dir):
    """Runs the engine on seeded inputs; returns (meta, inputs, outputs) or the error text."""
    p = subprocess.run([str(example("engine_run")), str(path), str(out_dir), str(SEED)], capture_output=True, text=True)
    if p.returncode != 0:
        return p.stderr.strip()
    meta = json.loads((out_dir / "meta.json").read_text())
    read = lambda kind, i, t: np.fromfile(out_dir / f"{kind}_{i}.bin", dtype=t["dtype"]).reshape(t["shape"])
    ins = [read("input", i, t) for i, t in enumerate(meta["inputs"])]
    outs = [read("output", i, t) for i, t in enumerate(meta["outputs"])]
    for f in out_dir.iterdir():
        f.unlink()
    return meta, ins, outs


def litert(path, meta, ins):
    it = Interpreter(model_path=str(path), num_threads=1)
    it.allocate_tensors()
    for t, x in zip(meta["inputs"], ins):
        it.set_tensor(t["index"], x)
    it.invoke()
    return [it.get_tensor(t["index"]) for t in meta["outputs"]]


def float_ops(path):
    """The names of the model's operators whose first input is float32 (as the interpreter lists them)."""
    it = Interpreter(model_path=str(path), num_threads=1)
    dtypes = {t["index"]: t["dtype"] for t in it.get_tensor_details()}
    return {o["op_name"] for o in it._get_ops_details() if len(o["inputs"]) and dtypes.get(int(o["inputs"][0])) == np.float32}


def missing_ops(error):
    """The operators the engine lacks, by the message (other problems are listed differently)."""
    return set(re.findall(r"op \d+ ([A-Z_0-9]+): (?:this operator is not implemented|float32 is not supported)", error))


def tearDownModule():
    if SUMMARY:
        print("\n=== fixed models in the engine vs ai-edge-litert (default interpreter, one thread) ===")
        for row in SUMMARY:
            print("  " + row)
        sys.stdout.flush()


@unittest.skipUnless(dd.DEEPLAB.exists(), f"no models under {dd.SHARED}")
class EveryFixedModel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.models = {}  # sha → (label, path, fixes)
        for label, path in sources():
            cls.models.setdefault(sha(path), (label, path, []))
            for name, flags in TARGETS:
                out = TMP / f"fixed_{len(cls.models)}_{Path(label).stem}.tflite"
                fixes = fix(path, flags, out)
                if not fixes:
                    out.unlink(missing_ok=True)
                    continue
                digest = sha(out)
                if digest in cls.models:
                    out.unlink()
                    continue
                cls.models[digest] = (f"{label} [{name}: {', '.join(sorted(set(fixes)))}]", out, fixes)

    def test_every_model_runs_like_the_real_interpreter(self):
        ran = 0
        ran_labels = []
        float_mean_ran = []
        for label, path, _ in self.models.values():
            got = engine(path, TMP / "run")
            with self.subTest(model=label):
                if isinstance(got, str):
                    SUMMARY.append(f"{label}: not run ({got[:160]})")
                    self.assertNotIn("panicked", got)
                    self.fail(f"the engine cannot run it (missing: {sorted(missing_ops(got))}): {got}")
                meta, ins, ours = got
                try:
                    ref = litert(path, meta, ins)
                except RuntimeError as e:
                    # e.g. a CONV_2D without bias, which TFLite refuses (the conv-zero-bias fix's reason).
                    SUMMARY.append(f"{label}: the real interpreter cannot run it ({str(e)[:100]})")
                    continue
                ran += 1
                notes = []
                for t, a, b in zip(meta["outputs"], ours, ref):
                    self.assertEqual(a.shape, b.shape, t["name"])
                    if b.dtype.kind == "f":
                        diff = float(np.max(np.abs(a.astype(np.float64) - b))) if a.size else 0.0
                        notes.append(f"{t['dtype']}{list(b.shape)} max |diff| {diff:.3g}")
                        self.assertLessEqual(diff, FLOAT_MAX_DIFF, t["name"])
                    else:
                        same = 100.0 * float(np.mean(a == b)) if a.size else 100.0
                        notes.append(f"{t['dtype']}{list(b.shape)} {same:.4f} % identical")
                        self.assertEqual(a.dtype, b.dtype)
                        self.assertTrue(np.array_equal(a, b), f"{t['name']}: {same:.4f} % identical")
                SUMMARY.append(f"{label}: " + "; ".join(notes))
                ran_labels.append(label)
                if "MEAN" in float_ops(path):
                    float_mean_ran.append(label)
        print(f"\n  {len(self.models)} distinct models, {ran} run in both", end="")
        self.assertGreater(ran, 20)
        self.assertTrue(float_mean_ran, "no model with a float32 MEAN ran in both")
        # The atrous originals (SPACE_TO_BATCH_ND → convolution → BATCH_TO_SPACE_ND) and the other
        # space/batch models, not only their fixed forms.
        originals = [l for l, _, fixes in self.models.values() if not fixes and l.startswith(("gpu/", "space-batch/"))]
        self.assertGreaterEqual(len(originals), 25)
        for l in originals:
            self.assertIn(l, ran_labels)
        for p in sorted(MEDIAPIPE.glob("*.tflite")):
            with self.subTest(mediapipe=p.name):
                self.assertIn(p.name, ran_labels)
                fixed = [l for l in ran_labels if l.startswith(p.name + " [") and "transpose-conv-bias" in l]
                self.assertTrue(fixed, f"no transpose-conv-bias variant of {p.name} ran in both")


def photo_input(name, size, detail):
    """The page's input for a photo: float32 (p − 127.5) / 127.5, or for an int8 input that value
    quantized with the input's parameters, rounding half away from zero (`engine::quantize_i8`)."""
    v = (dd.image(name, size).astype(np.float32) - np.float32(127.5)) / np.float32(127.5)
    if detail["dtype"] == np.float32:
        return v
    scale, zero_point = detail["quantization"]
    x = (v / np.float32(scale)).astype(np.float64)
    rounded = np.where(x >= 0, np.floor(x + 0.5), np.ceil(x - 0.5))
    return np.clip(rounded + zero_point, -128, 127).astype(np.int8)


@unittest.skipUnless((dd.DEEPLAB / "deeplabv3_mnv2_pascal_257_os16_quant.tflite").exists() and
                     all((dd.SAMPLES / n).exists() for n in dd.IMAGES), "pascal 257 model or sample photos missing")
class Int8Photos(unittest.TestCase):
    """The int8 DeepLabs segment both sample photos as the real interpreter does: the engine's class
    map (`bench_segment`, the page's Segmenter) equals litert's on the same input."""

    def test_class_maps_on_photos(self):
        models = dict(zip((v[0] for v in INT8_VARIANTS), int8_models(float_deeplab_257())))
        for variant in ("argmax", "float_io"):
            path = models[variant]
            ins, outs = dd.io_details(path)
            size = int(ins[0]["shape"][1])
            for n in dd.IMAGES:
                with self.subTest(model=variant, image=n):
                    rgb = TMP / f"{Path(n).stem}_{size}.rgb"
                    rgb.write_bytes(np.ascontiguousarray(dd.image(n, size)).tobytes())
                    out = TMP / f"map_{variant}_{Path(n).stem}.bin"
                    subprocess.run([str(example("bench_segment")), str(path), str(rgb), "0", str(out)], check=True, capture_output=True)
                    ours = np.fromfile(out, dtype=np.uint8).reshape(1, size, size)
                    it = Interpreter(model_path=str(path), num_threads=1)
                    it.allocate_tensors()
                    it.set_tensor(ins[0]["index"], photo_input(n, size, ins[0]))
                    it.invoke()
                    ref = it.get_tensor(outs[0]["index"])
                    ref = ref if ref.ndim == 3 else np.argmax(ref, axis=-1)
                    agree = dd.agreement(ours, ref)
                    SUMMARY.append(f"int8 {variant} on {n}: class map {agree:.3f} % identical ({len(np.unique(ref))} classes)")
                    self.assertTrue(np.array_equal(ours, ref.astype(np.uint8)), f"{agree:.3f} %")


if __name__ == "__main__":
    unittest.main()
