"""Which input sizes a network accepts: U-Net's exact sizes, fixed in_features, speed."""
import json
import time

from click.testing import CliRunner

import cnnshape
from cnnshape.api import resolve
from cnnshape.cli import main
from cnnshape.inputs import describe, scan
from cnnshape.spec import load_spec


def test_unet_matches_the_paper():
    """Figure 1: 1x572x572 in, 2x388x388 out, 23 convolutions, copy-and-crop skips."""
    r = cnnshape.analyze("unet")
    assert r.output_shape == (2, 388, 388)
    assert sum(x.type in ("conv2d", "conv_transpose2d") for x in r.layers) == 23
    crops = [x for x in r.layers if x.type == "concat"]
    assert [x.input_shapes[1][1] for x in crops] == [64, 136, 280, 568]  # the skips
    assert [x.output_shape for x in crops] == [(1024, 56, 56), (512, 104, 104),
                                              (256, 200, 200), (128, 392, 392)]


def test_unet_accepts_572_exactly_with_output_388():
    d = json.loads(CliRunner().invoke(main, ["inputs", "unet", "--format", "json"]).output)
    sizes = {s["input"]: s for s in d["sizes"]}
    assert sizes[572] == {"input": 572, "output": [2, 388, 388], "exact": True}
    assert sizes[573]["exact"] is False and 187 not in sizes
    exact = [s["input"] for s in d["sizes"] if s["exact"]]
    assert exact == list(range(188, 2049, 16))
    assert describe(exact, 2048).startswith("16k + 12, k >= 11: 188, 204, 220")


def test_every_accepted_size_agrees_with_the_engine():
    """The scanner's answers are the engine's: accepted sizes analyse, others raise."""
    spec = load_spec(resolve("unet"))
    accepted = {a.size: a for a in scan(spec, 180, 260)[0].accepted}
    for n in range(180, 261):
        try:
            result = cnnshape.analyze("unet", input_shape=(1, n, n))
        except cnnshape.SpecError:
            assert n not in accepted
            continue
        assert accepted[n].output == result.output_shape
        assert accepted[n].exact == (not any(w.code == "CS301" for w in result.warnings))


def test_linear_weights_fix_the_input_size():
    """LeNet-5 has nn.Linear(400, 120): only inputs that give 16x5x5 fit its weights."""
    accepted = [a.size for a in scan(load_spec(resolve("lenet5")))[0].accepted]
    assert accepted == [32, 33, 34, 35]


def test_non_square_inputs_scan_each_axis():
    spec = load_spec(resolve("alexnet"), input_shape=(3, 224, 320))
    scans = scan(spec, 55, 80)
    assert [s.axis for s in scans] == [0, 1]
    for s in scans:
        accepted = {a.size for a in s.accepted}
        for n in range(55, 81):
            shape = (3, n, 320) if s.axis == 0 else (3, 224, n)
            try:
                cnnshape.analyze("alexnet", input_shape=shape)
                assert n in accepted, shape
            except cnnshape.SpecError:
                assert n not in accepted, shape


def test_resnet50_answers_in_about_a_second():
    spec = load_spec(resolve("resnet50"))
    start = time.perf_counter()
    accepted = scan(spec)[0].accepted
    elapsed = time.perf_counter() - start
    assert len(accepted) == 2048
    assert elapsed < 5  # about 1 s here; generous for a loaded CI machine


def test_crop_needs_the_skip_to_be_larger():
    spec = {"input": [4, 32, 32], "layers": [
        "conv2d 4 k3 name=small", "conv_transpose2d 4 k2 s2 name=big",
        {"type": "concat", "crop": True, "inputs": ["big", "small"]}]}
    try:
        cnnshape.analyze(spec)
    except cnnshape.SpecError as e:
        assert e.diagnostics[0].code == "CS211"
        assert "the skip [4, 30, 30] is smaller than the path [4, 60, 60]" in str(e)
    else:
        raise AssertionError("a smaller skip must be refused")


def test_a_net_without_spatial_axes_has_nothing_to_scan(tmp_path):
    path = tmp_path / "mlp.yaml"
    path.write_text("input: [784]\nlayers: [linear 10]\n")
    r = CliRunner().invoke(main, ["inputs", str(path)])
    assert r.exit_code == 1 and "no spatial axis" in r.output


def test_the_range_is_bounded():
    r = CliRunner().invoke(main, ["inputs", "lenet5", "--range", "1", "100000000"])
    assert r.exit_code == 2 and "at most 20,000 sizes" in r.output


def test_the_largest_range_is_the_one_that_answers_in_time():
    """Issue 12: 100,000 sizes of ResNet-50 took 21 s; 20,000 take about 3 s of CPU
    (benchmarks/limits.py).  The largest range allowed is accepted, one more refused."""
    from cnnshape.cli import MAX_SCAN
    assert MAX_SCAN == 20_000
    r = CliRunner().invoke(main, ["inputs", "lenet5", "--range", "1", "20001"])
    assert r.exit_code == 2 and "at most 20,000 sizes" in r.output
    r = CliRunner().invoke(main, ["inputs", "lenet5", "--range", "1", "20000"])
    assert r.exit_code == 0, r.output


def test_json_always_lists_the_axes(tmp_path):
    square = json.loads(CliRunner().invoke(main, ["inputs", "lenet5", "--range", "28", "40",
                                                  "--format", "json"]).output)
    assert square["axes"][0]["sizes"] == square["sizes"] and square["axis"] == "all"
    path = tmp_path / "wide.yaml"
    path.write_text("input: [1, 32, 40]\nlayers: [conv2d 2 k3, maxpool2d 2]\n")
    wide = json.loads(CliRunner().invoke(main, ["inputs", str(path), "--range", "8", "12",
                                                "--format", "json"]).output)
    assert [a["axis"] for a in wide["axes"]] == [1, 2] and "sizes" not in wide


class CountingNodes(list):
    """The spec's nodes, counting how many the scan walks."""
    visits = 0

    def __iter__(self):
        for node in super().__iter__():
            self.visits += 1
            yield node


def test_a_scan_stops_at_a_shape_the_rest_of_the_network_has_seen():
    """Issue 12: 'inputs resnet50 --range 1 100000' took 14.6 s (21 s here): every size
    walked all 175 nodes, memo or not.  After a few strided layers most sizes reach an
    output shape seen before, past which no earlier tensor is needed, and stop there.
    Counted, not timed: 4,000 sizes walked 700,000 nodes; now under 110,000."""
    import dataclasses
    spec = load_spec(resolve("resnet50"))
    nodes = CountingNodes(spec.nodes)
    counted = dataclasses.replace(spec, nodes=nodes)
    accepted = scan(counted, 1, 4000)[0].accepted
    assert nodes.visits < 110_000
    assert accepted == scan(spec, 1, 4000)[0].accepted  # the same answers


def test_the_shortcut_keeps_every_answer_of_a_full_walk():
    """Each accepted size and its exactness agree with the engine, on a net with skips
    (ResNet-18: the cuts are the block outputs) and one with a fixed linear layer."""
    for name, low, high in (("resnet18", 1, 90), ("alexnet", 60, 110)):
        spec = load_spec(resolve(name))
        accepted = {a.size: a for a in scan(spec, low, high)[0].accepted}
        for n in range(low, high + 1):
            try:
                result = cnnshape.analyze(name, input_shape=(3, n, n))
            except cnnshape.SpecError:
                assert n not in accepted, (name, n)
                continue
            assert accepted[n].output == result.output_shape
            assert accepted[n].exact == (not any(w.code == "CS301" for w in result.warnings))
