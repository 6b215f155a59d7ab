"""`delegate-doctor analyze --delegate litert-gpu` against LiteRT's real GPU accelerator (ML Drift
in ai-edge-litert, on Mesa's lavapipe; tests/python/litert_gpu.py is the oracle).

For every model in ../shared/models, the ML Drift fixtures (make_mldrift_fixtures) and the GPU
probes (make_gpu_probe), our analysis must print the accelerator's log block exactly — the sorted
"OP: message" lines and "K operations will run on the GPU, and the remaining M …" — and delegate
exactly the node set the accelerator chose (read with LITERT_GPU_DEBUG_EXCLUDE_NODES). When the
accelerator prints no block (it took every node), we print none either.
"""

import re
import subprocess
import tempfile
import unittest
from pathlib import Path

import dd_support as dd
import litert_gpu

HEADER = "ERROR: Following operations are not supported by GPU delegate:"
COUNTS = re.compile(r"^(\d+) operations will run on the GPU, and the remaining (\d+) operations will run on the CPU\.$")
NONE = re.compile(r"^No operations will run on the GPU, and all (\d+) operations will run on the CPU\.$")


def our_block(analysis):
    """(refusal lines, K, M) from our log, or None when we log no block."""
    log = analysis["log"]
    if HEADER not in log:
        return None
    lines, k, m = [], None, None
    for line in log[log.index(HEADER) + 1:]:
        if (c := COUNTS.match(line)):
            k, m = int(c[1]), int(c[2])
            break
        if (c := NONE.match(line)):
            k, m = 0, int(c[1])
            break
        lines.append(line)
    return lines, k, m


def our_nodes(analysis):
    return sorted(n for row in analysis["plan"] for n in row.get("nodes", []))


class LiteRtGpuPredictions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._dir = tempfile.TemporaryDirectory(prefix="dd-gpu-pred-")
        d = Path(cls._dir.name)
        for example, sub in (("make_mldrift_fixtures", "mldrift"), ("make_gpu_probe", "probe")):
            subprocess.run(["cargo", "run", "-q", "--example", example, "--", str(d / sub)], cwd=dd.REPO, check=True)
        cls.models = (sorted((dd.SHARED / "models").glob("*/*.tflite"))
                      + sorted((d / "mldrift").glob("*.tflite")) + sorted((d / "probe").glob("*.tflite")))

    @classmethod
    def tearDownClass(cls):
        cls._dir.cleanup()

    def setUp(self):
        why = litert_gpu.lavapipe_missing()
        if why:
            self.skipTest(why)

    def test_log_block_and_node_set_equal_the_accelerator(self):
        self.assertGreater(len(self.models), 30)
        compared = 0
        for model in self.models:
            with self.subTest(model=model.name):
                real = litert_gpu.oracle(model)
                if real["error"] and real["gpu_nodes"] is None:
                    continue  # the accelerator could not run it at all (e.g. a crash after the decision)
                ours = dd.cli("analyze", model, "--delegate", "litert-gpu")["analyses"][0]
                self.assertEqual(ours["delegate"], "litert-gpu")
                block = our_block(ours)
                if not real["blocks"]:
                    self.assertIsNone(block, f"{model.name}: the accelerator logged no block")
                else:
                    self.assertEqual(block, (real["refusals"], real["gpu_ops"], real["cpu_ops"]), model.name)
                if real["gpu_nodes"] is not None:
                    self.assertEqual(our_nodes(ours), sorted(real["gpu_nodes"]), f"{model.name}: delegated nodes")
                compared += 1
        print(f"\n  litert-gpu: {compared} of {len(self.models)} models compared with the real accelerator")
        self.assertGreater(compared, 25)


if __name__ == "__main__":
    unittest.main()
