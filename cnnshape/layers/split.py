"""Splits of one tensor into parts used separately: torch.split and torch.chunk.

A split gives several outputs; a later layer reads one of them as ``name.0``, ``name.1``
(docs/spec.md, "Splits").  ``dim`` counts the axes of a sample, as concat's does: 0 is the
channels, torch's ``dim=1`` on a batched tensor; a negative dim counts from the end, as in
torch.  Parts are views: no parameters, MACs or connections; their neurons are the
elements of all parts, the input's count.
"""
from dataclasses import dataclass, field

from . import Count, Int, Layer, Problem, Shape, Sizes, _int, doc, register


class Sections(Sizes):
    """torch.split's ``split_size_or_sections``: a part size, or the size of each part."""

    @staticmethod
    def parse(value, name, dims):
        if isinstance(value, (list, tuple)):
            return Sizes.parse(value, name, dims)
        return _int(value, name, 1, "a positive integer, or a list of them")


@dataclass(frozen=True, kw_only=True)
class Split(Layer):
    """Base of the kinds with several outputs: the axis and how the parts are read."""
    saves = ()   # moves or copies elements: the backward needs only the sizes
    aliases = True  # a view of the input
    splits = True
    dim: Int = field(default=0, metadata=doc("axis of a sample to split; 0 = channels "
                                             "(torch's dim=1 on a batch)"))

    def axis(self, x: Shape) -> int:
        rank = len(x)
        if not -rank <= self.dim < rank:
            raise Problem("CS105", f"{self.type_name}: dim {self.dim} is out of range for "
                          f"{rank}-axis inputs", "0 is the channels; a sample has no batch axis",
                          "dim")
        return self.dim % rank

    def sizes(self, n: int) -> tuple[int, ...]:
        raise NotImplementedError

    def output_shape(self, x: Shape) -> tuple[Shape, ...]:
        """One shape per part, in order."""
        d = self.axis(x)
        return tuple(x[:d] + (s,) + x[d + 1:] for s in self.sizes(x[d]))

    def receptive(self, x, y, rf):
        """Per part: a channel split keeps the field; a part of a spatial axis starts
        ``offset`` units on, so its effective padding moves by offset strides (as a crop)."""
        d = self.axis(x)
        if d == 0 or not isinstance(rf, list):
            return [rf] * len(y)
        out, offset = [], 0
        for part in y:
            out.append([(r, s, p - offset * s) if i == d - 1 else (r, s, p)
                        for i, (r, s, p) in enumerate(rf)])
            offset += part[d]
        return out


@register("split")
@dataclass(frozen=True, kw_only=True)
class SplitSizes(Split):
    """torch.split(x, split_size_or_sections, dim): parts of a size (the last one smaller
    when it does not divide), or of the listed sizes, which must add up to the axis."""
    primary = "split_size_or_sections"
    split_size_or_sections: Sections = field(metadata=doc(
        "the size of each part (the last may be smaller), or a list of the parts' sizes"))

    def sizes(self, n: int) -> tuple[int, ...]:
        s = self.split_size_or_sections
        if isinstance(s, tuple):
            if sum(s) != n:
                raise Problem("CS213", f"split: the sections {list(s)} add up to {sum(s)}, but "
                              f"the axis has {n}", "the sizes must add up to the axis, as "
                              "torch.split requires", "split_size_or_sections")
            return s
        return (s,) * (n // s) + ((n % s,) if n % s else ())


@register("chunk")
@dataclass(frozen=True, kw_only=True)
class Chunk(Split):
    """torch.chunk(x, chunks, dim): parts of ceil(n / chunks) each, the last smaller, so
    fewer than ``chunks`` parts when the axis does not divide (5 in 4 chunks gives 2, 2, 1)."""
    primary = "chunks"
    chunks: Count = field(metadata=doc("how many parts to ask for"))

    def sizes(self, n: int) -> tuple[int, ...]:
        size = -(-n // self.chunks)
        return (size,) * (n // size) + ((n % size,) if n % size else ())

    def notes(self, x, y):
        if len(y) == self.chunks:
            return []
        sizes = [part[self.axis(x)] for part in y]
        return [Problem("CS305", f"chunk {self.chunks} of an axis of {x[self.axis(x)]} gives "
                        f"{len(y)} parts, of {sizes}, as torch.chunk does", "use split with "
                        "a list of sizes to choose them", "chunks", level="warning")]
