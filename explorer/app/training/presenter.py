"""Showing a live run: the session's news turned into panel updates, status lines and colours.

The session drains the run's records on its own timer and only says that
something arrived; what reaches the screen is paced here, by one repaint
timer at 20 Hz: each visible panel redraws if its data changed, the canvas
colours follow every fourth tick, the newest decision-boundary map is drawn
if there is one. Panels that are hidden cost nothing until shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

from .run_controls import format_duration
from .run_session import ENDED, IDLE, PAUSED, RUNNING, STARTING, STOPPING, RunSession

if TYPE_CHECKING:
    from .workspace import TrainingWorkspace

REPAINT_MS = 50  # panels redraw at most 20 times a second
HEAT_EVERY = 4  # the canvas colours follow every 4th repaint tick (5 Hz)


def device_words(device: str) -> str:
    """'the CPU', 'GPU 0', 'mps' for a resolved device name."""
    if device == "cpu":
        return "the CPU"
    if device.startswith("cuda"):
        return "GPU " + (device.partition(":")[2] or "0")
    return device


def ended_text(ended: Any) -> str:
    """How a run ended, in one sentence."""
    if ended.status == "done":
        return f"Done: {ended.step:,} steps in {format_duration(ended.elapsed)}."
    return ended.reason or f"The run {ended.status} at step {ended.step:,}."


class RunPresenter(QObject):
    """Owns the ``RunSession`` of a workspace and shows its run in the workspace's panels."""

    def __init__(self, workspace: TrainingWorkspace) -> None:
        super().__init__(workspace)
        from .workspace import runs_dir

        self.workspace = workspace
        self.session = RunSession(runs_dir, self)
        self.frame: Any = None  # the newest decision-boundary map
        self._frame_drawn: Any = None
        self._ticks = 0
        self._repaint = QTimer(self, interval=REPAINT_MS)
        self._repaint.timeout.connect(self.repaint)
        s = self.session
        s.state_changed.connect(self._state_changed)
        s.run_started.connect(self._run_started)
        s.progress.connect(self._progress)
        s.boundary.connect(self._boundary)
        s.run_ended.connect(self._run_ended)
        s.start_failed.connect(lambda text: self.workspace.say(text, error=True))

    # -- the session's news ----------------------------------------------------------------------

    def _state_changed(self, state: str) -> None:
        self.workspace.update_actions()
        if state == STARTING:
            self.frame = self._frame_drawn = None
            self.workspace.show_buffers(self.session.buffers, "")
            if self.workspace.controls is not None:
                self.workspace.controls.reset_progress()
        if state in (STARTING, RUNNING, PAUSED, STOPPING):
            self._repaint.start()
        controls = self.workspace.controls
        if controls is not None:
            self.show_state(controls)

    def show_state(self, controls: Any) -> None:
        """The Train panel's line for the session's state."""
        session = self.session
        state = session.state
        if state == IDLE:
            controls.show_status("Ready to train.")
        elif state == STARTING:
            controls.show_status("Starting the run… (the first run of a session loads the "
                                 "training libraries: a few seconds)")
        elif state == RUNNING:
            device = session.plan.device if session.plan is not None else "cpu"
            controls.show_status(f"Training on {device_words(device)}.")
        elif state == PAUSED:
            step = session.last_progress.step if session.last_progress else 0
            controls.show_status(f"Paused at step {step:,}. Step takes one more; Resume "
                                 "carries on.")
        elif state == STOPPING:
            controls.show_status("Stopping after the current step…")
        elif state == ENDED and session.ended is not None:
            ended = session.ended
            controls.show_status(ended_text(ended), error=ended.status == "failed",
                                 node_id=ended.node_id)
            if session.last_progress is not None:
                controls.show_progress(session.last_progress)

    def _run_started(self, started: Any) -> None:
        workspace, session = self.workspace, self.session
        name = session.plan.name if session.plan is not None else ""
        workspace.show_buffers(session.buffers, name)
        if workspace.controls is not None:
            workspace.controls.reset_progress(started.total_steps)
        if workspace.boundary is not None:
            self.prepare_boundary(workspace.boundary)
        history = workspace.history
        if history is not None and session.run_dir is not None:
            history.busy_paths.add(session.run_dir)
            history.reload()

    def _progress(self, progress: Any) -> None:
        if self.workspace.controls is not None:
            self.workspace.controls.show_progress(progress)

    def _boundary(self, frame: Any) -> None:
        self.frame = frame

    def _run_ended(self, ended: Any) -> None:
        self.repaint()
        self._repaint.stop()
        workspace = self.workspace
        history = workspace.history
        if history is not None:
            history.busy_paths.discard(self.session.run_dir)
            history.reload()
        if ended.status == "failed":
            workspace.say(ended_text(ended), error=True, node_id=ended.node_id)
        else:
            self.workspace.window.show_message(ended_text(ended))

    # -- drawing ----------------------------------------------------------------------------------

    def repaint(self) -> None:
        """One tick: visible panels redraw what changed; canvas colours every few ticks."""
        workspace = self.workspace
        self._ticks += 1
        live = workspace.showing is self.session.buffers
        for host in (workspace.loss_host, workspace.gradient_host):
            if host.content is not None and host.on_screen:
                host.content.refresh()
        boundary = workspace.boundary
        if (boundary is not None and self.frame is not self._frame_drawn
                and workspace.boundary_host.on_screen and boundary.available):
            boundary.show_frame(self.frame)
            self._frame_drawn = self.frame
        if live and (self._ticks % HEAT_EVERY == 0 or self.session.state == ENDED):
            workspace.heat.show_record(self.session.buffers.last)

    def prepare_boundary(self, panel: Any) -> None:
        """Give the boundary panel this run's grid and points (or say why there is no map)."""
        session = self.session
        if session.plan is None or session.channel is None:
            if session.plan is not None:
                panel.show_unavailable()
            return
        data = session.plan.dataset
        panel.set_data(session.channel.grid, data.x_train, data.y_train, data.classes or 0,
                       tuple(data.class_names), seed=session.plan.settings.seed)
        if self.frame is not None:
            panel.show_frame(self.frame)
            self._frame_drawn = self.frame

    def shutdown(self) -> None:
        self._repaint.stop()
        self.session.shutdown()

