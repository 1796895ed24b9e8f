"""The code preview's snapshot: the same code as the export, kept current node by node;
and the collector pause it makes the code in."""

from __future__ import annotations

import gc

import pytest

from explorer.app.code_preview import make_code
from explorer.app.code_snapshot import GraphCopier
from explorer.export import network_source
from explorer.graph import Edge, Project, check_graph, recipes
from explorer.graph.collector import collector_paused


def snapshot(copier: GraphCopier, project: Project):
    return copier.snapshot(project, check_graph(project.graph))


def assert_same_code_as_export(copier: GraphCopier, project: Project) -> None:
    made = make_code(snapshot(copier, project))
    exported = network_source(project)
    assert made.text == exported.text
    assert dict(made.node_lines) == dict(exported.node_lines)


def labelled_mlp() -> Project:
    project = recipes.residual_mlp()
    project.name, project.description = "Spirals", "A residual MLP."
    project.graph.set_label("linear_1", 'first "layer"')
    return project


def test_the_snapshot_makes_the_exported_code():
    assert_same_code_as_export(GraphCopier(), labelled_mlp())


def test_the_snapshot_follows_every_kind_of_edit():
    project = labelled_mlp()
    graph, copier = project.graph, GraphCopier()
    snapshot(copier, project)
    graph.set_params("linear_1", {"out_features": 40})
    assert_same_code_as_export(copier, project)
    graph.set_label("relu_1", "squash")
    assert_same_code_as_export(copier, project)
    graph.remove_node("res_2")  # and rewire around it
    graph.connect("res_1", "res_3")
    assert_same_code_as_export(copier, project)
    gelu = graph.add_node("GELU")
    graph.disconnect(Edge("relu_1", "res_1", "in"))
    graph.connect("relu_1", gelu)
    graph.connect(gelu, "res_1")
    assert_same_code_as_export(copier, project)
    assert "nn.GELU()" in make_code(snapshot(copier, project)).text


def test_a_snapshot_never_changes_after_it_is_taken():
    project = labelled_mlp()
    copier = GraphCopier()
    before = snapshot(copier, project)
    text = make_code(before).text
    project.graph.set_params("linear_1", {"out_features": 40})
    project.graph.set_label("linear_1", "renamed")
    assert before.graph.node("linear_1").params["out_features"] != 40
    assert make_code(before).text == text


def test_only_the_nodes_changed_are_copied_again():
    project = recipes.residual_mlp()
    graph, copier = project.graph, GraphCopier()
    snapshot(copier, project)
    read = []
    real = graph.node
    graph.node = lambda node_id: read.append(node_id) or real(node_id)
    snapshot(copier, project)
    assert read == []
    graph.set_params("linear_1", {"out_features": 40})
    graph.disconnect(Edge("res_1", "res_2", "in"))
    graph.connect("res_1", "res_2")
    snapshot(copier, project)
    assert sorted(read) == ["linear_1", "res_2"]


def test_another_project_is_copied_afresh():
    copier = GraphCopier()
    first = labelled_mlp()
    snapshot(copier, first)
    second = recipes.residual_mlp()  # the same ids, other nodes
    second.graph.set_params("linear_1", {"out_features": 24})
    assert_same_code_as_export(copier, second)
    first.graph.set_params("linear_1", {"out_features": 12})  # the old graph is not followed
    assert_same_code_as_export(copier, second)


def test_the_collector_pause_nests_and_always_ends():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause leaves it to the outer one
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a failure inside")
    assert gc.isenabled()
