"""JSON: the stable machine interface, printed with short lists on one line.

The json module loads on first use of a value the small encoder below does not take:
``cnnshape conv --format json`` prints ints, lists and plain names, and starting without
json's ~2.5 ms import keeps it as quick as click itself.
"""
_ENCODE = None


def _compact(value) -> str:
    small = _small(value)
    if small is not None:
        return small
    global _ENCODE
    if _ENCODE is None:
        import json
        # one C encoder, built once; results are trees of fresh dicts and lists, never cyclic
        _ENCODE = json.JSONEncoder(separators=(", ", ": "), check_circular=False).encode
    return _ENCODE(value)


def _small(value):
    """json.dumps(value, separators=(", ", ": ")) for small plain values, byte for byte;
    None for anything else (a float, a long list, a string json would escape)."""
    t = type(value)
    if t is int:
        return str(value)
    if value is None:
        return "null"
    if t is bool:
        return "true" if value else "false"
    if t is str:
        if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
            return f'"{value}"'
        return None
    if (t is list or t is tuple) and len(value) <= 16:
        parts = [_small(v) for v in value]
        return None if None in parts else "[" + ", ".join(parts) + "]"
    return None


def dumps(value) -> str:
    """A mapping with one key per line, and lists of mappings or strings one item per line;
    everything else (shapes, counts, a layer) compact on its line.

    Only json's C encoder is used (``indent`` would switch to the pure-Python one):
    a 100k-layer model prints in a fraction of a second, and stays diff- and grep-friendly.
    """
    if isinstance(value, list):
        return _list(value, "")
    if not isinstance(value, dict) or not value:
        return _compact(value)
    lines = []
    for k, v in value.items():
        if isinstance(v, list) and v and all(isinstance(x, (dict, str)) for x in v):
            text = _list(v, "  ")
        elif isinstance(v, dict) and v:
            text = "{\n" + ",\n".join(f"    {_compact(kk)}: {_compact(vv)}"
                                      for kk, vv in v.items()) + "\n  }"
        else:
            text = _compact(v)
        lines.append(f"  {_compact(k)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}"


def _list(items, indent: str) -> str:
    if not items:
        return "[]"
    first = items[0]
    if isinstance(first, dict) and first and all(type(x) is dict for x in items):
        # one C-encoder call for the whole list, then a line break before each item: the
        # items are mappings opening with the same key, which nothing inside them repeats
        key = next(iter(first))
        if all(next(iter(x), None) == key for x in items):
            mark = "}, {" + _compact(key) + ": "
            body = _compact(items)[1:-1].replace(mark, "},\n" + indent + "  {" +
                                                 _compact(key) + ": ")
            return "[\n" + indent + "  " + body + "\n" + indent + "]"
    return "[\n" + ",\n".join(indent + "  " + _compact(x) for x in items) + "\n" + indent + "]"


def versioned(d: dict) -> dict:
    """``d`` as a document: ``format_version`` first (see report.FORMAT_VERSION)."""
    from ..report import FORMAT_VERSION
    return {"format_version": FORMAT_VERSION, **d}


def layer_json(report, explain: bool = False) -> str:
    d = versioned(report.to_dict())
    if explain:
        from .explain import explain_text
        d["explain"] = explain_text(report).splitlines()
    return dumps(d)


def model_json(result, view) -> str:
    """``cnnshape model --format json``: Result.to_dict, plus, when --columns asks for
    them, the figures a layer object does not already hold: ``flops`` and
    ``activation_bytes`` (with the batch and dtype they assume).  Exact integers always."""
    d = result.to_dict(view.depth)
    asked = set(view.columns or ())
    if asked & {"flops", "activation"}:
        from ..memory import DTYPES, activation_bytes
        from ..report import FLOPS_PER_MAC
        for layer, row in zip(d["layers"], result.rows(view.depth)):
            if "flops" in asked:
                layer["flops"] = FLOPS_PER_MAC * row.macs
            if "activation" in asked:
                layer["activation_bytes"] = activation_bytes(row, view.batch, view.dtype)
        if "activation" in asked:
            d["activation"] = {"batch": view.batch, "dtype": view.dtype,
                               "bytes_per_element": DTYPES[view.dtype]}
    if view.memory is not None:
        d["memory"] = view.memory.to_dict()
    return dumps(d)
