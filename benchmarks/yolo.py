"""Speed of reading an Ultralytics model YAML (a script, not a test; not named ultralytics.py,
which would shadow the package for the child Python started here).  Issue 14's targets:

1. ``cnnshape model yolov8n.yaml`` (torch not needed) within 1.5x of
   ``cnnshape model resnet50``: alternating runs, ratio of medians;
2. at least 30x faster than what a user runs for Ultralytics' own summary: a script that
   imports ultralytics, builds the model from the same YAML and prints ``model.info()``
   (needs a Python with ultralytics installed: ``--ultralytics-python PATH``; YOLO_OFFLINE=1).

    python benchmarks/yolo.py [--runs 15] [--ultralytics-python /path/to/python]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from common import cnnshape_cmd, timed

YAML = (Path(__file__).resolve().parent.parent / "tests" / "data" / "ultralytics" / "cfg"
        / "v8" / "yolov8.yaml")
ULTRALYTICS = """
import sys
from ultralytics.nn.tasks import DetectionModel
DetectionModel(sys.argv[1], verbose=False).info()
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--ultralytics-python")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        yolo = os.path.join(tmp, "yolov8n.yaml")  # the scale letter comes from the name
        shutil.copy(YAML, yolo)
        commands = {"model yolov8n.yaml": cnnshape_cmd("model", yolo, "--no-pager"),
                    "model resnet50": cnnshape_cmd("model", "resnet50", "--no-pager")}
        times = {name: [] for name in commands}
        for _ in range(args.runs):  # alternating, so drift hits both alike
            for name, cmd in commands.items():
                times[name].append(timed(cmd))
        median = {name: statistics.median(t) for name, t in times.items()}
        for name, t in median.items():
            print(f"{name:24s} {t * 1000:8.1f} ms (median of {args.runs})")
        ratio = median["model yolov8n.yaml"] / median["model resnet50"]
        print(f"yolov8n / resnet50: {ratio:.2f}x (target: at most 1.5x)")
        if args.ultralytics_python:
            env = dict(os.environ, YOLO_OFFLINE="1")
            runs = []
            for _ in range(3):
                import time
                start = time.perf_counter()
                subprocess.run([args.ultralytics_python, "-c", ULTRALYTICS, yolo], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                runs.append(time.perf_counter() - start)
            built = statistics.median(runs)
            print(f"ultralytics build + info() {built * 1000:8.1f} ms (median of 3)")
            print(f"cnnshape is {built / median['model yolov8n.yaml']:.0f}x faster "
                  "(target: at least 30x)")


if __name__ == "__main__":
    main()
