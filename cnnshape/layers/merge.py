"""Merges of several paths: concatenation along channels, element-wise addition and
multiplication (a channel gate), with torch's broadcasting where it applies."""
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
    saves = ()          # cat's backward needs only the sizes
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


def broadcast(xs: tuple[Shape, ...]) -> Shape | None:
    """torch's broadcasting of batched tensors (N, *x): the samples must have one rank (a
    shorter one would put its batch axis against a sample axis, which holds for no N but
    one), and on each axis the sizes are equal or 1.  The result, or None if they do not
    broadcast."""
    if len({len(x) for x in xs}) > 1:
        return None
    out = []
    for sizes in zip(*xs):
        wide = {s for s in sizes if s != 1}
        if len(wide) > 1:
            return None
        out.append(wide.pop() if wide else 1)
    return tuple(out)


def broadcast_field(xs, y, rfs):
    """The field of paths joined element-wise.  A path repeated along an axis (size 1
    there, the output larger) gives every output unit its one unit: unless it already saw
    the whole input (a squeeze-and-excitation gate: global pooling), that window does not
    move with the output unit, so no (r, S, P) describes it and the field is undefined."""
    for x, rf in zip(xs, rfs):
        if isinstance(rf, list) and x != y:
            return None
    return merged_field(rfs)


@register("add")
@dataclass(frozen=True, kw_only=True)
class Add(Layer):
    """Element-wise sum of paths of one shape (ResNet's residual connection)."""
    saves = ()          # a sum's gradient is the incoming one
    merges = True
    broadcast: Bool = field(default=False, metadata=doc(
        "broadcast as torch's + does (a [C, 1, 1] path over a [C, H, W] one, GCNet's "
        "context); off, the paths must have one shape, as a residual's do"))

    def output_shape(self, xs: tuple[Shape, ...]) -> Shape:
        y = broadcast(xs) if self.broadcast else None
        if y is not None:
            return y
        if len(set(xs)) > 1:
            if self.broadcast:
                raise Problem("CS210", f"add: the paths {_shapes(xs)} do not broadcast",
                              "on each axis the sizes must be equal or 1, and the ranks "
                              "equal", "broadcast")
            raise Problem("CS210", f"add: the paths have different shapes: {_shapes(xs)}",
                          _gate_hint(xs) or _broadcast_hint(xs) or "give the shortcut a "
                          "projection (a 1x1 conv with the same stride and out_channels) so "
                          "the shapes match")
        return xs[0]

    def receptive_many(self, xs, rfs):
        return broadcast_field(xs, self.output_shape(xs), rfs)

    def cost(self, x, y) -> Cost:
        return Cost()


@register("mul")
@dataclass(frozen=True, kw_only=True)
class Mul(Layer):
    """Element-wise product of paths with torch's broadcasting: a channel gate multiplies a
    [C, H, W] map by a [C, 1, 1] one (squeeze-and-excitation)."""
    merges = True

    def output_shape(self, xs: tuple[Shape, ...]) -> Shape:
        y = broadcast(xs)
        if y is None:
            raise Problem("CS210", f"mul: the paths {_shapes(xs)} do not broadcast",
                          "on each axis the sizes must be equal or 1, and the ranks equal "
                          "(a channel gate is [C, 1, 1] beside [C, H, W])")
        return y

    def receptive_many(self, xs, rfs):
        return broadcast_field(xs, self.output_shape(xs), rfs)


def _gate_hint(xs) -> str:
    """A [C, 1, 1] path beside a [C, H, W] one is a channel gate (squeeze-and-excitation)
    far more often than a shortcut: a projection would be the wrong advice."""
    for g in xs:
        maps = [x for x in xs if x != g]
        if (len(g) > 1 and all(v == 1 for v in g[1:]) and maps
                and all(len(x) == len(g) and x[0] == g[0] for x in maps)):
            return (f"a {list(g)} path looks like a channel gate (squeeze-and-excitation), "
                    f"which multiplies the {list(maps[0])} map rather than adding to it: use "
                    "mul; or, to add it broadcast as torch's + does, add with broadcast: true")
    return ""


def _broadcast_hint(xs) -> str:
    if broadcast(xs) is None:
        return ""
    return ("the shapes broadcast, as torch's + would do silently; a residual's paths "
            "have one shape, so check each path, or give add broadcast: true if you mean it")
