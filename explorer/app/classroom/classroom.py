"""The Classroom menu and what it opens: demonstrations, depth sweeps, lesion studies.

One ``Classroom`` per main window. A demonstration opens in the experiment
window with its explanation and variants, ready to run, and its first
variant goes on the canvas (after asking about unsaved work); the depth
sweep builder makes an experiment of its own. Presentation mode sits in
the View menu. Only one experiment window is open at a time; a running
experiment is never replaced behind the teacher's back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from explorer.graph import Project
from explorer.graph.demos import DEMOS, demo

from ..background import BackgroundWork
from ..training.workspace import runs_dir
from .lesion_mode import LesionMode
from .presentation import PresentationMode
from .work import failure_text

if TYPE_CHECKING:  # the experiment window loads pyqtgraph and numpy: only when it opens
    from ..main_window import MainWindow
    from .experiment import Experiment
    from .experiment_window import ExperimentWindow
    from .sweeps import SweepRequest

BUSY = ("An experiment is still running: stop it in its window first (or let it finish).")
EDITOR_RUN_BUSY = ("A run is training in the editor: stop it first, so the variants have the "
                   "machine to themselves and their times compare fairly.")


def demo_titles() -> list[tuple[str, str, str]]:
    """(name, title, summary) of every demonstration, in teaching order."""
    made = [make() for make in DEMOS.values()]
    return [(d.name, d.title, d.summary) for d in made]


class Classroom(QObject):
    """Demonstrations, sweeps, lesion studies and presentation mode for one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.experiment_window: ExperimentWindow | None = None
        self.lesions = LesionMode(window)
        self.presentation = PresentationMode(window)
        self._work = BackgroundWork(self)
        self.menu = self._make_menu()

    def _make_menu(self) -> QMenu:
        w = self.window
        ui = w.actions_
        menu = QMenu("&Classroom", w)
        menu.setToolTipsVisible(True)
        demos = menu.addMenu("&Demonstrations")
        demos.setToolTipsVisible(True)
        self.demo_actions: dict[str, QAction] = {}
        for name, title, summary in demo_titles():
            action = demos.addAction(title, lambda n=name: self.open_demo(n))
            action.setToolTip(summary)
            action.setStatusTip(summary)
            self.demo_actions[name] = action
        self.sweep_action = menu.addAction("Depth &Sweep…", self.show_sweep_dialog)
        self.sweep_action.setStatusTip("Train plain, residual, highway or dense networks at "
                                       "several depths and compare them.")
        self.show_action = menu.addAction("Show the &Experiment", self.show_experiment)
        self.show_action.setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.lesions.action)
        w.menuBar().insertMenu(ui.help_menu.menuAction(), menu)
        ui.view_menu.addSeparator()
        ui.view_menu.addAction(self.presentation.action)
        return menu

    # -- experiments ---------------------------------------------------------------------------

    def open_demo(self, name: str) -> ExperimentWindow | None:
        """Open a demonstration ready to run, its first variant on the canvas."""
        from .experiment import Experiment

        if self._experiment_busy():
            return None
        experiment = Experiment.from_demo(demo(name))
        if not self.put_on_canvas(experiment.project_for(0)):
            return None
        return self.open_experiment(experiment)

    def open_experiment(self, experiment: Experiment) -> ExperimentWindow | None:
        """Show ``experiment`` in the experiment window (None if one is still running)."""
        from .experiment_window import ExperimentWindow

        if self._experiment_busy():
            return None
        old = self.experiment_window
        if old is not None:
            old.shutdown()
            old.close()
            old.deleteLater()
        shown = ExperimentWindow(experiment, runs_dir, self.window, can_run=self._why_not_run)
        shown.open_requested.connect(self.put_on_canvas)
        shown.node_hovered.connect(self.lesions._hovered)
        self.experiment_window = shown
        self.show_action.setEnabled(True)
        self.show_experiment()
        return shown

    def show_experiment(self) -> None:
        shown = self.experiment_window
        if shown is not None:
            shown.show()
            shown.raise_()
            shown.activateWindow()

    def put_on_canvas(self, project: Project) -> bool:
        """Show a variant's network as a new, unsaved document (after asking about unsaved
        work); False if the user kept what was there."""
        w = self.window
        if not w.files.maybe_save():
            return False
        w.document.replace(project)
        w.show_message(f"“{project.name}” is on the canvas. It is a new network: save it to "
                       "keep it.")
        return True

    def _experiment_busy(self) -> bool:
        shown = self.experiment_window
        if shown is not None and shown.runner.running:
            self.window.show_message(BUSY, error=True)
            self.show_experiment()
            return True
        return False

    def _why_not_run(self) -> str | None:
        session = self.window.training.session
        return EDITOR_RUN_BUSY if session is not None and session.active else None

    # -- depth sweeps ---------------------------------------------------------------------------

    def show_sweep_dialog(self) -> None:
        from .sweep_dialog import DepthSweepDialog

        dialog = DepthSweepDialog(self.window)
        if dialog.exec():
            self.build_sweep(dialog.request())

    def build_sweep(self, request: SweepRequest) -> None:
        """Make the sweep's networks (a table's sizes come from its data: a worker thread)."""
        from .sweeps import build_sweep

        self.window.show_message(f"Building {request.variant_count} networks…")
        self._work.submit(lambda: build_sweep(request), self._sweep_built,
                          lambda error: self.window.show_message(
                              f"The sweep could not be built: {failure_text(error)}",
                              error=True))

    def _sweep_built(self, experiment: Experiment) -> None:
        if self.open_experiment(experiment) is not None:
            self.window.show_message(f"{len(experiment.variants)} networks ready: press Run in "
                                     "the experiment window.")

    # -- the window ---------------------------------------------------------------------------

    def restyle(self) -> None:
        self.lesions.restyle()

    def shutdown(self) -> None:
        """The editor closes: leave presentation mode (the window saves its normal layout)
        and stop an experiment that is running."""
        self.presentation.set_active(False)
        if self.experiment_window is not None:
            self.experiment_window.shutdown()
