"""The LeNet-5 paper's own layers (LeCun et al. 1998): trainable subsampling, the partial
connection table of C3, and the fixed Euclidean RBF output."""
from dataclasses import dataclass, field
from math import prod

from . import (
    Bool,
    Cost,
    Count,
    Layer,
    PerAxis,
    PerAxisOrKernel,
    Problem,
    Shape,
    Table,
    doc,
    neurons,
    register,
)
from .conv import Windowed


@register("subsampling2d")
@dataclass(frozen=True, kw_only=True)
class Subsampling2d(Windowed):
    """S2/S4: each unit sums its window, times one trainable coefficient, plus one trainable
    bias per map: 2 parameters per map; connections = window taps + 1 (the bias)."""
    prefix = "subsample"
    dims = 2
    primary = "kernel_size"
    kernel_size: PerAxis = field(default=2, metadata=doc("window, 2 in the paper"))
    stride: PerAxisOrKernel = field(default=None, metadata=doc("defaults to kernel_size"))
    padding = ((0, 0), (0, 0))
    dilation = (1, 1)

    def strides(self):
        return self.kernel_size if self.stride is None else self.stride

    def output_shape(self, x: Shape) -> Shape:
        return (x[0], *self.spatial(x[1:]))

    def cost(self, x: Shape, y: Shape) -> Cost:
        return Cost(params=2 * x[0], connections=neurons(y) * (prod(self.kernel_size) + 1))


@register("partial_conv2d")
@dataclass(frozen=True, kw_only=True)
class PartialConv2d(Windowed):
    """C3: a convolution whose output map k reads only the input maps in ``table[k]``
    (the paper's Table I), breaking symmetry and saving weights."""
    prefix = "conv"
    dims = 2
    table: Table = field(metadata=doc("per output map, the 0-based input maps it reads"))
    kernel_size: PerAxis = field(metadata=doc("window F"))
    stride: PerAxis = field(default=1, metadata=doc("step S"))
    bias: Bool = field(default=True, metadata=doc("one bias per output map"))
    padding = ((0, 0), (0, 0))
    dilation = (1, 1)

    def output_shape(self, x: Shape) -> Shape:
        top = max(max(row) for row in self.table)
        if top >= x[0]:
            raise Problem("CS207", f"partial_conv2d: the table names input map {top} but the "
                          f"input has only {x[0]} maps (0 to {x[0] - 1})", "", "table")
        return (len(self.table), *self.spatial(x[1:]))

    def cost(self, x: Shape, y: Shape) -> Cost:
        area, window = prod(y[1:]), prod(self.kernel_size)
        taps = sum(len(row) for row in self.table) * window
        return Cost(params=taps + len(self.table) * self.bias,
                    connections=area * (taps + len(self.table) * self.bias),
                    macs=area * taps)


@register("rbf")
@dataclass(frozen=True, kw_only=True)
class RBF(Layer):
    """The output layer: one Euclidean radial basis unit per class, with fixed (not trained)
    weights: out_features x in_features non-trainable parameters."""
    primary = "out_features"
    prefix = "rbf"
    ranks = (1,)
    out_features: Count = field(metadata=doc("classes"))

    def output_shape(self, x: Shape) -> Shape:
        return (self.out_features,)

    def receptive(self, x: Shape, y: Shape, rf):
        return "whole" if rf is not None else None

    def cost(self, x: Shape, y: Shape) -> Cost:
        return Cost(non_trainable_params=x[0] * self.out_features,
                    connections=x[0] * self.out_features)
