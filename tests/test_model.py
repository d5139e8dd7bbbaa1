"""Specs, the engine and the model command: worked examples, papers' figures, composition,
the library API, and the CLI's formats."""
import json
from pathlib import Path

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


# --- defects found while writing real networks (issue 11) ----------------------------------

def test_a_name_that_looks_like_a_shorthand_is_a_block_argument():
    """s1a is a layer's name, not stride '1a'; s2b is the block's first argument, not its s."""
    spec = {"input": [8, 8, 8], "blocks": {
        "join": {"params": ["skip"], "layers": [{"type": "add", "inputs": ["input", "$skip"]}]},
        "join_s": {"params": ["skip", {"s": 2}], "layers": [
            "conv2d 8 k1 s$s", {"type": "add", "inputs": ["previous", "$skip"]}]}},
        "layers": ["conv2d 8 k3 p1 name=s1a", "join s1a",
                   "conv2d 8 k3 p1 name=s2b", "join_s s2b 1"]}
    r = cnnshape.analyze(spec)
    assert rows(r)["join1.add1"].inputs == ("s1a", "s1a")
    assert rows(r)["join_s1.add1"].inputs == ("join_s1.conv1", "s2b")
    assert rows(r)["join_s1.conv1"].output_shape == (8, 8, 8)  # s=1, given second


@pytest.mark.parametrize("token,field,value", [
    ("k3", "kernel_size", (3, 3)), ("s2", "stride", (2, 2)), ("p1x2", "padding", (1, 2)),
    ("d2", "dilation", (2, 2)), ("k3,5", "kernel_size", (3, 5))])
def test_shorthands_are_exactly_their_pattern(token, field, value):
    layer = cnnshape.analyze({"input": [4, 16, 16], "layers": [f"conv2d 4 {token}"
                              + ("" if field == "kernel_size" else " k1")]}).layers[0]
    assert layer.output_shape[0] == 4
    from cnnshape.spec import inline_spec
    node = inline_spec([f"conv2d 4 {token}" + ("" if field == "kernel_size" else " k1")],
                       (4, 16, 16)).nodes[0]
    got = getattr(node.layer, field)
    assert tuple(v if isinstance(v, int) else v[0] for v in got) == value


def test_a_word_after_a_shorthand_letter_is_not_a_shorthand():
    with pytest.raises(cnnshape.SpecError) as e:
        cnnshape.analyze({"input": [4, 16, 16], "layers": ["conv2d 4 k3a"]})
    assert "cannot place [4, 'k3a']" in str(e.value)


HALVES = {"half": {"layers": ["conv2d 8 k3 p1 name=first", "relu"]},
          "stage": {"layers": ["half", "half",
                               {"type": "concat", "inputs": ["half1.first", "previous"]}]}}


def test_a_layer_inside_a_block_is_named_as_the_output_shows_it():
    spec = {"input": [3, 8, 8], "blocks": HALVES, "layers": [
        "half", "half", {"type": "concat", "inputs": ["half1.first", "half2"]},
        "stage", {"type": "concat", "inputs": ["stage1.half2.first", "stage1"]},
        {"add": [["conv2d 24 k1"], []]},
        {"type": "concat", "inputs": ["add1.branch1.conv1", "previous"]}]}
    r = rows(cnnshape.analyze(spec))
    assert r["concat1"].inputs == ("half1.first", "half2.relu1")
    assert r["stage1.concat1"].inputs == ("stage1.half1.first", "stage1.half2.relu1")
    assert r["concat2"].inputs == ("stage1.half2.first", "stage1.concat1")
    assert r["concat3"].inputs == ("add1.branch1.conv1", "add1")


def test_an_unknown_inner_name_suggests_the_names_the_output_shows():
    spec = {"input": [3, 8, 8], "blocks": HALVES, "layers": [
        "half", {"type": "concat", "inputs": ["half1.frist", "previous"]}]}
    with pytest.raises(cnnshape.SpecError) as e:
        cnnshape.analyze(spec)
    assert "no earlier layer is named 'half1.frist' (did you mean 'half1.first'" in str(e.value)
    spec["layers"][1] = {"type": "concat", "inputs": ["half2.first", "previous"]}
    with pytest.raises(cnnshape.SpecError) as e:  # not used yet: a reference points upwards
        cnnshape.analyze(spec)
    assert "no earlier layer is named 'half2.first'" in str(e.value)


@pytest.mark.parametrize("shape", [[16, 8], [16, 8, 8], [16, 4, 8, 8]])
def test_add_of_a_channel_gate_does_not_suggest_a_projection(shape):
    spec = {"input": shape, "layers": [{"add": [[], ["global_avgpool", "sigmoid"]]}]}
    with pytest.raises(cnnshape.SpecError) as e:
        cnnshape.analyze(spec)
    gate = [16] + [1] * (len(shape) - 1)
    assert (f"({'a ' + str(gate)} path looks like a channel gate (squeeze-and-excitation), "
            f"which multiplies the {shape} map") in str(e.value)
    assert "projection" not in str(e.value)


def test_a_name_that_is_no_file_and_no_zoo_network_says_so():
    r = run("model", "vit_b_16", "--input", "3x224x224")
    assert r.exit_code == 1
    assert r.output.startswith("<command line>:1:1: error [CS000] no spec file or zoo network "
                               "is named 'vit_b_16' (the zoo has alexnet, convnext_tiny,")
    assert "unknown layer type" not in r.output
    r = run("model", "resnet", "--input", "3x224x224")
    assert "is named 'resnet' (did you mean 'resnet50' or 'resnet18'" in r.output
    r = run("model", "rellu", "--input", "3x8x8")
    assert "did you mean the layer type 'relu'" in r.output and r.exit_code == 1
    r = run("inputs", "resnet")
    assert r.exit_code == 1 and "did you mean 'resnet50'" in r.output


@pytest.mark.parametrize("args", [["relu"], ["relu", "flatten"], ["conv2d 4 k3"],
                                  ["lenet5"]])
def test_a_layer_type_alone_is_still_an_inline_layer(args):
    r = run("model", *args, "--input", "1x32x32", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["layers"]


@pytest.mark.parametrize("args", [
    ["model", "lenet5"], ["model", "resnet18", "--depth", "1"], ["conv", "--w", "9", "--f", "3"],
    ["conv", "--w", "9", "--f", "3", "--c", "2", "--k", "4", "--explain"],
    ["pool", "--w", "9", "--f", "3"], ["check", "specs/lenet5.yaml"],
    ["solve", "--w", "224", "--f", "3", "--out", "112"],
    ["inputs", "lenet5", "--range", "28", "30"], ["zoo"]])
def test_every_json_document_opens_with_its_format_version(args, monkeypatch):
    from cnnshape.result import FORMAT_VERSION
    monkeypatch.chdir(Path(__file__).parent.parent)
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert isinstance(d, dict) and next(iter(d)) == "format_version"
    assert d["format_version"] == FORMAT_VERSION == 1
    if args[0] == "zoo":
        assert "lenet5" in [n["name"] for n in d["networks"]]


def test_torch_buffers_hold_one_num_batches_tracked_per_batchnorm_beyond_ours():
    """The conventions' claim, measured: non_trainable_params is torch's buffers minus one
    num_batches_tracked (a single int64) per BatchNorm that tracks running statistics."""
    torch = pytest.importorskip("torch", reason="torch absent: pip install '.[conformance]'")
    nn = torch.nn
    layers = ["conv2d 8 k3 p1", "batchnorm2d", "relu", "conv2d 8 k3 p1", "batchnorm",
              "batchnorm affine=false", "batchnorm track_running_stats=false", "flatten",
              "linear 10", "batchnorm1d"]
    m = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                      nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8),
                      nn.BatchNorm2d(8, affine=False),
                      nn.BatchNorm2d(8, track_running_stats=False), nn.Flatten(),
                      nn.Linear(8 * 6 * 6, 10), nn.BatchNorm1d(10))
    r = cnnshape.analyze({"input": [3, 6, 6], "layers": layers})
    tracked = [b for name, b in m.named_buffers() if name.endswith("num_batches_tracked")]
    assert len(tracked) == 4 and all(b.numel() == 1 for b in tracked)
    buffers = sum(b.numel() for b in m.buffers())
    assert buffers - r.totals.non_trainable_params == len(tracked)
    assert sum(p.numel() for p in m.parameters()) == r.totals.params
    root = Path(__file__).parent.parent
    readme = (root / "README.md").read_text().split("## Conventions", 1)[1]
    spec_doc = (root / "docs" / "spec.md").read_text().split("## Counting conventions", 1)[1]
    assert "num_batches_tracked" in readme and "num_batches_tracked" in spec_doc


# --- issue 12 section 2: sizes and counts beyond what any framework holds ---------------

LENET = str(Path(__file__).parent.parent / "specs" / "lenet5.yaml")


@pytest.mark.parametrize("shape", ["1x100000000000000000000x100000000000000000000",
                                   "1x2147483648x32", "1x2147483647x2147483647"])
def test_an_input_override_has_the_bound_of_the_specs_input(shape):
    """--input went around the bound input: has: a 1e20 map was analysed and printed."""
    r = CliRunner().invoke(main, ["model", LENET, "--input", shape])
    assert r.exit_code == 2, r.output
    assert "over the largest a framework holds (2,147,483,647)" in r.output or \
        "over the most one tensor holds (2,305,843,009,213,693,951)" in r.output
    assert "Traceback" not in r.output


def test_draw_with_a_400_digit_input_is_a_usage_error(tmp_path):
    r = CliRunner().invoke(main, ["draw", LENET, "--input", f"1x{'9' * 400}x572",
                                  "-o", str(tmp_path / "x.svg")])
    assert r.exit_code == 2, r.output
    assert "input [1, <400 digits>, 572] has a size of <400 digits>, over the largest a " \
           "framework holds (2,147,483,647)" in r.output
    assert not (tmp_path / "x.svg").exists()


def test_the_library_refuses_an_override_beyond_the_bound_at_the_input(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("layers: [relu]\ninput: [1, 8, 8]\n")
    with pytest.raises(cnnshape.SpecError) as e:
        cnnshape.analyze(str(path), input_shape=(1, 2**31, 1))
    (d,) = e.value.diagnostics
    assert (d.code, d.line, d.column) == ("CS212", 2, 8)
    assert d.message == ("input [1, 2147483648, 1] has a size of 2,147,483,648, over the "
                         "largest a framework holds (2,147,483,647)")


def test_an_axis_at_the_bound_and_a_tensor_at_the_element_bound_are_accepted():
    """The bounds are inclusive: 2**31-1 per axis, 2**61-1 elements (torch.empty(2**61-1,
    device='meta') works, 2**61 does not)."""
    r = cnnshape.analyze({"input": [1, 2147483647], "layers": ["relu"]})
    assert r.output_shape == (1, 2147483647)
    # 1073741824 x 2147483647 = 2**61 - 2**30: under the bound
    r = cnnshape.analyze({"input": [1073741824, 2147483647], "layers": ["identity"]})
    assert r.totals.neurons == 1073741824 * 2147483647
    with pytest.raises(cnnshape.SpecError, match="CS212"):
        cnnshape.analyze({"input": [1073741825, 2147483647], "layers": ["identity"]})


def _brute_adaptive_taps(w, out):
    """torch's adaptive windows, written out: [floor(i*w/out), ceil((i+1)*w/out))."""
    import math
    return sum(math.ceil((i + 1) * w / out) - math.floor(i * w / out) for i in range(out))


@settings(max_examples=300, derandomize=True)
@given(st.integers(1, 200), st.integers(1, 200))
def test_adaptive_connections_closed_form_matches_the_windows(w, out):
    from cnnshape import arithmetic as ar
    assert ar.adaptive_taps(w, out) == _brute_adaptive_taps(w, out)


def test_an_adaptive_pool_to_the_largest_size_answers_at_once():
    """It counted its connections window by window: 2**31-1 windows ran for minutes."""
    import time
    start = time.perf_counter()
    r = cnnshape.analyze({"input": [3, 8], "layers": ["adaptive_avgpool1d 2147483647"]})
    assert time.perf_counter() - start < 1
    # 8 + 2**31-1 - gcd(8, 2**31-1) taps per channel (the windows' lengths, hand-summed:
    # every output reads 1 input, and 7 of them straddle two, so they read 2)
    assert r.totals.connections == 3 * (2147483647 + 7)
    start = time.perf_counter()
    with pytest.raises(cnnshape.SpecError, match="CS212"):
        cnnshape.analyze({"input": [3, 8, 8], "layers": ["adaptive_avgpool2d 2147483647"]})
    assert time.perf_counter() - start < 1


def test_check_refuses_what_model_crashed_on(tmp_path):
    """upsample 1e300 then linear: check passed with 2.56e92 params, model crashed."""
    path = tmp_path / "s.yaml"
    path.write_text("input: [3, 8, 8]\nlayers:\n  - upsample 1e300\n  - flatten\n"
                    "  - linear 10\n")
    for command in ("check", "model"):
        r = CliRunner().invoke(main, [command, str(path)])
        assert r.exit_code == 1, r.output
        assert "[CS212] upsample1: scale_factor makes a size of 8e+300" in r.output


def test_conv_command_refuses_an_output_beyond_the_bound():
    r = CliRunner().invoke(main, ["conv", "--w", "2147483647", "--f", "3", "--s",
                                  "2147483647", "--transposed"])
    assert r.exit_code == 1, r.output
    assert "[CS212]" in r.output and "Traceback" not in r.output


# --- issue 13: the vocabulary of modern blocks -----------------------------------------------

NEW_KINDS = ["layernorm 8", {"type": "layernorm", "normalized_shape": [8, 8]}, "layernorm2d",
             "groupnorm 2 num_channels=4", "instancenorm2d affine=true",
             "layer_scale 1e-5 dim=-1", "stochastic_depth 0.2 mode=batch", "permute 1,2,0",
             "reshape 4,-1", "unflatten dim=0 unflattened_size=2,2", "channel_shuffle g2",
             "pixel_shuffle 2", "pixel_unshuffle 2", "linear 3 in_features=8",
             {"mul": [[], ["adaptive_avgpool2d 1"]]},
             {"type": "add", "broadcast": True, "inputs": ["input", "previous"]}]


@pytest.mark.parametrize("layer", NEW_KINDS, ids=str)
def test_each_new_kind_is_analysed_and_valid_for_the_schema(layer):
    """What cnnshape builds, the JSON Schema (``cnnshape schema``) lets through."""
    from test_schema import _errors
    spec = {"input": [4, 8, 8], "layers": [layer]}
    assert cnnshape.analyze(spec).layers
    assert [e.message for e in _errors(spec)] == []


def test_add_broadcasts_only_when_told():
    spec = {"input": [4, 8, 8], "layers": ["global_avgpool",
                                           {"type": "add", "inputs": ["input", "previous"]}]}
    with pytest.raises(cnnshape.SpecError) as e:
        cnnshape.analyze(spec)
    assert "[4, 8, 8] and [4, 1, 1]" in str(e.value.diagnostics[0])
    spec["layers"][1]["broadcast"] = True
    assert cnnshape.analyze(spec).output_shape == (4, 8, 8)
    spec = {"input": [4, 8, 8], "layers": ["conv2d 3 k1", {"type": "add", "broadcast": True,
                                                            "inputs": ["input", "previous"]}]}
    with pytest.raises(cnnshape.SpecError) as e:  # 4 against 3 channels: no broadcast
        cnnshape.analyze(spec)
    assert "[4, 8, 8] and [3, 8, 8] do not broadcast" in str(e.value.diagnostics[0])


def test_linear_on_a_map_reports_the_in_features_torch_builds():
    """nn.Linear(6, 3) on a [4, 5, 6] map: the type column said 'in 4', the first axis."""
    torch = pytest.importorskip("torch")
    r = cnnshape.analyze({"input": [4, 5, 6], "layers": [
        {"type": "linear", "in_features": 6, "out_features": 3}]})
    assert r.layers[0].in_features == torch.nn.Linear(6, 3).in_features
    assert tuple(torch.nn.Linear(6, 3)(torch.zeros(1, 4, 5, 6)).shape[1:]) == r.output_shape
