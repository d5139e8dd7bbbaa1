"""Kinds that read two activations: torch.matmul (the attention products of PSA, C2PSA
and A2C2f, ``q^T k`` and ``v attn^T``), reshape_as and interpolate_as (a shape or a size
taken from another path).

A sample is channels first with the batch in front, as everywhere: ``matmul`` of an
``[h, M, K]`` and an ``[h, K, N]`` sample is torch.matmul of ``(B, h, M, K)`` and
``(B, h, K, N)``.  The samples have one rank (a shorter one would broadcast its batch axis
against a sample axis, which holds for one batch size only) of at least 2, and the axes
before the last two broadcast as torch's do.
"""
from dataclasses import dataclass
from math import prod

from . import WHOLE, Cost, Layer, Problem, Shape, register
from .merge import broadcast


@register("matmul")
@dataclass(frozen=True, kw_only=True)
class MatMul(Layer):
    """torch.matmul of two paths: [..., M, K] @ [..., K, N] -> [..., M, N]."""
    merges = True
    ranks = (2, 3, 4)

    def output_shape(self, xs: tuple[Shape, ...]) -> Shape:
        if len(xs) != 2:
            raise Problem("CS019", f"matmul multiplies two paths, got {len(xs)}",
                          "give inputs: [a, b]")
        a, b = xs
        if len(a) != len(b):
            raise Problem("CS210", f"matmul: the paths {list(a)} and {list(b)} have different "
                          "ranks", "give both paths one rank: a shorter one would broadcast "
                          "its batch axis")
        if a[-1] != b[-2]:
            raise Problem("CS210", f"matmul: {list(a)} @ {list(b)}: the first path's last axis "
                          f"({a[-1]}) must equal the second's next to last ({b[-2]})",
                          "a permute swaps the last two axes (a transpose)")
        batch = broadcast((a[:-2], b[:-2]))
        if batch is None:
            raise Problem("CS210", f"matmul: the leading axes of {list(a)} and {list(b)} do "
                          "not broadcast", "on each axis the sizes must be equal or 1")
        return (*batch, a[-2], b[-1])

    def cost(self, xs, y) -> Cost:
        # FlopCounterMode counts bmm/mm as 2 * M * K * N per product: MACs are half that
        macs = prod(y) * xs[0][-1]
        return Cost(connections=macs, macs=macs)

    def receptive_many(self, xs, rfs):
        return WHOLE  # every output unit mixes all places of the map it attends over


@register("reshape_as")
@dataclass(frozen=True, kw_only=True)
class ReshapeAs(Layer):
    """Tensor.reshape_as(other): the first path's elements in the second path's shape
    (Ultralytics' ``v.reshape(B, C, H, W)`` with H and W read from the block's input)."""
    merges = True

    def output_shape(self, xs: tuple[Shape, ...]) -> Shape:
        if len(xs) != 2:
            raise Problem("CS019", f"reshape_as reads two paths, got {len(xs)}",
                          "give inputs: [tensor, shape_source]")
        if prod(xs[0]) != prod(xs[1]):
            raise Problem("CS208", f"reshape_as: {list(xs[0])} has {prod(xs[0])} elements, "
                          f"{list(xs[1])} holds {prod(xs[1])}", "the element counts must "
                          "be equal, as torch's reshape_as requires")
        return xs[1]

    def receptive_many(self, xs, rfs):
        return rfs[0] if xs[0] == xs[1] else None


@register("interpolate_as")
@dataclass(frozen=True, kw_only=True)
class InterpolateAs(Layer):
    """F.interpolate(x, size=other.shape[2:], mode='nearest'): the first path resized to
    the second's spatial size (Ultralytics' CBFuse).  No MACs: nearest copies."""
    merges = True
    ranks = (2, 3, 4)

    def output_shape(self, xs: tuple[Shape, ...]) -> Shape:
        if len(xs) != 2:
            raise Problem("CS019", f"interpolate_as reads two paths, got {len(xs)}",
                          "give inputs: [tensor, size_source]")
        if len(xs[0]) != len(xs[1]):
            raise Problem("CS210", f"interpolate_as: {list(xs[0])} and {list(xs[1])} have "
                          "different ranks", "both are maps of one layout")
        return (xs[0][0], *xs[1][1:])

    def receptive_many(self, xs, rfs):
        return rfs[0] if xs[0][1:] == xs[1][1:] else None
