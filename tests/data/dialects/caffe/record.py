"""Record what Caffe computes for every case in ../cases.py, without Caffe.

Caffe does not install from any registry here, so record.cpp carries Caffe's own shape code,
copied verbatim from BVLC/caffe at commit CAFFE_COMMIT (files and line numbers cited in
it).  This driver translates each case into the layer's prototxt fields, writes them as one
text line a case, compiles record.cpp with g++ into a temporary directory, runs it and
writes record.json next to this file.  Run by hand:  python record.py

Translation (a key absent from the case is not written, so caffe.proto's default applies):
  conv -> Convolution, conv_transpose -> Deconvolution (convolution_param);
  maxpool -> Pooling {pool: MAX}, avgpool -> Pooling {pool: AVE} (pooling_param);
  out_channels -> num_output; kernel_size -> kernel_size (per axis: repeated kernel_size for
  convolutions, kernel_h/kernel_w for Pooling); stride -> stride; padding int -> pad, per
  axis -> repeated pad (convolutions) or pad_h/pad_w (Pooling); dilation -> dilation;
  groups -> group; bias -> bias_term (Caffe's default is true);
  ceil_mode -> round_mode CEIL / FLOOR (caffe.proto: round_mode [default = CEIL], added by
  d7da092 in 2018; Caffe 1.0 has no such field and always rounds up).
Refusals that happen before Caffe's layer code runs (the prototxt would not parse):
  padding 'same' / 'valid' -> "ValueError: caffe has no padding mode 'same'" ('valid' alike)
  (pad is a uint32); output_padding, and dilation on Pooling -> "TypeError: Message type
  \"caffe.XParameter\" has no field named \"...\"." (protobuf's text-format error).
Refusals from Caffe's CHECKs are recorded as "Fatal: Check failed: ..." (glog's text).
Input: [1] + input (Caffe's bottom blob, N C H [W]); Pooling needs 4 axes, so 1-D pools
are refused by its CHECK.  params = weight + bias elements (blobs_[0], blobs_[1]); 0 for pools.
"""
import json
import os
import platform
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from cases import CASES  # noqa: E402

CAFFE_COMMIT = "9b891540183ddc834a02b2bd81b31afae71b2153"
CAFFE_FILES = ("src/caffe/layers/base_conv_layer.cpp", "src/caffe/layers/conv_layer.cpp",
               "src/caffe/layers/deconv_layer.cpp", "src/caffe/layers/pooling_layer.cpp",
               "src/caffe/blob.cpp")


def translate(case):
    """(fields for record.cpp, the prototxt text, a parse-time refusal or None)."""
    op, dims = case["op"], case["dims"]
    conv = op in ("conv", "conv_transpose")
    layer = {"conv": "Convolution", "conv_transpose": "Deconvolution"}.get(op, "Pooling")
    message = "caffe.ConvolutionParameter" if conv else "caffe.PoolingParameter"
    fields, error = [], None  # (name, value) in prototxt order
    if conv:
        fields.append(("num_output", case["out_channels"]))
    else:
        fields.append(("pool", "MAX" if op == "maxpool" else "AVE"))
    k = case["kernel_size"]
    if isinstance(k, list):
        fields += [("kernel_size", v) for v in k] if conv else [("kernel_h", k[0]), ("kernel_w", k[1])]
    else:
        fields.append(("kernel_size", k))
    for key in ("stride", "padding", "dilation", "groups", "bias", "output_padding", "ceil_mode"):
        if key not in case:
            continue
        v = case[key]
        if key == "stride":
            fields.append(("stride", v))
        elif key == "padding":
            if isinstance(v, str):
                error = error or f"ValueError: caffe has no padding mode '{v}'"
                fields.append(("pad", f'"{v}"'))
            elif isinstance(v, list):
                fields += [("pad", a) for a in v] if conv else [("pad_h", v[0]), ("pad_w", v[1])]
            else:
                fields.append(("pad", v))
        elif key == "dilation":
            fields.append(("dilation", v))
            if not conv:
                error = error or (f'TypeError: Message type "{message}" has no field named '
                                  f'"dilation".')
        elif key == "groups":
            fields.append(("group", v))
        elif key == "bias":
            fields.append(("bias_term", "true" if v else "false"))
        elif key == "output_padding":
            fields.append(("output_padding", v))
            error = error or (f'TypeError: Message type "{message}" has no field named '
                              f'"output_padding".')
        elif key == "ceil_mode":
            fields.append(("round_mode", "CEIL" if v else "FLOOR"))
    param = "convolution_param" if conv else "pooling_param"
    call = f'type: "{layer}" {param} {{ ' + " ".join(f"{n}: {v}" for n, v in fields) + " }"
    line = None
    if error is None:
        merged = {}
        for n, v in fields:
            merged.setdefault(n, []).append(
                {"true": "1", "false": "0"}.get(v, str(v)) if isinstance(v, str) else str(v))
        kind = {"conv": "conv", "conv_transpose": "deconv"}.get(op, "pool")
        axes = ",".join(str(a) for a in [1] + case["input"])
        line = f"id={case['id']} kind={kind} axes={axes} " + " ".join(
            f"{n}={','.join(vs)}" for n, vs in merged.items())
    return line, call, error


def main():
    src = os.path.join(HERE, "record.cpp")
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "caffe_record")
        subprocess.run(["g++", "-O1", "-std=c++14", "-o", exe, src], check=True)
        lines, calls, errors = [], {}, {}
        for case in CASES:
            line, call, error = translate(case)
            calls[case["id"]], errors[case["id"]] = call, error
            if line:
                lines.append(line)
        run = subprocess.run([exe], input="\n".join(lines) + "\n", capture_output=True,
                             text=True, check=True)
    computed = {}
    for out in run.stdout.splitlines():
        parts = out.split("\t")
        computed[parts[0]] = parts[1:]
    rows = []
    for case in CASES:
        cid = case["id"]
        row = {"id": cid, "call": calls[cid], "shape": None, "params": None, "error": errors[cid]}
        if row["error"] is None:
            got = computed[cid]
            if got[0] == "OK":
                row["shape"] = [int(s) for s in got[1].split(",")]
                row["params"] = int(got[2])
                if any(s <= 0 for s in row["shape"]):
                    row["error"] = f"empty: {row['shape']}"
            else:
                row["error"] = f"Fatal: {got[1]}"[:300]
        rows.append(row)
    gxx = subprocess.run(["g++", "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
    head = {
        "framework": "caffe",
        "versions": {"caffe": CAFFE_COMMIT,
                     "source": "rules copied from BVLC/caffe " + ", ".join(CAFFE_FILES)
                               + f" at {CAFFE_COMMIT} into record.cpp (verbatim), "
                               f"compiled with g++ {gxx}",
                     "python": platform.python_version()},
        "api": "Caffe Convolution/Deconvolution (convolution_param), "
               "Pooling MAX/AVE (pooling_param); LayerSetUp + Reshape shape code",
    }
    text = json.dumps(head)[:-1] + ',\n "cases": [\n'
    text += ",\n".join(json.dumps(r) for r in rows) + "]}\n"
    with open(os.path.join(HERE, "record.json"), "w") as f:
        f.write(text)
    ok = sum(r["error"] is None for r in rows)
    empty = sum(bool(r["error"]) and r["error"].startswith("empty:") for r in rows)
    print(f"{len(rows)} cases: {ok} ok, {len(rows) - ok - empty} error, {empty} empty")


if __name__ == "__main__":
    main()
