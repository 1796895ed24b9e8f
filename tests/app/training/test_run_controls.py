"""The Train panel: settings are part of the project (undoable, checked, typed like node
parameters), devices are looked up lazily, and a graph with errors cannot start."""

import pytest
from PySide6.QtCore import Qt

from explorer.app.training import devices
from explorer.app.training.devices import DeviceChoice, DeviceList, choice_for
from explorer.app.training.run_controls import format_duration, progress_text
from explorer.app.training.settings_edit import change_settings
from explorer.graph import SetParams, recipes


@pytest.fixture(autouse=True)
def no_gpu_lookup(monkeypatch):
    """Looking for GPUs imports torch; here the machine says it has one, at once."""
    monkeypatch.setattr(devices, "find_devices",
                        lambda: [DeviceChoice("cuda:0", "GPU 0: Test Accelerator")])


@pytest.fixture
def controls(window, qtbot):
    window.document.replace(recipes.residual_mlp())
    window.training.controls_dock.show()
    window.training.controls_dock.raise_()
    qtbot.waitUntil(lambda: window.training.controls is not None)
    return window.training.controls


def test_a_setting_changed_in_the_panel_is_an_undoable_edit(window, controls):
    doc = window.document
    assert not doc.is_modified
    editor = controls.form.editors["batch_size"]
    editor.spin.setValue(32)
    editor.finished.emit()
    assert doc.project.training.batch_size == 32
    assert doc.is_modified and doc.undo_stack.undoText() == "Set batch size"
    doc.undo_stack.undo()
    assert doc.project.training.batch_size == 64
    assert editor.spin.value() == 64  # the form follows undo
    assert not doc.is_modified


def test_typing_into_one_setting_is_one_undo_step(window, controls):
    doc = window.document
    spin = controls.form.editors["steps"].spin
    for value in (2000, 3000, 4000):
        spin.setValue(value)
    assert doc.undo_stack.count() == 1 and doc.project.training.steps == 4000
    controls.form.editors["steps"].finished.emit()
    spin.setValue(5000)
    assert doc.undo_stack.count() == 2


def test_a_refused_value_changes_nothing_and_says_why(window, controls):
    doc = window.document
    line = controls.form.editors["lr"].line
    line.setText("fast please")
    line.editingFinished.emit()
    assert doc.project.training.lr == recipes.residual_mlp().training.lr
    assert not doc.is_modified
    assert "lr" in controls.form.error.text() and "number" in controls.form.error.text()
    assert line.text() == f"{doc.project.training.lr:g}"  # the project's value again
    assert change_settings(doc, batch_size=0) is not None  # below the minimum


def test_choosing_a_dataset_shows_its_options_and_checks_them(window, controls):
    doc, form = window.document, controls.form
    form.dataset.setCurrentIndex(form.dataset.findData("moons"))
    form.dataset.activated.emit(form.dataset.currentIndex())
    assert doc.project.training.dataset == "moons"
    assert set(form.option_editors) == {"points", "noise"}
    form.option_editors["points"].spin.setValue(300)
    assert doc.project.training.dataset_options == {"points": 300}
    assert form.change_option("noise", 99.0) is False  # out of range: refused
    assert "noise" in form.error.text()
    assert doc.project.training.dataset_options == {"points": 300}
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.project.training.dataset == "spirals"
    assert "turns" in form.option_editors  # the spirals' options are back


def test_conditional_settings_show_only_when_they_matter(window, controls):
    form = controls.form
    assert not form.form.isRowVisible(form.editors["momentum"])  # adam
    change_settings(window.document, optimizer="sgd")
    assert form.form.isRowVisible(form.editors["momentum"])


def test_devices_list_automatic_cpu_and_each_gpu_by_name(window, controls, qtbot):
    form = controls.form
    qtbot.waitUntil(lambda: form.device.count() == 3)
    names = [form.device.itemText(i) for i in range(form.device.count())]
    assert names[2] == "GPU 0: Test Accelerator"
    form.device.setCurrentIndex(2)
    form.device.activated.emit(2)
    assert window.document.project.training.device == "cuda:0"
    assert choice_for("cuda:7", form.devices.choices).text == "cuda:7 (not found on this machine)"


def test_device_lookup_happens_once_and_only_when_asked(qtbot, monkeypatch):
    calls = []
    monkeypatch.setattr(devices, "find_devices", lambda: calls.append(1) or [])
    listing = DeviceList()
    assert [c.value for c in listing.choices] == ["auto", "cpu"] and not calls
    with qtbot.waitSignal(listing.changed, timeout=10_000):
        listing.look_up()
    listing.look_up()
    assert calls == [1] and listing.looked_up


def test_a_graph_with_errors_cannot_start_and_the_reason_is_shown(window, controls):
    doc = window.document
    doc.push(SetParams("res_2", {"out_features": 32, "shortcut": "identity"}))  # 64 + 32
    assert doc.result.errors
    assert window.training.train() is False
    text = controls.status_text
    assert "cannot train yet" in text and "#d93a35" in text
    assert "cannot train yet" in window.view.notice.text
    assert window.training.session.state == "idle"


def test_progress_reads_as_speed_time_left_and_loss():
    from types import SimpleNamespace as N

    progress = N(steps_per_second=123.4, time_left=75.0, loss=0.12345)
    assert progress_text(progress) == "123 steps/s · 1 min 15 s left · loss 0.1235"
    assert format_duration(float("inf")) == "…"
    assert format_duration(3 * 3600 + 120) == "3 h 02 min"


def test_train_shortcuts_are_in_the_run_menu(window):
    menus = {a.text(): a.menu() for a in window.menuBar().actions() if a.menu()}
    run = [a.text() for a in menus["&Run"].actions()]
    assert run == ["Train", "Pause", "Step", "Stop"]
    assert window.training.actions["train"].shortcut().toString() == "F5"
    assert not window.training.actions["pause"].isEnabled()
    assert Qt.Key.Key_F5  # the key exists on every platform
