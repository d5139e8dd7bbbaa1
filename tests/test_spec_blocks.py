"""cnnshape.spec.blocks: block definitions, arguments and $substitution, on dict specs
(no YAML), looking at the expanded nodes."""
import pytest

from cnnshape.diagnostics import SpecError
from cnnshape.spec import load_spec
from cnnshape.spec.blocks import has_var

BLOCK = {"params": ["c", {"s": 1}], "layers": ["conv2d $c k3 s$s p1", "relu"]}


def expand(layers, blocks=None):
    return load_spec({"input": [3, 16, 16], "layers": layers, "blocks": blocks or {}})


def errors(layers, blocks=None):
    with pytest.raises(SpecError) as e:
        expand(layers, blocks)
    return [(d.code, d.message) for d in e.value.diagnostics]


@pytest.mark.parametrize("use", ["unit 8 2", "unit c=8 s=2", "unit 8 s2", {"unit": {"c": 8,
                                                                                   "s": 2}}])
def test_arguments_by_position_name_or_shorthand(use):
    spec = expand([use], {"unit": BLOCK})
    conv = spec.nodes[0].layer
    assert (conv.out_channels, conv.stride) == (8, (2, 2))
    assert [n.name for n in spec.nodes] == ["unit1.conv1", "unit1.relu1"]


def test_a_default_fills_a_missing_argument_and_each_use_expands_again():
    spec = expand(["unit 4", "unit 8 name=b"], {"unit": BLOCK})
    assert [n.layer.stride for n in spec.nodes[::2]] == [(1, 1), (1, 1)]
    assert [n.name for n in spec.nodes] == ["unit1.conv1", "unit1.relu1", "b.conv1",
                                           "b.relu1"]
    assert spec.nodes[2].inputs == (1,)  # the second use reads the first one's output


@pytest.mark.parametrize("layers, code, message", [
    (["unit"], "CS023", "block 'unit' needs its parameter 'c'"),
    (["unit 1 2 3"], "CS023", "block 'unit' takes 2 arguments, got 3"),
    (["unit 4 c=4"], "CS023", "block 'unit': parameter 'c' is given twice"),
    (["unit 4 x=1"], "CS023", "block 'unit' has no parameter 'x'"),
    (["conv2d $c k3"], "CS018", "unknown parameter $c"),
])
def test_argument_faults(layers, code, message):
    assert errors(layers, {"unit": BLOCK})[0][0] == code
    assert errors(layers, {"unit": BLOCK})[0][1].startswith(message)


@pytest.mark.parametrize("name, message", [
    ("conv2d", "has the name of a layer type"), ("previous", "a name the spec format "
                                                            "reserves"),
    ("inputs", "a name the spec format reserves"), ("a-b", "must be a plain identifier"),
])
def test_a_block_name_must_be_free(name, message):
    assert message in errors(["relu"], {name: ["relu"]})[0][1]


def test_a_block_that_uses_itself_is_refused():
    (code, message), = errors(["a"], {"a": ["b"], "b": ["a"]})
    assert code == "CS022" and "through a -> b -> a" in message


def test_has_var_looks_inside_lists():
    assert has_var("$c") and has_var([1, ["x$y"]]) and not has_var([1, "k"]) and not has_var(3)
