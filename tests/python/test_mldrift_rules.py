"""ML Drift's node rules (crate/src/delegates/gpu/mldrift.rs) against LiteRT's real GPU accelerator.

The accelerator is libLiteRtWebGpuAccelerator.so of ai-edge-litert (2.3.0), run through
CompiledModel with GPU|CPU on Mesa's lavapipe (Debian bookworm-backports mesa-vulkan-drivers
>= 25; bookworm's own 22.x is refused by Dawn). It logs to stderr, exactly when it does not take
every node:

    ERROR: Following operations are not supported by GPU delegate:
    ARG_MAX: Tensor type(INT64) is not supported. ArgMax
    70 operations will run on the GPU, and the remaining 1 operations will run on the CPU.

For every model in ../shared/models and every fixture of
`cargo run -q --example make_mldrift_fixtures -- DIR`, the lines of that block must equal the
sorted, de-duplicated lines our rules give (`--example mldrift_refusals MODEL`). When there is no
block, our lines must be empty or only the bare "DEQUANTIZE: " of fp16 weights (the partition
helper then takes every node and logs nothing). K + M must be the model's operator count and K at
most the nodes our rules take (K/M themselves need the partition policy).

The accelerator is run by the shared oracle tests/python/litert_gpu.py when it is there, else by
the minimal runner below. Without a Vulkan driver it cannot start: the tests are then skipped,
saying why.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a file or by discover
import dd_support as dd  # noqa: E402

try:  # the shared oracle of the GPU work (tests/python/litert_gpu.py), when it is in this tree
    import litert_gpu  # noqa: E402
except ImportError:
    litert_gpu = None

BLOCK_HEAD = "Following operations are not supported by GPU delegate:"
COUNTS = re.compile(r"^(\d+) operations will run on the GPU, and the remaining (\d+) operations will run on the CPU\.$")
NONE_ON_GPU = re.compile(r"^No operations will run on the GPU, and all (\d+) operations will run on the CPU\.$")

# Runs in a child process: the accelerator logs from C++ to the process's stderr.
_CHILD = """
import sys
from ai_edge_litert.compiled_model import CompiledModel
from ai_edge_litert.hardware_accelerator import HardwareAccelerator
m = CompiledModel.from_file(sys.argv[1], hardware_accel=HardwareAccelerator.GPU | HardwareAccelerator.CPU)
print("FULLY_ACCELERATED", m.is_fully_accelerated(), flush=True)
"""


def run_accelerator(model, runtime_dir):
    """The stderr of compiling `model` for GPU|CPU in a fresh process.

    The node decision is logged in DelegatePrepare, before ML Drift builds its graph. That build
    may still abort the process (e.g. "Check failed: !IsInput(consumer, value)" in model.cc for
    an op whose two inputs are one tensor): such a run still shows the decision.
    """
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime_dir))
    p = subprocess.run([sys.executable, "-c", _CHILD, str(model)], capture_output=True, text=True,
                       env=env, timeout=300)
    built = "FULLY_ACCELERATED" in p.stdout
    aborted_after_decision = "model.cc" in p.stderr and "Check failed" in p.stderr
    if not built and not aborted_after_decision:
        raise AssertionError(f"CompiledModel failed on {model} ({p.returncode}):\n{p.stderr[-3000:]}")
    return p.stderr


def parse_log(stderr):
    """The accelerator's answer: (refusal lines or None when there is no block, (K, M) or None)."""
    lines = stderr.splitlines()
    heads = [i for i, l in enumerate(lines) if l.endswith(BLOCK_HEAD)]
    if not heads:
        return None, None
    assert len(heads) == 1, f"several refusal blocks:\n{stderr}"
    refusals = []
    for line in lines[heads[0] + 1:]:
        m, none = COUNTS.match(line), NONE_ON_GPU.match(line)
        if m:
            return refusals, (int(m.group(1)), int(m.group(2)))
        if none:
            return refusals, (0, int(none.group(1)))
        refusals.append(line)
    raise AssertionError(f"refusal block without its count line:\n{stderr}")


def our_answer(model):
    p = subprocess.run([str(EXAMPLES / "mldrift_refusals"), str(model)], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"mldrift_refusals {model} failed ({p.returncode}): {p.stderr}")
    return json.loads(p.stdout)


def accelerator_answer(model, runtime_dir):
    """(refusal lines or None when no block was printed, (K, M) or None) of the real accelerator."""
    if litert_gpu is None:
        return parse_log(run_accelerator(model, runtime_dir))
    r = litert_gpu.oracle(model, nodes=False)
    if r["gpu_ops"] is None:
        # No block. A compile that died building ML Drift's graph (after the decision) still
        # shows it; any other failure does not.
        if r["error"] is not None and "Check failed" not in r["error"]:
            raise AssertionError(f"CompiledModel failed on {model}: {r['error']}")
        return None, None
    return r["refusals"], (r["gpu_ops"], r["cpu_ops"])


EXAMPLES = dd.REPO / "target" / "debug" / "examples"


def vulkan_missing():
    """Why the accelerator cannot run here, or None."""
    if not any(Path(p).exists() for p in ("/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
                                          "/usr/share/vulkan/icd.d/lvp_icd.json")):
        return "no lavapipe Vulkan driver (apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1)"
    return None


class MlDriftRules(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._dir = tempfile.TemporaryDirectory(prefix="dd-mldrift-")
        cls.dir = Path(cls._dir.name)
        cls.runtime = cls.dir / "xdg"
        cls.runtime.mkdir(mode=0o700)
        subprocess.run(["cargo", "build", "-q", "--example", "mldrift_refusals", "--example",
                        "make_mldrift_fixtures"], cwd=dd.REPO, check=True)
        subprocess.run([str(EXAMPLES / "make_mldrift_fixtures"), str(cls.dir / "fixtures")], check=True)
        cls.manifest = json.loads((cls.dir / "fixtures" / "manifest.json").read_text())

    @classmethod
    def tearDownClass(cls):
        cls._dir.cleanup()

    def setUp(self):
        why = litert_gpu.lavapipe_missing() if litert_gpu else vulkan_missing()
        if why:
            self.skipTest(why)

    def check(self, model):
        ours = our_answer(model)
        theirs, counts = accelerator_answer(model, self.runtime)
        if theirs is None:
            self.assertIn(ours["lines"], ([], ["DEQUANTIZE: "]),
                          f"{model.name}: the accelerator took every node; we refuse {ours['lines']}")
            return
        self.assertEqual(sorted(set(theirs)), theirs, f"{model.name}: the block is not a sorted set")
        self.assertEqual(theirs, ours["lines"], f"{model.name}: refusal lines differ")
        k, m = counts
        self.assertEqual(k + m, ours["operators"], f"{model.name}: K + M is not the operator count")
        self.assertLessEqual(k, ours["supported"], f"{model.name}: the GPU took more nodes than we accept")

    def test_shared_models(self):
        models = sorted((dd.SHARED / "models").glob("*/*.tflite"))
        self.assertGreater(len(models), 0, "no models in ../shared/models")
        for model in models:
            with self.subTest(model=model.name):
                self.check(model)

    def test_fixtures(self):
        self.assertGreaterEqual(len(self.manifest), 15)
        for name, info in sorted(self.manifest.items()):
            with self.subTest(fixture=name):
                self.check(self.dir / "fixtures" / name)


class LogParsing(unittest.TestCase):
    """The parser of the accelerator's log, on the log lines quoted in ../shared/reference."""

    def test_block_and_counts(self):
        log = ("I0000 delegate_webgpu.cc:759] # of threads\n"
               "ERROR: Following operations are not supported by GPU delegate:\n"
               "ARG_MAX: Tensor type(INT64) is not supported. ArgMax\n"
               "70 operations will run on the GPU, and the remaining 1 operations will run on the CPU.\n"
               "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
        self.assertEqual(parse_log(log), (["ARG_MAX: Tensor type(INT64) is not supported. ArgMax"], (70, 1)))

    def test_no_block(self):
        self.assertEqual(parse_log("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n"), (None, None))

    def test_nothing_on_gpu(self):
        log = ("ERROR: Following operations are not supported by GPU delegate:\n"
               "L2_NORMALIZATION: Operation is not supported.\n"
               "No operations will run on the GPU, and all 1 operations will run on the CPU.\n")
        self.assertEqual(parse_log(log), (["L2_NORMALIZATION: Operation is not supported."], (0, 1)))


if __name__ == "__main__":
    unittest.main()
