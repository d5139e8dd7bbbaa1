"""Layers that rearrange a sample without computing: permute, reshape, unflatten, channel
shuffle, pixel shuffle and unshuffle.  No parameters, connections or MACs.

Axes are numbered over the sample, as everywhere in cnnshape: 0 is the channels, the batch
axis torch adds in front is not counted (torch's ``x.permute(0, 2, 3, 1)`` is
``permute 1,2,0``), and a negative axis counts from the end, as in torch.
"""
from dataclasses import dataclass, field
from math import prod

from .. import arithmetic as ar
from . import (
    WHOLE,
    Count,
    Int,
    Kind,
    Layer,
    Problem,
    Shape,
    _show,
    doc,
    register,
)


class Ints(Kind):
    """An int, or a list of ints of any length and sign (axes, or sizes with -1)."""
    schema = {"oneOf": [{"type": "integer"},
                        {"type": "array", "items": {"type": "integer"}, "minItems": 1}]}

    @staticmethod
    def parse(value, name, dims):
        values = value if isinstance(value, (list, tuple)) else [value]
        if not values:
            raise Problem("CS104", f"{name} must list at least one value", "", name)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int):
                raise Problem("CS104", f"{name} must be integers, got {_show(v)}", "", name)
        return tuple(values)


def _axis(d: int, rank: int, layer, name: str) -> int:
    if not -rank <= d < rank:
        raise Problem("CS105", f"{layer.type_name}: {name} {d} is out of range for a "
                      f"{rank}-axis input (0 is the channels; -1 the last axis)", "", name)
    return d % rank


def _sizes(layer, name: str, sizes, total: int, where: str) -> Shape:
    """torch's view sizes: positive, at most one -1 inferred so the product is ``total``."""
    if any(s == 0 or s < -1 for s in sizes):
        raise Problem("CS105", f"{layer.type_name}: {name} {list(sizes)} has a size below -1 "
                      "or 0", "sizes are positive; one may be -1, inferred", name)
    if sizes.count(-1) > 1:
        raise Problem("CS105", f"{layer.type_name}: {name} {list(sizes)} has more than one "
                      "-1", "only one size can be inferred", name)
    known = prod(s for s in sizes if s != -1)
    if -1 in sizes:
        if total % known:
            raise Problem("CS208", f"{layer.type_name}: {name} {list(sizes)} cannot hold the "
                          f"{total} elements of {where}", f"{known} does not divide {total}",
                          name)
        sizes = tuple(total // known if s == -1 else s for s in sizes)
    elif known != total:
        raise Problem("CS208", f"{layer.type_name}: {name} {list(sizes)} holds {known} "
                      f"elements, {where} has {total}", "the product of the sizes must equal "
                      "it (or write -1 for one size)", name)
    return sizes


def _rank(layer, y: Shape, name: str) -> Shape:
    if len(y) > 4:
        raise Problem("CS105", f"{layer.type_name}: the output {list(y)} has {len(y)} axes; "
                      "a sample has at most 4 ([C, D, H, W])", "", name)
    return y


def _rearranged(x: Shape, y: Shape, rf):
    """Reshape and unflatten: the field is kept when nothing moved, whole once the sample
    is flat (as after flatten), and undefined when the map's axes are cut anew."""
    if not isinstance(rf, list) or y == x:
        return rf
    return WHOLE if len(y) == 1 else None


@register("permute")
@dataclass(frozen=True, kw_only=True)
class Permute(Layer):
    """Matches torch.permute on a sample (the batch stays first): ``permute 1,2,0`` makes a
    [C, H, W] map channels-last [H, W, C], as ConvNeXt's ``x.permute(0, 2, 3, 1)``."""
    saves = ()   # moves or copies elements: the backward needs only the sizes
    aliases = True  # a view of the input
    primary = "order"
    # torch calls it dims; a layer's dims is its number of spatial axes in cnnshape
    order: Ints = field(metadata=doc(
        "the new order of the sample's axes (torch's dims), 0 = channels, no batch axis: "
        "1,2,0 is channels-last"))

    def output_shape(self, x: Shape) -> Shape:
        order = self.axes_order(x)
        return tuple(x[d] for d in order)

    def axes_order(self, x: Shape) -> tuple[int, ...]:
        if len(self.order) != len(x):
            raise Problem("CS106", f"permute: order has {len(self.order)} values but the input "
                          f"{list(x)} has {len(x)} axes", "give one per axis, 0 = channels",
                          "order")
        order = tuple(_axis(d, len(x), self, "order") for d in self.order)
        if len(set(order)) != len(order):
            raise Problem("CS105", f"permute: order {list(self.order)} names an axis twice",
                          "", "order")
        return order

    def receptive(self, x: Shape, y: Shape, rf):
        """Kept through a rotation by one (channels to the end, or back), which moves only the
        channels past the spatial axes: they keep their order, and the field is theirs.
        Any other order mixes spatial axes with channels: undefined."""
        if not isinstance(rf, list):
            return rf
        order, n = self.axes_order(x), len(x)
        ident = tuple(range(n))
        if order in (ident, ident[1:] + ident[:1], ident[-1:] + ident[:-1]):
            return rf
        return None


@register("reshape")
@dataclass(frozen=True, kw_only=True)
class Reshape(Layer):
    """Matches torch.reshape on a sample: ``x.reshape(N, *shape)``; one size may be -1."""
    saves = ()   # moves or copies elements: the backward needs only the sizes
    primary = "shape"
    shape: Ints = field(metadata=doc("the sample's new shape (no batch axis); one size may be "
                                     "-1, inferred"))

    def output_shape(self, x: Shape) -> Shape:
        return _rank(self, _sizes(self, "shape", self.shape, prod(x), f"the input {list(x)}"),
                     "shape")

    def receptive(self, x: Shape, y: Shape, rf):
        return _rearranged(x, y, rf)


@register("unflatten")
@dataclass(frozen=True, kw_only=True)
class Unflatten(Layer):
    """Matches torch.nn.Unflatten: axis ``dim`` of the sample (0 = channels) becomes the axes
    ``unflattened_size``; one size may be -1."""
    saves = ()   # moves or copies elements: the backward needs only the sizes
    aliases = True  # a view of the input
    dim: Int = field(metadata=doc("the axis of the sample to split, 0 = channels"))
    unflattened_size: Ints = field(metadata=doc("the sizes it becomes; one may be -1"))

    def output_shape(self, x: Shape) -> Shape:
        d = _axis(self.dim, len(x), self, "dim")
        sizes = _sizes(self, "unflattened_size", self.unflattened_size, x[d],
                       f"axis {d} ({x[d]})")
        return _rank(self, x[:d] + sizes + x[d + 1:], "unflattened_size")

    def receptive(self, x: Shape, y: Shape, rf):
        return _rearranged(x, y, rf)


@register("channel_shuffle")
@dataclass(frozen=True, kw_only=True)
class ChannelShuffle(Layer):
    """Matches torch.nn.ChannelShuffle (ShuffleNet's view-transpose-view): the channels of
    ``groups`` groups interleaved; no change of shape."""
    saves = ()   # moves or copies elements: the backward needs only the sizes
    primary = "groups"
    ranks = (2, 3, 4)  # torch: "channel_shuffle expects input to have at least 3 dimensions"
    groups: Count = field(metadata=doc("groups whose channels are interleaved"))

    def output_shape(self, x: Shape) -> Shape:
        if x[0] % self.groups:
            raise Problem("CS202", f"channel_shuffle: groups={self.groups} does not divide "
                          f"the {x[0]} input channels", "the channels must be a multiple of "
                          "groups", "groups")
        return x


@register("pixel_shuffle")
@dataclass(frozen=True, kw_only=True)
class PixelShuffle(Layer):
    """Matches torch.nn.PixelShuffle: [C·r², H, W] -> [C, H·r, W·r] (sub-pixel convolution)."""
    saves = ()   # moves or copies elements: the backward needs only the sizes
    primary = "upscale_factor"
    ranks = (3,)  # torch reads the last three axes; more are batch, fewer no map
    upscale_factor: Count = field(metadata=doc("r: each axis grows r times"))

    def output_shape(self, x: Shape) -> Shape:
        r2 = self.upscale_factor ** 2
        if x[0] % r2:
            raise Problem("CS202", f"pixel_shuffle: the {x[0]} input channels do not divide "
                          f"by upscale_factor² = {r2}", f"give it a multiple of {r2} channels",
                          "upscale_factor")
        return (x[0] // r2, *(s * self.upscale_factor for s in x[1:]))

    def receptive(self, x: Shape, y: Shape, rf):
        if not isinstance(rf, list):
            return rf
        # each output unit reads one input unit, as a nearest upsampling by r does
        return [ar.rf_upsample(r, s, p, self.upscale_factor) for r, s, p in rf]


@register("pixel_unshuffle")
@dataclass(frozen=True, kw_only=True)
class PixelUnshuffle(Layer):
    """Matches torch.nn.PixelUnshuffle: [C, H·r, W·r] -> [C·r², H, W] (space to depth)."""
    saves = ()   # moves or copies elements: the backward needs only the sizes
    primary = "downscale_factor"
    ranks = (3,)
    downscale_factor: Count = field(metadata=doc("r: each axis shrinks r times"))

    def output_shape(self, x: Shape) -> Shape:
        r = self.downscale_factor
        if any(s % r for s in x[1:]):
            raise Problem("CS202", f"pixel_unshuffle: the map {list(x[1:])} does not divide "
                          f"by downscale_factor {r}", "each spatial size must be a multiple "
                          "of it", "downscale_factor")
        return (x[0] * r * r, *(s // r for s in x[1:]))

    def receptive(self, x: Shape, y: Shape, rf):
        if not isinstance(rf, list):
            return rf
        # an output unit gathers an r x r block: a window of r, stride r
        r_ = self.downscale_factor
        return [ar.rf_window(r, s, p, r_, r_, 0) for r, s, p in rf]
