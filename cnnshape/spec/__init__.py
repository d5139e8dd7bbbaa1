"""Specs: YAML text (or a dict of the same structure) -> a flat list of positioned nodes.

The front door: ``load_spec`` (a file, or a dict) and ``inline_spec`` (the command line's
chain of layer strings).  Where each part lives:

- ``reading``: file bytes -> YAML -> positioned values, and every hostile-input guard; the
  only module that imports yaml, and the only one that adds 1 to PyYAML's 0-based marks.
- ``positions``: PMap and PList, and where a value, key or item stands.
- ``limits``: the sizes a spec must stay within.
- ``inline``: the grammar of a layer string (``conv2d 32 k3 s2``), without YAML.
- ``expand``: the walk (top level, lists of layers, one item), expectations, input shape.
- ``layer``, ``blocks``, ``branches``, ``names``: one layer; blocks and their arguments;
  repeats and branches; names and references.
- ``nodes``: Node, Group and Spec, what the engine (graph.py) reads.

Every fault becomes a Diagnostic with the spec's own line and column.
"""
from .expand import MODEL_EXPECT, TOP_KEYS, Expander
from .inline import RESERVED, SHORT, SHORT_OF, SHORTHAND
from .limits import (MAX_BYTES, MAX_DEPTH, MAX_DIGITS, MAX_EXPANDED, MAX_LAYERS, MAX_MESSAGE,
                     MAX_NESTING)
from .nodes import Group, Node, Spec
from .positions import NOWHERE, PList, PMap, item_where, key_where, val_where, where
from .reading import check_tree, decode_text, parse_yaml, read_text


def load_spec(source, path: str | None = None, input_shape=None, framework=None,
              spelling=None) -> Spec:
    """A spec from a path, a file's bytes (``path`` names them) or a dict; raises SpecError
    with every problem found.

    ``framework`` overrides the spec's ``framework:``; ``spelling`` names the framework
    whose argument names the spec uses, when it is not the one computed (``port``)."""
    if isinstance(source, dict):
        data, label = source, path or "<dict>"
        check_tree(data, label)
    elif isinstance(source, bytes):  # read elsewhere (git show REV:path)
        label = path or "<bytes>"
        data = parse_yaml(decode_text(source, label), label)
    else:
        label = path or str(source)
        data = parse_yaml(read_text(source, label), label)
    return Expander(label, framework, spelling).spec(data, input_shape)


def inline_spec(layers, input_shape, name: str = "inline", framework=None) -> Spec:
    """The command line's quick chain: each argument is one inline layer string.

    A diagnostic's line is the layer's position among the arguments (1 = the first)."""
    items = PList(layers)
    items.pos, items.item_pos = (1, 1), [(i + 1, 1) for i in range(len(items))]
    data = {"name": name, "input": list(input_shape), "layers": items}
    return Expander("<layer argument>", framework).spec(data, None)
