"""Which input sizes a network accepts: every layer valid, every merge fitting, the
fully-connected weights receiving what they were built for; and which of those are exact
(no layer leaves input rows or columns over after its last window; a kernel smaller than
its stride, or a dilated one, skips rows between windows by design and is not counted)."""
from dataclasses import dataclass
from math import gcd

from .layers import Problem


@dataclass(frozen=True, slots=True)
class Accepted:
    size: int
    output: tuple[int, ...]
    exact: bool


@dataclass(frozen=True, slots=True)
class Scan:
    """One scan: ``axis`` None for square inputs (every spatial axis n), else the axis
    varied while the others keep the spec's sizes."""
    name: str
    axis: int | None
    low: int
    high: int
    accepted: tuple[Accepted, ...]
    reference: int = 0  # the spec's own size on the scanned axis

    def to_dict(self) -> dict:
        return {"axis": "all" if self.axis is None else self.axis + 1,
                "range": [self.low, self.high],
                "sizes": [{"input": a.size, "output": list(a.output), "exact": a.exact}
                          for a in self.accepted]}


def _fixed_inputs(spec) -> dict:
    """The input shape of every layer whose weights fix it (a linear layer's in_features,
    the RBF's), from the spec's own input: other sizes must give the same."""
    from .graph import propagate
    result = propagate(spec)
    return {i: row.input_shapes[0] for i, row in enumerate(result.layers)
            if row.type in ("linear", "rbf")}


_REFUSED = object()


def _cuts(nodes) -> list[bool]:
    """Whether, after node i, no earlier tensor is needed any more (every skip has
    rejoined): then node i's output shape alone decides the rest of the network."""
    last_use = {}
    for i, node in enumerate(nodes):
        for j in node.inputs:
            last_use[j] = i
    cut, live = [], 0  # live: the last node reading a tensor made before node i
    for i in range(len(nodes)):
        live = max(live, last_use.get(i - 1 if i else -1, 0))
        cut.append(live <= i)
    return cut


def _run(nodes, fixed, x0, memo, cuts, rest):
    """(output shape, exact) for one input shape, or None where the network refuses it.

    ``memo`` holds, per node, what each input shape gave, and ``rest``, per cut node
    and output shape, what the rest of the network gives: after a few strided layers
    most sizes of a scan reach a shape seen before, and the walk stops there.
    """
    shapes = [None] * len(nodes)
    wholes, passed = [], []  # per node walked its exactness; the cuts walked past
    got = None
    for i, node in enumerate(nodes):
        xs = tuple(x0 if j < 0 else shapes[j] for j in node.inputs)
        if node.parts:  # a split's output is a tuple of parts: the one named, if it exists
            if any(k is not None and k >= len(x) for x, k in zip(xs, node.parts)):
                got = _REFUSED
                break
            xs = tuple(x if k is None else x[k] for x, k in zip(xs, node.parts))
        if i in fixed and xs[0] != fixed[i]:
            got = _REFUSED
            break
        seen = memo[i].get(xs)
        if seen is None:
            layer = node.layer
            try:
                y = layer.output_shape(xs if layer.merges else xs[0])
                whole = layer.merges or not any(p.code == "CS301"
                                                for p in layer.notes(xs[0], y))
                seen = (y, whole)
            except Problem:
                seen = _REFUSED
            memo[i][xs] = seen
        if seen is _REFUSED:
            got = _REFUSED
            break
        shapes[i], whole = seen
        wholes.append(whole)
        if cuts[i]:
            known = rest.get((i, shapes[i]))
            if known is not None:
                got = known
                break
            passed.append((i, shapes[i], len(wholes)))
    if got is None:
        got = (shapes[-1], True)
    # what follows each cut passed: the walk's end, exact if every layer after it was
    exact = got is _REFUSED or got[1]
    k = len(wholes)
    for i, shape, n in reversed(passed):
        while k > n:
            k -= 1
            exact = exact and wholes[k]
        rest[(i, shape)] = got if got is _REFUSED else (got[0], exact)
    if got is _REFUSED:
        return None
    return got[0], got[1] and all(wholes)


def scan(spec, low: int = 1, high: int = 2048) -> list[Scan]:
    """Square inputs when the spec's spatial sizes are equal, else each axis in turn."""
    base = spec.input_shape
    fixed = _fixed_inputs(spec)
    spatial = base[1:]
    axes = [None] if len(set(spatial)) <= 1 else list(range(len(spatial)))
    out = []
    for axis in axes:
        accepted = []
        memo, rest, cuts = [{} for _ in spec.nodes], {}, _cuts(spec.nodes)
        for n in range(low, high + 1):
            if axis is None:
                x0 = (base[0],) + (n,) * len(spatial)
            else:
                x0 = base[:axis + 1] + (n,) + base[axis + 2:]
            got = _run(spec.nodes, fixed, x0, memo, cuts, rest)
            if got is not None:
                y, exact = got
                accepted.append(Accepted(n, y, exact))
        out.append(Scan(spec.name, axis, low, high, tuple(accepted),
                        spatial[0 if axis is None else axis] if spatial else 0))
    return out


def describe(sizes: list[int], high: int) -> str:
    """How a person says a set of sizes: "every size from 32", "16k + 12, k >= 11: 188, 204,
    220, ...", or ranges."""
    if not sizes:
        return "none"
    if sizes == list(range(sizes[0], sizes[-1] + 1)):
        return (f"every size from {sizes[0]}" if sizes[-1] == high
                else f"{sizes[0]} to {sizes[-1]}")
    step = 0
    for a, b in zip(sizes, sizes[1:]):
        step = gcd(step, b - a)
    if sizes == list(range(sizes[0], sizes[-1] + 1, step)) and sizes[-1] + step > high:
        r, k0 = sizes[0] % step, sizes[0] // step
        head = ", ".join(map(str, sizes[:4]))
        return f"{step}k + {r}, k >= {k0}: {head}{', ...' if len(sizes) > 4 else ''}"
    runs, start = [], sizes[0]
    for a, b in zip(sizes, sizes[1:] + [None]):
        if b != a + 1:
            runs.append(str(start) if start == a else f"{start}-{a}")
            start = b
    text = ", ".join(runs[:8])
    return text + (f", ... ({len(runs)} runs)" if len(runs) > 8 else "")
