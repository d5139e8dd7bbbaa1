"""README.md cannot rot: every console example runs, and CI runs the README's commands."""
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnnshape.cli import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SPEC_DOC = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")


def console_examples(text):
    """(command, expected output) for each ``$ cnnshape ...`` line in ```console blocks."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        command, out = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command:
                    examples.append((command, "\n".join(out)))
                command, out = line[2:], []
            else:
                out.append(line)
        examples.append((command, "\n".join(out)))
    return examples


EXAMPLES = console_examples(README) + console_examples(SPEC_DOC)


def test_readme_has_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("command,expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(command, expected, tmp_path, monkeypatch):
    argv = shlex.split(command)
    assert argv[0] == "cnnshape"
    if any(a.endswith(".onnx") for a in argv):
        pytest.importorskip("onnx")  # the onnx extra; CI's conformance extra brings it
    if "-o" in argv:  # writes a file: run where it cannot litter the checkout
        monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, argv[1:], catch_exceptions=False)
    if "-o" in argv:
        written = tmp_path / argv[argv.index("-o") + 1]
        assert written.stat().st_size > 1000
    # an error, or a port that changes the network, exits 1
    assert r.exit_code == (1 if " error [" in expected or "\nexit 1: " in expected else 0)
    assert r.output.rstrip("\n") == expected


def bash_commands(text):
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, re.S)]


def test_ci_runs_the_readme_install_and_test_commands():
    install_and_run, test = bash_commands(README)[:2]
    assert "cnnshape conv --w 256 --f 12 --s 4 --p 2" in install_and_run
    ci = (ROOT / ".ci" / "run").read_text()
    install, _, command = test.partition(" && ")
    assert install.replace("pip install ", "pip install -q ") in ci
    assert re.search(rf"^{re.escape(command)}\b", ci, re.M)


YAML_EXAMPLES = re.findall(r"```yaml\n(.*?)```", SPEC_DOC, re.S)


@pytest.mark.parametrize("text", YAML_EXAMPLES)
def test_spec_doc_yaml_examples_analyze(text, tmp_path):
    import cnnshape
    path = tmp_path / "example.yaml"
    path.write_text(text)
    result = cnnshape.analyze(path)
    assert result.layers


def test_spec_doc_json_example_is_real():
    import json

    import cnnshape
    (example,) = re.findall(r"```json\n(.*?)```", SPEC_DOC, re.S)
    documented = json.loads(example)
    real = cnnshape.analyze("lenet5").to_dict()
    assert documented["totals"] == real["totals"]
    assert documented["layers"][0] == real["layers"][0]
    assert set(documented) == set(real)


GENERATED = "<!-- Generated below from click's own help: `pytest --update-golden` rewrites it. -->"


def cli_reference() -> str:
    """The generated part of docs/cli.md: each command's --format names, then every
    command's --help as click prints it (the prose above the marker is written by hand)."""
    from cnnshape.cli import main
    parts = [GENERATED, "", "## Formats by command", "",
             "| command | `--format` | default |", "| --- | --- | --- |"]
    for name in sorted(main.commands):
        fmt = next((p for p in main.commands[name].params if p.name == "fmt"), None)
        if fmt is not None:
            choices = ", ".join(f"`{c}`" for c in fmt.type.choices)
            parts.append(f"| {name} | {choices} | `{fmt.default}` |")
    parts.append("")
    for name in [None, *sorted(main.commands)]:
        args = ["--help"] if name is None else [name, "--help"]
        out = CliRunner().invoke(main, args, terminal_width=100).output
        title = "cnnshape" if name is None else f"cnnshape {name}"
        parts += [f"## {title}", "", "```", out.rstrip(), "```", ""]
    return "\n".join(parts)


def test_cli_reference_is_current(request):
    path = ROOT / "docs" / "cli.md"
    written = path.read_text(encoding="utf-8")
    head, marker, _ = written.partition(GENERATED)
    assert marker, f"docs/cli.md lost its marker line: {GENERATED}"
    text = head + cli_reference()
    if request.config.getoption("--update-golden"):
        path.write_text(text, encoding="utf-8")
    assert written == text, "run pytest tests/test_docs.py --update-golden"


def test_the_reference_names_the_program():
    """The reference said 'Usage: main ...', the Python function's name."""
    assert "Usage: main" not in cli_reference()
    assert "Usage: cnnshape [OPTIONS] COMMAND" in cli_reference()


@pytest.mark.parametrize("code", re.findall(r"```python\n(.*?)```", README, re.S))
def test_readme_python_examples_run(code, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})


def test_readme_ci_snippets_are_real():
    import yaml
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", README, re.S)]
    workflow = next(b for b in blocks if "jobs" in b)
    runs = [s["run"] for s in workflow["jobs"]["cnnshape"]["steps"] if "run" in s]
    assert runs[-1] == "cnnshape check specs --format github"
    r = CliRunner().invoke(main, runs[-1].split()[1:] + [])
    assert r.exit_code == 0  # the zoo itself passes the gate
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    config = next(b for b in blocks if "repos" in b)
    assert config["repos"][0]["hooks"][0]["id"] == hooks[0]["id"]
    assert hooks[0]["entry"] == "cnnshape check"
    budget = next(b for b in blocks if "expect" in b)["expect"]
    spec = {"input": [1, 32, 32], "expect": budget, "layers": [
        "conv2d 6 k5", "relu", "maxpool2d 2", "conv2d 16 k5", "relu", "maxpool2d 2", "flatten",
        "linear 120", "relu", "linear 84", "relu", "linear 10"]}
    import cnnshape
    assert cnnshape.analyze(spec).totals.params == budget["params"]


TABLE_START = "<!-- dialects: generated from cnnshape/dialects.py; " \
    "`pytest tests/test_docs.py --update-golden` rewrites it -->"
TABLE_END = "<!-- end of the generated table -->"


def test_the_framework_rules_table_is_generated_from_the_dialects(request):
    """docs/spec.md's table of rules per framework is the dialect data, so it cannot drift."""
    from cnnshape.dialects import docs_table
    from conftest import check_generated
    check_generated(request, ROOT / "docs" / "spec.md", TABLE_START, TABLE_END, docs_table(),
                    "pytest tests/test_docs.py --update-golden")
