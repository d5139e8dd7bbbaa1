"""The expanded spec: what the loader hands to the engine (graph.py)."""
from dataclasses import dataclass, field


@dataclass(slots=True)
class Node:
    """One layer of the expanded network."""
    name: str
    layer: object
    inputs: tuple[int, ...]     # indices of earlier nodes; -1 is the network input
    line: int
    column: int
    field_pos: dict = field(default_factory=dict)
    groups: tuple[int, ...] = ()  # enclosing group ids, outermost first
    context: str = ""           # "in block instance inception3a (line 40)"
    #: per input, which part of a split it reads (None: the whole output); () if none
    parts: tuple = ()
    note: str = ""              # free text shown beside the row (an importer's source row)
    #: the layer's fields as written (before any framework's defaults), for cnnshape port
    written: dict | None = None


@dataclass(slots=True)
class Group:
    """A block instance or a merge construct: a row that can stand for its layers."""
    name: str
    type: str
    line: int
    depth: int
    note: str = ""
    #: a block instance's arguments, by parameter name (defaults filled in); {} for a
    #: merge construct
    args: dict = field(default_factory=dict)


@dataclass(slots=True)
class Spec:
    path: str
    name: str
    description: str
    source: str
    input_shape: tuple[int, ...]
    input_pos: tuple[int, int]
    nodes: list[Node]
    groups: list[Group]
    expect: object = None       # the model's expect: mapping (a PMap keeps positions)
    layer_expects: list = field(default_factory=list)  # (node index, shape, (line, col))
    #: an importer's labelled figures computed from the rows: rows -> ((key, label, value,
    #: text), ...); None for a cnnshape spec
    extra_totals: object = None
    #: layers the network returns beside its last (``outputs:``): read, so never CS304
    outputs: tuple[int, ...] = ()
    #: the framework whose arithmetic the windowed layers follow (None: cnnshape's default)
    framework: str | None = None

