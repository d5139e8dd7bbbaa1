"""Blocks: ``blocks:`` definitions with parameters, their use with arguments (inline,
by position or by name, shorthand letters for parameters named k, s, p, d, g), and the
``$name`` substitution of arguments into the block's body.

Each use expands the body again under the instance's name, so a block is a template, not
a shared subgraph; a block using itself, directly or through others, is CS022.
"""
import re

from .inline import RESERVED, SHORT_OF
from .names import Scope, suggest
from .positions import item_where, key_where, val_where

VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_REQUIRED = object()


def has_var(value) -> bool:
    """Whether a field's value holds a $name to replace."""
    if type(value) is str:
        return "$" in value
    return isinstance(value, list) and any(map(has_var, value))


def _params_hint(scope) -> str:
    return ("this block's parameters: " + ", ".join(scope.args)) if scope.args else \
        "$name is a block parameter; it works inside blocks: only"


class Blocks:
    """The Expander's blocks: ``self.blocks`` (name -> (params, body)), ``self.active``
    (the blocks being expanded, outermost first)."""

    def define_block(self, blocks, bname, body):
        pos = key_where(blocks, bname)
        from ..layers import all_kinds
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
                           f"{k!r}", suggest(k, params) or f"its parameters: "
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
        gid = self.group(name, bname, pos, scope, extra.get("note"))
        self.groups[gid].args = args  # exporters write a block as a class taking them
        context = f"in {name}, a {bname} block used at line {pos[0]}"
        inner = Scope(prefix=name + ".", names={"input": inputs[0]}, counters={}, args=args,
                      input=inputs[0], groups=scope.groups + (gid,), context=context,
                      parent=scope)
        self.active.append(bname)
        last = self.sequence(body, inner, inputs[0], pos)
        self.active.pop()
        scope.names[name[len(scope.prefix):]] = last
        self.full[name] = last
        self.layer_expect(extra, positions, pos, scope, last)
        return last
