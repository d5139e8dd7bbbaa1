"""The JSON Schema that `cnnshape schema` prints agrees with the loader.

Editors and CI validate specs with generic validators (check-jsonschema, ajv, the
YAML language server).  The schema must accept every spec cnnshape accepts, catch
what it can see (misspelt types and fields, inline strings included), and make the
validator's first error name the fault.
"""
import json
import re
import subprocess
import sys
from dataclasses import fields
from functools import cache
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnshape
from cnnshape.cli import main
from cnnshape.diagnostics import SpecError
from cnnshape.layers import all_kinds
from cnnshape.spec import load_spec

jsonschema = pytest.importorskip("jsonschema", reason="pip install '.[test]'")

ROOT = Path(__file__).parent.parent
#: generic validators expand YAML aliases and never finish on these
ALIAS_BOMBS = {"alias_bomb.yaml", "alias_bomb_outside_layers.yaml"}


@cache
def _schema_text() -> str:
    r = CliRunner().invoke(main, ["schema"], catch_exceptions=False)
    assert r.exit_code == 0
    return r.output


@cache
def _validator():
    schema = json.loads(_schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(spec) -> list:
    """The errors in the order a validator reports them (check-jsonschema prints this one)."""
    return list(_validator().iter_errors(spec))


def _cnnshape_accepts(spec) -> bool:
    """Whether the loader takes the spec: every layer built from its fields (no shapes)."""
    try:
        load_spec(spec)
    except SpecError:
        return False
    return True


def _spec_texts() -> dict[str, str]:
    texts = {p.name: p.read_text() for p in sorted((ROOT / "specs").glob("*.yaml"))}
    texts.update({f"docs/{p.name}": p.read_text()
                  for p in sorted((ROOT / "docs").glob("*.yaml"))})
    doc = (ROOT / "docs" / "spec.md").read_text()
    texts.update({f"spec.md#{i}": t for i, t in
                  enumerate(re.findall(r"```yaml\n(.*?)```", doc, re.S))})
    return texts


def _accepted_broken() -> list[Path]:
    """Broken-corpus files cnnshape accepts (with warnings): the schema must, too."""
    out = []
    for p in sorted((ROOT / "tests" / "broken").glob("*.yaml")):
        if p.name not in ALIAS_BOMBS and _cnnshape_accepts(str(p)):
            out.append(p)
    return out


@pytest.mark.parametrize("name,text", sorted(_spec_texts().items()))
def test_schema_accepts_every_zoo_and_documented_spec(name, text):
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}"
              for e in _validator().iter_errors(yaml.safe_load(text))]
    assert errors == []


@pytest.mark.parametrize("path", _accepted_broken(), ids=lambda p: p.name)
def test_schema_accepts_what_cnnshape_accepts_in_the_broken_corpus(path):
    assert [e.message for e in _errors(yaml.safe_load(path.read_text()))] == []


# The typos: (layer, where the first error points, what it says)
TYPOS = {
    "inline type": ("maxpol2d 2", [], ["'maxpol2d 2' does not match", "|maxpool2d|"]),
    "inline field": ("conv2d 16 k3 strid=2", [],
                     ["'conv2d 16 k3 strid=2' does not match",
                      "(?:out_channels|kernel_size|stride|padding|"]),
    "block never defined": ("myblok 16", [], ["'myblok 16' does not match", "|conv2d|"]),
    "per-axis length": ({"zeropad1d": {"padding": [1, 2]}}, ["zeropad1d", "padding"],
                        ["[1, 2] is too long"]),
    "padding word": ({"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": "sam"},
                     ["padding"], ["'sam' does not match", "[Ss][Aa][Mm][Ee]"]),
    "keyed field": ({"linear": {"out_feature": 10}}, ["linear"],
                    ["Additional properties are not allowed ('out_feature' was unexpected)"]),
}


@pytest.mark.parametrize("fault", TYPOS)
def test_first_error_names_the_fault(fault):
    layer, path, says = TYPOS[fault]
    spec = {"input": [1, 28], "layers": [layer]}
    errors = _errors(spec)
    assert errors, fault
    assert list(errors[0].absolute_path) == ["layers", 0, *path]
    for words in says:
        assert words in errors[0].message
    assert len(errors) <= 2  # not a hundred: the schema dispatches on the layer type first
    assert not _cnnshape_accepts(spec)  # and cnnshape agrees


@pytest.mark.parametrize("fault,layer", [
    ("misspelt field", {"type": "conv2d", "out_channels": 4, "kernal_size": 3}),
    ("unknown type", {"type": "maxpol2d", "kernel_size": 2}),
    ("bool for an int", {"type": "conv2d", "out_channels": True, "kernel_size": 3}),
    ("float for an int", {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "stride": 1.5}),
    ("missing field", {"type": "conv2d", "out_channels": 4}),
    ("negative padding", {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": -1}),
    ("misspelt keyed field", {"conv2d": {"out_channels": 4, "kernal_size": 3}}),
    ("unknown keyed type", {"maxpol2d": {"kernel_size": 2}}),
    ("keyed value without its required fields", {"conv2d": 16}),
    ("per-axis list too short", {"type": "conv2d", "out_channels": 4, "kernel_size": [3]}),
    ("per-axis pair of three", {"conv2d": {"out_channels": 4, "kernel_size": 3,
                                           "padding": [[1, 2, 3], 1]}}),
    ("zero repeat", {"repeat": 0, "layers": ["relu"]}),
    ("one branch", {"concat": [["relu"]]}),
    ("only a name", {"name": "x"}),
    ("a number", 3),
    ("inline: missing required field", "conv2d 16"),
    ("inline: shorthand of a field the type lacks", "linear 10 k3"),
    ("inline: bad padding word", "conv2d 16 k3 padding=sam"),
    ("inline: per-axis length", "zeropad1d padding=1x2"),
    ("inline: two bare values", "maxpool2d 2 3"),
    ("inline: bare value without a main field", "relu 3"),
    ("inline: not a boolean", "conv2d 16 k3 bias=maybe"),
    ("inline: a fraction for an int", "conv2d 16 k3 s1.5"),
    ("inline: empty", " "),
    ("a parameter outside blocks", "$layer 3"),
])
def test_schema_rejects_what_the_editor_can_see(fault, layer):
    spec = {"input": [1, 28, 28], "layers": [layer]}
    assert _errors(spec), fault
    assert not _cnnshape_accepts(spec)  # and cnnshape agrees


@pytest.mark.parametrize("spec", [
    {"input": [1, 28, 28], "layers": ["relu"], "expect": {"params": -1}},
    {"input": [1, 28, 28], "layers": ["relu"], "expect": {"max_param": 5}},
    {"input": [1, 28, 28], "layers": ["relu"], "inptu": 1},
    {"input": [0, 28, 28], "layers": ["relu"]},
    {"input": [1, 28, 28], "layers": []},
    {"input": [1, 28, 28], "layers": ["relu"], "blocks": {"conv2d": ["relu"]}},
])
def test_schema_rejects_bad_top_level_keys(spec):
    assert _errors(spec)
    assert not _cnnshape_accepts(spec)


@pytest.mark.parametrize("layer", [
    "conv2d 16 k3 padding=SAME",         # modes are read in any case
    "conv2d 16 k3 bias=yes",             # YAML 1.1's words for booleans
    "conv2d 8 k3x5 p1x2 s1,2 d1 g1 name=c1",
    "conv2d 8 k3 padding=1x2,0x1",       # a [begin, end] pair per axis
    "zeropad1d padding=1x2,",            # one pair for the one axis
    "zeropad2d 1", "maxpool2d 2 stride=none", "dropout 0.5", "upsample 2", "lrn 3",
    "avgpool2d 3 s1 p1 ceil_mode=true count_include_pad=false",
    "softmax dim=-1", "leaky_relu negative_slope=0.2", "batchnorm eps=1e-5",
    "linear 10 in_features=4 expect=10", "  relu  ",
    {"conv2d": {"out_channels": 4, "kernel_size": 3, "padding": [[1, 2], 0]}},
    {"maxpool2d": 2}, {"relu": None}, {"relu": {"name": "r"}, "expect": "1x28x28"},
    {"concat": {"dim": 0}, "inputs": ["input", "input"]},
    {"add": [None, ["relu"]]}, {"add": ["relu", {"relu": None}]},
])
def test_schema_accepts_the_forms_cnnshape_accepts(layer):
    spec = {"input": [1, 28, 28], "layers": [layer]}
    assert _cnnshape_accepts(spec)
    assert [e.message for e in _errors(spec)] == []


YAML_11_BOOL = "input: [1, 8, 8]\nlayers:\n  - conv2d: {out_channels: 4, kernel_size: 3, bias: yes}\n"


def test_yaml_1_1_booleans_pass_readers_of_yaml_1_2(tmp_path):
    """PyYAML reads yes as true; check-jsonschema and the language server read a string."""
    (tmp_path / "yes.yaml").write_text(YAML_11_BOOL)
    assert _cnnshape_accepts(str(tmp_path / "yes.yaml"))
    spec = yaml.safe_load(YAML_11_BOOL)
    spec["layers"][0]["conv2d"]["bias"] = "yes"
    assert [e.message for e in _errors(spec)] == []


def test_a_spec_with_blocks_may_use_their_names_and_parameters():
    """A static schema cannot read blocks:, so with blocks any identifier is accepted."""
    spec = {"input": [3, 32, 32],
            "blocks": {"unit": {"params": ["out", {"k": 3}, {"t": "relu"}],
                                "layers": ["conv2d $out k$k padding=$k",
                                           {"type": "conv2d", "out_channels": "$out",
                                            "kernel_size": ["$k", 1]},
                                           {"type": "$t"}, "$t", {"repeat": "$k",
                                                                  "layers": ["relu"]}]}},
            "layers": ["unit 8", {"unit": {"out": 4, "k": 1}}, "unit 4 k=1 name=u"]}
    assert _cnnshape_accepts(spec)
    assert [e.message for e in _errors(spec)] == []
    # still checked: fields of known types, and layer types in type:
    spec["layers"].append("conv2d 8 k3 strid=2")
    spec["layers"].append({"type": "maxpol2d"})
    assert [list(e.absolute_path) for e in _errors(spec)] == [["layers", 3], ["layers", 4, "type"]]


def _misspellings(word: str) -> list[str]:
    return [word[:-1], word + "s", word[0] * 2 + word[1:], word.replace("_", "")]


FIELDS = [(name, f.name) for name, cls in sorted(all_kinds().items()) for f in fields(cls)]


@pytest.mark.parametrize("kind,field", FIELDS, ids=[f"{k}.{f}" for k, f in FIELDS])
def test_every_misspelt_field_is_refused_in_every_form(kind, field):
    known = {f.name for f in fields(all_kinds()[kind])} | {"name", "inputs", "expect", "type"}
    for typo in set(_misspellings(field)) - known - {""}:
        for layer in (f"{kind} {typo}=1", {"type": kind, typo: 1}, {kind: {typo: 1}}):
            spec = {"input": [1, 8, 8], "layers": [layer]}
            errors = _errors(spec)
            assert errors, layer
            assert typo in errors[0].message, (layer, errors[0].message)
            assert not _cnnshape_accepts(spec)


VALUES = ["1", "2", "0", "-1", "3x3", "2x2x2", "1x2", "1,2", "1,", "1x2,", "1x2,3x4", "same",
          "SAME", "valid", "full", "sam", "true", "False", "yes", "0.5", ".5", "none", "abc",
          "1e3", "007", "$x"]


@st.composite
def inline_layers(draw):
    kind = draw(st.sampled_from(sorted(all_kinds())))
    names = [f.name for f in fields(all_kinds()[kind])] + ["name", "inputs", "nmae"]
    tokens = draw(st.lists(st.one_of(
        st.builds("{}={}".format, st.sampled_from(names), st.sampled_from(VALUES)),
        st.builds("{}{}".format, st.sampled_from("ksdpgx"), st.sampled_from(VALUES)),
        st.sampled_from(VALUES)), max_size=4))
    return " ".join([kind, *tokens])


@settings(max_examples=400, deadline=None)
@given(inline_layers())
def test_schema_accepts_every_inline_layer_cnnshape_accepts(text):
    """No false positives: what the loader builds, the schema lets through."""
    spec = {"input": [1, 8, 8], "layers": [text]}
    if _cnnshape_accepts(spec):
        assert [e.message[:300] for e in _errors(spec)] == []


def test_every_inline_layer_of_the_zoo_and_docs_passes_alone():
    """Each inline string, on its own, passes (blocks' bodies with their parameters)."""
    seen = set()

    def walk(node, with_blocks):
        if isinstance(node, str):
            seen.add((node, with_blocks))
        elif isinstance(node, dict):
            for k, v in node.items():
                if k != "type":  # {type: conv2d} is no inline layer
                    walk(v, with_blocks)
        elif isinstance(node, list):
            for v in node:
                walk(v, with_blocks)
    for text in _spec_texts().values():
        data = yaml.safe_load(text)
        walk(data["layers"], "blocks" in data)
        walk(data.get("blocks") or {}, True)
    inline = {(s, b) for s, b in seen if s.split() and s.split()[0] in all_kinds()}
    assert len(inline) > 50  # the zoo and docs write most layers inline
    for text, with_blocks in sorted(inline):
        spec = {"input": [1, 8, 8], "layers": [text], **({"blocks": {}} if with_blocks else {})}
        assert [e.message for e in _errors(spec)] == [], text


# --- the validator people run ---------------------------------------------------

def _check_jsonschema(tmp_path, paths):
    pytest.importorskip("check_jsonschema", reason="pip install '.[test]'")
    schema = tmp_path / "cnnshape.schema.json"
    schema.write_text(_schema_text())
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile",
                           str(schema), *map(str, paths)], capture_output=True, text=True,
                          timeout=300)


def test_check_jsonschema_accepts_the_zoo_the_docs_and_what_cnnshape_accepts(tmp_path):
    paths = [*sorted((ROOT / "specs").glob("*.yaml")), *sorted((ROOT / "docs").glob("*.yaml")),
             *_accepted_broken()]
    (tmp_path / "yes.yaml").write_text(YAML_11_BOOL)
    paths.append(tmp_path / "yes.yaml")
    doc = (ROOT / "docs" / "spec.md").read_text()
    for i, text in enumerate(re.findall(r"```yaml\n(.*?)```", doc, re.S)):
        (tmp_path / f"spec_md_{i}.yaml").write_text(text)
        paths.append(tmp_path / f"spec_md_{i}.yaml")
    r = _check_jsonschema(tmp_path, paths)
    assert (r.returncode, r.stderr) == (0, ""), r.stdout
    assert "ok -- validation done" in r.stdout


def test_check_jsonschema_names_each_typo_first(tmp_path):
    paths = []
    for fault, (layer, _, _) in TYPOS.items():
        path = tmp_path / (fault.replace(" ", "_") + ".yaml")
        path.write_text(yaml.safe_dump({"input": [1, 28], "layers": [layer]}))
        paths.append(path)
    r = _check_jsonschema(tmp_path, paths)
    assert r.returncode == 1
    first = {}
    for line in r.stdout.splitlines():
        name, sep, rest = line.strip().partition("::")
        if sep:
            first.setdefault(Path(name).stem, rest)
    for fault, (layer, path, says) in TYPOS.items():
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                        for p in ["layers", 0, *path])
        line = first[fault.replace(" ", "_")]
        assert line.startswith(f"${where}: "), line
        for words in says:
            assert words.replace("\\", "\\\\") in line, line
    assert len(r.stdout.splitlines()) <= 3 * len(TYPOS)  # a line or two each, not a hundred
