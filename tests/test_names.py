"""Names are text (issue 12, section 4): a spec's name, description, a file's path and the
values quoted in a diagnostic reach the terminal, Markdown, CSV, SVG and HTML as text,
never as markup and never as control characters.

The policy (cnnshape/render/cells.py, printable): every character Python's repr would
escape is shown as that escape (ESC as \\x1b, U+202E as \\u202e); JSON keeps the exact
string, escaped by JSON itself.
"""
import json
import re
import xml.etree.ElementTree as ET

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnshape
from cnnshape.cli import main
from cnnshape.diagnostics import Diagnostic, format_github, format_json, format_text
from cnnshape.render import render_model, render_layer
from cnnshape.render.html import render_html, render_html_problems
from cnnshape.render.svg import render_svg

# ESC ] 0 ; ... BEL retitles a terminal (OSC 0); CSI 31m turns it red; NUL ends a C string;
# U+009B is the one-byte CSI; U+202E reverses what follows; U+2028 breaks a line
HOSTILE = "VGG-16 [config D] [/bold] \x1b]0;pwned\x07 \x1b[31mred\x00 \x9b2J \u202etxt.exe"
LAYERS = ["conv2d 4 k3", "relu", "maxpool2d 2", "flatten", "linear 10"]
OURS = re.compile(r"\x1b\[\d+m")  # the table's own styles, under colour


def raw(text: str) -> set[str]:
    """Characters a terminal or an XML parser would not take as text (the output's own
    line breaks aside)."""
    return {c for c in text if not c.isprintable() and c != "\n"}


def spec_file(tmp_path, name=HOSTILE, description=HOSTILE):
    """A spec whose name and description are given in YAML's double-quoted escapes."""
    path = tmp_path / "hostile.yaml"
    layers = "".join(f"  - {layer}\n" for layer in LAYERS)
    path.write_text(f"name: {json.dumps(name)}\ndescription: {json.dumps(description)}\n"
                    f"input: [1, 28, 28]\nlayers:\n{layers}", encoding="utf-8")
    return str(path)


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_hostile_name_loads_as_written(tmp_path):
    """The premise: YAML's escapes deliver the controls to the renderers."""
    assert cnnshape.analyze(spec_file(tmp_path)).name == HOSTILE


def test_the_table_shows_control_characters_and_never_sends_them(tmp_path):
    r = run("model", spec_file(tmp_path), "--no-pager")
    assert r.exit_code == 0, r.output
    assert raw(r.output) == set()
    first = r.output.splitlines()[0]
    assert first.startswith("VGG-16 [config D] [/bold] \\x1b]0;pwned\\x07 \\x1b[31mred\\x00 "
                            "\\x9b2J \\u202etxt.exe:")


def test_markdown_escapes_control_characters(tmp_path):
    r = run("model", spec_file(tmp_path), "--format", "markdown")
    assert r.exit_code == 0 and raw(r.output) == set()
    # the visible escape's backslash is Markdown's to escape, so a viewer shows \x1b
    assert r.output.startswith("**VGG-16 \\[config D\\] \\[/bold\\] \\\\x1b\\]0;pwned")


def test_json_keeps_the_exact_name(tmp_path):
    r = run("model", spec_file(tmp_path), "--format", "json")
    assert raw(r.output) == set()  # JSON escapes controls itself
    assert json.loads(r.output)["name"] == HOSTILE


def test_the_drawing_is_well_formed_xml(tmp_path):
    out = tmp_path / "hostile.svg"
    assert run("draw", spec_file(tmp_path), "-o", str(out)).exit_code == 0
    root = ET.parse(out).getroot()
    title = root.find("{http://www.w3.org/2000/svg}title").text
    assert title.startswith("VGG-16 [config D] [/bold] \\x1b]0;pwned\\x07")


def test_the_report_has_no_raw_control_characters(tmp_path):
    out = tmp_path / "hostile.html"
    assert run("report", spec_file(tmp_path), "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert raw(text) == set()
    assert "<h1>VGG-16 [config D] [/bold] \\x1b]0;pwned\\x07" in text


def test_inputs_names_the_network_visibly(tmp_path):
    r = run("inputs", spec_file(tmp_path), "--range", "20", "30")
    assert r.exit_code == 0 and raw(r.output) == set()
    assert "\\x1b]0;pwned" in r.output


def test_a_file_name_with_escape_sequences_is_shown_not_obeyed(tmp_path):
    """check prints paths it found itself: a file name is text from the disk."""
    (tmp_path / "a\x1b[31mb\u202e.yaml").write_text("input: [1, 8, 8]\nlayers: [relux]\n")
    for fmt in ("text", "github"):
        r = run("check", str(tmp_path), "--format", fmt)
        assert r.exit_code == 1 and raw(r.output) == set(), fmt
        assert "a\\x1b[31mb\\u202e.yaml" in r.output
    r = run("check", str(tmp_path), "--format", "json")
    assert json.loads(r.output)["diagnostics"][0]["path"].endswith("a\x1b[31mb\u202e.yaml")


def test_a_value_echoed_in_a_diagnostic_is_shown_not_obeyed():
    r = run("model", "--input", "1x8x8", "rel\x1b]0;x\x07u")
    assert r.exit_code == 1 and raw(r.output) == set()
    assert "'rel\\x1b]0;x\\x07u'" in r.output


def test_rich_never_reads_a_title_as_markup():
    """The one-layer card is drawn by rich, which would take '[/bold]' for a closing tag
    (MarkupError) and '[red]' for a colour."""
    from cnnshape.graph import analyze_layer
    from cnnshape.layers import kind
    card = analyze_layer(kind("conv2d").build({"out_channels": 4, "kernel_size": [3, 3]}),
                         (8, 8), 1)
    text = render_layer(card._replace(type="[/bold][red]x\x1b"), "table")
    assert text.splitlines()[0].startswith("[/bold][red]x\\x1b on ")


# names and descriptions of any characters: every control, bidi and separator class,
# surrogates, and the markup characters of rich, Markdown, XML and HTML
HOSTILE_CHARS = st.sampled_from(list("\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\xa0\xad[]/<>&\"'`|*_\\")
                                + ["\u061c", "\u200b", "\u200d", "\u200e", "\u2028", "\u2029",
                                   "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\ufffe",
                                   "\uffff", "\ud800", "\udfff", "\U000e0041", "\U0010ffff"])
TEXT = st.text(st.one_of(st.characters(), HOSTILE_CHARS), max_size=40)


def _result(name, description):
    return cnnshape.analyze({"name": name, "description": description,
                             "input": [1, 28, 28], "layers": LAYERS})


@settings(max_examples=150, deadline=None)
@given(name=TEXT, description=TEXT)
def test_every_renderer_shows_any_name_as_text(name, description):
    result = _result(name, description)
    for fmt in ("table", "markdown", "csv"):
        for width in (None, 100, 24):  # 24: one record per layer
            for color in (False, True):
                text = render_model(result, fmt, width=width, color=color, rf=True)
                assert raw(OURS.sub("", text)) == set(), (fmt, width, color)
    assert json.loads(render_model(result, "json"))["name"] == name
    svg = render_svg(result)
    ET.fromstring(svg)  # well-formed: XML 1.0 takes no C0 control but tab and newlines
    assert raw(svg) == set()
    assert raw(render_html(result, svg, result.warnings)) == set()
    svg.encode("utf-8")  # no lone surrogate: the file can be written


@settings(max_examples=150, deadline=None)
@given(path=TEXT, message=TEXT, hint=TEXT)
def test_every_diagnostic_format_shows_any_text_as_text(path, message, hint):
    d = Diagnostic(path, 3, 4, "CS101", "error", message, hint)
    text, github = format_text([d, d]), format_github([d, d])
    assert len(text.splitlines()) == len(github.splitlines()) == 2  # one line per problem
    assert raw(text) == raw(github) == set()
    assert raw(render_html_problems(path, [d])) == set()
    assert json.loads(format_json([d]))[0]["message"] == message
