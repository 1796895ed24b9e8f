"""Work off the UI thread: results and errors come back on the UI thread, busy is reported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

from PySide6.QtCore import QObject

from explorer.app.background import BackgroundWork


def record_into(outcomes: list, kind: str):
    """A callback noting what it got and the thread it ran on."""
    return lambda value: outcomes.append((kind, value, threading.current_thread()))


def test_results_and_errors_arrive_on_the_ui_thread(qtbot):
    work = BackgroundWork()
    busy, outcomes = [], []
    work.busy_changed.connect(busy.append)

    def fail():
        raise ValueError("bad input")

    work.submit(threading.get_ident, record_into(outcomes, "result"),
                record_into(outcomes, "error"))
    work.submit(fail, record_into(outcomes, "result"), record_into(outcomes, "error"))
    assert work.busy
    qtbot.waitUntil(lambda: not work.busy, timeout=10_000)
    assert busy == [True, False]
    by_kind = {kind: (value, thread) for kind, value, thread in outcomes}
    assert by_kind["result"][0] != threading.main_thread().ident  # it ran on a worker
    assert isinstance(by_kind["error"][0], ValueError)
    assert all(thread is threading.main_thread() for _, thread in by_kind.values())


def test_an_exception_comes_back_as_the_error_with_its_traceback(qtbot):
    work = BackgroundWork()
    results, errors = [], []

    def fail():
        raise KeyError("missing")

    work.submit(fail, results.append, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert results == []
    [error] = errors
    assert isinstance(error, KeyError) and error.args == ("missing",)
    assert error.__traceback__ is not None  # the log can say where it was raised


def test_each_job_gets_its_own_callbacks_while_others_wait(qtbot):
    work = BackgroundWork()
    gate = threading.Event()
    heard = []
    work.submit(lambda: gate.wait(10) and "slow", heard.append, heard.append)
    work.submit(lambda: "quick", heard.append, heard.append)
    qtbot.waitUntil(lambda: heard == ["quick"], timeout=10_000)  # not held up by the slow job
    assert work.busy
    gate.set()
    qtbot.waitUntil(lambda: not work.busy, timeout=10_000)
    assert heard == ["quick", "slow"]


def test_outcomes_of_a_deleted_owner_are_dropped_quietly(qtbot):
    gate = threading.Event()
    work = BackgroundWork()
    heard = []
    work.submit(lambda: gate.wait(10), heard.append, heard.append)
    work.deleteLater()
    qtbot.waitUntil(lambda: not _alive(work), timeout=5_000)
    gate.set()
    qtbot.wait(100)
    assert heard == []


def test_a_job_whose_owner_closed_with_its_window_is_dropped(qtbot):
    window = QObject()
    work = BackgroundWork(window)
    gate, done = threading.Event(), threading.Event()
    heard = []

    def job():
        gate.wait(10)
        done.set()
        return "late"

    work.submit(job, heard.append, heard.append)
    window.deleteLater()  # the window closes while the job still runs
    qtbot.waitUntil(lambda: not _alive(work), timeout=5_000)
    gate.set()
    qtbot.waitUntil(done.is_set, timeout=5_000)
    qtbot.wait(100)  # time for a stray delivery to arrive, if there were one
    assert heard == []


def test_the_program_finishes_a_running_job_before_it_exits(tmp_path):
    """A file half written when the user quits is still written in full."""
    written = tmp_path / "written.txt"
    script = textwrap.dedent(f"""
        import time
        from PySide6.QtCore import QCoreApplication
        from explorer.app.background import BackgroundWork

        app = QCoreApplication([])
        work = BackgroundWork()

        def write():
            time.sleep(0.5)  # a slow write, still going when the program ends
            open({str(written)!r}, "w").write("all of it")

        work.submit(write, print, print)
    """)
    ran = subprocess.run([sys.executable, "-c", script], check=True, timeout=60,
                         capture_output=True, text=True)
    assert written.read_text() == "all of it"
    assert "Traceback" not in ran.stderr  # the job ended before Python tore its objects down


def _alive(obj) -> bool:
    from shiboken6 import isValid

    return isValid(obj)
