"""Blocks open into the primitive nodes they compute, and close again."""

import pytest

from explorer.graph import (
    CollapseBlock,
    ExpandBlock,
    ExpansionError,
    SetParams,
    all_kinds,
    check_graph,
    recipes,
)
from explorer.graph.project import Project, dumps

from .helpers import chain, classifier

IMAGE = {"channels": 16, "height": 8, "width": 8}


def block_graph(kind):
    if kind in ("ResidualMLP", "Highway"):
        return classifier((kind, {}), features=16)
    if kind == "TransformerBlock":
        project = recipes.transformer_classifier(depth=1, dim=16, heads=2)
        return project.graph, [n for n in project.graph.node_ids()]
    return chain((kind, {}), "GlobalAvgPool", ("Linear", {"out_features": 3}),
                 "ClassificationOutput", input_kind="ImageInput", input_params=IMAGE)


BLOCKS = [k.name for k in all_kinds() if k.is_block]


@pytest.mark.parametrize("kind", BLOCKS)
def test_expanding_keeps_shapes_and_counts_and_collapsing_restores_the_file(kind):
    g, _ = block_graph(kind)
    block = next(n.id for n in g.nodes() if n.kind == kind)
    before, result = dumps(Project(g)), check_graph(g)
    expand = ExpandBlock(block)
    expand.apply(g)
    after = check_graph(g)
    assert after.ok, [str(i) for i in after.issues]
    assert after.total_params == result.total_params
    assert after.spec(after.output_id) == result.spec(result.output_id)
    assert block not in g and g.members(block)
    assert all(n.startswith(block + "_") for n in g.members(block))
    CollapseBlock(block).apply(g)
    assert dumps(Project(g)) == before
    expand.apply(g)
    expand.revert(g)
    assert dumps(Project(g)) == before


def test_an_edited_expansion_refuses_to_collapse_and_says_why():
    g, (_, block, *_rest) = classifier(("ResidualMLP", {}), features=16)
    ExpandBlock(block).apply(g)
    SetParams(f"{block}_fc1", {"out_features": 5}).apply(g)
    with pytest.raises(ExpansionError) as err:
        CollapseBlock(block).apply(g)
    assert "edited after it was expanded (fc1)" in str(err.value)
    assert err.value.node_id == block


def test_a_block_without_an_input_cannot_expand():
    g, _ = chain()
    block = g.add_node("ResidualMLP")
    with pytest.raises(ExpansionError, match="not known yet"):
        ExpandBlock(block).apply(g)
    with pytest.raises(ExpansionError, match="only blocks expand"):
        ExpandBlock(g.node_ids()[0]).apply(g)


def test_expanding_makes_room_to_the_right():
    g, ids = classifier(("ResidualMLP", {}), features=16)
    for i, node in enumerate(ids):
        g.move(node, i * 200.0, 0)
    ExpandBlock(ids[1]).apply(g)
    members_right = max(g.node(m).position[0] for m in g.members(ids[1]))
    assert g.node(ids[2]).position[0] > members_right


def test_highway_expansion_carries_the_resolved_gate_bias():
    g = recipes.highway_mlp(blocks=20).graph
    block = next(n.id for n in g.nodes() if n.kind == "Highway")
    bias = check_graph(g).reports[block].resolved["gate_bias"]
    ExpandBlock(block).apply(g)
    assert g.node(f"{block}_t").params["bias_init"] == bias
