"""What the importers share: telling a foreign file from a spec, the spec writer, and
`cnnshape import`'s usage errors.  Each importer has its own test file."""
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import cnnshape
from cnnshape.api import zoo_dir, zoo_names
from cnnshape.cli import main
from cnnshape.diagnostics import SpecError
from cnnshape.importers import need, sniff
from cnnshape.importers.write import dump


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("text,kind", [
    ("nc: 80\nbackbone:\n  - [-1, 1, Conv, [64, 3, 2]]\nhead:\n  - [-1, 1, Classify, [nc]]\n",
     "ultralytics"),
    ("# Ultralytics\nnc: 80\nscales:\n  n: [0.33, 0.25, 1024]\nbackbone:\n  []\n",
     "ultralytics"),
    ("input: [3, 32, 32]\nlayers:\n  - conv2d 8 k3\n", None),
    # a spec whose block happens to be called head is still a spec
    ("input: [3, 32, 32]\nhead:\n  - x\nlayers:\n  - conv2d 8 k3\n", None),
    ("  backbone: indented, so not a top-level key\n", None),
])
def test_sniff_tells_an_ultralytics_yaml_from_a_spec(tmp_path, text, kind):
    path = tmp_path / "net.yaml"
    path.write_text(text)
    assert sniff(path) == kind


def test_sniff_knows_onnx_by_its_suffix_and_nothing_else(tmp_path):
    assert sniff(tmp_path / "net.onnx") == "onnx"
    assert sniff(tmp_path / "NET.ONNX") == "onnx"
    (tmp_path / "net.txt").write_text("backbone:\nhead:\n")
    assert sniff(tmp_path / "net.txt") is None
    assert sniff(tmp_path / "missing.yaml") is None


@pytest.mark.parametrize("name", zoo_names())
def test_the_writer_gives_back_every_zoo_spec(name):
    """dump is the inverse of loading: the zoo's specs (blocks, repeats, branches, inline
    strings, explicit layers) come back as the same tree and the same numbers."""
    tree = yaml.safe_load((zoo_dir() / f"{name}.yaml").read_text())
    text = dump(tree, "a header\nof two lines")
    assert text.startswith("# a header\n# of two lines\n")
    assert yaml.safe_load(text) == tree
    assert cnnshape.analyze(yaml.safe_load(text)).to_dict()["totals"] == \
        cnnshape.analyze(name).to_dict()["totals"]


scalars = (st.integers(-10**12, 10**12) | st.booleans() | st.none()
           | st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                     max_size=12))
trees = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text("abcdefghij_", min_size=1, max_size=8), inner,
                                       max_size=4), max_leaves=25)


@given(st.dictionaries(st.sampled_from(["name", "layers", "blocks", "input", "x"]), trees,
                       min_size=1))
def test_the_writer_round_trips_any_tree(tree):
    """Strings that look like numbers, booleans or nulls, keys called layers holding
    anything, empty lists and mappings: whatever the importers put in comes back."""
    assert yaml.safe_load(dump(tree)) == tree


def test_the_writer_lays_a_spec_out_as_a_person_would():
    tree = {"name": "n", "input": [3, 64, 64],
            "blocks": {"cbs": {"params": ["c", {"k": 1}],
                               "layers": ["conv2d $c k$k bias=false", "batchnorm2d", "silu"]}},
            "layers": ["cbs 16 3", {"concat": [["cbs 8"], []]}]}
    assert dump(tree) == (
        "name: n\n"
        "input: [3, 64, 64]\n"
        "blocks:\n"
        "  cbs:\n"
        "    params: [c, {k: 1}]\n"
        "    layers:\n"
        "      - conv2d $c k$k bias=false\n"
        "      - batchnorm2d\n"
        "      - silu\n"
        "layers:\n"
        "  - cbs 16 3\n"
        "  - concat:\n"
        "      - [cbs 8]\n"
        "      - []\n")


def test_a_missing_optional_package_names_the_extra():
    with pytest.raises(SpecError) as e:
        need("no_such_package_cnnshape", "onnx", "net.onnx", "ONNX files")
    (d,) = e.value.diagnostics
    assert (d.path, d.code, d.hint) == ("net.onnx", "CS000", "pip install 'cnnshape[onnx]'")
    assert "reading ONNX files needs the no_such_package_cnnshape package" in d.message


def test_import_usage_errors(tmp_path):
    r = run("import", "torch")
    assert r.exit_code == 2 and "needs a FACTORY" in r.output
    r = run("import", str(tmp_path / "nowhere.yaml"))
    assert r.exit_code == 2 and "no such file" in r.output
    spec = tmp_path / "spec.yaml"
    spec.write_text("input: [1, 8, 8]\nlayers: [relu]\n")
    r = run("import", str(spec))
    assert r.exit_code == 2 and "a cnnshape spec needs no import" in r.output
    r = run("import", str(spec), "extra")
    assert r.exit_code == 2 and "only 'import torch' takes a FACTORY" in r.output
