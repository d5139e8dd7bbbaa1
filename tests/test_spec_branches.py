"""cnnshape.spec.branches: repeat: and concat:/add: branches, on dict specs (no YAML)."""
import pytest

from cnnshape.diagnostics import SpecError
from cnnshape.spec import MAX_LAYERS, load_spec


def expand(layers):
    return load_spec({"input": [3, 16, 16], "layers": layers})


def test_a_repeat_chains_its_body():
    spec = expand([{"repeat": 3, "layers": ["conv2d 4 k1", "relu"]}])
    assert [n.inputs for n in spec.nodes] == [(-1,), (0,), (1,), (2,), (3,), (4,)]


def test_branches_start_from_the_same_input_and_join_their_ends():
    spec = expand(["relu", {"concat": [["conv2d 4 k1"], [], "conv2d 2 k1"]}])
    names = [n.name for n in spec.nodes]
    assert names == ["relu1", "concat1.branch1.conv1", "concat1.branch3.conv1",
                     "concat1"]
    assert spec.nodes[1].inputs == spec.nodes[2].inputs == (0,)
    assert spec.nodes[3].inputs == (1, 0, 2)  # an empty path is the identity
    assert [g.name for g in spec.groups] == ["concat1"]


@pytest.mark.parametrize("layers, code", [
    ([{"repeat": 0, "layers": ["relu"]}], "CS024"),
    ([{"repeat": 2, "layers": ["relu"], "x": 1}], "CS024"),
    ([{"repeat": MAX_LAYERS, "layers": ["relu", "relu"]}], "CS017"),
    ([{"add": [["relu"]]}], "CS019"),
    ([{"add": [["relu"], 3]}], "CS016"),
])
def test_faults(layers, code):
    with pytest.raises(SpecError) as e:
        expand(layers)
    assert e.value.diagnostics[0].code == code
