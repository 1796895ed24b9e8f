"""The session reads the run's records by their classes, never by their names.

A fake process hands the session one record of each kind in a single tick;
each must reach its handler, and anything else (an unknown object, or a
stranger that merely shares a record's class name) is passed over.
"""

import logging

from explorer.app.runs import run_session
from explorer.app.runs.run_session import PAUSED, RUNNING, RunSession
from explorer.graph import Project
from explorer.train.errors import SetupError
from explorer.train.records import Progress, RunStarted, StateChanged, StepRecord


class FakeProcess:
    """Hands over the given records on the first poll, then nothing; never ends."""

    def __init__(self, records):
        self.records = list(records)
        self.ended = None

    def poll(self):
        records, self.records = self.records, []
        return records


def progress(step):
    return Progress(step=step, total_steps=100, epoch=0, loss=1.0 / step,
                    steps_per_second=50.0, elapsed=step / 50)


def session_watching(records, tmp_path):
    session = RunSession(lambda: tmp_path, with_boundary=False)
    session.process = FakeProcess(records)
    session.state = RUNNING
    return session


def test_a_record_of_each_kind_reaches_its_handler(qtbot, tmp_path):
    started = RunStarted(run_dir=None, total_steps=100, config={})
    step = StepRecord(step=5, epoch=0, lr=0.1, elapsed=0.1, train_loss=0.7)
    session = session_watching(
        [started, progress(3), step, progress(5), StateChanged("paused", 5)], tmp_path)
    heard = {"started": [], "progress": [], "added": 0, "states": []}
    session.run_started.connect(heard["started"].append)
    session.progress.connect(heard["progress"].append)
    session.records_added.connect(lambda: heard.__setitem__("added", heard["added"] + 1))
    session.state_changed.connect(heard["states"].append)

    session.poll()

    assert heard["started"] == [started] and session.started is started
    assert heard["progress"] == [progress(5)]  # only the newest of the tick
    assert heard["added"] == 1 and len(session.buffers) == 1 and session.buffers.last is step
    assert heard["states"] == [PAUSED] and session.state == PAUSED


def test_unknown_objects_and_look_alikes_are_passed_over(qtbot, tmp_path):
    look_alike = type("StepRecord", (), {"step": 9, "train_loss": 1.0, "nodes": {}})()
    session = session_watching([object(), "StateChanged", look_alike], tmp_path)
    heard = []
    session.records_added.connect(lambda: heard.append("added"))
    session.state_changed.connect(heard.append)

    session.poll()

    assert heard == [] and len(session.buffers) == 0 and session.state == RUNNING


def start_failing_with(error, monkeypatch, qtbot, tmp_path):
    """Start a session whose launch raises ``error``; the text the user is shown."""
    def launch(*args, **kwargs):
        raise error
    monkeypatch.setattr(run_session, "launch", launch)
    session = RunSession(lambda: tmp_path, with_boundary=False)
    with qtbot.waitSignal(session.start_failed, timeout=10_000) as failed:
        assert session.start(Project())
    return failed.args[0]


def test_a_setup_error_is_told_to_the_user_without_a_logged_traceback(
        monkeypatch, qtbot, tmp_path, caplog):
    error = SetupError("The dataset file is missing.", "Choose another file.")
    with caplog.at_level(logging.ERROR, logger=run_session.__name__):
        text = start_failing_with(error, monkeypatch, qtbot, tmp_path)
    assert text == "The dataset file is missing. Choose another file."
    assert not caplog.records


def test_any_other_error_is_logged_even_if_its_class_is_called_setup_error(
        monkeypatch, qtbot, tmp_path, caplog):
    stranger = type("SetupError", (RuntimeError,), {})("the disk went away")
    with caplog.at_level(logging.ERROR, logger=run_session.__name__):
        text = start_failing_with(stranger, monkeypatch, qtbot, tmp_path)
    assert text == "The run could not start: the disk went away"
    assert [r.exc_info[1] for r in caplog.records] == [stranger]
