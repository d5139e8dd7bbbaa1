"""Channel split and chunk with named parts (issue 13): shapes against torch.split and
torch.chunk, reading parts as name.0, blocks and repeats, counts, rows in every renderer."""
import json
import random

import pytest
from click.testing import CliRunner

import cnnshape
from cnnshape.cli import main
from cnnshape.layers import Problem, Problems, all_kinds

REGISTRY = all_kinds()


def model(layers, input_shape=(116, 28, 28), **spec):
    return cnnshape.analyze({"input": list(input_shape), "layers": layers, **spec})


def errors(layers, input_shape=(8, 4, 4), **spec):
    with pytest.raises(cnnshape.SpecError) as e:
        model(layers, input_shape, **spec)
    return [(d.code, d.message) for d in e.value.diagnostics if d.level == "error"]


# --- against torch -------------------------------------------------------------------

def _configs(n=1500):
    rng = random.Random(13)
    for _ in range(n):
        rank = rng.randint(1, 4)
        x = tuple(rng.randint(1, 12) for _ in range(rank))
        dim = rng.randint(-rank - 1, rank)  # sometimes out of range: both must refuse
        if rng.random() < 0.5:
            yield "chunk", {"chunks": rng.randint(1, 14), "dim": dim}, x
        elif rng.random() < 0.5:
            yield "split", {"split_size_or_sections": rng.randint(1, 14), "dim": dim}, x
        else:
            parts = [rng.randint(1, 6) for _ in range(rng.randint(1, 4))]
            yield "split", {"split_size_or_sections": parts, "dim": dim}, x


def test_parts_match_torch_split_and_chunk():
    torch = pytest.importorskip("torch", reason="torch absent: pip install '.[conformance]'")
    checked = refused = 0
    for kind, fields, x in _configs():
        z = torch.zeros((2, *x))  # a batch: torch's dim counts it, ours does not
        dim = fields["dim"] + 1 if fields["dim"] >= 0 else fields["dim"]
        try:
            if kind == "chunk":
                want = [tuple(t.shape[1:]) for t in torch.chunk(z, fields["chunks"], dim)]
            else:
                want = [tuple(t.shape[1:])
                        for t in torch.split(z, fields["split_size_or_sections"], dim)]
            if fields["dim"] == -len(x) - 1:
                want = None  # torch's -rank-1 is the batch axis; a sample has none
        except (RuntimeError, IndexError):
            want = None
        try:
            got = list(REGISTRY[kind].build(dict(fields)).output_shape(x))
        except (Problem, Problems):
            got = None
        assert got == want, (kind, fields, x)
        checked += got is not None
        refused += got is None
    assert checked > 700 and refused > 100


def test_the_shufflenet_unit_matches_torch():
    torch = pytest.importorskip("torch", reason="torch absent: pip install '.[conformance]'")
    nn = torch.nn
    branch = nn.Sequential(nn.Conv2d(58, 58, 1, bias=False), nn.BatchNorm2d(58), nn.ReLU(),
                           nn.Conv2d(58, 58, 3, padding=1, groups=58, bias=False),
                           nn.BatchNorm2d(58), nn.Conv2d(58, 58, 1, bias=False),
                           nn.BatchNorm2d(58), nn.ReLU())
    a, b = torch.zeros(1, 116, 28, 28).chunk(2, dim=1)
    want = nn.ChannelShuffle(2)(torch.cat([a, branch(b)], dim=1)).shape[1:]
    r = model(["chunk 2 name=halves", "conv2d 58 k1 bias=false inputs=halves.1", "batchnorm",
               "relu", "conv2d 58 k3 p1 g58 bias=false", "batchnorm", "conv2d 58 k1 bias=false",
               "batchnorm", "relu", "concat inputs=halves.0,previous", "channel_shuffle 2"])
    assert r.output_shape == tuple(want)
    assert r.totals.params == sum(p.numel() for p in branch.parameters())


# --- counts and rows -----------------------------------------------------------------

def test_a_split_row_lists_its_parts_and_counts_its_elements():
    r = model(["split 24,92 name=s", "conv2d 24 k1 inputs=s.0", "concat inputs=previous,s.1"])
    s = r.layers[0]
    assert s.output_shapes == ((24, 28, 28), (92, 28, 28))
    assert s.output_shape == (116, 28, 28)  # the parts together: its input
    assert (s.params, s.macs, s.connections, s.neurons) == (0, 0, 0, 116 * 28 * 28)
    assert r.layers[1].inputs == ("s.0",) and r.layers[2].inputs == ("conv1", "s.1")
    assert r.layers[2].input_shapes == ((24, 28, 28), (92, 28, 28))


def test_json_adds_output_shapes_only_to_split_rows():
    r = model(["chunk 2 name=h", "relu inputs=h.1", "concat inputs=h.0,previous"])
    rows = r.to_dict()["layers"]
    assert rows[0]["output_shape"] == [116, 28, 28]
    assert rows[0]["output_shapes"] == [[58, 28, 28], [58, 28, 28]]
    assert "output_shapes" not in rows[1] and rows[1]["inputs"] == ["h.1"]
    assert r.to_dict()["format_version"] == 1


@pytest.mark.parametrize("fmt, text", [
    ("text", "2 x [58, 28, 28]"), ("markdown", "| 2 x [58, 28, 28] |"),
    ("csv", "1,h,chunk,input,116x28x28,58x28x28 58x28x28,0,0,0,90944,0"),
])
def test_every_renderer_shows_the_parts(tmp_path, fmt, text):
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [116, 28, 28]\nlayers:\n  - chunk 2 name=h\n  - relu inputs=h.1\n"
                    "  - concat inputs=h.0,previous\n")
    r = CliRunner().invoke(main, ["model", str(spec), "--format", fmt, "--no-pager"],
                           catch_exceptions=False)
    assert r.exit_code == 0 and text in r.output


def test_unequal_parts_are_joined_with_plus():
    r = CliRunner().invoke(main, ["model", "--input", "8x4x4", "split 3 name=s",
                                  "concat inputs=s.0,s.1,s.2", "--no-pager"],
                           catch_exceptions=False)
    assert "[3, 4, 4] + [3, 4, 4] + [2, 4, 4]" in r.output


@pytest.mark.parametrize("args", [["draw", "--depth", "1"], ["draw"], ["report"]])
def test_drawings_connect_the_parts_to_the_split(tmp_path, args):
    spec = tmp_path / "s.yaml"
    spec.write_text("input: [116, 28, 28]\nblocks:\n  unit:\n    layers:\n"
                    "      - chunk 2 name=h\n      - conv2d 58 k1 inputs=h.1\n"
                    "      - concat inputs=h.0,previous\nlayers: [unit, unit]\n")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, [args[0], str(spec), "-o", str(out), *args[1:]],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    from cnnshape.render.svg import _nodes
    order, nodes = _nodes(model([{"unit": None}, {"unit": None}],
                                blocks={"unit": ["chunk 2 name=h", "conv2d 58 k1 inputs=h.1",
                                                 "concat inputs=h.0,previous"]}), None)
    assert nodes["unit1.conv1"].inputs == ["unit1.h"]
    assert nodes["unit1.concat1"].inputs == ["unit1.h", "unit1.conv1"]


# --- where parts can be named --------------------------------------------------------

def test_a_split_inside_a_block_and_a_repeat():
    unit = ["chunk 2 name=h", "conv2d 4 k1 inputs=h.1", "concat inputs=h.0,previous"]
    r = model([{"repeat": 3, "layers": ["unit"]}], (8, 4, 4), blocks={"unit": unit})
    assert r.output_shape == (8, 4, 4)
    assert [row.inputs for row in r.layers[3:6]] == [("unit1.concat1",), ("unit2.h.1",),
                                                     ("unit2.h.0", "unit2.conv1")]


def test_a_block_that_ends_in_a_split_gives_parts_and_takes_one():
    r = model(["halves", "conv2d 4 k1 inputs=halves1.1 name=c", "concat inputs=halves1.0,c",
               "first inputs=halves1.1", "concat inputs=previous,c"], (8, 4, 4),
              blocks={"halves": ["relu", "chunk 2"], "first": ["relu", "relu"]})
    assert r.output_shape == (8, 4, 4)
    by = {row.name: row for row in r.layers}
    assert by["first1.relu1"].inputs == ("halves1.chunk1.1",)
    assert by["c"].input_shapes == ((4, 4, 4),)


def test_a_part_on_a_spatial_axis_moves_the_receptive_field():
    r = model(["conv2d 4 k3 p1", "split 3 dim=1 name=s", "relu inputs=s.1"], (1, 6, 6))
    assert r.layers[1].output_shapes == ((4, 3, 6), (4, 3, 6))
    # s.1's first row is the conv's fourth: its window starts 3 rows on (padding 1 - 3)
    assert r.layers[-1].receptive_field == (3, 3) and r.layers[-1].effective_padding == (-2, 1)


def test_expect_on_a_split_is_its_whole_output():
    model([{"split": 2, "name": "s", "expect": [116, 28, 28]}, "concat inputs=s.0,s.1"])


@pytest.mark.parametrize("layers, code, message", [
    (["split 4", "relu"], "CS027", "split1 gives several outputs: name the one this layer "
                                   "reads, as split1.0 or split1.1"),
    (["split 4 name=s", {"concat": [[], ["relu"]]}], "CS027", "s gives several outputs"),
    (["split 4"], "CS027", "the network ends in split1, which gives several outputs"),
    (["relu name=r", "relu inputs=r.0"], "CS027", "r has one output: there is no 'r.0'"),
    (["relu inputs=input.0"], "CS027", "input has one output"),
    (["split 4 name=s", "concat inputs=s.0,s.2"], "CS214", "concat1: s gives 2 parts (s.0 to "
                                                           "s.1), there is no s.2"),
    (["split 3,3 name=s", "concat inputs=s.0,s.1"], "CS213", "s: split: the sections [3, 3] add "
                                                            "up to 6, but the axis has 8"),
    (["chunk 2 dim=3 name=s", "concat inputs=s.0,s.1"], "CS105", "s: chunk: dim 3 is out of "
                                                                 "range"),
    (["split 0"], "CS105", "split_size_or_sections must be a positive integer"),
    (["chunk 2 name=s", "relu inputs=s.x"], "CS021", "no earlier layer is named 's.x'"),
])
def test_faults(layers, code, message):
    got = errors(layers)
    assert got[0][0] == code and got[0][1].startswith(message), got


def test_chunk_that_gives_fewer_parts_warns():
    r = model(["chunk 4 name=c", "concat inputs=c.0,c.1,c.2"], (5, 2, 2))
    (w,) = r.warnings
    assert w.code == "CS305" and "gives 3 parts, of [2, 2, 1]" in w.message


def test_inputs_scan_reads_parts(tmp_path):
    spec = tmp_path / "s.yaml"  # s.2 exists from 7 rows on: below, the part is refused
    spec.write_text("input: [8, 9, 9]\nlayers:\n  - split 3 dim=1 name=s\n"
                    "  - conv2d 8 k1 inputs=s.2\n  - concat inputs=s.0,s.1,previous dim=1\n")
    r = CliRunner().invoke(main, ["inputs", str(spec), "--range", "1", "12", "--format",
                                  "json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    sizes = [a["input"] for a in json.loads(r.output)["sizes"]]
    assert sizes == list(range(7, 13))
