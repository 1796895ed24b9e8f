"""Live training in the main window: the Run menu, the Train panel, the live panels, the
gradient colours on the canvas and the run history, wired to one ``RunSession``.

Nothing heavy is made at start-up: panels are built the first time they are
shown (pyqtgraph and numpy load then), the session the first time a run
starts or a panel needs it, torch only inside a run's planning thread and
the run process. Panels redraw from a 20 Hz timer, only when their data
changed and only while visible, so the editor stays smooth while a run
trains at full speed; the canvas colours follow at 5 Hz.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QWidget

from ..document import Document
from ..paths import runs_dir
from ..seams import CanvasFocus, DockHost, MenuHost, NodeColours, Notices, UnsavedWork
from .canvas_heat import CanvasHeat
from .devices import DeviceList
from .history_commands import export_run_curves, restore_run
from .lazy_panel import LazyPanel
from .run_actions import make_run_actions

if TYPE_CHECKING:  # pyqtgraph and numpy load with the panels, on first show
    from explorer.graph import CheckResult
    from explorer.train.run_index import RunSummary

    from ..runs.buffers import RunBuffers
    from ..runs.gradient_panel import GradientFlowPanel
    from ..runs.loss_panel import LossPanel
    from ..runs.run_session import RunSession
    from .boundary_panel import BoundaryPanel
    from .presenter import RunPresenter
    from .processes_presenter import ProcessesPresenter
    from .run_controls import RunControls
    from .run_history import OpenedRun, RunHistory

PANEL_HEIGHT = 300


class TrainingWorkspace(QObject):
    """Everything about training in one window, built from its seams (``seams.py``).

    ``notices`` tell the user, ``docks`` and ``menus`` take its panels and
    commands, ``canvas`` is pointed at a node a problem names, ``colours``
    paint the gradients on the canvas, and ``unsaved`` asks before a past
    run's graph replaces the document. For the classroom it is the
    ``EditorRuns`` seam.
    """

    def __init__(self, document: Document, *, notices: Notices, docks: DockHost,
                 menus: MenuHost, canvas: CanvasFocus, colours: NodeColours,
                 unsaved: UnsavedWork, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.notices = notices
        self.docks = docks
        self.canvas = canvas
        self.unsaved = unsaved
        self.devices = DeviceList(self)
        self.presenter: RunPresenter | None = None  # made on first use, with its RunSession
        self.processes: ProcessesPresenter | None = None  # the same, for several processes
        self.showing: RunBuffers | None = None  # a live run's or a past run's
        self.showing_steps = 0  # that run's length, for the panels' step axes
        self.presenting = False  # presentation mode arranges the panels; a run leaves them be
        self.heat = CanvasHeat(document, colours, self)
        self.actions = make_run_actions(self, menus, self.heat, {
            "train": self.train, "pause": self.pause, "step": self.step, "stop": self.stop})
        self.controls_host = LazyPanel(self._build_controls)
        self.loss_host = LazyPanel(self._build_loss)
        self.gradient_host = LazyPanel(self._build_gradients)
        self.boundary_host = LazyPanel(self._build_boundary)
        self.history_host = LazyPanel(self._build_history)
        self.controls_dock = docks.add_panel("Train", self.controls_host)
        self.history_dock = docks.add_panel("Runs", self.history_host)
        self.controls_dock.visibilityChanged.connect(self.controls_host.set_on_screen)
        self.history_dock.visibilityChanged.connect(self.history_host.set_on_screen)
        self.loss_dock = self._bottom_dock("Loss", self.loss_host, docks.problems_dock)
        self.gradient_dock = self._bottom_dock("Gradient flow", self.gradient_host,
                                               self.loss_dock)
        self.boundary_dock = self._bottom_dock("Decision boundary", self.boundary_host,
                                               self.gradient_dock)
        self.update_actions()
        document.project_replaced.connect(self._project_replaced)
        document.checked.connect(lambda *_: self._show_idle_status())

    # -- building ---------------------------------------------------------------------------

    def _bottom_dock(self, title: str, widget: LazyPanel[QWidget],
                     beside: QDockWidget) -> QDockWidget:
        dock = self.docks.add_bottom_panel(title, widget, beside)
        dock.visibilityChanged.connect(widget.set_on_screen)
        dock.hide()  # until the first run (or the Panels menu) asks for it
        return dock

    def _build_controls(self) -> RunControls:
        from .run_controls import RunControls

        controls = RunControls(self.document, self.actions, self.devices)
        controls.node_link_clicked.connect(self.canvas.reveal_node)
        controls.reset_progress(self.planned_steps())
        if self.presenter is not None:
            self.presenter.show_state(controls)
        else:
            self._show_idle_status(controls)
        return controls

    def _build_loss(self) -> LossPanel:
        from ..runs.loss_panel import LossPanel

        panel = LossPanel()
        self._show_in(panel)
        return panel

    def _build_gradients(self) -> GradientFlowPanel:
        from ..runs.gradient_panel import GradientFlowPanel

        panel = GradientFlowPanel()
        self._show_in(panel)
        return panel

    def _build_boundary(self) -> BoundaryPanel:
        from .boundary_panel import BoundaryPanel

        panel = BoundaryPanel()
        if self.presenter is not None:
            self.presenter.prepare_boundary(panel)
        return panel

    def _build_history(self) -> RunHistory:
        from .run_history import RunHistory

        history = RunHistory(runs_dir())
        history.run_opened.connect(self._show_past_run)
        history.live_selected.connect(self._show_live_run)
        history.compare_changed.connect(self._compare)
        history.restore_requested.connect(self._restore)
        history.export_requested.connect(self._export)
        history.message.connect(lambda text, problem: self.notices.show_message(text, problem))
        for busy in (self.session, self.processes.session if self.processes else None):
            if busy is not None and busy.run_dir is not None and busy.active:
                history.busy_paths.add(Path(busy.run_dir))  # not opened, nor deleted, mid-run
        history.reload()
        return history

    # -- the built panels (None until shown) ---------------------------------------------------

    @property
    def controls(self) -> RunControls | None:
        return self.controls_host.content

    @property
    def loss(self) -> LossPanel | None:
        return self.loss_host.content

    @property
    def gradients(self) -> GradientFlowPanel | None:
        return self.gradient_host.content

    @property
    def boundary(self) -> BoundaryPanel | None:
        return self.boundary_host.content

    @property
    def history(self) -> RunHistory | None:
        return self.history_host.content

    @property
    def session(self) -> RunSession | None:
        """The RunSession, once a run has been asked for (None before)."""
        return self.presenter.session if self.presenter is not None else None

    def ensure_session(self) -> RunSession:
        if self.presenter is None:
            from .presenter import RunPresenter

            self.presenter = RunPresenter(self, self)
        return self.presenter.session

    # -- what the classroom may ask (the EditorRuns seam) ---------------------------------------

    def live_docks(self) -> tuple[QDockWidget, ...]:
        """The loss, gradient-flow and decision-boundary docks, top to bottom."""
        return self.loss_dock, self.gradient_dock, self.boundary_dock

    def run_active(self) -> bool:
        session = self.session
        return (session is not None and session.active) or self.processes_active()

    def processes_active(self) -> bool:
        """A run in several processes (Train with Processes above 1) is out."""
        return self.processes is not None and self.processes.session.active

    def finished_run(self) -> tuple[Path, str] | None:
        """The run a study is about: the finished run on show, else the one picked in the
        run history, else the editor's last run (None if there is no finished run)."""
        session = self.session
        if session is not None and session.state == "ended" and session.run_dir is not None \
                and self.showing is session.buffers:
            return Path(session.run_dir), session.plan.name if session.plan else ""
        history = self.history
        if history is not None:
            summary = history.selected_summary()
            if (summary is not None and summary.path not in history.busy_paths
                    and summary.status != "running"):
                return summary.path, summary.name
        return self._last_ended_run()

    def _last_ended_run(self) -> tuple[Path, str] | None:
        """The editor's last finished run, in one process or several (the later folder)."""
        sessions = (self.session, self.processes.session if self.processes else None)
        ended = [(Path(s.run_dir), s.plan.name if s.plan else "") for s in sessions
                 if s is not None and s.state == "ended" and s.run_dir is not None
                 and Path(s.run_dir).is_dir()]
        return max(ended, key=lambda run: run[0].stat().st_mtime, default=None)

    # -- commands -------------------------------------------------------------------------------

    def train(self) -> bool:
        """Start a run of the document as it is now (or resume a paused one)."""
        session = self.ensure_session()
        if session.state == "paused":
            session.resume()
            return True
        if session.active or self.processes_active():
            return False
        errors = self.document.result.errors
        if errors:
            first = errors[0]
            where = f"{first.node_id}: " if first.node_id else ""
            more = f" ({len(errors) - 1} more)" if len(errors) > 1 else ""
            self.say(f"The network cannot train yet. {where}{first.message}{more}",
                     error=True, node_id=first.node_id)
            return False
        if not self.presenting:
            self.controls_dock.show()
            self.controls_dock.raise_()
            self.show_panels()
        self.heat.clear()
        self.heat.start_afresh()
        count = self.controls.form.chosen_processes() if self.controls is not None else 1
        if count > 1:
            if self.processes is None:
                from .processes_presenter import ProcessesPresenter

                self.processes = ProcessesPresenter(self, self._show_past_run, self)
            return self.processes.session.start(self.document.project, count)
        return session.start(self.document.project)

    def show_panels(self) -> None:
        """Show the live panels; the first time, give them room beside the problems list."""
        docks = (self.loss_dock, self.gradient_dock, self.boundary_dock)
        first_time = not any(d.isVisible() for d in docks)
        for dock in docks:
            dock.show()
        if first_time:
            self.docks.resize_docks([self.docks.problems_dock, *docks], [260, 520, 520, 300],
                                    Qt.Orientation.Horizontal)
            self.docks.resize_docks([self.loss_dock], [PANEL_HEIGHT], Qt.Orientation.Vertical)

    def pause(self) -> None:
        if self.session is not None:
            self.session.pause()

    def step(self) -> None:
        if self.session is not None:
            self.session.step()

    def stop(self) -> None:
        if self.processes_active():
            assert self.processes is not None
            self.processes.session.stop()
        elif self.session is not None:
            self.session.stop()

    def prepare_runs(self) -> None:
        """Start a run process ahead of time, so the first Train starts at once (the
        application calls this once the window is up; see ``RunSession.prepare``)."""
        self.ensure_session().prepare()

    def shutdown(self) -> None:
        """The window closes: stop a run that is still going."""
        if self.presenter is not None:
            self.presenter.shutdown()
        if self.processes is not None:
            self.processes.session.shutdown()

    def restyle(self) -> None:
        for panel in (self.loss, self.gradients, self.boundary):
            if panel is not None:
                panel.restyle()
        self.heat.legend.update()

    # -- what the panels show ---------------------------------------------------------------

    def planned_steps(self) -> int:
        """The steps the next run will take, as far as the settings say (0: counted in epochs,
        known once the data is loaded)."""
        settings = self.document.project.training
        return 0 if settings.epochs else settings.steps

    def check_result(self) -> CheckResult:
        return self.document.result

    def _project_replaced(self) -> None:
        """Another project is shown: panels and progress no longer show the last one's run.
        A run still going keeps its panels (they are named after it) until it ends."""
        if self.run_active():
            return
        for session in (self.session, self.processes.session if self.processes else None):
            if session is not None:
                session.forget()
        if self.presenter is not None:
            self.presenter.frame = None
        if self.showing is not None:  # at start-up nothing is shown: numpy need not load yet
            from ..runs.buffers import RunBuffers

            self.show_buffers(RunBuffers(), "")
        if self.boundary is not None:
            self.boundary.show_unavailable()
        if self.controls is not None:
            self.controls.reset_progress(self.planned_steps())
        self._show_idle_status()

    def _show_idle_status(self, controls: RunControls | None = None) -> None:
        """Before any run: "Ready to train." only for a network without errors."""
        controls = controls or self.controls
        session = self.session
        several = self.processes.session if self.processes is not None else None
        if controls is None or any(s is not None and s.state != "idle" for s in (session, several)):
            return
        from .run_controls import ready_text

        text, problem, node_id = ready_text(self.document.result)
        controls.show_status(text, error=problem, node_id=node_id)

    # -- telling the user ---------------------------------------------------------------------

    def say(self, text: str, *, error: bool = False, node_id: str | None = None) -> None:
        """A line in the Train panel, the status bar, and a banner for problems."""
        if self.controls is not None:
            self.controls.show_status(text, error=error, node_id=node_id)
        self.notices.show_message(text, error=error)
        if node_id:
            self.canvas.reveal_node(node_id)

    def update_actions(self) -> None:
        state = self.session.state if self.session is not None else "idle"
        a = self.actions
        a["train"].setEnabled(state in ("idle", "ended", "paused"))
        a["train"].setText("Resume" if state == "paused" else "Train")
        a["pause"].setEnabled(state == "running")
        a["step"].setEnabled(state == "paused")
        a["stop"].setEnabled(state in ("starting", "running", "paused"))
        if self.processes is not None:
            self.processes.adjust_actions(a)

    def show_buffers(self, buffers: RunBuffers, name: str = "", steps: int = 0) -> None:
        """Point the panels at ``buffers`` (a live run's, or a past run's of ``steps``)."""
        self.showing, self.showing_steps = buffers, steps
        for panel in (self.loss, self.gradients):
            if panel is not None:
                self._show_in(panel, name)

    def _show_in(self, panel: LossPanel | GradientFlowPanel, name: str = "") -> None:
        if self.showing is None:
            return
        if self.showing_steps:
            panel.set_step_range(self.showing_steps)
        panel.show_buffers(self.showing, name)

    # -- the run history -------------------------------------------------------------------------

    def _show_past_run(self, run: OpenedRun) -> None:
        self.show_buffers(run.buffers, run.summary.name,
                          max(run.summary.total_steps, run.summary.steps))
        self.heat.start_afresh()
        self.heat.show_record(run.buffers.last)

    def _show_live_run(self, summary: RunSummary) -> None:
        """The run in progress was picked in the history: back to its live numbers."""
        session = self.session
        if session is not None and session.run_dir == summary.path:
            self.show_buffers(session.buffers, summary.name, max(summary.total_steps, 1))

    def _compare(self, runs: list[OpenedRun]) -> None:
        if self.loss is not None:
            self.loss.set_overlays([(r.summary.name, r.buffers) for r in runs])

    def _restore(self, summary: RunSummary) -> None:
        restore_run(summary, self.document, self.unsaved, self.say)

    def _export(self, summary: RunSummary, path: str) -> None:
        export_run_curves(summary, path, self.loss_host.ensure, self.say)
