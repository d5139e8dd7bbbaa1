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
