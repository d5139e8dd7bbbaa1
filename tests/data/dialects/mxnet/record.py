"""Record what MXNet Gluon computes for every case in ../cases.py; writes record.json here.

Run by hand in a scratch venv (never by CI):
    python -m venv /work/venvs/mxnet && /work/venvs/mxnet/bin/pip install mxnet==1.9.1 'numpy<1.24'
    /work/venvs/mxnet/bin/python tests/data/dialects/mxnet/record.py

Translation (neutral key -> MXNet Gluon argument; an absent key is not passed):
  op/dims        conv -> nn.Conv1D/Conv2D, conv_transpose -> nn.Conv1DTranspose/Conv2DTranspose,
                 maxpool -> nn.MaxPool1D/2D, avgpool -> nn.AvgPool1D/2D
  input [C, ...] a real mx.nd.zeros((1, C, ...)) in NCW / NCHW (the default layouts);
                 convolutions also get in_channels=C
  out_channels   channels (first positional)
  kernel_size    convolutions: kernel_size (second positional); pools: pool_size, always
                 passed (MXNet's own default is 2). A per-axis list becomes a tuple.
  stride         strides
  padding        padding: an int as is, a per-axis list as a tuple, "same"/"valid" as the
                 string (MXNet has no such mode; its refusal is recorded)
  dilation       dilation (convolutions); pools have none: passed as dilation= anyway
  groups         groups
  bias           use_bias
  output_padding output_padding (transposed convolutions)
  ceil_mode      ceil_mode (pools; Gluon turns it into Pooling's pooling_convention:
                 True -> 'full', False -> 'valid')
The layer is initialised (mx.init default, seeded) and run once; the shape is the output's
without the batch, params the sum of the sizes of layer.collect_params(), 0 for pools.
Errors: "Type: first line"; for an MXNetError the C++ traceback lines ("Traceback ...",
"  File ...") and the repeated "MXNetError: " prefix are dropped first, so the line kept is
the check that failed; the log time stamp is dropped and each layer is built in a fresh
NameManager, so operator names in messages do not depend on the order of the cases.
"""
import json
import os
import platform
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from cases import CASES  # noqa: E402

import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

CLASSES = {
    ("conv", 1): "Conv1D", ("conv", 2): "Conv2D",
    ("conv_transpose", 1): "Conv1DTranspose", ("conv_transpose", 2): "Conv2DTranspose",
    ("maxpool", 1): "MaxPool1D", ("maxpool", 2): "MaxPool2D",
    ("avgpool", 1): "AvgPool1D", ("avgpool", 2): "AvgPool2D",
}


def _tup(v):
    return tuple(v) if isinstance(v, list) else v


def translate(case):
    """(class name, positional args, keyword args) for one neutral case."""
    op = case["op"]
    conv = op in ("conv", "conv_transpose")
    args, kw = [], {}
    if conv:
        args = [case["out_channels"], _tup(case["kernel_size"])]
    else:
        kw["pool_size"] = _tup(case["kernel_size"])
    if "stride" in case:
        kw["strides"] = _tup(case["stride"])
    if "padding" in case:
        kw["padding"] = _tup(case["padding"])
    if "dilation" in case:
        kw["dilation"] = case["dilation"]  # pools: no such argument, passed anyway
    if "groups" in case:
        kw["groups"] = case["groups"]
    if "bias" in case:
        kw["use_bias"] = case["bias"]
    if "output_padding" in case:
        kw["output_padding"] = case["output_padding"]
    if "ceil_mode" in case:
        kw["ceil_mode"] = case["ceil_mode"]
    if conv:
        kw["in_channels"] = case["input"][0]
    return CLASSES[(op, case["dims"])], args, kw


def call_text(name, args, kw):
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kw.items()]
    return f"nn.{name}({', '.join(parts)})"


def error_text(exc):
    msg = str(exc)
    if isinstance(exc, mx.base.MXNetError):
        lines = [ln.strip() for ln in msg.splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith(("Traceback", "File "))]
        msg = lines[0] if lines else ""
        while msg.startswith("MXNetError: "):
            msg = msg[len("MXNetError: "):]
        msg = re.sub(r"\[\d\d:\d\d:\d\d\] ", "", msg)  # the log time stamp
    else:
        msg = msg.strip().splitlines()[0] if msg.strip() else ""
    return f"{type(exc).__name__}: {msg}"[:300]


def run(case):
    name, args, kw = translate(case)
    rec = {"id": case["id"], "call": call_text(name, args, kw),
           "shape": None, "params": None, "error": None}
    try:
        mx.random.seed(0)
        with mx.name.NameManager():  # operator names in messages restart per case
            layer = getattr(nn, name)(*args, **kw)
        layer.initialize()
        out = layer(mx.nd.zeros((1, *case["input"])))
        out.wait_to_read()
        params = sum(int(np.prod(p.shape)) for p in layer.collect_params().values())
    except Exception as exc:  # noqa: BLE001 - the refusal is the record
        rec["error"] = error_text(exc)
        return rec
    shape = [int(d) for d in out.shape[1:]]
    rec["shape"], rec["params"] = shape, params
    if any(d <= 0 for d in shape):
        rec["error"] = f"empty: {shape}"
    return rec


def main():
    records = [run(c) for c in CASES]
    head = {
        "framework": "mxnet",
        "versions": {"python": platform.python_version(), "mxnet": mx.__version__,
                     "numpy": np.__version__},
        "api": "mxnet.gluon.nn.Conv1D/Conv2D/Conv1DTranspose/Conv2DTranspose/"
               "MaxPool1D/MaxPool2D/AvgPool1D/AvgPool2D",
    }
    lines = [json.dumps(r) for r in records]
    text = ("{" + json.dumps(head)[1:-1].replace(', "versions"', ',\n "versions"')
            .replace(', "api"', ',\n "api"')
            + ',\n "cases": [\n' + ",\n".join(lines) + "]}\n")
    json.loads(text)
    with open(os.path.join(HERE, "record.json"), "w") as f:
        f.write(text)
    n_err = sum(1 for r in records if r["error"] and not r["error"].startswith("empty:"))
    n_empty = sum(1 for r in records if r["error"] and r["error"].startswith("empty:"))
    print(f"{len(records)} cases: {len(records) - n_err - n_empty} ok, "
          f"{n_err} error, {n_empty} empty")


if __name__ == "__main__":
    main()
