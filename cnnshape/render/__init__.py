"""Renderers: (result, options) -> str.  They read a Result and never compute sizes.

Each format lives in its own module, imported only when asked for, so
``--format json`` never loads rich.
"""

LAYER_FORMATS = ("table", "json", "plain")


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
