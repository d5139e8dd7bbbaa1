"""cnnshape.spec.expand and layer: the walk over a spec and one layer's building, on dict
specs (no YAML): the top level, items, expectations, the input shape and size estimates."""
import pytest

from cnnshape.diagnostics import SpecError
from cnnshape.spec import MAX_LAYERS, Expander, inline_spec, load_spec


def problems(data):
    with pytest.raises(SpecError) as e:
        Expander("<t>").spec(data, None)
    return [d.code for d in e.value.diagnostics]


def test_a_layer_can_be_a_string_a_type_mapping_or_a_one_key_mapping():
    spec = load_spec({"input": [3, 8, 8], "layers": [
        "conv2d 4 k3", {"type": "conv2d", "out_channels": 4, "kernel_size": 3},
        {"conv2d": {"out_channels": 4, "kernel_size": 1}}, {"relu": None}, {"linear": 10}]})
    assert [n.layer.type_name for n in spec.nodes] == ["conv2d"] * 3 + ["relu", "linear"]
    assert spec.nodes[-1].layer.out_features == 10


@pytest.mark.parametrize("data, codes", [
    ([], ["CS010"]),
    ({"input": [3, 8, 8]}, ["CS013"]),
    ({"layers": ["relu"]}, ["CS014"]),
    ({"input": [3, 8, 8], "layers": [], "colour": 1}, ["CS011", "CS013"]),
    ({"input": [0, 8], "layers": ["relu"]}, ["CS014"]),
    ({"input": [3, 8, 8], "layers": ["relu"], "expect": {"params": -1}}, ["CS404"]),
    ({"input": [3, 8, 8], "layers": [{"relu": None, "expect": "3x0"}]}, ["CS404"]),
    ({"input": [3, 8, 8], "layers": [{"convv2d": 4}]}, ["CS101"]),
    ({"input": [3, 8, 8], "layers": ["relu 3"]}, ["CS016"]),
    ({"input": [3, 8, 8], "layers": [{"a": 1, "b": 2}]}, ["CS016"]),
    ({"input": [3, 8, 8], "layers": ["add"]}, ["CS019"]),
])
def test_faults_of_the_walk(data, codes):
    assert problems(data) == codes


def test_layer_expectations_are_collected_for_the_engine():
    spec = load_spec({"input": [3, 8, 8], "layers": [{"relu": None, "expect": "3x8x8"}],
                      "expect": {"output_shape": [3, 8, 8]}})
    assert [e[:2] for e in spec.layer_expects] == [(0, (3, 8, 8))]


def test_size_estimates_without_expanding():
    ex = Expander("<t>")
    ex.blocks = {"b": ({}, ["relu", "relu"])}
    assert ex.size(["relu", "b", {"repeat": 10, "layers": ["b"]},
                    {"add": [["relu"], ["b"]]}]) == 1 + 2 + 20 + 4
    bomb = ["relu"] * 10
    for _ in range(6):  # each level shares one list: counted once, not 10**6 times
        bomb = [{"repeat": 10, "layers": bomb}]
    assert ex.size(bomb) > MAX_LAYERS


def test_inline_spec_places_each_argument_on_its_own_line():
    with pytest.raises(SpecError) as e:
        inline_spec(["relu", "conv2d"], (3, 8, 8))
    assert (e.value.diagnostics[0].line, e.value.diagnostics[0].path) == (2, "<layer argument>")
