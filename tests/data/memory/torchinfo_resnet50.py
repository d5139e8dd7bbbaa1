"""torchinfo's memory figures for resnet50 at batch 32, to set beside torch's measurement (issue 17).

Run with torchinfo installed in a scratch venv (not the project's), e.g.

    python -m venv /work/venvs/torchinfo
    /work/venvs/torchinfo/bin/pip install torch==2.13.0 torchvision==0.28.0 torchinfo
    /work/venvs/torchinfo/bin/python tests/data/memory/torchinfo_resnet50.py   # -> torchinfo.json

It runs torchinfo.summary on torchvision's own resnet50 (weights=None; its model file loaded
by tests/torchvision_zoo.py, as torchvision's C extension does not load) and reads the figures
from the returned ModelStatistics (bytes; torchinfo prints them divided by 1e6 as "MB"):
  input_bytes             "Input size (MB)"
  forward_backward_bytes  "Forward/backward pass size (MB)": 2 x the output bytes of every leaf
                          layer that has parameters (model_statistics.py)
  params_bytes            "Params size (MB)"
  total_bytes             "Estimated Total Size (MB)" = the three added.
float32 runs on the CPU. float16 runs on the meta device (torchinfo only reads shapes and element
sizes; a float16 CPU forward of resnet50 at batch 32 takes minutes here).
"""
import json
import os

import torch
import torchinfo
import sys
from importlib.metadata import version

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
import torchvision_zoo  # noqa: E402  (torchvision's model files without its C extension)


def figures(dtype, device):
    model = torchvision_zoo.load("resnet").resnet50(weights=None).to(device=device, dtype=dtype)
    x = torch.zeros(32, 3, 224, 224, dtype=dtype, device=device)
    s = torchinfo.summary(model, input_data=x, device=device, verbose=0)
    text = str(s)
    printed = {line.split(":")[0]: float(line.split(":")[1]) for line in text.splitlines()
               if "(MB)" in line}
    return {
        "device": device,
        "input_bytes": s.total_input,
        "forward_backward_bytes": s.total_output_bytes,
        "params_bytes": s.total_param_bytes,
        "total_bytes": s.total_input + s.total_output_bytes + s.total_param_bytes,
        "total_params": s.total_params,
        "printed_MB": printed,
    }


def main():
    out = {"torchinfo": version("torchinfo"), "torch": torch.__version__,
           "torchvision": torchvision_zoo.version(), "net": "torchvision resnet50, batch 32",
           "mode": "torchinfo's default (mode=same); a fresh torchvision model is in train mode",
           "b32_float32": figures(torch.float32, "cpu"),
           "b32_float16": figures(torch.float16, "meta")}
    with open(os.path.join(HERE, "torchinfo.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
