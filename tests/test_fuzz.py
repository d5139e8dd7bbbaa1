"""The spec fuzzer (issue 12): generated networks, hostile values, aliases and cycles.

Whatever the spec, ``cnnshape.analyze`` returns a Result or raises SpecError, and the CLI
exits 0 or 1 with located diagnostics, never a traceback. Seeded and bounded in CI; a long
run is ``CNNSHAPE_FUZZ=20000 pytest tests/test_fuzz.py`` (examples per test), and
``CNNSHAPE_HYPOTHESIS=random`` draws new ones.
"""
import dataclasses
import os
import time

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnnshape
from cnnshape.cli import main
from cnnshape.layers import all_kinds

EXAMPLES = int(os.environ.get("CNNSHAPE_FUZZ", "150"))
REGISTRY = all_kinds()
KINDS = sorted(REGISTRY)
FIELDS = {k: [f.name for f in dataclasses.fields(REGISTRY[k]) if not f.name.startswith("_")]
          for k in KINDS}
SLOW = 5.0  # seconds: any single valid question must answer well within the issue's 10 s

ints = st.sampled_from([0, 1, 2, 3, 4, 5, 7, 8, 16, 64, -1, -3, 2**31 - 1, 2**31, 2**63,
                        10**20, 10**400])
floats = st.sampled_from([0.0, 0.5, 1.5, 2.0, -2.0, 1e300, float("inf"), float("nan"), 1e-300])
words = st.sampled_from(["same", "valid", "full", "x", "", "3x3", "1:2", "$k", "nearest",
                         "true", "[/bold]", "\x1b]0;t\x07", "\x00", "é" * 3])
scalars = ints | floats | words | st.booleans() | st.none()
values = st.recursive(scalars, lambda v: st.lists(v, max_size=4) | st.dictionaries(
    st.sampled_from(["a", "kernel_size", "type", "layers"]), v, max_size=2), max_leaves=6)


@st.composite
def field_value(draw, kind):
    """Mostly plausible values, sometimes hostile ones."""
    if draw(st.integers(0, 3)) == 0:
        return draw(values)
    return draw(st.sampled_from([1, 2, 3, 8, 16, [2, 2], [1, 2, 3], "same", True, 0.5]))


@st.composite
def inline(draw):
    k = draw(st.sampled_from(KINDS))
    parts = [k]
    for _ in range(draw(st.integers(0, 3))):
        parts.append(draw(st.sampled_from(
            ["3", "16", "k3", "s2", "p1", "d2", "g2", "k3x5", "p0:1", "k" + "9" * 60,
             "k3x" + "9" * 5000, "1e400", "p=same", "bias=false", "name=a", "inputs=a,b",
             "$k", "s1a", "k3,5", "padding=1x2"])))
    return " ".join(parts)


@st.composite
def layer(draw, depth=0):
    form = draw(st.integers(0, 6 if depth < 2 else 3))
    if form == 0:
        return draw(inline())
    k = draw(st.sampled_from(KINDS))
    fields = {f: draw(field_value(k)) for f in draw(st.lists(
        st.sampled_from(FIELDS[k] + ["name", "inputs", "bogus"]), max_size=3, unique=True))}
    if form == 1:
        return {"type": k, **fields}
    if form in (2, 3):
        return {k: fields or None}
    if form == 4:
        return {"repeat": draw(st.sampled_from([1, 2, 3, 0, 10**6, "$n"])),
                "layers": draw(st.lists(layer(depth + 1), min_size=1, max_size=3))}
    merge = draw(st.sampled_from(["add", "concat"]))
    return {merge: draw(st.lists(st.lists(layer(depth + 1), max_size=3), min_size=1,
                                 max_size=3))}


@st.composite
def spec(draw):
    rank = draw(st.integers(1, 4))
    shape = [draw(st.sampled_from([1, 3, 8, 16, 32, 224])) for _ in range(rank)]
    if draw(st.integers(0, 9)) == 0:
        shape[draw(st.integers(0, rank - 1))] = draw(ints)
    layers = draw(st.lists(layer(), min_size=1, max_size=8))
    s = {"input": shape, "layers": layers}
    if draw(st.booleans()):
        body = draw(st.lists(layer(1), min_size=1, max_size=3))
        s["blocks"] = {"blk": {"params": draw(st.sampled_from([["k"], [{"k": 3}], []])),
                               "layers": body}}
        s["layers"].append(draw(st.sampled_from(["blk", "blk 3", {"blk": {"k": 2}}])))
    if draw(st.integers(0, 4)) == 0:
        s["name"] = draw(words)
    return s


@st.composite
def aliased(draw):
    """The same spec with shared nodes, so YAML writes anchors and aliases, sometimes cycles."""
    s = draw(spec())
    layers = s["layers"]
    trick = draw(st.integers(0, 4))
    if trick == 0:
        layers.append({"add": [layers, []]})            # a branch that is the list itself
    elif trick == 1:
        inner = [3]
        inner.append(inner)                             # kernel_size: &k [3, *k]
        layers.append({"type": "conv2d", "out_channels": 4, "kernel_size": inner})
    elif trick == 2:
        layers.append({"repeat": 2, "layers": [layers[0], layers[0]]})   # shared, no cycle
    elif trick == 3 and "blocks" in s:
        body = s["blocks"]["blk"]["layers"]
        body.append({"add": [body, []]})                # a block whose body contains itself
    return s


def analyze_only_spec_errors(data):
    start = time.perf_counter()
    try:
        cnnshape.analyze(data)
    except cnnshape.SpecError as e:
        assert e.diagnostics
    took = time.perf_counter() - start
    assert took < SLOW, f"{took:.1f} s"


FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])


@FUZZ
@given(spec())
def test_generated_specs_give_a_result_or_a_spec_error(data):
    analyze_only_spec_errors(data)


@FUZZ
@given(aliased())
def test_yaml_with_aliases_and_cycles_gives_a_result_or_a_spec_error(tmp_path_factory, data):
    text = yaml.dump(data, allow_unicode=True, sort_keys=False)
    path = tmp_path_factory.mktemp("fuzz") / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    analyze_only_spec_errors(path)


@settings(max_examples=max(20, EXAMPLES // 5), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(aliased(), st.sampled_from([["model"], ["model", "--format", "markdown"],
                                   ["model", "--format", "json"], ["check"], ["draw"]]))
def test_the_cli_never_shows_a_traceback(tmp_path_factory, data, command):
    text = yaml.dump(data, allow_unicode=True, sort_keys=False)
    path = tmp_path_factory.mktemp("fuzz") / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(main, [*command, str(path)])
    assert r.exit_code in (0, 1), r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exc_info
    assert "Traceback" not in r.output


@pytest.mark.parametrize("text", [
    "input: [1, 8, 8]\nlayers: &a\n- add: *a\n",
    "input: [1, 8, 8]\nlayers:\n- type: conv2d\n  out_channels: 2\n  kernel_size: &k [3, *k]\n",
    "t: &a\n- *a\ninput: [1, 8, 8]\nlayers:\n- type: *a\n",
])
def test_the_issues_alias_cycles_are_spec_errors(text, tmp_path):
    path = tmp_path / "cycle.yaml"
    path.write_text(text)
    with pytest.raises(cnnshape.SpecError):
        cnnshape.analyze(path)


def test_a_split_whose_name_is_refused_is_one_located_error():
    """Found by the long fuzz run: a split named 1 (refused, CS020) read whole by the next
    layer raised AttributeError building the CS027 hint from its missing name."""
    with pytest.raises(cnnshape.SpecError) as e:
        cnnshape.analyze({"input": [4, 8], "layers": [{"type": "chunk", "chunks": 2, "name": 1},
                                                      "relu"]})
    assert [d.code for d in e.value.diagnostics] == ["CS020"]
