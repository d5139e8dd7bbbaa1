"""cnnshape export --to pytorch, proved by running what it writes.

Every zoo network, every YAML example of docs/spec.md and a few specs that reach the
remaining kinds are exported, imported as a module and run: the file's own check()
asserts cnnshape's numbers, and this test measures the module itself with torch and
compares with cnnshape.analyze (never with the exporter).  Networks run on the meta
device (shapes and FlopCounterMode without computing or initialising anything); the
small ones also run for real, and lenet5's file runs as a script.
"""
import importlib.util
import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnnshape
from cnnshape.api import load
from cnnshape.cli import main
from cnnshape.diagnostics import SpecError
from cnnshape.export import export
from cnnshape.graph import propagate
from cnnshape.layers import all_kinds
from cnnshape.spec import load_spec

torch = pytest.importorskip("torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

ROOT = Path(__file__).parent.parent
ZOO = sorted(p.stem for p in (ROOT / "specs").glob("*.yaml"))
DOCS = re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "spec.md").read_text(), re.S)

#: the kinds no zoo network or docs example uses, each in a small network
KINDS = {
    "one_d": """
input: [4, 32]
layers:
  - conv1d 8 k3 p1
  - batchnorm1d
  - elu alpha=0.5
  - maxpool1d 2
  - avgpool1d 3 s2 padding=same
  - zeropad1d: {padding: [[1, 2]]}
  - conv_transpose1d 4 k4 s2 p1
  - instancenorm1d affine=true track_running_stats=true
  - dropout1d 0.1
  - adaptive_avgpool1d 5
  - adaptive_maxpool1d 3
  - global_maxpool
  - flatten
  - linear 10
  - log_softmax
""",
    "three_d": """
input: [2, 8, 16, 16]
layers:
  - conv3d 4 k3 s2 padding=same
  - batchnorm3d
  - selu
  - maxpool3d 2 ceil_mode=true
  - zeropad3d 1
  - conv_transpose3d: {out_channels: 4, kernel_size: 2, stride: 2, padding: [[0, 1], 0, 0]}
  - avgpool3d 2
  - instancenorm3d
  - dropout3d
  - adaptive_avgpool3d 2
  - adaptive_maxpool3d 1
  - flatten
  - softmax
""",
    "two_d": """
input: [16, 16, 16]
layers:
  - {type: conv2d, out_channels: 16, kernel_size: 3, padding: 1, trainable: false,
     note: "frozen, as Ultralytics' DFL"}
  - groupnorm 4
  - leaky_relu negative_slope=0.2
  - prelu num_parameters=16
  - mish
  - softplus
  - lrn 3
  - identity
  - dropout2d
  - zeropad2d: {padding: [[0, 1], [2, 3]]}
  - instancenorm2d
  - conv2d 16 k4 padding=same
  - pixel_shuffle 2
  - pixel_unshuffle 2
  - upsample 2
  - upsample: {size: [20, 24], mode: bilinear, align_corners: true}
  - maxpool2d 3 s2 padding=same
  - adaptive_maxpool2d 1
  - global_avgpool
  - flatten
""",
    "graph": """
input: [8, 4, 4]
layers:
  - {type: reshape, shape: [2, 4, 16], name: q}
  - {type: permute, order: [0, 2, 1], name: kt}
  - {type: matmul, inputs: [q, kt], name: attn}
  - {type: matmul, inputs: [attn, q]}
  - {type: reshape_as, inputs: [previous, input], name: back}
  - {type: maxpool2d, kernel_size: 2, name: small}
  - {type: interpolate_as, inputs: [small, back]}
  - {type: split, split_size_or_sections: [3, 5], name: parts}
  - {type: unflatten, dim: 0, unflattened_size: [5, -1], inputs: parts.1}
  - {type: reshape, shape: [-1]}
""",
}


def exported(source, tmp_path: Path, name: str):
    """cnnshape's result, and the exported file imported as a module."""
    spec = load([str(source)], None)
    result = propagate(spec)
    path = tmp_path / f"{name}.py"
    path.write_text(export(spec, result, "pytorch"), encoding="utf-8")
    loader = importlib.util.spec_from_file_location(f"exported_{name}", path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return result, module, path


def network(module):
    """The network class: the one check() builds (the last class in the file)."""
    return [v for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, torch.nn.Module)
            and v.__module__ == module.__name__][-1]


def measure(cls, input_shape, device):
    """Output shape, params, non-trainable params and MACs, as torch reports them."""
    with torch.device(device):
        model = cls().eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = model(torch.zeros((1, *input_shape), device=device))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    stats = sum(b.numel() for n, b in model.named_buffers()
                if not n.endswith("num_batches_tracked"))
    return tuple(y.shape[1:]), trainable, frozen + stats, counter.get_total_flops() // 2


def expected(result):
    t = result.totals
    return result.output_shape, t.params, t.non_trainable_params, t.macs


def proved(source, tmp_path, name, device="meta"):
    result, module, path = exported(source, tmp_path, name)
    module.check(device)                      # the file's own assertions
    assert measure(network(module), result.input_shape, device) == expected(result)
    return module, path


@pytest.mark.parametrize("name", ZOO)
def test_zoo_network_exports_and_runs(name, tmp_path):
    proved(name, tmp_path, name)


@pytest.mark.parametrize("k", range(len(DOCS)))
def test_docs_example_exports_and_runs(k, tmp_path):
    spec = tmp_path / "example.yaml"
    spec.write_text(DOCS[k])
    proved(spec, tmp_path, f"doc{k}")


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_exports_and_runs(name, tmp_path):
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(KINDS[name])
    proved(spec, tmp_path, name, device="cpu")


def test_every_kind_is_covered(tmp_path):
    """Each registered kind appears in a network above, so each is run."""
    import yaml
    seen = set()
    for source in [*ZOO, *DOCS, *KINDS.values()]:
        spec = load([source], None) if source in ZOO else load_spec(yaml.safe_load(source))
        seen |= {n.layer.type_name for n in spec.nodes}
    assert set(all_kinds()) - seen == set()


@pytest.mark.parametrize("name", ["lenet5_1998", "squeezenet1_1", "simpleconvnet"])
def test_small_networks_run_for_real(name, tmp_path):
    proved(name, tmp_path, name, device="cpu")


def test_the_file_runs_as_a_script(tmp_path):
    r = CliRunner().invoke(main, ["export", "lenet5", "--to", "pytorch", "-o",
                                  str(tmp_path / "lenet5.py")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    run = subprocess.run([sys.executable, str(tmp_path / "lenet5.py")], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "OK Lenet5: output (1, 10), 61,706 params, 416,520 MACs\n"


def test_input_option_sets_the_shape_checked(tmp_path):
    r = CliRunner().invoke(main, ["export", "lenet5", "--to", "pytorch", "--input", "1x36x36"],
                           catch_exceptions=False)
    assert r.exit_code == 0
    assert "INPUT_SHAPE = (1, 1, 36, 36)\n" in r.output
    assert "self.fc1 = nn.Linear(576, 120)\n" in r.output  # 16 x 6 x 6 after the convs


def test_a_wrong_number_fails_the_files_own_check(tmp_path):
    _, module, _ = exported("lenet5", tmp_path, "lenet5")
    module.PARAMS += 1
    with pytest.raises(AssertionError, match="61706 params, expected 61707"):
        module.check("meta")


@pytest.mark.parametrize("name", ["lenet5_1998", "resnet18", "shufflenet_v2_x1_0", "unet",
                                  "convnext_tiny", "inception_v3"])
def test_ruff_accepts_the_file(name, tmp_path):
    pytest.importorskip("ruff")
    _, _, path = exported(name, tmp_path, name)
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select",
                          "E,W,F,I,B,UP,SIM,C4,PIE", "--line-length", "100", str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_lenet5_golden(golden, tmp_path):
    _, _, path = exported("lenet5", tmp_path, "lenet5")
    golden("export_lenet5.py", path.read_text(encoding="utf-8"))


def test_readme_shows_the_exported_lenet5():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Export"):]
    shown = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    spec = load(["lenet5"], None)
    assert shown == export(spec, propagate(spec), "pytorch")


def test_blocks_become_classes_with_their_arguments(tmp_path):
    _, module, path = exported("resnet18", tmp_path, "resnet18")
    text = path.read_text()
    assert "class Basic(nn.Module):" in text and "def __init__(self, planes):" in text
    assert "class BasicDown(nn.Module):" in text
    assert "def __init__(self, in_channels, planes):" in text
    assert "self.layer2_0 = BasicDown(64, 128)" in text
    assert "add1 = branch1 + x" in text  # a merge gets its own variable


def test_unexpressible_layer_is_an_error_naming_it(tmp_path):
    """torch's AvgPool pads both ends alike; zeros padded before it would be averaged in
    where count_include_pad=false leaves them out: refused, not approximated."""
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: [3, 9, 9]\nlayers:\n  - conv2d 4 k3\n"
                    "  - avgpool2d 2 s2 padding=same count_include_pad=false name=tf_pool\n")
    r = CliRunner().invoke(main, ["export", str(spec), "--to", "pytorch"],
                           catch_exceptions=False)
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    assert "[CS602] tf_pool: avgpool2d with padding [[0, 1], [0, 1]]" in r.output
    with pytest.raises(SpecError):
        s = load([str(spec)], None)
        export(s, propagate(s), "pytorch")


def test_ceil_mode_pool_with_moved_padding_is_written_in_floor_mode(tmp_path):
    """cnnshape drops a ceil-mode window starting in the right padding (past W + begin);
    after F.pad torch would keep it (the padding is input to it): floor mode, with the
    padding that gives cnnshape's one window."""
    spec = tmp_path / "ceil.yaml"
    spec.write_text("input: [1, 4]\nlayers:\n"
                    "  - maxpool1d: {kernel_size: 2, stride: 4, padding: [[0, 1]], "
                    "ceil_mode: true}\n")
    module, path = proved(spec, tmp_path, "ceil", device="cpu")
    assert "self.pool1 = nn.MaxPool1d(2, stride=4)\n" in path.read_text()


def _chain_layer(draw, dims):
    kind = draw(st.sampled_from(["conv", "maxpool", "avgpool"]))
    k = draw(st.integers(1, 4))
    s = draw(st.integers(1, 3))
    pad = draw(st.one_of(st.just("same"), st.just("valid"), st.integers(0, k // 2),
                         st.lists(st.tuples(st.integers(0, k // 2), st.integers(0, k // 2)),
                                  min_size=dims, max_size=dims)))
    if isinstance(pad, list):
        pad = [list(p) for p in pad]
    layer = {"type": f"{kind}{dims}d", "kernel_size": k, "stride": s, "padding": pad}
    if kind == "conv":
        layer.update(out_channels=draw(st.integers(1, 3)), dilation=draw(st.integers(1, 2)))
    else:
        layer["ceil_mode"] = draw(st.booleans())
    if kind == "avgpool":
        layer["count_include_pad"] = True
    return layer


@st.composite
def chains(draw):
    dims = draw(st.sampled_from([1, 2]))
    size = draw(st.integers(5, 17))
    layers = [_chain_layer(draw, dims) for _ in range(draw(st.integers(1, 4)))]
    return {"input": [2] + [size] * dims, "layers": layers}


_COUNTER = itertools.count()


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(chains())
def test_odd_paddings_strides_and_ceil_mode_give_cnnshapes_shape(data):
    """Conv and pool chains with 'same' at any stride, [begin, end] padding and ceil mode:
    the exported module's output shape is cnnshape's (and its MACs)."""
    try:
        result = cnnshape.analyze(data)
    except SpecError:
        return  # a chain cnnshape refuses (a window wider than the map): nothing to export
    try:
        text = export(load_spec(data), result, "pytorch")
    except SpecError as e:  # the one refusal: an average pool whose padding had to move
        assert {d.code for d in e.diagnostics} == {"CS602"}
        assert any(layer["type"].startswith("avgpool") for layer in data["layers"])
        return
    namespace = {"__name__": f"chain{next(_COUNTER)}"}
    exec(compile(text, "chain.py", "exec"), namespace)
    net = [v for v in namespace.values()
           if isinstance(v, type) and issubclass(v, torch.nn.Module)][-1]
    assert measure(net, result.input_shape, "cpu") == expected(result), text
