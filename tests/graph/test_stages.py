"""Stages: named runs of nodes folded into one box on the canvas (a view, never compiled)."""

import json

import pytest

from explorer.graph import (
    CollapseBlock,
    Connect,
    Edge,
    ExpandBlock,
    GraphError,
    Project,
    check_graph,
    remove_nodes,
)
from explorer.graph.errors import ProjectFileError
from explorer.graph.project import dumps, loads
from explorer.graph.stages import (
    MakeStage,
    RemoveStage,
    RenameStage,
    SetStageCollapsed,
    get_stage,
    stages,
)
from explorer.graph.zoo import densenet121, resnet50

from .helpers import classifier


def five():
    """input -> linear -> relu -> linear -> relu -> linear -> output"""
    return classifier(("Linear", {"out_features": 8}), "ReLU", ("Linear", {"out_features": 8}),
                      "ReLU", features=4)


def saved(graph):
    return dumps(Project(graph))


def test_making_a_stage_records_it_and_undo_and_redo_round_trip():
    g, ids = five()
    before = saved(g)
    edit = MakeStage("body", [ids[3], ids[1], ids[2]], collapsed=True)
    edit.apply(g)
    assert stages(g) == [get_stage(g, "body")]
    assert get_stage(g, "body").members == (ids[1], ids[2], ids[3])  # order they were added
    assert get_stage(g, "body").collapsed
    assert g.node(ids[2]).stage == "body" and g.node(ids[0]).stage is None
    after = saved(g)
    edit.revert(g)
    assert saved(g) == before and stages(g) == []
    edit.apply(g)
    assert saved(g) == after


def test_a_stage_survives_saving_and_loading_and_old_files_carry_none():
    g, ids = five()
    assert "stages" not in saved(g)  # a file without stages is written as before
    MakeStage("body", ids[1:4], collapsed=True).apply(g)
    MakeStage("head", ids[4:6]).apply(g)
    text = saved(g)
    loaded = loads(text)
    assert [(s.name, s.members, s.collapsed) for s in stages(loaded.graph)] == \
        [("body", tuple(ids[1:4]), True), ("head", tuple(ids[4:6]), False)]
    assert dumps(loaded) == text


@pytest.mark.parametrize("name, members, words", [
    ("", [1, 2], "needs a name"),
    ("  ", [1, 2], "needs a name"),
    (" body", [1, 2], "starts or ends with a space"),
    ("x" * 129, [1, 2], "limit is 128"),
    ("body", [], "at least one node"),
    ("body", [1, 1], "listed twice"),
    ("body", ["nowhere"], "no node 'nowhere'"),
    ("body", [1, 3], "'relu_1' is outside the stage but lies between its nodes"),
])
def test_bad_stages_are_refused_in_plain_words_and_change_nothing(name, members, words):
    g, ids = five()
    before = saved(g)
    node_ids = [ids[m] if isinstance(m, int) else m for m in members]
    with pytest.raises(GraphError, match=words):
        MakeStage(name, node_ids).apply(g)
    assert saved(g) == before


def test_the_nodes_of_a_stage_are_wired_together():
    g, ids = five()
    lonely = g.add_node("Linear", {"out_features": 3})
    with pytest.raises(GraphError, match=f"{lonely!r} is not wired to the other nodes"):
        MakeStage("body", [ids[1], lonely]).apply(g)
    MakeStage("one", [lonely]).apply(g)  # a single node is a run of one


def test_a_name_is_used_once_and_a_node_is_in_one_stage():
    g, ids = five()
    MakeStage("body", ids[1:3]).apply(g)
    with pytest.raises(GraphError, match="already exists"):
        MakeStage("body", ids[3:5]).apply(g)
    with pytest.raises(GraphError, match=f"{ids[2]!r} is already in stage 'body'") as error:
        MakeStage("tail", ids[2:5]).apply(g)
    assert "Ungroup 'body' first" in error.value.hint


def test_a_path_out_of_the_stage_and_back_in_is_refused():
    g, ids = five()  # a skip wire from ids[1] around ids[2] into a merge after it
    add = g.add_node("Add")
    g.disconnect(g.in_edges(ids[3])[0])
    g.connect(ids[2], add, "in1")
    g.connect(ids[1], add, "in2")
    g.connect(add, ids[3], "in")
    with pytest.raises(GraphError, match=f"{add!r} is outside the stage but lies between"):
        MakeStage("body", [ids[1], ids[2], ids[3]]).apply(g)
    MakeStage("body", [ids[1], ids[2], add, ids[3]]).apply(g)  # with the merge it is one run


def test_opening_closing_and_renaming_undo():
    g, ids = five()
    MakeStage("body", ids[1:4], collapsed=True).apply(g)
    opened = SetStageCollapsed("body", False)
    opened.apply(g)
    assert not get_stage(g, "body").collapsed
    opened.revert(g)
    assert get_stage(g, "body").collapsed
    before = saved(g)
    rename = RenameStage("body", "trunk")
    rename.apply(g)
    assert [s.name for s in stages(g)] == ["trunk"]
    assert get_stage(g, "trunk").members == tuple(ids[1:4]) and g.node(ids[2]).stage == "trunk"
    with pytest.raises(GraphError, match="already exists"):
        RenameStage("trunk", "trunk").apply(g)
    rename.revert(g)
    assert saved(g) == before
    with pytest.raises(GraphError, match="there is no stage 'nowhere'"):
        SetStageCollapsed("nowhere", True).apply(g)


def test_ungrouping_keeps_the_nodes_and_undo_groups_them_again():
    g, ids = five()
    MakeStage("body", ids[1:4], collapsed=True).apply(g)
    before = saved(g)
    ungroup = RemoveStage("body")
    ungroup.apply(g)
    assert stages(g) == [] and len(g) == 7 and g.node(ids[2]).stage is None
    ungroup.revert(g)
    assert saved(g) == before


def test_deleting_members_leaves_the_stage_and_the_last_one_removes_it_in_one_undo_step():
    g, ids = five()
    MakeStage("body", ids[1:3], collapsed=True).apply(g)
    before = saved(g)
    one = remove_nodes(g, [ids[1]])
    one.apply(g)
    assert get_stage(g, "body").members == (ids[2],)
    both = remove_nodes(g, [ids[2]])
    both.apply(g)
    assert stages(g) == []
    both.revert(g)
    one.revert(g)
    assert saved(g) == before
    every = remove_nodes(g, ids[1:3])  # both at once: one step
    every.apply(g)
    assert stages(g) == []
    every.revert(g)
    assert saved(g) == before


def test_an_expanded_block_keeps_its_stage_through_expand_and_collapse():
    g, ids = classifier(("ResidualMLP", {}), ("ResidualMLP", {}), features=16)
    MakeStage("blocks", ids[1:3], collapsed=False).apply(g)
    before = saved(g)
    expand = ExpandBlock(ids[1])
    expand.apply(g)
    inside = g.members(ids[1])
    assert inside and all(g.node(n).stage == "blocks" for n in inside)
    text = saved(g)
    assert dumps(loads(text)) == text  # the block's record takes its nodes' stage on load
    collapse = CollapseBlock(ids[1])
    collapse.apply(g)
    assert g.node(ids[1]).stage == "blocks"
    collapse.revert(g)
    expand.revert(g)
    assert saved(g) == before


def test_a_stage_may_not_take_part_of_an_expanded_block():
    g, ids = classifier(("ResidualMLP", {}), features=16)
    ExpandBlock(ids[1]).apply(g)
    inside = g.members(ids[1])
    with pytest.raises(GraphError, match=f"part of the expanded block {ids[1]!r}"):
        MakeStage("half", inside[:1]).apply(g)


def test_stages_change_nothing_the_checker_sees():
    g, ids = five()
    plain = check_graph(g)
    MakeStage("body", ids[1:4], collapsed=True).apply(g)
    staged = check_graph(g)
    assert staged.total_params == plain.total_params
    assert {n: r.spec for n, r in staged.reports.items()} == \
        {n: r.spec for n, r in plain.reports.items()}


def test_a_wire_into_a_stage_member_is_still_a_wire_to_that_node():
    g, ids = five()
    MakeStage("body", ids[1:4], collapsed=True).apply(g)
    g.disconnect(g.in_edges(ids[1])[0])
    Connect(Edge(ids[0], ids[1], "in")).apply(g)
    assert g.in_edges(ids[1]) == [Edge(ids[0], ids[1], "in")]


@pytest.mark.parametrize("stage, words", [
    ({"name": "body", "members": ["nowhere"]}, "no node 'nowhere'"),
    ({"name": "", "members": ["x"]}, "must not be empty"),
    ({"name": "body"}, "missing the field 'members'"),
])
def test_a_file_with_a_bad_stage_is_refused_naming_it(stage, words):
    g, _ = five()
    doc = json.loads(saved(g))
    doc["stages"] = [stage]
    with pytest.raises(ProjectFileError, match=words) as error:
        loads(json.dumps(doc))
    assert "stages[0]" in str(error.value)


@pytest.mark.parametrize("factory, names", [
    (resnet50, ["layer1", "layer2", "layer3", "layer4"]),
    (densenet121, ["denseblock1", "denseblock2", "denseblock3", "denseblock4"]),
])
def test_zoo_models_open_with_their_stages_collapsed(factory, names):
    project = factory()
    found = stages(project.graph)
    assert [s.name for s in found] == names and all(s.collapsed for s in found)
    if factory is resnet50:
        assert [len(s.members) for s in found] == [3, 4, 6, 3]
        assert get_stage(project.graph, "layer3").members == tuple(f"layer3_{i}"
                                                                   for i in range(6))


def test_a_stage_broken_by_later_edits_still_saves_and_reopens():
    g, ids = five()
    MakeStage("body", ids[1:4], collapsed=True).apply(g)
    g.disconnect(g.in_edges(ids[2])[0])  # the run is cut in two: still the same stage
    text = saved(g)
    assert dumps(loads(text)) == text
    assert get_stage(loads(text).graph, "body").members == tuple(ids[1:4])
