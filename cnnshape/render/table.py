"""Rich tables: the only module that imports rich, and only when called."""
from io import StringIO


def _console(color: bool, width: int | None):
    from rich.console import Console
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


def _print(renderable, color: bool, width: int | None) -> str:
    console = _console(color, width)
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


def model_table(result, depth=None, color: bool = False, width: int | None = None) -> str:
    from rich import box
    from rich.table import Table
    title = (f"{result.name or 'model'}: {shape(result.input_shape)} -> "
             f"{shape(result.output_shape)}")
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    t.add_column("#", justify="right")
    for name in ("name", "type", "output shape"):
        t.add_column(name, no_wrap=name != "name")
    for name in ("params", "connections", "neurons", "MACs"):
        t.add_column(name, justify="right")
    for row in result.rows(depth):
        t.add_row(str(row.index + 1), row.name, type_label(row), shape(row.output_shape),
                  f"{row.params:,}" + (f" (+{row.non_trainable_params:,})"
                                       if row.non_trainable_params else ""),
                  f"{row.connections:,}", f"{row.neurons:,}", f"{row.macs:,}")
    totals = Table(show_header=False, box=None, padding=(0, 1))
    totals.add_column(style="bold")
    totals.add_column()
    for k, v in totals_lines(result.totals):
        totals.add_row(k, v)
    from rich.console import Group
    return _print(Group(t, totals), color, width)
