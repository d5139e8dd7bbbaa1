"""cnnshape diff: what a change did to a network, layer by layer and in total.

Pure: two Results (and, where known, each layer's fields as built) in, a Diff out; it
reads no file and prints nothing (api.diff loads, render/diff.py prints).

Layers are matched by name first, since a spec's names are what a reviewer reads and what
a PyTorch module's attributes are called.  A layer renamed in the same change has no
partner by name; the unmatched of each side are then aligned by type in order (difflib
over the type sequence, as ``git diff`` aligns lines), so a renamed conv pairs with the
conv where it stood.  What is left is added or removed.

``--fail-on`` thresholds are parsed here too (``parse_threshold``), so the grammar and its
evaluation live beside the numbers they judge.
"""
import re
from dataclasses import dataclass, replace

#: The totals compared, each (key, label): params is every parameter, trainable or not,
#: as Keras' "Total params"; trainable is what torch's sum(p.numel()) counts.
METRICS = (("params", "params, in all"), ("trainable", "trainable"),
           ("non_trainable", "non-trainable"), ("macs", "MACs"), ("flops", "FLOPs (2 x MACs)"))

#: Per-layer values compared, each (key, label), in the order a row prints them.
LAYER_VALUES = (("type", "type"), ("input_shapes", "input shape"),
                ("output_shape", "output shape"), ("in_features", "in_features"),
                ("params", "params"), ("non_trainable_params", "non-trainable"),
                ("macs", "MACs"))


@dataclass(frozen=True, slots=True)
class Total:
    """One total of both networks."""
    key: str
    label: str
    old: int
    new: int

    @property
    def change(self) -> int:
        return self.new - self.old

    @property
    def percent(self) -> float | None:
        """The relative change in percent; None from 0 to more (no finite ratio)."""
        if self.old == 0:
            return 0.0 if self.new == 0 else None
        return 100 * (self.new - self.old) / self.old


@dataclass(frozen=True, slots=True)
class Row:
    """One layer of either side: matched (``old`` and ``new``), added or removed."""
    status: str                 # "changed", "same", "added", "removed"
    old: object                 # LayerResult or None
    new: object                 # LayerResult or None
    matched_by: str = ""        # "name", "position" or ""
    #: (key, old value, new value) of each LAYER_VALUES entry that differs
    values: tuple = ()
    #: (field, old value, new value) of the layer's own fields that differ, as built
    fields: tuple = ()

    @property
    def name(self) -> str:
        return (self.new or self.old).name

    @property
    def renamed(self) -> bool:
        return self.old is not None and self.new is not None and self.old.name != self.new.name

    @property
    def moved(self) -> bool:
        """Changed only because its input did: same type and fields, another input shape;
        the shapes an upstream change carried down (a linear layer's in_features)."""
        keys = {k for k, _, _ in self.values}
        return (self.status == "changed" and not self.fields and not self.renamed
                and "type" not in keys and "input_shapes" in keys)

    def value(self, key: str):
        """(old, new) of one LAYER_VALUES key; equal when it did not change."""
        return (_get(self.old, key), _get(self.new, key))


@dataclass(frozen=True, slots=True)
class Verdict:
    """One --fail-on threshold and what it found."""
    threshold: str              # as written
    metric: str
    triggered: bool
    found: str                  # the change it judged, as a person reads it: "+78.3%"


@dataclass(frozen=True, slots=True)
class Diff:
    old_label: str
    new_label: str
    old_name: str
    new_name: str
    old_input: tuple
    new_input: tuple
    old_output: tuple
    new_output: tuple
    rows: tuple                 # every Row, in the new network's order, removed ones where they stood
    totals: tuple               # Total per METRICS entry
    verdicts: tuple = ()
    #: where the new network's layers are written, for annotations ("" if nowhere)
    new_path: str = ""

    @property
    def changed(self) -> tuple:
        return tuple(r for r in self.rows if r.status != "same")

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)

    @property
    def output_changed(self) -> bool:
        return self.old_output != self.new_output

    @property
    def failed(self) -> bool:
        return any(v.triggered for v in self.verdicts)

    def total(self, key: str) -> Total:
        return next(t for t in self.totals if t.key == key)


def _get(layer, key):
    if layer is None:
        return None
    if key == "output_shape" and layer.output_shapes:
        return layer.output_shapes       # a split: its parts, not their sum
    return getattr(layer, key)


def compare(old, new, old_fields: dict | None = None, new_fields: dict | None = None,
            thresholds=(), old_label: str = "old", new_label: str = "new",
            new_path: str = "") -> Diff:
    """The Diff of two Results.  ``*_fields`` map a layer name to its fields as built
    ({"out_channels": 6, ...}); without them a row cannot tell its own change from one
    carried down.  ``thresholds`` are parse_threshold's."""
    old_fields, new_fields = old_fields or {}, new_fields or {}
    pairs = match(old.layers, new.layers)
    rows = []
    for i, j, how in pairs:
        a = old.layers[i] if i is not None else None
        b = new.layers[j] if j is not None else None
        if a is None or b is None:
            rows.append(Row("added" if a is None else "removed", a, b))
            continue
        values = tuple((k, x, y) for k, _ in LAYER_VALUES
                       for x, y in [(_get(a, k), _get(b, k))] if x != y)
        fa, fb = old_fields.get(a.name, {}), new_fields.get(b.name, {})
        fields = tuple((f, fa.get(f), fb.get(f)) for f in dict.fromkeys([*fa, *fb])
                       if fa.get(f) != fb.get(f)) if a.type == b.type else ()
        status = "changed" if values or fields or a.name != b.name else "same"
        rows.append(Row(status, a, b, how, values, fields))
    t_old, t_new = old.totals, new.totals
    totals = tuple(Total(key, label, *(_total(t, key) for t in (t_old, t_new)))
                   for key, label in METRICS)
    diff = Diff(old_label, new_label, old.name, new.name, old.input_shape, new.input_shape,
                old.output_shape, new.output_shape, tuple(rows), totals, (), new_path)
    return replace(diff, verdicts=tuple(judge(diff, t) for t in thresholds))


def _total(t, key: str) -> int:
    return {"params": t.total_params, "trainable": t.params,
            "non_trainable": t.non_trainable_params, "macs": t.macs, "flops": t.flops}[key]


def match(old_layers, new_layers) -> list[tuple[int | None, int | None, str]]:
    """(old index, new index, how) for every layer of both, in the new network's order with
    removed layers after the layer they followed; None on the side a layer is missing."""
    from difflib import SequenceMatcher
    new_index = {r.name: j for j, r in enumerate(new_layers)}
    by_name = {i: new_index[r.name] for i, r in enumerate(old_layers) if r.name in new_index}
    # the unmatched, grouped by the gap between layers matched by name where they stand: a
    # layer renamed in place pairs within its gap, never with one added elsewhere
    gap_old, gap_new, anchor = {}, {}, -1
    for i in range(len(old_layers)):
        if i in by_name:
            anchor = by_name[i]
        else:
            gap_old.setdefault(anchor, []).append(i)
    anchor = -1
    taken = set(by_name.values())
    for j in range(len(new_layers)):
        if j in taken:
            anchor = j
        else:
            gap_new.setdefault(anchor, []).append(j)
    by_position = {}
    for gap, left in gap_old.items():
        right = gap_new.get(gap, [])
        # autojunk off: in a long net 'relu' is most rows, and must still align
        sm = SequenceMatcher(None, [old_layers[i].type for i in left],
                             [new_layers[j].type for j in right], autojunk=False)
        for op, a0, a1, b0, b1 in sm.get_opcodes():
            # equal types pair in order; a same-sized run of other types is a substitution
            if op == "equal" or (op == "replace" and a1 - a0 == b1 - b0):
                by_position.update(zip(left[a0:a1], right[b0:b1]))
    old_of = {j: (i, "name") for i, j in by_name.items()}
    old_of.update({j: (i, "position") for i, j in by_position.items()})
    out, placed = [], []
    for j in range(len(new_layers)):
        i, how = old_of.get(j, (None, ""))
        out.append((i, j, how))
        placed.append(i)
    # a removed layer stands after the nearest earlier old layer that has a partner
    paired = {i: k for k, i in enumerate(placed) if i is not None}
    removed = [i for i in range(len(old_layers)) if i not in paired]
    keyed = [(k, 0, i) for k, i in enumerate(placed)]
    for i in removed:
        before = max((paired[p] for p in range(i) if p in paired), default=-1)
        keyed.append((before, 1, i))
    keyed.sort()
    return [(i, None, "") if side else out[k] for k, side, i in keyed]


# --- --fail-on -------------------------------------------------------------------------

THRESHOLD_METRICS = ("params", "trainable", "non_trainable", "macs", "flops", "output")
SUFFIXES = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9}
THRESHOLD_HELP = (
    "METRIC>AMOUNT or METRIC<AMOUNT, or 'output'. METRIC: params (in all), trainable, "
    "non_trainable, macs, flops. AMOUNT: a change in percent of the old value (+5%, -10%, "
    "2.5%) or an absolute change, a whole number with an optional k, M or G (1000000, +1M, "
    "-500k). '>' fails when the change is larger, '<' when smaller: params>+5% fails on "
    "growth past 5%, macs<-10% on a drop past 10%, params>0 on any growth. 'output' fails "
    "when the output shape changes.")
_THRESHOLD = re.compile(r"(?P<metric>[a-z_]+)(?P<op>[<>])(?P<sign>[+-]?)"
                        r"(?P<number>[0-9][0-9_]*(?:\.[0-9]+)?)(?P<unit>%|[kKMG]?)")


@dataclass(frozen=True, slots=True)
class Threshold:
    text: str
    metric: str
    op: str = ""                # ">" or "<"; "" for output
    amount: float = 0           # percent, or an absolute count
    percent: bool = False


def parse_threshold(text: str) -> Threshold:
    """A --fail-on value; ValueError saying what is wrong with it, in the user's terms."""
    compact = "".join(str(text).split())
    word = re.match(r"[A-Za-z_]*", compact).group()
    compact = word.lower() + compact[len(word):]  # FLOPS>1G as flops>1G; k and M kept
    if compact.lower() == "output":
        return Threshold(str(text), "output")
    m = _THRESHOLD.fullmatch(compact)
    metric = word.lower()
    if metric and metric not in THRESHOLD_METRICS:
        from difflib import get_close_matches
        close = get_close_matches(metric, THRESHOLD_METRICS, n=1)
        raise ValueError(f"unknown metric {metric!r}" + (f" (did you mean {close[0]!r}?)"
                                                         if close else "")
                         + f"; give one of {', '.join(THRESHOLD_METRICS)}")
    if metric == "output":
        raise ValueError("'output' takes no comparison: it fails on any change of the "
                         "output shape")
    if m is None or m["metric"] != metric:
        raise ValueError("give METRIC>AMOUNT or METRIC<AMOUNT, such as params>+5%, "
                         "macs<-10% or params>1000000")
    number, unit = m["number"].replace("_", ""), m["unit"]
    if unit == "%":
        amount = float(number)
    else:
        if "." in number and not unit:
            raise ValueError(f"{m['number']} is not a whole number: an absolute change "
                             "counts parameters or MACs (write % for a percentage)")
        from decimal import Decimal
        exact = Decimal(number) * SUFFIXES[unit]
        if exact != exact.to_integral_value():
            raise ValueError(f"{m['number']}{unit} is not a whole number")
        amount = int(exact)
    if m["sign"] == "-":
        amount = -amount
    return Threshold(str(text), metric, m["op"], amount, unit == "%")


def judge(diff: Diff, t: Threshold) -> Verdict:
    """Whether ``t`` fails on ``diff``, and the change it judged."""
    if t.metric == "output":
        return Verdict(t.text, "output", diff.output_changed,
                       f"{_shape(diff.old_output)} -> {_shape(diff.new_output)}"
                       if diff.output_changed else "unchanged")
    total = diff.total(t.metric)
    if t.percent:
        value = total.percent
        if value is None:       # from 0 to more: growth beyond any percentage
            value = float("inf")
        found = percent_text(total)
    else:
        value, found = total.change, f"{total.change:+,}"
    triggered = value > t.amount if t.op == ">" else value < t.amount
    return Verdict(t.text, t.metric, triggered, found)


def percent_text(total: Total) -> str:
    """+33.3%, -0.5%, +<0.1% (not 0.0% for a real change), 0%, or 'new' from 0."""
    p = total.percent
    if p is None:
        return "new"
    if p == 0:
        return "0%"
    text = f"{p:+.1f}%"
    if text in ("+0.0%", "-0.0%"):
        return f"{text[0]}<0.1%"
    return text


def _shape(s) -> str:
    return "[" + ", ".join(map(str, s)) + "]"
