"""A self-contained HTML report: the drawing, the per-layer table (sortable), the totals and
the spec's problems.  CSS, SVG and the few lines of script are inline; nothing is fetched."""
from html import escape

from ..diagnostics import format_text_line
from .cells import field_cells, shape, totals_lines, type_label

CSS = """
body{font:14px/1.45 Helvetica,Arial,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.sub{color:#57606a;margin:0 0 16px}.figure{overflow-x:auto;border:1px solid #d0d7de;padding:4px}
.figure svg{display:block;max-width:none}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #d0d7de}
th{background:#f6f8fa;text-align:left;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.problems li.error{color:#cf222e}.problems li.warning{color:#9a6700}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:bold}
@media print{body{margin:0}.figure{overflow:visible;border:0}.figure svg{max-width:100%;
height:auto}th{cursor:auto}tr{break-inside:avoid}}
"""

# sort a column by its cells' data-v (numbers) or text; a click toggles the direction
SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var down = th.getAttribute("aria-sort") !== "ascending";
    th.closest("tr").querySelectorAll("th").forEach(function (h) {
      h.removeAttribute("aria-sort"); });
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


def render_html(result, svg: str, problems=(), depth=None) -> str:
    title = escape(result.name or "model")
    heads = ["#", "name", "type", "output shape", "params", "non-trainable", "connections",
             "neurons", "MACs", "RF", "eff. stride", "eff. padding"]
    rows = []
    for r in result.rows(depth):
        numbers = [r.index + 1, r.params, r.non_trainable_params, r.connections, r.neurons,
                   r.macs]
        cells = [f'<td class="n" data-v="{numbers[0]}">{numbers[0]}</td>',
                 f"<td>{escape(r.name)}</td>", f"<td>{escape(type_label(r))}</td>",
                 f'<td data-v="{_volume(r.output_shape)}">{escape(shape(r.output_shape))}</td>']
        cells += [f'<td class="n" data-v="{v}">{v:,}</td>' for v in numbers[1:]]
        cells += [f'<td class="n" data-v="{_field_key(r, i)}">{escape(c)}</td>'
                  for i, c in enumerate(field_cells(r))]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    totals = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>"
                     for k, v in totals_lines(result.totals))
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
<h2>Totals</h2><dl class="totals">{totals}</dl>
<h2>Problems</h2>
{f'<ul class="problems">{issues}</ul>' if issues else '<p class="problems">None.</p>'}
<h2>Layers</h2>
<table class="sortable"><thead><tr>{"".join(f"<th>{escape(h)}</th>" for h in heads)}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<script>{SCRIPT}</script>
</body></html>
"""


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
