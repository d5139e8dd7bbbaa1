"""The engine: propagate shapes through layers and total their costs."""
from . import arithmetic as ar
from .layers import Shape, neurons
from .layers.conv import Windowed
from .result import AxisWork, LayerReport


def analyze_layer(layer: Windowed, sizes: Shape, channels: int | None = None) -> LayerReport:
    """One windowed layer on an input of spatial ``sizes`` (and ``channels``, if known).

    Raises Problem for what cannot work, exactly as inside a model.
    """
    out = layer.spatial(sizes)
    transposed = hasattr(layer, "output_padding")
    mode = layer.padding if isinstance(layer.padding, str) else ""
    axes = []
    for i, (a, o) in enumerate(zip(layer.axes(sizes), out)):
        runs = None if transposed else ar.unread_ranges(a.size, a.kernel, a.stride, o,
                                                         a.pad_begin, a.dilation)
        unread = () if transposed else (None if runs is None else tuple(runs))
        axes.append(AxisWork(a.size, a.kernel, a.stride, a.pad_begin, a.pad_end, a.dilation, o,
                             mode, getattr(layer, "ceil_mode", False), transposed,
                             layer.output_padding[i] if transposed else 0, unread))
    report = LayerReport(layer.type_name, tuple(sizes), out, tuple(axes))
    if channels is None:
        return report
    x = (channels, *sizes)
    y = layer.output_shape(x)
    cost = layer.cost(x, y)
    return LayerReport(layer.type_name, tuple(sizes), out, tuple(axes), x, y, cost.params,
                       cost.connections, neurons(y), cost.macs)
