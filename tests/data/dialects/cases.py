"""The layer configurations every framework's recorder runs: one list, shared, seeded.

Each case is framework-neutral, in cnnshape's own vocabulary; a framework's ``record.py``
translates it into that framework's call (its own argument names and layout) and writes
what the framework computed.  A key that is absent means "the argument is not passed", so
the recordings capture each framework's defaults.

Keys: ``id``; ``op`` (conv, conv_transpose, maxpool, avgpool); ``dims`` (1 or 2);
``input`` ([C, L] or [C, H, W], channels first, no batch); for convolutions
``out_channels``; ``kernel_size`` (int, or one per axis); optional ``stride`` (int or per
axis), ``padding`` (int, per axis ints, "same" or "valid"), ``dilation`` (int), ``groups``
(int), ``bias`` (bool), ``output_padding`` (int), ``ceil_mode`` (bool).

Plain Python with no dependency, so every recorder's venv can import it by path:
``sys.path.insert(0, <this folder>); from cases import CASES``.
"""
import random

SEED = 20261201
PER_OP = 160  # sampled cases per (op, dims), before the hand-picked ones

OPS = ("conv", "conv_transpose", "maxpool", "avgpool")


def _size(rng):
    return rng.choice([rng.randint(1, 8), rng.randint(5, 40), rng.randint(20, 70)])


def _sample(rng, op, dims, n):
    case = {"id": f"{op}{dims}d-{n:03d}", "op": op, "dims": dims}
    channels = rng.choice([1, 2, 3, 4, 6, 8])
    case["input"] = [channels] + [_size(rng) for _ in range(dims)]
    if op in ("conv", "conv_transpose"):
        case["out_channels"] = rng.choice([1, 2, 4, 5, 8, 16])
    kernel = rng.randint(1, 6)
    if dims == 2 and rng.random() < 0.15:
        case["kernel_size"] = [kernel, rng.randint(1, 6)]
    else:
        case["kernel_size"] = kernel
    if rng.random() < 0.8:
        case["stride"] = rng.choice([1, 1, 2, 2, 3, 4])
    r = rng.random()
    if r < 0.2:
        pass  # padding not passed
    elif r < 0.4:
        case["padding"] = "same"
    elif r < 0.52:
        case["padding"] = "valid"
    elif r < 0.9 or dims == 1:
        case["padding"] = rng.choice([0, 0, 1, 1, 2, 3])
    else:
        case["padding"] = [rng.randint(0, 3) for _ in range(dims)]
    if op != "avgpool" and rng.random() < 0.45:
        case["dilation"] = rng.choice([1, 2, 2, 3])
    if op in ("conv", "conv_transpose"):
        if rng.random() < 0.65:
            case["bias"] = rng.random() < 0.5
        if rng.random() < 0.12 and channels % 2 == 0 and case["out_channels"] % 2 == 0:
            case["groups"] = 2
    if op == "conv_transpose" and rng.random() < 0.3:
        case["output_padding"] = rng.randint(0, 2)
    if op in ("maxpool", "avgpool") and rng.random() < 0.7:
        case["ceil_mode"] = rng.random() < 0.6
    return case


#: Hand-picked cases: the rules the issue names, and edges the sampler may miss.
HAND = [
    # MindSpore nn.Conv2d(3, 64, 3, stride=2) on 224: its defaults are pad_mode='same', no bias
    {"id": "hand-mindspore-conv", "op": "conv", "dims": 2, "input": [3, 224, 224],
     "out_channels": 64, "kernel_size": 3, "stride": 2},
    # k1 s2 on 32 with ceil: a window that would start past the input (17 vs 16)
    {"id": "hand-ceil-k1s2", "op": "maxpool", "dims": 2, "input": [4, 32, 32],
     "kernel_size": 1, "stride": 2, "ceil_mode": True},
    {"id": "hand-ceil-k1s2-avg", "op": "avgpool", "dims": 2, "input": [4, 32, 32],
     "kernel_size": 1, "stride": 2, "ceil_mode": True},
    {"id": "hand-ceil-k2s2-p1", "op": "maxpool", "dims": 2, "input": [2, 8, 8],
     "kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True},
    {"id": "hand-ceil-k3s2-p1-odd", "op": "avgpool", "dims": 1, "input": [2, 9],
     "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    # GoogLeNet's pools (Caffe): 3x3 stride 2, ceil, on 112, 56, 28 and 14
    *({"id": f"hand-googlenet-pool-{s}", "op": "maxpool", "dims": 2, "input": [64, s, s],
       "kernel_size": 3, "stride": 2, "ceil_mode": True} for s in (112, 56, 28, 14)),
    *({"id": f"hand-googlenet-pool-{s}-floor", "op": "maxpool", "dims": 2, "input": [64, s, s],
       "kernel_size": 3, "stride": 2} for s in (112, 56, 28, 14)),
    # 'same' with dilation (Paddle ignores dilation there), with stride > 1, even kernels
    {"id": "hand-same-dilated", "op": "conv", "dims": 2, "input": [3, 17, 17],
     "out_channels": 4, "kernel_size": 3, "dilation": 2, "padding": "same"},
    {"id": "hand-same-dilated-s2", "op": "conv", "dims": 2, "input": [3, 17, 17],
     "out_channels": 4, "kernel_size": 3, "stride": 2, "dilation": 2, "padding": "same"},
    {"id": "hand-same-stride2", "op": "conv", "dims": 2, "input": [3, 224, 224],
     "out_channels": 8, "kernel_size": 3, "stride": 2, "padding": "same"},
    {"id": "hand-same-even", "op": "conv", "dims": 1, "input": [2, 10],
     "out_channels": 2, "kernel_size": 4, "padding": "same"},
    {"id": "hand-same-pool-s2", "op": "maxpool", "dims": 2, "input": [3, 7, 7],
     "kernel_size": 3, "stride": 2, "padding": "same"},
    {"id": "hand-same-avgpool-s2", "op": "avgpool", "dims": 2, "input": [3, 7, 7],
     "kernel_size": 2, "stride": 2, "padding": "same"},
    {"id": "hand-same-maxpool-dilated", "op": "maxpool", "dims": 2, "input": [3, 9, 9],
     "kernel_size": 3, "dilation": 2, "padding": "same"},
    # transposed: 'same', 'valid', output_padding, defaults
    {"id": "hand-tconv-same-s2", "op": "conv_transpose", "dims": 2, "input": [4, 7, 7],
     "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": "same"},
    {"id": "hand-tconv-valid-s2", "op": "conv_transpose", "dims": 2, "input": [4, 7, 7],
     "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": "valid"},
    {"id": "hand-tconv-default", "op": "conv_transpose", "dims": 2, "input": [4, 7, 7],
     "out_channels": 4, "kernel_size": 4, "stride": 2},
    {"id": "hand-tconv-p1-op1", "op": "conv_transpose", "dims": 2, "input": [4, 7, 7],
     "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1},
    {"id": "hand-tconv-same-even", "op": "conv_transpose", "dims": 1, "input": [4, 7],
     "out_channels": 4, "kernel_size": 4, "stride": 2, "padding": "same"},
    # pool padding above half the kernel; pool defaults; a window wider than the input
    {"id": "hand-pool-pad-big", "op": "maxpool", "dims": 2, "input": [3, 8, 8],
     "kernel_size": 2, "stride": 2, "padding": 2},
    {"id": "hand-pool-defaults", "op": "maxpool", "dims": 2, "input": [3, 8, 8],
     "kernel_size": 2},
    {"id": "hand-avgpool-defaults", "op": "avgpool", "dims": 1, "input": [3, 9],
     "kernel_size": 3},
    {"id": "hand-conv-too-big", "op": "conv", "dims": 2, "input": [3, 4, 4],
     "out_channels": 2, "kernel_size": 5},
    {"id": "hand-conv-defaults", "op": "conv", "dims": 1, "input": [3, 20],
     "out_channels": 2, "kernel_size": 5},
    {"id": "hand-pool-too-big", "op": "maxpool", "dims": 2, "input": [3, 4, 4],
     "kernel_size": 5, "stride": 1},
    {"id": "hand-pool-too-big-ceil", "op": "maxpool", "dims": 2, "input": [3, 4, 4],
     "kernel_size": 5, "stride": 1, "ceil_mode": True},
]


def _build():
    rng = random.Random(SEED)
    cases = []
    for op in OPS:
        for dims in (1, 2):
            cases += [_sample(rng, op, dims, n) for n in range(PER_OP)]
    return cases + HAND


CASES = _build()
assert len({c["id"] for c in CASES}) == len(CASES)
