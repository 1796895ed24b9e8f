"""File > Export from the editor: files written off the UI thread, outcomes said in a notice."""

from __future__ import annotations

import threading

import pytest

from explorer.app import export_actions
from explorer.graph import Disconnect, SetParams, recipes

EXPORT_TIMEOUT_MS = 60_000  # the first export in a test process imports torch and runs ruff


def _unexpected(name):
    def ask(*args, **kwargs):
        raise AssertionError(f"the test did not expect the {name} dialog")
    return ask


@pytest.fixture(autouse=True)
def no_export_dialogs(monkeypatch):
    for name in ("ask_python_path", "ask_onnx_path", "ask_training_folder", "ask_replace_files"):
        monkeypatch.setattr(export_actions, name, _unexpected(name))


@pytest.fixture
def mlp_window(window):
    window.document.replace(recipes.mlp(depth=1))
    return window


def finish(qtbot, window) -> str:
    """Wait for the export to end; what it said."""
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=EXPORT_TIMEOUT_MS)
    return window.exports.last_message


def test_python_code_is_written_and_the_path_reported(mlp_window, qtbot, tmp_path, monkeypatch):
    from explorer.export import network_source

    monkeypatch.setattr(export_actions, "ask_python_path", lambda *a: str(tmp_path / "net"))
    mlp_window.actions_.export_python.trigger()
    assert mlp_window.exports.busy and mlp_window.exports.busy_bar.isVisible()
    message = finish(qtbot, mlp_window)
    target = tmp_path / "net.py"
    assert target.read_text(encoding="utf-8") == network_source(mlp_window.document.project).text
    assert str(target) in message and str(target) in mlp_window.view.notice.text
    assert not mlp_window.exports.busy_bar.isVisible()


def test_training_export_writes_three_files(mlp_window, qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(export_actions, "ask_training_folder", lambda *a: str(folder))
    mlp_window.actions_.export_training.trigger()
    message = finish(qtbot, mlp_window)
    for name in export_actions.TRAINING_FILES:
        assert (folder / name).stat().st_size > 0, name
    assert "class Network" in (folder / "model.py").read_text(encoding="utf-8")
    assert "python train.py" in message and str(folder) in message


def test_training_export_asks_before_replacing_files(mlp_window, qtbot, tmp_path, monkeypatch):
    (tmp_path / "train.py").write_text("my own script\n", encoding="utf-8")
    asked = []
    monkeypatch.setattr(export_actions, "ask_training_folder", lambda *a: str(tmp_path))
    monkeypatch.setattr(export_actions, "ask_replace_files",
                        lambda parent, folder, names: asked.append(names) or False)
    mlp_window.exports.export_training()
    assert asked == [["train.py"]] and not mlp_window.exports.busy
    assert (tmp_path / "train.py").read_text(encoding="utf-8") == "my own script\n"
    assert not (tmp_path / "model.py").exists()


def test_onnx_export_reports_the_difference_to_onnxruntime(mlp_window, qtbot, tmp_path,
                                                          monkeypatch):
    monkeypatch.setattr(export_actions, "ask_onnx_path", lambda *a: str(tmp_path / "net.onnx"))
    mlp_window.actions_.export_onnx.trigger()
    message = finish(qtbot, mlp_window)
    assert (tmp_path / "net.onnx").stat().st_size > 0
    assert "onnxruntime agrees with PyTorch to within" in message
    assert message in mlp_window.view.notice.text


def test_a_graph_with_errors_is_not_exported_and_no_dialog_opens(mlp_window):
    graph = mlp_window.document.graph
    mlp_window.document.push(Disconnect(graph.in_edges("output_1")[0]))
    errors = mlp_window.document.result.errors
    assert errors
    for action in ("export_python", "export_training", "export_onnx"):
        getattr(mlp_window.actions_, action).trigger()  # the dialogs would fail the test
        assert mlp_window.exports.last_message.startswith("Fix the errors before exporting")
        assert errors[0].message in mlp_window.view.notice.text
    assert not mlp_window.exports.busy


def test_an_export_error_is_reported_in_plain_words(mlp_window, qtbot, tmp_path, monkeypatch):
    mlp_window.document.push(SetParams("input_1", {"features": 3}))  # spirals have 2 features
    assert not mlp_window.document.result.errors
    monkeypatch.setattr(export_actions, "ask_training_folder", lambda *a: str(tmp_path))
    mlp_window.exports.export_training()
    message = finish(qtbot, mlp_window)
    assert message.startswith("Could not export the training script: ")
    assert "dataset" in message and "Traceback" not in message
    assert message in mlp_window.view.notice.text
    assert not (tmp_path / "train.py").exists()


def test_a_missing_folder_is_reported(mlp_window, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "nowhere" / "net.py"
    monkeypatch.setattr(export_actions, "ask_python_path", lambda *a: str(target))
    mlp_window.exports.export_python()
    message = finish(qtbot, mlp_window)
    assert message.startswith("Could not export the PyTorch code") and "nowhere" in message
    assert "does not exist" in message and "choose another" in message
    assert message in mlp_window.view.notice.text


def test_a_second_export_waits_for_the_first(mlp_window, qtbot, tmp_path, monkeypatch):
    gate = threading.Event()
    real = export_actions.write_python

    def held(*args):
        gate.wait(30)
        return real(*args)

    monkeypatch.setattr(export_actions, "write_python", held)
    monkeypatch.setattr(export_actions, "ask_python_path", lambda *a: str(tmp_path / "a.py"))
    mlp_window.exports.export_python()
    mlp_window.exports.export_python()
    assert "still running" in mlp_window.exports.last_message
    gate.set()
    assert str(tmp_path / "a.py") in finish(qtbot, mlp_window)


def test_cancelling_the_dialog_exports_nothing(mlp_window, monkeypatch):
    monkeypatch.setattr(export_actions, "ask_python_path", lambda *a: None)
    monkeypatch.setattr(export_actions, "ask_onnx_path", lambda *a: None)
    monkeypatch.setattr(export_actions, "ask_training_folder", lambda *a: None)
    for action in ("export_python", "export_training", "export_onnx"):
        getattr(mlp_window.actions_, action).trigger()
    assert not mlp_window.exports.busy and mlp_window.exports.last_message == ""
