"""What the kernels' Prepare leaves dynamic, and the names after Prepare, checked against the real
interpreter (ai-edge-litert, builtin kernels: OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES).

Fixtures: `cargo run -q --example make_prepare_fixtures -- TMPDIR` writes one small model per rule
of crate/src/dynamic.rs, both ways (the deciding input constant or computed in Prepare, and a
graph input), named NAME__dyn.tflite or NAME__static.tflite after what the model is meant to show.

How "dynamic" is observed:
* The first dynamic tensor, exactly as NNAPI meets it: tests/python/static_delegate.c is a delegate
  that claims no node and does not allow dynamic tensors. Applying it (experimental_delegates, as
  benchmark_model applies NNAPI before allocating) makes Subgraph::ModifyGraphWithDelegate prepare
  every subgraph and, if a tensor is dynamic, log "... (tensor#N is a dynamic-sized tensor)." and
  refuse the delegate. The log is printed once per process, so every application runs in a forked
  child whose stderr is captured. Checked on a known case first (test_the_method_on_a_known_case):
  FILL with dims from a graph input gives tensor#2 (its output), with constant dims it applies.
  We compare N (or "applied") with `analyze --format json`'s `dynamic.tensor` (or its absence).
* The full set, for subgraph 0: after allocate_tensors() (no delegate), get_tensor() fails with
  "Tensor data is null" for a numeric tensor that Prepare left dynamic (SetTensorToDynamic frees
  its data). It fails as well for tensors nothing allocated: the outputs of the nodes after the one
  where preparation stopped, and tensors no node writes (e.g. a WHILE output dropped in Prepare);
  those are left out on both sides. STRING, RESOURCE and VARIANT tensors are left out too: their
  data says nothing (a string written in Prepare is dynamic and has data; get_tensor of a null
  string crashes), and so are the few tensors get_tensor refuses for another reason (an empty
  constant). We compare with `dynamic.tensors` (empty without a failure in subgraph 0).

Names: after allocate_tensors() the interpreter's tensor names (get_tensor_details) and the nodes'
output lists (_get_ops_details, -1 for an output dropped in Prepare) give benchmark_model's
`[Name]` ("[" + output names, "Unknown" for -1, + "]:" + node index, profile_summarizer.cc); we
compare with the plan rows of `analyze --sdk 29 --nnapi-devices nnapi-reference` (the delegate does nothing, every node on the CPU)
for every static fixture.

Run from the repository root: .venv/bin/python -m unittest tests/python/test_prepare.py -v
Needs a C compiler ($CC, default cc) for the delegate.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # dd_support, also when run as a file path rather than by discover

import dd_support as dd  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType, load_delegate  # noqa: E402

BUILTIN = OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
TENSOR_N = re.compile(r"tensor#(-?\d+) is a dynamic-sized tensor")
# The delegate does nothing (the phone has only nnapi-reference, which --disable-nnapi-cpu excludes):
# every node stays on the CPU, named as benchmark_model names it after Prepare.
ALL_ON_CPU = ("--sdk", "29", "--nnapi-devices", "nnapi-reference")


def builtin_interpreter(path, delegates=None):
    return Interpreter(
        model_path=str(path), num_threads=1, experimental_op_resolver_type=BUILTIN, experimental_delegates=delegates
    )


def apply_static_delegate(path, library):
    """(applied, N from the log or None, the child's stderr): the static-only delegate applied to
    the model in a forked child, so that each application logs afresh."""
    with tempfile.TemporaryFile() as err:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: report "1" if the delegate was applied, "0" if refused
            status = b"0"
            try:
                os.close(read_end)
                os.dup2(err.fileno(), 2)
                builtin_interpreter(path, [load_delegate(str(library))])
                status = b"1"
            except Exception:  # noqa: BLE001 - the refusal is a RuntimeError; anything else is reported as refused
                pass
            finally:
                os.write(write_end, status)
                os._exit(0)
        os.close(write_end)
        status = os.read(read_end, 1)
        os.close(read_end)
        os.waitpid(pid, 0)
        err.seek(0)
        text = err.read().decode(errors="replace")
    m = TENSOR_N.search(text)
    return status == b"1", (int(m.group(1)) if m else None), text


def numeric(dtype):
    return dtype not in (np.bytes_, np.object_)


def null_tensors(it, count):
    """(null, unreadable): numeric tensors of subgraph 0 (indices below `count`, the model's own)
    whose data is null, and those get_tensor refuses for another reason (an empty constant)."""
    null, unreadable = set(), set()
    for d in it.get_tensor_details():
        i = d["index"]
        if i >= count or not numeric(d["dtype"]):
            continue
        try:
            it.get_tensor(i)
        except ValueError as e:
            (null if "data is null" in str(e) else unreadable).add(i)
    return null, unreadable


def unallocated(it, stop, inputs):
    """Tensors nothing allocated: outputs of nodes after `stop` (None: no stop) and tensors that
    are neither a graph input nor the output of a node as Prepare left it."""
    ops = it._get_ops_details()
    after = {int(t) for o in ops if stop is not None and o["index"] > stop for t in o["outputs"] if t >= 0}
    written = {int(t) for o in ops for t in o["outputs"] if t >= 0}
    every = {d["index"] for d in it.get_tensor_details()}
    return after | (every - written - set(inputs))


def benchmark_names(it):
    """[(node type, [Name])] as benchmark_model prints them, from the interpreter after Prepare."""
    names = {d["index"]: d["name"] for d in it.get_tensor_details()}
    rows = []
    for o in it._get_ops_details():
        outputs = ", ".join(names.get(int(t), "Unknown") if t >= 0 else "Unknown" for t in o["outputs"])
        rows.append((o["op_name"], f"[{outputs}]:{o['index']}"))
    return rows


class Prepare(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cc = shutil.which(os.environ.get("CC", "cc"))
        if cc is None:
            raise unittest.SkipTest("no C compiler for the static-only delegate (set CC)")
        cls._tmp = tempfile.TemporaryDirectory(prefix="dd-prepare-")
        cls.dir = Path(cls._tmp.name)
        subprocess.run(
            ["cargo", "run", "-q", "--example", "make_prepare_fixtures", "--", str(cls.dir)], cwd=dd.REPO, check=True
        )
        cls.library = cls.dir / "libstatic_delegate.so"
        subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", str(cls.library), str(HERE / "static_delegate.c")], check=True)
        dd.binary()
        cls.fixtures = sorted(cls.dir.glob("*.tflite"))
        cls.cases = {p.stem: cls.case(p) for p in cls.fixtures}

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    @classmethod
    def case(cls, path):
        name, label = path.stem.rsplit("__", 1)
        applied, tensor, log = apply_static_delegate(path, cls.library)
        ours = dd.analyze(path, "--sdk", "30")
        model = dd.cli("inspect", path)
        return {
            "path": path,
            "label": label,
            "applied": applied,
            "tensor": tensor,
            "log": log,
            "ours": ours,
            "tensor_count": model["subgraphs"][0]["tensor_count"],
            "inputs": [t["index"] for t in model["subgraphs"][0]["inputs"]],
        }

    def test_fixtures_cover_both_ways(self):
        labels = [c["label"] for c in self.cases.values()]
        self.assertGreater(labels.count("dyn"), 40)
        self.assertGreater(labels.count("static"), 40)
        self.assertEqual(set(labels), {"dyn", "static"})

    def test_the_method_on_a_known_case(self):
        # FILL(dims, 1.0) with dims a graph input: fill.cc makes the output (tensor 2) dynamic.
        dyn = self.cases["fill__dyn"]
        self.assertFalse(dyn["applied"])
        self.assertIn("Attempting to use a delegate that only supports static-sized tensors", dyn["log"])
        self.assertEqual(dyn["tensor"], 2)
        it = builtin_interpreter(dyn["path"])
        it.allocate_tensors()
        self.assertEqual(null_tensors(it, dyn["tensor_count"]), ({2}, set()))
        # With constant dims the output is sized in Prepare: the delegate is applied and the model runs.
        static = self.cases["fill__static"]
        self.assertTrue(static["applied"], static["log"])
        self.assertIsNone(static["tensor"])
        it = builtin_interpreter(static["path"], [load_delegate(str(self.library))])
        it.allocate_tensors()
        it.invoke()
        np.testing.assert_array_equal(it.get_tensor(it.get_output_details()[0]["index"]), np.ones((2, 3), np.float32))

    def test_first_dynamic_tensor_is_the_one_the_interpreter_names(self):
        for name, c in self.cases.items():
            with self.subTest(name):
                refused = not c["applied"]
                self.assertEqual(refused, c["label"] == "dyn", f"the fixture does not show what it is named for:\n{c['log']}")
                if refused:
                    self.assertIsNotNone(c["tensor"], c["log"])
                ours = c["ours"].get("dynamic")
                self.assertEqual(ours["tensor"] if ours else None, c["tensor"], c["ours"].get("failure"))
                self.assertEqual(c["ours"]["outcome"] == "fails" and ours is not None, refused)

    def test_dynamic_tensors_of_subgraph_0_are_the_ones_left_dynamic(self):
        for name, c in self.cases.items():
            with self.subTest(name):
                ours = c["ours"].get("dynamic")
                in_main = ours is not None and ours["subgraph"] == 0
                stop = ours.get("op_index") if in_main else None
                it = builtin_interpreter(c["path"])
                it.allocate_tensors()
                null, unreadable = null_tensors(it, c["tensor_count"])
                skip = unallocated(it, stop, c["inputs"]) | unreadable
                types = {d["index"]: d["dtype"] for d in it.get_tensor_details()}
                real = null - skip
                claimed = {t for t in (ours["tensors"] if in_main else []) if numeric(types[t])} - skip
                self.assertEqual(claimed, real)

    def test_names_after_prepare_are_the_ones_benchmark_model_prints(self):
        for name, c in self.cases.items():
            if c["label"] != "static":
                continue
            with self.subTest(name):
                ours = dd.analyze(c["path"], *ALL_ON_CPU)
                it = builtin_interpreter(c["path"])
                it.allocate_tensors()
                self.assertEqual([(r["type"], r["name"]) for r in ours["plan"]], benchmark_names(it))

    def test_the_renames_are_seen(self):
        rows = benchmark_names(self.interpreter_for("densify_renames_output__static"))
        self.assertEqual(rows[0], ("DENSIFY", "[Densify_output]:0"))
        rows = benchmark_names(self.interpreter_for("while_unread_passthrough__static"))
        self.assertEqual(rows, [("WHILE", "[i_out, Unknown]:0")])

    def test_the_shared_models_are_judged_alike(self):
        models = sorted(dd.SHARED.glob("models/*/*.tflite"))
        if not models:
            self.skipTest(f"no models under {dd.SHARED}/models")
        for path in models:
            with self.subTest(path.name):
                try:
                    it = builtin_interpreter(path)
                    it.allocate_tensors()
                except (RuntimeError, ValueError) as e:  # e.g. MediaPipe's custom ops
                    self.skipTest(f"the builtin kernels cannot load {path.name}: {' '.join(str(e).split())[:200]}")
                applied, tensor, log = apply_static_delegate(path, self.library)
                ours = dd.analyze(path, "--sdk", "30").get("dynamic")
                self.assertEqual(ours["tensor"] if ours else None, tensor, log)
                self.assertEqual(applied, ours is None, log)
                rows = dd.analyze(path, *ALL_ON_CPU)["plan"]
                self.assertEqual([(r["type"], r["name"]) for r in rows], benchmark_names(it))

    def interpreter_for(self, stem):
        it = builtin_interpreter(self.cases[stem]["path"])
        it.allocate_tensors()
        return it


if __name__ == "__main__":
    unittest.main()
