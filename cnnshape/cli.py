"""The command line: thin click commands over the library.

Only this module imports click; rich and yaml load inside the paths that use them.
"""
import os
import sys

import click

from . import __version__
from .arithmetic import MAX_INT

# flag -> field, so an error about kernel_size names the flag the user typed
CONV_FLAGS = {"kernel_size": "--f", "stride": "--s", "padding": "--p", "dilation": "--d",
              "groups": "--groups", "out_channels": "--k", "output_padding": "--output-padding",
              "ceil_mode": "--ceil-mode"}


MAX_SCAN = 20_000  # sizes one 'cnnshape inputs' run tries: ResNet-50 or GoogLeNet in ~3 s


class Sizes(click.ParamType):
    """``256`` or one value per axis: ``480x640``, ``16x112x112``.

    With ``low``, every value must lie in [low, MAX_INT]; without it the layer
    judges the values and names the field (kernel, stride, ...).
    """
    name = "N[xN...]"

    def __init__(self, low: int | None = None):
        self.low = low

    def get_metavar(self, param, ctx=None):
        return self.name  # as written: click would print N[XN...]

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            parts = tuple(int(v) for v in str(value).lower().split("x"))
        except ValueError:
            self.fail(f"{value!r} is not a whole number or NxN list (e.g. 224 or 480x640)",
                      param, ctx)
        if not 1 <= len(parts) <= 3:
            self.fail(f"{value!r} has {len(parts)} axes; give 1, 2 or 3", param, ctx)
        if self.low is not None:
            for v in parts:
                if not self.low <= v <= MAX_INT:
                    self.fail(f"{v} is not a size: give whole numbers from {self.low} "
                              f"to {MAX_INT}", param, ctx)
        return parts


class Pad(click.ParamType):
    """``2``, ``1x2`` (per axis), ``0:1x1:2`` ([begin, end] per axis), same, valid, full.

    Returns the mode name, or a tuple with one entry per axis given: an int or
    a [begin, end] pair.
    """
    name = "P"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        text = str(value).lower()
        if text in ("same", "valid", "full"):
            return text
        try:
            axes = []
            for part in text.split("x"):
                if ":" in part:
                    begin, end = part.split(":")
                    axes.append([int(begin), int(end)])
                else:
                    axes.append(int(part))
        except ValueError:
            self.fail(f"{value!r} is not a padding: give N, NxN, B:E per axis, or "
                      "same/valid/full", param, ctx)
        if not 1 <= len(axes) <= 3:
            self.fail(f"{value!r} has {len(axes)} axes; give 1, 2 or 3", param, ctx)
        return tuple(axes)


class InputShape(Sizes):
    """A channels-first shape without the batch: ``3x224x224``, ``1x28x28``, ``2x100``."""
    name = "CxHxW"

    def convert(self, value, param, ctx):
        text = str(value).lower().replace(",", "x").strip("[]() ")
        try:
            parts = tuple(int(v) for v in text.split("x"))
        except ValueError:
            self.fail(f"{value!r} is not a shape such as 3x224x224", param, ctx)
        if not 1 <= len(parts) <= 4 or min(parts) < 1:
            self.fail(f"{value!r}: give 1 to 4 positive sizes, channels first", param, ctx)
        from .layers import Problem, check_shape
        try:
            check_shape(parts, "input")  # the engine's own bound, as on the spec's input:
        except Problem as p:
            self.fail(p.message, param, ctx)
        return parts


class Whole(click.ParamType):
    """A whole number in [low, high], checked like click.IntRange, but the help shows N,
    not ``[1<=x<=2147483647]``: the range is named in the error, where it helps."""
    name = "N"

    def __init__(self, low: int = 1, high: int = MAX_INT):
        self.low, self.high = low, high

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a whole number", param, ctx)
        if not self.low <= number <= self.high:
            self.fail(f"{number} is out of range: give a whole number from {self.low} to "
                      f"{self.high}", param, ctx)
        return number


class ColumnList(click.ParamType):
    """``--columns input,output,params%,macs``: tokens of render.cells.COLUMNS (or their
    aliases), in the order given."""
    name = "LIST"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        from .render.cells import COLUMNS, column_token
        tokens = []
        for word in str(value).split(","):
            if not word.strip():
                continue
            token = column_token(word)
            if token is None:
                from .spec.names import suggest
                hint = suggest(word.strip().lower(), COLUMNS)
                self.fail(f"{word.strip()!r} is not a column" + (f"; {hint}" if hint else "")
                          + f" (choose from: {', '.join(COLUMNS)})", param, ctx)
            tokens.append(token)
        if not tokens:
            self.fail("give at least one column", param, ctx)
        return tuple(dict.fromkeys(tokens))


class Format(click.Choice):
    """One ``--format`` vocabulary for every command: ``text`` for people (the default),
    ``json`` for programs, and a command's own extras.  ``names`` maps each shown name to
    the renderer's; ``table``, the older name of ``text``, is still accepted."""

    def __init__(self, names: dict[str, str], aliases: dict[str, str] | None = None):
        super().__init__(list(names), case_sensitive=False)
        self.names = names
        self.aliases = {"table": "text"} if aliases is None else aliases

    def convert(self, value, param, ctx):
        if value in self.names.values() and value not in self.names:
            return value  # the default, already converted
        value = self.aliases.get(str(value).lower(), value)
        return self.names[super().convert(value, param, ctx)]


def complete_spec(ctx, param, incomplete):
    """SPEC completes to zoo names and to files: the shell lists the files itself."""
    from click.shell_completion import CompletionItem
    from .api import zoo_names
    names = [CompletionItem(n) for n in zoo_names() if n.startswith(incomplete)]
    return [CompletionItem(incomplete, type="file"), *names]


def complete_path(ctx, param, incomplete):
    """Files and folders, completed by the shell itself."""
    from click.shell_completion import CompletionItem
    return [CompletionItem(incomplete, type="file")]


SIZES, PAD, SHAPE, EXTENT = Sizes(), Pad(), InputShape(), Sizes(low=1)
COUNT = Whole(1, MAX_INT)
FORMAT_HELP = "Output format (docs/cli.md, Formats)."


@click.group(name="cnnshape", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cnnshape", help="Show the version and exit.")
def main():
    """What every layer of a CNN outputs, and what it costs."""


def _fail(problems) -> None:
    """Raise the problems as located diagnostics, named by the flag at fault."""
    from .diagnostics import Diagnostic, SpecError
    diags = [Diagnostic(CONV_FLAGS.get(p.field, "cnnshape"), 0, 0, p.code, "error",
                        p.message, p.hint) for p in problems]
    raise SpecError(diags)


def _color() -> bool:
    """no-color.org: a non-empty NO_COLOR turns colour off, and wins; force-color.org: a
    non-empty FORCE_COLOR turns it on even when piped; else colour on a terminal that
    is not TERM=dumb (Emacs shell buffers, some CI pseudo-terminals)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def _width() -> int | None:
    """Columns to fit: COLUMNS if set, else the terminal's; None when piped, since a file
    has no right margin.  TERM plays no part: rich capped TERM=dumb at 80 and cut numbers."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        import shutil
        return shutil.get_terminal_size().columns
    return None


def _page(text: str, pager: bool = True, color: bool = False) -> None:
    """Print ``text``; as git does, through a pager when stdout is a terminal and the text is
    taller than it: CNNSHAPE_PAGER, else PAGER, else ``less`` with LESS=FRX (quit if one
    screen, keep colour, leave the text on screen).  An empty CNNSHAPE_PAGER or ``cat``,
    --no-pager, or TERM=dumb prints directly."""
    import shutil
    command = os.environ.get("CNNSHAPE_PAGER", os.environ.get("PAGER"))
    if command is None:
        command = "less" if shutil.which("less") else ""
    # a dumb terminal (Emacs M-x shell) cannot run a full-screen pager
    if (not pager or command.strip() in ("", "cat") or not sys.stdout.isatty()
            or os.environ.get("TERM") == "dumb"
            or text.count("\n") + 1 < shutil.get_terminal_size().lines):
        click.echo(text, color=color)  # click would strip FORCE_COLOR's colour from a pipe
        return
    import subprocess
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    data = (text + "\n").encode(sys.stdout.encoding or "utf-8", "replace")
    sys.stdout.flush()
    proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)  # as git runs it
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except BrokenPipeError:  # the reader quit before the end: what they saw is enough
        pass
    if proc.wait() == 127:  # the shell found no such pager: the text must still be shown
        click.echo(text)


def _axes(dims, per_axis: dict) -> int:
    """Spatial axes: --dims, else the longest per-axis value, else 2 (an image).

    Every per-axis flag must give one value (for all axes) or one per axis; a
    mismatch is a usage error naming the flag, whichever flag it is.
    """
    widest = max(per_axis, key=lambda flag: len(per_axis[flag]))
    n = dims or len(per_axis[widest])
    n = n if dims or n > 1 else 2
    for flag, values in per_axis.items():
        if len(values) not in (1, n):
            source = "--dims asks for" if dims else f"{widest} has"
            raise click.UsageError(
                f"{flag} has {len(values)} axes but {source} {n}: give one value for all "
                f"axes or one per axis ({'x'.join(['N'] * n)})")
    return n


def _window_command(family: str, fields: dict, per_axis: dict, c, dims, explain: bool,
                    fmt: str, framework=None):
    """One conv or pool layer from flags.  ``per_axis`` maps a field name to its flag
    and the tuple click parsed (one value for all axes, or one per axis)."""
    from .graph import analyze_layer
    from .layers import Problem, Problems, kind
    given = {flag: v for flag, v in per_axis.values() if isinstance(v, tuple)}
    n = _axes(dims, given)
    for field, (flag, values) in per_axis.items():
        if values is None:                  # not given: the layer's (framework's) default
            continue
        if not isinstance(values, tuple):   # a mode ('same')
            fields[field] = values
        elif field == "padding" and len(values) == 1 and isinstance(values[0], int):
            fields[field] = values[0]       # one int for every axis, as written (flax's
            #                                 pools tell an int from a pair per axis)
        elif len(values) == n:
            fields[field] = list(values)
        else:                               # one value, an int or a [begin, end] pair
            fields[field] = [values[0]] * n
    w = tuple(fields.pop("size"))
    fields = {k: v for k, v in fields.items() if v is not None}
    try:
        layer = kind(f"{family}{n}d").build(fields, framework)
        report = analyze_layer(layer, w, c)
    except Problems as e:
        _fail(e.problems)
    except Problem as p:
        _fail([p])
    from .render import render_layer
    if fmt == "auto":  # `cnnshape conv --w 256 --f 12 --s 4 --p 2` answers 63, nothing more
        fmt = "plain" if c is None else "table"
    collapse = all(len(v) == 1 for v in given.values())
    color = _color()
    click.echo(render_layer(report, fmt, explain=explain, color=color, width=_width(),
                            collapse=collapse), color=color)


def _report_errors(func):
    """The CLI's one place that turns a SpecError into printed diagnostics and exit 1."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as e:
            # diagnostics load only here, on the error path, to keep start-up cheap
            from .diagnostics import SpecError, format_text
            if not isinstance(e, SpecError):
                raise
            click.echo(format_text(e.diagnostics), err=True)
            sys.exit(1)
    return wrapper


# conv and pool share these; each command lists them in the order the formula reads:
# W, F, S, P, D, then channels and filters, then the layer's kind, then the output.
W = click.option("--w", "w", type=EXTENT, required=True,
                 help="Input size W: 256, or one per axis (480x640, 16x112x112).")
F = click.option("--f", "f", type=SIZES, required=True, help="Kernel size F, or one per axis.")
P = click.option("--p", "p", type=PAD,
                 help="Padding P: N, per axis NxN, begin:end per axis, same, valid, full  "
                      "[default: 0, or the framework's]")
D = click.option("--d", "d", type=SIZES, help="Dilation D, or one per axis  [default: 1]")
FRAMEWORK = click.option(
    "--framework", type=click.Choice(["torch", "tensorflow", "keras", "onnx", "mindspore",
                                      "paddle", "mxnet", "jax", "caffe"]),
    help="Compute as this framework does: its defaults for what is not given, its rounding "
         "and 'same' rules, its refusals  [default: the spec's framework:, else torch's "
         "arithmetic with TF's 'same']")
C = click.option("--c", "c", type=COUNT, help="Input channels C.")
DIMS = click.option("--dims", type=Whole(1, 3),
                    help="Spatial axes: 1, 2 or 3  [default: from per-axis values, else 2]")
EXPLAIN = click.option("--explain", is_flag=True,
                       help="Show the formula with your numbers, step by step.")
LAYER_FORMAT = click.option(
    "--format", "fmt", type=Format({"auto": "auto", "text": "table", "plain": "plain",
                                    "json": "json"}),
    default="auto", show_default=True,
    help="auto: plain when only the size is asked, else text (a table); plain: the bare size.")


@main.command()
@W
@F
@click.option("--s", "s", type=SIZES, help="Stride S, or one per axis  [default: 1]")
@P
@D
@C
@click.option("--k", "k", type=COUNT, help="Number of filters K (output channels).")
@click.option("--groups", type=COUNT, help="Groups g: channels split into g independent "
              "convolutions  [default: 1]")
@click.option("--bias/--no-bias", default=None,
              help="One bias per filter  [default: --bias, or the framework's]")
@click.option("--transposed", is_flag=True, help="Transposed convolution (ConvTranspose).")
@click.option("--output-padding", type=SIZES,
              help="Extra size at the end of a transposed convolution's output  [default: 0, "
                   "or the framework's]")
@FRAMEWORK
@DIMS
@EXPLAIN
@LAYER_FORMAT
@_report_errors
def conv(w, f, s, p, d, c, dims, k, groups, bias, transposed, output_padding, framework,
         explain, fmt):
    """Output size (and, with --c and --k, shape and costs) of one convolution.

    \b
    Example:
        cnnshape conv --w 256 --f 12 --s 4 --p 2
        cnnshape conv --w 28 --f 5 --c 1 --k 32
    """
    if (c is None) != (k is None):
        raise click.UsageError("give --c (input channels) and --k (filters) together, "
                               "or neither for the output size alone")
    fields = {"out_channels": k or groups or 1, "groups": groups, "bias": bias}
    per_axis = {"size": ("--w", w), "kernel_size": ("--f", f), "stride": ("--s", s),
                "padding": ("--p", p), "dilation": ("--d", d)}
    if transposed:
        per_axis["output_padding"] = ("--output-padding", output_padding)
    elif output_padding is not None:
        raise click.UsageError("--output-padding needs --transposed")
    _window_command("conv_transpose" if transposed else "conv", fields, per_axis, c, dims,
                    explain, fmt, framework)


@main.command()
@W
@F
@click.option("--s", "s", type=SIZES, help="Stride S, or one per axis  [default: F]")
@P
@D
@C
@click.option("--mode", type=click.Choice(["max", "avg"]), default="max", show_default=True,
              help="Max or average pooling.")
@click.option("--ceil-mode/--no-ceil-mode", default=None,
              help="Round up, as torch ceil_mode=True (a window starting in the padding is "
                   "dropped; --framework gives another framework's rule)  [default: off, or "
                   "the framework's]")
@FRAMEWORK
@DIMS
@EXPLAIN
@LAYER_FORMAT
@_report_errors
def pool(w, f, s, p, d, c, dims, mode, ceil_mode, framework, explain, fmt):
    """Output size (and, with --c, shape) of one max or average pool.

    \b
    Example:
        cnnshape pool --w 224 --f 3 --s 2
    """
    fields = {"ceil_mode": ceil_mode}
    per_axis = {"size": ("--w", w), "kernel_size": ("--f", f), "stride": ("--s", s),
                "padding": ("--p", p)}
    if mode == "max" or framework is not None:
        per_axis["dilation"] = ("--d", d)   # a framework refuses it in its own words
    elif d is not None and d != (1,):
        raise click.UsageError("--d (dilation) is for --mode max; torch's AvgPool has none")
    _window_command(f"{mode}pool", fields, per_axis, c, dims, explain, fmt, framework)


FRAMEWORK_NAMES = ["torch", "tensorflow", "keras", "onnx", "mindspore", "paddle", "mxnet",
                   "jax", "caffe"]


@main.command()
@click.argument("spec", shell_complete=complete_spec)
@click.option("--to", "target", type=click.Choice(FRAMEWORK_NAMES), required=True,
              help="The framework you port to.")
@click.option("--from", "source", type=click.Choice(FRAMEWORK_NAMES),
              help="The framework the spec is written for  [default: its framework:, else "
                   "torch's arithmetic with TF's 'same']")
@click.option("--input", "input_shape", type=SHAPE, help="Input shape, overriding the spec's.")
@click.option("--format", "fmt", type=Format({"text": "text", "json": "json",
                                               "markdown": "markdown", "github": "github"}),
              default="text", show_default=True,
              help="markdown: for a pull request or $GITHUB_STEP_SUMMARY; github: workflow "
                   "commands that annotate the diff.")
@_report_errors
def port(spec, target, source, input_shape, fmt):
    """Where a network computes differently in another framework, why, and the fix.

    SPEC is a YAML file or a zoo name (see cnnshape zoo). Each convolution and pool is rebuilt from its fields as written, so an argument left
    out takes the target's default, and run on the input it has in the source. For each
    layer that differs: both shapes and params, the rule that makes the difference, and a
    change, checked before it is shown, that makes the target agree. Exit code 0: the
    network computes the same; 1: it does not (or the spec has errors).

    \b
    Example:
        cnnshape port docs/ports/mindspore_net.yaml --to torch
        cnnshape port docs/ports/googlenet_caffe.yaml --to torch --format markdown
    """
    from .api import paused_gc
    from .port import RENDERERS
    from .port import port as compare
    with paused_gc():
        report = compare(spec, target, source, input_shape)
    click.echo(RENDERERS[fmt](report))
    sys.exit(1 if report.differs else 0)


class FailOn(click.ParamType):
    """A --fail-on threshold (cnnshape.diff.parse_threshold): params>+5%, output, ..."""
    name = "THRESHOLD"

    def convert(self, value, param, ctx):
        from .diff import Threshold, parse_threshold
        if isinstance(value, Threshold):
            return value
        try:
            return parse_threshold(value)
        except ValueError as e:
            from .render.cells import printable
            self.fail(f"{printable(repr(str(value)))}: {e}", param, ctx)


@main.command()
@click.argument("old", shell_complete=complete_spec)
@click.argument("new", shell_complete=complete_spec)
@click.option("--all", "show_all", is_flag=True,
              help="List every layer, not only those that changed.")
@click.option("--fail-on", "fail_on", type=FailOn(), multiple=True,
              help="Exit 1 when the change crosses this threshold; repeatable. "
                   "METRIC>AMOUNT or METRIC<AMOUNT, METRIC one of params (in all), "
                   "trainable, non_trainable, macs, flops; AMOUNT a change in percent of "
                   "the old value (+5%, -10%) or absolute, a whole number with an optional "
                   "k, M or G (1000000, +2M); or 'output': any change of the output shape.")
@click.option("--format", "fmt", type=Format({"text": "text", "json": "json",
                                               "markdown": "markdown", "github": "github"}),
              default="text", show_default=True,
              help="markdown: for a pull request or $GITHUB_STEP_SUMMARY; github: workflow "
                   "commands that annotate the changed lines of NEW.")
@FRAMEWORK
@_report_errors
def diff(old, new, show_all, fail_on, fmt, framework):
    """What a change did to a network: each layer's shape, params and MACs before and after.

    OLD and NEW are each a YAML file, a zoo name (see cnnshape zoo), or REV:path, the file
    as git has it at a revision (git show REV:path, run in the current directory). Layers
    are matched by name, then the rest by position (same type first); the others are added
    or removed. Only changed layers are listed (--all lists every one), with what changed
    in the layer itself, what an upstream change moved (a linear layer's in_features), and
    the totals with their absolute and relative change.

    --fail-on params>+5% fails when the parameters grow by more than 5%, params<-5% when
    they shrink by more, params>1000000 when they grow by more than a million, output when
    the output shape changes. Exit code 0: no threshold crossed; 1: one was (or a spec has
    errors); 2: usage error (a malformed threshold).

    \b
    Example:
        cnnshape diff main:specs/net.yaml specs/net.yaml
        cnnshape diff docs/diff/lenet5_old.yaml docs/diff/lenet5_new.yaml --format markdown
        cnnshape diff lenet5 specs/my_lenet.yaml --fail-on 'params>+5%' --fail-on output
    """
    from .api import diff as compare
    from .render.diff import render_diff
    report = compare(old, new, fail_on, framework)
    click.echo(render_diff(report, fmt, show_all))
    sys.exit(1 if report.failed else 0)


SCALE = click.option(
    "--scale", type=click.Choice(list("nsmlx")),
    help="An Ultralytics YAML's model scale  [default: from the file name, as Ultralytics "
         "takes it: yolov8n.yaml -> n; else the first in its scales]")


def _dtypes():
    from .memory import DTYPES
    return list(DTYPES)


BATCH = click.option("--batch", type=COUNT,
                     help="Batch size the byte figures assume; given (or --dtype or "
                          "--optimizer), the totals add the inference peak and the training "
                          "memory  [default: 1]")
DTYPE = click.option("--dtype", type=click.Choice(_dtypes()),
                     help="Element type of activations and parameters  [default: float32]")
OPTIMIZER = click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adam"]),
                         help="Optimizer whose state the training memory counts  "
                              "[default: adam]")


def _memory(spec, result, batch, dtype, optimizer):
    """The Memory the totals show, when --batch, --dtype or --optimizer asks for it."""
    if batch is None and dtype is None and optimizer is None:
        return None
    from .memory import estimate
    return estimate(spec, result, batch or 1, dtype or "float32", optimizer or "adam")


def _scale(scale) -> dict:
    return {} if scale is None else {"scale": scale}


@main.command()
@click.argument("spec", nargs=-1, required=True, shell_complete=complete_spec)
@click.option("--input", "input_shape", type=SHAPE,
              help="Input shape, channels first (3x227x227); overrides the spec's.")
@click.option("--format", "fmt", type=Format({"text": "table", "json": "json", "csv": "csv",
                                               "markdown": "markdown"}),
              default="text", show_default=True, help=FORMAT_HELP)
@click.option("--depth", type=COUNT,
              help="Collapse blocks nested deeper than this (1: top level only).")
@click.option("--rf", is_flag=True,
              help="Show each layer's receptive field, effective stride and padding "
                   "(the rf column).")
@click.option("--columns", type=ColumnList(),
              help="Columns after # name type, comma-separated: input, output, kernel, "
                   "params, params%, trainable, non_trainable, connections, neurons, macs, "
                   "flops, activation, rf, connected, note.")
@click.option("--units", is_flag=True,
              help="Counts as K/M/G (1,000-based) instead of exact numbers; JSON and CSV "
                   "stay exact.")
@BATCH
@DTYPE
@OPTIMIZER
@click.option("--pager/--no-pager", default=True, show_default=True,
              help="Page a table taller than the terminal (PAGER, default less -FRX).")
@SCALE
@FRAMEWORK
@_report_errors
def model(spec, input_shape, fmt, depth, rf, columns, units, batch, dtype, optimizer, pager,
          scale, framework):
    """Every layer's output shape and cost, with totals.

    SPEC is a YAML file, a zoo name (see cnnshape zoo), or layers written inline.

    \b
    Example:
        cnnshape model lenet5
        cnnshape model specs/vgg16.yaml --format json
        cnnshape model --input 1x28x28 "conv2d 32 k5" "maxpool2d 2" flatten "linear 10"
        cnnshape model resnet50 --columns output,params,params%,macs,activation --units
        cnnshape model googlenet --depth 2 --batch 32 --dtype float16
    """
    from .api import load, paused_gc
    from .graph import propagate
    from .render import render_model
    with paused_gc():
        loaded = load(spec, input_shape, framework, **_scale(scale))
        result = propagate(loaded)
        color = _color()
        text = render_model(result, fmt, depth=depth, color=color, width=_width(), rf=rf,
                            columns=columns, units=units, batch=batch or 1,
                            dtype=dtype or "float32",
                            memory=_memory(loaded, result, batch, dtype, optimizer))
    _page(text, pager, color)
    if result.warnings:
        from .diagnostics import format_text
        click.echo(format_text(result.warnings), err=True)


@main.command()
@click.option("--format", "fmt", type=Format({"text": "table", "json": "json"}),
              default="text", show_default=True, help=FORMAT_HELP)
def zoo(fmt):
    """List the networks shipped with cnnshape, usable by name.

    \b
    Example:
        cnnshape zoo
    """
    from .api import zoo_entries
    from .render import render_zoo
    click.echo(render_zoo(zoo_entries(), fmt, _width()))


@main.command()
def schema():
    """Print the JSON Schema of the spec format, for editors and the YAML language server.

    \b
    Example:
        cnnshape schema > cnnshape.schema.json
    """
    from .render.json import dumps
    from .schema import spec_schema
    click.echo(dumps(spec_schema()))


@main.command()
@click.argument("paths", nargs=-1, required=True, shell_complete=complete_path)
@click.option("--format", "fmt", type=Format({"text": "text", "json": "json",
                                               "github": "github"}),
              default="text", show_default=True,
              help="github: workflow commands that annotate the diff.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@FRAMEWORK
@click.option("--batch", type=COUNT, help="Batch size for the byte budgets, overriding "
              "what each spec's expect: assumes.")
@click.option("--dtype", type=click.Choice(_dtypes()), help="Element type for the byte "
              "budgets, overriding the specs'.")
@OPTIMIZER
def check(paths, fmt, strict, framework, batch, dtype, optimizer):
    """Validate specs for CI: one line per problem, then a summary.

    PATHS are spec files, directories (every *.yaml / *.yml in them) or globs. Exit code 0:
    no errors; 1: errors (or warnings with --strict); 2: usage error.

    \b
    Example:
        cnnshape check specs/*.yaml
        cnnshape check specs --format github --strict
    """
    from . import api
    from .diagnostics import FORMATS, format_summary, summary
    try:
        files = api.spec_files(paths)
    except OSError as e:
        if e.filename is None:  # spec_files' own: a pattern that matches nothing
            raise click.UsageError(f"no spec file matches {e.args[0]!r}")
        # a folder that cannot be listed may hold specs: passing without them would lie
        raise click.UsageError(f"cannot read {e.filename!r}: {e.strerror or e}")
    assume = {k: v for k, v in (("batch", batch), ("dtype", dtype), ("optimizer", optimizer))
              if v is not None}
    diagnostics = sorted(d for f in files for d in api.check(f, framework, assume))
    total = summary(diagnostics, len(files))
    if fmt == "json":
        click.echo(FORMATS["json"](diagnostics, total))
    else:
        if diagnostics:
            click.echo(FORMATS[fmt](diagnostics))
        click.echo(format_summary(total), err=fmt == "github")
    failed = total["errors"] or (strict and total["warnings"])
    sys.exit(1 if failed else 0)


class Open(click.ParamType):
    """A size per axis, or ? (left open: the solver finds it)."""
    name = "N[xN...]|?"

    def __init__(self, pairs: bool = False, bound: str | None = None):
        self.pairs, self.bound = pairs, bound  # bound: a key of solve.MAX_GIVEN

    get_metavar = Sizes.get_metavar

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        high = MAX_INT
        if self.bound:  # only solve uses Open, so its module loads here, not at start-up
            from .solve import MAX_GIVEN
            high = MAX_GIVEN[self.bound]
        out = []
        for part in str(value).lower().split("x"):
            if part in ("?", "open", ""):
                out.append(None)
                continue
            try:
                if self.pairs and ":" in part:
                    begin, end = part.split(":")
                    out.append((int(begin), int(end)))
                else:
                    v = int(part)
                    out.append((v, v) if self.pairs else v)
            except ValueError:
                self.fail(f"{value!r}: give a whole number per axis, or ? to leave it open",
                          param, ctx)
            values = out[-1] if self.pairs else (out[-1],)
            least = 0 if self.pairs else 1
            if not all(least <= v <= high for v in values):
                self.fail(f"{value!r} is out of range: give whole numbers from {least} to "
                          f"{high}, or ?", param, ctx)
        if not 1 <= len(out) <= 3:
            self.fail(f"{value!r} has {len(out)} axes; give 1, 2 or 3", param, ctx)
        return tuple(out)


@main.command()
@click.option("--out", "out", type=EXTENT, required=True, help="The output size you want.")
@click.option("--w", "w", type=Open(), default="?", help="Input size W (default: open).")
@click.option("--f", "f", type=Open(bound="kernel"), default="?",
              help="Kernel size F (default: open).")
@click.option("--s", "s", type=Open(bound="stride"), default="?", help="Stride S (default: open).")
@click.option("--p", "p", type=Open(pairs=True), default="?",
              help="Padding: N, begin:end, or ? (default: open).")
@click.option("--d", "d", type=Open(bound="dilation"), default="1", show_default=True,
              help="Dilation, or ? to leave it open.")
@click.option("--transposed", is_flag=True, help="Solve for a transposed convolution.")
@click.option("--all", "show_all", is_flag=True, help="List every solution, not the first 12.")
@click.option("--format", "fmt", type=Format({"text": "text", "json": "json"}),
              default="text", show_default=True, help=FORMAT_HELP)
@FRAMEWORK
def solve(out, w, f, s, p, d, transposed, show_all, fmt, framework):
    """Find the kernel, stride, padding, dilation or input size that give an output size.

    Leave any of --w --f --s --p --d open; every answer is checked by the forward
    arithmetic and marked exact when the windows tile the padded input with nothing left.

    \b
    Example:
        cnnshape solve --w 224 --f 3 --out 112
        cnnshape solve --w 64 --f 4 --out 64
        cnnshape solve --transposed --w 56 --f 3 --s 2 --out 112
    """
    from .render.solve import solve_json, solve_text
    from .solve import solve_axes
    _axes(None, {"--out": out, "--w": w, "--f": f, "--s": s, "--p": p, "--d": d})
    if transposed and any(v is not None and v[0] != v[1] for v in p):
        raise click.UsageError("--p: a transposed convolution takes one padding per axis "
                               "(torch's ConvTranspose pads both ends alike)")
    answers, dims = solve_axes(out, w, f, s, p, d, transposed)
    if framework is not None:   # only what that framework computes and accepts
        from .solve import for_framework
        answers = for_framework(answers, framework, transposed)
    click.echo(solve_json(answers, dims) if fmt == "json"
               else solve_text(answers, dims, show_all))
    if not all(a.solutions for a in answers):
        sys.exit(1)  # as a layer that cannot work: a script can tell "none" from "found"


@main.command()
@click.argument("spec", shell_complete=complete_spec)
@click.option("--range", "size_range", type=(COUNT, COUNT),
              default=(1, 2048), show_default=True, help="Smallest and largest size to try.")
@click.option("--all", "show_all", is_flag=True, help="List every accepted size.")
@click.option("--format", "fmt", type=Format({"text": "text", "json": "json"}),
              default="text", show_default=True, help=FORMAT_HELP)
@FRAMEWORK
@_report_errors
def inputs(spec, size_range, show_all, fmt, framework):
    """Which input sizes a network accepts, and which of them are exact.

    SPEC is a YAML file or a zoo name (see cnnshape zoo).

    Every size in the range goes through the network: accepted when every layer is valid,
    every merge fits and each linear layer receives the in_features it was built for;
    exact when no layer leaves input rows or columns over after its last window.

    \b
    Example:
        cnnshape inputs unet
        cnnshape inputs resnet50 --range 32 512
    """
    from .api import load, paused_gc
    from .inputs import scan
    from .render.inputs import inputs_json, inputs_text
    low, high = size_range
    if low > high:
        raise click.UsageError(f"--range {low} {high}: the smallest size comes first")
    if high - low >= MAX_SCAN:
        raise click.UsageError(f"--range {low} {high}: scan at most {MAX_SCAN:,} sizes at "
                               "a time (every size runs the whole network)")
    with paused_gc():
        spec_ = load((spec,), framework=framework)
        if len(spec_.input_shape) < 2:
            from .diagnostics import Diagnostic, SpecError
            raise SpecError([Diagnostic(spec_.path, *spec_.input_pos, "CS014", "error",
                                        f"input {list(spec_.input_shape)} has no spatial "
                                        "axis, so there is no input size to scan",
                                        "inputs scans [C, L], [C, H, W] or [C, D, H, W]")])
        scans = scan(spec_, low, high)
    click.echo(inputs_json(scans) if fmt == "json" else inputs_text(scans, show_all))


@main.command()
@click.argument("spec", nargs=-1, required=True, shell_complete=complete_spec)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the SVG here (default: standard output).")
@click.option("--input", "input_shape", type=SHAPE, help="Input shape, overriding the spec's.")
@click.option("--depth", type=COUNT,
              help="Draw blocks nested deeper than this as one box (1: top level only).")
@click.option("--scale", type=click.Choice(["log", "linear"]), default="log", show_default=True,
              help="How sizes map to drawn lengths (clamped; README.md, Pictures).")
@click.option("--theme", type=click.Choice(["light", "dark"]), default="light",
              show_default=True, help="Colours for a light or a dark page.")
@click.option("--no-kernels", is_flag=True, help="Do not draw the kernel windows.")
@click.option("--no-legend", is_flag=True, help="Do not draw the colour legend.")
@FRAMEWORK
@_report_errors
def draw(spec, output, input_shape, depth, scale, theme, no_kernels, no_legend, framework):
    """Draw the network as cuboids (SVG), as the AlexNet paper drew it.

    SPEC is a YAML file, a zoo name (see cnnshape zoo), or layers written inline.

    \b
    Example:
        cnnshape draw lenet5 -o lenet5.svg
        cnnshape draw googlenet --depth 1 --theme dark -o googlenet.svg
    """
    from .api import load, paused_gc
    from .graph import propagate
    from .render.svg import render_svg
    _not_an_input(output, spec)
    with paused_gc():
        result = propagate(load(spec, input_shape, framework))
    svg = render_svg(result, depth, scale=scale, theme=theme, kernels=not no_kernels,
                     legend=not no_legend)
    _write(svg, output)


OUTPUT_HINT = "'-o' / '--output'"


@main.command("import")
@click.argument("source", shell_complete=complete_path)
@click.argument("factory", required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the spec here (default: standard output).")
@click.option("--input", "input_shape", type=SHAPE,
              help="Input shape, channels first: an ONNX file's symbolic sizes, a module's "
                   "input.")
@SCALE
@_report_errors
def import_(source, factory, output, input_shape, scale):
    """Write a network from elsewhere as a readable cnnshape spec.

    SOURCE is an Ultralytics model YAML (yolov8n.yaml), an .onnx file, or the word
    'torch' followed by FACTORY, a module path and a callable that returns the network
    (package.module:factory). That last form runs your code, because you asked; 'model'
    and 'check' never run code from a spec.

    The spec gives the same shapes and counts as the source, so 'cnnshape check' can gate
    it in CI.

    \b
    Example:
        cnnshape import yolov8n.yaml -o yolov8n.cnnshape.yaml
        cnnshape import net.onnx -o net.yaml
        cnnshape import torch torchvision.models:resnet18 --input 3x224x224 -o r18.yaml
    """
    from .importers import read, sniff
    from .importers.write import dump
    if source == "torch":
        if not factory:
            raise click.UsageError("import torch needs a FACTORY: package.module:callable")
        kind, what = "torch", factory
    else:
        if factory:
            raise click.UsageError(f"unexpected extra argument {factory!r} (only "
                                   "'import torch' takes a FACTORY)")
        if not os.path.isfile(source):
            raise click.BadParameter(f"no such file: {source}", param_hint="SOURCE")
        kind, what = sniff(source), source
        if kind is None:
            raise click.BadParameter(
                f"{source} is neither an Ultralytics model YAML (backbone: and head:) nor "
                "an .onnx file; a cnnshape spec needs no import", param_hint="SOURCE")
    _not_an_input(output, [what] if kind != "torch" else [])
    options = {"input_shape": input_shape, **_scale(scale)}
    if kind == "torch" and input_shape is None:
        raise click.UsageError("import torch needs --input, the module's input shape "
                               "(CxHxW)")
    try:
        tree = read(kind, what, **options)
    except Exception as e:
        from .diagnostics import SpecError
        factory_error = "CS535"  # a factory that is not one: as click reports its usage
        if isinstance(e, SpecError) and {d.code for d in e.diagnostics} == {factory_error}:
            raise click.BadParameter("; ".join(d.message for d in e.diagnostics),
                                     param_hint="FACTORY") from None
        raise
    from .api import paused_gc
    from .graph import propagate
    from .spec import load_spec
    with paused_gc():  # what is written must load: the writer's bug is ours, not the user's
        propagate(load_spec(tree, path=what))
    header = (f"Imported by cnnshape {__version__} from {what}\n"
              "Check it with: cnnshape check FILE; edit it as any spec.")
    _write(dump(tree, header), output)


@main.command()
@click.argument("spec", nargs=-1, required=True, shell_complete=complete_spec)
@click.option("--to", "target", type=click.Choice(["pytorch", "keras", "onnx"]),
              required=True, help="The framework to write for.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the code or model here (default: standard output; an .onnx "
                   "model needs a file).")
@click.option("--input", "input_shape", type=SHAPE, help="Input shape, overriding the spec's.")
@click.option("--opset", type=click.Choice(["17", "18"]), default="18", show_default=True,
              help="The ONNX opset (--to onnx); the file's IR version goes with it.")
@SCALE
@_report_errors
def export(spec, target, output, input_shape, opset, scale):
    """Write the network as runnable framework code or an ONNX model.

    SPEC is a YAML file, a zoo name (see cnnshape zoo), or layers written inline.

    The code builds the network, runs one zeros input through it and asserts cnnshape's
    output shape, params and MACs when run as a script. What a framework cannot express
    directly (TF 'same' with stride 2 in torch, ceil mode in Keras) becomes its exact
    equivalent, never an approximation; what it cannot express at all is an error naming
    the layer.

    \b
    Example:
        cnnshape export lenet5 --to pytorch -o lenet5.py && python lenet5.py
        cnnshape export resnet18 --to keras -o resnet18_keras.py
        cnnshape export mobilenet_v2 --to onnx --opset 17 -o mobilenet_v2.onnx
    """
    from .api import load, paused_gc
    from .export import export as write
    from .graph import propagate
    _not_an_input(output, spec)
    if target == "onnx" and not output and sys.stdout.isatty():
        raise click.UsageError("an ONNX model is binary: give -o FILE.onnx, or redirect "
                               "standard output")
    with paused_gc():
        loaded = load(spec, input_shape, **_scale(scale))
        result = propagate(loaded)
    options = {"opset": int(opset)} if target == "onnx" else {}
    _write(write(loaded, result, target, **options), output)


def _not_an_input(output, specs) -> None:
    """Refuse an output that is one of the spec files read (-o spec.yaml would replace the
    spec with the picture), however it is spelt: ./spec.yaml, a link, a zoo name."""
    if not output or not os.path.exists(output):
        return
    from .api import resolve
    for spec in specs:
        source = resolve(spec)
        try:
            same = os.path.isfile(source) and os.path.samefile(source, output)
        except (OSError, ValueError):  # an inline layer is no file name
            same = False
        if same:
            from .render.cells import printable  # names typed or globbed may hold ESC
            raise click.BadParameter(f"{printable(output)} is the spec {printable(spec)}: "
                                     "writing there would destroy it; choose another file",
                                     param_hint=OUTPUT_HINT)


def _write(text: str | bytes, output) -> None:
    """Write ``text`` (or bytes) to ``output`` whole or not at all, or print it when there
    is none.

    The text goes to a temporary file beside the output, renamed over it only when
    complete: an interrupted or failed write (Ctrl-C, a full disk) leaves the old file as
    it was.  The new file keeps the old one's permissions (a new one gets the umask's);
    a symbolic link is followed, so the file it points to is the one replaced.
    """
    if not output:
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            click.echo(text, nl=False)
        return
    import tempfile
    target = os.path.realpath(output)
    tmp = None
    try:
        try:
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target),
                                   prefix=f".{os.path.basename(target)}.", suffix=".tmp")
        binary = isinstance(text, bytes)
        with open(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the name points at it
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except OSError as e:  # a folder that does not exist, no permission, a full disk
        from .render.cells import printable
        raise click.BadParameter(f"cannot write {printable(output)}: {e.strerror or e}",
                                 param_hint=OUTPUT_HINT)
    finally:
        if tmp is not None:  # failed or interrupted: the half-written file goes
            try:
                os.unlink(tmp)
            except OSError:
                pass


@main.command()
@click.argument("spec", nargs=-1, required=True, shell_complete=complete_spec)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the HTML here (default: standard output).")
@click.option("--input", "input_shape", type=SHAPE, help="Input shape, overriding the spec's.")
@click.option("--depth", type=COUNT,
              help="Collapse blocks nested deeper than this (1: top level only).")
@click.option("--theme", type=click.Choice(["light", "dark"]), default="light",
              show_default=True, help="The drawing's theme.")
@click.option("--columns", type=ColumnList(),
              help="The layer table's columns, as for 'cnnshape model --columns'.")
@click.option("--units", is_flag=True, help="Counts as K/M/G (1,000-based).")
@BATCH
@DTYPE
@OPTIMIZER
@FRAMEWORK
@_report_errors
def report(spec, output, input_shape, depth, theme, columns, units, batch, dtype, optimizer,
           framework):
    """One self-contained HTML file: drawing, sortable layer table, totals, problems.

    SPEC is a YAML file, a zoo name (see cnnshape zoo), or layers written inline.

    Works offline: CSS, SVG and script are inline. A spec with errors is reported on the
    terminal (exit 1), as by 'cnnshape model', and the file then lists the errors.

    \b
    Example:
        cnnshape report resnet50 -o resnet50.html
    """
    from .api import load, paused_gc
    from .diagnostics import SpecError
    from .graph import propagate
    from .render.cells import View
    from .render.html import render_html, render_html_problems
    from .render.svg import render_svg
    _not_an_input(output, spec)
    try:
        with paused_gc():
            loaded = load(spec, input_shape, framework)
            result = propagate(loaded)
    except SpecError as e:
        if output:  # the file still tells what is wrong, for a CI artifact
            _write(render_html_problems(" ".join(spec), e.diagnostics), output)
        raise
    svg = render_svg(result, depth, theme=theme)
    view = View(depth, columns=columns, units=units, batch=batch or 1, dtype=dtype or "float32",
                memory=_memory(loaded, result, batch, dtype, optimizer))
    _write(render_html(result, svg, result.warnings, depth, view), output)
