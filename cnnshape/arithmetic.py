"""Pure integer size arithmetic, one spatial axis per call.

Every function takes and returns ``int`` (or tuples of them), uses ``//`` and
never float ``floor``, and states the formula and the framework mode it
matches.  Nothing here judges: a result ``<= 0`` is returned as is, and the
layer classes in ``cnnshape.layers`` turn it into a diagnostic.
"""
import math
import re

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
             dilation: int = 1, padding_end: int | None = None,
             division: str = "floor") -> int:
    """floor((W + p_begin + p_end - d*(F-1) - 1) / S) + 1; torch ConvNd, ceil_mode=False.

    With d = 1 and p_begin = p_end = P this is the textbook
    N = floor((W - F + 2P) / S) + 1.  ``padding_end`` defaults to ``padding``.
    ``division="trunc"`` rounds the quotient toward zero, as C++'s ``/`` does in
    onnxruntime's pools and Caffe's convolutions: a window wider than the padded input by
    less than a stride then still gives 1 (torch refuses it).  ``division="tf"`` is TF's
    (num + S) / S toward zero: the same as floor but for sizes below 0, which it raises
    to 0 or -1 (so TF returns an empty tensor where the floor says -1).
    """
    end = padding if padding_end is None else padding_end
    num = size + padding + end - effective_kernel(kernel, dilation)
    if division == "trunc" and num < 0:
        return -(-num // stride) + 1
    if division == "tf" and num + stride < 0:   # TF: (num + S) / S, toward zero
        return -(-(num + stride) // stride)
    return num // stride + 1


def pool_out(size: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1,
             ceil_mode: bool = False, padding_end: int | None = None,
             clip: str = "clip", division: str = "floor") -> int:
    """Pooling output size; by default torch's MaxPoolNd/AvgPoolNd (``pooling_output_shape``
    in ATen), which onnxruntime and MindSpore share.

    floor mode: ``conv_out``.  ceil mode: ceil((W + 2P - d*(F-1) - 1) / S) + 1, and then
    by ``clip``, the rule for a last window that would start at or beyond W + p_begin:
    "clip" drops it (torch, onnxruntime, MindSpore: W=32, F=1, S=2 gives 16, not 17);
    "keep" keeps it (Paddle, MXNet: 17); "clip_if_padded" drops it only when the layer
    pads (Caffe's pooling_layer.cpp: ``if (pad_h_ || pad_w_)``).
    """
    if not ceil_mode:
        return conv_out(size, kernel, stride, padding, dilation, padding_end, division)
    end = padding if padding_end is None else padding_end
    out = ceil_div(size + padding + end - effective_kernel(kernel, dilation), stride) + 1
    if clip == "keep" or clip == "clip_if_padded" and not (padding or end):
        return out
    # a window that would start in the right padding is ignored
    if (out - 1) * stride >= size + padding:
        out -= 1
    return out


def conv_transpose_out(size: int, kernel: int, stride: int = 1, padding: int = 0,
                       dilation: int = 1, output_padding: int = 0,
                       padding_end: int | None = None) -> int:
    """(W-1)*S - p_begin - p_end + d*(F-1) + output_padding + 1; torch ConvTransposeNd."""
    end = padding if padding_end is None else padding_end
    return (size - 1) * stride - padding - end + dilation * (kernel - 1) + output_padding + 1


def transposed_out(size: int, kernel: int, stride: int, dilation: int, padding,
                   output_padding: int | None, valid: str = "kernel",
                   explicit: str = "crop", same: str = "stride") -> int:
    """A transposed convolution's output size for each framework's kind of padding.

    ``padding`` is "same", "valid" or an explicit (begin, end) pair; span = d*(F-1) + 1.
    - "same": W*S (``same="stride"``: MindSpore, Paddle, flax, whatever output_padding);
      Keras (``same="keras"``) with an output_padding given computes
      (W-1)*S + span - 2*(span // 2) + output_padding; onnxruntime's SAME_UPPER gives
      min(W*S, (W-1)*S + span + output_padding) (``same="min"``); Paddle crops what a
      forward 'same' convolution would pad the input by, max((ceil(W/S)-1)*S + span - W, 0),
      from (W-1)*S + span + output_padding (``same="forward"``).
    - "valid": (W-1)*S + span + output_padding (``valid="kernel"``: torch, MindSpore,
      Paddle); Keras and flax with no output_padding: (W-1)*S + max(span, S)
      (``valid="max"``).
    - explicit: torch crops it from the output: (W-1)*S - p_b - p_e + span + op
      (``explicit="crop"``); jax.lax.conv_transpose pads the stride-dilated input and runs
      a stride-1 window: (W-1)*S + 1 + p_b + p_e - span + 1 (``explicit="lax"``).
    """
    span = effective_kernel(kernel, dilation)
    op = output_padding or 0
    if padding == "same":
        if same == "min":       # onnxruntime: W*S unless the kernel cannot reach it
            return min(size * stride, (size - 1) * stride + span + op)
        if same == "forward":   # Paddle: crops what a forward 'same' conv pads the input by
            total = max((ceil_div(size, stride) - 1) * stride + span - size, 0)
            return (size - 1) * stride + span - total + op
        if output_padding is None or same == "stride":
            return size * stride
        return (size - 1) * stride + span - 2 * (span // 2) + op
    if padding == "valid":
        if output_padding is None and valid == "max":
            return (size - 1) * stride + max(span, stride)
        return (size - 1) * stride + span + op
    begin, end = padding
    if explicit == "lax":
        return (size - 1) * stride + 1 + begin + end - span + 1
    return (size - 1) * stride - begin - end + span + op


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1,
                 split: str = "end", dilated: bool = True, negative: bool = False):
    """(begin, end) padding for 'same'; TF/Keras 'same' and ONNX auto_pad=SAME_UPPER.

    out = ceil(W/S); total = max((out-1)*S + d*(F-1) + 1 - W, 0);
    begin = total // 2 and the odd pixel goes at the end ("end"; ONNX SAME_LOWER puts it
    at the "start").  Any stride works (torch accepts padding='same' only with stride 1,
    where this agrees with it).  ``dilated=False`` counts the bare kernel F, not the
    dilated one (Paddle's 'SAME'), so the output may be smaller than ceil(W/S).
    """
    out = ceil_div(size, stride)
    span = effective_kernel(kernel, dilation if dilated else 1)
    need = (out - 1) * stride + span - size
    total = max(need, 0)
    small = total // 2
    pads = (small, total - small) if split == "end" else (total - small, small)
    return (*pads, need) if negative else pads


def full_padding(kernel: int, dilation: int = 1) -> tuple[int, int]:
    """(d*(F-1), d*(F-1)): 'full' padding; every window that touches the input (numpy 'full')."""
    return dilation * (kernel - 1), dilation * (kernel - 1)


#: Largest axis whose unread positions are listed: one byte per position.
UNREAD_LIMIT = 1 << 22
_UNREAD = re.compile(rb"\x00+")


def unread_ranges(size: int, kernel: int, stride: int, out: int,
                  padding: int = 0, dilation: int = 1) -> list[tuple[int, int]] | None:
    """Input positions no window reads, as inclusive 0-based (first, last) runs.

    Window o, tap k reads input index o*S - p_begin + k*d.  When (W + 2P - F)
    is not divisible by S the last few rows/columns are never read; with
    d > S there can also be holes inside the map.  None (not computed) for an
    axis longer than UNREAD_LIMIT.

    Cost: W bytes marked in C, one step per run listed, and one per progression of
    ``read_progressions`` (a handful for real layers, at most about
    sqrt(2(W + 2P)) whatever the kernel, dilation or padding).
    """
    if size > UNREAD_LIMIT:
        return None
    if dilation == 1 and kernel >= stride and out >= 1:
        # windows that touch or overlap read one interval: [o=0 start, last window's end]
        first = max(-padding, 0)
        last = min((out - 1) * stride - padding + kernel - 1, size - 1)
        if first > last:
            return [(0, size - 1)]
        return [r for r in ((0, first - 1), (last + 1, size - 1)) if r[0] <= r[1]]
    read = bytearray(size)
    ones = memoryview(b"\x01" * size)
    for first, count, step in read_progressions(size, kernel, stride, out, padding, dilation):
        read[first:first + count * step:step] = ones[:count]
    # the regex engine finds the runs of zeros in C: 2M runs take 0.6 s, not 1.6 s
    return [(m.start(), m.end() - 1) for m in _UNREAD.finditer(read)]


def unread_count(size: int, kernel: int, stride: int, out: int,
                 padding: int = 0, dilation: int = 1) -> int:
    """How many input positions no window reads: W less the disjoint progressions of
    ``read_progressions``, without listing them (any W)."""
    return size - sum(c for _, c, _ in read_progressions(size, kernel, stride, out,
                                                             padding, dilation))


def read_progressions(size: int, kernel: int, stride: int, out: int, padding: int = 0,
                      dilation: int = 1):
    """Disjoint arithmetic progressions (first, count, step) of input indices in [0, W)
    whose union is every index some window reads.

    Index y = x + p_begin is read iff y = o*S + k*d for a window o < out and a tap
    k < F.  With g = gcd(S, d), taps k and k + S/g read the same residue modulo S, so
    the taps fall into min(F, S/g) classes; class r reads r*d + S*u for u in the union
    of [t*d/g, t*d/g + out - 1] over its T = ceil((F - r) / (S/g)) taps t.  Those
    intervals touch when out >= d/g or T = 1, and the class is one progression of
    step S; otherwise each of its T taps is one.  Exchanging windows and taps (step d,
    classes modulo d/g) gives the other reading; the one with fewer progressions is
    walked, and only progressions that reach [0, W) are yielded.  Both readings have
    more than C progressions only if F*d and out*S exceed C*C, and both are at most
    W + 2P: so C < sqrt(2(W + 2P)), under 100,000 for any size the fields accept.
    """
    if out < 1 or size < 1:
        return []
    g = math.gcd(stride, dilation)
    taps = _Classes(kernel, dilation, out, stride, g, padding, size)
    windows = _Classes(out, stride, kernel, dilation, g, padding, size)
    return min(taps, windows, key=lambda c: len(c.walk)).clip()


class _Classes:
    """y = i1*c1 + i2*c2 (i1 < n1, i2 < n2) as progressions of step c2, limited to the
    padded input [p, p + W).  Class r (i1 = r modulo c2/g) is one progression when its
    members run on without a gap (n1 <= c2/g or n2 >= c1/g), else every i1 is a class
    of its own.  Class r starts at r*c1 and holds ((n1 - 1 - r) // m) * c1/g + n2
    values (m = c2/g, or n1 + 1 for classes of one); ``walk`` is the range of r that
    can reach the input: starting at or before p + W - 1 and, as the count only falls
    with r, ending at or after p."""
    __slots__ = ("n1", "c1", "n2", "c2", "m1", "m2", "padding", "size", "walk")

    def __init__(self, n1, c1, n2, c2, g, padding, size):
        self.n1, self.c1, self.n2, self.c2 = n1, c1, n2, c2
        self.padding, self.size = padding, size
        if n1 <= c2 // g or n2 >= c1 // g:
            self.m1, self.m2, classes = c2 // g, c1 // g, min(n1, c2 // g)
        else:
            self.m1, self.m2, classes = n1 + 1, 0, n1
        longest = self.count(0)
        self.walk = range(max(0, ceil_div(padding - (longest - 1) * c2, c1)),
                          min(classes, (padding + size - 1) // c1 + 1))

    def count(self, r: int) -> int:
        return (self.n1 - 1 - r) // self.m1 * self.m2 + self.n2

    def clip(self) -> list[tuple[int, int, int]]:
        """(first, count, step) of each class's part inside the input, in input indices."""
        out, step, p, last = [], self.c2, self.padding, self.padding + self.size - 1
        for r in self.walk:
            first = r * self.c1
            lo = max(0, ceil_div(p - first, step))
            hi = min(self.count(r) - 1, (last - first) // step)
            if lo <= hi:
                out.append((first + lo * step - p, hi - lo + 1, step))
        return out


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
