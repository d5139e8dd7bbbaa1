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


def _run(nodes, fixed, x0, memo):
    """(output shape, exact) for one input shape, or None where the network refuses it.

    ``memo`` holds, per node, what each input shape gave: after a few strided layers most
    sizes of a scan reach the same shapes, so deep layers are computed once, not per size.
    """
    shapes = [None] * len(nodes)
    exact = True
    for i, node in enumerate(nodes):
        xs = tuple(x0 if j < 0 else shapes[j] for j in node.inputs)
        if i in fixed and xs[0] != fixed[i]:
            return None
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
            return None
        shapes[i], whole = seen
        exact = exact and whole
    return shapes[-1], exact


def scan(spec, low: int = 1, high: int = 2048) -> list[Scan]:
    """Square inputs when the spec's spatial sizes are equal, else each axis in turn."""
    base = spec.input_shape
    fixed = _fixed_inputs(spec)
    spatial = base[1:]
    axes = [None] if len(set(spatial)) <= 1 else list(range(len(spatial)))
    out = []
    for axis in axes:
        accepted = []
        memo = [{} for _ in spec.nodes]
        for n in range(low, high + 1):
            if axis is None:
                x0 = (base[0],) + (n,) * len(spatial)
            else:
                x0 = base[:axis + 1] + (n,) + base[axis + 2:]
            got = _run(spec.nodes, fixed, x0, memo)
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
