"""Every node kind builds, runs forward and backward, and agrees with the checker.

For each node the forward computes: the torch parameter count equals the
checker's count, and the output shape equals the checked shape (with the
batch in front).
"""

import math

import pytest
import torch

from explorer.compiler import build_model, loss_for
from explorer.graph import all_kinds, check_graph

from .cases import BLOCK_CASES, LAYER_CASES, block_id, params
from .helpers import example_input, example_target

ALL_CASES = {**LAYER_CASES, **BLOCK_CASES}
BATCH = 3


def test_every_kind_has_a_case():
    covered = {node.kind for factory in ALL_CASES.values() for node in factory().nodes()}
    assert covered == {kind.name for kind in all_kinds()}


@pytest.mark.parametrize("factory", params(ALL_CASES))
def test_matches_the_checker_and_trains(factory):
    graph = factory()
    result = check_graph(graph)
    assert result.ok, result.errors
    net = build_model(graph, result)
    outputs = net.forward_all(example_input(net.input_spec, BATCH))

    assert set(outputs) == set(result.order) - {result.output_id}
    modules = dict(net.named_children())
    for node_id, value in outputs.items():
        report = result.reports[node_id]
        assert tuple(value.shape) == (BATCH, *report.spec.shape), node_id
        module = modules.get(net.node_names[node_id])
        count = 0 if module is None else sum(p.numel() for p in module.parameters())
        assert count == report.params, node_id

    x = example_input(net.input_spec, BATCH)
    x.requires_grad_(x.is_floating_point())  # so networks without weights backpropagate too
    prediction = net(x)
    loss = loss_for(net.output_kind)(prediction, example_target(net.output_kind, prediction))
    loss.backward()
    assert math.isfinite(loss.item())
    if x.requires_grad:
        assert x.grad is not None and torch.isfinite(x.grad).all()
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None, f"{name} got no gradient"
        assert torch.isfinite(parameter.grad).all(), name


def test_linear_bias_starts_at_bias_init():
    net = build_model(LAYER_CASES["linear bias init"]())
    assert torch.equal(net.linear_1.bias, torch.full((5,), -3.0))


def test_highway_gate_bias_follows_the_checker():
    graph = BLOCK_CASES["highway"]()
    result = check_graph(graph)
    net = build_model(graph, result)
    resolved = result.reports["highway_1"].resolved["gate_bias"]
    assert torch.equal(net.highway_1.t.bias, torch.full((6,), resolved))
    fixed = build_model(BLOCK_CASES["highway fixed bias tanh"]())
    assert torch.equal(fixed.highway_1.t.bias, torch.full((6,), -2.0))


@pytest.mark.parametrize("name", [n for n in BLOCK_CASES if "zero init" in n])
def test_zero_init_blocks_start_as_the_identity(name):
    """The branch starts at zero: a pre-activation block returns x, a post one relu(x)."""
    graph = BLOCK_CASES[name]()
    block = block_id(graph)
    net = build_model(graph)
    outputs = net.forward_all(example_input(net.input_spec, BATCH))
    x = outputs[graph.in_edges(block)[0].src]
    expected = x if graph.node(block).params["order"] == "pre" else torch.relu(x)
    assert torch.equal(outputs[block], expected)
