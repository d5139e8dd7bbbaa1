"""Terminal output: the model table, laid out here, and the one-layer card (rich).

Whatever the width, every number and shape is printed whole or not at all: a
table too wide for the terminal hides its least-asked columns and says so in
one line; too narrow even for the name, shape and params, it becomes one record
per layer.  Nothing is cut and no value is split across lines, except a single
value longer than the whole line, which is printed alone on its line.

The model table is written directly rather than with rich's Table: its layout
is a fixed grid, and rich's generic measuring cost ~6,000 nested renders for
ResNet-50's 177 rows (issue 11), most of the command's time.  Its look is
rich's ``box.SIMPLE_HEAD``, cell for cell.
"""
from dataclasses import replace
from io import StringIO

from .cells import View, columns, extras_atoms, printable, title_atoms, totals_atoms

BOLD, DIM, ITALIC, RESET = "\x1b[1m", "\x1b[2m", "\x1b[3m", "\x1b[0m"

# a row means nothing without these; below their width the table becomes records
KEEP = ("#", "name", "output shape", "params")
# hidden first on a narrow terminal: the least asked for first
# (the type column carries a linear layer's in_features, the number most often looked up)
DROP_ORDER = ("connected to", "input shape", "kernel", "trainable", "FLOPs", "connections",
              "neurons", "non-trainable", "MACs", "eff. padding", "eff. stride", "RF",
              "activations", "params %", "type")
GAP = 3  # between columns, as rich's SIMPLE_HEAD: padding, divider, padding


def _style(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color and text else text


def flow(atoms, width: int | None, indent: str = "", first: str = "", sep: str = " ") -> list:
    """Lay unbreakable ``atoms`` out in lines of at most ``width`` characters.

    The first line starts with ``first``, the others with ``indent``.  An atom
    longer than a whole line gets a line to itself: it is never cut.
    """
    lines, line, empty = [], first, True
    for atom in atoms:
        if not empty and width is not None and len(line) + len(sep) + len(atom) > width:
            lines.append(line)
            line, empty = indent, True
        line = line + (atom if empty else sep + atom)
        empty = False
    lines.append(line)
    return lines


def _fit(atoms, room: int | None) -> list[str]:
    """A number keeps its words on one line where there is room; else they part (the
    number itself never does)."""
    if room is None or max(map(len, atoms)) <= room:
        return atoms
    return [word for atom in atoms for word in atom.split(" ")]


def _width_of(widths) -> int:
    """What a SIMPLE_HEAD row occupies, up to its last visible character."""
    return sum(widths) + GAP * len(widths)


def model_table(result, depth=None, color: bool = False, width: int | None = None,
                rf: bool = False, view: View | None = None) -> str:
    """The model as a table at most ``width`` columns wide (None: as wide as it needs)."""
    view = view or View(depth=depth, rf=rf)
    every = columns(result, view)
    cols = [(h, cells, right, max([len(h), *map(len, cells)])) for h, cells, right in every]
    need = _width_of([c[3] for c in cols])
    hidden = []
    for name in DROP_ORDER:
        if width is None or _width_of([c[3] for c in cols]) <= width:
            break
        hidden += [c[0] for c in cols if c[0] == name]
        cols = [c for c in cols if c[0] != name]
    if width is not None and _width_of([c[3] for c in cols]) > width:
        # one record per layer, full names: a tree's prefixes would eat the narrow width
        return _records(result, columns(result, replace(view, tree=False)), width, color, view)

    out = [_style(line, ITALIC, color) for line in flow(title_atoms(result), width)]
    out.append("")  # the table's top edge, blank in SIMPLE_HEAD

    def row(cells, code=""):
        parts = [(c.rjust(w) if right else c.ljust(w))
                 for c, (_, _, right, w) in zip(cells, cols)]
        if code and color:
            parts = [_style(p, code, True) for p in parts]
        return ("  " + "   ".join(parts)).rstrip()

    out.append(row([c[0] for c in cols], BOLD))
    out.append(" " + "─" * (_width_of([c[3] for c in cols]) - 1))
    out += [row(cells) for cells in zip(*(c[1] for c in cols))]
    out.append("")  # the bottom edge
    out += _totals(result, width, color, view)
    if hidden:
        note = (f"(hidden to fit {width} columns: {', '.join(hidden)}; COLUMNS={need} or "
                "--format markdown shows them)").split(" ")
        out += [_style(line, DIM, color) for line in flow(note, width)]
    return "\n".join(out)


def _totals(result, width: int | None, color: bool, view: View) -> list[str]:
    """`` params            61,706 trainable, ...``: keys in a column, values flowed beside."""
    items = totals_atoms(result.totals, view.units, view.dtype, view.memory) + extras_atoms(result)
    key_width = max(len(k) for k, _ in items)
    lines = []
    for key, atoms in items:
        indent = " " * (key_width + 3)
        if width is not None and len(indent) + max(map(len, atoms)) > width:
            lines.append(_style(key, BOLD, color))  # no room beside the key: below it
            lines += flow(_fit(atoms, width - 2), width, "  ", "  ")
            continue
        first = " " + _style(key.ljust(key_width), BOLD, color) + "  "
        body = flow(atoms, None if width is None else width - len(indent), "", "")
        lines.append(first + body[0])
        lines += [indent + b for b in body[1:]]
    return lines


def _items(pairs, width: int, indent: str) -> list[str]:
    """``label: value`` items flowed two spaces apart.  A pair longer than a line puts its
    value on the line below, further indented, and stands alone."""
    lines, line = [], ""
    for label, value in pairs:
        pair = f"{label}: {value}"
        if len(indent) + len(pair) > width:
            lines += [line] if line else []
            lines += [indent + label + ":", indent + "  " + value]
            line = ""
        elif line and len(line) + 2 + len(pair) <= width:
            line += "  " + pair
        else:
            lines += [line] if line else []
            line = indent + pair
    return lines + ([line] if line else [])


def _records(result, cols, width: int, color: bool, view: View) -> str:
    """One record per layer, for terminals too narrow for even the essential columns."""
    out = [_style(line, ITALIC, color) for line in flow(title_atoms(result), width)]
    out.append("")
    by_name = {h: cells for h, cells, _ in cols}
    fields = [h for h, _, _ in cols if h not in ("#", "name")]
    for i in range(len(by_name["#"])):
        # a block's header row has no number of its own
        label = [f"#{by_name['#'][i]}"] if by_name["#"][i] else []
        out += [_style(line, BOLD, color) for line in flow(label + [by_name["name"][i]], width)]
        out += _items([(h, by_name[h][i]) for h in fields if by_name[h][i]], width, "  ")
    out.append("")
    for key, atoms in totals_atoms(result.totals, view.units, view.dtype, view.memory) + extras_atoms(result):
        out += flow([f"{key}:"] + _fit(atoms, width - 2), width, "  ")
    return "\n".join(out)


def layer_table(report, color: bool = False, width: int | None = None,
                collapse: bool = False) -> str:
    """The card of one layer: a framed two-column table, or ``label: value`` lines when the
    frame would not fit the terminal."""
    from .explain import dims, size
    items = [("output size", size(report.output_size, collapse))]
    if report.output_shape is not None:
        items += [("input shape", dims(report.input_shape)),
                  ("output shape", dims(report.output_shape)),
                  ("params", f"{report.params:,}"), ("connections", f"{report.connections:,}"),
                  ("neurons", f"{report.neurons:,}"), ("MACs", f"{report.macs:,}"),
                  ("FLOPs (2 x MACs)", f"{report.flops:,}")]
    title = f"{report.type} on {dims(report.input_size)}"
    # the frame: "│ " label " │ " value " │"
    need = max(len(k) for k, _ in items) + max(len(v) for _, v in items) + 7
    if width is not None and need > width:
        lines = [_style(line, BOLD, color) for line in flow(title.split(" "), width)]
        return "\n".join(lines + _items(items, width, ""))
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text
    # a Text, not a str: rich would read '[' in a title as markup (and raise on '[/bold]')
    t = Table(title=Text(printable(title)), show_header=False, title_justify="left")
    t.add_column("quantity", style="bold")
    t.add_column("value", justify="right")
    for k, v in items:
        t.add_row(k, v)
    console = Console(file=StringIO(), width=max(need, len(title)), force_terminal=color,
                      color_system="auto" if color else None, no_color=not color,
                      highlight=False, soft_wrap=False)
    console.print(t)
    # rich pads titles to the table's width; trailing blanks only make diffs noisy
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())
