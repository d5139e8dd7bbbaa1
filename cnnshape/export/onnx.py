"""ONNX export: an expanded spec and its result -> the bytes of an ``.onnx`` model.

Built with the ``onnx`` package alone.  One node per layer where ONNX has the op, named as
the spec's layer, whose output tensor has the layer's name; a layer ONNX has no op for is
written as the few nodes that compute it exactly, named ``layer/step``.  Every tensor the
graph computes has a ``value_info`` with cnnshape's shape behind a symbolic batch ``N``, so
Netron shows the shapes and ``onnx.checker.check_model(full_check=True)`` compares them with
ONNX's own inference.

What the file holds as initializers is exactly the layers' weights: cnnshape's ``params``
plus its ``non_trainable_params`` (BatchNorm's running mean and variance, frozen weights,
LeNet-5's RBF centres).  Every other constant (shapes, pads, split sizes, scales, the ones
of a norm without affine) is a ``Constant`` node, so that count is a check of the file.

What ONNX lacks and the file does instead (each exact, never an approximation):

- ceil_mode pools: explicit end padding giving the same size (ONNX's shape inference of
  ceil mode disagrees with torch and onnxruntime where a window would start in the
  padding); an average pool counting its padding pads with a Pad node first, so the
  divisor stays torch's;
- adaptive pools: a pool with kernel and stride where torch's windows are uniform (global
  pooling for an output of 1); other sizes are refused;
- ``linear`` on a map: MatMul (+ Add); ``layernorm2d``: Transpose, LayerNormalization,
  Transpose; ``groupnorm``: Reshape to groups, InstanceNormalization, Reshape, per-channel
  Mul and Add (opset 18's GroupNormalization scales per group, not per channel as torch);
- ``silu``: x * Sigmoid(x); ``gelu``: 0.5 x (1 + Erf(x / sqrt 2)) (Gelu is opset 20);
  ``mish`` at opset 17: x * Tanh(Softplus(x)); ``relu6``: Clip(0, 6);
- ``channel_shuffle`` and ``pixel_unshuffle``: Reshape, Transpose, Reshape (SpaceToDepth
  orders the channels as DCR, torch as CRD); ``pixel_shuffle``: DepthToSpace mode CRD;
- ``upsample`` with a size at opset 17: Resize with sizes made of Shape(x)[:2] and the size;
- LeNet-5's ``subsampling2d``: AveragePool, Mul and Add per map (the coefficient holds k²·a,
  so that it equals a times the window's sum); ``partial_conv2d``: one Conv per output map
  over the Concat of the maps its table row names; ``rbf``: ReduceSum((x - W)²).

What cannot be expressed is a SpecError naming the layer and the reason (CS621).
"""
from math import prod

from .. import arithmetic as ar
from ..registry import registrar

#: opset -> the IR version written with it: the lowest that carries the opset
#: (onnx.helper.VERSION_TABLE: onnx 1.12 brought opset 17 with IR 8, 1.13 opset 18 with
#: IR 8).  The onnx package's own newest IR (10 and up) is refused by onnxruntime
#: releases only months old.
IR_VERSIONS = {17: 8, 18: 8}

#: weights a layer has: filled with zeros, or seeded random numbers
WEIGHTS = ("zeros", "random")

_HANDLERS: dict = {}


handles = registrar(_HANDLERS)  # @handles("Name", ...) files a function under names


class Refusal(Exception):
    """A layer ONNX cannot express: the reason and a hint."""


def write(spec, result, *, opset: int = 18, weights: str = "zeros", seed: int = 0) -> bytes:
    """The serialized ONNX model of ``spec`` (expanded) whose shapes ``result`` holds."""
    onnx = _need_onnx(spec)
    import numpy as np
    if opset not in IR_VERSIONS:
        raise _error(spec, f"opset {opset} is not written; give one of "
                     f"{', '.join(map(str, IR_VERSIONS))}", "--opset 17 or --opset 18")
    if weights not in WEIGHTS:
        raise _error(spec, f"weights {weights!r}: give one of {', '.join(WEIGHTS)}", "")
    g = _Graph(onnx, np, opset, np.random.default_rng(seed) if weights == "random" else None)
    rows = {r.name: r for r in result.layers}
    names = [n.name for n in spec.nodes]
    for node in spec.nodes:
        row = rows[node.name]
        xs = [_source(names, spec.nodes, i, p)
              for i, p in zip(node.inputs, node.parts or (None,) * len(node.inputs))]
        writer = _HANDLERS.get(row.type)
        try:
            if writer is None:
                raise Refusal(f"ONNX export does not know the layer kind {row.type!r}", "")
            writer(g, _Layer(node, row), xs)
        except Refusal as r:
            reason, hint = r.args
            raise _error(spec, f"{node.name} ({row.type}): {reason}", hint,
                         line=node.line, column=node.column) from None
    return g.model(spec, result).SerializeToString()


def _source(names, nodes, index, part) -> str:
    if index < 0:
        return "input"
    return names[index] if part is None else f"{names[index]}:{part}"


def _need_onnx(spec):
    try:
        import onnx
    except ImportError as e:
        from ..diagnostics import Diagnostic, SpecError
        raise SpecError([Diagnostic(spec.path or "<spec>", 0, 0, "CS000", "error",
                                    "writing an ONNX model needs the onnx package "
                                    f"({e.__class__.__name__}: {e})",
                                    "pip install 'cnnshape[onnx]'")]) from None
    return onnx


def _error(spec, message, hint, line=0, column=0):
    from ..diagnostics import Diagnostic, SpecError
    return SpecError([Diagnostic(spec.path or "<spec>", line, column, "CS621", "error",
                                 message, hint)])


class _Layer:
    """What a writer reads: the layer's fields, its shapes (without batch) and its name."""

    def __init__(self, node, row):
        self.name, self.layer, self.row = node.name, node.layer, row
        self.ins = row.input_shapes
        self.x = row.input_shapes[0]
        self.y = row.output_shape


class _Graph:
    """Nodes, initializers and value_info as the writers add them."""

    def __init__(self, onnx, np, opset, rng):
        self.onnx, self.np, self.opset, self.rng = onnx, np, opset, rng
        self.nodes, self.inits, self.infos = [], [], []
        self.count = 0

    # --- tensors ---------------------------------------------------------------------
    def weight(self, name, shape, fill=None, random=True) -> str:
        """An initializer: one of the layer's params (or running statistics).  Weights of
        convolutions and linear layers are zeros or random; norms start as torch's do."""
        np = self.np
        if fill is not None:
            data = np.full(shape, fill, dtype=np.float32)
        elif self.rng is not None and random:
            data = (self.rng.standard_normal(shape) * 0.05).astype(np.float32)
        else:
            data = np.zeros(shape, dtype=np.float32)
        self.inits.append(self.onnx.numpy_helper.from_array(data, name))
        return name

    def const(self, name, values, dtype="int64") -> str:
        """A Constant node: shapes, pads, scales; not a weight, so not an initializer."""
        arr = self.np.asarray(values, dtype=dtype)
        self.nodes.append(self.onnx.helper.make_node(
            "Constant", [], [name], name=name,
            value=self.onnx.numpy_helper.from_array(arr, name)))
        return name

    def op(self, op_type, inputs, output, shape, name=None, **attrs) -> str:
        """One node with one output tensor of ``shape`` (a sample's: the batch is added)."""
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [output],
                                                     name=name or output, **attrs))
        self.info(output, shape)
        return output

    def info(self, name, shape):
        self.infos.append(self.onnx.helper.make_tensor_value_info(
            name, self.onnx.TensorProto.FLOAT, ["N", *shape]))

    # --- the model -------------------------------------------------------------------
    def model(self, spec, result):
        from .. import __version__
        h, onnx = self.onnx.helper, self.onnx
        out_name = spec.nodes[-1].name
        infos = [i for i in self.infos if i.name != out_name]
        title = spec.name or "cnnshape"
        doc = (f"{title}: written by cnnshape {__version__} from the spec "
               f"{spec.name or spec.path or '(inline)'}"
               + (f" ({spec.description})" if spec.description else "")
               + f"; input {list(result.input_shape)}, output {list(result.output_shape)}, "
               f"{result.totals.params:,} params, {result.totals.macs:,} MACs")
        graph = h.make_graph(
            self.nodes, title,
            [h.make_tensor_value_info("input", onnx.TensorProto.FLOAT,
                                      ["N", *result.input_shape])],
            [h.make_tensor_value_info(out_name, onnx.TensorProto.FLOAT,
                                      ["N", *result.output_shape])],
            initializer=self.inits, value_info=infos, doc_string=doc)
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", self.opset)],
                             producer_name="cnnshape", producer_version=__version__,
                             doc_string=doc)
        model.ir_version = IR_VERSIONS[self.opset]
        t = result.totals
        h.set_model_props(model, {
            "cnnshape.spec": spec.name or spec.path or "",
            "cnnshape.input_shape": "x".join(map(str, result.input_shape)),
            "cnnshape.output_shape": "x".join(map(str, result.output_shape)),
            "cnnshape.params": str(t.params),
            "cnnshape.non_trainable_params": str(t.non_trainable_params),
            "cnnshape.macs": str(t.macs)})
        return model


def _axis(d: int, rank: int) -> int:
    """A sample's axis (0 = channels, negative from the end) as ONNX's, the batch first."""
    return d % rank + 1


def _channel_shape(c: int, rank: int) -> tuple:
    """A per-channel tensor that broadcasts over a [C, ...] sample behind the batch."""
    return (c,) + (1,) * (rank - 1)


# --- convolutions ----------------------------------------------------------------------
def _window_attrs(layer, x, pads=None):
    axes = layer.axes(x[1:])
    if pads is None:
        pads = [a.pad_begin for a in axes] + [a.pad_end for a in axes]
    return {"kernel_shape": [a.kernel for a in axes], "strides": [a.stride for a in axes],
            "pads": pads}


@handles("conv1d", "conv2d", "conv3d")
def _conv(g, t, xs):
    L, x = t.layer, t.x
    w = g.weight(f"{t.name}.weight", (L.out_channels, x[0] // L.groups, *L.kernel_size))
    b = [g.weight(f"{t.name}.bias", (L.out_channels,))] if L.bias else []
    g.op("Conv", [xs[0], w, *b], t.name, t.y, dilations=list(L.dilation), group=L.groups,
         **_window_attrs(L, x))


@handles("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
def _conv_transpose(g, t, xs):
    L, x = t.layer, t.x
    w = g.weight(f"{t.name}.weight", (x[0], L.out_channels // L.groups, *L.kernel_size))
    b = [g.weight(f"{t.name}.bias", (L.out_channels,))] if L.bias else []
    g.op("ConvTranspose", [xs[0], w, *b], t.name, t.y, dilations=list(L.dilation),
         group=L.groups, output_padding=list(L.output_paddings()), **_window_attrs(L, x))


# --- pools -------------------------------------------------------------------------------
def _ceil_pads(layer, x):
    """Per axis (begin, end) padding that gives, in floor mode, the size ceil mode gives:
    the end padding grows until the last window torch keeps fits.  It stays below the
    kernel, since torch keeps no window that starts in the padding."""
    begins, ends = [], []
    for a, out in zip(layer.axes(x[1:]), layer.spatial(x[1:])):
        need = (out - 1) * a.stride + ar.effective_kernel(a.kernel, a.dilation)
        begins.append(a.pad_begin)
        ends.append(max(a.pad_end, need - a.size - a.pad_begin))
    return begins, ends


@handles("maxpool1d", "maxpool2d", "maxpool3d")
def _maxpool(g, t, xs):
    L = t.layer
    begins, ends = _ceil_pads(L, t.x)
    g.op("MaxPool", xs, t.name, t.y, dilations=list(L.dilations()),
         **_window_attrs(L, t.x, begins + ends))


@handles("avgpool1d", "avgpool2d", "avgpool3d")
def _avgpool(g, t, xs):
    L, x = t.layer, t.x
    axes = L.axes(x[1:])
    begins, ends = _ceil_pads(L, x)
    grown = any(e != a.pad_end for e, a in zip(ends, axes))
    if not grown:
        g.op("AveragePool", xs, t.name, t.y, count_include_pad=int(L.count_include_pad),
             **_window_attrs(L, x))
        return
    # torch divides a ceil-mode window by its part inside the input and its padding, never
    # by the overhang: pad the given padding with zeros first, then let the pool pad the
    # overhang without counting it
    src = xs[0]
    if L.count_include_pad and any(a.pad_begin or a.pad_end for a in axes):
        padded = (x[0], *(a.size + a.pad_begin + a.pad_end for a in axes))
        pads = g.const(f"{t.name}/pads", [0, 0, *(a.pad_begin for a in axes),
                                          0, 0, *(a.pad_end for a in axes)])
        src = g.op("Pad", [src, pads], f"{t.name}/pad", padded)
        begins = [0] * len(axes)
        ends = [e - a.pad_end for e, a in zip(ends, axes)]
    g.op("AveragePool", [src], t.name, t.y, count_include_pad=0,
         **_window_attrs(L, x, begins + ends))


@handles("adaptive_avgpool1d", "adaptive_avgpool2d", "adaptive_avgpool3d",
         "adaptive_maxpool1d", "adaptive_maxpool2d", "adaptive_maxpool3d")
def _adaptive(g, t, xs):
    L, x = t.layer, t.x
    op = "AveragePool" if "avg" in t.row.type else "MaxPool"
    if all(o == 1 for o in L.output_size):
        g.op("Global" + op, xs, t.name, t.y)
        return
    kernels, strides = [], []
    for n, (w, o) in enumerate(zip(x[1:], L.output_size)):
        windows = [ar.adaptive_window(i, w, o) for i in range(o)]
        k = windows[0][1] - windows[0][0]
        s = windows[1][0] - windows[0][0] if o > 1 else 1
        if any(b - a != k or a != i * s for i, (a, b) in enumerate(windows)):
            raise Refusal(f"its windows on axis {n + 1} ({w} -> {o}) differ in size or step, "
                          "and ONNX has no adaptive pool", "give an input size that the "
                          "output size divides, or a global pool (output_size 1)")
        kernels.append(k)
        strides.append(s)
    g.op(op, xs, t.name, t.y, kernel_shape=kernels, strides=strides)


@handles("global_avgpool")
def _global_avg(g, t, xs):
    g.op("GlobalAveragePool", xs, t.name, t.y)


@handles("global_maxpool")
def _global_max(g, t, xs):
    g.op("GlobalMaxPool", xs, t.name, t.y)


# --- dense -------------------------------------------------------------------------------
@handles("flatten")
def _flatten(g, t, xs):
    g.op("Flatten", xs, t.name, t.y, axis=1)


@handles("linear")
def _linear(g, t, xs):
    L, x = t.layer, t.x
    if len(x) == 1:
        w = g.weight(f"{t.name}.weight", (L.out_features, x[0]))
        b = [g.weight(f"{t.name}.bias", (L.out_features,))] if L.bias else []
        g.op("Gemm", [xs[0], w, *b], t.name, t.y, transB=1)
        return
    # on a map: the last axis (Gemm takes a matrix); the weight stored as [in, out]
    w = g.weight(f"{t.name}.weight", (x[-1], L.out_features))
    if not L.bias:
        g.op("MatMul", [xs[0], w], t.name, t.y)
        return
    # the MatMul node carries the layer's name, as an importer reads MatMul + Add as one
    mm = g.op("MatMul", [xs[0], w], f"{t.name}/matmul", t.y, name=t.name)
    g.op("Add", [mm, g.weight(f"{t.name}.bias", (L.out_features,))], t.name, t.y,
         name=f"{t.name}/bias")


# --- normalisations ------------------------------------------------------------------
def _affine(g, t, c, learned, suffix=("weight", "bias")):
    """Scale and shift: initializers when learned, else Constant ones and zeros."""
    if learned:
        return (g.weight(f"{t.name}.{suffix[0]}", (c,), fill=1.0),
                g.weight(f"{t.name}.{suffix[1]}", (c,), fill=0.0))
    return (g.const(f"{t.name}/ones", [1.0] * c, "float32"),
            g.const(f"{t.name}/zeros", [0.0] * c, "float32"))


def _batchnorm(g, t, xs, src=None):
    L, c = t.layer, t.x[0]
    if not L.track_running_stats:
        raise Refusal("without running statistics it normalises with the batch's own at "
                      "inference, which ONNX's BatchNormalization does not", "set "
                      "track_running_stats: true")
    scale, bias = _affine(g, t, c, L.affine)
    mean = g.weight(f"{t.name}.running_mean", (c,), fill=0.0)
    var = g.weight(f"{t.name}.running_var", (c,), fill=1.0)
    # ONNX's momentum weighs the running value, torch's the new batch
    g.op("BatchNormalization", [src or xs[0], scale, bias, mean, var], t.name, t.y,
         epsilon=float(L.eps), momentum=1.0 - float(L.momentum))


handles("batchnorm", "batchnorm1d", "batchnorm2d", "batchnorm3d")(_batchnorm)


@handles("instancenorm1d", "instancenorm2d", "instancenorm3d")
def _instancenorm(g, t, xs):
    L = t.layer
    if L.track_running_stats:  # torch normalises with the running statistics in eval mode
        _batchnorm(g, t, xs)
        return
    scale, bias = _affine(g, t, t.x[0], L.affine)
    g.op("InstanceNormalization", [xs[0], scale, bias], t.name, t.y, epsilon=float(L.eps))


def _layernorm_inputs(g, t, shape, L):
    if not L.elementwise_affine:
        return [g.const(f"{t.name}/ones", g.np.ones(shape), "float32")]
    scale = g.weight(f"{t.name}.weight", shape, fill=1.0)
    return [scale] + ([g.weight(f"{t.name}.bias", shape, fill=0.0)] if L.bias else [])


@handles("layernorm")
def _layernorm(g, t, xs):
    L = t.layer
    n = len(L.normalized_shape)
    g.op("LayerNormalization", [xs[0], *_layernorm_inputs(g, t, L.normalized_shape, L)],
         t.name, t.y, axis=-n, epsilon=float(L.eps))


@handles("layernorm2d")
def _layernorm2d(g, t, xs):
    L, (c, h, w) = t.layer, t.x
    last = g.op("Transpose", xs, f"{t.name}/to_last", (h, w, c), perm=[0, 2, 3, 1])
    normed = g.op("LayerNormalization", [last, *_layernorm_inputs(g, t, (c,), L)],
                  f"{t.name}/norm", (h, w, c), axis=-1, epsilon=float(L.eps))
    g.op("Transpose", [normed], t.name, t.y, perm=[0, 3, 1, 2])


@handles("groupnorm")
def _groupnorm(g, t, xs):
    L, x = t.layer, t.x
    groups = L.num_groups
    grouped = (groups, prod(x) // groups)
    r = g.op("Reshape", [xs[0], g.const(f"{t.name}/groups_shape", [0, *grouped])],
             f"{t.name}/to_groups", grouped)
    ones = g.const(f"{t.name}/ones", [1.0] * groups, "float32")
    zeros = g.const(f"{t.name}/zeros", [0.0] * groups, "float32")
    n = g.op("InstanceNormalization", [r, ones, zeros], f"{t.name}/norm", grouped,
             epsilon=float(L.eps))
    if not L.affine:
        g.op("Reshape", [n, g.const(f"{t.name}/shape", [0, *x])], t.name, t.y)
        return
    back = g.op("Reshape", [n, g.const(f"{t.name}/shape", [0, *x])], f"{t.name}/back", x)
    shape = _channel_shape(x[0], len(x))
    scaled = g.op("Mul", [back, g.weight(f"{t.name}.weight", shape, fill=1.0)],
                  f"{t.name}/scale", x)
    g.op("Add", [scaled, g.weight(f"{t.name}.bias", shape, fill=0.0)], t.name, t.y)


@handles("layer_scale")
def _layer_scale(g, t, xs):
    L, x = t.layer, t.x
    d = L.dim % len(x)
    shape = tuple(x[d] if i == d else 1 for i in range(d, len(x)))
    g.op("Mul", [xs[0], g.weight(f"{t.name}.gamma", shape, fill=float(L.init_values))],
         t.name, t.y)


@handles("lrn")
def _lrn(g, t, xs):
    L = t.layer
    g.op("LRN", xs, t.name, t.y, size=L.size, alpha=float(L.alpha), beta=float(L.beta),
         bias=float(L.k))


# --- identity-like -------------------------------------------------------------------
@handles("identity", "stochastic_depth")
def _identity(g, t, xs):
    g.op("Identity", xs, t.name, t.y)


@handles("dropout", "dropout1d", "dropout2d", "dropout3d")
def _dropout(g, t, xs):
    ratio = g.const(f"{t.name}/ratio", float(t.layer.p), "float32")
    g.op("Dropout", [xs[0], ratio], t.name, t.y)


# --- activations ---------------------------------------------------------------------
_SIMPLE = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "selu": "Selu",
           "hardswish": "HardSwish", "softplus": "Softplus"}


@handles(*_SIMPLE)
def _simple(g, t, xs):
    g.op(_SIMPLE[t.row.type], xs, t.name, t.y)


@handles("relu6")
def _relu6(g, t, xs):
    lo = g.const(f"{t.name}/min", 0.0, "float32")
    hi = g.const(f"{t.name}/max", 6.0, "float32")
    g.op("Clip", [xs[0], lo, hi], t.name, t.y)


@handles("leaky_relu")
def _leaky(g, t, xs):
    g.op("LeakyRelu", xs, t.name, t.y, alpha=float(t.layer.negative_slope))


@handles("elu")
def _elu(g, t, xs):
    g.op("Elu", xs, t.name, t.y, alpha=float(t.layer.alpha))


@handles("hardsigmoid")
def _hardsigmoid(g, t, xs):
    g.op("HardSigmoid", xs, t.name, t.y, alpha=1 / 6, beta=0.5)  # torch's: relu6(x + 3) / 6


@handles("silu")
def _silu(g, t, xs):
    s = g.op("Sigmoid", xs, f"{t.name}/sigmoid", t.y)
    g.op("Mul", [xs[0], s], t.name, t.y)


@handles("gelu")
def _gelu(g, t, xs):
    # torch's exact gelu; ONNX's Gelu op arrives in opset 20
    y = t.y
    d = g.op("Div", [xs[0], g.const(f"{t.name}/sqrt2", 2 ** 0.5, "float32")],
             f"{t.name}/div", y)
    e = g.op("Erf", [d], f"{t.name}/erf", y)
    a = g.op("Add", [e, g.const(f"{t.name}/one", 1.0, "float32")], f"{t.name}/add", y)
    m = g.op("Mul", [xs[0], a], f"{t.name}/mul", y)
    g.op("Mul", [m, g.const(f"{t.name}/half", 0.5, "float32")], t.name, y)


@handles("mish")
def _mish(g, t, xs):
    if g.opset >= 18:
        g.op("Mish", xs, t.name, t.y)
        return
    sp = g.op("Softplus", xs, f"{t.name}/softplus", t.y)
    th = g.op("Tanh", [sp], f"{t.name}/tanh", t.y)
    g.op("Mul", [xs[0], th], t.name, t.y)


@handles("prelu")
def _prelu(g, t, xs):
    n = t.layer.num_parameters
    shape = _channel_shape(n, len(t.x)) if n > 1 else (1,)
    g.op("PRelu", [xs[0], g.weight(f"{t.name}.weight", shape, fill=0.25)], t.name, t.y)


@handles("softmax", "log_softmax")
def _softmax(g, t, xs):
    op = "Softmax" if t.row.type == "softmax" else "LogSoftmax"
    g.op(op, xs, t.name, t.y, axis=_axis(t.layer.dim, len(t.x)))


# --- resizing and rearranging ----------------------------------------------------------
@handles("zeropad1d", "zeropad2d", "zeropad3d")
def _zeropad(g, t, xs):
    pads = t.layer.padding
    g.op("Pad", [xs[0], g.const(f"{t.name}/pads", [0, 0, *(b for b, _ in pads),
                                                   0, 0, *(e for _, e in pads)])],
         t.name, t.y)


_RESIZE = {"nearest": {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                       "nearest_mode": "floor"},
           "nearest-exact": {"mode": "nearest", "coordinate_transformation_mode": "half_pixel",
                             "nearest_mode": "round_prefer_ceil"},
           "linear": {"mode": "linear"}, "bilinear": {"mode": "linear"},
           "trilinear": {"mode": "linear"},
           "bicubic": {"mode": "cubic", "cubic_coeff_a": -0.75}}


def _resize(g, t, src, mode, align_corners, scales=None):
    """Resize to t.y: by the scales torch was given, or to the size."""
    attrs = dict(_RESIZE.get(mode) or {})
    if not attrs:
        raise Refusal(f"mode {mode!r} has no ONNX Resize equivalent",
                      "use nearest, linear, bilinear, trilinear or bicubic")
    if attrs["mode"] != "nearest":
        attrs["coordinate_transformation_mode"] = ("align_corners" if align_corners
                                                   else "pytorch_half_pixel")
    empty = g.const(f"{t.name}/roi", [], "float32")
    if scales is not None:
        sc = g.const(f"{t.name}/scales", [1.0, 1.0, *scales], "float32")
        g.op("Resize", [src, empty, sc], t.name, t.y, **attrs)
        return
    spatial = list(t.y[1:])
    if g.opset >= 18:  # the axes attribute: sizes of the spatial axes only
        sizes = g.const(f"{t.name}/sizes", spatial)
        g.op("Resize", [src, empty, "", sizes], t.name, t.y,
             axes=list(range(2, len(t.y) + 1)), **attrs)
        return
    # opset 17 wants a size for every axis, the symbolic batch too: read it from the input
    g.nodes.append(g.onnx.helper.make_node("Shape", [src], [f"{t.name}/batch"],
                                           name=f"{t.name}/batch", start=0, end=2))
    sizes = f"{t.name}/sizes"
    g.nodes.append(g.onnx.helper.make_node(
        "Concat", [f"{t.name}/batch", g.const(f"{t.name}/spatial", spatial)], [sizes],
        name=sizes, axis=0))
    g.op("Resize", [src, empty, "", sizes], t.name, t.y, **attrs)


@handles("upsample")
def _upsample(g, t, xs):
    L = t.layer
    scales = None
    if L.scale_factor is not None:
        given = L.scale_factor * (len(t.x) - 1) if len(L.scale_factor) == 1 else L.scale_factor
        scales = [float(s) for s in given]
        # ONNX sizes its output as floor(W * scale) in float32: where that is not torch's
        # size (computed in double), give the size instead
        f32 = g.np.float32
        if any(int(f32(w) * f32(s)) != o for w, s, o in zip(t.x[1:], scales, t.y[1:])):
            scales = None
    _resize(g, t, xs[0], L.mode, L.align_corners, scales)


@handles("interpolate_as")
def _interpolate_as(g, t, xs):
    _resize(g, t, xs[0], "nearest", False)


@handles("permute")
def _permute(g, t, xs):
    order = t.layer.axes_order(t.x)
    g.op("Transpose", xs, t.name, t.y, perm=[0, *(d + 1 for d in order)])


@handles("reshape", "unflatten", "reshape_as")
def _reshape(g, t, xs):
    # a 0 copies the batch; the sample's sizes are cnnshape's, with any -1 resolved
    g.op("Reshape", [xs[0], g.const(f"{t.name}/shape", [0, *t.y])], t.name, t.y)


@handles("channel_shuffle")
def _channel_shuffle(g, t, xs):
    # torch's own definition: view as [g, C/g], transpose the two, view back
    x, groups = t.x, t.layer.groups
    split = (groups, x[0] // groups, *x[1:])
    a = g.op("Reshape", [xs[0], g.const(f"{t.name}/split_shape", [0, *split])],
             f"{t.name}/split", split)
    swapped = (split[1], split[0], *x[1:])
    perm = [0, 2, 1, *range(3, len(split) + 1)]
    b = g.op("Transpose", [a], f"{t.name}/transpose", swapped, perm=perm)
    g.op("Reshape", [b, g.const(f"{t.name}/shape", [0, *x])], t.name, t.y)


@handles("pixel_shuffle")
def _pixel_shuffle(g, t, xs):
    # torch's channel c·r² + i·r + j goes to (c, h·r + i, w·r + j): DepthToSpace's CRD order
    g.op("DepthToSpace", xs, t.name, t.y, blocksize=t.layer.upscale_factor, mode="CRD")


@handles("pixel_unshuffle")
def _pixel_unshuffle(g, t, xs):
    # SpaceToDepth orders the channels DCR ((i·r + j)·C + c); torch's are c·r² + i·r + j
    (c, h, w), r = t.x, t.layer.downscale_factor
    split = (c, h // r, r, w // r, r)
    a = g.op("Reshape", [xs[0], g.const(f"{t.name}/split_shape", [0, *split])],
             f"{t.name}/split", split)
    moved = (c, r, r, h // r, w // r)
    b = g.op("Transpose", [a], f"{t.name}/transpose", moved, perm=[0, 1, 3, 5, 2, 4])
    g.op("Reshape", [b, g.const(f"{t.name}/shape", [0, *t.y])], t.name, t.y)


# --- merges and splits ----------------------------------------------------------------
@handles("concat")
def _concat(g, t, xs):
    L, ins = t.layer, t.ins
    rank = len(ins[0])
    if L.crop:  # U-Net: every input centre-cropped to the first one's size
        ref, cropped = ins[0], [xs[0]]
        for k, (src, x) in enumerate(zip(xs[1:], ins[1:]), 1):
            if x[1:] == ref[1:]:
                cropped.append(src)
                continue
            starts = [(w - w0) // 2 for w, w0 in zip(x[1:], ref[1:])]
            axes = list(range(2, rank + 1))
            cropped.append(g.op("Slice", [
                src, g.const(f"{t.name}/starts{k}", starts),
                g.const(f"{t.name}/ends{k}", [s + w0 for s, w0 in zip(starts, ref[1:])]),
                g.const(f"{t.name}/axes{k}", axes)], f"{t.name}/crop{k}", x[:1] + ref[1:]))
        xs = cropped
    g.op("Concat", xs, t.name, t.y, axis=_axis(L.dim, rank))


@handles("add")
def _add(g, t, xs):
    g.op("Add" if len(xs) == 2 else "Sum", xs, t.name, t.y)


@handles("mul")
def _mul(g, t, xs):
    # Mul is binary: a chain, each step broadcast (sizes equal or 1 on each axis)
    acc, shape = xs[0], t.ins[0]
    for k, (src, x) in enumerate(zip(xs[1:], t.ins[1:]), 1):
        last = k == len(xs) - 1
        shape = t.y if last else tuple(map(max, shape, x))
        acc = g.op("Mul", [acc, src], t.name if last else f"{t.name}/mul{k}", shape)


@handles("matmul")
def _matmul(g, t, xs):
    g.op("MatMul", xs, t.name, t.y)


@handles("split", "chunk")
def _split(g, t, xs):
    L, x = t.layer, t.x
    d = L.axis(x)
    parts = t.row.output_shapes
    sizes = g.const(f"{t.name}/sizes", [p[d] for p in parts])
    outs = [f"{t.name}:{k}" for k in range(len(parts))]
    g.nodes.append(g.onnx.helper.make_node("Split", [xs[0], sizes], outs, name=t.name,
                                           axis=d + 1))
    for out, shape in zip(outs, parts):
        g.info(out, shape)


# --- LeNet-5's own layers ---------------------------------------------------------------
@handles("subsampling2d")
def _subsampling(g, t, xs):
    L, c = t.layer, t.x[0]
    # a trainable coefficient times the window's sum: the coefficient holds k²·a, so that
    # coefficient · mean = a · sum
    pooled = g.op("AveragePool", xs, f"{t.name}/pool", t.y, kernel_shape=list(L.kernel_size),
                  strides=list(L.strides()))
    shape = _channel_shape(c, 3)
    scaled = g.op("Mul", [pooled, g.weight(f"{t.name}.weight", shape, fill=1.0)],
                  f"{t.name}/scale", t.y)
    g.op("Add", [scaled, g.weight(f"{t.name}.bias", shape)], t.name, t.y)


@handles("partial_conv2d")
def _partial_conv(g, t, xs):
    L, x = t.layer, t.x
    maps = [f"{t.name}/in:{k}" for k in range(x[0])]
    g.nodes.append(g.onnx.helper.make_node(
        "Split", [xs[0], g.const(f"{t.name}/in_sizes", [1] * x[0])], maps,
        name=f"{t.name}/in", axis=1))
    for m in maps:
        g.info(m, (1, *x[1:]))
    outs, each = [], (1, *t.y[1:])
    for k, row in enumerate(L.table):
        picked = g.op("Concat", [maps[i] for i in row], f"{t.name}/maps{k}",
                      (len(row), *x[1:]), axis=1)
        w = g.weight(f"{t.name}.weight{k}", (1, len(row), *L.kernel_size))
        b = [g.weight(f"{t.name}.bias{k}", (1,))] if L.bias else []
        outs.append(g.op("Conv", [picked, w, *b], f"{t.name}/map{k}", each,
                         kernel_shape=list(L.kernel_size), strides=list(L.stride)))
    g.op("Concat", outs, t.name, t.y, axis=1)


@handles("rbf")
def _rbf(g, t, xs):
    (n,), (m,) = t.x, t.y
    # y_i = sum_j (x_j - w_ij)²: the centres are fixed, counted non-trainable
    u = g.op("Unsqueeze", [xs[0], g.const(f"{t.name}/axis", [1])], f"{t.name}/unsqueeze",
             (1, n))
    d = g.op("Sub", [u, g.weight(f"{t.name}.centres", (m, n))], f"{t.name}/sub", (m, n))
    sq = g.op("Mul", [d, d], f"{t.name}/square", (m, n))
    g.op("ReduceSum", [sq, g.const(f"{t.name}/axes", [2])], t.name, t.y, keepdims=0)
