"""The inverse solver: which kernel, stride, padding, dilation (and input size) give an
output size.  Every candidate is checked by the forward arithmetic before it is returned.

Bounds (documented, and what the brute-force tests search): kernel 1..11, stride 1..8,
dilation 1..4 when left open (else the given value; 1 by default), padding per side
0..d(F-1) (more only adds windows that read nothing but padding), written symmetric
(P, P) or with the odd pixel at the end (P, P+1) as TF's 'same' does; input size 1..4096
when left open (a given one may be any size).  Given values may be as large as
MAX_GIVEN allows; the work is bounded by the input range, never by the kernel.
"""
from dataclasses import dataclass

from . import arithmetic as ar

KERNELS = range(1, 12)
STRIDES = range(1, 9)
DILATIONS = range(1, 5)
MAX_SIZE = 4096
#: The largest kernel, stride and dilation the solver takes when they are given.
MAX_GIVEN = {"kernel": 4096, "stride": 256, "dilation": 256}


@dataclass(frozen=True, slots=True, order=True)
class Solution:
    """One way to get the wanted size on one axis.  ``exact``: the windows tile the padded
    input with nothing left over; ``dropped``: input rows/columns no window reads."""
    rank: tuple
    size: int
    kernel: int
    stride: int
    padding: tuple[int, int]
    dilation: int
    output_padding: int
    out: int
    exact: bool
    dropped: int
    tf_same: bool = False  # the padding TF/Keras 'same' (ONNX SAME_UPPER) would apply

    @property
    def symmetric(self) -> bool:
        return self.padding[0] == self.padding[1]

    def to_dict(self, transposed: bool) -> dict:
        d = {"input": self.size, "kernel_size": self.kernel, "stride": self.stride,
             "padding": self.padding[0] if self.symmetric else list(self.padding),
             "dilation": self.dilation}
        if transposed:
            d["output_padding"] = self.output_padding
        d.update(output=self.out, exact=self.exact, dropped=self.dropped)
        return d


def _choices(value, open_range, default=None):
    if value is None:
        return [default] if default is not None else open_range
    return [value]


def _pads(span: int, padding, totals: range):
    """Candidate (begin, end) pairs: the given one, or for each total padding in ``totals``
    (at most 2*span - 1: more only adds windows of padding alone) the symmetric split or
    TF's, with the odd pixel at the end."""
    if padding is not None:
        return [padding]
    totals = range(max(totals.start, 0), min(totals.stop, 2 * span))
    return [(t // 2, t - t // 2) for t in totals]


def solve_conv(out: int, size=None, kernel=None, stride=None, padding=None, dilation=1,
               open_dilation=False) -> list[Solution]:
    """Every (W, F, S, P, D) within the bounds with conv_out(...) == out; None means open.

    ``padding`` is a (begin, end) pair or None.  floor((W + pt - span) / S) + 1 = out
    holds for W + pt in [(out-1)S + span, (out-1)S + span + S - 1], so for a known or
    bounded W only a window of S + (W's range) total paddings can work, whatever F is.
    """
    found = []
    w_low, w_high = (size, size) if size is not None else (1, MAX_SIZE)
    for d in _choices(None if open_dilation else dilation, DILATIONS):
        for f in _choices(kernel, KERNELS):
            span = ar.effective_kernel(f, d)
            for s in _choices(stride, STRIDES):
                base = (out - 1) * s + span  # W + pt lies in [base, base + s - 1]
                totals = range(base - w_high, base + s - w_low)
                for pb, pe in _pads(span, padding, totals):
                    low = base - pb - pe
                    sizes = [size] if size is not None else range(max(low, 1), low + s)
                    for w in sizes:
                        if not w_low <= w <= w_high or w + pb + pe < span:
                            continue
                        if ar.conv_out(w, f, s, pb, d, pe) != out:
                            continue  # the forward arithmetic has the last word
                        found.append(_solution(w, f, s, (pb, pe), d, 0, out))
    return sorted(found)


def solve_transposed(out: int, size=None, kernel=None, stride=None, padding=None, dilation=1,
                     open_dilation=False) -> list[Solution]:
    """Every (W, F, S, P, D, output_padding) with conv_transpose_out(...) == out.  Padding is
    symmetric (torch's ConvTranspose takes one value per axis); output_padding < S or < D.

    out = (W-1)S - 2P + span + op, so each (W, op) fixes P: the work is W's range times
    the output paddings, whatever F is."""
    found = []
    sizes = [size] if size is not None else range(1, MAX_SIZE + 1)
    for d in _choices(None if open_dilation else dilation, DILATIONS):
        for f in _choices(kernel, KERNELS):
            span = ar.effective_kernel(f, d)
            for s in _choices(stride, STRIDES):
                for op in range(max(s, d)):
                    for w, p in _transposed_pairs(out, sizes, span, s, op, padding):
                        if ar.conv_transpose_out(w, f, s, p, d, op) != out:
                            continue
                        found.append(_solution(w, f, s, (p, p), d, op, out, transposed=True))
    return sorted(found)


def _transposed_pairs(out, sizes, span, s, op, padding):
    """(W, P) with (W-1)S - 2P + span + op == out, P in [0, span): walking whichever of
    W and P has fewer candidates."""
    pads = [padding[0]] if padding is not None else range(span)
    if len(pads) <= len(sizes):
        for p in pads:
            num = out + 2 * p - span - op  # (W-1)S
            if num >= 0 and num % s == 0 and num // s + 1 in sizes:
                yield num // s + 1, p
        return
    for w in sizes:
        twice = (w - 1) * s + span + op - out  # 2P
        if twice >= 0 and twice % 2 == 0 and twice // 2 < span and (
                padding is None or twice // 2 == padding[0]):
            yield w, twice // 2


def _solution(w, f, s, pads, d, op, out, transposed=False) -> Solution:
    span = ar.effective_kernel(f, d)
    if transposed:
        # exact when the convolution it undoes tiles its input (the output here) exactly
        rem = (out + pads[0] + pads[1] - span) % s
        dropped = 0
    else:
        rem = (w + pads[0] + pads[1] - span) % s
        dropped = ar.unread_count(w, f, s, out, pads[0], d)  # O(1) in W: W may be huge
    exact = rem == 0
    # the most natural first: exact, nothing dropped, symmetric, little padding, small steps
    rank = (not exact, dropped > 0, pads[0] != pads[1], op, pads[0] + pads[1], d, s, f,
            abs(w - out * s))
    same = not transposed and ar.same_padding(w, f, s, d) == pads
    return Solution(rank, w, f, s, pads, d, op, out, exact, dropped, same)


@dataclass(frozen=True, slots=True)
class AxisAnswer:
    out: int
    transposed: bool
    solutions: tuple[Solution, ...]
    asked: dict


def solve(out, size=None, kernel=None, stride=None, padding=None, dilation=1,
          open_dilation=False, transposed=False) -> AxisAnswer:
    fn = solve_transposed if transposed else solve_conv
    found = fn(out, size, kernel, stride, padding, dilation, open_dilation)
    asked = dict(size=size, kernel=kernel, stride=stride, padding=padding,
                 dilation=None if open_dilation else dilation)
    return AxisAnswer(out, transposed, tuple(found), asked)


def solve_axes(out, w, f, s, p, d, transposed=False):
    """Per spatial axis (values broadcast from one to all axes): the answers, solved once
    when every axis asks the same, and the number of axes (2 when all are single values)."""
    given = [out, w, f, s, p, d]
    dims = max(len(v) for v in given)
    dims = 2 if dims == 1 else dims

    def at(values, i):
        return values[i] if len(values) > 1 else values[0]
    problems = [tuple(at(v, i) for v in given) for i in range(dims)]
    cache = {}
    for problem in problems:
        if problem not in cache:
            o, w_, f_, s_, p_, d_ = problem
            cache[problem] = solve(o, w_, f_, s_, p_, d_ or 1, d_ is None, transposed)
    answers = [cache[problem] for problem in problems]
    return ([answers[0]] if len(set(problems)) == 1 else answers), dims


def for_framework(answers, framework: str, transposed: bool = False):
    """The answers with only the solutions ``framework`` computes as the solver did (its
    dialect's arithmetic, defaults and refusals, cnnshape.dialects): each is tried as a 1-D
    layer with its explicit padding, or as 'valid' (no padding) or 'same' (the padding TF's
    'same' applies), the spellings a framework without explicit padding takes."""
    from dataclasses import replace

    from .layers import Problem, Problems, kind
    family = "conv_transpose1d" if transposed else "conv1d"

    def works(sol: Solution) -> bool:
        spellings = [[list(sol.padding)]]
        if sol.padding == (0, 0):
            spellings.append("valid")
        if sol.tf_same:
            spellings.append("same")
        for padding in spellings:
            fields = {"out_channels": 1, "kernel_size": sol.kernel, "stride": sol.stride,
                      "padding": padding, "dilation": sol.dilation}
            if transposed:
                fields["output_padding"] = sol.output_padding
            try:
                layer = kind(family).build(fields, framework)
                if layer.spatial((sol.size,)) == (sol.out,):
                    return True
            except (Problem, Problems):
                continue
        return False
    return [replace(a, solutions=tuple(s for s in a.solutions if works(s))) for a in answers]
