"""The Classroom menu and what it opens: demonstrations, depth sweeps, lesion studies.

One ``Classroom`` per main window. A demonstration opens in the experiment
window with its explanation and variants, ready to run, and its first
variant goes on the canvas (after asking about unsaved work); the depth
sweep builder makes an experiment of its own. Presentation mode sits in
the View menu. Only one experiment window is open at a time; a running
experiment is never replaced behind the teacher's back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from explorer.graph import Project
from explorer.graph.demos import demo

from ..background import BackgroundWork
from ..document import Document
from ..examples import demo_titles
from ..paths import runs_dir
from ..seams import EditorRuns, MenuHost, Notices, UnsavedWork
from .lesion_mode import LesionMode
from .presentation import PresentationMode
from .work import failure_text

if TYPE_CHECKING:  # the experiment window loads pyqtgraph and numpy: only when it opens
    from .experiment import Experiment
    from .experiment_window import ExperimentWindow
    from .sweeps import SweepRequest

BUSY = ("An experiment is still running: stop it in its window first (or let it finish).")
EDITOR_RUN_BUSY = ("A run is training in the editor: stop it first, so the variants have the "
                   "machine to themselves and their times compare fairly.")


class Classroom(QObject):
    """Demonstrations, sweeps, lesion studies and presentation mode for one main window.

    A variant goes on the canvas by replacing ``document`` (after ``unsaved``
    asked about unsaved work); ``runs`` says whether the editor is training
    (experiments then wait); dialogs and the experiment window open over
    ``parent``. Lesion and presentation modes come made, each with its seams.
    """

    def __init__(self, document: Document, *, notices: Notices, unsaved: UnsavedWork,
                 menus: MenuHost, runs: EditorRuns, lesions: LesionMode,
                 presentation: PresentationMode, parent: QWidget) -> None:
        super().__init__(parent)
        self.document = document
        self.notices = notices
        self.unsaved = unsaved
        self.runs = runs
        self.parent_widget = parent
        self.experiment_window: ExperimentWindow | None = None
        self.lesions = lesions
        self.presentation = presentation
        self._work = BackgroundWork(self)
        self.menu = self._make_menu(menus)

    def _make_menu(self, menus: MenuHost) -> QMenu:
        menu = menus.add_menu("&Classroom")
        menu.setToolTipsVisible(True)
        demos = menu.addMenu("&Demonstrations")
        demos.setToolTipsVisible(True)
        self.demo_actions: dict[str, QAction] = {}
        for name, title, summary in demo_titles():
            action = demos.addAction(title, self._demo_opener(name))
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
        menus.view_menu.addSeparator()
        menus.view_menu.addAction(self.presentation.action)
        return menu

    # -- experiments ---------------------------------------------------------------------------

    def _demo_opener(self, name: str) -> Callable[[], object]:
        """What a demonstration's menu entry calls: it opens that one demonstration."""
        return lambda: self.open_demo(name)

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
        shown = ExperimentWindow(experiment, runs_dir, self.parent_widget,
                                 can_run=self._why_not_run)
        shown.open_requested.connect(self.put_on_canvas)
        shown.node_hovered.connect(self.lesions.select_block)
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
        if not self.unsaved.maybe_save():
            return False
        self.document.replace(project)
        self.notices.show_message(f"“{project.name}” is on the canvas. It is a new network: "
                                  "save it to keep it.")
        return True

    def _experiment_busy(self) -> bool:
        shown = self.experiment_window
        if shown is not None and shown.runner.running:
            self.notices.show_message(BUSY, error=True)
            self.show_experiment()
            return True
        return False

    def _why_not_run(self) -> str | None:
        return EDITOR_RUN_BUSY if self.runs.run_active() else None

    # -- depth sweeps ---------------------------------------------------------------------------

    def show_sweep_dialog(self) -> None:
        from .sweep_dialog import DepthSweepDialog

        dialog = DepthSweepDialog(self.parent_widget)
        if dialog.exec():
            self.build_sweep(dialog.request())

    def build_sweep(self, request: SweepRequest) -> None:
        """Make the sweep's networks (a table's sizes come from its data: a worker thread)."""
        from .sweeps import build_sweep

        self.notices.show_message(f"Building {request.variant_count} networks…")
        self._work.submit(lambda: build_sweep(request), self._sweep_built,
                          lambda error: self.notices.show_message(
                              f"The sweep could not be built: {failure_text(error)}",
                              error=True))

    def _sweep_built(self, experiment: Experiment) -> None:
        if self.open_experiment(experiment) is not None:
            self.notices.show_message(f"{len(experiment.variants)} networks ready: press Run "
                                      "in the experiment window.")

    # -- the window ---------------------------------------------------------------------------

    def restyle(self) -> None:
        self.lesions.restyle()

    def shutdown(self) -> None:
        """The editor closes: leave presentation mode (the window saves its normal layout)
        and stop an experiment that is running."""
        self.presentation.set_active(False)
        if self.experiment_window is not None:
            self.experiment_window.shutdown()
