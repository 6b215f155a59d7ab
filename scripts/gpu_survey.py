#!/usr/bin/env python3
"""Survey of the GPU refusals left (docs/gpu.md): runs `delegate-doctor fix --delegate gpu|litert-gpu
--format json` on every model in ../shared/models, tests/python/fixtures and the generated GPU fixtures
(crate/examples/make_gpu*_fixtures.rs, make_mldrift_fixtures, make_gpu_probe, make_wild_fixtures,
make_shape_fixtures, written into a temporary directory), and prints one Markdown table per delegate:
refusal ("OP: message", tensor names and shapes folded) → ops → models → where → cured by (the fixes
that made the op accepted, with how many ops; "—" when none does).

    cargo build -q && python3 scripts/gpu_survey.py        # DD_SHARED=DIR for another ../shared

Prints figures only; asserts nothing.
"""

import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DD = REPO / "target" / "debug" / "delegate-doctor"
SHARED = Path(os.environ.get("DD_SHARED", REPO.parent / "shared"))
GENERATED = ["make_gpu_fixtures", "make_gpu_fix_fixtures", "make_gpu_int64_fixtures", "make_mldrift_fixtures",
             "make_gpu_probe", "make_wild_fixtures", "make_shape_fixtures"]


def fold(reason):
    """The refusal without what varies from model to model (tensor names, shapes)."""
    reason = re.sub(r"(Tensor type\([A-Z0-9_]+\) is not supported\.|Tensor dimensions must be less than 5\.) .*",
                    r"\1 NAME", reason)
    reason = re.sub(r'Tensor "[^"]*" has bad input dims size: \d+\.', 'Tensor "NAME" has bad input dims size: N.', reason)
    return re.sub(r"broadcasting - input0: .*", "broadcasting - input0: …", reason)


def model_groups(tmp):
    groups = {"shared": sorted(glob.glob(str(SHARED / "models" / "*" / "*.tflite"))),
              "tests/python/fixtures": sorted(glob.glob(str(REPO / "tests" / "python" / "fixtures" / "*.tflite")))}
    for example in GENERATED:
        out = Path(tmp) / example
        subprocess.run(["cargo", "run", "-q", "--example", example, "--", str(out)], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)
        groups[example] = sorted(glob.glob(str(out / "*.tflite")))
    return groups


def survey(groups, delegate, fixed_path):
    rows = collections.defaultdict(lambda: {"ops": 0, "models": set(), "where": collections.Counter(),
                                            "cured": collections.Counter()})
    analysed = collections.Counter()
    for group, files in groups.items():
        for f in files:
            p = subprocess.run([str(DD), "fix", f, "-o", fixed_path, "--delegate", delegate, "--format", "json"],
                               capture_output=True, text=True)
            if p.returncode != 0:
                continue  # not a model the tool reads
            analysed[group] += 1
            r = json.loads(p.stdout)
            stays = {n["op"] for n in r["not_fixed"]}
            before = r["before"]
            for k, sub in enumerate([before] + before.get("other_subgraphs", [])):
                for x in sub["refused"]:
                    row = rows[(x["op"], fold(x["reasons"][0]))]
                    row["ops"] += 1
                    row["models"].add(f)
                    row["where"][group] += 1
                    # Fixes work on the primary subgraph only.
                    if k == 0 and x["index"] not in stays:
                        by = {c["fix"] for c in r["changes"] if c["op"] == x["index"]} or {c["fix"] for c in r["changes"]}
                        row["cured"][", ".join(sorted(by))] += 1
    return rows, analysed


def main():
    if not DD.exists():
        sys.exit(f"{DD} is missing: run cargo build -q first")
    with tempfile.TemporaryDirectory(prefix="dd-gpu-survey-") as tmp:
        groups = model_groups(tmp)
        fixed = str(Path(tmp) / "fixed.tflite")
        for delegate in ("gpu", "litert-gpu"):
            rows, analysed = survey(groups, delegate, fixed)
            print(f"\n{delegate}: {sum(analysed.values())} models ({', '.join(f'{g} {n}' for g, n in analysed.items())})\n")
            print("| refusal | ops | models | where | cured by |")
            print("|---|---:|---:|---|---|")
            for (op, reason), row in sorted(rows.items(), key=lambda kv: (-kv[1]["ops"], kv[0])):
                cured = "; ".join(f"{fix} ({n})" for fix, n in row["cured"].items()) or "—"
                where = ", ".join(f"{g} {n}" for g, n in row["where"].items())
                print(f"| {op}: {reason.strip() or '(empty: constant-fp16 DEQUANTIZE)'} | {row['ops']} | {len(row['models'])} | {where} | {cured} |")


if __name__ == "__main__":
    main()
