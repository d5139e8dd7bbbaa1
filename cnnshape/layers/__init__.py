"""Layer kinds: one frozen dataclass per kind, registered by its YAML ``type``.

A field is declared once, with a *kind* as its annotation (``PerAxis``,
``Padding``, ...).  ``__post_init__`` validates and normalises every field
from that declaration, so a layer built from a spec, from CLI flags or from
Python is checked the same way; the JSON Schema and the docs table are
derived from ``dataclasses.fields`` too.
"""
from dataclasses import MISSING, dataclass, fields
from math import prod
from typing import NamedTuple

from ..arithmetic import MAX_COUNT, MAX_ELEMENTS, MAX_INT  # the bounds a framework holds

Shape = tuple[int, ...]
WHOLE = "whole"  # receptive field: every unit sees the whole input (after flatten, linear, ...)
REGISTRY: dict[str, type["Layer"]] = {}



class Problem(Exception):
    """A fault found by a layer or the arithmetic check, before its position is known.

    ``field`` names the layer field at fault (or ``None`` for the layer as a
    whole); the spec loader or the CLI turns it into a located Diagnostic.
    """

    def __init__(self, code: str, message: str, hint: str = "", field: str | None = None,
                 level: str = "error"):
        super().__init__(message)
        self.code, self.message, self.hint, self.field = code, message, hint, field
        self.level = level


class Problems(Exception):
    """Several Problems found while building one layer."""

    def __init__(self, problems):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


def doc(text: str) -> dict:
    """Field metadata: the one-line description used by the schema and the docs."""
    return {"doc": text}


def register(name: str):
    """Class decorator: make ``cls`` the layer kind spelt ``type: name``."""
    def wrap(cls):
        cls.type_name = name
        REGISTRY[name] = cls
        return cls
    return wrap


def dims_family(base, stem: str, torch_name: str):
    """Register {stem}1d/2d/3d as subclasses of ``base`` fixing the number of axes.

    They add no fields, so the base's generated dataclass methods serve (and start-up
    stays cheap)."""
    made = []
    for dims in (1, 2, 3):
        cls = type(f"{torch_name}{dims}d", (base,),
                   {"__doc__": f"Matches torch.nn.{torch_name}{dims}d.", "dims": dims})
        made.append(register(f"{stem}{dims}d")(cls))
    return made


def nearest(name: str, choices, n: int = 3) -> list[str]:
    from difflib import get_close_matches
    return get_close_matches(name, list(choices), n=n, cutoff=0.6)


# --- field kinds --------------------------------------------------------------

def _int(value, name: str, low: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        hint = ""
        if isinstance(value, float) and value.is_integer():
            hint = f"write {int(value)}, without the decimal point"
        elif isinstance(value, float):
            hint = "sizes are whole numbers"
        raise Problem("CS104", f"{name} must be {what}, got {_show(value)}", hint, name)
    if value < low:
        raise Problem("CS105", f"{name} must be {what}, got {value}", "", name)
    if value > MAX_INT:
        raise Problem("CS105", f"{name} is {value}, larger than any framework accepts "
                      f"(at most {MAX_INT})", "", name)
    return value


def _show(value) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float):
        return f"{value} (a fraction)"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _per_axis(value, name: str, dims: int, low: int, what: str) -> tuple[int, ...]:
    if isinstance(value, (list, tuple)):
        if len(value) != dims:
            raise Problem("CS106", f"{name} has {len(value)} values but this layer has "
                          f"{_axes(dims)}", f"give one int, or a list of {dims}", name)
        return tuple(_int(v, name, low, what) for v in value)
    return (_int(value, name, low, what),) * dims


class Kind:
    """How a field's value is checked, normalised and described."""
    schema: dict = {}

    @staticmethod
    def parse(value, name: str, dims: int):
        raise NotImplementedError


class Count(Kind):
    """A positive int (channels, features, groups)."""
    schema = {"type": "integer", "minimum": 1}

    @staticmethod
    def parse(value, name, dims):
        return _int(value, name, 1, "a positive integer")


class PerAxis(Kind):
    """A positive int, or a list with one per spatial axis."""
    schema = {"oneOf": [{"type": "integer", "minimum": 1},
                        {"type": "array", "items": {"type": "integer", "minimum": 1}}]}

    @staticmethod
    def parse(value, name, dims):
        return _per_axis(value, name, dims, 1, "a positive integer")


class PerAxisOrKernel(PerAxis):
    """Like PerAxis; left out (null), it takes the kernel size, as torch pooling does."""
    schema = {"oneOf": [{"type": "null"}, *PerAxis.schema["oneOf"]]}

    @staticmethod
    def parse(value, name, dims):
        return None if value is None else PerAxis.parse(value, name, dims)


class NonNegPerAxis(Kind):
    """A non-negative int, or one per spatial axis."""
    schema = {"oneOf": [{"type": "integer", "minimum": 0},
                        {"type": "array", "items": {"type": "integer", "minimum": 0}}]}

    @staticmethod
    def parse(value, name, dims):
        return _per_axis(value, name, dims, 0, "a non-negative integer")


PAD_MODES = ("same", "valid", "full")


class Padding(Kind):
    """An int, one per axis, a [begin, end] pair per axis, or 'same' / 'valid' / 'full'.

    Normalised to a mode string or a tuple of (begin, end) pairs.
    """
    schema = {"oneOf": [
        {"type": "integer", "minimum": 0},
        {"enum": list(PAD_MODES)},
        {"type": "array", "items": {"oneOf": [
            {"type": "integer", "minimum": 0},
            {"type": "array", "items": {"type": "integer", "minimum": 0},
             "minItems": 2, "maxItems": 2}]}}]}

    @staticmethod
    def parse(value, name, dims):
        what = "a non-negative integer"
        if isinstance(value, str):
            mode = value.lower()
            if mode not in PAD_MODES:
                raise Problem("CS105", f"{name} must be an int or one of 'same', 'valid', "
                              f"'full', got {value!r}",
                              _did_you_mean(mode, PAD_MODES), name)
            return mode
        if isinstance(value, (list, tuple)):
            if len(value) != dims:
                raise Problem("CS106", f"{name} has {len(value)} values but this layer has "
                              f"{_axes(dims)}",
                              f"give one int, or a list of {dims} ints or [begin, end] pairs",
                              name)
            pairs = []
            for v in value:
                if isinstance(v, (list, tuple)):
                    if len(v) != 2:
                        raise Problem("CS106", f"{name}: a per-axis pair is [begin, end], "
                                      f"got {len(v)} values", "", name)
                    pairs.append((_int(v[0], name, 0, what), _int(v[1], name, 0, what)))
                else:
                    p = _int(v, name, 0, what)
                    pairs.append((p, p))
            return tuple(pairs)
        p = _int(value, name, 0, what)
        return ((p, p),) * dims


class Sizes(Kind):
    """A positive int, or a list of them of any length (torch's normalized_shape)."""
    schema = {"oneOf": [{"type": "integer", "minimum": 1},
                        {"type": "array", "items": {"type": "integer", "minimum": 1},
                         "minItems": 1}]}

    @staticmethod
    def parse(value, name, dims):
        if isinstance(value, (list, tuple)):
            if not value:
                raise Problem("CS104", f"{name} must list at least one size", "", name)
            return tuple(_int(v, name, 1, "a positive integer") for v in value)
        return (_int(value, name, 1, "a positive integer"),)


class OptionalCount(Kind):
    """A positive int, or left out (null)."""
    schema = {"oneOf": [{"type": "null"}, {"type": "integer", "minimum": 1}]}

    @staticmethod
    def parse(value, name, dims):
        return None if value is None else Count.parse(value, name, dims)


class Int(Kind):
    """Any int (a dimension index such as softmax's dim)."""
    schema = {"type": "integer"}

    @staticmethod
    def parse(value, name, dims):
        if isinstance(value, bool) or not isinstance(value, int):
            raise Problem("CS104", f"{name} must be an integer, got {_show(value)}", "", name)
        return value


class Number(Kind):
    """A real number >= 0 (a probability, a slope, an epsilon)."""
    schema = {"type": "number", "minimum": 0}

    @staticmethod
    def parse(value, name, dims):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise Problem("CS104", f"{name} must be a number, got {_show(value)}", "", name)
        if value < 0:
            raise Problem("CS105", f"{name} must be at least 0, got {value}", "", name)
        return value


class Probability(Number):
    """A probability in [0, 1]."""
    schema = {"type": "number", "minimum": 0, "maximum": 1}

    @staticmethod
    def parse(value, name, dims):
        value = Number.parse(value, name, dims)
        if value > 1:
            raise Problem("CS105", f"{name} is a probability, at most 1, got {value}", "", name)
        return value


class Text(Kind):
    """A string."""
    schema = {"type": "string"}

    @staticmethod
    def parse(value, name, dims):
        if not isinstance(value, str):
            raise Problem("CS104", f"{name} must be a string, got {_show(value)}", "", name)
        return value


class Names(Kind):
    """A list of layer names (or one name); the graph resolves them."""
    schema = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}

    @staticmethod
    def parse(value, name, dims):
        if isinstance(value, str):
            return (value,)
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise Problem("CS104", f"{name} must be a layer name or a list of them, got "
                      f"{_show(value)}", "", name)


class Table(Kind):
    """A list with, per output map, the list of input maps it reads (LeNet-5's Table I)."""
    schema = {"type": "array", "items": {"type": "array", "items": {"type": "integer",
                                                                     "minimum": 0}}}

    @staticmethod
    def parse(value, name, dims):
        if not isinstance(value, (list, tuple)) or not value:
            raise Problem("CS104", f"{name} must be a non-empty list of lists of input map "
                          f"indices, got {_show(value)}", "", name)
        rows = []
        for row in value:
            if not isinstance(row, (list, tuple)) or not row:
                raise Problem("CS104", f"{name}: each output map lists the input maps it reads, "
                              f"got {_show(row)}", "e.g. [0, 1, 2]", name)
            ints = tuple(_int(v, name, 0, "an input map index (0-based)") for v in row)
            if len(set(ints)) != len(ints):
                raise Problem("CS105", f"{name}: output map {len(rows)} lists an input map "
                              "twice", "", name)
            rows.append(ints)
        return tuple(rows)


class Framework(Kind):
    """A framework whose arithmetic the layer follows (cnnshape.dialects), or null."""
    schema = {"oneOf": [{"type": "null"}, {"enum": [
        "torch", "tensorflow", "keras", "onnx", "mindspore", "paddle", "mxnet", "jax",
        "caffe"]}]}

    @staticmethod
    def parse(value, name, dims):
        if value is None:
            return None
        from ..dialects import DIALECTS, unknown
        if value not in DIALECTS:
            raise Problem("CS105", f"{name} must name a framework, got {_show(value)}",
                          unknown(value), name)
        return value


class Bool(Kind):
    schema = {"type": "boolean"}

    @staticmethod
    def parse(value, name, dims):
        if not isinstance(value, bool):
            raise Problem("CS104", f"{name} must be true or false, got {_show(value)}", "", name)
        return value


def _axes(n: int) -> str:
    return f"{n} spatial axis" if n == 1 else f"{n} spatial axes"


def _did_you_mean(word: str, choices) -> str:
    close = nearest(word, choices, 1)
    return f"did you mean {close[0]!r}?" if close else ""


# --- the base class -----------------------------------------------------------

class Cost(NamedTuple):
    """What one layer costs; neurons are derived from the output shape by the graph.

    A NamedTuple rather than a dataclass: as immutable, and cheaper to create at start-up.
    """
    params: int = 0
    non_trainable_params: int = 0
    connections: int = 0
    macs: int = 0


@dataclass(frozen=True, kw_only=True)
class Layer:
    """Base of every layer kind.  ``dims`` is the number of spatial axes, or None."""
    type_name = "layer"
    dims = None     # spatial axes; a class attribute, not a field
    # The input ranks accepted (a sample: channels first, no batch), checked for every kind
    # by expect_rank, which the engine calls: what torch builds for a batched input, as
    # tests/test_vs_torch.py measures.  A kind with dims takes [C, *dims] unless it says.
    ranks = (1, 2, 3, 4)
    primary = None  # the field a bare number sets in the inline form: "conv2d 32" -> out_channels
    prefix = None   # automatic names: prefix + counter (conv1, pool1); None: the type name
    family = None   # a windowed kind's family in cnnshape.dialects (conv, maxpool, ...)
    # What autograd keeps for this layer's backward, as torch does (tests/data/memory):
    # "input" (each input), "output", "indices" (int64 per output element: max pooling),
    # "mask" (a byte per output element: dropout), "stats" (two float32 per channel: batch
    # norm).  Parameters are counted apart.  cnnshape.memory reads it.
    saves = ("input",)
    aliases = False  # True: the output is a view of the input (no storage of its own)

    def stats(self, y: Shape) -> tuple[int, bool]:
        """What "stats" in ``saves`` holds: (elements, whether per sample)."""
        return 0, False
    merges = False  # True: takes several inputs (concat, add, mul)
    splits = False  # True: gives several outputs, read as name.0, name.1 (split, chunk)

    def __post_init__(self):
        problems = []
        dims = self.dims or 1
        for name, parse in _parsers(type(self)):
            try:
                object.__setattr__(self, name, parse(getattr(self, name), name, dims))
            except Problem as p:
                problems.append(p)
        if not problems:
            try:
                self.validate()
            except Problem as p:
                problems.append(p)
        if problems:
            raise Problems(problems)

    def validate(self) -> None:
        """Cross-field checks; raise Problem."""

    @classmethod
    def build(cls, values: dict, framework: str | None = None,
              spelling: str | None = None) -> "Layer":
        """Build from a mapping of field names, refusing unknown and missing fields.

        A windowed kind (with a ``family``) under a ``framework`` (or with ``framework:``
        among its values) reads the framework's own argument names and takes its defaults
        for the arguments not given (cnnshape.dialects); ``spelling`` names the framework
        whose argument names the values use, when it is another."""
        if cls.family is not None:
            framework = values.get("framework", framework)
            if framework is not None or spelling is not None:
                from ..dialects import DIALECTS, resolve
                if framework is None or framework in DIALECTS:
                    values = resolve(cls, values, framework, spelling)
        known = _fields(cls)
        problems = []
        for key in values:
            if key not in known:
                hint = _did_you_mean(str(key), known)
                hint = hint or ("its fields are: " + ", ".join(known) if known else
                                f"{cls.type_name} takes no fields")
                problems.append(Problem("CS102", f"{cls.type_name} has no field {key!r}",
                                        hint, str(key)))
        for name, f in known.items():
            if name not in values and f.default is MISSING and f.default_factory is MISSING:
                problems.append(Problem("CS103", f"{cls.type_name} needs {name}: "
                                        f"{f.metadata.get('doc', '')}", "", None))
        if problems:
            raise Problems(problems)
        return cls(**values)

    # Shape and cost sit together, as micrograd keeps an op beside its backward.
    def output_shape(self, x: Shape) -> Shape:
        return x

    def cost(self, x: Shape, y: Shape) -> Cost:
        return Cost()

    def notes(self, x: Shape, y: Shape) -> list:
        """Warnings about a layer that works but may not do what was meant."""
        return []

    def receptive(self, x: Shape, y: Shape, rf):
        """The receptive field after this layer, given the one before it: per spatial axis
        (r, S, P) (see arithmetic.rf_window), WHOLE once a unit sees the whole input, or None
        where it is not defined.  A layer that keeps the geometry returns it unchanged."""
        return rf

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "dims" in cls.__dict__ and "ranks" not in cls.__dict__ and cls.dims:
            cls.ranks = (cls.dims + 1,)

    def expect_rank(self, x: Shape) -> None:
        """Refuse an input whose rank is not one of ``ranks``: one generic check, read from
        the class, so no kind needs code of its own."""
        if len(x) in self.ranks:
            return
        if self.ranks == (1,):
            hint = "add a flatten layer before it"
            if "in_features" in _fields(type(self)):
                hint += f"; it would then get in_features={prod(x)}"
            raise Problem("CS206", f"{self.type_name} receives {list(x)}, not a flat vector",
                          hint)
        want = " or ".join(LAYOUTS[r] for r in self.ranks)
        raise Problem("CS205", f"{self.type_name} expects a {want} input, got {list(x)}",
                      _rank_hint(self.type_name, len(x)))


#: How an input of each rank reads (channels first, no batch).
LAYOUTS = {1: "[F]", 2: "[C, L]", 3: "[C, H, W]", 4: "[C, D, H, W]"}


_FIELDS: dict = {}


def _fields(cls) -> dict:
    """{name: Field} of a layer class, computed once per class (specs build many layers)."""
    known = _FIELDS.get(cls)
    if known is None:
        known = _FIELDS[cls] = {f.name: f for f in fields(cls)}
    return known


def _parsers(cls) -> list:
    """[(name, kind.parse)] of the fields that declare a kind, once per class."""
    key = (cls, "parse")
    parsers = _FIELDS.get(key)
    if parsers is None:
        parsers = _FIELDS[key] = [(f.name, f.type.parse) for f in fields(cls)
                                  if isinstance(f.type, type) and issubclass(f.type, Kind)]
    return parsers


def _rank_hint(type_name: str, rank: int) -> str:
    stem = type_name.rstrip("123d")
    if rank in (2, 3, 4) and f"{stem}{rank - 1}d" in REGISTRY:
        return f"for this input use {stem}{rank - 1}d"
    return ""


def neurons(shape: Shape) -> int:
    return prod(shape)


# --- bounds: what any framework can hold ---------------------------------------
# Checked once per layer by the engine (graph.py), whatever the kind, and on the input:
# per axis MAX_INT, per tensor MAX_ELEMENTS, per count MAX_COUNT (docs/spec.md, Limits).

BOUND_HINT = "no framework holds it: check the sizes, scale factors and paddings before it"


def check_channels(layer, given, channels: int, name: str = "num_features") -> None:
    """An optional channel count a field states (BatchNorm's num_features, LayerNorm's
    normalized_shape, ...) must be the input's."""
    if given is not None and given != channels:
        raise Problem("CS207", f"{layer.type_name}: {name} is {given} but the input has "
                      f"{channels} channels", f"set {name}: {channels}", name)


def big(n: int, sep: str = ",") -> str:
    """A number for a message: its digits, or how many there are once beyond every bound
    (an upsample by 1e300 makes a 301-digit size)."""
    if n.bit_length() > 96:
        return f"<{len(str(n))} digits>"
    return f"{n:,}" if sep else str(n)


def check_shape(shape: Shape, what: str = "output") -> None:
    """Refuse a shape no framework holds: an axis over MAX_INT, or more than MAX_ELEMENTS
    elements in all (int64 byte sizes, see arithmetic.MAX_ELEMENTS).  Runs once per layer:
    the message is built only when it fails."""
    top, count = max(shape), prod(shape)
    if top <= MAX_INT and count <= MAX_ELEMENTS:
        return
    shown = "[" + ", ".join(big(s, "") for s in shape) + "]"
    hint = BOUND_HINT if what == "output" else "give a smaller input shape"
    if top > MAX_INT:
        raise Problem("CS212", f"{what} {shown} has a size of {big(top)}, over the largest "
                      f"a framework holds ({MAX_INT:,})", hint)
    raise Problem("CS212", f"{what} {shown} has {big(count)} elements, over the most "
                  f"one tensor holds ({MAX_ELEMENTS:,})", hint)


def check_cost(cost: "Cost") -> None:
    """Refuse a layer whose counts exceed MAX_COUNT (int64)."""
    if max(cost) <= MAX_COUNT:
        return
    for name, value in zip(Cost._fields, cost):
        if value > MAX_COUNT:
            raise Problem("CS212", f"{name.replace('_', ' ')} is {big(value)}, over the "
                          f"largest count reported ({MAX_COUNT:,})", BOUND_HINT)


#: Modules that define layer kinds, imported on first need, most used first, so
#: ``cnnshape conv`` loads only the convolutions (start-up is a feature).
KIND_MODULES = ("conv", "pool", "transposed", "dense", "elementwise", "merge", "norm",
                "reshape", "lenet", "split", "matmul")


def kind(name: str) -> type[Layer] | None:
    """The layer class registered as ``name``, or None."""
    from importlib import import_module
    for module in KIND_MODULES:
        if name in REGISTRY:
            break
        import_module(f"{__name__}.{module}")
    return REGISTRY.get(name)


_ALL_LOADED = []


def all_kinds() -> dict[str, type[Layer]]:
    """Every registered kind (loads them all: for specs, suggestions, the schema, the docs)."""
    if not _ALL_LOADED:
        from importlib import import_module
        for module in KIND_MODULES:
            import_module(f"{__name__}.{module}")
        _ALL_LOADED.append(True)
    return REGISTRY
