"""What the frameworks, port, diff and memory features cost (a script, not a test).

1. ``cnnshape conv ... --framework mindspore`` against the same without a framework:
   alternating runs, ratio of medians (target: at most 1.1x; the dialects load only when
   asked for).
2. ``cnnshape port docs/ports/googlenet_caffe.yaml --to torch`` and ``cnnshape diff`` of
   two resnet50 specs against ``cnnshape model`` of the same net (target: port at most 3x,
   diff at most 2.5x: both analyse twice).
3. In one process, the memory estimate of generated 10k- and 100k-layer specs against their
   propagation (target: at most 0.3x; linear: t(100k) / t(10k) at most 12).

    python benchmarks/frameworks.py [--runs 11]
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import cnnshape_cmd


def timed(cmd) -> float:
    """Wall time of one run; port exits 1 when the frameworks differ, which it does here."""
    import subprocess
    start = time.perf_counter()
    run = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if run.returncode not in (0, 1) or b"Traceback" in run.stderr:
        raise SystemExit(f"{cmd} failed: {run.stderr.decode()[-500:]}")
    return time.perf_counter() - start

ROOT = Path(__file__).parent.parent


def ratio(a, b, runs):
    ta, tb = [], []
    for _ in range(runs):
        ta.append(timed(a))
        tb.append(timed(b))
    return statistics.median(ta), statistics.median(tb)


def memory_cost(layers: int) -> tuple[float, float]:
    sys.path.insert(0, str(ROOT))
    from cnnshape.graph import propagate
    from cnnshape.memory import estimate
    from cnnshape.spec import load_spec
    body = "  - conv2d 8 k3 p1\n  - batchnorm2d\n  - relu\n" * (layers // 3)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(f"input: [8, 16, 16]\nlayers:\n{body}")
        spec = load_spec(path)
        start = time.perf_counter()
        result = propagate(spec)
        prop = time.perf_counter() - start
        start = time.perf_counter()
        estimate(spec, result, 32, "float16")
        return prop, time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=11)
    runs = ap.parse_args().runs
    conv = ["conv", "--w", "224", "--f", "3", "--s", "2", "--c", "3", "--k", "64"]
    fw, plain = ratio(cnnshape_cmd(*conv, "--framework", "mindspore"), cnnshape_cmd(*conv),
                      runs)
    print(f"conv --framework mindspore: {fw * 1000:.0f} ms, without: {plain * 1000:.0f} ms, "
          f"{fw / plain:.2f}x (target 1.1x)")
    spec = str(ROOT / "docs" / "ports" / "googlenet_caffe.yaml")
    port, model = ratio(cnnshape_cmd("port", spec, "--to", "torch"),
                        cnnshape_cmd("model", spec, "--format", "json"), runs)
    print(f"port googlenet_caffe --to torch: {port * 1000:.0f} ms, model: {model * 1000:.0f} "
          f"ms, {port / model:.2f}x (target 3x)")
    diff, model = ratio(cnnshape_cmd("diff", "resnet50", "resnet50"),
                        cnnshape_cmd("model", "resnet50", "--format", "json"), runs)
    print(f"diff resnet50 resnet50: {diff * 1000:.0f} ms, model: {model * 1000:.0f} ms, "
          f"{diff / model:.2f}x (target 2.5x)")
    small, big = memory_cost(10_000), memory_cost(100_000)
    print(f"memory estimate, 10k layers: {small[1] * 1000:.0f} ms against propagation "
          f"{small[0] * 1000:.0f} ms ({small[1] / small[0]:.2f}x); 100k: "
          f"{big[1] * 1000:.0f} ms ({big[1] / big[0]:.2f}x); t(100k)/t(10k) = "
          f"{big[1] / small[1]:.1f} (target 0.3x and 12)")


if __name__ == "__main__":
    main()
