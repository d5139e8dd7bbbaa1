"""cnnshape.spec.inline: the layer-string grammar, read without YAML or an expander."""
import pytest

from cnnshape.spec.inline import (RESERVED, SHORTHAND, HugeNumber, InlineError, parse_inline,
                                  scalar)


def test_a_layer_string_gives_its_kind_fields_and_extras():
    assert parse_inline("conv2d 32 k5 s2 padding=same name=c1 inputs=a,b") == (
        "conv2d", {"$positional": [32], "kernel_size": 5, "stride": 2, "padding": "same"},
        {"name": "c1", "inputs": ["a", "b"]})


def test_shorthand_takes_one_value_per_axis():
    assert parse_inline("maxpool2d k3x5 p1,2 d2")[1] == {
        "kernel_size": [3, 5], "padding": [1, 2], "dilation": 2}


@pytest.mark.parametrize("token", ["s1a", "k3_reduce", "kx", "k", "p-1"])
def test_a_name_that_starts_like_a_shorthand_is_a_bare_value(token):
    assert not SHORTHAND.fullmatch(token)
    assert parse_inline(f"block {token}")[1] == {"$positional": [token]}


@pytest.mark.parametrize("token, value", [
    ("3", 3), ("-3", -3), ("3x5", [3, 5]), ("1,2", [1, 2]), ("0.5", 0.5), ("1e-3", 1e-3),
    ("TRUE", True), ("off", False), ("none", None), ("~", None), ("same", "same"),
    ("a,,b", ["a", "b"]),
])
def test_scalar_reads_values_as_yaml_would(token, value):
    assert scalar(token) == value


def test_scalar_refuses_numbers_longer_than_int_reads():
    with pytest.raises(HugeNumber) as e:
        scalar("9" * 500)
    assert e.value.args == (500,)


@pytest.mark.parametrize("text, code, message", [
    ("   ", "CS016", "an empty layer string"),
    ("conv2d k3 kernel_size=3", "CS016", "kernel_size is given twice in 'conv2d k3 "
                                         "kernel_size=3'"),
    ("conv2d name=a name=b", "CS016", "name is given twice"),
    ("conv2d 4 k" + "9" * 200, "CS105", "kernel_size: a number with 200 digits"),
    ("myblock " + "9" * 200, "CS105", "myblock: a number with 200 digits"),
])
def test_what_cannot_be_read_is_an_inline_error(text, code, message):
    with pytest.raises(InlineError) as e:
        parse_inline(text)
    assert e.value.code == code and e.value.message.startswith(message)


def test_the_reserved_keys_are_the_extras_and_type():
    assert set(RESERVED) == {"type", "name", "inputs", "expect", "note"}
    _, fields, extra = parse_inline("relu name=r expect=1x8x8 inputs=previous note=why")
    assert fields == {} and set(extra) == set(RESERVED) - {"type"}
