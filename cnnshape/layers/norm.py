"""Normalisations beyond BatchNorm, and the per-channel pieces of modern blocks: LayerNorm
(over trailing axes, and ConvNeXt's channels-first LayerNorm2d), GroupNorm, InstanceNormNd,
layer scale and stochastic depth.  No MACs: torch's FlopCounterMode counts none for them.

Receptive fields: a unit's field is the input its value depends on.  A norm whose statistics
pool the spatial axes (groupnorm, instancenorm, a layernorm spanning them) makes every unit
depend on the whole map, as a squeeze-and-excitation gate does: the field becomes whole.
One that pools only the channels at each place (layernorm2d, a layernorm over the last axis
of a channels-last map) passes it on, as batchnorm does with its running statistics.
"""
from dataclasses import dataclass, field
from math import prod

from . import (
    WHOLE,
    Bool,
    Cost,
    Count,
    Int,
    Kind,
    Layer,
    Number,
    OptionalCount,
    Probability,
    Problem,
    Shape,
    Sizes,
    _int,
    _show,
    check_channels,
    dims_family,
    doc,
    register,
)
from .elementwise import BatchNorm


def _whole(rf):
    return WHOLE if rf is not None else None


@register("layernorm")
@dataclass(frozen=True, kw_only=True)
class LayerNorm(Layer):
    """Matches torch.nn.LayerNorm: normalises over the trailing axes normalized_shape names,
    with a learned weight and bias of that shape."""
    primary = "normalized_shape"
    prefix = "ln"
    saves = ("input", "stats")  # and a mean and rstd per normalised row
    normalized_shape: Sizes = field(metadata=doc(
        "the sizes of the trailing axes normalised over (the last axis: one int)"))
    eps: Number = field(default=1e-5, metadata=doc("added to the variance; no effect on shapes"))
    elementwise_affine: Bool = field(default=True, metadata=doc(
        "learn a weight (and bias) of normalized_shape"))
    bias: Bool = field(default=True, metadata=doc("learn the bias too (with elementwise_affine)"))

    def stats(self, y: Shape) -> tuple[int, bool]:
        return 2 * prod(y) // prod(self.normalized_shape), True

    def output_shape(self, x: Shape) -> Shape:
        n = len(self.normalized_shape)
        if tuple(x[-n:]) != self.normalized_shape or n > len(x):
            raise Problem("CS207", f"layernorm: normalized_shape {list(self.normalized_shape)} "
                          f"is not the last {'axis' if n == 1 else f'{n} axes'} of the input "
                          f"{list(x)}", f"set normalized_shape: {list(x[-n:])}" if n <= len(x)
                          else "", "normalized_shape")
        return x

    def cost(self, x: Shape, y: Shape) -> Cost:
        size = prod(self.normalized_shape)
        return Cost(params=self.elementwise_affine * size * (1 + self.bias))

    def receptive(self, x: Shape, y: Shape, rf):
        # over the last axis of a map: the channels of a channels-last map (ConvNeXt's, after
        # permute), as linear over the last axis is read; over more axes: the spatial ones too
        return rf if len(self.normalized_shape) == 1 or len(x) == 1 else _whole(rf)


@register("layernorm2d")
@dataclass(frozen=True, kw_only=True)
class LayerNorm2d(Layer):
    """Matches torchvision's ConvNeXt LayerNorm2d: torch.nn.LayerNorm over the channels of a
    channels-first [C, H, W] map at each place (permute to channels-last, norm, permute back)."""
    prefix = "ln"
    saves = ("input", "stats")  # a mean and rstd per place
    ranks = (3,)  # torchvision permutes (0, 2, 3, 1): a batched 4D input only
    normalized_shape: OptionalCount = field(default=None, metadata=doc(
        "optional: the channel count you expect; a different one is an error"))
    eps: Number = field(default=1e-5, metadata=doc(
        "added to the variance (ConvNeXt uses 1e-6); no effect on shapes"))
    elementwise_affine: Bool = field(default=True, metadata=doc(
        "learn a weight (and bias) per channel"))
    bias: Bool = field(default=True, metadata=doc("learn the bias too (with elementwise_affine)"))

    def stats(self, y: Shape) -> tuple[int, bool]:
        return 2 * prod(y[1:]), True

    def output_shape(self, x: Shape) -> Shape:
        check_channels(self, self.normalized_shape, x[0], "normalized_shape")
        return x

    def cost(self, x: Shape, y: Shape) -> Cost:
        return Cost(params=self.elementwise_affine * x[0] * (1 + self.bias))


@register("groupnorm")
@dataclass(frozen=True, kw_only=True)
class GroupNorm(Layer):
    """Matches torch.nn.GroupNorm: statistics per group of channels over the whole map, a
    learned scale and shift per channel."""
    primary = "num_groups"
    saves = ("input", "stats")  # a mean and rstd per group
    prefix = "gn"
    num_groups: Count = field(metadata=doc("groups the channels are split into"))
    num_channels: OptionalCount = field(default=None, metadata=doc(
        "optional: the channel count you expect; a different one is an error"))
    eps: Number = field(default=1e-5, metadata=doc("added to the variance; no effect on shapes"))
    affine: Bool = field(default=True, metadata=doc("learn the scale and shift (2 per channel)"))

    def stats(self, y: Shape) -> tuple[int, bool]:
        return 2 * self.num_groups, True

    def output_shape(self, x: Shape) -> Shape:
        check_channels(self, self.num_channels, x[0], "num_channels")
        if x[0] % self.num_groups:
            raise Problem("CS202", f"groupnorm: num_groups={self.num_groups} does not divide "
                          f"the {x[0]} input channels", "num_channels must be a multiple of "
                          "num_groups", "num_groups")
        return x

    def cost(self, x: Shape, y: Shape) -> Cost:
        return Cost(params=2 * x[0] * self.affine)

    def receptive(self, x: Shape, y: Shape, rf):
        return rf if len(x) == 1 else _whole(rf)  # the mean and variance pool the whole map


@dataclass(frozen=True, kw_only=True)
class InstanceNorm(BatchNorm):
    """torch.nn.InstanceNormNd: statistics per channel over the map; BatchNorm's fields and
    counts, but a learned scale and shift only with affine, and running statistics
    (non-trainable) only with track_running_stats, both off by default."""
    prefix = "in"
    affine: Bool = field(default=False, metadata=doc("learn the scale and shift (2 per channel)"))
    track_running_stats: Bool = field(default=False, metadata=doc(
        "keep the running mean and variance (2 per channel, non-trainable)"))

    def output_shape(self, x: Shape) -> Shape:
        super().output_shape(x)
        if prod(x[1:]) == 1:
            raise Problem("CS201", f"{self.type_name}: the map {list(x[1:])} has one place; "
                          "each channel would normalise to 0", "torch refuses it in training "
                          "(more than 1 spatial element expected): normalise a larger map")
        return x

    def receptive(self, x: Shape, y: Shape, rf):
        return _whole(rf)  # the mean and variance pool the whole map of the channel


InstanceNorm1d, InstanceNorm2d, InstanceNorm3d = dims_family(InstanceNorm, "instancenorm",
                                                             "InstanceNorm")


@register("layer_scale")
@dataclass(frozen=True, kw_only=True)
class LayerScale(Layer):
    """A learned per-channel multiplier (ConvNeXt, CaiT): torchvision's CNBlock
    ``nn.Parameter(torch.ones(dim, 1, 1) * layer_scale)`` on a channels-first map (dim 0), or
    timm's LayerScale ``gamma`` of shape [C] on a channels-last one (dim -1)."""
    primary = "init_values"
    init_values: Number = field(default=1e-6, metadata=doc(
        "the multipliers' initial value; no effect on shapes"))
    dim: Int = field(default=0, metadata=doc(
        "the axis holding the channels: 0 channels-first (torchvision), -1 channels-last"))
    num_features: OptionalCount = field(default=None, metadata=doc(
        "optional: the channel count you expect; a different one is an error"))

    def output_shape(self, x: Shape) -> Shape:
        if not -len(x) <= self.dim < len(x):
            raise Problem("CS105", f"layer_scale: dim {self.dim} is out of range for the "
                          f"{len(x)}-axis input {list(x)}", "", "dim")
        check_channels(self, self.num_features, x[self.dim])
        return x

    def cost(self, x: Shape, y: Shape) -> Cost:
        return Cost(params=x[self.dim])


class DepthMode(Kind):
    """'row' (per sample) or 'batch' (the whole batch), as torchvision's StochasticDepth."""
    schema = {"enum": ["row", "batch"]}

    @staticmethod
    def parse(value, name, dims):
        if not isinstance(value, str) or value.lower() not in ("row", "batch"):
            raise Problem("CS105", f"{name} must be 'row' or 'batch', got {_show(value)}", "",
                          name)
        return value.lower()


@register("stochastic_depth")
@dataclass(frozen=True, kw_only=True)
class StochasticDepth(Layer):
    """Matches torchvision.ops.StochasticDepth (drop path): during training it zeroes a whole
    residual branch with probability p; the identity at inference, with no parameters."""
    primary = "p"
    prefix = "drop_path"
    saves = ("stats",)  # only its noise: one number per sample ('row') or per batch
    p: Probability = field(metadata=doc("probability of dropping the branch"))
    mode: DepthMode = field(default="row", metadata=doc(
        "'row': per sample, 'batch': the whole batch; no effect on shapes"))

    def stats(self, y: Shape) -> tuple[int, bool]:
        if self.p == 0:
            return 0, False      # torchvision returns the input itself: no noise drawn
        return 1, self.mode == "row"
