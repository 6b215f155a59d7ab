"""Full-integer int8 DeepLab models for the engine's tests, made with a real quantizer.

Takes a float DeepLab written by `crate/examples/make_float_deeplab.rs` and quantizes it with
Google's ai-edge-quantizer (PyPI `ai-edge-quantizer`, recipe `static_wi8_ai8`: int8 per-channel
weights, int8 activations, int32 biases; min/max calibration). The calibration set is the sample
photos in ../shared/samples (resized with Pillow's bilinear filter, as the page does, plus their
mirror images and four crops each), fed as (pixel − 127.5) / 127.5.

The quantizer gives an int8 input and a DEQUANTIZE before the float ARG_MAX (int32 class map).
--logits float drops the ARG_MAX (float logits out), --logits int8 the DEQUANTIZE too (int8
logits out); --float-input puts a QUANTIZE in front (float32 in).

    .venv/bin/python scripts/make_int8_deeplab.py FLOAT.tflite OUT.tflite [--logits int8|float]
        [--float-input] [--samples DIR]
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
# ../shared, or DD_SHARED as the tests and scripts/bench-segment.sh take it.
SAMPLES = Path(os.environ.get("DD_SHARED", REPO.parent / "shared")) / "samples"


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


def _ops(model):
    from ai_edge_litert.tools import flatbuffer_utils

    return lambda op: flatbuffer_utils.get_builtin_code_from_operator_code(model.operatorCodes[op.opcodeIndex])


def _retarget_signature(model, old, new):
    for sig in model.signatureDefs or []:
        for m in list(sig.inputs) + list(sig.outputs):
            if int(m.tensorIndex) == old:
                m.tensorIndex = new


def logits_output(model, as_int8):
    """Drops the final ARG_MAX, so the model gives the (dequantized) logits; with `as_int8` the
    DEQUANTIZE before it goes too and the output is the int8 logits."""
    from ai_edge_litert import schema_py_generated as fb

    sg, code = model.subgraphs[0], _ops(model)
    for kind in [fb.BuiltinOperator.ARG_MAX] + ([fb.BuiltinOperator.DEQUANTIZE] if as_int8 else []):
        out = int(sg.outputs[0])
        producer = next(op for op in sg.operators if int(op.outputs[0]) == out)
        if code(producer) != kind:
            raise SystemExit(f"the model's output is not computed by op {kind}")
        sg.operators = [op for op in sg.operators if op is not producer]
        sg.outputs = np.array([int(producer.inputs[0])], dtype=np.int32)
        _retarget_signature(model, out, int(producer.inputs[0]))


def float_input(model):
    """Puts a QUANTIZE in front of the int8 input, so the model takes float32 (as TF's converter
    does with `inference_input_type=tf.float32`)."""
    from ai_edge_litert import schema_py_generated as fb

    sg = model.subgraphs[0]
    old = int(sg.inputs[0])
    t = sg.tensors[old]
    if t.type != fb.TensorType.INT8:
        raise SystemExit("the model's input is not int8")
    new = fb.TensorT()
    new.name, new.shape, new.type = t.name + b"_float", t.shape, fb.TensorType.FLOAT32
    buffer = fb.BufferT()
    model.buffers.append(buffer)
    new.buffer = len(model.buffers) - 1
    sg.tensors.append(new)
    index = len(sg.tensors) - 1
    code = next((i for i, c in enumerate(model.operatorCodes) if _ops(model)(type("o", (), {"opcodeIndex": i})) == fb.BuiltinOperator.QUANTIZE), None)
    if code is None:
        c = fb.OperatorCodeT()
        c.builtinCode, c.deprecatedBuiltinCode, c.version = fb.BuiltinOperator.QUANTIZE, fb.BuiltinOperator.QUANTIZE, 1
        model.operatorCodes.append(c)
        code = len(model.operatorCodes) - 1
    op = fb.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = code, np.array([index], dtype=np.int32), np.array([old], dtype=np.int32)
    sg.operators = [op] + list(sg.operators)
    sg.inputs = np.array([index], dtype=np.int32)
    _retarget_signature(model, old, index)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("float_model")
    ap.add_argument("out")
    ap.add_argument("--logits", choices=("int8", "float"), help="drop the ARG_MAX (and for int8 the DEQUANTIZE before it)")
    ap.add_argument("--float-input", action="store_true", help="take float32 through a QUANTIZE")
    ap.add_argument("--samples", default=str(SAMPLES))
    a = ap.parse_args(argv)
    from ai_edge_litert.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(quantize(a.float_model, a.samples)))
    if a.logits:
        logits_output(model, a.logits == "int8")
    if a.float_input:
        float_input(model)
    Path(a.out).write_bytes(bytes(flatbuffer_utils.convert_object_to_bytearray(model)))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main(sys.argv[1:])
