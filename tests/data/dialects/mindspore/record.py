"""Record what MindSpore computes for every case in ../cases.py; writes record.json beside it.

Run by hand in a scratch venv (never by CI):
    python -m venv /work/venvs/mindspore && /work/venvs/mindspore/bin/pip install mindspore 'numpy<2'
    /work/venvs/mindspore/bin/python tests/data/dialects/mindspore/record.py

Mode: PyNative, CPU, float32 zeros input with batch 1 (NCL / NCHW); the shape recorded is the
real output's shape without the batch; params = sum of the sizes of trainable_params().

Translation (neutral key -> MindSpore argument; an absent key is not passed):
  conv            -> nn.Conv1d / nn.Conv2d(in_channels, out_channels, kernel_size, ...)
  conv_transpose  -> nn.Conv1dTranspose / nn.Conv2dTranspose
  maxpool         -> nn.MaxPool1d / nn.MaxPool2d(kernel_size, ...)
  avgpool         -> nn.AvgPool1d / nn.AvgPool2d(kernel_size, ...)
  kernel_size     -> kernel_size (int, or a tuple for a per-axis list)
  stride          -> stride;  dilation -> dilation;  ceil_mode -> ceil_mode
  groups          -> group;   bias -> has_bias
  output_padding  -> output_padding (Conv1dTranspose has no such argument: passed anyway,
                     its TypeError is recorded)
  padding int     -> pad_mode='pad', padding=<int>
  padding [a, b]  -> pad_mode='pad'; convolutions: padding=(a, a, b, b), MindSpore's
                     (top, bottom, left, right); pools: padding=(a, b), their per-axis form
  padding 'same'  -> pad_mode='same';  'valid' -> pad_mode='valid'
  padding absent  -> neither pad_mode nor padding passed
"""
import json
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from cases import CASES  # noqa: E402

os.environ.setdefault("GLOG_v", "3")
import numpy as np  # noqa: E402
import mindspore as ms  # noqa: E402
from mindspore import nn  # noqa: E402

ms.set_context(mode=ms.PYNATIVE_MODE)
ms.set_device("CPU")

CLASSES = {
    ("conv", 1): "Conv1d", ("conv", 2): "Conv2d",
    ("conv_transpose", 1): "Conv1dTranspose", ("conv_transpose", 2): "Conv2dTranspose",
    ("maxpool", 1): "MaxPool1d", ("maxpool", 2): "MaxPool2d",
    ("avgpool", 1): "AvgPool1d", ("avgpool", 2): "AvgPool2d",
}


def _t(v):
    return tuple(v) if isinstance(v, list) else v


def translate(case):
    op, dims = case["op"], case["dims"]
    args, kwargs = [], {}
    if op in ("conv", "conv_transpose"):
        args = [case["input"][0], case["out_channels"], _t(case["kernel_size"])]
    else:
        kwargs["kernel_size"] = _t(case["kernel_size"])
    if "stride" in case:
        kwargs["stride"] = _t(case["stride"])
    if "padding" in case:
        p = case["padding"]
        if p in ("same", "valid"):
            kwargs["pad_mode"] = p
        else:
            kwargs["pad_mode"] = "pad"
            if isinstance(p, list):
                if op in ("conv", "conv_transpose"):
                    kwargs["padding"] = (p[0], p[0], p[1], p[1])
                else:
                    kwargs["padding"] = tuple(p)
            else:
                kwargs["padding"] = p
    if "output_padding" in case:
        kwargs["output_padding"] = case["output_padding"]
    if "dilation" in case:
        kwargs["dilation"] = case["dilation"]
    if "groups" in case:
        kwargs["group"] = case["groups"]
    if "bias" in case:
        kwargs["has_bias"] = case["bias"]
    if "ceil_mode" in case:
        kwargs["ceil_mode"] = case["ceil_mode"]
    return CLASSES[(op, dims)], args, kwargs


def call_text(name, args, kwargs):
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"nn.{name}({', '.join(parts)})"


def error_text(e):
    lines = [ln for ln in str(e).strip().splitlines() if ln.strip()]
    return f"{type(e).__name__}: {lines[0].strip() if lines else ''}"[:300]


def run(case):
    name, args, kwargs = translate(case)
    rec = {"id": case["id"], "call": call_text(name, args, kwargs),
           "shape": None, "params": None, "error": None}
    try:
        layer = getattr(nn, name)(*args, **kwargs)
        x = ms.Tensor(np.zeros([1] + case["input"], dtype=np.float32))
        y = layer(x)
        if isinstance(y, tuple):
            y = y[0]
        shape = [int(d) for d in y.shape[1:]]
        rec["shape"] = shape
        rec["params"] = int(sum(int(np.prod(p.shape)) for p in layer.trainable_params()))
        if any(d <= 0 for d in shape):
            rec["error"] = f"empty: {shape}"
    except Exception as e:  # noqa: BLE001 - every refusal is data
        rec["shape"] = rec["params"] = None
        rec["error"] = error_text(e)
    return rec


def main():
    records = [run(c) for c in CASES]
    versions = {"python": platform.python_version(), "mindspore": ms.__version__,
                "numpy": np.__version__}
    head = ('{"framework": "mindspore",\n'
            f' "versions": {json.dumps(versions)},\n'
            ' "api": "mindspore.nn.Conv1d/Conv2d/Conv1dTranspose/Conv2dTranspose/'
            'MaxPool1d/MaxPool2d/AvgPool1d/AvgPool2d",\n'
            ' "cases": [\n')
    body = ",\n".join(json.dumps(r) for r in records)
    with open(os.path.join(HERE, "record.json"), "w") as f:
        f.write(head + body + "]}\n")
    ok = sum(r["error"] is None for r in records)
    empty = sum(bool(r["error"]) and r["error"].startswith("empty:") for r in records)
    print(f"{len(records)} cases: {ok} ok, {len(records) - ok - empty} error, {empty} empty")


if __name__ == "__main__":
    main()
