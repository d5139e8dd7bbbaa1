"""Framework dialects against what each framework computed (tests/data/dialects): every
recorded case through `cnnshape conv/pool --framework X`, and the dialect's surface (the
spec key, the framework's own argument names, the errors)."""
import json
from collections import defaultdict

import pytest
from click.testing import CliRunner

from cnnshape.cli import main
from dialect_cases import cases, frameworks, mismatch, recording

#: Cases a framework computes in a way no rule of its dialect reproduces, each with why.
#: Everything else recorded must agree, shape, params and refusal alike.
KNOWN = {
    ("onnx", "avgpool2d-078"): "onnxruntime refuses 'same' that needs negative padding, but "
    "its default graph optimisation rewrites this 8-channel pool to the NCHWc kernel, which "
    "runs (refused with ORT_DISABLE_ALL)",
    ("onnx", "maxpool2d-100"): "onnxruntime's dilated MaxPool kernel applies the negative "
    "'same' padding that its other pool kernels refuse",
    ("mindspore", "maxpool1d-055"): "MindSpore's 'valid' MaxPool1d gives 1 where its own "
    "check refuses every other window wider than the input (maxpool1d-043, -117)",
    ("mindspore", "maxpool1d-132"): "as maxpool1d-055",
    ("mindspore", "avgpool1d-010"): "MindSpore's AvgPool1d 'same' pads and slices; here the "
    "slice fails (the window is 6 times the input)",
    ("mindspore", "avgpool1d-035"): "MindSpore's AvgPool1d 'same' gives 1 where ceil(8/4) = 2 "
    "(its other 30 'same' cases give ceil(W/S))",
}


def _groups():
    out = []
    for fw in frameworks():
        ops = sorted({f"{c['op']}{c['dims']}d" for c in cases().values()})
        out += [(fw, op) for op in ops]
    return out


@pytest.mark.parametrize("framework,op", _groups())
def test_every_recorded_case_is_reproduced(framework, op):
    """Shape, params, or the refusal (and an empty tensor said so), per recorded case."""
    every = cases()
    wrong = []
    for rec in recording(framework)["cases"]:
        case = every[rec["id"]]
        if f"{case['op']}{case['dims']}d" != op or (framework, rec["id"]) in KNOWN:
            continue
        why = mismatch(case, rec, framework)
        if why:
            wrong.append(f"{rec['id']} ({rec['call']}): {why}")
    assert not wrong, f"{len(wrong)} cases disagree:\n" + "\n".join(wrong[:20])


@pytest.mark.parametrize("framework,case_id", sorted(KNOWN))
def test_known_exceptions_still_disagree(framework, case_id):
    """An exception that cnnshape starts to reproduce must leave the list."""
    rec = next(r for r in recording(framework)["cases"] if r["id"] == case_id)
    assert mismatch(cases()[case_id], rec, framework)


def test_the_recordings_cover_every_case_and_say_their_versions():
    for fw in frameworks():
        data = recording(fw)
        assert data["framework"] == fw
        assert data["versions"]
        assert {r["id"] for r in data["cases"]} == set(cases())


def test_each_framework_agrees_with_some_cases_and_refuses_others():
    """The recordings are not all errors (a broken recorder) nor all answers."""
    for fw in frameworks():
        kinds = defaultdict(int)
        for r in recording(fw)["cases"]:
            kinds["ok" if r["error"] is None else "error"] += 1
        assert kinds["ok"] >= 100 and kinds["error"] >= 20, (fw, dict(kinds))


def _cli(*args):
    return CliRunner().invoke(main, list(args))


def test_the_issue_mindspore_example():
    """MindSpore's nn.Conv2d(3, 64, 3, stride=2) on 224: 'same' and no bias by default."""
    ms = json.loads(_cli("conv", "--w", "224", "--f", "3", "--s", "2", "--c", "3", "--k", "64",
                         "--framework", "mindspore", "--format", "json").stdout)
    torch = json.loads(_cli("conv", "--w", "224", "--f", "3", "--s", "2", "--c", "3", "--k",
                            "64", "--framework", "torch", "--format", "json").stdout)
    recorded = {fw: next(r for r in recording(fw)["cases"] if r["id"] == "hand-mindspore-conv")
                for fw in ("mindspore", "torch")}
    assert ms["output_shape"] == recorded["mindspore"]["shape"]
    assert ms["params"] == recorded["mindspore"]["params"]
    assert torch["output_shape"] == recorded["torch"]["shape"]
    assert torch["params"] == recorded["torch"]["params"]


def test_ceil_mode_rules_differ_as_recorded():
    """k1 s2 ceil on 32: torch, onnxruntime and Caffe-with-padding drop the last window;
    MXNet and Caffe without padding keep it."""
    got = {fw: _cli("pool", "--w", "32", "--f", "1", "--s", "2", "--ceil-mode", "--framework",
                    fw).stdout.strip() for fw in ("torch", "onnx", "mxnet")}
    rec = {fw: next(r for r in recording(fw)["cases"] if r["id"] == "hand-ceil-k1s2")["shape"]
           for fw in ("torch", "onnx", "mxnet")}
    assert {fw: int(v) for fw, v in got.items()} == {fw: s[1] for fw, s in rec.items()}


def test_torch_is_strict_where_the_default_is_lenient():
    default = _cli("conv", "--w", "224", "--f", "3", "--s", "2", "--p", "same")
    strict = _cli("conv", "--w", "224", "--f", "3", "--s", "2", "--p", "same",
                  "--framework", "torch")
    assert default.exit_code == 0 and default.stdout.strip() == "112"
    assert strict.exit_code == 1
    assert "[CS705]" in strict.stderr and "stride 1" in strict.stderr
    assert "Traceback" not in strict.output


def test_an_argument_the_framework_lacks_is_named():
    r = _cli("pool", "--w", "32", "--f", "2", "--ceil-mode", "--framework", "keras")
    assert r.exit_code == 1
    assert "[CS702]" in r.stderr and "MaxPooling2D has no argument 'ceil_mode'" in r.stderr
    assert "pool_size" in r.stderr   # what it does take


def test_a_required_argument_is_named():
    r = _cli("pool", "--w", "32", "--f", "2", "--framework", "tensorflow")
    assert r.exit_code == 1 and "[CS703]" in r.stderr and "requires strides" in r.stderr


def test_an_empty_tensor_is_an_error_that_says_so():
    r = _cli("conv", "--w", "1x3", "--f", "6", "--s", "3", "--p", "valid", "--framework",
             "tensorflow")
    assert r.exit_code == 1 and "returns an empty tensor" in r.stderr


def test_unknown_framework_is_a_usage_error():
    r = _cli("conv", "--w", "8", "--f", "3", "--framework", "pytorch")
    assert r.exit_code == 2 and "pytorch" in r.stderr


def _spec(tmp_path, text):
    path = tmp_path / "net.yaml"
    path.write_text(text)
    return path


def test_the_spec_key_sets_the_framework_and_the_flag_overrides_it(tmp_path):
    import cnnshape
    path = _spec(tmp_path, "framework: mindspore\ninput: [3, 224, 224]\n"
                           "layers:\n  - conv2d: {out_channels: 64, kernel_size: 3, stride: 2}\n")
    ms = cnnshape.analyze(path)
    assert ms.layers[0].output_shape == (64, 112, 112) and ms.layers[0].params == 1728
    torch = cnnshape.analyze(path, framework="torch")
    assert torch.layers[0].output_shape == (64, 111, 111) and torch.layers[0].params == 1792
    r = _cli("model", str(path), "--framework", "torch", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["layers"][0]["output_shape"] == [64, 111, 111]


def test_the_frameworks_own_argument_names_are_read(tmp_path):
    import cnnshape
    path = _spec(tmp_path, """\
framework: mindspore
input: [3, 32, 32]
layers:
  - conv2d: {out_channels: 8, kernel_size: 3, pad_mode: pad, padding: 1, has_bias: true}
  - maxpool2d: {kernel_size: 2, stride: 2}
""")
    result = cnnshape.analyze(path)
    assert [r.output_shape for r in result.layers] == [(8, 32, 32), (8, 16, 16)]
    assert result.layers[0].params == 8 * 3 * 9 + 8
    keras = _spec(tmp_path, """\
framework: keras
input: [3, 32, 32]
layers:
  - conv2d: {filters: 8, kernel_size: 3, strides: 2, padding: same, use_bias: false}
  - maxpool2d: {pool_size: 2}
""")
    result = cnnshape.analyze(keras)
    assert [r.output_shape for r in result.layers] == [(8, 16, 16), (8, 8, 8)]
    assert result.layers[0].params == 8 * 3 * 9
    mx = _spec(tmp_path, """\
framework: mxnet
input: [3, 32, 32]
layers:
  - maxpool2d: {pool_size: 1, strides: 2, pooling_convention: full}
""")
    assert cnnshape.analyze(mx).layers[0].output_shape == (3, 17, 17)


def test_a_name_the_framework_does_not_have_is_located(tmp_path):
    path = _spec(tmp_path, "framework: keras\ninput: [3, 32, 32]\n"
                           "layers:\n  - maxpool2d: {pool_size: 2, ceil_mode: true}\n")
    r = _cli("check", str(path))
    assert r.exit_code == 1
    assert f"{path}:4:" in r.output and "[CS702]" in r.output and "ceil_mode" in r.output


def test_mindspore_padding_without_pad_mode_pad_is_refused_as_mindspore_does(tmp_path):
    path = _spec(tmp_path, "framework: mindspore\ninput: [3, 32, 32]\n"
                           "layers:\n  - conv2d: {out_channels: 8, kernel_size: 3, "
                           "pad_mode: same, padding: 1}\n")
    r = _cli("check", str(path))
    assert r.exit_code == 1 and "[CS704]" in r.output and "pad_mode" in r.output


def test_an_unknown_framework_in_a_spec_is_located(tmp_path):
    path = _spec(tmp_path, "framework: tensorflow2\ninput: [3, 32, 32]\n"
                           "layers:\n  - conv2d 8 k3\n")
    r = _cli("check", str(path))
    assert r.exit_code == 1
    assert f"{path}:1:" in r.output and "[CS029]" in r.output and "tensorflow" in r.output


@pytest.mark.parametrize("command", ["model", "draw", "report", "inputs"])
def test_every_spec_command_takes_the_framework(command, tmp_path):
    """A spec that works in Caffe (pools round up) and not in torch (pool5's window no longer
    fits): each command follows --framework."""
    from pathlib import Path
    spec = str(Path(__file__).parent.parent / "docs" / "ports" / "googlenet_caffe.yaml")
    extra = ["-o", str(tmp_path / "out")] if command in ("draw", "report") else []
    if command == "inputs":
        extra = ["--range", "224", "224"]
    caffe = _cli(command, spec, *extra)
    torch = _cli(command, spec, *extra, "--framework", "torch")
    assert caffe.exit_code == 0, caffe.output
    if command == "inputs":     # torch accepts no size of 224: pool5 no longer fits
        assert "224" in caffe.stdout and torch.exit_code in (0, 1)
        assert caffe.stdout != torch.stdout
    else:
        assert torch.exit_code == 1 and "pool5" in torch.stderr


def test_check_takes_the_framework(tmp_path):
    from pathlib import Path
    spec = str(Path(__file__).parent.parent / "docs" / "ports" / "googlenet_caffe.yaml")
    assert _cli("check", spec).exit_code == 0
    r = _cli("check", spec, "--framework", "torch")
    assert r.exit_code == 1 and "[CS201]" in r.output


def test_solve_keeps_what_the_framework_accepts():
    """Keras has no explicit padding: of the two ways to 112 only 'same' is left."""
    every = json.loads(_cli("solve", "--w", "224", "--f", "3", "--out", "112", "--format",
                            "json").stdout)["solutions"]
    keras = json.loads(_cli("solve", "--w", "224", "--f", "3", "--out", "112", "--framework",
                            "keras", "--format", "json").stdout)["solutions"]
    assert len(every) == 2 and len(keras) == 1 and keras[0]["padding"] == [0, 1]


# --- laws of the rules, and the consistency of the records --------------------------------

from hypothesis import given, strategies as st  # noqa: E402

from cnnshape import arithmetic as ar  # noqa: E402

SIZES = st.integers(1, 300)
KERNELS = st.integers(1, 12)
STRIDES = st.integers(1, 6)
PADS = st.integers(0, 6)


@given(SIZES, KERNELS, STRIDES, PADS, st.integers(1, 3))
def test_ceil_rules_are_ordered_and_one_apart(w, k, s, p, d):
    """Keeping the last window never gives fewer outputs than Caffe's rule, nor Caffe's than
    torch's clip; the three differ by at most the one window."""
    keep, caffe, clip = (ar.pool_out(w, k, s, p, d, True, clip=rule)
                         for rule in ("keep", "clip_if_padded", "clip"))
    assert keep >= caffe >= clip >= keep - 1
    if p == 0:
        assert caffe == keep


@given(SIZES, KERNELS, STRIDES, PADS, st.integers(1, 3))
def test_the_quotient_rules_agree_wherever_a_window_fits(w, k, s, p, d):
    floor = ar.conv_out(w, k, s, p, d)
    trunc = ar.conv_out(w, k, s, p, d, division="trunc")
    tf = ar.conv_out(w, k, s, p, d, division="tf")
    if w + 2 * p >= ar.effective_kernel(k, d):
        assert floor == trunc == tf >= 1
    else:
        assert trunc >= tf >= floor and trunc <= 1


@given(SIZES, KERNELS, STRIDES, st.integers(1, 3), st.integers(0, 3))
def test_transposed_same_gives_w_times_s_or_less(w, k, s, d, op):
    assert ar.transposed_out(w, k, s, d, "same", None) == w * s
    assert ar.transposed_out(w, k, s, d, "same", op, same="stride") == w * s
    assert ar.transposed_out(w, k, s, d, "same", op, same="min") <= w * s
    # Keras' 'valid' never gives less than W*S, torch's is the full transposed window
    assert ar.transposed_out(w, k, s, d, "valid", None, valid="max") >= w * s
    assert ar.transposed_out(w, k, s, d, "valid", 0) == (w - 1) * s + ar.effective_kernel(k, d)


@given(SIZES, KERNELS, STRIDES, st.integers(1, 3))
def test_same_keeps_ceil_w_over_s_and_splits_either_way(w, k, s, d):
    end = ar.same_padding(w, k, s, d)
    start = ar.same_padding(w, k, s, d, split="start")
    assert start == end[::-1]
    assert ar.conv_out(w, k, s, end[0], d, end[1]) == -(-w // s) or \
        (end == (0, 0) and ar.conv_out(w, k, s, 0, d) < -(-w // s))


def test_every_record_names_only_fields_its_layers_have():
    """A default or an alias naming a field no layer kind has would be silently ignored."""
    from dataclasses import fields

    from cnnshape.dialects import DEFAULT, DIALECTS, FAMILIES
    from cnnshape.layers import kind
    classes = {"conv": kind("conv2d"), "conv_transpose": kind("conv_transpose2d"),
               "maxpool": kind("maxpool2d"), "avgpool": kind("avgpool2d")}
    for d in [DEFAULT, *DIALECTS.values()]:
        for family in FAMILIES:
            have = {f.name for f in fields(classes[family])}
            assert set(d.defaults.get(family, {})) <= have, (d.name, family)
            assert set(d.names.get(family, {})) <= have, (d.name, family)
            targets = {t for t, _ in d.aliases(family).values()} - {"$pad_mode"}
            assert targets <= have, (d.name, family, targets - have)


def test_no_branch_on_a_framework_name_outside_the_records():
    """STYLE.md: a dialect is a record, not a branch."""
    import re
    from pathlib import Path
    root = Path(__file__).parent.parent / "cnnshape"
    names = "torch|tensorflow|keras|onnx|mindspore|paddle|mxnet|jax|caffe"
    pattern = re.compile(rf"(framework|target|source)\s*==\s*['\"]({names})['\"]")
    hits = [f"{p.name}: {m.group(0)}" for p in root.rglob("*.py")
            if p.parent.name not in ("importers", "export")
            and p.name != "cli.py" for m in pattern.finditer(p.read_text())]
    assert not hits, hits


def test_every_list_of_framework_names_is_the_records():
    """The CLI's choices and the schema's enum are written out (start-up must not import
    the records); they must name exactly the frameworks that have one."""
    from cnnshape.cli import FRAMEWORK_NAMES
    from cnnshape.dialects import DIALECTS
    from cnnshape.layers import Framework
    assert sorted(FRAMEWORK_NAMES) == sorted(DIALECTS)
    assert sorted(Framework.schema["oneOf"][1]["enum"]) == sorted(DIALECTS)
    for command in ("conv", "pool", "model", "check", "solve", "inputs", "draw", "report"):
        option = next(p for p in main.commands[command].params if p.name == "framework")
        assert sorted(option.type.choices) == sorted(DIALECTS), command
