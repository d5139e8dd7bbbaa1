"""Record what onnxruntime computes for every case in ../cases.py.

Run by hand (not by CI) with a Python that has onnx and onnxruntime:  python record.py
Writes record.json next to this file; prints where onnx.shape_inference disagrees with the
runtime (for NOTES.md).

Each case becomes a one-node ONNX model (onnx.helper, opset 17): X [1] + input, float32.
  conv            -> Conv,          W initializer [out_channels, C/group, *kernel]
  conv_transpose  -> ConvTranspose, W initializer [C, out_channels/group, *kernel]
  maxpool         -> MaxPool;  avgpool -> AveragePool
  bias true       -> a B initializer [out_channels]; bias false or absent -> no B (ONNX's
                     default: an optional input that is not given)
  kernel_size -> kernel_shape, stride -> strides, dilation -> dilations, groups -> group,
  output_padding -> output_padding (ints repeated per axis);
  padding int p -> pads [p] * 2 * dims; per axis [a, b] -> pads [a, b, a, b];
  padding 'same' -> auto_pad 'SAME_UPPER'; 'valid' -> auto_pad 'VALID';
  ceil_mode -> ceil_mode (0/1); AveragePool dilation -> dilations (opset 17 has none: the
  refusal is recorded); a key absent from the case -> the attribute is not set.
The output's shape is left unset in the graph (no value_info); the model runs in
onnxruntime.InferenceSession (default options, CPU) on zeros and shape = the returned
array's shape without the batch.  params = elements of W + B (0 for pools).
"""
import json
import os
import platform
import re
import sys

import numpy
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from cases import CASES  # noqa: E402

OPSET = 17
OPS = {"conv": "Conv", "conv_transpose": "ConvTranspose", "maxpool": "MaxPool",
       "avgpool": "AveragePool"}


# onnxruntime's ORT_ENFORCE messages carry the source path and the C++ signature before the
# reason; both are cut ("pool_attributes.h:88: <condition> was false. <reason>") so that
# the reason fits in the 300 characters.
ENFORCE = re.compile(r"/onnxruntime_src/\S*/([\w.]+:\d+) .*?\)( const)?( \[with [^\]]*\])? ")


def error_text(exc):
    text = ENFORCE.sub(r"\1: ", str(exc).strip())
    lines = text.splitlines() or [""]
    return f"{type(exc).__name__}: {lines[0]}"[:300]


def per_axis(value, dims):
    return list(value) if isinstance(value, list) else [value] * dims


def build(case):
    """The model, the call text and the parameter count."""
    dims, op = case["dims"], case["op"]
    attrs = {"kernel_shape": per_axis(case["kernel_size"], dims)}
    if "stride" in case:
        attrs["strides"] = per_axis(case["stride"], dims)
    if "padding" in case:
        p = case["padding"]
        if p == "same":
            attrs["auto_pad"] = "SAME_UPPER"
        elif p == "valid":
            attrs["auto_pad"] = "VALID"
        else:
            attrs["pads"] = per_axis(p, dims) * 2
    if "dilation" in case:
        attrs["dilations"] = per_axis(case["dilation"], dims)
    if "groups" in case:
        attrs["group"] = case["groups"]
    if "output_padding" in case:
        attrs["output_padding"] = per_axis(case["output_padding"], dims)
    if "ceil_mode" in case:
        attrs["ceil_mode"] = int(case["ceil_mode"])
    inputs, inits, params = ["X"], [], 0
    shapes = []
    if op in ("conv", "conv_transpose"):
        c, out, g = case["input"][0], case["out_channels"], case.get("groups", 1)
        k = attrs["kernel_shape"]
        w = [out, c // g] + k if op == "conv" else [c, out // g] + k
        inits.append(numpy_helper.from_array(numpy.zeros(w, numpy.float32), "W"))
        inputs.append("W")
        shapes.append(f"W{w}")
        params += int(numpy.prod(w))
        if case.get("bias") is True:
            inits.append(numpy_helper.from_array(numpy.zeros([out], numpy.float32), "B"))
            inputs.append("B")
            shapes.append(f"B[{out}]")
            params += out
    node = helper.make_node(OPS[op], inputs, ["Y"], **attrs)
    graph = helper.make_graph(
        [node], case["id"],
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1] + case["input"])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    call = f"{OPS[op]}(" + ", ".join(f"{k}={v!r}" for k, v in attrs.items()) + ")"
    if shapes:
        call += " " + " ".join(shapes)
    return model, call, params


def inferred(model):
    """What onnx.shape_inference says the output is: a shape list, or an error text."""
    try:
        m = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    except Exception as exc:  # noqa: BLE001
        return error_text(exc)
    for vi in m.graph.output:
        t = vi.type.tensor_type
        if t.HasField("shape"):
            return [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim][1:]
    return None


def record(case):
    model, call, params = build(case)
    out = {"id": case["id"], "call": call, "shape": None, "params": None, "error": None}
    try:
        sess = onnxruntime.InferenceSession(model.SerializeToString(),
                                            providers=["CPUExecutionProvider"])
        (y,) = sess.run(None, {"X": numpy.zeros([1] + case["input"], numpy.float32)})
    except Exception as exc:  # noqa: BLE001 - the refusal is the data
        out["error"] = error_text(exc)
        return out, inferred(model)
    shape = [int(s) for s in y.shape[1:]]
    out["shape"], out["params"] = shape, params
    if any(s <= 0 for s in shape):
        out["error"] = f"empty: {shape}"
    return out, inferred(model)


def main():
    onnxruntime.set_default_logger_severity(4)
    rows, disagree = [], []
    for case in CASES:
        row, inf = record(case)
        rows.append(row)
        if row["shape"] is not None and inf != row["shape"]:
            disagree.append((row["id"], row["shape"], inf))
        elif row["shape"] is None and isinstance(inf, list):
            disagree.append((row["id"], row["error"], inf))
    head = {
        "framework": "onnx",
        "versions": {"python": platform.python_version(), "onnxruntime": onnxruntime.__version__,
                     "onnx": onnx.__version__, "opset": OPSET, "numpy": numpy.__version__},
        "api": "onnx.helper one-node Conv/ConvTranspose/MaxPool/AveragePool (opset 17), "
               "run by onnxruntime.InferenceSession (CPUExecutionProvider)",
    }
    text = json.dumps(head)[:-1] + ',\n "cases": [\n'
    text += ",\n".join(json.dumps(r) for r in rows) + "]}\n"
    with open(os.path.join(HERE, "record.json"), "w") as f:
        f.write(text)
    ok = sum(r["error"] is None for r in rows)
    empty = sum(bool(r["error"]) and r["error"].startswith("empty:") for r in rows)
    print(f"{len(rows)} cases: {ok} ok, {len(rows) - ok - empty} error, {empty} empty")
    print(f"onnx.shape_inference (strict) vs runtime: {len(disagree)} disagreements")
    for d in disagree:
        print("  ", *d)


if __name__ == "__main__":
    main()
