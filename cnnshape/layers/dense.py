"""Flatten and fully-connected layers, as torch.nn.Flatten and torch.nn.Linear."""
from dataclasses import dataclass, field
from math import prod

from . import WHOLE, Bool, Cost, Count, Layer, OptionalCount, Problem, Shape, doc, neurons, register


@register("flatten")
class Flatten(Layer):
    """Matches torch.nn.Flatten() on one sample: [C, H, W] -> [C*H*W]."""

    def output_shape(self, x: Shape) -> Shape:
        return (prod(x),)

    def receptive(self, x: Shape, y: Shape, rf):
        return WHOLE if rf is not None else None  # each element is one place of the map,
        # but the layers after a flatten mix them all: from here on a unit sees everything


@register("linear")
@dataclass(frozen=True, kw_only=True)
class Linear(Layer):
    """Matches torch.nn.Linear on a flat input; its in_features is what it receives."""
    primary = "out_features"
    prefix = "fc"
    ranks = (1,)  # torch's Linear maps the last axis of any input; cnnshape wants a flatten
    out_features: Count = field(metadata=doc("output units"))
    bias: Bool = field(default=True, metadata=doc("one learned bias per output unit"))
    in_features: OptionalCount = field(default=None, metadata=doc(
        "optional: the input size you expect; a different one is an error"))

    def output_shape(self, x: Shape) -> Shape:
        if self.in_features is not None and self.in_features != x[0]:
            raise Problem("CS207", f"{self.type_name}: in_features is {self.in_features} but "
                          f"the layer receives {x[0]}",
                          f"set in_features: {x[0]}, or change the layers before it",
                          "in_features")
        return (self.out_features,)

    def receptive(self, x: Shape, y: Shape, rf):
        return WHOLE if rf is not None else None

    def cost(self, x: Shape, y: Shape) -> Cost:
        n = neurons(y)
        return Cost(params=x[0] * self.out_features + self.out_features * self.bias,
                    connections=n * (x[0] + self.bias), macs=n * x[0])
