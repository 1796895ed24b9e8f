"""The layers real CNNs need, each against a reference written here from its formula.

Padded pooling, adaptive average pooling, ReLU6 and Hardswish are compared
with hand-written loops and formulas (float32, 1e-5). Stochastic depth is
random while training, so its tests check what every draw must satisfy:
each example's branch is either gone or scaled by 1/(1 − p), about a share
p is gone, and evaluation passes the input through.
"""

import math

import pytest
import torch

from explorer.compiler import build_model
from explorer.compiler.lesion import lesion_candidates, lesioned
from explorer.graph import check_graph

from .cases import BLOCK_CASES, LAYER_CASES
from .helpers import IMAGE, chain, randomise, step

TOLERANCE = 1e-5


def _layer(case: str):
    """The compiled module of the first node of ``case`` after the input (and a conv)."""
    graph = LAYER_CASES[case]()
    result = check_graph(graph)
    net = build_model(graph, result)
    node = next(n for n in result.order[1:] if graph.node(n).kind != "Conv2d")
    return net.get_submodule(net.node_names[node]), graph.node(node).params


def _windows(x, k, s, pad, fill):
    """Every k×k window of x padded by ``pad`` on each side with ``fill``: N, C, H', W', k*k."""
    x = torch.nn.functional.pad(x, (pad, pad, pad, pad), value=fill)
    return x.unfold(2, k, s).unfold(3, k, s).flatten(-2)


@pytest.mark.parametrize(("case", "reduce", "fill"), [
    ("maxpool padded", lambda w: w.amax(-1), -math.inf),  # padding is never the maximum
    ("avgpool padded", lambda w: w.mean(-1), 0.0),  # torch counts padding as zeros
])
def test_padded_pooling(case, reduce, fill):
    module, p = _layer(case)
    x = torch.randn(2, 3, 8, 8)
    expected = reduce(_windows(x, p["kernel_size"], p["stride"], p["padding"], fill))
    got = module(x)
    assert got.shape == expected.shape
    assert (got - expected).abs().max().item() < TOLERANCE


@pytest.mark.parametrize("case", ["adaptive avg pool", "adaptive avg pool 3"])
def test_adaptive_average_pool_averages_near_equal_regions(case):
    """Region i of s covers rows floor(i·H/s) up to ceil((i + 1)·H/s)."""
    module, p = _layer(case)
    x, s = torch.randn(2, 8, 8, 8), p["output_size"]
    edges = [(i * 8 // s, -(-(i + 1) * 8 // s)) for i in range(s)]
    expected = torch.stack([torch.stack([x[:, :, r0:r1, c0:c1].mean(dim=(2, 3))
                                         for c0, c1 in edges], -1) for r0, r1 in edges], -2)
    got = module(x)
    assert got.shape == (2, 8, s, s)
    assert (got - expected).abs().max().item() < TOLERANCE


@pytest.mark.parametrize(("kind", "formula"), [
    ("ReLU6", lambda x: torch.where(x < 0, 0.0, torch.where(x > 6, 6.0, x))),
    ("Hardswish", lambda x: x * torch.where(x + 3 < 0, 0.0,
                                            torch.where(x + 3 > 6, 6.0, x + 3)) / 6),
])
def test_mobile_activations(kind, formula):
    module, _ = _layer(f"activation {kind}")
    x = torch.linspace(-10, 10, 401)
    assert (module(x) - formula(x)).abs().max().item() < TOLERANCE


def test_stochastic_depth_drops_whole_examples_and_rescales_the_rest():
    module, p = _layer("stochastic depth")
    x = torch.randn(4000, 2, 3, 3) + 5  # no value is 0 by chance
    torch.manual_seed(0)
    y = module.train()(x)
    dropped = (y == 0).flatten(1).all(1)
    kept = ~dropped
    assert ((y == 0).flatten(1).any(1) == dropped).all()  # all of an example, or none of it
    assert (y[kept] - x[kept] / (1 - p["p"])).abs().max().item() < TOLERANCE
    share = dropped.float().mean().item()
    assert abs(share - p["p"]) < 4 * math.sqrt(p["p"] * (1 - p["p"]) / len(x))
    assert torch.equal(module.eval()(x), x)


def test_stochastic_depth_of_one_drops_everything_without_dividing_by_zero():
    graph = chain(IMAGE, step("StochasticDepth", p=1.0))
    net = build_model(graph).train()
    x = torch.randn(5, 3, 8, 8)
    assert torch.equal(net(x), torch.zeros_like(x))


class Scale(torch.nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


@pytest.mark.parametrize("case", ["res conv drop path", "mbconv efficientnet drop path",
                                  "bottleneck zero-init drop path"])
def test_a_block_drops_its_branch_for_whole_examples(case):
    """Each example's output is the block with the branch kept (× 1/(1 − p)) or without it."""
    graph = BLOCK_CASES[case]()
    net = build_model(graph)
    randomise(net)
    (block_id,) = [n.id for n in graph.nodes() if n.params.get("drop_path")]
    block = net.get_submodule(net.node_names[block_id]).train()
    x = torch.randn(64, *check_graph(graph).reports[block_id].inputs[0].shape)
    drop, p = block.stochastic_depth, block.stochastic_depth.p
    block.stochastic_depth = Scale(1 / (1 - p))
    kept = block(x)
    block.stochastic_depth = Scale(0.0)
    gone = block(x)
    block.stochastic_depth = drop
    torch.manual_seed(3)
    got = block(x)

    as_kept = (got - kept).flatten(1).abs().amax(1) < TOLERANCE
    as_gone = (got - gone).flatten(1).abs().amax(1) < TOLERANCE
    assert (as_kept | as_gone).all()
    assert 0 < as_gone.sum() < len(x)  # some examples lost the branch, not all
    assert torch.equal(block.eval()(x), block(x))  # evaluation draws nothing


def test_a_zero_initialised_bottleneck_starts_as_relu_of_its_input():
    """torchvision's zero_init_residual: bn3 starts at zero, so the branch adds nothing."""
    graph = chain(IMAGE, step("Conv2d", out_channels=16), step("Bottleneck", zero_init=True))
    net = build_model(graph)
    block = net.get_submodule(net.node_names["bottleneck_1"])
    assert torch.equal(block.bn3.weight, torch.zeros(16))
    x = torch.randn(4, 16, 8, 8)
    for mode in (True, False):
        assert torch.equal(block.train(mode)(x), torch.relu(x))


def test_a_lesioned_bottleneck_leaves_relu_of_its_shortcut():
    graph = chain(IMAGE, step("Conv2d", out_channels=16), step("Bottleneck"),
                  step("Bottleneck", out_channels=32, stride=2))
    result = check_graph(graph)
    assert lesion_candidates(graph, result) == ["bottleneck_1", "bottleneck_2"]
    net = build_model(graph, result)
    randomise(net)
    net.eval()
    x = torch.randn(2, 3, 8, 8)
    with lesioned(net, ["bottleneck_1", "bottleneck_2"]):
        out = net.forward_all(x)
        downsample = net.bottleneck_2.block.downsample
    assert torch.equal(out["bottleneck_1"], torch.relu(out["conv_1"]))
    assert torch.equal(out["bottleneck_2"], torch.relu(downsample(out["bottleneck_1"])))
