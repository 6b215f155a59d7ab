"""ai-edge-litert's side of crate/examples/profile_engine.rs: the median of ROUNDS invocations of the
default interpreter (XNNPACK, one thread) on uniform [-1, 1) float inputs (integers 0..15), after one
warm-up run.
    .venv/bin/python bench/profile-float-native.py MODEL ROUNDS
"""
import statistics
import sys
import time

import numpy as np
from ai_edge_litert.interpreter import Interpreter


def main(model, rounds):
    it = Interpreter(model_path=model, num_threads=1)
    it.allocate_tensors()
    rng = np.random.default_rng(1)
    for d in it.get_input_details():
        if d["dtype"] == np.float32:
            x = rng.uniform(-1, 1, d["shape"]).astype(np.float32)
        else:
            x = rng.integers(0, 16, d["shape"]).astype(d["dtype"])
        it.set_tensor(d["index"], x)
    it.invoke()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        it.invoke()
        times.append((time.perf_counter() - t) * 1e3)
    print(f"ai-edge-litert median run {statistics.median(times):.2f} ms over {rounds} rounds (min {min(times):.2f})")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: profile-float-native.py MODEL ROUNDS")
    main(sys.argv[1], int(sys.argv[2]))
