"""Every standard network in the recipes builds, trains a step, and counts like the checker."""

import pytest
import torch

from explorer.compiler import build_model, loss_for
from explorer.graph import check_graph
from explorer.graph.recipes import RECIPES

from .helpers import example_input, example_target


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_builds_and_trains_a_step(name):
    project = RECIPES[name]()
    result = check_graph(project.graph)
    net = build_model(project.graph, result)
    assert sum(p.numel() for p in net.parameters()) == result.total_params

    x = example_input(net.input_spec, 2)
    prediction = net(x)
    assert tuple(prediction.shape) == (2, *net.output_spec.shape)
    loss = loss_for(net.output_kind)(prediction, example_target(net.output_kind, prediction))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    loss.backward()
    optimizer.step()
    assert all(p.grad is not None for p in net.parameters())
    assert torch.isfinite(net(x)).all()
