"""Specs, the engine and the model command: worked examples, papers' figures, composition,
the library API, and the CLI's formats."""
import json

import pytest
from click.testing import CliRunner

import cnnshape
from cnnshape.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def rows(result):
    return {r.name: r for r in result.layers}


def test_lenet5_1998_matches_the_paper():
    """Section II.B of LeCun et al. 1998: every layer's trainable parameters and connections."""
    r = rows(cnnshape.analyze("lenet5_1998"))
    paper = {"c1": (156, 122_304), "s2": (12, 5_880), "c3": (1_516, 151_600),
             "s4": (32, 2_000), "c5": (48_120, 48_120), "f6": (10_164, 10_164)}
    for name, (params, connections) in paper.items():
        assert (r[name].params, r[name].connections) == (params, connections), name
    assert r["output"].non_trainable_params == 84 * 10 and r["output"].params == 0
    t = cnnshape.analyze("lenet5_1998").totals
    assert t.params == 60_000  # "about 60,000 trainable parameters"


def test_worked_example_9_simpleconvnet():
    r = cnnshape.analyze("simpleconvnet")
    shapes = [x.output_shape for x in r.layers]
    assert shapes[:3] == [(30, 24, 24), (30, 24, 24), (30, 12, 12)]
    assert shapes[3] == (4320,)
    assert [x.params for x in r.layers if x.params] == [780, 432_100, 1_010]
    assert r.totals.params == 433_890
    assert rows(r)["fc1"].in_features == 4320


def test_worked_example_12_batchnorm_counts():
    """2C trainable (PyTorch), plus 2C non-trainable moving statistics (Keras)."""
    spec = {"input": [64, 8, 8], "layers": ["batchnorm"]}
    bn = cnnshape.analyze(spec).layers[0]
    assert (bn.params, bn.non_trainable_params) == (128, 128)


def test_worked_example_10_fully_connected_would_need_vastly_more():
    conv = cnnshape.analyze({"input": [3, 224, 224], "layers": ["conv2d 64 k3 p1 bias=false"]})
    fc = cnnshape.analyze({"input": [3, 224, 224],
                           "layers": ["flatten", f"linear {64 * 224 * 224} bias=false"]})
    assert conv.totals.params == 1_728
    assert fc.totals.params == 3 * 64 * 224 ** 4  # about 4.8e11


def test_worked_example_8_nin_keeps_size_then_global_pool():
    r = cnnshape.analyze({"input": [384, 5, 5], "layers": ["conv2d 10 k1", "global_avgpool"]})
    assert [x.output_shape for x in r.layers] == [(10, 5, 5), (10, 1, 1)]


def test_dict_and_yaml_give_the_same_json(tmp_path):
    text = "input: [1, 28, 28]\nlayers:\n  - conv2d 32 k5\n  - maxpool2d 2\n  - flatten\n"
    (tmp_path / "s.yaml").write_text(text)
    from_yaml = cnnshape.analyze(tmp_path / "s.yaml").to_dict()
    from_dict = cnnshape.analyze({"input": [1, 28, 28], "layers": [
        {"type": "conv2d", "out_channels": 32, "kernel_size": 5},
        {"maxpool2d": {"kernel_size": 2}}, "flatten"]}).to_dict()
    for layer in from_yaml["layers"]:
        layer.pop("line")
    assert from_yaml == from_dict
    assert from_dict["output_shape"] == [4608]


def test_json_shape_is_documented():
    d = json.loads(run("model", "lenet5", "--format", "json").output)
    assert set(d) >= {"name", "input_shape", "output_shape", "layers", "totals"}
    assert set(d["layers"][0]) >= {"name", "type", "inputs", "input_shape", "output_shape",
                                   "params", "non_trainable_params", "connections", "neurons",
                                   "macs"}
    assert set(d["totals"]) >= {"params", "non_trainable_params", "connections", "neurons",
                                "macs", "flops"}
    assert d["totals"]["params"] == 61_706 and d["output_shape"] == [10]
    assert cnnshape.analyze("lenet5").to_dict() == d


def test_input_override():
    r = cnnshape.analyze("alexnet", input_shape=(3, 227, 227))
    assert r.layers[0].output_shape == (64, 56, 56)
    r = run("model", "alexnet", "--input", "3x227x227", "--format", "json")
    d = json.loads(r.stdout)  # warnings go to stderr
    assert "CS301" in r.stderr
    assert d["input_shape"] == [3, 227, 227] and d["totals"]["params"] == 61_100_840


def test_inline_chain_on_the_command_line():
    r = run("model", "--input", "1x28x28", "conv2d 32 k5", "maxpool2d 2", "flatten",
            "linear 10", "--format", "csv")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[-1].startswith("4,fc1,linear,flatten1,4608,10,46090,")


def test_residual_add_and_projection():
    spec = {"input": [64, 56, 56], "layers": [
        {"add": [["conv2d 128 k3 s2 p1", "relu", "conv2d 128 k3 p1"],
                 ["conv2d 128 k1 s2"]]}]}
    r = cnnshape.analyze(spec)
    assert r.output_shape == (128, 28, 28)
    assert r.layers[-1].type == "add" and len(r.layers[-1].input_shapes) == 2


def test_named_inputs_for_dense_and_unet_graphs():
    spec = {"input": [3, 64, 64], "layers": [
        "conv2d 16 k3 p1 name=enc1",
        "maxpool2d 2",
        "conv2d 32 k3 p1",
        "conv_transpose2d 16 k2 s2 name=up",
        {"type": "concat", "inputs": ["up", "enc1"]},
        "conv2d 8 k1"]}
    r = cnnshape.analyze(spec)
    assert rows(r)["concat1"].output_shape == (32, 64, 64)
    assert rows(r)["concat1"].inputs == ("up", "enc1")


@pytest.mark.parametrize("spec,code,words", [
    ({"input": [3, 8, 8], "layers": [{"add": [["conv2d 4 k3"], []]}]}, "CS210",
     ["different shapes", "projection"]),
    ({"input": [3, 8, 8], "layers": [{"type": "concat", "inputs": ["nowhere", "input"]}]},
     "CS021", ["no earlier layer is named 'nowhere'"]),
    ({"input": [3, 8, 8], "layers": ["b1"], "blocks": {"b1": {"layers": ["b1"]}}}, "CS022",
     ["uses itself"]),
    ({"input": [3, 8, 8], "layers": ["maxpol2d 2"]}, "CS101", ["did you mean 'maxpool2d'"]),
    ({"input": [3, 8, 8], "layers": ["conv2d 4 k3", "linear 10"]}, "CS206",
     ["add a flatten", "in_features=144"]),
    ({"input": [3, 8, 8], "layers": ["flatten", "linear 10 in_features=100"]}, "CS207",
     ["in_features is 100", "receives 192"]),
    ({"input": [3, 4, 4], "layers": ["maxpool2d 2", "maxpool2d 2", "maxpool2d 2"]}, "CS201",
     ["pool3"]),
    ({"input": [3, 8, 8], "layers": [{"repeat": 10**9, "layers": ["relu"]}]}, "CS017",
     ["repeat"]),
])
def test_spec_problems_are_diagnostics(spec, code, words):
    with pytest.raises(cnnshape.SpecError) as e:
        cnnshape.analyze(spec)
    d = e.value.diagnostics[0]
    assert d.code == code, e.value
    for w in words:
        assert w in str(e.value)


def test_model_errors_name_file_line_and_layer(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("input: [3, 4, 4]\nlayers:\n  - maxpool2d 2\n  - maxpool2d 2\n"
                 "  - maxpool2d 2\n")
    r = run("model", str(p))
    assert r.exit_code == 1
    assert f"{p}:5:5: error [CS201] pool3:" in r.output


@pytest.mark.parametrize("name,args", [
    ("lenet5", []), ("lenet5", ["--format", "json"]), ("lenet5", ["--format", "csv"]),
    ("lenet5", ["--format", "markdown"]), ("lenet5_1998", []),
    ("googlenet", ["--depth", "1"]), ("resnet18", ["--depth", "1", "--format", "markdown"]),
])
def test_model_golden(golden, name, args):
    r = run("model", name, *args)
    assert r.exit_code == 0
    suffix = {"json": "json", "csv": "csv", "markdown": "md"}.get(
        args[args.index("--format") + 1] if "--format" in args else "", "txt")
    depth = "_depth" + args[args.index("--depth") + 1] if "--depth" in args else ""
    golden(f"model_{name}{depth}.{suffix}", r.output)


def test_zoo_lists_every_net():
    out = run("zoo").output
    for name in ("lenet5", "lenet5_1998", "simpleconvnet", "alexnet", "vgg16", "nin",
                 "googlenet", "resnet18", "resnet50", "mobilenet_v2"):
        assert name in out


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LAYERS = st.sampled_from(["conv2d 8 k3", "conv2d 4 k3 p1 s2", "conv2d 6 k1 bias=false",
                          "maxpool2d 2", "avgpool2d 3 s1 p1", "batchnorm", "relu", "dropout",
                          "conv_transpose2d 4 k2 s2", "adaptive_avgpool2d 3", "upsample 2",
                          "conv2d 8 k5 p=same s3", "zeropad2d 1", "lrn 3"])


@settings(max_examples=150, deadline=None)
@given(st.lists(LAYERS, min_size=1, max_size=12), st.integers(1, 4), st.integers(1, 40))
def test_totals_are_the_sums_of_the_layers(layers, channels, size):
    """Per-layer counts sum to the totals; every chain gives a result or a located problem."""
    spec = {"input": [channels, size, size], "layers": layers + ["flatten", "linear 3"]}
    try:
        r = cnnshape.analyze(spec)
    except cnnshape.SpecError as e:
        assert e.diagnostics and all(d.code.startswith("CS") for d in e.diagnostics)
        return
    for key in ("params", "non_trainable_params", "connections", "neurons", "macs"):
        assert getattr(r.totals, key) == sum(getattr(x, key) for x in r.layers)
    assert r.totals.flops == 2 * r.totals.macs
    assert r.layers[-1].in_features == r.layers[-2].output_shape[0]
    # each layer's input is the previous layer's output
    for a, b in zip(r.layers, r.layers[1:]):
        assert b.input_shapes == (a.output_shape,)


@pytest.mark.parametrize("net,rf", [("lenet5", False), ("resnet50", True), ("unet", False)])
def test_a_narrow_terminal_never_cuts_a_number(net, rf):
    """rich squeezed columns to the terminal and printed '117,60' for 117,600."""
    import re
    from cnnshape.render.table import model_table
    result = cnnshape.analyze(net)
    narrow = model_table(result, color=True, width=40, rf=rf)
    wide = model_table(result, color=False, width=400, rf=rf)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", narrow)
    numbers = re.compile(r"(?<![\w.\[])[\d,/]+(?![\w.\]])")  # cells, not names or shapes
    assert numbers.findall(plain) == numbers.findall(wide)
    assert "117,60 " not in plain
