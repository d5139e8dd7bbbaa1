"""Record what PyTorch computes for every case in ../cases.py.

Run by hand (not by CI) with a Python that has torch:  python record.py
Writes record.json next to this file.

Translation (the neutral names are torch's own names):
  conv            -> torch.nn.Conv1d / Conv2d(in_channels, out_channels, kernel_size, ...)
  conv_transpose  -> torch.nn.ConvTranspose1d / ConvTranspose2d(in, out, kernel_size, ...)
  maxpool         -> torch.nn.MaxPool1d / MaxPool2d(kernel_size, ...)
  avgpool         -> torch.nn.AvgPool1d / AvgPool2d(kernel_size, ...)
  stride, padding, dilation, groups, bias, output_padding, ceil_mode -> same names;
  padding 'same'/'valid' passed as the string; per-axis padding as a tuple.
  A key absent from the case is not passed.
The layer is run on real zeros of shape [1] + input; shape = output shape without the batch.
params = sum(p.numel() for p in layer.parameters()) (0 for pools).
"""
import json
import os
import platform
import sys

import numpy
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from cases import CASES  # noqa: E402

CLASSES = {
    ("conv", 1): "Conv1d", ("conv", 2): "Conv2d",
    ("conv_transpose", 1): "ConvTranspose1d", ("conv_transpose", 2): "ConvTranspose2d",
    ("maxpool", 1): "MaxPool1d", ("maxpool", 2): "MaxPool2d",
    ("avgpool", 1): "AvgPool1d", ("avgpool", 2): "AvgPool2d",
}
KEYS = ("stride", "padding", "dilation", "groups", "bias", "output_padding", "ceil_mode")


def error_text(exc):
    lines = str(exc).strip().splitlines() or [""]
    return f"{type(exc).__name__}: {lines[0]}"[:300]


def record(case):
    name = CLASSES[(case["op"], case["dims"])]
    args = []
    if case["op"] in ("conv", "conv_transpose"):
        args += [case["input"][0], case["out_channels"]]
    ks = case["kernel_size"]
    args.append(tuple(ks) if isinstance(ks, list) else ks)
    kwargs = {}
    for key in KEYS:
        if key in case:
            value = case[key]
            kwargs[key] = tuple(value) if isinstance(value, list) else value
    call = f"nn.{name}(" + ", ".join(
        [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]) + ")"
    out = {"id": case["id"], "call": call, "shape": None, "params": None, "error": None}
    try:
        layer = getattr(torch.nn, name)(*args, **kwargs)
        with torch.no_grad():
            y = layer(torch.zeros([1] + case["input"]))
    except Exception as exc:  # noqa: BLE001 - the refusal is the data
        out["error"] = error_text(exc)
        return out
    shape = list(y.shape[1:])
    out["shape"] = shape
    out["params"] = sum(p.numel() for p in layer.parameters())
    if any(s <= 0 for s in shape):
        out["error"] = f"empty: {shape}"
    return out


def main():
    torch.manual_seed(0)
    rows = [record(c) for c in CASES]
    head = {
        "framework": "torch",
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "numpy": numpy.__version__},
        "api": "torch.nn.Conv1d/Conv2d/ConvTranspose1d/ConvTranspose2d/"
               "MaxPool1d/MaxPool2d/AvgPool1d/AvgPool2d",
    }
    text = json.dumps(head)[:-1] + ',\n "cases": [\n'
    text += ",\n".join(json.dumps(r) for r in rows) + "]}\n"
    with open(os.path.join(HERE, "record.json"), "w") as f:
        f.write(text)
    ok = sum(r["error"] is None for r in rows)
    empty = sum(bool(r["error"]) and r["error"].startswith("empty:") for r in rows)
    print(f"{len(rows)} cases: {ok} ok, {len(rows) - ok - empty} error, {empty} empty")


if __name__ == "__main__":
    main()
