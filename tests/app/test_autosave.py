"""Autosave and recovery: unsaved work written every so often, offered back after a crash."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from explorer.app import dialogs
from explorer.app.autosave import Autosaver, find_recoveries
from explorer.app.document import Document
from explorer.app.examples import default_project
from explorer.graph import SetParams, recipes
from explorer.graph.project import load

ROOT = Path(__file__).resolve().parents[2]

CRASHING_SESSION = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from PySide6.QtCore import QSettings
    from explorer.app.application import create_application
    app = create_application()
    from explorer.app.main_window import MainWindow
    from explorer.graph import SetParams
    folder = Path(sys.argv[1])
    window = MainWindow(settings=QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat),
                        autosave_dir=folder)
    window.document.push(SetParams("linear_1", {"out_features": 48}))
    window.autosaver.save_now()
    os.kill(os.getpid(), 9)  # killed: no clean exit, no chance to tidy up
""")


def test_autosave_writes_only_unsaved_work(qtbot, tmp_path):
    doc = Document(recipes.mlp())
    saver = Autosaver(doc, tmp_path, interval_ms=20)
    assert not saver.save_now()  # nothing changed yet
    doc.push(SetParams("linear_1", {"out_features": 7}))
    qtbot.waitUntil(saver.project_file.exists, timeout=2000)
    assert load(saver.project_file).graph.node("linear_1").params["out_features"] == 7
    note = json.loads(saver.note_file.read_text())
    assert note["pid"] == os.getpid()
    doc.undo_stack.setClean()  # saved: the autosave is no longer needed
    assert not saver.project_file.exists()
    saver.stop()


def test_running_sessions_are_not_offered_for_recovery(qtbot, tmp_path):
    doc = Document(recipes.mlp())
    saver = Autosaver(doc, tmp_path)
    doc.push(SetParams("linear_1", {"out_features": 7}))
    assert saver.save_now()
    assert find_recoveries(tmp_path) == []  # our own, live file
    saver.stop()


def test_work_of_a_killed_session_is_offered_back(window, tmp_path, monkeypatch):
    folder = window.autosave_dir
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", CRASHING_SESSION, str(folder)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == -9, result.stderr
    recoveries = find_recoveries(folder)
    assert len(recoveries) == 1
    asked = []
    monkeypatch.setattr(dialogs, "ask_recover",
                        lambda parent, name, when: asked.append((name, when)) or True)
    assert window.offer_recovery()
    assert asked and asked[0][0] == default_project().name
    assert window.document.graph.node("linear_1").params["out_features"] == 48
    assert window.document.is_modified and window.isWindowModified()
    assert find_recoveries(folder) == []  # taken back: not offered twice


def test_declined_recovery_is_discarded(window, monkeypatch):
    folder = window.autosave_dir
    folder.mkdir(parents=True, exist_ok=True)
    dead_pid = 2**22 + 12345  # above the default pid limit: no such process
    stale = folder / f"autosave-{dead_pid}.archx.json"
    stale.write_text((Path(__file__).parent / "data" / "tiny.archx.json").read_text())
    monkeypatch.setattr(dialogs, "ask_recover", lambda *a: False)
    before = len(window.document.graph)
    assert not window.offer_recovery()
    assert not stale.exists()
    assert len(window.document.graph) == before


def test_an_unreadable_autosave_says_why_and_keeps_the_window(window, monkeypatch):
    folder = window.autosave_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"autosave-{2**22 + 7}.archx.json").write_text("{ not json")
    monkeypatch.setattr(dialogs, "ask_recover", lambda *a: True)
    assert not window.offer_recovery()
    assert "could not be read" in window.view.notice.text
    assert len(window.document.graph) == 8


def test_clean_exit_removes_the_autosave(window):
    window.document.push(SetParams("linear_1", {"out_features": 9}))
    assert window.autosaver.save_now()
    assert window.autosaver.project_file.exists()
    assert window.close()  # the fixture answers "discard"
    assert not window.autosaver.project_file.exists()


def test_files_left_under_our_own_pid_are_kept_for_recovery(qtbot, tmp_path):
    leftover = tmp_path / f"autosave-{os.getpid()}.archx.json"
    leftover.write_text((Path(__file__).parent / "data" / "tiny.archx.json").read_text())
    saver = Autosaver(Document(recipes.mlp()), tmp_path)
    recoveries = find_recoveries(tmp_path)
    assert len(recoveries) == 1 and recoveries[0].project_file != saver.project_file
    assert len(recoveries[0].load().graph) == 5
    saver.stop()
