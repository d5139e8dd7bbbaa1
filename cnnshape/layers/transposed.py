"""Transposed convolutions: conv_transpose1d/2d/3d, as torch.nn.ConvTransposeNd."""
from dataclasses import dataclass, field
from math import prod

from .. import arithmetic as ar
from . import Cost, NonNegPerAxis, Problem, Shape, dims_family, doc, neurons
from .conv import ConvNd


@dataclass(frozen=True, kw_only=True)
class ConvTransposeNd(ConvNd):
    """Matches torch.nn.ConvTransposeNd: the gradient of a conv, which grows the map."""
    prefix = "deconv"
    output_padding: NonNegPerAxis = field(default=0, metadata=doc(
        "extra rows/columns added at the end; smaller than stride or dilation"))

    def validate(self):
        super().validate()
        if isinstance(self.padding, str) and self.padding != "valid":
            raise Problem("CS105", f"{self.type_name}: padding {self.padding!r} is not "
                          "supported for transposed convolution",
                          "give explicit padding and output_padding", "padding")
        for op, s, d in zip(self.output_padding, self.stride, self.dilation):
            if op >= s and op >= d:
                raise Problem("CS204", f"{self.type_name}: output_padding {op} must be smaller "
                              f"than the stride ({s}) or the dilation ({d})",
                              "torch refuses it: it would add outputs no input reaches",
                              "output_padding")

    def spatial(self, sizes: Shape) -> Shape:
        result = []
        for n, a in enumerate(self.axes(sizes)):
            size = ar.conv_transpose_out(a.size, a.kernel, a.stride, a.pad_begin, a.dilation,
                                         self.output_padding[n], a.pad_end)
            if size <= 0:
                raise Problem("CS201", f"{self.type_name}: axis {n + 1} comes out as {size}: "
                              f"padding {a.pad_begin}+{a.pad_end} crops more than the "
                              f"{size + a.pad_begin + a.pad_end} the layer produces",
                              "use less padding", "padding")
            result.append(size)
        return tuple(result)

    def weights(self, x: Shape) -> int:
        # torch stores the weight as (C_in, K/g, *F): the same count as a conv's
        return x[0] * (self.out_channels // self.groups) * prod(self.kernel_size)

    def taps(self, x: Shape) -> int:
        # seen as a direct conv over the zero-stuffed input, each output unit
        # has C_in/g * prod(F) taps, as in the LeNet-5 convention for a conv
        return x[0] // self.groups * prod(self.kernel_size)

    def notes(self, x: Shape, y: Shape) -> list:
        return []  # every input element is spread over the output: none is left unread

    def receptive(self, x: Shape, y: Shape, rf):
        if not isinstance(rf, list):
            return rf
        return [ar.rf_transposed(r, s_, p, a.kernel, a.stride, a.pad_begin, a.dilation)
                for (r, s_, p), a in zip(rf, self.axes(x[1:]))]

    def cost(self, x: Shape, y: Shape) -> Cost:
        n = neurons(y)
        # every input element is multiplied by every weight of its group once;
        # torch.utils.flop_counter counts transposed convs the same way
        macs = prod(x[1:]) * self.weights(x)
        return Cost(params=self.weights(x) + self.out_channels * self.bias,
                    connections=n * (self.taps(x) + self.bias), macs=macs)


ConvTranspose1d, ConvTranspose2d, ConvTranspose3d = dims_family(
    ConvTransposeNd, "conv_transpose", "ConvTranspose")
