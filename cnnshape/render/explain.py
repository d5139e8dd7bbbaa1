"""Plain text: the one-line answer and the step-by-step --explain for learners."""

from ..report import AXIS_NAMES, UNIT_NAMES


def dims(values) -> str:
    return "x".join(str(v) for v in values)


def size(values, collapse: bool) -> str:
    """``63`` for a square answer asked with one number, else ``478x636``."""
    return str(values[0]) if collapse and len(set(values)) == 1 else dims(values)


def plain(report, collapse: bool = False) -> str:
    """The answer alone: ``63``, ``478x636``, or the shape ``32x24x24`` when channels are known."""
    if report.output_shape is not None:
        return dims(report.output_shape)
    return size(report.output_size, collapse)


def _decimal(num: int, den: int) -> str:
    """num / den in decimals: exact where it ends within 4 places (213 / 4 = 53.25), else cut"""
    whole, rest = divmod(num, den)
    digits = ""
    for _ in range(4):
        if not rest:
            break
        d, rest = divmod(rest * 10, den)
        digits += str(d)
    return f"{whole}.{digits}" + ("..." if rest else "")


def _runs(runs, most: int = 6) -> str:
    def say(a, b):
        return str(a) if a == b else f"{a}-{b}"
    if len(runs) > most:
        # only the five shown are formatted: an axis can have two million runs
        text = [say(*r) for r in runs[:3]] + ["..."] + [say(*r) for r in runs[-2:]]
        return ", ".join(text) + f" ({len(runs)} runs)"
    return ", ".join(say(*r) for r in runs)


def _axis(a, names: tuple[str, ...]) -> list[str]:
    """The derivation for one axis, or for several identical ones (``names``)."""
    unit = " and ".join(UNIT_NAMES[n] for n in names)
    one = " and ".join(UNIT_NAMES[n][:-1] for n in names)
    lines = [f"{' and '.join(names)} (W = {a.size}, F = {a.kernel}, S = {a.stride}"
             + (f", D = {a.dilation}" if a.dilation != 1 else "") + ")"]
    if a.padding_mode == "same":
        lines.append(f"  padding 'same' (TF/Keras/ONNX SAME_UPPER): out = ceil(W / S) = "
                     f"ceil({a.size} / {a.stride}) = {a.out}; total padding "
                     f"{a.pad_begin + a.pad_end}, {a.pad_begin} before and {a.pad_end} after")
    elif a.padding_mode == "full":
        lines.append(f"  padding 'full': D*(F-1) = {a.pad_begin} on each side")
    if a.transposed:
        lines += [
            "  N = (W - 1)*S - P_begin - P_end + D*(F - 1) + output_padding + 1",
            f"    = ({a.size} - 1)*{a.stride} - {a.pad_begin} - {a.pad_end} + "
            f"{a.dilation}*({a.kernel} - 1) + {a.output_padding} + 1",
            f"    = {a.out}"]
        return lines
    rnd, op = ("ceil", "rounded up") if a.ceil_mode else ("floor", "rounded down")
    if a.dilation == 1 and a.pad_begin == a.pad_end:
        lines += [f"  N = {rnd}((W - F + 2P) / S) + 1",
                  f"    = {rnd}(({a.size} - {a.kernel} + 2*{a.pad_begin}) / {a.stride}) + 1"]
    else:
        lines += [f"  N = {rnd}((W + P_begin + P_end - D*(F - 1) - 1) / S) + 1",
                  f"    = {rnd}(({a.size} + {a.pad_begin} + {a.pad_end} - "
                  f"{a.dilation}*({a.kernel} - 1) - 1) / {a.stride}) + 1"]
    num, s = a.numerator, a.stride
    q = -(-num // s) if a.ceil_mode else num // s
    exact = num % s == 0
    lines.append(f"    = {rnd}({num} / {s}) + 1" + ("" if exact or s == 1 else
                 f"   ({num} / {s} = {_decimal(num, s)}, {op})"))
    lines.append(f"    = {q} + 1 = {q + 1}")
    if q + 1 != a.out:
        start = q * s - a.pad_begin
        lines.append(f"    = {a.out}: torch drops the last window: it would start at index "
                     f"{start}, past the input's last ({a.size - 1}), and read no input")
    if exact:
        lines.append(f"  {num} divides by {s}: the windows fit exactly.")
    else:
        lines.append(f"  {num} does not divide by {s} (remainder {num % s}).")
    if a.unread is None:
        lines.append(f"  (the input is too long to list which {unit} are never read)")
    elif a.unread:
        runs = _runs(a.unread)
        if len(a.unread) == 1 and a.unread[0][0] == a.unread[0][1]:
            verb = "are" if " and " in one else "is"  # "row and column 223 are"
            lines.append(f"  Input {one} {runs} (0-based) {verb} never read by any window.")
        else:
            lines.append(f"  Input {unit} {runs} (0-based) are never read by any window.")
        trailing = len(a.unread) == 1 and a.unread[0][1] == a.size - 1
        if trailing and not a.ceil_mode and not a.padding_mode:
            fit = a.size + (s - num % s) % s if not exact else None
            if fit is not None:
                more = (num + fit - a.size) // s + 1
                lines.append(f"  To read every input, use W = {fit} (gives {more})"
                             f" or W = {a.size - num % s} (gives {q + 1}), or pad the input.")
    elif not exact and not a.ceil_mode:
        lines.append(f"  Only padding is left out: every input {one} is read.")
    return lines


def explain_text(report) -> str:
    names = AXIS_NAMES[len(report.axes)]
    lines = [f"{report.type}: output size per axis"]
    if len(report.axes) > 1 and len(set(report.axes)) == 1:
        # a square input and window: one derivation says it for every axis
        lines += _axis(report.axes[0], names)
    else:
        for a, name in zip(report.axes, names):
            lines += _axis(a, (name,))
    if report.output_shape is not None:
        lines.append(f"shape: {dims(report.input_shape)} -> {dims(report.output_shape)}")
    return "\n".join(lines)
