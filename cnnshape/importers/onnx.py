"""An ONNX file -> a cnnshape spec tree, with the ``onnx`` package (``cnnshape[onnx]``).

One row per ONNX node that computes on the activations, named as the node; the
graph's edges become ``inputs=``.  Nodes that only compute constants (``Constant``,
``Shape`` of a known shape, ``Gather``, ``Unsqueeze``, ``Concat`` of constants, the
arithmetic torch's old exporter builds a flatten or a chunk from) are folded away.
The file is read with ``load_external_data=False``: only the initializers' dims are
needed, so a graph whose weights live in a missing external file is read as well.

Shapes of intermediate values come from ``onnx.shape_inference`` (for ``Shape``,
``Slice`` and ``auto_pad=SAME_LOWER``); every output shape cnnshape prints is its own,
which is what onnxruntime computes.  Where the two part at a ceil-mode pool in a way
that makes onnxruntime refuse the file, that is an error (CS526).

Codes: CS521 not an ONNX file, CS522 an input size it cannot know, CS523 an op it
does not cover, CS524 an attribute or input it cannot express, CS526 ceil mode.
"""
import math
import re

from ..diagnostics import Diagnostic, SpecError
from ..registry import registrar

_ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "HardSigmoid": "hardsigmoid",
                "HardSwish": "hardswish", "Tanh": "tanh", "Selu": "selu", "Gelu": "gelu",
                "Softplus": "softplus", "Mish": "mish", "Erf": "gelu"}


class _Fault(Exception):
    def __init__(self, code, message, hint=""):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def _error(label, code, message, hint=""):
    return SpecError([Diagnostic(label, 0, 0, code, "error", message, hint)])


def read(source, *, input_shape=None, **_options) -> dict:
    """The spec tree of the ONNX file at ``source``; ``input_shape`` (C, H, W) sets the
    input's size where the file leaves it symbolic."""
    from . import need
    label = str(source)
    onnx = need("onnx", "onnx", label, "an ONNX file")
    try:
        model = onnx.load(label, load_external_data=False)
    except OSError as e:
        raise _error(label, "CS521", f"cannot read the file: {e.strerror or e}") from None
    except Exception as e:  # protobuf's DecodeError and friends: not an ONNX file
        raise _error(label, "CS521", f"not an ONNX model file ({e.__class__.__name__}: "
                     f"{str(e)[:200]})", "give a file saved by onnx.save or an exporter") from None
    if not model.graph.node:
        raise _error(label, "CS521", "not an ONNX model file: the graph has no nodes",
                     "give a file saved by onnx.save or an exporter")
    reader = None
    try:
        reader = _Reader(onnx, model, label, input_shape)
        return reader.tree()
    except _Fault as f:
        raise _error(label, f.code, f.message, f.hint) from None
    except SpecError:
        raise
    except Exception as e:  # a graph malformed in a way no check above foresaw
        node = getattr(reader, "node", None)
        where = f"node {node.name!r} ({node.op_type})" if node is not None else "the graph"
        raise _error(label, "CS524", f"cannot read {where}: {e.__class__.__name__}: "
                     f"{str(e)[:200]}", "check the file with onnx.checker") from None


def _clean(name: str) -> str:
    """A node name the spec takes: '/layer1/layer1.0/conv1/Conv' -> 'layer1_layer1_0_conv1_Conv'."""
    s = re.sub(r"[^\w\-]+", "_", name).strip("_")
    if not s or not re.match(r"[A-Za-z_]", s):
        s = "n_" + s
    return s


class _Reader:
    def __init__(self, onnx, model, label, input_shape):
        self.onnx, self.model, self.label = onnx, model, label
        self.graph = model.graph
        self.weights = {t.name: tuple(t.dims) for t in self.graph.initializer}
        self.values = {}  # name -> numpy array, for constants the file gives or we fold
        from onnx import numpy_helper
        for t in self.graph.initializer:
            if t.data_location != onnx.TensorProto.EXTERNAL and _small(t):
                try:
                    self.values[t.name] = numpy_helper.to_array(t)
                except Exception:
                    pass
        self.used = set()      # initializers the graph's layers use
        self.flat = set()      # activations a Reshape to [-1] put into one axis, batch too
        self.walias = {}       # an Identity's output -> the initializer it copies
        self.ref = {}          # tensor name -> the spec reference that computes it
        self.layers = []
        self.rows = {}         # row name -> its dict
        self.names = set()
        self.gelu_of = {}      # gelu row name -> the reference it reads
        self.input_name, self.input = self._input(input_shape)
        self.shapes = self._infer()

    # --- the input and the shapes ----------------------------------------------------
    def _input(self, given):
        inputs = [i for i in self.graph.input if i.name not in self.weights]
        if len(inputs) != 1:
            raise _Fault("CS524", f"the graph has {len(inputs)} inputs "
                         f"({', '.join(i.name for i in inputs)}); cnnshape reads one")
        x = inputs[0]
        dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
                for d in x.type.tensor_type.shape.dim]
        if len(dims) < 2:
            raise _Fault("CS524", f"input {x.name!r} has shape {dims}: cnnshape reads a "
                         "batch of [C, ...] samples")
        sample = dims[1:]
        if given is not None:
            given = tuple(given)
            if len(given) != len(sample):
                raise _Fault("CS522", f"--input gives {len(given)} axes but input {x.name!r} "
                             f"has {len(sample)} (without the batch): {sample}")
            return x.name, list(given)
        symbolic = [d for d in sample if not isinstance(d, int) or d <= 0]
        if symbolic:
            raise _Fault("CS522", f"input {x.name!r} has a symbolic size {sample} "
                         "(without the batch); cnnshape needs numbers",
                         "give the sample's size with --input, e.g. --input "
                         + "x".join(str(d) if isinstance(d, int) and d > 0 else "224"
                                    for d in sample))
        return x.name, sample

    def _infer(self):
        """name -> shape of every value onnx's shape inference knows (batch included)."""
        onnx = self.onnx
        m = onnx.ModelProto()
        m.CopyFrom(self.model)
        for x in m.graph.input:
            if x.name == self.input_name:
                dims = x.type.tensor_type.shape.dim
                for d, v in zip(dims[1:], self.input):
                    d.Clear()
                    d.dim_value = v
        del m.graph.value_info[:]
        try:
            m = onnx.shape_inference.infer_shapes(m, data_prop=True)
        except Exception:
            pass
        self.inferred_model = m
        shapes = {}
        for v in list(m.graph.value_info) + list(m.graph.output) + list(m.graph.input):
            t = v.type.tensor_type
            if t.HasField("shape"):
                shapes[v.name] = tuple(d.dim_value if d.HasField("dim_value") else None
                                       for d in t.shape.dim)
        return shapes

    def shape(self, name, node=None):
        if name == self.input_name:
            return (None, *self.input)
        s = self.shapes.get(name)
        if s is None or any(d is None for d in s[1:]):
            if node is not None:
                raise _Fault("CS522", f"node {node.name!r} ({node.op_type}): the shape of "
                             f"{name!r} is unknown to onnx shape inference")
            return None
        return s

    # --- rows --------------------------------------------------------------------------
    def tree(self):
        self.ref[self.input_name] = "input"
        self.node = None
        for node in self.graph.node:
            self.node = node
            if all(i == "" or i in self.values for i in node.input) and node.op_type in _FOLD:
                self._fold(node)
                continue
            if node.op_type not in _HANDLERS:
                what = ("is covered on constants only" if node.op_type in _FOLD
                        else "is not covered")
                raise _Fault("CS523", f"node {node.name!r}: op {node.op_type!r} {what}",
                             "cnnshape reads " + ", ".join(SUPPORTED))
            _HANDLERS[node.op_type](self, node)
        out = self.graph.output[0].name
        if self.ref.get(out) is None:
            raise _Fault("CS524", f"the graph output {out!r} is not computed from the input")
        if not self.layers or self.layers[-1]["name"] != self.ref[out]:
            self.add_row(out + "_out", "identity", [out], {})  # the spec's output is its last row
        for row in self.layers:
            row.pop("_mul", None)
            row.pop("_squeeze", None)
        params = sum(math.prod(self.weights[w]) for w in self.used)
        import os
        stem = os.path.basename(self.label)
        stem = stem[:-5] if stem.lower().endswith(".onnx") else stem
        tree = {"name": _clean(stem),  # the file's: exporters call every graph main_graph
                "description": "imported from an ONNX file. Params are the initializers the "
                "graph's nodes use: exporters fold BatchNorm into the convolutions, so they "
                f"differ from the framework's own count ({params} here).",
                "source": self.label, "input": list(self.input), "layers": self.layers}
        self._ceil_check(tree)
        return tree

    def _ceil_check(self, tree):
        """CS526 where a ceil-mode pool's window rule makes onnxruntime refuse the file.

        onnxruntime (and the reference evaluator, and torch) drop a last window that starts
        in the right padding; onnx's shape inference keeps it, and onnxruntime runs that
        inference when it loads a file: a later node that checks the size (a Gemm's
        weight after a flatten) then fails with 'Dimension mismatch in unification'."""
        pools = {row["name"]: row for row in self.layers if row.get("ceil_mode")}
        if not pools:
            return
        from ..api import analyze
        from ..diagnostics import SpecError
        try:
            ours = {layer.name: layer.output_shape for layer in analyze(tree).layers}
        except SpecError:
            return  # the load that follows reports it
        parted = []
        for node in self.graph.node:
            name = self.ref.get(node.output[0]) if node.output else None
            if name in pools:
                theirs = self.shapes.get(node.output[0])
                if theirs and tuple(theirs[1:]) != tuple(ours.get(name, ())):
                    parted.append((node, tuple(theirs[1:]), ours[name]))
        if not parted:
            return
        try:
            self.onnx.shape_inference.infer_shapes(self.inferred_model, strict_mode=True)
            return  # onnxruntime loads it, and computes what cnnshape does
        except Exception as e:
            why = str(e).split("Inference error(s): ")[-1].strip()
        node, theirs, ours_shape = parted[0]
        show = lambda s: "x".join(map(str, s))  # noqa: E731
        raise _Fault("CS526", f"node {node.name!r} ({node.op_type}, ceil_mode): onnx shape "
                     f"inference gives {show(theirs)}, onnxruntime computes {show(ours_shape)}: "
                     "the last window would start in the right padding, which onnxruntime "
                     "(as torch) drops and shape inference keeps; onnxruntime runs that "
                     f"inference when it loads the file and refuses it ({why[:200]})",
                     "export without ceil_mode, or with padding that leaves no window starting "
                     "in it (torch's exporter writes the pool as it is)")

    def name_for(self, node, suffix=""):
        """The node's name as the spec takes it, unique; a str is taken as the name."""
        given = node if isinstance(node, str) else (
            node.name or (node.output[0] if node.output else node.op_type))
        base = _clean(given) + suffix
        name, n = base, 1
        while name in self.names or name in ("input", "previous"):
            n += 1
            name = f"{base}_{n}"
        self.names.add(name)
        return name

    def act(self, tensor):
        """The spec reference of an activation tensor."""
        r = self.ref.get(tensor)
        if r is None:
            raise _Fault("CS524", f"node {self.node.name!r} ({self.node.op_type}): input "
                         f"{tensor!r} is neither computed from the graph input nor a constant")
        return r

    def add_row(self, name_or_node, kind, inputs, fields, out=None, suffix=""):
        name = self.name_for(name_or_node, suffix)
        row = {"type": kind, "name": name, "inputs": [self.act(i) if i in self.ref else i
                                                      for i in inputs]}
        row.update(fields)
        self.layers.append(row)
        self.rows[name] = row
        if out is not None:
            self.ref[out] = name
        return row

    def row(self, node, kind, fields=None, inputs=None):
        inputs = inputs if inputs is not None else [node.input[0]]
        return self.add_row(node, kind, inputs, fields or {}, out=node.output[0])

    def use(self, *names):
        for n in names:
            while n in self.walias:
                n = self.walias[n]
            if n and n in self.weights:
                self.used.add(n)

    def alias(self, node, src):
        self.ref[node.output[0]] = self.act(src)

    def weight(self, node, i):
        name = node.input[i] if len(node.input) > i else ""
        if name not in self.weights:
            raise _Fault("CS524", f"node {node.name!r} ({node.op_type}): input {i} must be "
                         "an initializer (a weight in the file)")
        self.use(name)
        return self.weights[name]

    def const(self, node, i, default=None):
        name = node.input[i] if len(node.input) > i else ""
        if not name:
            return default
        if name not in self.values:
            raise _Fault("CS524", f"node {node.name!r} ({node.op_type}): input {i} "
                         f"({name!r}) must be a constant")
        return self.values[name]

    # --- constant folding ----------------------------------------------------------------
    def _fold(self, node):
        import numpy as np
        a = attrs(node)
        v = [self.values.get(i) for i in node.input]
        op = node.op_type
        if op == "Constant":
            from onnx import numpy_helper
            t = next(x for x in node.attribute)
            r = numpy_helper.to_array(t.t) if t.name == "value" else np.array(
                self.onnx.helper.get_attribute_value(t))
        elif op == "Identity" or op == "Cast":
            r = v[0] if op == "Identity" else v[0].astype(_np_type(a.get("to", 7)))
        elif op == "Gather":
            r = np.take(v[0], v[1], axis=a.get("axis", 0))
        elif op == "Unsqueeze":
            axes = a.get("axes") if "axes" in a else list(v[1])
            r = v[0]
            for ax in sorted(int(x) % (r.ndim + len(axes)) for x in axes):
                r = np.expand_dims(r, ax)
        elif op == "Squeeze":
            axes = a.get("axes") if "axes" in a else (list(v[1]) if len(v) > 1 else None)
            r = np.squeeze(v[0], axis=tuple(axes) if axes is not None else None)
        elif op == "Concat":
            r = np.concatenate([np.atleast_1d(x) for x in v], axis=a.get("axis", 0))
        elif op in ("Max", "Min"):
            r = (np.maximum if op == "Max" else np.minimum).reduce(np.broadcast_arrays(*v))
        elif op == "Neg":
            r = -v[0]
        elif op == "Split":  # of a shape: TF's 'same' padding worked out at run time
            axis = a.get("axis", 0)
            sizes = a.get("split") or (list(v[1]) if len(v) > 1 and v[1] is not None else None)
            n = len(node.output)
            sizes = sizes or [-(-v[0].shape[axis] // n)] * n
            for out, part in zip(node.output, np.split(v[0], np.cumsum(sizes)[:-1], axis)):
                self.values[out] = part
            return
        elif op in ("Add", "Sub", "Mul", "Div"):
            f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply}.get(op)
            r = f(v[0], v[1]) if f else (v[0] // v[1] if v[0].dtype.kind in "iu"
                                          else v[0] / v[1])
        elif op == "Slice":
            r = _slice(v[0], *[x for x in v[1:]])
        elif op == "Reshape":
            r = v[0].reshape([d if d != 0 else v[0].shape[i] for i, d in enumerate(v[1])])
        else:
            raise _Fault("CS523", f"node {node.name!r}: cannot fold {op} of constants")
        self.values[node.output[0]] = np.asarray(r)
        if op == "Identity" and node.input[0] in self.weights:
            self.weights[node.output[0]] = self.weights[node.input[0]]
            self.walias[node.output[0]] = node.input[0]


def _small(t):
    return math.prod(t.dims) <= 4096


def _np_type(to):
    import numpy as np
    return {1: np.float32, 6: np.int32, 7: np.int64, 11: np.float64, 9: np.bool_,
            10: np.float16}.get(to, np.int64)


def _slice(x, starts, ends, axes=None, steps=None):
    import numpy as np
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    idx = [slice(None)] * x.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        idx[int(ax)] = slice(int(s), int(min(e, np.iinfo(np.int64).max)), int(st))
    return x[tuple(idx)]


def attrs(node):
    from onnx import helper
    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


# --- one function per op -----------------------------------------------------------------

_FOLD = {"Constant", "Identity", "Cast", "Gather", "Unsqueeze", "Squeeze", "Concat", "Add",
         "Sub", "Mul", "Div", "Slice", "Reshape", "Max", "Min", "Neg", "Split"}
_HANDLERS = {}


op = registrar(_HANDLERS)  # @op("Name", ...) files a function under names


def _padding(r, node, a, kernel, strides, dilations, spatial_in, transposed=False):
    auto = a.get("auto_pad", "NOTSET")
    n = len(kernel)
    if auto == "VALID":
        return 0
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        if transposed:
            raise _Fault("CS524", f"node {node.name!r} ({node.op_type}): auto_pad {auto} on "
                         "a transposed convolution is not covered", "give explicit pads")
        if auto == "SAME_UPPER":
            return "same"
        pairs = []
        for size, k, s, d in zip(spatial_in, kernel, strides, dilations):
            out = -(-size // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            pairs.append([total - total // 2, total // 2])  # SAME_LOWER: the odd one first
        return pairs
    pads = list(a.get("pads", [0] * (2 * n)))
    begin, end = pads[:n], pads[n:]
    if begin == end:
        return begin[0] if len(set(begin)) == 1 else begin
    return [[b, e] for b, e in zip(begin, end)]


def _window(r, node):
    a = attrs(node)
    x = r.shape(node.input[0], node) if a.get("auto_pad") == "SAME_LOWER" else None
    return a, (x[2:] if x else None)


@op("Conv", "ConvTranspose")
def _conv(r, node):
    a, spatial = _window(r, node)
    w = r.weight(node, 2 - 1)
    kernel = list(a.get("kernel_shape", w[2:]))
    n = len(kernel)
    strides = list(a.get("strides", [1] * n))
    dil = list(a.get("dilations", [1] * n))
    groups = a.get("group", 1)
    transposed = node.op_type == "ConvTranspose"
    fields = {"out_channels": w[1] * groups if transposed else w[0],
              "kernel_size": _axes(kernel), "stride": _axes(strides),
              "padding": _padding(r, node, a, kernel, strides, dil, spatial, transposed),
              "dilation": _axes(dil), "groups": groups,
              "bias": len(node.input) > 2 and node.input[2] != ""}
    if len(node.input) > 2:
        r.weight(node, 2)
    if transposed:
        if "output_shape" in a:
            raise _Fault("CS524", f"node {node.name!r} (ConvTranspose): output_shape is not "
                         "covered", "give pads and output_padding")
        if any(a.get("output_padding", [0])):
            fields["output_padding"] = _axes(list(a["output_padding"]))
    kind = ("conv_transpose" if transposed else "conv") + f"{n}d"
    r.row(node, kind, fields)


def _axes(values):
    values = list(values)
    return values[0] if len(set(values)) == 1 else values


@op("MaxPool", "AveragePool")
def _pool(r, node):
    a, spatial = _window(r, node)
    if len(node.output) > 1 and node.output[1]:
        raise _Fault("CS524", f"node {node.name!r}: MaxPool's indices output is not covered")
    kernel = list(a["kernel_shape"])
    n = len(kernel)
    strides = list(a.get("strides", [1] * n))  # ONNX's default stride is 1, torch's the kernel
    dil = list(a.get("dilations", [1] * n))
    fields = {"kernel_size": _axes(kernel), "stride": _axes(strides),
              "padding": _padding(r, node, a, kernel, strides, dil, spatial)}
    if node.op_type == "MaxPool" and any(d != 1 for d in dil):
        fields["dilation"] = _axes(dil)
    if a.get("ceil_mode"):
        fields["ceil_mode"] = True
    if node.op_type == "AveragePool" and not a.get("count_include_pad", 0):
        fields["count_include_pad"] = False
    r.row(node, ("maxpool" if node.op_type == "MaxPool" else "avgpool") + f"{n}d", fields)


@op("GlobalAveragePool", "GlobalMaxPool")
def _global(r, node):
    r.row(node, "global_avgpool" if node.op_type == "GlobalAveragePool" else "global_maxpool")


@op("ReduceMean")
def _reduce_mean(r, node):
    a = attrs(node)
    axes = a.get("axes")
    if axes is None and len(node.input) > 1 and node.input[1]:
        axes = [int(x) for x in r.const(node, 1)]
    x = r.shape(node.input[0], node)
    rank = len(x)
    spatial = sorted(int(ax) % rank for ax in (axes or []))
    if spatial != list(range(2, rank)):
        raise _Fault("CS524", f"node {node.name!r} (ReduceMean): axes {axes} are not the "
                     "spatial axes", "cnnshape reads a mean over every spatial axis")
    if a.get("keepdims", 1):
        r.row(node, "global_avgpool")
    else:
        r.add_row(node, "global_avgpool", [node.input[0]], {}, suffix="_pool")
        r.add_row(node, "flatten", [], {}, out=node.output[0])
        r.layers[-1]["inputs"] = [r.layers[-2]["name"]]


@op("Gemm")
def _gemm(r, node):
    a = attrs(node)
    if a.get("transA", 0):
        raise _Fault("CS524", f"node {node.name!r} (Gemm): transA is not covered")
    w = r.weight(node, 1)
    out = w[0] if a.get("transB", 0) else w[1]
    bias = len(node.input) > 2 and node.input[2] != ""
    if bias:
        r.weight(node, 2)
    r.row(node, "linear", {"out_features": out, "bias": bias})


@op("MatMul")
def _matmul(r, node):
    w = r.weight(node, 1)
    if len(w) != 2:
        raise _Fault("CS524", f"node {node.name!r} (MatMul): the weight has shape {list(w)}; "
                     "cnnshape reads a [in, out] matrix")
    x = r.shape(node.input[0])
    fields = {"out_features": w[1], "bias": False}
    if x is None or len(x) > 2:
        fields["in_features"] = w[0]
    r.row(node, "linear", fields)


@op("Flatten")
def _flatten(r, node):
    if attrs(node).get("axis", 1) != 1:
        raise _Fault("CS524", f"node {node.name!r} (Flatten): only axis 1 is covered")
    r.row(node, "flatten")


@op("Reshape")
def _reshape(r, node):
    target = [int(d) for d in r.const(node, 1)]
    x = r.shape(node.input[0])
    if target == [-1]:  # the dynamo exporter's as_strided: all into one axis, then Gather
        r.alias(node, node.input[0])
        r.flat.add(node.output[0])
        return
    if not target:
        raise _Fault("CS524", f"node {node.name!r} (Reshape): an empty shape")
    first, rest = target[0], target[1:]
    if first not in (0, -1, 1) and not (x and first == x[0]):
        raise _Fault("CS524", f"node {node.name!r} (Reshape): shape {target} changes the batch")
    if first == -1 and -1 in rest:
        raise _Fault("CS524", f"node {node.name!r} (Reshape): shape {target} has two -1")
    if x:
        rest = [x[i + 1] if d == 0 else d for i, d in enumerate(rest)]
    if len(rest) == 1 and (rest[0] == -1 or (x and rest[0] == math.prod(x[1:]))):
        r.row(node, "flatten")
    else:
        r.row(node, "reshape", {"shape": rest})


@op("BatchNormalization")
def _bn(r, node):
    for i in range(1, 5):
        r.weight(node, i)
    r.row(node, "batchnorm", {"eps": float(attrs(node).get("epsilon", 1e-5))})


@op("LayerNormalization")
def _ln(r, node):
    a = attrs(node)
    x = r.shape(node.input[0], node)
    axis = a.get("axis", -1) % len(x)
    r.weight(node, 1)
    bias = len(node.input) > 2 and node.input[2] != ""
    if bias:
        r.weight(node, 2)
    r.row(node, "layernorm", {"normalized_shape": list(x[axis:]), "bias": bias,
                              "eps": float(a.get("epsilon", 1e-5))})


@op(*_ACTIVATIONS)
def _activation(r, node):
    kind = _ACTIVATIONS[node.op_type]
    if node.op_type == "Erf":  # x * 0.5 * (1 + erf(x / sqrt 2)): torch's exact gelu
        src = r.ref.get(node.input[0])
        row = r.row(node, "gelu")
        r.gelu_of[row["name"]] = src
        return
    r.row(node, kind)


@op("Clip")
def _clip(r, node):
    a = attrs(node)
    lo = a.get("min", r.const(node, 1, None) if len(node.input) > 1 and node.input[1] else None)
    hi = a.get("max", r.const(node, 2, None) if len(node.input) > 2 and node.input[2] else None)
    lo = None if lo is None else float(lo)
    hi = None if hi is None else float(hi)
    if lo == 0 and hi == 6:
        r.row(node, "relu6")
    elif lo == 0 and hi is None:
        r.row(node, "relu")
    else:
        raise _Fault("CS524", f"node {node.name!r} (Clip): min {lo}, max {hi}; cnnshape "
                     "reads Clip(0, 6) as relu6 and Clip(0) as relu")


@op("LeakyRelu")
def _leaky(r, node):
    r.row(node, "leaky_relu", {"negative_slope": float(attrs(node).get("alpha", 0.01))})


@op("Elu")
def _elu(r, node):
    r.row(node, "elu", {"alpha": float(attrs(node).get("alpha", 1.0))})


@op("PRelu")
def _prelu(r, node):
    w = r.weight(node, 1)
    r.row(node, "prelu", {"num_parameters": math.prod(w)})


@op("Softmax", "LogSoftmax")
def _softmax(r, node):
    axis = attrs(node).get("axis", -1)
    r.row(node, "softmax" if node.op_type == "Softmax" else "log_softmax",
          {"dim": axis - 1 if axis > 0 else axis})


@op("LRN")
def _lrn(r, node):
    a = attrs(node)
    r.row(node, "lrn", {"size": a["size"], "alpha": float(a.get("alpha", 1e-4)),
                        "beta": float(a.get("beta", 0.75)), "k": float(a.get("bias", 1.0))})


@op("Identity")
def _identity(r, node):
    src = node.input[0]
    if src in r.weights and src not in r.ref:  # torch's old exporter: a shared weight
        r.weights[node.output[0]] = r.weights[src]
        r.walias[node.output[0]] = src
        return
    r.row(node, "identity")


@op("Dropout")
def _dropout(r, node):
    p = attrs(node).get("ratio")
    if p is None and len(node.input) > 1 and node.input[1] in r.values:
        p = float(r.values[node.input[1]])
    r.row(node, "dropout", {"p": float(0.5 if p is None else p)})


_BIASED = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"}


def _is_act(r, name):
    return name in r.ref


@op("Add", "Sub", "Mul", "Div")
def _arith(r, node):
    acts = [i for i in node.input if _is_act(r, i)]
    consts = [i for i in node.input if not _is_act(r, i)]
    if len(acts) == 2:
        if node.op_type == "Mul":
            a, b = (r.act(i) for i in acts)
            if r.gelu_of.get(b) == a or r.gelu_of.get(a) == b:  # x * (1 + erf(...)): gelu's
                r.alias(node, acts[1] if r.gelu_of.get(b) == a else acts[0])
                return
            r.row(node, "mul", inputs=acts)
            return
        if node.op_type == "Add":
            sa, sb = r.shape(acts[0]), r.shape(acts[1])
            fields = {"broadcast": True} if sa and sb and sa != sb else {}
            r.row(node, "add", fields, inputs=acts)
            return
        raise _Fault("CS523", f"node {node.name!r}: {node.op_type} of two activations is not "
                     "covered", "cnnshape reads Add and Mul of two activations")
    if len(acts) != 1:
        raise _Fault("CS524", f"node {node.name!r} ({node.op_type}) computes on weights only, "
                     "whose values the file does not hold")
    (x,), (c,) = acts, consts
    size = math.prod(r.weights[c]) if c in r.weights else (
        r.values[c].size if c in r.values else None)
    if size == 1 or (c in r.values and c not in r.weights):
        r.alias(node, x)  # a scalar: part of an activation written out (gelu's 0.5, 1, sqrt 2)
        return
    prev = r.rows.get(r.ref[x])  # the row that computes x (None for a split's part)
    if node.op_type == "Add" and prev and prev["type"] in _BIASED and prev["bias"] is False:
        prev["bias"] = True  # MatMul (or a Conv) + Add: the layer with its bias
        r.use(c)
        r.alias(node, x)
        return
    if node.op_type == "Add" and prev and prev.get("_squeeze"):
        src = r.rows.get(prev["inputs"][0])  # Keras's Conv1D: Unsqueeze, Conv, Squeeze, Add
        if src and src["type"] in _BIASED and src["bias"] is False:
            src["bias"] = True
            r.use(c)
            r.alias(node, x)
            return
    if node.op_type == "Add" and prev and prev["type"] == "layer_scale" and prev.get("_mul"):
        # Keras's BatchNorm at inference: x * scale + shift, per channel
        for key in ("init_values", "dim", "_mul"):
            prev.pop(key, None)
        prev.update({"type": "batchnorm", "track_running_stats": False})
        r.use(c)
        r.alias(node, x)
        return
    if node.op_type == "Mul" and c in r.weights:
        dims = r.weights[c]
        r.use(c)
        r.row(node, "layer_scale", {"init_values": 1.0,
                                    "dim": 0 if len(dims) > 1 else -1, "_mul": True},
              inputs=[x])
        return
    raise _Fault("CS524", f"node {node.name!r} ({node.op_type}) with a constant of "
                 f"{size} values is not covered", "cnnshape reads a bias after MatMul and a "
                 "per-channel Mul (a layer scale)")


@op("Concat")
def _concat(r, node):
    rank = len(r.shape(node.input[0]) or (0, 0, 0, 0))
    axis = attrs(node).get("axis", 1) % rank
    if any(not _is_act(r, i) for i in node.input):
        raise _Fault("CS524", f"node {node.name!r} (Concat): joins a constant to an activation")
    if len(node.input) == 1:
        r.alias(node, node.input[0])
        return
    r.row(node, "concat", {"dim": axis - 1}, inputs=list(node.input))


def _parts(r, node, name):
    for i, out in enumerate(node.output):
        r.ref[out] = f"{name}.{i}"


@op("Split")
def _split(r, node):
    a = attrs(node)
    x = r.shape(node.input[0], node)
    axis = a.get("axis", 0) % len(x)
    if axis == 0:
        raise _Fault("CS524", f"node {node.name!r} (Split): splits the batch")
    sizes = a.get("split")
    if sizes is None and len(node.input) > 1 and node.input[1]:
        sizes = [int(s) for s in r.const(node, 1)]
    if sizes is None:
        n = a.get("num_outputs", len(node.output))
        each = -(-x[axis] // n)
        sizes = [each] * (n - 1) + [x[axis] - each * (n - 1)]
    row = r.add_row(node, "split", [node.input[0]],
                    {"split_size_or_sections": list(sizes), "dim": axis - 1})
    _parts(r, node, row["name"])


@op("Slice")
def _slice_op(r, node):
    """A split per axis cut, reading the part kept: cnnshape has no crop.  tf2onnx crops
    a transposed convolution's output so ('same' padding) on both spatial axes at once:
    those are two rows, the first named after the axis."""
    x = r.shape(node.input[0], node)
    starts, ends = r.const(node, 1), r.const(node, 2)
    axes = r.const(node, 3, list(range(len(starts))))
    steps = r.const(node, 4, [1] * len(starts))
    cuts = []
    for s, e, ax, st in zip(starts, ends, axes, steps):
        axis = int(ax) % len(x)
        n = x[axis]
        s, e = (int(max(min(v, 2**62), -2**62)) for v in (s, e))
        s = max(0, min(n, s + n if s < 0 else s))
        e = max(0, min(n, e + n if e < 0 else e))
        if int(st) != 1 or axis == 0 or e <= s:
            raise _Fault("CS524", f"node {node.name!r} (Slice): a step other than 1, an empty "
                         "slice or one of the batch", "cnnshape reads a crop of some axes")
        sizes, part = [e - s], 0
        if s > 0:
            sizes, part = [s] + sizes, 1
        if e < n:
            sizes.append(n - e)
        if len(sizes) > 1:
            cuts.append((axis, sizes, part))
    if not cuts:
        r.row(node, "identity")
        return
    source = node.input[0]
    for k, (axis, sizes, part) in enumerate(cuts):
        row = r.add_row(node, "split", [source],
                        {"split_size_or_sections": sizes, "dim": axis - 1},
                        suffix="" if k == len(cuts) - 1 else f"_axis{axis}")
        source = f"{row['name']}.{part}"
    r.ref[node.output[0]] = source


@op("Resize", "Upsample")
def _resize(r, node):
    a = attrs(node)
    x = r.shape(node.input[0])
    mode = a.get("mode", "nearest")
    fields = {"mode": {"linear": "bilinear", "cubic": "bicubic"}.get(mode, mode)}
    scales_at = 1 if node.op_type == "Upsample" else 2
    sizes = r.const(node, 3, None) if len(node.input) > 3 and node.input[3] else None
    scales = (r.const(node, scales_at, None) if len(node.input) > scales_at
              and node.input[scales_at] else a.get("scales"))
    if sizes is not None and len(sizes):
        fields["size"] = _axes([int(s) for s in sizes[2:]])
    elif scales is not None and len(scales):
        sc = [float(s) for s in scales]
        if sc[0] != 1 or sc[1] != 1:
            raise _Fault("CS524", f"node {node.name!r} ({node.op_type}): scales the batch or "
                         "the channels")
        s = [int(v) if v.is_integer() else v for v in sc[2:]]
        fields["scale_factor"] = _axes(s)
    else:
        raise _Fault("CS524", f"node {node.name!r} ({node.op_type}): neither scales nor sizes")
    if x is not None and len(x) == 3 and fields["mode"] == "bilinear":
        fields["mode"] = "linear"
    r.row(node, "upsample", fields)


@op("Pad")
def _pad(r, node):
    a = attrs(node)
    if a.get("mode", "constant") != "constant":
        raise _Fault("CS524", f"node {node.name!r} (Pad): mode {a['mode']!r}; cnnshape reads "
                     "zero padding")
    pads = a.get("pads")
    if pads is None:
        pads = [int(p) for p in r.const(node, 1)]
    value = r.const(node, 2, None) if len(node.input) > 2 and node.input[2] else None
    if value is not None and float(value) != 0:
        raise _Fault("CS524", f"node {node.name!r} (Pad): pads with {float(value)}, not zero")
    n = len(pads) // 2
    begin, end = pads[:n], pads[n:]
    if len(node.input) > 3 and node.input[3]:
        axes = [int(v) % n for v in r.const(node, 3)]
        full_b, full_e = [0] * n, [0] * n
        for ax, b, e in zip(axes, begin, end):
            full_b[ax], full_e[ax] = b, e
        begin, end = full_b, full_e
    if any(begin[:2]) or any(end[:2]) or any(p < 0 for p in pads):
        raise _Fault("CS524", f"node {node.name!r} (Pad): pads {list(pads)} touch the batch or "
                     "channels, or crop", "cnnshape reads zero padding of the spatial axes")
    spatial = n - 2
    r.row(node, f"zeropad{spatial}d",
          {"padding": [[b, e] for b, e in zip(begin[2:], end[2:])]})


@op("Transpose")
def _transpose(r, node):
    perm = list(attrs(node).get("perm", []))
    if not perm or perm[0] != 0:
        raise _Fault("CS524", f"node {node.name!r} (Transpose): perm {perm} moves the batch")
    r.row(node, "permute", {"order": [p - 1 for p in perm[1:]]})


@op("Shape")
def _shape(r, node):
    import numpy as np
    x = r.shape(node.input[0], node)
    x = (1 if x[0] is None else x[0],) + tuple(x[1:])
    a = attrs(node)
    r.values[node.output[0]] = np.array(x[a.get("start", 0):a.get("end", len(x))],
                                        dtype=np.int64)


@op("Unsqueeze", "Squeeze", "Gather", "Cast")
def _not_on_activations(r, node):
    import numpy as np
    if node.op_type == "Gather" and node.input[0] in r.flat and node.input[1] in r.values:
        idx = r.values[node.input[1]]
        if idx.ndim > 1 and idx.shape[0] == 1 and (idx.ravel() == np.arange(idx.size)).all():
            r.row(node, "reshape", {"shape": list(idx.shape[1:])})  # as_strided back
            return
    if node.op_type == "Cast":
        r.alias(node, node.input[0])
        return
    if node.op_type in ("Squeeze", "Unsqueeze"):  # Keras: [N, C, 1, 1] -> [N, C]; conv1d
        y = r.shape(node.output[0], node)
        if y[0] not in (None, 1) and y[0] != (r.shape(node.input[0]) or (None,))[0]:
            raise _Fault("CS524", f"node {node.name!r} ({node.op_type}): changes the batch")
        if len(y) == 2:
            r.row(node, "flatten", {"_squeeze": True})
        else:
            r.row(node, "reshape", {"shape": list(y[1:]), "_squeeze": True})
        return
    raise _Fault("CS523", f"node {node.name!r}: {node.op_type} of an activation is not covered",
                 "cnnshape folds it on constants only")


#: the op types cnnshape reads (some only on constants, which it folds)
SUPPORTED = sorted(set(_HANDLERS) | _FOLD)
