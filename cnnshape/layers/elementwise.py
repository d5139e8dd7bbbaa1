"""Layers that keep or simply resize the map: normalisation, dropout, activations, padding,
upsampling, identity.  They have no MACs (the papers' and torchvision's totals count none)."""
import math
from dataclasses import dataclass, field
from math import prod

from . import (
    BOUND_HINT,
    MAX_INT,
    Bool,
    Cost,
    Count,
    Int,
    Kind,
    Layer,
    Number,
    OptionalCount,
    Padding,
    PerAxis,
    Probability,
    Problem,
    Shape,
    Text,
    _int,
    check_channels,
    _show,
    doc,
    register,
)


@dataclass(frozen=True, kw_only=True)
class BatchNorm(Layer):
    """torch.nn.BatchNormNd: per channel a learned scale and shift (trainable, as PyTorch
    counts them) and a running mean and variance (non-trainable, as Keras reports them)."""
    prefix = "bn"
    saves = ("input", "stats")  # native_batch_norm in training: input, saved mean and invstd
    num_features: OptionalCount = field(default=None, metadata=doc(
        "optional: the channel count you expect; a different one is an error"))
    eps: Number = field(default=1e-5, metadata=doc("added to the variance; no effect on shapes"))
    momentum: Number = field(default=0.1, metadata=doc("running-statistics momentum"))
    affine: Bool = field(default=True, metadata=doc("learn the scale and shift (2 per channel)"))
    track_running_stats: Bool = field(default=True, metadata=doc(
        "keep the running mean and variance (2 per channel, non-trainable)"))

    def output_shape(self, x: Shape) -> Shape:
        check_channels(self, self.num_features, x[0])
        return x

    def stats(self, y: Shape) -> tuple[int, bool]:
        return 2 * y[0], False   # save_mean and save_invstd, one per channel

    def cost(self, x: Shape, y: Shape) -> Cost:
        return Cost(params=2 * x[0] * self.affine,
                    non_trainable_params=2 * x[0] * self.track_running_stats)


register("batchnorm")(BatchNorm)
for _dims in (1, 2, 3):
    register(f"batchnorm{_dims}d")(type(f"BatchNorm{_dims}d", (BatchNorm,), {
        "__doc__": f"Matches torch.nn.BatchNorm{_dims}d.", "dims": _dims,
        # torch's BatchNorm1d takes (N, C) as well as (N, C, L)
        **({"ranks": (1, 2)} if _dims == 1 else {})}))


@dataclass(frozen=True, kw_only=True)
class Dropout(Layer):
    """torch.nn.Dropout / DropoutNd: no parameters, no change of shape."""
    primary = "p"
    saves = ("mask",)           # native_dropout: a bool mask
    p: Probability = field(default=0.5, metadata=doc("probability of zeroing an element"))
    inplace: Bool = field(default=False, metadata=doc("no effect on shapes"))


register("dropout")(Dropout)
for _dims in (1, 2, 3):
    register(f"dropout{_dims}d")(type(f"Dropout{_dims}d", (Dropout,), {
        "__doc__": f"Matches torch.nn.Dropout{_dims}d.", "dims": _dims}))


@dataclass(frozen=True, kw_only=True)
class Activation(Layer):
    """An element-wise nonlinearity: same shape, no parameters."""
    inplace: Bool = field(default=False, metadata=doc(
        "write over the input (no effect on shapes; the inference peak counts no new tensor)"))

    @property
    def aliases(self) -> bool:
        return self.inplace


# what each saves for backward, as torch's derivatives.yaml has it: its result (relu,
# sigmoid, tanh, selu's elu) or its input (the rest)
for _name, _torch, _saves in (
        ("relu", "ReLU", "output"), ("relu6", "ReLU6", "input"), ("selu", "SELU", "output"),
        ("gelu", "GELU", "input"), ("sigmoid", "Sigmoid", "output"),
        ("tanh", "Tanh", "output"), ("silu", "SiLU", "input"),
        ("hardswish", "Hardswish", "input"), ("hardsigmoid", "Hardsigmoid", "input"),
        ("mish", "Mish", "input"), ("softplus", "Softplus", "input")):
    register(_name)(type(_torch, (Activation,), {"__doc__": f"Matches torch.nn.{_torch}.",
                                                 "saves": (_saves,)}))


@register("leaky_relu")
@dataclass(frozen=True, kw_only=True)
class LeakyReLU(Activation):
    """Matches torch.nn.LeakyReLU."""
    negative_slope: Number = field(default=0.01, metadata=doc("slope for negative inputs"))


@register("elu")
@dataclass(frozen=True, kw_only=True)
class ELU(Activation):
    """Matches torch.nn.ELU."""
    alpha: Number = field(default=1.0, metadata=doc("saturation value for negative inputs"))


@register("softmax")
@dataclass(frozen=True, kw_only=True)
class SoftmaxLayer(Layer):
    """Matches torch.nn.Softmax; ``dim`` counts the sample's axes (0 = channels)."""
    saves = ("output",)
    dim: Int = field(default=0, metadata=doc("axis of a sample (0 = channels); no effect on "
                                         "shapes"))


register("log_softmax")(type("LogSoftmax", (SoftmaxLayer,), {
    "__doc__": "Matches torch.nn.LogSoftmax."}))


@register("prelu")
@dataclass(frozen=True, kw_only=True)
class PReLU(Activation):
    """Matches torch.nn.PReLU: one learned slope, or one per channel."""
    num_parameters: Count = field(default=1, metadata=doc("1, or the number of channels"))

    def output_shape(self, x: Shape) -> Shape:
        if self.num_parameters not in (1, x[0]):
            raise Problem("CS207", f"prelu: num_parameters is {self.num_parameters}; it must be "
                          f"1 or the {x[0]} input channels", "", "num_parameters")
        return x

    def cost(self, x: Shape, y: Shape) -> Cost:
        return Cost(params=self.num_parameters)


@register("lrn")
@dataclass(frozen=True, kw_only=True)
class LocalResponseNorm(Layer):
    """Matches torch.nn.LocalResponseNorm (AlexNet 2012): normalises across ``size``
    neighbouring channels; no parameters."""
    primary = "size"
    ranks = (2, 3, 4)  # torch: "Expected 3D or higher dimensionality input"
    size: Count = field(default=5, metadata=doc("channels in the neighbourhood"))
    alpha: Number = field(default=1e-4, metadata=doc("scale"))
    beta: Number = field(default=0.75, metadata=doc("exponent"))
    k: Number = field(default=1.0, metadata=doc("additive constant"))

    def cost(self, x: Shape, y: Shape) -> Cost:
        return Cost(connections=prod(y) * min(self.size, x[0]))


@register("identity")
class Identity(Layer):
    """Matches torch.nn.Identity."""
    saves = ()
    aliases = True


@dataclass(frozen=True, kw_only=True)
class ZeroPad(Layer):
    """torch.nn.ZeroPadNd, with the padding written per axis in spatial order (H then W),
    as everywhere in cnnshape (torch's own tuple lists the last axis first)."""
    saves = ()   # moves or copies elements: the backward needs only the sizes
    primary = "padding"
    prefix = "pad"
    padding: Padding = field(metadata=doc("int, per axis, or [begin, end] per axis"))

    def validate(self):
        if isinstance(self.padding, str):
            raise Problem("CS105", f"{self.type_name}: padding must be numbers, got "
                          f"{self.padding!r}", "give an int, per-axis ints or [begin, end] pairs",
                          "padding")

    def output_shape(self, x: Shape) -> Shape:
        return (x[0], *(s + b + e for s, (b, e) in zip(x[1:], self.padding)))

    def receptive(self, x: Shape, y: Shape, rf):
        from .. import arithmetic as ar
        if not isinstance(rf, list):
            return rf
        return [ar.rf_window(r, s, p, 1, 1, b) for (r, s, p), (b, _) in zip(rf, self.padding)]


for _dims in (1, 2, 3):
    register(f"zeropad{_dims}d")(type(f"ZeroPad{_dims}d", (ZeroPad,), {
        "__doc__": f"Matches torch.nn.ZeroPad{_dims}d (axis order: see zeropad).",
        "dims": _dims}))


class Scale(Kind):
    """A positive number, or one per spatial axis."""
    schema = {"oneOf": [{"type": "null"}, {"type": "number", "exclusiveMinimum": 0},
                        {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0}}]}

    @staticmethod
    def parse(value, name, dims):
        if value is None:
            return None
        values = value if isinstance(value, (list, tuple)) else [value]
        out = []
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise Problem("CS104", f"{name} must be a positive number, got {_show(v)}", "",
                              name)
            if not math.isfinite(v):  # YAML's .inf, and 1e400, which parses to inf
                raise Problem("CS105", f"{name} must be a finite number, got {v}",
                              "a scale factor multiplies a size; sizes are at most "
                              f"{MAX_INT:,}", name)
            out.append(v)
        return tuple(out)


class OptionalSizes(Kind):
    """A positive int or one per axis, or null."""
    schema = {"oneOf": [{"type": "null"}, *PerAxis.schema["oneOf"]]}

    @staticmethod
    def parse(value, name, dims):
        if value is None:
            return None
        values = value if isinstance(value, (list, tuple)) else [value]
        return tuple(_int(v, name, 1, "a positive integer") for v in values)


@register("upsample")
@dataclass(frozen=True, kw_only=True)
class Upsample(Layer):
    """Matches torch.nn.Upsample: out = floor(W * scale_factor), or the given size."""
    saves = ()   # moves or copies elements: the backward needs only the sizes
    primary = "scale_factor"
    ranks = (2, 3, 4)  # torch interpolates 3D, 4D and 5D (batched) inputs
    scale_factor: Scale = field(default=None, metadata=doc("multiplier, or one per axis"))
    size: OptionalSizes = field(default=None, metadata=doc("output size, or one per axis"))
    mode: Text = field(default="nearest", metadata=doc("interpolation; no effect on shapes"))
    align_corners: Bool = field(default=False, metadata=doc("no effect on shapes"))

    def validate(self):
        if (self.scale_factor is None) == (self.size is None):
            raise Problem("CS103", "upsample needs exactly one of scale_factor and size",
                          "e.g. scale_factor: 2", "scale_factor")

    def output_shape(self, x: Shape) -> Shape:
        given = self.size if self.size is not None else self.scale_factor
        spatial = x[1:]
        if len(given) == 1:
            given = given * len(spatial)
        if len(given) != len(spatial):
            field_name = "size" if self.size is not None else "scale_factor"
            raise Problem("CS106", f"upsample: {field_name} has {len(given)} values but the "
                          f"input has {len(spatial)} spatial axes", "", field_name)
        if self.size is not None:
            return (x[0], *given)
        # torch: floor(input_size * scale_factor), computed in double; bounded before int()
        # converts it, so a huge factor is a diagnostic, not an OverflowError or a 300-digit size
        scaled = [s * float(f) for s, f in zip(spatial, given)]
        if not max(scaled) <= MAX_INT:
            raise Problem("CS212", f"scale_factor makes a size of {max(scaled):.4g}, "
                          f"over the largest a framework holds ({MAX_INT:,})", BOUND_HINT,
                          "scale_factor")
        out = tuple(int(v) for v in scaled)
        if min(out) <= 0:
            raise Problem("CS201", f"upsample: the output size {list(out)} has an empty axis",
                          "use a larger scale_factor", "scale_factor")
        return (x[0], *out)

    def receptive(self, x: Shape, y: Shape, rf):
        from fractions import Fraction

        from .. import arithmetic as ar
        if not isinstance(rf, list):
            return rf
        # the factor actually applied: out / in (a given size, or floor(W * scale))
        return [ar.rf_upsample(r, s, p, Fraction(o, w))
                for (r, s, p), w, o in zip(rf, x[1:], y[1:])]


