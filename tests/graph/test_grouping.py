"""Blocks open into the primitive nodes they compute, and close again."""

import pytest

from explorer.graph import (
    CollapseBlock,
    Connect,
    Disconnect,
    Edge,
    ExpandBlock,
    ExpansionError,
    RemoveNode,
    SetLabel,
    SetParams,
    all_kinds,
    check_graph,
    recipes,
    remove_nodes,
)
from explorer.graph.project import Project, dumps, loads

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


# -- collapsing is all-or-nothing, and never drops an edit made inside ---------


def _expanded_residual():
    """Input -> expanded ResidualMLP (fc1, act1, fc2, add, act_out) -> Linear -> output."""
    g, (inp, block, after, out) = classifier(("ResidualMLP", {}), features=16)
    expand = ExpandBlock(block)
    expand.apply(g)
    return g, (inp, block, after, out), [expand]


def _apply(g, edits, *more):
    for edit in more:
        edit.apply(g)
        edits.append(edit)


def test_a_collapse_that_would_make_a_loop_is_refused_and_changes_nothing():
    """Once: members deleted, then the loop refused half-way, every later undo failing."""
    g, (_, block, after, _), edits = _expanded_residual()
    # nothing from the input feeds the members any more; the Linear after the block is wired
    # into a member that does not reach it, so the block would feed the node that feeds it
    _apply(g, edits, remove_nodes(g, [f"{block}_fc1", f"{block}_add"]),
           Connect(Edge(after, f"{block}_act1", "in")))
    edited = dumps(Project(g))
    with pytest.raises(ExpansionError, match=r"edited after it was expanded \(act1, act_out"):
        CollapseBlock(block).apply(g)
    assert dumps(Project(g)) == edited and set(g.groups()) == {block}
    check_graph(g)
    for edit in reversed(edits):  # undo still works, all the way back
        edit.revert(g)
    assert dumps(Project(g)) == dumps(Project(classifier(("ResidualMLP", {}), features=16)[0]))


def test_edits_inside_an_expansion_that_nothing_feeds_are_not_dropped():
    g, (inp, block, *_), edits = _expanded_residual()
    _apply(g, edits, RemoveNode(inp), SetParams(f"{block}_fc1", {"out_features": 5}))
    with pytest.raises(ExpansionError, match=r"edited after it was expanded \(fc1\)"):
        CollapseBlock(block).apply(g)
    assert g.node(f"{block}_fc1").params["out_features"] == 5


def test_an_untouched_expansion_that_nothing_feeds_still_collapses():
    g, (inp, block, after, _), edits = _expanded_residual()
    _apply(g, edits, RemoveNode(inp))
    CollapseBlock(block).apply(g)
    assert block in g and not g.members(block)
    assert g.edge_into(block, "in") is None
    assert g.edge_into(after, "in").src == block


def test_rewiring_inside_an_expansion_is_not_dropped_on_collapse():
    g, (_, block, *_), edits = _expanded_residual()
    _apply(g, edits, Disconnect(Edge(f"{block}_act1", f"{block}_fc2", "in")),
           Connect(Edge(f"{block}_fc1", f"{block}_fc2", "in")))
    with pytest.raises(ExpansionError, match=r"edited after it was expanded \(fc2\)"):
        CollapseBlock(block).apply(g)


def test_a_member_other_than_the_output_wired_onward_refuses_to_collapse():
    g, (_, block, after, _), edits = _expanded_residual()
    _apply(g, edits, Connect(Edge(f"{block}_fc2", after, "in")))
    with pytest.raises(ExpansionError, match="fc2"):
        CollapseBlock(block).apply(g)
    assert g.edge_into(after, "in").src == f"{block}_fc2"


def test_a_skip_wire_removed_inside_refuses_to_collapse():
    g, (inp, block, *_), edits = _expanded_residual()
    _apply(g, edits, Disconnect(Edge(inp, f"{block}_add", "in2")))
    with pytest.raises(ExpansionError, match=r"\(add\)"):
        CollapseBlock(block).apply(g)


def test_deleting_every_member_deletes_the_block_and_undo_brings_it_back():
    g, (_, block, *_), _edits = _expanded_residual()
    expanded = dumps(Project(g))
    delete = remove_nodes(g, g.members(block))
    delete.apply(g)
    assert block not in g.groups()
    text = dumps(Project(g))
    assert dumps(loads(text)) == text  # the file reopens
    delete.revert(g)
    assert dumps(Project(g)) == expanded and block in g.groups()


def test_an_expansion_whose_ids_are_taken_collapses_back():
    g, (_, block, *_rest) = classifier(("ResidualMLP", {}), features=16)
    g.add_node("ReLU", node_id=f"{block}_fc1")  # the id the expansion wants is taken
    before = dumps(Project(g))
    ExpandBlock(block).apply(g)
    assert f"{block}_fc1_1" in g.members(block)
    CollapseBlock(block).apply(g)
    assert dumps(Project(g)) == before


class Refuse:
    """An observer that fails on its n-th node_added: a change interrupted half-way."""

    def __init__(self, graph, n):
        self.graph, self.n = graph, n
        graph.events.node_added.connect(self)

    def __call__(self, node_id):
        self.n -= 1
        if self.n == 0:
            raise RuntimeError(f"interrupted at {node_id}")


@pytest.mark.parametrize("n", [1, 3, 5])
def test_an_interrupted_expansion_or_collapse_changes_nothing(n):
    g, (_, block, *_rest) = classifier(("ResidualMLP", {}), features=16)
    before = dumps(Project(g))
    refuse = Refuse(g, n)
    with pytest.raises(Exception, match="interrupted"):
        ExpandBlock(block).apply(g)
    assert dumps(Project(g)) == before and not g.groups()
    refuse.n = 10**9
    ExpandBlock(block).apply(g)
    expanded = dumps(Project(g))
    refuse.n = 1
    with pytest.raises(Exception, match="interrupted"):
        CollapseBlock(block).apply(g)
    assert dumps(Project(g)) == expanded and set(g.groups()) == {block}


def test_a_label_written_inside_an_expansion_is_not_dropped_on_collapse():
    g, (_, block, *_rest), edits = _expanded_residual()
    _apply(g, edits, SetLabel(f"{block}_fc2", "my projection"))
    with pytest.raises(ExpansionError, match=r"\(fc2\)"):
        CollapseBlock(block).apply(g)


def test_an_expansion_whose_input_changed_collapses_and_the_block_adapts():
    """Found by the edit machine: the members were not edited, only what feeds them."""
    g, (inp, block, *_rest) = chain(("ResidualConv", {}), "GlobalAvgPool",
                                    ("Linear", {"out_features": 3}), "ClassificationOutput",
                                    input_kind="ImageInput", input_params=IMAGE)
    ExpandBlock(block).apply(g)
    SetParams(inp, {"channels": 1}).apply(g)
    CollapseBlock(block).apply(g)
    assert check_graph(g).ok
    ExpandBlock(block).apply(g)
    assert g.node(f"{block}_conv1").params["out_channels"] == 1
