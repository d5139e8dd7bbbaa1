"""cnnshape port: where a network computes differently in another framework, which rule
makes the difference, and the change that makes the target agree.

Each windowed layer is rebuilt from its fields as written (so an argument left out takes
the target's default, as it would in the target's code) and run on the input it has in
the source framework, so a row shows the layer's own difference, not one carried from
upstream.  A reason is found by asking, for every rule of cnnshape.dialects in which the
two frameworks differ, whether the target with the source's value of that one rule gives
the source's answer.  A fix is proposed only when it is checked: the layer rebuilt in the
target with the fix gives the source's shape and params.
"""
from dataclasses import dataclass, field, replace

from . import dialects

#: Rule attributes of a Dialect, each with what it governs, for the reasons given.
RULE_TEXT = {
    "ceil": "the last window of ceil mode",
    "division": "how the size is rounded when the window overhangs the input",
    "same_split": "where 'same' puts an odd padding element",
    "same_dilation": "whether 'same' pads for the dilated kernel",
    "same_negative": "'same' with a window shorter than the stride",
    "transposed_same": "transposed 'same'",
    "transposed_valid": "transposed 'valid'",
    "transposed_padding": "what transposed padding means",
    "transposed_check": "the check that a transposed output convolves back to its input",
    "too_wide": "a window wider than the padded input",
    "empty": "an output of size 0",
    "refuses": "what it refuses",
}


@dataclass
class Row:
    """One windowed layer that computes differently (or is refused) in the target."""
    name: str
    type: str
    line: int
    input_shape: tuple
    source_shape: tuple
    source_params: int
    target_shape: tuple | None = None
    target_params: int | None = None
    refused: str = ""                       # the target's refusal, if it refuses
    reasons: list = field(default_factory=list)
    fix: str = ""                           # in the target's own argument names

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "line": self.line,
                "input_shape": list(self.input_shape),
                "source": {"output_shape": list(self.source_shape),
                           "params": self.source_params},
                "target": None if self.refused else {
                    "output_shape": list(self.target_shape), "params": self.target_params},
                "refused": self.refused or None, "reasons": self.reasons,
                "fix": self.fix or None}


@dataclass
class Report:
    path: str
    source: str | None
    target: str
    layers: int                 # windowed layers compared
    rows: list
    source_output: tuple
    target_output: tuple | None     # the network's output in the target, if it runs
    target_error: str = ""          # else the first thing the target refuses

    @property
    def differs(self) -> bool:
        return bool(self.rows) or self.target_output != self.source_output

    def to_dict(self) -> dict:
        return {"format_version": 1, "spec": self.path,
                "source": self.source or "default", "target": self.target,
                "windowed_layers": self.layers, "differing_layers": len(self.rows),
                "source_output_shape": list(self.source_output),
                "target_output_shape": None if self.target_output is None
                else list(self.target_output),
                "target_error": self.target_error or None,
                "layers": [r.to_dict() for r in self.rows]}


def title(name) -> str:
    return dialects.get(name).label


def port(path, target: str, source: str | None = None, input_shape=None) -> Report:
    """Compare ``path`` (a spec file, zoo name or dict) computed by ``source`` (default:
    the spec's framework:, else cnnshape's default) and by ``target``."""
    from .api import load_file, resolve
    from .diagnostics import SpecError
    from .graph import propagate
    from .layers import Problem, Problems
    where = resolve(path)
    spec = load_file(where, input_shape, framework=source)
    source = spec.framework
    result = propagate(spec)
    rows, compared = [], 0
    for node, row in zip(spec.nodes, result.layers):
        if node.written is None:
            continue
        compared += 1
        x = row.input_shapes[0]
        mine = (row.output_shape, row.params + row.non_trainable_params)
        theirs, refused = _run(type(node.layer), node.written, x, target, source,
                               Problem, Problems)
        if refused is None and theirs == mine:
            continue
        r = Row(node.name or row.name, row.type, node.line, x, *mine)
        if refused is None:
            r.target_shape, r.target_params = theirs
        else:
            r.refused = refused
        r.reasons = _reasons(type(node.layer), node.written, x, mine, theirs, source, target,
                             Problem, Problems)
        r.fix = _fix(node.layer, node.written, x, mine, target, source, Problem, Problems)
        rows.append(r)
    try:
        out = propagate(load_file(where, input_shape, framework=target, spelling=source))
        target_output, error = out.output_shape, ""
    except SpecError as e:
        first = sorted(d for d in e.diagnostics if d.level == "error")[0]
        target_output, error = None, f"line {first.line}: {first.message}"
    return Report(str(spec.path), source, target, compared, rows, result.output_shape,
                  target_output, error)


def _run(cls, written, x, framework, spelling, Problem, Problems):
    """((output shape, params), None) of the layer built by ``framework``, or (None, why
    it refuses)."""
    try:
        layer = cls.build(dict(written), framework, spelling)
        layer.expect_rank(x)
        y = layer.output_shape(x)
        cost = layer.cost(x, y)
    except Problems as e:
        return None, "; ".join(p.message for p in e.problems)
    except Problem as p:
        return None, p.message
    return (y, cost.params + cost.non_trainable_params), None


def _reasons(cls, written, x, mine, theirs, source, target, Problem, Problems) -> list[str]:
    """The rules that explain the difference: the defaults of the arguments not written,
    and the dialect rules.  A rule explains it when swapping that one rule between the two
    frameworks moves the answer (shape, or params) to the other framework's."""
    src, tgt = dialects.get(source), dialects.get(target)
    family = cls.family
    reasons = []

    def explains(got, want) -> bool:
        """``got`` agrees with ``want`` (shape or params) where the two frameworks differ."""
        other = theirs if want is mine else mine
        if got is None or want is None or other is None:
            return got is not None and want is not None
        return any(g == w != o for g, w, o in zip(got, want, other))

    def swapped(dialect, attr, value):
        hybrid = replace(dialect, name=f"{dialect.name}~{attr}", **{attr: value})
        dialects.DIALECTS[hybrid.name] = hybrid
        return hybrid.name

    missing = [dialects._native(tgt, family, k) for k in tgt.required.get(family, ())
               if not _written(written, k, src, family)]
    if missing:
        reasons.append(f"{tgt.label} requires {' and '.join(missing)}, which "
                       f"{src.label} lets you leave out")
    lacking = sorted({src.aliases(family).get(k, (k,))[0] for k in written} & set(
        dialects.ARGUMENTS) - set(tgt.names.get(family, {})))
    if lacking:
        reasons.append(f"{tgt.label}'s {tgt.call(family, cls.dims or 2)} has no argument "
                       f"for {', '.join(lacking)}")
    sd, td = src.defaults.get(family, {}), tgt.defaults.get(family, {})
    native = dialects._native
    for key in sorted(set(sd) | set(td)):
        if sd.get(key) == td.get(key) or _written(written, key, src, family):
            continue
        # the source with the target's default for this argument: does it give the target's?
        trial = {**written, native(src, family, key): td.get(key)} if key in td else written
        got, _ = _run(cls, trial, x, source, source, Problem, Problems)
        if theirs is not None and explains(got, theirs) or theirs is None and got is None:
            said = src.spell(family, key, sd.get(key))
            name = said.replace(":", "=").split("=")[0]
            reasons.append(f"{name} is not given: {src.label} takes "
                           f"{said}, {tgt.label} "
                           f"{tgt.spell(family, key, td.get(key))}")
    for attr, what in RULE_TEXT.items():
        if _rule(src, attr, family) == _rule(tgt, attr, family):
            continue
        names = [swapped(tgt, attr, getattr(src, attr)), swapped(src, attr, getattr(tgt, attr))]
        try:
            to_source, _ = _run(cls, written, x, names[0], source, Problem, Problems)
            to_target, _ = _run(cls, written, x, names[1], source, Problem, Problems)
        finally:
            for name in names:
                del dialects.DIALECTS[name]
        if not (explains(to_source, mine) or theirs is not None and explains(to_target, theirs)
                or theirs is None and to_source is not None):
            continue
        if attr == "refuses":   # name the target's rules that this layer breaks
            firing = _firing(cls, written, x, source, tgt, Problem, Problems)
            if firing:
                reasons.append(f"{tgt.label} refuses what {src.label} accepts: "
                               + "; ".join(firing))
        else:
            reasons.append(f"{what}: {_rule(src, attr, family)} in {src.label}, "
                           f"{_rule(tgt, attr, family)} in {tgt.label}")
    return reasons


def _firing(cls, written, x, source, tgt, Problem, Problems) -> list[str]:
    """The target's rules that the layer, as the source builds it, breaks."""
    try:
        layer = cls.build(dict(written), source, source)
    except (Problem, Problems):
        return []
    out = []
    neutral = _neutral(dict(written), dialects.get(source), cls.family)
    for _, rule in tgt.rules(cls.family):
        try:
            why = rule.test(neutral) if rule.written else \
                rule.test(layer, x[1:]) if rule.sizes else rule.test(layer)
        except (AttributeError, TypeError):     # a field this kind does not have
            why = None
        if why:
            out.append(f"{rule.text} ({why})")
    return out


def _written(written, key, dialect, family) -> bool:
    aliases = dialect.aliases(family)
    return key in written or any(aliases.get(k, (None,))[0] == key for k in written)


def _rule(dialect, attr, family) -> str:
    if attr == "refuses":
        texts = [r.text for _, r in dialect.rules(family)]
        return "refuses: " + "; ".join(texts) if texts else "no such refusal"
    return str(dialect.rule(attr, family))


def _fix(layer, written, x, mine, target, source, Problem, Problems) -> str:
    """The first change, in the target's argument names, that makes the target give the
    source's shape and params; checked before it is proposed."""
    cls = type(layer)
    family = cls.family
    tgt = dialects.get(target)
    names = tgt.names.get(family, {})
    axes = layer.axes(x[1:])
    pads = [[a.pad_begin, a.pad_end] for a in axes]
    explicit = {k: getattr(layer, k) for k in ("stride", "dilation", "bias", "ceil_mode",
                                               "output_padding", "groups")
                if hasattr(layer, k) and k in names}
    if explicit.get("stride") is None and hasattr(layer, "strides"):
        explicit["stride"] = layer.strides()
    base = {k: v for k, v in written.items() if k in ("out_channels",) or k not in
            dialects.ARGUMENTS and k not in dialects.get(source).aliases(family)}
    base["kernel_size"] = layer.kernel_size
    if hasattr(layer, "out_channels"):
        base["out_channels"] = layer.out_channels
    candidates = []
    # 1. what the source took, written out
    for key in ("bias", "ceil_mode", "stride", "output_padding"):
        if key in explicit and not _written(written, key, dialects.get(source), family):
            candidates.append({key: explicit[key]})
    try:    # what the target takes as written: a fix names only what must change
        theirs = cls.build(dict(written), target, source)
        full = {k: v for k, v in explicit.items() if getattr(theirs, k, None) != v
                and not (k == "stride" and theirs.strides() == v)}
    except (Problem, Problems):     # refused: name what differs from the target's defaults
        defaults = tgt.defaults.get(family, {})
        full = {k: v for k, v in explicit.items()
                if not _same(defaults.get(k, object()), v, layer)
                and not _written(written, k, dialects.get(source), family)}
    candidates.append(dict(full))
    # 2. the padding mode the source used, or the mode that pads as the source did
    for mode in dict.fromkeys([layer.padding, "same", "valid"]):
        if isinstance(mode, str) and mode != "full":
            candidates.append({**full, "padding": mode})
    # 3. the padding the source applied, per axis, with the rounding it used
    if layer.padding != "valid" or getattr(layer, "ceil_mode", False):
        out = mine[0][1:]
        floor_pads = [[b, max(0, (o - 1) * a.stride + (a.dilation * (a.kernel - 1) + 1)
                              - a.size - b)] for (b, _), o, a in zip(pads, out, axes)]
        for p, ceil in ((pads, getattr(layer, "ceil_mode", None)), (floor_pads, False)):
            trial = {**full, "padding": _pads(p)}
            if ceil is not None and "ceil_mode" in names:
                trial["ceil_mode"] = ceil
            elif "ceil_mode" in trial and not ceil:
                trial.pop("ceil_mode")
            candidates.append(trial)
    for change in candidates:
        values = {**base, **{k: v for k, v in written.items() if k not in change}, **change}
        values = {k: v for k, v in values.items() if k in names or k in base}
        got, _ = _run(cls, _neutral(values, dialects.get(source), family), x, target, None,
                      Problem, Problems)
        if got == mine:
            return _spell(change, tgt, family)
    # 4. uneven padding the target refuses: a zero-padding layer first
    if any(b != e for b, e in pads) and "padding" in names:
        bigger = (x[0], *(s + b + e for s, (b, e) in zip(x[1:], pads)))
        change = {**full, "padding": 0}
        values = {**base, **{k: v for k, v in written.items() if k not in change}, **change}
        values = {k: v for k, v in values.items() if k in names or k in base}
        got, _ = _run(cls, _neutral(values, dialects.get(source), family), bigger, target,
                      None, Problem, Problems)
        if got == mine:
            call = tgt.pad_call(pads)
            return (f"insert zeropad{len(pads)}d {_pads(pads)}"
                    + (f" ({call})" if call else "") + " before it, then "
                    + _spell({**full, "padding": 0}, tgt, family))
    return ""


def _same(default, value, layer) -> bool:
    """A default (an int, or None for a pool's stride = kernel) equals a resolved value."""
    if default is None and isinstance(value, tuple):
        return value == layer.kernel_size
    if isinstance(value, tuple):
        return all(v == default for v in value)
    return default == value


def _neutral(values, source, family) -> dict:
    """Values in cnnshape's names (a written key in the source's spelling is renamed)."""
    aliases = source.aliases(family)
    return {aliases.get(k, (k,))[0] if k not in dialects.ARGUMENTS else k: v
            for k, v in values.items() if not str(aliases.get(k, (k,))[0]).startswith("$")}


def _pads(pads):
    if all(b == e for b, e in pads):
        sides = {b for b, _ in pads}
        return sides.pop() if len(sides) == 1 else [b for b, _ in pads]
    return [list(p) for p in pads]


def _spell(change: dict, dialect, family) -> str:
    return ", ".join(dialect.spell(family, key, value) for key, value in change.items())


# --- rendering ---------------------------------------------------------------------------

def _shape(shape) -> str:
    return "refused" if shape is None else "[" + ", ".join(map(str, shape)) + "]"


def _summary(report: Report) -> str:
    src, tgt = title(report.source), title(report.target)
    n = len(report.rows)
    head = (f"{n} of {report.layers} windowed layers compute differently in {tgt}"
            if n else f"every windowed layer ({report.layers}) computes the same in {tgt}")
    if report.target_output is None:
        out = f"{tgt} cannot run the network as written ({report.target_error})"
    elif report.target_output != report.source_output:
        out = (f"the network's output is {_shape(report.source_output)} in {src}, "
               f"{_shape(report.target_output)} in {tgt}")
    else:
        out = f"the network's output is {_shape(report.source_output)} in both"
    return f"{head}; {out}"


def render_text(report: Report) -> str:
    src, tgt = title(report.source), title(report.target)
    lines = [f"port {report.path}: {src} -> {tgt}", ""]
    for r in report.rows:
        lines.append(f"{r.name} ({r.type}, line {r.line}) on {_shape(r.input_shape)}")
        lines.append(f"  {src}: {_shape(r.source_shape)}, {r.source_params:,} params")
        if r.refused:
            lines.append(f"  {tgt}: refuses it: {r.refused}")
        else:
            lines.append(f"  {tgt}: {_shape(r.target_shape)}, {r.target_params:,} params")
        lines += [f"  why: {why}" for why in r.reasons] or ["  why: no single rule explains it"]
        lines.append(f"  fix: {r.fix}" if r.fix else "  fix: none found that "
                     f"{tgt} accepts and that gives the same shape and params")
        lines.append("")
    lines.append(_summary(report))
    if report.differs:
        lines.append("exit 1: the port changes the network")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(report: Report) -> str:
    src, tgt = title(report.source), title(report.target)
    lines = [f"### Porting `{report.path}` from {src} to {tgt}", "", _summary(report) + ".", ""]
    if report.rows:
        lines += [f"| layer | line | input | {src} | {tgt} | why | fix |",
                  "| --- | ---: | --- | --- | --- | --- | --- |"]
        for r in report.rows:
            theirs = f"refused: {r.refused}" if r.refused else \
                f"{_shape(r.target_shape)}, {r.target_params:,} params"
            lines.append("| " + " | ".join(_cell(c) for c in (
                f"`{r.name}`", str(r.line), _shape(r.input_shape),
                f"{_shape(r.source_shape)}, {r.source_params:,} params", theirs,
                "; ".join(r.reasons) or "no single rule", f"`{r.fix}`" if r.fix else "none found"
            )) + " |")
    return "\n".join(lines)


def render_github(report: Report) -> str:
    """GitHub workflow commands: an error on each line whose layer computes differently."""
    from .diagnostics import escape_data, escape_property
    src, tgt = title(report.source), title(report.target)
    out = []
    for r in report.rows:
        theirs = f"refuses it ({r.refused})" if r.refused else \
            f"gives {_shape(r.target_shape)} and {r.target_params:,} params"
        msg = (f"{r.name}: {src} gives {_shape(r.source_shape)} and {r.source_params:,} params, "
               f"{tgt} {theirs}. " + " ".join(f"Why: {w}." for w in r.reasons)
               + (f" Fix: {r.fix}" if r.fix else ""))
        out.append(f"::error file={escape_property(report.path)},line={r.line},"
                   f"title={escape_property(f'port to {report.target}')}::{escape_data(msg)}")
    out.append(f"::notice title={escape_property(f'port to {report.target}')}::"
               f"{escape_data(_summary(report))}")
    return "\n".join(out)


def render_json(report: Report) -> str:
    import json
    return json.dumps(report.to_dict(), indent=2)


RENDERERS = {"text": render_text, "markdown": render_markdown, "github": render_github,
             "json": render_json}
