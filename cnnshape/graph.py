"""The engine: propagate shapes through layers and total their costs."""
from . import arithmetic as ar
from .layers import Shape, neurons
from .layers.conv import Windowed
from .report import AxisWork, LayerReport


def analyze_layer(layer: Windowed, sizes: Shape, channels: int | None = None) -> LayerReport:
    """One windowed layer on an input of spatial ``sizes`` (and ``channels``, if known).

    Raises Problem for what cannot work, exactly as inside a model.
    """
    from .layers import check_cost, check_shape
    out = layer.spatial(sizes)
    check_shape(out)
    transposed = hasattr(layer, "output_padding")
    mode = layer.padding if isinstance(layer.padding, str) else ""
    axes = []
    for i, (a, o) in enumerate(zip(layer.axes(sizes), out)):
        runs = None if transposed else ar.unread_ranges(a.size, a.kernel, a.stride, o,
                                                         a.pad_begin, a.dilation)
        unread = () if transposed else (None if runs is None else tuple(runs))
        axes.append(AxisWork(a.size, a.kernel, a.stride, a.pad_begin, a.pad_end, a.dilation, o,
                             mode, getattr(layer, "ceil_mode", False), transposed,
                             layer.output_paddings()[i] if transposed else 0, unread))
    report = LayerReport(layer.type_name, tuple(sizes), out, tuple(axes))
    if channels is None:
        return report
    x = (channels, *sizes)
    layer.expect_rank(x)
    y = layer.output_shape(x)
    check_shape(y)
    cost = layer.cost(x, y)
    check_cost(cost)
    return LayerReport(layer.type_name, tuple(sizes), out, tuple(axes), x, y, cost.params,
                       cost.connections, neurons(y), cost.macs)


def propagate(spec):
    """One pass over the expanded spec: every node's output shape and cost, then totals.

    Linear in the number of layers.  Problems are collected (a failed node's
    dependents are skipped, independent faults still reported) and raised
    together as a SpecError.
    """
    from .diagnostics import Diagnostic, SpecError
    from .arithmetic import MAX_COUNT
    from .layers import Problem, big, check_cost, check_shape
    from .layers.merge import Misaligned
    from .result import LayerResult, Result, Totals

    nodes, path = spec.nodes, spec.path
    if spec.input_shape is None:
        raise SpecError([])
    try:  # an --input or analyze(input_shape=) override has not met the spec's checks
        check_shape(spec.input_shape, "input")
    except Problem as p:
        raise SpecError([Diagnostic(path, *spec.input_pos, p.code, "error", p.message, p.hint)])
    shapes: list = [None] * len(nodes)
    fields: list = [None] * len(nodes)
    start = [(1, 1, 0)] * (len(spec.input_shape) - 1)  # one input pixel sees itself
    rows, problems, warnings = [], [], []
    names = [n.name for n in nodes]
    totals = [0, 0, 0, 0, 0]
    crossed = False
    depth_of = [len(n.groups) for n in nodes]
    wholes = {}  # a split's output taken whole: its input (for its row and its expect:)
    for i, node in enumerate(nodes):
        xs = tuple(spec.input_shape if j < 0 else shapes[j] for j in node.inputs)
        if any(x is None for x in xs):
            continue  # an input failed and was reported already
        rfs = [start if j < 0 else fields[j] for j in node.inputs]
        if node.parts:  # split outputs hold a tuple of parts: read the one named
            missing = _missing_part(node, xs, names)
            if missing:
                line, col = node.field_pos.get("inputs", (node.line, node.column))
                problems.append(Diagnostic(path, line, col, "CS214", "error", *missing))
                continue
            xs = tuple(x if k is None else x[k] for x, k in zip(xs, node.parts))
            rfs = [rf if k is None else rf[k] for rf, k in zip(rfs, node.parts)]
        layer = node.layer
        try:
            for x in xs:
                layer.expect_rank(x)  # every kind's accepted ranks, read from its class
            y = layer.output_shape(xs if layer.merges else xs[0])
            if layer.splits:
                for part in y:
                    check_shape(part)
            else:
                check_shape(y)  # every kind, once: no size or count beyond what frameworks hold
            cost = layer.cost(xs if layer.merges else xs[0], y)
            check_cost(cost)
        except Problem as p:
            line, col = node.field_pos.get(p.field, (node.line, node.column))
            shapes_in = " and ".join(str(list(x)) for x in xs)
            message = f"{node.name}: {p.message} (input {shapes_in}"
            message += f"; {node.context})" if node.context else ")"
            problems.append(Diagnostic(path, line, col, p.code, "error", message, p.hint))
            continue
        shapes[i] = y
        try:
            rf = (layer.receptive_many(xs, rfs) if layer.merges
                  else layer.receptive(xs[0], y, rfs[0]))
        except Misaligned as e:
            rf = None
            warnings.append(Diagnostic(path, node.line, node.column, "CS303", "warning",
                                       f"{node.name}: the paths have different effective "
                                       f"strides ({', '.join(map(str, e.args[0]))}): their "
                                       "receptive fields are not aligned, none is reported "
                                       "from here on", "check the strides of each branch"))
        fields[i] = rf
        for p in layer.notes(xs[0], y) if not layer.merges else ():
            line, col = node.field_pos.get(p.field, (node.line, node.column))
            warnings.append(Diagnostic(path, line, col, p.code, p.level,
                                       f"{node.name}: {p.message}", p.hint))
        parts = ()
        if layer.splits:  # one row: the parts together are the input, each part listed
            parts, y, rf = y, xs[0], rfs[0]
            wholes[i] = y
        n = neurons(y)
        row = LayerResult(i, node.name, layer.type_name,
                          tuple("input" if j < 0 else names[j] for j in node.inputs)
                          if not node.parts else _part_names(node, names), xs, y,
                          cost.params, cost.non_trainable_params, cost.connections, n,
                          cost.macs, depth_of[i],
                          xs[0][-1] if layer.type_name == "linear" else None, False, node.line,
                          rf if rf is None or isinstance(rf, str) else tuple(rf),
                          getattr(layer, "kernel_size", None), -1, parts, node.note,
                          _window(layer, xs[0]))
        rows.append(row)
        totals[0] += cost.params
        totals[1] += cost.non_trainable_params
        totals[2] += cost.connections
        totals[3] += n
        totals[4] += cost.macs
        if max(totals) > MAX_COUNT and not crossed:
            crossed = True  # the layer that takes a total past int64 is named, once
            what = ("params", "non-trainable params", "connections", "neurons",
                    "MACs")[max(range(5), key=totals.__getitem__)]
            problems.append(Diagnostic(path, node.line, node.column, "CS212", "error",
                                       f"{node.name}: the model's {what} reach "
                                       f"{big(max(totals))} here, over the largest count "
                                       f"reported ({MAX_COUNT:,})", "no framework holds it: "
                                       "check the sizes of the layers so far"))
    # totals are only meaningful when every layer computed; a violated layer expect:
    # still leaves them right, so the model's own expectations are checked as well
    complete = not problems
    for index, want, (line, col) in spec.layer_expects:
        got = wholes.get(index, shapes[index])
        if got is not None and got != want:
            problems.append(Diagnostic(path, line, col, "CS401", "error",
                                       f"{nodes[index].name}: output shape is {list(got)}, "
                                       f"expected {list(want)}", "the layers before it changed, "
                                       "or the expectation is out of date"))
    warnings += _unused(spec)
    totals = Totals(*totals)
    output = shapes[-1] if nodes else spec.input_shape
    if complete:
        problems += _model_expectations(spec, output, totals, rows)
    if problems:
        raise SpecError(problems + warnings)
    extras = tuple(spec.extra_totals(rows)) if spec.extra_totals is not None else ()
    return Result(spec.name, spec.input_shape, output, tuple(rows), _group_rows(spec, rows),
                  totals, path, spec.description, spec.source, tuple(sorted(warnings)), extras)


def _part_names(node, names) -> tuple[str, ...]:
    """The inputs as a row shows them when some are parts: ``split1.0``."""
    return tuple(("input" if j < 0 else names[j]) + ("" if k is None else f".{k}")
                 for j, k in zip(node.inputs, node.parts))


def _missing_part(node, xs, names):
    """(message, hint) when a part read is not among those its split gave, else None:
    how many parts an int size or a chunk gives depends on the input."""
    for j, x, k in zip(node.inputs, xs, node.parts):
        if k is not None and k >= len(x):
            source = names[j]
            return (f"{node.name}: {source} gives {len(x)} parts ({source}.0 to "
                    f"{source}.{len(x) - 1}), there is no {source}.{k}"
                    + (f" ({node.context})" if node.context else ""),
                    "split n by a size s gives ceil(n / s) parts; chunk can give fewer "
                    "than it asks for")
    return None


def _unused(spec) -> list:
    """A layer whose output nothing reads (the last, the network's output, aside): usually a
    forgotten merge, since only the last layer reaches the result.  One pass."""
    from .diagnostics import Diagnostic
    nodes = spec.nodes
    used = bytearray(len(nodes))
    for i in spec.outputs:
        used[i] = 1
    for node in nodes:
        for j in node.inputs:
            if j >= 0:
                used[j] = 1
    out = []
    for i in range(len(nodes) - 1):
        if not used[i]:
            node = nodes[i]
            where = f" ({node.context})" if node.context else ""
            out.append(Diagnostic(spec.path, node.line, node.column, "CS304", "warning",
                                  f"nothing uses the output of {node.name!r}{where}",
                                  "merge it (add/concat) or remove it; only the last layer "
                                  "is the network's output"))
    return out


def _model_expectations(spec, output, totals, rows) -> list:
    """The spec's ``expect:`` budget: exact values and maxima, each at its own line."""
    from .diagnostics import Diagnostic
    expect, out = spec.expect, []
    if not expect:
        return out
    got = {"output_shape": output, "params": totals.params, "max_params": totals.params,
           "non_trainable_params": totals.non_trainable_params, "macs": totals.macs,
           "max_macs": totals.macs}
    assumed, positions = "", getattr(expect, "val_pos", {})
    if "max_activation_bytes" in expect or "max_training_bytes" in expect:
        from .memory import estimate_rows, parse_bytes
        batch, dtype = expect.get("batch", 1), expect.get("dtype", "float32")
        optimizer = expect.get("optimizer", "adam")
        memory = estimate_rows(spec, rows, totals, batch, dtype, optimizer)
        got["max_activation_bytes"] = memory.inference_peak
        got["max_training_bytes"] = memory.training
        expect = {k: parse_bytes(v) if k.endswith("_bytes") else v for k, v in expect.items()}
        assumed = f" at batch {batch}, {dtype}"
    for key, want in expect.items():
        if key not in got or want is None:
            continue
        line, col = positions.get(key, (0, 0))
        have = got[key]
        if key == "output_shape":
            want = tuple(want) if isinstance(want, list) else (want,)
            bad = have != want
            text = f"output shape is {list(have)}, expected {list(want)}"
        elif key.endswith("_bytes"):
            bad = have > want
            what = "inference peak of activations" if "activation" in key else \
                f"training memory ({expect.get('optimizer', 'adam')})"
            text = f"{what} is {have:,} bytes{assumed}, over the budget of {want:,}"
        elif key.startswith("max_"):
            bad = have > want
            text = f"{key[4:]} is {have:,}, over the budget of {want:,}"
        else:
            bad = have != want
            text = f"{key} is {have:,}, expected {want:,}"
        if bad:
            out.append(Diagnostic(spec.path, line, col, "CS402", "error", f"model {text}",
                                  "update the expectation if the change is intended"))
    return out


def _window(layer, x):
    """(kernel, stride, pad_begin, pad_end, dilation) per spatial axis of a windowed layer,
    as it runs on ``x`` ('same' resolved); None for others.  axes() is cached: the shape
    pass already asked it the same question."""
    axes = getattr(layer, "axes", None)
    if axes is None:
        return None
    return tuple((a.kernel, a.stride, a.pad_begin, a.pad_end, a.dilation) for a in axes(x[1:]))


def _group_rows(spec, rows):
    """Each block instance or branch construct as one row: the sums of its layers and the
    output of its last one.  O(layers x nesting)."""
    from .result import LayerResult
    acc = {}
    for row, node in zip(rows, spec.nodes):
        for gid in node.groups:
            a = acc.get(gid)
            if a is None:
                acc[gid] = [row.index, row.input_shapes, row.output_shape, row.params,
                            row.non_trainable_params, row.connections, row.neurons, row.macs,
                            row.field, row.index, row.output_shapes]
            else:
                a[2] = row.output_shape
                a[10] = row.output_shapes
                a[8] = row.field
                a[9] = row.index
                a[3] += row.params
                a[4] += row.non_trainable_params
                a[5] += row.connections
                a[6] += row.neurons
                a[7] += row.macs
    out = []
    for gid, a in sorted(acc.items()):
        g = spec.groups[gid]
        out.append(LayerResult(a[0], g.name, g.type, (), a[1], a[2], a[3], a[4], a[5], a[6],
                               a[7], g.depth, None, True, g.line, a[8], None, a[9], a[10],
                               g.note))
    return tuple(out)
