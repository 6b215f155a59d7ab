"""The reference output for the segmentation e2e tests: the real TFLite interpreter
(ai-edge-litert, default CPU path, one thread) on a photo resized with Pillow's bilinear filter.

Class maps: prints JSON with the SHA-256 of the class map as one byte per pixel, its size and class
histogram. A one-channel float soft mask (MediaPipe selfie; input pixels scaled to [0, 1]): prints
JSON with its size, mean, how many pixels are at or above THRESHOLD (default 0.5), how many lie
within 1e-4 of it (where a float tolerance may put a pixel on either side), and the SHA-256 of the
float32 values.
Usage: reference_segment.py MODEL PHOTO [THRESHOLD]"""

import hashlib
import json
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter
from PIL import Image

MASK_TOLERANCE = 1e-4

model, photo = sys.argv[1:3]
threshold = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
it = Interpreter(model_path=model, num_threads=1)
it.allocate_tensors()
inp = it.get_input_details()[0]
out = it.get_output_details()[0]
_, h, w, _ = inp["shape"]
rgb = np.asarray(Image.open(photo).convert("RGB").resize((w, h), Image.BILINEAR))
soft_mask = out["dtype"] == np.float32 and len(out["shape"]) == 4 and out["shape"][-1] == 1
if soft_mask:
    it.set_tensor(inp["index"], (rgb[None].astype(np.float32) / np.float32(255.0)))
else:
    it.set_tensor(inp["index"], rgb[None])
it.invoke()
result = it.get_tensor(out["index"]).reshape(-1)
if soft_mask:
    mask = result.astype(np.float32)
    print(json.dumps({
        "pixels": int(mask.size),
        "mean": float(mask.astype(np.float64).mean()),
        "above": int(np.count_nonzero(mask >= threshold)),
        "near": int(np.count_nonzero(np.abs(mask - threshold) <= MASK_TOLERANCE)),
        "sha256": hashlib.sha256(mask.tobytes()).hexdigest(),
    }))
else:
    classes = result.astype(np.uint8)
    values, counts = np.unique(classes, return_counts=True)
    print(json.dumps({
        "sha256": hashlib.sha256(classes.tobytes()).hexdigest(),
        "pixels": int(classes.size),
        "histogram": {int(v): int(c) for v, c in zip(values, counts)},
    }))
