"""The inverse solver: every answer fed forward gives the asked size, it finds every solution
a brute-force search over its bounds finds, and the issue's three questions."""
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnshape import arithmetic as ar
from cnnshape.cli import main
from cnnshape.solve import DILATIONS, KERNELS, MAX_SIZE, STRIDES, solve


def pads(span):
    return [(p, p) for p in range(span)] + [(p, p + 1) for p in range(span)]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 11), st.integers(1, 8))
def test_open_kernel_stride_padding_matches_brute_force(w, out_hint, k_hint):
    out = max(1, w // out_hint)
    got = {(s.kernel, s.stride, s.padding) for s in solve(out, size=w).solutions}
    brute = {(f, s, p) for f in KERNELS for s in STRIDES for p in pads(f)
             if w + sum(p) >= f and ar.conv_out(w, f, s, p[0], 1, p[1]) == out}
    assert got == brute


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.integers(1, 11), st.integers(1, 8), st.integers(1, 3))
def test_open_input_size_and_padding_matches_brute_force(out, f, s, d):
    got = {(x.size, x.padding) for x in solve(out, kernel=f, stride=s, dilation=d).solutions}
    span = ar.effective_kernel(f, d)
    brute = {(w, p) for w in range(1, MAX_SIZE + 1) for p in pads(span)
             if w + sum(p) >= span and ar.conv_out(w, f, s, p[0], d, p[1]) == out}
    assert got == brute


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 200), st.integers(1, 11), st.integers(1, 8))
def test_transposed_matches_brute_force(out, f, s):
    got = {(x.size, x.padding[0], x.output_padding)
           for x in solve(out, kernel=f, stride=s, transposed=True).solutions}
    brute = {(w, p, op) for w in range(1, 401) for p in range(f) for op in range(s)
             if ar.conv_transpose_out(w, f, s, p, 1, op) == out}
    assert {g for g in got if g[0] <= 400} == brute


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 500), st.integers(1, 500), st.sampled_from([None, 1, 2, 3]),
       st.booleans())
def test_every_answer_fed_forward_gives_the_asked_size(w, out, d, transposed):
    answer = solve(out, size=w, dilation=d or 1, open_dilation=d is None,
                   transposed=transposed)
    for x in answer.solutions:
        if transposed:
            got = ar.conv_transpose_out(x.size, x.kernel, x.stride, x.padding[0], x.dilation,
                                        x.output_padding)
        else:
            got = ar.conv_out(x.size, x.kernel, x.stride, x.padding[0], x.dilation,
                              x.padding[1])
            # exact means the windows tile the padded input: nothing left over
            span = ar.effective_kernel(x.kernel, x.dilation)
            assert x.exact == ((x.size + sum(x.padding) - span) % x.stride == 0)
        assert got == out
        assert x.dilation in (DILATIONS if d is None else [d])


def run(*args):
    return CliRunner().invoke(main, ["solve", *args], catch_exceptions=False)


def test_224_to_112_with_3x3():
    """Stride 2 with padding 1 leaves padding unused; TF's (0, 1) tiles exactly."""
    d = json.loads(run("--w", "224", "--f", "3", "--out", "112", "--format", "json").output)
    assert d["solutions"] == [
        {"input": 224, "kernel_size": 3, "stride": 2, "padding": [0, 1], "dilation": 1,
         "output": 112, "exact": True, "dropped": 0},
        {"input": 224, "kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1,
         "output": 112, "exact": False, "dropped": 0}]


def test_no_symmetric_padding_keeps_64_with_a_4x4_kernel():
    r = run("--w", "64", "--out", "64", "--f", "4")
    assert "No symmetric padding works" in r.output
    assert "nn.ZeroPad2d((1, 2, 1, 2))" in r.output and "padding='same'" in r.output


def test_transposed_undoes_a_stride_2_conv():
    d = json.loads(run("--transposed", "--w", "56", "--out", "112", "--f", "3", "--s", "2",
                       "--format", "json").output)
    assert d["solutions"][0]["padding"] == 1 and d["solutions"][0]["output_padding"] == 1


@pytest.mark.parametrize("args,code,words", [
    # nothing works: exit 1, as for a layer that cannot work
    (["--w", "10", "--f", "3", "--p", "0", "--s", "1", "--out", "20"], 1,
     ["no solution", "--transposed"]),
    (["--w", "abc", "--out", "3"], 2, ["whole number"]),
    (["--out", "0"], 2, ["--out", "0 is not a size"]),
    (["--out", "112x0"], 2, ["--out", "0 is not a size"]),
    (["--out", "-1"], 2, ["--out"]),
    # axis counts that disagree were an IndexError
    (["--w", "224x224", "--f", "3", "--out", "112x112x112"], 2, ["--w has 2 axes but --out"]),
    (["--w", "224x224", "--f", "3", "--s", "1x1x1", "--out", "112x112"], 2,
     ["--out has 2 axes but --s has 3"]),
    (["--transposed", "--w", "56", "--p", "1:2", "--out", "112"], 2, ["one padding per axis"]),
    # a 3e8 kernel listed 3e8 paddings and filled 24 GB
    (["--w", "224", "--f", "300000000", "--out", "11"], 2, ["--f", "1 to 4096"]),
])
def test_no_solution_and_bad_input_are_clear(args, code, words):
    r = CliRunner().invoke(main, ["solve", *args])
    assert r.exit_code == code, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    for w in words:
        assert w in r.output


@pytest.mark.parametrize("args", [
    ["--w", "224", "--f", "4096", "--out", "11"],              # largest kernel, W given
    ["--w", "300", "--f", "4096", "--d", "256", "--out", "7"],  # widest span, P open
    ["--f", "4096", "--s", "2", "--out", "3000"],              # W and P open
    ["--transposed", "--w", "100", "--f", "4096", "--d", "256", "--s", "256", "--out",
     "1073743"],
    ["--transposed", "--f", "4096", "--d", "2", "--s", "2", "--out", "9000"],
    ["--w", "8192", "--f", "3", "--s", "2", "--p", "1", "--out", "4096"],  # W beyond 4096
])
def test_large_given_values_solve_in_bounded_work(args):
    """The work is bounded by the input range, never by the kernel: each case is one run
    that finishes (these took minutes or all the memory before), and every answer is
    the forward arithmetic's."""
    d = json.loads(run(*args, "--format", "json").output)
    transposed = "--transposed" in args
    assert d["solutions"]
    out = int(args[args.index("--out") + 1])
    for x in d["solutions"]:
        pad = x["padding"] if isinstance(x["padding"], list) else [x["padding"]] * 2
        got = (ar.conv_transpose_out(x["input"], x["kernel_size"], x["stride"], pad[0],
                                     x["dilation"], x["output_padding"]) if transposed else
               ar.conv_out(x["input"], x["kernel_size"], x["stride"], pad[0], x["dilation"],
                           pad[1]))
        assert got == out


def test_json_always_lists_the_axes():
    alike = json.loads(run("--w", "224", "--f", "3", "--out", "112", "--format", "json").output)
    assert len(alike["axes"]) == 2 and alike["axes"][0]["solutions"] == alike["solutions"]
    differ = json.loads(run("--w", "224x160", "--f", "3", "--out", "112x80",
                            "--format", "json").output)
    assert [a["solutions"][0]["input"] for a in differ["axes"]] == [224, 160]
