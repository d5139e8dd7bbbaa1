"""Small torch modules for tests/test_import_torch.py: factories that
``cnnshape import torch tests.torch_factory:<name>`` calls, and modules the importer
must read child by child or refuse.  Import only after ``pytest.importorskip("torch")``."""
import torch
import torch.nn.functional as F
from torch import nn


class Unit(nn.Module):
    """A residual unit with a channel split, a gate and functional calls."""

    def __init__(self, channels: int, stride: int = 1) -> None:
        super().__init__()
        half = channels // 2
        self.conv1 = nn.Conv2d(half, half, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(half)
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(half, half, 1),
                                  nn.Sigmoid())
        self.short = nn.Conv2d(half, half, 1, stride) if stride > 1 else nn.Identity()

    def forward(self, x):
        a, b = x.chunk(2, dim=1)
        b = F.relu(self.bn1(self.conv1(b)))
        b = b * self.gate(b)
        return torch.cat([self.short(a), b], 1)


class Tiny(nn.Module):
    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16),
                                  nn.ReLU(inplace=True))
        self.units = nn.Sequential(Unit(16), Unit(16, 2), Unit(16))
        self.head = nn.Linear(16, classes)

    def forward(self, x):
        x = self.units(self.stem(x))
        x = x.mean([2, 3])
        return self.head(F.dropout(x, 0.1, self.training))


def tiny() -> nn.Module:
    return Tiny()


NOT_CALLABLE = 3


def not_a_module():
    return "a string"


def fails():
    raise RuntimeError("no network today")


class Shaped(nn.Module):
    """Control flow on a shape: fx cannot trace it, its children run one after another."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.act = nn.ReLU()

    def forward(self, x):
        for m in self.children():
            if x.shape[-1] > 1:
                x = m(x)
        return x


class Branchy(nn.Module):
    """Ultralytics' C2f: does not trace (a loop over a list) and its children are not a
    chain; one run on fake tensors shows its graph."""

    def __init__(self) -> None:
        super().__init__()
        self.cv1 = nn.Conv2d(8, 8, 1)
        self.cv2 = nn.Conv2d(12, 8, 1)
        self.m = nn.ModuleList([nn.Conv2d(4, 4, 3, padding=1)])

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        y.extend(m(y[-1]) for m in self.m)
        if x.shape[-1] > 0:
            return self.cv2(torch.cat(y, 1))
        return x


class Tangled(nn.Module):
    """Does not trace, its children are no chain, and its forward reads a buffer, which
    is no layer: named."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 1)
        self.register_buffer("offset", torch.zeros(1, 8, 1, 1))

    def forward(self, x):
        if x.shape[-1] > 1:
            x = self.conv(x) + self.offset
        return x


class Opaque(nn.Module):
    """No children and no trace: control flow on a value."""

    def forward(self, x):
        if x.shape[1] > 4:
            return x[:, :4]
        return x


def shaped() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 3), Shaped(), nn.Flatten(), nn.Linear(8 * 30 * 30, 4))


def branchy() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 1), Branchy())


def tangled() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 1), Tangled())


def opaque() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 1), Opaque())
