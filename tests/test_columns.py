"""--columns, --units, the tree under --depth, and activation bytes (issue 17, section 2).

Every cell is checked against numbers computed here from the Result's rows, never through
the renderer's own functions."""
import csv
import io
import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import cnnshape
from cnnshape.cli import main
from cnnshape.memory import DTYPES, activation_bytes
from cnnshape.render.cells import COLUMNS, nbytes, si

ALL = "input,output,kernel,params,params%,trainable,non_trainable,connections,neurons,macs," \
      "flops,activation,rf,connected"


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def table(text):
    """Markdown table rows as {header: cell}."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    heads = [h.strip() for h in lines[0].strip("|").split(" | ")]
    return [dict(zip(heads, (c.strip() for c in line[2:-2].split(" | ")))) for line in lines[2:]]


def shape(s):
    return "[" + ", ".join(map(str, s)) + "]"


def test_every_column_reads_the_rows_numbers():
    r = cnnshape.analyze("resnet18")
    out = run("model", "resnet18", "--columns", ALL, "--format", "markdown",
              "--batch", "4", "--dtype", "float16").output
    rows = table(out)
    assert len(rows) == len(r.layers)
    total = r.totals.params
    for row, layer in zip(rows, r.layers):
        assert row["name"] == layer.name.replace("_", "\\_") or row["name"] == layer.name
        assert row["input shape"] == ", ".join(map(shape, layer.input_shapes))
        assert row["output shape"] == shape(layer.output_shape)
        assert int(row["params"].replace(",", "")) == layer.params
        assert int(row["trainable"].replace(",", "")) == layer.params
        assert int(row["non-trainable"].replace(",", "")) == layer.non_trainable_params
        assert int(row["connections"].replace(",", "")) == layer.connections
        assert int(row["neurons"].replace(",", "")) == layer.neurons
        assert int(row["MACs"].replace(",", "")) == layer.macs
        assert int(row["FLOPs"].replace(",", "")) == 2 * layer.macs
        assert abs(float(row["params %"].rstrip("%")) - 100 * layer.params / total) <= 0.005
        assert row["connected to"] == ", ".join(layer.inputs).replace("_", "\\_") or \
            row["connected to"] == ", ".join(layer.inputs)
        value, unit = row["activations"].replace(",", "").split(" ")
        want = layer.neurons * 4 * 2  # batch 4, float16
        scale = {"B": 1, "KiB": 1024, "MiB": 2 ** 20, "GiB": 2 ** 30}[unit]
        assert abs(float(value) * scale - want) <= 0.05 * scale
    by = {row["name"]: row for row in rows}
    assert by["conv1"]["kernel"] == "k7 s2 p3"
    assert by["pool1"]["kernel"] == "k3 s2 p1"
    assert by["relu1"]["kernel"] == "-"
    assert by["conv1"]["RF"] == "7" and by["conv1"]["eff. stride"] == "2"
    assert by["conv1"]["connected to"] == "input"
    adds = [row for row in rows if row["type"] == "add"]
    assert all(", " in row["connected to"] for row in adds)  # a merge names both its inputs


def test_kernel_column_shows_uneven_same_padding():
    out = run("model", "--input", "3x10x9", "conv2d 8 k3 s2 padding=same dilation=2",
              "--columns", "kernel", "--format", "markdown").output
    # TF 'same', dilated window 5, stride 2: on 10 pads (5-1)*2+5-10 = 3 rows, the odd one
    # at the end (1:2); on 9 pads 4, evenly (2)
    assert table(out)[0]["kernel"] == "k3 s2 p1:2x2 d2"


def test_csv_columns_are_exact_and_named_for_programs():
    r = cnnshape.analyze("lenet5")
    out = run("model", "lenet5", "--format", "csv", "--units", "--columns",
              "kernel,flops,activation,params%", "--batch", "3", "--dtype", "bfloat16").output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["index", "name", "type", "kernel_size", "stride", "padding",
                             "dilation", "flops", "activation_bytes", "params_fraction"]
    for row, layer in zip(rows, r.layers):
        assert int(row["flops"]) == 2 * layer.macs
        assert int(row["activation_bytes"]) == layer.neurons * 3 * 2
        assert float(row["params_fraction"]) == pytest.approx(layer.params / r.totals.params,
                                                              abs=1e-6)
    assert (rows[0]["kernel_size"], rows[0]["stride"], rows[0]["padding"]) == ("5x5", "1x1",
                                                                               "0x0")


def test_json_gains_only_what_columns_ask_for():
    plain = json.loads(run("model", "lenet5", "--format", "json").output)
    assert "activation_bytes" not in plain["layers"][0] and "activation" not in plain
    d = json.loads(run("model", "lenet5", "--format", "json", "--units", "--columns",
                       "activation,flops", "--batch", "2", "--dtype", "int8").output)
    r = cnnshape.analyze("lenet5")
    assert d["activation"] == {"batch": 2, "dtype": "int8", "bytes_per_element": 1}
    assert [x["activation_bytes"] for x in d["layers"]] == [2 * x.neurons for x in r.layers]
    assert [x["flops"] for x in d["layers"]] == [2 * x.macs for x in r.layers]
    assert d["totals"] == plain["totals"]  # exact integers, whatever --units says


def test_the_default_is_todays_table():
    """Asking for batch 1 in float32 adds only the memory totals (the inference peak and
    the training estimate, labelled): the table and the other totals stay as they were."""
    for fmt in ("text", "markdown", "csv", "json"):
        plain = run("model", "lenet5", "--format", fmt).output
        asked = run("model", "lenet5", "--format", fmt, "--dtype", "float32", "--batch",
                    "1").output
        if fmt == "json":
            asked = json.loads(asked)
            assert asked.pop("memory")["batch"] == 1
            assert asked == json.loads(plain)
        elif fmt == "csv":
            assert asked == plain
        else:
            assert "inference peak" in asked and "inference peak" not in plain
            assert [line for line in asked.splitlines() if "inference peak" not in line
                    and "training" not in line] == plain.splitlines()


def test_rf_flag_adds_the_rf_column_to_chosen_ones():
    out = run("model", "lenet5", "--columns", "params", "--rf", "--format", "markdown").output
    assert table(out)[0].keys() == {"#", "name", "type", "params", "RF", "eff. stride",
                                    "eff. padding"}


def test_aliases_and_order():
    out = run("model", "lenet5", "--columns", "MACs, Output_Shape,non-trainable,mac",
              "--format", "markdown").output
    assert list(table(out)[0]) == ["#", "name", "type", "MACs", "output shape", "non-trainable"]


@pytest.mark.parametrize("word, hint", [("outptu", "did you mean 'output'"),
                                        ("flps", "did you mean 'flops'"), ("colour", "")])
def test_an_unknown_column_is_a_usage_error(word, hint):
    r = CliRunner().invoke(main, ["model", "lenet5", "--columns", f"params,{word}"])
    assert r.exit_code == 2
    assert f"'{word}' is not a column" in r.output and hint in r.output
    assert "choose from: " + ", ".join(COLUMNS) in r.output


def test_every_token_renders_in_every_format():
    for token in COLUMNS:
        for fmt in ("text", "markdown", "csv", "json"):
            r = run("model", "googlenet", "--depth", "2", "--columns", token, "--format", fmt)
            assert r.exit_code == 0, (token, fmt)


# --units ---------------------------------------------------------------------------------

SI = {"": 1, "K": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15,
      "E": 10 ** 18}


@given(st.integers(0, 10 ** 20))
def test_si_is_the_number_within_rounding(n):
    text = si(n)
    m = re.fullmatch(r"([\d,]+(?:\.\d)?)(?: ([KMGTPE]))?", text)
    assert m, text
    value, unit = float(m.group(1).replace(",", "")), SI[m.group(2) or ""]
    if unit == 1:
        assert text == str(n)  # below 1,000: exact
    else:
        assert abs(value * unit - n) <= 0.05 * unit + 1e-9 * n
        assert 1 <= value < 1000 or m.group(2) == "E"  # the prefix fits the magnitude


@given(st.integers(0, 10 ** 15), st.integers(0, 10 ** 15))
def test_si_keeps_order(a, b):
    """A larger count never prints as a smaller one."""
    def back(t):
        v, _, u = t.partition(" ")
        return float(v.replace(",", "")) * SI[u]
    if a <= b:
        assert back(si(a)) <= back(si(b))


@given(st.integers(0, 2 ** 60))
def test_binary_bytes_within_rounding(n):
    value, unit = nbytes(n).split(" ")
    scale = {"B": 1, "KiB": 2 ** 10, "MiB": 2 ** 20, "GiB": 2 ** 30, "TiB": 2 ** 40,
             "PiB": 2 ** 50, "EiB": 2 ** 60}[unit]
    v = float(value.replace(",", ""))
    assert abs(v * scale - n) <= 0.05 * scale
    assert scale == 1 or 1 <= v < 1024


def test_units_in_cells_and_totals():
    out = run("model", "resnet50", "--units", "--columns", "params,macs").output
    assert " params            25.6 M trainable, 53.1 K non-trainable, 25.6 M in all" in out
    assert " MACs              4.1 G" in out
    assert re.search(r"conv1\s+conv2d\s+9\.4 K\s+118\.0 M", out)


def test_without_units_numbers_stay_exact():
    out = run("model", "resnet50", "--columns", "params,macs").output
    assert "25,557,032 trainable" in out and re.search(r"conv1\s+conv2d\s+9,408\s+118,013,952",
                                                       out)


# activation bytes ------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, size", [("float32", 4), ("float16", 2), ("bfloat16", 2),
                                         ("int8", 1)])
@pytest.mark.parametrize("batch", [1, 32])
def test_activation_bytes_are_neurons_batch_and_dtype(dtype, size, batch):
    r = cnnshape.analyze("googlenet")
    for row in r.layers + r.groups:
        assert activation_bytes(row, batch, dtype) == row.neurons * batch * size
    assert DTYPES[dtype] == size


def test_a_group_holds_its_layers_bytes():
    r = cnnshape.analyze("googlenet")
    for g in r.groups:
        inner = r.layers[g.index:g.last + 1]
        assert activation_bytes(g, 8, "float16") == sum(activation_bytes(x, 8, "float16")
                                                        for x in inner)


def test_parameter_memory_follows_dtype():
    r = cnnshape.analyze("lenet5")
    for dtype, words in (("float16", "120.5 KiB (float16)"), ("int8", "60.3 KiB (int8)")):
        out = run("model", "lenet5", "--dtype", dtype).output
        assert r.totals.total_params * DTYPES[dtype] / 1024 == pytest.approx(
            float(words.split()[0]), abs=0.05)
        assert f" parameter memory  {words}" in out


def test_report_takes_the_same_columns(tmp_path):
    r = run("report", "lenet5", "--columns", "kernel,activation", "--batch", "2")
    assert r.exit_code == 0
    assert 'title="Sort by activations"' in r.output and 'title="Sort by MACs"' not in r.output
    assert '<td class="n" data-v="9408">9.2 KiB</td>' in r.output  # conv1: 4,704 x 2 x 4


# the tree ----------------------------------------------------------------------------------

def test_tree_golden(golden):
    golden("model_resnet18_depth2_tree.txt", run("model", "resnet18", "--depth", "2").output)
    golden("model_googlenet_depth3_tree.txt",
           run("model", "googlenet", "--depth", "3", "--columns", "output,params").output)
    golden("model_resnet18_depth3_tree.md",
           run("model", "resnet18", "--depth", "3", "--format", "markdown").output)


def test_tree_is_well_formed():
    """Every row under a header is inside it; a header's rows follow it directly, and the
    numbered rows are exactly Result.rows(depth)."""
    r = cnnshape.analyze("googlenet")
    for depth in (2, 3, 4):
        rows = table(run("model", "googlenet", "--depth", str(depth), "--format",
                         "markdown").output)
        numbered = [row for row in rows if row["#"]]
        assert [int(row["#"]) - 1 for row in numbered] == [x.index for x in r.rows(depth)]
        for row in rows:
            prefix = re.match(r"[│├└─ ]*", row["name"]).group(0)
            assert len(prefix) % 2 == 0 and len(prefix) // 2 <= depth - 1
        # a line that opens with ├ or │ has a sibling below at the same indent
        for i, row in enumerate(rows):
            p = re.match(r"[│├└─ ]*", row["name"]).group(0)
            if p.endswith("├─"):
                level = len(p)
                rest = [re.match(r"[│├└─ ]*", x["name"]).group(0) for x in rows[i + 1:]]
                j = next(k for k, q in enumerate(rest) if len(q) <= level)
                assert len(rest[j]) == level and rest[j].endswith(("├─", "└─"))


def test_depth_1_has_no_tree():
    assert "├─" not in run("model", "googlenet", "--depth", "1").output
    assert "├─" not in run("model", "resnet18").output  # without --depth: flat, as today
