"""Speed of 'cnnshape draw resnet50', start to end, as a ratio against 'cnnshape model
resnet50' (a script, not a test).  Target: about 0.3 s.

    python benchmarks/draw.py [--runs 15]
"""
import argparse
import statistics

from common import cnnshape_cmd, timed

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=15)
    runs = p.parse_args().runs
    draw, model = [], []
    for _ in range(runs):
        draw.append(timed(cnnshape_cmd("draw", "resnet50")))
        model.append(timed(cnnshape_cmd("model", "resnet50", "--format", "json")))
    d, m = statistics.median(draw), statistics.median(model)
    print(f"draw resnet50 {d * 1000:.0f} ms vs model resnet50 {m * 1000:.0f} ms: "
          f"ratio {d / m:.2f}x")
