"""The network drawn as cuboids, in the style of the AlexNet paper's figure: plain SVG text.

Each feature map [C, H, W] is a cuboid in one oblique projection: its length along the flow
is the channel count, its end face is H x W (the face seen edge-on at the right, drawn as a
parallelogram), labelled with its shape and with the layer's name above.  Layers that keep
the shape (activations, normalisation, dropout) fold into the block they follow and are
named in its caption.  Branches are laid out in lanes: a node sits one column after its
latest input, in its first input's lane when that is free.  Merges are small circles.

Sizes (``scale``):
  log (default):  drawn = clamp(K * log2(1 + v), MIN, MAX)
  linear:         drawn = clamp(K * v, MIN, MAX)
with K, MIN, MAX in SCALES below, separately for spatial sizes and channel counts, so that a
3x224x224 input and a 1000-wide classifier both stay legible.

The output is deterministic (fixed decimals, no dates, no random ids), needs no browser
and no Cairo, and its text is real <text> for search and copy.
"""
from math import log2
from xml.sax.saxutils import escape as _escape

from .cells import printable

FONT = 11            # px; labels are estimated at CHAR px per character
CHAR = 6.8
LINE = 14            # a label line's height
DEPTH = 0.45         # how far the W axis recedes, relative to its drawn size
GAP = 36             # between columns
LANE_GAP = 30        # between lanes
MARGIN = 16

SCALES = {
    "log": {"space": (9.0, 6.0, 120.0), "channels": (5.0, 2.0, 70.0)},
    "linear": {"space": (0.5, 6.0, 120.0), "channels": (0.12, 2.0, 70.0)},
}

KEEPS = {"relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh", "silu",
         "hardswish", "hardsigmoid", "mish", "softplus", "prelu", "softmax", "log_softmax",
         "batchnorm", "batchnorm1d", "batchnorm2d", "batchnorm3d", "dropout", "dropout1d",
         "dropout2d", "dropout3d", "identity", "lrn"}
MERGES = {"concat", "add"}

KINDS = [  # (kind, test on the type name, colour light, colour dark)
    ("input", lambda t: t == "input", "#c9c3bd", "#6d6660"),
    ("convolution", lambda t: t.startswith(("conv", "partial_conv")), "#7aa6d6", "#3f6d9e"),
    ("transposed / upsampling", lambda t: t.startswith(("conv_transpose", "upsample")),
     "#8fd1c9", "#3d8a82"),
    ("pooling", lambda t: "pool" in t or t.startswith("subsampling"), "#f5b574", "#b3702c"),
    ("fully connected", lambda t: t in ("linear", "rbf", "flatten"), "#9fd18b", "#4f8a3a"),
    ("merge", lambda t: t in MERGES, "#d7a6d0", "#8e5a87"),
    ("block", lambda t: True, "#d9c39a", "#8c7647"),
]

THEMES = {
    "light": {"background": "#ffffff", "text": "#1f2328", "muted": "#57606a",
              "edge": "#8c959f", "stroke": "#24292f"},
    "dark": {"background": "#0d1117", "text": "#e6edf3", "muted": "#9198a1",
             "edge": "#6e7681", "stroke": "#c9d1d9"},
}


def escape(text: str) -> str:
    """XML text or attribute value (quotes too).  XML 1.0 forbids most control characters
    even as &#27;, so they are shown as escapes (cells.printable): the file stays well-formed."""
    return _escape(printable(text), {'"': "&quot;"})


def _f(x: float) -> str:
    """Fixed decimals: the same spec gives the same bytes."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _size(value: int, which: str, scale: str) -> float:
    k, low, high = SCALES[scale][which]
    drawn = k * log2(1 + value) if scale == "log" else k * value
    return min(max(drawn, low), high)


def _kind(type_name: str, dark: bool) -> tuple[str, str]:
    for kind, test, light, darkc in KINDS:
        if test(type_name):
            return kind, darkc if dark else light
    raise AssertionError(type_name)


def _dims(shape) -> tuple[int, int, int, str]:
    """(channels, H, W) to draw, and the label: 24×24×32 as the tutorials write it."""
    if len(shape) == 1:
        return 1, shape[0], 1, f"{shape[0]}"
    c, *spatial = shape
    if len(spatial) == 1:
        return c, spatial[0], 1, f"{spatial[0]}×{c}"
    if len(spatial) == 2:
        return c, spatial[0], spatial[1], f"{spatial[0]}×{spatial[1]}×{c}"
    d, h, w = spatial
    return c, h, w, f"{d}×{h}×{w}×{c}"


class _Node:
    __slots__ = ("name", "type", "shape", "inputs", "folded", "kernel", "merge", "flat",
                 "col", "lane", "w", "h", "dx", "dy", "x", "y", "index", "label")

    def __init__(self, name, type_, shape, inputs, kernel=None, index=0):
        self.name, self.type, self.shape, self.inputs = name, type_, shape, inputs
        self.label = name
        self.folded, self.kernel, self.index = [], kernel, index
        self.merge = type_ in MERGES
        self.flat = len(shape) == 1


def _nodes(result, depth):
    """Visible nodes, shape-keeping layers folded, inputs resolved to visible nodes."""
    rows = result.rows(depth)
    index_of = {r.name: r.index for r in result.layers}
    spans = [(r.index, r.last if r.group else r.index, r) for r in rows]

    def visible(name):
        i = index_of.get(_whole(name), -1)
        for first, last, r in spans:
            if first <= i <= last:
                return r.name
        return "input"

    nodes = {"input": _Node("input", "input", result.input_shape, [])}
    alias = {"input": "input"}
    order = [nodes["input"]]
    for first, last, r in spans:
        if r.group:
            members = [x for x in result.layers if first <= x.index <= last]
            ins = []
            for m in members:
                for n in m.inputs:
                    if n == "input" or not first <= index_of[_whole(n)] <= last:
                        ins.append(alias.get(visible(n), "input"))
            ins = list(dict.fromkeys(ins)) or [order[-1].name]
        else:
            ins = [alias.get(visible(n), "input") for n in r.inputs]
        # a ReLU after a residual add folds into the add too (named in the glyph's tooltip)
        if not r.group and r.type in KEEPS and len(ins) == 1 and \
                nodes[ins[0]].shape == r.output_shape:
            nodes[ins[0]].folded.append(r.type)
            alias[r.name] = ins[0]
            continue
        node = _Node(r.name, r.type, r.output_shape, ins, r.kernel, r.index)
        nodes[r.name] = node
        alias[r.name] = r.name
        order.append(node)
    _name_labels(order)
    return order, nodes


def _whole(name: str) -> str:
    """The layer an input names: ``split1`` for its part ``split1.0`` (a name never has a
    number as a dotted part, so the last one is a part)."""
    head, _, tail = name.rpartition(".")
    return head if head and tail.isdigit() else name


def _name_labels(order) -> None:
    """Each block's label: the last two parts of its dotted name (basic_conv2.conv1),
    longer where that is not enough to tell it from another block
    (bottleneck3.add1.branch1.conv1), so a label matches one table row."""
    parts = {n.name: n.name.split(".") for n in order}
    for n in order:
        n.label = _short(n.name)
    for _ in range(max(len(p) for p in parts.values())):
        seen = {}
        for n in order:
            seen.setdefault(n.label, []).append(n)
        clashes = [group for group in seen.values() if len(group) > 1]
        if not clashes:
            return
        for group in clashes:
            for n in group:
                p = parts[n.name]
                n.label = ".".join(p[-(n.label.count(".") + 2):])


def _measure(node, scale):
    if node.merge:
        node.w = node.h = 22.0
        node.dx = node.dy = 0.0
        return
    c, h, w, _ = _dims(node.shape)
    if node.flat:  # flatten and linear: a thin bar as tall as its width
        node.w, node.h, node.dx, node.dy = 6.0, _size(h, "space", scale) * 1.4, 3.0, 3.0
        return
    node.w = _size(c, "channels", scale)
    node.h = _size(h, "space", scale)
    recede = _size(w, "space", scale) * DEPTH if w > 1 else 3.0
    node.dx = node.dy = recede


def _short(name: str) -> str:
    """The last two parts of a dotted name (basic_conv2.conv1): enough to tell blocks apart
    without one label spanning three columns.  The full name is the block's tooltip."""
    return ".".join(name.split(".")[-2:])


def _labels(node) -> list[tuple[str, str]]:
    """(text, css class) lines under the block: its shape, then what folded into it."""
    _, _, _, shape = _dims(node.shape)
    if node.type == "input":
        return [(shape, "shape")]
    caption = node.type + ("".join(f" + {t}" for t in node.folded))
    return [(shape, "shape"), (caption, "caption")]


def layout(result, depth=None, scale="log"):
    """Columns by longest path from the input, lanes by first input; pixel positions."""
    order, nodes = _nodes(result, depth)
    lanes_used = {}
    for node in order:
        _measure(node, scale)
        if not node.inputs:
            node.col, node.lane = 0, 0
        else:
            node.col = 1 + max(nodes[i].col for i in node.inputs)
            want = nodes[node.inputs[0]].lane
            taken = lanes_used.setdefault(node.col, set())
            lane = want
            while lane in taken:
                lane += 1
            node.lane = lane
        lanes_used.setdefault(node.col, set()).add(node.lane)
    cols = max(n.col for n in order) + 1
    lanes = max(n.lane for n in order) + 1
    col_w = [0.0] * cols
    lane_h = [0.0] * lanes
    for n in order:
        label_w = max(len(t) for t, _ in _labels(n) + [(n.label, "")]) * CHAR
        col_w[n.col] = max(col_w[n.col], n.w + n.dx, label_w)
        lane_h[n.lane] = max(lane_h[n.lane], n.h + n.dy)
    label_h = LINE * 3.2  # the name above, shape and caption below
    x0 = [MARGIN]
    for w in col_w[:-1]:
        x0.append(x0[-1] + w + GAP)
    y0 = [MARGIN + LINE * 1.2]
    for h in lane_h[:-1]:
        y0.append(y0[-1] + h + label_h + LANE_GAP)
    for n in order:
        # centred in its column; the block's top edge leaves room for the receding face
        n.x = x0[n.col] + (col_w[n.col] - (n.w + n.dx)) / 2
        n.y = y0[n.lane] + n.dy + (lane_h[n.lane] - (n.h + n.dy)) / 2
    width = x0[-1] + col_w[-1] + MARGIN
    height = y0[-1] + lane_h[-1] + label_h + MARGIN
    return order, nodes, width, height


def render_svg(result, depth=None, *, scale: str = "log", theme: str = "light",
               kernels: bool = True, legend: bool = True) -> str:
    width, total_h, _, body = drawing(result, depth, scale=scale, theme=theme,
                                      kernels=kernels, legend=legend)
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(total_h)}" '
        f'width="{_f(width)}" height="{_f(total_h)}" font-family="Helvetica, Arial, '
        f'sans-serif" font-size="{FONT}">', body, "</svg>"]) + "\n"


def drawing(result, depth=None, *, scale: str = "log", theme: str = "light",
            kernels: bool = True, legend: bool = True) -> tuple[float, float, float, str]:
    """(width, height, height without the legend, the SVG's content): the picture without
    its <svg> element, for a page that shows it in pieces (the printed report)."""
    order, nodes, width, height = layout(result, depth, scale)
    dark = theme == "dark"
    t = THEMES[theme]
    used = []
    for n in order:
        kind, colour = _kind(n.type, dark)
        if (kind, colour) not in used:
            used.append((kind, colour))
    legend_h = (LINE * (len(used) + 1) + 8) if legend else 0
    total_h = height + legend_h
    out = [f"<title>{escape(result.name or 'model')}: "
           f"{escape(' → '.join(_dims(s)[3] for s in (result.input_shape, result.output_shape)))}"
           "</title>",
           f'<rect class="background" x="0" y="0" width="{_f(width)}" height="{_f(total_h)}" '
           f'fill="{t["background"]}"/>',
           '<g class="edges" fill="none" stroke="%s" stroke-width="1.2">' % t["edge"]]
    for n in order:
        for i in n.inputs:
            out.append(_edge(nodes[i], n))
    out.append("</g>")
    if kernels:
        out.append(f'<g class="kernels" fill="none" stroke="{t["stroke"]}" '
                   'stroke-width="0.8" stroke-dasharray="2 2">')
        for n in order:
            if n.kernel and len(n.inputs) == 1 and not nodes[n.inputs[0]].merge and \
                    not nodes[n.inputs[0]].flat:
                out.append(_kernel(nodes[n.inputs[0]], n, scale))
        out.append("</g>")
    out.append('<g class="blocks">')
    for n in order:
        out.append(_block(n, _kind(n.type, dark)[1], t))
    out.append("</g>")
    out.append(f'<g class="labels" fill="{t["text"]}">')
    for n in order:
        out += _label(n, t)
    out.append("</g>")
    if legend:
        out.append(f'<g class="legend" fill="{t["text"]}">')
        y = height + 4
        for kind, colour in used:
            out.append(f'<rect x="{MARGIN}" y="{_f(y)}" width="10" height="10" fill="{colour}" '
                       f'stroke="{t["stroke"]}" stroke-width="0.6"/>')
            out.append(f'<text class="legend-label" x="{MARGIN + 16}" y="{_f(y + 9)}">'
                       f'{escape(kind)}</text>')
            y += LINE
        out.append("</g>")
    return width, total_h, height, "\n".join(out)


def cuts(result, depth=None, *, scale: str = "log", most: float = 800) -> list[float]:
    """Where to cut the drawing into pieces at most ``most`` wide: x positions in the gaps
    between columns, so no block or label is split (a column wider than ``most`` is
    one piece).  The first cut is 0 and the last the drawing's width."""
    order, _, width, _ = layout(result, depth, scale)
    spans = {}
    for n in order:
        cx = n.x + (n.w + n.dx) / 2
        half = max(len(t) for t, _ in _labels(n) + [(n.label, "")]) * CHAR / 2
        left, right = min(n.x, cx - half), max(n.x + n.w + n.dx, cx + half)
        low, high = spans.get(n.col, (left, right))
        spans[n.col] = (min(low, left), max(high, right))
    edges = [spans[c] for c in sorted(spans)]
    gaps = [(a[1] + b[0]) / 2 for a, b in zip(edges, edges[1:])]
    out = [0.0]
    for here, after in zip(gaps, gaps[1:] + [width]):
        if after - out[-1] > most and here > out[-1]:
            out.append(here)
    return out + [width]


def _anchor_out(n):
    return n.x + n.w + n.dx / 2, n.y + n.h / 2 - n.dy / 2


def _anchor_in(n):
    return n.x, n.y + n.h / 2


def _edge(a, b) -> str:
    x1, y1 = _anchor_out(a)
    x2, y2 = _anchor_in(b)
    if b.col - a.col > 1 and a.lane == b.lane:
        # a skip over blocks in the same lane (an identity shortcut): an arc above them
        top = min(a.y - a.dy, b.y - b.dy) - LINE * 1.1
        return (f'<path class="edge skip" d="M{_f(x1)} {_f(y1)} C{_f(x1)} {_f(top)} '
                f'{_f(x2)} {_f(top)} {_f(x2)} {_f(y2)}"/>')
    midx = (x1 + x2) / 2
    return (f'<path class="edge" d="M{_f(x1)} {_f(y1)} C{_f(midx)} {_f(y1)} {_f(midx)} '
            f'{_f(y2)} {_f(x2)} {_f(y2)}"/>')


def _kernel(a, b, scale) -> str:
    """The kernel as a small window on the incoming block's end face, projecting to b."""
    k = b.kernel
    kh = min(_size(k[0], "space", scale) * 0.5, a.h * 0.6)
    kw = min(_size(k[-1], "space", scale) * DEPTH * 0.5, a.dx * 0.6)
    # the end face: from (x + w, y) down h, receding dx up-right
    fx, fy = a.x + a.w + a.dx * 0.2, a.y + a.h * 0.25 - a.dy * 0.2
    pts = [(fx, fy), (fx + kw, fy - kw), (fx + kw, fy - kw + kh), (fx, fy + kh)]
    poly = " ".join(f"{_f(x)},{_f(y)}" for x, y in pts)
    tx, ty = b.x, b.y + b.h * 0.4
    return (f'<polygon class="kernel" points="{poly}"/>'
            f'<path d="M{_f(pts[1][0])} {_f(pts[1][1])} L{_f(tx)} {_f(ty)} '
            f'M{_f(pts[3][0])} {_f(pts[3][1])} L{_f(tx)} {_f(ty)}"/>')


def _block(n, colour, t) -> str:
    name = escape(n.name)
    if n.merge:
        cx, cy, r = n.x + n.w / 2, n.y + n.h / 2, n.w / 2
        sign = "+" if n.type == "add" else "∥"
        tip = escape(" + ".join([n.name] + n.folded))
        return (f'<g class="block merge" data-name="{name}"><title>{tip}</title>'
                f'<circle cx="{_f(cx)}" '
                f'cy="{_f(cy)}" r="{_f(r)}" fill="{colour}" stroke="{t["stroke"]}" '
                f'stroke-width="0.8"/><text x="{_f(cx)}" y="{_f(cy + 4)}" '
                f'text-anchor="middle" fill="{t["stroke"]}">{sign}</text></g>')
    x, y, w, h, dx, dy = n.x, n.y, n.w, n.h, n.dx, n.dy
    front = f"{_f(x)},{_f(y)} {_f(x + w)},{_f(y)} {_f(x + w)},{_f(y + h)} {_f(x)},{_f(y + h)}"
    top = (f"{_f(x)},{_f(y)} {_f(x + dx)},{_f(y - dy)} {_f(x + w + dx)},{_f(y - dy)} "
           f"{_f(x + w)},{_f(y)}")
    side = (f"{_f(x + w)},{_f(y)} {_f(x + w + dx)},{_f(y - dy)} {_f(x + w + dx)},"
            f"{_f(y + h - dy)} {_f(x + w)},{_f(y + h)}")
    s = t["stroke"]
    return (f'<g class="block" data-name="{name}"><title>{name}</title>'
            f'<polygon points="{front}" fill="{colour}" stroke="{s}" stroke-width="0.8"/>'
            f'<polygon points="{top}" fill="{colour}" fill-opacity="0.75" stroke="{s}" '
            f'stroke-width="0.8"/>'
            f'<polygon points="{side}" fill="{colour}" fill-opacity="0.55" stroke="{s}" '
            f'stroke-width="0.8"/></g>')


def _label(n, t) -> list[str]:
    cx = n.x + (n.w + n.dx) / 2
    top = n.y - n.dy - 4
    out = [f'<text class="label name" x="{_f(cx)}" y="{_f(top)}" text-anchor="middle" '
           f'font-weight="bold">{escape(n.label)}</text>']
    y = n.y + n.h + LINE - 2
    for text, cls in _labels(n):
        fill = "" if cls == "shape" else f' fill="{t["muted"]}"'
        out.append(f'<text class="label {cls}" x="{_f(cx)}" y="{_f(y)}" '
                   f'text-anchor="middle"{fill}>{escape(text)}</text>')
        y += LINE
    return out
