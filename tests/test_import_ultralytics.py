"""Ultralytics model YAMLs against what the real library builds, recorded in
tests/data/ultralytics/records (tests/data/ultralytics/record.py made them; CI does not
install ultralytics).  A record names its YAML (a copy under cfg/) and the scale."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import cnnshape
from cnnshape.cli import main

DATA = Path(__file__).parent / "data" / "ultralytics"
RECORDS = sorted((DATA / "records").glob("*.json"))

#: modules of shipped YAMLs outside YOLOv3-v12's detect/cls/seg/pose/obb families (YOLO-World,
#: YOLOE, RT-DETR): a record using one must fail with CS512 naming it
NOT_READ = ("C2fAttn", "YOLOEDetect", "YOLOESegment", "RTDETRDecoder")


def _record(path):
    return json.loads(path.read_text())


def _refused(path) -> str | None:
    """The module of NOT_READ a record's YAML uses, if any."""
    types = {layer["type"].rsplit(".", 1)[-1] for layer in _record(path).get("layers", [])}
    return next((m for m in NOT_READ if m in types), None)


#: records cnnshape reads: Ultralytics built and ran them, and no module is refused.  The
#: one record without a run is yolo11-cls-resnet18, whose TorchVision layer did not build
#: beside this torch (its error is recorded); test_a_record_without_a_run_is_that_one
READ = [p for p in RECORDS if _record(p).get("runs") and not _refused(p)]
REFUSED = [p for p in RECORDS if _refused(p)]


def _analyze(tmp_path, rec):
    """The record's YAML under the name Ultralytics was given (yolov8n.yaml), analysed."""
    src = DATA / "cfg" / rec["yaml"]
    f = tmp_path / rec["build_name"]
    shutil.copy(src, f)
    return cnnshape.analyze(str(f)), f


def test_the_recordings_cover_the_families():
    assert len(READ) >= 70 and len(REFUSED) == 14
    assert [p.stem for p in RECORDS if p not in READ and p not in REFUSED] == \
        ["11__yolo11-cls-resnet18__none"]


@pytest.mark.parametrize("path", REFUSED, ids=[p.stem for p in REFUSED])
def test_a_module_outside_the_families_is_refused_by_name(tmp_path, path):
    with pytest.raises(cnnshape.SpecError) as e:
        _analyze(tmp_path, _record(path))
    d = e.value.diagnostics[0]
    assert d.code == "CS512" and f"'{_refused(path)}'" in d.message and d.line > 0, d


@pytest.mark.parametrize("path", READ, ids=[p.stem for p in READ])
def test_numbers_equal_the_recording(tmp_path, path):
    rec = _record(path)
    result, _ = _analyze(tmp_path, rec)
    run, totals = rec["runs"][0], rec["totals"]
    t = result.totals
    assert t.params == totals["gradients"]
    assert t.non_trainable_params == totals["frozen"] + totals["bn_running_stats"]
    assert t.params + totals["frozen"] == totals["params"]
    assert t.macs == run["flopcounter_macs"]
    gflops = {k: text for k, _, _, text in result.extras}["ultralytics_gflops"]
    assert gflops == rec["gflops_printed"]
    want = run["eval_output"]
    while isinstance(want[0], list):  # Segment's (output, proto masks): the network's output is
        want = want[0]             # the first (docs/spec.md, Ultralytics)
    assert list(result.output_shape) == want
    rows = result.rows(1)
    assert [r.name for r in rows] == [f"model.{layer['i']}" for layer in rec["layers"]]
    for row, layer, measured in zip(rows, rec["layers"], run["layers"]):
        assert row.params + row.non_trainable_params - _bn_stats(row) == layer["params"], row.name
        out = measured["out"]
        while isinstance(out[0], list):  # a head's (eval output, extras): the first, and
            out = out[0]                 # Segment's (output, proto masks): the first again
        # a tuple of parts (CBLinear) is recorded by its first
        got = row.output_shapes[0] if row.output_shapes else row.output_shape
        assert list(got) == out, row.name
        assert row.macs == measured["macs"], row.name
        if layer["n"] is not None:  # the row as Ultralytics' summary prints it
            module = layer["type"].rsplit(".", 1)[-1]
            assert row.note.replace("nn.", "") == (
                f"{layer['from']} {layer['n']} {module} {layer['args']}"), row.name


def _bn_stats(row):
    """A row's BatchNorm running statistics: its non-trainable params less frozen weights.
    Only the DFL conv is frozen, 16 per reg_max-16 head."""
    head = row.type.split("_")[0] in ("Detect", "Segment", "Pose", "OBB", "v10Detect")
    return row.non_trainable_params - (16 if head else 0)


def _copy(tmp_path, yaml="v8/yolov8.yaml", name="yolov8n.yaml", edit=None):
    text = (DATA / "cfg" / yaml).read_text()
    f = tmp_path / name
    f.write_text(edit(text) if edit else text)
    return f


def test_the_scale_comes_from_the_name_then_scale_then_the_first(tmp_path):
    by_name = cnnshape.analyze(str(_copy(tmp_path)))
    plain = _copy(tmp_path, name="yolov8.yaml")
    r = CliRunner().invoke(main, ["model", str(plain), "--scale", "n", "--format", "json"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["totals"]["params"] == by_name.totals.params
    first = cnnshape.analyze(str(plain))  # Ultralytics assumes the first of scales: n
    assert first.totals.params == by_name.totals.params
    assert "scale n" in first.description


def test_import_writes_a_spec_that_gives_the_same_numbers(tmp_path):
    f = _copy(tmp_path)
    out = tmp_path / "yolov8n.cnnshape.yaml"
    r = CliRunner().invoke(main, ["import", str(f), "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "C2f_n1:" in text and "model.22" in text
    a, b = cnnshape.analyze(str(f)), cnnshape.analyze(str(out))
    assert a.totals == b.totals and a.output_shape == b.output_shape
    assert [r.output_shape for r in a.rows(1)] == [r.output_shape for r in b.rows(1)]
    r = CliRunner().invoke(main, ["check", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("edit, code, marker, words", [
    (lambda t: t.replace("SPPF", "SPPX"), "CS512", "SPPX",
     "row 9: the module 'SPPX' is not supported by cnnshape's Ultralytics reader"),
    (lambda t: t.replace("[[-1, 6], 1, Concat", "[[-1, 60], 1, Concat"), "CS515", "[-1, 60]",
     "row 11 (Concat): from [-1, 60] does not name an earlier row"),
])
def test_faults_name_the_row_and_its_line(tmp_path, edit, code, marker, words):
    f = _copy(tmp_path, edit=edit)
    r = CliRunner().invoke(main, ["model", str(f)], catch_exceptions=False)
    assert r.exit_code == 1
    line = next(i for i, text in enumerate(f.read_text().splitlines(), 1) if marker in text)
    assert f"{f}:{line}:1: error [{code}] {words}" in r.output, r.output
    assert "Traceback" not in r.output


def test_a_scale_the_file_lacks_is_an_error(tmp_path):
    f = _copy(tmp_path, name="yolov8.yaml", edit=lambda t: t.replace("  s: [0.33", "  q: [0.33"))
    r = CliRunner().invoke(main, ["model", str(f), "--scale", "s"], catch_exceptions=False)
    assert r.exit_code == 1
    line = (DATA / "cfg" / "v8" / "yolov8.yaml").read_text().splitlines().index(
        "scales: # model compound scaling constants, i.e. 'model=yolov8n.yaml' will call "
        "yolov8.yaml with scale 'n'") + 1
    assert f"{f}:{line}:1: error [CS513] scale 's' is not in this file's scales: n, q, m, l, x" \
        in r.output, r.output


def test_a_scale_against_the_name_is_an_error(tmp_path):
    r = CliRunner().invoke(main, ["model", str(_copy(tmp_path)), "--scale", "s"],
                           catch_exceptions=False)
    assert r.exit_code == 1 and "[CS514]" in r.output and "Traceback" not in r.output


def test_depth_1_shows_ultralytics_rows(tmp_path):
    f = _copy(tmp_path)
    r = CliRunner().invoke(main, ["model", str(f), "--depth", "1", "--format", "csv"],
                           catch_exceptions=False)
    import csv
    rows = list(csv.reader(r.output.splitlines()))
    assert rows[0][-1] == "note"
    assert rows[1][1:3] == ["model.0", "Conv"] and rows[1][-1] == "-1 1 Conv [3, 16, 3, 2]"
    assert rows[-1][-1] == "[15, 18, 21] 1 Detect [80, 16, None, [64, 128, 256]]"


def test_reading_a_yolo_yaml_imports_no_torch(tmp_path):
    f = _copy(tmp_path)
    code = ("import sys, cnnshape; cnnshape.analyze(sys.argv[1]); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(f)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize("args, suffix", [(["--depth", "1"], "txt"),
                                          (["--depth", "1", "--format", "json"], "json")])
def test_yolov8n_depth_1_golden(golden, tmp_path, args, suffix):
    f = _copy(tmp_path)
    r = CliRunner().invoke(main, ["model", str(f), *args], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    golden(f"ultralytics_yolov8n_depth1.{suffix}", r.output.replace(str(tmp_path), "<tmp>"))


@pytest.mark.parametrize("path", READ, ids=[p.stem for p in READ])
def test_every_import_round_trips_and_checks(tmp_path, path):
    rec = _record(path)
    a, f = _analyze(tmp_path, rec)
    out = tmp_path / "imported.yaml"
    r = CliRunner().invoke(main, ["import", str(f), "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    b = cnnshape.analyze(str(out))
    assert (a.totals, a.output_shape) == (b.totals, b.output_shape)
    assert [(r.name, r.output_shape, r.note) for r in a.rows(1)] == \
        [(r.name, r.output_shape, r.note) for r in b.rows(1)]
    r = CliRunner().invoke(main, ["check", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output


def test_every_import_is_valid_against_the_json_schema(tmp_path):
    """What cnnshape import writes passes `cnnshape schema` (editors and check-jsonschema)."""
    jsonschema = pytest.importorskip("jsonschema")
    import yaml
    from cnnshape.schema import spec_schema
    validator = jsonschema.Draft202012Validator(spec_schema())
    checked = 0
    for cfg in sorted((DATA / "cfg").glob("*/*.yaml")):
        out = tmp_path / "imported.yaml"
        r = CliRunner().invoke(main, ["import", str(cfg), "-o", str(out)],
                               catch_exceptions=False)
        if r.exit_code:
            continue  # a module not read (test_numbers_equal_the_recording)
        errors = list(validator.iter_errors(yaml.safe_load(out.read_text())))
        assert not errors, (cfg.name, errors[0].json_path, errors[0].message[:300])
        checked += 1
    assert checked >= 40


def test_a_shape_error_points_at_the_row_of_the_yaml(tmp_path):
    """A YOLO file edited wrong (a Concat of the wrong level) is reported at its row, with
    the layer's name, as an error in a spec is."""
    text = (DATA / "cfg" / "v8" / "yolov8.yaml").read_text()
    row = "  - [[-1, 6], 1, Concat, [1]] # cat backbone P4"
    assert row in text
    bad = tmp_path / "yolov8n.yaml"
    bad.write_text(text.replace(row, "  - [[-1, 4], 1, Concat, [1]] # cat backbone P4"))
    line = text[:text.index(row)].count("\n") + 1
    r = CliRunner().invoke(main, ["model", str(bad)])
    assert r.exit_code == 1
    assert r.output.startswith(f"{bad}:{line}:5: error [CS210] model.11: concat"), r.output


def test_a_file_that_is_not_utf8_is_refused_at_its_byte(tmp_path):
    bad = tmp_path / "yolov8n.yaml"
    bad.write_bytes(b"backbone:\n  - [-1, 1, Conv, [64, 3, 2]]  # \xff\nhead: []\n")
    r = CliRunner().invoke(main, ["model", str(bad)])
    assert r.exit_code == 1 and "error [CS001] not a UTF-8 text file" in r.output, r.output
