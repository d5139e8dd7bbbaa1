"""Run a recorded dialect case (tests/data/dialects) through `cnnshape conv/pool
--framework X` and compare with what the framework computed."""
import json
from functools import cache
from pathlib import Path

from click.testing import CliRunner

from cnnshape.cli import main

DATA = Path(__file__).parent / "data" / "dialects"


@cache
def recording(framework: str) -> dict:
    return json.loads((DATA / framework / "record.json").read_text())


@cache
def cases() -> dict:
    import sys
    sys.path.insert(0, str(DATA))
    try:
        from cases import CASES
    finally:
        sys.path.remove(str(DATA))
    return {c["id"]: c for c in CASES}


def frameworks() -> list[str]:
    return sorted(p.parent.name for p in DATA.glob("*/record.json"))


def _axes(value) -> str:
    return "x".join(map(str, value)) if isinstance(value, list) else str(value)


def cli_args(case: dict, framework: str) -> list[str]:
    """The flags that ask cnnshape what ``framework`` computes for ``case``: a key absent
    from the case is a flag not given, as the recorder did not pass the argument."""
    op = case["op"]
    args = ["conv" if op.startswith("conv") else "pool", "--framework", framework,
            "--dims", str(case["dims"]), "--w", _axes(case["input"][1:]),
            "--c", str(case["input"][0]), "--f", _axes(case["kernel_size"]),
            "--format", "json"]
    if op.startswith("conv"):
        args += ["--k", str(case["out_channels"])]
        if op == "conv_transpose":
            args.append("--transposed")
    else:
        args += ["--mode", op[:3]]
    for key, flag in (("stride", "--s"), ("padding", "--p"), ("dilation", "--d"),
                      ("groups", "--groups"), ("output_padding", "--output-padding")):
        if key in case:
            args += [flag, _axes(case[key])]
    if "bias" in case:
        args.append("--bias" if case["bias"] else "--no-bias")
    if "ceil_mode" in case:
        args.append("--ceil-mode" if case["ceil_mode"] else "--no-ceil-mode")
    return args


_RUNNER = CliRunner()


def run(case: dict, framework: str):
    """(exit code, output shape or None, params or None, the text printed)."""
    result = _RUNNER.invoke(main, cli_args(case, framework))
    if result.exit_code == 0:
        out = json.loads(result.stdout)
        return 0, out["output_shape"], out["params"] + out.get("non_trainable_params", 0), ""
    return result.exit_code, None, None, (result.stderr or result.output or
                                          repr(result.exception))


def mismatch(case: dict, recorded: dict, framework: str) -> str | None:
    """Why cnnshape disagrees with the recording for this case, or None."""
    code, shape, params, text = run(case, framework)
    error = recorded["error"]
    if error is None:
        if code != 0:
            return f"{framework} gives {recorded['shape']}, cnnshape refuses: {text.strip()}"
        if shape != recorded["shape"]:
            return f"{framework} gives {recorded['shape']}, cnnshape {shape}"
        if recorded["params"] is not None and params != recorded["params"]:
            return f"{framework} has {recorded['params']} params, cnnshape {params}"
        return None
    if code == 0:
        return f"{framework} refuses ({error}), cnnshape gives {shape}"
    if code != 1 or "Traceback" in text:
        return f"cnnshape failed with exit {code}: {text.strip()[:300]}"
    if error.startswith("empty") and "empty" not in text:
        return f"{framework} returns an empty tensor, cnnshape does not say so: {text.strip()}"
    return None
