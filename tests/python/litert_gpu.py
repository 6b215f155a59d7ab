"""LiteRT's real GPU accelerator as a test oracle for the GPU replica (issue 12).

ai-edge-litert ships the ML Drift GPU accelerator in its WebGPU build
(libLiteRtWebGpuAccelerator.so). On a machine without a GPU it runs on Mesa's software Vulkan
driver (lavapipe, Mesa >= 25, installed by scripts/setup.sh). `oracle(model)` compiles the model
with `CompiledModel.from_file(model, hardware_accel=GPU | CPU)` in a child process (the native
code logs to stderr, which is read, and a compile that aborts must not take the test process with
it) and returns what the accelerator decided:

    {
      "model": file name, "sha256": hex digest of the file,
      "adapter": the WebGPU adapter it selected ("llvmpipe (LLVM …)"), or None,
      "refusals": the "OP: message" lines of the first "Following operations are not supported by
                  GPU delegate:" block, in the order printed ([] when no block was printed),
      "gpu_ops", "cpu_ops": K and M of "K operations will run on the GPU, and the remaining M
                  operations will run on the CPU." (K = 0 for "No operations will run on the GPU,
                  and all M operations …"); both None when no block was printed, i.e. when no
                  node was refused or every node was delegated anyway,
      "blocks": every block printed, in order: [{"refusals", "gpu_ops", "cpu_ops"}]. The delegate
                  prepares every subgraph (the primary one first) and prints a block for each one
                  it refused a node in; a WHILE body was seen prepared three times, so later
                  blocks cannot be told apart by subgraph. "refusals", "gpu_ops" and "cpu_ops"
                  above are the first block's (the primary subgraph's when it refused a node),
      "fully_accelerated": CompiledModel.is_fully_accelerated() (True also when XNNPACK, the CPU
                  accelerator, takes every node the GPU left), or None when the compile failed,
      "error": the exception text when the compile failed, else None,
      "log_errors": other "ERROR: " lines it logged (e.g. a kernel's Prepare failing),
      "gpu_nodes": sorted node indices of the primary subgraph (the first DelegatePrepare) that
                  the delegate chose, read from a second compile with every node excluded (see
                  below); None when it logged no node list, or with nodes=False unless cached,
      "gpu_nodes_by_call": the same for every DelegatePrepare of that compile, in order,
      "delegate_prepare_calls": how many times that second compile ran DelegatePrepare,
      "nodes_error": the exception text of that second compile, or None,
      "seconds": {"compile": wall time of the first child, "nodes": of the second (None if
                  skipped)},
    }

Node identities: ml_drift_delegate/delegate/delegate_webgpu.cc (DelegatePrepare, LiteRT f674579)
reads LITERT_GPU_DEBUG_EXCLUDE_NODES (a comma-separated list of node indices, Linux only), drops
those nodes from the list GetOpsToReplace chose and logs "Excluding node X (i in
ops_to_replace) from WebGPU delegation." for each dropped one. Listing every node therefore logs
exactly the chosen set (and delegates nothing); on some models the compile fails after that, which
does not matter here.

Results are cached per model SHA-256 for the life of the process.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMEOUT_SECONDS = 600
ICD_DIRS = (Path("/usr/share/vulkan/icd.d"), Path("/etc/vulkan/icd.d"))

EXCLUDE_ENV = "LITERT_GPU_DEBUG_EXCLUDE_NODES"
END_NODE_ENV = "LITERT_GPU_DEBUG_END_NODE"

# ml_drift_delegate/tflite/model_builder.cc:7286, GetOpsToReplaceWithOptions: the block's first
# line; the whole block is one TF_LITE_KERNEL_LOG (7299), which LiteRT's reporter prefixes "ERROR: ".
BLOCK_HEADER = re.compile(r"^(?:ERROR: )?Following operations are not supported by GPU delegate:$")
# model_builder.cc:7288-7291 and 7298: "K operations will run on the GPU, and the remaining M
# operations will run on the CPU." when the largest partition is not empty.
SOME_ON_GPU = re.compile(r"^(\d+) operations will run on the GPU, and the remaining (\d+) operations will run on the CPU\.$")
# model_builder.cc:7293-7296 and 7298: "No operations will run on the GPU, and all M operations will run on
# the CPU." when nothing is delegated.
NONE_ON_GPU = re.compile(r"^No operations will run on the GPU, and all (\d+) operations will run on the CPU\.$")
# The lines between the header and the count line are the entries of the std::set
# unsupported_nodes_info (so sorted and without duplicates) joined by "\n" (model_builder.cc:7284);
# each entry is "<op name>: <details>" (tflite/delegates/utils.cc:189-193,
# GraphPartitionHelper::PrepareSupportedNodes). They are kept as printed, with no pattern.

# ml_drift_delegate/delegate/delegate_webgpu.cc:586-587 (DelegatePrepare; the 2.3.0 binary logs it
# from line 606): once per DelegatePrepare when the variable is set.
EXCLUDE_SET = re.compile(r"\b" + EXCLUDE_ENV + r" set to ")
# delegate_webgpu.cc:593-594 (613 in the binary): one line per chosen node that the variable
# excludes, after a glog prefix ("I0000 00:00:… delegate_webgpu.cc:613] ").
EXCLUDING = re.compile(r"\bExcluding node (\d+) \(\d+ in ops_to_replace\) from WebGPU delegation\.$")
# The adapter Dawn picked (logged by the accelerator's WebGPU environment, outside the mirror):
# "Selected adapter: llvmpipe (LLVM 15.0.6, 256 bits), arch=software, vendor=mesa, backend=Vulkan, …".
ADAPTER = re.compile(r"\bSelected adapter: (.*)$")
# Other errors LiteRT's reporter printed, e.g. "ERROR: Node number 1 (CONV_2D) failed to prepare."
ERROR_LINE = re.compile(r"^ERROR: (.*)$")

_CACHE = {}
_NO_NODE_SET = {"gpu_nodes": None, "gpu_nodes_by_call": [], "delegate_prepare_calls": 0, "nodes_error": None,
                "nodes_seconds": None}
_RUNTIME_DIR = None


def lavapipe_missing():
    """Why the accelerator cannot run here (no Vulkan loader or no lavapipe ICD), or None."""
    import ctypes

    try:
        ctypes.CDLL("libvulkan.so.1")
    except OSError:
        return "libvulkan.so.1 (Debian libvulkan1) is not installed: run scripts/setup.sh"
    if not any(d.glob("lvp_icd*.json") for d in ICD_DIRS if d.is_dir()):
        return "Mesa's lavapipe Vulkan ICD (Debian mesa-vulkan-drivers >= 25) is not installed: run scripts/setup.sh"
    return None


def oracle(model, nodes=True):
    """What the real GPU accelerator decides for the model at path `model` (see the module doc).
    With nodes=False the second compile (the node set) is skipped: "gpu_nodes" is None unless an
    earlier call for the same bytes read it."""
    path = Path(model)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if (digest, "compile") not in _CACHE:
        _CACHE[(digest, "compile")] = _decision(path)
    answer = {"model": path.name, "sha256": digest, **_CACHE[(digest, "compile")]}
    if nodes and (digest, "nodes") not in _CACHE:
        _CACHE[(digest, "nodes")] = _node_set(path)
    answer.update(_CACHE.get((digest, "nodes"), _NO_NODE_SET))
    seconds = {"compile": answer.pop("compile_seconds"), "nodes": answer.pop("nodes_seconds", None)}
    return {**answer, "seconds": seconds}


def _decision(path):
    """The first compile: the refusal blocks, is_fully_accelerated(), the error."""
    run = _compile(path, exclude=None)
    log = run["log"]
    blocks = parse_blocks(log)
    return {
        "adapter": _first_match(ADAPTER, log),
        "refusals": blocks[0]["refusals"] if blocks else [],
        "gpu_ops": blocks[0]["gpu_ops"] if blocks else None,
        "cpu_ops": blocks[0]["cpu_ops"] if blocks else None,
        "blocks": blocks,
        "fully_accelerated": run["fully_accelerated"],
        "error": run["error"],
        "log_errors": _other_errors(log),
        "compile_seconds": run["seconds"],
    }


def _node_set(path):
    """The second compile, with every node excluded: the nodes the delegate chose."""
    try:
        every_node = _all_node_indices(path)
    except Exception as e:  # not a model we can count the nodes of; the first compile says why
        return {**_NO_NODE_SET, "nodes_error": f"cannot count the model's nodes: {type(e).__name__}: {e}"}
    run = _compile(path, exclude=every_node)
    calls = parse_excluded_nodes(run["log"])
    return {"gpu_nodes": calls[0] if calls else None, "gpu_nodes_by_call": calls,
            "delegate_prepare_calls": len(calls), "nodes_error": run["error"], "nodes_seconds": run["seconds"]}


def _first_match(pattern, lines):
    for line in lines:
        m = pattern.search(line)
        if m:
            return m.group(1)
    return None


def parse_blocks(lines):
    """Every refusal block in the log: [{"refusals": [...], "gpu_ops": K, "cpu_ops": M}] (K = 0 for
    the "No operations will run on the GPU" form)."""
    blocks = []
    i = 0
    while i < len(lines):
        if not BLOCK_HEADER.match(lines[i]):
            i += 1
            continue
        refusals = []
        i += 1
        while i < len(lines):
            some, none = SOME_ON_GPU.match(lines[i]), NONE_ON_GPU.match(lines[i])
            if some:
                blocks.append({"refusals": refusals, "gpu_ops": int(some[1]), "cpu_ops": int(some[2])})
                break
            if none:
                blocks.append({"refusals": refusals, "gpu_ops": 0, "cpu_ops": int(none[1])})
                break
            refusals.append(lines[i])
            i += 1
        else:  # the log ended inside a block (the process died): no counts
            blocks.append({"refusals": refusals, "gpu_ops": None, "cpu_ops": None})
        i += 1
    return blocks


def parse_excluded_nodes(lines):
    """The sorted node indices excluded (= chosen) in each DelegatePrepare, in call order."""
    calls = []
    for line in lines:
        if EXCLUDE_SET.search(line):
            calls.append([])
            continue
        m = EXCLUDING.search(line)
        if m and calls:
            calls[-1].append(int(m[1]))
    return [sorted(c) for c in calls]


def _other_errors(lines):
    """ERROR: lines outside the refusal blocks."""
    out, in_block = [], False
    for line in lines:
        if BLOCK_HEADER.match(line):
            in_block = True
        elif in_block:
            in_block = not (SOME_ON_GPU.match(line) or NONE_ON_GPU.match(line))
        else:
            m = ERROR_LINE.match(line)
            if m:
                out.append(m[1])
    return out


def node_counts(path):
    """The number of operators (= nodes before delegation) of each subgraph of the model."""
    from ai_edge_litert import schema_py_generated as fb

    model = fb.Model.GetRootAs(Path(path).read_bytes(), 0)
    return [model.Subgraphs(i).OperatorsLength() for i in range(model.SubgraphsLength())]


def _all_node_indices(path):
    """0 … n−1 for the largest subgraph of the model (every node of every subgraph)."""
    return range(max(node_counts(path), default=0))


def _child_env(exclude):
    global _RUNTIME_DIR
    env = {k: v for k, v in os.environ.items() if k not in (EXCLUDE_ENV, END_NODE_ENV)}
    if not env.get("XDG_RUNTIME_DIR"):
        if _RUNTIME_DIR is None:
            _RUNTIME_DIR = tempfile.TemporaryDirectory(prefix="dd-xdg-runtime-")
        env["XDG_RUNTIME_DIR"] = _RUNTIME_DIR.name
    if exclude is not None:
        env[EXCLUDE_ENV] = ",".join(map(str, exclude))
    return env


def _compile(path, exclude):
    """Runs this file as a child on the model: {"log": lines, "fully_accelerated", "error", "seconds"}."""
    with tempfile.TemporaryDirectory(prefix="dd-litert-gpu-") as tmp:
        result_file = Path(tmp) / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), str(path.resolve()), str(result_file)]
        start = time.monotonic()
        try:
            # Every line read here goes to stderr; stdout only gets a few INFO lines (OpenCL not found).
            p = subprocess.run(cmd, env=_child_env(exclude), capture_output=True, text=True, errors="replace",
                               timeout=TIMEOUT_SECONDS)
            log, rc = p.stderr, p.returncode
        except subprocess.TimeoutExpired as e:
            log, rc = _text(e.stderr), None
        seconds = round(time.monotonic() - start, 3)
        lines = log.splitlines()
        if result_file.exists():
            result = json.loads(result_file.read_text())
        elif rc is None:
            result = {"fully_accelerated": None, "error": f"no answer within {TIMEOUT_SECONDS} s"}
        else:
            tail = " | ".join(lines[-5:])
            result = {"fully_accelerated": None, "error": f"the accelerator process died (exit {rc}): {tail}"}
    return {"log": lines, "seconds": seconds, **result}


def _text(output):
    """TimeoutExpired.stderr: None, bytes or str, depending on when it struck."""
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def _child_main(model, result_file):
    """In the child: compile with GPU | CPU and write {"fully_accelerated", "error"} as JSON."""
    from ai_edge_litert.compiled_model import CompiledModel
    from ai_edge_litert.hardware_accelerator import HardwareAccelerator

    result = {"fully_accelerated": None, "error": None}
    try:
        compiled = CompiledModel.from_file(model, hardware_accel=HardwareAccelerator.GPU | HardwareAccelerator.CPU)
        result["fully_accelerated"] = bool(compiled.is_fully_accelerated())
    except Exception as e:  # the answer is the failure itself
        result["error"] = " ".join(f"{type(e).__name__}: {e}".split())
    sys.stdout.flush()
    sys.stderr.flush()
    Path(result_file).write_text(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: litert_gpu.py MODEL.tflite RESULT.json (the child of oracle())")
    _child_main(sys.argv[1], sys.argv[2])
