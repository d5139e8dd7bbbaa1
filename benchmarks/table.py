"""Speed of the model table, 'cnnshape model resnet50', against two yardsticks (a script,
not a test).  Issue 11's targets:

1. within 1.5x of ``python -c "import click, yaml, rich.console, rich.table"``, the imports
   a rich-table command of this kind pays before any work (alternating runs, ratio of
   medians); at the natural width (piped) and at 80 columns (COLUMNS=80), where columns
   are hidden;
2. at least 30x faster than torchinfo's ``summary()`` of the same ResNet-50 (the reference
   nets of tests/torch_zoo.py; needs ``pip install torchinfo`` beside torch), timed two
   ways: the whole script a user runs for that table (import torch, build, summary), the
   issue's measure; and, stricter, the summary() call alone after torch is imported and the
   model built.

    python benchmarks/table.py [--runs 21]
"""
import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from common import cnnshape_cmd, timed

TESTS = Path(__file__).resolve().parent.parent / "tests"
TORCHINFO = """
import sys, time
sys.path.insert(0, sys.argv[1])
import torch, torchinfo
from torch_zoo import build
model = build("resnet50").eval()
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0)
    times.append(time.perf_counter() - start)
times.sort()
print(times[len(times) // 2])
"""


def timed_env(cmd, env) -> float:
    import time
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=env)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=21)
    runs = p.parse_args().runs
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    narrow = dict(env, COLUMNS="80")
    table, table80, floor = [], [], []
    for _ in range(runs):
        table.append(timed_env(cnnshape_cmd("model", "resnet50"), env))
        table80.append(timed_env(cnnshape_cmd("model", "resnet50"), narrow))
        floor.append(timed([sys.executable, "-c",
                            "import click, yaml, rich.console, rich.table"]))
    mt, m80, mf = (statistics.median(x) for x in (table, table80, floor))
    print(f"model resnet50 (table)       {mt * 1000:7.1f} ms  vs imports {mf * 1000:6.1f} ms"
          f"  ratio {mt / mf:.2f}x")
    print(f"model resnet50 (COLUMNS=80)  {m80 * 1000:7.1f} ms  vs imports {mf * 1000:6.1f} ms"
          f"  ratio {m80 / mf:.2f}x")
    out = subprocess.run([sys.executable, "-c", TORCHINFO, str(TESTS), str(max(5, runs // 3))],
                         capture_output=True, text=True)
    if out.returncode:
        print("torchinfo: not measured (pip install torchinfo beside torch):",
              out.stderr.strip().splitlines()[-1:])
        return
    ti = float(out.stdout)
    whole = statistics.median(timed([sys.executable, "-c", TORCHINFO, str(TESTS), "1"])
                              for _ in range(max(3, runs // 5)))
    print(f"torchinfo script (resnet50)  {whole * 1000:7.1f} ms  (import torch, build, summary)"
          f"  cnnshape is {whole / mt:.1f}x faster")
    print(f"torchinfo summary() alone    {ti * 1000:7.1f} ms  (model built, torch loaded)"
          f"  cnnshape is {ti / mt:.1f}x faster")


if __name__ == "__main__":
    main()
