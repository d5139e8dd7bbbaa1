"""CSV and Markdown: a row per layer, for spreadsheets and for READMEs."""
import csv
import io
import re

from ..report import FLOPS_PER_MAC
from .cells import (COLUMNS, WHOLE, View, columns, extras_atoms, printable, title_atoms,
                    totals_lines)

FIELDS = ("index", "name", "type", "inputs", "input_shape", "output_shape", "params",
           "non_trainable_params", "connections", "neurons", "macs", "in_features",
           "receptive_field", "effective_stride", "effective_padding")


def _shape(s) -> str:
    return "x".join(map(str, s))


def _field(r) -> list[str]:
    """Per-axis values joined by x ("212x212"), every axis, for a program to split;
    the words and blanks as in the table."""
    if isinstance(r.field, str):
        return [WHOLE, "", ""]
    if r.field is None:
        return ["", "", ""]
    return ["x".join(map(str, v)) for v in (r.receptive_field, r.effective_stride,
                                            r.effective_padding)]


def _window(r, i: int) -> str:
    """One of kernel_size, stride, padding, dilation per axis joined by x; padding that
    differs at the two ends as begin:end; blank for a layer without a window."""
    if r.window is None:
        return ""
    if i == 2:
        return "x".join(str(a[2]) if a[2] == a[3] else f"{a[2]}:{a[3]}" for a in r.window)
    return "x".join(str(a[(0, 1, None, 4)[i]]) for a in r.window)


def _activation(r, view) -> int:
    from ..memory import activation_bytes
    return activation_bytes(r, view.batch, view.dtype)


# --columns for programs: exact numbers under snake_case names, whatever --units says
CSV_COLUMNS = {
    "input": (("input_shape", lambda r, res, v: " ".join(_shape(s) for s in r.input_shapes)),),
    "output": (("output_shape", lambda r, res, v: " ".join(
        _shape(s) for s in r.output_shapes or (r.output_shape,))),),
    "kernel": tuple((n, lambda r, res, v, i=i: _window(r, i)) for i, n in
                    enumerate(("kernel_size", "stride", "padding", "dilation"))),
    "params": (("params", lambda r, res, v: r.params),),
    # a share of the trainable total, as a fraction a spreadsheet can format
    "params%": (("params_fraction", lambda r, res, v:
                 f"{r.params / res.totals.params:.6f}" if res.totals.params else ""),),
    "trainable": (("trainable_params", lambda r, res, v: r.params),),
    "non_trainable": (("non_trainable_params", lambda r, res, v: r.non_trainable_params),),
    "connections": (("connections", lambda r, res, v: r.connections),),
    "neurons": (("neurons", lambda r, res, v: r.neurons),),
    "macs": (("macs", lambda r, res, v: r.macs),),
    "flops": (("flops", lambda r, res, v: FLOPS_PER_MAC * r.macs),),
    "activation": (("activation_bytes", lambda r, res, v: _activation(r, v)),),
    "rf": tuple((n, lambda r, res, v, i=i: _field(r)[i]) for i, n in
                enumerate(("receptive_field", "effective_stride", "effective_padding"))),
    "connected": (("inputs", lambda r, res, v: printable(" ".join(res.outside_inputs(r)))),),
    "note": (("note", lambda r, res, v: printable(r.note)),),
}


def model_csv(result, depth=None, view: View | None = None) -> str:
    view = view or View(depth=depth)
    if view.columns is not None:
        return _chosen_csv(result, view)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    rows = result.rows(view.depth)
    notes = any(r.note for r in rows)  # a note column only where some row has one
    w.writerow(FIELDS + (("note",) if notes else ()))
    for r in rows:
        # a name is the user's text: csv quotes a newline but passes ESC to whoever cats it
        w.writerow([r.index + 1, printable(r.name), r.type, printable(" ".join(r.inputs)),
                    " ".join(_shape(s) for s in r.input_shapes),
                    # a split's parts, space-separated as a merge's inputs are
                    " ".join(_shape(s) for s in r.output_shapes or (r.output_shape,)),
                    r.params, r.non_trainable_params, r.connections, r.neurons, r.macs,
                    "" if r.in_features is None else r.in_features, *_field(r),
                    *((printable(r.note),) if notes else ())])
    return out.getvalue().rstrip("\n")


def _chosen_csv(result, view) -> str:
    """index, name, type, then the --columns asked for, in their order."""
    tokens = dict.fromkeys(view.columns + (("rf",) if view.rf else ()))
    cols = [c for t in tokens for c in CSV_COLUMNS[t]]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["index", "name", "type"] + [n for n, _ in cols])
    for r in result.rows(view.depth):
        w.writerow([r.index + 1, printable(r.name), r.type] + [f(r, result, view) for _, f in cols])
    return out.getvalue().rstrip("\n")


# CommonMark backslash escapes for what would turn a name into markup or break a table;
# an underscore inside a word is literal (GFM), so adaptive_avgpool2d stays readable
_MARKUP = re.compile(r"[\\`*|<>\[\]&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md(text: str) -> str:
    """Markdown for the user's ``text``: control characters as visible escapes (a README
    viewed with cat is a terminal), then markup characters backslash-escaped."""
    return _MARKUP.sub(lambda m: "\\" + m.group(0), printable(text))


def model_markdown(result, depth=None, rf: bool = False, view: View | None = None) -> str:
    view = view or View(depth=depth, rf=rf)
    cols = columns(result, view)
    name, *arrow = title_atoms(result)
    lines = [f"**{md(name[:-1])}**: " + " ".join(arrow), "",
             "| " + " | ".join(h for h, _, _ in cols) + " |",
             "|" + "|".join("--:" if right else "---" for _, _, right in cols) + "|"]
    # names are the user's text; every other cell is ours (numbers, shapes, type names)
    cols[1] = (cols[1][0], [md(n) for n in cols[1][1]], cols[1][2])
    user = {c.header for group in COLUMNS.values() for c in group if c.user_text}
    cols = [(h, [md(c) for c in cells], r) if h in user else (h, cells, r)
            for h, cells, r in cols]
    lines += ["| " + " | ".join(cells) + " |" for cells in zip(*(cells for _, cells, _ in cols))]
    lines.append("")
    lines += [f"- {k}: {v}" for k, v in totals_lines(result.totals, view.units, view.dtype, view.memory)]
    lines += [f"- {k}: {' '.join(v)}" for k, v in extras_atoms(result)]
    return "\n".join(lines)
