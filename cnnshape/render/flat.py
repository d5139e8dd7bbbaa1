"""CSV and Markdown: a row per layer, for spreadsheets and for READMEs."""
import csv
import io

COLUMNS = ("index", "name", "type", "inputs", "input_shape", "output_shape", "params",
           "non_trainable_params", "connections", "neurons", "macs", "in_features",
           "receptive_field", "effective_stride", "effective_padding")


def _shape(s) -> str:
    return "x".join(map(str, s))


def _field(r) -> list[str]:
    """Per-axis values joined by x ("212x212"); "whole" and blanks as in the JSON."""
    if isinstance(r.field, str):
        return [r.field, "", ""]
    if r.field is None:
        return ["", "", ""]
    return ["x".join(map(str, v)) for v in (r.receptive_field, r.effective_stride,
                                            r.effective_padding)]


def model_csv(result, depth=None) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in result.rows(depth):
        w.writerow([r.index + 1, r.name, r.type, " ".join(r.inputs),
                    " ".join(_shape(s) for s in r.input_shapes), _shape(r.output_shape),
                    r.params, r.non_trainable_params, r.connections, r.neurons, r.macs,
                    "" if r.in_features is None else r.in_features, *_field(r)])
    return out.getvalue().rstrip("\n")


def model_markdown(result, depth=None, rf: bool = False) -> str:
    from .table import field_cells, shape, totals_lines, type_label
    lines = [f"**{result.name or 'model'}**: {shape(result.input_shape)} -> "
             f"{shape(result.output_shape)}", "",
             "| # | name | type | output shape | params | connections | neurons | MACs |"
             + (" RF | eff. stride | eff. padding |" if rf else ""),
             "|--:|---|---|---|--:|--:|--:|--:|" + ("--:|--:|--:|" if rf else "")]
    for r in result.rows(depth):
        params = f"{r.params:,}" + (f" (+{r.non_trainable_params:,})"
                                    if r.non_trainable_params else "")
        extra = "".join(f" {c} |" for c in field_cells(r)) if rf else ""
        lines.append(f"| {r.index + 1} | {r.name} | {type_label(r)} | {shape(r.output_shape)} "
                     f"| {params} | {r.connections:,} | {r.neurons:,} | {r.macs:,} |{extra}")
    lines.append("")
    lines += [f"- {k}: {v}" for k, v in totals_lines(result.totals)]
    return "\n".join(lines)
