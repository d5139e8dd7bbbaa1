"""The solver's answers as text and JSON; the first answer also as PyTorch and TF code."""
from .json import dumps, versioned

LIMIT = 12


def _pad(s) -> str:
    return str(s.padding[0]) if s.symmetric else f"({s.padding[0]}, {s.padding[1]})"


def _code(s, transposed: bool, dims: int) -> list[str]:
    """How to write a solution in PyTorch (and TF where its 'same' gives it)."""
    d = "" if s.dilation == 1 else f", dilation={s.dilation}"
    if transposed:
        return [f"PyTorch: nn.ConvTranspose{dims}d(C, K, kernel_size={s.kernel}, "
                f"stride={s.stride}, padding={s.padding[0]}, output_padding="
                f"{s.output_padding}{d})"]
    conv = f"nn.Conv{dims}d(C, K, kernel_size={s.kernel}, stride={s.stride}"
    if s.symmetric:
        lines = [f"PyTorch: {conv}, padding={s.padding[0]}{d})"]
    else:
        pad = ", ".join(f"{s.padding[0]}, {s.padding[1]}" for _ in range(dims))
        lines = [f"PyTorch: nn.Sequential(nn.ZeroPad{dims}d(({pad})), {conv}{d}))"
                 + ("   or padding='same' (stride 1)" if s.stride == 1 else "")]
    if s.tf_same:
        lines.append("TF/Keras: padding='same'")
    elif s.padding == (0, 0):
        lines.append("TF/Keras: padding='valid'")
    return lines


def _axis_text(answer, dims: int, show_all: bool, label: str) -> list[str]:
    a, sols = answer.asked, answer.solutions
    known = ", ".join(f"{k} {v if not isinstance(v, tuple) else v}" for k, v in (
        ("W", a["size"]), ("F", a["kernel"]), ("S", a["stride"]), ("P", a["padding"]),
        ("D", a["dilation"])) if v is not None)
    kind = "transposed conv" if answer.transposed else "conv"
    head = f"{label}{kind} with {known or 'nothing fixed'} -> {answer.out}"
    if not sols:
        lines = [head + ": no solution within the bounds",
                 "  (kernel 1-11, stride 1-8, dilation 1-4, padding up to d(F-1) per side, "
                 "input 1-4096)"]
        if not answer.transposed and a["size"] is not None and answer.out > a["size"]:
            lines.append("  A convolution cannot grow a map: try --transposed, or upsample.")
        return lines
    lines = [f"{head}: {len(sols)} solution{'s' if len(sols) > 1 else ''}, most natural first"]
    cols = ["W", "F", "S", "P", "D"] + (["out_pad"] if answer.transposed else []) + [
        "exact", "note"]
    rows = []
    for s in sols if show_all else sols[:LIMIT]:
        note = ""
        if s.dropped:
            note = f"{s.dropped} input row(s)/column(s) never read"
        elif not s.exact and not answer.transposed:
            note = "reads all input; some padding unused"
        elif not s.exact:
            note = "the conv it undoes drops padding"
        if s.tf_same and not s.symmetric:
            note = (note + "; " if note else "") + "TF 'same' split"
        rows.append([str(s.size), str(s.kernel), str(s.stride), _pad(s), str(s.dilation)]
                    + ([str(s.output_padding)] if answer.transposed else [])
                    + ["yes" if s.exact else "no", note])
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip())
    lines += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    if not show_all and len(sols) > LIMIT:
        lines.append(f"  ... and {len(sols) - LIMIT} more (--all, or --format json)")
    if not answer.transposed and not any(s.symmetric for s in sols):
        lines.append("  No symmetric padding works: the padding must be split unevenly.")
    lines += ["  " + c for c in _code(sols[0], answer.transposed, dims)]
    return lines


def solve_text(answers, dims: int, show_all: bool = False) -> str:
    names = {1: ["length"], 2: ["height", "width"], 3: ["depth", "height", "width"]}[dims]
    if len(answers) == 1:
        return "\n".join(_axis_text(answers[0], dims, show_all, ""))
    out = []
    for name, answer in zip(names, answers):
        out += _axis_text(answer, dims, show_all, f"{name}: ")
    return "\n".join(out)


def solve_json(answers, dims: int) -> str:
    """{"format_version", "axes": [{"solutions": [...]}, one per spatial axis]}, and
    "solutions" when every axis asks the same (then the list answers for each of them)."""
    def one(a):
        return [s.to_dict(a.transposed) for s in a.solutions]
    axes = [one(a) for a in answers] * (dims if len(answers) == 1 else 1)
    out = {"solutions": axes[0]} if len(answers) == 1 else {}
    out["axes"] = [{"solutions": sols} for sols in axes]
    return dumps(versioned(out))
