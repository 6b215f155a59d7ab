"""Full-integer int8 DeepLab models for the engine's tests, made with a real quantizer.

Takes a float DeepLab written by `crate/examples/make_float_deeplab.rs` and quantizes it with
Google's ai-edge-quantizer (PyPI `ai-edge-quantizer`, recipe `static_wi8_ai8`: int8 per-channel
weights, int8 activations, int32 biases; min/max calibration). The calibration set is the sample
photos in ../shared/samples (resized with Pillow's bilinear filter, as the page does, plus their
mirror images and four crops each), fed as (pixel − 127.5) / 127.5.

The quantizer keeps the float input and output and puts QUANTIZE / DEQUANTIZE at the ends
("float I/O"). With --int8-io those two ops are removed, so the model takes and gives int8 tensors.

    .venv/bin/python scripts/make_int8_deeplab.py FLOAT.tflite OUT.tflite [--int8-io] [--samples DIR]
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "samples"


def calibration_images(samples, size):
    """Float inputs in [−1, 1]: each photo, its mirror image, and four corner crops of each."""
    photos = sorted(p for p in Path(samples).iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    if not photos:
        raise SystemExit(f"no photos in {samples}")
    images = []
    for p in photos:
        base = Image.open(p).convert("RGB")
        for im in (base, base.transpose(Image.FLIP_LEFT_RIGHT)):
            w, h = im.size
            boxes = [(0, 0, w, h)] + [(x, y, x + w * 3 // 4, y + h * 3 // 4) for x in (0, w // 4) for y in (0, h // 4)]
            for box in boxes:
                rgb = np.asarray(im.crop(box).resize((size, size), Image.BILINEAR), dtype=np.float32)
                images.append(((rgb - 127.5) / 127.5)[None])
    return images


SIGNATURE = "serving_default"


def with_signature(src):
    """The model's bytes with a SignatureDef over subgraph 0 (the quantizer needs one; our float
    DeepLabs have none). Signature names are the tensor names."""
    from ai_edge_litert import schema_py_generated as fb
    from ai_edge_litert.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(str(src))
    # Models from the old converter (as the DeepLabs are) carry the op in deprecated_builtin_code
    # only; the quantizer reads builtin_code, which would then say ADD for every op.
    for code in model.operatorCodes:
        code.builtinCode = flatbuffer_utils.get_builtin_code_from_operator_code(code)
    sg = model.subgraphs[0]

    def maps(ids):
        out = []
        for i in ids:
            m = fb.TensorMapT()
            m.name, m.tensorIndex = sg.tensors[i].name, int(i)
            out.append(m)
        return out

    sig = fb.SignatureDefT()
    sig.signatureKey, sig.subgraphIndex = SIGNATURE, 0
    sig.inputs, sig.outputs = maps(sg.inputs), maps(sg.outputs)
    model.signatureDefs = [sig]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def quantize(src, samples):
    """The quantized model's bytes (float I/O)."""
    from ai_edge_litert.interpreter import Interpreter
    from ai_edge_quantizer import quantizer, recipe

    signed = with_signature(src)
    it = Interpreter(model_content=signed)
    inp = it.get_input_details()[0]
    size = int(inp["shape"][1])
    name = it.get_signature_runner(SIGNATURE).get_input_details()
    key = next(iter(name))
    q = quantizer.Quantizer(signed, recipe.static_wi8_ai8())
    data = [{key: x} for x in calibration_images(samples, size)]
    result = q.calibrate({SIGNATURE: data}, num_threads=1)
    return bytes(q.quantize(result).quantized_model)


def strip_io_conversions(model_bytes):
    """Removes a QUANTIZE that reads a graph input and a DEQUANTIZE that writes a graph output, so
    the graph takes and gives their int8 tensors; the signature follows."""
    from ai_edge_litert import schema_py_generated as fb
    from ai_edge_litert.tools import flatbuffer_utils

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(model_bytes))
    sg = model.subgraphs[0]
    code = lambda op: flatbuffer_utils.get_builtin_code_from_operator_code(model.operatorCodes[op.opcodeIndex])
    ins, outs = list(sg.inputs), list(sg.outputs)
    keep = []
    renamed = {}
    for op in sg.operators:
        if code(op) == fb.BuiltinOperator.QUANTIZE and op.inputs[0] in ins:
            ins[ins.index(op.inputs[0])] = op.outputs[0]
            renamed[int(op.inputs[0])] = int(op.outputs[0])
        elif code(op) == fb.BuiltinOperator.DEQUANTIZE and op.outputs[0] in outs:
            outs[outs.index(op.outputs[0])] = op.inputs[0]
            renamed[int(op.outputs[0])] = int(op.inputs[0])
        else:
            keep.append(op)
    sg.operators, sg.inputs, sg.outputs = keep, np.array(ins, dtype=np.int32), np.array(outs, dtype=np.int32)
    for sig in model.signatureDefs or []:
        for m in list(sig.inputs) + list(sig.outputs):
            m.tensorIndex = renamed.get(int(m.tensorIndex), m.tensorIndex)
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("float_model")
    ap.add_argument("out")
    ap.add_argument("--int8-io", action="store_true", help="remove the QUANTIZE/DEQUANTIZE at the ends")
    ap.add_argument("--samples", default=str(SAMPLES))
    a = ap.parse_args(argv)
    model = quantize(a.float_model, a.samples)
    if a.int8_io:
        model = strip_io_conversions(model)
    Path(a.out).write_bytes(model)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main(sys.argv[1:])
