"""Pure integer size arithmetic, one spatial axis per call.

Every function takes and returns ``int`` (or tuples of them), uses ``//`` and
never float ``floor``, and states the formula and the framework mode it
matches.  Nothing here judges: a result ``<= 0`` is returned as is, and the
layer classes in ``cnnshape.layers`` turn it into a diagnostic.
"""
import math

#: Largest size a field or an input accepts: every framework stores sizes in int32/int64,
#: and a bigger value is a typo, not a network.
MAX_INT = 2**31 - 1

#: Most elements one tensor (one sample's activations at a layer) may hold: torch keeps a
#: tensor's size in bytes in int64, so a float32 tensor has at most 2**61 - 1 elements
#: (``torch.empty(2**61, device="meta")`` fails with "Storage size calculation overflowed").
MAX_ELEMENTS = 2**61 - 1

#: Largest count reported, per layer and in total (params, non-trainable params,
#: connections, neurons, MACs): int64, as frameworks and profilers store them.
MAX_COUNT = 2**63 - 1


def ceil_div(a: int, b: int) -> int:
    """ceil(a / b) for integers, without floats: -(-a // b)."""
    return -(-a // b)


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """d*(k-1) + 1: the span of a dilated window."""
    return dilation * (kernel - 1) + 1


def conv_out(size: int, kernel: int, stride: int = 1, padding: int = 0,
             dilation: int = 1, padding_end: int | None = None) -> int:
    """floor((W + p_begin + p_end - d*(F-1) - 1) / S) + 1; torch ConvNd, ceil_mode=False.

    With d = 1 and p_begin = p_end = P this is the textbook
    N = floor((W - F + 2P) / S) + 1.  ``padding_end`` defaults to ``padding``.
    """
    end = padding if padding_end is None else padding_end
    return (size + padding + end - effective_kernel(kernel, dilation)) // stride + 1


def pool_out(size: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1,
             ceil_mode: bool = False, padding_end: int | None = None) -> int:
    """torch MaxPoolNd/AvgPoolNd output size (``pooling_output_shape`` in ATen).

    floor mode: ``conv_out``.  ceil mode: ceil((W + 2P - d*(F-1) - 1) / S) + 1,
    then one less if the last window would start in the right padding:
    torch drops a window that starts at or beyond W + p_begin
    (W=32, F=1, S=2, ceil -> 16, not 17).
    """
    if not ceil_mode:
        return conv_out(size, kernel, stride, padding, dilation, padding_end)
    end = padding if padding_end is None else padding_end
    out = ceil_div(size + padding + end - effective_kernel(kernel, dilation), stride) + 1
    # torch ignores a window that would start in the right padding
    if (out - 1) * stride >= size + padding:
        out -= 1
    return out


def conv_transpose_out(size: int, kernel: int, stride: int = 1, padding: int = 0,
                       dilation: int = 1, output_padding: int = 0,
                       padding_end: int | None = None) -> int:
    """(W-1)*S - p_begin - p_end + d*(F-1) + output_padding + 1; torch ConvTransposeNd."""
    end = padding if padding_end is None else padding_end
    return (size - 1) * stride - padding - end + dilation * (kernel - 1) + output_padding + 1


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """(begin, end) padding for 'same'; TF/Keras 'same' and ONNX auto_pad=SAME_UPPER.

    out = ceil(W/S); total = max((out-1)*S + d*(F-1) + 1 - W, 0);
    begin = total // 2 and the odd pixel goes at the end.  Any stride works
    (torch accepts padding='same' only with stride 1, where this agrees with it).
    """
    out = ceil_div(size, stride)
    total = max((out - 1) * stride + effective_kernel(kernel, dilation) - size, 0)
    return total // 2, total - total // 2


def full_padding(kernel: int, dilation: int = 1) -> tuple[int, int]:
    """(d*(F-1), d*(F-1)): 'full' padding; every window that touches the input (numpy 'full')."""
    return dilation * (kernel - 1), dilation * (kernel - 1)


#: Largest axis whose unread positions are listed: one byte per position.
UNREAD_LIMIT = 1 << 22


def unread_ranges(size: int, kernel: int, stride: int, out: int, padding: int = 0,
                  dilation: int = 1, *,
                  tap_limit: int | None = None) -> list[tuple[int, int]] | None:
    """Input positions no window reads, as inclusive 0-based (first, last) runs.

    Window o, tap k reads input index o*S - p_begin + k*d.  When (W + 2P - F)
    is not divisible by S the last few rows/columns are never read; with
    d > S there can also be holes inside the map.  None (not computed) for an
    axis longer than UNREAD_LIMIT.

    Cost is bounded by the input, never by the kernel or the padding: only the
    taps that can land inside the input are walked (one strided slice each),
    and when those outnumber the input positions (``tap_limit``, default the
    size) each position is tested in O(1) instead (see ``_is_read``).
    """
    if size > UNREAD_LIMIT:
        return None
    span = (out - 1) * stride
    if dilation == 1 and kernel >= stride and out >= 1:
        # windows that touch or overlap read one interval: [o=0 start, last window's end]
        first, last = max(-padding, 0), min(span - padding + kernel - 1, size - 1)
        if first > last:
            return [(0, size - 1)]
        return [r for r in ((0, first - 1), (last + 1, size - 1)) if r[0] <= r[1]]
    # tap k lands in [0, size) for some window iff k*d - p + span >= 0 and k*d - p < size
    k_lo = max(0, ceil_div(padding - span, dilation))
    k_hi = min(kernel - 1, (padding + size - 1) // dilation)
    if k_hi < k_lo or out < 1:
        return [(0, size - 1)] if size else []
    limit = size if tap_limit is None else tap_limit
    if k_hi - k_lo + 1 > max(limit, 1):
        read = bytearray(_is_read(x, kernel, stride, span, padding, dilation)
                         for x in range(size))
    else:
        read = bytearray(size)
        for k in range(k_lo, k_hi + 1):
            first = k * dilation - padding
            o0 = ceil_div(-first, stride) if first < 0 else 0
            start = first + o0 * stride
            if o0 >= out or start >= size:
                continue
            stop = min(first + span, size - 1) + 1
            read[start:stop:stride] = b"\x01" * len(range(start, stop, stride))
    runs, i = [], 0
    while True:
        i = read.find(0, i)
        if i < 0:
            return runs
        j = read.find(1, i)
        j = size if j < 0 else j
        runs.append((i, j - 1))
        i = j


def _is_read(x: int, kernel: int, stride: int, span: int, padding: int, dilation: int) -> bool:
    """Whether some window reads input index x: is there a tap k in [0, F) with
    k*d = x + p - o*S for a window o in [0, out)?  O(1): k*d must be congruent to
    x + p modulo S (solvable iff gcd(d, S) divides it; then k runs through one
    residue class modulo S/gcd) and lie in [x + p - (out-1)*S, x + p]."""
    g = math.gcd(dilation, stride)
    r = (x + padding) % stride
    if r % g:
        return False
    m = stride // g
    k0 = (r // g) * pow(dilation // g, -1, m) % m if m > 1 else 0
    lo = max(0, ceil_div(x + padding - span, dilation))
    hi = min(kernel - 1, (x + padding) // dilation)
    return lo + (k0 - lo) % m <= hi


def adaptive_window(index: int, size: int, out: int) -> tuple[int, int]:
    """[start, end) of adaptive pooling window ``index``; torch AdaptiveAvg/MaxPoolNd.

    start = floor(i*W/out), end = ceil((i+1)*W/out).
    """
    return index * size // out, ceil_div((index + 1) * size, out)


def adaptive_taps(size: int, out: int) -> int:
    """Sum of the adaptive windows' lengths on one axis (their connections): W + out - gcd(W, out).

    O(1), so an output of 2**31 - 1 answers at once.  Sum of ceil((i+1)W/out) - floor(iW/out)
    over i < out: the floors cancel but for the last end (W), and ceil exceeds floor at the
    out - gcd(W, out) indices j in 1..out where out does not divide j*W.
    """
    return size + out - math.gcd(size, out)


# --- receptive fields (Araujo, Norris & Sim, Distill 2019) ----------------------------------
# Per axis, from the network input to a layer's output: r (field size in input pixels),
# S (effective stride: input pixels between neighbouring units) and P (effective padding:
# output unit y is centred on input coordinate -P + y*S + (r-1)/2).  S and P are ints, or
# fractions.Fraction once a transposed convolution or an upsampling makes them fractional;
# r stays an int or Fraction too.  Forward composition, equivalent to the paper's walk back
# from the output (r_in = s*r_out + k_eff - s, S_in = s*S_out, P_in = s*P_out + p_begin).


def rf_window(r, stride, padding, kernel: int, s: int, p_begin, dilation: int = 1):
    """Through a window of ``kernel`` taps (dilation d), stride s, padding p_begin before the
    first element: r + (d(k-1)+1 - 1)*S, S*s, P + p_begin*S."""
    return r + (effective_kernel(kernel, dilation) - 1) * stride, stride * s, \
        padding + p_begin * stride


def rf_transposed(r, stride, padding, kernel: int, s: int, p_begin: int, dilation: int = 1):
    """Through a transposed convolution: the input stuffed with s-1 zeros between elements
    (stride becomes S/s), then a stride-1 window padded by d(k-1) - p_begin."""
    from fractions import Fraction
    stuffed = Fraction(stride, s) if isinstance(stride, int) else stride / s
    span = effective_kernel(kernel, dilation)
    return _tidy(r + (span - 1) * stuffed), _tidy(stuffed), \
        _tidy(padding + (span - 1 - p_begin) * stuffed)


def rf_upsample(r, stride, padding, factor):
    """Through nearest upsampling by ``factor``: each output unit reads one input unit, so r
    is kept and S becomes S/factor; P is the centred linear fit, P + (factor-1)*S/(2*factor)."""
    from fractions import Fraction
    f = Fraction(str(factor))
    return r, _tidy(stride / f), _tidy(padding + (f - 1) * stride / (2 * f))


def rf_merge(fields):
    """Paths joined by concat/add (same effective stride required by the caller): the union
    of their windows, P = max P_i and r = max(r_i - P_i) + max P_i."""
    p = max(f[2] for f in fields)
    return _tidy(max(f[0] - f[2] for f in fields) + p), fields[0][1], p


def _tidy(x):
    """A Fraction that is whole becomes an int, so ordinary nets stay in ints."""
    return int(x) if getattr(x, "denominator", 1) == 1 else x
