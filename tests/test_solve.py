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


@pytest.mark.parametrize("args,words", [
    (["--w", "10", "--f", "3", "--p", "0", "--s", "1", "--out", "20"],
     ["no solution", "--transposed"]),
    (["--w", "abc", "--out", "3"], ["whole number"]),
])
def test_no_solution_and_bad_input_are_clear(args, words):
    r = CliRunner().invoke(main, ["solve", *args])
    assert r.exit_code in (0, 2)
    for w in words:
        assert w in r.output
