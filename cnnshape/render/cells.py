"""The words and numbers every human-readable renderer prints: one vocabulary.

The table, Markdown, CSV and HTML all take their cells from here, so a
BatchNorm's params or a receptive field that covers the whole input read the
same everywhere.  JSON keeps its own typed values (documented in docs/spec.md).
"""

from dataclasses import dataclass

from ..report import FLOPS_PER_MAC

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


def totals_atoms(t, units: bool = False, dtype: str = "float32",
                 memory=None) -> list[tuple[str, list[str]]]:
    """The totals, each value as unbreakable pieces (a number stays with its words); with
    ``memory`` (cnnshape.memory.Memory) the inference peak and the training estimate, each
    labelled with the batch, dtype and optimizer it assumes."""
    n = si if units else _exact
    if memory is not None:
        m, at = memory, f"(batch {memory.batch}, {memory.dtype})"
        return _totals(t, n, dtype) + [
            ("inference peak", [nbytes(m.inference_peak), "of activations", at]),
            ("training", [nbytes(m.training), "=", f"{nbytes(m.params)} params", "+",
                          f"{nbytes(m.gradients)} gradients", "+",
                          f"{nbytes(m.optimizer_state)} {m.optimizer} state", "+",
                          f"{nbytes(m.saved)} saved activations", at])]
    return _totals(t, n, dtype)


def _totals(t, n, dtype) -> list[tuple[str, list[str]]]:
    from ..memory import DTYPES
    return [("params", [f"{n(t.params)} trainable,", f"{n(t.non_trainable_params)} non-trainable,",
                        f"{n(t.total_params)} in all"]),
            ("connections", [n(t.connections)]), ("neurons", [n(t.neurons)]),
            ("MACs", [n(t.macs)]), ("FLOPs (2 x MACs)", [n(t.flops)]),
            ("parameter memory", [mib(DTYPES[dtype] * t.total_params), f"({dtype})"])]


def totals_lines(t, units: bool = False, dtype: str = "float32",
                 memory=None) -> list[tuple[str, str]]:
    return [(k, " ".join(v)) for k, v in totals_atoms(t, units, dtype, memory)]


def _exact(n: int) -> str:
    return f"{n:,}"


SI = ("", " K", " M", " G", " T", " P", " E")  # 1,000-based, as people quote counts
BINARY = (" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB")  # 1,024-based, for bytes


def _scaled(n: int, base: int, units, decimals) -> str:
    """``n`` over the largest power of ``base`` that leaves at least 1, rounded; a value
    that rounds up to ``base`` (999,960 -> 1000.0 K) moves to the next unit (1.0 M)."""
    step = 0
    while step + 1 < len(units) and abs(n) >= base ** (step + 1):
        step += 1
    while True:
        places = decimals(step)
        text = f"{n / base ** step:,.{places}f}"
        if step + 1 < len(units) and abs(float(text.replace(",", ""))) >= base:
            step += 1
            continue
        return text + units[step]


def si(n: int) -> str:
    """A count with an SI prefix: 832, 23.3 K, 61.1 M, 4.1 G (one decimal, 1,000-based);
    below 1,000 the exact number."""
    return _scaled(n, 1000, SI, lambda step: 1 if step else 0)


def nbytes(n: int) -> str:
    """Bytes in binary units: 784 B, 19.6 KiB, 3.06 MiB, 1.20 GiB."""
    return _scaled(n, 1024, BINARY, lambda step: 0 if step == 0 else 1 if step == 1 else 2)


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


@dataclass(frozen=True)
class View:
    """What a model table shows, from ``cnnshape model``'s options.

    ``columns``: tokens of COLUMNS in order, or None for the default set; ``units``: counts
    as K/M/G; ``batch`` and ``dtype``: what the activation bytes and parameter memory
    assume; ``tree``: with a ``depth``, blocks indented around their rows."""
    depth: int | None = None
    rf: bool = False
    columns: tuple[str, ...] | None = None
    units: bool = False
    batch: int = 1
    dtype: str = "float32"
    tree: bool = True  # with a depth; records on a narrow terminal turn it off
    memory: object = None  # cnnshape.memory.Memory: the peak and training totals, if asked


@dataclass(frozen=True)
class Column:
    """One column: its header, its cell for a row, right-aligned or not, and for the HTML
    table a number to sort by (None: sort by the text)."""
    header: str
    cell: object            # (row, ctx) -> str
    right: bool = True
    key: object = None      # (row, ctx) -> number
    user_text: bool = False  # the user's words: Markdown escapes them


def _count(attr):
    return lambda r, c: c.number(getattr(r, attr))


def _share(r, c):
    total = c.result.totals.params
    return f"{r.params / total:.2%}" if total else "-"


def _activation(r, c):
    from ..memory import activation_bytes
    return activation_bytes(r, c.view.batch, c.view.dtype)


def kernel_cell(row) -> str:
    """A windowed layer as its inline spec reads: k3 s2 p1, with d2 when dilated and
    begin:end where the padding differs at the two ends ('same' resolved); - otherwise."""
    if row.window is None:
        return "-"
    k, s, b, e, d = zip(*row.window)
    pads = per_axis(p if p == q else f"{p}:{q}" for p, q in zip(b, e))
    text = f"k{per_axis(k)} s{per_axis(s)} p{pads}"
    return text + (f" d{per_axis(d)}" if set(d) != {1} else "")


def _inputs(r, c) -> str:
    return ", ".join(printable(n) for n in c.result.outside_inputs(r))


def _field_column(i, header):
    return Column(header, lambda r, c: field_cells(r)[i])


_VOLUME = lambda r, c: _volume(r.output_shape)  # noqa: E731

# token -> the columns it shows.  A token is what --columns takes; ALIASES map the
# spellings people try to one of them.
COLUMNS = {
    "input": (Column("input shape", lambda r, c: ", ".join(map(shape, r.input_shapes)), False,
                     lambda r, c: _volume(r.input_shapes[0]) if r.input_shapes else 0),),
    "output": (Column("output shape", lambda r, c: output_shape(r), False, _VOLUME),),
    "kernel": (Column("kernel", lambda r, c: kernel_cell(r), False),),
    "params": (Column("params", _count("params"), key=lambda r, c: r.params),),
    "params%": (Column("params %", _share, key=lambda r, c: r.params),),
    "trainable": (Column("trainable", _count("params"), key=lambda r, c: r.params),),
    "non_trainable": (Column("non-trainable", _count("non_trainable_params"),
                             key=lambda r, c: r.non_trainable_params),),
    "connections": (Column("connections", _count("connections"),
                           key=lambda r, c: r.connections),),
    "neurons": (Column("neurons", _count("neurons"), key=lambda r, c: r.neurons),),
    "macs": (Column("MACs", _count("macs"), key=lambda r, c: r.macs),),
    "flops": (Column("FLOPs", lambda r, c: c.number(FLOPS_PER_MAC * r.macs),
                     key=lambda r, c: r.macs),),
    "activation": (Column("activations", lambda r, c: nbytes(_activation(r, c)),
                          key=_activation),),
    "rf": tuple(_field_column(i, h) for i, h in enumerate(("RF", "eff. stride",
                                                            "eff. padding"))),
    "connected": (Column("connected to", _inputs, False, user_text=True),),
    "note": (Column("note", lambda r, c: printable(r.note), False, user_text=True),),
}
ALIASES = {"in": "input", "input_shape": "input", "inputs_shape": "input",
           "out": "output", "output_shape": "output", "shape": "output",
           "window": "kernel", "kernel_size": "kernel",
           "param": "params", "parameters": "params", "params_percent": "params%",
           "param%": "params%", "percent": "params%", "%": "params%",
           "trainable_params": "trainable", "nontrainable": "non_trainable",
           "non_trainable_params": "non_trainable", "frozen": "non_trainable",
           "connection": "connections", "neuron": "neurons", "mac": "macs",
           "mult_adds": "macs", "flop": "flops", "activations": "activation",
           "activation_bytes": "activation", "act": "activation", "bytes": "activation",
           "receptive_field": "rf", "field": "rf", "connected_to": "connected",
           "inputs": "connected", "from": "connected"}


def column_token(word: str) -> str | None:
    """The COLUMNS token a user's word names (case, spaces and - vs _ forgiven), or None."""
    w = word.strip().lower().replace("-", "_").replace(" ", "")
    w = w.replace("_%", "%")
    return w if w in COLUMNS else ALIASES.get(w)


def default_tokens(rows, rf: bool) -> tuple[str, ...]:
    """Today's table: non-trainable only where some layer has such parameters (BatchNorm),
    the receptive field with --rf, an importer's note where there is one."""
    return (("output", "params") + (("non_trainable",) if has_non_trainable(rows) else ())
            + ("connections", "neurons", "macs") + (("rf",) if rf else ())
            + (("note",) if any(r.note for r in rows) else ()))


class Context:
    """What a cell may need beyond its row: the whole result (totals, the layers a group
    holds) and the view (units, batch, dtype)."""
    __slots__ = ("result", "view", "number")

    def __init__(self, result, view):
        self.result, self.view = result, view
        self.number = si if view.units else _exact


def chosen(rows, view) -> list[Column]:
    """The data columns the view asks for (after #, name and type), each once."""
    tokens = default_tokens(rows, view.rf) if view.columns is None else view.columns
    if view.rf and "rf" not in tokens:
        tokens = (*tokens, "rf")
    return [col for t in dict.fromkeys(tokens) for col in COLUMNS[t]]


def entries(result, view) -> list[tuple[object, str, bool]]:
    """(row, name cell, is a block header) in table order.

    Without a depth, the leaves flat.  With one, torchinfo's tree: the rows at that depth,
    each block that encloses them as a header row before its first one, and each name
    relative to its block behind a prefix (├─ a child, └─ the last one, │ a block still
    open above), so a reader sees where a block begins and ends."""
    rows = result.rows(view.depth)
    if view.depth is None or not view.tree or not any(r.depth for r in rows):
        return [(r, printable(r.name), False) for r in rows]
    heads = [g for g in result.groups if g.depth < view.depth - 1]
    items = sorted([(r, False) for r in rows] + [(g, True) for g in heads],
                   key=lambda x: (x[0].index, not x[0].group, x[0].depth))
    parents, stack = [], []
    for row, head in items:
        while stack and (stack[-1].depth >= row.depth or stack[-1].last < row.index):
            stack.pop()
        parents.append(stack[-1] if stack else None)
        if head:
            stack.append(row)
    # the last child of each parent, found from the end
    last, seen = [False] * len(items), set()
    for i in range(len(items) - 1, -1, -1):
        key = id(parents[i])
        last[i] = key not in seen
        seen.add(key)
    out, bars = [], {}  # bars: a header's id -> the prefix its children continue
    for i, (row, head) in enumerate(items):
        parent = parents[i]
        if parent is None:
            prefix, name = "", row.name
        else:
            above = bars[id(parent)]
            prefix = above + ("└─" if last[i] else "├─")
            tail = row.name[len(parent.name) + 1:]
            name = tail if row.name.startswith(parent.name + ".") and tail else \
                row.name.rsplit(".", 1)[-1]
        if head:
            bars[id(row)] = "" if parent is None else bars[id(parent)] + (
                "  " if last[i] else "│ ")
        out.append((row, prefix + printable(name), head))
    return out


def columns(result, view=None) -> list[tuple[str, list[str], bool]]:
    """(header, one cell per row, right-aligned) for every column the model table shows."""
    view = view or View()
    items = entries(result, view)
    ctx = Context(result, view)
    data = chosen([r for r, _, head in items if not head], view)
    cols = [("#", ["" if head else str(r.index + 1) for r, _, head in items], True),
            ("name", [name for _, name, _ in items], False),
            ("type", [type_label(r) for r, _, _ in items], False)]
    # a block's header row stands for nothing but itself: its layers follow
    shown_on_head = {"input shape", "output shape"}
    cols += [(c.header, ["" if head and c.header not in shown_on_head else c.cell(r, ctx)
                         for r, _, head in items], c.right) for c in data]
    return cols


def _volume(s) -> int:
    v = 1
    for x in s:
        v *= x
    return v


def extras_atoms(result) -> list[tuple[str, list[str]]]:
    """An importer's labelled figures, as totals_atoms gives the totals."""
    return [(label, [text]) for _, label, _, text in result.extras]
