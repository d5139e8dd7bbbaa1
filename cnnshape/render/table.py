"""Rich tables: the only module that imports rich, and only when called."""
from io import StringIO


def _console(color: bool, width: int | None):
    from rich.console import Console
    if width is None and color:
        import shutil
        width = shutil.get_terminal_size().columns
    return Console(file=StringIO(), width=width or 100, force_terminal=color,
                   color_system="auto" if color else None, no_color=not color,
                   highlight=False, soft_wrap=False)


def _num(n) -> str:
    return "-" if n is None else f"{n:,}"


def layer_table(report, color: bool = False, width: int | None = None,
                collapse: bool = False) -> str:
    from rich.table import Table

    from .explain import dims, size
    t = Table(title=f"{report.type} on {dims(report.input_size)}", show_header=False,
              title_justify="left")
    t.add_column("quantity", style="bold")
    t.add_column("value", justify="right")
    t.add_row("output size", size(report.output_size, collapse))
    if report.output_shape is not None:
        t.add_row("input shape", dims(report.input_shape))
        t.add_row("output shape", dims(report.output_shape))
        t.add_row("params", _num(report.params))
        t.add_row("connections", _num(report.connections))
        t.add_row("neurons", _num(report.neurons))
        t.add_row("MACs", _num(report.macs))
        t.add_row("FLOPs (2 x MACs)", _num(report.flops))
    return _print(t, color, width)


def _print(renderable, color: bool, width: int | None, need: int = 0) -> str:
    console = _console(color, width)
    if need > console.width:
        # never squeeze a table below the width its unbreakable cells need: rich would
        # cut numbers ("117,60"); a terminal wraps a too-long line, which loses nothing
        console = _console(color, need)
    console.print(renderable)
    # rich pads titles to the table's width; trailing blanks only make diffs noisy
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())


def shape(s) -> str:
    return "[" + ", ".join(map(str, s)) + "]"


def type_label(row) -> str:
    """The type, with what users ask most spelt out: a linear layer's in_features."""
    if row.in_features is not None:
        return f"{row.type} (in {row.in_features:,})"
    return f"{row.type} (block)" if row.group else row.type


def totals_lines(t) -> list[tuple[str, str]]:
    """The totals block shared by the table and the Markdown renderers."""
    return [("params", f"{t.params:,} trainable, {t.non_trainable_params:,} non-trainable, "
                       f"{t.total_params:,} in all"),
            ("connections", f"{t.connections:,}"), ("neurons", f"{t.neurons:,}"),
            ("MACs", f"{t.macs:,}"), ("FLOPs (2 x MACs)", f"{t.flops:,}"),
            ("parameter memory", f"{mib(t.param_bytes)} (float32)")]


def mib(n: int) -> str:
    return f"{n / 2**20:,.2f} MiB" if n >= 2**20 else f"{n / 1024:,.1f} KiB"


def per_axis(values) -> str:
    """212, or 212x100 where the axes differ; fractions as 1/2."""
    text = [str(v) for v in values]
    return text[0] if len(set(text)) == 1 else "x".join(text)


def field_cells(row) -> tuple[str, str, str]:
    """Receptive field, effective stride and padding, as a person reads them."""
    if isinstance(row.field, str):
        return ("whole input", "-", "-")
    if row.field is None:
        return ("-", "-", "-")
    if not row.field:
        return ("", "", "")
    return (per_axis(row.receptive_field), per_axis(row.effective_stride),
            per_axis(row.effective_padding))


def model_table(result, depth=None, color: bool = False, width: int | None = None,
                rf: bool = False) -> str:
    from rich import box
    from rich.table import Table
    title = (f"{result.name or 'model'}: {shape(result.input_shape)} -> "
             f"{shape(result.output_shape)}")
    rows = [(str(r.index + 1), r.name, type_label(r), shape(r.output_shape), f"{r.params:,}",
             f"{r.connections:,}", f"{r.neurons:,}", f"{r.macs:,}")
            + (field_cells(r) if rf else ()) for r in result.rows(depth)]
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    headers = ("#", "name", "type", "output shape", "params", "connections", "neurons", "MACs")
    if rf:
        headers += ("RF", "eff. stride", "eff. padding")
    need = 2 + len(headers) - 1  # SIMPLE_HEAD: an edge each side, one space between columns
    for i, name in enumerate(headers):
        # numbers and shapes are never cut or wrapped; a narrow terminal folds the names
        widest = max([len(name)] + [len(r[i]) for r in rows])
        least = min(widest, 24) if i == 1 else widest
        need += least + 2  # the cell and its padding
        t.add_column(name, justify="left" if 1 <= i <= 3 else "right",
                     no_wrap=i != 1, overflow="fold", min_width=least)
    for r in rows:
        t.add_row(*r)
    totals = Table(show_header=False, box=None, padding=(0, 1))
    totals.add_column(style="bold")
    totals.add_column()
    for k, v in totals_lines(result.totals):
        totals.add_row(k, v)
    from rich.console import Group
    # piped or captured, a table takes its natural width: a file has no right margin
    return _print(Group(t, totals), color, width or (None if color else 250), need)
