"""End-to-end speed of 'cnnshape model' (a script, not a test).

1. ``cnnshape model resnet50 --format json`` against ``python -c "import click, yaml, rich"``,
   alternating runs, ratio of medians (target: at most 1.5x).
2. Generated specs of 10k and 100k layers: the whole ``cnnshape model big.yaml --format json``
   against ``yaml.compose(text, Loader=yaml.CSafeLoader)`` on the same file, in one run
   (target: at most 1.5x), and t(100k) / t(10k) (target: at most 12).

    python benchmarks/model.py [--runs 15] [--sizes 10000 100000]
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import cnnshape_cmd, timed

LAYER = """  - type: conv2d
    out_channels: 8
    kernel_size: 3
    padding: 1
  - type: batchnorm2d
  - type: relu
"""


def big_spec(path: Path, layers: int) -> None:
    body = LAYER * (layers // 3)
    path.write_text(f"name: big\ninput: [8, 16, 16]\nlayers:\n{body}")


def compose_time(path: Path) -> float:
    code = ("import sys, time, yaml; text = open(sys.argv[1]).read(); s = time.perf_counter();"
            " yaml.compose(text, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader));"
            " print(time.perf_counter() - s)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, check=True)
    return float(out.stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    a = p.parse_args()
    ours, floor = [], []
    for _ in range(a.runs):
        ours.append(timed(cnnshape_cmd("model", "resnet50", "--format", "json")))
        floor.append(timed([sys.executable, "-c", "import click, yaml, rich.console"]))
    mo, mf = statistics.median(ours), statistics.median(floor)
    print(f"model resnet50 --format json {mo * 1000:7.1f} ms vs imports {mf * 1000:7.1f} ms"
          f"  ratio {mo / mf:.2f}x")
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in a.sizes:
            path = Path(tmp) / f"big{n}.yaml"
            big_spec(path, n)
            whole = timed(cnnshape_cmd("model", str(path), "--format", "json"))
            compose = compose_time(path)
            times[n] = whole
            print(f"{n:>7} layers: cnnshape {whole:6.2f} s, yaml.compose {compose:6.2f} s,"
                  f" ratio {whole / compose:.2f}x")
    if len(times) == 2:
        (n1, t1), (n2, t2) = sorted(times.items())
        print(f"t({n2}) / t({n1}) = {t2 / t1:.1f}")


if __name__ == "__main__":
    main()
