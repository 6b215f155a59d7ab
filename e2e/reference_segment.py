"""The reference class map for the segmentation e2e test: the real TFLite interpreter
(ai-edge-litert, default CPU path, one thread) on a photo resized with Pillow's bilinear filter.
Prints JSON: the SHA-256 of the class map as one byte per pixel, its size and class histogram.
Usage: reference_segment.py MODEL PHOTO"""

import hashlib
import json
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter
from PIL import Image

model, photo = sys.argv[1:3]
it = Interpreter(model_path=model, num_threads=1)
it.allocate_tensors()
inp = it.get_input_details()[0]
_, h, w, _ = inp["shape"]
rgb = np.asarray(Image.open(photo).convert("RGB").resize((w, h), Image.BILINEAR))
it.set_tensor(inp["index"], rgb[None])
it.invoke()
classes = it.get_tensor(it.get_output_details()[0]["index"]).reshape(-1).astype(np.uint8)
values, counts = np.unique(classes, return_counts=True)
print(json.dumps({
    "sha256": hashlib.sha256(classes.tobytes()).hexdigest(),
    "pixels": int(classes.size),
    "histogram": {int(v): int(c) for v, c in zip(values, counts)},
}))
