"""The report of one layer on its own (``cnnshape conv`` / ``cnnshape pool``): plain data.

Kept apart from result.py so that the single-layer commands create no model
classes at start-up.  Imports nothing of cnnshape.
"""
from typing import NamedTuple

FLOPS_PER_MAC = 2  # one multiply and one add; FLOPs are always labelled as such
#: The version of every JSON document cnnshape prints (model, conv, pool, check, solve,
#: inputs, zoo), its first key ``format_version``.  Adding a key keeps it; removing or
#: renaming a key, or changing a value's type, meaning or the document's layout, bumps it.
#: docs/spec.md ("The JSON output") is the contract.  It lives here, not in result.py, so
#: that ``conv --format json`` creates no model classes.
FORMAT_VERSION = 1
AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
UNIT_NAMES = {"length": "positions", "depth": "slices", "height": "rows", "width": "columns"}


class AxisWork(NamedTuple):
    """The arithmetic of one spatial axis of one windowed layer, kept for --explain.

    NamedTuples (immutable like the frozen dataclasses) keep ``cnnshape conv`` start-up cheap.
    """
    size: int
    kernel: int
    stride: int
    pad_begin: int
    pad_end: int
    dilation: int
    out: int
    padding_mode: str = ""           # 'same', 'valid', 'full' or '' for explicit
    ceil_mode: bool = False
    transposed: bool = False
    output_padding: int = 0
    unread: tuple[tuple[int, int], ...] | None = ()  # inclusive 0-based runs never read;
    # None when the axis is too long to list them

    @property
    def numerator(self) -> int:
        """W + p_begin + p_end - d*(F-1) - 1: what the stride divides."""
        return self.size + self.pad_begin + self.pad_end - self.dilation * (self.kernel - 1) - 1


class LayerReport(NamedTuple):
    """One layer on its own, as ``cnnshape conv`` and ``cnnshape pool`` report it.

    Shapes and counts are None when the channels were not given.
    """
    type: str
    input_size: tuple[int, ...]
    output_size: tuple[int, ...]
    axes: tuple[AxisWork, ...]
    input_shape: tuple[int, ...] | None = None
    output_shape: tuple[int, ...] | None = None
    params: int | None = None
    connections: int | None = None
    neurons: int | None = None
    macs: int | None = None

    @property
    def flops(self) -> int | None:
        return None if self.macs is None else FLOPS_PER_MAC * self.macs

    def to_dict(self) -> dict:
        d = {"type": self.type, "input_size": list(self.input_size),
             "output_size": list(self.output_size),
             "padding": [[a.pad_begin, a.pad_end] for a in self.axes],
             "unread": [None if a.unread is None else [list(r) for r in a.unread]
                        for a in self.axes]}
        if self.output_shape is not None:
            d.update(input_shape=list(self.input_shape), output_shape=list(self.output_shape),
                     params=self.params, connections=self.connections, neurons=self.neurons,
                     macs=self.macs, flops=self.flops)
        return d
