"""`delegate-doctor analyze --delegate litert-gpu` against LiteRT's real GPU accelerator (ML Drift
in ai-edge-litert, on Mesa's lavapipe; tests/python/litert_gpu.py is the oracle).

For every model in ../shared/models, the ML Drift fixtures (make_mldrift_fixtures) and the GPU
probes (make_gpu_probe), our analysis must print the accelerator's log block exactly — the sorted
"OP: message" lines and "K operations will run on the GPU, and the remaining M …" — and delegate
exactly the node set the accelerator chose (read with LITERT_GPU_DEBUG_EXCLUDE_NODES). When the
accelerator prints no block (it took every node), we print none either.

The accelerator prepares every subgraph, the primary one first, then the others in index order
(one DelegatePrepare each: the first calls of `gpu_nodes_by_call`, and one block per subgraph that
refused a node). It then prepares each WHILE body again, once per WHILE Prepare that runs after the
body was delegated (seen twice with the XNNPACK CPU accelerator applied after it): the WHILE kernel
marks the body's inputs kTfLiteCustom (tflite/kernels/while.cc Prepare_impl), so they have no data
and CopyTensorsShapeAndType's ResizeTensor undoes the body's delegates (tflite/core/subgraph.cc
ResizeTensor → UndoAllDelegates), which the body's AllocateTensors redoes (RedoAllDelegates). So
after our per-subgraph blocks and node sets, every further one must be a WHILE body's.
"""

import subprocess
import tempfile
import unittest
from pathlib import Path

import dd_support as dd
import litert_gpu



def blocks_of(log):
    """Every block in a log, in order: [{"refusals", "gpu_ops", "cpu_ops"}] as the oracle reads them."""
    return litert_gpu.parse_blocks(log)


def our_block(analysis):
    """(refusal lines, K, M) of the first block in our log, or None when we log no block."""
    blocks = blocks_of(analysis["log"])
    return (blocks[0]["refusals"], blocks[0]["gpu_ops"], blocks[0]["cpu_ops"]) if blocks else None


def our_nodes(plan_or_analysis):
    """The sorted delegated nodes of a plan (or of an analysis's primary subgraph)."""
    plan = plan_or_analysis["plan"] if isinstance(plan_or_analysis, dict) else plan_or_analysis
    return sorted(n for row in plan for n in row.get("nodes", []))


def our_subgraphs(analysis):
    """(index, plan, log) of every subgraph we say the delegate prepares, in order."""
    return [(0, analysis["plan"], None)] + [(s["index"], s["plan"], s["log"]) for s in analysis.get("other_subgraphs", [])]


def while_bodies(path):
    """The body subgraph indices of every WHILE in the model."""
    from ai_edge_litert import schema_py_generated as fb

    model = fb.Model.GetRootAs(Path(path).read_bytes(), 0)
    codes = [max(model.OperatorCodes(i).BuiltinCode(), model.OperatorCodes(i).DeprecatedBuiltinCode())
             for i in range(model.OperatorCodesLength())]
    bodies = set()
    for si in range(model.SubgraphsLength()):
        sg = model.Subgraphs(si)
        for oi in range(sg.OperatorsLength()):
            op = sg.Operators(oi)
            if codes[op.OpcodeIndex()] == fb.BuiltinOperator.WHILE:
                options = fb.WhileOptions()
                table = op.BuiltinOptions()
                options.Init(table.Bytes, table.Pos)
                bodies.add(options.BodySubgraphIndex())
    return bodies


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
                self.assert_blocks(model, ours, real)
                if real["gpu_nodes"] is not None:
                    self.assertEqual(our_nodes(ours["plan"]), sorted(real["gpu_nodes"]), f"{model.name}: delegated nodes")
                    self.assert_node_sets_by_call(model, ours, real)
                compared += 1
        print(f"\n  litert-gpu: {compared} of {len(self.models)} models compared with the real accelerator")
        self.assertGreater(compared, 25)

    def assert_blocks(self, model, ours, real):
        """Our blocks (all subgraphs, in order) are the accelerator's first ones; the rest are re-prepared bodies."""
        mine = blocks_of(ours["log"])
        self.assertEqual(real["blocks"][:len(mine)], mine, f"{model.name}: the blocks of every subgraph")
        bodies = while_bodies(model)
        body_blocks = [b for si, _, log in our_subgraphs(ours) if si in bodies for b in blocks_of(log)]
        for extra in real["blocks"][len(mine):]:
            self.assertIn(extra, body_blocks, f"{model.name}: a block after every subgraph's is a WHILE body's")

    def assert_node_sets_by_call(self, model, ours, real):
        """DelegatePrepare i chose exactly our nodes of subgraph i; later calls re-prepare WHILE bodies."""
        calls, subgraphs = real["gpu_nodes_by_call"], our_subgraphs(ours)
        if real["nodes_error"] is None:
            self.assertGreaterEqual(len(calls), len(subgraphs), f"{model.name}: one DelegatePrepare per subgraph")
        for call, (si, plan, _) in zip(calls, subgraphs):
            self.assertEqual(call, our_nodes(plan), f"{model.name}: the nodes chosen in subgraph {si}")
        body_sets = [our_nodes(plan) for si, plan, _ in subgraphs if si in while_bodies(model)]
        for call in calls[len(subgraphs):]:
            self.assertIn(call, body_sets, f"{model.name}: a DelegatePrepare after every subgraph's re-prepares a WHILE body")

    def test_while_loop_probe_prepares_every_subgraph(self):
        """The probe's three subgraphs: the primary refuses WHILE, cond is all on the GPU, body refuses L2_NORMALIZATION."""
        model = next(m for m in self.models if m.name == "gpu_while_loop.tflite")
        real = litert_gpu.oracle(model)
        ours = dd.cli("analyze", model, "--delegate", "litert-gpu")["analyses"][0]
        self.assertEqual([si for si, _, _ in our_subgraphs(ours)], [0, 1, 2])
        self.assertEqual(real["gpu_nodes_by_call"][:3], [our_nodes(p) for _, p, _ in our_subgraphs(ours)])
        self.assertEqual(len(real["blocks"]), 4)
        self.assertEqual(blocks_of(ours["log"]), real["blocks"][:2])
        self.assertEqual(ours["outcome"], "partial")


if __name__ == "__main__":
    unittest.main()
