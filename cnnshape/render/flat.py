"""CSV and Markdown: a row per layer, for spreadsheets and for READMEs."""
import csv
import io
import re

from .cells import WHOLE, columns, extras_atoms, printable, title_atoms, totals_lines

COLUMNS = ("index", "name", "type", "inputs", "input_shape", "output_shape", "params",
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


def model_csv(result, depth=None) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    rows = result.rows(depth)
    notes = any(r.note for r in rows)  # a note column only where some row has one
    w.writerow(COLUMNS + (("note",) if notes else ()))
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


# CommonMark backslash escapes for what would turn a name into markup or break a table;
# an underscore inside a word is literal (GFM), so adaptive_avgpool2d stays readable
_MARKUP = re.compile(r"[\\`*|<>\[\]&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md(text: str) -> str:
    """Markdown for the user's ``text``: control characters as visible escapes (a README
    viewed with cat is a terminal), then markup characters backslash-escaped."""
    return _MARKUP.sub(lambda m: "\\" + m.group(0), printable(text))


def model_markdown(result, depth=None, rf: bool = False) -> str:
    rows = result.rows(depth)
    cols = columns(rows, rf)
    name, *arrow = title_atoms(result)
    lines = [f"**{md(name[:-1])}**: " + " ".join(arrow), "",
             "| " + " | ".join(h for h, _, _ in cols) + " |",
             "|" + "|".join("--:" if right else "---" for _, _, right in cols) + "|"]
    # names are the user's text; every other cell is ours (numbers, shapes, type names)
    cols[1] = (cols[1][0], [md(n) for n in cols[1][1]], cols[1][2])
    cols = [(h, [md(c) for c in cells], r) if h == "note" else (h, cells, r)
            for h, cells, r in cols]
    lines += ["| " + " | ".join(cells) + " |" for cells in zip(*(cells for _, cells, _ in cols))]
    lines.append("")
    lines += [f"- {k}: {v}" for k, v in totals_lines(result.totals)]
    lines += [f"- {k}: {' '.join(v)}" for k, v in extras_atoms(result)]
    return "\n".join(lines)
