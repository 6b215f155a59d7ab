"""The Model Explorer overlays (`analyze M --delegate all --format model-explorer -o DIR`) against
Model Explorer itself (PyPI ai-edge-model-explorer, its built-in TFLite flatbuffer adapter).

For each model the adapter converts the .tflite into Model Explorer's graphs, and each overlay
file (one per analysed target) must
- parse as Model Explorer's own node-data classes (`ModelNodeData`/`GraphNodeData`/
  `NodeDataResult` of model_explorer/node_data_builder.py: no unknown or missing field);
- name graphs by the ids the adapter gives the subgraphs it says it built from (`subgraphIndex`);
- key every op node of those graphs, and nothing else (op nodes: all but the adapter's
  GraphInputs, GraphOutputs and pseudo_const nodes), and a refused op's node is the op our JSON
  names (the adapter's label is the lower-case builtin name or the custom code);
- give each node the value our JSON implies: "kernel K of N" for the ops of the K-th delegate row
  of that subgraph's plan, "CPU: <reasons>" for a refused op, "CPU: not in a delegated partition"
  for another CPU op;
- and each target with a combined plan (the delegate, then TFLite's default XNNPACK delegate: the
  plan that really runs, JSON `combined`) has a second file, TARGET.combined, whose values say
  where each op runs by that plan's rows (`runs_on`): "accelerator kernel K of N", "XNNPACK kernel
  K of N" or "CPU". XNNPACK on its own (`xnnpack`) is one of the targets.

Models: two shared DeepLabs (refusals at some levels, none at others), MediaPipe's selfie
segmentation (a custom op), and generated ones (crate/examples/make_model_explorer_fixtures.rs): a
WHILE with an unnamed cond and a named body ("main", "subgraph_1", "loop_body"), and an unnamed
subgraph named by its signature ("serve").

    .venv/bin/python -m unittest tests/python/test_model_explorer.py -v
"""

import json
import subprocess
import tempfile
import unittest
from pathlib import Path

import dd_support as dd

from model_explorer.builtin_tflite_flatbuffer_adapter import BuiltinTfliteFlatbufferAdapter
from model_explorer.node_data_builder import GraphNodeData, ModelNodeData, NodeDataResult

AUXILIARY = {"GraphInputs", "GraphOutputs", "pseudo_const"}


def explorer_graphs(model):
    """Model Explorer's graphs of the model, by subgraph index."""
    collections = BuiltinTfliteFlatbufferAdapter().convert(str(model), {})["graphCollections"]
    assert len(collections) == 1, collections
    return {g["subgraphIndex"]: g for g in collections[0].graphs}


def as_node_data(overlay):
    """The overlay as Model Explorer's classes (a TypeError on any unknown or missing field)."""
    graphs = {}
    for gid, g in overlay.items():
        fields = dict(g)
        fields["results"] = {k: NodeDataResult(**v) for k, v in g["results"].items()}
        graphs[gid] = GraphNodeData(**fields)
    return ModelNodeData(graphsData=graphs)


def expected_values(plan, refused, ops):
    """op index → the value our analysis implies for one subgraph."""
    values = {i: "CPU" for i in range(ops)}
    kernels = [row for row in plan if "nodes" in row]
    k = 0
    for row in plan:
        if "nodes" in row:
            k += 1
            for n in row["nodes"]:
                values[n] = f"kernel {k} of {len(kernels)}"
        else:
            values[row["index"]] = "CPU: not in a delegated partition"
    for r in refused:
        reasons = [x for x in r["reasons"] if x]
        values[r["index"]] = "CPU: " + "; ".join(reasons) if reasons else "CPU: refused"
    return values


def expected_combined_values(plan, ops):
    """op index → where it runs by one subgraph's combined plan."""
    values = {i: "CPU" for i in range(ops)}
    count = {on: sum(1 for r in plan if r["runs_on"] == on and "nodes" in r) for on in ("accelerator", "xnnpack")}
    seen = {"accelerator": 0, "xnnpack": 0}
    for row in plan:
        on = row["runs_on"]
        if on == "cpu" or "nodes" not in row:
            continue
        seen[on] += 1
        name = "accelerator" if on == "accelerator" else "XNNPACK"
        for n in row["nodes"]:
            values[n] = f"{name} kernel {seen[on]} of {count[on]}"
    return values


def slug(analysis):
    return f"nnapi-api{analysis['sdk']}" if analysis["delegate"] == "nnapi" else analysis["delegate"]


class ModelExplorerOverlays(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="dd-model-explorer-")
        gen = Path(cls.tmp.name) / "generated"
        subprocess.run(["cargo", "run", "-q", "--example", "make_model_explorer_fixtures", "--", str(gen)],
                       cwd=dd.REPO, check=True)
        cls.models = [
            dd.DEEPLAB / "deeplabv3_mnv2_pascal_513_os8_google_original.tflite",
            dd.DEEPLAB / "deeplabv3_mnv2_pascal_257_os16_quant.tflite",
            dd.SHARED / "models" / "mediapipe" / "selfie_segmentation.tflite",
            gen / "control_flow.tflite",
            gen / "signature.tflite",
        ]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def overlays(self, model):
        """Runs the export; returns (our JSON report, {slug: overlay})."""
        out = Path(self.tmp.name) / model.stem
        p = subprocess.run([str(dd.binary()), "analyze", str(model), "--delegate", "all", "--format", "model-explorer",
                            "-o", str(out)], cwd=dd.REPO, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        files = sorted(out.glob("*.node-data.json"))
        prefix = model.stem + "."
        by_slug = {f.name[len(prefix):-len(".node-data.json")]: json.loads(f.read_text()) for f in files}
        return dd.cli("analyze", model, "--delegate", "all"), by_slug

    def check_model(self, model):
        report, overlays = self.overlays(model)
        graphs = explorer_graphs(model)
        want_files = [slug(a) for a in report["analyses"]]
        want_files += [slug(a) + ".combined" for a in report["analyses"] if "combined" in a]
        self.assertIn("xnnpack", want_files)
        self.assertEqual(sorted(overlays), sorted(want_files), "one file per target, one per combined plan")
        for a in filter(lambda a: "combined" in a, report["analyses"]):
            self.check_combined(a["combined"], overlays[slug(a) + ".combined"], graphs, slug(a))
        for a in report["analyses"]:
            overlay = overlays[slug(a)]
            as_node_data(overlay)
            subgraphs = [(0, a["plan"], a["refused"])] + [
                (s["index"], s["plan"], s["refused"]) for s in a.get("other_subgraphs", [])]
            self.assertEqual(sorted(overlay), sorted(graphs[i]["id"] for i, _, _ in subgraphs), slug(a))
            for index, plan, refused in subgraphs:
                graph = graphs[index]
                results = overlay[graph["id"]]["results"]
                op_nodes = {n["id"]: n for n in graph["nodes"] if n["label"] not in AUXILIARY}
                self.assertEqual(set(results), set(op_nodes), f"{slug(a)} {graph['id']}: keys are the op nodes")
                for r in refused:
                    label = op_nodes[str(r["index"])]["label"]
                    self.assertIn(label, (r["op"].lower(), r["op"]), f"node {r['index']} is op {r['op']}")
                if a["outcome"] in ("fails", "none") and a.get("failure"):
                    continue  # every op carries the failure; checked by the Rust tests
                want = expected_values(plan, refused, len(op_nodes))
                got = {int(k): v["value"] for k, v in results.items()}
                self.assertEqual(got, want, f"{slug(a)} {graph['id']}")

    def check_combined(self, combined, overlay, graphs, name):
        as_node_data(overlay)
        subgraphs = [(0, combined["plan"])] + [(s["index"], s["plan"]) for s in combined.get("other_subgraphs", [])]
        self.assertEqual(sorted(overlay), sorted(graphs[i]["id"] for i, _ in subgraphs), name)
        for index, plan in subgraphs:
            graph = graphs[index]
            results = overlay[graph["id"]]["results"]
            op_nodes = [n for n in graph["nodes"] if n["label"] not in AUXILIARY]
            got = {int(k): v["value"] for k, v in results.items()}
            if combined["xnnpack"] == "fails":
                self.assertTrue(all(v.startswith("the run fails: ") for v in got.values()), name)
                continue
            self.assertEqual(got, expected_combined_values(plan, len(op_nodes)), f"{name} combined {graph['id']}")

    def test_shared_deeplabs(self):
        for m in self.models[:2]:
            with self.subTest(model=m.name):
                self.check_model(m)

    def test_mediapipe_custom_op(self):
        self.check_model(self.models[2])

    def test_control_flow_graph_ids(self):
        self.check_model(self.models[3])
        _, overlays = self.overlays(self.models[3])
        self.assertEqual(sorted(overlays["gpu"]), ["loop_body", "main", "subgraph_1"])

    def test_signature_graph_id(self):
        self.check_model(self.models[4])
        _, overlays = self.overlays(self.models[4])
        self.assertEqual(list(overlays["nnapi-api29"]), ["serve"])
        self.assertTrue(overlays["nnapi-api29"]["serve"]["results"]["1"]["value"].startswith("CPU: "))


if __name__ == "__main__":
    unittest.main()
