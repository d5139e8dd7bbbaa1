"""Specs: YAML text (or a dict of the same structure) -> a flat list of positioned nodes.

The only module that imports yaml, and the only one that adds 1 to PyYAML's 0-based
marks.  Repeats, blocks, branches and named inputs are expanded here, in one pass,
so the engine sees a plain list whose inputs always point backwards (a cycle
cannot be written).  Every fault becomes a Diagnostic with the spec's own line
and column.
"""
import re
from dataclasses import dataclass, field

from .arithmetic import MAX_INT
from .diagnostics import Diagnostic, SpecError

#: Expanded layers one spec may produce: repeat counts multiply, and a typo such as
#: ``repeat: 1000000000`` must fail at once rather than fill the memory.  1,000,000 took
#: 84 s in ``cnnshape model``; 100,000 convolutions answer in under 7 s (benchmarks/limits.py).
MAX_LAYERS = 100_000
#: Values a spec may hold once its YAML aliases are written out (see _Builder.node).
MAX_EXPANDED = 4_000_000  # as before MAX_LAYERS came down: aliases are measured apart
#: Largest spec file read (a 100k-layer spec is about 3 MiB).
MAX_BYTES = 64 * 2**20
#: Digits read as a number; longer is refused (int() stops at 4,300 anyway).
MAX_DIGITS = 100
#: A diagnostic quoting a value is cut to this many characters.
MAX_MESSAGE = 300
#: YAML nesting deeper than this is refused before it is walked.
MAX_DEPTH = 64
#: Lists of layers inside lists of layers (block bodies, branches, repeats): the expander
#: recurses a few frames per level, and Python stops near 1,000 frames.
MAX_NESTING = 100
TOP_KEYS = ("name", "description", "source", "input", "layers", "blocks", "expect")
RESERVED = ("type", "name", "inputs", "expect")
SHORT = {"k": "kernel_size", "s": "stride", "p": "padding", "d": "dilation", "g": "groups"}
SHORT_OF = {v: k for k, v in SHORT.items()}
#: A shorthand is exactly a letter and a value, one per axis (k3, s2, p1x2, k3,5): a name
#: such as s1a or k3_reduce is a bare value, not a stride or a kernel.
SHORTHAND = re.compile(r"[kspdg]\d+(?:[x,]\d+)*")
MODEL_EXPECT = ("output_shape", "params", "max_params", "non_trainable_params", "macs",
                "max_macs")


# --- positioned YAML ----------------------------------------------------------

class PMap(dict):
    """A mapping that remembers where it and each of its keys and values stand."""
    __slots__ = ("pos", "key_pos", "val_pos")


class PList(list):
    """A list that remembers where it and each item stand."""
    __slots__ = ("pos", "item_pos")


NOWHERE = (0, 0)


def where(value) -> tuple[int, int]:
    return getattr(value, "pos", NOWHERE)


def key_where(mapping, key) -> tuple[int, int]:
    return getattr(mapping, "key_pos", {}).get(key, where(mapping))


def val_where(mapping, key) -> tuple[int, int]:
    return getattr(mapping, "val_pos", {}).get(key, key_where(mapping, key))


def item_where(seq, i) -> tuple[int, int]:
    positions = getattr(seq, "item_pos", None)
    return positions[i] if positions else where(seq)


def _loader():
    import yaml
    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``, counted in characters of the text."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


#: Nesting the composers are known to survive: PyYAML's Python composer recurses a few
#: frames per level (RecursionError near 300), libyaml's C composer once per level
#: (SIGSEGV near 100,000 when its parser sets no limit of its own).
_SAFE_DEPTH = 200


def _too_deep(text: str, path: str, yaml, loader, sure: bool = False) -> None:
    """Refuse YAML nested deeper than MAX_DEPTH before a composer recurses into it.

    Real nesting, not characters: a bracket in a quoted name or a comment, or an indented
    block scalar, is not a level.  The exact measure walks the parser's events (the parsers
    are iterative), which costs half a compose; it runs only when the text could nest past
    what the composers survive.  A block collection nested d deep starts at column d/2 or
    more, and a flow one needs an open bracket per level, so a text whose brackets and twice
    its longest line add up to less than _SAFE_DEPTH cannot; the builder refuses what lies
    between MAX_DEPTH and that, at the same place."""
    if not sure:
        brackets = text.count("[") + text.count("{")
        long_line = re.search(r"(?m)^[^\n]{%d}" % max(1, (_SAFE_DEPTH - brackets) // 2), text)
        if brackets < _SAFE_DEPTH and long_line is None:
            return
    start = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    end = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, end):
                depth -= 1
            elif depth > MAX_DEPTH and not isinstance(event, yaml.AliasEvent):
                # the builder's rule: a node below MAX_DEPTH open collections
                mark = event.start_mark
                raise SpecError([Diagnostic(path, mark.line + 1, mark.column + 1, "CS003",
                                            "error", f"nesting deeper than {MAX_DEPTH} levels",
                                            "a spec is a list of layers; flatten this "
                                            "structure")])
            elif isinstance(event, start):
                depth += 1
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        if "nesting depth" not in str(getattr(e, "problem", "")) or mark is None:
            return  # compose meets the same fault first, and reports it where it is
        # libyaml (0.2.6) stops at 1,000 levels, but its scanner reads a flow collection's
        # inside before the parser's first event of it; the Python parser reads at most
        # 1,024 characters ahead, so it finds the level past MAX_DEPTH, before this mark
        if loader is not yaml.SafeLoader and mark.index < 2**20:
            _too_deep(text[:mark.index], path, yaml, yaml.SafeLoader, sure=True)
        raise SpecError([Diagnostic(path, mark.line + 1, mark.column + 1, "CS003", "error",
                                    f"nesting deeper than {MAX_DEPTH} levels",
                                    "a spec is a list of layers; flatten this structure")])


def _alias_cycles(text: str, path: str, yaml, loader) -> list[Diagnostic]:
    """Each alias inside the collection its anchor names (``layers: &a [{add: *a}]``).

    Composed, such an alias is the enclosing node itself, and its own position is lost: the
    events still have it.  Only run once the builder has found a cycle."""
    open_anchors: list = []
    found = []
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            open_anchors.append(event.anchor)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            open_anchors.pop()
        elif isinstance(event, yaml.AliasEvent) and event.anchor in open_anchors:
            mark = event.start_mark
            found.append(Diagnostic(path, mark.line + 1, mark.column + 1, "CS006", "error",
                                    f"the alias *{event.anchor} stands inside &{event.anchor}, "
                                    "the value it repeats: a cycle",
                                    "an alias repeats a value written before; a value "
                                    "cannot contain itself"))
    return found


def parse_yaml(text: str, path: str):
    """Compose with the C loader where present and build positioned values from the nodes,
    without a second parse.  Safe: only standard tags; duplicate keys are errors."""
    yaml, loader = _loader()
    _too_deep(text, path, yaml, loader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.reader.ReaderError as e:  # a control character: binary junk, NUL bytes
        # libyaml gives the offset in UTF-8 bytes; lines and columns count characters
        bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
        line, col = _line_col(text, bad.start()) if bad else (1, 1)
        char = e.character if isinstance(e.character, int) else ord(e.character)
        raise SpecError([Diagnostic(path, line, col, "CS001", "error",
                                    f"not a YAML text: control character #x{char:04x}",
                                    "a spec is a UTF-8 YAML text file")])
    except RecursionError:  # the Python composer, without libyaml: find the level
        _too_deep(text, path, yaml, loader, sure=True)
        raise SpecError([Diagnostic(path, 1, 1, "CS003", "error", "nesting too deep to read",
                                    "a spec is a list of layers; flatten this structure")])
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        context = getattr(e, "context", None) or ""
        if context.startswith("while scanning") and getattr(e, "context_mark", None):
            # an unclosed quote or bracket is found at the end of the file: point at its start
            problem = f"{problem} {context} that starts here"
            mark = e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise SpecError([Diagnostic(path, line, col, "CS001", "error",
                                    f"not valid YAML: {problem}",
                                    "check the indentation and the quoting near here")])
    except (ValueError, UnicodeDecodeError) as e:  # e.g. NUL bytes in binary junk
        raise SpecError([Diagnostic(path, 1, 1, "CS001", "error",
                                    f"not a YAML text: {e}", "a spec is a UTF-8 YAML file")])
    if root is None:
        raise SpecError([Diagnostic(path, 1, 1, "CS002", "error", "the spec is empty",
                                    "write at least input: and layers:")])
    builder = _Builder(path, yaml)
    try:
        return builder.build(root)
    except SpecError:
        if builder.cycle:  # located at the aliases, which only the events remember
            raise SpecError([d for d in builder.problems if d.code != "CS006"] +
                            (_alias_cycles(text, path, yaml, loader) or
                             [d for d in builder.problems if d.code == "CS006"]))
        raise


STR, INT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int"


class _Builder:
    """Composed nodes -> PMap / PList / scalars; each node converted once (aliases share)."""

    def __init__(self, path, yaml):
        from yaml.constructor import SafeConstructor
        self.path, self.yaml = path, yaml
        self.constructor = SafeConstructor()
        self.scalar = SafeConstructor.yaml_constructors
        self.done: dict[int, object] = {}
        self.problems: list[Diagnostic] = []
        self.count = 0
        # values the document would hold with every alias written out: an alias bomb
        # (10 aliases of 10 aliases of ...) is small as nodes but huge as a tree, and any
        # walk of it (a message quoting it, a check of its items) would never end
        self.expanded = 0
        self.sizes: dict[int, int] = {}
        #: collections being built: an alias of one of them makes a value contain itself,
        #: which every later walk of it would follow forever
        self.open: set[int] = set()
        self.cycle = False

    def build(self, root):
        value = self.node(root, 0)
        if self.problems:
            raise SpecError(self.problems)
        return value

    def fail(self, node, code, message, hint=""):
        self.problems.append(Diagnostic(self.path, node.start_mark.line + 1,
                                        node.start_mark.column + 1, code, "error", message,
                                        hint))

    def node(self, node, depth):
        key = id(node)
        if key in self.open:
            self.cycle = True  # parse_yaml puts it at the alias; here is its anchor
            self.fail(node, "CS006", "an alias stands inside the value it names: a cycle",
                      "an alias repeats a value written before; a value cannot contain "
                      "itself")
            return None
        if key in self.done:
            self.expanded += self.sizes.get(key, 1)
            if self.expanded > MAX_EXPANDED:
                self.fail(node, "CS017", f"aliases here expand the spec to more than "
                          f"{MAX_EXPANDED:,} values", "an alias of aliases multiplies; write "
                          "the values out, or use repeat: and blocks")
                raise SpecError(self.problems)
            return self.done[key]
        self.count += 1
        self.expanded += 1  # a scalar counts 1; a collection records its size when built
        before = self.expanded - 1
        if self.count > MAX_EXPANDED:  # YAML nodes: a 100,000-layer spec written out has ~500,000
            self.fail(node, "CS003", "the spec is too large", "")
            raise SpecError(self.problems)
        if depth > MAX_DEPTH:
            self.fail(node, "CS003", f"nesting deeper than {MAX_DEPTH} levels",
                      "a spec is a list of layers; flatten this structure")
            raise SpecError(self.problems)
        pos = (node.start_mark.line + 1, node.start_mark.column + 1)
        tag = node.tag
        if tag == STR:  # the common cases first, without the constructor's machinery
            value = node.value
        elif tag == INT and len(node.value.lstrip("+-")) > MAX_DIGITS:
            # int() refuses over 4,300 digits (a ValueError); no size has more than 10
            self.fail(node, "CS105", f"a number with {len(node.value):,} digits",
                      f"sizes are at most {MAX_INT}")
            return None
        elif tag == INT and node.value.isascii() and node.value.isdigit() and (
                node.value[0] != "0" or node.value == "0"):  # 0777 is octal in YAML 1.1
            value = int(node.value)
        elif isinstance(node, self.yaml.ScalarNode):
            build = self.scalar.get(node.tag)
            if build is None:
                self.fail(node, "CS004", f"the tag {node.tag} is not allowed in a spec",
                          "specs hold plain values only")
                return None
            try:
                value = build(self.constructor, node)
            except Exception:  # a malformed timestamp or number with an explicit tag
                self.fail(node, "CS004", f"cannot read {node.value!r} as {node.tag}")
                return None
        elif isinstance(node, self.yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self.fail(node, "CS004", f"the tag {node.tag} is not allowed in a spec",
                          "specs hold plain values only")
            value = PList()
            value.pos, value.item_pos = pos, []
            self.done[key] = value
            self.open.add(key)
            for item in node.value:
                value.append(self.node(item, depth + 1))
                value.item_pos.append((item.start_mark.line + 1, item.start_mark.column + 1))
            self.open.discard(key)
            self.sizes[key] = self.expanded - before
        else:
            if node.tag not in ("tag:yaml.org,2002:map",):
                self.fail(node, "CS004", f"the tag {node.tag} is not allowed in a spec")
            value = PMap()
            value.pos, value.key_pos, value.val_pos = pos, {}, {}
            self.done[key] = value
            self.open.add(key)
            for k_node, v_node in node.value:
                if k_node.tag == "tag:yaml.org,2002:merge":
                    self.fail(k_node, "CS004", "YAML merge keys (<<) are not supported",
                              "write the fields out")
                    continue
                k = self.node(k_node, depth + 1)
                if isinstance(k, (dict, list)):
                    self.fail(k_node, "CS004", "a mapping key must be a plain value")
                    continue
                if k in value:
                    line, col = value.key_pos[k]
                    self.fail(k_node, "CS005", f"duplicate key {k!r} (first at line {line})",
                              "YAML would silently keep only the last one; remove one")
                    continue
                value[k] = self.node(v_node, depth + 1)
                value.key_pos[k] = (k_node.start_mark.line + 1, k_node.start_mark.column + 1)
                value.val_pos[k] = (v_node.start_mark.line + 1, v_node.start_mark.column + 1)
            self.open.discard(key)
            self.sizes[key] = self.expanded - before
            return value
        self.done[key] = value
        return value


# --- the expanded spec --------------------------------------------------------

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


@dataclass(slots=True)
class Group:
    """A block instance or a merge construct: a row that can stand for its layers."""
    name: str
    type: str
    line: int
    depth: int


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


def load_spec(source, path: str | None = None, input_shape=None) -> Spec:
    """A spec from a path, YAML text or a dict; raises SpecError with every problem found."""
    from pathlib import Path
    if isinstance(source, dict):
        data, label = source, path or "<dict>"
        _check_tree(data, label)
    else:
        p = Path(source)
        label = path or str(source)
        try:
            if not p.is_file():  # a device (/dev/zero) or a pipe would be read forever
                why = "no such file" if not p.exists() else "not a regular file"
                raise SpecError([Diagnostic(label, 0, 0, "CS000", "error",
                                            f"cannot read the spec: {why}", "")])
            with p.open("rb") as f:
                raw = f.read(MAX_BYTES + 1)
        except (OSError, ValueError) as e:
            raise SpecError([Diagnostic(label, 0, 0, "CS000", "error",
                                        "cannot read the spec: "
                                        f"{getattr(e, 'strerror', None) or e}", "")])
        if len(raw) > MAX_BYTES:
            raise SpecError([Diagnostic(label, 0, 0, "CS000", "error",
                                        f"the spec is larger than {MAX_BYTES // 2**20} MiB",
                                        "a spec describes layers; generate large nets with "
                                        "repeat: and blocks")])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            # where the first bad byte stands, counted in the characters before it
            before = raw[:e.start].decode("utf-8")
            line, col = _line_col(before, len(before))
            raise SpecError([Diagnostic(label, line, col, "CS001", "error",
                                        f"not a UTF-8 text file (byte {e.start}, "
                                        f"0x{raw[e.start]:02x})",
                                        "a spec is a UTF-8 YAML file")])
        data = parse_yaml(text, label)
    return Expander(label).spec(data, input_shape)


def _check_tree(data, path: str) -> None:
    """A dict spec, as parse_yaml's result would be: no value inside itself, no nesting
    past MAX_DEPTH.  Walked without recursion, once; the expander then never loops."""
    stack, on_path = [(data, 0, False)], set()
    while stack:
        value, depth, leaving = stack.pop()
        if leaving:
            on_path.discard(id(value))
            continue
        if depth > MAX_DEPTH:
            raise SpecError([Diagnostic(path, 0, 0, "CS003", "error",
                                        f"nesting deeper than {MAX_DEPTH} levels",
                                        "a spec is a list of layers; flatten this structure")])
        if not isinstance(value, (dict, list)):
            continue
        if id(value) in on_path:
            raise SpecError([Diagnostic(path, 0, 0, "CS006", "error",
                                        "a value of the spec contains itself: a cycle", "")])
        on_path.add(id(value))
        stack.append((value, depth, True))
        items = value.values() if isinstance(value, dict) else value
        stack.extend((v, depth + 1, False) for v in items)


def inline_spec(layers, input_shape, name: str = "inline") -> Spec:
    """The command line's quick chain: each argument is one inline layer string.

    A diagnostic's line is the layer's position among the arguments (1 = the first)."""
    items = PList(layers)
    items.pos, items.item_pos = (1, 1), [(i + 1, 1) for i in range(len(items))]
    data = {"name": name, "input": list(input_shape), "layers": items}
    return Expander("<layer argument>").spec(data, None)


VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class _HugeNumber(ValueError):
    """An inline integer of more digits than MAX_DIGITS; args[0] is how many."""


def _scalar(token: str):
    """An inline token's value: int, float, bool, null, 3x5 (per axis), 1,2 (list), or text."""
    low = token.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("null", "none", "~"):
        return None
    if re.fullmatch(r"-?\d+", token):
        if len(token.lstrip("-")) > MAX_DIGITS:  # int() refuses past 4,300 digits
            raise _HugeNumber(len(token.lstrip("-")))
        return int(token)
    if re.fullmatch(r"\d+(x\d+)+", low):
        axes = low.split("x")
        longest = max(map(len, axes))
        if longest > MAX_DIGITS:
            raise _HugeNumber(longest)
        return [int(v) for v in axes]
    if re.fullmatch(r"-?(\d+\.\d*|\.\d+|\d+)(e-?\d+)?", low):
        return float(token)
    if "," in token:
        return [_scalar(t) for t in token.split(",") if t]
    return token


class Expander:
    """Walks the spec once: blocks, repeats, branches and references become Nodes."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Diagnostic] = []
        self.nodes: list[Node] = []
        self.groups: list[Group] = []
        self.blocks: dict = {}
        self.block_pos: dict = {}
        self.active: list[str] = []
        self.nesting = 0  # the top level's layers: is 0
        self.seen: set = set()
        self.expects: list = []
        #: every layer and block instance by the full name the output shows
        #: (``half1.first``), so a later layer can name a layer inside a block
        self.full: dict[str, int] = {}
        from .layers import Problems, all_kinds
        self.kinds, self.Problems = all_kinds(), Problems

    # diagnostics
    def error(self, pos, code, message, hint="", context=""):
        line, col = pos
        if len(message) > MAX_MESSAGE:  # a message quoting a huge value stays one line
            message = message[:MAX_MESSAGE - 20] + " ... (cut short)"
        if (line, col, code, message) in self.seen:
            return  # a fault in a block body is reported once, not once per use
        self.seen.add((line, col, code, message))
        if context:
            message = f"{message} ({context})"
        self.problems.append(Diagnostic(self.path, line, col, code, "error", message, hint))

    def spec(self, data, input_shape) -> Spec:
        if not isinstance(data, dict):
            self.error(where(data) if where(data) != NOWHERE else (1, 1), "CS010",
                       "a spec is a mapping with input: and layers:",
                       "see docs/spec.md for the format")
            raise SpecError(self.problems)
        for key in data:
            if key not in TOP_KEYS:
                self.error(key_where(data, key), "CS011", f"unknown top-level key {key!r}",
                           _suggest(str(key), TOP_KEYS) or "allowed: " + ", ".join(TOP_KEYS))
        shape = self.input_shape(data, input_shape)
        blocks = data.get("blocks") or {}
        if not isinstance(blocks, dict):
            self.error(val_where(data, "blocks"), "CS012", "blocks: must be a mapping of "
                       "block names to definitions")
        else:
            for bname, body in blocks.items():
                self.define_block(blocks, bname, body)
        layers = data.get("layers")
        if isinstance(layers, list) and self.size(layers) > MAX_LAYERS:
            # aliases and blocks can multiply: refuse before expanding, in linear time
            self.error(val_where(data, "layers"), "CS017", f"the spec expands to more than "
                       f"{MAX_LAYERS:,} layers", "check the repeat counts, and aliases or "
                       "blocks used inside one another")
            raise SpecError(self.problems)
        if layers is None:
            self.error(where(data) if "layers" not in data else val_where(data, "layers"),
                       "CS013", "the spec has no layers", "add layers: with a list of layers")
        elif not isinstance(layers, list):
            self.error(val_where(data, "layers"), "CS013", "layers: must be a list")
        elif not layers:
            self.error(val_where(data, "layers"), "CS013", "layers: is empty",
                       "a network needs at least one layer")
        else:
            scope = Scope(prefix="", names={"input": -1}, counters={}, args={}, input=-1,
                          groups=(), context="")
            self.sequence(layers, scope, -1)
        for key in ("name", "description", "source"):
            if isinstance(data.get(key), (dict, list)):
                self.error(val_where(data, key), "CS025", f"{key}: must be text, got a "
                           f"{'mapping' if isinstance(data[key], dict) else 'list'}",
                           f"write {key}: on one line, in quotes if it holds a colon")
        name = data.get("name", "")
        expect = self.model_expect(data)
        if self.problems:
            raise SpecError(self.problems)
        return Spec(self.path, str(name or ""), str(data.get("description", "") or ""),
                    str(data.get("source", "") or ""), shape,
                    val_where(data, "input") if "input" in data else where(data), self.nodes,
                    self.groups, expect, self.expects)

    def model_expect(self, data):
        """The model's expect: mapping, its keys checked here and its numbers by the engine."""
        expect = data.get("expect")
        if expect is None:
            return None
        if not isinstance(expect, dict):
            self.error(val_where(data, "expect"), "CS404", "expect: must be a mapping",
                       "keys: " + ", ".join(MODEL_EXPECT))
            return None
        for key, value in expect.items():
            pos = val_where(expect, key)
            if key not in MODEL_EXPECT:
                self.error(key_where(expect, key), "CS404", f"unknown expectation {key!r}",
                           _suggest(str(key), MODEL_EXPECT) or "keys: " + ", ".join(MODEL_EXPECT))
            elif key == "output_shape":
                if self.shape_value(value, pos, "expect: output_shape") is None:
                    continue
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                self.error(pos, "CS404", f"expect: {key} must be a non-negative integer, got "
                           f"{value!r}", "write the number without separators, e.g. 61706")
        return expect

    def shape_value(self, value, pos, what, context=""):
        if isinstance(value, str):
            try:
                value = _scalar(value)
            except _HugeNumber as e:
                return self.huge_number(pos, e, what, context)
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if (isinstance(value, list) and value and all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)):
            return tuple(value)
        self.error(pos, "CS404", f"{what} must be a shape, a list of positive integers, got "
                   f"{value!r}", "e.g. [16, 5, 5]", context)
        return None

    def layer_expect(self, extra, positions, pos, scope, index):
        """A layer's (or block's) ``expect:`` shape, checked against its output by the engine."""
        if "expect" in extra:
            where_ = positions.get("expect", pos)
            shape = self.shape_value(extra["expect"], where_, "expect", scope.context)
            if shape is not None:
                self.expects.append((index, shape, where_))

    def input_shape(self, data, override):
        if override is not None:
            return tuple(override)
        if "input" not in data:
            self.error(where(data) if where(data) != NOWHERE else (1, 1), "CS014",
                       "the spec has no input shape",
                       "add input: [C, H, W] (channels first, no batch), e.g. [3, 224, 224]")
            return None
        shape = data["input"]
        pos = val_where(data, "input")
        if isinstance(shape, str):
            try:
                shape = _scalar(shape)
            except _HugeNumber as e:
                return self.huge_number(pos, e, "input")
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = [shape]
        ok = (isinstance(shape, list) and 1 <= len(shape) <= 4 and
              all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_INT
                  for v in shape))
        if not ok:
            self.error(pos, "CS014", f"input must be a list of 1 to 4 positive integers, got "
                       f"{shape!r}", "channels first, no batch: [1, 28, 28], [3, 224, 224], "
                       "[C, L] or [C, D, H, W]")
            return None
        return tuple(shape)

    def size(self, items, _memo=None, _active=(), _depth=0) -> int:
        """How many layers ``items`` expands to, an upper estimate computed once per shared
        object (YAML aliases share them), so an alias or block bomb is caught unexpanded.

        Past MAX_NESTING it gives up with 0: the expansion refuses that depth (CS026) on
        its first way down, where it can say where."""
        if _memo is None:
            try:
                return self.size(items, {}, _active, 0)
            except _TooDeep:
                return 0
        if _depth > MAX_NESTING:
            raise _TooDeep
        memo, _depth = _memo, _depth + 1
        key = id(items)
        if key in memo:
            return memo[key]
        total = 0
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, str):
                word = item.split()[0] if item.split() else ""
                if word in self.blocks and word not in _active:
                    total += self.size(self.blocks[word][1], memo, _active + (word,), _depth)
                else:
                    total += 1
            elif isinstance(item, dict):
                if "repeat" in item:
                    count = item["repeat"] if isinstance(item["repeat"], int) else 1
                    total += max(count, 1) * self.size(item.get("layers") or [], memo, _active,
                                                       _depth)
                    continue
                keys = [k for k in item if k not in RESERVED]
                kind = item.get("type", keys[0] if len(keys) == 1 else None)
                body = item.get(kind) if "type" not in item else None
                if kind in ("concat", "add", "mul") and isinstance(body, list):
                    total += 1 + sum(self.size(b, memo, _active, _depth) for b in body)
                elif isinstance(kind, str) and kind in self.blocks and kind not in _active:
                    total += self.size(self.blocks[kind][1], memo, _active + (kind,), _depth)
                else:
                    total += 1
            else:
                total += 1
            if total > MAX_LAYERS:
                break
        memo[key] = total
        return total

    def define_block(self, blocks, bname, body):
        pos = key_where(blocks, bname)
        from .layers import all_kinds
        if bname in all_kinds():
            self.error(pos, "CS015", f"block {bname!r} has the name of a layer type",
                       "rename the block")
            return
        if bname in ("input", "previous", "repeat", "concat", "add", "mul", "layers", *RESERVED):
            self.error(pos, "CS015", f"block {bname!r} has a name the spec format reserves",
                       "rename the block")
            return
        if not isinstance(bname, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", bname):
            self.error(pos, "CS015", f"block name {bname!r} must be a plain identifier")
            return
        if isinstance(body, list):
            body = {"layers": body}
        if not isinstance(body, dict) or not isinstance(body.get("layers"), list):
            self.error(pos, "CS015", f"block {bname!r} needs layers: (a list)",
                       "blocks: {name: {params: [a, b], layers: [...]}}")
            return
        params = {}
        if not isinstance(body.get("params") or [], list):  # text would be read by letter
            self.error(val_where(body, "params"), "CS015", f"block {bname!r}: params: must be "
                       f"a list, got {body['params']!r}", "params: [a, b] or [{a: 1}, b]")
            return
        for i, p in enumerate(body.get("params") or []):
            if isinstance(p, str):
                k, v = p, _REQUIRED
            elif isinstance(p, dict) and len(p) == 1:
                (k, v), = p.items()
                k = str(k)
            else:
                self.error(item_where(body.get("params"), i), "CS015", "a block parameter is "
                           "a name or {name: default}")
                continue
            if k in params:
                self.error(item_where(body.get("params"), i), "CS015",
                           f"block {bname!r} lists the parameter {k!r} twice")
            params[k] = v
        for k in body:
            if k not in ("params", "layers", "description"):
                self.error(key_where(body, k), "CS015", f"unknown key {k!r} in block {bname!r}",
                           "a block has params:, layers: and description:")
        self.blocks[bname] = (params, body["layers"])
        self.block_pos[bname] = pos

    # --- walking layers ---
    def sequence(self, items, scope, prev: int, pos=None) -> int:
        """Expand a list of layer items in ``scope`` after node ``prev``; returns the last.
        ``pos`` is where the block, branch or repeat that holds it is used."""
        if not isinstance(items, list):
            self.error(where(items), "CS016", "expected a list of layers", "", scope.context)
            return prev
        if self.nesting > MAX_NESTING:
            # a RecursionError is never the answer; the chain of names would fill the line
            self.error(pos or where(items), "CS026", f"blocks, branches and repeats nest "
                       f"deeper than {MAX_NESTING} levels here",
                       f"a block may use another, and so on, {MAX_NESTING} deep")
            raise SpecError(self.problems)
        self.nesting += 1
        for i, item in enumerate(items):
            prev = self.item(item, item_where(items, i), scope, prev)
            if len(self.nodes) > MAX_LAYERS:
                self.error(item_where(items, i), "CS017", f"the spec expands to more than "
                           f"{MAX_LAYERS:,} layers", "check the repeat counts", scope.context)
                raise SpecError(self.problems)
        self.nesting -= 1
        return prev

    def item(self, item, pos, scope, prev) -> int:
        if isinstance(item, str):
            parsed = self.inline(item, pos, scope)
            if parsed is None:
                return prev
            kind, fields, extra = parsed
            return self.use(kind, fields, extra, pos, {}, scope, prev)
        if not isinstance(item, dict) or not item:
            self.error(pos, "CS016", f"a layer is a string or a mapping, got {item!r}",
                       "e.g. - conv2d 32 k3   or   - {type: conv2d, out_channels: 32, "
                       "kernel_size: 3}", scope.context)
            return prev
        if "repeat" in item:
            return self.repeat(item, pos, scope, prev)
        if "type" in item:
            fields = {k: v for k, v in item.items() if k not in RESERVED}
            extra = {k: item[k] for k in RESERVED if k in item and k != "type"}
            positions = {k: key_where(item, k) for k in item}
            kind = self.subst(item["type"], scope, val_where(item, "type"))
            return self.use(kind, fields, extra, pos, positions, scope, prev)
        keys = [k for k in item if k not in RESERVED]
        if len(keys) == 1:
            kind = keys[0]
            body = item[kind]
            extra = {k: item[k] for k in RESERVED if k in item}
            if kind in ("concat", "add", "mul") and isinstance(body, list):
                return self.branches(kind, body, val_where(item, kind), pos, extra, scope,
                                     prev)
            outer = {k: key_where(item, k) for k in item if k in RESERVED}
            if isinstance(body, dict):
                fields = {k: v for k, v in body.items() if k not in RESERVED}
                extra.update({k: body[k] for k in RESERVED if k in body and k != "type"})
                positions = {**outer, **{k: key_where(body, k) for k in body}}
            elif body is None:
                fields, positions = {}, outer
            else:
                fields = {"$primary": body}
                positions = {**outer, "$primary": val_where(item, kind)}
            return self.use(kind, fields, extra, pos, positions, scope, prev)
        self.error(pos, "CS016", "a layer mapping needs type: (or a single key naming the "
                   "layer type or block)", "e.g. {type: conv2d, out_channels: 32, "
                   "kernel_size: 3}", scope.context)
        return prev

    def inline(self, text, pos, scope):
        """``conv2d 32 k5 s2 padding=same`` -> (kind, fields, extra)."""
        text = self.subst(text, scope, pos)
        if not isinstance(text, str):
            return None
        tokens = text.split()
        if not tokens:
            self.error(pos, "CS016", "an empty layer string", "", scope.context)
            return None
        kind, fields, extra = tokens[0], {}, {}
        for tok in tokens[1:]:
            if "=" in tok:
                key, _, value = tok.partition("=")
                target = extra if key in ("name", "inputs", "expect") else fields
            elif SHORTHAND.fullmatch(tok):
                key, value, target = SHORT[tok[0]], tok[1:], fields
            else:  # a bare value: the primary field, or a block's next argument
                key, value, target = "$positional", tok, None
            if target is not None and key in target:  # an error, as a duplicate YAML key
                self.error(pos, "CS016", f"{key} is given twice in {text!r}",
                           "give each field once", scope.context)
                return None
            try:
                value = _scalar(value)
            except _HugeNumber as e:
                return self.huge_number(pos, e, kind if target is None else key, scope.context)
            if target is None:
                fields.setdefault("$positional", []).append(value)
            else:
                target[key] = value
        return kind, fields, extra

    def huge_number(self, pos, e, what, context=""):
        """The inline forms of the YAML integer CS105 (int() refuses past 4,300 digits)."""
        self.error(pos, "CS105", f"{what}: a number with {e.args[0]:,} digits",
                   f"sizes are at most {MAX_INT}", context)
        return None

    def subst(self, value, scope, pos):
        """Replace $name with the block's arguments."""
        if isinstance(value, list):
            return [self.subst(v, scope, pos) for v in value]
        if not isinstance(value, str) or "$" not in value:
            return value
        whole = VAR.fullmatch(value)
        if whole:
            name = whole.group(1)
            if name in scope.args:
                return scope.args[name]
            self.error(pos, "CS018", f"unknown parameter ${name}",
                       _params_hint(scope), scope.context)
            return None

        def one(m):
            name = m.group(1)
            if name not in scope.args:
                self.error(pos, "CS018", f"unknown parameter ${name}", _params_hint(scope),
                           scope.context)
                return m.group(0)
            v = scope.args[name]
            return "x".join(map(str, v)) if isinstance(v, list) else str(v)
        return VAR.sub(one, value)

    def use(self, kind, fields, extra, pos, positions, scope, prev) -> int:
        """A layer type or a block, with its fields or arguments."""
        kinds = self.kinds
        if not isinstance(kind, str):
            self.error(pos, "CS101", f"type must be a layer type name, got {kind!r}", "",
                       scope.context)
            return prev
        # replace $parameters; most values have none, and 100k layers should not pay for it
        if any(map(_has_var, fields.values())):
            fields = {k: self.subst(v, scope, positions.get(k, pos)) for k, v in fields.items()}
        if any(map(_has_var, extra.values())):
            extra = {k: self.subst(v, scope, positions.get(k, pos)) for k, v in extra.items()}
        inputs = self.references(extra.get("inputs"), positions.get("inputs", pos), scope, prev)
        if inputs is None:
            return prev
        if kind in self.blocks:
            return self.block(kind, fields, extra, pos, positions, scope, inputs)
        cls = kinds.get(kind)
        if cls is None:
            names = list(kinds) + list(self.blocks)
            hint = _suggest(kind, names) or "see cnnshape schema, or docs/spec.md, for the types"
            self.error(positions.get("type", pos), "CS101", f"unknown layer type {kind!r}",
                       hint, scope.context)
            return prev
        fields = self.positional(cls, fields, pos, scope)
        if fields is None:
            return prev
        try:
            layer = cls.build(fields)
        except self.Problems as e:
            for p in e.problems:
                self.error(positions.get(p.field, pos), p.code, p.message, p.hint, scope.context)
            return prev
        if cls.merges and len(inputs) < 2:
            self.error(pos, "CS019", f"{kind} joins several paths but has one input",
                       f"give inputs: [a, b] naming earlier layers, or write {kind}: with a "
                       "list of branches", scope.context)
            return prev
        if not cls.merges and len(inputs) != 1:
            self.error(positions.get("inputs", pos), "CS019", f"{kind} takes one input, got "
                       f"{len(inputs)}", "only concat and add join paths", scope.context)
            return prev
        name = self.name(extra.get("name"), cls.prefix or kind, positions.get("name", pos),
                         scope)
        index = len(self.nodes)
        self.nodes.append(Node(name, layer, inputs, pos[0], pos[1],
                               {k: v for k, v in positions.items()}, scope.groups,
                               scope.context))
        if name is not None:
            scope.names[name.rsplit(".", 1)[-1]] = index
            self.full[name] = index
        self.layer_expect(extra, positions, pos, scope, index)
        return index

    def positional(self, cls, fields, pos, scope):
        """Bare values go to the kind's primary field; shorthand letters were mapped already."""
        values = fields.pop("$positional", []) + (
            [fields.pop("$primary")] if "$primary" in fields else [])
        if not values:
            return fields
        if cls.primary is None or len(values) > 1:
            what = f"its main field is {cls.primary}" if cls.primary else "it takes no bare value"
            self.error(pos, "CS016", f"{cls.type_name}: cannot place {values!r}; {what}",
                       "write field=value, e.g. kernel_size=3", scope.context)
            return None
        if cls.primary in fields:
            self.error(pos, "CS016", f"{cls.type_name}: {cls.primary} is given twice", "",
                       scope.context)
            return None
        fields[cls.primary] = values[0]
        return fields

    def name(self, given, prefix, pos, scope):
        if given is not None:
            if not isinstance(given, str) or not re.fullmatch(r"[A-Za-z_][\w\-]*", given):
                self.error(pos, "CS020", f"a layer name is a plain identifier, got {given!r}",
                           "", scope.context)
                return None
            if given in scope.names or given in ("input", "previous"):  # shadowing is allowed
                self.error(pos, "CS020", f"the name {given!r} is used twice",
                           "names are unique within a block or the spec", scope.context)
                return None
            return scope.prefix + given
        n = scope.counters.get(prefix, 0) + 1
        while f"{prefix}{n}" in scope.names:
            n += 1
        scope.counters[prefix] = n
        return f"{scope.prefix}{prefix}{n}"

    def references(self, refs, pos, scope, prev):
        if refs is None:
            return (prev,)
        refs = [refs] if isinstance(refs, str) else refs
        if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
            self.error(pos, "CS021", f"inputs must be a layer name or a list of them, got "
                       f"{refs!r}", "", scope.context)
            return None
        out = []
        for r in refs:
            if r == "previous":
                found = prev
            elif "." in r:  # a layer inside a block or branch, by the name the output shows
                found = scope.lookup_path(r, self.full)
            else:
                found = scope.lookup(r)
            if found is not None:
                out.append(found)
            else:
                self.error(pos, "CS021", f"no earlier layer is named {r!r}",
                           self.reference_hint(r, scope), scope.context)
                return None
        return tuple(out)

    def reference_hint(self, r, scope) -> str:
        """The nearest names this layer could use; only on the error path."""
        if "." not in r:
            return (_suggest(r, scope.visible()) or "inputs name layers above this one, "
                    "'input' or 'previous'; so a cycle cannot be written")
        # the full names under the same block, as the output shows them
        head = r.rsplit(".", 1)[0] + "."
        names = [n for n in self.full if head in n] or list(self.full)[-1000:]
        return (_suggest(r, names) or "a layer inside a block is named as the output shows "
                "it (half1.conv1), and only once the block stands above this layer")

    def group(self, name, type_, pos, scope):
        gid = len(self.groups)
        self.groups.append(Group(name, type_, pos[0], len(scope.groups)))
        return gid

    def block(self, bname, fields, extra, pos, positions, scope, inputs) -> int:
        params, body = self.blocks[bname]
        if bname in self.active:
            self.error(pos, "CS022", f"block {bname!r} uses itself (through "
                       f"{' -> '.join(self.active + [bname])})",
                       "a block cannot contain itself", scope.context)
            return inputs[0]
        if len(inputs) != 1:
            self.error(pos, "CS019", f"block {bname!r} takes one input", "", scope.context)
            return inputs[0]
        given = fields.pop("$positional", [])
        if "$primary" in fields:
            given = [fields.pop("$primary")]
        if len(given) > len(params):
            self.error(positions.get("$primary", pos), "CS023",
                       f"block {bname!r} takes {len(params)} argument"
                       f"{'' if len(params) == 1 else 's'}, got {len(given)}",
                       f"its parameters, in order: {', '.join(params) or 'none'}",
                       scope.context)
            return inputs[0]
        args = dict(zip(params, given))
        for k, v in fields.items():
            if k not in params and SHORT_OF.get(k) in params:
                k = SHORT_OF[k]  # "s2" in a block's inline use sets its parameter s
            if k not in params:
                self.error(positions.get(k, pos), "CS023", f"block {bname!r} has no parameter "
                           f"{k!r}", _suggest(k, params) or f"its parameters: "
                           f"{', '.join(params) or 'none'}", scope.context)
                return inputs[0]
            if k in args:
                self.error(positions.get(k, pos), "CS023", f"block {bname!r}: parameter {k!r} "
                           f"is given twice", "give each argument once, in order or by name",
                           scope.context)
                return inputs[0]
            args[k] = v
        for k, default in params.items():
            if k not in args:
                if default is _REQUIRED:
                    self.error(pos, "CS023", f"block {bname!r} needs its parameter {k!r}",
                               f"its parameters, in order: {', '.join(params)}", scope.context)
                    return inputs[0]
                args[k] = default
        name = self.name(extra.get("name"), bname, positions.get("name", pos), scope)
        if name is None:
            return inputs[0]
        gid = self.group(name, bname, pos, scope)
        context = f"in {name}, a {bname} block used at line {pos[0]}"
        inner = Scope(prefix=name + ".", names={"input": inputs[0]}, counters={}, args=args,
                      input=inputs[0], groups=scope.groups + (gid,), context=context,
                      parent=scope)
        self.active.append(bname)
        last = self.sequence(body, inner, inputs[0], pos)
        self.active.pop()
        scope.names[name.rsplit(".", 1)[-1]] = last
        self.full[name] = last
        self.layer_expect(extra, positions, pos, scope, last)
        return last

    def repeat(self, item, pos, scope, prev) -> int:
        count = self.subst(item["repeat"], scope, val_where(item, "repeat"))
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            self.error(val_where(item, "repeat"), "CS024", f"repeat must be a positive "
                       f"integer, got {count!r}", "", scope.context)
            return prev
        body = item.get("layers")
        extra = set(item) - {"repeat", "layers"}
        if extra or not isinstance(body, list):
            self.error(pos, "CS024", "a repeat is {repeat: N, layers: [...]}",
                       f"unexpected: {', '.join(map(str, extra))}" if extra else "",
                       scope.context)
            return prev
        if count * max(self.size(body), 1) + len(self.nodes) > MAX_LAYERS:
            self.error(val_where(item, "repeat"), "CS017", f"repeat {count:,} would expand to "
                       f"more than {MAX_LAYERS:,} layers", "check the count", scope.context)
            return prev
        for _ in range(count):
            before = len(self.problems)
            prev = self.sequence(body, scope, prev, pos)
            if len(self.problems) > before:
                break  # one report per fault, not one per repetition
        return prev

    def branches(self, kind, body, body_pos, pos, extra, scope, prev) -> int:
        """``concat: [[path], [path], ...]`` or ``add:``; an empty path is the identity."""
        if len(body) < 2:
            self.error(body_pos, "CS019", f"{kind} needs at least two branches", "",
                       scope.context)
            return prev
        name = self.name(extra.get("name"), kind, pos, scope)
        if name is None:
            return prev
        gid = self.group(name, kind, pos, scope)
        ends = []
        for i, branch in enumerate(body):
            bpos = item_where(body, i)
            inner = Scope(prefix=f"{name}.branch{i + 1}.", names={}, counters={},
                          args=scope.args, input=scope.input, groups=scope.groups + (gid,),
                          context=scope.context, parent=scope)
            if isinstance(branch, (str, dict)):  # one layer: a path of one, where it stands
                one = PList([branch])
                one.pos, one.item_pos = bpos, [bpos]
                branch = one
            if branch is None:
                branch = []
            if not isinstance(branch, list):
                self.error(bpos, "CS016", f"a branch is a list of layers, got {branch!r}", "",
                           scope.context)
                return prev
            ends.append(self.sequence(branch, inner, prev, bpos))
        from .layers import kind as layer_kind
        index = len(self.nodes)
        self.nodes.append(Node(name, layer_kind(kind)(), tuple(ends), pos[0], pos[1], {},
                               scope.groups + (gid,), scope.context))
        scope.names[name.rsplit(".", 1)[-1]] = index
        self.full[name] = index
        self.layer_expect(extra, {}, pos, scope, index)
        return index


_REQUIRED = object()


class _TooDeep(Exception):
    """Expander.size past MAX_NESTING."""


def _has_var(value) -> bool:
    """Whether a field's value holds a $name to replace."""
    if type(value) is str:
        return "$" in value
    return isinstance(value, list) and any(map(_has_var, value))


@dataclass(slots=True)
class Scope:
    prefix: str
    names: dict
    counters: dict
    args: dict
    input: int
    groups: tuple
    context: str
    parent: "Scope | None" = None

    def lookup(self, name: str):
        """A name in this block or branch, else in the ones around it (as they stood
        where this one was used: a reference can only point upwards)."""
        scope = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def lookup_path(self, name: str, full: dict):
        """``half1.first``: the full name of an earlier layer inside a block or branch,
        relative to this scope or the ones around it (as ``lookup``)."""
        scope = self
        while scope is not None:
            found = full.get(scope.prefix + name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def visible(self) -> list[str]:
        out, scope = [], self
        while scope is not None:
            out += list(scope.names)
            scope = scope.parent
        return out


def _suggest(word: str, choices) -> str:
    from difflib import get_close_matches
    close = get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"


def _params_hint(scope) -> str:
    return ("this block's parameters: " + ", ".join(scope.args)) if scope.args else \
        "$name is a block parameter; it works inside blocks: only"
