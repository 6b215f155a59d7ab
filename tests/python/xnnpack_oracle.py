"""The real XNNPACK decision, read from ai-edge-litert 2.3.0 (method: shared/reference/delegates.md §2.4).

`partitions(model)`: the default `Interpreter` (OpResolverType.AUTO) applies the XNNPACK delegate
lazily with the wheel's default flags (QS8 and QU8) at the first `allocate_tensors()`. Its plan then
holds one node of type DELEGATE per partition, appended after the model's N original nodes (the
BUILTIN_WITHOUT_DEFAULT_DELEGATES interpreter lists those N). Each delegate node lists its
partition's input and output tensors; the partition's nodes are found by walking producers back from
its outputs until its inputs (or constants) are reached.

`fully_accelerated(model, flags)`: `CompiledModel` on the CPU with `CpuOptions(xnnpack_flags=flags)`;
LiteRT reports only whether every node went into XNNPACK, and the model is run once (zero inputs),
since XNNPACK creates its kernels only then and a creation failure fails the run.

Each reading runs in a child process: a model that crashes the runtime must not take the test with it.
"""

import json
import subprocess
import sys
from pathlib import Path

# tflite/delegates/xnnpack/xnnpack_delegate.h
QS8 = 0x1
QU8 = 0x2
FORCE_FP16 = 0x4
DYNAMIC_FULLY_CONNECTED = 0x8
VARIABLE_OPERATORS = 0x10
ENABLE_LATEST_OPERATORS = 0x40
ENABLE_SUBGRAPH_RESHAPING = 0x80
DISABLE_SUBGRAPH_RESHAPING = 0x400
DISABLE_DYNAMICALLY_QUANTIZED_OPS = 0x800
DEFAULT = QS8 | QU8

_CHILD_TIMEOUT = 120


def _nodes_of_partition(ops, inputs, outputs):
    """The original nodes between a partition's input and output tensors: producers walked back
    from its outputs, stopping at its inputs. A node without outputs (ASSIGN_VARIABLE) is reached
    from the other side: a kernel input that no node found so far reads is read by a node of the
    partition, so its readers are added and walked back from too."""
    producer = {t: op["index"] for op in ops for t in op["outputs"]}
    by_index = {op["index"]: op for op in ops}
    stop = set(inputs)
    nodes = set()

    def walk(tensors):
        todo = list(tensors)
        while todo:
            t = todo.pop()
            if t in stop or t not in producer or producer[t] in nodes:
                continue
            nodes.add(producer[t])
            todo.extend(i for i in by_index[producer[t]]["inputs"] if i >= 0)

    walk(outputs)
    while True:
        read = {t for n in nodes for t in by_index[n]["inputs"]}
        readers = [op["index"] for op in ops if op["index"] not in nodes
                   and any(t in stop and t not in read for t in op["inputs"])]
        if not readers:
            return sorted(nodes)
        for r in readers:
            nodes.add(r)
            walk(i for i in by_index[r]["inputs"] if i >= 0)


def _interpreter_reading(path):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    def details(interp):
        return [{"index": d["index"], "op_name": d["op_name"],
                 "inputs": [int(i) for i in d["inputs"]], "outputs": [int(o) for o in d["outputs"]]}
                for d in interp._get_ops_details()]

    plain = Interpreter(model_path=path, num_threads=1,
                        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    original = details(plain)
    result = {"nodes": len(original), "partitions": None, "error": None, "builtin_error": None}
    try:  # a model the builtin kernels cannot prepare fails with or without XNNPACK
        plain.allocate_tensors()
    except Exception as e:
        result["builtin_error"] = str(e)
    try:
        interp = Interpreter(model_path=path, num_threads=1)
        interp.allocate_tensors()
    except Exception as e:  # the delegate (or allocation) failed: the test reads the message
        result["error"] = str(e)
        return result
    after = details(interp)
    n = len(original)
    kernels = [d for d in after if d["index"] >= n]
    result["kernel_names"] = sorted({d["op_name"] for d in kernels})
    # Kernel k is node N + k, as in our plan rows (the listing is by node index, not run order).
    result["partitions"] = [_nodes_of_partition(original, k["inputs"], k["outputs"]) for k in kernels]
    return result


def _compiled_reading(path, flags):
    from ai_edge_litert.compiled_model import CompiledModel
    from ai_edge_litert.hardware_accelerator import HardwareAccelerator
    from ai_edge_litert.options import CpuOptions, Options

    try:
        options = Options(hardware_accelerators=HardwareAccelerator.CPU,
                          cpu_options=CpuOptions(num_threads=1, xnnpack_flags=flags))
        compiled = CompiledModel.from_file(path, options=options)
        fully = bool(compiled.is_fully_accelerated())
        # The bit is read off the partitioning; XNNPACK creates its kernels (Subgraph::Create)
        # only when the model first allocates, at the first run: a kernel that fails to create
        # fails the run ("Failed to allocate tensors"), so run once.
        compiled.run_by_index(0, compiled.create_input_buffers(0), compiled.create_output_buffers(0))
        return {"fully_accelerated": fully, "error": None}
    except Exception as e:
        return {"fully_accelerated": None, "error": str(e)}


def _child(jobs):
    """Runs each job ([kind, path, flags]) and prints its result as one JSON line, as it goes."""
    for kind, path, flags in jobs:
        try:
            r = _interpreter_reading(path) if kind == "interpreter" else _compiled_reading(path, flags)
        except Exception as e:  # e.g. the model does not load at all
            r = {"unreadable": str(e)}
        print(json.dumps(r), flush=True)


def _run(jobs):
    """The results of `jobs`, in order, read in one child process; after a crash, the job that
    crashed is marked so and the rest run in a new child."""
    results = []
    while len(results) < len(jobs):
        rest = jobs[len(results):]
        p = subprocess.run([sys.executable, __file__], input=json.dumps(rest), capture_output=True, text=True,
                           timeout=_CHILD_TIMEOUT + 10 * len(rest))
        done = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
        results.extend(done)
        if len(results) < len(jobs):
            results.append({"crashed": True, "returncode": p.returncode, "stderr": p.stderr[-2000:]})
    return results


def partitions_of(models):
    """For each model, {"nodes": N, "partitions": [[node, …], …] in kernel order, "kernel_names",
    "error", "builtin_error"} from the default interpreter. "partitions" is None when
    `allocate_tensors()` failed ("error" says why; "builtin_error" is set when it fails without
    XNNPACK too); "crashed" is set when the runtime died on it, "unreadable" when it does
    not load the model."""
    return _run([["interpreter", str(m), None] for m in models])


def partitions(model):
    return partitions_of([model])[0]


def fully_accelerated_of(pairs):
    """For each (model, flags): {"fully_accelerated": bool or None, "error"} from CompiledModel on
    the CPU with these XNNPACK flags."""
    return _run([["compiled", str(m), int(f)] for m, f in pairs])


def fully_accelerated(model, flags):
    return fully_accelerated_of([(model, flags)])[0]


if __name__ == "__main__":
    _child(json.loads(sys.stdin.read()))
