"""The torchvision zoo nets, built by torchvision's own model code, recorded op by op.

torchvision's model files are the truth for these nets, loaded without
``torchvision/__init__.py``: that file loads the wheel's C extension
(``torchvision._C``, its custom ops), which does not load beside the CPU build
of torch this project pins, while the classification models are plain Python
that never touch it.  ``load`` registers empty package modules for
``torchvision`` and ``torchvision.models`` pointing at the installed files and
stubs the two helpers the model files import that would drag in more
(``torchvision.utils`` draws with PIL; ``torchvision.transforms._presets`` are
image transforms), so ``torchvision.models.<module>`` and its ``_api``,
``_meta`` and ``_utils`` load from the installed files.  No weights are
downloaded: the weights enums only carry their published metadata.

Unlike tests/torch_zoo.py's forward hooks, which see only modules, the records
here come from ``torch.fx``: every op of the traced forward, functional ones too
(``F.relu``, ``F.max_pool2d``, ``torch.flatten``, the ``torch.cat`` of a concat,
the ``+`` of a residual), so every cnnshape layer, the merges included, has a
record to be compared with.  Import this module only after
``pytest.importorskip("torch")``.

API
---
``NETS[name]``        ``(module, builder, input shape, weights enum)``.
``build(name)``       torchvision's model, in eval mode, no weights.
``records(name)``     one dict per op of one forward at batch 1 on zeros, in
                      execution order: ``{"op": the fx node's name, "type": the
                      torch.nn class (``"cat"`` / ``"add"`` / ``"mul"`` for the merges,
                      ``"permute"``, ``"chunk"``),
                      "output_shape", "params" and "non_trainable_params" of that
                      module alone, "macs": FlopCounterMode FLOPs // 2 of that op}``;
                      a chunk's also has ``"output_shapes"``, one per part.
``total_macs(name)``, ``total_params(name)``, ``total_non_trainable(name)``:
                      of the whole model, measured on it, not summed from records.
``published(name)``   ``(num_params, _ops)`` from torchvision's weights metadata,
                      which its documentation tables print ("GFLOPS", counted as
                      multiply-adds).

Ops that are not one cnnshape layer each
-----------------------------------------
* ``torch.cat`` of a single tensor copies it and is no layer: DenseNet's dense
  layer starts with ``torch.cat(features)``, which for the block's first layer
  is one tensor.  The cnnshape spec writes each dense layer as ``concat`` of its
  input and its new features, which runs exactly where torchvision's next
  ``torch.cat`` runs (after the previous layer's ``conv2``, or at the block's end).
* ``x.mean([2, 3])`` (MNASNet's pooling) is recorded as the two modules that
  write it out, ``AdaptiveAvgPool2d(1)`` and ``Flatten``, run by torch on the
  op's input; their result is checked to be the mean's.
* ``self.layer_scale * x`` (ConvNeXt's CNBlock), a product with a parameter of
  the model, is recorded as ``"layer_scale"`` with that parameter's size; any
  other ``*`` (a squeeze-and-excitation gate's ``scale * input``) is ``"mul"``.
* ConvNeXt's ``LayerNorm2d`` (permute, ``F.layer_norm``, permute) and
  ``torchvision.ops.StochasticDepth`` are one cnnshape layer each, so the tracer
  keeps them as one module call (``_LEAVES``), as it does torch.nn's modules.
* ShuffleNet V2's ``x.chunk(2, dim=1)`` is one ``"chunk"`` record: its
  ``output_shape`` is the op's input (the parts taken together, as cnnshape
  reports a split) and ``output_shapes`` lists the parts; the ``getitem`` that
  reads each part is no layer.  Its ``channel_shuffle(out, 2)`` (view,
  transpose, contiguous, view) is one ``nn.ChannelShuffle``: the tracer keeps the
  call as one op (``_LEAF_FUNCTIONS``), checked to shuffle as ``nn.ChannelShuffle``
  does.
* ``BatchNorm2d``'s ``num_batches_tracked`` counts batches and is not counted as
  non-trainable (docs/spec.md, counting conventions); its running mean and
  variance are.
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import importlib.util
import operator
import os
import sys
import types

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

__all__ = ["NETS", "build", "load", "published", "records", "total_macs",
           "total_non_trainable", "total_params", "version"]

# name -> (torchvision.models module, builder kwargs, input, weights enum)
NETS: dict[str, tuple[str, dict, tuple[int, ...], str]] = {
    "convnext_tiny": ("convnext", {}, (3, 224, 224), "ConvNeXt_Tiny_Weights"),
    "densenet121": ("densenet", {}, (3, 224, 224), "DenseNet121_Weights"),
    # no auxiliary head: it runs only in training; init_weights=False only skips
    # the random initialisation (and its warning)
    "efficientnet_b0": ("efficientnet", {}, (3, 224, 224), "EfficientNet_B0_Weights"),
    # published at the 384x384 its weights were trained and evaluated on
    "efficientnet_v2_s": ("efficientnet", {}, (3, 384, 384), "EfficientNet_V2_S_Weights"),
    "inception_v3": ("inception", {"aux_logits": False, "init_weights": False},
                     (3, 299, 299), "Inception_V3_Weights"),
    "mnasnet1_0": ("mnasnet", {}, (3, 224, 224), "MNASNet1_0_Weights"),
    "mobilenet_v3_large": ("mobilenetv3", {}, (3, 224, 224), "MobileNet_V3_Large_Weights"),
    "regnet_y_400mf": ("regnet", {}, (3, 224, 224), "RegNet_Y_400MF_Weights"),
    "resnext50_32x4d": ("resnet", {}, (3, 224, 224), "ResNeXt50_32X4D_Weights"),
    "shufflenet_v2_x1_0": ("shufflenetv2", {}, (3, 224, 224), "ShuffleNet_V2_X1_0_Weights"),
    "squeezenet1_1": ("squeezenet", {}, (3, 224, 224), "SqueezeNet1_1_Weights"),
    "vgg11_bn": ("vgg", {}, (3, 224, 224), "VGG11_BN_Weights"),
    "wide_resnet50_2": ("resnet", {}, (3, 224, 224), "Wide_ResNet50_2_Weights"),
}


# --------------------------------------------------------------------------
# loading torchvision's model files


def _package(name: str, path: str | None) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__path__ = [path] if path else []
    module.__package__ = name
    sys.modules[name] = module
    return module


class _Preset:
    """Stands in for torchvision.transforms._presets' transforms: a weights enum
    names one with ``partial(...)``, and nothing here calls it."""

    def __init__(self, *args, **kwargs) -> None:
        self.args, self.kwargs = args, kwargs


def _register() -> None:
    if "torchvision.models" in sys.modules:
        return
    spec = importlib.util.find_spec("torchvision")  # finds the files, runs nothing
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("torchvision is not installed: pip install '.[conformance]'")
    root = spec.submodule_search_locations[0]
    tv = _package("torchvision", root)
    tv.models = _package("torchvision.models", os.path.join(root, "models"))
    tv.transforms = _package("torchvision.transforms", None)
    presets = types.ModuleType("torchvision.transforms._presets")
    presets.ImageClassification = _Preset
    sys.modules[presets.__name__] = tv.transforms._presets = presets
    # the presets' interpolation default; the weights enums only name it
    presets.InterpolationMode = types.SimpleNamespace(BILINEAR="bilinear", BICUBIC="bicubic")
    utils = types.ModuleType("torchvision.utils")
    utils._log_api_usage_once = lambda obj: None  # usage telemetry only
    utils._make_ntuple = _make_ntuple
    sys.modules[utils.__name__] = tv.utils = utils
    # torchvision/ops/__init__.py registers the C extension's ops (nms, roi_align, ...);
    # the nets need only its plain-Python building blocks, from their own files
    tv.ops = _package("torchvision.ops", os.path.join(root, "ops"))
    tv.ops.StochasticDepth = importlib.import_module(
        "torchvision.ops.stochastic_depth").StochasticDepth


def _make_ntuple(x, n: int) -> tuple:
    """torchvision.utils._make_ntuple, copied: ops/misc.py's Conv2dNormActivation spreads
    an int kernel size, stride or dilation over the axes with it."""
    if isinstance(x, collections.abc.Iterable):
        return tuple(x)
    return (x,) * n


def load(module: str) -> types.ModuleType:
    """``torchvision.models.<module>`` (e.g. ``"resnet"``) from the installed files."""
    _register()
    return importlib.import_module(f"torchvision.models.{module}")


def version() -> str:
    """The installed torchvision's version, from its metadata."""
    from importlib.metadata import version as dist_version
    return dist_version("torchvision")


def build(name: str) -> nn.Module:
    """torchvision's ``name``, without weights, in eval mode."""
    module, kwargs, _, _ = NETS[name]
    return getattr(load(module), name)(weights=None, **kwargs).eval()


def published(name: str) -> tuple[int, float]:
    """``(num_params, _ops)`` of ``name``'s ImageNet weights, as torchvision publishes them."""
    module, _, _, weights = NETS[name]
    meta = getattr(load(module), weights).IMAGENET1K_V1.meta
    return meta["num_params"], meta["_ops"]


# --------------------------------------------------------------------------
# recording


# functional ops -> the torch.nn module that does the same, or the merge
_FUNCTIONS = {
    F.relu: "ReLU",
    F.max_pool2d: "MaxPool2d",
    F.avg_pool2d: "AvgPool2d",
    F.adaptive_avg_pool2d: "AdaptiveAvgPool2d",
    torch.flatten: "Flatten",
    torch.cat: "cat",
    operator.add: "add",  # also a residual's +=, which fx records as +
    operator.mul: "mul",
    torch.permute: "permute",
}
# methods on a tensor -> the same
_METHODS = {"permute": "permute", "flatten": "Flatten"}

# torchvision modules that are one cnnshape layer each, recorded as one module call rather
# than as the ops of their forward (fx traces into any module outside torch.nn)
_LEAVES = ("LayerNorm2d", "StochasticDepth")
# torchvision functions that are one cnnshape layer each -> the torch.nn class that does the
# same; the tracer keeps a call to one as one op (autowrap) rather than tracing into it
_LEAF_FUNCTIONS = {"channel_shuffle": "ChannelShuffle"}
# tensor methods that cut a tensor into parts, one cnnshape layer; fx reads each part with
# an ``operator.getitem`` on the op's tuple, which is no layer
_SPLITS = {"chunk": "chunk", "split": "split"}


class _Tracer(torch.fx.Tracer):
    def __init__(self, module: types.ModuleType) -> None:
        super().__init__(autowrap_functions=tuple(
            getattr(module, f) for f in _LEAF_FUNCTIONS if hasattr(module, f)))

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return type(m).__name__ in _LEAVES or super().is_leaf_module(m, qualname)


def _flops(fn) -> tuple[object, int]:
    counter = FlopCounterMode(display=False)
    with counter:
        out = fn()
    return out, counter.get_total_flops()


def _non_trainable(module: nn.Module) -> int:
    return sum(b.numel() for n, b in module.named_buffers(recurse=False)
               if n != "num_batches_tracked")


class _Recorder(torch.fx.Interpreter):
    def __init__(self, gm: torch.fx.GraphModule) -> None:
        super().__init__(gm)
        self.records: list[dict] = []

    def _record(self, node, kind, out, module=None, macs=0, **extra):
        self.records.append({
            "op": node.name, "type": kind, "output_shape": tuple(out.shape[1:]),
            "params": sum(p.numel() for p in module.parameters(recurse=False)) if module else 0,
            "non_trainable_params": _non_trainable(module) if module else 0,
            "macs": macs, **extra,
        })

    def run_node(self, node):
        if node.op in ("placeholder", "output", "get_attr"):
            return super().run_node(node)
        out, flops = _flops(lambda: super(_Recorder, self).run_node(node))
        if node.op == "call_module":
            module = self.fetch_attr(node.target)
            self._record(node, type(module).__name__, out, module, flops // 2)
        elif node.op == "call_method" and node.target == "mean" and node.args[1:] == ([2, 3],):
            x = self.env[node.args[0]]
            pooled = nn.AdaptiveAvgPool2d(1)(x)
            flat = nn.Flatten()(pooled)
            assert torch.equal(flat, out), node
            self._record(node, "AdaptiveAvgPool2d", pooled)
            self._record(node, "Flatten", flat)
        elif node.op == "call_function" and node.target is operator.mul and any(
                isinstance(a, torch.fx.Node) and a.op == "get_attr" for a in node.args):
            # a product with a parameter of the model: ConvNeXt's layer scale
            (scale,) = (self.fetch_attr(a.target) for a in node.args
                        if isinstance(a, torch.fx.Node) and a.op == "get_attr")
            self.records.append({"op": node.name, "type": "layer_scale",
                                 "output_shape": tuple(out.shape[1:]),
                                 "params": scale.numel(), "non_trainable_params": 0,
                                 "macs": flops // 2})
        elif node.op == "call_method" and node.target in _SPLITS:
            # the parts: the op's input, recorded as it, and each part's shape
            self._record(node, _SPLITS[node.target], self.env[node.args[0]], macs=flops // 2,
                         output_shapes=tuple(tuple(t.shape[1:]) for t in out))
        elif (node.op == "call_function" and node.target is operator.getitem
              and node.args[0].op == "call_method" and node.args[0].target in _SPLITS):
            return out  # one part of a split, read by the layers that use it
        elif node.op == "call_function" and getattr(node.target, "__name__", None) in _LEAF_FUNCTIONS:
            # torchvision's channel_shuffle(x, groups): checked to be torch.nn's on random data
            kind = _LEAF_FUNCTIONS[node.target.__name__]
            x = torch.randn(self.env[node.args[0]].shape)
            assert torch.equal(node.target(x, *node.args[1:]),
                               getattr(nn, kind)(*node.args[1:])(x)), node
            self._record(node, kind, out, macs=flops // 2)
        elif node.op == "call_function" and node.target in _FUNCTIONS:
            if node.target is torch.cat and len(node.args[0]) == 1:
                return out  # a copy, no layer
            self._record(node, _FUNCTIONS[node.target], out, macs=flops // 2)
        elif node.op == "call_method" and node.target in _METHODS:
            self._record(node, _METHODS[node.target], out, macs=flops // 2)
        else:
            raise NotImplementedError(f"no record for {node.format_node()}")
        return out


@functools.lru_cache(maxsize=None)
def _analyse(name: str) -> tuple[tuple[dict, ...], int, int, int]:
    model = build(name)
    x = torch.zeros((1, *NETS[name][2]))
    with torch.no_grad():
        tracer = _Tracer(load(NETS[name][0]))
        recorder = _Recorder(torch.fx.GraphModule(model, tracer.trace(model)))
        recorder.run(x)
        _, flops = _flops(lambda: model(x))
    params = sum(p.numel() for p in model.parameters())
    non_trainable = sum(_non_trainable(m) for m in model.modules())
    return tuple(recorder.records), flops // 2, params, non_trainable


def records(name: str) -> list[dict]:
    """One dict per op of ``name``'s forward, in execution order."""
    return [dict(r) for r in _analyse(name)[0]]


def total_macs(name: str) -> int:
    """FlopCounterMode FLOPs // 2 of one forward of the whole model at batch 1."""
    return _analyse(name)[1]


def total_params(name: str) -> int:
    return _analyse(name)[2]


def total_non_trainable(name: str) -> int:
    """BatchNorm running means and variances of the whole model."""
    return _analyse(name)[3]
