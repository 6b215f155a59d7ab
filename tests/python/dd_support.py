"""Shared plumbing for the Python tests: paths, the delegate-doctor CLI, the real TFLite
interpreter (ai-edge-litert) with a result cache, the sample images, and a summary table.

Every interpreter run uses num_threads=1 and one of two backends:
  XNN = OpResolverType.AUTO (the XNNPACK delegate is applied, and it takes the uint8 ops too)
  BI  = OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES (TFLite's builtin kernels)
Results are only ever compared between runs on the same backend.
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("DD_SHARED", REPO.parent / "shared"))
if not SHARED.is_absolute():
    SHARED = (REPO / SHARED).resolve()
DEEPLAB = SHARED / "models" / "deeplab"
SAMPLES = SHARED / "samples"
ORIGINAL_513 = DEEPLAB / "deeplabv3_mnv2_pascal_513_os8_google_original.tflite"
SEED_513 = DEEPLAB / "deeplabv3_mnv2_pascal_513_os8_quant.tflite"
IMAGES = ("astronaut.png", "chelsea.png")

# The seed's delegate options (the app keeps CPU fallback and the default 3 partitions).
SEED_FLAGS = ["--disable-nnapi-cpu=false", "--max-delegated-partitions", "3"]

_BIN = None


def binary():
    """The delegate-doctor binary: $DD_BIN, else target/debug/delegate-doctor (built if missing)."""
    global _BIN
    if _BIN is None:
        env = os.environ.get("DD_BIN")
        path = Path(env) if env else REPO / "target" / "debug" / "delegate-doctor"
        if not path.is_absolute():
            path = REPO / path
        if not path.exists():
            if env:
                raise FileNotFoundError(f"DD_BIN={env} does not exist")
            subprocess.run(["cargo", "build", "-q"], cwd=REPO, check=True)
        _BIN = path
    return _BIN


def cli(*args):
    """Runs delegate-doctor with --format json and returns the parsed JSON."""
    cmd = [str(binary()), *map(str, args), "--format", "json"]
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}\n{p.stdout}")
    return json.loads(p.stdout)


_TMP = tempfile.TemporaryDirectory(prefix="dd-fix-tests-")
TMP = Path(_TMP.name)
_FIX_CACHE = {}


def fix(model, *flags, name=None):
    """`delegate-doctor fix MODEL -o OUT FLAGS`: (path of the fixed model, report). Cached."""
    key = (str(model), tuple(map(str, flags)))
    if key not in _FIX_CACHE:
        out = TMP / (name or f"fixed_{len(_FIX_CACHE)}_{Path(model).name}")
        report = cli("fix", model, "-o", out, *flags)
        _FIX_CACHE[key] = (out, report)
    return _FIX_CACHE[key]


def analyze(model, *flags):
    """The single analysis of `delegate-doctor analyze MODEL FLAGS` (pass exactly one --sdk)."""
    r = cli("analyze", model, *flags)
    assert len(r["analyses"]) == 1, r["analyses"]
    return r["analyses"][0]


# ---------------------------------------------------------------- interpreter

from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

BACKENDS = {
    "XNN": OpResolverType.AUTO,
    "BI": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
}

_RUNS = {}


def file_hash(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def interpreter(path, backend):
    it = Interpreter(model_path=str(path), num_threads=1, experimental_op_resolver_type=BACKENDS[backend])
    it.allocate_tensors()
    return it


def run(path, backend, key, input_sets):
    """Runs the model on each input set (a list of arrays, one per model input, in input order)
    and returns, per set, a dict output name -> array. Cached per (model bytes, backend, key), so
    identical files (e.g. the fixes for --sdk 30 and 33) run only once."""
    cache_key = (file_hash(path), backend, key)
    if cache_key not in _RUNS:
        it = interpreter(path, backend)
        ins = it.get_input_details()
        outs = it.get_output_details()
        results = []
        for values in input_sets:
            assert len(values) == len(ins), f"{path}: {len(ins)} inputs, {len(values)} given"
            for d, v in zip(ins, values):
                it.set_tensor(d["index"], np.asarray(v, dtype=d["dtype"]).reshape(d["shape"]))
            it.invoke()
            results.append({d["name"]: it.get_tensor(d["index"]).copy() for d in outs})
        del it
        _RUNS[cache_key] = results
    return _RUNS[cache_key]


def try_run(path, backend, key, input_sets):
    """Like run(), but returns the exception text instead of raising when TFLite refuses the model."""
    try:
        return run(path, backend, key, input_sets)
    except (RuntimeError, ValueError) as e:
        return " ".join(str(e).split())


def io_details(path):
    it = Interpreter(model_path=str(path), num_threads=1, experimental_op_resolver_type=BACKENDS["BI"])
    return it.get_input_details(), it.get_output_details()


# ---------------------------------------------------------------- images, comparisons

_IMAGES = {}


def image(name, size):
    """A sample photo as raw uint8 RGB, resized with PIL bilinear to size×size."""
    from PIL import Image

    if (name, size) not in _IMAGES:
        with Image.open(SAMPLES / name) as im:
            im = im.convert("RGB").resize((size, size), Image.BILINEAR)
            _IMAGES[(name, size)] = np.asarray(im, dtype=np.uint8)[None]
    return _IMAGES[(name, size)]


def deeplab_class_maps(path, backend, size=513):
    """{image name: class map as int64} for the sample photos."""
    sets = [[image(n, size)] for n in IMAGES]
    results = run(path, backend, ("images", size), sets)
    maps = {}
    for n, r in zip(IMAGES, results):
        assert len(r) == 1, f"{path}: expected one output, got {list(r)}"
        maps[n] = next(iter(r.values())).astype(np.int64)
    return maps


def agreement(a, b):
    """Share of equal elements, in per cent."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    return 100.0 * float(np.mean(a == b))


def max_diff(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0
    return int(np.max(np.abs(a.astype(np.int64) - b.astype(np.int64)))) if a.size else 0


def bit_identical(a, b):
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


# ---------------------------------------------------------------- summary

SUMMARY = []


def record(fix_id, model, backend, agree, diff, note=""):
    """One row of the summary table printed at the end of the run."""
    SUMMARY.append((fix_id, model, backend, agree, diff, note))


def print_summary(stream=None):
    stream = stream or sys.stdout
    if not SUMMARY:
        return
    head = ("fix", "model", "backend", "agreement", "max |diff|", "note")
    rows = [head] + [
        (f, m, b, a if isinstance(a, str) else f"{a:.3f} %", d if isinstance(d, str) else f"{d:g}", n)
        for f, m, b, a, d, n in SUMMARY
    ]
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head) - 1)]
    print("\n=== fix exactness summary (original vs fixed, same backend) ===", file=stream)
    for r in rows:
        cells = [str(c).ljust(w) for c, w in zip(r[:-1], widths)]
        print("  ".join(cells + [str(r[-1])]).rstrip(), file=stream)
    stream.flush()
