"""`delegate-doctor analyze --delegate xnnpack` and the combined plan against the real XNNPACK
delegate of ai-edge-litert 2.3.0 (tests/python/xnnpack_oracle.py is the oracle).

For every model in ../shared/models, every fixture of the repo (e2e/fixtures, tests/python/fixtures,
the GPU fixtures that make_gpu_fixtures, make_mldrift_fixtures and make_gpu_probe write) and the
XNNPACK fixtures (make_xnnpack_fixtures):

* the default interpreter (XNNPACK lazily applied with the wheel's default flags, QS8 and QU8)
  delegates exactly our partitions, kernel by kernel, or fails to allocate exactly where we say the
  delegate fails;
* our combined plan after an NNAPI delegate that takes nothing (the default interpreter is exactly
  "CPU + lazy XNNPACK" then) has the same XNNPACK kernels — or, where XNNPACK fails, says that the
  interpreter reverts to the builtin kernels (an NNAPI delegate was applied first, so the graph was
  prepared, and the failure is undone instead of failing AllocateTensors);
* for other flag sets, `CompiledModel(CpuOptions(xnnpack_flags=…)).is_fully_accelerated()` equals
  our outcome "full" with `--xnnpack-flags`;
* after a real accelerator: LiteRT's GPU accelerator (on lavapipe) with the CPU accelerator
  (XNNPACK) after it, `CompiledModel(GPU | CPU).is_fully_accelerated()` equals "our combined plan
  after litert-gpu leaves no op on a builtin kernel" (shared models and the XNNPACK fixtures).

Every mismatch is also written to /tmp/xnn_mismatches.txt (one line each), for the rules' author.
"""

import re
import subprocess
import tempfile
import unittest
from pathlib import Path

import dd_support as dd
import litert_gpu
import xnnpack_oracle as oracle

MISMATCHES = Path("/tmp/xnn_mismatches.txt")

# XNNPACK flag sets checked with CompiledModel, as --xnnpack-flags spells them.
FLAG_SETS = {
    0: "",
    oracle.QS8: "QS8",
    oracle.QU8: "QU8",
    oracle.DEFAULT | oracle.DYNAMIC_FULLY_CONNECTED: "QS8,QU8,DYNAMIC_FULLY_CONNECTED",
    oracle.DEFAULT | oracle.DISABLE_DYNAMICALLY_QUANTIZED_OPS: "QS8,QU8,DISABLE_DYNAMICALLY_QUANTIZED_OPS",
}


# An NNAPI delegate that is applied and takes nothing: the phone has only nnapi-reference, which
# --disable-nnapi-cpu (the default) excludes.
NNAPI_DOING_NOTHING = ("--sdk", "30", "--nnapi-devices", "nnapi-reference", "--nnapi-allow-dynamic-dimensions")


def kernel_node_sets(plan):
    """The sorted node list of each delegate kernel of a plan, in kernel (node index) order."""
    kernels = sorted((row for row in plan if row.get("nodes") is not None), key=lambda r: r["index"])
    return [sorted(row["nodes"]) for row in kernels]


def xnnpack_kernel_sets(combined_plan):
    return kernel_node_sets([r for r in combined_plan if r["runs_on"] == "xnnpack"])


class XnnpackPredictions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._dir = tempfile.TemporaryDirectory(prefix="dd-xnn-pred-")
        d = Path(cls._dir.name)
        generated = (("make_xnnpack_fixtures", "xnn"), ("make_mldrift_fixtures", "mldrift"),
                     ("make_gpu_probe", "probe"), ("make_gpu_fixtures", "gpu"))
        for example, sub in generated:
            subprocess.run(["cargo", "run", "-q", "--example", example, "--", str(d / sub)], cwd=dd.REPO, check=True)
        cls.xnn_fixtures = sorted((d / "xnn").glob("*.tflite"))
        cls.models = (sorted((dd.SHARED / "models").glob("*/*.tflite"))
                      + sorted((dd.REPO / "e2e" / "fixtures").glob("*.tflite"))
                      + sorted(dd.FIXTURES.glob("*.tflite"))
                      + [m for _, sub in generated for m in sorted((d / sub).glob("*.tflite"))])
        cls.real = dict(zip(cls.models, oracle.partitions_of(cls.models)))
        cls.mismatches = {}

    @classmethod
    def tearDownClass(cls):
        lines = [f"{test}: {line}" for test, found in sorted(cls.mismatches.items()) for line in found]
        MISMATCHES.write_text("".join(l + "\n" for l in lines))
        cls._dir.cleanup()

    def mismatch(self, test, line):
        self.mismatches.setdefault(test, []).append(line)

    def compared_models(self):
        """The models the real interpreter reads and prepares on its builtin kernels, with its
        reading (a model whose own kernels fail to prepare fails with or without XNNPACK)."""
        return [(m, r) for m, r in self.real.items()
                if "unreadable" not in r and not r.get("crashed") and not r.get("builtin_error")]

    def test_delegated_node_sets_equal_the_real_delegate(self):
        found = []
        for model, real in self.compared_models():
            with self.subTest(model=model.name):
                ours = dd.cli("analyze", model, "--delegate", "xnnpack")["analyses"][0]
                self.assertEqual(ours["delegate"], "xnnpack")
                if real["partitions"] is None:
                    ok = ours["outcome"] == "fails"
                    line = f"{model.name}: the interpreter fails ({real['error']!r}); we say {ours['outcome']}"
                else:
                    mine = kernel_node_sets(ours["plan"]) if ours["outcome"] != "fails" else None
                    ok = mine == real["partitions"]
                    line = f"{model.name}: real {real['partitions']} ours {mine} ({ours['outcome']})"
                if not ok:
                    found.append(line)
                    self.mismatch("xnnpack", line)
        print(f"\n  xnnpack: {len(self.compared_models()) - len(found)} of {len(self.compared_models())} models as the real delegate")
        self.assertGreater(len(self.compared_models()), 60)
        self.assertEqual(found, [])

    def test_combined_plan_after_nnapi_doing_nothing_is_the_default_interpreter(self):
        """NNAPI with only nnapi-reference (excluded) and dynamic dimensions allowed (so it prepares
        nothing, as the default interpreter does not): XNNPACK alone on an unchanged graph."""
        found = []
        for model, real in self.compared_models():
            with self.subTest(model=model.name):
                a = dd.cli("analyze", model, *NNAPI_DOING_NOTHING)["analyses"][0]
                self.assertEqual(a["outcome"], "none")
                c = a["combined"]
                if real["partitions"] is None:
                    ok = c["xnnpack"] == "fails"
                    line = f"{model.name}: the default interpreter fails; our combined plan says {c['xnnpack']}"
                else:
                    mine = xnnpack_kernel_sets(c["plan"])
                    ok = c["xnnpack"] == "applied" and mine == real["partitions"]
                    line = f"{model.name}: real {real['partitions']} combined {mine} ({c['xnnpack']})"
                    # XNNPACK's kernels are numbered after the N original nodes, as the real ones.
                    xnn_rows = [r for r in c["plan"] if r["runs_on"] == "xnnpack"]
                    self.assertEqual(sorted(r["index"] for r in xnn_rows), list(range(real["nodes"], real["nodes"] + len(xnn_rows))))
                if not ok:
                    found.append(line)
                    self.mismatch("combined", line)
        self.assertEqual(found, [])

    def test_fully_accelerated_under_other_flags(self):
        models = self.xnn_fixtures + sorted((dd.SHARED / "models").glob("*/*257*.tflite"))[:1]
        pairs = [(m, f) for m in models for f in FLAG_SETS]
        real = oracle.fully_accelerated_of(pairs)
        found, compared = [], 0
        for (model, flags), r in zip(pairs, real):
            with self.subTest(model=model.name, flags=FLAG_SETS[flags]):
                ours = dd.cli("analyze", model, "--delegate", "xnnpack", "--xnnpack-flags", FLAG_SETS[flags])["analyses"][0]
                if r.get("fully_accelerated") is None:
                    ok = ours["outcome"] == "fails"
                    line = f"{model.name} flags {FLAG_SETS[flags]!r}: CompiledModel fails ({r.get('error')!r}); we say {ours['outcome']}"
                else:
                    ok = (ours["outcome"] == "full") == r["fully_accelerated"]
                    line = f"{model.name} flags {FLAG_SETS[flags]!r}: fully accelerated {r['fully_accelerated']}, we say {ours['outcome']}"
                compared += 1
                if not ok:
                    found.append(line)
                    self.mismatch("flags", line)
        self.assertGreater(compared, 80)
        self.assertEqual(found, [])

    def test_litert_gpu_then_xnnpack_is_fully_accelerated_as_our_combined_plan(self):
        why = litert_gpu.lavapipe_missing()
        if why:
            self.skipTest(why)
        models = sorted((dd.SHARED / "models").glob("*/*.tflite")) + self.xnn_fixtures
        found = []
        for model in models:
            with self.subTest(model=model.name):
                real = litert_gpu.oracle(model, nodes=False)
                a = dd.cli("analyze", model, "--delegate", "litert-gpu")["analyses"][0]
                c = a["combined"]
                if real["fully_accelerated"] is None:
                    # The compile failed: the GPU accelerator failed, or XNNPACK did after it.
                    ok = (a["outcome"] == "fails" and c["xnnpack"] == "skipped") or c["xnnpack"] in ("reverted", "fails")
                else:
                    everything_in_kernels = c["xnnpack"] in ("applied", "skipped") and c["plan"] and c["cpu_nodes"] == 0
                    ok = bool(everything_in_kernels) == real["fully_accelerated"]
                line = (f"{model.name}: GPU|CPU fully accelerated {real['fully_accelerated']}; ours: XNNPACK {c['xnnpack']}, "
                        f"{c['accelerator_nodes']} GPU + {c['xnnpack_nodes']} XNNPACK + {c['cpu_nodes']} CPU ops")
                if not ok:
                    found.append(line)
                    self.mismatch("litert-gpu+xnnpack", line)
        self.assertEqual(found, [])

    def test_creation_failures_quote_the_real_log(self):
        """Where XNNPACK accepts nodes and then fails to create its kernel, our reason quotes the
        delegate's lines ("failed to delegate OP node #i", then "Node number K (TfLiteXNNPackDelegate)
        failed to prepare."), and the real interpreter's error is exactly those lines."""
        quoted = re.compile(r'the delegate logs "([^"]+)", then "([^"]+)"')
        found, compared = [], 0
        for model, real in self.compared_models():
            if real["partitions"] is not None:
                continue
            with self.subTest(model=model.name):
                reason = (dd.cli("analyze", model, "--delegate", "xnnpack")["analyses"][0].get("failure") or {}).get("reason", "")
                m = quoted.search(reason)
                compared += 1
                if not m or "".join(m.groups()) not in real["error"]:
                    found.append(f"{model.name}: real {real['error']!r}; ours {reason!r}")
                    self.mismatch("creation log", found[-1])
        self.assertGreater(compared, 20)
        self.assertEqual(found, [])

    def test_int64_permutations_that_read_as_a_permutation_are_taken(self):
        """VisitTransposeNode reads an INT64 permutation as int32 words: [1, 0] and [1, 2, 0] (read
        [1, 0, 2]) pass xnn_define_static_transpose, [0, 2, 1, 3] (read [0, 0, 2, 0]) does not."""
        by_name = {m.name: m for m in self.xnn_fixtures}
        self.assertEqual(self.real[by_name["xnn_create_transpose_i64_perm_2d.tflite"]]["partitions"], [[0]])
        self.assertEqual(self.real[by_name["xnn_create_transpose_i64_perm_3d.tflite"]]["partitions"], [[0]])
        self.assertIsNone(self.real[by_name["xnn_create_transpose_i64_perm_4d.tflite"]]["partitions"])

    def test_rank7_fully_connected_fails_when_created(self):
        """google/XNNPACK#11036: detection accepts it, Subgraph::Create refuses it, the kernel fails to prepare."""
        model = next(m for m in self.xnn_fixtures if m.name == "xnn_fc_rank7_keep.tflite")
        real = self.real[model]
        self.assertIsNone(real["partitions"])
        self.assertIn("failed to prepare", real["error"])
        ours = dd.cli("analyze", model, "--delegate", "xnnpack")["analyses"][0]
        self.assertEqual(ours["outcome"], "fails")
        c = dd.cli("analyze", model, *NNAPI_DOING_NOTHING)["analyses"][0]["combined"]
        self.assertEqual(c["xnnpack"], "fails")
        # After a delegate that prepared the graph (NNAPI without dynamic dimensions), the same
        # failure is undone instead: every delegate reverted, all ops on the builtin kernels.
        c = dd.cli("analyze", model, "--sdk", "30", "--nnapi-devices", "nnapi-reference")["analyses"][0]["combined"]
        self.assertEqual(c["xnnpack"], "reverted")
        self.assertEqual([r["runs_on"] for r in c["plan"]], ["cpu"] * real["nodes"])


if __name__ == "__main__":
    unittest.main()
