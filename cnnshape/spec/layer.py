"""One layer: its kind and fields -> a layer object (the kind's own checks), its inputs
and name -> a Node.  A kind that names a block is handed to ``Blocks.block``.
"""
from .blocks import has_var
from .names import node_inputs, suggest
from .nodes import Node


class LayerBuilding:
    """The Expander's front door for a single layer: ``self.kinds`` (the registry)."""

    def use(self, kind, fields, extra, pos, positions, scope, prev) -> int:
        """A layer type or a block, with its fields or arguments."""
        kinds = self.kinds
        if not isinstance(kind, str):
            self.error(pos, "CS101", f"type must be a layer type name, got {kind!r}", "",
                       scope.context)
            return prev
        # replace $parameters; most values have none, and 100k layers should not pay for it
        if any(map(has_var, fields.values())):
            fields = {k: self.subst(v, scope, positions.get(k, pos)) for k, v in fields.items()}
        if any(map(has_var, extra.values())):
            extra = {k: self.subst(v, scope, positions.get(k, pos)) for k, v in extra.items()}
        inputs = self.references(extra.get("inputs"), positions.get("inputs", pos), scope, prev)
        if inputs is None:
            return prev
        if kind in self.blocks:
            return self.block(kind, fields, extra, pos, positions, scope, inputs)
        cls = kinds.get(kind)
        if cls is None:
            names = list(kinds) + list(self.blocks)
            hint = suggest(kind, names) or "see cnnshape schema, or docs/spec.md, for the types"
            self.error(positions.get("type", pos), "CS101", f"unknown layer type {kind!r}",
                       hint, scope.context)
            return prev
        fields = self.positional(cls, fields, pos, scope)
        if fields is None:
            return prev
        try:
            layer = cls.build(fields, self.framework, self.spelling)
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
        inputs, parts = node_inputs(inputs)
        self.nodes.append(Node(name, layer, inputs, pos[0], pos[1],
                               {k: v for k, v in positions.items()}, scope.groups,
                               scope.context, parts,
                               "" if extra.get("note") is None else str(extra["note"]),
                               fields if cls.family is not None else None))
        if name is not None:
            scope.names[name[len(scope.prefix):]] = index
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
