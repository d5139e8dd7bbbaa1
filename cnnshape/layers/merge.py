"""Merges of several paths: concatenation along channels and element-wise addition."""
from dataclasses import dataclass, field

from . import Bool, Cost, Int, Layer, Problem, Shape, doc, register


class Misaligned(Exception):
    """Paths with different effective strides: their fields cannot be merged."""


def merged_field(rfs):
    """The union of the paths' windows, per axis; WHOLE if any path sees everything; None if
    one is undefined; Misaligned if their effective strides differ."""
    from .. import arithmetic as ar
    if any(rf is None for rf in rfs):
        return None
    if any(not isinstance(rf, list) for rf in rfs):
        return "whole"
    out = []
    for axis in zip(*rfs):
        if len({s for _, s, _ in axis}) > 1:
            raise Misaligned(sorted({s for _, s, _ in axis}))
        out.append(ar.rf_merge(axis))
    return out


def _shapes(xs) -> str:
    return " and ".join(str(list(x)) for x in xs)


@register("concat")
@dataclass(frozen=True, kw_only=True)
class Concat(Layer):
    """torch.cat along ``dim`` of a sample (0 = channels): Inception, DenseNet, U-Net."""
    merges = True
    dim: Int = field(default=0, metadata=doc("axis of a sample to join along; 0 = channels"))
    crop: Bool = field(default=False, metadata=doc(
        "centre-crop every input to the first one's size (U-Net's copy and crop)"))

    def output_shape(self, xs: tuple[Shape, ...]) -> Shape:
        if self.crop:
            xs = self.cropped(xs)
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

    def cropped(self, xs):
        """Every input cut to the first one's spatial size, centred: (big - small) // 2 off the
        start.  An input smaller than the first cannot be cropped to it: an error."""
        ref = xs[0]
        for x in xs[1:]:
            if len(x) != len(ref) or any(a < b for a, b in zip(x[1:], ref[1:])):
                raise Problem("CS211", f"concat with crop: the skip {list(x)} is smaller than "
                              f"the path {list(ref)} it joins",
                              "list the path first in inputs, the larger skip after it; or "
                              "check the sizes of the encoder", "crop")
        return tuple(x[:1] + ref[1:] for x in xs)

    def receptive_many(self, xs, rfs):
        if self.crop:  # a crop of c units at the start moves the first unit c strides on
            rfs = [rf if not isinstance(rf, list) else
                   [(r, s, p - (w - w0) // 2 * s) for (r, s, p), w, w0 in zip(rf, x[1:], xs[0][1:])]
                   for rf, x in zip(rfs, xs)]
        return merged_field(rfs)


@register("add")
@dataclass(frozen=True, kw_only=True)
class Add(Layer):
    """Element-wise sum of paths of one shape (ResNet's residual connection)."""
    merges = True

    def output_shape(self, xs: tuple[Shape, ...]) -> Shape:
        if len(set(xs)) > 1:
            raise Problem("CS210", f"add: the paths have different shapes: {_shapes(xs)}",
                          _gate_hint(xs) or "give the shortcut a projection (a 1x1 conv with "
                          "the same stride and out_channels) so the shapes match")
        return xs[0]

    def receptive_many(self, xs, rfs):
        return merged_field(rfs)

    def cost(self, x, y) -> Cost:
        return Cost()


def _gate_hint(xs) -> str:
    """A [C, 1, 1] path beside a [C, H, W] one is a channel gate (squeeze-and-excitation)
    far more often than a shortcut: a projection would be the wrong advice."""
    for g in xs:
        maps = [x for x in xs if x != g]
        if (len(g) > 1 and all(v == 1 for v in g[1:]) and maps
                and all(len(x) == len(g) and x[0] == g[0] for x in maps)):
            return (f"a {list(g)} path looks like a channel gate (squeeze-and-excitation), "
                    f"which multiplies the {list(maps[0])} map rather than adding to it; add "
                    "never broadcasts, and cnnshape has no multiplying merge yet")
    return ""
