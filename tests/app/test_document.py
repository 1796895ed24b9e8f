"""The document: edits applied through the undo stack, refused edits kept off it."""

from explorer.app.document import Document
from explorer.graph import (
    AddNode,
    Connect,
    Edge,
    Project,
    SetParams,
    SetProjectInfo,
    SetTrainingSettings,
    recipes,
)
from explorer.graph.project import dumps


def test_push_applies_and_undo_redo_round_trip(qtbot):
    doc = Document(Project())
    assert doc.push(AddNode("VectorInput"))
    assert doc.push(AddNode("Linear"))
    assert doc.push(Connect(Edge("input_1", "linear_1", "in")))
    after = dumps(doc.project)
    assert doc.undo_stack.count() == 3
    for _ in range(3):
        doc.undo_stack.undo()
    assert len(doc.graph) == 0
    for _ in range(3):
        doc.undo_stack.redo()
    assert dumps(doc.project) == after


def test_refused_edit_is_not_recorded_and_says_why(qtbot):
    doc = Document(Project())
    doc.push(AddNode("Linear"))
    with qtbot.waitSignal(doc.notice) as notice:
        assert not doc.push(Connect(Edge("linear_1", "linear_1", "in")))
    assert doc.undo_stack.count() == 1
    where, _, message = notice.args[0].partition(": ")
    assert where == "linear_1" and "loop" in message and message[0].isupper()
    assert doc.last_refusal == notice.args[0]


def test_spin_box_edits_merge_until_the_control_is_left(qtbot):
    doc = Document(recipes.mlp(depth=1))
    key = ("linear_1", "out_features")
    for width in (65, 66, 67):
        doc.push(SetParams("linear_1", {"out_features": width}), merge_key=key)
    assert doc.undo_stack.count() == 1
    doc.close_merge()
    doc.push(SetParams("linear_1", {"out_features": 80}), merge_key=key)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert doc.graph.node("linear_1").params["out_features"] == 67
    doc.undo_stack.undo()
    assert doc.graph.node("linear_1").params["out_features"] == 64


def test_check_follows_every_change_and_undo(qtbot):
    doc = Document(recipes.mlp(depth=1))
    before = doc.result.total_params
    with qtbot.waitSignal(doc.checked):
        doc.push(SetParams("linear_1", {"out_features": 128}))
    assert doc.result.total_params > before
    doc.undo_stack.undo()
    assert doc.result.total_params == before


def test_direct_graph_changes_are_checked_too(qtbot):
    doc = Document(recipes.mlp(depth=1))
    with qtbot.waitSignal(doc.checked, timeout=2000):
        doc.graph.set_params("linear_1", {"out_features": 3})
    assert doc.result.reports["linear_1"].spec.shape == (3,)


def test_replace_starts_a_fresh_history_and_can_mark_modified(qtbot):
    doc = Document(recipes.mlp())
    doc.push(SetParams("linear_1", {"out_features": 5}))
    assert doc.is_modified
    with qtbot.waitSignal(doc.project_replaced):
        doc.replace(recipes.residual_mlp())
    assert not doc.is_modified and doc.undo_stack.count() == 0
    doc.replace(recipes.mlp(), modified=True)
    assert doc.is_modified


def test_settings_and_details_are_edits_like_any_other(qtbot):
    doc = Document(recipes.mlp())
    with qtbot.waitSignal(doc.changed):
        assert doc.push(SetTrainingSettings(doc.project, {"lr": 0.5}))
    assert doc.is_modified and doc.undo_stack.undoText() == "Set learning rate"
    with qtbot.waitSignal(doc.changed):
        assert doc.push(SetProjectInfo(doc.project, name="Mine"))
    assert doc.display_name == "Mine"
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.project.training.lr == 1e-3 and doc.display_name == recipes.mlp().name
    assert not doc.is_modified
    doc.undo_stack.redo()
    assert doc.project.training.lr == 0.5


def test_a_refused_setting_is_not_recorded_and_says_why(qtbot):
    doc = Document(recipes.mlp())
    with qtbot.waitSignal(doc.notice) as notice:
        assert not doc.push(SetTrainingSettings(doc.project, {"batch_size": 0}))
    assert doc.undo_stack.count() == 0 and "batch_size" in notice.args[0]
    assert doc.project.training.batch_size == 64


def test_typing_into_a_setting_is_one_undo_step(qtbot):
    doc = Document(recipes.mlp())
    for steps in (2000, 3000, 4000):
        doc.push(SetTrainingSettings(doc.project, {"steps": steps}), merge_key="steps")
    assert doc.undo_stack.count() == 1
    doc.close_merge()
    doc.push(SetTrainingSettings(doc.project, {"steps": 5000}), merge_key="steps")
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.project.training.steps == 1000


def test_changed_follows_the_project_shown(qtbot):
    doc = Document(recipes.mlp())
    old = doc.project
    doc.replace(recipes.residual_mlp())
    heard = []
    doc.changed.connect(lambda: heard.append(True))
    old.name = "no longer shown"
    assert heard == []
    doc.project.notes = "shown"
    doc.graph.move("linear_1", 5, 5)
    assert len(heard) == 2
