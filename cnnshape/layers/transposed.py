"""Transposed convolutions: conv_transpose1d/2d/3d, as torch.nn.ConvTransposeNd."""
from dataclasses import dataclass, field
from math import prod

from .. import arithmetic as ar
from . import Cost, NonNegPerAxis, Problem, Shape, dims_family, doc, neurons
from .conv import Axis, ConvNd


class OptionalNonNegPerAxis(NonNegPerAxis):
    """A non-negative int, one per spatial axis, or null: inferred (Keras' default)."""
    schema = {"oneOf": [{"type": "null"}, *NonNegPerAxis.schema["oneOf"]]}

    @staticmethod
    def parse(value, name, dims):
        return None if value is None else NonNegPerAxis.parse(value, name, dims)


@dataclass(frozen=True, kw_only=True)
class ConvTransposeNd(ConvNd):
    """Matches torch.nn.ConvTransposeNd: the gradient of a conv, which grows the map."""
    prefix = "deconv"
    family = "conv_transpose"
    output_padding: OptionalNonNegPerAxis = field(default=0, metadata=doc(
        "extra rows/columns added at the end; smaller than stride or dilation (null: "
        "inferred, as Keras does when it is not given)"))

    def validate(self):
        super().validate()
        if self.framework is not None:
            return      # the framework's own refusals, checked above
        if self.output_padding is None:
            raise Problem("CS105", f"{self.type_name}: output_padding null (inferred) needs "
                          "a framework that infers it, such as keras",
                          "give an int, or framework: keras", "output_padding")
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

    def _axes(self, sizes: Shape) -> tuple[Axis, ...]:
        """Under a framework, 'same', 'valid' and explicit padding follow its rules
        (arithmetic.transposed_out); the axes carry what is cropped from torch's full
        output, d*(F-1) + (W-1)*S + 1 + output_padding, to give that size."""
        if self.framework is None:
            return super()._axes(sizes)
        rules = self.dialect
        out = []
        for i, size in enumerate(sizes):
            k, s, d = self.kernel_size[i], self.stride[i], self.dilation[i]
            op = None if self.output_padding is None else self.output_padding[i]
            pad = self.padding if isinstance(self.padding, str) else self.padding[i]
            if pad == "same" and rules.rule("same_dilation", self.family) == "drop":
                d = 1   # Paddle runs a 'same' layer undilated
            f = self.family
            n = ar.transposed_out(size, k, s, d, pad, op, rules.rule("transposed_valid", f),
                                  rules.rule("transposed_padding", f),
                                  rules.rule("transposed_same", f))
            if rules.rule("transposed_check", f) == "forward" and n > 0:
                back = ar.ceil_div(n, s) if pad == "same" else \
                    ar.conv_out(n, k, s, 0, d) if pad == "valid" else size
                if back != size:
                    raise Problem("CS705", f"{rules.title} refuses this {self.type_name}: on "
                                  f"axis {i + 1} its output {n} would not convolve back to "
                                  f"the input {size} (it gives {back})",
                                  "its rule: the forward convolution of the output must give "
                                  "the input; change output_padding or the padding",
                                  "output_padding")
            crop = (size - 1) * s + ar.effective_kernel(k, d) + (op or 0) - n
            out.append(Axis(size, k, s, crop // 2, crop - crop // 2, d))
        return tuple(out)

    def output_paddings(self) -> tuple[int, ...]:
        return self.output_padding or (0,) * len(self.kernel_size)

    def spatial(self, sizes: Shape) -> Shape:
        result = []
        for n, a in enumerate(self.axes(sizes)):
            size = ar.conv_transpose_out(a.size, a.kernel, a.stride, a.pad_begin, a.dilation,
                                         self.output_paddings()[n], a.pad_end)
            if size <= 0:
                raise Problem("CS201", f"{self.type_name}: axis {n + 1} comes out as {size}: "
                              f"padding {a.pad_begin}+{a.pad_end} crops more than the "
                              f"{size + a.pad_begin + a.pad_end} the layer produces",
                              "use less padding" + self.empty_note(size), "padding")
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
