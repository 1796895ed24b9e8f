"""Training settings and project details change through edits, like the graph, and say so."""

import copy

import pytest

from explorer.graph import ParamError, Project, SetProjectInfo, SetTrainingSettings, recipes
from explorer.graph import project as project_file
from explorer.graph.project import dumps


def heard(signal):
    """Every emission of a psygnal signal, as a list of argument tuples."""
    calls = []
    signal.connect(lambda *args: calls.append(args))
    return calls


def test_the_project_model_is_the_one_the_file_functions_use():
    assert project_file.Project is Project
    project = Project(recipes.mlp().graph, name="a")
    assert project.name == "a" and project_file.loads(dumps(project)).name == "a"


def test_a_copy_has_listeners_of_its_own():
    project = recipes.mlp()
    heard_names = heard(project.events.name)
    twin = copy.copy(project)
    twin.name = "twin"
    assert heard_names == [] and project.name == recipes.mlp().name


def test_setting_changes_apply_revert_and_are_announced():
    project = recipes.mlp()
    before = project.training
    changes = heard(project.events.training)
    edit = SetTrainingSettings(project, {"lr": 0.05, "steps": 20})
    edit.apply(project.graph)
    assert (project.training.lr, project.training.steps) == (0.05, 20)
    edit.revert(project.graph)
    assert project.training == before
    edit.apply(project.graph)  # redo
    assert project.training.lr == 0.05
    assert [args[0].lr for args in changes] == [0.05, before.lr, 0.05]


def test_a_refused_setting_changes_nothing():
    project = recipes.mlp()
    before = project.training
    with pytest.raises(ParamError, match="batch_size"):
        SetTrainingSettings(project, {"batch_size": 0}).apply(project.graph)
    assert project.training == before


def test_successive_changes_of_one_setting_merge_into_one_edit():
    project = recipes.mlp()
    first = SetTrainingSettings(project, {"steps": 2000})
    first.apply(project.graph)
    for steps in (3000, 4000):
        later = SetTrainingSettings(project, {"steps": steps})
        later.apply(project.graph)
        assert first.merge(later)
    other = SetTrainingSettings(project, {"lr": 0.5})
    assert not first.merge(other)  # another setting: its own step
    first.revert(project.graph)
    assert project.training.steps == 1000
    first.apply(project.graph)
    assert project.training.steps == 4000


def test_the_undo_text_names_the_settings_in_words():
    project = Project()
    assert SetTrainingSettings(project, {"lr": 0.1}).text == "Set learning rate"
    assert SetTrainingSettings(project, {"dataset": "moons", "dataset_options": {}}).text \
        == "Set dataset"
    assert SetTrainingSettings(project, {"dataset_options": {}}).text == "Set dataset options"


def test_project_details_apply_revert_and_are_announced():
    project = recipes.mlp()
    names, notes = heard(project.events.name), heard(project.events.notes)
    edit = SetProjectInfo(project, name="Deep net", notes="Why it trains.")
    assert edit.text == "Rename project and edit notes"
    edit.apply(project.graph)
    assert (project.name, project.notes) == ("Deep net", "Why it trains.")
    edit.revert(project.graph)
    assert (project.name, project.notes) == (recipes.mlp().name, "")
    assert [a[0] for a in names] == ["Deep net", recipes.mlp().name]
    assert [a[0] for a in notes] == ["Why it trains.", ""]


def test_project_details_are_checked_like_the_file_checks_them():
    project = Project(name="kept")
    with pytest.raises(ParamError, match=r"name.*200"):
        SetProjectInfo(project, name="x" * 201).apply(project.graph)
    assert project.name == "kept"
    with pytest.raises(ValueError):
        SetProjectInfo(project)  # nothing to change


def test_typing_a_name_merges_into_one_edit():
    project = Project()
    first = SetProjectInfo(project, name="D")
    first.apply(project.graph)
    later = SetProjectInfo(project, name="Deep")
    later.apply(project.graph)
    assert first.merge(later)
    assert not first.merge(SetProjectInfo(project, notes="n"))
    first.revert(project.graph)
    assert project.name == ""


def test_an_edit_refuses_another_projects_graph():
    project, other = recipes.mlp(), recipes.mlp()
    with pytest.raises(ValueError, match="another project"):
        SetTrainingSettings(project, {"lr": 0.1}).apply(other.graph)
    assert project.training.lr == other.training.lr


def test_the_limits_on_details_are_the_files_limits():
    from explorer.graph.project import schema
    from explorer.graph.project_model import INFO_LIMITS

    fields = schema()["properties"]
    assert {key: fields[key]["maxLength"] for key in INFO_LIMITS} == INFO_LIMITS
