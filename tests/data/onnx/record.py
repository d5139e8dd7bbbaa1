"""Record the ONNX truth cnnshape's importer is tested against (tests/test_import_onnx.py).

Run from the repository root:  python tests/data/onnx/record.py  [--from DIR] [zoo names...]
(``--from DIR`` reads <name>.legacy.onnx / <name>.dynamo.onnx exported earlier by
``export_zoo`` with weights, instead of exporting again: the dynamo exporter takes minutes.)

Written with torch 2.13.0+cpu, torchvision 0.28.0, onnx 1.23.2, onnxscript 0.7.2 and
onnxruntime 1.32.0 (the versions are also written into record.json).  CI needs none of
onnxruntime or onnxscript: it reads the recording.

What it writes:
- zoo/<name>.legacy.onnx: torch.onnx.export(dynamo=False, opset 17) of the zoo's torch
  reference (tests/torch_zoo.py, tests/torchvision_zoo.py), and zoo/<name>.dynamo.onnx,
  the default (dynamo) exporter at opset 18.  Graph only: the weights went to an external
  data file that is deleted, so the files are small; the importer reads initializer dims.
- ops/<case>.onnx: small graphs built with onnx.helper, one per op or attribute the
  importer covers (weights inline), and ceil_disagree.onnx, the torch export of a
  ceil-mode pool then flatten and a linear layer, which onnxruntime refuses at load.
- record.json: per file, onnxruntime's output shape of every node's outputs (the graph
  run on zeros with every value made an output; only shapes are kept), onnx shape
  inference's shapes, the element count of the initializers the nodes use (each once:
  ``initializer_params``; and the weights counted at every node that reads them:
  ``weight_params_per_use``, which a spec gives, since it has no shared weights: the
  exporters merge equal initializers, and an untrained net's BatchNorms are all equal),
  and onnxruntime's load error where it refuses the file.
"""
import contextlib
import io
import json
import math
import os
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

F = TensorProto.FLOAT
FLOATS = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.BFLOAT16}
# the inputs that are a node's weights; Add and Mul's only when a float tensor of more
# than one value (a bias, a layer scale), not a scalar of an activation written out
WEIGHTS = {"Conv": (1, 2), "ConvTranspose": (1, 2), "Gemm": (1, 2), "MatMul": (1,),
           "BatchNormalization": (1, 2, 3, 4), "LayerNormalization": (1, 2), "PRelu": (1,),
           "Add": (0, 1), "Mul": (0, 1)}


# --- the zoo, by torch ----------------------------------------------------------------------

def zoo_names():
    import torch_zoo
    import torchvision_zoo
    return sorted(torch_zoo.INPUTS) + sorted(torchvision_zoo.NETS)


def build(name):
    import torch_zoo
    import torchvision_zoo
    if name in torch_zoo.INPUTS:
        return torch_zoo.build(name), torch_zoo.INPUTS[name]
    return torchvision_zoo.build(name), torchvision_zoo.NETS[name][2]


def export_zoo(name, tmp):
    import torch
    model, shape = build(name)
    x = torch.zeros(1, *shape)
    out = {}
    for how in ("legacy", "dynamo"):
        path = os.path.join(tmp, f"{name}.{how}.onnx")
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if how == "legacy":
                torch.onnx.export(model, (x,), path, dynamo=False, opset_version=17)
            else:
                torch.onnx.export(model, (x,), path, dynamo=True, opset_version=18,
                                  external_data=False)
        out[f"zoo/{name}.{how}.onnx"] = onnx.load(path)
    return out


def strip(model):
    """Without the per-node stack traces and doc strings the exporters write (most of a
    dynamo file's size); the graph is unchanged."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for n in m.graph.node:
        n.doc_string = ""
        del n.metadata_props[:]
    for v in m.graph.value_info:
        del v.metadata_props[:]
    return m


def graph_only(model, path):
    """Save ``model`` with its float weights in an external file, then delete that file.
    Integer tensors (shapes, indices) stay in the graph: they are the graph's, not weights."""
    from onnx.external_data_helper import set_external_data, write_external_data_tensors
    data = os.path.basename(path) + ".data"
    model = strip(model)
    for t in model.graph.initializer:
        if t.data_type in FLOATS and math.prod(t.dims) > 256:
            if not t.HasField("raw_data"):
                t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t), t.name))
            set_external_data(t, data)
    model = write_external_data_tensors(model, os.path.dirname(path))
    onnx.save_model(model, path)
    os.remove(os.path.join(os.path.dirname(path), data))


# --- small graphs, by hand ------------------------------------------------------------------

def _w(name, *dims):
    return numpy_helper.from_array(np.zeros(dims, np.float32), name)


def _i64(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def _f32(name, values):
    return numpy_helper.from_array(np.array(values, np.float32), name)


def graph(name, nodes, shape, inits=(), opset=18, batch=1):
    x = helper.make_tensor_value_info("x", F, [batch, *shape])
    y = helper.make_tensor_value_info(nodes[-1].output[0], F, None)
    g = helper.make_graph(nodes, name, [x], [y], initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def N(op, inputs, outputs, name=None, **kw):
    return helper.make_node(op, inputs, outputs, name=name or outputs[0], **kw)


def ops_cases():
    c = {}
    conv = lambda **kw: [N("Conv", ["x", "w"], ["y"], **kw)]  # noqa: E731
    c["conv_pads"] = graph("conv_pads", conv(pads=[1, 2, 1, 2], strides=[2, 2]), [3, 17, 16],
                           [_w("w", 8, 3, 3, 5)])
    c["conv_asym"] = graph("conv_asym", conv(pads=[0, 1, 2, 0]), [3, 9, 9], [_w("w", 4, 3, 3, 3)])
    for auto in ("SAME_UPPER", "SAME_LOWER", "VALID"):
        c[f"conv_{auto.lower()}"] = graph(f"conv_{auto}", conv(auto_pad=auto, strides=[2, 2]),
                                          [3, 10, 11], [_w("w", 4, 3, 4, 3)])
        c[f"maxpool_{auto.lower()}"] = graph(
            f"mp_{auto}", [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 2], strides=[2, 2],
                             auto_pad=auto)], [3, 10, 11])
    c["conv_group_dil_bias"] = graph("cg", [N("Conv", ["x", "w", "b"], ["y"], group=4,
                                              dilations=[2, 2], pads=[2, 2, 2, 2])],
                                     [8, 12, 12], [_w("w", 8, 2, 3, 3), _w("b", 8)])
    c["conv1d"] = graph("c1", [N("Conv", ["x", "w"], ["y"], strides=[2])], [3, 20],
                        [_w("w", 5, 3, 3)])
    c["conv_transpose"] = graph("ct", [N("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2],
                                         pads=[1, 1, 1, 1], output_padding=[1, 1])],
                                [4, 7, 7], [_w("w", 4, 6, 3, 3), _w("b", 6)])
    for ceil in (0, 1):
        c[f"maxpool_ceil{ceil}"] = graph(f"mpc{ceil}", [N("MaxPool", ["x"], ["y"],
                                                          kernel_shape=[3, 3], strides=[2, 2],
                                                          ceil_mode=ceil)], [3, 8, 8])
    # ceil mode whose last window would start in the right padding: runtime drops it
    c["maxpool_ceil_drop"] = graph("mpd", [N("MaxPool", ["x"], ["y"], kernel_shape=[2, 2],
                                             strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)],
                                   [3, 5, 5])
    c["avgpool_ceil_pad"] = graph("ap", [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3],
                                           strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1,
                                           count_include_pad=0)], [3, 9, 9])
    c["global_pools"] = graph("gp", [N("GlobalAveragePool", ["x"], ["a"]),
                                     N("GlobalMaxPool", ["x"], ["b"]),
                                     N("Add", ["a", "b"], ["y"])], [6, 5, 7])
    c["reducemean_keep"] = graph("rm1", [N("ReduceMean", ["x", "ax"], ["y"], keepdims=1)],
                                 [6, 5, 7], [_i64("ax", [2, 3])])
    c["reducemean_drop"] = graph("rm0", [N("ReduceMean", ["x"], ["y"], keepdims=0,
                                           axes=[-2, -1])], [6, 5, 7], opset=17)
    c["gemm_flatten"] = graph("gemm", [N("Flatten", ["x"], ["f"]),
                                       N("Gemm", ["f", "w", "b"], ["y"], transB=1)],
                              [2, 3, 4], [_w("w", 10, 24), _w("b", 10)])
    c["gemm_notrans"] = graph("gemm2", [N("Flatten", ["x"], ["f"]),
                                        N("Gemm", ["f", "w"], ["y"])], [24, 1, 1],
                              [_w("w", 24, 7)])
    c["matmul_bias"] = graph("mm", [N("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
                                    N("MatMul", ["t", "w"], ["m"]),
                                    N("Add", ["m", "b"], ["y"])], [8, 4, 5],
                             [_w("w", 8, 16), _w("b", 16)])
    # torch's old exporter's flatten: Shape, Gather, Unsqueeze, Concat, Reshape
    c["reshape_shape_chain"] = graph("rs", [
        N("Shape", ["x"], ["s"]), N("Constant", [], ["zero"], value=numpy_helper.from_array(
            np.array(0, np.int64))),
        N("Gather", ["s", "zero"], ["n"], axis=0), N("Unsqueeze", ["n", "ax0"], ["n1"]),
        N("Concat", ["n1", "minus1"], ["shape"], axis=0), N("Reshape", ["x", "shape"], ["y"])],
        [4, 3, 3], [_i64("ax0", [0]), _i64("minus1", [-1])])
    c["reshape_const"] = graph("rc", [N("Reshape", ["x", "s"], ["y"])], [4, 6, 2],
                               [_i64("s", [1, 8, 3, 2])])
    c["batchnorm"] = graph("bn", [N("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"])],
                           [4, 3, 3], [_w("g", 4), _w("b", 4), _w("m", 4), _w("v", 4)])
    acts = [N("Relu", ["x"], ["a1"]), N("Clip", ["a1", "lo", "hi"], ["a2"]),
            N("Sigmoid", ["a2"], ["a3"]), N("HardSigmoid", ["a3"], ["a4"]),
            N("HardSwish", ["a4"], ["a5"]), N("Tanh", ["a5"], ["a6"]),
            N("LeakyRelu", ["a6"], ["a7"], alpha=0.2), N("Elu", ["a7"], ["a8"]),
            N("Selu", ["a8"], ["a9"]), N("Softplus", ["a9"], ["a10"]),
            N("Mish", ["a10"], ["a11"]), N("PRelu", ["a11", "slope"], ["a12"]),
            N("Identity", ["a12"], ["a13"]), N("Dropout", ["a13"], ["a14"]),
            N("LRN", ["a14"], ["a15"], size=3), N("Softmax", ["a15"], ["y"], axis=1)]
    c["activations"] = graph("acts", acts, [4, 5, 5],
                             [_f32("lo", 0), _f32("hi", 6), _w("slope", 4, 1, 1)])
    c["gelu_erf"] = graph("gelu", [N("Div", ["x", "sq2"], ["d"]), N("Erf", ["d"], ["e"]),
                                   N("Add", ["e", "one"], ["a"]), N("Mul", ["x", "a"], ["m"]),
                                   N("Mul", ["m", "half"], ["y"])], [4, 3, 3],
                          [_f32("sq2", 1.4142135), _f32("one", 1.0), _f32("half", 0.5)])
    c["gelu_op"] = graph("gelu20", [N("Gelu", ["x"], ["y"])], [4, 3, 3], opset=20)
    c["residual_and_gate"] = graph("se", [
        N("Conv", ["x", "w"], ["c"]), N("Add", ["x", "c"], ["r"]),
        N("GlobalAveragePool", ["r"], ["p"]), N("Sigmoid", ["p"], ["s"]),
        N("Mul", ["r", "s"], ["y"])], [4, 6, 6], [_w("w", 4, 4, 1, 1)])
    c["concat"] = graph("cat", [N("Relu", ["x"], ["a"]), N("Sigmoid", ["x"], ["b"]),
                                N("Concat", ["a", "b", "x"], ["y"], axis=1)], [3, 4, 4])
    c["split_input"] = graph("sp", [N("Split", ["x", "sizes"], ["a", "b"], axis=1),
                                    N("Concat", ["b", "a"], ["y"], axis=1)], [6, 4, 4],
                             [_i64("sizes", [2, 4])])
    c["split_attr"] = graph("spa", [N("Split", ["x"], ["a", "b", "c"], axis=1, split=[1, 2, 3]),
                                    N("Concat", ["c", "a"], ["y"], axis=1)], [6, 4, 4], opset=11)
    c["split_num_outputs"] = graph("spn", [N("Split", ["x"], ["a", "b", "c"], axis=2,
                                             num_outputs=3),
                                           N("Concat", ["a", "c"], ["y"], axis=2)], [2, 8, 4])
    c["resize_scales"] = graph("rs1", [N("Resize", ["x", "", "sc"], ["y"], mode="nearest")],
                               [3, 4, 5], [_f32("sc", [1, 1, 2, 2])])
    c["resize_sizes"] = graph("rs2", [N("Resize", ["x", "", "", "sz"], ["y"], mode="linear")],
                              [3, 4, 5], [_i64("sz", [1, 3, 9, 7])])
    c["pad_input"] = graph("pad", [N("Pad", ["x", "pads"], ["y"])], [3, 4, 5],
                           [_i64("pads", [0, 0, 1, 2, 0, 0, 3, 0])])
    c["pad_attr"] = graph("pada", [N("Pad", ["x"], ["y"], pads=[0, 0, 1, 1, 0, 0, 1, 1])],
                          [3, 4, 5], opset=10)
    c["transpose_softmax"] = graph("tr", [N("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
                                          N("Softmax", ["t"], ["y"], axis=-1)], [3, 4, 5])
    c["slice_channels"] = graph("sl", [N("Slice", ["x", "s", "e", "a"], ["p"]),
                                       N("Relu", ["p"], ["y"])], [8, 3, 3],
                                [_i64("s", [2]), _i64("e", [5]), _i64("a", [1])])
    c["symbolic_batch"] = graph("sb", conv(strides=[2, 2]), [3, 9, 9], [_w("w", 4, 3, 3, 3)],
                                batch="N")
    sym = graph("ss", conv(), [3, 9, 9], [_w("w", 4, 3, 3, 3)], batch="N")
    for d, p in zip(sym.graph.input[0].type.tensor_type.shape.dim[2:], ("H", "W")):
        d.Clear()
        d.dim_param = p
    c["symbolic_spatial"] = sym
    c["unsupported_op"] = graph("un", [N("Relu", ["x"], ["r"], name="act0"),
                                       N("Einsum", ["r"], ["y"], name="weird", equation="bij->bji")],
                                [3, 4], opset=18)
    return c


def ceil_disagree(dynamo=False):
    """A torch export of maxpool(2, 2, padding 1, ceil_mode) on 5x5 then flatten and
    linear: torch and onnxruntime give 3x3, onnx shape inference 4x4.  The old exporter's
    file is refused by onnxruntime; the dynamo exporter writes torch's 3x3 into the
    file's value_info and a Reshape to [1, 18], and onnxruntime loads that one."""
    import torch
    m = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 1), torch.nn.MaxPool2d(2, 2, padding=1,
                                                                         ceil_mode=True),
                            torch.nn.Flatten(), torch.nn.Linear(18, 4)).eval()
    path = os.path.join(tempfile.mkdtemp(), "ceil.onnx")
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(m, (torch.zeros(1, 1, 5, 5),), path, dynamo=True,
                              opset_version=18, external_data=False)
        else:
            torch.onnx.export(m, (torch.zeros(1, 1, 5, 5),), path, dynamo=False,
                              opset_version=17)
    return onnx.load(path)


# --- what the libraries say ---------------------------------------------------------------------

def _dims(vi):
    t = vi.type.tensor_type
    if not t.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in t.shape.dim]


def truth(model):
    import onnxruntime as ort
    inferred = onnx.shape_inference.infer_shapes(model)
    known = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    consts = {t.name for t in model.graph.initializer}
    out = {"inferred": {}, "ort": {}, "ort_error": None}
    for n in model.graph.node:
        out["inferred"][n.name] = [_dims(known[o]) if o in known else None for o in n.output]
    inits = {t.name: t for t in model.graph.initializer}
    alias = {n.output[0]: n.input[0] for n in model.graph.node
             if n.op_type == "Identity" and n.input[0] in inits}
    used = set()
    for n in model.graph.node:
        for i in n.input:
            while i in alias:
                i = alias[i]
            if i in inits:
                used.add(i)
    out["initializer_params"] = sum(math.prod(inits[u].dims) for u in used)
    per_use = 0  # a tensor two nodes share (the exporters merge equal ones) counts twice
    for n in model.graph.node:
        for k in WEIGHTS.get(n.op_type, ()):
            i = n.input[k] if k < len(n.input) else ""
            while i in alias:
                i = alias[i]
            t = inits.get(i)
            if t is not None and t.data_type in FLOATS and (
                    n.op_type not in ("Add", "Mul") or math.prod(t.dims) > 1):
                per_use += math.prod(t.dims)
    out["weight_params_per_use"] = per_use
    m = onnx.ModelProto()
    m.CopyFrom(model)
    names = {o.name for o in m.graph.output}
    for n in m.graph.node:
        for o in n.output:
            if o and o not in names and o not in consts:
                elem = known[o].type.tensor_type.elem_type if o in known else F
                m.graph.output.append(helper.make_tensor_value_info(o, elem, None))
                names.add(o)
    try:
        sess = ort.InferenceSession(model.SerializeToString())
    except Exception as e:
        out["ort_error"] = str(e).split("failed:")[-1][:300]
        return out
    del sess
    sess = ort.InferenceSession(m.SerializeToString())
    feed = {}
    for i in sess.get_inputs():
        shape = [d if isinstance(d, int) else 1 if k == 0 else 9  # symbolic_spatial: 9x9
                 for k, d in enumerate(i.shape)]
        feed[i.name] = np.zeros(shape, np.float32)
    got = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feed)))
    for n in model.graph.node:
        out["ort"][n.name] = [list(got[o].shape) if o in got else None for o in n.output]
    return out


def versions():
    import onnxruntime
    import onnxscript
    import torch
    import torchvision_zoo
    return {"torch": torch.__version__, "torchvision": torchvision_zoo.version(),
            "onnx": onnx.__version__, "onnxscript": onnxscript.__version__,
            "onnxruntime": onnxruntime.__version__}


def main(names, source=None):
    sys.path.insert(0, os.path.join(HERE, "..", ".."))
    record_path = os.path.join(HERE, "record.json")
    record = {"versions": versions(), "files": {}}
    if os.path.exists(record_path) and names:  # re-record some zoo nets, keep the rest
        record["files"] = json.load(open(record_path))["files"]
    os.makedirs(os.path.join(HERE, "zoo"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "ops"), exist_ok=True)
    models = {}
    if not names:
        models.update({f"ops/{k}.onnx": v for k, v in ops_cases().items()})
        models["ops/ceil_disagree.onnx"] = ceil_disagree()
        models["ops/ceil_dynamo.onnx"] = strip(ceil_disagree(dynamo=True))
    with tempfile.TemporaryDirectory() as tmp:
        for name in names or zoo_names():
            print("exporting", name, file=sys.stderr)
            if source:
                models.update({f"zoo/{name}.{how}.onnx":
                               onnx.load(os.path.join(source, f"{name}.{how}.onnx"))
                               for how in ("legacy", "dynamo")})
            else:
                models.update(export_zoo(name, tmp))
    for rel, model in sorted(models.items()):
        path = os.path.join(HERE, rel)
        try:
            record["files"][rel] = truth(model)
        except Exception as e:  # a graph onnxruntime cannot run at all
            record["files"][rel] = {"ort_error": str(e)[:300], "ort": {}, "inferred": {},
                                    "initializer_params": 0, "weight_params_per_use": 0}
        if rel.startswith("zoo/"):
            graph_only(model, path)
        else:
            onnx.save_model(model, path)
    with open(record_path, "w") as f:
        json.dump(record, f, indent=0, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    args = sys.argv[1:]
    source = None
    if args[:1] == ["--from"]:
        source, args = args[1], args[2:]
    main(args, source)
