"""The library entry point: analyze(spec) -> Result."""
import gc
import os
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while a spec is loaded and analysed.

    Loading allocates millions of small acyclic objects, and each allocation burst
    makes the collector rescan everything alive: on a 100k-layer spec it tripled
    yaml.compose alone (5.2 s -> 0.7 s without it) and doubled the rest.  Nothing
    here forms reference cycles worth collecting; the collector resumes after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def zoo_dir() -> Path:
    """Where the shipped specs are: inside the installed package, or specs/ in a checkout."""
    here = Path(__file__).parent
    for candidate in (here / "specs", here.parent / "specs"):
        if candidate.is_dir():
            return candidate
    return here / "specs"


def zoo_names() -> list[str]:
    return sorted(p.stem for p in zoo_dir().glob("*.yaml"))


def _exists(p: Path, test=Path.exists) -> bool:
    """Path.exists and friends, False for a name the OS refuses (too long, NUL bytes):
    an inline layer string is tried as a path first."""
    try:
        return test(p)
    except (OSError, ValueError):
        return False


def resolve(source) -> str | dict:
    """A path as given, or a zoo name (``vgg16``) turned into its file."""
    if isinstance(source, dict):
        return source
    if not isinstance(source, (str, Path)):
        from .diagnostics import Diagnostic, SpecError
        raise SpecError([Diagnostic("<argument>", 0, 0, "CS000", "error",
                                    f"a spec is a path, a zoo name or a dict, got "
                                    f"{type(source).__name__}", "")])
    p = Path(source)
    if not _exists(p) and p.suffix == "" and _exists(zoo_dir() / f"{source}.yaml"):
        return str(zoo_dir() / f"{source}.yaml")
    return str(source)


def analyze(spec, input_shape=None, framework=None):
    """Shapes and costs of every layer of ``spec``: a path, a zoo name, or a dict in the
    YAML's structure.  ``input_shape`` overrides the spec's input, ``framework`` its
    ``framework:`` (cnnshape.dialects).  Raises SpecError."""
    from .graph import propagate
    with paused_gc():
        return propagate(load_file(resolve(spec), input_shape=input_shape,
                                   framework=framework))


def load_file(source, input_shape=None, framework=None, spelling=None, **options):
    """A Spec from a cnnshape spec file (or dict), or from a file an importer reads (an
    Ultralytics YAML, an .onnx file): ``options`` (``scale``) go to the importer.
    ``framework`` overrides the spec's ``framework:``; ``spelling``: see load_spec."""
    from .spec import load_spec
    if not isinstance(source, dict):
        from .importers import read, sniff
        kind = sniff(source)
        if kind is not None:
            tree = read(kind, str(source), input_shape=input_shape, **options)
            spec = load_spec(tree, path=str(source), input_shape=input_shape,
                             framework=framework, spelling=spelling)
            from importlib import import_module
            spec.extra_totals = getattr(import_module(f".importers.{kind}", __package__),
                                        "extra_totals", None)
            return spec
    return load_spec(source, input_shape=input_shape, framework=framework, spelling=spelling)


def spec_files(patterns) -> list[str]:
    """Files named by paths, directories (their *.yaml and *.yml, recursively) and globs.

    Raises FileNotFoundError naming a pattern that matches nothing, and OSError (with its
    filename) for a directory that cannot be listed: Path.rglob, os.walk and glob skip
    those silently, and a CI gate that passes without reading some specs is worse than
    one that fails."""
    import glob
    files = []
    for pattern in patterns:
        p = Path(pattern)
        if _exists(p, Path.is_dir):
            found = sorted(f for f in _walk(str(p)) if os.path.splitext(f)[1] in
                           (".yaml", ".yml") and os.path.isfile(f))
        elif _exists(p):
            found = [str(p)]
        else:
            _listable(str(pattern))
            found = sorted(glob.glob(str(pattern), recursive=True))
        if not found:
            raise FileNotFoundError(pattern)
        files += found
    return list(dict.fromkeys(files))


def _raise(error: OSError):
    raise error


def _walk(top: str, hidden: bool = True):
    """Every file under ``top``, as os.walk finds them (links to folders not followed);
    a folder it cannot list raises.  ``hidden=False`` skips dot-folders, as glob's ** does."""
    for root, dirs, names in os.walk(top, onerror=_raise):
        dirs[:] = [d for d in dirs if hidden or not d.startswith(".")]
        yield from (os.path.join(root, n) for n in names)


def _listable(pattern: str) -> None:
    """Raise OSError for a folder that glob(pattern) needs to list and cannot: those below
    the pattern's first wildcard part (recursively for **)."""
    import glob
    parts = Path(pattern).parts
    for i, part in enumerate(parts):
        if glob.has_magic(part):
            for folder in glob.glob(os.path.join(*parts[:i]) if i else os.curdir,
                                    recursive=True):
                if part == "**":
                    for _ in _walk(folder, hidden=False):
                        pass
                elif os.path.isdir(folder):
                    with os.scandir(folder):
                        pass
            if part == "**":
                return  # the walk has seen every folder below


def check(path, framework=None, assume=None) -> list:
    """Every problem of one spec file, errors and warnings, as Diagnostics (never raises
    SpecError): the CI gate's unit of work.  ``assume`` ({"batch": 32, "dtype": ...})
    overrides what the spec's byte budgets assume."""
    from .diagnostics import SpecError
    from .graph import propagate
    try:
        with paused_gc():
            spec = load_file(resolve(path), framework=framework)
            if assume and spec.expect is not None:
                expect = type(spec.expect)(spec.expect)
                for slot in getattr(type(expect), "__slots__", ()):  # where each key stands
                    if hasattr(spec.expect, slot):
                        setattr(expect, slot, getattr(spec.expect, slot))
                expect.update(assume)
                spec.expect = expect
            result = propagate(spec)
    except SpecError as e:
        return list(e.diagnostics)
    return list(result.warnings)


def load(args, input_shape=None, framework=None, **options):
    """The model command's SPEC: one path or zoo name, or else layers written inline
    (which need ``input_shape``); ``options`` go to an importer (see load_file)."""
    from .spec import inline_spec
    first = resolve(args[0])
    if len(args) == 1 and (Path(first).suffix in (".yaml", ".yml", ".onnx")
                           or _exists(Path(first), Path.is_file)):
        return load_file(first, input_shape, framework=framework, **options)
    if input_shape is None:
        from .diagnostics import Diagnostic, SpecError
        if len(args) > 1:
            raise SpecError([Diagnostic("<command line>", 0, 0, "CS000", "error",
                                        f"model takes one spec, got {len(args)} arguments",
                                        "run cnnshape check for several specs; layers "
                                        "written inline need --input CxHxW first")])
        raise _no_such_spec(args[0], "or --input CxHxW followed by inline layers")
    if len(args) == 1 and _bare_word(args[0]):
        # one word that is no file, no zoo name and no layer type was meant as a spec:
        # 'unknown layer type' would send the reader the wrong way
        raise _no_such_spec(args[0], "or a layer type written inline")
    return inline_spec(args, input_shape, framework=framework)


def _bare_word(arg: str) -> bool:
    """A word that cannot be an inline layer: no fields, and no layer type of that name."""
    from .layers import all_kinds
    return (isinstance(arg, str) and arg.strip() != "" and len(arg.split()) == 1
            and "=" not in arg and arg.strip() not in all_kinds())


def _no_such_spec(name: str, alternative: str):
    """SpecError: no spec file or zoo network has this name; the nearest zoo names."""
    from difflib import get_close_matches

    from .diagnostics import Diagnostic, SpecError
    names = zoo_names()
    close = [repr(n) for n in get_close_matches(str(name), names, n=3, cutoff=0.6)]
    if "inline" in alternative:  # a misspelt layer type is as likely
        from .layers import all_kinds
        close += [f"the layer type {n!r}" for n in
                  get_close_matches(str(name), list(all_kinds()), n=2, cutoff=0.6)]
    if close:
        nearest = "did you mean " + " or ".join(close) + "? "
    else:  # nothing alike: the zoo is short enough to list
        nearest = "the zoo has " + ", ".join(names[:12]) + (", ..." if names[12:] else "") + "; "
    hint = nearest + f"give a YAML file, a name from 'cnnshape zoo', {alternative}"
    return SpecError([Diagnostic("<command line>", 1, 1, "CS000", "error",
                                 f"no spec file or zoo network is named {str(name)!r}", hint)])


def zoo_entries() -> list[tuple[str, str, str]]:
    """(name, description, source) of every shipped spec."""
    from .spec import load_spec
    out = []
    for name in zoo_names():
        spec = load_spec(str(zoo_dir() / f"{name}.yaml"))
        out.append((name, spec.description, spec.source))
    return out


def diff(old, new, fail_on=(), framework=None):
    """cnnshape diff: the Diff (cnnshape.diff) of two specs, each a path, a zoo name or
    ``REV:path`` read from git in the current directory.  ``fail_on``: --fail-on texts.
    Raises SpecError with the problems of both specs."""
    from .diagnostics import SpecError
    from .diff import Threshold, compare, parse_threshold
    from .graph import propagate
    thresholds = [t if isinstance(t, Threshold) else parse_threshold(t) for t in fail_on]
    sides, problems = [], []
    with paused_gc():
        for arg in (old, new):
            try:
                spec, where = _diff_side(arg, framework)
                result = propagate(spec)
            except SpecError as e:
                problems += e.diagnostics
                continue
            sides.append((result, {n.name: _fields(n.layer) for n in spec.nodes}, where))
    if problems:
        raise SpecError(problems)
    (a, fields_a, _), (b, fields_b, where) = sides
    return compare(a, b, fields_a, fields_b, thresholds, str(old), str(new), where)


def _fields(layer) -> dict:
    """A layer's fields as built (defaults filled in), what its own change is judged by."""
    from dataclasses import fields
    return {f.name: getattr(layer, f.name) for f in fields(layer) if f.name != "in_features"}


def _diff_side(arg: str, framework=None):
    """(Spec, the file to annotate) for one side of a diff: a file or zoo name as
    ``model`` reads it, else ``REV:path`` from git."""
    source = resolve(arg)
    p = Path(source)
    if _exists(p) or ":" not in str(arg):
        if not _exists(p) and p.suffix not in (".yaml", ".yml", ".onnx"):
            raise _no_such_spec(arg, "or REV:path, a file as git has it at a revision")
        where = os.path.relpath(source) if os.path.isabs(source) and _inside_cwd(source) \
            else str(source)
        return load_file(source, framework=framework), where
    from .spec import load_spec
    rev, _, path = str(arg).partition(":")
    return load_spec(git_show(rev, path, str(arg)), path=str(arg), framework=framework), path


def _inside_cwd(path: str) -> bool:
    try:
        return not os.path.relpath(path).startswith("..")
    except ValueError:  # another drive
        return False


def git_show(rev: str, path: str, label: str) -> bytes:
    """The bytes of ``path`` at revision ``rev`` (``git show REV:path``, in the current
    directory), or SpecError naming both."""
    import subprocess

    from .diagnostics import Diagnostic, SpecError
    from .spec import MAX_BYTES

    def fail(message, hint=""):
        return SpecError([Diagnostic(label, 0, 0, "CS000", "error", message, hint)])
    if not path:
        raise fail(f"REV:path needs a path after the ':' (revision {rev!r})",
                   "e.g. main:specs/net.yaml")
    if rev.startswith("-"):  # git would read it as an option
        raise fail(f"{rev!r} is not a revision", "e.g. main, HEAD~1 or a commit SHA")
    try:
        done = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise fail(f"cannot run git to read {path!r} at revision {rev!r}: "
                   f"{getattr(e, 'strerror', None) or e}")
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = why[-1].removeprefix("fatal: ") if why else f"git exited {done.returncode}"
        raise fail(f"cannot read {path!r} at revision {rev!r}: {why}",
                   "REV:path reads a file as git has it at a revision; a path with ':' "
                   "that is a file is read as the file")
    if len(done.stdout) > MAX_BYTES:
        raise fail(f"the spec is larger than {MAX_BYTES // 2**20} MiB")
    return done.stdout
