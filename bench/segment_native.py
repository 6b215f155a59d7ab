"""The native half of scripts/bench-segment.sh: inputs, reference outputs and ai-edge-litert timings.

  segment_native.py inputs  OUT_DIR SIZES_JSON MODEL... -- IMAGE...
  segment_native.py run     MODEL ROUNDS RGB... --ref-dir DIR --json FILE

`inputs` reads each model's input size S ([1,S,S,3], uint8 or float32), writes {model file name: S} to SIZES_JSON
and, for every size, OUT_DIR/<image stem>_<S>.rgb (raw RGB, S*S*3 bytes), each image resized once with PIL
(`convert('RGB').resize((S, S), BILINEAR)`); every runtime of the benchmark is fed exactly these bytes. `run` times
Google's ai-edge-litert interpreter with one thread (`Interpreter(model_content=..., num_threads=1)`: the model is
read from disk before the clock starts, as the page fetches it before timing) and writes, per input, its output as
  DIR/<rgb stem>.<model stem>.map   a class map (DeepLab: int32 ARG_MAX out), uint8, one byte per pixel, or
  DIR/<rgb stem>.<model stem>.mask  a soft mask (output float32 [1,h,w,1], MediaPipe's selfie segmenter),
                                    little-endian float32, one value per pixel,
and the timings as JSON:
  load_ms   Interpreter(...) + allocate_tensors()
  first_ms  the first run after loading (first input)
  then one untimed run of every other input (the reference maps), then ROUNDS timed runs cycling through the
  inputs: median_ms, min_ms.
A run is what the app does per frame: convert the RGB bytes to the input's type, set the input, invoke, read the
output. The conversion follows our engine's rule (crate/src/infer/engine.rs, mask.rs): uint8 as is; float32 into a
soft-mask model p / 255 (MediaPipe's [0, 1]); any other float32 (p − 127.5) / 127.5 (DeepLab's [−1, 1]).
"""

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

WARMUP = int(os.environ.get("BENCH_WARMUP", "5"))


def prepare_inputs(out_dir, sizes_json, models, images):
    from ai_edge_litert.interpreter import Interpreter
    from PIL import Image

    sizes = {}
    for m in models:
        inp = Interpreter(model_path=m).get_input_details()[0]
        n, h, w, c = inp["shape"]
        assert inp["dtype"] in (np.uint8, np.float32) and n == 1 and h == w and c == 3, (m, inp["shape"], inp["dtype"])
        sizes[Path(m).name] = int(h)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for size in sorted(set(sizes.values())):
        for p in images:
            rgb = Image.open(p).convert("RGB").resize((size, size), Image.BILINEAR)
            data = np.asarray(rgb, dtype=np.uint8)
            assert data.shape == (size, size, 3), data.shape
            (out / f"{Path(p).stem}_{size}.rgb").write_bytes(data.tobytes())
    Path(sizes_json).write_text(json.dumps(sizes))


def is_soft_mask(out):
    """Output float32 [1, h, w, 1], as crate/src/infer/mask.rs `is_soft_mask`."""
    shape = [int(v) for v in out["shape"]]
    return out["dtype"] == np.float32 and len(shape) == 4 and shape[0] == 1 and shape[3] == 1


def input_conversion(inp, mask):
    """RGB uint8 → the model's input, as our engine converts it."""
    if inp["dtype"] != np.float32:
        return lambda x: x
    if mask:
        return lambda x: x.astype(np.float32) / np.float32(255.0)
    return lambda x: (x.astype(np.float32) - np.float32(127.5)) / np.float32(127.5)


def write_reference(ref, rgb_file, model, output, mask):
    """Writes the reference output of one input; returns its summary (classes present, or the mask's person share)."""
    stem = f"{Path(rgb_file).stem}.{Path(model).stem}"
    if mask:
        (ref / f"{stem}.mask").write_bytes(output.astype("<f4").tobytes())
        return round(float(np.mean(output >= 0.5)), 4)
    assert output.min() >= 0 and output.max() < 256, (output.shape, output.min(), output.max())
    (ref / f"{stem}.map").write_bytes(output.astype(np.uint8).tobytes())
    return sorted(int(v) for v in np.unique(output))


def run(model, rounds, rgb_files, ref_dir, json_file):
    from ai_edge_litert.interpreter import Interpreter

    content = Path(model).read_bytes()
    t = time.perf_counter()
    interp = Interpreter(model_content=content, num_threads=1)
    interp.allocate_tensors()
    load_ms = (time.perf_counter() - t) * 1e3
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    _, h, w, c = inp["shape"]
    assert inp["dtype"] in (np.uint8, np.float32) and c == 3, inp
    mask = is_soft_mask(out)
    to_input = input_conversion(inp, mask)
    inputs = []
    for f in rgb_files:
        raw = np.frombuffer(Path(f).read_bytes(), dtype=np.uint8)
        assert raw.size == h * w * 3, f"{f}: {raw.size} bytes, the model wants {h}x{w}x3"
        inputs.append(raw.reshape(1, h, w, 3))

    def once(x):
        t = time.perf_counter()
        interp.set_tensor(inp["index"], to_input(x))
        interp.invoke()
        m = interp.get_tensor(out["index"])
        return (time.perf_counter() - t) * 1e3, m

    first_ms, first_map = once(inputs[0])
    maps = [first_map] + [once(x)[1] for x in inputs[1:]]
    for r in range(WARMUP):  # as bench/segment.js: untimed runs before the timed ones
        once(inputs[r % len(inputs)])
    times = [once(inputs[r % len(inputs)])[0] for r in range(rounds)]

    ref = Path(ref_dir)
    ref.mkdir(parents=True, exist_ok=True)
    for m in maps:
        assert m.size == h * w, (m.shape, h, w)
    summaries = [write_reference(ref, f, model, m, mask) for f, m in zip(rgb_files, maps)]
    result = {
        "runtime": "ai-edge-litert",
        "model": Path(model).name,
        "width": int(w),
        "height": int(h),
        "threads": 1,
        "load_ms": load_ms,
        "first_ms": first_ms,
        "median_ms": sorted(times)[len(times) // 2],  # as bench/segment.js and bench_analyze
        "min_ms": min(times),
        "rounds": rounds,
        "output": "mask" if mask else "classes",
        # Per input: the classes present in the map, or the share of mask pixels ≥ 0.5.
        "summary": summaries,
    }
    Path(json_file).write_text(json.dumps(result))


def main(argv):
    if len(argv) >= 7 and argv[1] == "inputs" and "--" in argv:
        sep = argv.index("--")
        prepare_inputs(argv[2], argv[3], argv[4:sep], argv[sep + 1 :])
    elif len(argv) >= 4 and argv[1] == "run":
        args = argv[2:]
        opts = {}
        for key in ("--ref-dir", "--json"):
            i = args.index(key)
            opts[key] = args[i + 1]
            del args[i : i + 2]
        run(args[0], int(args[1]), args[2:], opts["--ref-dir"], opts["--json"])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
