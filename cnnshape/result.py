"""Results: frozen plain data that the engine hands out and renderers read.

Imports nothing of cnnshape but report.py (plain data too), so a renderer never
reaches into the engine.
"""
from dataclasses import dataclass

from .report import FLOPS_PER_MAC, FORMAT_VERSION  # plain data too; defined once



@dataclass(frozen=True, slots=True)
class LayerResult:
    """One row: a layer, or (``group``) a block or branch construct standing for its layers."""
    index: int
    name: str
    type: str
    inputs: tuple[str, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    output_shape: tuple[int, ...]
    params: int
    non_trainable_params: int
    connections: int
    neurons: int
    macs: int
    depth: int = 0
    in_features: int | None = None
    group: bool = False
    line: int = 0
    # per spatial axis (receptive field, effective stride, effective padding) from the input;
    # "whole" once a unit sees the whole input; None where undefined
    field: object = None
    kernel: tuple[int, ...] | None = None  # a windowed layer's kernel_size (for drawings)
    last: int = -1  # a group row: the index of its last layer
    # a layer with several outputs (split, chunk): each part's shape; output_shape is then
    # the parts taken together, its input; () for every other row
    output_shapes: tuple[tuple[int, ...], ...] = ()
    note: str = ""  # free text from the spec's note: (an importer's source row)
    # a windowed layer's axes as it runs on its input, 'same' resolved: per spatial axis
    # (kernel, stride, pad_begin, pad_end, dilation); None for every other row
    window: tuple[tuple[int, int, int, int, int], ...] | None = None

    @property
    def receptive_field(self):
        return self._field(0)

    @property
    def effective_stride(self):
        return self._field(1)

    @property
    def effective_padding(self):
        return self._field(2)

    def _field(self, i):
        if self.field is None or isinstance(self.field, str):
            return None
        return tuple(axis[i] for axis in self.field)

    def to_dict(self) -> dict:
        d = {"name": self.name, "type": self.type, "inputs": list(self.inputs),
             "input_shape": (list(self.input_shapes[0]) if len(self.input_shapes) == 1
                             else [list(s) for s in self.input_shapes]),
             "output_shape": list(self.output_shape),
             **({"output_shapes": [list(s) for s in self.output_shapes]}
                if self.output_shapes else {}),
             "params": self.params, "non_trainable_params": self.non_trainable_params,
             "connections": self.connections, "neurons": self.neurons, "macs": self.macs,
             "depth": self.depth}
        # a group row carries its last layer's field: what its output sees
        field = self.field
        if isinstance(field, str):
            d.update(receptive_field=field, effective_stride=None, effective_padding=None)
        elif field is None:
            d.update(receptive_field=None, effective_stride=None, effective_padding=None)
        else:
            r, s, p = ([v if type(v) is int else _exact(v) for v in values]
                       for values in zip(*field)) if field else ([], [], [])
            d.update(receptive_field=r, effective_stride=s, effective_padding=p)
        if self.in_features is not None:
            d["in_features"] = self.in_features
        if self.group:
            d["group"] = True
        if self.line:
            d["line"] = self.line
        if self.note:
            d["note"] = self.note
        return d


def _exact(value):
    """An int as is; a fraction (after transposed convs or upsampling) as the string "1/2",
    exact where a float would drift."""
    return value if isinstance(value, int) else f"{value.numerator}/{value.denominator}"


@dataclass(frozen=True, slots=True)
class Totals:
    params: int
    non_trainable_params: int
    connections: int
    neurons: int
    macs: int

    @property
    def flops(self) -> int:
        return FLOPS_PER_MAC * self.macs

    @property
    def total_params(self) -> int:
        return self.params + self.non_trainable_params

    @property
    def param_bytes(self) -> int:
        """Parameter memory in float32: 4 bytes per parameter, trainable or not."""
        return 4 * self.total_params

    def to_dict(self) -> dict:
        return {"params": self.params, "non_trainable_params": self.non_trainable_params,
                "total_params": self.total_params, "connections": self.connections,
                "neurons": self.neurons, "macs": self.macs, "flops": self.flops,
                "param_bytes_float32": self.param_bytes}


@dataclass(frozen=True, slots=True)
class Result:
    """A whole network: its layers in execution order (leaves), group rows, and totals."""
    name: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    layers: tuple[LayerResult, ...]
    groups: tuple[LayerResult, ...]
    totals: Totals
    path: str = ""
    description: str = ""
    source: str = ""
    warnings: tuple = ()  # Diagnostics of level warning: unread input, dropped windows
    # figures an importer adds, each labelled as its source computes it (Ultralytics'
    # GFLOPs): (key, label, value, text)
    extras: tuple = ()

    def rows(self, depth: int | None = None) -> tuple[LayerResult, ...]:
        """Leaves, or with ``depth`` (1 = top level only) the groups at that depth standing
        in for their layers; in execution order."""
        if depth is None:
            return self.layers
        shown = [r for r in self.layers if r.depth < depth]
        shown += [g for g in self.groups if g.depth == depth - 1]
        return tuple(sorted(shown, key=lambda r: (r.index, not r.group)))

    def outside_inputs(self, row: LayerResult) -> tuple[str, ...]:
        """What feeds ``row`` from outside it: a layer's inputs, or for a group row the
        inputs of its layers that none of its own layers produce."""
        if not row.group:
            return row.inputs
        inner = self.layers[row.index:row.last + 1]
        names = {r.name for r in inner}
        seen = dict.fromkeys(i for r in inner for i in r.inputs if i not in names)
        return tuple(seen)

    def to_dict(self, depth: int | None = None) -> dict:
        return {"format_version": FORMAT_VERSION, "name": self.name,
                "input_shape": list(self.input_shape),
                "output_shape": list(self.output_shape),
                "layers": [r.to_dict() for r in self.rows(depth)],
                "totals": self.totals.to_dict(),
                **({"extra_totals": {k: {"label": label, "value": v, "text": text}
                                     for k, label, v, text in self.extras}}
                   if self.extras else {})}
