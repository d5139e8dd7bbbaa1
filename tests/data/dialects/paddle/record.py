"""Record what PaddlePaddle computes for every case in ../cases.py; writes record.json beside it.

Run by hand in a scratch venv (never by CI):
    python -m venv /work/venvs/paddle && /work/venvs/paddle/bin/pip install paddlepaddle
    /work/venvs/paddle/bin/python tests/data/dialects/paddle/record.py

Dynamic graph, CPU, float32 zeros input with batch 1 (NCL / NCHW); the shape recorded is the
real output's shape without the batch; params = sum of the sizes of the layer's trainable
parameters (stop_gradient False).

Cases run in a worker process (this script with --worker, a fresh interpreter) that is
replaced after every case that did not end clean (an error, an empty output or a crash):
Paddle does not check for a negative output size on some paths and corrupts the heap (glibc
then aborts, in a later case), so one shared process gives neither isolated nor repeatable
results.  A worker killed by a signal is recorded as "Crash: <signal>: <last line it wrote>"
(glibc's heap-corruption lines, which vary between runs, as one fixed text).

Translation (neutral key -> Paddle argument; an absent key is not passed):
  conv            -> paddle.nn.Conv1D / Conv2D(in_channels, out_channels, kernel_size, ...)
  conv_transpose  -> paddle.nn.Conv1DTranspose / Conv2DTranspose
  maxpool         -> paddle.nn.MaxPool1D / MaxPool2D(kernel_size, ...)
  avgpool         -> paddle.nn.AvgPool1D / AvgPool2D(kernel_size, ...)
  kernel_size     -> kernel_size (int, or a list for a per-axis list)
  stride, dilation, groups, output_padding, ceil_mode -> same names
  padding int / [a, b] -> padding=<same value> (Paddle's per-axis list form)
  padding 'same' / 'valid' -> padding='SAME' / 'VALID'
  bias False      -> bias_attr=False;  bias True -> bias_attr=None (explicitly)
  (dilation on a pool: Paddle's pools have no such argument; it is passed as dilation= anyway
   and the TypeError is recorded)
"""
import json
import os
import platform
import select
import signal
import subprocess
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from cases import CASES  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("GLOG_v", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import paddle  # noqa: E402

paddle.set_device("cpu")
paddle.disable_static()

TIMEOUT = 300  # seconds a worker may take over one case

CLASSES = {
    ("conv", 1): "Conv1D", ("conv", 2): "Conv2D",
    ("conv_transpose", 1): "Conv1DTranspose", ("conv_transpose", 2): "Conv2DTranspose",
    ("maxpool", 1): "MaxPool1D", ("maxpool", 2): "MaxPool2D",
    ("avgpool", 1): "AvgPool1D", ("avgpool", 2): "AvgPool2D",
}


def translate(case):
    op, dims = case["op"], case["dims"]
    args, kwargs = [], {}
    if op in ("conv", "conv_transpose"):
        args = [case["input"][0], case["out_channels"], case["kernel_size"]]
    else:
        kwargs["kernel_size"] = case["kernel_size"]
    if "stride" in case:
        kwargs["stride"] = case["stride"]
    if "padding" in case:
        p = case["padding"]
        kwargs["padding"] = p.upper() if isinstance(p, str) else p
    if "output_padding" in case:
        kwargs["output_padding"] = case["output_padding"]
    if "dilation" in case:
        kwargs["dilation"] = case["dilation"]
    if "groups" in case:
        kwargs["groups"] = case["groups"]
    if "bias" in case:
        kwargs["bias_attr"] = None if case["bias"] else False
    if "ceil_mode" in case:
        kwargs["ceil_mode"] = case["ceil_mode"]
    return CLASSES[(op, dims)], args, kwargs


def call_text(name, args, kwargs):
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"paddle.nn.{name}({', '.join(parts)})"


def error_text(e):
    lines = [ln for ln in str(e).strip().splitlines() if ln.strip()]
    return f"{type(e).__name__}: {lines[0].strip() if lines else ''}"[:300]


def run(case):
    name, args, kwargs = translate(case)
    rec = {"id": case["id"], "call": call_text(name, args, kwargs),
           "shape": None, "params": None, "error": None}
    try:
        layer = getattr(paddle.nn, name)(*args, **kwargs)
        x = paddle.to_tensor(np.zeros([1] + case["input"], dtype=np.float32))
        y = layer(x)
        shape = [int(d) for d in y.shape[1:]]
        rec["shape"] = shape
        rec["params"] = int(sum(int(np.prod(p.shape)) for p in layer.parameters()
                                if not p.stop_gradient))
        if any(d <= 0 for d in shape):
            rec["error"] = f"empty: {shape}"
    except Exception as e:  # noqa: BLE001 - every refusal is data
        rec["shape"] = rec["params"] = None
        rec["error"] = error_text(e)
    return rec


def crash_text(sig, last_line):
    """glibc's abort line names whichever check tripped first, which varies from run to run
    for the same case; keep the message stable."""
    if last_line.startswith(("malloc", "free", "double free", "corrupted")):
        last_line = "glibc heap corruption detected (malloc/free abort)"
    return f"Crash: {sig}: {last_line}"[:300]


def worker(fd):
    """Read case indices on stdin, answer one JSON line each on file descriptor fd."""
    paddle.disable_signal_handler()  # else Paddle's handler catches glibc's abort and hangs
    answer = os.fdopen(fd, "w")
    for line in sys.stdin:
        answer.write(json.dumps(run(CASES[int(line)])) + "\n")
        answer.flush()


class Worker:
    def __init__(self):
        self.log = tempfile.TemporaryFile()
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", str(w)],
            stdin=subprocess.PIPE, stdout=self.log, stderr=self.log, pass_fds=(w,), text=True)
        os.close(w)
        self.answers = r

    def ask(self, i):
        self.log.seek(0)
        self.log.truncate()
        self.proc.stdin.write(f"{i}\n")
        self.proc.stdin.flush()
        line = b""
        while not line.endswith(b"\n"):
            if not select.select([self.answers], [], [], TIMEOUT)[0]:
                self.proc.kill()  # hung: recorded like a crash, as SIGKILL
                break
            chunk = os.read(self.answers, 65536)
            if not chunk:
                break
            line += chunk
        if line.endswith(b"\n"):
            return json.loads(line)
        status = self.proc.wait()
        self.log.seek(0)
        lines = [ln.strip() for ln in self.log.read().decode(errors="replace").splitlines()
                 if ln.strip()]
        sig = signal.Signals(-status).name if status < 0 else f"exit {status}"
        name, args, kwargs = translate(CASES[i])
        return {"id": CASES[i]["id"], "call": call_text(name, args, kwargs), "shape": None,
                "params": None, "error": crash_text(sig, lines[-1] if lines else "")}

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()
        os.close(self.answers)
        self.log.close()


def run_all():
    records, w = [], Worker()
    for i in range(len(CASES)):
        rec = w.ask(i)
        records.append(rec)
        if rec["error"] is not None:
            w.close()
            w = Worker()
    w.close()
    return records


def main():
    records = run_all()
    versions = {"python": platform.python_version(), "paddlepaddle": paddle.__version__,
                "numpy": np.__version__}
    head = ('{"framework": "paddle",\n'
            f' "versions": {json.dumps(versions)},\n'
            ' "api": "paddle.nn.Conv1D/Conv2D/Conv1DTranspose/Conv2DTranspose/'
            'MaxPool1D/MaxPool2D/AvgPool1D/AvgPool2D",\n'
            ' "cases": [\n')
    body = ",\n".join(json.dumps(r) for r in records)
    with open(os.path.join(HERE, "record.json"), "w") as f:
        f.write(head + body + "]}\n")
    ok = sum(r["error"] is None for r in records)
    empty = sum(bool(r["error"]) and r["error"].startswith("empty:") for r in records)
    print(f"{len(records)} cases: {ok} ok, {len(records) - ok - empty} error, {empty} empty")


if __name__ == "__main__":
    worker(int(sys.argv[2])) if sys.argv[1:2] == ["--worker"] else main()
