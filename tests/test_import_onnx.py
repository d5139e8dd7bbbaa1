"""The ONNX importer against recorded truth (tests/data/onnx/record.py wrote it).

Every value of every recorded graph has the shape onnxruntime gave it; params are the
initializers the nodes use; every zoo net exported by both torch exporters imports back
with the zoo spec's output shape and MACs.  CI has onnx but not onnxruntime: the
recording stands in for it."""
import json
import math
import os
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

onnx = pytest.importorskip("onnx")

import cnnshape  # noqa: E402
from cnnshape.cli import main  # noqa: E402
from cnnshape.diagnostics import SpecError  # noqa: E402
from cnnshape.importers import onnx as onnx_importer  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data", "onnx")
RECORD = json.load(open(os.path.join(DATA, "record.json")))
FILES = RECORD["files"]
REFUSED = {"ops/ceil_disagree.onnx", "ops/unsupported_op.onnx"}  # errors, tested below
INPUTS = {"ops/symbolic_spatial.onnx": (3, 9, 9)}  # record.py ran it at 9x9
RUN = sorted(f for f in FILES if f not in REFUSED)
ZOO = sorted({f.split("/")[1].split(".")[0] for f in FILES if f.startswith("zoo/")})


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def imported(rel):
    """The reader (its tensor -> row map) and cnnshape's result for one recorded file."""
    path = os.path.join(DATA, rel)
    model = onnx.load(path, load_external_data=False)
    reader = onnx_importer._Reader(onnx, model, path, INPUTS.get(rel))
    tree = reader.tree()
    return reader, cnnshape.analyze(tree)


def test_the_recording_says_which_versions_made_it():
    assert set(RECORD["versions"]) == {"torch", "torchvision", "onnx", "onnxscript",
                                       "onnxruntime"}
    assert len(ZOO) == 22  # every zoo net with a torch reference (not lenet5_1998, unet)


@pytest.mark.parametrize("rel", RUN)
def test_every_value_has_onnxruntimes_shape(rel):
    reader, result = imported(rel)
    rows = {layer.name: layer for layer in result.layers}
    truth = FILES[rel]["ort"]
    model = onnx.load(os.path.join(DATA, rel), load_external_data=False)
    checked = 0
    for node in model.graph.node:
        for out, shape in zip(node.output, truth[node.name]):
            ref = reader.ref.get(out)
            if ref is None or out in reader.flat or shape is None:
                continue  # a folded constant, or the dynamo exporter's flat-then-Gather
            name, _, part = ref.partition(".")
            if name == "input":  # a scalar op on the input itself (gelu's x / sqrt 2)
                ours = result.input_shape
            else:
                row = rows[name]
                ours = row.output_shapes[int(part)] if part else row.output_shape
            assert list(ours) == shape[1:], (node.name, node.op_type, out)
            checked += 1
    assert checked >= 1


@pytest.mark.parametrize("rel", RUN)
def test_params_are_the_weights_the_nodes_read(rel):
    _, result = imported(rel)
    assert result.totals.total_params == FILES[rel]["weight_params_per_use"]


@pytest.mark.parametrize("exporter", ["legacy", "dynamo"])
@pytest.mark.parametrize("name", ZOO)
def test_zoo_round_trip_gives_the_specs_output_and_macs(name, exporter):
    ours = cnnshape.analyze(name)
    theirs = cnnshape.analyze(os.path.join(DATA, "zoo", f"{name}.{exporter}.onnx"))
    assert theirs.input_shape == ours.input_shape
    assert theirs.output_shape == ours.output_shape
    assert theirs.totals.macs == ours.totals.macs
    # BatchNorm folded into the convolutions: its 4 numbers per channel are gone, a
    # bias per output channel may have come; never more than the spec's count.  The
    # dynamo exporter also drops a bias that is all zeros (an untrained net's)
    assert theirs.totals.total_params <= ours.totals.total_params
    if exporter == "legacy" and not any(layer.type.startswith("batchnorm")
                                        for layer in ours.layers):
        assert theirs.totals.total_params == ours.totals.total_params


def test_the_legacy_resnet18_params_are_torchs_less_bn_plus_folded_biases():
    ours = cnnshape.analyze("resnet18")
    theirs = cnnshape.analyze(os.path.join(DATA, "zoo", "resnet18.legacy.onnx"))
    bn = [layer for layer in ours.layers if layer.type.startswith("batchnorm")]
    bn_affine = sum(layer.params for layer in bn)
    folded_biases = bn_affine // 2  # one bias per BN channel, on the conv before it
    assert theirs.totals.params == ours.totals.params - bn_affine + folded_biases


def test_rows_are_named_as_the_nodes():
    _, result = imported("zoo/resnet18.legacy.onnx")
    names = [layer.name for layer in result.layers]
    assert names[:3] == ["conv1_Conv", "relu_Relu", "maxpool_MaxPool"]
    layer = result.layers[0]
    assert (layer.type, layer.output_shape, layer.inputs) == ("conv2d", (64, 112, 112),
                                                              ("input",))


def test_a_ceil_mode_pool_onnxruntime_refuses_is_an_error_naming_it():
    assert "Dimension mismatch in unification" in FILES["ops/ceil_disagree.onnx"]["ort_error"]
    r = run("model", os.path.join(DATA, "ops", "ceil_disagree.onnx"))
    assert r.exit_code == 1
    assert "[CS526] node '/1/MaxPool' (MaxPool, ceil_mode)" in r.output
    assert "onnx shape inference gives 2x4x4, onnxruntime computes 2x3x3" in r.output
    assert "Dimension mismatch in unification" in r.output
    assert "Traceback" not in r.output


def test_the_same_pool_from_the_dynamo_exporter_loads_and_reads():
    # torch's own 3x3 is in the file's value_info, so onnxruntime merges leniently
    record = FILES["ops/ceil_dynamo.onnx"]
    assert record["ort_error"] is None and record["ort"]["node_max_pool2d"] == [[1, 2, 3, 3]]
    result = cnnshape.analyze(os.path.join(DATA, "ops", "ceil_dynamo.onnx"))
    assert result.output_shape == (4,)


def test_a_ceil_mode_pool_onnxruntime_runs_gives_the_runtimes_shape():
    # no later node checks the size, so onnxruntime loads it and drops the window
    assert FILES["ops/maxpool_ceil_drop.onnx"]["ort"]["y"] == [[1, 3, 3, 3]]
    assert FILES["ops/maxpool_ceil_drop.onnx"]["inferred"]["y"] == [[1, 3, 4, 4]]
    r = run("model", os.path.join(DATA, "ops", "maxpool_ceil_drop.onnx"))
    assert r.exit_code == 0
    assert "[CS302]" in r.output  # cnnshape's own note that the window is dropped
    result = cnnshape.analyze(os.path.join(DATA, "ops", "maxpool_ceil_drop.onnx"))
    assert result.output_shape == (3, 3, 3)


def test_a_symbolic_spatial_size_needs_input():
    path = os.path.join(DATA, "ops", "symbolic_spatial.onnx")
    r = run("model", path)
    assert r.exit_code == 1
    assert "[CS522] input 'x' has a symbolic size [3, 'H', 'W']" in r.output
    assert "--input" in r.output
    r = run("model", path, "--input", "3x9x9", "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.output)["output_shape"] == [4, 7, 7]


def test_a_symbolic_batch_is_fine():
    r = run("model", os.path.join(DATA, "ops", "symbolic_batch.onnx"), "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.output)["output_shape"] == [4, 4, 4]


def test_an_unsupported_op_names_the_node_and_what_is_covered():
    r = run("model", os.path.join(DATA, "ops", "unsupported_op.onnx"))
    assert r.exit_code == 1
    assert "[CS523] node 'weird': op 'Einsum' is not covered" in r.output
    assert "cnnshape reads Add, AveragePool, BatchNormalization" in r.output


@pytest.mark.parametrize("content", [b"", b"not an onnx file at all \xff\xfe",
                                     b"input: [3, 8, 8]\nlayers: [relu]\n"])
def test_a_file_that_is_not_onnx_is_a_clear_error(tmp_path, content):
    path = tmp_path / "net.onnx"
    path.write_bytes(content)
    r = run("model", str(path))
    assert r.exit_code == 1
    assert "[CS521]" in r.output
    assert "Traceback" not in r.output


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(SpecError, match="CS521"):
        onnx_importer.read(str(tmp_path / "absent.onnx"))


def test_without_onnx_the_message_names_the_extra():
    code = ("import sys; sys.modules['onnx'] = None\n"
            "from cnnshape.cli import main\n"
            f"main(['model', {os.path.join(DATA, 'ops', 'conv1d.onnx')!r}])\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 1
    assert "pip install 'cnnshape[onnx]'" in p.stdout + p.stderr
    assert "Traceback" not in p.stdout + p.stderr


@pytest.mark.parametrize("rel", ["zoo/resnet18.legacy.onnx", "zoo/shufflenet_v2_x1_0.legacy.onnx",
                                 "zoo/convnext_tiny.dynamo.onnx", "ops/activations.onnx",
                                 "ops/split_input.onnx", "ops/slice_channels.onnx",
                                 "keras/resnet50.onnx"])
def test_import_writes_a_spec_check_passes_with_the_same_numbers(tmp_path, rel):
    out = tmp_path / "net.yaml"
    r = run("import", os.path.join(DATA, rel), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert yaml.safe_load(out.read_text())["layers"]
    r = run("check", str(out))
    assert r.exit_code == 0, r.output
    a, b = cnnshape.analyze(str(out)), cnnshape.analyze(os.path.join(DATA, rel))
    assert a.totals == b.totals
    assert [layer.output_shape for layer in a.layers] == [layer.output_shape for layer in b.layers]


def test_the_description_says_bn_is_folded():
    tree = onnx_importer.read(os.path.join(DATA, "zoo", "resnet18.legacy.onnx"))
    assert "fold BatchNorm into the convolutions" in tree["description"]


def test_external_weights_are_not_needed_and_inline_weights_work():
    # zoo files lost their external data; ops files carry their weights inline
    model = onnx.load(os.path.join(DATA, "zoo", "lenet5.legacy.onnx"), load_external_data=False)
    assert any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    model = onnx.load(os.path.join(DATA, "ops", "gemm_flatten.onnx"))
    assert all(t.data_location != onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    assert cnnshape.analyze(os.path.join(DATA, "ops", "gemm_flatten.onnx")).output_shape == (10,)


# --- Keras/TF exports (tf2onnx), recorded by tests/data/onnx/keras/record.py -------------------

KERAS = os.path.join(DATA, "keras")
KERAS_READ = ["conv1d", "dynamic_hw", "mobilenet_v2", "resnet50", "small_cnn_tfkeras"]
KERAS_INPUTS = {"dynamic_hw": (225, 225, 3)}  # symbolic H and W: recorded at 225x225


def _not_weights(model):
    """Float initializers a node reads as a bound or a scale (Clip, Resize), not a weight."""
    inits = {t.name: t for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT}
    names = {i for n in model.graph.node if n.op_type in ("Clip", "Resize")
             for i in n.input[1:] if i in inits}
    return sum(math.prod(inits[i].dims) for i in names)


@pytest.mark.parametrize("name", KERAS_READ)
def test_keras_exports_have_onnxruntimes_shapes_and_their_weights(name):
    rel = os.path.join(KERAS, f"{name}.onnx")
    truth = json.load(open(os.path.join(KERAS, f"{name}.json")))["onnx"]
    model = onnx.load(rel, load_external_data=False)
    reader = onnx_importer._Reader(onnx, model, rel, KERAS_INPUTS.get(name))
    result = cnnshape.analyze(reader.tree())
    rows = {layer.name: layer for layer in result.layers}
    checked = 0
    for tensor, shape in truth["ort_output_shapes"].items():
        ref = reader.ref.get(tensor)
        if ref is None or shape is None:
            continue
        name_, _, part = ref.partition(".")
        ours = result.input_shape if name_ == "input" else (
            rows[name_].output_shapes[int(part)] if part else rows[name_].output_shape)
        assert list(ours) == shape[1:], tensor
        checked += 1
    assert checked > 10
    assert result.output_shape == tuple(truth["ort_output_shapes"][model.graph.output[0].name][1:])
    assert result.totals.total_params == (truth["initializer_float_elements_used"]
                                          - _not_weights(model))


@pytest.mark.parametrize("name,code,where", [
    ("small_cnn", "CS523", "small_cnn_1/upsample_1/Repeat/Tile"),  # UpSampling2D as Tile
    ("dynamic_hw", "CS522", "image"),                     # symbolic H and W, no --input
])
def test_keras_exports_cnnshape_does_not_read_yet_are_clear_errors(name, code, where):
    r = run("model", os.path.join(KERAS, f"{name}.onnx"))
    assert r.exit_code == 1
    assert f"[{code}]" in r.output and where in r.output
    assert "Traceback" not in r.output


def _save(tmp_path, nodes, output="y", inits=()):
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    y = helper.make_tensor_value_info(output, TensorProto.FLOAT, None)
    g = helper.make_graph(nodes, "g", [x], [y], initializer=list(inits))
    path = tmp_path / "bad.onnx"
    onnx.save(helper.make_model(g), str(path))
    return str(path)


@pytest.mark.parametrize("case,message", [
    ("missing_weight", "[CS524] node 'c' (Conv): input 1 must be an initializer"),
    ("unknown_output", "[CS524] the graph output 'zzz' is not computed from the input"),
    ("two_inputs", "[CS524] the graph has 2 inputs (x, x2); cnnshape reads one"),
    ("clip", "[CS524] node 'c' (Clip): min -1.0, max 1.0"),
])
def test_graphs_cnnshape_cannot_express_are_errors_naming_the_node(tmp_path, case, message):
    from onnx import TensorProto, helper
    mk = helper.make_node
    if case == "missing_weight":
        path = _save(tmp_path, [mk("Conv", ["x", "nope"], ["y"], name="c")])
    elif case == "unknown_output":
        path = _save(tmp_path, [mk("Relu", ["x"], ["y"], name="r")], output="zzz")
    elif case == "clip":
        path = _save(tmp_path, [mk("Clip", ["x"], ["y"], name="c", min=-1.0, max=1.0)])
        m = onnx.load(path)
        m.opset_import[0].version = 6
        onnx.save(m, path)
    else:
        path = _save(tmp_path, [mk("Add", ["x", "x2"], ["y"], name="a")])
        m = onnx.load(path)
        m.graph.input.append(helper.make_tensor_value_info("x2", TensorProto.FLOAT, [1, 3, 4, 4]))
        onnx.save(m, path)
    r = run("model", path)
    assert r.exit_code == 1
    assert message in r.output
    assert "Traceback" not in r.output


def test_the_recordings_cover_every_op_and_attribute_the_importer_reads():
    seen, attributes = set(), set()
    for rel in FILES:
        model = onnx.load(os.path.join(DATA, rel), load_external_data=False)
        for node in model.graph.node:
            seen.add(node.op_type)
            for a in node.attribute:
                value = onnx.helper.get_attribute_value(a)
                attributes.add((a.name, value.decode() if isinstance(value, bytes) else
                                value if isinstance(value, int) else None))
    ops = """Conv ConvTranspose MaxPool AveragePool GlobalAveragePool GlobalMaxPool ReduceMean
    Gemm MatMul Flatten Reshape Shape Gather Unsqueeze Concat Constant BatchNormalization
    LayerNormalization Relu Clip Sigmoid HardSigmoid HardSwish Tanh LeakyRelu Elu Selu Gelu
    Erf Softplus Mish PRelu Add Mul Split Slice Resize Pad Transpose Identity Dropout
    Softmax LRN""".split()
    assert set(ops) <= seen, set(ops) - seen
    assert {("auto_pad", "SAME_UPPER"), ("auto_pad", "SAME_LOWER"), ("auto_pad", "VALID"),
            ("ceil_mode", 1), ("transB", 1), ("keepdims", 0), ("keepdims", 1),
            ("num_outputs", 3)} <= attributes
