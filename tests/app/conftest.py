"""Fixtures for editor tests: a main window with private settings and autosave folder.

Dialogs that would wait for a person are replaced: the unsaved-changes
question answers "discard" unless a test says otherwise, and any other
question fails the test that did not expect it.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from explorer.app import dialogs, theme
from explorer.app.paths import DATA_DIR_VARIABLE


def _unexpected(name):
    def ask(*args, **kwargs):
        raise AssertionError(f"the test did not expect the {name} dialog")
    return ask


@pytest.fixture(autouse=True)
def quiet_dialogs(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "data"))
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "discard")
    monkeypatch.setattr(dialogs, "ask_recover", _unexpected("recover"))
    monkeypatch.setattr(dialogs, "ask_open_path", _unexpected("open file"))
    monkeypatch.setattr(dialogs, "ask_save_path", _unexpected("save file"))
    monkeypatch.setattr(dialogs, "ask_export_path", _unexpected("export"))
    yield
    theme.apply_theme("light")
    theme.apply_ui_zoom(1.0)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, tmp_path, settings):
    from explorer.app.main_window import MainWindow

    win = MainWindow(settings=settings, autosave_dir=tmp_path / "autosave")
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def empty_window(window):
    """A window showing an empty, unmodified document."""
    from explorer.graph import Project

    window.document.replace(Project())
    return window
