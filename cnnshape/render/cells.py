"""The words and numbers every human-readable renderer prints: one vocabulary.

The table, Markdown, CSV and HTML all take their cells from here, so a
BatchNorm's params or a receptive field that covers the whole input read the
same everywhere.  JSON keeps its own typed values (documented in docs/spec.md).
"""

WHOLE = "whole input"  # a unit that sees every input position (JSON: "whole")


def printable(text: str) -> str:
    """``text`` with every character Python's repr would escape written as that escape:
    ESC as ``\\x1b``, U+202E as ``\\u202e``, a newline as ``\\n``.

    Names, descriptions and paths are the user's text.  Raw, a control character is an
    order to the terminal (ESC and OSC sequences retitle it, recolour it, write links), a
    bidi override reverses what follows (Trojan Source), XML 1.0 forbids most of them even
    as character references, and a lone surrogate cannot be written as UTF-8 at all.
    Every human-readable output (table, Markdown, CSV, SVG, HTML, diagnostics) passes
    user text through here; JSON keeps the exact string, escaped by JSON itself.
    """
    if text.isprintable():  # the common case, at C speed
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shape(s) -> str:
    return "[" + ", ".join(map(str, s)) + "]"


def output_shape(row) -> str:
    """A row's output shape; a split's parts as ``2 x [58, 28, 28]`` when equal, else
    ``[24, 28, 28] + [40, 28, 28]``."""
    parts = row.output_shapes
    if not parts:
        return shape(row.output_shape)
    if len(set(parts)) == 1:
        return f"{len(parts)} x {shape(parts[0])}"
    return " + ".join(map(shape, parts))


def title_atoms(result) -> list[str]:
    """The title as unbreakable pieces: ``lenet5:`` ``[1, 32, 32]`` ``->`` ``[10]``."""
    return [f"{printable(result.name) or 'model'}:", shape(result.input_shape), "->",
            shape(result.output_shape)]


def type_label(row) -> str:
    """The type, with what users ask most spelt out: a linear layer's in_features."""
    if row.in_features is not None:
        return f"{row.type} (in {row.in_features:,})"
    return f"{row.type} (block)" if row.group else row.type


def has_non_trainable(rows) -> bool:
    """Show a non-trainable column only where some layer has such parameters (BatchNorm)."""
    return any(r.non_trainable_params for r in rows)


def totals_atoms(t) -> list[tuple[str, list[str]]]:
    """The totals, each value as unbreakable pieces (a number stays with its words)."""
    return [("params", [f"{t.params:,} trainable,", f"{t.non_trainable_params:,} non-trainable,",
                        f"{t.total_params:,} in all"]),
            ("connections", [f"{t.connections:,}"]), ("neurons", [f"{t.neurons:,}"]),
            ("MACs", [f"{t.macs:,}"]), ("FLOPs (2 x MACs)", [f"{t.flops:,}"]),
            ("parameter memory", [mib(t.param_bytes), "(float32)"])]


def totals_lines(t) -> list[tuple[str, str]]:
    return [(k, " ".join(v)) for k, v in totals_atoms(t)]


def mib(n: int) -> str:
    return f"{n / 2**20:,.2f} MiB" if n >= 2**20 else f"{n / 1024:,.1f} KiB"


def per_axis(values) -> str:
    """212, or 212x100 where the axes differ; fractions as 1/2."""
    text = [str(v) for v in values]
    return text[0] if len(set(text)) == 1 else "x".join(text)


def field_cells(row) -> tuple[str, str, str]:
    """Receptive field, effective stride and padding, as a person reads them."""
    if isinstance(row.field, str):
        return (WHOLE, "-", "-")
    if row.field is None:
        return ("-", "-", "-")
    if not row.field:
        return ("", "", "")
    return (per_axis(row.receptive_field), per_axis(row.effective_stride),
            per_axis(row.effective_padding))


def columns(rows, rf: bool) -> list[tuple[str, list[str], bool]]:
    """(header, one cell per row, right-aligned) for every column a model table can show."""
    cols = [("#", [str(r.index + 1) for r in rows], True),
            ("name", [printable(r.name) for r in rows], False),
            ("type", [type_label(r) for r in rows], False),
            ("output shape", [output_shape(r) for r in rows], False),
            ("params", [f"{r.params:,}" for r in rows], True)]
    if has_non_trainable(rows):
        cols.append(("non-trainable", [f"{r.non_trainable_params:,}" for r in rows], True))
    cols += [("connections", [f"{r.connections:,}" for r in rows], True),
             ("neurons", [f"{r.neurons:,}" for r in rows], True),
             ("MACs", [f"{r.macs:,}" for r in rows], True)]
    if rf:
        cells = [field_cells(r) for r in rows]
        cols += [(h, [c[i] for c in cells], True)
                 for i, h in enumerate(("RF", "eff. stride", "eff. padding"))]
    if any(r.note for r in rows):  # an importer's source row (Ultralytics' from, n, module, args)
        cols.append(("note", [printable(r.note) for r in rows], False))
    return cols


def extras_atoms(result) -> list[tuple[str, list[str]]]:
    """An importer's labelled figures, as totals_atoms gives the totals."""
    return [(label, [text]) for _, label, _, text in result.extras]
