"""Differential tests: our shapes, params and MACs against PyTorch's real modules.

Thousands of seeded random configurations (conv 1/2/3D, transposed, max/avg/
adaptive pool, dilation, groups, ceil mode, boundary sizes) go through both;
they must agree on the shape and parameter count, and refuse the same ones.
"""
import random

import pytest

torch = pytest.importorskip("torch", reason="torch absent: pip install '.[conformance]'")
nn = torch.nn
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from cnnshape.layers import (  # noqa: E402
    Problem,  # noqa: E402
    Problems,
    all_kinds,
)

REGISTRY = all_kinds()

CASES = 4000
KINDS = ("conv", "conv_transpose", "maxpool", "avgpool", "adaptive_avgpool", "adaptive_maxpool")
TORCH = {"conv": "Conv", "conv_transpose": "ConvTranspose", "maxpool": "MaxPool",
         "avgpool": "AvgPool", "adaptive_avgpool": "AdaptiveAvgPool",
         "adaptive_maxpool": "AdaptiveMaxPool"}


def per_axis(rng, dims, low, high):
    """An int, or a list with one value per axis: both spellings must work."""
    if rng.random() < 0.5:
        return rng.randint(low, high)
    return [rng.randint(low, high) for _ in range(dims)]


def expand(v, dims):
    return list(v) if isinstance(v, list) else [v] * dims


def random_case(rng):
    kind = rng.choice(KINDS)
    dims = rng.choice((1, 2, 2, 3))
    high = {1: 40, 2: 24, 3: 10}[dims]
    channels = rng.choice((1, 2, 3, 4, 6, 8))
    kernel = per_axis(rng, dims, 1, 5)
    # boundary sizes: often just around the window's span
    span = [k for k in expand(kernel, dims)]
    sizes = [max(1, s + rng.randint(-2, 3)) if rng.random() < 0.4 else rng.randint(1, high)
             for s in span]
    fields = {}
    if kind in ("conv", "conv_transpose"):
        groups = rng.choice((1, 1, 1, 2, 3))
        fields = {"out_channels": rng.choice((1, 2, 3, 4, 6)) * (groups if rng.random() < 0.9
                                                                  else 1),
                  "kernel_size": kernel, "stride": per_axis(rng, dims, 1, 3),
                  "padding": per_axis(rng, dims, 0, 3), "dilation": per_axis(rng, dims, 1, 3),
                  "groups": groups, "bias": rng.random() < 0.7}
        if kind == "conv_transpose":
            fields["output_padding"] = per_axis(rng, dims, 0, 2)
        if kind == "conv" and rng.random() < 0.1:
            fields["padding"], fields["stride"] = "same", 1
        if kind == "conv" and rng.random() < 0.05:
            fields["padding"] = "valid"
        if rng.random() < 0.9 and channels % groups:
            channels = groups * rng.choice((1, 2))
    elif kind in ("maxpool", "avgpool"):
        fields = {"kernel_size": kernel, "padding": per_axis(rng, dims, 0, 2),
                  "ceil_mode": rng.random() < 0.5}
        if rng.random() < 0.7:
            fields["stride"] = per_axis(rng, dims, 1, 3)
        if kind == "maxpool" and rng.random() < 0.5:
            fields["dilation"] = per_axis(rng, dims, 1, 2)
    else:
        fields = {"output_size": per_axis(rng, dims, 1, 7)}
    if rng.random() < 0.05:
        # a value torch refuses: a zero window, stride or size, a negative padding
        key = rng.choice(sorted(set(fields) & {"kernel_size", "stride", "padding", "dilation",
                                               "output_size", "out_channels"}))
        fields[key] = -1 if key == "padding" else 0
    return kind, dims, channels, sizes, fields


def ours(kind, dims, channels, sizes, fields):
    """(output shape, params, macs) or the refusal's code."""
    try:
        layer = REGISTRY[f"{kind}{dims}d"].build(fields)
        x = (channels, *sizes)
        y = layer.output_shape(x)
        c = layer.cost(x, y)
        return y, c.params, c.macs
    except Problems as e:
        return e.problems[0].code
    except Problem as p:
        return p.code


def torch_module(kind, dims, channels, fields):
    cls = getattr(nn, f"{TORCH[kind]}{dims}d")
    if kind in ("conv", "conv_transpose"):
        f = dict(fields)
        return cls(channels, f.pop("out_channels"), **{k: tuple(v) if isinstance(v, list) else v
                                                        for k, v in f.items()})
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})


def theirs(kind, dims, channels, sizes, fields, count_macs):
    """(output shape, params, macs) from torch, or None where torch refuses."""
    try:
        m = torch_module(kind, dims, channels, fields)
        x = torch.zeros(1, channels, *sizes)
        with torch.no_grad():
            if count_macs:
                with FlopCounterMode(display=False) as counter:
                    y = m(x)
                macs = counter.get_total_flops() // 2
            else:
                y = m(x)
                macs = None
    except (RuntimeError, ValueError):
        return None
    if y.numel() == 0:  # torch hands back an empty tensor for a 0 size; we refuse
        return None
    return tuple(y.shape[1:]), sum(p.numel() for p in m.parameters()), macs


def test_random_configurations_agree_with_torch():
    rng = random.Random(20261123)
    torch.manual_seed(0)
    disagreements, refused, agreed = [], 0, 0
    for _ in range(CASES):
        case = random_case(rng)
        kind = case[0]
        mine = ours(*case)
        ref = theirs(*case, count_macs=kind.startswith("conv"))
        if ref is None:
            if isinstance(mine, str):
                refused += 1
            else:
                disagreements.append((case, mine, "torch refuses"))
            continue
        if isinstance(mine, str):
            disagreements.append((case, mine, ref))
            continue
        shape, params, macs = ref
        if mine[0] != shape or mine[1] != params or (macs is not None and mine[2] != macs):
            disagreements.append((case, mine, ref))
        else:
            agreed += 1
    assert not disagreements, "\n".join(map(str, disagreements[:20]))
    # both outcomes must be exercised, or the test proves little
    assert agreed > CASES // 2 and refused > CASES // 20, (agreed, refused)
    print(f"{CASES} cases: {agreed} agreed with torch, {refused} refused by both")


@pytest.mark.parametrize("size", range(1, 40))
@pytest.mark.parametrize("kernel,stride,padding", [(1, 2, 0), (3, 2, 1), (2, 2, 0), (3, 3, 1),
                                                   (4, 3, 2), (5, 4, 2)])
def test_ceil_mode_last_window_rule(size, kernel, stride, padding):
    """Every small size through torch's ceil-mode pool, where the last-window rule bites."""
    case = ("maxpool", 1, 1, [size], {"kernel_size": kernel, "stride": stride,
                                       "padding": padding, "ceil_mode": True})
    ref = theirs(*case, count_macs=False)
    mine = ours(*case)
    if ref is None:
        assert isinstance(mine, str)
    else:
        assert mine[0] == ref[0]


@pytest.mark.parametrize("size", range(1, 30))
@pytest.mark.parametrize("kernel,dilation", [(1, 1), (2, 1), (3, 1), (4, 1), (3, 2), (2, 3),
                                             (5, 2)])
def test_same_padding_matches_torch_at_stride_1(size, kernel, dilation):
    """torch's padding='same' (stride 1 only) puts the odd pixel at the end, as SAME_UPPER."""
    from cnnshape import arithmetic as ar
    conv = nn.Conv1d(1, 1, kernel, padding="same", dilation=dilation, bias=False)
    total = dilation * (kernel - 1)
    # torch pads the odd pixel on the right: reproduce its output with explicit padding
    left = total // 2
    x = torch.arange(float(size)).reshape(1, 1, size)
    explicit = torch.nn.functional.conv1d(torch.nn.functional.pad(x, (left, total - left)),
                                          conv.weight, dilation=dilation)
    assert torch.equal(conv(x), explicit)
    assert ar.same_padding(size, kernel, 1, dilation) == (left, total - left)


def test_asymmetric_padding_matches_explicit_pad():
    """[begin, end] pairs equal torch's F.pad followed by an unpadded conv."""
    rng = random.Random(7)
    for _ in range(300):
        dims = rng.choice((1, 2, 3))
        sizes = [rng.randint(3, 12) for _ in range(dims)]
        pads = [[rng.randint(0, 3), rng.randint(0, 3)] for _ in range(dims)]
        k, s = rng.randint(1, 3), rng.randint(1, 3)
        layer = REGISTRY[f"conv{dims}d"].build({"out_channels": 2, "kernel_size": k,
                                                "stride": s, "padding": pads})
        x = torch.zeros(1, 1, *sizes)
        flat = [v for pair in reversed(pads) for v in pair]  # F.pad wants last axis first
        y = getattr(nn, f"Conv{dims}d")(1, 2, k, s)(torch.nn.functional.pad(x, flat))
        assert layer.output_shape((1, *sizes)) == tuple(y.shape[1:])


def test_conv_macs_match_flop_counter_on_a_known_layer():
    """Worked example 1: 96 filters of 12x12 on 3x256x256, stride 4, padding 2."""
    layer = REGISTRY["conv2d"].build({"out_channels": 96, "kernel_size": 12, "stride": 4,
                                      "padding": 2})
    m = nn.Conv2d(3, 96, 12, 4, 2)
    with FlopCounterMode(display=False) as counter:
        y = m(torch.zeros(1, 3, 256, 256))
    x = (3, 256, 256)
    out = layer.output_shape(x)
    assert out == tuple(y.shape[1:]) == (96, 63, 63)
    assert layer.cost(x, out).macs == counter.get_total_flops() // 2
    assert layer.cost(x, out).params == sum(p.numel() for p in m.parameters()) == 41_568


import cnnshape  # noqa: E402

# (inline layer, input shape, the torch module) for every kind beyond conv and pool
KINDS_VS_TORCH = [
    ("linear 10", (20,), lambda: nn.Linear(20, 10)),
    ("linear 7 bias=false", (3,), lambda: nn.Linear(3, 7, bias=False)),
    ("flatten", (3, 4, 5), lambda: nn.Flatten(0)),
    ("batchnorm", (6, 4, 4), lambda: nn.BatchNorm2d(6)),
    ("batchnorm1d", (6, 9), lambda: nn.BatchNorm1d(6)),
    ("batchnorm3d affine=false", (6, 2, 4, 4), lambda: nn.BatchNorm3d(6, affine=False)),
    ("dropout 0.3", (6, 4, 4), lambda: nn.Dropout(0.3)),
    ("relu6", (6, 4, 4), nn.ReLU6),
    ("leaky_relu negative_slope=0.2", (6, 4), lambda: nn.LeakyReLU(0.2)),
    ("prelu num_parameters=6", (6, 4, 4), lambda: nn.PReLU(6)),
    ("prelu", (6, 4, 4), nn.PReLU),
    ("gelu", (6, 4, 4), nn.GELU),
    ("softmax", (10,), lambda: nn.Softmax(0)),
    ("lrn 5 alpha=0.0001 beta=0.75 k=2", (96, 55, 55),
     lambda: nn.LocalResponseNorm(5, 1e-4, 0.75, 2)),
    ("zeropad2d padding=[[1,2],[3,4]]", (3, 5, 5), lambda: nn.ZeroPad2d((3, 4, 1, 2))),
    ("zeropad1d 2", (3, 5), lambda: nn.ZeroPad1d(2)),
    ("upsample 2", (3, 5, 7), lambda: nn.Upsample(scale_factor=2)),
    ("upsample 1.5", (3, 5, 7), lambda: nn.Upsample(scale_factor=1.5)),
    ("upsample size=9x4", (3, 5, 7), lambda: nn.Upsample(size=(9, 4))),
    ("identity", (3, 5, 7), nn.Identity),
    ("global_avgpool", (8, 5, 7), lambda: nn.AdaptiveAvgPool2d(1)),
    ("conv_transpose2d 8 k4 s2 p1", (3, 16, 16), lambda: nn.ConvTranspose2d(3, 8, 4, 2, 1)),
]


@pytest.mark.parametrize("text,shape,make", KINDS_VS_TORCH, ids=[k[0] for k in KINDS_VS_TORCH])
def test_every_kind_matches_torch(text, shape, make):
    """A layer spec string and the torch module it stands for: same shape, same params."""
    if text.startswith("zeropad2d"):  # a per-axis pair list does not fit an inline token
        spec = {"input": list(shape), "layers": [{"type": "zeropad2d",
                                                  "padding": [[1, 2], [3, 4]]}]}
    else:
        spec = {"input": list(shape), "layers": [text]}
    row = cnnshape.analyze(spec).layers[0]
    m = make().eval()
    with torch.no_grad():
        y = m(torch.zeros(1, *shape)) if text != "flatten" else m(torch.zeros(*shape))
    expected = tuple(y.shape[1:]) if text != "flatten" else tuple(y.shape)
    assert row.output_shape == expected
    assert row.params == sum(p.numel() for p in m.parameters())
    if text.startswith("batchnorm") and "affine" not in text:
        assert row.non_trainable_params == 2 * shape[0]  # running mean and variance


# --- issue 12 section 7: every kind accepts exactly the input ranks torch builds -------------

C = 3  # every size is C, so no refusal comes from a size: only from the rank


def _by_rank(make):
    """A module chosen by the input's spatial axes (cnnshape's batchnorm, global pools); an
    input with no torch module for its rank is refused."""
    def run(x):
        try:
            module = make(x.dim() - 2)
        except AttributeError as e:
            raise ValueError(str(e)) from e
        return module(x)
    return lambda: run


RANK_MODULES = {"linear": lambda: nn.Linear(C, 5), "flatten": nn.Flatten,
                "lrn": lambda: nn.LocalResponseNorm(2), "dropout": nn.Dropout,
                "upsample": lambda: nn.Upsample(scale_factor=2),
                "softmax": lambda: nn.Softmax(1), "log_softmax": lambda: nn.LogSoftmax(1),
                "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "prelu": nn.PReLU,
                "identity": nn.Identity,
                "batchnorm": _by_rank(lambda s: getattr(nn, f"BatchNorm{max(s, 1)}d")(C)),
                "global_avgpool": _by_rank(lambda s: getattr(nn, f"AdaptiveAvgPool{s}d")(1)),
                "global_maxpool": _by_rank(lambda s: getattr(nn, f"AdaptiveMaxPool{s}d")(1)),
                "concat": lambda: lambda x: torch.cat([x, x], 1), "add": lambda: lambda x: x + x,
                "mul": lambda: lambda x: x * x,
                "layernorm": lambda: nn.LayerNorm(C), "groupnorm": lambda: nn.GroupNorm(1, C),
                "layernorm2d": lambda: lambda x: nn.LayerNorm(C)(x.permute(0, 2, 3, 1)).permute(
                    0, 3, 1, 2),  # torchvision's ConvNeXt LayerNorm2d
                "layer_scale": lambda: lambda x: torch.ones(C, *[1] * (x.dim() - 2)) * x,
                "stochastic_depth": lambda: lambda x: x * torch.ones(x.shape[0],
                                                                     *[1] * (x.dim() - 1)),
                "permute": lambda: lambda x: x.permute(0, *reversed(range(1, x.dim()))),
                "reshape": lambda: lambda x: x.reshape(x.shape[0], -1),
                "unflatten": lambda: nn.Unflatten(1, (C,)),
                "channel_shuffle": lambda: nn.ChannelShuffle(C),
                "pixel_shuffle": lambda: nn.PixelShuffle(1),
                "pixel_unshuffle": lambda: nn.PixelUnshuffle(1),
                "split": lambda: lambda x: torch.split(x, 2, 1),
                "chunk": lambda: lambda x: torch.chunk(x, 2, 1),
                "matmul": lambda: lambda x: torch.matmul(x, x),
                "reshape_as": lambda: lambda x: x.reshape_as(x),
                "interpolate_as": lambda: lambda x: nn.functional.interpolate(
                    x, size=x.shape[2:], mode="nearest")}
for _name, _torch in (("relu", "ReLU"), ("relu6", "ReLU6"), ("selu", "SELU"), ("gelu", "GELU"),
                      ("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("silu", "SiLU"),
                      ("hardswish", "Hardswish"), ("hardsigmoid", "Hardsigmoid"),
                      ("mish", "Mish"), ("softplus", "Softplus")):
    RANK_MODULES[_name] = getattr(nn, _torch)
for _d in (1, 2, 3):
    RANK_MODULES |= {
        f"conv{_d}d": lambda d=_d: getattr(nn, f"Conv{d}d")(C, 4, 1),
        f"conv_transpose{_d}d": lambda d=_d: getattr(nn, f"ConvTranspose{d}d")(C, 4, 1),
        f"maxpool{_d}d": lambda d=_d: getattr(nn, f"MaxPool{d}d")(1),
        f"avgpool{_d}d": lambda d=_d: getattr(nn, f"AvgPool{d}d")(1),
        f"adaptive_avgpool{_d}d": lambda d=_d: getattr(nn, f"AdaptiveAvgPool{d}d")(1),
        f"adaptive_maxpool{_d}d": lambda d=_d: getattr(nn, f"AdaptiveMaxPool{d}d")(1),
        f"batchnorm{_d}d": lambda d=_d: getattr(nn, f"BatchNorm{d}d")(C),
        f"dropout{_d}d": lambda d=_d: getattr(nn, f"Dropout{d}d")(),
        f"zeropad{_d}d": lambda d=_d: getattr(nn, f"ZeroPad{d}d")(1),
        f"instancenorm{_d}d": lambda d=_d: getattr(nn, f"InstanceNorm{d}d")(C)}
RANK_INLINE = {"conv": "4 k1", "conv_transpose": "4 k1", "maxpool": "1", "avgpool": "1",
               "adaptive_avgpool": "1", "adaptive_maxpool": "1", "zeropad": "1",
               "linear": f"5 in_features={C}", "upsample": "2", "lrn": "2", "layernorm": C,
               "layernorm2d": "",
               "groupnorm": "1", "stochastic_depth": "0.1", "reshape": "-1",
               "unflatten": f"dim=0 unflattened_size={C}", "channel_shuffle": C,
               "pixel_shuffle": "1", "pixel_unshuffle": "1",
               "permute": lambda rank: ",".join(map(str, reversed(range(rank))))}
NO_TORCH = {"subsampling2d", "partial_conv2d", "rbf"}  # LeNet-5's own layers
# Ranks (of a sample: channels first, no batch) torch runs but reads another way than
# cnnshape's [C, *spatial] with a batch in front; cnnshape cannot express them.
UNBATCHED = "torch reads (N, *sample) as one unbatched sample"
LAST_AXES = "torch works on the last axes of any input, the others as batch"
READ_OTHERWISE = {
    **{f"{k}{d}d": {d: UNBATCHED} for k in ("maxpool", "avgpool", "adaptive_maxpool")
       for d in (1, 2, 3)},
    "adaptive_avgpool1d": {1: UNBATCHED},
    "adaptive_avgpool2d": {1: LAST_AXES, 2: UNBATCHED, 4: LAST_AXES},
    "adaptive_avgpool3d": {2: LAST_AXES, 3: UNBATCHED},
    "dropout1d": {1: UNBATCHED}, "dropout3d": {3: UNBATCHED},
    "pixel_shuffle": {2: UNBATCHED, 4: LAST_AXES}, "pixel_unshuffle": {2: UNBATCHED, 4: LAST_AXES},
    "zeropad1d": {1: UNBATCHED, 3: LAST_AXES, 4: LAST_AXES},
    "zeropad2d": {1: LAST_AXES, 2: UNBATCHED, 4: LAST_AXES},
    "zeropad3d": {2: LAST_AXES, 3: UNBATCHED},
}


def torch_runs(kind, rank):
    """Whether torch builds the kind on zeros of (2, C, ...) with ``rank`` sample axes, in
    training and in eval mode, without a warning (dropout2d/3d warn that other ranks are
    deprecated and will be errors)."""
    import warnings
    m = RANK_MODULES[kind]()
    for train in (True, False):
        if isinstance(m, nn.Module):
            m.train(train)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with torch.no_grad():
                    m(torch.zeros(2, *[C] * rank))
            except (RuntimeError, ValueError, IndexError, NotImplementedError):
                return False
        if any("NumPy" not in str(w.message) for w in caught):
            return False
    return True


def cnnshape_runs(kind, rank):
    stem = kind[:-2] if kind[-1] == "d" and kind[-2].isdigit() else kind
    fields = RANK_INLINE.get(kind, RANK_INLINE.get(stem, ""))
    layer = f"{kind} {fields(rank) if callable(fields) else fields}".strip()
    if REGISTRY[kind].merges:
        layer = {"type": kind, "inputs": ["input", "input"]}
    layers = [layer]
    if REGISTRY[kind].splits:  # a network cannot end in a split: read a part
        layers = [f"{kind} 2 name=s", "identity inputs=s.0"]
    try:
        cnnshape.analyze({"input": [C] * rank, "layers": layers})
    except cnnshape.SpecError as e:
        assert {d.code for d in e.diagnostics} <= {"CS205", "CS206"}, e.diagnostics
        return False
    return True


def test_every_kind_is_audited_for_ranks():
    assert set(REGISTRY) == set(RANK_MODULES) | NO_TORCH


@pytest.mark.parametrize("kind", sorted(RANK_MODULES))
def test_a_kind_accepts_exactly_the_ranks_torch_builds(kind):
    """dropout1d on [3, 8, 8] and lrn on [8] were accepted; torch refuses both."""
    theirs_ = {r for r in range(1, 5) if torch_runs(kind, r)}
    ours_ = {r for r in range(1, 5) if cnnshape_runs(kind, r)}
    assert ours_ <= theirs_, f"{kind}: cnnshape accepts ranks {sorted(ours_ - theirs_)} torch refuses"
    assert theirs_ - ours_ == set(READ_OTHERWISE.get(kind, {})), kind
    assert set(REGISTRY[kind].ranks) == ours_  # the declaration is what the engine applies


# --- issue 13: the vocabulary of modern blocks, each against torch over random configurations --
#
# cnnshape's side is the layer object the spec builds, checked as the engine checks it (the
# rank, then the shape, then the cost); torch's is the module run on zeros of a batch of 2 and
# of 3, which must agree on the sample's shape (a merge whose paths differ in rank broadcasts
# the batch axis of one against a sample axis of the other: it holds for one batch size only).

def ours_kind(kind, fields, shapes):
    """(output shape, params, non-trainable, macs) or the refusal's code."""
    try:
        layer = REGISTRY[kind].build(fields)
        for x in shapes:
            layer.expect_rank(x)
        xs = tuple(shapes) if layer.merges else shapes[0]
        y = layer.output_shape(xs)
        c = layer.cost(xs, y)
        return y, c.params, c.non_trainable_params, c.macs
    except Problems as e:
        return e.problems[0].code
    except Problem as p:
        return p.code


def theirs_kind(make, shapes):
    """(sample shape, params, buffers less BatchNorm-style counters, macs) from torch, or None
    where torch refuses (or gives an empty tensor, or a shape that depends on the batch)."""
    out = None
    for batch, train in ((2, True), (3, False)):  # training and inference: both must build
        try:
            m = make()
            if isinstance(m, nn.Module):
                m.train(train)
            with torch.no_grad(), FlopCounterMode(display=False) as counter:
                y = m(*[torch.zeros(batch, *s) for s in shapes])
        except (RuntimeError, ValueError, IndexError, TypeError):
            return None
        if y.numel() == 0 or y.shape[0] != batch:
            return None
        params = buffers = 0
        if isinstance(m, nn.Module):
            params = sum(p.numel() for p in m.parameters())
            buffers = sum(b.numel() for n, b in m.named_buffers()
                          if not n.endswith("num_batches_tracked"))
        got = (tuple(y.shape[1:]), params, buffers, counter.get_total_flops() // 2 // batch)
        if out is not None and got != out:
            return None
        out = got
    return out


def run_cases(generate, n, seed, need_refused=True):
    """n random cases from ``generate(rng) -> (kind, fields, shapes, make)``: both agree or
    both refuse.  Returns (agreed, refused) for the commit message."""
    rng = random.Random(seed)
    torch.manual_seed(0)
    bad, agreed, refused = [], 0, 0
    for _ in range(n):
        kind, fields, shapes, make = generate(rng)
        mine, ref = ours_kind(kind, fields, shapes), theirs_kind(make, shapes)
        if ref is None or isinstance(mine, str):
            if ref is None and isinstance(mine, str):
                refused += 1
            else:
                bad.append((kind, fields, shapes, mine, ref or "torch refuses"))
        elif mine != ref:
            bad.append((kind, fields, shapes, mine, ref))
        else:
            agreed += 1
    assert not bad, "\n".join(map(str, bad[:20]))
    assert agreed > n // 3 and (refused > n // 50 or not need_refused), (agreed, refused)
    return agreed, refused


def _size(rng):
    return rng.choice((1, 1, 2, 3, 4, 5, 6, 8))


def merge_case(rng):
    """Two or three paths: mostly one rank, each axis the common size or 1, sometimes not."""
    kind = rng.choice(("mul", "mul", "add"))
    rank = rng.randint(1, 4)
    base = [rng.randint(1, 6) for _ in range(rank)]
    shapes = []
    for _ in range(rng.choice((2, 2, 3))):
        s = [b if rng.random() < 0.6 else 1 for b in base]
        if rng.random() < 0.1:
            s[rng.randrange(rank)] = rng.randint(1, 6)
        if rng.random() < 0.1:
            s = s[rng.randint(1, rank):] or [rng.randint(1, 6)] if rank > 1 else s + [2]
        shapes.append(tuple(s))
    fields = {"broadcast": True} if kind == "add" and rng.random() < 0.7 else {}

    def make():
        def run(*xs):
            if kind == "add" and not fields and len({x.shape for x in xs}) > 1:
                raise ValueError("add without broadcast: shapes must be equal")
            y = xs[0]
            for x in xs[1:]:
                y = y * x if kind == "mul" else y + x
            return y
        return run
    return kind, fields, shapes, make


def test_mul_and_add_broadcast_as_torch():
    """torch's * and + on batched paths; add broadcasts only when told (its default, one
    shape, is what a residual needs: the mismatch is the bug cnnshape exists to catch)."""
    agreed, refused = run_cases(merge_case, 1500, 1301)
    print(f"mul/add: {agreed} agreed with torch, {refused} refused by both")


def test_add_names_both_shapes_and_suggests_mul_for_a_gate():
    with pytest.raises(cnnshape.SpecError) as e:
        cnnshape.analyze({"input": [16, 8, 8], "layers": [
            {"add": [[], ["adaptive_avgpool2d 1"]]}]})
    message = str(e.value.diagnostics[0])
    assert "[16, 8, 8] and [16, 1, 1]" in message and "use mul" in message


def norm_case(rng):
    kind = rng.choice(("layernorm", "layernorm2d", "groupnorm", "instancenorm1d",
                       "instancenorm2d", "instancenorm3d"))
    rank = rng.randint(1, 4)
    x = tuple(_size(rng) for _ in range(rank))
    if kind == "layernorm":
        n = rng.randint(1, rank)
        shape = list(x[-n:])
        if rng.random() < 0.1:
            shape[0] += 1
        fields = {"normalized_shape": shape if n > 1 or rng.random() < 0.5 else shape[0],
                  "elementwise_affine": rng.random() < 0.7, "bias": rng.random() < 0.7}
        return kind, fields, [x], lambda: nn.LayerNorm(shape, **{
            k: fields[k] for k in ("elementwise_affine", "bias")})
    if kind == "layernorm2d":
        fields = {"elementwise_affine": rng.random() < 0.7, "bias": rng.random() < 0.7,
                  "eps": 1e-6}
        if rng.random() < 0.3:
            fields["normalized_shape"] = x[0] + (rng.random() < 0.2)

        def make():  # torchvision.models.convnext.LayerNorm2d, as its source writes it
            ln = nn.LayerNorm(fields.get("normalized_shape", x[0]), eps=1e-6,
                              elementwise_affine=fields["elementwise_affine"],
                              bias=fields["bias"])

            class LayerNorm2d(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.ln = ln

                def forward(self, t):
                    return self.ln(t.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
            return LayerNorm2d()
        return kind, fields, [x], make
    if kind == "groupnorm":
        groups = rng.choice([g for g in range(1, 9) if x[0] % g == 0] if rng.random() < 0.85
                            else [3, 5, 7])
        fields = {"num_groups": groups, "affine": rng.random() < 0.7}
        if rng.random() < 0.3:
            fields["num_channels"] = x[0]
        return kind, fields, [x], lambda: nn.GroupNorm(groups, x[0], affine=fields["affine"])
    dims = int(kind[-2])
    flags = {"affine": rng.random() < 0.5, "track_running_stats": rng.random() < 0.5}
    fields = dict(flags, **({"num_features": x[0]} if rng.random() < 0.3 else {}))

    def make():
        if rank == dims:  # torch reads (N, C, ...) one axis short as one unbatched sample
            raise ValueError(UNBATCHED)
        return getattr(nn, f"InstanceNorm{dims}d")(x[0], **flags)
    return kind, fields, [x], make


def test_norms_agree_with_torch():
    """LayerNorm, ConvNeXt's LayerNorm2d, GroupNorm, InstanceNorm1d/2d/3d: shapes, params,
    running statistics as non-trainable, no MACs (FlopCounterMode counts none)."""
    agreed, refused = run_cases(norm_case, 1500, 1302)
    print(f"norms: {agreed} agreed with torch, {refused} refused by both")


def scale_case(rng):
    kind = rng.choice(("layer_scale", "stochastic_depth"))
    rank = rng.randint(1, 4)
    x = tuple(_size(rng) for _ in range(rank))
    if kind == "stochastic_depth":
        fields = {"p": rng.choice((0.0, 0.1, 0.5)), "mode": rng.choice(("row", "batch"))}

        def make():  # torchvision.ops.StochasticDepth at inference: the identity
            class StochasticDepth(nn.Module):
                def forward(self, t):
                    if not self.training or fields["p"] == 0.0:
                        return t
                    size = [t.shape[0]] + [1] * (t.ndim - 1) if fields["mode"] == "row" \
                        else [1] * t.ndim
                    return t * torch.empty(size).bernoulli_(1 - fields["p"])
            return StochasticDepth()
        return kind, fields, [x], make
    dim = rng.choice((0, 0, -1, rank - 1, rank, -rank - 1))
    fields = {"dim": dim, "init_values": 1e-6}
    if rng.random() < 0.3:
        fields["num_features"] = x[dim] if -rank <= dim < rank else 1

    def make():  # torchvision's CNBlock (dim 0: [C, 1, 1]); timm's LayerScale (dim -1: [C])
        d = dim % rank
        gamma = nn.Parameter(torch.ones(x[d], *[1] * (rank - 1 - d)) * 1e-6)

        class LayerScale(nn.Module):
            def __init__(self):
                super().__init__()
                self.gamma = gamma

            def forward(self, t):
                return self.gamma * t
        if not -rank <= dim < rank:
            raise ValueError("dim out of range")
        return LayerScale()
    return kind, fields, [x], make


def test_layer_scale_and_stochastic_depth_agree_with_torch():
    agreed, refused = run_cases(scale_case, 600, 1303)
    print(f"layer_scale/stochastic_depth: {agreed} agreed with torch, {refused} refused")


def rearrange_case(rng):
    kind = rng.choice(("permute", "reshape", "unflatten", "channel_shuffle", "pixel_shuffle",
                       "pixel_unshuffle"))
    rank = rng.randint(1, 4)
    x = tuple(_size(rng) for _ in range(rank))
    if kind == "permute":
        order = list(range(rank))
        rng.shuffle(order)
        order = [d - rank if rng.random() < 0.2 else d for d in order]
        if rng.random() < 0.1:
            order[0] = order[-1] if rank > 1 else 5
        if rng.random() < 0.05:
            order = order + [0]
        return kind, {"order": order}, [x], lambda: lambda t: t.permute(
            0, *[d + 1 if d >= 0 else d for d in order])
    if kind in ("reshape", "unflatten"):
        total = prod_(x) if kind == "reshape" else None
        d = rng.randrange(rank) - (rank if rng.random() < 0.3 else 0)
        n = x[d] if kind == "unflatten" else total
        sizes = factor(rng, n, rng.randint(1, 4 if kind == "reshape" else 3))
        if rng.random() < 0.4:
            sizes[rng.randrange(len(sizes))] = -1
        if rng.random() < 0.08:
            sizes[0] += 1
        if rng.random() < 0.03:
            sizes = [-1, -1]
        if kind == "reshape":
            return kind, {"shape": sizes}, [x], lambda: lambda t: five_axes(
                t.reshape(t.shape[0], *sizes))
        return kind, {"dim": d, "unflattened_size": sizes}, [x], lambda: (
            lambda t: five_axes(nn.Unflatten(d + 1 if d >= 0 else d, sizes)(t)))
    if kind == "channel_shuffle":
        g = rng.choice([g for g in range(1, 7) if x[0] % g == 0] if rng.random() < 0.85
                       else (2, 3, 4))
        return kind, {"groups": g}, [x], lambda: nn.ChannelShuffle(g)
    r = rng.choice((1, 2, 2, 3))
    if rank != 3:  # torch reads the last 3 axes: of [C, L] the batch joins them, of
        # [C, D, H, W] the channels are batch; cnnshape takes a [C, H, W] map only
        return kind, {"upscale_factor" if kind == "pixel_shuffle" else "downscale_factor": r}, \
            [x], lambda: _refuse(READ_OTHERWISE_NOTE)
    if kind == "pixel_shuffle":
        x = (x[0] * r * r if rng.random() < 0.85 else x[0], *x[1:])
        return kind, {"upscale_factor": r}, [x], lambda: nn.PixelShuffle(r)
    x = (x[0], *(s * r if rng.random() < 0.9 else s for s in x[1:]))
    return kind, {"downscale_factor": r}, [x], lambda: nn.PixelUnshuffle(r)


READ_OTHERWISE_NOTE = "torch reads this rank another way (see READ_OTHERWISE)"


def _refuse(why):
    raise ValueError(why)


def prod_(x):
    out = 1
    for v in x:
        out *= v
    return out


def factor(rng, n, k):
    """n as a product of k sizes, picked at random."""
    sizes = []
    for _ in range(k - 1):
        d = rng.choice([d for d in range(1, n + 1) if n % d == 0])
        sizes.append(d)
        n //= d
    return sizes + [n]


def five_axes(t):
    if t.dim() > 5:  # a sample of more than 4 axes: cnnshape's shapes stop at [C, D, H, W]
        raise ValueError("more than 4 sample axes")
    return t


def test_rearrangements_agree_with_torch():
    """permute, reshape, unflatten (-1 inferred), channel_shuffle, pixel_shuffle and
    pixel_unshuffle: shape, and no params or MACs."""
    agreed, refused = run_cases(rearrange_case, 2000, 1304)
    print(f"rearrangements: {agreed} agreed with torch, {refused} refused by both")


def linear_case(rng):
    rank = rng.randint(1, 4)
    x = tuple(_size(rng) for _ in range(rank))
    out = rng.randint(1, 9)
    fields = {"out_features": out, "bias": rng.random() < 0.7}
    if rank > 1 or rng.random() < 0.5:
        fields["in_features"] = x[-1] if rng.random() < 0.9 else x[-1] + 1
    return "linear", fields, [x], lambda: nn.Linear(fields.get("in_features", x[-1]), out,
                                                    bias=fields["bias"])


def test_linear_over_the_last_axis_agrees_with_torch():
    """On a map, with in_features its last axis: torch's shape, params and MACs (matmul)."""
    agreed, refused = run_cases(linear_case, 800, 1305)
    print(f"linear: {agreed} agreed with torch, {refused} refused by both")


def test_linear_on_a_map_without_in_features_is_still_the_classic_mistake():
    with pytest.raises(cnnshape.SpecError) as e:
        cnnshape.analyze({"input": [1, 28, 28], "layers": ["conv2d 8 k3", "linear 10"]})
    d = e.value.diagnostics[0]
    assert d.code == "CS206" and "in_features=5408" in d.hint
    with pytest.raises(cnnshape.SpecError) as e:  # the flattened size is not the last axis
        cnnshape.analyze({"input": [1, 28, 28], "layers": ["conv2d 8 k3",
                                                            "linear 10 in_features=5408"]})
    assert e.value.diagnostics[0].code == "CS206"


def test_the_docs_convnext_and_se_blocks_match_torch():
    """docs/spec.md's blocks against torch modules written as torchvision writes them:
    output shape, params and FlopCounterMode MACs of the whole block."""
    import re
    from pathlib import Path
    doc = (Path(__file__).parent.parent / "docs" / "spec.md").read_text()
    se, cnx = [t for t in re.findall(r"```yaml\n(.*?)```", doc, re.S)
               if "mul:" in t or "layer_scale" in t]

    class CNBlock(nn.Module):  # torchvision.models.convnext.CNBlock, dim 96
        def __init__(self, dim=96):
            super().__init__()
            self.dw = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
            self.ln = nn.LayerNorm(dim, eps=1e-6)
            self.fc1, self.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)
            self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * 1e-6)

        def forward(self, x):
            y = self.ln(self.dw(x).permute(0, 2, 3, 1))
            y = self.fc2(nn.functional.gelu(self.fc1(y))).permute(0, 3, 1, 2)
            return x + self.layer_scale * y

    class MBConv(nn.Module):  # torchvision's MBConv with SqueezeExcitation, 16 -> 24, s2
        def __init__(self):
            super().__init__()
            self.expand = nn.Sequential(nn.Conv2d(16, 96, 1, bias=False), nn.BatchNorm2d(96),
                                        nn.SiLU())
            self.dw = nn.Sequential(nn.Conv2d(96, 96, 3, 2, 1, groups=96, bias=False),
                                    nn.BatchNorm2d(96), nn.SiLU())
            self.fc1, self.fc2 = nn.Conv2d(96, 4, 1), nn.Conv2d(4, 96, 1)
            self.project = nn.Sequential(nn.Conv2d(96, 24, 1, bias=False), nn.BatchNorm2d(24))

        def forward(self, x):
            y = self.dw(self.expand(x))
            s = nn.functional.adaptive_avg_pool2d(y, 1)
            s = torch.sigmoid(self.fc2(nn.functional.silu(self.fc1(s))))
            return self.project(y * s)

    for text, module, shape in ((cnx, CNBlock(), (96, 56, 56)), (se, MBConv(), (16, 112, 112))):
        result = cnnshape.analyze(__import__("yaml").safe_load(text))
        m = module.eval()
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            y = m(torch.zeros(1, *shape))
        assert result.output_shape == tuple(y.shape[1:])
        assert result.totals.params == sum(p.numel() for p in m.parameters())
        assert result.totals.macs == counter.get_total_flops() // 2


# --- issue 14: attention's products and a frozen conv (Ultralytics' PSA, A2C2f, DFL) ---------

@pytest.mark.parametrize("a, b", [((4, 6), (6, 5)), ((2, 4, 6), (2, 6, 5)), ((2, 4, 6), (1, 6, 5)),
                                  ((3, 2, 7, 4), (3, 2, 4, 7)), ((2, 4, 6), (2, 5, 6))])
def test_matmul_matches_torch_and_flop_counter(a, b):
    mine = ours_kind("matmul", {}, [a, b])
    theirs = theirs_kind(lambda: lambda x, y: torch.matmul(x, y), [a, b])
    assert mine == theirs or (theirs is None and isinstance(mine, str)), (mine, theirs)


@pytest.mark.parametrize("a, b", [((2, 3, 4), (6, 4)), ((2, 3, 4), (5, 5))])
def test_reshape_as_matches_torch(a, b):
    mine = ours_kind("reshape_as", {}, [a, b])
    theirs = theirs_kind(lambda: lambda x, y: x.reshape_as(y), [a, b])
    assert mine == theirs or (theirs is None and isinstance(mine, str)), (mine, theirs)


def test_a_frozen_conv_counts_its_weights_as_non_trainable():
    """Ultralytics' DFL: nn.Conv2d(16, 1, 1, bias=False).requires_grad_(False)."""
    m = nn.Conv2d(16, 1, 1, bias=False).requires_grad_(False)
    frozen = sum(p.numel() for p in m.parameters() if not p.requires_grad)
    y, params, non_trainable, macs = ours_kind("conv2d", {"out_channels": 1, "kernel_size": 1,
                                                         "bias": False, "trainable": False},
                                               [(16, 4, 8400)])
    with FlopCounterMode(display=False) as counter:
        out = m(torch.zeros(1, 16, 4, 8400))
    assert (y, params, non_trainable) == (tuple(out.shape[1:]), 0, frozen)
    assert macs == counter.get_total_flops() // 2


@pytest.mark.parametrize("a, b", [((3, 5, 5), (4, 10, 10)), ((3, 7, 9), (2, 20, 20)),
                                  ((3, 8), (1, 16)), ((3, 8, 8), (3, 8))])
def test_interpolate_as_matches_torch(a, b):
    mine = ours_kind("interpolate_as", {}, [a, b])
    theirs = theirs_kind(lambda: lambda x, y: nn.functional.interpolate(
        x, size=y.shape[2:], mode="nearest"), [a, b])
    assert mine == theirs or (theirs is None and isinstance(mine, str)), (mine, theirs)
