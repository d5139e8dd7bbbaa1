"""A PyTorch module -> a spec tree, with torch.fx: ``read("pkg.mod:factory")``, ``to_tree``.

Nothing runs on data.  ``torch.fx`` traces each module's ``forward`` into a graph of
module calls and functions; the graph is then run once on fake tensors (torch's
``FakeTensorMode``: shapes and dtypes, no storage), which folds ``x.size()`` and the
arguments of ``view`` to constants and gives every value's shape, so a module built on the
``meta`` device works as well as one with weights.

The tree follows the module hierarchy.  A module that is not a layer and not a plain
container (``nn.Sequential``, ``nn.ModuleList``) becomes a block instance, named as the
attribute holding it (``layer1.0`` -> ``layer1_0``; spec names have no dots).  Instances of
one class with the same structure up to integers share one block, its varying integers
becoming the block's params (torchvision's ``Bottleneck``: channels and stride); instances
whose structure differs (a stage's first block, with its projection) get a block each
(``bottleneck``, ``bottleneck_2``).

Where a module does not trace (control flow on shapes, a loop over a list), its children
are traced one at a time, provided a run on fake tensors shows them called one after
another, each on the previous one's output.  Failing that, the graph is read from that
run: the children's calls and the torch functions between them, wired by the tensors each
reads (Ultralytics' C2f: a chunk, a loop over the parts, a concat).  A module with no
children that does not trace, or whose run reads a tensor from elsewhere (a buffer), is an
error naming it (CS531, CS532).  An unsupported module or function is an error naming it
(CS533, CS534), and so is a layer with weights called twice (CS536): never a guess.  torch
is imported only here.
"""
import inspect
import operator
import re

from ..registry import registrar
from . import need

# ---------------------------------------------------------------------------------------
# diagnostics


def _error(code: str, message: str, hint: str = "", where: str = "<torch>"):
    from ..diagnostics import Diagnostic, SpecError
    return SpecError([Diagnostic(where, 0, 0, code, "error", message, hint)])


def _what(qual: str, module) -> str:
    cls = type(module)
    where = f"module {qual!r}" if qual else "the root module"
    return f"{where} ({cls.__module__}.{cls.__qualname__})"


def _why(e: Exception) -> str:
    """An exception in one line: its type and first sentence."""
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text.split('. ')[0]}".rstrip(": ")


# ---------------------------------------------------------------------------------------
# the spec entries: a layer string or a block instance, with integer slots a block can
# turn into params


class Int(int):
    """An integer of a layer string that a block may make a param; ``hint`` names it."""

    def __new__(cls, value, hint):
        self = super().__new__(cls, value)
        self.hint = hint
        return self


class Float(float):
    """A float of a layer string (a dropout's p) that a block may make a param."""

    def __new__(cls, value, hint):
        self = super().__new__(cls, value)
        self.hint = hint
        return self

    def __str__(self):
        return repr(float(self))


def _slot(t):
    return isinstance(t, (Int, Float))


def _spell(t):
    return repr(float(t)) if isinstance(t, Float) else str(int(t))


class Entry:
    """One layer of a body: ``tokens`` (text and Int) spelling the inline string without
    name and inputs, or ``instance`` (a block use), ``name``, ``refs`` (what it reads)."""

    def __init__(self, tokens=None, instance=None):
        self.tokens, self.instance = tokens, instance
        self.name, self.refs = None, ()
        self.literal = None  # a layer written as a mapping (zeropad's [begin, end] pairs)


class Instance:
    """One call of a module that becomes a block: its class, its body, and once blocks
    are made, the block's name and the arguments of this call."""

    def __init__(self, module, qual, body):
        self.module, self.qual, self.body = module, qual, body
        self.block, self.args = None, ()


_SHORT = {"kernel_size": "k", "stride": "s", "padding": "p", "dilation": "d", "groups": "g"}
#: a field -> the name of a block param it becomes
_HINT = {"p": "p", "init_values": "scale", "scale_factor": "scale", "out_channels": "channels",
         "out_features": "features", "kernel_size": "k",
         "stride": "stride", "padding": "padding", "dilation": "dilation", "groups": "groups",
         "output_size": "size", "in_features": "in_features", "normalized_shape": "size",
         "shape": "shape", "order": "order", "dim": "dim", "chunks": "chunks",
         "split_size_or_sections": "sizes", "output_padding": "output_padding"}


def _value(v, key):
    """The tokens of one field value: an int (or per-axis ints) is slots, the rest text."""
    if isinstance(v, bool):
        return ["true" if v else "false"]
    if isinstance(v, int):
        return [Int(v, _HINT.get(key, key))]
    if isinstance(v, (tuple, list)) and v and all(isinstance(i, int) and not isinstance(i, bool)
                                                   for i in v):
        if len(set(v)) == 1 and key in _SHORT:
            return [Int(v[0], _HINT.get(key, key))]
        out = []
        for i, x in enumerate(v):
            out += ([","] if i else []) + [Int(x, _HINT.get(key, key))]
        return out
    if isinstance(v, float):
        return [Float(v, _HINT.get(key, key))]
    return [str(v)]


class Opt:
    """A field written only where it is not its default (``s2``, never ``s1``), kept in
    every layer of its kind so that blocks whose instances differ in it (a stage's first
    block, of stride 2) are one block with the stride a param."""

    def __init__(self, prefix, ints, default):
        self.prefix, self.ints, self.default = prefix, ints, default

    def spell(self, slot):
        values = [slot(i) for i in self.ints]
        if all(v == str(self.default) for v in values):
            return ""
        return self.prefix + ",".join(values) if len(set(values)) > 1 else \
            self.prefix + values[0]


#: fields kept as Opt, with the default that is left out
_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "output_padding": 0}


def layer(kind: str, primary=None, optional=(), **fields) -> Entry:
    """An inline layer: ``layer("conv2d", 64, kernel_size=3, bias=False)``; the fields
    named in ``optional`` are Opt."""
    tokens = [kind]
    if primary is not None:
        tokens += [" "] + _value(primary, _PRIMARY.get(kind, "value"))
    for key, v in fields.items():
        if v is None:
            continue
        prefix = f" {_SHORT[key]}" if key in _SHORT and not isinstance(v, str) else f" {key}="
        if key in optional and not isinstance(v, str):
            tokens.append(Opt(prefix, [t for t in _value(v, key) if isinstance(t, Int)],
                              _DEFAULTS[key]))
        else:
            tokens += [prefix] + _value(v, key)
    return Entry(tokens)


def _ints(tokens):
    """The integer slots of tokens, in order, those of Opt fields included."""
    out = []
    for t in tokens:
        if _slot(t):
            out.append(t)
        elif isinstance(t, Opt):
            out += t.ints
    return out


_PRIMARY = {"conv": "out_channels", "linear": "out_features", "adaptive": "output_size",
            "chunk": "chunks", "split": "split_size_or_sections", "reshape": "shape",
            "permute": "order", "channel_shuffle": "groups", "layernorm": "normalized_shape",
            "maxpool": "kernel_size", "avgpool": "kernel_size", "groupnorm": "num_groups",
            "dropout": "p", "stochastic_depth": "p", "layer_scale": "init_values",
            "upsample": "scale_factor"}
_PRIMARY = {k: v for kind, v in _PRIMARY.items() for k in (
    [f"{kind}{n}d" for n in (1, 2, 3)] + [f"conv_transpose{n}d" for n in (1, 2, 3)]
    + [f"adaptive_avgpool{n}d" for n in (1, 2, 3)] + [f"adaptive_maxpool{n}d" for n in (1, 2, 3)]
    + [kind])}


# ---------------------------------------------------------------------------------------
# modules -> layers


def _t(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _conv(m, x):
    n = len(m.kernel_size)
    transposed = "Transpose" in type(m).__name__
    kind = f"conv_transpose{n}d" if transposed else f"conv{n}d"
    padding = m.padding
    if padding == "valid":
        padding = 0
    elif padding == "same":
        total = [d * (k - 1) for d, k in zip(m.dilation, m.kernel_size)]
        # torch puts the odd pixel at the end, as cnnshape's 'same' (SAME_UPPER) does
        padding = tuple(t // 2 for t in total) if all(t % 2 == 0 for t in total) else "same"
    # padding_mode reflect/replicate/circular pads as many pixels as zeros would
    fields = dict(kernel_size=m.kernel_size, stride=m.stride, padding=padding,
                  dilation=m.dilation, groups=m.groups)
    if m.bias is None:
        fields["bias"] = False
    if transposed:
        fields["output_padding"] = m.output_padding
    return [layer(kind, m.out_channels, optional=_DEFAULTS, **fields)]


def _norm(kind):
    def convert(m, x):
        fields = {}
        if m.eps != 1e-5:
            fields["eps"] = m.eps
        if kind.startswith("instancenorm"):
            fields.update(affine=m.affine or None,
                          track_running_stats=m.track_running_stats or None)
        else:
            fields.update(affine=None if m.affine else False,
                          track_running_stats=None if m.track_running_stats else False)
        return [layer(kind, **fields)]
    return convert


def _batchnorm(m, x):
    return _norm(f"batchnorm{len(x.shape) - 2 if len(x.shape) > 2 else 1}d")(m, x)


def _instancenorm(m, x):
    return _norm(f"instancenorm{len(x.shape) - 2}d")(m, x)


def _layernorm(m, x):
    fields = {"eps": m.eps if m.eps != 1e-5 else None,
              "elementwise_affine": None if m.elementwise_affine else False}
    if m.elementwise_affine and getattr(m, "bias", 1) is None:
        fields["bias"] = False
    if type(m).__name__ == "LayerNorm2d":  # torchvision ConvNeXt: channels-first
        return [layer("layernorm2d", **fields)]
    shape = tuple(m.normalized_shape)
    return [layer("layernorm", shape if len(shape) > 1 else shape[0], **fields)]


def _groupnorm(m, x):
    return [layer("groupnorm", m.num_groups, eps=m.eps if m.eps != 1e-5 else None,
                  affine=None if m.affine else False)]


def _linear(m, x):
    # on a map, cnnshape wants in_features said: the last axis is meant
    return [layer("linear", m.out_features, bias=None if m.bias is not None else False,
                  in_features=m.in_features if len(x.shape) > 2 else None)]


def _pool(kind):
    def convert(m, x):
        n = len(x.shape) - 2
        k = _t(m.kernel_size, n)
        s = _t(m.stride if m.stride is not None else m.kernel_size, n)
        fields = {"stride": s if s != k else None,
                  "padding": m.padding if set(_t(m.padding, n)) != {0} else None}
        if kind == "maxpool":
            fields["dilation"] = m.dilation if set(_t(m.dilation, n)) != {1} else None
        fields["ceil_mode"] = True if m.ceil_mode else None
        if kind == "avgpool" and not m.count_include_pad:
            fields["count_include_pad"] = False
        return [layer(f"{kind}{n}d", k, **fields)]
    return convert


def _adaptive(kind):
    def convert(m, x):
        n = len(x.shape) - 2
        size = tuple(x.shape[2 + i] if o is None else o
                     for i, o in enumerate(_t(m.output_size, n)))
        return [layer(f"{kind}{n}d", size[0] if len(set(size)) == 1 else size)]
    return convert


def _simple(kind, **attrs):
    """An element-wise layer; ``attrs`` maps its fields to the module's attributes and
    the defaults to leave out."""
    def convert(m, x):
        fields = {}
        for key, (attr, default) in attrs.items():
            v = getattr(m, attr)
            if v != default:
                fields[key] = v
        return [layer(kind, **fields)]
    return convert


def _dropout(m, x):
    kind = {"Dropout1d": "dropout1d", "Dropout2d": "dropout2d",
            "Dropout3d": "dropout3d"}.get(type(m).__name__, "dropout")
    return [layer(kind, m.p)]


def _softmax(kind):
    def convert(m, x):
        return [layer(kind, dim=_axis(m.dim if m.dim is not None else 1, x))]
    return convert


def _upsample(m, x):
    if m.size is not None:
        size = _t(m.size, len(x.shape) - 2)
        return [layer("upsample", size=size[0] if len(set(size)) == 1 else size, mode=m.mode)]
    sf = m.scale_factor
    sf = sf[0] if isinstance(sf, tuple) and len(set(sf)) == 1 else sf
    return [layer("upsample", int(sf) if float(sf).is_integer() else sf,
                  mode=m.mode if m.mode != "nearest" else None)]


def _zeropad(m, x):
    return _pad(m.padding, len(x.shape) - 2, m, getattr(m, "value", 0))


def _pad(pad, n, what, value=0):
    if value != 0:
        raise _error("CS534", f"{what}: padding with {value}, not zeros, is not a layer "
                     "cnnshape has")
    pad = _t(pad, 2 * n)
    if len(pad) % 2 or len(pad) // 2 > n:
        raise _error("CS534", f"{what}: padding {pad} does not fit a {n}-d map")
    # torch lists (begin, end) from the last axis backwards; cnnshape per axis in order
    pairs = [list(pad[2 * i: 2 * i + 2]) for i in range(len(pad) // 2)][::-1]
    pairs = [[0, 0]] * (n - len(pairs)) + pairs
    e = Entry(None)
    e.literal = {"type": f"zeropad{n}d", "padding": pairs}
    return [e]


def _permute(m, x):  # torchvision.ops.misc.Permute
    return _permutation(list(m.dims), x)


def _stochastic_depth(m, x):
    return [layer("stochastic_depth", m.p, mode=m.mode if m.mode != "row" else None)]


def _prelu(m, x):
    return [layer("prelu", num_parameters=m.num_parameters if m.num_parameters != 1 else None)]


def _unflatten(m, x):
    return [layer("unflatten", dim=_axis(m.dim, x), unflattened_size=tuple(m.unflattened_size))]


def _flatten_module(m, x, out):
    if m.start_dim == 1 and m.end_dim == -1:
        return [layer("flatten")]
    return _reshape(x, out, type(m).__name__)


#: torch.nn (and torchvision) class name -> (module, input, output) -> entries
MODULES = {
    **{f"Conv{n}d": _conv for n in (1, 2, 3)},
    **{f"ConvTranspose{n}d": _conv for n in (1, 2, 3)},
    **{f"BatchNorm{n}d": _batchnorm for n in (1, 2, 3)}, "SyncBatchNorm": _batchnorm,
    **{f"InstanceNorm{n}d": _instancenorm for n in (1, 2, 3)},
    "LayerNorm": _layernorm, "LayerNorm2d": _layernorm, "GroupNorm": _groupnorm,
    "Linear": _linear,
    **{f"MaxPool{n}d": _pool("maxpool") for n in (1, 2, 3)},
    **{f"AvgPool{n}d": _pool("avgpool") for n in (1, 2, 3)},
    **{f"AdaptiveAvgPool{n}d": _adaptive("adaptive_avgpool") for n in (1, 2, 3)},
    **{f"AdaptiveMaxPool{n}d": _adaptive("adaptive_maxpool") for n in (1, 2, 3)},
    "Dropout": _dropout, "Dropout1d": _dropout, "Dropout2d": _dropout, "Dropout3d": _dropout,
    "AlphaDropout": _dropout,
    "ReLU": _simple("relu"), "ReLU6": _simple("relu6"), "SELU": _simple("selu"),
    "LeakyReLU": _simple("leaky_relu", negative_slope=("negative_slope", 0.01)),
    "ELU": _simple("elu", alpha=("alpha", 1.0)), "GELU": _simple("gelu"),
    "Sigmoid": _simple("sigmoid"), "Tanh": _simple("tanh"), "SiLU": _simple("silu"),
    "Hardswish": _simple("hardswish"), "Hardsigmoid": _simple("hardsigmoid"),
    "Mish": _simple("mish"), "Softplus": _simple("softplus"), "PReLU": _prelu,
    "Softmax": _softmax("softmax"), "LogSoftmax": _softmax("log_softmax"),
    "LocalResponseNorm": _simple("lrn", size=("size", 5), alpha=("alpha", 1e-4),
                                 beta=("beta", 0.75), k=("k", 1.0)),
    "Upsample": _upsample, "UpsamplingNearest2d": _upsample, "UpsamplingBilinear2d": _upsample,
    "ZeroPad1d": _zeropad, "ZeroPad2d": _zeropad, "ZeroPad3d": _zeropad,
    "ConstantPad1d": _zeropad, "ConstantPad2d": _zeropad, "ConstantPad3d": _zeropad,
    "Identity": _simple("identity"),
    "ChannelShuffle": _simple("channel_shuffle", groups=("groups", None)),
    "PixelShuffle": _simple("pixel_shuffle", upscale_factor=("upscale_factor", None)),
    "PixelUnshuffle": _simple("pixel_unshuffle", downscale_factor=("downscale_factor", None)),
    "Unflatten": _unflatten, "Flatten": _flatten_module,
    # torchvision's building blocks that are one cnnshape layer each
    "StochasticDepth": _stochastic_depth, "Permute": _permute,
}
# modules whose output has their input's shape: not run on fake tensors (a fake batch
# norm alone took most of the time)
_SAME_SHAPE = {*(f"BatchNorm{n}d" for n in (1, 2, 3)), "SyncBatchNorm",
               *(f"InstanceNorm{n}d" for n in (1, 2, 3)), "LayerNorm", "LayerNorm2d",
               "GroupNorm", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
               "ReLU", "ReLU6", "SELU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "SiLU",
               "Hardswish", "Hardsigmoid", "Mish", "Softplus", "Identity", "StochasticDepth"}
# the shape-only modules get the output too
_WITH_OUTPUT = {"Flatten"}


_MODULES_HINT = ("cnnshape maps torch.nn's convolutions, pools, norms, linear, dropout, "
                 "activations, padding, upsampling and shuffles, and torchvision's "
                 "LayerNorm2d, StochasticDepth and Permute")


def _module_kind(m):
    """The MODULES key of ``m``: torch.nn's (or torchvision's) class it is, or derives
    from without a forward of its own (a Conv2d subclass that only adds attributes is a
    convolution; one with its own forward is traced, never guessed); else None."""
    for cls in type(m).__mro__:
        if cls.__name__ in MODULES and cls.__module__.startswith(("torch.nn.", "torchvision.")):
            return cls.__name__ if cls is type(m) or type(m).forward is cls.forward else None
    return None


# ---------------------------------------------------------------------------------------
# functions and methods -> layers


def _axis(dim, x):
    """A torch dim over the batch -> cnnshape's axis over the sample."""
    if dim < 0:
        return dim
    if dim == 0:
        raise ValueError("works across the batch axis")
    return dim - 1


def _reshape(x, out, what):
    if out.shape[0] != x.shape[0]:
        raise ValueError("mixes the batch axis with the others")
    shape = tuple(out.shape[1:])
    if len(shape) == 1:
        return [layer("flatten")]
    return [layer("reshape", shape)]


def _permutation(dims, x):
    rank = len(x.shape)
    dims = [d % rank for d in dims]
    if dims[0] != 0:
        raise ValueError("moves the batch axis")
    return [layer("permute", tuple(d - 1 for d in dims[1:]))]


_ALIASES = {"contiguous", "clone", "detach", "float", "type_as", "to"}


def _bind(fn, args, kwargs):
    """A call's arguments by name, for the functions of torch.nn.functional."""
    try:
        signature = inspect.signature(fn)
        if any(p.kind == p.VAR_POSITIONAL for p in signature.parameters.values()):
            return None  # a dispatcher (F.max_pool2d): read by position
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)
    except (TypeError, ValueError):
        return None


class Call:
    """One function or method call on a tensor ``x`` giving ``out``: its arguments by
    position or name (``arg(1, "kernel_size")``), Refs standing for the tensors."""

    def __init__(self, name, fn, args, kwargs, x, out):
        self.name, self.args, self.x, self.out = name, args, x, out
        self.n = len(x.shape) - 2  # spatial axes
        self.kwargs = kwargs
        self.named = _bind(fn, args, kwargs) if fn is not None else None

    def arg(self, i, key, default=None):
        if self.named is not None:
            return self.named.get(key, default)
        return self.args[i] if len(self.args) > i else self.kwargs.get(key, default)


#: a function's or tensor method's name -> (Call) -> entries, or None when this call of
#: it is no layer cnnshape has (a mean over other axes)
FUNCTIONS = {}


_handles = registrar(FUNCTIONS)  # @_handles("Name", ...) files a function under names


@_handles("relu", "relu_", "relu6", "gelu", "silu", "sigmoid", "sigmoid_", "tanh",
          "hardswish", "hardsigmoid", "mish", "softplus", "selu", "elu", "leaky_relu")
def _activation(c):
    kind = c.name.rstrip("_")
    if kind == "leaky_relu" and c.arg(1, "negative_slope", 0.01) != 0.01:
        return [layer(kind, negative_slope=c.arg(1, "negative_slope"))]
    if kind == "elu" and c.arg(1, "alpha", 1.0) != 1.0:
        return [layer(kind, alpha=c.arg(1, "alpha"))]
    return [layer(kind)]


@_handles("softmax", "log_softmax")
def _softmax_call(c):
    return [layer(c.name, dim=_axis(c.arg(1, "dim"), c.x))]


@_handles("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout")
def _dropout_call(c):
    return [layer(c.name if c.name != "alpha_dropout" else "dropout", c.arg(1, "p", 0.5))]


@_handles(*(f"adaptive_{k}_pool{n}d" for k in ("avg", "max") for n in (1, 2, 3)))
def _adaptive_call(c):
    size = tuple(c.out.shape[2:])
    kind = "adaptive_avgpool" if "avg" in c.name else "adaptive_maxpool"
    return [layer(f"{kind}{c.n}d", size[0] if len(set(size)) == 1 else size)]


@_handles(*(f"{k}_pool{n}d" for k in ("avg", "max") for n in (1, 2, 3)))
def _pool_call(c):
    # F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
    # F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)
    n, kind = c.n, "maxpool" if c.name.startswith("max") else "avgpool"
    k = _t(c.arg(1, "kernel_size"), n)
    s = _t(c.arg(2, "stride") or k, n)
    p = _t(c.arg(3, "padding", 0), n)
    fields = {"stride": s if s != k else None, "padding": p if set(p) != {0} else None}
    if kind == "maxpool":
        d = _t(c.arg(4, "dilation", 1), n)
        fields["dilation"] = d if set(d) != {1} else None
    fields["ceil_mode"] = True if c.arg(5 if kind == "maxpool" else 4, "ceil_mode", False) \
        else None
    if kind == "avgpool" and not c.arg(5, "count_include_pad", True):
        fields["count_include_pad"] = False
    return [layer(f"{kind}{n}d", k, **fields)]


@_handles("interpolate", "upsample")
def _interpolate(c):
    size, sf, mode = c.arg(1, "size"), c.arg(2, "scale_factor"), c.arg(3, "mode", "nearest")
    mode = mode if mode != "nearest" else None
    if size is not None:
        size = _t(size, c.n)
        return [layer("upsample", size=size[0] if len(set(size)) == 1 else size, mode=mode)]
    sf = _t(sf, c.n)
    sf = sf[0] if len(set(sf)) == 1 else sf
    if isinstance(sf, float) and sf.is_integer():
        sf = int(sf)
    return [layer("upsample", sf, mode=mode)]


@_handles("pad")
def _pad_call(c):
    if c.arg(2, "mode", "constant") != "constant":
        # reflect, replicate, circular: as many pixels as zeros, so the same shape, as a
        # convolution's padding_mode
        return _pad(c.arg(1, "pad"), c.n, f"F.pad(mode={c.arg(2, 'mode')!r})")
    return _pad(c.arg(1, "pad"), c.n, "F.pad", c.arg(3, "value", 0) or 0)


@_handles("channel_shuffle", "native_channel_shuffle")
def _channel_shuffle_call(c):
    return [layer("channel_shuffle", c.arg(1, "groups"))]


@_handles("pixel_shuffle")
def _pixel_shuffle_call(c):
    return [layer("pixel_shuffle", upscale_factor=c.arg(1, "upscale_factor"))]


@_handles("pixel_unshuffle")
def _pixel_unshuffle_call(c):
    return [layer("pixel_unshuffle", downscale_factor=c.arg(1, "downscale_factor"))]


@_handles("flatten")
def _flatten_call(c):
    start, end = c.arg(1, "start_dim", 0), c.arg(2, "end_dim", -1)
    if start == 1 and end in (-1, len(c.x.shape) - 1):
        return [layer("flatten")]
    return _reshape(c.x, c.out, c.name)


@_handles("view", "reshape")
def _reshape_call(c):
    return _reshape(c.x, c.out, c.name)


@_handles("permute")
def _permute_call(c):
    a = c.args
    return _permutation(list(a[1]) if isinstance(a[1], (tuple, list)) else list(a[1:]), c.x)


@_handles("transpose", "swapaxes")
def _transpose_call(c):
    rank = len(c.x.shape)
    a, b = c.arg(1, "dim0") % rank, c.arg(2, "dim1") % rank
    dims = list(range(rank))
    dims[a], dims[b] = dims[b], dims[a]
    return _permutation(dims, c.x)


@_handles("mean", "amax")
def _global_pool(c):
    dims = sorted(d % len(c.x.shape) for d in _t(c.arg(1, "dim"), 1))
    if dims != list(range(2, len(c.x.shape))):
        return None  # a mean over other axes than all the spatial ones
    entries = [layer("global_avgpool" if c.name == "mean" else "global_maxpool")]
    if not c.arg(2, "keepdim", False):
        entries.append(layer("flatten"))
    return entries


def _function(name, fn, args, kwargs, x, out):
    """Entries for ``name`` (a function's or method's name) called on tensor ``x``, or
    None when it is no layer cnnshape has.  Tensors in args are Refs."""
    convert = FUNCTIONS.get(name)
    return convert(Call(name, fn, args, kwargs, x, out)) if convert else None


# ---------------------------------------------------------------------------------------
# tracing


class Ref:
    """A tensor value of the graph: ``node``'s output, or a part of a split."""

    def __init__(self, entry, part=None):
        self.entry, self.part = entry, part
        self.is_split, self.parts = False, 0


def _names(qual):
    """A spec name for a torch name: ``layer1.0`` -> ``layer1_0``, ``0`` -> ``_0``."""
    name = re.sub(r"\W", "_", qual) or "x"
    return f"_{name}" if name[0].isdigit() else name


def _name_all(entries, name):
    """The last entry is the value torch names; any before it (a mean's pool before its
    flatten) get the name and a letter."""
    for i, e in enumerate(entries[:-1]):
        e.name = f"{name}_{'abcdefgh'[i]}"
    entries[-1].name = name


class Converter:
    """One module's conversion: the fake tensor mode every run uses, the block instances
    met on the way (made into blocks at the end), the layers with weights called."""

    def __init__(self, torch, root):
        self.torch = torch
        import torch.fx  # noqa: F401
        from torch._subclasses.fake_tensor import FakeTensorMode
        self.fake = FakeTensorMode(allow_non_fake_inputs=True)
        self.instances = []
        self.called = {}  # id of a layer with weights -> where it was called
        self.wrapped = self.leaf_functions(root)

    # -- what becomes a block -----------------------------------------------------------

    def is_layer(self, m):
        return _module_kind(m) is not None

    def is_container(self, m):
        nn = self.torch.nn
        return type(m) in (nn.Sequential, nn.ModuleList, nn.ModuleDict)

    def opaque(self, module):
        """The modules below ``module`` traced as calls: its children, and the children of
        plain containers (a Sequential's), which are traced through."""
        out = {}
        for name, child in module.named_children():
            if self.is_layer(child) or (type(child).__module__.startswith("torch.nn.")
                                        and not self.is_container(child)):
                continue  # a layer, or torch.nn's module cnnshape lacks (CS533)
            if self.is_container(child):
                for sub, m in self.opaque(child).items():
                    out[f"{name}.{sub}"] = m
            else:
                out[name] = child
        return out

    def leaf_functions(self, module):
        """Functions of the modules' own files that are one layer each, kept as one call
        rather than traced into: ShuffleNet's channel_shuffle(x, groups) (view, transpose,
        view) is nn.ChannelShuffle."""
        import sys
        found = set()
        for m in module.modules():
            fn = getattr(sys.modules.get(type(m).__module__), "channel_shuffle", None)
            if inspect.isfunction(fn):
                found.add(fn)
        return tuple(found)

    def tracer(self, opaque_ids):
        fx, nn = self.torch.fx, self.torch.nn
        is_layer = self.is_layer
        wrapped = self.wrapped

        class Tracer(fx.Tracer):
            def __init__(self):
                super().__init__(autowrap_functions=wrapped)

            def is_leaf_module(self, m, qualname):
                if id(m) in opaque_ids or is_layer(m):
                    return True
                return (m.__module__.startswith("torch.nn")
                        and not isinstance(m, (nn.Sequential, nn.ModuleList, nn.ModuleDict)))
        return Tracer()

    # -- one module ----------------------------------------------------------------------

    def convert(self, module, qual, x):
        """The body of ``module`` (a list of Entry) called on fake tensor ``x``, and its
        output (a fake tensor)."""
        fx = self.torch.fx
        opaque = self.opaque(module)
        inlined = set()
        mark = len(self.instances)
        while True:
            ids = {id(m) for k, m in opaque.items() if k not in inlined}
            try:
                graph = self.tracer(ids).trace(module)
            except Exception as e:  # control flow on a traced value, a loop over a list
                return self.chain(module, qual, x, e)
            for node in graph.nodes:  # before running: it may not run on this input
                if node.op == "call_module":
                    m = module.get_submodule(node.target)
                    if id(m) not in ids and not self.is_layer(m):
                        raise _error("CS533", _what(f"{qual}.{node.target}".lstrip("."), m)
                                     + " has no cnnshape layer", _MODULES_HINT)
            gm = fx.GraphModule(module, graph)
            values, calls, bad = self.run(gm, x, module, qual, ids)
            if not bad:
                break
            # a call that takes or gives several tensors is no block: trace through it
            inlined |= bad
            del self.instances[mark:]
        return self.level(module, qual, graph, values, calls), values["__output__"]

    def run(self, gm, x, module, qual, ids):
        """Run the traced module on fake tensors: every node's value; the opaque calls
        converted on the way (each once, on the input it gets); those that are not one
        tensor in, one out."""
        torch, converter = self.torch, self
        T = torch.Tensor
        values, calls, bad = {}, {}, set()

        class Recorder(torch.fx.Interpreter):
            def run_node(self, node):
                self.node = node
                v = super().run_node(node)
                values[node] = v
                return v

            def call_module(self, target, args, kwargs):
                m = self.fetch_attr(target)
                if _module_kind(m) in _SAME_SHAPE and len(args) == 1 and not kwargs:
                    return args[0]  # no need to compute what keeps the shape
                if id(m) not in ids:
                    return super().call_module(target, args, kwargs)
                if len(args) == 1 and not kwargs and isinstance(args[0], T):
                    entries, out = converter.call(m, f"{qual}.{target}".lstrip("."), args[0])
                    if isinstance(out, T):
                        calls[self.node] = entries
                        return out
                bad.add(target)
                return super().call_module(target, args, kwargs)
        try:
            with self.fake:
                values["__output__"] = Recorder(gm).run(x)
        except Exception as e:
            from ..diagnostics import SpecError
            if isinstance(e, SpecError):
                raise
            raise _error("CS532", f"{_what(qual, module)} does not run on a "
                         f"{tuple(x.shape[1:])} input: {_why(e)}") from None
        return values, calls, bad

    def chain(self, module, qual, x, reason):
        """``module`` does not trace: its children, one at a time, if a run on fake tensors
        shows each called once, in order, on the previous one's output."""
        why = _why(reason)
        children = self.members(module)
        if not children:
            raise _error("CS531", f"{_what(qual, module)} does not trace ({why}) and has no "
                         "children to trace one at a time",
                         "give it a forward without control flow on values, or write its "
                         "layers in the spec by hand")
        calls = []
        hooks = [c.register_forward_hook(
            lambda m, args, out, name=name: calls.append((name, args, out)))
            for name, c in children]
        try:
            with self.fake:
                out = module(x)
        except Exception as e:
            raise _error("CS532", f"{_what(qual, module)} does not trace ({why}) nor run on "
                         f"a {tuple(x.shape[1:])} input ({_why(e)})") from None
        finally:
            for h in hooks:
                h.remove()
        order = [name for name, _, _ in calls]
        prev = x
        for name, args, result in calls:
            if len(args) != 1 or args[0] is not prev:
                break
            prev = result
        else:
            if order == [n for n, _ in children] and prev is out:
                return self.chained(module, qual, x, children), out
        problem = self.recorded(module, qual, x, children)
        if not isinstance(problem, str):
            return problem
        raise _error("CS532", f"{_what(qual, module)} does not trace ({why}), its "
                     f"children are not a chain (called: {', '.join(order) or 'none'}), "
                     f"and a run on fake tensors does not show its graph ({problem})",
                     "trace it by hand: write its layers in the spec")

    def recorded(self, module, qual, x, children):
        """``module``'s graph as one run on fake tensors shows it: its children's calls
        (forward hooks) and the torch functions its own forward calls between them
        (a TorchFunctionMode), wired by which tensor each reads.  Python's own control
        flow (a loop over a list, as Ultralytics' C2f) has run, so it is resolved for
        this input.  The body and output, or a string saying why not."""
        torch, fx = self.torch, self.torch.fx
        from torch.overrides import TorchFunctionMode
        events, depth = [], [0]
        names = {id(c): name for name, c in children}

        def pre(m, args):
            depth[0] += 1

        def post(m, args, out):
            depth[0] -= 1
            if depth[0] == 0:
                events.append(("module", names[id(m)], args, {}, out))

        class Recorder(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                out = func(*args, **(kwargs or {}))
                if depth[0] == 0:
                    events.append(("function", func, args, kwargs or {}, out))
                return out

        hooks = [h for _, c in children for h in (c.register_forward_pre_hook(pre),
                                                  c.register_forward_hook(post))]
        try:
            with self.fake, Recorder():
                out = module(x)
        except Exception as e:
            return _why(e)
        finally:
            for h in hooks:
                h.remove()
        T = torch.Tensor
        graph = fx.Graph()
        node = graph.placeholder("x")
        values, calls, made = {node: x}, {}, {id(x): node}
        params = {id(p): n for n, p in module.named_parameters()}
        parts = {}  # id of a tensor in a tuple an op gave -> (its node, index)

        def arg(a):
            if isinstance(a, (list, tuple)):
                return type(a)(arg(i) for i in a)
            if not isinstance(a, T):
                return a
            if id(a) in made:
                return made[id(a)]
            if id(a) in parts:
                whole, i = parts[id(a)]
                made[id(a)] = n = graph.call_function(operator.getitem, (whole, i))
                values[n] = a
                return n
            if id(a) in params:
                made[id(a)] = n = graph.get_attr(params[id(a)])
                values[n] = a
                return n
            raise LookupError("a tensor from neither the input, a child nor a function "
                              "of the forward")

        methods = {"__add__": operator.add, "__radd__": operator.add, "__iadd__": operator.iadd,
                   "__mul__": operator.mul, "__rmul__": operator.mul, "__imul__": operator.imul,
                   "__getitem__": operator.getitem}
        try:
            for kind, target, args, kwargs, result in events:
                holds = isinstance(result, T) or (isinstance(result, (list, tuple)) and any(
                    isinstance(r, T) for r in result))
                if not holds:
                    continue  # x.size(), x.dim(): numbers
                a, k = arg(args), {key: arg(v) for key, v in kwargs.items()}
                name = getattr(target, "__name__", "")
                if kind == "module":
                    node = graph.call_module(target, a, k)
                elif name in methods:
                    node = graph.call_function(methods[name], a, k)
                elif getattr(T, name, None) is target:
                    node = graph.call_method(name, a, k)
                else:
                    node = graph.call_function(target, a, k)
                values[node] = result
                if isinstance(result, T):
                    made[id(result)] = node
                else:
                    for i, r in enumerate(result):
                        parts[id(r)] = (node, i)
                if kind == "module" and not self.is_layer(module.get_submodule(target)):
                    calls[node] = self.call(module.get_submodule(target),
                                            f"{qual}.{target}".lstrip("."), args[0])[0]
            graph.output(arg(out))
        except LookupError as e:
            return str(e)
        values["__output__"] = out
        return self.level(module, qual, graph, values, calls), out

    def members(self, module):
        """The children of ``module`` in order, those of plain containers (a ModuleList
        iterated in forward) in their place."""
        out = []
        for name, child in module.named_children():
            if self.is_container(child):
                out += [(f"{name}.{sub}", m) for sub, m in self.members(child)]
            else:
                out.append((name, child))
        return out

    def chained(self, module, qual, x, children):
        body = []
        for name, child in children:
            entries, out = self.call(child, f"{qual}.{name}".lstrip("."), x)
            for e in entries:
                e.refs = (Ref(body[-1]),) if body else ("input",)
                body.append(e)
            _name_all(entries, _names(name))
            x = out
        return body

    def call(self, child, qual, x):
        """Entries for calling ``child`` on ``x``: a layer, or a block instance."""
        kind = _module_kind(child)
        if kind is not None:
            with self.fake:
                out = child(x)
            return self.module_layer(child, qual, kind, x, out), out
        if type(child).__module__.startswith("torch.nn.") and not self.is_container(child):
            raise _error("CS533", _what(qual, child) + " has no cnnshape layer", _MODULES_HINT)
        if self.is_container(child) and not isinstance(child, self.torch.nn.Sequential):
            raise _error("CS532", f"{_what(qual, child)} is a container that is called")
        body, out = self.convert(child, qual, x)
        instance = Instance(child, qual, body)
        self.instances.append(instance)
        return [Entry(instance=instance)], out

    def module_layer(self, m, qual, kind, x, out):
        if any(True for _ in m.parameters()):
            if id(m) in self.called:
                raise _error("CS536", f"{_what(qual, m)} is called again, its weights shared "
                             f"with {self.called[id(m)]!r}: a spec layer has weights of its "
                             "own, so the counts would differ from torch's",
                             "write the network by hand with the shared layer once")
            self.called[id(m)] = qual
        try:
            if kind in _WITH_OUTPUT:
                return MODULES[kind](m, x, out)
            return MODULES[kind](m, x)
        except ValueError as e:
            raise _error("CS534", f"{_what(qual, m)}: {e}") from None

    # -- the nodes of one traced module --------------------------------------------------

    def level(self, module, qual, graph, values, calls):
        torch, fx = self.torch, self.torch.fx
        T = torch.Tensor
        refs = {}      # node -> Ref, "input", or a constant
        body = []

        def ref_of(a):
            if isinstance(a, fx.Node):
                return refs.get(a, values.get(a))
            if isinstance(a, (list, tuple)):
                return type(a)(ref_of(i) for i in a)
            if isinstance(a, dict):
                return {k: ref_of(v) for k, v in a.items()}
            return a

        def tensors(a):
            out = []
            for r in (a if isinstance(a, (list, tuple)) else [a]):
                if isinstance(r, Ref) and r.is_split:  # a split read whole: each of its parts
                    out += [Ref(r.entry, i) for i in range(r.parts)]
                elif isinstance(r, Ref) or (isinstance(r, str) and r == "input"):
                    out.append(r)
            return out

        def emit(node, entries, inputs):
            for i, e in enumerate(entries):
                e.refs = tuple(inputs) if i == 0 else (Ref(body[-1]),)
                body.append(e)
            _name_all(entries, _names(node.name))
            refs[node] = Ref(entries[-1])

        def where(node):
            if node.op == "call_module":
                return _what(f"{qual}.{node.target}".lstrip("."), module.get_submodule(node.target))
            def show(a):
                if isinstance(a, fx.Node):
                    return a.name
                if isinstance(a, (list, tuple)):
                    return "[" + ", ".join(map(show, a)) + "]"
                return repr(a)
            target = node.target if isinstance(node.target, str) else getattr(
                node.target, "__qualname__", str(node.target))
            call = ", ".join([*map(show, node.args),
                              *(f"{k}={show(v)}" for k, v in node.kwargs.items())])
            return f"{node.name} = {target}({call}) in {_what(qual, module)}"

        live, todo = set(), [n for n in graph.nodes if n.op == "output"]
        while todo:  # what the output depends on: a value nothing reads is no layer
            n = todo.pop()
            if n not in live:
                live.add(n)
                todo += n.all_input_nodes
        for node in graph.nodes:
            if node not in live:
                continue
            v = values.get(node)
            if node.op == "placeholder":
                if refs:
                    raise _error("CS532", f"{_what(qual, module)}'s forward takes more than "
                                 "one input")
                refs[node] = "input"
                continue
            if node.op == "output":
                result = ref_of(node.args[0])
                if (isinstance(result, Ref) and result.is_split) or (
                        not isinstance(result, Ref)
                        and not (isinstance(result, str) and result == "input")):
                    raise _error("CS532", f"{_what(qual, module)} returns "
                                 f"{type(values['__output__']).__name__}, not one tensor")
                if (not isinstance(result, Ref) or result.part is not None or not body
                        or result.entry is not body[-1]):
                    e = layer("identity")
                    e.refs = (result,)
                    taken = {b.name for b in body}
                    e.name = next(n for n in ("output", "output_", "output__", "output___")
                                  if n not in taken)
                    body.append(e)
                continue
            if node.op == "get_attr":
                refs[node] = ("param", node.target, v)
                continue
            args, kwargs = ref_of(node.args), ref_of(node.kwargs)
            if not isinstance(v, (T, tuple, list)) or (
                    isinstance(v, (tuple, list)) and not any(isinstance(i, T) for i in v)):
                refs[node] = v  # a size, a shape: a constant the later nodes use
                continue
            inputs = [r for a in [*args, *kwargs.values()] for r in tensors(a)]
            xval = values[node.args[0]] if node.args and isinstance(node.args[0], fx.Node) \
                else None
            if node.op == "call_module":
                m = module.get_submodule(node.target)
                kind = _module_kind(m)
                if kind is not None:
                    emit(node, self.module_layer(m, f"{qual}.{node.target}".lstrip("."),
                                                 kind, xval, v), inputs[:1])
                    continue
                if node in calls:
                    emit(node, calls[node], inputs[:1])
                    continue
                raise _error("CS533", f"{where(node)} has no cnnshape layer", _MODULES_HINT)
            name = node.target if node.op == "call_method" else getattr(
                node.target, "__name__", str(node.target))
            fn = node.target if node.op == "call_function" else None
            # parts of a split: getitem on its tuple is no layer
            if node.target is operator.getitem and isinstance(node.args[0], fx.Node) \
                    and getattr(refs.get(node.args[0]), "is_split", False):
                whole = refs[node.args[0]]
                parts = [Ref(whole.entry, i) for i in range(whole.parts)]
                refs[node] = parts[args[1]] if isinstance(args[1], int) else tuple(parts[args[1]])
                continue
            if name in ("chunk", "split"):
                dim = args[2] if len(args) > 2 else kwargs.get("dim", 0)
                if name == "chunk":
                    entry = layer("chunk", args[1], dim=_axis(dim, xval) or None)
                else:
                    sizes = args[1]
                    entry = layer("split", tuple(sizes) if isinstance(sizes, (list, tuple))
                                  else sizes, dim=_axis(dim, xval) or None)
                emit(node, [entry], inputs[:1])
                refs[node].is_split, refs[node].parts = True, len(v)
                continue
            if name in _ALIASES or (name in ("cat", "concat") and len(inputs) == 1):
                refs[node] = inputs[0]
                continue
            if name in ("cat", "concat"):
                dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
                emit(node, [layer("concat", dim=_axis(dim, v) or None)], inputs)
                continue
            params_used = [a for a in [*args] if isinstance(a, tuple) and a[:1] == ("param",)]
            if name in ("add", "iadd", "add_") and len(inputs) == 2:
                shapes = {tuple(values[a].shape) for a in node.args
                          if isinstance(a, fx.Node)}
                emit(node, [layer("add", broadcast=True if len(shapes) > 1 else None)], inputs)
                continue
            if name in ("mul", "imul", "mul_") and len(inputs) == 2:
                emit(node, [layer("mul")], inputs)
                continue
            if name in ("mul", "imul", "mul_") and len(inputs) == 1 and len(params_used) == 1:
                p = params_used[0][2]
                dim = 0 if p.dim() == len(v.shape) - 1 else -1
                if p.numel() != v.shape[1 if dim == 0 else -1]:
                    raise _error("CS534", f"{where(node)}: a product with a parameter of "
                                 f"{tuple(p.shape)}, not one per channel (a layer scale)")
                init = 1e-6
                if p.device.type != "meta":
                    try:
                        init = float(p.detach().reshape(-1)[0])
                    except Exception:
                        pass
                entry = layer("layer_scale", init, dim=dim or None)
                emit(node, [entry], inputs)
                continue
            if params_used:
                raise _error("CS534", f"unsupported use of a parameter: {where(node)}",
                             "cnnshape counts parameters held by layers")
            entries = None
            if len(inputs) == 1 and isinstance(xval, T):
                try:
                    entries = _function(name, fn, args, kwargs, xval, v)
                except ValueError as e:
                    raise _error("CS534", f"{where(node)}: {e}") from None
            if entries is None:
                raise _error("CS534", f"unsupported function {name}: {where(node)}",
                             "cnnshape maps the functions of layers it has (torch.cat, +, *, "
                             "F.relu, view, permute, chunk, ...)")
            emit(node, entries, inputs[:1])
        return body


# ---------------------------------------------------------------------------------------
# blocks and the tree


def _snake(name):
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
    return re.sub(r"\W", "_", s).strip("_") or "block"


def _tokens(entry):
    """The tokens of one entry, without its name and inputs."""
    if entry.instance is not None:
        inst = entry.instance
        tokens = [inst.block]
        for a in inst.args:
            tokens += [" ", a]
    elif entry.literal is not None:
        tokens = [repr(entry.literal)]
    else:
        tokens = list(entry.tokens)
    return tokens


def _finish(body):
    """Name and inputs of each entry: a layer reading the one before it names none."""
    out = []
    for i, e in enumerate(body):
        want = []
        for r in e.refs:
            if r == "input":
                want.append("input")
            else:
                part = getattr(r, "part", None)
                want.append(r.entry.name + (f".{part}" if part is not None else ""))
        prev = body[i - 1].name if i else "input"
        plain = len(want) == 1 and want[0] == prev and (
            i == 0 or getattr(body[i - 1], "tokens", None) is None
            or body[i - 1].tokens[0] not in ("chunk", "split"))
        out.append((e, [] if plain else want))
    return out


def _render(tokens, e, inputs, slot):
    """The layer string (or mapping) of an entry; ``slot(i, Int)`` spells each integer."""
    if e.literal is not None:
        item = dict(e.literal)
        item["name"] = e.name
        if inputs:
            item["inputs"] = inputs
        return item
    text = "".join(slot(t) if _slot(t) else t.spell(slot) if isinstance(t, Opt)
                   else t for t in tokens)
    text += f" name={e.name}"
    if inputs:
        text += " inputs=" + ",".join(inputs)
    return text


def _skeleton(body):
    """What instances of one block share: everything but the integers, which it lists."""
    parts, ints = [], []
    for e, inputs in _finish(body):
        tokens = _tokens(e)
        parts.append((tuple(None if _slot(t) else (t.prefix, len(t.ints))
                            if isinstance(t, Opt) else t for t in tokens),
                      e.name, tuple(inputs)))
        ints += _ints(tokens)
    return tuple(parts), ints


def _make_blocks(instances, taken):
    """Give each instance a block and arguments; returns {block name: definition}."""
    blocks = {}
    depth = {}

    def height(inst):
        if id(inst) not in depth:
            depth[id(inst)] = 1 + max((height(e.instance) for e in inst.body
                                       if e.instance is not None), default=0)
        return depth[id(inst)]

    groups = {}
    for inst in instances:
        groups.setdefault((height(inst), type(inst.module).__name__), []).append(inst)
    for (h, cls), members in sorted(groups.items(), key=lambda kv: kv[0][0]):
        variants = {}
        for inst in members:
            skel, ints = _skeleton(inst.body)
            variants.setdefault(skel, []).append((inst, ints))
        for skel, uses in variants.items():
            base = _snake(cls)
            name, k = base, 1
            while name in taken:
                k += 1
                name = f"{base}_{k}"
            taken.add(name)
            columns = list(zip(*[ints for _, ints in uses])) if uses[0][1] else []
            params, slot_param, seen = [], {}, {}
            for i, col in enumerate(columns):
                if len(set(col)) == 1:
                    continue
                key = tuple(col)
                if key not in seen:
                    hint = getattr(col[0], "hint", "n")
                    pname, j = hint, 1
                    while pname in {p for p in params}:
                        j += 1
                        pname = f"{hint}{j}"
                    params.append(pname)
                    seen[key] = pname
                slot_param[i] = seen[key]
            first = uses[0][0]
            counter = iter(range(len(columns)))
            layers = []
            for e, inputs in _finish(first.body):
                def slot(t):
                    i = next(counter)
                    return f"${slot_param[i]}" if i in slot_param else _spell(t)
                tokens = _tokens(e)
                layers.append(_render(tokens, e, inputs, slot))
            definition = {"description": f"{type(first.module).__module__}.{cls}"}
            if params:
                definition["params"] = params
            definition["layers"] = layers
            blocks[name] = definition
            for inst, ints in uses:
                inst.block = name
                inst.args = tuple(type(ints[i])(ints[i], slot_param[i]) for i in
                                  sorted({min(j for j in slot_param if slot_param[j] == p)
                                          for p in params}))
    return blocks


def to_tree(module, input_shape, name=None) -> dict:
    """The spec tree of ``module`` on inputs of ``input_shape`` (channels first, no
    batch): what ``cnnshape import torch`` writes and ``from_torch`` analyses."""
    torch = need("torch", "torch", "<torch>", "a PyTorch module")
    if not isinstance(module, torch.nn.Module):
        raise _error("CS535", f"from_torch needs a torch.nn.Module, got "
                     f"{type(module).__name__}")
    import numbers
    try:
        shape = tuple(int(s) for s in input_shape if isinstance(s, numbers.Integral)
                      and not isinstance(s, bool))
    except TypeError:
        shape = ()
    if not 1 <= len(shape) <= 4 or len(shape) != len(input_shape) or min(shape) <= 0:
        raise _error("CS535", f"input_shape is the sample's shape without the batch, 1 to "
                     f"4 positive integers (channels first), got {input_shape!r}")
    device = next((t.device for t in [*module.parameters(), *module.buffers()]), None)
    conv = Converter(torch, module)
    modes = [(m, m.training) for m in module.modules()]
    module.eval()  # eval mode: dropout and batchnorm as at inference; no aux outputs
    try:
        with conv.fake:
            # batch 2: a reshape that mixes the batch in shows as one
            x = torch.empty((2, *shape), device=device)
        body, _ = conv.call(module, "", x)
    finally:
        for m, mode in modes:  # each as it was: a frozen batch norm stays in eval
            m.training = mode
    taken = {"input", "previous"}
    from ..layers import all_kinds
    taken |= set(all_kinds())
    if len(body) == 1 and body[0].instance is not None:
        root = body[0].instance
        conv.instances.remove(root)
        body = root.body
    blocks = _make_blocks(conv.instances, taken)
    layers = [_render(_tokens(e), e, inputs, _spell)
              for e, inputs in _finish(body)]
    tree = {"name": name or _snake(type(module).__name__),
            "description": f"{type(module).__name__} imported from torch by cnnshape",
            "input": list(shape)}
    if blocks:
        tree["blocks"] = blocks
    tree["layers"] = layers
    return tree


# ---------------------------------------------------------------------------------------
# the factory string


def read(source: str, *, input_shape=None, **options) -> dict:
    """``package.module:factory`` -> the spec tree of the module it returns."""
    import importlib
    if input_shape is None:
        raise _error("CS535", "import torch needs the input shape: --input CxHxW",
                     where=str(source))
    m = re.fullmatch(r"([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)",
                     str(source))
    if not m:
        raise _error("CS535", f"{source!r} is not package.module:factory",
                     "e.g. torchvision.models:resnet18", where=str(source))
    torch = need("torch", "torch", str(source), "a PyTorch module")
    import os
    import sys
    if os.getcwd() not in sys.path and "" not in sys.path:
        # as 'python -m' and uvicorn's app:factory do: the user's package in this folder
        sys.path.insert(0, os.getcwd())
    try:
        obj = importlib.import_module(m.group(1))
    except Exception as e:
        raise _error("CS535", f"cannot import {m.group(1)}: {type(e).__name__}: {e}",
                     where=str(source)) from None
    for attr in m.group(2).split("."):
        if not hasattr(obj, attr):
            raise _error("CS535", f"{m.group(1)} has no {m.group(2)}", where=str(source))
        obj = getattr(obj, attr)
    if not callable(obj):
        raise _error("CS535", f"{source} is not callable", where=str(source))
    if isinstance(obj, torch.nn.Module):
        module = obj
    else:
        try:
            module = obj()
        except Exception as e:
            raise _error("CS535", f"{source}() failed: {type(e).__name__}: {e}",
                         where=str(source)) from None
    if not isinstance(module, torch.nn.Module):
        raise _error("CS535", f"{source}() returned {type(module).__name__}, not a "
                     "torch.nn.Module", where=str(source))
    return to_tree(module, input_shape, name=m.group(2).split(".")[-1])
