"""Wall time of the slowest questions within the documented limits (a script, not a test).

Issue 12: every valid question answers within 10 s on this 2-core machine.  Runs each case
once through the installed ``cnnshape`` (install non-editable, or allow bytecode: an
editable install under PYTHONDONTWRITEBYTECODE=1 recompiles every module on each run).

    python benchmarks/limits.py
"""
import tempfile
from pathlib import Path

from common import cnnshape_cmd, timed

SPEC = "input: {input}\nlayers:\n  - repeat: 100\n    layers:\n      - repeat: 1000\n" \
       "        layers: [{layer}]\n"

CASES = [
    ["conv", "--w", "1000000", "--f", "500000", "--d", "2", "--p", "500000", "--explain"],
    ["pool", "--w", "1000000", "--f", "400000", "--d", "2", "--p", "200000", "--explain"],
    ["pool", "--w", "1000000", "--f", "400000", "--d", "2", "--p", "200000", "--s", "1"],
    ["conv", "--w", "4000000", "--f", "4096", "--d", "256", "--explain"],
    ["solve", "--out", "2951680", "--w", "4000000", "--f", "4096", "--s", "1", "--p", "0",
     "--d", "256"],
    ["conv", "--w", "4194304", "--f", "1", "--s", "2", "--format", "json"],  # 2M runs listed
    ["inputs", "resnet50", "--range", "1", "20000"],
    ["inputs", "googlenet", "--range", "1", "20000"],
    ["inputs", "unet", "--range", "1", "20000"],
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases = list(CASES)
        for name, input_, layer in (("relu", "[1, 8, 8]", "relu"),
                                    ("conv", "[8, 16, 16]", "conv2d 8 k3 p1")):
            path = Path(tmp) / f"{name}100k.yaml"
            path.write_text(SPEC.format(input=input_, layer=layer))
            cases += [["model", str(path), "--format", "json"],
                      ["model", str(path), "--rf", "--no-pager"]]
        for args in cases:
            print(f"{timed(cnnshape_cmd(*args)):7.2f} s  cnnshape {' '.join(args)}", flush=True)


if __name__ == "__main__":
    main()
