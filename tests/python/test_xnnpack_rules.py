"""A sanity check of `analyze --delegate xnnpack` against the real XNNPACK delegate.

ai-edge-litert's default Interpreter applies XNNPACK with TFLite's default flags (QS8, QU8).
After allocate_tensors(), _get_ops_details() lists the original nodes and, from index N on, the
delegate kernels with their partition's input and output tensors; each partition's nodes are
recovered by walking producers back from its outputs to its inputs (delegates.md §2.4). Our
delegated node sets must equal the real ones exactly. (The full oracle, with generated models and
other flag sets, is tests/python/test_xnnpack_*.py of the combined plan.)
"""

import unittest
from pathlib import Path

from dd_support import SHARED, cli
from ai_edge_litert.interpreter import Interpreter, OpResolverType

MODELS = sorted((SHARED / "models" / "deeplab").glob("*.tflite")) + sorted((SHARED / "models" / "mediapipe").glob("*.tflite"))


def real_partitions(path):
    """The node sets of the real XNNPACK kernels of subgraph 0, in kernel order."""
    plain = Interpreter(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    original = plain._get_ops_details()
    n = len(original)
    producer = {t: op["index"] for op in original for t in op["outputs"]}
    inputs_of = {op["index"]: list(op["inputs"]) for op in original}
    delegated = Interpreter(model_path=str(path), num_threads=1)
    delegated.allocate_tensors()
    partitions = []
    for kernel in delegated._get_ops_details()[n:]:
        stop = set(kernel["inputs"])
        nodes, todo = set(), [t for t in kernel["outputs"] if t not in stop]
        while todo:
            t = todo.pop()
            p = producer.get(t)
            if p is None or p in nodes:
                continue
            nodes.add(p)
            todo.extend(i for i in inputs_of[p] if i >= 0 and i not in stop)
        partitions.append(sorted(nodes))
    return n, partitions


def our_partitions(path):
    report = cli("analyze", path, "--delegate", "xnnpack")
    (a,) = report["analyses"]
    assert a["delegate"] == "xnnpack", a["delegate"]
    return a, [row["nodes"] for row in a["plan"] if "nodes" in row]


class XnnpackMatchesTheRealDelegate(unittest.TestCase):
    def test_models_are_there(self):
        self.assertGreater(len(MODELS), 5, f"no shared models under {SHARED}")

    def test_every_shared_model(self):
        for path in MODELS:
            with self.subTest(model=path.name):
                n, real = real_partitions(path)
                a, ours = our_partitions(path)
                self.assertEqual(a["total_nodes"], n)
                self.assertEqual(sorted(map(tuple, ours)), sorted(map(tuple, real)))
                self.assertEqual(a["delegated_nodes"], sum(map(len, real)))

    def test_deeplab_257_as_delegates_md_records(self):
        path = SHARED / "models" / "deeplab" / "deeplabv3_mnv2_pascal_257_os16_quant.tflite"
        a, ours = our_partitions(path)
        self.assertEqual((a["delegated_nodes"], a["delegate_kernels"]), (68, 3))
        self.assertEqual([r["index"] for r in a["refused"]], [61, 65, 70])
        self.assertIn("CheckTensorFloatType: unsupported type UINT8", a["refused"][0]["reasons"][0])


if __name__ == "__main__":
    unittest.main()
