"""cnnshape.spec.reading: file bytes -> YAML -> positioned values, and the hostile-input
guards that run before anything walks a spec (moved here from test_check.py, plus direct
tests of parse_yaml and read_text)."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnnshape.cli import main
from cnnshape.diagnostics import SpecError
from cnnshape.spec.positions import NOWHERE, item_where, key_where, val_where, where
from cnnshape.spec.reading import check_tree, parse_yaml, read_text


def check(*args):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def codes(excinfo):
    return [(d.code, d.line, d.column) for d in excinfo.value.diagnostics]


def test_values_remember_their_1_based_positions():
    tree = parse_yaml("input: [1, 8, 8]\nlayers:\n  - conv2d 4 k3\n  - {relu: null}\n", "t")
    assert where(tree) == (1, 1)
    assert key_where(tree, "layers") == (2, 1) and val_where(tree, "input") == (1, 8)
    layers = tree["layers"]
    assert item_where(layers, 0) == (3, 5) and item_where(layers, 1) == (4, 5)
    assert key_where(layers[1], "relu") == (4, 6)


def test_plain_values_have_no_position():
    assert where({"a": 1}) == NOWHERE and key_where({"a": 1}, "a") == NOWHERE
    assert item_where([1, 2], 1) == NOWHERE


def test_aliases_share_one_built_value():
    tree = parse_yaml("a: &x [1, 2]\nb: *x\n", "t")
    assert tree["a"] is tree["b"]


@pytest.mark.parametrize("text, code, where_", [
    ("a: 1\na: 2\n", "CS005", (2, 1)),
    ("a: !!python/object:os.system x\n", "CS004", (1, 4)),
    ("a: &x {b: 1}\nc:\n  <<: *x\n", "CS004", (3, 3)),
    ("a: [1, 2\n", "CS001", (2, 1)),  # found at the end of the text
    ("a: 1\x00\n", "CS001", (1, 5)),
    ("", "CS002", (1, 1)),
    ("a: " + "9" * 200 + "\n", "CS105", (1, 4)),
    ("a: &a [1, *a]\n", "CS006", (1, 11)),
])
def test_what_yaml_cannot_hold_is_located(text, code, where_):
    with pytest.raises(SpecError) as e:
        parse_yaml(text, "t")
    assert codes(e)[0] == (code, *where_)


def test_read_text_refuses_what_is_not_utf8(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes("name: é\n".encode() + b"\xff\n")
    with pytest.raises(SpecError) as e:
        read_text(path, "s.yaml")
    assert codes(e) == [("CS001", 2, 1)]
    path.write_text("x: é\n")
    assert read_text(path, "s.yaml") == "x: é\n"


def test_check_tree_accepts_a_shared_value_that_is_no_cycle():
    shared = [3, 3]
    check_tree({"layers": [{"conv2d": {"kernel_size": shared}}, {"x": shared}]}, "<dict>")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_refused_not_read_forever():
    r = check("/dev/zero")
    assert r.exit_code == 1 and "not a regular file" in r.output


def test_an_oversized_file_is_refused(tmp_path, monkeypatch):
    import cnnshape.spec.reading
    monkeypatch.setattr(cnnshape.spec.reading, "MAX_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("input: [1, 8, 8]\nlayers:\n" + "  - relu\n" * 200)
    r = check(str(path))
    assert r.exit_code == 1 and "larger than" in r.output


def test_a_dict_spec_that_contains_itself_or_nests_deep_is_a_spec_error():
    import cnnshape
    layers = []
    layers.append({"add": layers})
    with pytest.raises(cnnshape.SpecError, match=r"\[CS006\] a value of the spec contains"):
        cnnshape.analyze({"input": [1, 8, 8], "layers": layers})
    kernel = [3]
    kernel.append(kernel)
    with pytest.raises(cnnshape.SpecError, match=r"CS006"):
        cnnshape.analyze({"input": [1, 8, 8],
                          "layers": [{"conv2d": {"out_channels": 4, "kernel_size": kernel}}]})
    deep = ["relu"]
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(cnnshape.SpecError, match=r"\[CS003\] nesting deeper than 64"):
        cnnshape.analyze({"input": [1, 8, 8], "layers": deep})


@pytest.mark.parametrize("text", [
    "name: '" + "[" * 70 + "'\ninput: [1, 8, 8]\nlayers: [relu]\n",
    "# " + "{" * 70 + "\ninput: [1, 8, 8]\nlayers: [relu]\n",
    "description: |\n" + " " * 300 + "indented text\ninput: [1, 8, 8]\nlayers: [relu]\n",
    "name: '" + "]" * 70 + "'\ninput: [1, 8, 8]\nlayers: [relu]\n",
], ids=["brackets-in-a-name", "braces-in-a-comment", "deep-block-scalar", "closing-brackets"])
def test_only_real_nesting_counts(tmp_path, text):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    r = check(str(path))
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("python_parser", [False, True], ids=["libyaml", "python"])
@pytest.mark.parametrize("body, where", [
    ("layers: " + "[" * 10_000 + "]" * 10_000, (2, 73)),
    ("layers: " + "[" * 100_000, (2, 73)),
    ("layers:\n" + "- " * 100_000 + "relu", (3, 129)),
    ("layers:\n" + "".join(" " * i + "a:\n" for i in range(2000)), (67, 65)),
    # closing brackets in a quoted name do not hide the opening ones that follow
    ("name: '" + "]" * 5000 + "'\nlayers: " + "[" * 5000, (3, 73)),
], ids=["flow", "unclosed", "compact", "indented", "hidden"])
def test_deep_real_nesting_is_refused_quickly(tmp_path, monkeypatch, body, where,
                                              python_parser):
    import time

    import cnnshape
    import cnnshape.spec.reading
    if python_parser:  # PyYAML without libyaml: its composer recurses in Python
        import yaml
        monkeypatch.setattr(cnnshape.spec.reading, "_loader", lambda: (yaml, yaml.SafeLoader))
    path = tmp_path / "deep.yaml"
    path.write_text("input: [1, 8, 8]\n" + body + "\n")
    start = time.perf_counter()
    with pytest.raises(cnnshape.SpecError) as e:
        cnnshape.analyze(str(path))
    assert time.perf_counter() - start < 5
    (d,) = e.value.diagnostics
    assert (d.code, d.line, d.column) == ("CS003", *where)


