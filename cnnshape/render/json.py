"""JSON: the stable machine interface, printed with short lists on one line."""
import json


def dumps(value, indent: int = 0) -> str:
    """json.dumps(indent=2), except that a list of numbers (or of such lists) stays on one line."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list) and not all(_flat(v) for v in value):
        items = [pad + dumps(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
    return json.dumps(value)


def _number(v) -> bool:
    return v is None or isinstance(v, (int, float))


def _flat(v) -> bool:
    """A number, or a list of numbers or of lists of numbers: short enough for one line."""
    return _number(v) or (isinstance(v, list) and all(
        _number(x) or (isinstance(x, list) and all(map(_number, x))) for x in v))


def layer_json(report, explain: bool = False) -> str:
    d = report.to_dict()
    if explain:
        from .explain import explain_text
        d["explain"] = explain_text(report).splitlines()
    return dumps(d)
