"""The inline layer string: ``conv2d 32 k5 s2 padding=same name=c1`` -> kind and fields.

A grammar of its own, with no YAML and no expander: the first word is the kind (a layer
type or a block), then ``key=value``, shorthand letters (``k3`` is kernel_size=3, one
value per axis as in ``p1x2``) and bare values (the kind's primary field, or a block's
next argument).  ``scalar`` reads one value as YAML would read it, plus ``3x5`` per axis.
"""
import re

from ..arithmetic import MAX_INT
from .limits import MAX_DIGITS

SHORT = {"k": "kernel_size", "s": "stride", "p": "padding", "d": "dilation", "g": "groups"}
SHORT_OF = {v: k for k, v in SHORT.items()}
#: A shorthand is exactly a letter and a value, one per axis (k3, s2, p1x2, k3,5): a name
#: such as s1a or k3_reduce is a bare value, not a stride or a kernel.
SHORTHAND = re.compile(r"[kspdg]\d+(?:[x,]\d+)*")
#: Keys of a layer that are not its fields but say where it stands (``name=``, ``inputs=``).
EXTRA_KEYS = ("name", "inputs", "expect", "note")
#: Keys of a layer mapping that are not its fields (a block may not take these names).
RESERVED = ("type", *EXTRA_KEYS)


class InlineError(ValueError):
    """A layer string that cannot be read: ``code``, ``message`` and ``hint`` of its
    Diagnostic (the caller knows where the string stands)."""

    def __init__(self, code: str, message: str, hint: str = ""):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


class HugeNumber(ValueError):
    """An inline integer of more digits than MAX_DIGITS; args[0] is how many."""


def huge_number_message(what: str, digits: int) -> tuple[str, str]:
    """The message and hint of CS105 for a number read from text (int() refuses past
    4,300 digits; YAML's own integers get the same code where they are read)."""
    return f"{what}: a number with {digits:,} digits", f"sizes are at most {MAX_INT}"


def scalar(token: str):
    """An inline token's value: int, float, bool, null, 3x5 (per axis), 1,2 (list), or text."""
    low = token.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("null", "none", "~"):
        return None
    if re.fullmatch(r"-?\d+", token):
        if len(token.lstrip("-")) > MAX_DIGITS:  # int() refuses past 4,300 digits
            raise HugeNumber(len(token.lstrip("-")))
        return int(token)
    if re.fullmatch(r"\d+(x\d+)+", low):
        axes = low.split("x")
        longest = max(map(len, axes))
        if longest > MAX_DIGITS:
            raise HugeNumber(longest)
        return [int(v) for v in axes]
    if re.fullmatch(r"-?(\d+\.\d*|\.\d+|\d+)(e-?\d+)?", low):
        return float(token)
    if "," in token:
        return [scalar(t) for t in token.split(",") if t]
    return token


def parse_inline(text: str) -> tuple[str, dict, dict]:
    """``conv2d 32 k5 s2 padding=same`` -> (kind, fields, extra).

    Bare values are collected, in order, under ``fields["$positional"]``; ``extra`` holds
    name=, inputs= and expect=.  Raises InlineError for an empty string, a field given
    twice, or a number too long to read."""
    tokens = text.split()
    if not tokens:
        raise InlineError("CS016", "an empty layer string")
    kind, fields, extra = tokens[0], {}, {}
    for tok in tokens[1:]:
        if "=" in tok:
            key, _, value = tok.partition("=")
            target = extra if key in EXTRA_KEYS else fields
        elif SHORTHAND.fullmatch(tok):
            key, value, target = SHORT[tok[0]], tok[1:], fields
        else:  # a bare value: the primary field, or a block's next argument
            key, value, target = "$positional", tok, None
        if target is not None and key in target:  # an error, as a duplicate YAML key
            raise InlineError("CS016", f"{key} is given twice in {text!r}",
                              "give each field once")
        try:
            value = scalar(value)
        except HugeNumber as e:
            raise InlineError("CS105", *huge_number_message(
                kind if target is None else key, e.args[0])) from None
        if target is None:
            fields.setdefault("$positional", []).append(value)
        else:
            target[key] = value
    return kind, fields, extra
