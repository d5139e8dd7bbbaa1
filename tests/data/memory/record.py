"""Record torch's memory figures for every zoo net with a torch module (issue 17).

Run from the repository root with the dev venv (torch 2.13.0+cpu, torchvision 0.28.0):

    .venv/bin/python tests/data/memory/record.py          # writes tests/data/memory/record.json

It is deterministic (seeded; every figure is a byte count, which no value changes) and takes
about 20 minutes on a 2-core CPU without bfloat16 hardware. Each net runs in a child process
(``record.py --one NAME`` prints its JSON), so every net starts from a clean heap: one process for
all nets grew past 23 GiB of RSS and was killed. ``record.py NAME ...`` records only those nets, into
``record.partial.json``.

Nets
----
``tests/torch_zoo.py`` (built in plain torch.nn), ``tests/torchvision_zoo.py`` (torchvision's own
model files, loaded without its C extension) and ``unet``, whose module is a copy of the one in
``tests/test_zoo.py::test_unet_against_torch`` (the paper's U-Net with centre crops, 572x572).
``lenet5_1998`` has no torch module (partial connection table, trainable subsampling, RBF output)
and is listed under ``"skipped"``.

Per net, batch sizes 1 and 8, dtypes float32 and bfloat16; resnet50 also at batch 32 float16.
The model is built in float32, then ``.to(dtype)`` (parameters and floating buffers take the dtype;
BatchNorm's int64 ``num_batches_tracked`` stays int64). Inputs are ``torch.randn`` in the dtype.

Figures (all integers, bytes)
-----------------------------
``param_count``, ``param_bytes``: ``sum(p.numel())``, ``sum(p.nbytes)`` over ``parameters()``.
``buffer_bytes``: all buffers (BN running mean/var in the dtype, plus 8 bytes per BN for the int64
``num_batches_tracked``, given apart as ``num_batches_tracked_bytes``).

``saved_*`` -- what autograd keeps for backward. Module in ``train()`` mode (BatchNorm uses batch
statistics and updates its running ones; Dropout and torchvision's StochasticDepth are active);
parameters require grad, the input does not. One forward pass runs inside
``torch.autograd.graph.saved_tensors_hooks``; the pack hook sees every tensor autograd saves and
returns it unchanged. Tensors are deduplicated by their untyped storage (the storage's C++ identity,
``untyped_storage()._cdata``: its ``data_ptr`` on a real device; the same thing, and also defined on
the meta device) and each storage counts ``untyped_storage().nbytes()`` once -- a saved view counts
its whole storage.
    ``saved_bytes`` = ``saved_param_bytes`` + ``saved_activation_bytes``;
    ``saved_param_bytes``: storages that are parameters or buffers of the model;
    ``saved_activation_bytes``: all other storages, INCLUDING the input's own storage when it is
    saved (the first conv/linear saves it to compute its weight gradient); that part is also given
    alone as ``saved_input_bytes`` (0 when not saved);
    ``saved_tensors``: how many pack calls; ``saved_storages``: how many unique storages.
The same total is computed a second way, by walking the autograd graph from the output and reading
every ``grad_fn._saved_*`` tensor (deduplicated the same way): ``saved_bytes_graph_walk``, with
``graph_walk_agrees``. The walk cannot see nodes that a ``CopySlices`` node wraps (an in-place op
on a view: torchvision's ``Dropout(inplace=True)`` on the flattened tensor in EfficientNet's head:
efficientnet_b0/v2_s fall short by that mask), so it can fall short; ``saved_bytes`` (the pack hook) is the measurement.

``inference_*`` -- module in ``eval()`` mode, under ``torch.no_grad()``. A ``TorchDispatchMode``
sees every aten op of the forward; each output tensor whose untyped storage is new (not a
parameter, buffer or already tracked storage) adds its ``nbytes()`` to the live total, and a
``weakref.finalize`` on that storage subtracts it when torch frees the storage (storages' Python
objects are preserved while the C++ storage lives, so the finalizer runs exactly when the last
tensor or view referencing it dies, i.e. after its last use in Python). The input is tracked from
the start and is held by the caller for the whole forward (as in any real call: Module.__call__
keeps its arguments alive).
    ``inference_peak_bytes``: most live bytes right after any op's outputs are allocated
    (input included; parameters and buffers excluded; kernels' internal scratch -- im2col, oneDNN
    workspaces -- is invisible to this method);
    ``inference_peak_op``: index and name of the aten op at the peak and the module running it;
    ``inference_input_bytes``, ``inference_output_bytes``: the input's and the returned tensor's
    storage bytes; ``inference_ops``: aten ops dispatched.
    Only the first output of an eval-mode batch norm op is counted: on the CPU its save_mean and
    save_invstd outputs are empty, the meta kernel makes them C elements each, and both die at once.

Device
------
Everything runs on the CPU. bfloat16 and float16 convolutions run ~30x slower than float32 on
this CPU (no AVX-512/AMX), so 16-bit cases run under ``FastConv``, a dispatch mode that returns
a zero tensor (sizes and strides from torch's meta kernel) for ``aten.convolution``,
``aten.addmm``, ``aten.mm`` and ``aten.bmm`` instead of computing it; autograd sits above dispatch modes, so what it saves is unchanged, and every other op
(batch norm, pooling, dropout, linear, ...) runs its real CPU kernel. Where a 16-bit case is cheap
(MACs x batch x 30 <= ``CPU_BUDGET``), it is also run with real arithmetic and the script asserts
identical figures (``"conv_arithmetic"`` in each record says which). The required resnet50
batch-32 float16 saved figures are always checked against a run with real arithmetic.
(The meta device is NOT used: its batch-norm kernel gives bfloat16 save_mean/save_invstd where the
CPU keeps them in float32, and non-empty save_mean/save_invstd in eval mode.)

Extra records
-------------
``lenet5`` (float32, batch 1): ``saved_by_op``: every saved tensor, in forward (sequence) order,
as ``[grad_fn name, attribute, dtype, shape, storage bytes, kind, counted]`` (``counted`` false for a
storage already counted); ``resnet18`` (float32, batch 1): the same list, and
``saved_by_module``, per module that was running when autograd packed each new storage (forward
pre/post hooks keep the module stack), and ``output_bytes_per_layer``: each leaf module call in
execution order as ``[name, type, output shape, output nbytes, in_place]`` (``in_place``: the
output shares its input's storage -- torchvision's ReLU(inplace=True)).
``saved_attrs_by_node``: over every net and case, each autograd node type with the ``_saved_*``
tensor attributes it held and the kinds (param, buffer, input, activation) and dtypes seen.
``torchinfo``: copied from ``torchinfo.json`` (written by ``torchinfo_resnet50.py``) if present.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import subprocess
import sys
import time
import weakref
from collections import defaultdict

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, ROOT)

import torch_zoo  # noqa: E402
import torchvision_zoo  # noqa: E402

CPU_BUDGET = 60e9  # 16-bit cases up to this many MACs x batch x 30 also run with real arithmetic
SLOW16 = 30
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
CASES = [(1, "float32"), (8, "float32"), (1, "bfloat16"), (8, "bfloat16")]
EXTRA_CASES = {"resnet50": [(32, "float16")]}
FORCE_CPU_SAVED = {("resnet50", 32, "float16")}
SKIPPED = {
    "lenet5_1998": "no torch module: the 1998 paper's partially connected C3 (connection table), "
                   "trainable subsampling (coefficient and bias per map) and RBF output have no "
                   "torch.nn module in tests/; test_zoo.py checks it against the paper only",
}


# --------------------------------------------------------------------------
# nets


def _unet() -> nn.Module:
    """Copy of the module in tests/test_zoo.py::test_unet_against_torch."""
    def double(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU(), nn.Conv2d(cout, cout, 3),
                             nn.ReLU())

    def crop(skip, like):
        dh = (skip.shape[2] - like.shape[2]) // 2
        dw = (skip.shape[3] - like.shape[3]) // 2
        return skip[:, :, dh:dh + like.shape[2], dw:dw + like.shape[3]]

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [64, 128, 256, 512, 1024]
            self.down = nn.ModuleList(double(a, b) for a, b in zip([1] + widths, widths))
            self.ups = nn.ModuleList(nn.ConvTranspose2d(b, a, 2, 2)
                                     for a, b in zip(widths[-2::-1], widths[:0:-1]))
            self.convs = nn.ModuleList(double(2 * a, a) for a in widths[-2::-1])
            self.out = nn.Conv2d(64, 2, 1)

        def forward(self, x):
            skips = []
            for i, block in enumerate(self.down):
                x = block(x)
                if i < 4:
                    skips.append(x)
                    x = nn.functional.max_pool2d(x, 2)
            for up, conv, skip in zip(self.ups, self.convs, reversed(skips)):
                x = up(x)
                x = conv(torch.cat([x, crop(skip, x)], 1))
            return self.out(x)

    return UNet().eval()


def nets() -> dict[str, tuple]:
    """name -> (builder, input shape without batch, source)."""
    out = {}
    for n, shape in torch_zoo.INPUTS.items():
        out[n] = (lambda n=n: torch_zoo.build(n), shape, "tests/torch_zoo.py")
    for n, spec in torchvision_zoo.NETS.items():
        out[n] = (lambda n=n: torchvision_zoo.build(n), spec[2], "tests/torchvision_zoo.py")
    out["unet"] = (_unet, (1, 572, 572), "tests/test_zoo.py::test_unet_against_torch (copied)")
    return dict(sorted(out.items()))


def macs(name: str) -> int:
    import cnnshape
    return cnnshape.analyze(name).totals.macs


# --------------------------------------------------------------------------
# helpers


def skey(t: torch.Tensor) -> int:
    return t.untyped_storage()._cdata


def snbytes(t: torch.Tensor) -> int:
    return t.untyped_storage().nbytes()


def build(builder, dtype, device, seed=0):
    torch.manual_seed(seed)
    model = builder()
    return model.to(device=device, dtype=dtype)


def make_input(shape, batch, dtype, device, seed=1):
    torch.manual_seed(seed)
    return torch.randn((batch, *shape), dtype=torch.float32).to(dtype).to(device)


def static_figures(model) -> dict:
    params = list(model.parameters())
    bufs = list(model.named_buffers())
    return {
        "param_count": sum(p.numel() for p in params),
        "param_bytes": sum(p.nbytes for p in params),
        "buffer_bytes": sum(b.nbytes for _, b in bufs),
        "num_batches_tracked_bytes": sum(b.nbytes for n, b in bufs
                                         if n.endswith("num_batches_tracked")),
    }


class ModuleStack:
    """Which module is running: global pre/post forward hooks on every module of the model."""

    def __init__(self, model):
        self.stack: list[str] = []
        self.handles = []
        for name, m in model.named_modules():
            self.handles.append(m.register_forward_pre_hook(
                lambda mod, args, name=name: self.stack.append(name or "<model>")))
            self.handles.append(m.register_forward_hook(self._pop))

    def _pop(self, mod, args, out):
        self.stack.pop()  # returns None: the output stays

    def top(self) -> str:
        return self.stack[-1] if self.stack else "<none>"

    def remove(self):
        for h in self.handles:
            h.remove()


_HEAVY = {torch.ops.aten.convolution.default, torch.ops.aten.addmm.default,
          torch.ops.aten.mm.default, torch.ops.aten.bmm.default}


class FastConv(TorchDispatchMode):
    """Skips the arithmetic of 16-bit convolutions and matrix products (addmm, mm, bmm; 30x slower
    than float32 on this CPU): the output is a zero tensor of the size and strides torch's meta kernel gives. Autograd sits above
    this mode, so what it saves is unchanged; every other op runs torch's own CPU kernel."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _HEAVY and args[0].dtype != torch.float32:
            to_meta = lambda a: a.to("meta") if isinstance(a, torch.Tensor) else a  # noqa: E731
            m = func(*[to_meta(a) for a in args], **kwargs)
            return torch.empty_strided(m.shape, m.stride(), dtype=m.dtype).zero_()
        return func(*args, **kwargs)


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --------------------------------------------------------------------------
# saved for backward


def _kind(key, param_keys, buffer_keys, input_key):
    if key in param_keys:
        return "param"
    if key in buffer_keys:
        return "buffer"
    if key == input_key:
        return "input"
    return "activation"


def walk_graph(out):
    """Every grad_fn reachable from ``out`` with its ``_saved_*`` tensors, in sequence order."""
    seen, nodes, todo = set(), [], [out.grad_fn]
    while todo:
        fn = todo.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        nodes.append(fn)
        todo.extend(f for f, _ in fn.next_functions)
    nodes.sort(key=lambda f: f._sequence_nr())
    result = []
    for fn in nodes:
        for attr in sorted(a for a in dir(fn) if a.startswith("_saved_")):
            try:
                v = getattr(fn, attr)
            except Exception as e:  # noqa: BLE001
                raise RuntimeError(f"{type(fn).__name__}.{attr}: {e}") from e
            items = v if isinstance(v, (tuple, list)) else (v,)
            for t in items:
                if isinstance(t, torch.Tensor):
                    result.append((type(fn).__name__, attr, t))
    return result


def measure_saved(builder, shape, batch, dtype, device, detail=False, node_rules=None, fast=False):
    model = build(builder, dtype, device).train()
    for p in model.parameters():
        p.requires_grad_(True)
    x = make_input(shape, batch, dtype, device)
    param_keys = {skey(p) for p in model.parameters()}
    buffer_keys = {skey(b) for b in model.buffers()}
    input_key = skey(x)
    stack = ModuleStack(model)
    packed = []  # (key, nbytes, module)

    def pack(t):
        packed.append((skey(t), snbytes(t), stack.top()))
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), \
            (FastConv() if fast else _Nothing()):
        out = model(x)
    stack.remove()
    if not isinstance(out, torch.Tensor):  # inception-style named tuples
        out = out[0]

    uniq: dict[int, tuple[int, str]] = {}
    for k, nb, mod in packed:
        uniq.setdefault(k, (nb, mod))
    by_kind = defaultdict(int)
    for k, (nb, _) in uniq.items():
        by_kind[_kind(k, param_keys, buffer_keys, input_key)] += nb
    rec = {
        "saved_bytes": sum(nb for nb, _ in uniq.values()),
        "saved_param_bytes": by_kind["param"] + by_kind["buffer"],
        "saved_activation_bytes": by_kind["activation"] + by_kind["input"],
        "saved_input_bytes": by_kind["input"],
        "saved_buffer_bytes": by_kind["buffer"],
        "saved_tensors": len(packed),
        "saved_storages": len(uniq),
    }

    # the same total from the graph
    walked = walk_graph(out)
    wk = {}
    for _, _, t in walked:
        wk.setdefault(skey(t), snbytes(t))
    rec["saved_bytes_graph_walk"] = sum(wk.values())
    rec["graph_walk_agrees"] = rec["saved_bytes_graph_walk"] == rec["saved_bytes"]

    if node_rules is not None:
        for node, attr, t in walked:
            kind = _kind(skey(t), param_keys, buffer_keys, input_key)
            node_rules[node][attr].add(f"{kind}:{str(t.dtype).removeprefix('torch.')}")

    extra = {}
    if detail:
        counted, by_op = set(), []
        for node, attr, t in walked:
            k = skey(t)
            by_op.append([node, attr, str(t.dtype).removeprefix("torch."), list(t.shape),
                          snbytes(t), _kind(k, param_keys, buffer_keys, input_key),
                          k not in counted])
            counted.add(k)
        extra["saved_by_op"] = by_op
        per_mod: dict[str, int] = {}
        for k, (nb, mod) in uniq.items():  # dict order = first pack order
            per_mod[mod] = per_mod.get(mod, 0) + nb
        extra["saved_by_module"] = [[m, b] for m, b in per_mod.items()]
        kinds = {}
        for k, (nb, mod) in uniq.items():
            kinds.setdefault(mod, set()).add(_kind(k, param_keys, buffer_keys, input_key))
        extra["saved_by_module"] = [[m, b, sorted(kinds[m])] for m, b in per_mod.items()]
    del out, walked
    return rec, extra


# --------------------------------------------------------------------------
# inference peak


_BN_EVAL = {torch.ops.aten.native_batch_norm.default,
            torch.ops.aten._native_batch_norm_legit_no_training.default}


def _bn_training(func, args, kwargs):
    if func is torch.ops.aten._native_batch_norm_legit_no_training.default:
        return False
    return bool(args[5] if len(args) > 5 else (kwargs or {}).get("training"))


class LiveTracker(TorchDispatchMode):
    def __init__(self, exclude: set[int], stack: ModuleStack):
        super().__init__()
        self.exclude, self.stack = exclude, stack
        self.live: dict[int, int] = {}
        self.current = self.peak = self.ops = 0
        self.peak_op = None

    def _free(self, key):
        self.current -= self.live.pop(key)

    def track(self, t):
        s = t.untyped_storage()
        key = s._cdata
        if key in self.exclude or key in self.live:
            return
        self.live[key] = s.nbytes()
        self.current += s.nbytes()
        weakref.finalize(s, self._free, key)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        tracked = out
        if func in _BN_EVAL and not _bn_training(func, args, kwargs):
            # CPU returns empty save_mean / save_invstd in eval; the meta kernel returns them at
            # C elements each. Either way they die at once; count only the output.
            tracked = out[0]
        for t in tree_flatten(tracked)[0]:
            if isinstance(t, torch.Tensor):
                self.track(t)
        if self.current > self.peak:
            self.peak = self.current
            self.peak_op = [self.ops, str(func), self.stack.top()]
        self.ops += 1
        return out


def measure_inference(builder, shape, batch, dtype, device, fast=False):
    model = build(builder, dtype, device).eval()
    x = make_input(shape, batch, dtype, device)
    exclude = {skey(p) for p in model.parameters()} | {skey(b) for b in model.buffers()}
    stack = ModuleStack(model)
    with torch.no_grad(), (FastConv() if fast else _Nothing()):
        tracker = LiveTracker(exclude, stack)
        tracker.track(x)
        tracker.peak = tracker.current
        tracker.peak_op = [-1, "input", "<none>"]
        with tracker:
            out = model(x)
    stack.remove()
    if not isinstance(out, torch.Tensor):
        out = out[0]
    rec = {
        "inference_peak_bytes": tracker.peak,
        "inference_peak_op": tracker.peak_op,
        "inference_input_bytes": snbytes(x),
        "inference_output_bytes": snbytes(out),
        "inference_live_after_bytes": tracker.current,
        "inference_ops": tracker.ops,
    }
    del out
    return rec


def output_bytes_per_layer(builder, shape):
    model = build(builder, torch.float32, "cpu").eval()
    leaves = {id(m): n for n, m in model.named_modules() if not any(m.children())}
    rows = []

    def hook(mod, args, out):
        inplace = isinstance(args[0], torch.Tensor) and skey(args[0]) == skey(out)
        rows.append([leaves[id(mod)], type(mod).__name__, list(out.shape), out.nbytes, inplace])

    hs = [m.register_forward_hook(hook) for m in model.modules() if id(m) in leaves]
    with torch.no_grad():
        model(make_input(shape, 1, torch.float32, "cpu"))
    for h in hs:
        h.remove()
    return rows


# --------------------------------------------------------------------------


def record_net(name: str) -> dict:
    """All figures of one net (run in a child process, so each net starts with a clean heap)."""
    builder, shape, source = nets()[name]
    node_rules = defaultdict(lambda: defaultdict(set))
    gmacs = macs(name)
    entry = {"source": source, "input": list(shape), "macs": gmacs, "cases": {}}
    for batch, dt in CASES + EXTRA_CASES.get(name, []):
        t0 = time.time()
        dtype = DTYPES[dt]
        low = dt != "float32"
        full = not low or gmacs * batch * SLOW16 <= CPU_BUDGET
        rec = {"batch": batch, "dtype": dt}
        rec.update(static_figures(build(builder, dtype, "cpu")))
        s_rec, _ = measure_saved(builder, shape, batch, dtype, "cpu", node_rules=node_rules,
                                 fast=low)
        i_rec = measure_inference(builder, shape, batch, dtype, "cpu", fast=low)
        if low and (full or (name, batch, dt) in FORCE_CPU_SAVED):
            s_full, _ = measure_saved(builder, shape, batch, dtype, "cpu")
            assert s_full == s_rec, (name, batch, dt, s_full, s_rec)
        if low and full:
            i_full = measure_inference(builder, shape, batch, dtype, "cpu")
            assert i_full == i_rec, (name, batch, dt, i_full, i_rec)
        rec["conv_arithmetic"] = (
            "real" if not low else
            "skipped; equal to a full run (asserted)" if full else
            "skipped; saved_* equal to a full run (asserted)"
            if (name, batch, dt) in FORCE_CPU_SAVED else "skipped")
        rec.update(s_rec)
        rec.update(i_rec)
        entry["cases"][f"b{batch}_{dt}"] = rec
        gc.collect()  # hook closures make cycles that hold whole models and graphs
        rss = int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        print(f"{name:20s} b{batch:<2d} {dt:8s} saved {rec['saved_bytes']:>13,d} "
              f"peak {rec['inference_peak_bytes']:>13,d} [{rec['conv_arithmetic']}] "
              f"{time.time() - t0:6.1f}s rss {rss / 2**30:.1f} GiB", file=sys.stderr, flush=True)
    if name in ("lenet5", "resnet18"):
        _, extra = measure_saved(builder, shape, 1, torch.float32, "cpu", detail=True)
        entry["saved_by_op_b1_float32"] = extra["saved_by_op"]
        if name == "resnet18":
            entry["saved_by_module_b1_float32"] = extra["saved_by_module"]
            entry["output_bytes_per_layer_b1_float32"] = output_bytes_per_layer(builder, shape)
    return {"entry": entry, "node_rules": {n: {a: sorted(v) for a, v in d.items()}
                                           for n, d in node_rules.items()}}


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        json.dump(record_net(sys.argv[2]), sys.stdout)
        return
    only = set(sys.argv[1:])
    result = {
        "about": {
            "torch": torch.__version__,
            "torchvision": torchvision_zoo.version(),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "units": "bytes",
            "saved_mode": "train() (BatchNorm batch statistics, Dropout/StochasticDepth active); "
                          "params require grad, input does not",
            "inference_mode": "eval() under torch.no_grad(); input held by the caller",
            "method": "see record.py docstring",
            "cpu_budget_mac_equivalents": CPU_BUDGET,
            "device": "cpu",
        },
        "skipped": SKIPPED,
        "nets": {},
    }
    node_rules = defaultdict(lambda: defaultdict(set))
    for name in nets():
        if only and name not in only:
            continue
        t0 = time.time()
        child = subprocess.run([sys.executable, __file__, "--one", name], check=True,
                               stdout=subprocess.PIPE, text=True)
        got = json.loads(child.stdout)
        result["nets"][name] = got["entry"]
        for n, d in got["node_rules"].items():
            for a, v in d.items():
                node_rules[n][a].update(v)
        print(f"{name}: {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    result["saved_attrs_by_node"] = {
        node: {attr: sorted(v) for attr, v in sorted(attrs.items())}
        for node, attrs in sorted(node_rules.items())}
    ti = os.path.join(HERE, "torchinfo.json")
    if os.path.exists(ti):
        with open(ti) as f:
            result["torchinfo"] = json.load(f)
    path = os.path.join(HERE, "record.json" if not only else "record.partial.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
