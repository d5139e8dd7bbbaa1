"""cnnshape diff: layers matched by name and by position, what moved downstream, totals
and their change, every format, REV:path from git, --fail-on and exit codes.

Expected numbers come from analyze() of each spec on its own, never from the diff code."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnshape
from cnnshape.api import diff
from cnnshape.cli import main

ROOT = Path(__file__).parent.parent
OLD = "docs/diff/lenet5_old.yaml"
NEW = "docs/diff/lenet5_new.yaml"

LENET = ["conv2d 6 k5", "relu", "maxpool2d 2", "conv2d 16 k5", "relu", "maxpool2d 2",
         "flatten", "linear 120", "relu", "linear 84", "relu", "linear 10"]


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(*args):
    return CliRunner().invoke(main, ["diff", *args], catch_exceptions=False)


def write(tmp_path, name, layers, input_shape=(1, 32, 32)):
    """A spec file; layers are inline strings, so `name=` renames one."""
    path = tmp_path / name
    path.write_text(f"name: net\ninput: {list(input_shape)}\nlayers:\n"
                    + "".join(f"  - {layer}\n" for layer in layers))
    return str(path)


def pct(old, new):
    return f"{100 * (new - old) / old:+.1f}%"


# --- matching ----------------------------------------------------------------------------

def test_layers_are_matched_by_name():
    d = diff(OLD, NEW)
    old, new = cnnshape.analyze(OLD), cnnshape.analyze(NEW)
    assert [r.name for r in d.rows] == [r.name for r in new.layers]
    assert {r.matched_by for r in d.rows} == {"name"}
    changed = [o.name for o, n in zip(old.layers, new.layers)
               if (o.output_shape, o.input_shapes, o.params, o.macs)
               != (n.output_shape, n.input_shapes, n.params, n.macs)]
    assert [r.name for r in d.changed] == changed == [
        "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten1", "fc1"]
    assert (d.count("changed"), d.count("added"), d.count("removed"), d.count("same")) == \
        (8, 0, 0, 4)


def test_own_fields_and_what_moved_downstream():
    d = diff(OLD, NEW)
    rows = {r.name: r for r in d.rows}
    assert rows["conv1"].fields == (("out_channels", 6, 8),
                                    ("padding", ((0, 0), (0, 0)), ((2, 2), (2, 2))))
    assert not rows["conv1"].moved
    # fc1's own fields did not change; its in_features did, carried down from conv1
    old_fc1 = next(r for r in cnnshape.analyze(OLD).layers if r.name == "fc1")
    new_fc1 = next(r for r in cnnshape.analyze(NEW).layers if r.name == "fc1")
    assert (old_fc1.in_features, new_fc1.in_features) == (400, 576)
    assert rows["fc1"].moved and rows["fc1"].fields == ()
    assert rows["fc1"].value("in_features") == (400, 576)
    assert [r.name for r in d.rows if r.moved] == [
        "relu1", "pool1", "conv2", "relu2", "pool2", "flatten1", "fc1"]


def test_renamed_layers_pair_by_position_and_type(tmp_path):
    old = write(tmp_path, "old.yaml", LENET)
    # the last of each kind renamed, so automatic names of the others stay as they were
    renamed = LENET[:3] + ["conv2d 16 k5 name=body"] + LENET[4:11] + ["linear 10 name=logits"]
    d = diff(old, write(tmp_path, "new.yaml", renamed))
    rows = {r.name: r for r in d.rows}
    assert rows["body"].old.name == "conv2" and rows["body"].matched_by == "position"
    assert rows["logits"].old.name == "fc3" and rows["logits"].matched_by == "position"
    assert rows["body"].status == "changed" and rows["body"].values == ()  # only the name
    assert d.count("added") == d.count("removed") == 0
    out = run(old, str(tmp_path / "new.yaml")).output
    assert "~  conv2 -> body" in out and "body: renamed from conv2 (matched by position)" in out


def test_a_layer_of_another_type_is_paired_only_where_it_stood(tmp_path):
    old = write(tmp_path, "old.yaml", ["conv2d 4 k3", "relu name=act", "conv2d 4 k3"])
    new = write(tmp_path, "new.yaml", ["conv2d 4 k3", "gelu name=act2", "conv2d 4 k3"])
    (row,) = diff(old, new).changed
    assert (row.old.name, row.new.name, row.value("type")) == ("act", "act2", ("relu", "gelu"))
    assert "act2: renamed from act (matched by position); type relu -> gelu" in run(old, new).output


def test_same_type_is_preferred_when_pairing_by_position(tmp_path):
    old = write(tmp_path, "old.yaml", ["conv2d 4 k3 name=a", "relu name=r", "conv2d 8 k3 name=b"])
    new = write(tmp_path, "new.yaml", ["conv2d 4 k3 name=x", "conv2d 8 k3 name=y"])
    d = diff(old, new)
    pairs = [(r.old and r.old.name, r.new and r.new.name, r.status) for r in d.rows]
    assert pairs == [("a", "x", "changed"), ("r", None, "removed"), ("b", "y", "changed")]


def test_added_and_removed_layers(tmp_path):
    old = write(tmp_path, "old.yaml", LENET)
    # a dropout before fc1 (new), and the last relu gone
    layers = LENET[:7] + ["dropout 0.5"] + LENET[7:10] + LENET[11:]
    new = write(tmp_path, "new.yaml", layers)
    d = diff(old, new)
    assert [(r.status, r.name) for r in d.rows if r.status in ("added", "removed")] == [
        ("added", "dropout1"), ("removed", "relu4")]
    # a removed layer is listed where it stood: after fc2, before fc3
    names = [r.name for r in d.rows]
    assert names.index("fc2") < names.index("relu4") < names.index("fc3")
    out = run(old, new).output
    assert "+  dropout1" in out and "-  relu4" in out


# --- totals ------------------------------------------------------------------------------

def test_totals_and_percentages_match_each_spec_analysed_alone():
    a, b = cnnshape.analyze(OLD).totals, cnnshape.analyze(NEW).totals
    d = diff(OLD, NEW)
    want = {"params": (a.params + a.non_trainable_params, b.params + b.non_trainable_params),
            "trainable": (a.params, b.params),
            "non_trainable": (a.non_trainable_params, b.non_trainable_params),
            "macs": (a.macs, b.macs), "flops": (2 * a.macs, 2 * b.macs)}
    for key, (old, new) in want.items():
        t = d.total(key)
        assert (t.old, t.new, t.change) == (old, new, new - old), key
    assert (a.params, b.params) == (61_706, 83_678)
    out = run(OLD, NEW).output
    assert f"+{b.params - a.params:,} ({pct(a.params, b.params)})" in out  # +21,972 (+35.6%)
    assert f"+{b.macs - a.macs:,} ({pct(a.macs, b.macs)})" in out
    assert f"FLOPs (2 x MACs)  {2 * a.macs:,}  {2 * b.macs:,}" in out


def test_non_trainable_and_output_totals(tmp_path):
    old = write(tmp_path, "old.yaml", ["conv2d 8 k3", "flatten", "linear 10"], (3, 8, 8))
    new = write(tmp_path, "new.yaml", ["conv2d 8 k3", "batchnorm2d", "flatten", "linear 5"],
                (3, 8, 8))
    a, b = cnnshape.analyze(old), cnnshape.analyze(new)
    d = diff(old, new)
    assert d.total("non_trainable").new == b.totals.non_trainable_params == 16
    assert d.total("non_trainable").percent is None  # from 0: no ratio
    assert (d.old_output, d.new_output) == (a.output_shape, b.output_shape) == ((10,), (5,))
    out = run(old, new).output
    line = next(x for x in out.splitlines() if x.startswith("non-trainable"))
    assert line.split() == ["non-trainable", "0", "16", "+16", "(new)"]
    assert "output shape" in out and "changed" in out.splitlines()[-1]


def test_identical_specs_show_no_rows_but_the_totals():
    r = run("lenet5", "specs/lenet5.yaml")
    assert r.exit_code == 0
    assert "no layer changed (12 compared)" in r.output
    assert "~" not in r.output
    assert len(run("lenet5", "lenet5", "--all").output.splitlines()) > \
        len(r.output.splitlines()) + 12


# --- formats -----------------------------------------------------------------------------

TEXT = """\
old  docs/diff/lenet5_old.yaml  lenet5: [1, 32, 32] -> [10]
new  docs/diff/lenet5_new.yaml  lenet5: [1, 32, 32] -> [10]
8 layers changed, 0 added, 0 removed, 4 unchanged

   layer     type       output shape                            params                MACs
~  conv1     conv2d     [6, 28, 28] -> [8, 32, 32]          156 -> 208  117,600 -> 204,800
~  relu1     relu       [6, 28, 28] -> [8, 32, 32]                   0                   0
~  pool1     maxpool2d  [6, 14, 14] -> [8, 16, 16]                   0                   0
~  conv2     conv2d     [16, 10, 10] -> [16, 12, 12]    2,416 -> 3,216  240,000 -> 460,800
~  relu2     relu       [16, 10, 10] -> [16, 12, 12]                 0                   0
~  pool2     maxpool2d  [16, 5, 5] -> [16, 6, 6]                     0                   0
~  flatten1  flatten    [400] -> [576]                               0                   0
~  fc1       linear     [120]                         48,120 -> 69,240    48,000 -> 69,120

changed in the layer itself:
  conv1: out_channels 6 -> 8; padding [[0, 0], [0, 0]] -> [[2, 2], [2, 2]]

moved by an upstream change (the layer's own fields did not change):
  relu1: input [6, 28, 28] -> [8, 32, 32]
  pool1: input [6, 28, 28] -> [8, 32, 32]
  conv2: input [6, 14, 14] -> [8, 16, 16]
  relu2: input [16, 10, 10] -> [16, 12, 12]
  pool2: input [16, 10, 10] -> [16, 12, 12]
  flatten1: input [16, 5, 5] -> [16, 6, 6]
  fc1: in_features 400 -> 576

total                 old        new  change
params, in all     61,706     83,678  +21,972 (+35.6%)
trainable          61,706     83,678  +21,972 (+35.6%)
non-trainable           0          0  0
MACs              416,520    745,640  +329,120 (+79.0%)
FLOPs (2 x MACs)  833,040  1,491,280  +658,240 (+79.0%)
output shape         [10]       [10]  unchanged

FAILED  --fail-on params>+5%: params, in all +35.6%
passed  --fail-on output: output shape unchanged
exit 1: 1 of 2 --fail-on thresholds triggered
"""


def test_text_exactly():
    r = run(OLD, NEW, "--fail-on", "params>+5%", "--fail-on", "output")
    assert r.exit_code == 1
    assert r.output == TEXT


MARKDOWN = """\
### cnnshape diff: `docs/diff/lenet5_old.yaml` -> `docs/diff/lenet5_new.yaml`

- old: lenet5: [1, 32, 32] -> [10]
- new: lenet5: [1, 32, 32] -> [10]
- 8 layers changed, 0 added, 0 removed, 4 unchanged

| | layer | type | output shape | params | MACs |
|---|---|---|---|--:|--:|
| ~ | conv1 | conv2d | [6, 28, 28] -> [8, 32, 32] | 156 -> 208 | 117,600 -> 204,800 |
| ~ | relu1 | relu | [6, 28, 28] -> [8, 32, 32] | 0 | 0 |
| ~ | pool1 | maxpool2d | [6, 14, 14] -> [8, 16, 16] | 0 | 0 |
| ~ | conv2 | conv2d | [16, 10, 10] -> [16, 12, 12] | 2,416 -> 3,216 | 240,000 -> 460,800 |
| ~ | relu2 | relu | [16, 10, 10] -> [16, 12, 12] | 0 | 0 |
| ~ | pool2 | maxpool2d | [16, 5, 5] -> [16, 6, 6] | 0 | 0 |
| ~ | flatten1 | flatten | [400] -> [576] | 0 | 0 |
| ~ | fc1 | linear | [120] | 48,120 -> 69,240 | 48,000 -> 69,120 |

Changed in the layer itself:

- `conv1`: out_channels 6 -> 8; padding [[0, 0], [0, 0]] -> [[2, 2], [2, 2]]

Moved by an upstream change (the layer's own fields did not change):

- `relu1`: input [6, 28, 28] -> [8, 32, 32]
- `pool1`: input [6, 28, 28] -> [8, 32, 32]
- `conv2`: input [6, 14, 14] -> [8, 16, 16]
- `relu2`: input [16, 10, 10] -> [16, 12, 12]
- `pool2`: input [16, 10, 10] -> [16, 12, 12]
- `flatten1`: input [16, 5, 5] -> [16, 6, 6]
- `fc1`: in_features 400 -> 576

| total | old | new | change |
|---|--:|--:|--:|
| params, in all | 61,706 | 83,678 | +21,972 (+35.6%) |
| trainable | 61,706 | 83,678 | +21,972 (+35.6%) |
| non-trainable | 0 | 0 | 0 |
| MACs | 416,520 | 745,640 | +329,120 (+79.0%) |
| FLOPs (2 x MACs) | 833,040 | 1,491,280 | +658,240 (+79.0%) |
| output shape | [10] | [10] | unchanged |

- **failed** `--fail-on macs>+10%`: MACs +79.0%
"""


def test_markdown_exactly():
    r = run(OLD, NEW, "--format", "markdown", "--fail-on", "macs>+10%")
    assert r.exit_code == 1
    assert r.output == MARKDOWN


def test_markdown_escapes_a_pipe_in_a_name(tmp_path):
    old = write(tmp_path, "a|b.yaml", ["conv2d 4 k3"], (1, 8, 8))
    new = write(tmp_path, "new.yaml", ["conv2d 5 k3"], (1, 8, 8))
    out = run(old, new, "--format", "markdown").output
    assert "a\\|b.yaml" in out


def test_json():
    r = run(OLD, NEW, "--format", "json", "--fail-on", "params>1000000")
    assert r.exit_code == 0
    doc = json.loads(r.output)
    assert doc["format_version"] == 1
    assert list(doc)[0] == "format_version"
    assert doc["summary"] == {"changed": 8, "added": 0, "removed": 0, "same": 4}
    assert [row["name"] for row in doc["layers"]] == [
        "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten1", "fc1"]
    fc1 = doc["layers"][-1]
    assert fc1["moved"] is True and fc1["changes"]["in_features"] == [400, 576]
    assert fc1["changes"]["input_shape"] == [[400], [576]]
    assert doc["layers"][0]["fields"]["out_channels"] == [6, 8]
    a, b = cnnshape.analyze(OLD).totals, cnnshape.analyze(NEW).totals
    assert doc["totals"]["macs"] == {"old": a.macs, "new": b.macs, "change": b.macs - a.macs,
                                     "percent": round(100 * (b.macs - a.macs) / a.macs, 4)}
    assert doc["fail_on"] == [{"threshold": "params>1000000", "metric": "params",
                               "triggered": False, "found": f"{b.params - a.params:+,}"}]
    assert doc["failed"] is False and doc["output_shape_changed"] is False
    every = json.loads(run(OLD, NEW, "--format", "json", "--all").output)
    assert len(every["layers"]) == 12 and every["layers"][-1]["status"] == "same"


def test_github_annotates_the_changed_lines_of_new():
    r = run(OLD, NEW, "--format", "github", "--fail-on", "macs>+10%")
    assert r.exit_code == 1
    lines = r.output.splitlines()
    lines_of = {layer.name: layer.line for layer in cnnshape.analyze(NEW).layers}
    head = f"file={NEW},line="
    assert lines[0].startswith(f"::notice {head}{lines_of['conv1']},title=cnnshape diff::conv1: "
                               "out_channels 6 -> 8")
    assert lines[1].startswith(f"::notice {head}{lines_of['conv2']},")
    assert lines[2] == (f"::warning {head}{lines_of['fc1']},title=cnnshape diff::fc1: "
                        "in_features 400 -> 576, moved by an upstream change; params 48,120 -> "
                        "69,240; MACs 48,000 -> 69,120")
    assert lines[3].startswith(f"::notice file={NEW},title=cnnshape diff::8 layers changed")
    assert "(+35.6%25)" in lines[3]  # '%' escaped, as workflow commands need
    assert lines[4] == f"::error file={NEW},title=cnnshape diff::--fail-on macs>+10%25: MACs +79.0%25"
    assert len(lines) == 5  # relu and pool lines did not change and are not annotated


def test_github_escapes_a_file_name(tmp_path):
    new = write(tmp_path, "a,b:c.yaml", ["conv2d 5 k3"], (1, 8, 8))
    out = run(write(tmp_path, "old.yaml", ["conv2d 4 k3"], (1, 8, 8)), new,
              "--format", "github").output
    assert "a%2Cb%3Ac.yaml" in out and "a,b:c.yaml" not in out


def test_text_and_json_are_offered_and_text_is_the_default():
    fmt = next(p for p in main.commands["diff"].params if p.name == "fmt")
    assert set(fmt.type.choices) == {"text", "markdown", "json", "github"}
    assert run(OLD, NEW).output == run(OLD, NEW, "--format", "text").output


# --- REV:path ----------------------------------------------------------------------------

@pytest.fixture
def repo(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.chdir(tmp_path)

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                        "-c", "commit.gpgsign=false", *args], check=True, capture_output=True)
    git("init", "-q", "-b", "main")
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "net.yaml"
    spec.write_text((ROOT / OLD).read_text())
    git("add", ".")
    git("commit", "-q", "-m", "first")
    spec.write_text((ROOT / NEW).read_text())  # the change under review, not committed
    return git


def test_rev_path_reads_the_committed_file(repo):
    r = run("main:specs/net.yaml", "specs/net.yaml")
    assert r.exit_code == 0
    assert r.output.splitlines()[0] == "old  main:specs/net.yaml  lenet5: [1, 32, 32] -> [10]"
    assert "fc1: in_features 400 -> 576" in r.output
    assert "+21,972 (+35.6%)" in r.output
    head = run("HEAD:specs/net.yaml", "HEAD~0:specs/net.yaml")
    assert "no layer changed" in head.output


def test_rev_path_annotates_the_path_in_the_repository(repo):
    repo("commit", "-q", "-am", "second")
    out = run("HEAD~1:specs/net.yaml", "HEAD:specs/net.yaml", "--format", "github").output
    assert out.startswith("::notice file=specs/net.yaml,line=5,")


@pytest.mark.parametrize("arg,words", [
    ("nosuch:specs/net.yaml", ["'nosuch'", "'specs/net.yaml'"]),
    ("main:specs/other.yaml", ["'main'", "'specs/other.yaml'", "does not exist"]),
    ("main:", ["needs a path", "'main'"]),
    ("--output=x:y", None),
])
def test_a_bad_revision_or_path_names_both(repo, arg, words):
    r = run("--", arg, "specs/net.yaml") if arg.startswith("-") else run(arg, "specs/net.yaml")
    assert r.exit_code == 1
    assert r.output.startswith(f"{arg}: error [CS000] ")
    for w in words or ["not a revision"]:
        assert w in r.output
    assert not Path("x").exists()


def test_a_spec_with_errors_from_git_is_located(repo):
    Path("specs/net.yaml").write_text("input: [1, 8, 8]\nlayers:\n  - conv2d 4 k9\n")
    repo("commit", "-q", "-am", "broken")
    r = run("HEAD:specs/net.yaml", "HEAD~1:specs/net.yaml")
    assert r.exit_code == 1
    assert r.output.startswith("HEAD:specs/net.yaml:3:5: error [CS201]")


# --- errors and exit codes ---------------------------------------------------------------

def test_a_missing_file_is_reported_as_model_reports_it():
    model = CliRunner().invoke(main, ["model", "nosuch.yaml"])
    r = run("nosuch.yaml", NEW)
    assert r.exit_code == model.exit_code == 1
    assert r.output == model.output == "nosuch.yaml: error [CS000] cannot read the spec: no such file\n"
    word = run("lenet", NEW)
    assert word.exit_code == 1 and "did you mean 'lenet5'" in word.output


def test_both_specs_errors_are_printed():
    r = run("tests/broken/unknown_type.yaml", "tests/broken/expect_layer.yaml")
    assert r.exit_code == 1
    assert "unknown_type.yaml:4:5: error [CS101]" in r.output
    assert "expect_layer.yaml:8:5: error [CS401]" in r.output


@pytest.mark.parametrize("threshold,exit_code", [
    ("params>+5%", 1), ("params>+40%", 0), ("params>5%", 1), ("params > 5 %", 1),
    ("params>21971", 1), ("params>21972", 0), ("params>+20k", 1), ("params>0.1M", 0),
    ("params>1_000_000", 0), ("params<-5%", 0), ("params<0", 0), ("trainable>+35%", 1),
    ("non_trainable>0", 0), ("macs>+79%", 1), ("macs>+79.1%", 0), ("flops>658239", 1),
    ("FLOPS>658240", 0), ("output", 0), ("OUTPUT", 0),
])
def test_fail_on_thresholds(threshold, exit_code):
    r = run(OLD, NEW, "--fail-on", threshold)
    assert r.exit_code == exit_code, r.output
    if exit_code:
        assert r.output.splitlines()[-2].startswith(f"FAILED  --fail-on {threshold}: ")
        assert r.output.splitlines()[-1] == "exit 1: 1 of 1 --fail-on threshold triggered"
    else:
        assert "exit 1" not in r.output and f"passed  --fail-on {threshold}: " in r.output


def test_fail_on_a_shrinking_network_and_a_changed_output(tmp_path):
    old = write(tmp_path, "old.yaml", ["conv2d 8 k3", "flatten", "linear 10"], (3, 8, 8))
    new = write(tmp_path, "new.yaml", ["conv2d 4 k3", "flatten", "linear 5"], (3, 8, 8))
    a, b = cnnshape.analyze(old).totals, cnnshape.analyze(new).totals
    r = run(old, new, "--fail-on", "params<-50%", "--fail-on", "output")
    assert r.exit_code == 1
    assert f"FAILED  --fail-on params<-50%: params, in all {pct(a.params, b.params)}" in r.output
    assert "FAILED  --fail-on output: output shape [10] -> [5]" in r.output
    assert r.output.endswith("exit 1: 2 of 2 --fail-on thresholds triggered\n")


@pytest.mark.parametrize("threshold,words", [
    ("parms>5%", ["unknown metric 'parms'", "did you mean 'params'"]),
    ("params", ["METRIC>AMOUNT"]), ("params>", ["METRIC>AMOUNT"]),
    ("params>=5%", ["METRIC>AMOUNT"]), ("params>1.5", ["not a whole number"]),
    ("params>1.0005k", ["not a whole number"]), ("output>5%", ["takes no comparison"]),
    ("", ["METRIC>AMOUNT"]),
])
def test_a_bad_threshold_is_a_usage_error_naming_it(threshold, words):
    r = CliRunner().invoke(main, ["diff", OLD, NEW, "--fail-on", "macs>1%",
                                  "--fail-on", threshold])
    assert r.exit_code == 2, r.output
    assert f"Invalid value for '--fail-on': {threshold!r}" in r.output
    for w in words:
        assert w in r.output


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=0, max_size=20))
def test_any_threshold_is_parsed_or_refused_never_a_traceback(text):
    if text.startswith("-"):
        text = " " + text   # click would read it as an option
    r = CliRunner().invoke(main, ["diff", "lenet5", "lenet5", "--fail-on", text])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code in (0, 1, 2)
    if r.exit_code == 2:
        assert "Invalid value for '--fail-on'" in r.output


@given(st.sampled_from(["params", "trainable", "macs", "flops"]), st.sampled_from("<>"),
       st.sampled_from(["", "+", "-"]), st.integers(0, 10**9), st.sampled_from(["", "%", "k"]))
@settings(max_examples=100, deadline=None)
def test_every_threshold_of_the_grammar_parses(metric, op, sign, number, unit):
    from cnnshape.diff import parse_threshold
    t = parse_threshold(f"{metric}{op}{sign}{number}{unit}")
    scale = 1000 if unit == "k" else 1
    assert (t.metric, t.op, t.percent) == (metric, op, unit == "%")
    assert t.amount == (-1 if sign == "-" else 1) * number * scale


def test_diff_is_a_library_call():
    d = cnnshape.api.diff("lenet5", "lenet5_1998", ["params<-1%"])
    assert d.failed and d.total("params").new == cnnshape.analyze("lenet5_1998").totals.total_params
