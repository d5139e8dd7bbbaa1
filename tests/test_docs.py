"""README.md cannot rot: every console example runs, and CI runs the README's commands."""
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnnshape.cli import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


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


EXAMPLES = console_examples(README)


def test_readme_has_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("command,expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(command, expected):
    argv = shlex.split(command)
    assert argv[0] == "cnnshape"
    r = CliRunner().invoke(main, argv[1:], catch_exceptions=False)
    assert r.exit_code == (1 if " error [" in expected else 0)
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
