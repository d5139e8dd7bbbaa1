"""Repeats and branches: ``{repeat: N, layers: [...]}`` expands a list N times in a row;
``concat: [[path], [path]]``, ``add:`` and ``mul:`` expand each path from the same input
and join their ends in one merge node.  Both are rows that can stand for their layers.
"""
from .limits import MAX_LAYERS
from .names import Scope, node_inputs
from .nodes import Node
from .positions import PList, item_where, val_where


class RepeatsAndBranches:
    """The Expander's lists of lists of layers."""

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
        """``concat: [[path], [path], ...]``, ``add:`` or ``mul:``; an empty path is the
        identity."""
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
        from ..layers import kind as layer_kind
        index = len(self.nodes)
        ends, parts = node_inputs(self.whole(tuple(ends), pos, scope))
        self.nodes.append(Node(name, layer_kind(kind)(), ends, pos[0], pos[1], {},
                               scope.groups + (gid,), scope.context, parts))
        scope.names[name[len(scope.prefix):]] = index
        self.full[name] = index
        self.layer_expect(extra, {}, pos, scope, index)
        return index
