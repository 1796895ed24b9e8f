"""Dense blocks and transitions, MBConv (with squeeze-excite or without) and highway layers,
written as torchvision and the papers write them, fold into their block kinds when, and only
when, the block computes what the part computed."""

import torch
import torch.nn as nn

from explorer.compiler import build_model
from explorer.export.original_weights import to_original_layout
from explorer.graph import TensorSpec, check_graph
from explorer.importer.torch_import import example_input, import_module
from tests.zoo import reference_cnns as cnns


def imported_and_difference(network: nn.Module, spec: TensorSpec):
    network.eval()
    imported = import_module(network, spec)
    assert check_graph(imported.project.graph).ok
    model = build_model(imported.project.graph).eval()
    model.load_state_dict(imported.state_dict)
    x = example_input(spec, seed=4)
    with torch.no_grad():
        want, got = network(x), model(x)
    assert want.abs().max() > 0.01  # a real output
    return imported, float((want - got).abs().max())


def blocks(imported) -> dict[str, tuple[str, dict]]:
    return {n.id: (n.kind, n.params) for n in imported.project.graph.nodes()
            if n.kind in ("DenseBlock", "Transition", "MBConv", "Highway")}


def randomise_statistics(network: nn.Module) -> nn.Module:
    """Running statistics away from 0 and 1, so a BatchNorm left out would show."""
    torch.manual_seed(3)
    for m in network.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return network


def test_densenet_blocks_and_transitions_fold_with_their_original_names():
    torch.manual_seed(0)
    network = randomise_statistics(cnns.DenseNet((2, 3), k=8, classes=10))
    imported, difference = imported_and_difference(network, TensorSpec((3, 32, 32)))
    assert blocks(imported) == {
        "features.denseblock1": ("DenseBlock", {"layers": 2, "growth_rate": 8,
                                                "bottleneck": True}),
        "features.transition1": ("Transition", {"compression": 0.5}),
        "features.denseblock2": ("DenseBlock", {"layers": 3, "growth_rate": 8,
                                                "bottleneck": True})}
    assert difference <= 1e-5
    renamed = to_original_layout(imported.state_dict, imported.project.weight_map)
    assert renamed.keys() == network.state_dict().keys()


class Mobile(nn.Module):
    """EfficientNet's MBConv (squeeze-excite through 1×1 convolutions) and MobileNetV2's
    inverted residual, with and without the residual add."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = cnns.conv_bn(3, 16, 3, 2, act=nn.SiLU)
        self.se_same = cnns.MBConv(16, 16, 3, 1, 4)
        self.se_down = cnns.MBConv(16, 24, 5, 2, 6)
        self.se_narrow = cnns.MBConv(24, 24, 3, 1, 1)
        self.inverted = cnns.InvertedResidual(24, 24, 1, 6)
        self.inverted_down = cnns.InvertedResidual(24, 32, 2, 1)
        self.head = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.se_narrow(self.se_down(self.se_same(self.stem(x))))
        return self.head(self.inverted_down(self.inverted(h)).mean(dim=(2, 3)))


def test_mbconv_with_squeeze_excite_and_inverted_residuals_fold():
    torch.manual_seed(0)
    imported, difference = imported_and_difference(randomise_statistics(Mobile()),
                                                   TensorSpec((3, 32, 32)))
    found = blocks(imported)
    assert set(found) == {"se_same", "se_down", "se_narrow", "inverted", "inverted_down"}
    se = found["se_down"][1]
    assert (se["out_channels"], se["expand_ratio"], se["kernel_size"], se["stride"],
            se["se_ratio"], se["activation"]) == (24, 6, 5, 2, 0.25, "silu")
    assert found["se_narrow"][1]["expand_ratio"] == 1
    inverted = found["inverted"][1]
    assert (inverted["se_ratio"], inverted["activation"]) == (0.0, "relu6")
    assert difference <= 1e-5


class PaperHighway(nn.Module):
    """y = H(x)·T(x) + x·(1 − T(x)), as Srivastava et al. write it."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.transform = nn.Linear(d, d)  # the gate comes first here: order is not assumed
        self.plain = nn.Linear(d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = torch.sigmoid(self.transform(x))
        return torch.tanh(self.plain(x)) * t + x * (1 - t)


class NotHighway(PaperHighway):
    """Gate and carry do not add to one: not a highway layer."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = torch.sigmoid(self.transform(x))
        return torch.tanh(self.plain(x)) * t + x


def test_a_highway_layer_folds_and_a_look_alike_does_not():
    torch.manual_seed(0)
    network = nn.Sequential(nn.Linear(4, 16), PaperHighway(16), NotHighway(16), nn.Linear(16, 3))
    imported, difference = imported_and_difference(network, TensorSpec((4,)))
    assert blocks(imported) == {"1": ("Highway", {"activation": "tanh", "gate_bias": "auto"})}
    assert "2" not in {n.id for n in imported.project.graph.nodes()}  # its layers came in
    assert difference <= 1e-5
    assert imported.project.weight_map["n_1.t.weight"] == "1.transform.weight"  # "1": n_1


class CompactHighway(PaperHighway):
    """The same layer written as x + T·(H − x): every step has a node kind."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + torch.sigmoid(self.transform(x)) * (torch.tanh(self.plain(x)) - x)


def test_a_part_used_twice_is_not_folded():
    torch.manual_seed(0)
    layer = CompactHighway(8)
    network = nn.Sequential(nn.Linear(4, 8), layer, layer, nn.Linear(8, 2))
    imported, difference = imported_and_difference(network, TensorSpec((4,)))
    assert not blocks(imported)
    assert difference <= 1e-5
    alone = nn.Sequential(nn.Linear(4, 8), CompactHighway(8))
    assert blocks(imported_and_difference(alone, TensorSpec((4,)))[0])  # used once, it folds
