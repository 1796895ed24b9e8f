"""Training settings change through Document.push like the graph, and the form follows the model."""

import pytest

from explorer.app.document import Document
from explorer.app.training import devices
from explorer.app.training.devices import DeviceList
from explorer.app.training.settings_edit import change_settings
from explorer.app.training.settings_form import TrainingSettingsForm
from explorer.app.undo import EditCommand
from explorer.graph import SetTrainingSettings, recipes


@pytest.fixture
def form(qtbot, monkeypatch):
    monkeypatch.setattr(devices, "find_devices", lambda: [])  # no torch import
    document = Document(recipes.mlp())
    form = TrainingSettingsForm(document, DeviceList())
    qtbot.addWidget(form)
    return form


def test_a_change_is_a_pure_edit_on_the_undo_stack(form):
    doc = form.document
    assert change_settings(doc, lr=0.05) is None
    command = doc.undo_stack.command(0)
    assert isinstance(command, EditCommand) and isinstance(command.edit, SetTrainingSettings)
    assert command.edit.changes == {"lr": 0.05} and command.text() == "Set learning rate"
    assert change_settings(doc, lr=0.05) is None  # the same value: no new step
    assert doc.undo_stack.count() == 1


def test_the_form_shows_every_change_of_the_model(form):
    doc = form.document
    doc.project.training = doc.project.training.replace(batch_size=16, optimizer="sgd")
    assert form.editors["batch_size"].spin.value() == 16
    assert form.form.isRowVisible(form.editors["momentum"])


def test_the_form_follows_undo_of_merged_typing(form):
    doc, spin = form.document, form.editors["steps"].spin
    for value in (2000, 3000):
        spin.setValue(value)
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert spin.value() == 1000
    doc.undo_stack.redo()
    assert spin.value() == 3000


def test_leaving_a_control_ends_its_undo_step(form):
    doc, editor = form.document, form.editors["steps"]
    editor.spin.setValue(2000)
    editor.finished.emit()
    editor.spin.setValue(3000)
    assert doc.undo_stack.count() == 2


def test_the_form_follows_the_project_that_replaced_the_old_one(form):
    doc = form.document
    old = doc.project
    doc.replace(recipes.residual_mlp())
    old.training = old.training.replace(steps=7)  # no longer shown: ignored
    assert form.editors["steps"].spin.value() == 1000
    assert doc.push(SetTrainingSettings(doc.project, {"steps": 12}))
    assert form.editors["steps"].spin.value() == 12
