"""PyTorch: an expanded spec -> one Python file that imports only torch.

A class per block kind (its arguments become constructor arguments), one class for the
network, attributes named as the spec's layers, and a ``forward`` written as a person (or
torch.fx) writes it: a chain reuses its variable, every merge gets a named one.  Run as a
script, the file builds the network, runs zeros through it and asserts cnnshape's output
shape, params, non-trainable params and MACs (FlopCounterMode).

torch's quirks live here.  What torch cannot write directly is written as its exact
equivalent: asymmetric padding ('same' with an even kernel or stride > 1, [begin, end]
pairs) becomes ``F.pad`` before the layer (-inf for a max pool, so a padded value never
wins), and its symmetric part stays in the layer; a transposed convolution's asymmetric
padding crops its output (``F.pad`` with negative sizes); a ceil-mode pool whose last
window torch would place differently once padded is written in floor mode with the end
padding that gives cnnshape's windows.  What has no exact equivalent is a SpecError
(CS601 and up) naming the layer.

This module writes text and never imports torch.
"""
import keyword
import os
import re
import textwrap
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, SpecError
from ..registry import registrar

MERGES = ("concat", "add", "mul")  # construct groups, written inline in forward
#: names a variable or argument must not shadow
_TAKEN = {"self", "torch", "nn", "F", "super", "center_crop"}
#: nn.Module attributes an attribute must not shadow
_TAKEN_ATTR = _TAKEN | {
    "training", "forward", "train", "eval", "to", "cuda", "cpu", "float", "half", "double",
    "type", "apply", "parameters", "buffers", "modules", "children", "state_dict", "zero_grad",
    "register_buffer", "register_parameter", "add_module", "x"}
WIDTH = 96


class Refused(Exception):
    """A layer torch cannot express exactly: code, reason, hint."""

    def __init__(self, code, message, hint=""):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


# --- values and calls ---------------------------------------------------------------


class Name(str):
    """A constructor argument written as a name (a parameter of the class), not a value."""


_REQUIRED = object()


@dataclass
class Arg:
    name: str           # torch's argument name, also for one passed by position
    value: object
    positional: bool = False
    default: object = _REQUIRED  # not written when the value is torch's default

    @property
    def shown(self) -> bool:
        return (self.default is _REQUIRED or isinstance(self.value, Name)
                or _py(self.value) != _py(self.default))


@dataclass
class Call:
    callee: str
    args: list

    def text(self, indent: int, start: int) -> str:
        """The call, starting at column ``start`` of a line indented by ``indent``: on one
        line, or one argument a line past WIDTH."""
        args = [a for a in self.args if a.shown]
        parts = [_py(a.value) if a.positional else f"{a.name}={_py(a.value)}" for a in args]
        one = f"{self.callee}({', '.join(parts)})"
        if start + len(one) <= WIDTH:
            return one
        pad = " " * (indent + 4)
        lines = []
        for a, p in zip(args, parts):
            if len(pad) + len(p) > WIDTH and isinstance(a.value, tuple):
                inner = ",\n".join(pad + "    " + _py(v) for v in a.value)
                head = "" if a.positional else f"{a.name}="
                p = f"{head}(\n{inner},\n{pad})"
            lines.append(pad + p)
        return f"{self.callee}(\n" + ",\n".join(lines) + f",\n{' ' * indent})"


def _py(v) -> str:
    if isinstance(v, Name):
        return str(v)
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, float):
        return repr(int(v)) + ".0" if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, (tuple, list)):
        inner = ", ".join(_py(x) for x in v)
        return f"({inner},)" if isinstance(v, tuple) and len(v) == 1 else (
            f"({inner})" if isinstance(v, tuple) else f"[{inner}]")
    return repr(v)


def _one(values):
    """A per-axis value as torch's argument: one int when every axis has it."""
    values = tuple(values)
    return values[0] if len(set(values)) == 1 else values


def _dim(d: int) -> int:
    """cnnshape counts a sample's axes (0 = channels); torch counts the batch axis too."""
    return d + 1 if d >= 0 else d


def _pad_arg(pairs) -> tuple:
    """(begin, end) per axis in H, W order -> torch's pad tuple, last axis first."""
    return tuple(v for b, e in reversed(pairs) for v in (b, e))


# --- one op per layer kind -----------------------------------------------------------


@dataclass
class Op:
    """How one layer is written: the module built in __init__ (None: a functional op in
    forward), the forward expression from the module expression and the input variables,
    lines run after construction, and the helper classes it needs."""
    call: Call | None
    forward: object = None          # (module, [inputs]) -> expression
    after: tuple = ()
    helpers: tuple = ()
    functional: bool = False        # the forward uses F.


WRITERS: dict = {}


writes = registrar(WRITERS)  # @writes("Name", ...) files a function under names


@dataclass
class Ctx:
    layer: object
    x: tuple            # input shapes, without the batch axis
    y: object           # output shape (a split: the parts' shapes)


def _module(m, xs):
    return f"{m}({xs[0]})"


def _kw(args, **given):
    """Keyword Args with torch's defaults, name=(value, default): a default is not written."""
    for name, (value, default) in given.items():
        args.append(Arg(name, value, default=default))
    return args


def _pad_before(pairs, value=None):
    """The forward of a layer after F.pad of the asymmetric part (``pairs``)."""
    if not any(b or e for b, e in pairs):
        return _module, False
    fill = ', value=float("-inf")' if value == "-inf" else ""

    def forward(m, xs):
        return f"{m}(F.pad({xs[0]}, {_py(_pad_arg(pairs))}{fill}))"
    return forward, True


@writes("conv1d", "conv2d", "conv3d")
def _conv(c):
    layer, x = c.layer, c.x[0]
    axes = layer.axes(x[1:])
    sym = [min(a.pad_begin, a.pad_end) for a in axes]
    extra = [(a.pad_begin - s, a.pad_end - s) for a, s in zip(axes, sym)]
    args = [Arg("in_channels", x[0], True), Arg("out_channels", layer.out_channels, True),
            Arg("kernel_size", _one(layer.kernel_size), True)]
    _kw(args, stride=(_one(layer.stride), 1), padding=(_one(sym), 0),
        dilation=(_one(layer.dilation), 1), groups=(layer.groups, 1), bias=(layer.bias, True))
    forward, functional = _pad_before(extra)
    after = () if layer.trainable else ("{m}.requires_grad_(False)",)
    return Op(Call(f"nn.{type(layer).__name__}", args), forward, after, functional=functional)


@writes("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
def _conv_transpose(c):
    layer, x = c.layer, c.x[0]
    axes = layer.axes(x[1:])
    sym = [min(a.pad_begin, a.pad_end) for a in axes]
    crop = [(s - a.pad_begin, s - a.pad_end) for a, s in zip(axes, sym)]
    args = [Arg("in_channels", x[0], True), Arg("out_channels", layer.out_channels, True),
            Arg("kernel_size", _one(layer.kernel_size), True)]
    _kw(args, stride=(_one(layer.stride), 1), padding=(_one(sym), 0),
        output_padding=(_one(layer.output_paddings()), 0), groups=(layer.groups, 1),
        bias=(layer.bias, True), dilation=(_one(layer.dilation), 1))
    after = () if layer.trainable else ("{m}.requires_grad_(False)",)
    if not any(b or e for b, e in crop):
        return Op(Call(f"nn.{type(layer).__name__}", args), _module, after)

    def forward(m, xs):  # torch pads both ends alike: crop the rest of the larger side
        return f"F.pad({m}({xs[0]}), {_py(_pad_arg(crop))})"
    return Op(Call(f"nn.{type(layer).__name__}", args), forward, after, functional=True)


def _floor_out(size, k, s, pb, pe):
    return (size + pb + pe - k) // s + 1


def _ceil_out(size, k, s, pb, pe):
    """ATen's pooling_output_shape with ceil_mode: a window starting in the right padding is
    dropped."""
    out = -(-(size + pb + pe - k) // s) + 1
    return out - 1 if (out - 1) * s >= size + pb else out


@writes("maxpool1d", "maxpool2d", "maxpool3d", "avgpool1d", "avgpool2d", "avgpool3d")
def _pool(c):
    layer, x = c.layer, c.x[0]
    is_max = type(layer).__name__.startswith("Max")
    axes = layer.axes(x[1:])
    sym = [min(a.pad_begin, a.pad_end) for a in axes]
    extra = [(a.pad_begin - s, a.pad_end - s) for a, s in zip(axes, sym)]
    ceil = layer.ceil_mode
    if any(b or e for b, e in extra):
        # torch pads both ends alike: the rest goes before the pool.  In ceil mode torch
        # drops a window that starts in its (symmetric) right padding, which F.pad's
        # padding no longer is: if that changes the size, use floor mode with the end
        # padding that gives exactly cnnshape's windows.
        dk = [a.dilation * (a.kernel - 1) + 1 for a in axes]
        outs = c.y[1:]
        if ceil and any(_ceil_out(a.size + b + e, k, a.stride, s, s) != n
                        for a, (b, e), s, k, n in zip(axes, extra, sym, dk, outs)):
            ceil = False
            extra = [(b, max(0, (n - 1) * a.stride + k - a.size - a.pad_begin - s))
                     for a, (b, _), s, k, n in zip(axes, extra, sym, dk, outs)]
        if not is_max and (not layer.count_include_pad or ceil != layer.ceil_mode):
            raise Refused("CS602", f"{layer.type_name} with padding {_show_pad(axes)} "
                          "(unequal at the two ends)" + (" and count_include_pad=false" if
                                                         not layer.count_include_pad else
                                                         " in ceil mode") +
                          ": torch's AvgPool pads both ends alike, and zeros padded before "
                          "it would be counted in the average", "give equal padding at both "
                          "ends, or count_include_pad: true without ceil_mode")
    args = [Arg("kernel_size", _one(layer.kernel_size), True)]
    _kw(args, stride=(_one(layer.strides()), _one(layer.kernel_size)), padding=(_one(sym), 0))
    if is_max:
        _kw(args, dilation=(_one(layer.dilation), 1))
    _kw(args, ceil_mode=(ceil, False))
    if not is_max:
        _kw(args, count_include_pad=(layer.count_include_pad, True))
    forward, functional = _pad_before(extra, "-inf" if is_max else None)
    return Op(Call(f"nn.{type(layer).__name__}", args), forward, functional=functional)


def _show_pad(axes):
    return "[" + ", ".join(f"[{a.pad_begin}, {a.pad_end}]" for a in axes) + "]"


@writes("adaptive_avgpool1d", "adaptive_avgpool2d", "adaptive_avgpool3d",
        "adaptive_maxpool1d", "adaptive_maxpool2d", "adaptive_maxpool3d")
def _adaptive(c):
    return Op(Call(f"nn.{type(c.layer).__name__}",
                   [Arg("output_size", _one(c.layer.output_size), True)]), _module)


@writes("global_avgpool", "global_maxpool")
def _global(c):
    kind = "Avg" if c.layer.type_name == "global_avgpool" else "Max"
    return Op(Call(f"nn.Adaptive{kind}Pool{len(c.x[0]) - 1}d", [Arg("output_size", 1, True)]),
              _module)


@writes("flatten")
def _flatten(c):
    return Op(Call("nn.Flatten", []), _module)


@writes("linear")
def _linear(c):
    args = [Arg("in_features", c.x[0][-1], True), Arg("out_features", c.layer.out_features, True)]
    return Op(Call("nn.Linear", _kw(args, bias=(c.layer.bias, True))), _module)


def _norm_args(c, args):
    layer = c.layer
    return _kw(args, eps=(layer.eps, 1e-5), momentum=(layer.momentum, 0.1))


@writes("batchnorm", "batchnorm1d", "batchnorm2d", "batchnorm3d")
def _batchnorm(c):
    layer, x = c.layer, c.x[0]
    dims = layer.dims or max(1, len(x) - 1)
    args = _norm_args(c, [Arg("num_features", x[0], True)])
    _kw(args, affine=(layer.affine, True), track_running_stats=(layer.track_running_stats, True))
    return Op(Call(f"nn.BatchNorm{dims}d", args), _module)


@writes("instancenorm1d", "instancenorm2d", "instancenorm3d")
def _instancenorm(c):
    layer = c.layer
    args = _norm_args(c, [Arg("num_features", c.x[0][0], True)])
    _kw(args, affine=(layer.affine, False),
        track_running_stats=(layer.track_running_stats, False))
    return Op(Call(f"nn.{type(layer).__name__}", args), _module)


@writes("layernorm")
def _layernorm(c):
    layer = c.layer
    args = [Arg("normalized_shape", _one(layer.normalized_shape) if len(
        layer.normalized_shape) == 1 else layer.normalized_shape, True)]
    _kw(args, eps=(layer.eps, 1e-5), elementwise_affine=(layer.elementwise_affine, True),
        bias=(layer.bias, True))
    return Op(Call("nn.LayerNorm", args), _module)


LAYERNORM2D = '''
class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an (N, C, H, W) map at each place (torchvision's)."""

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
'''


@writes("layernorm2d")
def _layernorm2d(c):
    layer = c.layer
    args = [Arg("normalized_shape", c.x[0][0], True)]
    _kw(args, eps=(layer.eps, 1e-5), elementwise_affine=(layer.elementwise_affine, True),
        bias=(layer.bias, True))
    return Op(Call("LayerNorm2d", args), _module, helpers=(LAYERNORM2D,), functional=True)


@writes("groupnorm")
def _groupnorm(c):
    layer = c.layer
    args = [Arg("num_groups", layer.num_groups, True), Arg("num_channels", c.x[0][0], True)]
    _kw(args, eps=(layer.eps, 1e-5), affine=(layer.affine, True))
    return Op(Call("nn.GroupNorm", args), _module)


LAYER_SCALE = '''
class LayerScale(nn.Module):
    """A learned multiplier per channel: ConvNeXt's layer_scale on a channels-first map
    (axes_after=2: a [C, 1, 1] weight), timm's LayerScale on a channels-last one."""

    def __init__(self, channels, init_values=1e-6, axes_after=0):
        super().__init__()
        shape = (channels,) + (1,) * axes_after
        self.gamma = nn.Parameter(torch.full(shape, init_values))

    def forward(self, x):
        return x * self.gamma
'''


@writes("layer_scale")
def _layer_scale(c):
    layer, x = c.layer, c.x[0]
    d = layer.dim % len(x)
    args = [Arg("channels", x[d], True)]
    _kw(args, init_values=(layer.init_values, 1e-6), axes_after=(len(x) - 1 - d, 0))
    return Op(Call("LayerScale", args), _module, helpers=(LAYER_SCALE,))


STOCHASTIC_DEPTH = '''
class StochasticDepth(nn.Module):
    """Drop path, as torchvision.ops.StochasticDepth: zeroes a whole residual branch with
    probability p in training; the identity at inference."""

    def __init__(self, p, mode="row"):
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        shape = [x.shape[0]] + [1] * (x.ndim - 1) if self.mode == "row" else [1] * x.ndim
        survival = 1.0 - self.p
        noise = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(survival)
        return x * noise / survival if survival > 0 else x * noise
'''


@writes("stochastic_depth")
def _stochastic_depth(c):
    args = [Arg("p", c.layer.p, True)]
    _kw(args, mode=(c.layer.mode, "row"))
    return Op(Call("StochasticDepth", args), _module, helpers=(STOCHASTIC_DEPTH,))


@writes("dropout", "dropout1d", "dropout2d", "dropout3d")
def _dropout(c):
    return Op(Call(f"nn.{type(c.layer).__name__}", _kw([], p=(c.layer.p, 0.5))), _module)


@writes("relu", "relu6", "selu", "gelu", "sigmoid", "tanh", "silu", "hardswish",
        "hardsigmoid", "mish", "softplus")
def _activation(c):
    return Op(Call(f"nn.{type(c.layer).__name__}", []), _module)


@writes("leaky_relu")
def _leaky_relu(c):
    return Op(Call("nn.LeakyReLU", _kw([], negative_slope=(c.layer.negative_slope, 0.01))),
              _module)


@writes("elu")
def _elu(c):
    return Op(Call("nn.ELU", _kw([], alpha=(c.layer.alpha, 1.0))), _module)


@writes("prelu")
def _prelu(c):
    return Op(Call("nn.PReLU", _kw([], num_parameters=(c.layer.num_parameters, 1))), _module)


@writes("softmax", "log_softmax")
def _softmax(c):
    name = "Softmax" if c.layer.type_name == "softmax" else "LogSoftmax"
    return Op(Call(f"nn.{name}", [Arg("dim", _dim(c.layer.dim))]), _module)


@writes("lrn")
def _lrn(c):
    layer = c.layer
    args = [Arg("size", layer.size, True)]
    _kw(args, alpha=(layer.alpha, 1e-4), beta=(layer.beta, 0.75), k=(layer.k, 1.0))
    return Op(Call("nn.LocalResponseNorm", args), _module)


@writes("identity")
def _identity(c):
    return Op(Call("nn.Identity", []), _module)


@writes("zeropad1d", "zeropad2d", "zeropad3d")
def _zeropad(c):
    pad = _pad_arg(c.layer.padding)
    return Op(Call(f"nn.{type(c.layer).__name__}", [Arg("padding", _one(pad), True)]), _module)


@writes("upsample")
def _upsample(c):
    layer = c.layer
    args = _kw([], size=(layer.size and _one(layer.size), None),
               scale_factor=(layer.scale_factor and _one(layer.scale_factor), None))
    _kw(args, mode=(layer.mode, "nearest"), align_corners=(layer.align_corners, False))
    return Op(Call("nn.Upsample", args), _module)


@writes("permute")
def _permute(c):
    order = (0,) + tuple(d + 1 for d in c.layer.axes_order(c.x[0]))
    return Op(None, lambda m, xs: f"{xs[0]}.permute{_py(order)}")


@writes("reshape")
def _reshape(c):  # the sizes cnnshape resolved: the batch axis is the one -1
    return Op(None, lambda m, xs: f"{xs[0]}.reshape{_py((-1,) + tuple(c.y))}")


@writes("unflatten")
def _unflatten(c):
    x, y = c.x[0], c.y
    d = c.layer.dim % len(x)
    sizes = tuple(y[d:d + len(y) - len(x) + 1])
    return Op(Call("nn.Unflatten", [Arg("dim", d + 1, True), Arg("unflattened_size", sizes,
                                                                    True)]), _module)


@writes("channel_shuffle")
def _channel_shuffle(c):
    return Op(Call("nn.ChannelShuffle", [Arg("groups", c.layer.groups, True)]), _module)


@writes("pixel_shuffle")
def _pixel_shuffle(c):
    return Op(Call("nn.PixelShuffle", [Arg("upscale_factor", c.layer.upscale_factor, True)]),
              _module)


@writes("pixel_unshuffle")
def _pixel_unshuffle(c):
    return Op(Call("nn.PixelUnshuffle",
                   [Arg("downscale_factor", c.layer.downscale_factor, True)]), _module)


CENTER_CROP = '''
def center_crop(x, like):
    """The centre of x cut to the spatial size of like: U-Net's copy and crop."""
    sizes = like.shape[2:]
    starts = [(n - m) // 2 for n, m in zip(x.shape[2:], sizes, strict=True)]
    return x[(..., *(slice(a, a + m) for a, m in zip(starts, sizes, strict=True)))]
'''


@writes("concat")
def _concat(c):
    layer = c.layer

    def forward(m, xs):
        if layer.crop:  # every path cut to the first one's size
            xs = [xs[0], *(f"center_crop({x}, {xs[0]})" for x in xs[1:])]
        return f"torch.cat([{', '.join(xs)}], dim={_dim(layer.dim)})"
    return Op(None, forward, helpers=(CENTER_CROP,) if layer.crop else ())


@writes("add")
def _add(c):
    return Op(None, lambda m, xs: " + ".join(xs))


@writes("mul")
def _mul(c):
    return Op(None, lambda m, xs: " * ".join(xs))


@writes("matmul")
def _matmul(c):
    return Op(None, lambda m, xs: f"{xs[0]} @ {xs[1]}")


@writes("reshape_as")
def _reshape_as(c):
    return Op(None, lambda m, xs: f"{xs[0]}.reshape_as({xs[1]})")


@writes("interpolate_as")
def _interpolate_as(c):
    return Op(None, lambda m, xs: f"F.interpolate({xs[0]}, size={xs[1]}.shape[2:])",
              functional=True)


@writes("split")
def _split(c):
    s = c.layer.split_size_or_sections
    arg = list(s) if isinstance(s, tuple) else s
    return Op(None, lambda m, xs: f"torch.split({xs[0]}, {_py(arg)}, dim={_dim(c.layer.dim)})")


@writes("chunk")
def _chunk(c):
    return Op(None, lambda m, xs: f"torch.chunk({xs[0]}, {c.layer.chunks}, "
                                  f"dim={_dim(c.layer.dim)})")


SUBSAMPLING = '''
class Subsampling2d(nn.Module):
    """LeNet-5's S2/S4: each window's sum times a trained coefficient, plus a trained bias,
    per map (2 parameters per map)."""

    def __init__(self, channels, kernel_size=2, stride=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride
        self.weight = nn.Parameter(torch.ones(channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(channels, 1, 1))

    def forward(self, x):
        sums = F.avg_pool2d(x, self.kernel_size, self.stride, divisor_override=1)
        return sums * self.weight + self.bias
'''


@writes("subsampling2d")
def _subsampling(c):
    args = [Arg("channels", c.x[0][0], True),
            Arg("kernel_size", _one(c.layer.kernel_size), True)]
    _kw(args, stride=(_one(c.layer.strides()), _one(c.layer.kernel_size)))
    return Op(Call("Subsampling2d", args), _module, helpers=(SUBSAMPLING,), functional=True)


PARTIAL_CONV = '''
class PartialConv2d(nn.Module):
    """LeNet-5's C3: output map k convolves only the input maps table[k] (Table I)."""

    def __init__(self, table, kernel_size, stride=1, bias=True):
        super().__init__()
        self.table = [list(maps) for maps in table]
        self.convs = nn.ModuleList(
            nn.Conv2d(len(maps), 1, kernel_size, stride, bias=bias) for maps in table)

    def forward(self, x):
        maps = [conv(x[:, inputs]) for inputs, conv in zip(self.table, self.convs, strict=True)]
        return torch.cat(maps, dim=1)
'''


@writes("partial_conv2d")
def _partial_conv(c):
    layer = c.layer
    args = [Arg("table", tuple(layer.table), True),
            Arg("kernel_size", _one(layer.kernel_size), True)]
    _kw(args, stride=(_one(layer.stride), 1), bias=(layer.bias, True))
    return Op(Call("PartialConv2d", args), _module, helpers=(PARTIAL_CONV,))


RBF = '''
class RBF(nn.Module):
    """LeNet-5's output: per class, the squared distance to a fixed centre (a buffer, not
    trained)."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.register_buffer("centres", torch.zeros(out_features, in_features))

    def forward(self, x):
        return ((x.unsqueeze(1) - self.centres) ** 2).sum(-1)
'''


@writes("rbf")
def _rbf(c):
    return Op(Call("RBF", [Arg("in_features", c.x[0][0], True),
                           Arg("out_features", c.layer.out_features, True)]), _module,
              helpers=(RBF,))


# --- the network: scopes (the network, block instances), classes, forward ----------


def _ident(text: str, taken=_TAKEN) -> str:
    name = re.sub(r"\W", "_", text)
    if not name or name[0].isdigit():
        name = "_" + name
    if keyword.iskeyword(name) or name in taken:
        name += "_"
    return name


def _camel(text: str) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", text) if p]
    name = "".join(p[0].upper() + p[1:] for p in parts) or "Net"
    return name if name[0].isalpha() else "Net" + name


@dataclass
class Unit:
    """A step of a scope's forward: one layer (``node``) or a block instance (``gid``)."""
    node: int | None = None
    gid: int | None = None
    inputs: list = field(default_factory=list)    # values: (node, part)
    rel: str = ""                                 # its name inside the scope
    attr: str | None = None


@dataclass
class Scope:
    gid: int | None                  # None: the network
    units: list = field(default_factory=list)
    inputs: list = field(default_factory=list)    # values read from outside, in order
    output: int = -1                 # the node whose value it returns


class Writer:
    def __init__(self, spec, result):
        self.spec, self.result = spec, result
        self.rows = result.layers
        self.nodes = spec.nodes
        self.helpers: dict = {}
        self.functional = False
        self.classes: list = []        # class texts, inner blocks first
        self.signatures: dict = {}     # block signature -> class name
        self.ops = [self.op(i) for i in range(len(self.nodes))]
        self.owner = self.instances()

    def op(self, i) -> Op:
        node, row = self.nodes[i], self.rows[i]
        y = row.output_shapes or row.output_shape
        writer = WRITERS.get(node.layer.type_name)
        if writer is None:
            raise SpecError([Diagnostic(self.spec.path, node.line, node.column, "CS601",
                                        "error", f"{node.name}: the export to PyTorch does not "
                                        f"know {node.layer.type_name}", "")])
        try:
            op = writer(Ctx(node.layer, row.input_shapes, y))
        except Refused as r:
            raise SpecError([Diagnostic(self.spec.path, node.line, node.column, r.code,
                                        "error", f"{node.name}: {r.message}", r.hint)]) from None
        for h in op.helpers:
            self.helpers[h] = True
        self.functional |= op.functional
        return op

    def instances(self):
        """Per node, the block instances it is written in, outermost first.  An instance
        whose inner layers (other than its last) are read from outside is written inline:
        a module returns one value."""
        groups = self.spec.groups
        path = [tuple(g for g in n.groups if groups[g].type not in MERGES) for n in self.nodes]
        members: dict = {}
        for i, p in enumerate(path):
            for g in p:
                members.setdefault(g, []).append(i)
        inline = set()
        for i, n in enumerate(self.nodes):
            for j in n.inputs:
                if j < 0:
                    continue
                for g in path[j]:
                    if g not in path[i] and j != members[g][-1]:
                        inline.add(g)
        self.members, self.inline = members, inline
        return [tuple(g for g in p if g not in inline) for p in path]

    # --- scopes ---

    def scope(self, gid) -> Scope:
        depth = 0 if gid is None else self.owner[self.members[gid][0]].index(gid) + 1
        nodes = range(len(self.nodes)) if gid is None else self.members[gid]
        prefix = "" if gid is None else self.spec.groups[gid].name + "."
        s = Scope(gid, output=nodes[-1])
        units, seen, inside = [], set(), set(nodes)
        for i in nodes:
            p = self.owner[i]
            if len(p) > depth:
                if p[depth] in seen:
                    continue
                seen.add(p[depth])
                child = p[depth]
                units.append(Unit(gid=child, inputs=list(self.scope_inputs(child)),
                                  rel=self.spec.groups[child].name[len(prefix):]))
            else:
                n = self.nodes[i]
                parts = n.parts or (None,) * len(n.inputs)
                units.append(Unit(node=i, inputs=list(zip(n.inputs, parts)),
                                  rel=n.name[len(prefix):]))
        for u in units:
            for v in u.inputs:
                if v[0] not in inside and v not in s.inputs:
                    s.inputs.append(v)
        s.units = units
        self.attributes(s)
        return s

    def scope_inputs(self, gid):
        inside = set(self.members[gid])
        out = []
        for i in self.members[gid]:
            n = self.nodes[i]
            for v in zip(n.inputs, n.parts or (None,) * len(n.inputs)):
                if v[0] not in inside and v not in out:
                    out.append(v)
        return out

    def attributes(self, s: Scope):
        """Attribute names: the shortest tail of the layer's name (in the scope) that no
        other attribute has, dots as underscores; a layer of a block written inline keeps
        the block's name (half1_first)."""
        named = [u for u in s.units if u.gid is not None or self.ops[u.node].call]
        split = {id(u): u.rel.split(".") for u in named}
        prefix = "" if s.gid is None else self.spec.groups[s.gid].name + "."
        for u in named:
            parts = split[id(u)]
            least = 1
            if u.node is not None:
                for g in self.nodes[u.node].groups:
                    name = self.spec.groups[g].name
                    if g in self.inline and name.startswith(prefix):
                        least = max(least, len(parts) - name[len(prefix):].count("."))
            for k in range(least, len(parts) + 1):
                tail = parts[-k:]
                if k == len(parts) or sum(split[id(o)][-k:] == tail for o in named) == 1:
                    u.attr = _ident("_".join(tail), _TAKEN_ATTR)
                    break
        taken: dict = {}
        for u in named:  # names made equal by _ident: number them
            n = taken.get(u.attr, 0)
            taken[u.attr] = n + 1
            if n:
                u.attr = f"{u.attr}_{n + 1}"

    # --- code of a scope ---

    def body(self, s: Scope):
        """(attribute lines, forward lines, arg names) of a scope, with the constructor
        values of each attribute as Calls (a block's class compares them across uses)."""
        calls, after, notes = [], [], {}
        for u in s.units:
            if u.gid is not None:
                calls.append((u.attr, self.block_call(u.gid)))
                continue
            op = self.ops[u.node]
            if op.call:
                calls.append((u.attr, op.call))
                after += [line.format(m=f"self.{u.attr}") for line in op.after]
                if self.nodes[u.node].note:
                    notes[u.attr] = self.nodes[u.node].note
        return calls, after, notes, self.forward(s)

    def arg_names(self, s: Scope) -> list:
        names = ["x"]
        args = self.spec.groups[s.gid].args if s.gid is not None else {}
        for k, (j, _) in enumerate(s.inputs[1:], 2):
            found = [p for p, v in args.items() if isinstance(v, str) and j >= 0 and (
                self.nodes[j].name == v or self.nodes[j].name.startswith(v + "."))]
            name = _ident(found[0]) if found else f"x{k}"
            names.append(name if name not in names else f"x{k}")
        return names

    def forward(self, s: Scope) -> list:
        """Forward lines: a chain reuses its variable, a merge or a split gets its name."""
        names = self.arg_names(s)
        var = {v: n for v, n in zip(s.inputs, names)}
        uses: dict = {}
        for k, u in enumerate(s.units):
            for v in u.inputs:
                uses.setdefault(self.produced(v, s), []).append(k)
        ret = self.produced((s.output, None), s)
        uses.setdefault(ret, []).append(len(s.units))
        held: dict = {n: v for v, n in var.items()}   # variable -> the value it holds

        def live(name, k):
            v = held.get(name)
            return v is not None and any(j > k for j in uses.get(v, ()))

        lines = []
        for k, u in enumerate(s.units):
            ins = [var[self.produced(v, s)] if self.produced(v, s) in var else
                   var[(self.produced(v, s)[0], None)] + f"[{v[1]}]" for v in u.inputs]
            me = (u.node if u.node is not None else self.members[u.gid][-1], None)
            if u.gid is not None:
                expr = f"self.{u.attr}({', '.join(ins)})"
                leaf = self.nodes[self.members[u.gid][-1]]
            else:
                leaf = self.nodes[u.node]
                expr = self.ops[u.node].forward(f"self.{u.attr}", ins)
            row = self.rows[me[0]]
            tail = u.rel.split(".")
            if row.output_shapes:  # a split: one variable per part
                used = {v[1] for j in range(k + 1, len(s.units)) for v in s.units[j].inputs
                        if self.produced(v, s)[0] == me[0]}
                base = _ident("_".join(tail[-1:]))
                parts = []
                for p in range(len(row.output_shapes)):
                    name = f"{base}_{p}" if p in used or me == ret else "_"
                    parts.append(name)
                    if name != "_":
                        var[(me[0], p)] = name
                        held[name] = (me[0], p)
                if me == ret:
                    var[me] = "(" + ", ".join(parts) + ")"
                lines.append(f"{', '.join(parts)} = {expr}")
                continue
            name = self.variable(u, tail, ins, k, live, leaf, uses.get(me, []))
            var[me] = name
            held[name] = me
            lines.append(f"{name} = {expr}")
        lines.append(f"return {var[ret]}")
        return lines

    def variable(self, u, tail, ins, k, live, leaf, consumers) -> str:
        """A chain (read once, by the next step, or inside its branch) runs in ``x`` or the
        branch's name; a value read later or more than once, and a merge, get their own."""
        merge = getattr(leaf.layer, "merges", False) and u.gid is None
        branch = len(tail) >= 2 and re.fullmatch(r"branch\d+", tail[-2])
        chain = len(consumers) == 1 and (consumers[0] == k + 1 or branch)
        if chain and not merge:
            if branch and not live(tail[-2], k):
                return tail[-2]
            if not branch and not live("x", k):
                return "x"
            if len(ins) == 1 and ins[0].isidentifier() and not live(ins[0], k):
                return ins[0]
        for n in range(1, len(tail) + 1):
            name = _ident("_".join(tail[-n:]))
            if not live(name, k) and name not in ("x", *ins):
                return name
        return _ident("_".join(tail)) + f"_{k}"

    def produced(self, v, s: Scope):
        """The value as the scope sees it: a block instance's last layer stands for the
        block; a value from outside is its argument."""
        j, part = v
        if j < 0:
            return v
        p = self.owner[j]
        depth = 0 if s.gid is None else self.owner[self.members[s.gid][0]].index(s.gid) + 1
        if len(p) > depth and (s.gid is None or s.gid in p):
            return (self.members[p[depth]][-1], part)
        return v

    # --- classes ---

    def block_call(self, gid) -> Call:
        """The class of a block instance (one per kind and structure); its constructor
        arguments are filled in by finish_classes, once every use is known."""
        s = self.scope(gid)
        calls, after, notes, forward = self.body(s)
        group = self.spec.groups[gid]
        sig = (group.type, tuple((a, c.callee, tuple(x.name for x in c.args))
                                 for a, c in calls), tuple(after), tuple(forward),
               tuple(self.arg_names(s)))
        entry = self.signatures.get(sig)
        if entry is None:
            base = _camel(group.type)
            taken = {e["name"] for e in self.classes} | set(HELPERS)
            name, n = base, 2
            while name in taken:
                name, n = f"{base}{n}", n + 1
            entry = self.signatures[sig] = {"name": name, "uses": []}
            self.classes.append(entry)
        call = Call(entry["name"], [])
        entry["uses"].append((gid, calls, after, notes, forward, s, call))
        return call

    def finish_classes(self):
        """Per block class (inner ones first), the constructor values that differ between
        its uses become its arguments, named after the block parameter that has those values
        (or in_channels, or attribute_argument); each use's call gets its values."""
        for entry in self.classes:
            uses = entry["uses"]
            first = uses[0][1]
            params: dict = {}
            block_params = list(self.spec.groups[uses[0][0]].args)
            for a, (attr, call) in enumerate(first):
                for b, arg in enumerate(call.args):
                    values = [u[1][a][1].args[b].value for u in uses]
                    if len({_py(v) for v in values}) == 1:
                        continue
                    name = next((p for p in block_params
                                 if [_norm(self.spec.groups[u[0]].args.get(p)) for u in uses]
                                 == [_norm(v) for v in values]), None)
                    if name is None and arg.name in CHANNELS and values == [
                            self.shape(u[5].inputs[0])[0] for u in uses]:
                        name = "in_channels"
                    name = _ident(name or f"{attr}_{arg.name}")
                    while name in params and params[name] != values:
                        name += "_"
                    params[name] = values
                    for u in uses:
                        c = u[1][a][1]
                        c.args[b] = Arg(c.args[b].name, Name(name), c.args[b].positional,
                                        c.args[b].default)
            order = {p: k for k, p in enumerate(["in_channels", *block_params])}
            entry["params"] = sorted(params, key=lambda p: order.get(p, len(order)))
            for k, use in enumerate(uses):  # the first two by position, the rest by name
                use[6].args = [Arg(p, params[p][k], n < 2) for n, p in enumerate(entry["params"])]

    def shape(self, v):
        j, part = v
        if j < 0:
            return self.result.input_shape
        row = self.rows[j]
        return row.output_shapes[part] if part is not None else row.output_shape

    def text(self) -> str:
        root = self.scope(None)
        calls, after, notes, forward = self.body(root)
        self.finish_classes()
        name = _camel(self.spec.name or "net")
        if name in {e["name"] for e in self.classes} | set(HELPERS):
            name += "Net"
        out = [self.header()]
        out += [h.strip("\n") + "\n" for h in self.helpers]
        for entry in self.classes:
            out.append(self.block_class(entry))
        out.append(self.net_class(name, calls, after, notes, forward))
        out.append(self.footer(name))
        return "\n\n".join(x.rstrip("\n") + "\n" for x in out)

    def init_lines(self, calls, after, notes):
        lines = []
        for attr, call in calls:
            if attr in notes:
                lines.append(f"# {notes[attr]}")
            lines.append(f"self.{attr} = " + call.text(8, 8 + len(f"self.{attr} = ")))
        return lines + list(after)

    def block_class(self, entry) -> str:
        gid, calls, after, notes, forward, s, _ = entry["uses"][0]
        group = self.spec.groups[gid]
        params = entry["params"]
        doc = f'"""The {group.type} block' + (f" of the spec ({len(entry['uses'])} uses)"
                                               if len(entry["uses"]) > 1 else " of the spec")
        doc += '."""'
        lines = [f"class {entry['name']}(nn.Module):", f"    {doc}", "",
                 _signature("    def __init__(", ["self", *params]),
                 "        super().__init__()"]
        lines += ["        " + line for line in self.init_lines(calls, after, notes)]
        lines += ["", f"    def forward(self, {', '.join(self.arg_names(s))}):"]
        lines += ["        " + line for line in forward]
        return "\n".join(lines) + "\n"

    def net_class(self, name, calls, after, notes, forward) -> str:
        r, spec = self.result, self.spec
        t = r.totals
        summary = ": ".join(x for x in (spec.name, spec.description) if x) or "The network"
        facts = (f"Input {_shape(r.input_shape)}; cnnshape expects output "
                 f"{_shape(r.output_shape)}, {t.params:,} params ({t.non_trainable_params:,} "
                 f"non-trainable) and {t.macs:,} MACs.")
        doc = [*textwrap.wrap('"""' + summary.rstrip(".") + ".", 88, break_on_hyphens=False),
               "",
               *textwrap.wrap(facts, 88, break_on_hyphens=False), '"""']
        lines = [f"class {name}(nn.Module):"]
        lines += ["    " + d if d else "" for d in doc]
        lines += ["", "    def __init__(self):", "        super().__init__()"]
        lines += ["        " + line for line in self.init_lines(calls, after, notes)]
        lines += ["", "    def forward(self, x):"]
        lines += ["        " + line for line in forward]
        return "\n".join(lines) + "\n"

    def header(self) -> str:
        path = os.path.basename(self.spec.path or "")
        source = f" from {path}" if path.endswith((".yaml", ".yml")) else ""
        lines = [f'"""{self.spec.name or "The network"}, written by cnnshape export{source}.',
                 "", "Run as a script, it checks cnnshape's output shape, params and MACs.", '"""',
                 "import torch"]
        if self.functional:
            lines.append("import torch.nn.functional as F")
        lines += ["from torch import nn", "from torch.utils.flop_counter import FlopCounterMode"]
        r, t = self.result, self.result.totals
        lines += ["", f"INPUT_SHAPE = {_py((1, *r.input_shape))}",
                  f"OUTPUT_SHAPE = {_py((1, *r.output_shape))}",
                  f"PARAMS = {t.params}", f"NON_TRAINABLE_PARAMS = {t.non_trainable_params}",
                  f"MACS = {t.macs}"]
        return "\n".join(lines) + "\n"

    def footer(self, name) -> str:
        return f'''def check(device="cpu"):
    """Run zeros through the network and assert cnnshape's output shape, params,
    non-trainable params (running statistics, fixed and frozen weights) and MACs;
    device="meta" checks them without computing (or initialising) anything."""
    with torch.device(device):
        model = {name}().eval()
    with torch.no_grad(), FlopCounterMode(display=False) as flops:
        y = model(torch.zeros(INPUT_SHAPE, device=device))
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    # BatchNorm's num_batches_tracked counts steps; it is not a weight
    buffers = sum(b.numel() for name, b in model.named_buffers()
                  if not name.endswith("num_batches_tracked"))
    macs = flops.get_total_flops() // 2
    assert tuple(y.shape) == OUTPUT_SHAPE, f"output {{tuple(y.shape)}}, expected {{OUTPUT_SHAPE}}"
    assert params == PARAMS, f"{{params}} params, expected {{PARAMS}}"
    assert frozen + buffers == NON_TRAINABLE_PARAMS, (
        f"{{frozen + buffers}} non-trainable, expected {{NON_TRAINABLE_PARAMS}}")
    assert macs == MACS, f"{{macs}} MACs, expected {{MACS}}"
    return model


if __name__ == "__main__":
    check()
    print(f"OK {name}: output {{OUTPUT_SHAPE}}, {{PARAMS:,}} params, {{MACS:,}} MACs")
'''


CHANNELS = ("in_channels", "num_features", "num_channels", "channels", "in_features",
            "normalized_shape")
HELPERS = ("LayerNorm2d", "LayerScale", "StochasticDepth", "Subsampling2d", "PartialConv2d",
           "RBF", "center_crop")


def _norm(v):
    if isinstance(v, list):
        v = tuple(v)
    if isinstance(v, tuple) and len(set(v)) == 1:
        return v[0]
    return v


def _signature(head: str, names) -> str:
    """``head`` and the names, wrapped under the opening parenthesis past WIDTH."""
    lines = textwrap.wrap(", ".join(names), WIDTH - len(head) - 2, break_on_hyphens=False)
    return head + ("\n" + " " * len(head)).join(lines) + "):"


def _shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in (1, *shape)) + ")"


def write(spec, result, **options) -> str:
    """The Python file of ``spec`` for PyTorch."""
    if options:
        raise TypeError(f"unexpected options {sorted(options)}")
    return Writer(spec, result).text()
