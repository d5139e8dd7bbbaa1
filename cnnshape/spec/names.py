"""Names and references: what a layer is called, and how a later layer points at it.

A layer's name is given (``name: c1``) or counted per kind (``conv3``, ``relu2``); inside a block
or branch it is prefixed with the instance's name (``half1.conv1``), as the output shows.
``inputs:`` names earlier layers: bare names are looked up in this block or branch and
then outwards (``Scope.lookup``), dotted ones by their full name (``Scope.lookup_path``),
and ``previous`` and ``input`` are the layer before and the block's (or network's) input.

A layer that gives several outputs (split, chunk) is read one part at a time, as
``name.0``, ``name.1``: a name cannot be a number, so the last dotted number is the part.
The loader carries such a reference as a ``Part``; a Node keeps plain indices and, beside
them, which part of each it reads (``node_inputs``).
"""
import re
from dataclasses import dataclass


class Part(int):
    """A reference to one output of a node that gives several: the node's index, as every
    reference is (so it goes wherever one goes: ``previous``, a block's input), and
    ``part``, which of its outputs."""

    def __new__(cls, index: int, part: int):
        self = super().__new__(cls, index)
        self.part = part
        return self

    def __repr__(self):
        return f"Part({int(self)}, {self.part})"


def node_inputs(refs) -> tuple[tuple[int, ...], tuple]:
    """A Node's inputs (plain indices) and parts (per input, a part or None; () if it
    reads no part, as nearly every layer)."""
    if all(type(r) is int for r in refs):
        return tuple(refs), ()
    return tuple(map(int, refs)), tuple(getattr(r, "part", None) for r in refs)


@dataclass(slots=True)
class Scope:
    """The top level, a block instance or a branch: its names (-> node index), the counters
    of unnamed layers, the block's arguments, and the scope it stands in."""
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


def suggest(word: str, choices) -> str:
    from difflib import get_close_matches
    close = get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"



class Naming:
    """The Expander's names: ``self.error``, ``self.full`` (every full name -> node index)."""

    def name(self, given, prefix, pos, scope):
        if given is not None:
            # an identifier, or one with a numbered suffix as torch names submodules
            # (model.4): a reference to it names it whole before reading a part
            if not isinstance(given, str) or not re.fullmatch(r"[A-Za-z_][\w\-]*(\.\d+)?",
                                                              given):
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
            return self.whole((prev,), pos, scope)
        refs = [refs] if isinstance(refs, str) else refs
        if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
            self.error(pos, "CS021", f"inputs must be a layer name or a list of them, got "
                       f"{refs!r}", "", scope.context)
            return None
        out = []
        for r in refs:
            name, part = r, None
            if "." in r and scope.lookup(r) is not None:  # a name such as model.4
                out.append(scope.lookup(r))
                continue
            if "." in r:
                head, _, tail = r.rpartition(".")
                if tail.isascii() and tail.isdigit() and len(tail) <= 9:
                    name, part = head, int(tail)  # split1.0: one part of split1
            if name == "previous":
                found = prev
            elif "." in name:  # a layer inside a block or branch, by the name the output shows
                found = scope.lookup_path(name, self.full)
            else:
                found = scope.lookup(name)
            if found is None:
                self.error(pos, "CS021", f"no earlier layer is named {name!r}",
                           self.reference_hint(name, scope), scope.context)
                return None
            if part is not None:
                if type(found) is Part or found < 0 or not self.nodes[found].layer.splits:
                    what = "is one part already" if type(found) is Part else "has one output"
                    self.error(pos, "CS027", f"{name} {what}: there is no {r!r}",
                               "only a split or chunk gives parts, read as name.0, name.1",
                               scope.context)
                    return None
                found = Part(found, part)
            out.append(found)
        return self.whole(tuple(out), pos, scope)

    def whole(self, refs, pos, scope):
        """``refs``, where a layer with several outputs read whole (as ``previous`` right
        after a split) is an error, since which part is meant must be said; the walk then
        goes on with its first part, so the layers after it are not reported too."""
        nodes = self.nodes
        if all(type(r) is not int or r < 0 or not nodes[r].layer.splits for r in refs):
            return refs
        out = []
        for r in refs:
            if type(r) is int and r >= 0 and nodes[r].layer.splits:
                name = nodes[r].name
                if name is not None:  # a split whose own name was refused is reported already
                    self.error(pos, "CS027", f"{name} gives several outputs: name the one "
                               f"this layer reads, as {name}.0 or {name}.1",
                               "write inputs: with the part, e.g. "
                               f"inputs: {name.rsplit('.', 1)[-1]}.0", scope.context)
                r = Part(r, 0)
            out.append(r)
        return tuple(out)

    def reference_hint(self, r, scope) -> str:
        """The nearest names this layer could use; only on the error path."""
        if "." not in r:
            return (suggest(r, scope.visible()) or "inputs name layers above this one, "
                    "'input' or 'previous'; so a cycle cannot be written")
        # the full names under the same block, as the output shows them
        head = r.rsplit(".", 1)[0] + "."
        names = [n for n in self.full if head in n] or list(self.full)[-1000:]
        return (suggest(r, names) or "a layer inside a block is named as the output shows "
                "it (half1.conv1), and only once the block stands above this layer")
