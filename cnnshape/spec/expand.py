"""The expander: walks the spec once, and blocks, repeats, branches and references become
a flat list of Nodes whose inputs always point backwards (a cycle cannot be written).

The walk is here (the top level, a list of layers, one item); each construct is a mixin
in a module of its own name: ``layer`` (one layer), ``blocks``, ``branches`` (and
repeats), ``names`` (names and references); ``inline`` reads layer strings.
"""
from ..arithmetic import MAX_INT
from ..diagnostics import Diagnostic, SpecError
from .blocks import Blocks
from .branches import RepeatsAndBranches
from .inline import (RESERVED, HugeNumber, InlineError, huge_number_message, parse_inline,
                     scalar)
from .layer import LayerBuilding
from .limits import MAX_LAYERS, MAX_MESSAGE, MAX_NESTING
from .names import Naming, Scope, suggest
from .nodes import Group, Node, Spec
from .positions import NOWHERE, item_where, key_where, val_where, where

TOP_KEYS = ("name", "description", "source", "framework", "input", "layers", "blocks",
            "expect", "outputs")
MODEL_EXPECT = ("output_shape", "params", "max_params", "non_trainable_params", "macs",
                "max_macs", "max_activation_bytes", "max_training_bytes", "batch", "dtype",
                "optimizer")


class _TooDeep(Exception):
    """Expander.size past MAX_NESTING."""


class Expander(LayerBuilding, Blocks, RepeatsAndBranches, Naming):
    """Walks the spec once: blocks, repeats, branches and references become Nodes."""

    def __init__(self, path: str, framework=None, spelling=None):
        self.path = path
        #: the framework whose arithmetic the windowed layers follow (None: the default);
        #: given here it overrides the spec's framework: key
        self.framework, self.spelling, self.forced = framework, spelling, framework
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
        from ..layers import Problems, all_kinds
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
                           suggest(str(key), TOP_KEYS) or "allowed: " + ", ".join(TOP_KEYS))
        self.read_framework(data)
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
            last = self.nodes[-1] if self.nodes else None
            if last is not None and last.layer.splits:
                self.error((last.line, last.column), "CS027", f"the network ends in "
                           f"{last.name}, which gives several outputs",
                           "the network's output is its last layer: end with a layer that "
                           "reads the parts (a concat of them, say)")
        for key in ("name", "description", "source"):
            if isinstance(data.get(key), (dict, list)):
                self.error(val_where(data, key), "CS025", f"{key}: must be text, got a "
                           f"{'mapping' if isinstance(data[key], dict) else 'list'}",
                           f"write {key}: on one line, in quotes if it holds a colon")
        name = data.get("name", "")
        expect = self.model_expect(data)
        outputs = self.outputs(data)
        if self.problems:
            raise SpecError(self.problems)
        return Spec(self.path, str(name or ""), str(data.get("description", "") or ""),
                    str(data.get("source", "") or ""), shape,
                    val_where(data, "input") if "input" in data else where(data), self.nodes,
                    self.groups, expect, self.expects, outputs=outputs,
                    framework=self.framework)

    def read_framework(self, data) -> None:
        """``framework:``: whose arithmetic and defaults the windowed layers follow."""
        if "framework" not in data:
            return
        from ..dialects import DIALECTS, unknown
        value = data["framework"]
        if value is not None and value not in DIALECTS:
            self.error(val_where(data, "framework"), "CS029",
                       f"framework must name a framework, got {value!r}", unknown(value))
        elif self.forced is None:
            self.framework = value

    def outputs(self, data) -> tuple[int, ...]:
        """The layers named by ``outputs:`` (a block use stands for its last layer): the
        network returns them too, beside its last layer (a segmentation head's masks), so
        nothing reading them is no mistake."""
        names = data.get("outputs")
        if names is None:
            return ()
        pos = val_where(data, "outputs")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            self.error(pos, "CS028", "outputs: must be a list of layer names",
                       "e.g. outputs: [proto]")
            return ()
        index = {}  # a block use or branch stands for its last layer
        for i, node in enumerate(self.nodes):
            for g in node.groups:
                index[self.groups[g].name] = i
        index.update((node.name, i) for i, node in enumerate(self.nodes))
        found = []
        for i, n in enumerate(names):
            if n in index:
                found.append(index[n])
            else:
                self.error(item_where(names, i), "CS028", f"outputs: no layer is named {n!r}",
                           suggest(n, list(index)) or "name a layer of the expanded network, "
                           "as the table shows it")
        return tuple(found)

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
                           suggest(str(key), MODEL_EXPECT) or "keys: " + ", ".join(MODEL_EXPECT))
            elif key == "output_shape":
                if self.shape_value(value, pos, "expect: output_shape") is None:
                    continue
            elif key in ("dtype", "optimizer"):
                from ..memory import DTYPES, OPTIMIZERS
                choices = DTYPES if key == "dtype" else OPTIMIZERS
                if value not in choices:
                    self.error(pos, "CS404", f"expect: {key} must be one of "
                               f"{', '.join(choices)}, got {value!r}",
                               suggest(str(value), choices) or "")
            elif key.endswith("_bytes"):
                from ..memory import parse_bytes
                if parse_bytes(value) is None:
                    self.error(pos, "CS404", f"expect: {key} must be a byte count, got "
                               f"{value!r}", "e.g. 8000000000, 8 GB or 7.5 GiB")
            elif key == "batch" and (isinstance(value, bool) or not isinstance(value, int)
                                     or value < 1):
                self.error(pos, "CS404", f"expect: batch must be a positive integer, got "
                           f"{value!r}", "the batch size the byte budgets assume, e.g. 32")
            elif key == "batch":
                continue
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                self.error(pos, "CS404", f"expect: {key} must be a non-negative integer, got "
                           f"{value!r}", "write the number without separators, e.g. 61706")
        return expect

    def shape_value(self, value, pos, what, context=""):
        if isinstance(value, str):
            try:
                value = scalar(value)
            except HugeNumber as e:
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
                shape = scalar(shape)
            except HugeNumber as e:
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
        """``conv2d 32 k5 s2 padding=same`` -> (kind, fields, extra), after substitution."""
        text = self.subst(text, scope, pos)
        if not isinstance(text, str):
            return None
        try:
            return parse_inline(text)
        except InlineError as e:
            self.error(pos, e.code, e.message, e.hint, scope.context)
            return None

    def huge_number(self, pos, e, what, context=""):
        """The inline forms of the YAML integer CS105 (int() refuses past 4,300 digits)."""
        self.error(pos, "CS105", *huge_number_message(what, e.args[0]), context)
        return None

    def group(self, name, type_, pos, scope, note=""):
        gid = len(self.groups)
        self.groups.append(Group(name, type_, pos[0], len(scope.groups), _note(note)))
        return gid


def _note(value) -> str:
    """A layer's ``note:``, free text shown beside its row."""
    return "" if value is None else str(value)
