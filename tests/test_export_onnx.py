"""cnnshape export --to onnx, proved (issue 15 §3, §4).

For every zoo network, every YAML example of docs/spec.md and one spec per layer kind the
zoo lacks, at opsets 17 and 18: the model passes onnx.checker.check_model(full_check=True),
which runs ONNX's shape inference strictly against the value_info; the value_info are
cnnshape's shapes; the initializers hold exactly params + non_trainable_params elements
(BatchNorm's running statistics, frozen and fixed weights: every other constant is a
Constant node); and onnxruntime runs a zeros batch of 2 to the expected shape.  Kinds
whose element order matters (pixel shuffles, channel shuffle, ceil-mode pools) are
compared value for value with torch.  Exported zoo nets import back (cnnshape model
net.onnx) with the same shapes, params and MACs.
"""
import re
from functools import lru_cache
from pathlib import Path

import pytest
from click.testing import CliRunner

onnx = pytest.importorskip("onnx")

from cnnshape.api import load_file  # noqa: E402
from cnnshape.cli import main  # noqa: E402
from cnnshape.diagnostics import SpecError  # noqa: E402
from cnnshape.export import export  # noqa: E402
from cnnshape.export.onnx import IR_VERSIONS  # noqa: E402
from cnnshape.graph import propagate  # noqa: E402
from cnnshape.spec import load_spec  # noqa: E402

ROOT = Path(__file__).parent.parent
ZOO = sorted(p.stem for p in (ROOT / "specs").glob("*.yaml"))
DOCS = re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "spec.md").read_text(), re.S)
OPSETS = (17, 18)

# the kinds (and options) no zoo net or docs example uses, one small spec each
KINDS = {  # name: (input, layers)
    "ceil_pools": ([3, 15, 15], ["maxpool2d 3 s2 ceil_mode=true",
                                 "avgpool2d 3 s2 p1 ceil_mode=true",
                                 "maxpool2d 2 s2 p1 ceil_mode=true",
                                 "avgpool2d 2 s2 ceil_mode=true count_include_pad=false"]),
    "pools_1d_3d": ([2, 6, 9, 9], ["maxpool3d 2 s1 d2", "avgpool3d 3 s2 p1",
                                   "conv3d 4 k3 d2 padding=same", "global_maxpool", "flatten"]),
    "conv1d": ([3, 40], ["conv1d 8 k5 s3 padding=same", "maxpool1d 2",
                         "avgpool1d 3 s1 p1 count_include_pad=false", "global_avgpool"]),
    "adaptive": ([4, 8, 7], ["adaptive_maxpool2d 4x3", "adaptive_avgpool2d 2x1"]),
    "transposed": ([4, 9, 9], ["conv_transpose2d 6 k3 s2 p1 output_padding=1 g2 d2",
                               "conv_transpose2d 2 k4 s2 p1 bias=false"]),
    "frozen": ([3, 8, 8], ["conv2d 4 k3 trainable=false", "flatten", "linear 5"]),
    "norms": ([8, 6, 6], ["groupnorm 4", "groupnorm 2 affine=false", "instancenorm2d",
                          "instancenorm2d affine=true track_running_stats=true", "layernorm2d",
                          "batchnorm affine=false",
                          {"layernorm": {"normalized_shape": [6, 6],
                                         "elementwise_affine": False}},
                          "layernorm 6 bias=false", "lrn 3", "prelu num_parameters=8"]),
    "activations": ([4, 5, 5], ["elu alpha=0.5", "leaky_relu negative_slope=0.2", "selu",
                                "mish", "softplus", "hardsigmoid", "hardswish", "tanh", "relu6",
                                "gelu", "silu", "prelu", "dropout2d", "identity",
                                "stochastic_depth 0.2", "softmax", "log_softmax dim=-1"]),
    "rearrange": ([8, 6, 4], ["pixel_shuffle 2", "pixel_unshuffle 2", "channel_shuffle 4",
                              "permute 2,0,1", "reshape 4,-1",
                              "unflatten dim=1 unflattened_size=6,8", "zeropad2d 1x2",
                              "flatten"]),
    "upsample": ([3, 5, 7], ["upsample 2", "upsample 1.5", "upsample size=9x4",
                             "upsample size=6x5 mode=bilinear",
                             "upsample 2 mode=bilinear align_corners=true",
                             "upsample 3 mode=bicubic"]),
    "merges": ([6, 8, 8], [
        {"split": {"split_size_or_sections": [2, 4]}, "name": "s"},
        {"type": "conv2d", "out_channels": 4, "kernel_size": 1, "inputs": "s.0", "name": "a"},
        {"type": "add", "inputs": ["a", "s.1", "s.1"]},
        "chunk 2 dim=-1 name=c",
        {"type": "concat", "dim": 2, "inputs": ["c.1", "c.0"]},
        "global_avgpool name=g",
        {"type": "mul", "inputs": ["previous", "c.0", "g"]},
        {"type": "reshape_as", "inputs": ["previous", "c.1"]},
        {"type": "interpolate_as", "inputs": ["previous", "a"]},
        "zeropad2d 2 name=big",
        {"type": "concat", "crop": True, "inputs": ["a", "big"]}]),
    "attention": ([2, 4, 6], ["permute 0,2,1 name=t",
                              {"type": "matmul", "inputs": ["input", "t"]},
                              "linear 3 in_features=4 bias=false", "linear 2 in_features=3"]),
}
CASES = ([f"zoo:{n}" for n in ZOO] + [f"docs:{i}" for i in range(len(DOCS))]
         + [f"kind:{k}" for k in KINDS])
#: zoo nets of 60 M parameters and more (a quarter to half a gigabyte of zeros each):
#: checked at opset 18 only, to keep CI within minutes
BIG = {"zoo:alexnet", "zoo:vgg11_bn", "zoo:vgg16", "zoo:wide_resnet50_2"}


def _checks(case, opset):
    """Every case at opset 18: checker, onnxruntime, and for the zoo the import back.  At
    opset 17, what differs between the opsets (docs examples, every kind) is run in full,
    and the zoo nets, but the big ones, are written and checked."""
    if opset == 18:
        return ("model", "onnxruntime") + (("import",) if case.startswith("zoo:") else ())
    if case.startswith("zoo:"):
        return () if case in BIG else ("model",)
    return ("model", "onnxruntime")


# one export serves the checks that follow it: each (case, opset) exported once
CHECKS = [(case, opset, check) for case in CASES for opset in OPSETS
          for check in _checks(case, opset)]


def _load(case):
    where, key = case.split(":")
    if where == "zoo":
        return load_file(str(ROOT / "specs" / f"{key}.yaml"))
    if where == "docs":
        import yaml
        return load_spec(yaml.safe_load(DOCS[int(key)]), path=f"{case}.yaml")
    shape, layers = KINDS[key]
    return load_spec({"name": key, "input": shape, "layers": layers}, path=f"{case}.yaml")


@lru_cache(maxsize=1)  # one model in memory: the zoo's largest holds half a gigabyte
def exported(case, opset):
    spec = _load(case)
    result = propagate(spec)
    return spec, result, export(spec, result, "onnx", opset=opset)


def dims(value_info):
    return tuple(d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim)


def shapes_of(result):
    """Tensor name -> shape with the batch: each layer's output, each part of a split."""
    out = {}
    for row in result.layers:
        if row.output_shapes:
            out.update({f"{row.name}:{k}": ("N", *s) for k, s in enumerate(row.output_shapes)})
        else:
            out[row.name] = ("N", *row.output_shape)
    return out


@pytest.mark.parametrize("case,opset,check", CHECKS, ids=["-".join(map(str, c)) for c in CHECKS])
def test_export(case, opset, check, tmp_path):
    """Each (case, opset) in turn: the model checks, onnxruntime runs it, and (zoo nets at
    opset 18) the ONNX importer reads it back: one export for the three."""
    {"model": model_checks, "onnxruntime": onnxruntime_runs,
     "import": round_trips}[check](case, opset, tmp_path)


def model_checks(case, opset, tmp_path):
    spec, result, data = exported(case, opset)
    onnx.checker.check_model(data, full_check=True)  # strict shape inference vs value_info
    model = onnx.load_from_string(data)
    assert model.ir_version == IR_VERSIONS[opset] == 8
    assert [(o.domain, o.version) for o in model.opset_import] == [("", opset)]
    graph = model.graph
    declared = {v.name: dims(v) for v in (*graph.value_info, *graph.output)}
    want = shapes_of(result)
    assert {n: declared.get(n) for n in want} == want
    assert dims(graph.input[0]) == ("N", *result.input_shape)
    assert dims(graph.output[0]) == ("N", *result.output_shape)
    # every tensor a node computes is declared, helper steps (layer/step) included
    computed = {o for n in graph.node if n.op_type not in ("Constant", "Shape", "Concat")
                or n.output[0] in declared for o in n.output}
    assert computed <= set(declared) | {i.name for i in graph.input}
    assert {row.name for row in result.layers} <= {n.name for n in graph.node}
    # the rule: initializers are exactly the weights, trainable or not
    elements = sum(_count(t) for t in graph.initializer)
    assert elements == result.totals.params + result.totals.non_trainable_params


def _count(tensor):
    n = 1
    for d in tensor.dims:
        n *= d
    return n


def onnxruntime_runs(case, opset, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    import numpy as np
    spec, result, data = exported(case, opset)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    batch = 1 if case.startswith("zoo:") else 2  # N is symbolic; the zoo runs one sample
    (y,) = session.run(None, {"input": np.zeros((batch, *result.input_shape), np.float32)})
    assert y.shape == (batch, *result.output_shape)
    assert np.isfinite(y).all()


ORDERED = [  # inline layers, input shape, the torch function it stands for
    ("pixel_shuffle 2", (8, 3, 5), lambda F, x: F.pixel_shuffle(x, 2)),
    ("pixel_unshuffle 2", (2, 6, 4), lambda F, x: F.pixel_unshuffle(x, 2)),
    ("channel_shuffle 3", (6, 2, 3), lambda F, x: F.channel_shuffle(x, 3)),
    ("maxpool2d 3 s2 p1 ceil_mode=true", (2, 10, 9),
     lambda F, x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True)),
    ("avgpool2d 3 s2 p1 ceil_mode=true", (2, 10, 9),
     lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True)),
    ("avgpool2d 3 s2 p1 ceil_mode=true count_include_pad=false", (2, 10, 9),
     lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
    ("avgpool2d 2 s2 ceil_mode=true", (2, 7, 7), lambda F, x: F.avg_pool2d(x, 2, 2, 0, True)),
    ("adaptive_avgpool2d 3x2", (2, 7, 4), lambda F, x: F.adaptive_avg_pool2d(x, (3, 2))),
    ("upsample 1.5", (2, 5, 7), lambda F, x: F.interpolate(x, scale_factor=1.5)),
    ("upsample size=9x4", (2, 5, 7), lambda F, x: F.interpolate(x, size=(9, 4))),
    ("upsample 2 mode=bilinear", (2, 5, 7),
     lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear")),
    ("gelu", (2, 5), lambda F, x: F.gelu(x)),
    ("mish", (2, 5), lambda F, x: F.mish(x)),
    ("hardsigmoid", (2, 5), lambda F, x: F.hardsigmoid(x)),
    ("groupnorm 2", (4, 3, 3), lambda F, x: F.group_norm(x, 2)),
    ("layernorm2d", (4, 3, 3),
     lambda F, x: F.layer_norm(x.permute(0, 2, 3, 1), (4,)).permute(0, 3, 1, 2)),
    ("lrn 3 k=2", (5, 3, 3), lambda F, x: F.local_response_norm(x, 3, k=2.0)),
]


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("text,shape,fn", ORDERED, ids=[o[0] for o in ORDERED])
def test_element_order_and_values_match_torch(text, shape, fn, opset):
    """Where a layer becomes several ONNX ops, or ONNX's op orders elements its own way
    (SpaceToDepth), the values say the rewrite is exact; the weights are torch's initial
    ones (norm scales 1, shifts 0), so a fresh torch function is the reference."""
    ort = pytest.importorskip("onnxruntime")
    torch = pytest.importorskip("torch")
    import numpy as np
    spec = load_spec({"input": list(shape), "layers": [text]})
    data = export(spec, propagate(spec), "onnx", opset=opset)
    x = np.random.default_rng(0).standard_normal((2, *shape)).astype(np.float32)
    (y,) = ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run(
        None, {"input": x})
    want = fn(torch.nn.functional, torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)


# --- round trip through the ONNX importer (issue 14) ----------------------------------
#: LeNet-5 as the paper builds it: its RBF output is ReduceSum((x - W)^2), and the importer
#: reads no Sub of an activation and a weight
NOT_READ_BACK = {"lenet5_1998": "CS524"}


def _clean(name):
    from cnnshape.importers.onnx import _clean
    return _clean(name)


def round_trips(case, opset, tmp_path):
    name = case.split(":")[1]
    spec, result, data = exported(case, opset)
    path = tmp_path / f"{name}.onnx"
    path.write_bytes(data)
    if name in NOT_READ_BACK:
        with pytest.raises(SpecError) as e:
            load_file(str(path))
        assert e.value.diagnostics[0].code == NOT_READ_BACK[name]
        return
    back = propagate(load_file(str(path)))
    assert back.output_shape == result.output_shape
    assert back.totals.macs == result.totals.macs
    assert back.totals.params == result.totals.params
    assert back.totals.non_trainable_params == result.totals.non_trainable_params
    rows = {r.name: r.output_shape for r in back.layers}
    # one row per node named as the layer (a layer written as several ops is several rows)
    mine = {_clean(r.name): r.output_shape for r in result.layers}
    common = mine.keys() & rows.keys()
    assert {n: rows[n] for n in common} == {n: mine[n] for n in common}
    windowed = {_clean(r.name) for r in result.layers
                if re.match(r"conv|linear|maxpool|avgpool|batchnorm|concat|add", r.type)}
    assert windowed <= common


# --- Netron's view, the command, refusals -------------------------------------------------
def test_the_model_names_its_network_and_its_writer():
    from cnnshape import __version__
    spec, result, data = exported("zoo:resnet18", 18)
    model = onnx.load_from_string(data)
    assert model.graph.name == "resnet18"
    assert model.producer_name == "cnnshape" and model.producer_version == __version__
    for doc in (model.doc_string, model.graph.doc_string):
        assert f"cnnshape {__version__}" in doc and "resnet18" in doc
        assert "11,689,512 params" in doc
    props = {p.key: p.value for p in model.metadata_props}
    assert props["cnnshape.spec"] == "resnet18"
    assert props["cnnshape.output_shape"] == "1000"
    assert props["cnnshape.macs"] == str(result.totals.macs)
    nodes = {n.name: n for n in model.graph.node}
    assert nodes["conv1"].op_type == "Conv" and nodes["layer1_0.add1"].op_type == "Add"
    assert [i.name for i in model.graph.initializer][:2] == ["conv1.weight", "bn1.weight"]


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("opset", OPSETS)
def test_cli_writes_the_model_file(tmp_path, opset):
    out = tmp_path / "lenet5.onnx"
    r = run("export", "lenet5", "--to", "onnx", "--opset", str(opset), "-o", str(out))
    assert r.exit_code == 0, r.output
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    assert (model.ir_version, model.opset_import[0].version) == (8, opset)


def test_random_weights_are_seeded():
    import numpy as np
    spec = load_spec({"input": [3, 8, 8], "layers": ["conv2d 4 k3", "flatten", "linear 2"]})
    result = propagate(spec)
    a, b, c = (export(spec, result, "onnx", weights="random", seed=s) for s in (1, 1, 2))
    assert a == b != c
    w = onnx.numpy_helper.to_array(onnx.load_from_string(a).graph.initializer[0])
    assert np.abs(w).sum() > 0


REFUSED = [
    ("adaptive_avgpool2d 3", (4, 5, 5), "windows on axis 1 (5 -> 3) differ"),
    ("batchnorm track_running_stats=false", (4, 5, 5), "without running statistics"),
    ("upsample 2 mode=area", (4, 5, 5), "mode 'area' has no ONNX Resize"),
]


@pytest.mark.parametrize("text,shape,reason", REFUSED, ids=[r[0] for r in REFUSED])
def test_what_onnx_cannot_express_is_refused_naming_the_layer(text, shape, reason):
    r = run("export", "--input", "x".join(map(str, shape)), text, "--to", "onnx",
            "-o", "/dev/null")
    assert r.exit_code == 1
    assert "[CS621]" in r.output and reason in r.output
    assert re.search(r"(pool|bn|upsample)1 \(", r.output)


def test_without_onnx_the_error_names_the_extra(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "onnx", None)
    spec = load_spec({"input": [3, 8, 8], "layers": ["relu"]})
    with pytest.raises(SpecError) as e:
        export(spec, propagate(spec), "onnx")
    assert "pip install 'cnnshape[onnx]'" in e.value.diagnostics[0].hint


def test_every_layer_kind_has_a_writer():
    """A new kind lands with its ONNX writer (or an explicit refusal inside one)."""
    from cnnshape.export.onnx import _HANDLERS
    from cnnshape.layers import all_kinds
    assert set(_HANDLERS) == set(all_kinds())
