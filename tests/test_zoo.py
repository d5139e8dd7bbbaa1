"""Every zoo network against the same net built in plain torch.nn (tests/torch_zoo.py)
or by torchvision's own model code (tests/torchvision_zoo.py): per-layer output shapes,
parameter counts and MACs, and the published totals."""
import pytest

import cnnshape
from cnnshape.api import zoo_names

torch = pytest.importorskip("torch", reason="torch absent: pip install '.[conformance]'")
import torch_zoo  # noqa: E402  (after torch: a broken torch_zoo must fail, not skip)
import torchvision_zoo  # noqa: E402

# our YAML type -> torch.nn class; written out here, not derived from the code under test
TORCH_CLASS = {"conv2d": "Conv2d", "batchnorm2d": "BatchNorm2d", "relu": "ReLU",
               "relu6": "ReLU6", "maxpool2d": "MaxPool2d", "adaptive_avgpool2d":
               "AdaptiveAvgPool2d", "flatten": "Flatten", "linear": "Linear",
               "dropout": "Dropout", "avgpool2d": "AvgPool2d"}
MERGES = ("concat", "add")  # torch.cat and + are functions, not modules
# torchvision_zoo records the merges too (torch.fx sees functions)
TORCH_OP = {**TORCH_CLASS, "concat": "cat", "add": "add", "mul": "mul", "silu": "SiLU",
            "sigmoid": "Sigmoid", "hardswish": "Hardswish", "hardsigmoid": "Hardsigmoid",
            "gelu": "GELU", "layernorm": "LayerNorm", "layernorm2d": "LayerNorm2d",
            "permute": "permute", "layer_scale": "layer_scale",
            "stochastic_depth": "StochasticDepth", "chunk": "chunk", "split": "split",
            "channel_shuffle": "ChannelShuffle"}


@pytest.mark.parametrize("name", sorted(torch_zoo.INPUTS))
def test_every_layer_matches_torch(name):
    result = cnnshape.analyze(name)
    ours = [r for r in result.layers if r.type not in MERGES]
    theirs = torch_zoo.records(name)
    assert len(ours) == len(theirs)
    for mine, ref in zip(ours, theirs):
        where = f"{mine.name} vs {ref['module']}"
        assert TORCH_CLASS[mine.type] == ref["type"], where
        assert mine.output_shape == ref["output_shape"], where
        assert mine.params == ref["params"], where
        assert mine.macs == ref["macs"], where
    assert result.totals.params == torch_zoo.total_params(name)
    assert result.totals.macs == torch_zoo.total_macs(name)


@pytest.mark.parametrize("name", sorted(torch_zoo.PUBLISHED))
def test_published_totals(name):
    params, gmacs = torch_zoo.PUBLISHED[name]
    t = cnnshape.analyze(name).totals
    assert t.params == params
    assert round(t.macs / 1e9, 2) == gmacs
    assert t.flops == 2 * t.macs


@pytest.mark.parametrize("name", sorted(torchvision_zoo.NETS))
def test_every_op_matches_torchvision(name):
    """Every layer, the merges included, against the op torchvision's forward runs."""
    result = cnnshape.analyze(name)
    theirs = torchvision_zoo.records(name)
    assert result.input_shape == torchvision_zoo.NETS[name][2]
    assert len(result.layers) == len(theirs)
    for mine, ref in zip(result.layers, theirs):
        where = f"{mine.name} vs {ref['op']}"
        assert TORCH_OP[mine.type] == ref["type"], where
        assert mine.output_shape == ref["output_shape"], where
        assert mine.output_shapes == ref.get("output_shapes", ()), where
        assert mine.params == ref["params"], where
        assert mine.non_trainable_params == ref["non_trainable_params"], where
        assert mine.macs == ref["macs"], where
    assert result.totals.params == torchvision_zoo.total_params(name)
    assert result.totals.non_trainable_params == torchvision_zoo.total_non_trainable(name)
    assert result.totals.macs == torchvision_zoo.total_macs(name)


@pytest.mark.parametrize("name", sorted(torchvision_zoo.NETS))
def test_torchvision_published_totals(name):
    """torchvision's weights metadata, which its docs print: params, and "GFLOPS"
    (multiply-adds) to the three decimals it gives."""
    params, gmacs = torchvision_zoo.published(name)
    if name == "inception_v3":
        # published with the auxiliary head (its weights carry it); the zoo net has none
        aux = torchvision_zoo.load("inception").inception_v3(
            weights=None, aux_logits=True, init_weights=False).AuxLogits
        params -= sum(p.numel() for p in aux.parameters())
    t = cnnshape.analyze(name).totals
    assert t.params == params
    assert round(t.macs / 1e9, 3) == gmacs


def test_every_zoo_net_is_proved_here_or_by_its_paper():
    assert set(zoo_names()) == (set(torch_zoo.INPUTS) | set(torchvision_zoo.NETS)
                                | {"lenet5_1998", "unet"})


def test_unet_against_torch():
    """The paper's U-Net in plain torch.nn, with its centre crops: same shapes and params."""
    nn = torch.nn

    def double(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU(), nn.Conv2d(cout, cout, 3),
                             nn.ReLU())

    def crop(skip, like):
        dh = (skip.shape[2] - like.shape[2]) // 2
        dw = (skip.shape[3] - like.shape[3]) // 2
        return skip[:, :, dh:dh + like.shape[2], dw:dw + like.shape[3]]

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            widths = [64, 128, 256, 512, 1024]
            self.down = nn.ModuleList(double(a, b) for a, b in zip([1] + widths, widths))
            self.ups = nn.ModuleList(nn.ConvTranspose2d(b, a, 2, 2)
                                     for a, b in zip(widths[-2::-1], widths[:0:-1]))
            self.convs = nn.ModuleList(double(2 * a, a) for a in widths[-2::-1])
            self.out = nn.Conv2d(64, 2, 1)

        def forward(self, x):
            skips = []
            for i, block in enumerate(self.down):
                x = block(x)
                if i < 4:
                    skips.append(x)
                    x = nn.functional.max_pool2d(x, 2)
            for up, conv, skip in zip(self.ups, self.convs, reversed(skips)):
                x = up(x)
                x = conv(torch.cat([x, crop(skip, x)], 1))
            return self.out(x)

    net = UNet()
    with torch.no_grad():
        y = net(torch.zeros(1, 1, 572, 572))
    r = cnnshape.analyze("unet")
    assert r.output_shape == tuple(y.shape[1:]) == (2, 388, 388)
    assert r.totals.params == sum(p.numel() for p in net.parameters())
