"""Merges of several paths: concatenation along channels and element-wise addition."""
from dataclasses import dataclass, field

from . import Cost, Int, Layer, Problem, Shape, doc, register


def _shapes(xs) -> str:
    return " and ".join(str(list(x)) for x in xs)


@register("concat")
@dataclass(frozen=True, kw_only=True)
class Concat(Layer):
    """torch.cat along ``dim`` of a sample (0 = channels): Inception, DenseNet, U-Net."""
    merges = True
    dim: Int = field(default=0, metadata=doc("axis of a sample to join along; 0 = channels"))

    def output_shape(self, xs: tuple[Shape, ...]) -> Shape:
        rank = len(xs[0])
        if any(len(x) != rank for x in xs):
            raise Problem("CS210", f"concat: the inputs have different ranks: {_shapes(xs)}",
                          "every path must end in the same layout")
        d = self.dim % rank if -rank <= self.dim < rank else None
        if d is None:
            raise Problem("CS105", f"concat: dim {self.dim} is out of range for {rank}-axis "
                          "inputs", "", "dim")
        rest = {x[:d] + x[d + 1:] for x in xs}
        if len(rest) > 1:
            raise Problem("CS210", f"concat along dim {d}: the other axes must match, got "
                          f"{_shapes(xs)}", "check the padding and strides of each path")
        return xs[0][:d] + (sum(x[d] for x in xs),) + xs[0][d + 1:]


@register("add")
@dataclass(frozen=True, kw_only=True)
class Add(Layer):
    """Element-wise sum of paths of one shape (ResNet's residual connection)."""
    merges = True

    def output_shape(self, xs: tuple[Shape, ...]) -> Shape:
        if len(set(xs)) > 1:
            raise Problem("CS210", f"add: the paths have different shapes: {_shapes(xs)}",
                          "give the shortcut a projection (a 1x1 conv with the same stride "
                          "and out_channels) so the shapes match")
        return xs[0]

    def cost(self, x, y) -> Cost:
        return Cost()
