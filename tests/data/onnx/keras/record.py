"""Record Keras/TensorFlow ONNX exports of CNNs, and what onnxruntime computes on them.

Ground truth for cnnshape's ONNX importer (issue 14).  Builds a few Keras models in
channels-last (NHWC, as Keras users write them) with seeded random weights (no downloads:
``weights=None``), exports each to ONNX, and writes beside this file:

  NAME.onnx   the graph only: every initializer moved to external data (size_threshold=1024,
              location NAME.onnx.data) and the .data file then deleted, so the file is small.
              Shapes/dims of initializers are kept; values of tensors under 1 KiB (the int64
              shape constants, Pad pads, Resize scales, Clip bounds) stay in the file, as an
              importer needs them; the JSON's "small_initializers" keeps those of <= 64
              elements too.
  NAME.json   versions; Keras' per-layer output shapes and param counts (as model.summary()
              reports them, channels-last); the ONNX graph's inputs/outputs; onnxruntime's
              per-node output shapes (full-weight model run on zeros, every intermediate
              added as a graph output); onnx.shape_inference's shapes; initializer element
              counts; op_type counts; node attributes.

Models: small_cnn (a zoo of layers, input 225x225x3; SAME padding both even and uneven),
mobilenet_v2 (keras.applications, 224x224x3), resnet50 (keras.applications, 224x224x3),
conv1d (a 1D net on a 100x8 sequence), dynamic_hw (input (None, None, 3): SAME
cannot become pads at export; onnxruntime runs it at 225x225), small_cnn_tfkeras (the
same small CNN built with tf_keras = Keras 2 and converted with
tf2onnx.convert.from_keras, the older path; needs tf-keras installed).

Exporter: Keras 3's ``model.export(path, format="onnx", opset_version=17)``, which calls
tf2onnx.convert.from_function on the model's serving function (TensorFlow backend).
``tf2onnx.convert.from_keras`` itself fails on Keras 3 models (KeyError on output names in
tf2onnx 1.17.0), so it is used only for the tf_keras variant.

How to run (recorded with Python 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1,
tf-keras 2.21.0, tf2onnx 1.17.0, onnx 1.23.2, onnxruntime 1.32.0, numpy 2.4.6,
protobuf 7.36.2):

    python3 -m venv /tmp/tf && . /tmp/tf/bin/activate
    pip install tensorflow-cpu tf2onnx onnx onnxruntime tf-keras
    python tests/data/onnx/keras/record.py            # all models
    python tests/data/onnx/keras/record.py small_cnn   # some of them

Full-weight exports go to a temporary folder and are deleted.
"""
import os
import sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import collections
import io
import json
import platform
import shutil
import tempfile
import contextlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 17
SEED = 14


def versions():
    import importlib.metadata as md
    out = {"python": platform.python_version(), "opset": OPSET}
    for p in ("tensorflow-cpu", "tensorflow", "keras", "tf-keras", "tf2onnx", "onnx",
              "onnxruntime", "numpy", "protobuf"):
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            pass
    return out


# ---------------------------------------------------------------- models

def small_cnn(K):
    """A functional model touching the layers a CNN importer must cover.  ``K`` is the
    keras module (Keras 3 or tf_keras), so the same net is built with either."""
    L = K.layers
    x0 = K.Input((225, 225, 3), name="image")
    x = L.Conv2D(16, 3, strides=2, padding="same", name="stem_conv")(x0)      # 113
    x = L.BatchNormalization(name="stem_bn")(x)
    x = L.ReLU(name="stem_relu")(x)
    # SAME with k=3, s=2 on odd 225 pads 1+1 (even); k=2, s=2 on odd 113 pads 0+1 (uneven)
    x = L.MaxPooling2D(2, strides=2, padding="same", name="pool_same")(x)     # 57
    a = L.DepthwiseConv2D(3, padding="same", name="dw")(x)
    a = L.BatchNormalization(name="dw_bn")(a)
    a = L.ReLU(name="dw_relu")(a)
    b = L.SeparableConv2D(16, 3, padding="same", name="sep")(x)
    b = L.ReLU(name="sep_relu")(b)
    x = L.Add(name="add")([a, b])                                            # 57x57x16
    # an even kernel with SAME, stride 1: pads 1 before, 2 after
    x = L.Conv2D(16, 4, padding="same", name="conv_k4_same")(x)              # 57
    x = L.ZeroPadding2D(((0, 1), (0, 1)), name="zpad")(x)                    # 58
    x = L.MaxPooling2D(2, padding="valid", name="pool_valid")(x)             # 29
    up_t = L.Conv2DTranspose(8, 3, strides=2, padding="same", name="deconv")(x)  # 58
    up_n = L.UpSampling2D(2, name="upsample")(x)                             # 58x58x16
    up_b = L.UpSampling2D(2, interpolation="bilinear", name="upsample_bilinear")(x)
    x = L.Concatenate(name="concat")([up_t, up_n, up_b])                     # 58x58x40
    x = L.Conv2D(32, 3, strides=2, padding="valid", name="conv_valid")(x)     # 28
    x = L.BatchNormalization(name="bn_after_conv_valid")(x)
    x = L.Activation("relu", name="act_relu")(x)
    # head 1: global average pool -> dense -> dropout -> dense
    g = L.GlobalAveragePooling2D(name="gap")(x)
    g = L.Dense(64, activation="relu", name="fc1")(g)
    g = L.Dropout(0.5, name="drop")(g)
    g = L.Dense(10, name="fc_gap")(g)
    # head 2: pool -> flatten -> dense (the channels-last Flatten pattern)
    f = L.MaxPooling2D(4, name="pool4")(x)                                   # 7x7x32
    f = L.Flatten(name="flatten")(f)
    f = L.Dense(10, name="fc_flat")(f)
    y = L.Add(name="logits")([g, f])
    y = L.Softmax(name="softmax")(y)
    return K.Model(x0, y, name="small_cnn")


def conv1d(K):
    L = K.layers
    x0 = K.Input((100, 8), name="sequence")
    x = L.Conv1D(16, 5, strides=2, padding="same", name="c1")(x0)            # 50
    x = L.BatchNormalization(name="bn1")(x)
    x = L.ReLU(name="relu1")(x)
    x = L.MaxPooling1D(2, name="pool1")(x)                                   # 25
    x = L.Conv1D(32, 3, padding="causal", dilation_rate=2, activation="relu",
                 name="c2_causal")(x)                                       # 25
    x = L.Conv1D(32, 3, strides=2, padding="valid", name="c3_valid")(x)      # 12
    x = L.GlobalAveragePooling1D(name="gap")(x)
    x = L.Dense(4, activation="softmax", name="fc")(x)
    return K.Model(x0, x, name="conv1d")


def dynamic_hw(K):
    """Spatial size unknown at export (None, None, 3): SAME can't be resolved to pads."""
    L = K.layers
    x0 = K.Input((None, None, 3), name="image")
    x = L.Conv2D(8, 3, strides=2, padding="same", name="conv_same_s2")(x0)
    x = L.BatchNormalization(name="bn")(x)
    x = L.ReLU(name="relu")(x)
    x = L.MaxPooling2D(2, padding="same", name="pool_same")(x)
    x = L.DepthwiseConv2D(3, strides=2, padding="same", name="dw_same_s2")(x)
    x = L.Conv2DTranspose(8, 3, strides=2, padding="same", name="deconv_same")(x)
    x = L.Conv2D(8, 3, padding="valid", name="conv_valid")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = L.Dense(5, name="fc")(x)
    return K.Model(x0, x, name="dynamic_hw")


def randomize(model):
    """Seeded random weights everywhere (zero biases and unit BN stats let an exporter
    fold things away that real models keep); BN variances stay positive."""
    rng = np.random.default_rng(SEED)
    for w in model.weights:
        shape = tuple(w.shape)
        name = w.path if hasattr(w, "path") else w.name
        if "moving_variance" in name:
            v = rng.uniform(0.5, 1.5, shape)
        else:
            v = rng.normal(0, 0.1, shape)
        w.assign(v.astype(np.float32))


# ---------------------------------------------------------------- keras side

def shape_list(s):
    return [None if d is None else int(d) for d in s]


def keras_record(model):
    layers = []
    for layer in model.layers:
        outs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
        tr = int(sum(np.prod(w.shape) for w in layer.trainable_weights))
        nt = int(sum(np.prod(w.shape) for w in layer.non_trainable_weights))
        layers.append({"name": layer.name, "class": layer.__class__.__name__,
                       "output_shape": [shape_list(o.shape) for o in outs]
                       if len(outs) > 1 else shape_list(outs[0].shape),
                       "params": tr + nt, "trainable": tr, "non_trainable": nt})
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        model.summary(line_length=110, print_fn=lambda s, **k: print(s))
    tr = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    nt = int(sum(np.prod(w.shape) for w in model.non_trainable_weights))
    return {"layers": layers, "total_params": tr + nt, "trainable_params": tr,
            "non_trainable_params": nt, "summary_text": buf.getvalue().splitlines()}


# ---------------------------------------------------------------- exporters

def export_keras3(model, path):
    model.export(path, format="onnx", opset_version=OPSET, verbose=False)
    return "keras.Model.export(format='onnx', opset_version=%d) -> tf2onnx.convert." \
           "from_function" % OPSET


def export_tfkeras(model, path):
    import tensorflow as tf
    import tf2onnx
    spec = [tf.TensorSpec((None,) + tuple(model.input_shape[1:]), tf.float32,
                          name=model.input_names[0] if hasattr(model, "input_names")
                          else "input")]
    tf2onnx.convert.from_keras(model, input_signature=spec, opset=OPSET, output_path=path)
    return "tf2onnx.convert.from_keras(tf_keras model, opset=%d)" % OPSET


# ---------------------------------------------------------------- onnx side

def dims(tp):
    """A TypeProto's tensor shape as a list: ints, dim_param strings, or None."""
    if not tp.HasField("tensor_type") or not tp.tensor_type.HasField("shape"):
        return None
    out = []
    for d in tp.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            out.append(d.dim_value)
        elif d.HasField("dim_param"):
            out.append(d.dim_param)
        else:
            out.append(None)
    return out


def attr_value(a):
    import onnx
    v = onnx.helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, (list, tuple)):
        return [x.decode() if isinstance(x, bytes) else x for x in v]
    if isinstance(v, (int, float, str)):
        return v
    if isinstance(v, onnx.TensorProto):
        arr = onnx.numpy_helper.to_array(v)
        return {"tensor": {"dtype": str(arr.dtype), "shape": list(arr.shape),
                           "values": arr.ravel().tolist() if arr.size <= 64 else None}}
    return str(type(v).__name__)


def onnx_record(full_path, feed_shape):
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper
    m = onnx.load(full_path)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    used = set()
    for n in g.node:
        used.update(i for i in n.input if i)
    init_elems = sum(int(np.prod(t.dims)) for name, t in inits.items() if name in used)
    float_init_elems = sum(int(np.prod(t.dims)) for name, t in inits.items()
                           if name in used and t.data_type == onnx.TensorProto.FLOAT)
    const_node_elems = 0
    for n in g.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    const_node_elems += int(np.prod(a.t.dims))
    small = {}
    for name, t in inits.items():
        if int(np.prod(t.dims)) <= 64:
            small[name] = {"dtype": onnx.TensorProto.DataType.Name(t.data_type),
                                "dims": list(t.dims),
                                "values": numpy_helper.to_array(t).ravel().tolist()}
    inputs = [{"name": i.name, "shape": dims(i.type),
               "elem_type": onnx.TensorProto.DataType.Name(i.type.tensor_type.elem_type)}
              for i in g.input if i.name not in inits]
    outputs = [{"name": o.name, "shape": dims(o.type)} for o in g.output]
    # what consumes the graph input first (NHWC -> NCHW Transpose?)
    first = []
    for n in g.node:
        if any(i in n.input for i in (x["name"] for x in inputs)):
            first.append({"name": n.name, "op_type": n.op_type,
                          "attributes": {a.name: attr_value(a) for a in n.attribute}})
    transposes = []
    for n in g.node:
        if n.op_type == "Transpose":
            perm = [a for a in n.attribute if a.name == "perm"]
            transposes.append({"name": n.name, "input": n.input[0],
                               "perm": list(perm[0].ints) if perm else None})

    # onnx shape inference (on the full model; initializers are there)
    exported_value_info = len(g.value_info)
    inf = onnx.shape_inference.infer_shapes(m, strict_mode=False, data_prop=True)
    si = {}
    for vi in list(inf.graph.value_info) + list(inf.graph.output):
        si[vi.name] = dims(vi.type)

    # onnxruntime: every node output as a graph output, run on zeros
    rt = onnx.load(full_path)
    have = {o.name for o in rt.graph.output}
    for n in rt.graph.node:
        for o in n.output:
            if o and o not in have:
                rt.graph.output.append(onnx.ValueInfoProto(name=o))
                have.add(o)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(rt.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])
    feed = {inputs[0]["name"]: np.zeros(feed_shape, np.float32)}
    names = [o.name for o in sess.get_outputs()]
    vals = sess.run(names, feed)
    ort_shapes = {n: list(v.shape) for n, v in zip(names, vals)}
    final = {o["name"]: ort_shapes[o["name"]] for o in outputs}

    nodes = []
    for n in g.node:
        nodes.append({"name": n.name, "op_type": n.op_type, "inputs": list(n.input),
                      "outputs": list(n.output),
                      "attributes": {a.name: attr_value(a) for a in n.attribute},
                      "ort_output_shapes": [ort_shapes.get(o) for o in n.output],
                      "inferred_output_shapes": [si.get(o) for o in n.output]})
    ops = collections.Counter(n.op_type for n in g.node)
    return m, {
        "producer": {"name": m.producer_name, "version": m.producer_version},
        "opset_import": {(o.domain or "ai.onnx"): o.version for o in m.opset_import},
        "inputs": inputs, "outputs": outputs,
        "input_consumers": first,
        "transposes": transposes,
        "op_types": dict(sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))),
        "node_count": len(g.node),
        "exported_value_info_count": exported_value_info,
        "initializer_count": len(inits),
        "initializer_elements_used": init_elems,
        "initializer_float_elements_used": float_init_elems,
        "constant_node_elements": const_node_elems,
        "small_initializers": small,
        "ort_feed": {inputs[0]["name"]: list(feed_shape)},
        "ort_final_output_shapes": final,
        "ort_output_shapes": ort_shapes,
        "shape_inference": si,
        "nodes": nodes,
    }


def graph_only(m, name):
    """Save ``m`` with every initializer external, then delete the data file."""
    import onnx
    out = os.path.join(HERE, name + ".onnx")
    data = name + ".onnx.data"
    for p in (out, os.path.join(HERE, data)):
        if os.path.exists(p):
            os.remove(p)
    onnx.save_model(m, out, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data, size_threshold=1024)
    os.remove(os.path.join(HERE, data))
    return out


# ---------------------------------------------------------------- driver

def build(name):
    """(model, exporter, feed shape) for ``name``."""
    if name == "small_cnn_tfkeras":
        import tf_keras
        return small_cnn(tf_keras), export_tfkeras, (1, 225, 225, 3)
    import keras
    if name == "small_cnn":
        return small_cnn(keras), export_keras3, (1, 225, 225, 3)
    if name == "conv1d":
        return conv1d(keras), export_keras3, (1, 100, 8)
    if name == "dynamic_hw":
        return dynamic_hw(keras), export_keras3, (1, 225, 225, 3)
    if name == "mobilenet_v2":
        return keras.applications.MobileNetV2(weights=None, input_shape=(224, 224, 3)), \
            export_keras3, (1, 224, 224, 3)
    if name == "resnet50":
        return keras.applications.ResNet50(weights=None), export_keras3, (1, 224, 224, 3)
    raise SystemExit("unknown model " + name)


MODELS = ["small_cnn", "mobilenet_v2", "resnet50", "conv1d", "dynamic_hw",
          "small_cnn_tfkeras"]


def record(name, tmp):
    model, exporter, feed_shape = build(name)
    randomize(model)
    model(np.zeros(feed_shape, np.float32))  # Keras 3's export refuses a never-called model
    full = os.path.join(tmp, name + ".onnx")
    how = exporter(model, full)
    krec = keras_record(model)
    m, orec = onnx_record(full, feed_shape)
    # Keras' own prediction on zeros: the final shape, and agreement with onnxruntime
    import onnxruntime as ort
    x = np.zeros(feed_shape, np.float32)
    ky = np.asarray(model.predict(x, verbose=0) if hasattr(model, "predict") else model(x))
    sess = ort.InferenceSession(full, providers=["CPUExecutionProvider"])
    oy = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    path = graph_only(m, name)
    rec = {"model": name, "versions": versions(), "exporter": how,
           "keras": krec, "onnx": orec,
           "keras_vs_ort_on_zeros": {"keras_shape": list(ky.shape),
                                     "ort_shape": list(oy.shape),
                                     "max_abs_diff": float(np.max(np.abs(ky - oy)))},
           "full_onnx_bytes": os.path.getsize(full),
           "graph_only_onnx_bytes": os.path.getsize(path)}
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(rec, f, indent=1)
        f.write("\n")
    print(f"{name}: {os.path.getsize(path)} bytes graph-only ({rec['full_onnx_bytes']} full); "
          f"ops {orec['op_types']}; keras params {krec['total_params']} "
          f"onnx init elems {orec['initializer_elements_used']}; "
          f"max|keras-ort| {rec['keras_vs_ort_on_zeros']['max_abs_diff']:.2e}", flush=True)


def main(argv):
    names = argv or MODELS
    tmp = tempfile.mkdtemp(prefix="keras-onnx-")
    failed = []
    try:
        for name in names:
            try:
                record(name, tmp)
            except Exception as e:  # record what exports, say what did not
                import traceback
                traceback.print_exc()
                failed.append((name, f"{e.__class__.__name__}: {e}"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for name, why in failed:
        print(f"FAILED {name}: {why}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
