"""Flatten and fully-connected layers, as torch.nn.Flatten and torch.nn.Linear."""
from dataclasses import dataclass, field
from math import prod

from . import WHOLE, Bool, Cost, Count, Layer, OptionalCount, Problem, Shape, doc, neurons, register


@register("flatten")
class Flatten(Layer):
    """Matches torch.nn.Flatten() on one sample: [C, H, W] -> [C*H*W]."""
    saves = ()
    aliases = True      # a view of its input

    def output_shape(self, x: Shape) -> Shape:
        return (prod(x),)

    def receptive(self, x: Shape, y: Shape, rf):
        return WHOLE if rf is not None else None  # each element is one place of the map,
        # but the layers after a flatten mix them all: from here on a unit sees everything


@register("linear")
@dataclass(frozen=True, kw_only=True)
class Linear(Layer):
    """Matches torch.nn.Linear: on a flat input its in_features is what it receives; on a map
    it maps the last axis, as torch does, only where in_features says so."""
    primary = "out_features"
    prefix = "fc"
    out_features: Count = field(metadata=doc("output units"))
    bias: Bool = field(default=True, metadata=doc("one learned bias per output unit"))
    in_features: OptionalCount = field(default=None, metadata=doc(
        "optional on a flat input: the size you expect, a different one is an error; on a "
        "map, the size of its last axis, which it then maps (channels-last, after permute)"))

    def expect_rank(self, x: Shape) -> None:
        """torch maps the last axis of any input, but a linear after convolutions without a
        flatten is the classic mistake: a map is taken only with in_features equal to its
        last axis, the statement that the last axis is meant (ConvNeXt's pointwise layers)."""
        if len(x) > 1 and self.in_features != x[-1]:
            hint = f"add a flatten layer before it; it would then get in_features={prod(x)}"
            if self.in_features is not None:
                hint += (f"; or, to map its last axis as torch does (a channels-last map), "
                         f"in_features must be that axis, {x[-1]}, not {self.in_features}")
            raise Problem("CS206", f"{self.type_name} receives {list(x)}, not a flat vector",
                          hint)
        super().expect_rank(x)

    def output_shape(self, x: Shape) -> Shape:
        self.expect_rank(x)
        if self.in_features is not None and self.in_features != x[-1]:
            raise Problem("CS207", f"{self.type_name}: in_features is {self.in_features} but "
                          f"the layer receives {x[-1]}",
                          f"set in_features: {x[-1]}, or change the layers before it",
                          "in_features")
        return (*x[:-1], self.out_features)

    def receptive(self, x: Shape, y: Shape, rf):
        if len(x) > 1:
            return rf  # the channels of a channels-last map, at each place: the field stays
        return WHOLE if rf is not None else None

    def cost(self, x: Shape, y: Shape) -> Cost:
        n = neurons(y)
        return Cost(params=x[-1] * self.out_features + self.out_features * self.bias,
                    connections=n * (x[-1] + self.bias), macs=n * x[-1])
