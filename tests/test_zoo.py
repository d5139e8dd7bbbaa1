"""Every zoo network against the same net built in plain torch.nn (tests/torch_zoo.py):
per-layer output shapes, parameter counts and MACs, and the published totals."""
import pytest

import cnnshape
from cnnshape.api import zoo_names

torch = pytest.importorskip("torch", reason="torch absent: pip install '.[conformance]'")
torch_zoo = pytest.importorskip("torch_zoo")

# our YAML type -> torch.nn class; written out here, not derived from the code under test
TORCH_CLASS = {"conv2d": "Conv2d", "batchnorm2d": "BatchNorm2d", "relu": "ReLU",
               "relu6": "ReLU6", "maxpool2d": "MaxPool2d", "adaptive_avgpool2d":
               "AdaptiveAvgPool2d", "flatten": "Flatten", "linear": "Linear",
               "dropout": "Dropout"}
MERGES = ("concat", "add")  # torch.cat and + are functions, not modules


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


def test_every_zoo_net_is_proved_here_or_by_its_paper():
    assert set(zoo_names()) == set(torch_zoo.INPUTS) | {"lenet5_1998"}
