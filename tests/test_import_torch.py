"""cnnshape.from_torch and 'cnnshape import torch' against torch itself: every zoo net's
torch reference (tests/torch_zoo.py, tests/torchvision_zoo.py) read by the importer gives
torch's output shape, params, non-trainable params and MACs, and the zoo spec's; on the
meta device too; the written spec passes check; what cannot be read is named."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import cnnshape
from cnnshape.cli import main
from cnnshape.diagnostics import SpecError

torch = pytest.importorskip("torch", reason="torch absent: pip install '.[conformance]'")
import torch_factory  # noqa: E402
import torch_zoo  # noqa: E402
import torchvision_zoo  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ZOO = {**{n: torch_zoo for n in torch_zoo.INPUTS},
       **{n: torchvision_zoo for n in torchvision_zoo.NETS}}


def shape_of(name):
    zoo = ZOO[name]
    return zoo.INPUTS[name] if zoo is torch_zoo else zoo.NETS[name][2]


def non_trainable(model):
    """BatchNorm's running statistics, measured on the module: its buffers but the
    num_batches_tracked counters (docs/spec.md, counting conventions)."""
    return sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))


def key(name):
    """A layer's name as torch and cnnshape both spell it: dots and underscores alike."""
    return re.sub(r"[._]+", "_", name).strip("_")


@pytest.mark.parametrize("name", sorted(ZOO))
def test_every_zoo_reference_reads_as_torch_counts_it(name):
    zoo = ZOO[name]
    model = zoo.build(name)
    result = cnnshape.from_torch(model, shape_of(name))
    theirs = zoo.records(name)
    assert result.output_shape == tuple(theirs[-1]["output_shape"])
    assert result.totals.params == zoo.total_params(name) == \
        sum(p.numel() for p in model.parameters())
    assert result.totals.non_trainable_params == non_trainable(model)
    assert result.totals.macs == zoo.total_macs(name)
    # per layer, where the names line up: a module's call is named as torch names the
    # module (layer1.0.conv1 is layer1_0.conv1), so every layer with weights is found; a
    # function's name (add_3) counts in the whole graph, ours in its block (layer1_0.add)
    ours = {key(layer.name): layer for layer in result.layers}
    field = "module" if zoo is torch_zoo else "op"
    last = {key(r[field]): r for r in theirs}  # x.mean([2, 3]) is two records: its pool, flatten
    functions = ("cat", "add", "mul", "layer_scale", "permute", "chunk", "split")
    matched = 0
    for name_, record in last.items():
        layer = ours.get(name_)
        if layer is None:
            assert record["params"] == 0 or record["type"] in functions, record
            continue
        matched += 1
        assert tuple(layer.output_shape) == tuple(record["output_shape"]), record[field]
        assert layer.params == record["params"], record[field]
    assert matched >= sum(1 for r in theirs if r["params"] and r["type"] not in functions)
    # and the zoo's own spec agrees
    spec = cnnshape.analyze(name)
    assert (result.output_shape, result.totals) == (spec.output_shape, spec.totals)


@pytest.mark.parametrize("name", sorted(ZOO))
def test_a_module_on_the_meta_device_reads_the_same(name):
    """No weights, no data: a module built on the meta device gives the same numbers."""
    if name == "regnet_y_400mf":
        # its builder computes the stage widths with torch tensors, which a meta device
        # cannot read back: built on the CPU, moved to meta, weights dropped
        model = ZOO[name].build(name).to("meta")
    else:
        with torch.device("meta"):
            model = ZOO[name].build(name)
    assert next(model.parameters()).is_meta
    result = cnnshape.from_torch(model, shape_of(name))
    zoo = ZOO[name]
    assert result.totals.params == zoo.total_params(name)
    assert result.totals.macs == zoo.total_macs(name)
    assert result.totals.non_trainable_params == non_trainable(model)
    assert result.output_shape == tuple(zoo.records(name)[-1]["output_shape"])


def test_the_written_spec_is_readable():
    """A block per repeated submodule class, its integers as params, names from the
    module hierarchy."""
    from cnnshape.importers.torch import to_tree
    tree = to_tree(torch_zoo.build("resnet18"), (3, 224, 224))
    assert set(tree["blocks"]) == {"basic_block", "basic_block_2"}
    assert tree["blocks"]["basic_block"]["params"] == ["channels"]
    assert tree["layers"][:5] == ["conv2d 64 k7 s2 p3 bias=false name=conv1",
                                  "batchnorm2d name=bn1", "relu name=relu",
                                  "maxpool2d 3 s2 p1 name=maxpool",
                                  "basic_block 64 name=layer1_0"]
    assert "basic_block_2 128 name=layer2_0" in tree["layers"]
    assert "conv2d $channels k1 s2 bias=false name=downsample_0 inputs=input" in \
        tree["blocks"]["basic_block_2"]["layers"]


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def importable(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    monkeypatch.chdir(ROOT)


def test_import_torch_writes_a_spec_that_checks_and_models(tmp_path, importable):
    out = tmp_path / "tiny.yaml"
    result = run("import", "torch", "tests.torch_factory:tiny", "--input", "3x32x32",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("# Imported by cnnshape")
    assert "units_1" in text and "unit_2" in text
    check = run("check", str(out))
    assert check.exit_code == 0, check.output
    model = run("model", str(out), "--format", "json")
    assert model.exit_code == 0, model.output
    data = json.loads(model.output)
    # truth: torch runs the module
    net = torch_factory.tiny().eval()
    with torch.no_grad():
        y = net(torch.zeros(1, 3, 32, 32))
    assert tuple(data["output_shape"]) == tuple(y.shape[1:])
    assert data["totals"]["params"] == sum(p.numel() for p in net.parameters())
    assert data["totals"]["non_trainable_params"] == non_trainable(net)
    with torch.utils.flop_counter.FlopCounterMode(display=False) as counter:
        net(torch.zeros(1, 3, 32, 32))
    assert data["totals"]["macs"] == counter.get_total_flops() // 2
    direct = cnnshape.from_torch(net, (3, 32, 32)).to_dict()
    assert data["totals"] == direct["totals"]
    assert [(r["name"], r["output_shape"]) for r in data["layers"]] == \
        [(r["name"], r["output_shape"]) for r in direct["layers"]]


def test_a_child_with_control_flow_on_shapes_is_read_child_by_child():
    net = torch_factory.shaped().eval()
    result = cnnshape.from_torch(net, (3, 32, 32))
    with torch.no_grad():
        y = net(torch.zeros(1, 3, 32, 32))
    assert result.output_shape == tuple(y.shape[1:])
    assert result.totals.params == sum(p.numel() for p in net.parameters())
    assert [layer.name for layer in result.layers][1:4] == ["_1.conv", "_1.bn", "_1.act"]


def test_an_untraceable_leaf_is_named(importable):
    result = CliRunner().invoke(main, ["import", "torch", "tests.torch_factory:opaque",
                                       "--input", "3x8x8"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "[CS531] module '1' (tests.torch_factory.Opaque) does not trace" in result.output


def test_a_module_like_c2f_is_read_from_one_run_on_fake_tensors():
    """Ultralytics' C2f (a chunk, a loop over a list, a concat) neither traces nor chains:
    its graph is what one run on fake tensors calls, wired by the tensors each call reads."""
    net = torch_factory.branchy().eval()
    result = cnnshape.from_torch(net, (3, 16, 16))
    x = torch.zeros(1, 3, 16, 16)
    with torch.no_grad(), torch.utils.flop_counter.FlopCounterMode(display=False) as counter:
        y = net(x)
    assert result.output_shape == tuple(y.shape[1:])
    assert result.totals.params == sum(p.numel() for p in net.parameters())
    assert result.totals.macs == counter.get_total_flops() // 2
    assert [(layer.name, layer.type) for layer in result.layers][1:] == [
        ("_1.cv1", "conv2d"), ("_1.chunk", "chunk"), ("_1.m_0", "conv2d"),
        ("_1.cat", "concat"), ("_1.cv2", "conv2d")]


def test_a_module_that_cannot_be_read_at_all_is_named():
    with pytest.raises(SpecError) as e:
        cnnshape.from_torch(torch_factory.tangled(), (3, 16, 16))
    (d,) = e.value.diagnostics
    assert d.code == "CS532"
    assert "module '1' (torch_factory.Tangled) does not trace" in d.message
    assert "children are not a chain (called: conv)" in d.message
    assert "a tensor from neither the input, a child nor a function" in d.message


@pytest.mark.parametrize("make,code,words", [
    (lambda: torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1), torch.nn.LSTM(4, 4)), "CS533",
     "module '1' (torch.nn.modules.rnn.LSTM) has no cnnshape layer"),
    (lambda: torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1), Sin()), "CS534",
     "unsupported function sin"),
])
def test_what_cannot_be_read_is_an_error_naming_it(make, code, words):
    with pytest.raises(SpecError) as e:
        cnnshape.from_torch(make(), (3, 8, 8))
    (d,) = e.value.diagnostics
    assert d.code == code and words in d.message


class Sin(torch.nn.Module):
    def forward(self, x):
        return torch.sin(x)


@pytest.mark.parametrize("factory,words", [
    ("nocolon", "'nocolon' is not package.module:factory"),
    ("tests.no_such_module:f", "cannot import tests.no_such_module"),
    ("tests.torch_factory:nothing", "tests.torch_factory has no nothing"),
    ("tests.torch_factory:NOT_CALLABLE", "tests.torch_factory:NOT_CALLABLE is not callable"),
    ("tests.torch_factory:not_a_module", "returned str, not a torch.nn.Module"),
    ("tests.torch_factory:fails", "failed: RuntimeError: no network today"),
])
def test_a_factory_that_is_not_one_is_a_usage_error(factory, words, importable):
    result = CliRunner().invoke(main, ["import", "torch", factory, "--input", "3x8x8"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for FACTORY" in result.output and words in result.output
    assert "Traceback" not in result.output


def test_import_torch_needs_an_input_shape(importable):
    result = CliRunner().invoke(main, ["import", "torch", "tests.torch_factory:tiny"])
    assert result.exit_code == 2 and "needs --input" in result.output


def test_from_torch_refuses_what_is_no_module():
    with pytest.raises(SpecError, match="needs a torch.nn.Module, got str"):
        cnnshape.from_torch("resnet18", (3, 224, 224))


def test_importing_cnnshape_does_not_import_torch_and_without_torch_says_so():
    code = ("import sys; sys.modules['torch'] = None\n"
            "import cnnshape\n"
            "assert 'torch' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
            "try:\n"
            "    cnnshape.from_torch(object(), (3, 8, 8))\n"
            "except cnnshape.SpecError as e:\n"
            "    print(e.diagnostics[0].message, '|', e.diagnostics[0].hint)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "needs the torch package" in out and "pip install 'cnnshape[torch]'" in out
    loaded = subprocess.run([sys.executable, "-c", "import sys, cnnshape; "
                             "print('torch' in sys.modules)"], capture_output=True,
                            text=True, check=True).stdout
    assert loaded.strip() == "False"


class Fn(torch.nn.Module):
    """A forward of one function call, for the functional mappings."""

    def __init__(self, fn, *modules):
        super().__init__()
        self.fn = fn
        self.mods = torch.nn.ModuleList(modules)

    def forward(self, x):
        return self.fn(self, x)


F = torch.nn.functional
nn = torch.nn
# (module, input shape): each read by from_torch and compared with torch running it
CASES = {
    "conv1d": (nn.Conv1d(3, 8, 5, stride=2, padding=1, dilation=2), (3, 40)),
    "conv3d": (nn.Conv3d(3, 4, (1, 3, 3), padding=(0, 1, 1), bias=False), (3, 4, 9, 9)),
    "conv same": (nn.Conv2d(3, 4, 4, padding="same", dilation=1), (3, 11, 11)),
    "conv same even": (nn.Conv2d(3, 4, 3, padding="same"), (3, 11, 11)),
    "conv valid": (nn.Conv2d(3, 4, 3, padding="valid"), (3, 11, 11)),
    "conv reflect": (nn.Conv2d(3, 4, 3, padding=2, padding_mode="reflect"), (3, 11, 11)),
    "conv groups": (nn.Conv2d(4, 8, 3, groups=2, stride=(1, 2)), (4, 11, 11)),
    "conv transpose": (nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1),
                       (3, 7, 7)),
    "conv transpose 1d": (nn.ConvTranspose1d(3, 4, 4, stride=2, groups=1), (3, 9)),
    "maxpool ceil": (nn.MaxPool2d(3, 2, 1, ceil_mode=True), (3, 10, 10)),
    "maxpool dilation": (nn.MaxPool2d(2, 1, dilation=2), (3, 10, 10)),
    "avgpool": (nn.AvgPool2d(3, 2, 1, count_include_pad=False), (3, 10, 10)),
    "avgpool1d": (nn.AvgPool1d(4), (3, 10)),
    "adaptive none": (nn.AdaptiveAvgPool2d((None, 3)), (3, 10, 10)),
    "adaptive max": (nn.AdaptiveMaxPool2d(2), (3, 10, 10)),
    "batchnorm1d": (nn.Sequential(nn.Flatten(), nn.BatchNorm1d(12)), (3, 2, 2)),
    "batchnorm untracked": (nn.BatchNorm2d(3, affine=False, track_running_stats=False),
                            (3, 4, 4)),
    "instancenorm": (nn.InstanceNorm2d(3, affine=True, track_running_stats=True), (3, 4, 4)),
    "groupnorm": (nn.GroupNorm(2, 4), (4, 5, 5)),
    "layernorm": (nn.LayerNorm([5, 5]), (4, 5, 5)),
    "layernorm no bias": (nn.LayerNorm(5, bias=False), (4, 5, 5)),
    "lrn": (nn.LocalResponseNorm(3, alpha=2e-4), (4, 5, 5)),
    "linear on a map": (nn.Linear(5, 7), (4, 5, 5)),
    "dropouts": (nn.Sequential(nn.Dropout2d(0.1), nn.Dropout(0.3), nn.AlphaDropout(0.2)),
                 (3, 4, 4)),
    "activations": (nn.Sequential(nn.ReLU6(), nn.LeakyReLU(0.2), nn.ELU(0.5), nn.SELU(),
                                  nn.GELU(), nn.Sigmoid(), nn.Tanh(), nn.SiLU(),
                                  nn.Hardswish(), nn.Hardsigmoid(), nn.Mish(), nn.Softplus(),
                                  nn.PReLU(3), nn.Softmax(1), nn.LogSoftmax(-1)), (3, 4, 4)),
    "upsample": (nn.Upsample(scale_factor=2), (3, 4, 4)),
    "upsample size": (nn.Upsample(size=(6, 9), mode="bilinear"), (3, 4, 4)),
    "zeropad": (nn.ZeroPad2d((1, 2, 3, 4)), (3, 4, 4)),
    "pixel shuffle": (nn.Sequential(nn.PixelShuffle(2), nn.PixelUnshuffle(2)), (8, 4, 4)),
    "channel shuffle": (nn.ChannelShuffle(2), (8, 4, 4)),
    "unflatten": (nn.Sequential(nn.Flatten(), nn.Unflatten(1, (3, 16))), (3, 4, 4)),
    "identity": (nn.Identity(), (3, 4, 4)),
    "functions": (Fn(lambda self, x: F.max_pool2d(F.relu6(F.leaky_relu(x, 0.1)), 2,
                                                  ceil_mode=True)), (3, 9, 9)),
    "functional pools": (Fn(lambda self, x: F.adaptive_max_pool2d(F.avg_pool2d(x, 3, 1, 1), 3)),
                         (3, 9, 9)),
    "interpolate": (Fn(lambda self, x: F.interpolate(x, scale_factor=2.0)), (3, 4, 4)),
    "pad": (Fn(lambda self, x: F.pad(x, (1, 1, 2, 0))), (3, 4, 4)),
    "view and permute": (Fn(lambda self, x: x.view(x.size(0), 3, -1).permute(0, 2, 1)
                            .transpose(1, 2).reshape(x.shape[0], -1)), (3, 4, 4)),
    "split": (Fn(lambda self, x: torch.cat(torch.split(x, [1, 2], dim=1)[::-1], dim=1)),
              (3, 4, 4)),
    "mean keepdim": (Fn(lambda self, x: x.mean((-2, -1), keepdim=True) * x), (3, 4, 4)),
    "iadd": (Fn(lambda self, x: self.mods[0](x).add_(x), nn.Conv2d(3, 3, 1)), (3, 4, 4)),
    "broadcast add": (Fn(lambda self, x: x + x.mean([2, 3], keepdim=True)), (3, 4, 4)),
    "softmax": (Fn(lambda self, x: F.softmax(torch.flatten(x, 1), dim=1)), (3, 4, 4)),
    "dropout": (Fn(lambda self, x: F.dropout(x, p=0.2, training=self.training)), (3, 4, 4)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_mapping_matches_torch(case):
    module, shape = CASES[case]
    module = module.eval()
    result = cnnshape.from_torch(module, shape)
    x = torch.zeros(1, *shape)
    with torch.no_grad(), torch.utils.flop_counter.FlopCounterMode(display=False) as counter:
        y = module(x)
    assert result.output_shape == tuple(y.shape[1:])
    assert result.totals.params == sum(p.numel() for p in module.parameters())
    assert result.totals.non_trainable_params == non_trainable(module)
    assert result.totals.macs == counter.get_total_flops() // 2


def test_a_layer_called_twice_is_refused():
    """Weights shared between two calls: torch counts them once, a spec twice."""
    conv = nn.Conv2d(3, 3, 3, padding=1)
    with pytest.raises(SpecError) as e:
        cnnshape.from_torch(Fn(lambda self, x: self.mods[0](self.mods[0](x)), conv), (3, 8, 8))
    (d,) = e.value.diagnostics
    assert d.code == "CS536"
    assert "module 'mods.0' (torch.nn.modules.conv.Conv2d) is called again" in d.message


class OwnForward(nn.Conv2d):
    """A torch.nn subclass with a forward of its own is not taken for its base class."""

    def forward(self, x):
        return super().forward(x) * 2


class Attributes(nn.Conv2d):
    """One that only adds attributes is its base class."""
    tag = "mine"


def test_a_layer_subclass_is_its_class_only_without_its_own_forward():
    result = cnnshape.from_torch(nn.Sequential(Attributes(3, 4, 3)), (3, 8, 8))
    assert [layer.type for layer in result.layers] == ["conv2d"]
    with pytest.raises(SpecError) as e:
        cnnshape.from_torch(nn.Sequential(OwnForward(3, 4, 3)), (3, 8, 8))
    assert e.value.diagnostics[0].code == "CS534"  # its forward: a product with 2


@pytest.mark.parametrize("shape", [(3, 8, 8, 8, 8), (), (3, 0, 8), ("3", 8, 8), (3.5, 8, 8)])
def test_from_torch_refuses_a_shape_that_is_none(shape):
    with pytest.raises(SpecError, match="input_shape is the sample's shape"):
        cnnshape.from_torch(nn.Conv2d(3, 4, 3), shape)


# torchvision CNNs outside the zoo: its own GoogLeNet (BasicConv2d's F.relu, an Inception
# block's torch.cat), the small variants; truth is torch running them here
BEYOND = [("googlenet", "googlenet", {"aux_logits": False, "init_weights": False}),
          ("mobilenetv3", "mobilenet_v3_small", {}), ("regnet", "regnet_x_400mf", {}),
          ("shufflenetv2", "shufflenet_v2_x0_5", {}), ("squeezenet", "squeezenet1_0", {})]


@pytest.mark.parametrize("module,builder,kwargs", BEYOND, ids=[b[1] for b in BEYOND])
def test_torchvision_cnns_beyond_the_zoo(module, builder, kwargs):
    net = getattr(torchvision_zoo.load(module), builder)(weights=None, **kwargs).eval()
    result = cnnshape.from_torch(net, (3, 224, 224))
    with torch.no_grad(), torch.utils.flop_counter.FlopCounterMode(display=False) as counter:
        y = net(torch.zeros(1, 3, 224, 224))
    assert result.output_shape == tuple(y.shape[1:])
    assert result.totals.params == sum(p.numel() for p in net.parameters())
    assert result.totals.non_trainable_params == non_trainable(net)
    assert result.totals.macs == counter.get_total_flops() // 2


def test_a_transformer_is_refused_naming_its_attention():
    with torch.device("meta"):
        vit = torchvision_zoo.load("vision_transformer").vit_b_16(weights=None)
    with pytest.raises(SpecError) as e:
        cnnshape.from_torch(vit, (3, 224, 224))
    (d,) = e.value.diagnostics
    assert d.code == "CS533"
    assert d.message == ("module 'encoder.layers.encoder_layer_0.self_attention' "
                         "(torch.nn.modules.activation.MultiheadAttention) has no cnnshape layer")


def test_from_torch_leaves_each_module_in_its_mode():
    net = torch_factory.tiny().train()
    net.units[1].bn1.eval()  # a frozen batch norm
    cnnshape.from_torch(net, (3, 32, 32))
    assert net.training and net.units[0].bn1.training and not net.units[1].bn1.training
