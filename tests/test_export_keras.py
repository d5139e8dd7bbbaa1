"""cnnshape export --to keras, proved by running the code with Keras 3 on its torch backend.

Every zoo network and every YAML example of docs/spec.md is exported, and the files are run
(as scripts: their own asserts run too) by one subprocess with KERAS_BACKEND=torch, which
reports what Keras measured: the output shape of a zeros input and the trainable and
non-trainable weights.  These are compared with cnnshape.analyze's numbers, never with
anything the exporter computed.  Skipped only where keras is not installed.
"""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnnshape
from cnnshape.cli import main

ROOT = Path(__file__).resolve().parents[1]
ZOO = sorted(ROOT.glob("specs/*.yaml"))
DOC_EXAMPLES = re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "spec.md").read_text(), re.DOTALL)
# the kinds neither uses: activations, norms, rearrangements, 1d and 3d maps, splits, matmul
KINDS = sorted((ROOT / "tests" / "data" / "keras_kinds").glob("*.yaml"))
CASES = {**{p.stem: p.read_text() for p in ZOO},
         **{f"spec_md_{i}": text for i, text in enumerate(DOC_EXAMPLES)},
         **{f"kinds_{p.stem}": p.read_text() for p in KINDS}}

needs_keras = pytest.mark.skipif(importlib.util.find_spec("keras") is None,
                                 reason="keras is not installed (pip install keras)")

# Runs each file as a script, then reads what Keras built: one process, keras imported once.
RUNNER = r"""
import contextlib, io, json, math, os, runpy, sys, traceback
os.environ["KERAS_BACKEND"] = "torch"
import keras
for path in sys.argv[1:]:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            ns = runpy.run_path(path, run_name="__main__")
        model, y = ns["model"], ns["y"]  # the script ran the zeros input
        report = {"output_shape": list(y.shape[1:]),
                  "trainable": sum(math.prod(w.shape) for w in model.trainable_weights),
                  "non_trainable": sum(math.prod(w.shape) for w in model.non_trainable_weights),
                  "printed": out.getvalue().strip().splitlines()[-1]}
    except Exception:
        report = {"error": traceback.format_exc(limit=-3)}
    print(json.dumps({"path": path, **report}), flush=True)
"""


def run_keras(paths, timeout=600):
    """{path: what Keras measured} for files run by one subprocess on the torch backend."""
    # one thread: torch's default of one per core loses more to contention than it gains
    # on these single-sample runs (densenet121: 0.5 s against 2.4 s on two busy cores)
    env = {**os.environ, "KERAS_BACKEND": "torch", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", RUNNER, *map(str, paths)], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    reports = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            report = json.loads(line)
            reports[report.pop("path")] = report
    assert reports or done.returncode == 0, done.stderr[-3000:]
    return reports


def export(spec: Path, out: Path) -> Path:
    result = CliRunner().invoke(main, ["export", str(spec), "--to", "keras", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """Every case exported and run once: {case: (cnnshape's result, Keras' report)}."""
    tmp = tmp_path_factory.mktemp("keras")
    files = {}
    for case, text in CASES.items():
        spec = tmp / f"{case}.yaml"
        spec.write_text(text)
        files[case] = (spec, export(spec, tmp / f"{case}_keras.py"))
    reports = run_keras([py for _, py in files.values()])
    return {case: (cnnshape.analyze(spec), reports.get(str(py), {"error": "not run"}))
            for case, (spec, py) in files.items()}


@needs_keras
@pytest.mark.parametrize("case", list(CASES))
def test_keras_runs_to_cnnshape_numbers(measured, case):
    result, keras_report = measured[case]
    assert "error" not in keras_report, keras_report["error"]
    assert keras_report["output_shape"] == list(result.output_shape)
    assert keras_report["trainable"] == result.totals.params
    assert keras_report["non_trainable"] == result.totals.non_trainable_params
    assert keras_report["printed"].startswith("OK ")


def test_every_zoo_network_doc_example_and_kind_is_a_case(tmp_path):
    from cnnshape.export.keras import _WRITERS
    from cnnshape.layers import all_kinds
    assert len(ZOO) == 24 and len(DOC_EXAMPLES) >= 10
    assert set(_WRITERS) == set(all_kinds())  # a new kind gets a Keras writer, or a refusal
    run = set()
    for case, text in CASES.items():
        (tmp_path / f"{case}.yaml").write_text(text)
        run |= {row.type for row in cnnshape.analyze(tmp_path / f"{case}.yaml").layers}
    assert set(all_kinds()) - run == set()


# --- refusals: what Keras cannot express is an error naming the layer --------------------

def test_a_refusal_names_the_layer_and_exits_1(tmp_path):
    spec = tmp_path / "deconv.yaml"
    spec.write_text("input: [8, 16, 16]\nlayers:\n  - conv_transpose2d 8 k2 s2 g2 name=up\n")
    result = CliRunner().invoke(main, ["export", str(spec), "--to", "keras"],
                                catch_exceptions=False)
    assert result.exit_code == 1
    assert "[CS614] up (conv_transpose2d): Keras' Conv2DTranspose has no groups" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("layers, code", [
    (["batchnorm track_running_stats=false"], "CS612"),
    (["adaptive_avgpool2d 5"], "CS613"),
    (["maxpool2d 3 d2"], "CS615"),
    (["upsample 1.5"], "CS616"),
])
def test_refusals(layers, code, tmp_path):
    args = ["export", "--input", "4x16x16", *layers, "--to", "keras"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert f"[{code}]" in result.output


# --- small random conv/pool chains: shapes through Keras' padding, ceil mode, 'same' ------

LAYER = st.one_of(
    st.builds(lambda c, k, s, p, d: f"conv2d {c} k{k} s{s} p{p} d{d}",
              st.integers(1, 4), st.integers(1, 4), st.integers(1, 3),
              st.sampled_from(["0", "1", "2", "1x0", "same"]), st.integers(1, 2)),
    st.builds(lambda k, s, c: f"maxpool2d {k} s{s} p{k // 2} ceil_mode={c}",
              st.integers(1, 4), st.integers(1, 3), st.sampled_from(["true", "false"])),
    st.builds(lambda k, s, c: f"avgpool2d {k} s{s} ceil_mode={c}",
              st.integers(1, 3), st.integers(1, 3), st.sampled_from(["true", "false"])),
    st.builds(lambda c, k, s, p: f"conv_transpose2d {c} k{k} s{s} p{p} output_padding={s - 1}",
              st.integers(1, 3), st.integers(2, 4), st.integers(1, 3), st.integers(0, 1)),
)


@needs_keras
def test_random_chains_run_to_cnnshape_shapes(tmp_path):
    """A few dozen seeded chains, exported and run in one Keras process."""
    from cnnshape.diagnostics import SpecError
    chains = []

    @settings(max_examples=40, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(LAYER, min_size=1, max_size=4))
    def collect(layers):
        spec = tmp_path / f"chain{len(chains)}.yaml"
        spec.write_text("input: [3, 23, 19]\nlayers:\n"
                        + "".join(f"  - {layer}\n" for layer in layers))
        try:
            result = cnnshape.analyze(spec)
        except SpecError:
            return  # a chain cnnshape refuses (the map shrank away) is not a case
        out = CliRunner().invoke(main, ["export", str(spec), "--to", "keras", "-o",
                                        str(spec.with_suffix(".py"))], catch_exceptions=False)
        assert out.exit_code == 0, out.output
        chains.append((spec.with_suffix(".py"), result, layers))

    collect()
    assert len(chains) >= 20
    reports = run_keras([py for py, _, _ in chains])
    for py, result, layers in chains:
        report = reports[str(py)]
        assert "error" not in report, (layers, report["error"])
        assert report["output_shape"] == list(result.output_shape), layers
        assert report["trainable"] == result.totals.params, layers


RUFF = shutil.which("ruff", path=f"{Path(sys.executable).parent}{os.pathsep}"
                                 f"{os.environ.get('PATH', '')}")


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed")
def test_generated_code_passes_ruff(tmp_path):
    """Every zoo network's file, with pycodestyle, import order and 100 columns on top of
    ruff's defaults (which leave os.environ before an import alone: the backend is set so)."""
    files = [export(spec, tmp_path / f"{spec.stem}.py") for spec in ZOO]
    done = subprocess.run([RUFF, "check", "--no-cache", "--isolated", "--extend-select",
                           "E,W,I", "--line-length", "100", *map(str, files)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]


def test_the_file_imports_keras_alone():
    result = CliRunner().invoke(main, ["export", "lenet5_1998", "--to", "keras"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    imports = re.findall(r"^(?:import|from) (\w+)", result.output, re.MULTILINE)
    assert set(imports) == {"math", "os", "keras"}
    assert 'os.environ.setdefault("KERAS_BACKEND", "torch")' in result.output
    assert "model = keras.Model(inputs, output" in result.output


def test_every_refused_layer_is_named_at_once():
    args = ["export", "--input", "4x16x16", "maxpool2d 3 s1 d2", "adaptive_avgpool2d 5",
            "--to", "keras"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert "[CS615] pool1 (maxpool2d)" in result.output
    assert "[CS613] pool2 (adaptive_avgpool2d)" in result.output
