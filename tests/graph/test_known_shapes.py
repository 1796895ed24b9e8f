"""Reading shapes that must be known: a clean graph gives them, a broken one says so."""

import pytest

from explorer.graph import ArchitectureGraph, Edge, GraphError, check_graph, get_kind
from explorer.graph.kinds import Context
from explorer.graph.specs import TensorSpec

from .helpers import chain, classifier


def test_a_clean_graph_has_every_input_and_output_known():
    g, ids = classifier(("Linear", {"out_features": 8}), features=2, classes=3)
    result = check_graph(g)
    assert result.known_spec(ids[0]) == TensorSpec((2,))
    assert result.reports[ids[1]].known_inputs == (TensorSpec((2,)),)


def test_an_unknown_shape_is_refused_with_a_plain_error():
    g, ids = chain(("Linear", {"out_features": 8}))
    dangling = g.add_node("ReLU")  # its input is not wired
    result = check_graph(g)
    with pytest.raises(ValueError, match="no known shape"):
        result.known_spec(dangling)
    with pytest.raises(ValueError, match="no known shape"):
        _ = result.reports[dangling].known_inputs
    assert result.known_spec(ids[1]) == TensorSpec((8,))


def test_only_blocks_expand():
    ctx = Context(get_kind("ResidualMLP").defaults(), (TensorSpec((4,)),))
    expansion = get_kind("ResidualMLP").expand_block(ctx)
    assert expansion.output in {node.suffix for node in expansion.nodes}
    with pytest.raises(ValueError, match="only blocks expand"):
        get_kind("Linear").expand_block(Context(get_kind("Linear").defaults(), ctx.inputs))


def test_a_refused_wire_is_named_by_its_place_in_the_list():
    g = ArchitectureGraph()
    a, b = g.add_node("VectorInput"), g.add_node("ReLU")
    with pytest.raises(GraphError) as refused:
        g.connect_many([Edge(a, b, "in"), Edge(a, "nowhere", "in")])
    assert refused.value.wire == 1
    assert GraphError("any").wire is None
