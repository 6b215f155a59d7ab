"""`infer::photo::resize_bilinear_rgb` checked byte for byte against Pillow 13.0.0.

The page resizes the user's photo to the model's input with our Rust port of Pillow's
`Image.resize((w, h), Image.BILINEAR)`, so that the engine sees exactly the bytes of the reference
pipeline. Pillow's result depends on the pass order (the intermediate image is 8-bit), and Pillow
13 runs the vertical pass first when the height shrinks by more than twice as many pixels as the
width; the fixed targets below cover both orders, upscaling, downscaling, mixed and single-axis
resizes.

Run from the repository root (pytest or unittest):
    .venv/bin/python -m pytest tests/python/test_photo_resize.py -q
Environment: DD_RESIZE_BIN (the resize_photo example binary; default
target/release/examples/resize_photo, built with `cargo build --release --example resize_photo`
if missing), DD_SHARED (default ../shared, which holds samples/).
"""

import os
import random
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("DD_SHARED", REPO.parent / "shared"))
if not SHARED.is_absolute():
    SHARED = (REPO / SHARED).resolve()
SAMPLES = SHARED / "samples"
IMAGES = ("astronaut.png", "chelsea.png")

FIXED_TARGETS = [
    (513, 513), (257, 257), (600, 600), (200, 200), (420, 200), (500, 280), (900, 40),
    (500, 100), (451, 300), (300, 100), (150, 40), (1000, 700), (1, 1), (3, 700),
    (512, 512), (512, 100), (100, 512), (451, 1), (1, 300),
]


def random_targets(n=24, seed=20240613):
    rng = random.Random(seed)
    return [(rng.randint(1, 1100), rng.randint(1, 1100)) for _ in range(n)]


_BIN = None


def resize_binary():
    global _BIN
    if _BIN is None:
        env = os.environ.get("DD_RESIZE_BIN")
        path = Path(env) if env else REPO / "target" / "release" / "examples" / "resize_photo"
        if not path.is_absolute():
            path = REPO / path
        if not path.exists():
            if env:
                raise FileNotFoundError(f"DD_RESIZE_BIN={env} does not exist")
            subprocess.run(["cargo", "build", "--release", "-q", "--example", "resize_photo"], cwd=REPO, check=True)
        _BIN = path
    return _BIN


def rust_resize(tmp, rgb, w, h, nw, nh):
    src, dst = tmp / "in.rgb", tmp / "out.rgb"
    src.write_bytes(rgb)
    cmd = [str(resize_binary()), str(src), str(w), str(h), str(nw), str(nh), str(dst)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr}")
    return dst.read_bytes()


def samples_available():
    return all((SAMPLES / n).exists() for n in IMAGES)


@unittest.skipUnless(samples_available(), f"sample photos not found in {SAMPLES}")
class PhotoResizeMatchesPillow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="dd-resize-tests-")
        cls.tmp = Path(cls._tmp.name)
        cls.images = {}
        for name in IMAGES:
            with Image.open(SAMPLES / name) as im:
                cls.images[name] = im.convert("RGB")

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def check(self, name, targets):
        im = self.images[name]
        w, h = im.size
        rgb = im.tobytes()
        failures = []
        for nw, nh in targets:
            want = im.resize((nw, nh), Image.BILINEAR).tobytes()
            got = rust_resize(self.tmp, rgb, w, h, nw, nh)
            if got != want:
                if len(got) != len(want):
                    failures.append(f"{w}x{h} -> {nw}x{nh}: {len(got)} bytes, Pillow gives {len(want)}")
                else:
                    a, b = np.frombuffer(got, np.uint8), np.frombuffer(want, np.uint8)
                    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
                    failures.append(
                        f"{w}x{h} -> {nw}x{nh}: {int((d != 0).sum())} of {len(want)} bytes differ (max |diff| {int(d.max())})"
                    )
        self.assertEqual(failures, [], f"{name}: not byte-identical to Pillow:\n" + "\n".join(failures))

    def test_astronaut_fixed_targets(self):
        self.check("astronaut.png", FIXED_TARGETS)

    def test_chelsea_fixed_targets(self):
        self.check("chelsea.png", FIXED_TARGETS)

    def test_astronaut_random_targets(self):
        self.check("astronaut.png", random_targets())

    def test_chelsea_random_targets(self):
        self.check("chelsea.png", random_targets())


class ResizePhotoErrors(unittest.TestCase):
    def test_bad_input_exits_non_zero(self):
        with tempfile.TemporaryDirectory(prefix="dd-resize-tests-") as d:
            src = Path(d) / "in.rgb"
            src.write_bytes(bytes(10))
            for args in (["4", "4", "2", "2"], ["0", "1", "2", "2"], ["10", "1", "0", "2"], ["x", "1", "2", "2"]):
                p = subprocess.run(
                    [str(resize_binary()), str(src), *args, str(Path(d) / "out.rgb")], capture_output=True, text=True
                )
                self.assertNotEqual(p.returncode, 0, args)
                self.assertIn("resize_photo:", p.stderr)


if __name__ == "__main__":
    unittest.main()
