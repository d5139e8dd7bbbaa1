"""Record what Keras 3 layers compute for every case in ../cases.py.

Run by hand in a scratch venv with TensorFlow (and so Keras 3, TensorFlow backend) installed,
never by CI, from anywhere:

    /work/venvs/tf/bin/python tests/data/dialects/keras/record.py          # writes record.json
    /work/venvs/tf/bin/python tests/data/dialects/keras/record.py --probes # prints the NOTES probes

Translation (neutral key -> Keras), every argument passed by keyword:

- conv -> keras.layers.Conv1D / Conv2D; conv_transpose -> Conv1DTranspose / Conv2DTranspose;
  maxpool -> MaxPooling1D / MaxPooling2D; avgpool -> AveragePooling1D / AveragePooling2D.
- out_channels -> ``filters``; kernel_size -> ``kernel_size`` (convolutions) or
  ``pool_size`` (pools); stride -> ``strides``; dilation -> ``dilation_rate`` (convolutions);
  groups -> ``groups``; bias -> ``use_bias``; output_padding -> ``output_padding``;
  padding -> ``padding`` unchanged ("same", "valid", an int or a per-axis list as-is).
- Keys Keras has no argument for are passed under their neutral name and the refusal
  recorded: ``dilation`` on pools, ``ceil_mode``, ``groups`` on the transposed layers.
- An absent key is not passed (so Keras' defaults apply).
- The layer is built by calling it on a float32 zero tensor [1, *spatial, C] (batch 1,
  channels_last, CPU); the output is reported channels first, without the batch.
  params = layer.count_params() after that call.  keras.backend.clear_session() runs before
  each case so auto-generated layer names (and so messages) do not depend on case order.
"""
import json
import os
import platform
import re
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from cases import CASES  # noqa: E402

# Off the path again: sibling folders (jax/, keras/, ...) would shadow real packages.
sys.path.remove(os.path.dirname(HERE))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

API = ("keras.layers.Conv1D/Conv2D/Conv1DTranspose/Conv2DTranspose/"
       "MaxPooling1D/MaxPooling2D/AveragePooling1D/AveragePooling2D "
       "(channels_last, TensorFlow backend, CPU)")

CLASSES = {"conv": "Conv{d}D", "conv_transpose": "Conv{d}DTranspose",
           "maxpool": "MaxPooling{d}D", "avgpool": "AveragePooling{d}D"}
CONV_KEYS = [("out_channels", "filters"), ("kernel_size", "kernel_size"),
             ("stride", "strides"), ("padding", "padding"),
             ("output_padding", "output_padding"), ("dilation", "dilation_rate"),
             ("groups", "groups"), ("bias", "use_bias"), ("ceil_mode", "ceil_mode")]
POOL_KEYS = [("kernel_size", "pool_size"), ("stride", "strides"), ("padding", "padding"),
             ("dilation", "dilation"), ("ceil_mode", "ceil_mode")]


def translate(case):
    name = CLASSES[case["op"]].format(d=case["dims"])
    keys = CONV_KEYS if case["op"] in ("conv", "conv_transpose") else POOL_KEYS
    return name, {theirs: case[ours] for ours, theirs in keys if ours in case}


def error_text(exc):
    """``Type: first line``; Keras wraps errors raised inside ``call()`` as
    "Exception encountered when calling X.call().\n\n<bold>message</bold>...": for those the
    first line of the wrapped message is recorded instead of the wrapper's."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()] or [""]
    if lines[0].startswith("Exception encountered when calling") and len(lines) > 1:
        lines = lines[1:]
    return f"{type(exc).__name__}: {lines[0]}"[:300]


def record(case):
    name, kwargs = translate(case)
    call = (f"keras.layers.{name}(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
            + ")")
    out = {"id": case["id"], "call": call, "shape": None, "params": None, "error": None}
    keras.backend.clear_session()
    channels, spatial = case["input"][0], case["input"][1:]
    try:
        layer = getattr(keras.layers, name)(**kwargs)
        y = layer(tf.zeros([1, *spatial, channels], tf.float32))
        params = int(layer.count_params())
    except Exception as exc:  # noqa: BLE001 - the refusal is the recording
        out["error"] = error_text(exc)
        return out
    shape = [int(y.shape[-1])] + [int(d) for d in y.shape[1:-1]]
    out["shape"], out["params"] = shape, params
    if any(d <= 0 for d in shape):
        out["error"] = f"empty: {shape}"
    return out


def probes():
    """The numeric probes quoted in NOTES.md: where 'same' puts an odd pad."""
    ramp = tf.reshape(tf.range(1, 11, dtype=tf.float32), [1, 10, 1])

    def ones(layer, x):
        layer.build(x.shape)
        layer.set_weights([np.ones(w.shape, "float32") if w.ndim > 1
                           else np.zeros(w.shape, "float32") for w in layer.get_weights()])
        return layer(x).numpy().ravel().tolist()

    print("Conv1D ones k4 s1 same on 1..10:",
          ones(keras.layers.Conv1D(1, 4, padding="same"), ramp))
    print("Conv1D ones k3 s2 same on 1..10:",
          ones(keras.layers.Conv1D(1, 3, strides=2, padding="same"), ramp))
    print("Conv1D ones k4 d2 same on 1..10:",
          ones(keras.layers.Conv1D(1, 4, dilation_rate=2, padding="same"), ramp))
    print("AveragePooling1D k2 s2 same on 1..10:",
          keras.layers.AveragePooling1D(2, strides=2, padding="same")(ramp)
          .numpy().ravel().tolist())
    r9 = tf.reshape(tf.range(1, 10, dtype=tf.float32), [1, 9, 1])
    print("AveragePooling1D k2 s2 same on 1..9:",
          keras.layers.AveragePooling1D(2, strides=2, padding="same")(r9)
          .numpy().ravel().tolist())
    r3 = tf.reshape(tf.range(1, 4, dtype=tf.float32), [1, 3, 1])
    for k, s, p in [(4, 2, "same"), (3, 2, "same"), (3, 2, "valid"), (1, 3, "valid")]:
        print(f"Conv1DTranspose ones k{k} s{s} {p} on 1..3:",
              ones(keras.layers.Conv1DTranspose(1, k, strides=s, padding=p), r3))
    print("Conv1DTranspose ones k3 s2 same output_padding=0 on 1..3:",
          ones(keras.layers.Conv1DTranspose(1, 3, strides=2, padding="same",
                                            output_padding=0), r3))


def main():
    if "--probes" in sys.argv:
        probes()
        return
    versions = {"python": platform.python_version(), "keras": keras.__version__,
                "keras_backend": keras.backend.backend(), "tensorflow": tf.__version__,
                "numpy": np.__version__}
    rows = [record(case) for case in CASES]
    head = (f'{{"framework": "keras",\n "versions": {json.dumps(versions)},\n'
            f' "api": {json.dumps(API)},\n "cases": [\n')
    body = ",\n".join(json.dumps(row) for row in rows)
    with open(os.path.join(HERE, "record.json"), "w") as f:
        f.write(head + body + "]}\n")
    ok = sum(r["error"] is None for r in rows)
    empty = sum(bool(r["error"]) and r["error"].startswith("empty:") for r in rows)
    print(f"{len(rows)} cases: {ok} ok, {len(rows) - ok - empty} error, {empty} empty")


if __name__ == "__main__":
    main()
