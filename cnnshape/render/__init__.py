"""Renderers: (result, options) -> str.  They read a Result and never compute sizes.

Each format lives in its own module, imported only when asked for, so
``--format json`` never loads rich.
"""

LAYER_FORMATS = ("table", "json", "plain")
MODEL_FORMATS = ("table", "json", "csv", "markdown")


def render_model(result, fmt: str = "table", *, depth: int | None = None,
                 color: bool = False, width: int | None = None, rf: bool = False,
                 columns: tuple[str, ...] | None = None, units: bool = False, batch: int = 1,
                 dtype: str = "float32", memory=None) -> str:
    """Render a Result (``cnnshape model``); ``depth`` collapses blocks below that level.

    ``columns``: tokens of cells.COLUMNS (None: the default set); ``units``: counts as
    K/M/G; ``batch``/``dtype``: what activation bytes and parameter memory assume."""
    from .cells import View
    view = View(depth, rf, columns, units, batch, dtype, memory=memory)
    if fmt == "json":
        from .json import model_json
        return model_json(result, view)
    if fmt == "csv":
        from .flat import model_csv
        return model_csv(result, view=view)
    if fmt == "markdown":
        from .flat import model_markdown
        return model_markdown(result, view=view)
    from .table import model_table
    return model_table(result, color=color, width=width, view=view)


def render_layer(report, fmt: str = "table", *, explain: bool = False, color: bool = False,
                 width: int | None = None, collapse: bool = False) -> str:
    """Render a LayerReport (``cnnshape conv`` / ``cnnshape pool``).

    ``collapse``: the sizes were asked as one number, so a square answer is
    shown as one number (63) rather than per axis (63x63); JSON keeps lists.
    """
    if fmt == "json":
        from .json import layer_json
        return layer_json(report, explain=explain)
    from .explain import explain_text, plain
    if fmt == "plain":
        text = plain(report, collapse)
    else:
        from .table import layer_table
        text = layer_table(report, color=color, width=width, collapse=collapse)
    return (explain_text(report) + "\n\n" + text) if explain else text


def render_zoo(entries, fmt: str = "table", width: int | None = None) -> str:
    if fmt == "json":
        from .json import dumps, versioned
        # a document is an object, so that it can carry its version: the list is "networks"
        return dumps(versioned({"networks": [{"name": n, "description": d, "source": s}
                                             for n, d, s in entries]}))
    from .table import flow
    names = max(len(n) for n, _, _ in entries)
    indent = " " * (names + 2)
    narrow = width is not None and width < names + 2 + 20  # no room for a column of text
    indent = "  " if narrow else indent
    lines = []
    for n, d, s in entries:
        # words flow within the width: a number such as 61,706 is never split
        lines += [n] if narrow else []
        lines += flow(d.split(" "), width, indent, indent if narrow else f"{n:<{names}}  ")
        lines += flow(["source:", *s.split(" ")], width, indent, indent)
    return "\n".join(lines)
