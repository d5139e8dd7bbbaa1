"""Start-up time of the single-layer commands against their floor (a script, not a test).

Times, in alternating runs so machine noise hits both sides alike:
  cnnshape conv ... --format json   vs   python -c "import click"
  cnnshape conv ... (rich table)    vs   python -c "import click, rich.console, rich.table"
and prints the ratio of medians. Target: at most 1.25x each.

    python benchmarks/startup.py [--runs 30]
"""
import argparse
import statistics
import sys

from common import cnnshape_cmd, timed

CONV = ["conv", "--w", "256", "--f", "12", "--s", "4", "--p", "2", "--c", "3", "--k", "96"]


def compare(name, ours, floor, runs):
    a, b = [], []
    for _ in range(runs):
        a.append(timed(ours))
        b.append(timed(floor))
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{name:<28} {ma * 1000:7.1f} ms  vs {mb * 1000:7.1f} ms  ratio {ma / mb:.2f}x")
    return ma / mb


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=30)
    runs = p.parse_args().runs
    py = sys.executable
    compare("conv --format json", cnnshape_cmd(*CONV, "--format", "json"),
            [py, "-c", "import click"], runs)
    compare("conv (table)", cnnshape_cmd(*CONV),
            [py, "-c", "import click, rich.console, rich.table"], runs)


if __name__ == "__main__":
    main()
