"""Autosave and recovery: unsaved work written every so often, offered back after a crash."""

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QLockFile

from explorer.app import autosave, dialogs
from explorer.app.autosave import Autosaver, find_recoveries
from explorer.app.document import Document
from explorer.app.examples import default_project
from explorer.app.training.settings_edit import change_settings
from explorer.graph import SetParams, SetProjectInfo, recipes
from explorer.graph.project import load, loads

ROOT = Path(__file__).resolve().parents[2]
TINY = Path(__file__).parent / "data" / "tiny.archx.json"

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
    window.autosaver.wait()  # the write is done in the background
    os.kill(os.getpid(), 9)  # killed: no clean exit, no chance to tidy up
""")


def test_autosave_writes_only_unsaved_work(qtbot, tmp_path):
    doc = Document(recipes.mlp())
    saver = Autosaver(doc, tmp_path, interval_ms=20)
    assert not saver.save_now()  # nothing changed yet
    doc.push(SetParams("linear_1", {"out_features": 7}))
    qtbot.waitUntil(saver.project_file.exists, timeout=2000)
    saver.wait()  # the note is written just after the project
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
    assert len(list(folder.glob("autosave-*.lock"))) == 1  # its lock, left behind: stale
    assert len(find_recoveries(folder)) == 1  # dropped at once, so its lock is let go again
    asked = []
    monkeypatch.setattr(dialogs, "ask_recover",
                        lambda parent, name, when: asked.append((name, when)) or True)
    assert window.files.offer_recovery(window.autosave_dir)
    assert asked and asked[0][0] == default_project().name
    assert window.document.graph.node("linear_1").params["out_features"] == 48
    assert window.document.is_modified and window.isWindowModified()
    assert find_recoveries(folder) == []  # taken back: not offered twice
    assert list(folder.glob("autosave-*.lock")) == []


def test_an_autosave_whose_lock_is_held_is_not_offered(qtbot, tmp_path):
    dead_pid = 2**22 + 4321  # no such process: only the lock can tell that its editor runs
    (tmp_path / f"autosave-{dead_pid}.archx.json").write_text(TINY.read_text())
    held = QLockFile(str(tmp_path / f"autosave-{dead_pid}.lock"))
    assert held.tryLock(0)  # a running editor holds the lock beside its autosave
    assert find_recoveries(tmp_path) == []
    held.unlock()  # that editor closed without tidying up
    assert len(find_recoveries(tmp_path)) == 1


def test_declined_recovery_is_discarded(window, monkeypatch):
    folder = window.autosave_dir
    folder.mkdir(parents=True, exist_ok=True)
    dead_pid = 2**22 + 12345  # above the default pid limit: no such process
    stale = folder / f"autosave-{dead_pid}.archx.json"
    stale.write_text((Path(__file__).parent / "data" / "tiny.archx.json").read_text())
    monkeypatch.setattr(dialogs, "ask_recover", lambda *a: False)
    before = len(window.document.graph)
    assert not window.files.offer_recovery(window.autosave_dir)
    assert not stale.exists()
    assert len(window.document.graph) == before


def test_an_unreadable_autosave_says_why_and_keeps_the_window(window, monkeypatch):
    folder = window.autosave_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"autosave-{2**22 + 7}.archx.json").write_text("{ not json")
    monkeypatch.setattr(dialogs, "ask_recover", lambda *a: True)
    assert not window.files.offer_recovery(window.autosave_dir)
    assert "could not be read" in window.view.notice.text
    assert len(window.document.graph) == 8


def test_clean_exit_removes_the_autosave(window):
    window.document.push(SetParams("linear_1", {"out_features": 9}))
    assert window.autosaver.save_now()
    window.autosaver.wait()
    assert window.autosaver.project_file.exists() and window.autosaver.lock_file.exists()
    assert window.close()  # the fixture answers "discard"
    assert not window.autosaver.project_file.exists()
    assert not window.autosaver.lock_file.exists()


def lock_left_by_a_dead_session_with_our_pid(lock_file):
    """A lock file naming this process, as one that had our pid before us leaves it."""
    model = QLockFile(str(lock_file.with_name("model.lock")))
    assert model.tryLock(0)
    lock_file.write_bytes(Path(model.fileName()).read_bytes())
    model.unlock()


def test_files_left_under_our_own_pid_are_kept_for_recovery(qtbot, tmp_path):
    leftover = tmp_path / f"autosave-{os.getpid()}.archx.json"
    leftover.write_text(TINY.read_text())
    lock_left_by_a_dead_session_with_our_pid(tmp_path / f"autosave-{os.getpid()}.lock")
    saver = Autosaver(Document(recipes.mlp()), tmp_path)
    recoveries = find_recoveries(tmp_path)
    assert len(recoveries) == 1 and recoveries[0].project_file != saver.project_file
    assert len(recoveries[0].load().graph) == 5
    del recoveries
    saver.document.push(SetParams("linear_1", {"out_features": 7}))
    assert saver.save_now()
    saver.wait()  # our own autosave takes the lock the dead session left under our pid
    set_aside = next(tmp_path.glob("autosave-0-*.archx.json"))
    assert [r.project_file for r in find_recoveries(tmp_path)] == [set_aside]
    saver.stop()


# -- what is autosaved, and how it is written ------------------------------------------------


def width_in(text: str) -> int:
    return loads(text).graph.node("linear_1").params["out_features"]


@pytest.fixture
def saver(qtbot, tmp_path):
    saver = Autosaver(Document(recipes.mlp()), tmp_path)
    yield saver
    saver.stop()


def test_settings_and_project_details_are_autosaved(saver):
    doc = saver.document
    doc.push(SetParams("linear_1", {"out_features": 7}))
    assert saver.save_now()
    assert change_settings(doc, lr=0.25) is None  # no graph event: still unsaved work
    assert saver.save_now()
    saver.wait()
    assert load(saver.project_file).training.lr == 0.25
    assert doc.push(SetProjectInfo(doc.project, notes="Try a smaller learning rate."))
    assert saver.save_now()
    saver.wait()
    assert load(saver.project_file).notes == "Try a smaller learning rate."


def test_the_file_is_written_off_the_gui_thread(saver, monkeypatch):
    threads = []
    real = autosave.write_text_atomically

    def write(path, text, **options):
        threads.append(threading.current_thread())
        real(path, text, **options)

    monkeypatch.setattr(autosave, "write_text_atomically", write)
    saver.document.push(SetParams("linear_1", {"out_features": 7}))
    assert saver.save_now()
    saver.wait()
    assert threads and threading.main_thread() not in threads
    assert load(saver.project_file).graph.node("linear_1").params["out_features"] == 7


class HeldWrites:
    """Stands in for the file writer: holds each project write until released."""

    def __init__(self):
        self.release = threading.Event()
        self.started = threading.Event()
        self.busy = 0
        self.overlapped = False
        self.widths: list[int] = []
        self.real = autosave.write_text_atomically

    def __call__(self, path, text, **options):
        if path.name.endswith(".archx.json"):
            self.overlapped |= self.busy > 0
            self.busy += 1
            self.started.set()
            self.release.wait(30)  # a guard against a hung test, not a measurement
            self.widths.append(width_in(text))
            self.busy -= 1
        self.real(path, text, **options)


def test_writes_never_overlap_and_the_last_state_wins(saver, monkeypatch):
    held = HeldWrites()
    monkeypatch.setattr(autosave, "write_text_atomically", held)
    for width in (7, 8, 9):
        saver.document.push(SetParams("linear_1", {"out_features": width}))
        assert saver.save_now()
    held.release.set()
    saver.wait()
    assert not held.overlapped
    assert held.widths[-1] == 9 and 8 not in held.widths  # a stale state is skipped
    assert width_in(saver.project_file.read_text()) == 9


def test_a_clean_exit_waits_for_the_write_in_progress(saver, monkeypatch):
    held = HeldWrites()
    monkeypatch.setattr(autosave, "write_text_atomically", held)
    saver.document.push(SetParams("linear_1", {"out_features": 7}))
    assert saver.save_now()
    assert held.started.wait(30)
    threading.Timer(0.05, held.release.set).start()  # finishes while the exit waits
    saver.stop()
    saver.discard()
    assert held.widths == [7]
    assert not saver.project_file.exists() and not saver.note_file.exists()


def test_a_failed_write_is_tried_again(saver, monkeypatch):
    def refuse(path, text, **options):
        raise OSError(28, "No space left on device")

    real = autosave.write_text_atomically
    monkeypatch.setattr(autosave, "write_text_atomically", refuse)
    saver.document.push(SetParams("linear_1", {"out_features": 7}))
    assert saver.save_now()
    saver.wait()
    monkeypatch.setattr(autosave, "write_text_atomically", real)
    assert saver.save_now()  # still unsaved work: the next tick writes it
    saver.wait()
    assert load(saver.project_file).graph.node("linear_1").params["out_features"] == 7


def test_an_autosave_on_offer_is_not_offered_by_a_second_editor(qtbot, tmp_path):
    (tmp_path / f"autosave-{2**22 + 99}.archx.json").write_text(TINY.read_text())
    on_offer = find_recoveries(tmp_path)  # the first editor holds its lock while it asks
    assert len(on_offer) == 1
    assert find_recoveries(tmp_path) == []
    on_offer[0].discard()
    assert list(tmp_path.iterdir()) == []  # the files and the lock are gone
