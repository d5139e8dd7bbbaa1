"""Reference CNNs in plain ``torch.nn``, used to check cnnshape's numbers against PyTorch.

The torchvision architectures here are re-implemented with the same module
names, layer order and parameter counts (written before torchvision's own model
code could be loaded; the nets added since are built by torchvision itself, see
tests/torchvision_zoo.py).  Import this module only after
``pytest.importorskip("torch")``.

API
---
``INPUTS[name]``      channels-first input shape without the batch dimension.
``build(name)``       a fresh model, in eval mode.
``records(name)``     one dict per *leaf* module call, in forward execution order:
                      ``{"module": qualified name, "type": class name,
                      "output_shape": tuple without batch, "params": own
                      parameters (recurse=False), "macs": FLOPs // 2 of that
                      call under ``torch.utils.flop_counter.FlopCounterMode``}``.
``total_macs(name)``  FlopCounterMode total FLOPs // 2 of one forward at batch 1.
``total_params(name)`` ``sum(p.numel() for p in model.parameters())``.
``PUBLISHED[name]``   ``(params, gmacs)`` as published (torchvision model docs).

All runs use batch 1, ``torch.zeros`` inputs and ``torch.no_grad``; results
are cached per name.  Functional ops inside ``forward`` (``torch.cat``, the
residual ``+``) are not modules and produce no record.  Flatten is always an
``nn.Flatten`` module, and every ReLU use is its own module instance, so each
call has its own record.  FlopCounterMode counts only conv / matmul work
(bias adds, BN, pooling, activations count 0).

Differences from torchvision (none changes parameters or MACs)
-------------------------------------------------------------
* ``alexnet``, ``vgg16``, ``googlenet``, ``resnet*``, ``mobilenet_v2``: the
  ``torch.flatten(x, 1)`` of the torchvision forward is a module named
  ``flatten``; ``mobilenet_v2``'s functional ``adaptive_avg_pool2d`` is a module
  named ``avgpool``.
* ``googlenet``: ``BasicConv2d`` has a ``relu`` module instead of ``F.relu``.
* ``resnet*``: the single reused ``relu`` of each block is split into
  ``relu1``, ``relu2`` (and ``relu3`` for Bottleneck); the stem keeps ``relu``.

Forward execution order of leaf modules (where not a plain chain)
-----------------------------------------------------------------
``lenet5``, ``simpleconvnet``, ``nin``: one ``nn.Sequential`` -- plain chain in
index order (``nin`` names are ``0.0 .. 0.5, 1, 2.0 ..``, i.e. each nin_block is
a nested Sequential ``conv k, relu, conv1x1, relu, conv1x1, relu``).

``alexnet``: ``features.0..12``, ``avgpool``, ``flatten``, ``classifier.0..6``
(classifier = Dropout, Linear, ReLU, Dropout, Linear, ReLU, Linear).

``vgg16``: ``features.0..30``, ``avgpool``, ``flatten``, ``classifier.0..6``
(classifier = Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear).

``googlenet``: ``conv1, maxpool1, conv2, conv3, maxpool2, inception3a,
inception3b, maxpool3, inception4a .. inception4e, maxpool4, inception5a,
inception5b, avgpool, flatten, dropout, fc``; every ``convN`` / BasicConv2d
runs ``conv, bn, relu``.  Inside each Inception block the branches run in
order ``branch1`` (BasicConv2d 1x1), ``branch2.0`` (1x1), ``branch2.1`` (3x3),
``branch3.0`` (1x1), ``branch3.1`` (**3x3**, torchvision's "5x5" branch quirk),
``branch4.0`` (MaxPool2d 3/1/1 ceil), ``branch4.1`` (1x1), then ``torch.cat``.
All stage maxpools have ``ceil_mode=True``; no aux heads.

``resnet18`` / ``resnet50``: ``conv1, bn1, relu, maxpool, layer1.0 ..
layer4.N, avgpool, flatten, fc``.  BasicBlock: ``conv1, bn1, relu1, conv2,
bn2, [downsample.0, downsample.1], relu2``.  Bottleneck: ``conv1, bn1, relu1,
conv2, bn2, relu2, conv3, bn3, [downsample.0, downsample.1], relu3``.  As in
torchvision the downsample (conv1x1 + BN on the block input) runs AFTER the
main path, just before the addition and the final ReLU.  Stride sits on the
3x3 conv (ResNet v1.5).

``mobilenet_v2``: ``features.0.{0,1,2}`` (conv 3x3/2, BN, ReLU6), then each
InvertedResidual ``features.i.conv.*``: with expansion (t != 1)
``conv.0.{0,1,2}`` (1x1 expand, BN, ReLU6), ``conv.1.{0,1,2}`` (3x3 depthwise,
BN, ReLU6), ``conv.2`` (1x1 project), ``conv.3`` (BN); without expansion
(features.1) ``conv.0.{0,1,2}`` depthwise, ``conv.1`` project, ``conv.2`` BN.
The residual add is functional.  Then ``features.18.{0,1,2}`` (1x1 -> 1280),
``avgpool``, ``flatten``, ``classifier.0`` (Dropout 0.2), ``classifier.1``.
"""

from __future__ import annotations

import functools

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

__all__ = ["INPUTS", "PUBLISHED", "build", "records", "total_macs", "total_params"]


INPUTS: dict[str, tuple[int, ...]] = {
    "lenet5": (1, 32, 32),
    "simpleconvnet": (1, 28, 28),
    "alexnet": (3, 224, 224),
    "vgg16": (3, 224, 224),
    "nin": (1, 224, 224),
    "googlenet": (3, 224, 224),
    "resnet18": (3, 224, 224),
    "resnet50": (3, 224, 224),
    "mobilenet_v2": (3, 224, 224),
}

# (params, GMACs) as published in torchvision's model documentation
# (its "GFLOPS" column counts multiply-adds).
PUBLISHED: dict[str, tuple[int, float]] = {
    "alexnet": (61_100_840, 0.71),
    "vgg16": (138_357_544, 15.47),
    "googlenet": (6_624_904, 1.50),
    "resnet18": (11_689_512, 1.81),
    "resnet50": (25_557_032, 4.09),
    "mobilenet_v2": (3_504_872, 0.30),
}


# --------------------------------------------------------------------------
# small nets


def _lenet5() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def _simpleconvnet() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(4320, 100), nn.ReLU(),
        nn.Linear(100, 10),
    )


def _nin_block(cin: int, cout: int, k: int, s: int, p: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, s, p), nn.ReLU(),
        nn.Conv2d(cout, cout, 1), nn.ReLU(),
        nn.Conv2d(cout, cout, 1), nn.ReLU(),
    )


def _nin() -> nn.Module:
    return nn.Sequential(
        _nin_block(1, 96, 11, 4, 0), nn.MaxPool2d(3, 2),
        _nin_block(96, 256, 5, 1, 2), nn.MaxPool2d(3, 2),
        _nin_block(256, 384, 3, 1, 1), nn.MaxPool2d(3, 2),
        nn.Dropout(0.5),
        _nin_block(384, 10, 3, 1, 1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
    )


# --------------------------------------------------------------------------
# AlexNet / VGG16 (torchvision)


class AlexNet(nn.Module):
    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = self.flatten(x)
        return self.classifier(x)


_VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
              512, 512, 512, "M", 512, 512, 512, "M"]


class VGG(nn.Module):
    def __init__(self, cfg=_VGG16_CFG, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(cin, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                cin = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = self.flatten(x)
        return self.classifier(x)


# --------------------------------------------------------------------------
# GoogLeNet (torchvision, aux_logits=False, transform_input=False)


class BasicConv2d(nn.Module):
    def __init__(self, cin: int, cout: int, **kwargs) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    def __init__(self, cin: int, ch1x1: int, ch3x3red: int, ch3x3: int,
                 ch5x5red: int, ch5x5: int, pool_proj: int) -> None:
        super().__init__()
        self.branch1 = BasicConv2d(cin, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            BasicConv2d(cin, ch3x3red, kernel_size=1),
            BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1),
        )
        # torchvision quirk: the "5x5" branch uses a 3x3 conv.
        self.branch3 = nn.Sequential(
            BasicConv2d(cin, ch5x5red, kernel_size=1),
            BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            BasicConv2d(cin, pool_proj, kernel_size=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b1 = self.branch1(x)
        b2 = self.branch2(x)
        b3 = self.branch3(x)
        b4 = self.branch4(x)
        return torch.cat([b1, b2, b3, b4], 1)


class GoogLeNet(nn.Module):
    def __init__(self, num_classes: int = 1000, dropout: float = 0.2) -> None:
        super().__init__()
        self.conv1 = BasicConv2d(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, kernel_size=1)
        self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)

        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)

        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)

        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)

        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(1024, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        x = self.inception4b(x)
        x = self.inception4c(x)
        x = self.inception4d(x)
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        x = self.flatten(self.avgpool(x))
        return self.fc(self.dropout(x))


# --------------------------------------------------------------------------
# ResNet (torchvision, v1.5)


def _conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)


def _conv1x1(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = _conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.relu2 = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu2(out)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None) -> None:
        super().__init__()
        width = planes
        self.conv1 = _conv1x1(inplanes, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(width, width, stride)
        self.bn2 = nn.BatchNorm2d(width)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv3 = _conv1x1(width, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.downsample = downsample
        self.relu3 = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.relu2(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu3(out)


class ResNet(nn.Module):
    def __init__(self, block, layers: list[int], num_classes: int = 1000) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                _conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.flatten(self.avgpool(x))
        return self.fc(x)


# --------------------------------------------------------------------------
# MobileNetV2 (torchvision, width 1.0)


class Conv2dNormActivation(nn.Sequential):
    """torchvision.ops.Conv2dNormActivation with BN + ReLU6 (children 0, 1, 2)."""

    def __init__(self, cin: int, cout: int, kernel_size: int = 3, stride: int = 1,
                 groups: int = 1) -> None:
        padding = (kernel_size - 1) // 2
        super().__init__(
            nn.Conv2d(cin, cout, kernel_size, stride, padding, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU6(inplace=True),
        )


class InvertedResidual(nn.Module):
    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int) -> None:
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden, kernel_size=1))
        layers += [
            Conv2dNormActivation(hidden, hidden, stride=stride, groups=hidden),
            nn.Conv2d(hidden, oup, 1, 1, 0, bias=False),
            nn.BatchNorm2d(oup),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(nn.Module):
    SETTINGS = [  # t, c, n, s
        [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2],
        [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
    ]

    def __init__(self, num_classes: int = 1000, dropout: float = 0.2) -> None:
        super().__init__()
        cin, last = 32, 1280
        features: list[nn.Module] = [Conv2dNormActivation(3, cin, stride=2)]
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                features.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        features.append(Conv2dNormActivation(cin, last, kernel_size=1))
        self.features = nn.Sequential(*features)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(last, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.flatten(self.avgpool(x))
        return self.classifier(x)


# --------------------------------------------------------------------------
# API

_BUILDERS = {
    "lenet5": _lenet5,
    "simpleconvnet": _simpleconvnet,
    "alexnet": AlexNet,
    "vgg16": VGG,
    "nin": _nin,
    "googlenet": GoogLeNet,
    "resnet18": lambda: ResNet(BasicBlock, [2, 2, 2, 2]),
    "resnet50": lambda: ResNet(Bottleneck, [3, 4, 6, 3]),
    "mobilenet_v2": MobileNetV2,
}
assert _BUILDERS.keys() == INPUTS.keys()


def build(name: str) -> nn.Module:
    """A fresh model for ``name``, in eval mode."""
    try:
        builder = _BUILDERS[name]
    except KeyError:
        raise KeyError(f"unknown net {name!r}; known: {sorted(_BUILDERS)}") from None
    return builder().eval()


def _flops(fn) -> int:
    counter = FlopCounterMode(display=False)
    with counter:
        fn()
    return counter.get_total_flops()


@functools.lru_cache(maxsize=None)
def _analyse(name: str) -> tuple[tuple[dict, ...], int, int]:
    """(records, total_macs, total_params) for one model instance of ``name``."""
    model = build(name)
    x = torch.zeros((1, *INPUTS[name]))
    leaf_names = {id(m): n for n, m in model.named_modules() if not any(m.children())}
    leaves = {n: m for n, m in model.named_modules() if id(m) in leaf_names}

    calls: list[tuple[str, tuple, tuple[int, ...]]] = []

    def pre_hook(module, args):
        # Shapes are recorded before an inplace op can touch anything;
        # the tensors themselves are only re-used for their shapes.
        calls.append((leaf_names[id(module)], tuple(torch.zeros_like(a) for a in args), ()))

    def post_hook(module, args, output):
        n, a, _ = calls[-1]
        assert n == leaf_names[id(module)], "leaf modules must not nest"
        calls[-1] = (n, a, tuple(output.shape[1:]))

    handles = []
    for m in leaves.values():
        handles.append(m.register_forward_pre_hook(pre_hook))
        handles.append(m.register_forward_hook(post_hook))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()

    recs = []
    with torch.no_grad():
        for n, args, shape in calls:
            m = leaves[n]
            recs.append({
                "module": n,
                "type": type(m).__name__,
                "output_shape": shape,
                "params": sum(p.numel() for p in m.parameters(recurse=False)),
                "macs": _flops(lambda: m(*args)) // 2,
            })
        macs = _flops(lambda: model(x)) // 2
    params = sum(p.numel() for p in model.parameters())
    return tuple(recs), macs, params


def records(name: str) -> list[dict]:
    """One dict per leaf module call of ``name``'s forward, in execution order."""
    return [dict(r) for r in _analyse(name)[0]]


def total_macs(name: str) -> int:
    """FlopCounterMode total FLOPs // 2 for one forward at batch 1."""
    return _analyse(name)[1]


def total_params(name: str) -> int:
    """Total number of parameters of ``name``."""
    return _analyse(name)[2]
