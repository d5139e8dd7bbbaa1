"""cnnshape.spec.names: layer names and what inputs: can point at (dict specs, no YAML)."""
import pytest

from cnnshape.diagnostics import SpecError
from cnnshape.spec import load_spec
from cnnshape.spec.names import Scope, suggest


def expand(layers, blocks=None):
    return load_spec({"input": [3, 16, 16], "layers": layers, "blocks": blocks or {}})


def test_names_are_counted_per_kind_and_skip_given_ones():
    spec = expand(["relu name=relu2", "relu", "relu", "conv2d 4 k1"])
    assert [n.name for n in spec.nodes] == ["relu2", "relu1", "relu3", "conv1"]


def test_inputs_by_name_dotted_path_previous_and_input():
    spec = expand(["relu name=a", "unit name=u", {"add": {"inputs": ["a", "u.mid"]}},
                   {"concat": {"inputs": ["previous", "input"]}}],
                  {"unit": ["relu name=mid", "relu"]})
    by = {n.name: n for n in spec.nodes}
    assert by["add1"].inputs == (0, 1) and by["concat1"].inputs == (3, -1)


def test_a_name_inside_a_block_sees_the_names_around_it():
    spec = expand(["relu name=outer", "unit"], {"unit": [{"add": {"inputs": ["outer",
                                                                             "input"]}}]})
    assert spec.nodes[-1].inputs == (0, 0)


@pytest.mark.parametrize("layers, message, hint", [
    (["relu name=a", {"add": {"inputs": ["b", "a"]}}], "no earlier layer is named 'b'", ""),
    (["relu name=abc", {"relu": {"inputs": "abd"}}], "no earlier layer is named 'abd'",
     "did you mean 'abc'?"),
    (["relu name=a", "relu name=a"], "the name 'a' is used twice", ""),
    (["relu name=previous"], "the name 'previous' is used twice", ""),
    (["relu name=1a"], "a layer name is a plain identifier, got '1a'", ""),
])
def test_faults(layers, message, hint):
    with pytest.raises(SpecError) as e:
        expand(layers)
    d = e.value.diagnostics[0]
    assert d.message.startswith(message) and d.hint.startswith(hint)


def test_scope_lookup_goes_outwards():
    outer = Scope("", {"a": 0}, {}, {}, -1, (), "")
    inner = Scope("b.", {"x": 1}, {}, {}, 0, (), "", outer)
    assert (inner.lookup("a"), inner.lookup("x"), outer.lookup("x")) == (0, 1, None)
    assert inner.lookup_path("c.d", {"b.c.d": 5}) == 5 and inner.visible() == ["x", "a"]


def test_suggest():
    assert suggest("conv", ["conv2d", "relu"]) == "did you mean 'conv2d'?"
    assert suggest("zzz", ["conv2d"]) == ""


def test_a_part_is_an_index_that_knows_its_part():
    from cnnshape.spec.names import Part, node_inputs
    p = Part(3, 1)
    assert p == 3 and p.part == 1 and repr(p) == "Part(3, 1)"
    assert node_inputs((2, -1)) == ((2, -1), ())
    inputs, parts = node_inputs((p, 2))
    assert inputs == (3, 2) and parts == (1, None) and type(inputs[0]) is int


def test_a_dotted_number_reads_a_part_and_a_dotted_name_a_layer():
    spec = expand(["unit name=u", "relu inputs=u.0", "relu inputs=u.s.1", "relu inputs=u.mid"],
                  {"unit": ["relu name=mid", "split 1 name=s"]})
    assert [(n.inputs, n.parts) for n in spec.nodes[2:]] == [((1,), (0,)), ((1,), (1,)),
                                                            ((0,), ())]
