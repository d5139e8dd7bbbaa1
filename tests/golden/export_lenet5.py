"""lenet5, written by cnnshape export from lenet5.yaml.

Run as a script, it checks cnnshape's output shape, params and MACs.
"""
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

INPUT_SHAPE = (1, 1, 32, 32)
OUTPUT_SHAPE = (1, 10)
PARAMS = 61706
NON_TRAINABLE_PARAMS = 0
MACS = 416520


class Lenet5(nn.Module):
    """lenet5: LeNet-5 as commonly built today (ReLU, max pooling), 61,706 parameters.

    Input (1, 1, 32, 32); cnnshape expects output (1, 10), 61,706 params (0 non-trainable)
    and 416,520 MACs.
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten1 = nn.Flatten()
        self.fc1 = nn.Linear(400, 120)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(120, 84)
        self.relu4 = nn.ReLU()
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = self.relu1(x)
        x = self.pool1(x)
        x = self.conv2(x)
        x = self.relu2(x)
        x = self.pool2(x)
        x = self.flatten1(x)
        x = self.fc1(x)
        x = self.relu3(x)
        x = self.fc2(x)
        x = self.relu4(x)
        x = self.fc3(x)
        return x


def check(device="cpu"):
    """Run zeros through the network and assert cnnshape's output shape, params,
    non-trainable params (running statistics, fixed and frozen weights) and MACs;
    device="meta" checks them without computing (or initialising) anything."""
    with torch.device(device):
        model = Lenet5().eval()
    with torch.no_grad(), FlopCounterMode(display=False) as flops:
        y = model(torch.zeros(INPUT_SHAPE, device=device))
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    # BatchNorm's num_batches_tracked counts steps; it is not a weight
    buffers = sum(b.numel() for name, b in model.named_buffers()
                  if not name.endswith("num_batches_tracked"))
    macs = flops.get_total_flops() // 2
    assert tuple(y.shape) == OUTPUT_SHAPE, f"output {tuple(y.shape)}, expected {OUTPUT_SHAPE}"
    assert params == PARAMS, f"{params} params, expected {PARAMS}"
    assert frozen + buffers == NON_TRAINABLE_PARAMS, (
        f"{frozen + buffers} non-trainable, expected {NON_TRAINABLE_PARAMS}")
    assert macs == MACS, f"{macs} MACs, expected {MACS}"
    return model


if __name__ == "__main__":
    check()
    print(f"OK Lenet5: output {OUTPUT_SHAPE}, {PARAMS:,} params, {MACS:,} MACs")
