"""Any node id a project file may hold becomes a safe, unique Python name."""

import keyword

import pytest
import torch
import torch.nn as nn

from explorer.compiler import build_model
from explorer.graph import ArchitectureGraph
from explorer.graph.naming import RESERVED

from .helpers import example_input

AWKWARD_IDS = [
    "in put", "class", "lambda", "__import__('os')", 'say "hi"', "it's", "two\nlines",
    "naïve Ünïcödé", "层 1", "1st layer", "forward", "source", "x", "self", "torch",
    "conv_1", "conv 1", "conv-1", "__init__", "###", "node_names", "cuda", "_", "None",
]


def _awkward_chain() -> ArchitectureGraph:
    graph = ArchitectureGraph()
    last = graph.add_node("VectorInput", {"features": 4}, node_id=AWKWARD_IDS[0])
    for i, node_id in enumerate(AWKWARD_IDS[1:]):
        kind, params = ("Linear", {"out_features": 4}) if i % 2 == 0 else ("Tanh", {})
        graph.add_node(kind, params, node_id=node_id)
        graph.connect(last, node_id)
        last = node_id
    graph.add_node("RegressionOutput", node_id="output\t'end'")
    graph.connect(last, "output\t'end'")
    return graph


def test_awkward_ids_build_and_run():
    net = build_model(_awkward_chain())
    names = list(net.node_names.values())
    assert len(set(names)) == len(names)
    for name in names:
        assert name == "x" or (name.isidentifier() and name.isascii()
                               and not keyword.iskeyword(name) and name not in RESERVED)
    x = example_input(net.input_spec, 2)
    outputs = net.forward_all(x)
    assert set(outputs) == set(AWKWARD_IDS)  # every node's output, keyed by its real id
    assert torch.equal(net(x), outputs[AWKWARD_IDS[-1]])
    assert all(key.split(".")[0] in names for key in net.state_dict())


def test_source_comments_stay_on_one_line():
    net = build_model(_awkward_chain())
    lines = net.source.splitlines()
    assert len(lines) == 1 + len(AWKWARD_IDS)  # the def, one line per node after x, return
    compile(net.source, "<check>", "exec")


def test_reserved_names_cover_every_public_module_attribute():
    """A torch upgrade that adds a public nn.Module attribute must extend the list."""
    public = {name for name in dir(nn.Module) if not name.startswith("_")}
    public |= {name for name in vars(nn.Module()) if not name.startswith("_")}
    assert public <= RESERVED, sorted(public - RESERVED)


def test_reserved_names_cover_the_compiled_network_attributes():
    graph = ArchitectureGraph()
    graph.connect(graph.add_node("VectorInput"), graph.add_node("RegressionOutput"))
    net = build_model(graph)
    public = {name for name in dir(net) if not name.startswith("_")}
    assert public <= RESERVED, sorted(public - RESERVED)


@pytest.mark.parametrize("node_id", ["forward_all", "source", "input_spec", "training"])
def test_a_node_named_like_an_attribute_keeps_both(node_id):
    graph = ArchitectureGraph()
    first = graph.add_node("VectorInput", {"features": 3})
    graph.add_node("Linear", {"out_features": 2}, node_id=node_id)
    graph.connect(first, node_id)
    graph.connect(node_id, graph.add_node("ClassificationOutput"))
    net = build_model(graph)
    assert isinstance(net.get_submodule(net.node_names[node_id]), nn.Linear)
    assert net.source.startswith("def forward")
    assert net(torch.randn(2, 3)).shape == (2, 2)
