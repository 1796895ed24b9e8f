"""A block and its expanded teaching view compute exactly the same thing.

Build a block graph, and the same graph after ExpandBlock; copy the
block's weights into the expanded nodes using the expansion's ``module``
paths; outputs and input gradients must match, in training mode (batch
statistics) and in eval mode (running statistics).
"""

import pytest
import torch

from explorer.compiler import build_model
from explorer.graph import ExpandBlock
from explorer.graph.grouping import block_expansion

from .cases import BLOCK_CASES, block_id, params
from .helpers import example_input, randomise

TOLERANCE = 1e-5


def _copy_weights(block_net, expanded_net, graph, expanded_graph, block) -> int:
    """Copy every weight across; returns how many block values were copied."""
    copied = 0
    outside = dict(block_net.named_children())
    for node_id, name in block_net.node_names.items():  # the nodes around the block
        if name in outside and node_id != block:
            expanded_net.get_submodule(expanded_net.node_names[node_id]).load_state_dict(
                outside[name].state_dict())
    module = block_net.get_submodule(block_net.node_names[block])
    for sub in block_expansion(graph, block).nodes:
        if sub.module is None:
            continue
        source = module.get_submodule(sub.module)
        target_id = f"{block}_{sub.suffix}"
        assert expanded_graph.node(target_id).group == block
        expanded_net.get_submodule(expanded_net.node_names[target_id]).load_state_dict(
            source.state_dict())
        copied += sum(p.numel() for p in source.parameters())
    return copied


@pytest.mark.parametrize("factory", params(BLOCK_CASES))
def test_expanded_block_computes_the_same(factory):
    graph, expanded_graph = factory(), factory()
    block = block_id(graph)
    block_net = build_model(graph)
    randomise(block_net)
    ExpandBlock(block).apply(expanded_graph)
    expanded_net = build_model(expanded_graph)
    copied = _copy_weights(block_net, expanded_net, graph, expanded_graph, block)

    block_params = sum(p.numel() for p in block_net.get_submodule(
        block_net.node_names[block]).parameters())
    assert copied == block_params  # the module paths reach every weight of the block
    for mode in ("train", "eval"):
        block_net.train(mode == "train")
        expanded_net.train(mode == "train")
        x = example_input(block_net.input_spec, 4)
        x.requires_grad_(x.is_floating_point())
        torch.manual_seed(1)  # stochastic depth then drops the same examples in both
        ours = block_net(x)
        torch.manual_seed(1)
        theirs = expanded_net(x)
        assert (ours - theirs).abs().max().item() < TOLERANCE, mode
        if x.requires_grad:
            (g1,) = torch.autograd.grad(ours.square().sum(), x)
            (g2,) = torch.autograd.grad(theirs.square().sum(), x)
            assert (g1 - g2).abs().max().item() < TOLERANCE, mode
