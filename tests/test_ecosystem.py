"""The README's CI snippets work as written, and the sdist carries its own tests.

These run the real tools: pre-commit and pip install from a git URL, as a user's CI would,
with this checkout standing in for https://github.com/cnnshape/cnnshape (the network here
reaches only the package index). Each takes seconds, not milliseconds.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import venv
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
URL = "https://github.com/cnnshape/cnnshape"
YAML_BLOCKS = re.findall(r"```yaml\n(.*?)```", README, re.S)
PRE_COMMIT_SNIPPET = next(b for b in YAML_BLOCKS if "repos:" in b)
WORKFLOW_SNIPPET = next(b for b in YAML_BLOCKS if "jobs:" in b)
# the environment minus git's own variables, which would point a child git at our repository
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def run(*args, cwd=None, env=None, check=False):
    r = subprocess.run([str(a) for a in args], cwd=cwd, env=env or CLEAN_ENV,
                       capture_output=True, text=True, timeout=300)
    assert not check or r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture(scope="module")
def toplevel():
    """This checkout's git top level; the git-backed tests need a git checkout, not an sdist."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    r = run("git", "-C", ROOT, "rev-parse", "--show-toplevel")
    if r.returncode != 0 or Path(r.stdout.strip()).resolve() != ROOT.resolve():
        pytest.skip("not a git checkout of cnnshape (an unpacked sdist?)")
    return r.stdout.strip()


def git(toplevel, *args):
    return run("git", "-C", toplevel, *args, check=True).stdout.strip()


def readme_pins():
    """The commit the README's pre-commit snippet and its Actions install line pin."""
    config = yaml.safe_load(PRE_COMMIT_SNIPPET)["repos"][0]
    steps = yaml.safe_load(WORKFLOW_SNIPPET)["jobs"]["cnnshape"]["steps"]
    install = next(s["run"] for s in steps if s.get("run", "").startswith("pip install"))
    return config, install


def test_readme_pins_a_commit_of_this_history_that_has_the_hook(toplevel):
    config, install = readme_pins()
    assert config["repo"] == URL
    rev = str(config["rev"])
    # no tag exists, so the pin is a full SHA of main's history
    assert re.fullmatch(r"[0-9a-f]{40}", rev), f"rev {rev!r} is not a commit SHA"
    assert shlex.split(install) == ["pip", "install", f"cnnshape @ git+{URL}@{rev}"]
    ancestor = run("git", "-C", toplevel, "merge-base", "--is-ancestor", rev, "HEAD")
    assert ancestor.returncode == 0, f"README's rev {rev} is not an ancestor of HEAD"
    pinned = yaml.safe_load(git(toplevel, "show", f"{rev}:.pre-commit-hooks.yaml"))
    hook = next(h for h in pinned if h["id"] == config["hooks"][0]["id"])
    # the pinned hook is the fixed one: it defaults to specs and prints one summary
    assert hook["require_serial"] is True and "files" in hook


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    """Shared by the module so pre-commit builds the hook's environment once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def test_pre_commit_hook_with_its_defaults_checks_specs_only(toplevel, pre_commit_home,
                                                             tmp_path):
    repo = tmp_path / "user-repo"
    head = git(toplevel, "rev-parse", "HEAD")
    lenet = (ROOT / "specs" / "lenet5.yaml").read_text()
    files = {
        # the README's snippet, pointing at this checkout's HEAD instead of GitHub
        ".pre-commit-config.yaml": re.sub(r"rev: \S+", f"rev: {head}",
                                          PRE_COMMIT_SNIPPET.replace(URL, toplevel)),
        # YAML 1.1 reads 'on:' as True: a spec check would call it an unknown key
        ".github/workflows/ci.yml": "name: ci\non: [push]\njobs: {}\n",
        "config/settings.yaml": "learning_rate: 0.1\n",
        "specs/lenet5.yaml": lenet,
        "specs/broken.yaml": (ROOT / "tests" / "broken" / "unknown_type.yaml").read_text(),
        # more specs than pre-commit puts in one batch (4) on two cores, nested too
        **{f"specs/more/lenet5_{i}.yaml": lenet for i in range(4)},
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    env = {**CLEAN_ENV, "PRE_COMMIT_HOME": str(pre_commit_home)}

    def pre_commit():
        r = run(sys.executable, "-m", "pre_commit", "run", "--all-files", "--verbose",
                cwd=repo, env=env)
        return r.returncode, r.stdout + r.stderr

    code, out = pre_commit()
    assert code == 1, out
    assert "specs/broken.yaml:4:5: error [CS101] unknown layer type 'maxpol2d'" in out
    # no diagnostic for a YAML file outside specs/
    assert not re.search(r"^(?!specs/)\S+\.ya?ml:\d+:\d+: ", out, re.M), out
    assert "unknown top-level key" not in out
    # one cnnshape run, so one summary, however pre-commit batches the files (on one core
    # pre-commit makes one batch anyway, and this cannot fail)
    assert re.findall(r"^\d+ files? checked.*", out, re.M) == [
        "6 files checked: 1 error, 0 warnings"], out

    git(repo, "rm", "-q", "-f", "specs/broken.yaml")
    code, out = pre_commit()
    assert code == 0, out
    assert re.findall(r"^\d+ files? checked.*", out, re.M) == [
        "5 files checked: 0 errors, 0 warnings"], out

    # the README's way to pin: autoupdate --freeze writes the newest commit's SHA
    config = repo / ".pre-commit-config.yaml"
    config.write_text(re.sub(r"rev: \S+", "rev: v0.1.0", config.read_text()))
    run(sys.executable, "-m", "pre_commit", "autoupdate", "--freeze", cwd=repo, env=env, check=True)
    assert yaml.safe_load(config.read_text())["repos"][0]["rev"] == head


def test_readme_says_which_files_the_hook_checks():
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert f"`files:` is `{hook['files']}`" in README


def test_actions_install_line_installs_a_working_cnnshape(toplevel, tmp_path):
    _, install = readme_pins()
    steps = yaml.safe_load(WORKFLOW_SNIPPET)["jobs"]["cnnshape"]["steps"]
    check = shlex.split(steps[-1]["run"])
    # the line as written, with this checkout standing in for GitHub
    # localhost: the packaging that older pips vendor refuses a URL without a host
    argv = shlex.split(install.replace(f"git+{URL}@", f"git+file://localhost{toplevel}@"))
    assert argv[:2] == ["pip", "install"] and "file://" in argv[-1]
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin")
    run(bin_dir / "python", "-m", *argv, "-q", check=True)
    r = run(bin_dir / check[0], *check[1:], cwd=ROOT)
    # the zoo passes the gate; NiN's lost row is a warning annotation
    assert r.returncode == 0, r.stdout + r.stderr
    assert "::warning file=specs/nin.yaml" in r.stdout and "::error" not in r.stdout
    r = run(bin_dir / "cnnshape", "check", "tests/broken/unknown_type.yaml", "--format", "github",
            cwd=ROOT)
    assert r.returncode == 1 and r.stdout.startswith("::error file=tests/broken/unknown_type.yaml")


# What the test suite reads besides tests/test_*.py; all of it must be in the sdist.
SHIPPED_TREES = ["docs", "specs", "benchmarks", "tests"]
SHIPPED_FILES = [".pre-commit-hooks.yaml", ".ci/run", "README.md", "pyproject.toml"]


def test_sdist_ships_what_the_tests_need_and_builds_without_warnings(tmp_path):
    r = run(sys.executable, "-m", "build", "--sdist", "--outdir", tmp_path / "dist", ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    # setuptools' deprecations (the license table, say) become errors on a set date
    warnings = re.findall(r".*(?:deprecat|SetuptoolsWarning).*", r.stdout + r.stderr, re.I)
    assert not warnings
    (sdist,) = (tmp_path / "dist").glob("cnnshape-*.tar.gz")
    with tarfile.open(sdist) as tar:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(tmp_path, **safe)
    unpacked = tmp_path / sdist.name.removesuffix(".tar.gz")
    wanted = set(SHIPPED_FILES) | {
        p.relative_to(ROOT).as_posix() for tree in SHIPPED_TREES for p in (ROOT / tree).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    missing = sorted(f for f in wanted if not (unpacked / f).is_file())
    assert not missing, f"the sdist leaves out {missing}"
    # pytest as a user runs it in the unpacked sdist: its own code, its own data
    r = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
            "tests/test_docs.py", "tests/test_check.py::test_broken_spec_diagnostics", cwd=unpacked)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
