"""The help is one consistent, documented vocabulary: every option explained, one set of
--format names, conv and pool flags in the order the formula reads, and shell completion
that knows zoo names and files."""
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner

from cnnshape.cli import main

COMMANDS = sorted(main.commands.items())


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_every_option_has_help():
    # contexts as click builds them: a bare one would cache a help option without -h
    top = click.Context(main, info_name="cnnshape", **main.context_settings)
    contexts = [top] + [click.Context(cmd, parent=top, info_name=name) for name, cmd in COMMANDS]
    missing = [f"{ctx.command_path} {p.opts[0]}" for ctx in contexts
               for p in ctx.command.get_params(ctx)
               if isinstance(p, click.Option) and not p.help]
    assert missing == []


@pytest.mark.parametrize("name,cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_argument_is_explained_in_its_command_help(name, cmd):
    for p in cmd.params:
        if isinstance(p, click.Argument):
            assert p.name.upper() in cmd.help, (name, p.name)


@pytest.mark.parametrize("name", ["--help", *main.commands])
def test_help_shows_no_integer_range_clutter(name):
    """IntRange printed [1<=x<=2147483647] and INTEGER RANGE after half the options."""
    out = run(*([name] if name == "--help" else [name, "--help"])).output
    assert "<=x" not in out and "x>=" not in out and "INTEGER RANGE" not in out
    assert "Usage: cnnshape" in out


@pytest.mark.parametrize("args,flag", [
    (["conv", "--w", "9", "--f", "3", "--c", "0", "--k", "2"], "--c"),
    (["conv", "--w", "9", "--f", "3", "--dims", "4"], "--dims"),
    (["model", "lenet5", "--depth", "0"], "--depth"),
    (["inputs", "lenet5", "--range", "0", "9"], "--range"),
])
def test_a_number_out_of_range_names_the_range(args, flag):
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and f"'{flag}'" in r.output and "give a whole number from" in r.output


def test_every_format_option_speaks_one_vocabulary():
    """model --format text was rejected while check's default was text."""
    formats = {name: p for name, cmd in COMMANDS for p in cmd.params if p.name == "fmt"}
    assert set(formats) == {"check", "conv", "diff", "inputs", "model", "pool", "port",
                            "solve", "zoo"}
    for name, p in formats.items():
        assert {"text", "json"} <= set(p.type.choices), name
        assert p.default in ("text", "auto"), name
        assert p.help, name


@pytest.mark.parametrize("args", [["model", "lenet5"], ["zoo"], ["conv", "--w", "28", "--f", "5",
                                                                   "--c", "1", "--k", "32"],
                                  ["pool", "--w", "28", "--f", "2", "--c", "1"],
                                  ["solve", "--w", "224", "--f", "3", "--out", "112"],
                                  ["inputs", "lenet5"], ["check", "specs/lenet5.yaml"]])
def test_text_and_its_old_name_table_are_accepted_everywhere(args, monkeypatch):
    monkeypatch.chdir(Path(__file__).parent.parent)
    default = run(*args)
    for name in ("text", "table", "TEXT"):
        r = run(*args, "--format", name)
        assert (r.exit_code, r.output) == (default.exit_code, default.output), name


def test_conv_and_pool_options_read_as_the_formula():
    """W, F, S, P, D, then channels and filters, then the layer's kind, then whose
    arithmetic, then the output."""
    def order(name):
        return [p.opts[-1] for p in main.commands[name].params if isinstance(p, click.Option)]
    assert order("conv") == ["--w", "--f", "--s", "--p", "--d", "--c", "--k", "--groups",
                             "--bias", "--transposed", "--output-padding", "--framework",
                             "--dims", "--explain", "--format"]
    assert order("pool") == ["--w", "--f", "--s", "--p", "--d", "--c", "--mode", "--ceil-mode",
                             "--framework", "--dims", "--explain", "--format"]


# --- completion -------------------------------------------------------------------------------

def complete(*words, incomplete=""):
    items = ShellComplete(main, {}, "cnnshape", "_CNNSHAPE_COMPLETE").get_completions(
        list(words), incomplete)
    return [(i.type, i.value) for i in items]


@pytest.mark.parametrize("command", ["model", "draw", "report", "inputs"])
def test_a_spec_completes_to_zoo_names_and_files(command):
    """SPEC completed nothing, so turning completion on lost the shell's file completion."""
    got = complete(command, incomplete="res")
    assert ("plain", "resnet18") in got and ("plain", "resnet50") in got
    assert ("file", "res") in got  # the shell lists the files itself
    assert [v for t, v in got if t == "plain"] == ["resnet18", "resnet50", "resnext50_32x4d"]


def test_check_paths_and_outputs_complete_to_files():
    assert complete("check", incomplete="spe") == [("file", "spe")]
    assert complete("draw", "lenet5", "-o", incomplete="le") == [("file", "le")]


def test_commands_and_options_still_complete():
    assert ("plain", "model") in complete(incomplete="mo")
    assert ("plain", "--format") in complete("model", "lenet5", incomplete="--fo")
    assert [v for _, v in complete("model", "lenet5", "--format", incomplete="")] == [
        "text", "json", "csv", "markdown"]


def test_bash_completion_through_the_installed_command():
    """What bash's completion function runs: the command, told what was typed."""
    exe = Path(sys.executable).with_name("cnnshape")
    if not exe.exists():
        pytest.skip("the cnnshape script is not installed beside this Python")
    env = dict(os.environ, _CNNSHAPE_COMPLETE="bash_complete",
               COMP_WORDS="cnnshape model res", COMP_CWORD="2")
    out = subprocess.run([str(exe)], capture_output=True, text=True, env=env).stdout
    assert out.split() == ["file,res", "plain,resnet18", "plain,resnet50",
                           "plain,resnext50_32x4d"]
    env["_CNNSHAPE_COMPLETE"] = "bash_source"
    script = subprocess.run([str(exe)], capture_output=True, text=True, env=env).stdout
    assert "complete -o nosort -F _cnnshape_completion cnnshape" in script


def test_the_completion_instructions_are_documented():
    root = Path(__file__).parent.parent
    doc = (root / "docs" / "cli.md").read_text()
    for shell in ("bash", "zsh", "fish"):
        assert f"_CNNSHAPE_COMPLETE={shell}_source cnnshape" in doc
    assert "docs/cli.md" in (root / "README.md").read_text().split("completion")[1][:300]
