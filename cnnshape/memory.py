"""Memory: activation bytes per layer, the inference peak, and what training holds.

Each figure states what it assumes, and is checked against torch's own measurements
(tests/data/memory: saved tensors through ``torch.autograd.graph.saved_tensors_hooks``,
live tensors during an inference forward).

- Activation bytes of a layer: its output elements x batch x the dtype's size.
- Inference peak: the layers run in the spec's order, every tensor is freed after its last
  reader has run, and a layer's output is alive together with its inputs; a view (flatten,
  a reshape) or an in-place layer adds no storage.  The network input is counted, and alive
  to the end (the caller holds it).  Max pooling's int64 indices, which torch's CPU kernel
  computes even at inference, are alive while the pool runs.
- Training: parameters + their gradients + the optimizer's state (sgd: none; momentum: one
  buffer per parameter; adam: two) + the activations autograd saves for the backward pass
  (each layer kind declares what it saves, ``Layer.saves``), every storage counted once.

What is not modelled: allocator rounding and caching, workspaces of fused kernels, and
the gradients of the activations during the backward pass.
"""
from dataclasses import dataclass

#: Bytes per element, as torch.finfo/iinfo(dtype).bits // 8: the one place they are written.
DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
#: State tensors an optimizer keeps per parameter.
OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2}
#: Bytes per element of max pooling's saved indices (int64).  Dropout's mask is in the
#: activations' dtype (the CPU computes input * noise), and so are the statistics of the
#: norms (tests/data/memory/NOTES.md).
INDEX_BYTES = 8


def activation_bytes(row, batch: int = 1, dtype: str = "float32") -> int:
    """The bytes of a row's output activations: neurons x batch x bytes per element.

    A group row's neurons are the sum over its layers, so its bytes are theirs together."""
    return row.neurons * batch * DTYPES[dtype]


@dataclass(frozen=True, slots=True)
class Memory:
    """The memory figures of one network at one batch size, dtype and optimizer."""
    batch: int
    dtype: str
    optimizer: str
    activations: tuple[int, ...]    # per layer row: its output's bytes
    params: int                     # parameter bytes (trainable and not)
    gradients: int                  # one gradient per trainable parameter
    optimizer_state: int
    saved: int                      # activations autograd saves for backward (no params)
    inference_peak: int

    @property
    def training(self) -> int:
        return self.params + self.gradients + self.optimizer_state + self.saved

    def to_dict(self) -> dict:
        return {"batch": self.batch, "dtype": self.dtype, "optimizer": self.optimizer,
                "param_bytes": self.params, "gradient_bytes": self.gradients,
                "optimizer_state_bytes": self.optimizer_state,
                "saved_activation_bytes": self.saved,
                "training_bytes": self.training,
                "inference_peak_bytes": self.inference_peak}


def estimate(spec, result, batch: int = 1, dtype: str = "float32",
             optimizer: str = "adam") -> Memory:
    """The memory of ``result`` (propagated from ``spec``; rows and nodes align)."""
    return estimate_rows(spec, result.layers, result.totals, batch, dtype, optimizer)


def estimate_rows(spec, rows, totals, batch: int = 1, dtype: str = "float32",
                  optimizer: str = "adam") -> Memory:
    """``estimate`` from the layer rows and totals, before a Result exists (budgets)."""
    size = DTYPES[dtype]
    nodes = spec.nodes
    input_bytes = _elements(spec.input_shape) * batch * size
    out_bytes = [_elements(r.output_shape) * batch * size for r in rows]
    # storage identity: a view or in-place layer shares its input's storage
    storage = list(range(len(nodes)))
    for i, node in enumerate(nodes):
        if node.layer.aliases and len(node.inputs) == 1:
            storage[i] = storage[node.inputs[0]] if node.inputs[0] >= 0 else -1
    # max pooling computes int64 indices even at inference (torch's CPU kernel), alive while
    # the layer runs
    transient = [_elements(r.output_shape) * batch * INDEX_BYTES
                 if "indices" in n.layer.saves else 0 for n, r in zip(nodes, rows)]
    peak = _peak(nodes, storage, out_bytes, input_bytes, transient)
    saved = _saved(nodes, rows, storage, out_bytes, input_bytes, batch, size)
    trainable = totals.params
    frozen = totals.non_trainable_params
    return Memory(batch, dtype, optimizer, tuple(out_bytes), (trainable + frozen) * size,
                  trainable * size, trainable * size * OPTIMIZERS[optimizer], saved, peak)


def _elements(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _peak(nodes, storage, out_bytes, input_bytes, transient) -> int:
    """Most bytes alive at once: run in order, free a storage after its last reader.  The
    caller holds the network input until the forward returns, so it is never freed.
    Linear in the layers: a running total, not a sum per step."""
    last = {}
    for i, node in enumerate(nodes):
        for j in node.inputs:
            if j >= 0:
                last[storage[j]] = i
    alive, total = {}, input_bytes
    peak = total
    for i, node in enumerate(nodes):
        s = storage[i]
        if s == i:      # a new storage, alive with the inputs it reads
            alive[s] = out_bytes[i]
            total += out_bytes[i]
        peak = max(peak, total + transient[i])
        for j in node.inputs:
            k = storage[j] if j >= 0 else -1
            if k >= 0 and last.get(k) == i and k != s and k in alive:
                total -= alive.pop(k)
    return peak


def _saved(nodes, rows, storage, out_bytes, input_bytes, batch, size) -> int:
    """Bytes of the unique activation storages autograd saves (parameters excluded)."""
    kept: dict = {}
    extra = 0
    for i, (node, row) in enumerate(zip(nodes, rows)):
        for what in node.layer.saves:
            if what == "input":
                for j in node.inputs:
                    k = storage[j] if j >= 0 else -1
                    kept[k] = input_bytes if k < 0 else out_bytes[k]
            elif what == "output":
                kept[storage[i]] = out_bytes[storage[i]] if storage[i] >= 0 else input_bytes
            elif what == "indices":
                extra += _elements(row.output_shape) * batch * INDEX_BYTES
            elif what == "mask":
                extra += _elements(row.output_shape) * batch * size
            elif what == "stats":   # (elements, per sample or not), from the layer
                elements, per_sample = node.layer.stats(row.output_shape)
                extra += elements * (batch if per_sample else 1) * size
    return sum(kept.values()) + extra


_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_bytes(value) -> int | None:
    """A byte count: an int, or text such as "8 GiB", "500MB", "1.5 GB" (SI and binary
    units); None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    import re
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]i?b|b)?\s*", str(value), re.I)
    if not m:
        return None
    number, unit = m.group(1), (m.group(2) or "").lower()
    from fractions import Fraction
    return int(Fraction(number) * _UNITS[unit])
