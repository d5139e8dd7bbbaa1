"""cnnshape port: the rows, reasons and fixes, checked against the recorded frameworks and
by rebuilding each proposed fix."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnnshape.cli import main
from dialect_cases import recording

ROOT = Path(__file__).parent.parent
MINDSPORE = str(ROOT / "docs" / "ports" / "mindspore_net.yaml")
CAFFE = str(ROOT / "docs" / "ports" / "googlenet_caffe.yaml")


def _port(*args):
    return CliRunner().invoke(main, ["port", *args])


def _json(*args):
    r = _port(*args, "--format", "json")
    assert r.exit_code in (0, 1), r.output
    return r.exit_code, json.loads(r.stdout)


def _recorded(framework, case_id):
    return next(r for r in recording(framework)["cases"] if r["id"] == case_id)


def test_mindspore_to_torch_matches_both_recordings():
    """The first conv is the issue's nn.Conv2d(3, 64, 3, stride=2) on 224 (case
    hand-mindspore-conv), recorded in both frameworks."""
    code, report = _json(MINDSPORE, "--to", "torch")
    assert code == 1
    (row,) = report["layers"]
    assert row["name"] == "conv1" and row["line"] == 6
    ms, torch = _recorded("mindspore", "hand-mindspore-conv"), _recorded("torch",
                                                                          "hand-mindspore-conv")
    assert row["source"] == {"output_shape": ms["shape"], "params": ms["params"]}
    assert row["target"] == {"output_shape": torch["shape"], "params": torch["params"]}
    assert any("has_bias is not given" in r for r in row["reasons"])
    assert any("pad_mode is not given" in r for r in row["reasons"])


def test_a_proposed_fix_makes_the_target_agree():
    """The fix is applied to the spec, and the port reports no difference any more."""
    text = Path(MINDSPORE).read_text()
    _, report = _json(MINDSPORE, "--to", "torch")
    assert report["layers"][0]["fix"].startswith("insert zeropad2d [[0, 1], [0, 1]]")
    fixed = text.replace(
        "  - conv2d: {out_channels: 64, kernel_size: 3, stride: 2}",
        "  - zeropad2d: {padding: [[0, 1], [0, 1]]}\n"
        "  - conv2d: {out_channels: 64, kernel_size: 3, stride: 2, has_bias: false, "
        "pad_mode: pad, padding: 0}")
    assert fixed != text
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(fixed)
    try:
        code, after = _json(f.name, "--to", "torch")
    finally:
        Path(f.name).unlink()
    assert code == 0 and after["layers"] == []


def test_caffe_googlenet_needs_ceil_mode_in_torch():
    """Caffe rounds pools up by default, torch down: the four stride-2 pools differ, each
    fixed by ceil_mode=True, and torch cannot run the network as written (pool5's 7x7
    window meets a 6x6 map)."""
    code, report = _json(CAFFE, "--to", "torch")
    assert code == 1
    assert [r["name"] for r in report["layers"]] == ["pool1", "pool2", "pool3", "pool4"]
    assert {r["fix"] for r in report["layers"]} == {"ceil_mode=True"}
    assert report["target_output_shape"] is None and "pool5" in report["target_error"]
    # GoogLeNet's pools on 112 and 56, as Caffe (from its source) and torch compute them
    for row, case in zip(report["layers"], ("hand-googlenet-pool-112",
                                             "hand-googlenet-pool-56")):
        assert row["source"]["output_shape"][1:] == _recorded("caffe", case)["shape"][1:]
        assert row["target"]["output_shape"][1:] == \
            _recorded("torch", case + "-floor")["shape"][1:]


def test_the_same_framework_is_no_port():
    code, report = _json(CAFFE, "--to", "caffe")
    assert code == 0 and report["layers"] == []
    code, report = _json("resnet18", "--to", "torch")
    assert code == 0 and report["differing_layers"] == 0


def test_from_overrides_the_spec(tmp_path):
    """--from reads the spec as that framework's: MXNet keeps the ceil window torch drops."""
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [4, 32, 32]\nlayers:\n  - maxpool2d 1 s2 ceil_mode=true\n")
    code, report = _json(str(spec), "--from", "mxnet", "--to", "torch")
    assert code == 1
    (row,) = report["layers"]
    assert row["source"]["output_shape"] == _recorded("mxnet", "hand-ceil-k1s2")["shape"]
    assert row["target"]["output_shape"] == _recorded("torch", "hand-ceil-k1s2")["shape"]
    assert any("last window of ceil mode" in r for r in row["reasons"])


def test_a_refusal_is_a_row_with_the_frameworks_rule(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [3, 32, 32]\nlayers:\n  - maxpool2d 2 ceil_mode=true\n")
    code, report = _json(str(spec), "--to", "keras")
    assert code == 1
    (row,) = report["layers"]
    assert row["target"] is None and "has no argument 'ceil_mode'" in row["refused"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_every_format_names_the_layer_and_the_fix(fmt):
    r = _port(CAFFE, "--to", "torch", "--format", fmt)
    assert r.exit_code == 1
    assert "pool1" in r.stdout and "ceil_mode=True" in r.stdout
    if fmt == "github":
        assert r.stdout.startswith(f"::error file={CAFFE},line=20,title=port to torch::")
    if fmt == "markdown":
        assert "| `pool1` | 20 |" in r.stdout


def test_a_broken_spec_is_reported_not_ported(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [3, 4, 4]\nlayers:\n  - conv2d 8 k5\n")
    r = _port(str(spec), "--to", "keras")
    assert r.exit_code == 1 and "[CS201]" in r.stderr and "Traceback" not in r.output


def test_unknown_target_is_a_usage_error():
    r = _port(CAFFE, "--to", "pytorch")
    assert r.exit_code == 2
