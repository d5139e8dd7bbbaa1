"""Every number on screen is whole and right, whatever the terminal (issue 11).

The renderer is read back as a person would read it, at widths from 20 to 400
columns, and every cell compared with the JSON; then real terminals (a pty with
TERM=dumb, tmux at 60 and 40 columns) run the installed command.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnshape
from cnnshape.render.table import model_table

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ZOO = sorted(p.stem for p in (Path(__file__).parent.parent / "specs").glob("*.yaml"))
RESULTS = {}


def result(net):
    if net not in RESULTS:
        RESULTS[net] = cnnshape.analyze(net)
    return RESULTS[net]


def number(text: str) -> int:
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", text), f"not a whole number: {text!r}"
    return int(text.replace(",", ""))


def per_axis(values) -> str:
    text = [str(v) for v in values]
    return text[0] if len(set(text)) == 1 else "x".join(text)


def expected_cells(layer: dict) -> dict:
    """What each column must read, from the JSON: written independently of the renderer."""
    cells = {"name": layer["name"], "output shape": str(layer["output_shape"]),
             "params": layer["params"], "non-trainable": layer["non_trainable_params"],
             "connections": layer["connections"], "neurons": layer["neurons"],
             "MACs": layer["macs"]}
    parts = layer.get("output_shapes")  # a split's: its parts, "2 x [58, 28, 28]" when equal
    if parts:
        cells["output shape"] = (f"{len(parts)} x {parts[0]}" if all(p == parts[0] for p in parts)
                                 else " + ".join(map(str, parts)))
    t = layer["type"]
    cells["type"] = (f"{t} (in {layer['in_features']:,})" if "in_features" in layer
                     else f"{t} (block)" if layer.get("group") else t)
    rf = layer["receptive_field"]
    if rf == "whole":
        cells.update({"RF": "whole input", "eff. stride": "-", "eff. padding": "-"})
    elif rf is not None:
        cells.update({"RF": per_axis(rf), "eff. stride": per_axis(layer["effective_stride"]),
                      "eff. padding": per_axis(layer["effective_padding"])})
    return cells


def parse(text: str):
    """(rows as {column: cell}, totals as {key: value}, hidden columns or None)."""
    lines = text.split("\n")
    if any(re.match(r"#1( |$)", line) for line in lines):
        return parse_records(lines)
    sep = next(i for i, line in enumerate(lines) if line.startswith(" ─"))
    headers = re.split(r"\s{2,}", lines[sep - 1].strip())
    rows, i = [], sep + 1
    while lines[i]:
        cells = re.split(r"\s{2,}", lines[i].strip())
        if not lines[i][:len(lines[sep - 1]) - len(lines[sep - 1].lstrip()) + 1].strip():
            rows.append({"#": ""})  # a block's header in the tree layout: no number, blanks
            i += 1
            continue
        assert len(cells) == len(headers), f"a cell split or lost: {lines[i]!r}"
        rows.append(dict(zip(headers, cells)))
        i += 1
    totals, key = {}, None
    for line in lines[i + 1:]:
        if line.startswith("("):
            break
        m = re.match(r" (\S.*?)\s{2,}(.*)$", line)
        if m and not line.startswith("   "):
            key = m.group(1)
            totals[key] = m.group(2)
        elif line.startswith("  ") or line.startswith(" " * 19):
            totals[key] += " " + line.strip()
        else:  # a key too long to have its value beside it
            key = line.strip()
            totals[key] = ""
    note = " ".join(lines[lines.index(line):]) if line.startswith("(") else ""
    hidden = re.search(r"columns: (.*?);", note)
    return rows, {k: v.strip() for k, v in totals.items()}, (
        hidden.group(1).split(", ") if hidden else [])


def parse_records(lines):
    rows, totals, tokens = [], {}, []
    body = lines[lines.index("") + 1:]
    end = len(body) - body[::-1].index("")  # the blank line before the totals
    for line in body[:end - 1]:
        if line.startswith("#"):
            tokens = []
            index, _, name = line.partition(" ")
            rows.append({"#": index[1:], "name": name, "_tokens": tokens})
        elif not line.startswith("  ") and rows and rows[-1]["name"] == "":
            rows[-1]["name"] = line
        else:
            tokens += re.split(r"\s{2,}", line.strip())
    for row in rows:
        toks, label = row.pop("_tokens"), None
        for tok in toks:
            if label:
                row[label], label = tok, None
            elif tok.endswith(":"):
                label = tok[:-1]
            else:
                k, _, v = tok.partition(": ")
                row[k] = v
    key = None
    for line in body[end:]:
        if not line.startswith(" "):
            key, _, value = line.partition(":")
            totals[key] = value.strip()
        else:
            totals[key] = (totals[key] + " " + line.strip()).strip()
    return rows, totals, []


def check_rendering(net: str, text: str, width, rf: bool, depth):
    r = result(net)
    data = r.to_dict(depth)
    plain = ANSI.sub("", text)
    rows, totals, hidden = parse(plain)
    # with --depth, a block around the rows is a header without a number (the tree layout)
    rows = [row for row in rows if row.get("#", "x")]
    assert len(rows) == len(data["layers"])
    shown_any = set()
    for row, layer in zip(rows, data["layers"]):
        want = expected_cells(layer)
        for column, cell in row.items():
            shown_any.add(column)
            if column == "#":
                continue
            expected = want[column]
            if column == "name" and depth is not None:
                # a tree: the name after its prefix, relative to the block above it
                label = cell.lstrip("│├└─ ")
                assert expected == label or expected.endswith("." + label), (cell, expected)
                continue
            assert (number(cell) if isinstance(expected, int) else cell) == expected, \
                (column, cell, expected)
    for column in ("name", "output shape", "params"):
        assert column in shown_any
    assert not set(hidden) & shown_any
    t = data["totals"]
    assert totals["params"] == (f"{t['params']:,} trainable, {t['non_trainable_params']:,} "
                                f"non-trainable, {t['total_params']:,} in all")
    for key, field in (("connections", "connections"), ("neurons", "neurons"), ("MACs", "macs"),
                       ("FLOPs (2 x MACs)", "flops")):
        assert number(totals[key]) == t[field]
    if width is not None:
        atoms = {c for row in rows for c in row.values()} | {f"{k}:" for row in rows for k in row}
        for line in plain.split("\n"):
            assert len(line) <= width or line.strip() in atoms or " " not in line.strip(), line
    return rows, hidden


@settings(max_examples=250, deadline=None)
@given(net=st.sampled_from(ZOO), width=st.integers(20, 400), rf=st.booleans(),
       depth=st.sampled_from([None, 1, 2]), color=st.booleans())
def test_every_width_shows_whole_right_numbers(net, width, rf, depth, color):
    text = model_table(result(net), depth, color=color, width=width, rf=rf)
    check_rendering(net, text, width, rf, depth)


@pytest.mark.parametrize("net", ZOO)
def test_a_pipe_shows_every_column(net):
    rows, hidden = check_rendering(net, model_table(result(net), rf=True), None, True, None)
    assert not hidden and {"connections", "neurons", "MACs", "RF", "type"} <= set(rows[0])


def test_narrow_terminals_hide_columns_and_say_so():
    r = result("lenet5")
    text = model_table(r, width=60)
    rows, hidden = check_rendering("lenet5", text, 60, False, None)
    assert hidden == ["connections", "neurons", "MACs"]
    assert "COLUMNS=92 or --format markdown shows them" in " ".join(text.split("\n")[-2:])
    assert list(rows[0]) == ["#", "name", "type", "output shape", "params"]


def test_too_narrow_for_a_grid_gives_one_record_per_layer():
    text = model_table(result("resnet50"), width=24)
    lines = text.split("\n")
    start = lines.index("#1 conv1")
    assert lines[start + 1:start + 4] == ["  type: conv2d", "  output shape:", "    [64, 112, 112]"]
    check_rendering("resnet50", text, 24, False, None)


def test_the_pipe_keeps_the_documented_look():
    """The direct layout reproduces rich's SIMPLE_HEAD cell for cell (the README's table)."""
    lines = model_table(result("lenet5")).split("\n")
    assert lines[:4] == [
        "lenet5: [1, 32, 32] -> [10]", "",
        "   #   name       type              output shape   params   connections   neurons"
        "      MACs",
        " " + "─" * 91]
    assert lines[-6] == " params            61,706 trainable, 0 non-trainable, 61,706 in all"


# real terminals ----------------------------------------------------------------------------

def cnnshape_exe():
    exe = Path(sys.executable).parent / "cnnshape"
    return str(exe) if exe.exists() else shutil.which("cnnshape")


def run_in_pty(args, columns, rows=500, env=None):
    """Run the installed command with a pseudo-terminal as its stdout, sized as given."""
    import fcntl
    import pty
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    environ.update(env or {})
    proc = subprocess.Popen([cnnshape_exe(), *args], stdin=slave, stdout=slave,
                            stderr=subprocess.PIPE, env=environ, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode().replace("\r\n", "\n").rstrip("\n")


@pytest.mark.parametrize("net,args,columns", [
    ("lenet5", [], 80), ("vgg16", ["--rf"], 80), ("resnet50", [], 60), ("lenet5", [], 24)])
def test_term_dumb_never_cuts(net, args, columns):
    """TERM=dumb made rich cap the console at 80 columns and print 117,60 for 117,600."""
    text = run_in_pty(["model", net, *args], columns, env={"TERM": "dumb"})
    assert "\x1b[" not in text  # a dumb terminal gets no escape codes
    check_rendering(net, text, columns, "--rf" in args, None)


def test_columns_overrides_the_terminal():
    text = run_in_pty(["model", "lenet5"], 200, env={"COLUMNS": "50", "TERM": "xterm"})
    rows, hidden = check_rendering("lenet5", ANSI.sub("", text), 50, False, None)
    assert hidden


@pytest.mark.skipif(not shutil.which("tmux"), reason="tmux absent: apt-get install tmux")
@pytest.mark.parametrize("columns", [60, 40])
def test_tmux_screen_shows_whole_values(columns, tmp_path):
    """What tmux draws on its screen, read back: no row wraps, no value splits."""
    sock = str(tmp_path / "tmux.sock")
    out = tmp_path / "out.txt"
    cmd = f"{cnnshape_exe()} model resnet50 --depth 1 --no-pager; sleep 30"
    subprocess.run(["tmux", "-S", sock, "new-session", "-d", "-x", str(columns), "-y", "200",
                    cmd], check=True, env={**os.environ, "TERM": "xterm-256color"})
    try:
        screen = ""
        for _ in range(100):
            screen = subprocess.run(["tmux", "-S", sock, "capture-pane", "-p", "-J", "-S", "-"],
                                    capture_output=True, text=True).stdout
            if "parameter memory" in screen:
                break
            import time
            time.sleep(0.1)
        out.write_text(screen)
        lines = screen.rstrip("\n").split("\n")
        assert all(len(line) <= columns for line in lines)
        check_rendering("resnet50", "\n".join(lines).strip("\n"), columns, False, 1)
    finally:
        subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)


# colour and paging -------------------------------------------------------------------------

def run_piped(args, env):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    environ.update(env)
    return subprocess.run([cnnshape_exe(), *args], capture_output=True, text=True,
                          env=environ, check=True).stdout


@pytest.mark.parametrize("env,coloured", [({}, False), ({"FORCE_COLOR": "1"}, True),
                                          ({"FORCE_COLOR": ""}, False),
                                          ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False)])
def test_force_color_is_honoured_when_piped(env, coloured):
    out = run_piped(["model", "lenet5"], env)
    assert ("\x1b[" in out) is coloured
    assert ANSI.sub("", out) == run_piped(["model", "lenet5"], {})


def test_a_tall_table_goes_through_the_pager(tmp_path):
    seen = tmp_path / "paged.txt"
    pager = f"cat > {seen}"
    text = run_in_pty(["model", "resnet50"], 120, rows=40, env={"PAGER": pager})
    assert text == ""  # everything went to the pager
    paged = ANSI.sub("", seen.read_text()).rstrip("\n")
    check_rendering("resnet50", paged, 120, False, None)


@pytest.mark.parametrize("args,env", [
    (["model", "lenet5"], {}),                          # shorter than the screen
    (["model", "resnet50", "--no-pager"], {}),
    (["model", "resnet50"], {"CNNSHAPE_PAGER": ""}),    # as GIT_PAGER=""
    (["model", "resnet50"], {"CNNSHAPE_PAGER": "cat"}),
    (["model", "resnet50"], {"PAGER": "no-such-pager-here"}),  # never lose the text
    (["model", "resnet50"], {"TERM": "dumb"}),          # Emacs' shell cannot run less
])
def test_no_pager_when_not_wanted(args, env, tmp_path):
    env = {"PAGER": f"cat > {tmp_path / 'paged.txt'}", **env}
    text = run_in_pty(args, 200, rows=40, env=env)
    assert not (tmp_path / "paged.txt").exists()
    check_rendering(args[1], ANSI.sub("", text), 200, False, None)


def test_json_is_never_cut_by_width():
    text = run_in_pty(["model", "vgg16", "--format", "json"], 20, env={"TERM": "dumb"})
    assert json.loads(text)["totals"]["params"] == 138_357_544


# one vocabulary across renderers -----------------------------------------------------------

def test_batchnorm_reads_the_same_in_table_markdown_and_csv():
    """Markdown said '128 (+128)' where the table said '128'; CSV 'whole' where it said
    'whole input'."""
    import csv
    import io

    from cnnshape.render import render_model
    r = result("resnet18")
    lines = model_table(r, rf=True).split("\n")
    table = dict(zip(*[re.split(r"\s{2,}", lines[i].strip()) for i in (2, 5)]))
    md = render_model(r, "markdown", rf=True).split("\n")
    md_row = dict(zip([c.strip() for c in md[2].strip("|").split("|")],
                      [c.strip() for c in md[5].strip("|").split("|")]))
    assert table["name"] == md_row["name"] == "bn1"
    assert table["params"] == md_row["params"] == "128"
    assert table["non-trainable"] == md_row["non-trainable"] == "128"
    rows = list(csv.DictReader(io.StringIO(render_model(r, "csv"))))
    assert rows[1]["params"] == rows[1]["non_trainable_params"] == "128"
    last = model_table(r, rf=True).split("\n")
    fc = next(line for line in last if " fc1 " in line)
    assert "whole input" in fc and rows[-1]["receptive_field"] == "whole input"
    assert md[-8].count("whole input") == 1


@pytest.mark.parametrize("name,shown", [("VGG [config D] *v2*", r"VGG \[config D\] \*v2\*"),
                                        ("a|b_", r"a\|b\_"), ("conv_bn", "conv_bn")])
def test_markdown_escapes_the_spec_name(name, shown):
    from cnnshape.render import render_model
    r = cnnshape.analyze({"name": name, "input": [1, 8, 8], "layers": ["relu"]})
    assert render_model(r, "markdown").split("\n")[0] == f"**{shown}**: [1, 8, 8] -> [1, 8, 8]"


def test_markdown_escapes_layer_names():
    from cnnshape.render import render_model
    r = cnnshape.analyze({"input": [1, 8, 8], "layers": [{"type": "relu", "name": "_gate_"}]})
    assert render_model(r, "markdown").split("\n")[4].startswith(r"| 1 | \_gate\_ | relu |")


# the other terminal outputs ----------------------------------------------------------------

@pytest.mark.parametrize("columns", [20, 32, 60])
def test_the_conv_card_fits_or_becomes_lines(columns):
    """The framed card needs ~30 columns; narrower, rich squeezed it and cut values."""
    args = ["conv", "--w", "256", "--f", "12", "--s", "4", "--p", "2", "--c", "3", "--k", "96"]
    text = run_in_pty(args, columns, env={"TERM": "dumb"})
    assert all(len(line) <= columns for line in text.split("\n"))
    flat = " " + re.sub(r"[\s│┃|:]+", " ", text) + " "
    truth = json.loads(run_piped([*args, "--format", "json"], {}))
    for key in ("params", "connections", "neurons", "macs", "flops"):
        assert f" {truth[key]:,} " in flat, key
    for key in ("input_shape", "output_shape"):
        assert " " + "x".join(map(str, truth[key])) + " " in flat, key


@pytest.mark.parametrize("columns", [20, 40])
def test_the_zoo_listing_never_splits_a_number(columns):
    text = run_in_pty(["zoo"], columns, env={"TERM": "dumb"})
    numbers = re.findall(r"\d[\d,]*\d", text)
    assert "61,706" in numbers and "60,000" in numbers  # lenet5's and lenet5_1998's descriptions
    assert all(len(line) <= columns or " " not in line.strip() for line in text.split("\n"))
