"""The accepted input sizes, summarised as a person says them, and as JSON."""
from .cells import printable
from .json import dumps, versioned

LIMIT = 10


def _shape(s) -> str:
    return "[" + ", ".join(map(str, s)) + "]"


def _count(items) -> str:
    return f"{len(items)} size" + ("" if len(items) == 1 else "s")


def inputs_text(scans, show_all: bool = False) -> str:
    from ..inputs import describe
    lines = []
    for scan in scans:
        where = ("square inputs, every spatial axis n" if scan.axis is None
                 else f"axis {scan.axis + 1} varied, the others as in the spec")
        accepted = [a.size for a in scan.accepted]
        exact = [a for a in scan.accepted if a.exact]
        lines += [f"{printable(scan.name) or 'model'}: input sizes {scan.low} to "
                  f"{scan.high} ({where})",
                  f"accepted: {describe(accepted, scan.high)} ({_count(accepted)})",
                  f"exact, no row or column left over at the end of any layer: "
                  f"{describe([a.size for a in exact], scan.high)} ({_count(exact)})"]
        own = [a for a in scan.accepted if a.size == scan.reference]
        if own:
            lines.append(f"the spec's own {own[0].size}: {'exact' if own[0].exact else 'accepted'}"
                         f", output {_shape(own[0].output)}")
        shown = scan.accepted if show_all else exact[:LIMIT]
        if shown:
            width = max(len(str(a.size)) for a in shown)
            lines.append(f"  {'input':>{max(width, 5)}}  output")
            lines += [f"  {a.size:>{max(width, 5)}}  {_shape(a.output)}"
                      + ("" if a.exact else "  (not exact)") for a in shown]
            rest = (len(scan.accepted) if show_all else len(exact)) - len(shown)
            if rest > 0:
                lines.append(f"  ... and {rest} more exact sizes (--all lists every accepted "
                             "size; --format json too)")
    return "\n".join(lines)


def inputs_json(scans) -> str:
    """{"axes": [one scan per axis scanned]}; a square scan (axis "all") is also given at
    the top level, as the one answer."""
    out = dict(scans[0].to_dict()) if len(scans) == 1 else {}
    out["axes"] = [s.to_dict() for s in scans]
    return dumps(versioned(out))
