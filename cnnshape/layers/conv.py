"""Convolutions: conv1d/2d/3d, as torch.nn.ConvNd, and what pools share with them."""
from dataclasses import dataclass, field
from math import prod
from typing import NamedTuple

from .. import arithmetic as ar
from . import (
    Bool,
    Framework,
    Cost,
    Count,
    Layer,
    Padding,
    PerAxis,
    Problem,
    Shape,
    dims_family,
    doc,
    neurons,
)


class Axis(NamedTuple):
    """One spatial axis of a windowed layer, padding resolved for its input size."""
    size: int
    kernel: int
    stride: int
    pad_begin: int
    pad_end: int
    dilation: int


_AXES: dict = {}


class Windowed(Layer):
    """Shared by convolutions and pools: a window slid over every spatial axis."""
    framework = None    # a field of the kinds that follow a framework's rules

    def axes(self, sizes: Shape) -> tuple[Axis, ...]:
        """Per-axis kernel, stride, padding and dilation, with 'same'/'valid'/'full' resolved.

        Shape, warnings and receptive field all ask for them: computed once per
        (layer, sizes), and equal layers share the answer."""
        key = (self, sizes)
        found = _AXES.get(key)
        if found is None:
            if len(_AXES) > 65536:
                _AXES.clear()
            found = _AXES[key] = self._axes(sizes)
        return found

    @property
    def dialect(self):
        """The framework rules this layer follows (cnnshape.dialects)."""
        from ..dialects import get
        return get(self.framework)

    def _axes(self, sizes: Shape) -> tuple[Axis, ...]:
        out = []
        dialect = self.dialect if self.framework is not None else None
        for i, size in enumerate(sizes):
            k, s, d = self.kernel_size[i], self.strides()[i], self.dilations()[i]
            if self.padding == "same":
                if dialect is None:
                    pb, pe = ar.same_padding(size, k, s, d)
                else:
                    family = self.family
                    if dialect.rule("same_dilation", family) == "drop":
                        d = 1   # Paddle runs a 'same' layer undilated
                    pb, pe, need = ar.same_padding(
                        size, k, s, d, split=dialect.rule("same_split", family),
                        dilated=dialect.rule("same_dilation", family) == "use", negative=True)
                    if need < 0 and dialect.rule("same_negative", family) == "refuse":
                        raise Problem("CS705", f"{dialect.title} refuses this "
                                      f"{self.type_name}: 'same' on axis {i + 1} would need "
                                      f"negative padding ({need}): the window is shorter than "
                                      "the stride", "use a window at least as long as the "
                                      "stride, or explicit padding", "padding")
            elif self.padding == "full":
                pb, pe = ar.full_padding(k, d)
            elif self.padding == "valid":
                pb = pe = 0
            else:
                pb, pe = self.padding[i]
            out.append(Axis(size, k, s, pb, pe, d))
        return tuple(out)

    def strides(self) -> tuple[int, ...]:
        return self.stride

    def dilations(self) -> tuple[int, ...]:
        return self.dilation

    def spatial(self, sizes: Shape) -> Shape:
        """Output size of every spatial axis; refuses a size that cannot work.

        A window wider than the padded input is refused, as torch does, except
        in ceil mode, where torch lets the last window hang over the edge.
        """
        if self.framework is not None:
            from ..dialects import refusal
            problem = refusal(self, sizes)
            if problem is not None:
                raise problem
        result = []
        for n, a in enumerate(self.axes(sizes)):
            padded = a.size + a.pad_begin + a.pad_end
            span = ar.effective_kernel(a.kernel, a.dilation)
            if span > padded and self.refuses_too_wide():
                raise Problem(
                    "CS201",
                    f"{self.type_name}: on axis {n + 1} the window spans {span} "
                    f"(kernel_size {a.kernel}" + (f", dilation {a.dilation}" if a.dilation > 1
                                                   else "")
                    + f") but the padded input is only {padded} "
                    f"({a.size} + {a.pad_begin} + {a.pad_end}); no window fits"
                    + self.empty_note(),
                    "use a smaller kernel_size or dilation, more padding, or a larger input",
                    "kernel_size")
            size = self.axis_out(a)
            if size <= 0:
                raise Problem("CS201", f"{self.type_name}: axis {n + 1} shrinks to {size}"
                              + self.empty_note(size),
                              "the input is too small for this window", "kernel_size")
            result.append(size)
        return tuple(result)

    def axis_out(self, a: Axis) -> int:
        return ar.conv_out(a.size, a.kernel, a.stride, a.pad_begin, a.dilation, a.pad_end,
                           self.division())

    def division(self) -> str:
        return "floor" if self.framework is None else self.dialect.rule("division",
                                                                        self.family)

    def rounds_up(self) -> bool:
        """Whether the output size is rounded up (a pool's ceil mode)."""
        return False

    def refuses_too_wide(self) -> bool:
        """Whether a window wider than the padded input is refused outright (torch), or
        left to the size formula (frameworks that compute and may return an empty tensor)."""
        rule = "refuse" if self.framework is None else self.dialect.rule("too_wide",
                                                                          self.family)
        return rule == "always" or rule == "refuse" and not self.rounds_up()

    def empty_note(self, size: int = 0) -> str:
        """For a framework that returns an empty tensor rather than raise, say so."""
        if self.framework is None:
            return ""
        rule = self.dialect.rule("empty", self.family)
        if rule == "all" or rule == "zero" and size == 0:
            return f"; {self.dialect.title} returns an empty tensor here, without an error"
        return ""

    def validate(self):
        if self.framework is not None:
            from ..dialects import refusal
            problem = refusal(self)
            if problem is not None:
                raise problem

    def receptive(self, x: Shape, y: Shape, rf):
        if not isinstance(rf, list):
            return rf
        return [ar.rf_window(r, s_, p, a.kernel, a.stride, a.pad_begin, a.dilation)
                for (r, s_, p), a in zip(rf, self.axes(x[1:]))]

    def notes(self, x: Shape, y: Shape) -> list:
        """Input rows/columns dropped because (W + 2P - F) does not divide by S (CS301),
        and ceil-mode windows torch drops (CS302).

        Windows that skip inputs on purpose (kernel smaller than stride, as a 1x1
        convolution with stride 2; dilation) are not warned about: only the silent
        loss at the end of an axis that the windows otherwise cover.
        """
        from ..report import AXIS_NAMES, UNIT_NAMES
        names = AXIS_NAMES.get(len(x) - 1, ())
        lost, dropped, fits = [], [], []
        for n, a in enumerate(self.axes(x[1:])):
            unit = UNIT_NAMES[names[n]] if n < len(names) else f"positions on axis {n + 1}"
            num = a.size + a.pad_begin + a.pad_end - ar.effective_kernel(a.kernel, a.dilation)
            rem = num % a.stride
            if self.rounds_up():
                out = ar.ceil_div(num, a.stride) + 1
                if out != self.axis_out(a):
                    dropped.append(names[n] if n < len(names) else f"axis {n + 1}")
                continue
            real = rem - a.pad_end  # the unread tail, less what is padding
            if real > 0 and a.dilation == 1 and a.kernel >= a.stride:
                first = a.size - real
                rows = str(first) if real == 1 else f"{first}-{a.size - 1}"
                lost.append(f"{real} of {a.size} input {unit} ({rows})")
                fits.append(f"{a.size + a.stride - rem} or {a.size - rem}")
        out = []
        if lost:
            out.append(Problem("CS301", f"{self.type_name}: {' and '.join(lost)} never read: "
                               "(W + 2P - F) does not divide by the stride",
                               f"an input size of {' / '.join(dict.fromkeys(fits))} would fit "
                               "exactly, or "
                               "adjust the padding", "stride", "warning"))
        if dropped:
            out.append(Problem("CS302", f"{self.type_name}: ceil_mode's last window on the "
                               f"{' and '.join(dropped)} would start beyond the input, so "
                               f"{'torch' if self.framework is None else self.dialect.title} "
                               "drops it", "the output is one smaller than ceil() "
                               "suggests", "ceil_mode", "warning"))
        return out


@dataclass(frozen=True, kw_only=True)
class ConvNd(Windowed):
    """Matches torch.nn.ConvNd; padding also takes TF's 'same' with any stride."""
    primary = "out_channels"
    prefix = "conv"
    family = "conv"
    out_channels: Count = field(metadata=doc("number of filters K"))
    kernel_size: PerAxis = field(metadata=doc("window F, an int or one per axis"))
    stride: PerAxis = field(default=1, metadata=doc("step S between windows"))
    padding: Padding = field(default=0, metadata=doc(
        "P: int, per axis, [begin, end] per axis, 'same' (TF/ONNX SAME_UPPER), 'valid' or 'full'"))
    dilation: PerAxis = field(default=1, metadata=doc("spacing d between kernel taps"))
    groups: Count = field(default=1, metadata=doc("input and output channels split into groups"))
    bias: Bool = field(default=True, metadata=doc("one learned bias per filter"))
    trainable: Bool = field(default=True, metadata=doc(
        "false: frozen weights (requires_grad=False, as Ultralytics' DFL conv), counted as "
        "non-trainable params"))
    framework: Framework = field(default=None, metadata=doc(
        "follow this framework's arithmetic and defaults (the spec's framework: sets it for "
        "every layer)"))

    def validate(self):
        super().validate()
        if self.out_channels % self.groups:
            raise Problem("CS202", f"{self.type_name}: groups={self.groups} does not divide "
                          f"out_channels={self.out_channels}",
                          "out_channels must be a multiple of groups", "groups")

    def check_channels(self, channels: int) -> None:
        if channels % self.groups:
            raise Problem("CS202", f"{self.type_name}: groups={self.groups} does not divide "
                          f"the {channels} input channels",
                          "in_channels must be a multiple of groups", "groups")

    def output_shape(self, x: Shape) -> Shape:
        self.check_channels(x[0])
        return (self.out_channels, *self.spatial(x[1:]))

    def taps(self, x: Shape) -> int:
        """Inputs one output unit reads: C_in/g * prod(F)."""
        return x[0] // self.groups * prod(self.kernel_size)

    def weights(self, x: Shape) -> int:
        return self.out_channels * self.taps(x)

    def cost(self, x: Shape, y: Shape) -> Cost:
        n = neurons(y)
        weights = self.weights(x) + self.out_channels * self.bias
        return Cost(params=weights if self.trainable else 0,
                    non_trainable_params=0 if self.trainable else weights,
                    connections=n * (self.taps(x) + self.bias),
                    macs=n * self.taps(x))


Conv1d, Conv2d, Conv3d = dims_family(ConvNd, "conv", "Conv")
