"""Record what JAX/flax.linen computes for every case in ../cases.py; writes record.json here.

Run by hand in a scratch venv (never by CI), on the CPU:
    python -m venv /work/venvs/jax && /work/venvs/jax/bin/pip install jax flax
    JAX_PLATFORMS=cpu /work/venvs/jax/bin/python tests/data/dialects/jax/record.py

Translation (neutral key -> flax.linen argument; an absent key is not passed):
  op/dims        conv -> nn.Conv, conv_transpose -> nn.ConvTranspose,
                 maxpool -> nn.max_pool, avgpool -> nn.avg_pool
  input [C, ...] a real jnp.zeros((1, ..., C)), channels last (N, L, C) / (N, H, W, C); the
                 recorded shape is turned back to channels first, without the batch
  out_channels   features
  kernel_size    convolutions: kernel_size; pools: window_shape; always a tuple, an int k
                 becoming (k,) * dims (flax reads an int kernel_size as ONE spatial axis)
  stride         strides, as a tuple (s,) * dims (pools need a tuple of the window's length)
  padding        an int p as p (flax Conv/ConvTranspose turn it into ((p, p), ...); the pools
                 refuse it, recorded); a per-axis list [a, b] as [(a, a), (b, b)];
                 "same" -> "SAME", "valid" -> "VALID"
  dilation       kernel_dilation (convolutions); pools have none: passed as dilation= anyway
  groups         feature_group_count (nn.Conv); nn.ConvTranspose has none: passed as groups=
  bias           use_bias
  output_padding flax has none: passed as output_padding= anyway
  ceil_mode      flax has none: passed as ceil_mode= anyway
Convolutions are initialised with jax.random.PRNGKey(0) and applied once; params is the
number of elements in the params tree, 0 for pools.  An error is "Type: first line".
"""
import json
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from cases import CASES  # noqa: E402

os.environ.setdefault("JAX_PLATFORMS", "cpu")
import flax  # noqa: E402
import flax.linen as nn  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402


def _axes(v, dims):
    return tuple(v) if isinstance(v, list) else (v,) * dims


def _padding(p):
    if isinstance(p, str):
        return p.upper()
    if isinstance(p, list):
        return [(a, a) for a in p]
    return p


def translate(case):
    """(callable name, keyword args) for one neutral case."""
    op, dims = case["op"], case["dims"]
    conv = op in ("conv", "conv_transpose")
    kw = {}
    if conv:
        kw["features"] = case["out_channels"]
        kw["kernel_size"] = _axes(case["kernel_size"], dims)
    else:
        kw["window_shape"] = _axes(case["kernel_size"], dims)
    if "stride" in case:
        kw["strides"] = _axes(case["stride"], dims)
    if "padding" in case:
        kw["padding"] = _padding(case["padding"])
    if "dilation" in case:
        kw["kernel_dilation" if conv else "dilation"] = case["dilation"]
    if "groups" in case:
        kw["feature_group_count" if op == "conv" else "groups"] = case["groups"]
    if "bias" in case:
        kw["use_bias"] = case["bias"]
    if "output_padding" in case:
        kw["output_padding"] = case["output_padding"]
    if "ceil_mode" in case:
        kw["ceil_mode"] = case["ceil_mode"]
    name = {"conv": "Conv", "conv_transpose": "ConvTranspose",
            "maxpool": "max_pool", "avgpool": "avg_pool"}[op]
    return name, kw


def call_text(name, kw, layout):
    parts = [f"{k}={v!r}" for k, v in kw.items()]
    if name in ("max_pool", "avg_pool"):
        parts.insert(0, f"x{layout}")
        return f"nn.{name}({', '.join(parts)})"
    return f"nn.{name}({', '.join(parts)})(x{layout})"


def error_text(exc):
    msg = str(exc).strip()
    msg = msg.splitlines()[0] if msg else ""
    return f"{type(exc).__name__}: {msg}"[:300]


def run(case):
    name, kw = translate(case)
    c, *spatial = case["input"]
    layout = list([1, *spatial, c])
    rec = {"id": case["id"], "call": call_text(name, kw, layout),
           "shape": None, "params": None, "error": None}
    x = jnp.zeros((1, *spatial, c), jnp.float32)
    try:
        if name in ("max_pool", "avg_pool"):
            out = getattr(nn, name)(x, **kw)
            params = 0
        else:
            layer = getattr(nn, name)(**kw)
            variables = layer.init(jax.random.PRNGKey(0), x)
            out = layer.apply(variables, x)
            params = sum(int(np.prod(a.shape))
                         for a in jax.tree_util.tree_leaves(variables.get("params", {})))
        out = jax.block_until_ready(out)
    except Exception as exc:  # noqa: BLE001 - the refusal is the record
        rec["error"] = error_text(exc)
        return rec
    shape = [int(out.shape[-1])] + [int(d) for d in out.shape[1:-1]]
    rec["shape"], rec["params"] = shape, params
    if any(d <= 0 for d in shape):
        rec["error"] = f"empty: {shape}"
    return rec


def main():
    records = [run(c) for c in CASES]
    head = {
        "framework": "jax",
        "versions": {"python": platform.python_version(), "jax": jax.__version__,
                     "jaxlib": jax.lib.__version__ if hasattr(jax.lib, "__version__")
                     else __import__("jaxlib").__version__,
                     "flax": flax.__version__, "numpy": np.__version__},
        "api": "flax.linen.Conv/ConvTranspose/max_pool/avg_pool",
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
