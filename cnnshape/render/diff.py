"""cnnshape diff, rendered: text for the terminal, Markdown for a pull request or
$GITHUB_STEP_SUMMARY, JSON for programs, GitHub workflow commands for annotations.

Each renderer is (Diff, show_all) -> str and reads only the Diff.
"""
from .cells import printable, shape

MARKS = {"changed": "~", "added": "+", "removed": "-", "same": " "}


def _value(key, v) -> str:
    if v is None:
        return "-"
    if key == "input_shapes":
        return " + ".join(map(shape, v))
    if key == "output_shape":
        if v and isinstance(v[0], tuple):  # a split: its parts
            return " + ".join(map(shape, v))
        return shape(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return printable(str(v))


def _field(v) -> str:
    """A layer field as the spec writes it: (5, 5) as [5, 5]."""
    if isinstance(v, tuple):
        return "[" + ", ".join(_field(x) for x in v) + "]"
    if isinstance(v, bool) or v is None:
        return {True: "true", False: "false", None: "none"}[v]
    return printable(str(v))


def _cell(row, key) -> str:
    """``old -> new``, or the one value when it did not change (or one side is missing)."""
    a, b = row.value(key)
    if row.old is None or row.new is None:
        return _value(key, b if row.old is None else a)
    if a == b:
        return _value(key, a)
    return f"{_value(key, a)} -> {_value(key, b)}"


def _name(row) -> str:
    if row.renamed:
        return f"{printable(row.old.name)} -> {printable(row.new.name)}"
    return printable(row.name)


def _shown(diff, show_all: bool):
    return diff.rows if show_all else diff.changed


def _columns(diff, rows):
    """(header, cells, right-aligned) of the layer table."""
    cols = [("layer", [_name(r) for r in rows], False),
            ("type", [_cell(r, "type") for r in rows], False),
            ("output shape", [_cell(r, "output_shape") for r in rows], False),
            ("params", [_cell(r, "params") for r in rows], True)]
    if any(r.value("non_trainable_params")[0] != r.value("non_trainable_params")[1]
           or any(r.value("non_trainable_params")) for r in rows):
        cols.append(("non-trainable", [_cell(r, "non_trainable_params") for r in rows], True))
    cols.append(("MACs", [_cell(r, "macs") for r in rows], True))
    return cols


def _own(row) -> str:
    """What changed in the layer itself: fields, type, name."""
    parts = []
    if row.renamed:
        parts.append(f"renamed from {printable(row.old.name)} (matched by position)")
    a, b = row.value("type")
    if a != b:
        parts.append(f"type {a} -> {b}")
    parts += [f"{f} {_field(x)} -> {_field(y)}" for f, x, y in row.fields]
    return "; ".join(parts)


def _moved(row) -> str:
    """How an upstream change reached a layer whose own fields did not change."""
    a, b = row.value("in_features")
    if a != b:
        return f"in_features {_value('in_features', a)} -> {_value('in_features', b)}"
    return f"input {_cell(row, 'input_shapes')}"


def _change(total) -> str:
    from ..diff import percent_text
    if total.change == 0:
        return "0"
    return f"{total.change:+,} ({percent_text(total)})"


def _total_rows(diff):
    rows = [(t.label, f"{t.old:,}", f"{t.new:,}", _change(t)) for t in diff.totals]
    rows.append(("output shape", shape(diff.old_output), shape(diff.new_output),
                 "changed" if diff.output_changed else "unchanged"))
    return rows


def _counts(diff) -> str:
    changed, added, removed = (diff.count(s) for s in ("changed", "added", "removed"))
    same = diff.count("same")
    if not (changed or added or removed):
        return f"no layer changed ({same} compared)"
    return (f"{changed} layer{'' if changed == 1 else 's'} changed, {added} added, "
            f"{removed} removed, {same} unchanged")


def _network(name, inp, out) -> str:
    return f"{printable(name)}: {shape(inp)} -> {shape(out)}"


def _verdict(v) -> str:
    from ..diff import METRICS
    label = dict(METRICS).get(v.metric, "output shape")
    return f"{printable(v.threshold)}: {label} {v.found}"


def _exit_line(diff) -> str:
    n = sum(v.triggered for v in diff.verdicts)
    return (f"exit 1: {n} of {len(diff.verdicts)} --fail-on threshold"
            f"{'' if len(diff.verdicts) == 1 else 's'} triggered")


def _align(rows, right) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) if right[i] else c.ljust(w)
                      for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]


def diff_text(diff, show_all: bool = False) -> str:
    old, new = printable(diff.old_label), printable(diff.new_label)
    width = max(len(old), len(new))
    lines = [f"old  {old:<{width}}  {_network(diff.old_name, diff.old_input, diff.old_output)}",
             f"new  {new:<{width}}  {_network(diff.new_name, diff.new_input, diff.new_output)}",
             _counts(diff)]
    rows = _shown(diff, show_all)
    if rows:
        cols = _columns(diff, rows)
        table = [[""] + [h for h, _, _ in cols]]
        table += [[MARKS[r.status]] + [c[k] for _, c, _ in cols] for k, r in enumerate(rows)]
        lines += [""] + _align(table, [False] + [right for _, _, right in cols])
    own = [(r, _own(r)) for r in diff.rows if r.status == "changed" and _own(r)]
    if own:
        lines += ["", "changed in the layer itself:"]
        lines += [f"  {printable(r.name)}: {text}" for r, text in own]
    moved = [r for r in diff.rows if r.moved]
    if moved:
        lines += ["", "moved by an upstream change (the layer's own fields did not change):"]
        lines += [f"  {printable(r.name)}: {_moved(r)}" for r in moved]
    lines += [""] + _align([("total", "old", "new", "change"), *_total_rows(diff)],
                           [False, True, True, False])
    if diff.verdicts:
        lines.append("")
        lines += [f"{'FAILED' if v.triggered else 'passed'}  --fail-on {_verdict(v)}"
                  for v in diff.verdicts]
        if diff.failed:
            lines.append(_exit_line(diff))
    return "\n".join(lines)


def _md(text: str) -> str:
    return printable(text).replace("|", "\\|")


def diff_markdown(diff, show_all: bool = False) -> str:
    lines = [f"### cnnshape diff: `{_md(diff.old_label)}` -> `{_md(diff.new_label)}`", "",
             f"- old: {_md(_network(diff.old_name, diff.old_input, diff.old_output))}",
             f"- new: {_md(_network(diff.new_name, diff.new_input, diff.new_output))}",
             f"- {_counts(diff)}"]
    rows = _shown(diff, show_all)
    if rows:
        cols = _columns(diff, rows)
        lines += ["", "| | " + " | ".join(h for h, _, _ in cols) + " |",
                  "|---|" + "|".join("--:" if right else "---" for _, _, right in cols) + "|"]
        for k, r in enumerate(rows):
            lines.append(f"| {MARKS[r.status].strip()} | " + " | ".join(_md(c[k]) for _, c, _ in cols) + " |")
    own = [(r, _own(r)) for r in diff.rows if r.status == "changed" and _own(r)]
    if own:
        lines += ["", "Changed in the layer itself:", ""]
        lines += [f"- `{_md(r.name)}`: {_md(text)}" for r, text in own]
    moved = [r for r in diff.rows if r.moved]
    if moved:
        lines += ["", "Moved by an upstream change (the layer's own fields did not change):", ""]
        lines += [f"- `{_md(r.name)}`: {_md(_moved(r))}" for r in moved]
    lines += ["", "| total | old | new | change |", "|---|--:|--:|--:|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in _total_rows(diff)]
    if diff.verdicts:
        lines.append("")
        lines += [f"- **{'failed' if v.triggered else 'passed'}** `--fail-on "
                  f"{_md(v.threshold)}`: {_md(_verdict(v).partition(': ')[2])}"
                  for v in diff.verdicts]
    return "\n".join(lines)


def _layer_json(layer) -> dict | None:
    if layer is None:
        return None
    d = layer.to_dict()
    keep = ("name", "type", "input_shape", "output_shape", "output_shapes", "in_features",
            "params", "non_trainable_params", "macs", "line")
    return {k: d[k] for k in keep if k in d}


def _plain(v):
    """A value JSON can write as the spec would: tuples as lists."""
    return [_plain(x) for x in v] if isinstance(v, tuple) else v


def _json_key(key: str) -> str:
    return "input_shape" if key == "input_shapes" else key  # as a layer's JSON names it


def _json_value(key: str, v):
    """As a layer's JSON writes it: one input's shape as a list, several as a list of them."""
    if key == "input_shapes" and len(v) == 1:
        return _plain(v[0])
    return _plain(v)


def diff_json(diff, show_all: bool = False) -> str:
    from .json import dumps, versioned
    doc = {
        "old": {"source": diff.old_label, "name": diff.old_name,
                "input_shape": list(diff.old_input), "output_shape": list(diff.old_output)},
        "new": {"source": diff.new_label, "name": diff.new_name,
                "input_shape": list(diff.new_input), "output_shape": list(diff.new_output)},
        "summary": {s: diff.count(s) for s in ("changed", "added", "removed", "same")},
        "layers": [{"status": r.status, "name": r.name, "matched_by": r.matched_by or None,
                    "moved": r.moved, "old": _layer_json(r.old), "new": _layer_json(r.new),
                    "changes": {_json_key(k): [_json_value(k, a), _json_value(k, b)]
                                for k, a, b in r.values},
                    "fields": {f: [_plain(a), _plain(b)] for f, a, b in r.fields}}
                   for r in _shown(diff, show_all)],
        "totals": {t.key: {"old": t.old, "new": t.new, "change": t.change,
                           "percent": None if t.percent is None else round(t.percent, 4)}
                   for t in diff.totals},
        "output_shape_changed": diff.output_changed,
        "fail_on": [{"threshold": v.threshold, "metric": v.metric, "triggered": v.triggered,
                     "found": v.found} for v in diff.verdicts],
        "failed": diff.failed,
    }
    return dumps(versioned(doc))


def diff_github(diff, show_all: bool = False) -> str:
    """Workflow commands on the new file: a notice on each line whose layer changed in
    itself (or was added), a warning where an upstream change moved a linear layer's
    in_features (code that hard-codes nn.Linear(400, ...) breaks there), a notice where it
    moved params or MACs; the totals as a notice, a triggered --fail-on as an error."""
    from ..diagnostics import escape_data, escape_property
    path = escape_property(diff.new_path or diff.new_label)
    title = escape_property("cnnshape diff")
    out = []

    def emit(level, line, message):
        where = f"file={path}" + (f",line={line}" if line else "")
        out.append(f"::{level} {where},title={title}::{escape_data(message)}")

    def costs(r):
        parts = [f"{label} {_cell(r, key)}" for key, label in
                 (("output_shape", "output shape"), ("params", "params"), ("macs", "MACs"))
                 if r.value(key)[0] != r.value(key)[1]]
        return "; ".join(parts)
    for r in diff.rows:
        if r.status == "added":
            emit("notice", r.new.line, f"{r.new.name} ({r.new.type}) added: output "
                 f"{_cell(r, 'output_shape')}, {r.new.params:,} params, {r.new.macs:,} MACs")
        elif r.status == "removed":
            emit("notice", 0, f"{r.old.name} ({r.old.type}) removed: it had "
                 f"{r.old.params:,} params, {r.old.macs:,} MACs")
        elif r.moved:
            a, b = r.value("in_features")
            if a != b:
                emit("warning", r.new.line, f"{r.name}: {_moved(r)}, moved by an upstream "
                     f"change; {costs(r)}")
            elif r.value("params")[0] != r.value("params")[1] or \
                    r.value("macs")[0] != r.value("macs")[1]:
                emit("notice", r.new.line, f"{r.name}: {_moved(r)} (an upstream change); "
                     f"{costs(r)}")
        elif r.status == "changed":
            emit("notice", r.new.line, "; ".join(x for x in (f"{r.name}: {_own(r)}" if _own(r)
                                                            else r.name, costs(r)) if x))
    summary = ", ".join(f"{t.label} {_change(t)}" for t in diff.totals if t.key != "flops")
    emit("notice", 0, f"{_counts(diff)}; {summary}; output shape "
         f"{shape(diff.old_output)} -> {shape(diff.new_output)}")
    for v in diff.verdicts:
        if v.triggered:
            emit("error", 0, f"--fail-on {_verdict(v)}")
    return "\n".join(out)


RENDERERS = {"text": diff_text, "markdown": diff_markdown, "json": diff_json,
             "github": diff_github}


def render_diff(diff, fmt: str = "text", show_all: bool = False) -> str:
    return RENDERERS[fmt](diff, show_all)
