"""Work off the UI thread: results and errors come back on the UI thread, busy is reported."""

from __future__ import annotations

import threading

from explorer.app.background import BackgroundWork


def test_results_and_errors_arrive_on_the_ui_thread(qtbot):
    work = BackgroundWork()
    busy, outcomes = [], []
    work.busy_changed.connect(busy.append)

    def record(kind):
        return lambda value: outcomes.append((kind, value, threading.current_thread()))

    def fail():
        raise ValueError("bad input")

    work.submit(lambda: threading.current_thread().name, record("result"), record("error"))
    work.submit(fail, record("result"), record("error"))
    assert work.busy
    qtbot.waitUntil(lambda: not work.busy, timeout=10_000)
    assert busy == [True, False]
    by_kind = {kind: (value, thread) for kind, value, thread in outcomes}
    assert by_kind["result"][0].startswith("explorer-background-")  # it ran on a worker
    assert isinstance(by_kind["error"][0], ValueError)
    assert all(thread is threading.main_thread() for _, thread in by_kind.values())


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


def _alive(obj) -> bool:
    from shiboken6 import isValid

    return isValid(obj)
