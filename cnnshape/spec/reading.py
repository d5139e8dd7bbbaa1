"""Reading a spec file: bytes -> UTF-8 text -> YAML nodes -> positioned values.

The only module that imports yaml, and the only one that adds 1 to PyYAML's 0-based
marks.  Hostile input is refused here, before anything walks it: files past MAX_BYTES,
bytes that are not UTF-8, control characters, nesting past MAX_DEPTH (before a composer
recurses into it), alias bombs and alias cycles, explicit tags, merge keys, duplicate keys
and numbers of absurd length.  A spec given as a dict gets the same depth and cycle checks
from ``check_tree``.
"""
import re

from ..arithmetic import MAX_INT
from ..diagnostics import Diagnostic, SpecError
from .limits import MAX_BYTES, MAX_DEPTH, MAX_DIGITS, MAX_EXPANDED
from .positions import PList, PMap


def read_text(source, label: str) -> str:
    """The text of the spec file ``source``; ``label`` names it in diagnostics."""
    from pathlib import Path
    p = Path(source)
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
    return decode_text(raw, label)


def decode_text(raw: bytes, label: str) -> str:
    """A spec's bytes (a file's, or git's for REV:path) as text, or SpecError."""
    if len(raw) > MAX_BYTES:
        raise SpecError([Diagnostic(label, 0, 0, "CS000", "error",
                                    f"the spec is larger than {MAX_BYTES // 2**20} MiB",
                                    "a spec describes layers; generate large nets with "
                                    "repeat: and blocks")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        # where the first bad byte stands, counted in the characters before it
        before = raw[:e.start].decode("utf-8")
        line, col = _line_col(before, len(before))
        raise SpecError([Diagnostic(label, line, col, "CS001", "error",
                                    f"not a UTF-8 text file (byte {e.start}, "
                                    f"0x{raw[e.start]:02x})",
                                    "a spec is a UTF-8 YAML file")])


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


def check_tree(data, path: str) -> None:
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
