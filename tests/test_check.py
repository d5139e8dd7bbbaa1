"""The CI gate: a corpus of broken specs with their expected diagnostics (golden files),
the zoo passing, the formats and exit codes, and fuzzing with hypothesis."""
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnshape.cli import main

ROOT = Path(__file__).parent.parent
BROKEN = sorted((ROOT / "tests" / "broken").glob("*.yaml"))


def check(*args):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_spec_diagnostics(path, golden, monkeypatch):
    """Each broken spec gives exactly its expected diagnostics, in bounded time."""
    monkeypatch.chdir(ROOT)
    r = check(str(path.relative_to(ROOT)))
    assert r.exit_code == (0 if path.stem.startswith("warnings") else 1)
    assert "Traceback" not in r.output
    golden(f"broken/{path.stem}.txt", r.output)
    for line in r.output.splitlines()[:-1]:
        assert re.match(r"tests/broken/\w+\.yaml:[1-9]\d*:[1-9]\d*: (error|warning) \[CS\d{3}\]",
                        line), line


def test_the_zoo_passes():
    r = check(str(ROOT / "specs"))
    assert r.exit_code == 0
    # the 5th warning: squeezenet1_1's 3x3/2 conv1 never reads row and column 223
    assert r.output.splitlines()[-1] == "24 files checked: 0 errors, 5 warnings"


def test_strict_fails_on_warnings():
    assert check(str(ROOT / "tests" / "broken" / "warnings.yaml"), "--strict").exit_code == 1


def test_github_format(monkeypatch):
    monkeypatch.chdir(ROOT)
    r = check("tests/broken/unknown_type.yaml", "--format", "github")
    assert r.exit_code == 1
    assert ("::error file=tests/broken/unknown_type.yaml,line=4,col=5::[CS101] unknown layer "
            "type 'maxpol2d'") in r.output


def test_github_format_escapes_the_file_property(tmp_path):
    """',' and ':' end a workflow-command property; '%' starts an escape."""
    path = tmp_path / "we,ird%na:me.yaml"
    path.write_text("input: [1, 8, 8]\nlayers: [maxpol2d 2]\n")
    r = check(str(path), "--format", "github")
    assert "we%2Cird%25na%3Ame.yaml,line=2," in r.output


def test_empty_layers_is_an_error(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("input: [1, 8, 8]\nlayers: []\n")
    r = check(str(path))
    assert r.exit_code == 1 and "CS013" in r.output and ":2:9:" in r.output


def test_json_format(monkeypatch):
    monkeypatch.chdir(ROOT)
    r = check("tests/broken/expect_budget.yaml", "--format", "json")
    d = json.loads(r.output)
    assert d["summary"] == {"files": 1, "errors": 2, "warnings": 0}
    assert [x["line"] for x in d["diagnostics"]] == [4, 5]
    assert d["diagnostics"][1]["message"] == "model macs is 416,520, over the budget of 400,000"


def test_globs_and_directories(monkeypatch):
    monkeypatch.chdir(ROOT)
    r = check("specs/lenet*.yaml", "specs/vgg16.yaml")
    assert r.output.splitlines()[-1] == "3 files checked: 0 errors, 0 warnings"
    assert check("nowhere/*.yaml").exit_code == 2
    assert check().exit_code == 2


def test_model_reports_problems_the_same_way(monkeypatch):
    monkeypatch.chdir(ROOT)
    r = CliRunner().invoke(main, ["model", "tests/broken/pool_to_nothing.yaml"])
    assert r.exit_code == 1
    assert r.output.startswith("tests/broken/pool_to_nothing.yaml:7:5: error [CS201] pool4:")


# --- fuzzing: random and mutated specs ------------------------------------------------------

SEEDS = [p.read_bytes() for p in sorted((ROOT / "specs").glob("*.yaml"))] + [
    p.read_bytes() for p in BROKEN if p.stat().st_size < 4000]
JUNK = [b"\x00", b"\xff", b"[", b"]", b"{", b"}", b":", b"- ", b"\n", b"  ", b"&a ", b"*a",
        b"!!python/object:os.system ", b"-1", b"0", b"1e999", b"true", b"3.5", b"999999999999",
        b"$x", b"repeat: 99999999", b"\t", b"'", b'"', b"#", b"<<: ", b"~"]


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "number"]))
        i = draw(st.integers(0, len(data)))
        if op == "insert":
            data[i:i] = draw(st.sampled_from(JUNK))
        elif op == "delete":
            del data[i:i + draw(st.integers(1, 20))]
        elif op == "replace":
            data[i:i + 1] = draw(st.sampled_from(JUNK))
        else:  # change a number into another, possibly hostile, one
            nums = [m for m in re.finditer(rb"\d+", bytes(data))]
            if nums:
                m = nums[draw(st.integers(0, len(nums) - 1))]
                data[m.start():m.end()] = str(draw(st.sampled_from(
                    [0, 1, 2, 3, 7, 64, 10**6, 10**12, 2**31, 2**63]))).encode()
    return bytes(data)


def assert_clean(r):
    assert r.exit_code in (0, 1), r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exc_info
    for line in r.output.splitlines()[:-1]:
        # every problem names a line (1-based) of the file
        assert re.match(r".+:[1-9]\d*:[1-9]\d*: (error|warning) \[CS\d{3}\] ", line), line


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_specs_never_crash(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "spec.yaml"
    path.write_bytes(data)
    assert_clean(CliRunner().invoke(main, ["check", str(path)]))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_random_bytes_never_crash(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "spec.yaml"
    path.write_bytes(data)
    assert_clean(CliRunner().invoke(main, ["check", str(path)]))


def test_an_argument_too_long_for_a_file_name_is_an_inline_layer():
    name = "a" * 300  # the OS refuses it as a path (ENAMETOOLONG): not a traceback
    r = CliRunner().invoke(main, ["model", "--input", "1x28x28", f"conv2d 4 k3 name={name}",
                                  "--format", "json"], catch_exceptions=False)
    assert r.exit_code == 0 and name in r.output


def test_several_specs_to_model_is_explained():
    r = CliRunner().invoke(main, ["model", "lenet5", "vgg16"], catch_exceptions=False)
    assert r.exit_code == 1 and "takes one spec, got 2" in r.output


@pytest.mark.parametrize("value", [None, b"input: [1]", 3])
def test_analyze_refuses_what_is_not_a_spec(value):
    import cnnshape
    with pytest.raises(cnnshape.SpecError, match="a path, a zoo name or a dict"):
        cnnshape.analyze(value)


def test_an_unused_output_is_a_warning_that_strict_fails(monkeypatch):
    monkeypatch.chdir(ROOT)
    r = check("tests/broken/warnings_unused.yaml", "--strict", "--format", "json")
    assert r.exit_code == 1
    d = json.loads(r.output)
    assert [(x["code"], x["level"], x["line"], x["column"]) for x in d["diagnostics"]] == [
        ("CS304", "warning", 6, 9), ("CS304", "warning", 10, 5)]
    assert d["diagnostics"][1]["message"] == "nothing uses the output of 'conv1'"
    r = CliRunner().invoke(main, ["model", "tests/broken/warnings_unused.yaml"])
    assert r.exit_code == 0 and "warning [CS304] nothing uses the output of 'conv1'" in r.stderr


# An unreadable folder is an error (issue 12, section 5): rglob, os.walk and glob skip it
# silently, so CI passed without checking the specs inside.

def _tree(root: Path) -> Path:
    for folder in ("ok", "secret"):
        (root / folder).mkdir()
        (root / folder / "net.yaml").write_text("input: [1, 8, 8]\nlayers: [relu]\n")
    return root / "secret"


@pytest.mark.parametrize("pattern", ["{root}", "{root}/**/*.yaml", "{root}/*/*.yaml"])
def test_an_unreadable_folder_is_a_usage_error(pattern, tmp_path, monkeypatch):
    """Root reads every folder, so the refusal is the OS's answer, stood in for here."""
    import errno
    import os
    secret = _tree(tmp_path)
    scandir = os.scandir

    def refusing(path="."):
        if os.fspath(path).rstrip("/").endswith("secret"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return scandir(path)
    monkeypatch.setattr(os, "scandir", refusing)
    r = check(pattern.format(root=tmp_path))
    assert r.exit_code == 2
    assert f"cannot read {str(secret)!r}: Permission denied" in r.output


def test_an_unreadable_folder_fails_check_for_a_user_who_cannot_read_it():
    """The same as a real user: chmod 000, and check run as nobody (needs root, setpriv)."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run check as another user")
    root = Path(tempfile.mkdtemp())
    try:
        root.chmod(0o755)
        secret = _tree(root)
        (root / "ok").chmod(0o755)
        (root / "ok" / "net.yaml").chmod(0o644)
        secret.chmod(0)
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            sys.executable, "-m", "cnnshape", "check", str(root)],
                           capture_output=True, text=True, cwd=root)
        assert r.returncode == 2, r.stdout + r.stderr
        assert f"cannot read {str(secret)!r}: Permission denied" in r.stderr
    finally:
        secret.chmod(0o755)
        shutil.rmtree(root)


# --- issue 12: no RecursionError, real nesting, positions in characters ------------------

def chain_of_blocks(depth: int) -> str:
    """Block b0 uses b1, which uses b2, ... down to b<depth - 1>."""
    return ("input: [1, 8, 8]\nblocks:\n" + "".join(
        f"  b{i}: [b{i + 1}]\n" for i in range(depth - 1)) + f"  b{depth - 1}: [relu]\n"
        "layers: [b0]\n")


@pytest.mark.parametrize("depth", [245, 2450])
def test_blocks_nested_past_the_limit_are_a_located_error(tmp_path, depth):
    import cnnshape
    path = tmp_path / "deep.yaml"
    path.write_text(chain_of_blocks(depth))
    with pytest.raises(cnnshape.SpecError) as e:
        cnnshape.analyze(str(path))
    (d,) = e.value.diagnostics
    assert (d.code, d.line, d.column) == ("CS026", 102, 9)  # b99 uses b100


def test_blocks_branches_and_repeats_nest_up_to_the_limit(tmp_path):
    """100 levels work from the CLI, also when each level is a branch or a repeat."""
    from cnnshape.spec import MAX_NESTING
    path = tmp_path / "deep.yaml"
    path.write_text(chain_of_blocks(MAX_NESTING))
    r = CliRunner().invoke(main, ["model", str(path), "--format", "json"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    body = "".join(f"  b{i}: [{{add: [[b{i + 1}], []]}}]\n" if i % 2 else
                   f"  b{i}: [{{repeat: 1, layers: [b{i + 1}]}}]\n"
                   for i in range(MAX_NESTING // 2 - 1))
    path.write_text(f"input: [1, 8, 8]\nblocks:\n{body}  b{MAX_NESTING // 2 - 1}: [relu]\n"
                    "layers: [b0]\n")
    r = CliRunner().invoke(main, ["model", str(path), "--format", "json"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("layer", ["conv2d 4 k99999", "conv2d 4 k3x99999", "conv2d 4 99999",
                                   "conv2d 4 kernel_size=3,99999"])
def test_an_inline_number_too_long_for_int_is_cs105(layer):
    digits = "9" * 5000
    r = CliRunner().invoke(main, ["model", "--input", "1x8x8", layer.replace("99999", digits)],
                           catch_exceptions=False)
    assert r.exit_code == 1
    assert "error [CS105]" in r.output and "a number with 5,000 digits" in r.output


def test_outputs_names_what_the_network_returns_beside_its_last_layer(tmp_path):
    """outputs: takes a layer or a block use (its last layer); those are no CS304, an
    unknown name is CS028 at its place, with the nearest name."""
    spec = tmp_path / "net.yaml"
    body = ("input: [3, 16, 16]\nblocks:\n  side:\n    layers: [conv2d 4 k1, relu]\n"
            "layers:\n  - conv2d 8 k3 p1 name=trunk\n  - side name=aux\n"
            "  - conv2d 2 k1 inputs=trunk name=head\n  - conv2d 2 k1 inputs=trunk name=mask\n"
            "  - add inputs=head,mask\n")
    spec.write_text(body)
    r = CliRunner().invoke(main, ["check", "--strict", str(spec)])
    assert r.exit_code == 1 and "CS304" in r.output and "aux" in r.output
    spec.write_text(body + "outputs: [aux]\n")
    r = CliRunner().invoke(main, ["check", "--strict", str(spec)])
    assert r.exit_code == 0, r.output
    spec.write_text(body + "outputs: [aux.relu1]\n")
    assert CliRunner().invoke(main, ["check", "--strict", str(spec)]).exit_code == 0
    spec.write_text(body + "outputs: [aux, hed]\n")
    r = CliRunner().invoke(main, ["check", str(spec)])
    assert r.exit_code == 1
    assert ":11:16: error [CS028] outputs: no layer is named 'hed' (did you mean 'head'" in \
        r.output, r.output
    spec.write_text(body + "outputs: aux\n")
    r = CliRunner().invoke(main, ["check", str(spec)])
    assert "error [CS028] outputs: must be a list of layer names" in r.output
