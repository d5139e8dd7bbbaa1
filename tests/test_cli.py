"""The single-layer commands, through click's CliRunner: exit codes and exact output."""
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnshape.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_card_prints_63():
    r = run("conv", "--w", "256", "--f", "12", "--s", "4", "--p", "2", "--format", "plain")
    assert (r.exit_code, r.output) == (0, "63\n")


@pytest.mark.parametrize("args,out", [
    # worked example 2: MNIST, 32 filters of 5x5
    ("conv --w 28 --f 5 --c 1 --k 32", "32x24x24"),
    ("conv --w 28 --f 5 --c 1 --k 32 --p valid", "32x24x24"),
    ("conv --w 4 --f 3", "2"),                       # example 3
    ("conv --w 4 --f 3 --p 1", "4"),                 # example 4
    ("conv --w 7 --f 3 --s 2", "3"),                 # example 6
    ("conv --w 224 --f 3 --p 1", "224"),             # example 7
    ("pool --w 224 --f 2 --s 2", "112"),             # example 7
    ("conv --w 7 --f 3 --s 2 --p same", "4"),        # example 11: ceil(7/2)
    ("conv --w 480x640 --f 3x5", "478x636"),
    ("conv --w 100 --f 3 --dims 1", "98"),
    ("conv --w 16x112x112 --f 3 --p 1 --s 1x2x2", "16x56x56"),
    ("conv --w 10 --f 3 --d 2", "6"),
    ("conv --w 10 --f 3 --p full", "12"),
    ("conv --w 10 --f 3 --p 0:1x1:2", "9x11"),
    # one begin:end pair applies to every axis, as one int does
    ("conv --w 8 --f 3 --p 0:1", "7"),
    ("conv --w 8 --f 3 --p 0:1 --dims 1", "7"),
    ("conv --w 8x10 --f 3 --p 0:1", "7x9"),
    ("pool --w 7x9 --f 2 --p 1:0", "4x5"),
    ("conv --w 63 --f 12 --s 4 --p 2 --transposed", "256"),
    ("conv --w 7 --f 3 --s 2 --transposed --output-padding 1", "16"),
    ("pool --w 224 --f 3 --s 2", "111"),
    ("pool --w 32 --f 1 --s 2 --ceil-mode --dims 1", "16"),
    ("pool --w 13 --f 3 --s 2 --mode avg", "6"),
])
def test_plain_answers(args, out):
    r = run(*args.split(), "--format", "plain")
    assert (r.exit_code, r.output) == (0, out + "\n")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 500), min_size=1, max_size=3), st.integers(0, 6))
def test_worked_example_5_stride_1_kernel_2p_plus_1_keeps_every_size(sizes, p):
    w = "x".join(map(str, sizes))
    r = run("conv", "--w", w, "--f", str(2 * p + 1), "--p", str(p), "--dims", str(len(sizes)),
            "--format", "plain")
    assert (r.exit_code, r.output) == (0, w + "\n")


def test_one_begin_end_pair_pads_every_axis_alike():
    d = json.loads(run("conv", "--w", "8x10", "--f", "3", "--p", "0:1", "--format", "json").output)
    assert d["padding"] == [[0, 1], [0, 1]] and d["output_size"] == [7, 9]


def test_json_is_the_machine_interface():
    r = run("conv", "--w", "256", "--f", "12", "--s", "4", "--p", "2", "--c", "3", "--k", "96",
            "--format", "json")
    d = json.loads(r.output)
    assert d["output_size"] == [63, 63] and d["output_shape"] == [96, 63, 63]
    assert (d["params"], d["neurons"]) == (41_568, 96 * 63 * 63)
    assert d["connections"] == 96 * 63 * 63 * (3 * 144 + 1)
    assert d["macs"] == 96 * 63 * 63 * 3 * 144 and d["flops"] == 2 * d["macs"]


def test_json_without_channels_has_no_counts():
    d = json.loads(run("conv", "--w", "224", "--f", "11", "--s", "4", "--format", "json").output)
    assert d["output_size"] == [54, 54] and "params" not in d
    assert d["unread"] == [[[223, 223]], [[223, 223]]]


@pytest.mark.parametrize("name,args", [
    ("conv_card", "conv --w 256 --f 12 --s 4 --p 2"),           # the bare answer: 63
    ("conv_card_table", "conv --w 256 --f 12 --s 4 --p 2 --format table"),
    ("conv_table_per_axis", "conv --w 480x640 --f 3x5 --s 2 --format table"),
    ("conv_mnist", "conv --w 28 --f 5 --c 1 --k 32"),
    ("conv_explain_lost", "conv --w 224 --f 11 --s 4 --explain"),
    ("conv_explain_exact", "conv --w 227 --f 11 --s 4 --explain --format plain"),
    ("conv_explain_same", "conv --w 480x640 --f 3x5 --s 2 --p same --explain --format plain"),
    ("conv_explain_dilated", "conv --w 20 --f 3 --s 4 --d 5 --dims 1 --explain --format plain"),
    ("conv_explain_transposed", "conv --w 7 --f 3 --s 2 --transposed --explain --format plain"),
    ("pool_explain_ceil", "pool --w 32 --f 1 --s 2 --ceil-mode --dims 1 --explain"),
    ("pool_explain_table", "pool --w 13 --f 3 --s 2 --c 16 --explain"),
    ("conv_json_explain", "conv --w 9 --f 3 --s 2 --c 2 --k 4 --groups 2 --format json --explain"),
])
def test_golden_output(golden, name, args):
    r = run(*args.split())
    assert r.exit_code == 0
    golden(f"{name}.txt", r.output)


@pytest.mark.parametrize("args,code,words", [
    ("conv --w 4 --f 5", 1, ["--f:", "CS201", "window spans 5", "padded input is only 4"]),
    ("conv --w 4 --f 0", 1, ["--f:", "CS105", "kernel_size", "got 0"]),
    ("conv --w 8 --f 3 --s 0", 1, ["--s:", "stride", "got 0"]),
    ("conv --w 8 --f 3 --p -1", 1, ["--p:", "padding", "got -1"]),
    ("conv --w 8 --f 3 --c 3 --k 4 --groups 2", 1, ["--groups:", "CS202"]),
    ("conv --w 8 --f 3 --c 4 --k 3 --groups 2", 1, ["--groups:", "out_channels=3"]),
    # per-axis counts that disagree are a usage error naming both flags, whichever they are
    ("conv --w 8x8x8 --f 3x3", 2, ["--f has 2 axes but --w has 3"]),
    ("conv --w 3x3 --f 3x3x3", 2, ["--w has 2 axes but --f has 3"]),
    ("conv --w 8 --f 3x5 --s 1x2x3", 2, ["--f has 2 axes but --s has 3"]),
    ("conv --w 8x8 --f 3 --p 1x1x1", 2, ["--w has 2 axes but --p has 3"]),
    ("conv --w 8 --f 3 --s 1x2 --dims 1", 2, ["--s has 2 axes but --dims asks for 1"]),
    ("conv --w 8 --f 3 --p 0:1x1:2 --dims 3", 2, ["--p has 2 axes but --dims asks for 3"]),
    # the input size is checked like the spec's: a positive int a framework accepts
    ("conv --w -5 --f 3 --p 10", 2, ["--w", "-5 is not a size"]),
    ("conv --w 0 --f 1 --p 1", 2, ["--w", "0 is not a size"]),
    ("pool --w 0 --f 2 --p 1", 2, ["--w", "0 is not a size"]),
    ("conv --w 0 --f 3 --transposed", 2, ["--w", "0 is not a size"]),
    ("conv --w 8x0 --f 3", 2, ["--w", "0 is not a size"]),
    ("conv --w 2147483648 --f 3", 2, ["--w", "2147483647"]),
    ("conv --w 8 --f 3 --c 2147483648 --k 2", 2, ["--c", "2147483647"]),
    ("conv --w 8 --f 3 --c 2 --k 2147483648", 2, ["--k", "2147483647"]),
    ("conv --w 8 --f 3 --p 1x2x3x4", 2, ["--p", "4 axes"]),
    ("conv --w 8 --f 3 --s 2 --transposed --output-padding 2", 1, ["CS204", "smaller"]),
    ("pool --w 8 --f 3 --p 2", 1, ["--p:", "CS203", "half of kernel_size 3"]),
    ("pool --w 8 --f 3 --mode avg --d 2", 2, ["dilation"]),
    ("conv --w 8 --f 3.5", 2, ["'3.5' is not a whole number"]),
    ("conv --w abc --f 3", 2, ["--w"]),
    ("conv --w 8 --f 3 --p sam", 2, ["--p", "same/valid/full"]),
    ("conv --w 8 --f 3 --c 3", 2, ["--c", "--k"]),
    ("conv --f 3", 2, ["--w"]),
    ("conv --w 8 --f 3 --output-padding 1", 2, ["--transposed"]),
])
def test_errors_name_the_flag_and_value(args, code, words):
    r = run(*args.split())
    assert r.exit_code == code, r.output
    for w in words:
        assert w in r.output
    assert "Traceback" not in r.output


def test_python_m_and_version():
    out = subprocess.run([sys.executable, "-m", "cnnshape", "conv", "--w", "256", "--f", "12",
                          "--s", "4", "--p", "2", "--format", "plain"],
                         capture_output=True, text=True, check=True).stdout
    assert out == "63\n"
    assert "0.1.0" in run("--version").output


@pytest.mark.parametrize("force,coloured", [(None, False), ("1", True)])
def test_piped_card_is_coloured_only_when_forced(force, coloured):
    """force-color.org: FORCE_COLOR colours even a pipe (issue 11); else a pipe is plain."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    if force:
        env["FORCE_COLOR"] = force
    out = subprocess.run([sys.executable, "-m", "cnnshape", "conv", "--w", "28", "--f", "5",
                          "--c", "1", "--k", "32"], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert ("\x1b[" in out) is coloured and "32x24x24" in out


def test_cli_import_loads_neither_rich_nor_yaml():
    code = ("import sys, cnnshape.cli; "
            "print(sorted(m for m in ('rich', 'yaml', 'cnnshape.render.table') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_json_path_loads_neither_rich_nor_yaml_nor_json():
    """conv --format json writes its small values itself: not even json loads, nor the model
    classes of result.py (its format_version once cost 3 ms of a 25 ms start-up)."""
    code = ("import sys; from click.testing import CliRunner; from cnnshape.cli import main; "
            "r = CliRunner().invoke(main, ['conv', '--w', '9', '--f', '3', '--c', '2', '--k', "
            "'4', '--format', 'json']); "
            "print(r.exit_code, sorted(m for m in ('rich', 'yaml', 'json', 'cnnshape.result') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "0 []"


values = st.one_of(st.integers(-3, 300).map(str), st.sampled_from(
    ["same", "valid", "full", "0", "1x2", "3x3x3", "2:1", "1.5", "true", "", "x", "9" * 30,
     "-1x4", "0:0x0:0"]), st.text(max_size=6))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["conv", "pool"]),
       st.dictionaries(st.sampled_from(["--w", "--f", "--s", "--p", "--d", "--c", "--k",
                                        "--groups", "--output-padding"]), values, max_size=6),
       st.sampled_from([[], ["--transposed"], ["--ceil-mode"], ["--explain"]]))
def test_any_flags_give_an_answer_or_a_clear_error(command, flags, extra):
    """Whatever is typed: exit 0, 1 (the numbers cannot work) or 2 (usage), never a traceback."""
    if command == "pool" and extra == ["--transposed"]:
        extra = []
    if command == "conv" and extra == ["--ceil-mode"]:
        extra = []
    args = [command, *(x for kv in flags.items() for x in kv), *extra]
    r = CliRunner().invoke(main, args)
    assert r.exit_code in (0, 1, 2), (args, r.output)
    assert r.exception is None or isinstance(r.exception, SystemExit), (args, r.exc_info)
    if r.exit_code == 1:
        assert " error [CS" in r.output


def test_huge_sizes_answer_at_once():
    """A 2e9-long axis must not allocate per position: the unread list is left out, and said so."""
    r = run("conv", "--w", "2000000000", "--f", "3", "--s", "2", "--dims", "1", "--explain",
            "--format", "json")
    d = json.loads(r.output)
    assert d["output_size"] == [999999999] and d["unread"] == [None]
    assert any("too long to list" in line for line in d["explain"])


@pytest.mark.parametrize("env,colour", [({}, True), ({"NO_COLOR": "1"}, False),
                                        ({"NO_COLOR": ""}, True)])
def test_no_color_is_honoured_when_set_and_not_empty(monkeypatch, env, colour):
    """no-color.org: NO_COLOR disables colour when present and not an empty string."""
    import cnnshape.cli as cli
    monkeypatch.delenv("NO_COLOR", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(cli.sys.stdout, "isatty", lambda: True, raising=False)
    assert cli._color() is colour


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=20), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_the_small_json_encoder_is_byte_for_byte_json(value):
    """conv --format json prints without importing json; where it does, it must agree."""
    from cnnshape.render.json import _small
    small = _small(value)
    if small is not None:
        assert small == json.dumps(value, separators=(", ", ": "))

