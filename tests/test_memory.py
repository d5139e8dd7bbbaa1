"""Memory figures against torch's own measurements (tests/data/memory/record.json): the
saved-for-backward bytes exactly, the inference peak exactly or with its difference shown in
docs/spec.md, and byte budgets in expect:."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import cnnshape
from cnnshape.api import load_file, resolve
from cnnshape.cli import main
from cnnshape.graph import propagate
from cnnshape.memory import DTYPES, estimate, parse_bytes

ROOT = Path(__file__).parent.parent
RECORD = ROOT / "tests" / "data" / "memory" / "record.json"


def _record() -> dict:
    return json.loads(RECORD.read_text())["nets"]


CASES = [(net, key) for net, rec in sorted(_record().items()) for key in sorted(rec["cases"])]


def _estimate(net, case):
    spec = load_file(resolve(net))
    return estimate(spec, propagate(spec), case["batch"], case["dtype"])


#: Where a zoo spec is simpler than torchvision's module, in elements per sample: the zoo
#: writes one stochastic-depth probability for every block, where torchvision's rises from
#: 0, and a block with p = 0 draws no noise: its first block saves one number per sample less.
SPEC_SIMPLER = {"convnext_tiny": 1, "efficientnet_v2_s": 1}


@pytest.mark.parametrize("net,key", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_saved_for_backward_bytes_are_torchs(net, key):
    """The activations autograd saves (unique storages, parameters apart), exactly."""
    case = _record()[net]["cases"][key]
    spare = SPEC_SIMPLER.get(net, 0) * case["batch"] * DTYPES[case["dtype"]]
    assert _estimate(net, case).saved - spare == case["saved_activation_bytes"]


@pytest.mark.parametrize("net,key", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_parameter_bytes_are_torchs(net, key):
    """Parameters and buffers, less BatchNorm's num_batches_tracked counter (an int64 per
    layer that is no parameter in any framework's count)."""
    case = _record()[net]["cases"][key]
    torch = case["param_bytes"] + case["buffer_bytes"] - case["num_batches_tracked_bytes"]
    assert _estimate(net, case).params == torch


def peak_table() -> str:
    """docs/spec.md's table: cnnshape's inference peak beside torch's measured one."""
    lines = ["| net | batch, dtype | cnnshape | torch measured | difference |",
             "| --- | --- | ---: | ---: | ---: |"]
    for net, key in CASES:
        case = _record()[net]["cases"][key]
        mine, theirs = _estimate(net, case).inference_peak, case["inference_peak_bytes"]
        diff = "exact" if mine == theirs else f"{(mine - theirs) / theirs:+.1%}"
        lines.append(f"| {net} | {case['batch']}, {case['dtype']} | {mine:,} | {theirs:,} | "
                     f"{diff} |")
    return "\n".join(lines)


START = "<!-- memory: generated from tests/data/memory/record.json; " \
    "`pytest tests/test_memory.py --update-golden` rewrites it -->"
END = "<!-- end of the memory table -->"


def test_the_peak_table_in_the_docs_is_the_measurement(request):
    from conftest import check_generated
    check_generated(request, ROOT / "docs" / "spec.md", START, END, peak_table(),
                    "pytest tests/test_memory.py --update-golden")


def test_the_peak_is_exact_where_the_module_frees_as_it_goes():
    """Where the module frees every tensor after its last use, as the estimate assumes, the
    two agree to the byte, max pooling's transient indices included."""
    for net in ("lenet5", "resnet18", "googlenet", "nin", "shufflenet_v2_x1_0", "vgg16",
                "vgg11_bn", "simpleconvnet"):
        for key, case in _record()[net]["cases"].items():
            assert _estimate(net, case).inference_peak == case["inference_peak_bytes"], key


def _spec(tmp_path, expect: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text("input: [3, 32, 32]\nexpect:\n" + expect + "layers:\n"
                    "  - conv2d 16 k3 p1\n  - relu\n  - maxpool2d 2\n  - flatten\n"
                    "  - linear 10\n")
    return str(path)


def test_a_byte_budget_refuses_what_no_longer_fits(tmp_path):
    r = cnnshape.analyze("lenet5")
    spec = load_file(resolve("lenet5"))
    m = estimate(spec, r, 32, "float16", "adam")
    path = tmp_path / "lenet5.yaml"
    text = (ROOT / "specs" / "lenet5.yaml").read_text()
    budget = (f"expect:\n  max_training_bytes: {m.training}\n  max_activation_bytes: "
              f"{m.inference_peak}\n  batch: 32\n  dtype: float16\n  optimizer: adam\n")
    path.write_text(budget + text.replace("expect:", "old_expect:") if "expect:" in text
                    else budget + text)
    ok = CliRunner().invoke(main, ["check", str(path)])
    assert ok.exit_code == 0, ok.output
    path.write_text(path.read_text().replace(f"max_training_bytes: {m.training}",
                                             f"max_training_bytes: {m.training - 1}"))
    bad = CliRunner().invoke(main, ["check", str(path)])
    assert bad.exit_code == 1
    assert "[CS402]" in bad.output and f"{m.training:,} bytes at batch 32, float16" in bad.output
    assert f"{path}:2:" in bad.output


@pytest.mark.parametrize("expect,message", [
    ("  dtype: float61\n  max_training_bytes: 1GB\n", "dtype must be one of"),
    ("  batch: 0\n  max_training_bytes: 1GB\n", "batch must be a positive integer"),
    ("  max_training_bytes: lots\n", "must be a byte count"),
    ("  optimizer: adamw\n  max_training_bytes: 1GB\n", "optimizer must be one of"),
])
def test_a_bad_budget_is_located(tmp_path, expect, message):
    r = CliRunner().invoke(main, ["check", _spec(tmp_path, expect)])
    assert r.exit_code == 1 and "[CS404]" in r.output and message in r.output


@given(st.integers(0, 10**6), st.sampled_from(["", "B", "KB", "MB", "GB", "KiB", "MiB",
                                                 "GiB"]), st.booleans())
def test_byte_counts_read_their_units(n, unit, space):
    factor = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KiB": 2**10,
              "MiB": 2**20, "GiB": 2**30}[unit]
    assert parse_bytes(f"{n}{' ' if space else ''}{unit}") == n * factor
    assert parse_bytes(f"{n}{unit.lower()}") == n * factor


@given(st.text(max_size=12))
def test_anything_else_is_not_a_byte_count(text):
    value = parse_bytes(text)
    assert value is None or value >= 0


def test_the_training_estimate_adds_its_parts():
    spec = load_file(resolve("resnet18"))
    r = propagate(spec)
    for optimizer, states in (("sgd", 0), ("momentum", 1), ("adam", 2)):
        m = estimate(spec, r, 4, "bfloat16", optimizer)
        size = DTYPES["bfloat16"]
        assert m.params == (r.totals.params + r.totals.non_trainable_params) * size
        assert m.gradients == r.totals.params * size
        assert m.optimizer_state == states * r.totals.params * size
        assert m.training == m.params + m.gradients + m.optimizer_state + m.saved
