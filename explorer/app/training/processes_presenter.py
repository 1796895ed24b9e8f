"""Showing a run in several processes: its state and heartbeats in the Train panel, its
curves in the loss panel once it ends (the live panels have no records to draw meanwhile)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from ..paths import runs_dir
from .presenter import Panels, device_words, ended_text, show_ended
from .processes_session import ENDED, IDLE, RUNNING, STARTING, STOPPING, ProcessesSession
from .run_controls import ready_text

if TYPE_CHECKING:
    from explorer.train.records import Progress, RunEnded

    from .run_history import OpenedRun

NOT_SEVERAL = "Not while training in several processes: they take no commands but Stop."
NO_MAP = "No decision boundary while training in several processes."


class ProcessesPresenter(QObject):
    """Owns a workspace's ``ProcessesSession``; ``show_run`` shows an ended run's curves
    (the workspace's way of showing a run opened from the run history)."""

    def __init__(self, workspace: Panels, show_run: Callable[[OpenedRun], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.session = ProcessesSession(runs_dir, self)
        s = self.session
        s.state_changed.connect(self._state_changed)
        s.run_started.connect(self._run_started)
        s.progress.connect(self._progress)
        s.run_ended.connect(self._run_ended)
        s.curves_read.connect(show_run)
        s.start_failed.connect(self._start_failed)

    def adjust_actions(self, actions: dict[str, QAction]) -> None:
        """While the processes run: Stop only; Pause and Step say why they are off."""
        active = self.session.active
        for name in ("pause", "step"):
            action = actions[name]
            keys = action.shortcut().toString()
            action.setToolTip(NOT_SEVERAL if active else f"{action.statusTip()} ({keys})")
            if active:
                action.setEnabled(False)
        if active:
            actions["train"].setEnabled(False)
            actions["stop"].setEnabled(self.session.state in (STARTING, RUNNING))

    def _state_changed(self, state: str) -> None:
        workspace = self.workspace
        workspace.update_actions()
        if state == STARTING:  # nothing of the last run stays on show
            from ..runs.buffers import RunBuffers

            workspace.show_buffers(RunBuffers(), "")
            if workspace.boundary is not None:
                workspace.boundary.show_unavailable(NO_MAP)
            if workspace.controls is not None:
                workspace.controls.reset_progress(workspace.planned_steps())
        self.show_state()

    def show_state(self) -> None:
        """The Train panel's line for the session's state."""
        controls, session = self.workspace.controls, self.session
        if controls is None:
            return
        count = session.nproc
        if session.state == IDLE:
            text, problem, node_id = ready_text(self.workspace.check_result())
            controls.show_status(text, error=problem, node_id=node_id)
        elif session.state == STARTING:
            controls.show_status(f"Starting {count} processes… (each loads the training "
                                 "libraries: a few seconds)")
        elif session.state == RUNNING:
            device = session.plan.device if session.plan is not None else "cpu"
            controls.show_status(f"Training in {count} processes on {device_words(device)}. "
                                 "The curves show when the run ends.")
        elif session.state == STOPPING:
            controls.show_status("Stopping: ending the processes…")
        elif session.state == ENDED and session.ended is not None:
            show_ended(controls, session.ended, session.last_progress)

    def _run_started(self, run_dir: Path) -> None:
        workspace = self.workspace
        if workspace.controls is not None and self.session.plan is not None:
            workspace.controls.reset_progress(self.session.plan.total_steps)
        history = workspace.history
        if history is not None:
            history.busy_paths.add(run_dir)
            history.reload()

    def _progress(self, progress: Progress) -> None:
        if self.workspace.controls is not None:
            self.workspace.controls.show_progress(progress)

    def _release(self) -> None:
        """The run folder is no longer in use: the history may open (or delete) it."""
        history = self.workspace.history
        if history is not None:
            if self.session.run_dir is not None:
                history.busy_paths.discard(self.session.run_dir)
            history.reload()

    def _run_ended(self, ended: RunEnded) -> None:
        self._release()
        if ended.status == "failed":
            self.workspace.say(ended_text(ended), error=True, node_id=ended.node_id)
        else:
            self.workspace.notices.show_message(ended_text(ended))

    def _start_failed(self, text: str) -> None:
        self._release()
        self.workspace.say(text, error=True)
