"""Drawings and reports: golden SVGs, determinism, and a real browser (headless Chromium)
checking what a person sees: no errors, every block inside the picture, no overlapping
labels, one table row per layer, and a table that sorts."""
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import cnnshape
from cnnshape.cli import main
from cnnshape.render.svg import render_svg

SEED = ["--input", "1x28x28", "conv2d 32 k5"]  # the tutorials' own example: 24x24x32


def draw(*args):
    r = CliRunner().invoke(main, ["draw", *args], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output


@pytest.mark.parametrize("name,args", [("seed", SEED), ("lenet5", ["lenet5"]),
                                       ("simpleconvnet", ["simpleconvnet"])])
def test_golden_svgs(golden, name, args):
    golden(f"draw_{name}.svg", draw(*args))


def test_the_seed_example_reads_like_the_tutorial():
    root = ET.fromstring(draw(*SEED))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "28×28×1" in texts and "24×24×32" in texts and "conv1" in texts


@pytest.mark.parametrize("spec", ["lenet5", "googlenet", "resnet18", "unet", "mobilenet_v2"])
def test_svg_is_valid_xml_and_deterministic(spec):
    a, b = draw(spec), draw(spec)
    assert a == b
    root = ET.fromstring(a)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))


def test_branches_are_drawn_as_branches():
    """GoogLeNet's Inception blocks fan out in lanes and meet at a merge; at --depth 1 each
    block is one box."""
    from cnnshape.render.svg import layout
    result = cnnshape.analyze("googlenet")
    order, _, _, _ = layout(result)
    merges = [n for n in order if n.type == "concat"]
    assert len(merges) == 9 and all(len(n.inputs) == 4 for n in merges)
    assert max(n.lane for n in order) == 3
    collapsed, _, _, _ = layout(result, depth=1)
    assert [n.type for n in collapsed].count("inception") == 9
    assert max(n.lane for n in collapsed) == 0


def test_folded_layers_are_named_in_the_caption():
    svg = draw("lenet5")
    assert "conv2d + relu" in svg and "linear + relu" in svg


@pytest.mark.parametrize("net", ["resnet50", "googlenet", "unet"])
def test_every_block_label_names_one_layer(net):
    """Labels were the last two name parts, so 'branch1.conv1' stood for 16 layers of
    resnet50; each is now the shortest tail that names one table row."""
    from cnnshape.render.svg import layout
    result = cnnshape.analyze(net)
    order, _, _, _ = layout(result)
    names = [r.name for r in result.layers]
    for n in order[1:]:
        # a full name is itself; a shortened one must be the tail of exactly one name
        found = [n.label] if n.label in names else [x for x in names
                                                    if x.endswith("." + n.label)]
        assert found == [n.name]


def test_a_relu_after_a_residual_add_folds_into_it():
    from cnnshape.render.svg import layout
    order, _, _, _ = layout(cnnshape.analyze("resnet50"))
    assert "relu" not in [n.type for n in order]
    adds = [n for n in order if n.type == "add"]
    assert len(adds) == 16 and all(n.folded == ["relu"] for n in adds)


def test_dark_theme_and_options():
    svg = draw("lenet5", "--theme", "dark", "--no-kernels", "--no-legend", "--scale", "linear")
    assert "#0d1117" in svg and 'class="kernels"' not in svg and 'class="legend"' not in svg


def test_report_is_self_contained():
    r = CliRunner().invoke(main, ["report", "resnet18"], catch_exceptions=False)
    html = r.output
    assert "<svg" in html and "<table" in html and "<script>" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched
    rows = re.findall(r"<tr><td", html)
    assert len(rows) == len(cnnshape.analyze("resnet18").layers)


# --- in a real browser ----------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
browser = pytest.mark.skipif(CHROMIUM is None, reason="chromium absent: apt-get install chromium")

CHECK_SVG = """
<script>
var out = {errors: window.__errors || []};
try {
  var svg = document.querySelector("svg"), vb = svg.viewBox.baseVal;
  out.outside = [];
  document.querySelectorAll("g.block, g.labels text, g.legend text").forEach(function (el) {
    var b = el.getBBox();
    if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5 ||
        b.y + b.height > vb.y + vb.height + 0.5)
      out.outside.push(el.textContent || el.dataset.name);
  });
  var boxes = Array.prototype.map.call(document.querySelectorAll("g.labels text"), function (t) {
    var b = t.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height, t.textContent]; });
  out.overlaps = [];
  for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {
    var a = boxes[i], c = boxes[j];
    if (a[0] < c[2] - 0.5 && c[0] < a[2] - 0.5 && a[1] < c[3] - 0.5 && c[1] < a[3] - 0.5)
      out.overlaps.push(a[4] + " / " + c[4]);
  }
  out.blocks = document.querySelectorAll("g.block").length;
  out.labels = boxes.length;
} catch (e) { out.errors.push(String(e)); }
document.getElementById("result").textContent = JSON.stringify(out);
</script>"""

CATCH = """<script>window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
</script>"""


def in_browser(html: str, tmp_path: Path) -> dict:
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="result">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stderr[-2000:]
    out = json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">")
                     .replace("&amp;", "&").replace("&quot;", '"'))
    # console errors the page itself logged
    out["console"] = [line for line in proc.stderr.splitlines()
                      if "CONSOLE" in line and ("Error" in line or "Uncaught" in line)]
    return out


@browser
@pytest.mark.parametrize("args", [SEED, ["lenet5"], ["vgg16"], ["googlenet"], ["resnet50"],
                                  ["googlenet", "--depth", "1"], ["unet", "--theme", "dark"]],
                         ids=lambda a: "-".join(a))
def test_svg_in_chromium(args, tmp_path):
    svg = draw(*args)
    html = ("<!DOCTYPE html><html><head><meta charset='utf-8'>" + CATCH + "</head><body>"
            + svg + "<pre id=\"result\"></pre>" + CHECK_SVG + "</body></html>")
    out = in_browser(html, tmp_path)
    assert out["errors"] == [] and out["console"] == []
    assert out["blocks"] > 0 and out["labels"] > 0
    assert out["outside"] == [], out["outside"][:5]
    assert out["overlaps"] == [], out["overlaps"][:5]


CHECK_REPORT = """
<script>
var out = {errors: window.__errors || []};
try {
  var table = document.querySelector("table.sortable");
  out.rows = table.tBodies[0].rows.length;
  var th = table.tHead.rows[0].cells[4];  // params
  th.click();
  var v = Array.prototype.map.call(table.tBodies[0].rows, function (r) {
    return +r.cells[4].dataset.v; });
  out.sorted = v.every(function (x, i) { return i === 0 || v[i - 1] <= x; });
  th.click();
  var w = Array.prototype.map.call(table.tBodies[0].rows, function (r) {
    return +r.cells[4].dataset.v; });
  out.reversed = w.every(function (x, i) { return i === 0 || w[i - 1] >= x; });
  out.svg = document.querySelectorAll("svg g.block").length;
  // the keyboard: every header holds a button, which Tab reaches and Enter clicks
  var buttons = table.tHead.querySelectorAll("th > button");
  out.buttons = buttons.length;
  out.labelled = Array.prototype.every.call(buttons, function (b) {
    return b.tabIndex === 0 && b.textContent && b.parentNode.hasAttribute("aria-sort"); });
  buttons[1].focus();
  out.focused = document.activeElement === buttons[1];
  buttons[1].click();  // what Enter or Space does to a focused button
  out.byName = buttons[1].parentNode.getAttribute("aria-sort");
  // the header row stays on screen while the page scrolls
  window.scrollTo(0, table.getBoundingClientRect().top + window.scrollY + 300);
  out.headTop = Math.round(table.tHead.rows[0].cells[0].getBoundingClientRect().top);
  out.scrolled = window.scrollY;
} catch (e) { out.errors.push(String(e)); }
document.getElementById("result").textContent = JSON.stringify(out);
</script>"""


@browser
@pytest.mark.parametrize("spec", ["resnet18", "nin"])
def test_report_in_chromium(spec, tmp_path):
    html = CliRunner().invoke(main, ["report", spec], catch_exceptions=False).output
    html = html.replace("<head>", "<head>" + CATCH, 1).replace(
        "</body>", '<pre id="result"></pre>' + CHECK_REPORT + "</body>", 1)
    out = in_browser(html, tmp_path)
    assert out["errors"] == [] and out["console"] == []
    assert out["rows"] == len(cnnshape.analyze(spec).layers)
    assert out["sorted"] and out["reversed"] and out["svg"] > 0
    assert out["buttons"] == 12 and out["labelled"] and out["focused"]
    assert out["byName"] == "ascending"
    assert out["scrolled"] > 300 and out["headTop"] == 0, out


def test_report_of_a_broken_spec_lists_its_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(Path(__file__).parent.parent)
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["report", "tests/broken/unknown_type.yaml", "-o", str(out)])
    assert r.exit_code == 1 and "CS101" in r.output
    html = out.read_text()
    assert "CS101" in html and "maxpol2d" in html and "<svg" not in html


def test_render_needs_no_browser():
    """The SVG comes from plain Python: importing the renderer loads neither rich nor yaml."""
    code = ("import sys, cnnshape; from cnnshape.render.svg import render_svg; "
            "print(sorted(m for m in ('rich', 'cairo', 'cairosvg') if m in sys.modules))")
    out = subprocess.run([__import__("sys").executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"
    assert render_svg  # the name is the module's interface


@pytest.mark.parametrize("command", ["draw", "report"])
def test_an_output_folder_that_does_not_exist_is_a_usage_error(command, tmp_path):
    target = str(tmp_path / "missing" / "out.file")
    r = CliRunner().invoke(main, [command, "lenet5", "-o", target])
    assert r.exit_code == 2 and "cannot write" in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_report_sorts_receptive_fields_as_numbers(tmp_path):
    """RF cells had no data-v, so the table sorted 10, 100, 132, 3: as text."""
    import re
    out = tmp_path / "r.html"
    CliRunner().invoke(main, ["report", "vgg16", "-o", str(out)], catch_exceptions=False)
    rows = re.findall(r"<tr>(.*?)</tr>", out.read_text(), re.S)
    rf = [re.findall(r'<td class="n" data-v="([^"]+)">([^<]*)</td>', r)[-3] for r in rows
          if r.count("<td") > 8]
    assert rf, "no receptive-field cells"
    numeric = [(float(v), text) for v, text in rf if text.isdigit()]
    assert all(float(text) == v for v, text in numeric)
    assert {text for v, text in rf if v == "1e300"} <= {"whole input"}


def test_the_readme_scale_table_is_the_code():
    from pathlib import Path

    from cnnshape.render.svg import DEPTH, SCALES
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name, axes in SCALES.items():
        cells = [", ".join(f"{v:g}" for v in axes[k]) for k in ("space", "channels")]
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}`"))
        assert row.endswith(f"| {cells[0]} | {cells[1]} |"), row
    assert f"recedes at {DEPTH:g}" in readme


# --- on paper ---------------------------------------------------------------------------------

ZOO = ["alexnet", "convnext_tiny", "densenet121", "efficientnet_b0", "efficientnet_v2_s",
       "googlenet", "inception_v3", "lenet5", "lenet5_1998", "mnasnet1_0", "mobilenet_v2",
       "mobilenet_v3_large", "nin", "regnet_y_400mf", "resnet18", "resnet50", "resnext50_32x4d",
       "shufflenet_v2_x1_0", "simpleconvnet", "squeezenet1_1", "unet", "vgg11_bn", "vgg16",
       "wide_resnet50_2"]
PAPERS = {"letter": 8.5 * 72, "A4": 210 / 25.4 * 72}  # width in pt
LEGIBLE = 6.0  # pt: a drawing label's height in the PDF; a scaled-down strip gave 0.4


def print_to_pdf(html: str, paper: str, folder: Path) -> Path:
    """Chromium's print-to-PDF on ``paper``, as a person's print dialog would (Chromium
    takes the paper from CSS @page size)."""
    folder.mkdir()
    page, pdf = folder / "report.html", folder / "report.pdf"
    page.write_text(html.replace("</style>", f"@page{{size:{paper}}}</style>", 1),
                    encoding="utf-8")
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", f"--user-data-dir={folder / 'profile'}",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
                   capture_output=True, timeout=300, check=True)
    return pdf


def row_pattern(r) -> str:
    """A table row on one line of `pdftotext -layout`, every number whole: the name may
    wrap onto the next lines, nothing else."""
    from cnnshape.render.cells import field_cells, output_shape
    cells = [f"{v:,}" for v in (r.params, r.non_trainable_params, r.connections, r.neurons,
                                r.macs)] + [c for c in field_cells(r) if c]
    # a split's cell shows its parts, "2 x [58, 28, 28]"
    return (rf"^\s*{r.index + 1}\s.*\s{re.escape(output_shape(r))}\s+"
            + r"\s+".join(re.escape(c) for c in cells) + r"\s*$")


@browser
@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="poppler-utils absent: apt-get install poppler-utils")
def test_every_zoo_net_prints_whole_on_letter_and_a4(tmp_path):
    """resnet50 lost its last column on Letter and googlenet its 'eff. padding', and a long
    drawing printed as a strip with 0.4pt text.  Every net, on both papers: every header,
    every row with all its numbers on one line, and every drawing label, none tiny.

    One PDF per paper holds the 11 reports, each from a new page (one Chromium start per
    report took 40 s); a report's print drawing gets its own id, and scripts are left out."""
    import concurrent.futures
    from cnnshape.api import zoo_entries
    from cnnshape.render.svg import _dims, layout
    assert ZOO == sorted(e[0] for e in zoo_entries())
    bodies = []
    for net in ZOO:
        html = CliRunner().invoke(main, ["report", net], catch_exceptions=False).output
        head, body = html.split("<body>")
        body = re.sub(r"<script>.*?</script>", "", body.split("</body>")[0], flags=re.S)
        bodies.append(body.replace("cnnshape-print", f"cnnshape-print-{net}"))
    html = (head + "<body>" + "".join(f'<section style="break-before:page">{b}</section>'
                                      for b in bodies) + "</body></html>")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        pdfs = {paper: pool.submit(print_to_pdf, html, paper, tmp_path / paper)
                for paper in PAPERS}
    results = [cnnshape.analyze(net) for net in ZOO]
    for paper, job in pdfs.items():
        pdf = job.result()
        info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
        width = float(re.search(r"Page size:\s+([\d.]+)", info).group(1))
        assert abs(width - PAPERS[paper]) < 1, (paper, info)
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True,
                              text=True, check=True).stdout
        lines, at = text.splitlines(), 0
        expected = []
        for net, result in zip(ZOO, results):
            at = lines.index(net, at)  # the report's title
            printed = 1 if "Drawn at --depth 1" in "".join(lines[at:at + 5]) else None
            words = set(re.findall(r"\S+", "\n".join(lines[at:at + 400])))
            for head in ["#", "name", "type", "output", "shape", "params", "connections",
                         "neurons", "MACs", "RF", "eff.", "stride", "padding"]:
                assert head in words, (net, paper, head)
            assert {"non-", "trainable"} <= words or "non-trainable" in words, (net, paper)
            for r in result.layers:
                pattern = re.compile(row_pattern(r))
                found = next((i for i in range(at, len(lines)) if pattern.match(lines[i])),
                             None)
                assert found is not None, (net, paper, r.name, lines[at:at + 3])
                at = found + 1
            expected += [_dims(n.shape)[3] for n in layout(result, printed)[0]]
        # the drawings: every shape label printed once (no piece lost), none of them tiny
        bbox = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True,
                              text=True, check=True).stdout
        labels = [(float(y1) - float(y0), t) for y0, y1, t in re.findall(
            r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*×[^<]*)<', bbox)]
        assert sorted(t for _, t in labels) == sorted(t for t in expected if "×" in t), paper
        assert min(h for h, _ in labels) >= LEGIBLE, paper


# Never lose a user's file (issue 12, section 5)

def _spec(tmp_path, name="net.yaml", text="input: [1, 28, 28]\nlayers: [conv2d 4 k3]\n"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("command", ["draw", "report"])
@pytest.mark.parametrize("spelling", ["same", "dotted", "link"])
def test_an_output_that_is_the_input_is_refused(command, spelling, tmp_path, monkeypatch):
    """`draw spec.yaml -o spec.yaml` replaced the spec with the SVG."""
    monkeypatch.chdir(tmp_path)
    spec = _spec(tmp_path)
    output = {"same": "net.yaml", "dotted": "./sub/../net.yaml", "link": "link.yaml"}[spelling]
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.yaml").symlink_to(spec)
    r = CliRunner().invoke(main, [command, "net.yaml", "-o", output])
    assert r.exit_code == 2
    assert f"{output} is the spec net.yaml: writing there would destroy it" in r.output
    assert spec.read_text() == "input: [1, 28, 28]\nlayers: [conv2d 4 k3]\n"


def test_a_broken_spec_is_not_replaced_by_its_error_page(tmp_path, monkeypatch):
    """`report broken.yaml -o broken.yaml` wrote the problems page over the spec."""
    monkeypatch.chdir(tmp_path)
    spec = _spec(tmp_path, "broken.yaml", "input: [1, 28, 28]\nlayers: [maxpol2d]\n")
    r = CliRunner().invoke(main, ["report", "broken.yaml", "-o", "broken.yaml"])
    assert r.exit_code == 2 and "broken.yaml is the spec broken.yaml" in r.output
    assert spec.read_text() == "input: [1, 28, 28]\nlayers: [maxpol2d]\n"


def test_a_zoo_spec_is_an_input_too(tmp_path, monkeypatch):
    import cnnshape.api
    zoo = tmp_path / "zoo"
    zoo.mkdir()
    spec = _spec(zoo, "tiny.yaml")
    monkeypatch.setattr(cnnshape.api, "zoo_dir", lambda: zoo)
    r = CliRunner().invoke(main, ["draw", "tiny", "-o", str(spec)])
    assert r.exit_code == 2 and "is the spec tiny" in r.output
    assert spec.read_text().startswith("input:")


def test_another_file_beside_the_input_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _spec(tmp_path)
    r = CliRunner().invoke(main, ["draw", "net.yaml", "-o", "net.svg"])
    assert r.exit_code == 0 and (tmp_path / "net.svg").read_text().startswith("<svg")


class _Failing:
    """A file whose write stops half-way, as on a full disk (or under Ctrl-C)."""

    def __init__(self, f, error):
        self.f, self.error = f, error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, text):
        self.f.write(text[:len(text) // 2])
        self.f.flush()
        raise self.error

    def __getattr__(self, name):
        return getattr(self.f, name)


def _break_writes(monkeypatch, error):
    import builtins

    from cnnshape import cli
    monkeypatch.setattr(cli, "open", lambda *a, **k: _Failing(builtins.open(*a, **k), error),
                        raising=False)


@pytest.mark.parametrize("command", ["draw", "report"])
def test_a_failed_write_leaves_the_old_file_whole(command, tmp_path, monkeypatch):
    """open(output, "w") emptied the old file first; a full disk then left half a file."""
    import errno
    old = tmp_path / "old.out"
    old.write_text("the previous picture\n")
    _break_writes(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    r = CliRunner().invoke(main, [command, "lenet5", "-o", str(old)])
    assert r.exit_code == 2 and "No space left on device" in r.output
    assert old.read_text() == "the previous picture\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.out"]  # no temporary left


def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    from cnnshape.cli import _write
    old = tmp_path / "old.out"
    old.write_text("the previous picture\n")
    _break_writes(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        _write("<svg>" + "x" * 100_000 + "</svg>", str(old))
    assert old.read_text() == "the previous picture\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.out"]


def test_a_rewritten_file_keeps_its_permissions_and_its_links(tmp_path):
    """The file comes from a temporary one (mode 0600): it gets the old file's mode, a new
    file the umask's, and a link still points at the file it named."""
    import os
    import stat

    from cnnshape.cli import _write
    kept = tmp_path / "kept.svg"
    kept.write_text("old")
    kept.chmod(0o640)
    _write("new", str(kept))
    assert kept.read_text() == "new" and stat.S_IMODE(kept.stat().st_mode) == 0o640
    umask = os.umask(0o022)
    try:
        _write("new", str(tmp_path / "fresh.svg"))
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "fresh.svg").stat().st_mode) == 0o644
    (tmp_path / "link.svg").symlink_to(kept)
    _write("through the link", str(tmp_path / "link.svg"))
    assert (tmp_path / "link.svg").is_symlink() and kept.read_text() == "through the link"


def test_a_refused_output_is_named_visibly(tmp_path, monkeypatch):
    """The refusal echoes the file names: ESC in one is shown, not sent to the terminal."""
    monkeypatch.chdir(tmp_path)
    _spec(tmp_path, "n\x1b]0;x\x07.yaml")
    r = CliRunner().invoke(main, ["draw", "n\x1b]0;x\x07.yaml", "-o", "n\x1b]0;x\x07.yaml"])
    assert r.exit_code == 2 and "\x1b" not in r.output and "\x07" not in r.output
    assert "n\\x1b]0;x\\x07.yaml is the spec n\\x1b]0;x\\x07.yaml" in r.output
    r = CliRunner().invoke(main, ["draw", "lenet5", "-o", "no\x1b[2J/such.svg"])
    assert r.exit_code == 2 and "cannot write no\\x1b[2J/such.svg" in r.output
