"""Receptive fields against google-research/receptive_field's published table
(RECEPTIVE_FIELD_TABLE.md) for TF-slim nets, and hand-checked branches and fractions."""
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnnshape
from cnnshape import arithmetic as ar

RF = Path(__file__).parent / "rf"
TABLE = json.loads((RF / "expected.json").read_text())
CASES = [(net, entry["input"], layer) for net, d in TABLE.items()
         for entry in [d, *d.get("also_at", [])] for layer in entry["layers"]]


@pytest.mark.parametrize("net,shape,expected", CASES,
                         ids=[f"{n}-{s[1]}-{e['name']}" for n, s, e in CASES])
def test_tf_slim_table(net, shape, expected):
    """Every endpoint the table lists, at 224 and at 321 (where 'same' pads unevenly)."""
    layers = {r.name: r for r in cnnshape.analyze(RF / TABLE[net]["spec"],
                                                  input_shape=shape).layers}
    row = layers[expected["name"]]
    for key in ("receptive_field", "effective_stride", "effective_padding"):
        want = expected[key]
        assert list(getattr(row, key)) == (want if isinstance(want, list) else [want] * 2), key


def test_the_issues_examples():
    vgg = {r.name: r for r in cnnshape.analyze(RF / "vgg_16.yaml").layers}
    assert (vgg["pool5"].receptive_field, vgg["pool5"].effective_stride,
            vgg["pool5"].effective_padding) == ((212, 212), (32, 32), (90, 90))
    alex = {r.name: r for r in cnnshape.analyze(RF / "alexnet_v2.yaml").layers}
    assert alex["pool5"].field == ((195, 32, 64),) * 2


def rows(spec):
    return {r.name: r for r in cnnshape.analyze(spec).layers}


def test_inception_branches_merge_centred_windows():
    """1x1, 3x3 p1, 5x5 p2 and a 3x3 s1 p1 pool: P = max P_i = 2, r = max(r_i - P_i) + 2 = 5."""
    spec = {"input": [3, 32, 32], "layers": [
        {"concat": [["conv2d 8 k1"], ["conv2d 8 k3 p1"], ["conv2d 8 k5 p2"],
                    ["maxpool2d 3 s1 p1", "conv2d 8 k1"]]}]}
    assert rows(spec)["concat1"].field == ((5, 1, 2),) * 2


def test_residual_block_with_projection():
    """Main path 3x3 s2 p1 then 3x3 p1: r 7, S 2, P 3; the 1x1 s2 shortcut: r 1, S 2, P 0.
    Merged: P = 3, r = max(7 - 3, 1 - 0) + 3 = 7."""
    spec = {"input": [8, 56, 56], "layers": [
        {"add": [["conv2d 16 k3 s2 p1", "conv2d 16 k3 p1"], ["conv2d 16 k1 s2"]]}]}
    r = rows(spec)
    assert r["add1.branch1.conv2"].field == ((7, 2, 3),) * 2
    assert r["add1.branch2.conv1"].field == ((1, 2, 0),) * 2
    assert r["add1"].field == ((7, 2, 3),) * 2


def test_off_centre_paths_take_the_union_of_windows():
    """A path padded only at the start (P 2, r 3) and one centred (P 1, r 3): the union spans
    from -2 to +1 around unit 0's start: P = 2, r = max(3 - 2, 3 - 1) + 2 = 4."""
    spec = {"input": [1, 16], "layers": [
        {"concat": [[{"type": "conv1d", "out_channels": 1, "kernel_size": 3,
                      "padding": [[2, 0]]}], ["conv1d 1 k3 p1"]]}]}
    assert rows(spec)["concat1"].field == ((4, 1, 2),)


def test_misaligned_paths_warn_and_report_none():
    """Both paths give 16x16, one with stride 2 (S 2), one with a 17x17 window (S 1)."""
    spec = {"input": [1, 32, 32], "layers": [
        {"concat": [["conv2d 4 k3 s2 p1"], ["conv2d 4 k17"]]}, "conv2d 4 k1"]}
    result = cnnshape.analyze(spec)
    r = {x.name: x for x in result.layers}
    assert r["concat1"].field is None and r["conv1"].field is None
    assert r["concat1.branch1.conv1"].field == ((3, 2, 1),) * 2
    assert [w.code for w in result.warnings] == ["CS303"]


def test_whole_input_after_flatten_and_global_pool():
    r = rows({"input": [3, 32, 32], "layers": ["conv2d 4 k3", "global_avgpool", "flatten",
                                                 "linear 10"]})
    assert r["pool1"].field == "whole" and r["fc1"].field == "whole"
    d = r["fc1"].to_dict()
    assert (d["receptive_field"], d["effective_stride"], d["effective_padding"]) == (
        "whole", None, None)


def test_transposed_and_upsampling_give_exact_fractions():
    r = rows({"input": [3, 64, 64], "layers": ["conv2d 8 k3 s4 p1", "conv_transpose2d 4 k2 s2",
                                                "upsample 2"]})
    assert r["deconv1"].effective_stride == (2, 2)
    assert r["upsample1"].effective_stride == (1, 1)
    r = rows({"input": [3, 64, 64], "layers": ["conv_transpose2d 4 k3 s3", "upsample 2"]})
    assert r["upsample1"].effective_stride == (Fraction(1, 6),) * 2
    d = r["upsample1"].to_dict()
    assert d["effective_stride"] == ["1/6", "1/6"]


@given(st.lists(st.tuples(st.integers(1, 7), st.integers(1, 3), st.integers(0, 3),
                          st.integers(1, 2)), min_size=1, max_size=6))
def test_forward_composition_equals_the_papers_walk_back(layers):
    """Forward, as cnnshape composes, equals Araujo et al.'s recursion from the output
    (r = 1, S = 1, P = 0; r_in = s*r_out + d(k-1)+1 - s, S_in = s*S_out, P_in = s*P_out + p)."""
    r, s_, p = 1, 1, 0
    for k, s, pad, d in layers:
        r, s_, p = ar.rf_window(r, s_, p, k, s, pad, d)
    back_r, back_s, back_p = 1, 1, 0
    for k, s, pad, d in reversed(layers):
        back_r = s * back_r + (d * (k - 1) + 1) - s
        back_p = s * back_p + pad
        back_s = s * back_s
    assert (r, s_, p) == (back_r, back_s, back_p)


# --- issue 13: every new kind passes the field on, or says why not ----------------------------

def test_a_channel_gate_sees_the_whole_map():
    """Squeeze-and-excitation: the gate pools the whole map, so every gated unit depends on
    all of it, as after global pooling."""
    r = rows({"input": [16, 32, 32], "layers": ["conv2d 16 k3 p1", {"mul": [
        [], ["adaptive_avgpool2d 1", "conv2d 4 k1", "relu", "conv2d 16 k1", "sigmoid"]]}]})
    assert r["conv1"].field == ((3, 1, 1),) * 2
    assert r["mul1"].field == "whole"


def test_a_convnext_block_keeps_the_depthwise_field():
    """permute to channels-last, layernorm and linear over the channels, permute back,
    layer scale, drop path, residual: only the 7x7 depthwise conv widens the field."""
    r = rows({"input": [96, 56, 56], "layers": [{"add": [[], [
        "conv2d 96 k7 p3 g96", "permute 1,2,0", "layernorm 96", "linear 384 in_features=96",
        "gelu", "linear 96 in_features=384", "permute 2,0,1", "layer_scale",
        "stochastic_depth 0.1"]]}]})
    for name in ("conv1", "permute1", "ln1", "fc1", "fc2", "permute2", "layer_scale1",
                 "drop_path1"):
        assert r[f"add1.branch2.{name}"].field == ((7, 1, 3),) * 2, name
    assert r["add1"].field == ((7, 1, 3),) * 2


def test_norms_pooling_the_map_make_the_field_whole():
    """GroupNorm and InstanceNorm take mean and variance over the whole map; LayerNorm2d
    only over the channels at each place."""
    for norm, whole in (("groupnorm 4", True), ("instancenorm2d", True), ("layernorm2d", False),
                        ("layernorm 8x8", True), ("batchnorm", False)):
        r = rows({"input": [8, 8, 8], "layers": ["conv2d 8 k3 p1", norm]})
        assert (r[list(r)[-1]].field == "whole") == whole, norm


def test_pixel_shuffle_is_an_upsampling_and_unshuffle_a_window():
    r = rows({"input": [16, 16, 16], "layers": ["conv2d 16 k3 s2 p1", "pixel_shuffle 2",
                                                 "pixel_unshuffle 2"]})
    assert r["pixel_shuffle1"].effective_stride == (1, 1)
    assert r["pixel_shuffle1"].receptive_field == (3, 3)
    # after the shuffle S = 1, P = 1 + (2 - 1)*2/4; the 2x2 gather: r + (2 - 1)*1, 1*2, P
    assert r["pixel_unshuffle1"].field == ((4, 2, Fraction(3, 2)),) * 2


def test_rearrangements_keep_define_or_drop_the_field():
    r = rows({"input": [4, 8, 8], "layers": ["conv2d 4 k3 p1", "channel_shuffle 2",
                                               "permute 0,2,1", "reshape -1"]})
    assert r["channel_shuffle1"].field == ((3, 1, 1),) * 2
    assert r["permute1"].field is None  # H and W swapped: not a channels rotation
    r = rows({"input": [4, 8, 8], "layers": ["conv2d 4 k3 p1", "reshape -1",
                                               "unflatten dim=0 unflattened_size=4,8,8"]})
    assert r["reshape1"].field == "whole" and r["unflatten1"].field == "whole"
