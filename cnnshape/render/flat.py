"""CSV and Markdown: a row per layer, for spreadsheets and for READMEs."""
import csv
import io

COLUMNS = ("index", "name", "type", "inputs", "input_shape", "output_shape", "params",
           "non_trainable_params", "connections", "neurons", "macs", "in_features")


def _shape(s) -> str:
    return "x".join(map(str, s))


def model_csv(result, depth=None) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in result.rows(depth):
        w.writerow([r.index + 1, r.name, r.type, " ".join(r.inputs),
                    " ".join(_shape(s) for s in r.input_shapes), _shape(r.output_shape),
                    r.params, r.non_trainable_params, r.connections, r.neurons, r.macs,
                    "" if r.in_features is None else r.in_features])
    return out.getvalue().rstrip("\n")


def model_markdown(result, depth=None) -> str:
    from .table import shape, totals_lines, type_label
    lines = [f"**{result.name or 'model'}**: {shape(result.input_shape)} -> "
             f"{shape(result.output_shape)}", "",
             "| # | name | type | output shape | params | connections | neurons | MACs |",
             "|--:|---|---|---|--:|--:|--:|--:|"]
    for r in result.rows(depth):
        params = f"{r.params:,}" + (f" (+{r.non_trainable_params:,})"
                                    if r.non_trainable_params else "")
        lines.append(f"| {r.index + 1} | {r.name} | {type_label(r)} | {shape(r.output_shape)} "
                     f"| {params} | {r.connections:,} | {r.neurons:,} | {r.macs:,} |")
    lines.append("")
    lines += [f"- {k}: {v}" for k, v in totals_lines(result.totals)]
    return "\n".join(lines)
