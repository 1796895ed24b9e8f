"""Showing a live run: the session's news turned into panel updates, status lines and colours.

The session drains the run's records on its own timer and only says that
something arrived; what reaches the screen is paced here. A repaint tick
every 25 ms lets one panel with news redraw (loss, gradient flow, decision
boundary, canvas colours in turn), so no tick paints everything at once;
each panel redraws at most 20 times a second (the canvas 5), and a panel
whose redraw is slow (a big window, a busy machine) waits ten times as
long as it took before the next, so painting never takes more than about a
tenth of the editor's time per panel. Hidden panels cost nothing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer

from ..paths import runs_dir
from ..runs.run_session import ENDED, IDLE, PAUSED, RUNNING, STARTING, STOPPING, RunSession
from ..seams import Notices
from .canvas_heat import CanvasHeat
from .lazy_panel import LazyPanel
from .run_controls import format_duration, ready_text

if TYPE_CHECKING:  # pyqtgraph and numpy load with the panels, on first show
    from explorer.graph import CheckResult
    from explorer.train.boundary import BoundaryFrame
    from explorer.train.records import Progress, RunEnded, RunStarted

    from ..runs.buffers import RunBuffers
    from ..runs.gradient_panel import GradientFlowPanel
    from ..runs.loss_panel import LossPanel
    from .boundary_panel import BoundaryPanel
    from .run_controls import RunControls
    from .run_history import RunHistory

STARTING_MAP = "Starting the run: the map follows its first steps."
REPAINT_MS = 25  # a repaint tick: one panel at a time, each in a frame of its own
PANEL_SECONDS = 0.05  # each panel redraws at most 20 times a second
CANVAS_SECONDS = 0.2  # the canvas colours follow at most 5 times a second
DUTY_FACTOR = 10  # a panel whose redraw takes t waits at least 10·t before the next one


def device_words(device: str) -> str:
    """'the CPU', 'GPU 0', 'mps' for a resolved device name."""
    if device == "cpu":
        return "the CPU"
    if device.startswith("cuda"):
        return "GPU " + (device.partition(":")[2] or "0")
    return device


def ended_text(ended: RunEnded) -> str:
    """How a run ended, in one sentence."""
    if ended.status == "done":
        return f"Done: {ended.step:,} steps in {format_duration(ended.elapsed)}."
    return ended.reason or f"The run {ended.status} at step {ended.step:,}."


def show_ended(controls: RunControls, ended: RunEnded, last: Progress | None) -> None:
    """The Train panel after a run (of one process or several): how it ended, and the bar
    where it stopped."""
    controls.show_status(ended_text(ended), error=ended.status == "failed",
                         node_id=ended.node_id)
    if last is not None:
        controls.show_progress(last)


class Panels(Protocol):
    """What the presenter shows a run in: the training workspace's panels (None until
    built), their hosts, the canvas colours, and its way of telling the user."""

    loss_host: LazyPanel[LossPanel]
    gradient_host: LazyPanel[GradientFlowPanel]
    boundary_host: LazyPanel[BoundaryPanel]
    heat: CanvasHeat
    showing: RunBuffers | None  # the buffers the panels show
    notices: Notices

    @property
    def controls(self) -> RunControls | None: ...

    @property
    def loss(self) -> LossPanel | None: ...

    @property
    def gradients(self) -> GradientFlowPanel | None: ...

    @property
    def boundary(self) -> BoundaryPanel | None: ...

    @property
    def history(self) -> RunHistory | None: ...

    def say(self, text: str, *, error: bool = False, node_id: str | None = None) -> None: ...

    def planned_steps(self) -> int: ...

    def check_result(self) -> CheckResult: ...

    def update_actions(self) -> None: ...

    def show_buffers(self, buffers: RunBuffers, name: str = "", steps: int = 0) -> None: ...


class RunPresenter(QObject):
    """Owns the ``RunSession`` of a workspace and shows its run in the workspace's panels."""

    def __init__(self, workspace: Panels, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.session = RunSession(runs_dir, self)
        self.frame: BoundaryFrame | None = None  # the newest decision-boundary map
        self._frame_drawn: BoundaryFrame | None = None
        self._next = 0
        self._drawn_at: dict[str, float] = {}
        self._cost: dict[str, float] = {}  # seconds a redraw of each took, paint included
        self._jobs = (("loss", PANEL_SECONDS, self._draw_loss),
                      ("gradients", PANEL_SECONDS, self._draw_gradients),
                      ("boundary", PANEL_SECONDS, self._draw_boundary),
                      ("canvas", CANVAS_SECONDS, self._draw_heat))
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
        if state == STARTING:  # nothing of the last run stays on show
            self.frame = self._frame_drawn = None
            self.workspace.show_buffers(self.session.buffers, "")
            if self.workspace.controls is not None:
                self.workspace.controls.reset_progress(self.workspace.planned_steps())
            if self.workspace.boundary is not None:
                self.workspace.boundary.show_unavailable(STARTING_MAP)
        if state in (STARTING, RUNNING, PAUSED, STOPPING):
            self._repaint.start()
        controls = self.workspace.controls
        if controls is not None:
            self.show_state(controls)

    def show_state(self, controls: RunControls) -> None:
        """The Train panel's line for the session's state."""
        session = self.session
        state = session.state
        if state == IDLE:
            text, problem, node_id = ready_text(self.workspace.check_result())
            controls.show_status(text, error=problem, node_id=node_id)
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
            show_ended(controls, session.ended, session.last_progress)

    def _run_started(self, started: RunStarted) -> None:
        workspace, session = self.workspace, self.session
        name = session.plan.name if session.plan is not None else ""
        workspace.show_buffers(session.buffers, name, started.total_steps)
        if workspace.controls is not None:
            workspace.controls.reset_progress(started.total_steps)
        if workspace.boundary is not None:
            self.prepare_boundary(workspace.boundary)
        history = workspace.history
        if history is not None and session.run_dir is not None:
            history.busy_paths.add(session.run_dir)
            history.reload()

    def _progress(self, progress: Progress) -> None:
        if self.workspace.controls is not None:
            self.workspace.controls.show_progress(progress)

    def _boundary(self, frame: BoundaryFrame) -> None:
        self.frame = frame

    def _run_ended(self, ended: RunEnded) -> None:
        self.repaint_all()
        self._repaint.stop()
        workspace = self.workspace
        history = workspace.history
        if history is not None:
            history.busy_paths.discard(self.session.run_dir)
            history.reload()
        if ended.status == "failed":
            workspace.say(ended_text(ended), error=True, node_id=ended.node_id)
        else:
            workspace.notices.show_message(ended_text(ended))

    # -- drawing ----------------------------------------------------------------------------------

    def repaint(self) -> None:
        """One tick: the next panel with news redraws (one per tick, each at most 20 times
        a second, the canvas colours at most 5): Qt paints every changed widget of a window
        in one go, so refreshing them all in the same tick would add up to one long pause."""
        now = time.perf_counter()
        jobs = self._jobs
        for offset in range(len(jobs)):
            index = (self._next + offset) % len(jobs)
            name, interval, draw = jobs[index]
            if now - self._drawn_at.get(name, 0.0) < max(interval, self._cost.get(name, 0.0)
                                                         * DUTY_FACTOR):
                continue
            if draw():
                self._drawn_at[name] = now
                self._cost[name] = time.perf_counter() - now + self._paint_cost(name)
                self._next = index + 1
                return

    def _paint_cost(self, name: str) -> float:
        """What the panel's last paints cost (painting happens after the tick, in Qt)."""
        panel = {"loss": self.workspace.loss, "gradients": self.workspace.gradients,
                 "boundary": self.workspace.boundary}.get(name)
        graphics = getattr(panel, "graphics", None)
        return getattr(graphics, "paint_seconds", 0.0)

    def repaint_all(self) -> None:
        """Bring every panel up to date at once (when the run ends)."""
        for _, _, draw in self._jobs:
            draw()

    def _draw_loss(self) -> bool:
        host = self.workspace.loss_host
        return host.content is not None and host.on_screen and host.content.refresh()

    def _draw_gradients(self) -> bool:
        host = self.workspace.gradient_host
        return host.content is not None and host.on_screen and host.content.refresh()

    def _draw_boundary(self) -> bool:
        workspace = self.workspace
        boundary = workspace.boundary
        if (boundary is None or self.frame is self._frame_drawn
                or not workspace.boundary_host.on_screen or not boundary.available):
            return False
        boundary.show_frame(self.frame)
        self._frame_drawn = self.frame
        return True

    def _draw_heat(self) -> bool:
        workspace = self.workspace
        if workspace.showing is not self.session.buffers:
            return False  # the panels show a past run: its colours stay
        record = self.session.buffers.last
        if record is None or record is workspace.heat.record or workspace.heat.outdated:
            return False
        workspace.heat.show_record(record)
        return True

    def prepare_boundary(self, panel: BoundaryPanel) -> None:
        """Give the boundary panel this run's grid and points (or say why there is no map)."""
        session = self.session
        if session.plan is None or session.channel is None:
            if session.plan is not None:
                panel.show_unavailable()
            elif session.state == STARTING:
                panel.show_unavailable(STARTING_MAP)
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

