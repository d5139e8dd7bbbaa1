"""Record what TensorFlow's low-level ``tf.nn`` ops compute for every case in ../cases.py.

Run by hand in a scratch venv with TensorFlow installed (never by CI), from anywhere:

    /work/venvs/tf/bin/python tests/data/dialects/tensorflow/record.py          # writes record.json
    /work/venvs/tf/bin/python tests/data/dialects/tensorflow/record.py --probes # prints the NOTES probes

Translation (neutral key -> tf.nn), every argument passed by keyword:

- input [C, *spatial] -> a float32 zero tensor [1, *spatial, C] (NWC / NHWC, channels last, CPU);
  the output is reported channels first, without the batch.
- conv -> tf.nn.conv1d / tf.nn.conv2d; ``filters`` is a zero tensor shaped
  [*kernel, in_channels // groups, out_channels] (``groups`` is expressed only through that
  shape: tf.nn has no groups argument).  kernel_size -> the filter's spatial shape;
  stride -> ``stride`` (conv1d) / ``strides`` (conv2d); dilation -> ``dilations``.
- maxpool / avgpool -> tf.nn.max_pool1d/2d, tf.nn.avg_pool1d/2d; kernel_size -> ``ksize``;
  stride -> ``strides``.
- padding "same" -> 'SAME', "valid" -> 'VALID'; an int p -> the explicit list
  [[0, 0], [p, p], ..., [0, 0]]; per-axis ints [a, b] -> [[0, 0], [a, a], [b, b], [0, 0]].
- An absent key is not passed: tf.nn's ``strides``/``padding`` (conv) and
  ``ksize``/``strides``/``padding`` (pools) have no default, so such a case records the
  TypeError of the call made without them.
- Keys tf.nn has no argument for (bias, dilation on pools, ceil_mode, output_padding) are
  passed under their neutral name and the TypeError recorded.
- conv_transpose -> tf.nn.conv1d_transpose / conv2d_transpose REQUIRE ``output_shape``
  (the output size is an input of the op, not computed by it).  They are not called: each
  records the error "tf.nn.convNd_transpose requires output_shape", shape null.
- params: always null (tf.nn ops hold no variables; the filter is an input tensor).
"""
import json
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from cases import CASES  # noqa: E402

# Off the path again: sibling folders (jax/, keras/, ...) would shadow real packages.
sys.path.remove(os.path.dirname(HERE))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

API = ("tf.nn.conv1d/conv2d/conv1d_transpose/conv2d_transpose/"
       "max_pool1d/max_pool2d/avg_pool1d/avg_pool2d (NWC/NHWC, CPU)")


def per_axis(value, dims):
    return list(value) if isinstance(value, (list, tuple)) else [value] * dims


def tf_padding(padding, dims):
    if isinstance(padding, str):
        return padding.upper()
    return [[0, 0]] + [[p, p] for p in per_axis(padding, dims)] + [[0, 0]]


def fmt(value):
    if isinstance(value, tf.Tensor):
        return f"<{list(value.shape)}>"
    return repr(value)


def translate(case):
    """(function name, kwargs) for the case's tf.nn call."""
    dims, op = case["dims"], case["op"]
    channels, spatial = case["input"][0], case["input"][1:]
    kwargs = {"input": tf.zeros([1, *spatial, channels], tf.float32)}
    if op in ("conv", "conv_transpose"):
        kernel = per_axis(case["kernel_size"], dims)
        groups = case.get("groups", 1)
        kwargs["filters"] = tf.zeros([*kernel, channels // groups, case["out_channels"]],
                                     tf.float32)
        name = f"conv{dims}d" if op == "conv" else f"conv{dims}d_transpose"
        if "stride" in case:
            kwargs["stride" if (dims == 1 and op == "conv") else "strides"] = case["stride"]
        if "padding" in case:
            kwargs["padding"] = tf_padding(case["padding"], dims)
        if "dilation" in case:
            kwargs["dilations"] = case["dilation"]
        for key in ("bias", "output_padding"):
            if key in case:
                kwargs[key] = case[key]
    else:
        name = f"{'max' if op == 'maxpool' else 'avg'}_pool{dims}d"
        kwargs["ksize"] = case["kernel_size"]
        if "stride" in case:
            kwargs["strides"] = case["stride"]
        if "padding" in case:
            kwargs["padding"] = tf_padding(case["padding"], dims)
        for key in ("dilation", "ceil_mode"):
            if key in case:
                kwargs[key] = case[key]
    return name, kwargs


def error_text(exc):
    lines = str(exc).strip().splitlines() or [""]
    return f"{type(exc).__name__}: {lines[0].strip()}"[:300]


def record(case):
    name, kwargs = translate(case)
    call = f"tf.nn.{name}(" + ", ".join(f"{k}={fmt(v)}" for k, v in kwargs.items()) + ")"
    out = {"id": case["id"], "call": call, "shape": None, "params": None, "error": None}
    if case["op"] == "conv_transpose":
        out["error"] = f"tf.nn.{name} requires output_shape"
        return out
    try:
        y = getattr(tf.nn, name)(**kwargs)
    except Exception as exc:  # noqa: BLE001 - the refusal is the recording
        out["error"] = error_text(exc)
        return out
    shape = [int(y.shape[-1])] + [int(d) for d in y.shape[1:-1]]
    out["shape"] = shape
    if any(d <= 0 for d in shape):
        out["error"] = f"empty: {shape}"
    return out


def probes():
    """The numeric probes quoted in NOTES.md: where 'SAME' puts an odd pad."""
    ramp = tf.reshape(tf.range(1, 11, dtype=tf.float32), [1, 10, 1])
    ones4 = tf.ones([4, 1, 1])
    y = tf.nn.conv1d(ramp, ones4, stride=1, padding="SAME")
    print("conv1d ones k4 s1 SAME on 1..10:", y.numpy().ravel().tolist())
    y = tf.nn.conv1d(ramp, tf.ones([2, 1, 1]), stride=1, padding="SAME")
    print("conv1d ones k2 s1 SAME on 1..10:", y.numpy().ravel().tolist())
    y = tf.nn.conv1d(ramp, tf.ones([3, 1, 1]), stride=2, padding="SAME")
    print("conv1d ones k3 s2 SAME on 1..10:", y.numpy().ravel().tolist())
    y = tf.nn.avg_pool1d(ramp, ksize=2, strides=2, padding="SAME")
    print("avg_pool1d k2 s2 SAME on 1..10:", y.numpy().ravel().tolist())
    r9 = tf.reshape(tf.range(1, 10, dtype=tf.float32), [1, 9, 1])
    y = tf.nn.avg_pool1d(r9, ksize=2, strides=2, padding="SAME")
    print("avg_pool1d k2 s2 SAME on 1..9:", y.numpy().ravel().tolist())
    y = tf.nn.max_pool1d(-r9, ksize=2, strides=2, padding="SAME")
    print("max_pool1d k2 s2 SAME on -1..-9:", y.numpy().ravel().tolist())
    y = tf.nn.conv1d(ramp, ones4, stride=1, padding="SAME", dilations=2)
    print("conv1d ones k4 d2 SAME on 1..10:", y.numpy().ravel().tolist())
    try:
        tf.nn.conv2d_transpose(tf.zeros([1, 7, 7, 4]), tf.zeros([3, 3, 4, 4]), strides=2,
                               padding="SAME")
    except Exception as exc:  # noqa: BLE001
        print("conv2d_transpose without output_shape:", error_text(exc))
    try:
        tf.nn.conv1d_transpose(tf.zeros([1, 7, 4]), tf.zeros([3, 4, 4]), strides=2,
                               padding="SAME")
    except Exception as exc:  # noqa: BLE001
        print("conv1d_transpose without output_shape:", error_text(exc))


def main():
    if "--probes" in sys.argv:
        probes()
        return
    versions = {"python": platform.python_version(), "tensorflow": tf.__version__,
                "numpy": np.__version__}
    rows = [record(case) for case in CASES]
    head = (f'{{"framework": "tensorflow",\n "versions": {json.dumps(versions)},\n'
            f' "api": {json.dumps(API)},\n "cases": [\n')
    body = ",\n".join(json.dumps(row) for row in rows)
    with open(os.path.join(HERE, "record.json"), "w") as f:
        f.write(head + body + "]}\n")
    ok = sum(r["error"] is None for r in rows)
    empty = sum(bool(r["error"]) and r["error"].startswith("empty:") for r in rows)
    print(f"{len(rows)} cases: {ok} ok, {len(rows) - ok - empty} error, {empty} empty")


if __name__ == "__main__":
    main()
