"""A spec tree -> the readable YAML that ``cnnshape import`` writes.

Mappings in block style, in the tree's own key order; lists of plain values (a shape, a
block's params, a branch of inline layers) on one line when they fit, as a person writes
them.  What it writes loads back into the same tree.
"""


def dump(tree: dict, header: str = "") -> str:
    """YAML text of ``tree``; ``header`` lines become comments at the top."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data):  # a repeated list is written again, never &id001
            return True

        def increase_indent(self, flow=False, indentless=False):
            return super().increase_indent(flow, False)  # '- ' indented under its key

    class Layers(list):
        """A list of layers: one per line, whatever their length."""

    class Line(dict):
        """A layer mapping of plain values that fits a line: written on it, as a person
        writes ``- {type: Conv, c2: 16, k: 3, name: model.0}``."""

    def plain(v):
        return isinstance(v, (str, int, float, bool)) or v is None or (
            isinstance(v, list) and all(isinstance(i, (str, int, float, bool)) for i in v))

    def short(mapping, room):
        return (all(map(plain, mapping.values()))
                and len(", ".join(f"{k}: {v}" for k, v in mapping.items())) <= room)

    def layer(item):
        if isinstance(item, dict) and item and short(item, 88):
            return Line(item)
        if isinstance(item, dict) and len(item) == 1:  # {Conv: {c2: 16, k: 3, name: ...}}
            (kind, body), = item.items()
            if isinstance(body, dict) and body and short(body, 86 - len(str(kind))):
                return {kind: Line(body)}
        return item

    def represent_list(dumper, items):
        flat = all(isinstance(i, (str, int, float, bool)) or i is None
                   or (isinstance(i, dict) and len(i) == 1
                       and all(isinstance(v, (str, int, float, bool)) for v in i.values()))
                   for i in items)
        short = len(repr(items)) <= 88
        return dumper.represent_sequence("tag:yaml.org,2002:seq", items,
                                         flow_style=flat and short
                                         and not isinstance(items, Layers))

    def represent_dict(dumper, mapping):
        items = [(k, Layers(map(layer, v)) if k == "layers" and isinstance(v, list) else v)
                 for k, v in mapping.items()]
        return dumper.represent_mapping("tag:yaml.org,2002:map", items, flow_style=False)

    Dumper.add_representer(list, represent_list)
    Dumper.add_representer(tuple, represent_list)
    Dumper.add_representer(Layers, represent_list)
    from ..spec.positions import PList, PMap  # an importer's tree may carry positions
    Dumper.add_representer(PList, represent_list)
    Dumper.add_representer(PMap, represent_dict)
    Dumper.add_representer(dict, represent_dict)
    Dumper.add_representer(Line, lambda dumper, m: dumper.represent_mapping(
        "tag:yaml.org,2002:map", m.items(), flow_style=True))
    body = yaml.dump(tree, Dumper=Dumper, sort_keys=False, width=100,
                     allow_unicode=True, default_flow_style=False)
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return comments + body
