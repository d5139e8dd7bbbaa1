"""Pooling: max/avg (windowed, with ceil mode), adaptive and global, as torch.nn."""
from dataclasses import dataclass, field
from math import prod

from .. import arithmetic as ar
from . import (
    WHOLE,
    Bool,
    Cost,
    Framework,
    Layer,
    Padding,
    PerAxis,
    PerAxisOrKernel,
    Problem,
    Shape,
    dims_family,
    doc,
    neurons,
    register,
)
from .conv import Axis, Windowed


@dataclass(frozen=True, kw_only=True)
class PoolNd(Windowed):
    """torch.nn.MaxPoolNd / AvgPoolNd; padding also takes TF's 'same'."""
    primary = "kernel_size"
    prefix = "pool"
    kernel_size: PerAxis = field(metadata=doc("window F, an int or one per axis"))
    stride: PerAxisOrKernel = field(default=None, metadata=doc("step S; defaults to kernel_size"))
    padding: Padding = field(default=0, metadata=doc(
        "P: int, per axis, [begin, end] per axis, 'same' or 'valid'; at most half the kernel"))
    ceil_mode: Bool = field(default=False, metadata=doc(
        "round the output size up; a window starting in the right padding is dropped"))
    framework: Framework = field(default=None, metadata=doc(
        "follow this framework's arithmetic and defaults (the spec's framework: sets it for "
        "every layer)"))

    def rounds_up(self) -> bool:
        return self.ceil_mode

    def strides(self):
        return self.kernel_size if self.stride is None else self.stride

    def dilations(self):
        return (1,) * len(self.kernel_size)

    def validate(self):
        if self.padding == "full":
            raise Problem("CS105", f"{self.type_name}: padding 'full' is for convolutions",
                          "give an int, 'same' or 'valid'", "padding")
        if self.framework is not None:
            return super().validate()   # the framework's own refusals
        if isinstance(self.padding, tuple):
            for k, pair in zip(self.kernel_size, self.padding):
                if max(pair) * 2 > k:
                    raise Problem("CS203", f"{self.type_name}: padding {max(pair)} is more than "
                                  f"half of kernel_size {k}",
                                  "torch refuses it: a window would see only padding; "
                                  f"use padding <= {k // 2}", "padding")

    def axis_out(self, a: Axis) -> int:
        clip = "clip" if self.framework is None else self.dialect.rule("ceil", self.family)
        return ar.pool_out(a.size, a.kernel, a.stride, a.pad_begin, a.dilation,
                           self.rounds_up(), a.pad_end, clip, self.division())

    def output_shape(self, x: Shape) -> Shape:
        return (x[0], *self.spatial(x[1:]))

    def cost(self, x: Shape, y: Shape) -> Cost:
        return Cost(connections=neurons(y) * prod(self.kernel_size))


@dataclass(frozen=True, kw_only=True)
class MaxPoolNd(PoolNd):
    """torch.nn.MaxPoolNd."""
    family = "maxpool"
    saves = ("input", "indices")    # max_pool2d_with_indices: the input and int64 indices
    dilation: PerAxis = field(default=1, metadata=doc("spacing between window taps"))

    def dilations(self):
        return self.dilation


@dataclass(frozen=True, kw_only=True)
class AvgPoolNd(PoolNd):
    """torch.nn.AvgPoolNd (which has no dilation)."""
    family = "avgpool"
    count_include_pad: Bool = field(default=True, metadata=doc(
        "divide by the whole window, padding included; does not change shapes"))


MaxPool1d, MaxPool2d, MaxPool3d = dims_family(MaxPoolNd, "maxpool", "MaxPool")
AvgPool1d, AvgPool2d, _ = dims_family(AvgPoolNd, "avgpool", "AvgPool")


@register("avgpool3d")
class AvgPool3d(AvgPoolNd):
    """Matches torch.nn.AvgPool3d, including its check that the unpadded input is
    at least the kernel on every axis (ATen's avg_pool3d, unlike 1d/2d)."""
    dims = 3

    def spatial(self, sizes: Shape) -> Shape:
        for n, (size, k) in enumerate(zip(sizes, self.kernel_size)):
            if size < k:
                raise Problem("CS201", f"{self.type_name}: axis {n + 1} is {size}, smaller "
                              f"than kernel_size {k}; torch's AvgPool3d refuses this even "
                              "with padding", "use a smaller kernel_size or a larger input",
                              "kernel_size")
        return super().spatial(sizes)


@dataclass(frozen=True, kw_only=True)
class AdaptivePoolNd(Layer):
    """torch.nn.AdaptiveAvg/MaxPoolNd: the output size is given, the windows adapt."""
    primary = "output_size"
    prefix = "pool"
    output_size: PerAxis = field(metadata=doc("output size, an int or one per axis"))

    def output_shape(self, x: Shape) -> Shape:
        return (x[0], *self.output_size)

    @property
    def saves(self) -> tuple:
        # to 1 x 1 torch runs it as mean(), whose backward needs only the sizes
        return () if all(o == 1 for o in self.output_size) else ("input",)

    def receptive(self, x: Shape, y: Shape, rf):
        """Exact where the windows are uniform (W divisible by the output size: a pool with
        kernel = stride = W/out); the whole input for output 1; otherwise undefined."""
        if not isinstance(rf, list):
            return rf
        if all(o == 1 for o in self.output_size):
            return WHOLE
        if any(w % o for w, o in zip(x[1:], self.output_size)):
            return None
        return [ar.rf_window(r, s, p, w // o, w // o, 0)
                for (r, s, p), w, o in zip(rf, x[1:], self.output_size)]

    def cost(self, x: Shape, y: Shape) -> Cost:
        # windows differ in length; count each exactly
        return Cost(connections=x[0] * prod(ar.adaptive_taps(w, o)
                                            for w, o in zip(x[1:], self.output_size)))


AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d = dims_family(
    AdaptivePoolNd, "adaptive_avgpool", "AdaptiveAvgPool")
AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d = dims_family(
    AdaptivePoolNd, "adaptive_maxpool", "AdaptiveMaxPool")


class GlobalPool(Layer):
    """Pools each whole map to one value: [C, *spatial] -> [C, 1, ...] (NiN, ResNet heads).

    Like torch's AdaptiveAvgPool(1) / Keras GlobalAveragePooling with keepdims.
    """
    prefix = "pool"
    ranks = (2, 3, 4)  # a map to pool: AdaptiveAvg/MaxPool1d/2d/3d(1)
    saves = ()         # a mean over the map: its backward needs only the sizes

    def output_shape(self, x: Shape) -> Shape:
        return (x[0],) + (1,) * (len(x) - 1)

    def receptive(self, x: Shape, y: Shape, rf):
        return WHOLE if rf is not None else None

    def cost(self, x: Shape, y: Shape) -> Cost:
        return Cost(connections=prod(x))


@register("global_avgpool")
class GlobalAvgPool(GlobalPool):
    """Global average pooling."""


@register("global_maxpool")
class GlobalMaxPool(GlobalPool):
    """Global max pooling."""
