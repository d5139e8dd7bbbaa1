"""Laws of the size arithmetic (hypothesis) and the worked examples, through the library."""
from math import ceil

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnshape import arithmetic as ar
from cnnshape.layers import Problems, all_kinds

REGISTRY = all_kinds()

sizes = st.integers(1, 2000)
kernels = st.integers(1, 15)
strides = st.integers(1, 8)
dilations = st.integers(1, 4)
pads = st.integers(0, 10)


@given(sizes, kernels, strides, pads, dilations)
def test_conv_out_is_monotone_in_size(w, f, s, p, d):
    assume(w + 2 * p >= d * (f - 1) + 1)
    assert ar.conv_out(w + 1, f, s, p, d) >= ar.conv_out(w, f, s, p, d)


@given(sizes, st.integers(0, 10))
def test_stride_1_and_kernel_2p_plus_1_keeps_the_size(w, p):
    """Worked example 5: 'same' by hand, for every input size."""
    assert ar.conv_out(w, 2 * p + 1, 1, p) == w


@given(sizes, kernels, strides, dilations)
def test_same_gives_ceil_w_over_s(w, f, s, d):
    begin, end = ar.same_padding(w, f, s, d)
    assert ar.conv_out(w, f, s, begin, d, end) == ceil(w / s)
    assert end - begin in (0, 1)  # SAME_UPPER: the odd pixel goes at the end


@given(sizes, kernels, strides, pads, dilations)
def test_transposed_conv_restores_the_input_size(w, f, s, p, d):
    """A transposed conv with output_padding = (W + 2P - d(F-1) - 1) mod S undoes a conv's size."""
    assume(w + 2 * p >= d * (f - 1) + 1)
    n = ar.conv_out(w, f, s, p, d)
    op = (w + 2 * p - d * (f - 1) - 1) % s
    assert ar.conv_transpose_out(n, f, s, p, d, op) == w


@given(sizes, kernels, strides, pads, dilations)
def test_conv_out_inverts_transposed_when_output_padding_below_stride(n, f, s, p, d):
    for op in range(s):
        w = ar.conv_transpose_out(n, f, s, p, d, op)
        assume(w >= 1 and w + 2 * p >= d * (f - 1) + 1)
        assert ar.conv_out(w, f, s, p, d) == n


@given(sizes, kernels, strides, pads)
def test_ceil_mode_is_floor_or_one_more(w, f, s, p):
    assume(2 * p <= f and w + 2 * p >= f)
    floor, ceil_ = ar.pool_out(w, f, s, p), ar.pool_out(w, f, s, p, ceil_mode=True)
    assert ceil_ - floor in (0, 1)
    # the last window starts inside the input or its left padding
    assert (ceil_ - 1) * s < w + p


@given(sizes, st.integers(1, 64))
def test_adaptive_windows_cover_the_input(w, out):
    windows = [ar.adaptive_window(i, w, out) for i in range(out)]
    assert windows[0][0] == 0 and windows[-1][1] == w
    assert all(a < b for a, b in windows)
    assert ar.adaptive_taps(w, out) == sum(b - a for a, b in windows)


def brute_unread(w, f, s, n, p, d):
    """Every tap of every window, walked: the reference, independent of the arithmetic."""
    read = {o * s - p + k * d for o in range(n) for k in range(f)}
    return [i for i in range(w) if i not in read]


def as_indices(runs):
    return [i for a, b in runs for i in range(a, b + 1)]


@settings(max_examples=3000, deadline=None)
@given(st.integers(1, 120), st.integers(1, 14), st.integers(1, 12), st.integers(0, 30),
       st.integers(0, 30), st.integers(1, 12), st.booleans())
def test_unread_ranges_match_brute_force(w, f, s, p, p_end, d, ceil_mode):
    # strides and dilations up to 12 meet every gcd case: coprime, one dividing the
    # other, common factors (4 and 6); asymmetric padding and ceil mode vary `out`
    n = ar.pool_out(w, f, s, p, d, ceil_mode, p_end)
    assume(n >= 1)
    unread = brute_unread(w, f, s, n, p, d)
    runs = ar.unread_ranges(w, f, s, n, p, d)
    assert as_indices(runs) == unread
    assert all(b + 1 < c for (_, b), (c, _) in zip(runs, runs[1:]))  # runs are maximal
    assert ar.unread_count(w, f, s, n, p, d) == len(unread)


@settings(max_examples=1000, deadline=None)
@given(st.integers(1, 60), st.integers(1, 400), st.integers(1, 400), st.integers(0, 3000),
       st.integers(1, 400))
def test_unread_ranges_match_brute_force_with_large_fields(w, f, s, p, d):
    """Kernels, strides and dilations far beyond the input, padding far beyond the kernel."""
    n = ar.conv_out(w, f, s, p, d)
    assume(1 <= n <= 3000)
    assert as_indices(ar.unread_ranges(w, f, s, n, p, d)) == brute_unread(w, f, s, n, p, d)


# Issue 12: the dilated cases walked every tap over every window, quadratic in W.  Each
# case's work is now a count of progressions, asserted exactly (no clock involved); the
# wall-clock bound is generous for a loaded 2-core machine.
@pytest.mark.parametrize("w,f,s,p,d,progressions", [
    (1_000_000, 500_000, 1, 500_000, 2, 1),          # conv: took 239 s
    (1_000_000, 400_000, 400_000, 200_000, 2, 1),    # pool, stride F
    (1_000_000, 400_000, 1, 200_000, 2, 1),          # pool --s 1: took 165 s
    (4_000_000, 4096, 1, 0, 256, 1),                 # conv: took 11 s
    (4_000_000, 4096, 3, 0, 256, 3),
    (4_194_304, 3, 5, 2 ** 31 - 1, 2 ** 20 + 1, 3),
    (1, 100_000_001, 1, 50_000_000, 1, 1),
    (3, 2 ** 30, 7, 2 ** 30, 3, 0),                  # no window: nothing to walk
    (4096, 2 ** 31 - 1, 2, 2 ** 31 - 1, 1, 1),
])
def test_unread_ranges_cost_is_bounded_whatever_the_sizes(w, f, s, p, d, progressions):
    import time
    n = ar.conv_out(w, f, s, p, d)
    assert len(ar.read_progressions(w, f, s, n, p, d)) == progressions
    start = time.perf_counter()
    runs = ar.unread_ranges(w, f, s, n, p, d)
    assert time.perf_counter() - start < 3.0  # generous: 0.1-0.3 s measured unloaded
    assert ar.unread_count(w, f, s, n, p, d) == sum(b - a + 1 for a, b in runs)


def test_unread_progressions_stay_below_the_square_root_bound():
    """The worst cases found by a random search over every field up to 2**31 - 1: both
    readings need F*d and out*S above C*C, so C < sqrt(2(W + 2P))."""
    for w, f, s, p, d in [(430, 21052, 27277, 1925438825, 23378),
                          (1, 48808, 103672, 1452034324, 33703)]:
        n = ar.conv_out(w, f, s, p, d)
        assert len(ar.read_progressions(w, f, s, n, p, d)) ** 2 < 2 * (w + 2 * p)
        assert ar.unread_count(w, f, s, n, p, d) == len(brute_unread_sparse(w, f, s, n, p, d))


def brute_unread_sparse(w, f, s, n, p, d):
    """brute_unread for a tiny input and huge fields: only taps that can land inside."""
    read = set()
    for o in range(n):
        lo, hi = max(0, -(-(p - o * s) // d)), min(f - 1, (p + w - 1 - o * s) // d)
        read.update(o * s - p + k * d for k in range(lo, hi + 1))
    return [i for i in range(w) if i not in read]


def conv(**fields):
    return REGISTRY["conv2d"].build(fields)


@pytest.mark.parametrize("example,layer,x,shape,params", [
    (1, conv(out_channels=96, kernel_size=12, stride=4, padding=2), (3, 256, 256),
     (96, 63, 63), 41_568),
    (2, conv(out_channels=32, kernel_size=5, padding="valid"), (1, 28, 28), (32, 24, 24), 832),
    (3, conv(out_channels=1, kernel_size=3), (1, 4, 4), (1, 2, 2), 10),
    (4, conv(out_channels=1, kernel_size=3, padding=1), (1, 4, 4), (1, 4, 4), 10),
    (6, conv(out_channels=1, kernel_size=3, stride=2), (1, 7, 7), (1, 3, 3), 10),
    (8, conv(out_channels=10, kernel_size=1), (384, 5, 5), (10, 5, 5), 3_850),
    (10, conv(out_channels=64, kernel_size=3, bias=False), (3, 224, 224), (64, 222, 222), 1_728),
])
def test_worked_examples(example, layer, x, shape, params):
    y = layer.output_shape(x)
    assert y == shape
    assert layer.cost(x, y).params == params


def test_worked_example_1_connections_follow_lenet5():
    """Each of the 96x63x63 units has 3*12*12 taps plus its bias."""
    layer = conv(out_channels=96, kernel_size=12, stride=4, padding=2)
    cost = layer.cost((3, 256, 256), (96, 63, 63))
    assert cost.connections == 96 * 63 * 63 * (3 * 12 * 12 + 1)
    assert cost.macs == 96 * 63 * 63 * 3 * 12 * 12


def test_worked_example_7_vgg_block_keeps_then_halves():
    c = conv(out_channels=64, kernel_size=3, padding=1)
    pool = REGISTRY["maxpool2d"].build({"kernel_size": 2, "stride": 2})
    assert pool.output_shape(c.output_shape(c.output_shape((3, 224, 224)))) == (64, 112, 112)


def test_worked_example_8_global_average_pool():
    assert REGISTRY["global_avgpool"].build({}).output_shape((10, 5, 5)) == (10, 1, 1)


def test_worked_example_11_tf_same_and_valid():
    same = conv(out_channels=8, kernel_size=3, stride=2, padding="same")
    assert same.output_shape((3, 7, 7)) == (8, 4, 4)  # ceil(7/2)
    assert conv(out_channels=8, kernel_size=3, padding="valid").output_shape((3, 7, 7)) == (8, 5, 5)


def test_textbook_lost_columns():
    """224 with F 11 S 4 P 0 gives 54 and leaves the last column unread; 227 fits exactly."""
    assert ar.conv_out(224, 11, 4) == 54
    assert ar.unread_ranges(224, 11, 4, 54) == [(223, 223)]
    assert ar.conv_out(227, 11, 4) == 55 and ar.unread_ranges(227, 11, 4, 55) == []


@pytest.mark.parametrize("fields,code", [
    ({"out_channels": 4, "kernel_size": 0}, "CS105"),
    ({"out_channels": 4, "kernel_size": True}, "CS104"),
    ({"out_channels": 4, "kernel_size": 3, "stride": 1.5}, "CS104"),
    ({"out_channels": 4, "kernel_size": 3, "padding": -1}, "CS105"),
    ({"out_channels": 4, "kernel_size": 3, "padding": "sam"}, "CS105"),
    ({"out_channels": 4, "kernel_size": [3, 3, 3]}, "CS106"),
    ({"out_channels": 4, "kernel_size": 3, "groups": 3}, "CS202"),
    ({"out_channels": 4, "kernel_size": 2 ** 40}, "CS105"),
    ({"out_channels": 4, "kernal_size": 3}, "CS102"),
    ({"kernel_size": 3}, "CS103"),
])
def test_bad_fields_are_refused_with_a_code(fields, code):
    with pytest.raises(Problems) as e:
        REGISTRY["conv2d"].build(fields)
    assert e.value.problems[0].code == code


def test_messages_name_the_value_and_the_fix():
    with pytest.raises(Problems) as e:
        REGISTRY["conv2d"].build({"out_channels": 4, "kernel_size": 3, "stride": 2.0})
    p = e.value.problems[0]
    assert "stride" in p.message and "2.0" in p.message and "write 2" in p.hint
    with pytest.raises(Problems) as e:
        REGISTRY["conv2d"].build({"out_channels": 4, "kernal_size": 3})
    assert "did you mean 'kernel_size'?" in [q.hint for q in e.value.problems]
