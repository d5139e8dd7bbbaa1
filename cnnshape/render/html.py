"""A self-contained HTML report: the drawing, the per-layer table (sortable), the totals and
the spec's problems.  CSS, SVG and the few lines of script are inline; nothing is fetched."""
from html import escape as _escape

from ..diagnostics import format_text_line
from .cells import (Context, View, chosen, field_cells, output_shape, printable, shape,
                    totals_lines, type_label)
from .svg import FONT

# On paper (Letter or A4, portrait, 12 mm margins) the content is 186 mm = 703 CSS px wide.
# The table fits it at 7pt with long names wrapped at their dots; the drawing is printed
# in pieces at a fixed scale, so its 11px text stays 7pt however long the network.
PAGE_WIDTH = 700   # CSS px: what both papers hold
PRINT_SCALE = 0.85  # the drawing's 11px labels print at 9.35px = 7pt
MOST_PIECES = 4    # more than this, and the printed drawing is the --depth 1 one


def escape(text: str) -> str:
    """HTML text or attribute value; control characters made visible (cells.printable)."""
    return _escape(printable(text))

CSS = """
body{font:14px/1.45 Helvetica,Arial,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.sub{color:#57606a;margin:0 0 16px}.figure{overflow-x:auto;border:1px solid #d0d7de;padding:4px}
.figure svg{display:block;max-width:none}.print-figure{display:none}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #d0d7de}
th{background:#f6f8fa;text-align:left;white-space:nowrap;position:sticky;top:0;z-index:1;
box-shadow:inset 0 -1px #d0d7de}
th button{font:inherit;color:inherit;background:none;border:0;padding:0;margin:0;
text-align:inherit;cursor:pointer}th button:focus-visible{outline:2px solid #0969da;
outline-offset:2px}
th[aria-sort=ascending] button::after{content:" \\25B2"}
th[aria-sort=descending] button::after{content:" \\25BC"}
td{white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}
.problems li.error{color:#cf222e}.problems li.warning{color:#9a6700}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:bold}
@page{margin:12mm}
@media print{body{margin:0;font-size:10pt}h2{margin:12px 0 6px}
.figure{display:none}.print-figure{display:block}
.print-figure svg.piece{display:block;max-width:100%;height:auto;break-inside:avoid;
margin:0 0 6px}.print-figure p{margin:0 0 6px;color:#57606a;font-size:8pt}
table{font-size:7pt;width:100%}th,td{padding:1px 3px;vertical-align:top}
th{position:static;white-space:normal;box-shadow:none}
td{white-space:normal;overflow-wrap:anywhere}td.n,td.s{white-space:nowrap;
overflow-wrap:normal}tr{break-inside:avoid}}
"""

# sort a column by its cells' data-v (numbers) or text; a click toggles the direction.  The
# header's button is the keyboard's way in: Tab reaches it, Enter or Space clicks it.
SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var down = th.getAttribute("aria-sort") !== "ascending";
    th.closest("tr").querySelectorAll("th").forEach(function (h) {
      h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", down ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col], y = b.cells[col];
      var u = x.dataset.v !== undefined ? +x.dataset.v : x.textContent;
      var v = y.dataset.v !== undefined ? +y.dataset.v : y.textContent;
      return (u < v ? -1 : u > v ? 1 : 0) * (down ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def render_html(result, svg: str, problems=(), depth=None, view=None) -> str:
    """The report; ``svg`` is the drawing shown on screen (printing draws its own).

    ``view`` (cells.View): with columns, the table shows those (cells.COLUMNS, as the
    terminal's); its units and dtype shape the cells and the totals."""
    view = view or View(depth=depth)
    title = escape(result.name or "model")
    if view.columns is not None:
        heads, rows = _chosen_rows(result, view)
    else:
        heads, rows = _default_rows(result, view.depth)
    totals = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>"
                     for k, v in totals_lines(result.totals, view.units, view.dtype, view.memory))
    return _page(result, title, svg, problems, depth, heads, rows, totals)


def _chosen_rows(result, view):
    """#, name, type and the --columns asked for; numbers sort by their exact value."""
    ctx = Context(result, view)
    rows_ = result.rows(view.depth)
    cols = chosen(rows_, view)
    rows = []
    for r in rows_:
        cells = [f'<td class="n" data-v="{r.index + 1}">{r.index + 1}</td>',
                 f"<td>{_breakable(r.name)}</td>", f"<td>{escape(type_label(r))}</td>"]
        for c in cols:
            key = "" if c.key is None else f' data-v="{c.key(r, ctx)}"'
            cls = "n" if c.right else "s"
            cells.append(f'<td class="{cls}"{key}>{escape(c.cell(r, ctx))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ["#", "name", "type"] + [c.header for c in cols], rows


def _default_rows(result, depth):
    heads = ["#", "name", "type", "output shape", "params", "non-trainable", "connections",
             "neurons", "MACs", "RF", "eff. stride", "eff. padding"]
    rows = []
    for r in result.rows(depth):
        numbers = [r.index + 1, r.params, r.non_trainable_params, r.connections, r.neurons,
                   r.macs]
        cells = [f'<td class="n" data-v="{numbers[0]}">{numbers[0]}</td>',
                 f"<td>{_breakable(r.name)}</td>", f"<td>{escape(type_label(r))}</td>",
                 f'<td class="s" data-v="{_volume(r.output_shape)}">'
                 f'{escape(output_shape(r))}</td>']
        cells += [f'<td class="n" data-v="{v}">{v:,}</td>' for v in numbers[1:]]
        cells += [f'<td class="n" data-v="{_field_key(r, i)}">{escape(c)}</td>'
                  for i, c in enumerate(field_cells(r))]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return heads, rows


def _page(result, title, svg, problems, depth, heads, rows, totals) -> str:
    issues = "".join(f'<li class="{d.level}">{escape(format_text_line(d))}</li>'
                     for d in problems)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: cnnshape report</title><style>{CSS}</style></head>
<body>
<h1>{title}</h1>
<p class="sub">{escape(shape(result.input_shape))} &rarr; {escape(shape(result.output_shape))}
{(" &middot; " + escape(result.description)) if result.description else ""}</p>
<div class="figure">{svg}</div>
{_print_figure(result, depth)}
<h2>Totals</h2><dl class="totals">{totals}</dl>
<h2>Problems</h2>
{f'<ul class="problems">{issues}</ul>' if issues else '<p class="problems">None.</p>'}
<h2>Layers</h2>
<table class="sortable"><thead><tr>{"".join(_head(h) for h in heads)}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<script>{SCRIPT}</script>
</body></html>
"""


def _head(text: str) -> str:
    """A sortable header: a button, so Tab reaches it and Enter or Space sorts."""
    return (f'<th scope="col" aria-sort="none"><button type="button" '
            f'title="Sort by {escape(text)}">{escape(text)}</button></th>')


def _breakable(name: str) -> str:
    """A dotted name that may wrap after its dots (bottleneck_down1.add1.<wbr>branch1...)."""
    return ".<wbr>".join(escape(part) for part in name.split("."))


def _print_figure(result, depth) -> str:
    """The drawing for paper, in pieces cut between columns, each printed at PRINT_SCALE.

    Scaled to the page, a long network is a strip with 0.5pt text (resnet50); in pieces it
    stays legible.  When that takes more than MOST_PIECES pieces, the --depth 1 drawing
    (one box per block) is printed instead, if it is shorter; the table has every layer.
    """
    from .svg import cuts, drawing
    most = PAGE_WIDTH / PRINT_SCALE
    chosen, pieces = depth, cuts(result, depth, most=most)
    note = ""
    if len(pieces) - 1 > MOST_PIECES and depth != 1:
        shorter = cuts(result, 1, most=most)
        if len(shorter) < len(pieces):
            chosen, pieces = 1, shorter
            note = ("<p>Drawn at --depth 1 (one box per block) for print; the table lists "
                    "every layer.</p>")
    _, height, bare, body = drawing(result, chosen)  # light: paper is white
    out = ['<div class="print-figure">', note,
           '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
           '<g id="cnnshape-print" font-family="Helvetica, Arial, sans-serif" '
           f'font-size="{FONT}">{body}</g></defs></svg>']
    for i, (x, end) in enumerate(zip(pieces, pieces[1:])):
        h = height if i == 0 else bare  # the legend is under the first piece only
        out.append(f'<svg class="piece" viewBox="{x:.1f} 0 {end - x:.1f} {h:.1f}" '
                   f'width="{(end - x) * PRINT_SCALE:.1f}" height="{h * PRINT_SCALE:.1f}">'
                   '<use href="#cnnshape-print"/></svg>')
    out.append("</div>")
    return "\n".join(out)


def render_html_problems(name: str, problems) -> str:
    """The report of a spec that cannot be analysed: its errors, so CI can still publish it."""
    issues = "".join(f'<li class="{d.level}">{escape(format_text_line(d))}</li>'
                     for d in problems)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(name)}: cnnshape report</title>
<style>{CSS}</style></head>
<body><h1>{escape(name)}</h1><p class="sub">The spec has errors; fix them to see the network.</p>
<h2>Problems</h2><ul class="problems">{issues}</ul></body></html>
"""


def _field_key(row, i: int) -> str:
    """A number to sort a receptive-field column by: the largest axis, fractions
    evaluated; a field that covers the whole input sorts after every number, none first."""
    if isinstance(row.field, str):
        return "1e300" if i == 0 else "-1"
    values = (row.receptive_field, row.effective_stride, row.effective_padding)[i]
    if not values:
        return "-1"
    from fractions import Fraction
    return repr(float(max(Fraction(str(v)) for v in values)))


def _volume(s) -> int:
    v = 1
    for x in s:
        v *= x
    return v
