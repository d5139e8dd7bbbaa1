"""Keras 3 functional code for an expanded spec (``cnnshape export SPEC --to keras``).

The file imports keras alone (and sets ``KERAS_BACKEND=torch`` unless the caller chose a
backend), builds ``model = keras.Model(...)`` at module level, and, run as a script, prints
``model.summary()``, runs one zeros input and asserts cnnshape's output shape and Keras'
trainable and non-trainable totals (BatchNormalization's moving mean and variance are
Keras' non-trainable weights: cnnshape's split).

Layout: channels-first kept, ``data_format=CF`` on every layer that takes it, so every
shape reads as cnnshape's.  Keras' own layers cover most kinds; where Keras lacks one, the
equivalent is written out (see ``_WRITERS``), and what Keras cannot express at all is a
SpecError (CS611-CS616) naming the layer.  This module writes text and never imports keras.
"""
import builtins
import keyword
import re

from ..diagnostics import Diagnostic, SpecError

CF = "CF"  # the generated file's constant: CF = "channels_first"


class Refused(Exception):
    def __init__(self, code, message, hint=""):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


# --- custom layers: written into the file only when a spec needs them ----------------

CUSTOM = {
    "Split": '''
class Split(layers.Layer):
    """torch.split: the parts of ``sizes`` along ``axis``, one output each."""

    def __init__(self, sizes, axis, **kwargs):
        super().__init__(**kwargs)
        self.sizes, self.axis = tuple(sizes), axis

    def call(self, x):
        cuts = [sum(self.sizes[: i + 1]) for i in range(len(self.sizes) - 1)]
        return ops.split(x, cuts, axis=self.axis)

    def compute_output_shape(self, shape):
        a = self.axis
        return [(*shape[:a], n, *shape[a + 1:]) for n in self.sizes]
''',
    "LayerScale": '''
class LayerScale(layers.Layer):
    """A learned multiplier per channel (ConvNeXt): ``shape`` is [C, 1, 1] or [C]."""

    def __init__(self, shape, init_value, **kwargs):
        super().__init__(**kwargs)
        self.gamma = self.add_weight(
            shape=shape, initializer=keras.initializers.Constant(init_value))

    def call(self, x):
        return x * self.gamma
''',
    "LogSoftmax": '''
class LogSoftmax(layers.Layer):
    """torch.nn.LogSoftmax(dim): log_softmax along ``axis``."""

    def __init__(self, axis, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, x):
        return ops.log_softmax(x, axis=self.axis)
''',
    "LocalResponseNorm": '''
class LocalResponseNorm(layers.Layer):
    """torch.nn.LocalResponseNorm: x / (k + alpha * mean of x² over ``size`` channels)^beta,
    the window padded with size // 2 channels before and (size - 1) // 2 after."""

    def __init__(self, size, alpha, beta, k, **kwargs):
        super().__init__(**kwargs)
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def call(self, x):
        channels, rank = x.shape[1], len(x.shape)
        pads = [(0, 0), (self.size // 2, (self.size - 1) // 2)] + [(0, 0)] * (rank - 2)
        squares = ops.pad(ops.square(x), pads)
        div = sum(squares[:, i:i + channels] for i in range(self.size)) / self.size
        return x / ops.power(self.k + self.alpha * div, self.beta)
''',
    "PartialConv2D": '''
class PartialConv2D(layers.Layer):
    """LeNet-5's C3: output map i convolves only the input maps ``table[i]``."""

    def __init__(self, table, kernel_size, strides, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.table, self.strides, self.use_bias = table, strides, use_bias
        self.kernels = [self.add_weight(shape=(*kernel_size, len(row), 1))
                        for row in table]
        self.bias = self.add_weight(shape=(len(table), 1, 1)) if use_bias else None

    def call(self, x):
        maps = [ops.conv(ops.take(x, list(row), axis=1), kernel, self.strides,
                         data_format=CF)
                for row, kernel in zip(self.table, self.kernels)]
        y = ops.concatenate(maps, axis=1)
        return y + self.bias if self.use_bias else y
''',
    "RBF": '''
class RBF(layers.Layer):
    """LeNet-5's output: per class, the squared distance to a fixed (non-trainable) code."""

    def __init__(self, units, in_features, **kwargs):
        super().__init__(**kwargs)
        self.codes = self.add_weight(shape=(units, in_features), trainable=False)

    def call(self, x):
        return ops.sum(ops.square(x[:, None, :] - self.codes[None]), axis=-1)
''',
    "MatMul": '''
class MatMul(layers.Layer):
    """torch.matmul of two paths: [..., M, K] @ [..., K, N]."""

    def call(self, inputs):
        return ops.matmul(inputs[0], inputs[1])
''',
}


# --- one writer per layer kind ---------------------------------------------------------
# A writer gets the emitter, the layer, its input shapes and output shape, and calls
# e.call(constructor, args, src, suffix) once per Keras layer; the last call, without a
# suffix, is the node itself.

def _same(size, kernel, stride, dilation=1):
    """Keras' 'same' (TF SAME_UPPER; the torch backend's _compute_padding_length)."""
    k = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max(0, (out - 1) * stride + k - size)
    return (total // 2, total - total // 2)


def _t(values):
    """A tuple literal: (3, 3), (1,)."""
    values = tuple(values)
    return f"({values[0]},)" if len(values) == 1 else f"({', '.join(map(str, values))})"


def _pairs(pads):
    return "(" + ", ".join(f"({b}, {e})" for b, e in pads) + ("," if len(pads) == 1 else "") + ")"


def _pad(e, n, pads, src, comment=None):
    """ZeroPadding{n}D before a window: explicit, asymmetric or torch-style padding that
    Keras' 'same' does not produce."""
    arg = f"({pads[0][0]}, {pads[0][1]})" if n == 1 else _pairs(pads)
    return e.call(f"layers.ZeroPadding{n}D", [arg, f"data_format={CF}"], src, "pad",
                  comment=comment)


def conv(e, layer, xs, y):
    n, x = layer.dims, xs[0]
    axes = layer.axes(x[1:])
    pads = [(a.pad_begin, a.pad_end) for a in axes]
    strides = tuple(a.stride for a in axes)
    dilation = tuple(a.dilation for a in axes)
    # Keras refuses strides > 1 with dilation > 1: the stride-1 dilated conv, then every
    # s-th output (a pool of size 1), is the same function
    subsample = max(strides) > 1 and max(dilation) > 1
    src = e.src
    if not any(b or t for b, t in pads):
        padding = "valid"
    elif not subsample and pads == [_same(a.size, a.kernel, a.stride, a.dilation)
                                    for a in axes]:
        padding = "same"
    else:
        src, padding = _pad(e, n, pads, src), "valid"
    args = [str(layer.out_channels), _t(layer.kernel_size)]
    if max(strides) > 1 and not subsample:
        args.append(f"strides={_t(strides)}")
    if padding != "valid":
        args.append(f'padding="{padding}"')
    if max(dilation) > 1:
        args.append(f"dilation_rate={_t(dilation)}")
    if layer.groups > 1:
        args.append(f"groups={layer.groups}")
    if not layer.bias:
        args.append("use_bias=False")
    if not layer.trainable:
        args.append("trainable=False")
    args.append(f"data_format={CF}")
    if subsample:
        src = e.call(f"layers.Conv{n}D", args, src, "dilated")
        e.call(f"layers.MaxPooling{n}D", ["1", f"strides={_t(strides)}", f"data_format={CF}"],
               src, comment="every s-th output: Keras has no strided dilated conv")
        return
    e.call(f"layers.Conv{n}D", args, src)


def conv_transpose(e, layer, xs, y):
    n, x = layer.dims, xs[0]
    if layer.groups > 1:
        raise Refused("CS614", f"Keras' Conv{n}DTranspose has no groups (groups={layer.groups})",
                      "use groups=1, or export to pytorch or onnx")
    axes = layer.axes(x[1:])
    args = [str(layer.out_channels), _t(layer.kernel_size), f"strides={_t(layer.stride)}",
            f"output_padding={_t(layer.output_paddings())}"]
    if max(layer.dilation) > 1:
        args.append(f"dilation_rate={_t(layer.dilation)}")
    if not layer.bias:
        args.append("use_bias=False")
    args.append(f"data_format={CF}")
    crops = [(a.pad_begin, a.pad_end) for a in axes]
    if not any(b or t for b, t in crops):
        e.call(f"layers.Conv{n}DTranspose", args)
        return
    if n == 1:
        raise Refused("CS611", "Keras' Cropping1D is channels-last only: torch's padding of a "
                      "1d transposed convolution has no channels-first crop", "")
    src = e.call(f"layers.Conv{n}DTranspose", args, e.src, "full")
    # torch's padding crops the transposed convolution's output
    e.call(f"layers.Cropping{n}D", [_pairs(crops), f"data_format={CF}"], src)


def pool(e, layer, xs, y):
    n, x = layer.dims, xs[0]
    kind = "Max" if type(layer).type_name.startswith("max") else "Average"
    axes = layer.axes(x[1:])
    if max(a.dilation for a in axes) > 1:
        raise Refused("CS615", f"Keras' {kind}Pooling{n}D has no dilation",
                      "use dilation 1, or export to pytorch or onnx")
    pads, comment = [], None
    for a, out in zip(axes, y[1:]):
        end = a.pad_end
        if layer.ceil_mode:
            # ceil mode, which Keras lacks: pad the end so that exactly `out` windows fit
            end = max(end, (out - 1) * a.stride + a.kernel - a.size - a.pad_begin)
            if end > a.pad_end:
                comment = ("ceil mode, which Keras lacks: padded at the end so the last "
                           "window fits")
        if (a.size + a.pad_begin + end - a.kernel) // a.stride + 1 != out:
            raise Refused("CS611", "no padding gives torch's ceil-mode output size", "")
        pads.append((a.pad_begin, end))
    same = [_same(a.size, a.kernel, a.stride) for a in axes]
    exclude_pad = kind == "Max" or not getattr(layer, "count_include_pad", True)
    src = e.src
    padding = "valid"
    if any(b or t for b, t in pads):
        if pads == same and exclude_pad and not layer.ceil_mode:
            padding = "same"  # Keras' 'same' leaves the padding out of max and mean
        else:
            # shapes are exact; for a max pool the zeros stand where torch pads with -inf,
            # which changes a value only where a window sees negatives and padding alone
            src = _pad(e, n, pads, src, comment)
    args = [_t(layer.kernel_size), f"strides={_t(layer.strides())}"]
    if padding != "valid":
        args.append(f'padding="{padding}"')
    args.append(f"data_format={CF}")
    e.call(f"layers.{kind}Pooling{n}D", args, src)


def adaptive_pool(e, layer, xs, y):
    n, x = layer.dims, xs[0]
    kind = "Max" if "max" in type(layer).type_name else "Average"
    if all(o == 1 for o in y[1:]):
        e.call(f"layers.Global{kind}Pooling{n}D", [f"data_format={CF}", "keepdims=True"])
    elif x == y:
        e.call("layers.Identity", [], comment="the map already has the output size")
    elif all(w % o == 0 for w, o in zip(x[1:], y[1:])):
        # even windows: torch's adaptive pool is a pool with kernel = stride = W / out
        k = _t(w // o for w, o in zip(x[1:], y[1:]))
        e.call(f"layers.{kind}Pooling{n}D", [k, f"strides={k}", f"data_format={CF}"])
    else:
        raise Refused("CS613", f"Keras has no adaptive pooling, and {list(x[1:])} to "
                      f"{list(y[1:])} needs windows of different sizes",
                      "give an input whose size divides by the output size")


def global_pool(e, layer, xs, y):
    kind = "Max" if "max" in type(layer).type_name else "Average"
    e.call(f"layers.Global{kind}Pooling{len(xs[0]) - 1}D", [f"data_format={CF}",
                                                          "keepdims=True"])


def flatten(e, layer, xs, y):
    # channels_last: a plain reshape, torch's order (channels_first would transpose first)
    e.call("layers.Flatten", ['data_format="channels_last"'])


def linear(e, layer, xs, y):
    e.call("layers.Dense", [str(layer.out_features)] + ([] if layer.bias else ["use_bias=False"]))


def batchnorm(e, layer, xs, y):
    if not layer.track_running_stats:
        raise Refused("CS612", "Keras' BatchNormalization always keeps moving statistics "
                      "(track_running_stats: false has none)",
                      "set track_running_stats: true, or export to pytorch or onnx")
    args = ["axis=1", f"epsilon={layer.eps!r}", f"momentum={round(1 - layer.momentum, 12)!r}"]
    if not layer.affine:
        args += ["center=False", "scale=False"]
    e.call("layers.BatchNormalization", args)  # torch's momentum m is Keras' 1 - m


def instancenorm(e, layer, xs, y):
    if layer.track_running_stats:
        raise Refused("CS612", "Keras has no instance norm with running statistics",
                      "set track_running_stats: false, or export to pytorch or onnx")
    args = [f"groups={xs[0][0]}", "axis=1", f"epsilon={layer.eps!r}"]
    if not layer.affine:
        args += ["center=False", "scale=False"]
    e.call("layers.GroupNormalization", args, comment="one group per channel: instance norm")


def groupnorm(e, layer, xs, y):
    args = [f"groups={layer.num_groups}", "axis=1", f"epsilon={layer.eps!r}"]
    if not layer.affine:
        args += ["center=False", "scale=False"]
    e.call("layers.GroupNormalization", args)


def _norm_args(layer, axis):
    args = [f"axis={axis}", f"epsilon={layer.eps!r}"]
    if not layer.elementwise_affine:
        args += ["center=False", "scale=False"]
    elif not layer.bias:
        args.append("center=False")
    return args


def layernorm(e, layer, xs, y):
    k = len(layer.normalized_shape)
    axis = "-1" if k == 1 else "[" + ", ".join(str(-i) for i in range(k, 0, -1)) + "]"
    e.call("layers.LayerNormalization", _norm_args(layer, axis))


def layernorm2d(e, layer, xs, y):
    # the torch backend's LayerNormalization(axis=1) fails on a map: channels-last around
    # it, as torchvision's LayerNorm2d does
    src = e.call("layers.Permute", ["(2, 3, 1)"], e.src, "to_last")
    src = e.call("layers.LayerNormalization", _norm_args(layer, -1), src, "norm")
    e.call("layers.Permute", ["(3, 1, 2)"], src)


def layer_scale(e, layer, xs, y):
    x = xs[0]
    dim = layer.dim % len(x)
    shape = tuple(x[dim] if i == dim else 1 for i in range(dim, len(x)))
    e.call("LayerScale", [_t(shape), repr(layer.init_values)], custom="LayerScale")


def _drop(rank_shape):
    return f"noise_shape={_t(rank_shape)}".replace("(", "(None, ", 1)


def dropout(e, layer, xs, y):
    x = xs[0]
    if layer.dims is None:
        e.call("layers.Dropout", [repr(layer.p)])
    else:  # torch's Dropout{n}d zeroes whole channels
        e.call("layers.Dropout", [repr(layer.p), _drop((x[0],) + (1,) * (len(x) - 1))])


def stochastic_depth(e, layer, xs, y):
    # drop path: a whole sample ('row') or the whole batch, scaled by 1 / (1 - p) in
    # training, the identity at inference: Dropout with a broadcast noise shape
    rank = len(xs[0])
    shape = ("None," if layer.mode == "row" else "1,") + " 1," * rank
    e.call("layers.Dropout", [repr(layer.p), f"noise_shape=({shape.rstrip(',')})"])


ACTIVATIONS = {"selu": "selu", "gelu": "gelu", "sigmoid": "sigmoid", "tanh": "tanh",
               "silu": "silu", "hardswish": "hard_swish", "hardsigmoid": "hard_sigmoid",
               "mish": "mish", "softplus": "softplus"}


def activation(e, layer, xs, y):
    name = type(layer).type_name
    if name == "relu":
        e.call("layers.ReLU", [])
    elif name == "relu6":
        e.call("layers.ReLU", ["max_value=6"])
    elif name == "leaky_relu":
        e.call("layers.LeakyReLU", [f"negative_slope={layer.negative_slope!r}"])
    elif name == "elu":
        e.call("layers.ELU", [f"alpha={layer.alpha!r}"])
    else:
        e.call("layers.Activation", [f'"{ACTIVATIONS[name]}"'])


def prelu(e, layer, xs, y):
    rank = len(xs[0])
    first = 2 if layer.num_parameters > 1 else 1  # one slope per channel, or one in all
    args = ["alpha_initializer=keras.initializers.Constant(0.25)"]
    if first <= rank:
        args.append(f"shared_axes={list(range(first, rank + 1))}")
    e.call("layers.PReLU", args)


def softmax(e, layer, xs, y):
    axis = layer.dim % len(xs[0]) + 1
    if type(layer).type_name == "softmax":
        e.call("layers.Softmax", [f"axis={axis}"])
    else:
        e.call("LogSoftmax", [f"axis={axis}"], custom="LogSoftmax")


def lrn(e, layer, xs, y):
    e.call("LocalResponseNorm", [str(layer.size), repr(layer.alpha), repr(layer.beta),
                                 repr(layer.k)], custom="LocalResponseNorm")


def identity(e, layer, xs, y):
    e.call("layers.Identity", [])


def zeropad(e, layer, xs, y):
    n = layer.dims
    arg = f"({layer.padding[0][0]}, {layer.padding[0][1]})" if n == 1 else _pairs(layer.padding)
    e.call(f"layers.ZeroPadding{n}D", [arg, f"data_format={CF}"])


def upsample(e, layer, xs, y):
    x = xs[0]
    n = len(x) - 1
    factors = [o // w for w, o in zip(x[1:], y[1:])]
    if any(o % w for w, o in zip(x[1:], y[1:])):
        raise Refused("CS616", f"upsample from {list(x[1:])} to {list(y[1:])} is not by whole "
                      "factors; Keras' UpSampling repeats rows", "give integer scale factors")
    modes = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic"}
    mode = layer.mode.lower()
    if n == 2 and mode in modes:
        args = [_t(factors), f"data_format={CF}"]
        if mode != "nearest":
            args.append(f'interpolation="{modes[mode]}"')
        e.call("layers.UpSampling2D", args)
    elif n == 3 and mode == "nearest":
        e.call("layers.UpSampling3D", [_t(factors), f"data_format={CF}"])
    elif n == 1 and mode == "nearest":
        # UpSampling1D is channels-last only: turn the map around it
        src = e.call("layers.Permute", ["(2, 1)"], e.src, "to_last")
        src = e.call("layers.UpSampling1D", [str(factors[0])], src, "up")
        e.call("layers.Permute", ["(2, 1)"], src)
    else:
        raise Refused("CS616", f"Keras has no {mode!r} upsampling of a {n}d map",
                      "use mode nearest, or bilinear on a 2d map")


def permute(e, layer, xs, y):
    e.call("layers.Permute", [_t(d + 1 for d in layer.axes_order(xs[0]))])


def reshape(e, layer, xs, y):
    e.call("layers.Reshape", [_t(y)])


def channel_shuffle(e, layer, xs, y):
    x, g = xs[0], layer.groups
    rest = x[1:]
    src = e.call("layers.Reshape", [_t((g, x[0] // g, *rest))], e.src, "groups")
    src = e.call("layers.Permute", [_t((2, 1, *range(3, len(x) + 2)))], src, "swap")
    e.call("layers.Reshape", [_t(x)], src, comment="channel shuffle: view, transpose, view")


def pixel_shuffle(e, layer, xs, y):
    (c, h, w), r = xs[0], layer.upscale_factor
    src = e.call("layers.Reshape", [_t((c // (r * r), r, r, h, w))], e.src, "split")
    src = e.call("layers.Permute", ["(1, 4, 2, 5, 3)"], src, "interleave")
    e.call("layers.Reshape", [_t(y)], src, comment="pixel shuffle: depth to space")


def pixel_unshuffle(e, layer, xs, y):
    (c, h, w), r = xs[0], layer.downscale_factor
    src = e.call("layers.Reshape", [_t((c, h // r, r, w // r, r))], e.src, "split")
    src = e.call("layers.Permute", ["(1, 3, 5, 2, 4)"], src, "gather")
    e.call("layers.Reshape", [_t(y)], src, comment="pixel unshuffle: space to depth")


def concat(e, layer, xs, y):
    srcs = list(e.srcs)
    if layer.crop:
        ref = xs[0]
        for i, x in enumerate(xs[1:], 1):
            if x[1:] == ref[1:]:
                continue
            n = len(x) - 1
            if n == 1:
                raise Refused("CS611", "Keras' Cropping1D is channels-last only", "")
            # U-Net's copy and crop: (big - small) // 2 off the start, the rest off the end
            crops = [((b - s) // 2, b - s - (b - s) // 2) for b, s in zip(x[1:], ref[1:])]
            srcs[i] = e.call(f"layers.Cropping{n}D", [_pairs(crops), f"data_format={CF}"],
                             srcs[i], f"crop{i}", dst=f"{e.dst}_crop{i}")
    e.call("layers.Concatenate", [f"axis={layer.dim % len(xs[0]) + 1}"],
           "[" + ", ".join(srcs) + "]")


def add(e, layer, xs, y):
    e.call("layers.Add", [], "[" + ", ".join(e.srcs) + "]")


def mul(e, layer, xs, y):
    e.call("layers.Multiply", [], "[" + ", ".join(e.srcs) + "]")


def split(e, layer, xs, y):
    d = layer.axis(xs[0])
    e.call("Split", [_t(part[d] for part in y), f"axis={d + 1}"], custom="Split")


def matmul(e, layer, xs, y):
    e.call("MatMul", [], "[" + ", ".join(e.srcs) + "]", custom="MatMul")


def reshape_as(e, layer, xs, y):
    # the second path gives only its (static) shape
    e.call("layers.Reshape", [_t(y)], e.srcs[0])


def interpolate_as(e, layer, xs, y):
    x = xs[0]
    if any(o % w for w, o in zip(x[1:], y[1:])) or len(x) != 3:
        raise Refused("CS616", f"resizing {list(x[1:])} to {list(y[1:])} is not a whole-factor "
                      "upsampling of a 2d map, which Keras' UpSampling2D is", "")
    e.call("layers.UpSampling2D", [_t(o // w for w, o in zip(x[1:], y[1:])),
                                   f"data_format={CF}"], e.srcs[0])


def subsampling(e, layer, xs, y):
    # LeNet-5's S2/S4: a sum over the window times a coefficient, plus a bias, per map: the
    # mean over the window, then a 1x1 depthwise conv (its weight absorbs the window size)
    src = e.call("layers.AveragePooling2D", [_t(layer.kernel_size),
                                             f"strides={_t(layer.strides())}",
                                             f"data_format={CF}"], e.src, "mean")
    e.call("layers.DepthwiseConv2D", ["1", f"data_format={CF}"], src)


def partial_conv(e, layer, xs, y):
    table = f"{e.kname.upper()}_TABLE"  # per output map, the input maps it reads
    e.lines.extend(_wrap(f"{table} = (", [_t(row) for row in layer.table], ")", width=99))
    args = [table, _t(layer.kernel_size), _t(layer.stride)]
    if not layer.bias:
        args.append("use_bias=False")
    e.call("PartialConv2D", args, custom="PartialConv2D")


def rbf(e, layer, xs, y):
    e.call("RBF", [str(layer.out_features), str(xs[0][0])], custom="RBF")


_WRITERS = {
    **{f"conv{n}d": conv for n in (1, 2, 3)},
    **{f"conv_transpose{n}d": conv_transpose for n in (1, 2, 3)},
    **{f"{k}pool{n}d": pool for k in ("max", "avg") for n in (1, 2, 3)},
    **{f"adaptive_{k}pool{n}d": adaptive_pool for k in ("max", "avg") for n in (1, 2, 3)},
    "global_avgpool": global_pool, "global_maxpool": global_pool,
    "flatten": flatten, "linear": linear,
    **{k: batchnorm for k in ("batchnorm", "batchnorm1d", "batchnorm2d", "batchnorm3d")},
    **{f"instancenorm{n}d": instancenorm for n in (1, 2, 3)},
    "groupnorm": groupnorm, "layernorm": layernorm, "layernorm2d": layernorm2d,
    "layer_scale": layer_scale, "stochastic_depth": stochastic_depth,
    **{k: dropout for k in ("dropout", "dropout1d", "dropout2d", "dropout3d")},
    **{k: activation for k in ("relu", "relu6", "leaky_relu", "elu", *ACTIVATIONS)},
    "prelu": prelu, "softmax": softmax, "log_softmax": softmax, "lrn": lrn,
    "identity": identity, **{f"zeropad{n}d": zeropad for n in (1, 2, 3)},
    "upsample": upsample, "permute": permute, "reshape": reshape, "unflatten": reshape,
    "channel_shuffle": channel_shuffle, "pixel_shuffle": pixel_shuffle,
    "pixel_unshuffle": pixel_unshuffle, "concat": concat, "add": add, "mul": mul,
    "split": split, "chunk": split, "matmul": matmul, "reshape_as": reshape_as,
    "interpolate_as": interpolate_as, "subsampling2d": subsampling,
    "partial_conv2d": partial_conv, "rbf": rbf,
}


# --- the file ----------------------------------------------------------------------------

RESERVED = {"keras", "layers", "ops", "math", "os", "model", "x", "inputs", "CF", "y",
            "trainable", "non_trainable", "shape", *CUSTOM}


class _Emitter:
    """Lines of one node: each Keras layer named after the spec's layer."""

    def __init__(self, lines, used, kname, dst, srcs):
        self.lines, self.used, self.kname, self.dst = lines, used, kname, dst
        self.srcs = srcs
        self.src = srcs[0] if srcs else "inputs"

    def call(self, ctor, args, src=None, suffix=None, dst=None, custom=None, comment=None):
        if custom:
            self.used.add(custom)
        name = self.kname if suffix is None else f"{self.kname}_{suffix}"
        dst = dst or self.dst
        src = self.src if src is None else src
        if comment:
            self.lines.append(f"# {comment}")
        call = _wrap(f"{dst} = {ctor}(", [*args, f'name="{name}"'], f")({src})")
        if len(call[-1]) > 99 and src.startswith("["):  # a merge of many paths (DenseNet)
            call = _wrap(f"{dst} = {ctor}(", [*args, f'name="{name}"'], ")(")
            call += _wrap("    [", src[1:-1].split(", "), "])")
        self.lines.extend(call)
        return dst


def _wrap(head, args, tail, width=99):
    """One call, its arguments filled onto lines aligned after the opening bracket, or on
    lines of their own, indented, when a long name leaves no room beside it."""
    def fill(first, indent):
        lines, line = [], first
        for i, arg in enumerate(args):
            piece = arg + (", " if i < len(args) - 1 else tail)
            if len(line) + len(piece.rstrip()) > width and line.strip() != first.strip():
                lines.append(line.rstrip())
                line = indent
            line += piece
        return [*lines, line]
    lines = fill(head, " " * len(head))
    if max(map(len, lines)) > width:
        lines = [head, *fill("    ", "    ")]
    return lines


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.\- ]", "_", text)


def _ident(name: str, taken: set) -> str:
    base = re.sub(r"\W", "_", name)
    if not base or base[0].isdigit():
        base = "_" + base
    # a layer named sum or input must not hide the builtin the custom layers call
    if keyword.iskeyword(base) or base in RESERVED or hasattr(builtins, base):
        base += "_"
    ident, i = base, 1
    while ident in taken:
        i += 1
        ident = f"{base}_{i}"
    taken.add(ident)
    return ident


def write(spec, result, **options) -> str:
    nodes, rows = spec.nodes, result.layers
    consumers = [[] for _ in nodes]
    for i, node in enumerate(nodes):
        for j in node.inputs:
            if j >= 0:
                consumers[j].append(i)
    names, variables, problems = set(), [], []
    for i, node in enumerate(nodes):
        kname = _ident(node.name, names)
        # a layer read only by the next one flows on as x; others keep their name
        chained = (consumers[i] == [i + 1] and not type(node.layer).splits
                   and i + 1 < len(nodes))
        variables.append(("x" if chained else kname, kname))
    body, used, last_group = [], set(), None
    for i, (node, row) in enumerate(zip(nodes, rows)):
        group = node.groups[0] if node.groups else None
        if group != last_group and group is not None:
            g = spec.groups[group]
            body.append("")
            body.append(f"# {_safe(g.name)}: {_safe(g.type)}")
        last_group = group
        srcs = []
        for k, j in enumerate(node.inputs):
            src = "inputs" if j < 0 else variables[j][0]
            part = node.parts[k] if k < len(node.parts) else None
            srcs.append(src if part is None else f"{src}[{part}]")
        dst, kname = variables[i]
        emitter = _Emitter(body, used, kname, dst, srcs)
        type_name = type(node.layer).type_name
        writer = _WRITERS.get(type_name)
        try:
            if writer is None:
                raise Refused("CS611", f"cnnshape has no Keras equivalent of {type_name}", "")
            writer(emitter, node.layer, row.input_shapes, row.output_shapes or row.output_shape)
        except Refused as r:
            problems.append(Diagnostic(spec.path, node.line, node.column, r.code, "error",
                                       f"{node.name} ({type_name}): {r.message}", r.hint))
    if problems:
        raise SpecError(problems)
    output = variables[-1][0]
    totals = result.totals
    title = _safe(result.name or "network")  # a YAML name may hold quotes or newlines
    head = [
        f'"""{title}: Keras 3 functional code written by cnnshape export --to keras.',
        "",
        (f"Input {list(result.input_shape)} (channels first, no batch axis). cnnshape expects "
         f"output {list(result.output_shape)},"),
        (f"{totals.params:,} trainable and {totals.non_trainable_params:,} non-trainable params "
         "(Keras' split: BatchNormalization's"),
        f"moving statistics are non-trainable) and {totals.macs:,} MACs.",
        "",
        "Run: python net.py (KERAS_BACKEND defaults to torch here; no TensorFlow needed).",
        '"""',
        "import math",
        "import os",
        "",
        'os.environ.setdefault("KERAS_BACKEND", "torch")',
        "",
        "import keras",
        "from keras import layers, ops" if used else "from keras import layers",
        "",
        'CF = "channels_first"  # torch\'s layout, kept on every layer that takes data_format',
        f"INPUT_SHAPE = {_t(result.input_shape)}",
        f"OUTPUT_SHAPE = {_t(result.output_shape)}",
        f"TRAINABLE_PARAMS = {totals.params}",
        f"NON_TRAINABLE_PARAMS = {totals.non_trainable_params}",
    ]
    classes = [CUSTOM[name].strip("\n") for name in CUSTOM if name in used]
    code = head + [""]
    for cls in classes:
        code += ["", cls, ""]
    code += ["", 'inputs = keras.Input(shape=INPUT_SHAPE, name="input")', *body, "",
             f'model = keras.Model(inputs, {output}, name="{re.sub(r"[^0-9A-Za-z_]", "_", title)}")',
             "", "",
             'if __name__ == "__main__":',
             "    model.summary()",
             "    y = model(ops.zeros((1, *INPUT_SHAPE)))" if used else
             "    y = model(keras.ops.zeros((1, *INPUT_SHAPE)))",
             "    shape = tuple(y.shape[1:])",
             "    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)",
             "    non_trainable = sum(math.prod(w.shape) for w in model.non_trainable_weights)",
             "    assert shape == OUTPUT_SHAPE, (shape, OUTPUT_SHAPE)",
             "    assert trainable == TRAINABLE_PARAMS, (trainable, TRAINABLE_PARAMS)",
             ("    assert non_trainable == NON_TRAINABLE_PARAMS, (non_trainable, "
              "NON_TRAINABLE_PARAMS)"),
             '    print(f"OK output={list(shape)} trainable={trainable} "',
             '          f"non_trainable={non_trainable}")']
    return "\n".join(code) + "\n"
