"""Graphs with errors are refused in plain words; losses fit each output head."""

import pytest
import torch

from explorer.compiler import BuildError, build_model, loss_for
from explorer.graph import ArchitectureGraph, GraphError, check_graph

from .helpers import FEATURES, IMAGE, chain, step


def test_a_graph_with_an_error_names_the_node():
    graph = chain(IMAGE, step("Linear", out_features=4))
    with pytest.raises(BuildError) as caught:
        build_model(graph)
    error = caught.value
    assert error.node_id == "linear_1"
    assert "linear_1" in str(error) and "Linear needs" in str(error)
    assert "Traceback" not in str(error)
    assert isinstance(error, GraphError)  # the app handles it like any refused graph


def test_several_errors_are_listed_up_to_a_few():
    graph = ArchitectureGraph()
    for _ in range(5):
        graph.add_node("Linear")  # five unwired layers, and no input or output
    with pytest.raises(BuildError) as caught:
        build_model(graph)
    message = str(caught.value)
    assert "no input" in message
    assert "more problems" in message
    assert len(caught.value.issues) > 3


def test_the_graph_is_left_as_it_was():
    graph = chain(IMAGE, step("Linear", out_features=4))
    before = [(n.id, n.kind, dict(n.params)) for n in graph.nodes()], graph.edges()
    with pytest.raises(BuildError):
        build_model(graph)
    assert ([(n.id, n.kind, dict(n.params)) for n in graph.nodes()], graph.edges()) == before


def test_warnings_do_not_stop_a_build_and_unused_nodes_are_left_out():
    graph = chain(FEATURES, step("Linear", out_features=3))
    graph.connect("input_1", graph.add_node("Linear", {"out_features": 9}))  # goes nowhere
    net = build_model(graph)
    assert "linear_2" not in net.node_names
    assert "linear_2" not in net.source
    assert not hasattr(net, "linear_2")


def test_a_stale_check_result_is_redone():
    graph = chain(FEATURES, step("Linear", out_features=3))
    old = check_graph(graph)
    graph.connect("linear_1", graph.add_node("Tanh"), "in")
    graph.remove_node("output_1")
    graph.connect("tanh_1", graph.add_node("RegressionOutput"))
    net = build_model(graph, old)
    assert "tanh_1" in net.node_names


@pytest.mark.parametrize(("kind", "logits", "target"), [
    ("ClassificationOutput", torch.randn(4, 3), torch.tensor([0, 2, 1, 1])),
    ("ClassificationOutput", torch.randn(2, 5, 3), torch.randint(0, 3, (2, 5))),
    ("RegressionOutput", torch.randn(4, 2), torch.randn(4, 2)),
    ("RegressionOutput", torch.randn(4, 1), torch.randn(4)),
    ("SegmentationOutput", torch.randn(2, 3, 4, 4), torch.randint(0, 3, (2, 4, 4))),
])
def test_losses_fit_their_heads(kind, logits, target):
    loss = loss_for(kind)(logits.requires_grad_(), target)
    assert loss.shape == ()
    loss.backward()
    assert logits.grad is not None


def test_classification_loss_is_cross_entropy_per_token():
    logits, target = torch.randn(2, 5, 3), torch.randint(0, 3, (2, 5))
    expected = torch.nn.functional.cross_entropy(logits.permute(0, 2, 1), target)
    assert torch.allclose(loss_for("ClassificationOutput")(logits, target), expected)


@pytest.mark.parametrize(("kind", "logits", "target"), [
    ("ClassificationOutput", torch.randn(4, 3), torch.tensor([0, 1])),
    ("RegressionOutput", torch.randn(4, 2), torch.randn(4, 3)),
    ("SegmentationOutput", torch.randn(2, 3, 4, 4), torch.randint(0, 3, (2, 5, 5))),
])
def test_mismatched_targets_get_a_plain_message(kind, logits, target):
    with pytest.raises(ValueError, match="do not fit the network's output"):
        loss_for(kind)(logits, target)


def test_an_unknown_head_is_refused():
    with pytest.raises(ValueError, match="not an output head"):
        loss_for("Linear")
