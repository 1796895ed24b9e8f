"""File > Import PyTorch Module…: the import runs off the UI thread and opens the project."""

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from explorer.app import import_dialog
from explorer.app.import_dialog import ImportDialog, ImportRequest

NETS = Path(__file__).with_name("nets_for_import.py")


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings

    from explorer.app import dialogs
    from explorer.app.main_window import MainWindow
    from explorer.app.paths import DATA_DIR_VARIABLE

    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "data"))
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "discard")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings=settings, autosave_dir=tmp_path / "autosave")
    qtbot.addWidget(win)
    return win


def test_import_opens_the_project_and_shows_the_notes(window, qtbot, tmp_path, monkeypatch):
    out = tmp_path / "cnn.archx.json"
    request = ImportRequest(str(NETS), "make_cnn", "3x8x8", out)
    monkeypatch.setattr(import_dialog, "ask_import", lambda *a: request)
    shown = []
    window.files.message.connect(lambda text, is_error: shown.append((text, is_error)))
    assert window.files.import_network()
    qtbot.waitUntil(lambda: window.document.path == out, timeout=60_000)
    assert window.document.graph.node("scale").kind == "Module"
    assert (tmp_path / "cnn.safetensors").is_file()
    assert any("scale (Scale) is kept whole" in text and not error for text, error in shown)


def test_a_failed_import_says_why_and_keeps_what_is_open(window, qtbot, tmp_path, monkeypatch):
    before = window.document.project
    request = ImportRequest(str(NETS), "Branchy", "4", tmp_path / "b.archx.json")
    monkeypatch.setattr(import_dialog, "ask_import", lambda *a: request)
    shown = []
    window.files.message.connect(lambda text, is_error: shown.append((text, is_error)))
    window.files.import_network()
    qtbot.waitUntil(lambda: any(error for _, error in shown), timeout=60_000)
    assert any("cannot trace Branchy" in text for text, error in shown if error)
    assert window.document.project is before


def test_the_dialog_asks_for_every_field_before_ok(qtbot):
    dialog = ImportDialog(None)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.source.setText(str(NETS))
    dialog.name.setText("MLP")
    dialog.input.setText("8")
    dialog.output.setText("/tmp/net")
    assert ok.isEnabled()
    assert dialog.request().output.name == "net.archx.json"
    assert dialog.request().target == f"{NETS}:MLP"
