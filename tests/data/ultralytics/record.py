"""Record ground truth from the real Ultralytics library for cnnshape's Ultralytics YAML importer.

HOW TO RUN (scratch venv, not part of the repo; CI does not run this):

    python3 -m venv /work/venvs/ultra && . /work/venvs/ultra/bin/activate
    pip install torch==2.13.0                      # CPU build
    pip install --no-deps torchvision==0.28.0      # metadata only; YOLO model building never imports it
    pip install ultralytics                        # check `pip show torch` is still 2.13.0 afterwards
    cd tests/data/ultralytics && YOLO_OFFLINE=1 python record.py [substring-filter ...]

Recorded with: ultralytics 8.4.190, ultralytics-thop 2.2.3, torch 2.13.0+cpu, Python 3.11.7
(the exact versions are also written into every record).

It builds every YAML under ultralytics/cfg/models/{v3,v5,v6,v8,v9,v10,11,12}/ (no weights, no network),
at scales n and s when the file has a `scales:` key (a scaled file whose keys hold neither n nor s,
e.g. v10/yolov10b.yaml, is built once at the scale Ultralytics picks), else once as-is. The scale is chosen
the way Ultralytics does it, by the file name: v8/yolov8.yaml at scale n is built from the name
'yolov8n.yaml' (tasks.yaml_model_load maps it back to yolov8.yaml, tasks.guess_model_scale reads the 'n').
One JSON file per (yaml, scale) goes to records/<dir>__<stem>__<scale>.json, and the YAML is copied
to cfg/<dir>/<file>. Failures are recorded as {"error": ...} instead of numbers.

Each record holds the versions, the yaml path and scale, model class, task, nc, the verbatim parse_model
log (build_log) and summary line, per Ultralytics layer i (model.model[i]): from (m.f), n (repeats as
printed), params (m.np), type (m.type), args (as printed), the verbatim table row; totals (params,
gradients, frozen = params - gradients, number of layers as the summary counts them = leaf modules,
BatchNorm running_mean+running_var element count, num_batches_tracked count); and per input size
(640x640 for every task; classify models also 224x224) an eval-mode forward of torch.zeros(1,3,H,W):
each layer's output shape (forward hooks; batch dim dropped), MACs per torch FlopCounterMode
(get_total_flops()//2, per aten op for 'Global', per layer 'ModelClass.model.i'), the elements entering
BatchNorm layers (bn_input_elements), the unrounded
ultralytics.utils.torch_utils.get_flops(model, imgsz) and the whole model's output shape(s).
Shapes are lists without the batch dim; a tensor whose dim 0 is not 1 is written {"full": [..]}.
A layer whose output is a tuple/list/dict is written as that nested structure; in eval mode the
detection heads return (y, extras): the "eval output" is the FIRST element (eval_output).

HOW get_flops COUNTS (ultralytics 8.4.190 utils/torch_utils.py get_flops + ultralytics-thop 2.2.3):
  * GFLOPs = thop.profile(model, inputs=[torch.empty(1, C, imgsz, imgsz)], stride=s, min_cells=k)[0] / 1e9 * 2,
    i.e. thop's multiply-accumulate count times 2. The printed value is f"{flops:.1f}" of the same number.
    imgsz=640 for model.info() (also called from every model's __init__ with verbose=True).
  * Mode: thop.profile calls model.eval() for the count and restores each module's prior mode afterwards,
    so heads run their inference path (Detect decodes boxes: the DFL 1x1 conv is counted) under no_grad.
  * Stride-aware extrapolation: s = max(int(model.stride.max()), 32) (classify models have stride 1 -> 32);
    k = 1, except RT-DETR decoders (ceil(num_queries*3/(4**nl-1)), 15 for 300 queries over 3 levels).
    Instead of running 640x640, thop runs proxy images of height s and width s*(k+j), j = 0,1,.. (1 proxy
    for purely spatial models, 2 if any Linear/Bilinear/AdaptivePool/RNN exists, 4 if nn.MultiheadAttention
    or functional matmul/einsum/sdpa ops were counted) and extrapolates to cells=(H//s)*(W//s) with Newton
    forward differences (linear, or quadratic with a 4th-point check; on mismatch it runs the full image).
    For conv-only nets this equals the count at 640x640 exactly (the counts are linear in the cell count).
    If H or W is not a multiple of s, or the proxies would cover > 1/4 of the target, it runs the full image.
  * Per op (module forward hooks, resolved through the class MRO; modules with no rule count 0):
      Conv1d/2d/3d: out.numel() * (Cin/groups) * kh*kw -- the bias is NOT counted (with or without bias
                    the same figure); ConvTranspose: in.numel() * (Cout/groups) * kh*kw.
      BatchNorm (_NormBase), LayerNorm, GroupNorm, RMSNorm: 2*in.numel(), doubled to 4*in.numel() when
                    affine (BatchNorm2d default) -- Ultralytics' unfused Conv+BN therefore adds 4*C*H*W MACs.
      Linear:       in_features * out.numel() (no bias);  Bilinear: (in1+1)*in2*out.numel().
      Upsample:     nearest/nearest-exact 0; linear 5, bilinear 11, bicubic 259, trilinear 31 per output elem.
      MaxPool / AdaptiveMaxPool, ReLU/ReLU6/LeakyReLU, Identity, Flatten, Dropout, padding, containers: 0.
      SiLU, Sigmoid, Mish, GELU, Hardswish, ... : no rule -> 0 (not warned, report_missing=False).
      AvgPool: one add per input in each window + one divide per output; AdaptiveAvgPool likewise
               (Classify's AdaptiveAvgPool2d(1): C*H*W + C).
      Softmax module: rows*(3*n-1); PReLU in eval: in.numel(); nn.MultiheadAttention: projections +
               2*L*S*E + softmax.
      Functional products counted via a TorchFunctionMode when no enclosing module with a rule is active:
               torch.matmul / Tensor.matmul / @ / bmm: out.numel()*K; einsum (2 operands): product of
               contracted+kept label sizes; F.linear: out.numel()*in_features; F.scaled_dot_product_attention:
               out.numel()/Ev * S * (Eq + Ev). Tensor.softmax, elementwise ops, cat, split, view: 0.
"""

import contextlib
import io
import json
import logging
import platform
import re
import shutil
import sys
import traceback
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

import ultralytics
from ultralytics.nn import tasks
from ultralytics.nn.tasks import (
    ClassificationModel,
    DetectionModel,
    OBBModel,
    PoseModel,
    RTDETRDetectionModel,
    SegmentationModel,
    WorldModel,
    YOLOEModel,
    YOLOESegModel,
    guess_model_scale,
    guess_model_task,
)
from ultralytics.utils import YAML
from ultralytics.utils.torch_utils import get_flops

HERE = Path(__file__).resolve().parent
PKG_CFG = Path(ultralytics.__file__).parent / "cfg" / "models"
FOLDERS = ["v3", "v5", "v6", "v8", "v9", "v10", "11", "12"]
VERSIONS = {
    "ultralytics": ultralytics.__version__,
    "torch": torch.__version__,
    "python": platform.python_version(),
}
try:
    from importlib.metadata import version as _v

    VERSIONS["ultralytics-thop"] = _v("ultralytics-thop")
except Exception:  # pragma: no cover
    pass

ROW_RE = re.compile(r"^\s*(\d+)\s+(.+?)\s+(\d+)\s+(\d+)  (\S+)\s*(.*?)\s*$")
TASK_CLASS = {
    "detect": DetectionModel,
    "segment": SegmentationModel,
    "classify": ClassificationModel,
    "pose": PoseModel,
    "obb": OBBModel,
}


def shape_of(o):
    """Nested shape structure, batch dim dropped (tensor dim 0 must be 1, else {"full": shape})."""
    if isinstance(o, torch.Tensor):
        s = list(o.shape)
        if s and s[0] == 1:
            return s[1:]
        return {"full": s}
    if isinstance(o, dict):
        return {str(k): shape_of(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [shape_of(v) for v in o]
    if o is None:
        return None
    return {"type": type(o).__name__}


def model_class_for(stem, yaml_dict):
    if "rtdetr" in stem:
        return RTDETRDetectionModel
    if "-world" in stem:
        return WorldModel
    if "yoloe" in stem:
        return YOLOESegModel if "-seg" in stem else YOLOEModel
    return TASK_CLASS[guess_model_task(yaml_dict)]


def plan():
    """Yield (rel_path, scale_or_None, build_path)."""
    for folder in FOLDERS:
        for f in sorted((PKG_CFG / folder).glob("*.yaml")):
            rel = f.relative_to(PKG_CFG).as_posix()
            d = YAML.load(f)
            scales = d.get("scales")
            if not scales:
                yield rel, None, f
                continue
            if guess_model_scale(f) or not any(s in scales for s in "ns"):
                # the file name already fixes the scale (v10/yolov10n.yaml) or it has neither n nor s
                yield rel, None, f
                continue
            for s in "ns":
                if s not in scales:
                    continue
                stem = re.sub(r"^(yolo(?:e-)?v?\d+)", r"\g<1>" + s, f.stem, count=1)
                p = f.with_name(stem + f.suffix)
                # the name must map back to this file exactly as yaml_model_load does it
                assert re.sub(r"(\d+)([nslmx])(.+)?$", r"\1\3", str(p)) == str(f), (p, f)
                assert guess_model_scale(p) == s, (p, s)
                assert not p.exists(), p
                yield rel, s, p


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.extend(record.getMessage().split("\n"))


def measure(model, imgsz, cls_name):
    model.eval()
    x = torch.zeros(1, 3, imgsz, imgsz)
    outs, hooks, bn_in = {}, [], [0]
    for i, m in enumerate(model.model):
        hooks.append(m.register_forward_hook(lambda mod, a, y, i=i: outs.__setitem__(i, shape_of(y))))
    for m in model.modules():  # elements entering BatchNorm layers: thop charges 4 per element (affine BN)
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            hooks.append(m.register_forward_hook(lambda mod, a, y: bn_in.__setitem__(0, bn_in[0] + a[0].numel())))
    try:
        with torch.no_grad():
            y = model(x)
    finally:
        for h in hooks:
            h.remove()
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as fcm:
        model(x)
    counts = fcm.get_flop_counts()
    glob = {str(k): v // 2 for k, v in counts.get("Global", {}).items()}
    layer_macs = {}
    for i in range(len(model.model)):
        c = counts.get(f"{cls_name}.model.{i}", {})
        layer_macs[i] = sum(c.values()) // 2
    model.eval()
    gf = get_flops(model, imgsz=imgsz)
    out_shape = shape_of(y)
    res = {
        "input": [3, imgsz, imgsz],
        "get_flops_gflops": gf,
        "get_flops_macs": round(gf * 1e9 / 2),
        "flopcounter_macs": fcm.get_total_flops() // 2,
        "flopcounter_macs_by_op": glob,
        "bn_input_elements": bn_in[0],
        "output": out_shape,
        "output_note": "eval-mode model(x); for (y, extras) outputs eval_output is element 0",
        "eval_output": out_shape[0] if isinstance(y, (tuple, list)) else out_shape,
        "layers": [
            {"i": i, "out": outs.get(i, "not called"), "macs": layer_macs[i]} for i in range(len(model.model))
        ],
    }
    return res


def record_one(rel, scale, build_path):
    rec = {"versions": VERSIONS, "yaml": rel, "scale": scale, "build_name": build_path.name}
    lg = logging.getLogger("ultralytics")
    cap = Capture()
    lg.addHandler(cap)
    try:
        d = tasks.yaml_model_load(build_path)
        rec["task"] = guess_model_task(d)
        klass = model_class_for(build_path.stem, d)
        rec["model_class"] = klass.__name__
        torch.manual_seed(0)
        with contextlib.redirect_stdout(io.StringIO()):
            model = klass(str(build_path), verbose=True)
        rec["build_log"] = list(cap.lines)
    except Exception as e:
        rec["build_log"] = list(cap.lines)
        rec["error"] = f"{type(e).__name__}: {e}"
        rec["traceback_tail"] = traceback.format_exc().strip().splitlines()[-6:]
        return rec, None
    finally:
        lg.removeHandler(cap)
    y = model.yaml
    if scale is None and y.get("scales"):
        rec["scale"] = y.get("scale") or next(iter(y["scales"]))
        rec["scale_from_name"] = y.get("scale") or ""
    rec["nc"] = y.get("nc")
    rec["scales_row"] = y["scales"][rec["scale"]] if y.get("scales") else None
    summ = [ln for ln in rec["build_log"] if " summary" in ln and "layers," in ln]
    rec["summary_line"] = summ[-1] if summ else None
    m_ = re.search(r", ([\d.]+) GFLOPs", rec["summary_line"] or "")
    rec["gflops_printed"] = m_.group(1) if m_ else None
    rows = {}
    for ln in rec["build_log"]:
        mm = ROW_RE.match(ln)
        if mm and int(mm.group(1)) not in rows:
            rows[int(mm.group(1))] = (ln, mm)
    layers = []
    for i, m in enumerate(model.model):
        ln, mm = rows.get(i, (None, None))
        layers.append(
            {
                "i": i,
                "from": m.f,
                "n": int(mm.group(3)) if mm else None,
                "params": sum(p.numel() for p in m.parameters()),
                "type": m.type,
                "args": mm.group(6) if mm else None,
                "row": ln,
                "inner": sorted({type(s).__name__ for s in m.modules()} - {type(m).__name__}),
            }
        )
    rec["layers"] = layers
    n_p = sum(p.numel() for p in model.parameters())
    n_g = sum(p.numel() for p in model.parameters() if p.requires_grad)
    bn = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    rec["totals"] = {
        "params": n_p,
        "gradients": n_g,
        "frozen": n_p - n_g,
        "frozen_names": [n for n, p in model.named_parameters() if not p.requires_grad],
        "layers_summary": sum(1 for _, m in model.named_modules() if len(m._modules) == 0),
        "bn_layers": len(bn),
        "bn_running_stats": sum(m.running_mean.numel() + m.running_var.numel() for m in bn if m.running_mean is not None),
        "bn_num_batches_tracked": sum(m.num_batches_tracked.numel() for m in bn if m.num_batches_tracked is not None),
        "buffers_total": sum(b.numel() for b in model.buffers()),
    }
    rec["module_classes"] = sorted({type(m).__name__ for m in model.modules()})
    sizes = [640, 224] if rec["task"] == "classify" else [640]
    rec["runs"] = []
    for s in sizes:
        try:
            rec["runs"].append(measure(model, s, type(model).__name__))
        except Exception as e:
            rec["runs"].append({"input": [3, s, s], "error": f"{type(e).__name__}: {e}",
                                "traceback_tail": traceback.format_exc().strip().splitlines()[-6:]})
    return rec, model


def main(filters):
    out = HERE / "records"
    out.mkdir(exist_ok=True)
    for rel, scale, bp in plan():
        if filters and not any(f in rel for f in filters):
            continue
        dst = HERE / "cfg" / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PKG_CFG / rel, dst)
        rec, _ = record_one(rel, scale, bp)
        name = f"{rel[:-5].replace('/', '__')}__{rec['scale'] or 'none'}.json"
        (out / name).write_text(json.dumps(rec, indent=1) + "\n")
        r0 = (rec.get("runs") or [{}])[0]
        print(name, rec.get("error") or r0.get("error") or
              (rec["totals"]["params"], rec["gflops_printed"], r0.get("flopcounter_macs"), r0.get("eval_output")),
              flush=True, file=sys.__stdout__)


def table():
    """Markdown summary table of the records (for README.md): `python record.py --table`."""
    print("| yaml | scale | params | gradients | GFLOPs printed | get_flops MACs | FlopCounterMode MACs | eval output |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for f in sorted((HERE / "records").glob("*.json")):
        r = json.loads(f.read_text())
        if "error" in r:
            print(f"| {r['yaml']} | {r['scale'] or '-'} | build error: {r['error'][:80]} | | | | | |")
            continue
        for run in r["runs"]:
            extra = "" if run["input"][1] == 640 else f" @{run['input'][1]}"
            if "error" in run:
                print(f"| {r['yaml']}{extra} | {r['scale'] or '-'} | {r['totals']['params']:,} | {r['totals']['gradients']:,}"
                      f" | {r['gflops_printed']} | | forward error: {run['error'][:60]} | |")
                continue
            gp = r["gflops_printed"] if not extra else f"({run['get_flops_gflops']:.1f})"
            print(f"| {r['yaml']}{extra} | {r['scale'] or '-'} | {r['totals']['params']:,} | {r['totals']['gradients']:,}"
                  f" | {gp} | {run['get_flops_macs']:,} | {run['flopcounter_macs']:,} | {run['eval_output']} |")


if __name__ == "__main__":
    if sys.argv[1:] == ["--table"]:
        table()
    else:
        main(sys.argv[1:])
