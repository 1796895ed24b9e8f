"""Lesion mode in the editor: after training, switch blocks off and see what the network loses.

"Lesion Study of the Run" (Classroom and Run menus) takes the finished run
the panels show, or the one picked in the run history, rebuilds its
network from the run folder with its final weights, and measures the
validation accuracy with each block switched off in turn (Veit et al.
2016), on a worker thread. The bars appear in the Lesion study panel;
hovering one selects its block on the canvas. "Switch off" in a node's
context menu measures just that block.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu

from ..background import BackgroundWork
from ..seams import CanvasFocus, DockHost, EditorRuns, MenuHost, Notices
from .work import failure_text, study_lesions

if TYPE_CHECKING:
    from explorer.train.lesions import LesionStudy

    from .lesion_panel import LesionPanel

NO_RUN = ("There is no finished run to study: train the network first (F5), or pick a "
          "finished run in the Runs panel.")


class LesionMode(QObject):
    """The lesion study of a finished run, its panel, and switching single blocks off.

    ``runs`` says which run is finished; the study's panel goes into ``docks``
    beside the live panels, hovering a bar selects its block on ``canvas``.
    """

    def __init__(self, *, notices: Notices, docks: DockHost, canvas: CanvasFocus,
                 runs: EditorRuns, menus: MenuHost, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.notices = notices
        self.docks = docks
        self.canvas = canvas
        self.runs = runs
        self.panel: LesionPanel | None = None
        self.dock: QDockWidget | None = None
        self.run_dir: Path | None = None  # the run whose study the panel shows
        self.run_name = ""
        self._work = BackgroundWork(self)
        self.action = QAction("&Lesion Study of the Run", self)
        self.action.setStatusTip("Switch each block of the finished run off in turn and "
                                 "measure the validation accuracy.")
        self.action.triggered.connect(lambda *_: self.study_current())
        menus.add_shortcuts([self.action])
        canvas.add_node_menu_entries(self._node_menu_entries)

    # -- which run ------------------------------------------------------------------------------

    def finished_run(self) -> tuple[Path, str] | None:
        """The run a study is about (see ``EditorRuns.finished_run``)."""
        return self.runs.finished_run()

    # -- the whole study --------------------------------------------------------------------------

    def study_current(self) -> bool:
        """Study the finished run on show; False, with the reason, when there is none."""
        found = self.finished_run()
        if found is None:
            self.notices.show_message(NO_RUN, error=True)
            return False
        self.study(*found)
        return True

    def study(self, run_dir: Path, name: str = "") -> None:
        """Switch each block of the run in ``run_dir`` off in turn (on a worker thread)."""
        panel = self.ensure_panel()
        self.run_dir, self.run_name = Path(run_dir), name or Path(run_dir).name
        panel.title.setText(f"{self.run_name}: accuracy with each block switched off")
        panel.clear()
        panel.show_message("Switching each block off in turn…")
        self.notices.show_message(f"Lesion study of “{self.run_name}”: switching each block "
                                  "off in turn…")
        target = self.run_dir
        self._work.submit(lambda: study_lesions(target),
                          lambda study: self._studied(target, study),
                          lambda error: self._failed(target, error))

    def _studied(self, run_dir: Path, study: LesionStudy) -> None:
        if run_dir != self.run_dir or self.panel is None:
            return  # another study was asked for meanwhile
        self.panel.show_study(study)
        if not study.lesions:
            self.panel.show_message("This network has no block that can be switched off "
                                    "without breaking its shapes (it needs blocks with a skip "
                                    "connection, or layers that keep their input's shape).")
        self.notices.show_message(f"Lesion study of “{self.run_name}” done.")

    def _failed(self, run_dir: Path, error: BaseException) -> None:
        text = f"The lesion study could not be made: {failure_text(error)}"
        if run_dir == self.run_dir and self.panel is not None:
            self.panel.show_message(text, error=True)
        self.notices.show_message(text, error=True)

    # -- one block ---------------------------------------------------------------------------------

    def _node_menu_entries(self, menu: QMenu, node_id: str) -> None:
        menu.addSeparator()
        action = menu.addAction("Switch Off (Lesion)", lambda: self.switch_off(node_id))
        action.setEnabled(self.run_dir is not None or self.finished_run() is not None)
        action.setToolTip("Measure the finished run's validation accuracy with this block "
                          "switched off.")

    def switch_off(self, node_id: str) -> bool:
        """Measure the validation accuracy with ``node_id`` switched off (worker thread)."""
        if self.run_dir is None:
            found = self.finished_run()
            if found is None:
                self.notices.show_message(NO_RUN, error=True)
                return False
            self.run_dir, self.run_name = found[0], found[1] or found[0].name
        run_dir = self.run_dir
        self.notices.show_message(f"Switching {node_id} off…")
        self._work.submit(lambda: study_lesions(run_dir, [node_id]),
                          lambda study: self._switched_off(run_dir, node_id, study),
                          lambda error: self._failed(run_dir, error))
        return True

    def _switched_off(self, run_dir: Path, node_id: str, study: LesionStudy) -> None:
        panel = self.ensure_panel()
        lesion = study.lesions[0]
        if run_dir != self.run_dir:
            return
        if panel.lesion_of(node_id) is None:  # no full study on show: this one bar
            panel.title.setText(f"{self.run_name}: accuracy with blocks switched off")
            panel.show_study(study)
        panel.highlight(node_id)
        self._raise_dock()
        text = (f"With {node_id} switched off, “{self.run_name}” gets {lesion.accuracy:.1%} "
                f"of the validation examples right (trained: {study.baseline_accuracy:.1%}, "
                f"{-study.drop(lesion):+.1f} points; chance: {study.chance:.1%}).")
        panel.show_message(text)
        self.notices.show_message(text)

    # -- the panel ---------------------------------------------------------------------------------

    def ensure_panel(self) -> LesionPanel:
        """The Lesion study dock, made on first use beside the live panels."""
        if self.panel is None:
            from .lesion_panel import LesionPanel  # pyqtgraph: only once a study is asked for

            self.panel = LesionPanel()
            self.panel.hovered.connect(self.select_block)
            loss = self.runs.live_docks()[0]
            self.dock = self.docks.add_bottom_panel("Lesion study", self.panel,
                                                    loss if loss.isVisible() else None,
                                                    name="LesionStudyDock")
        self._raise_dock()
        return self.panel

    def _raise_dock(self) -> None:
        """Bring the Lesion study dock to the front (it exists once the panel does)."""
        if self.dock is not None:
            self.dock.show()
            self.dock.raise_()

    def select_block(self, node_id: str) -> None:
        """A bar under the mouse: select its block on the canvas (when it is there)."""
        if node_id:
            self.canvas.select_nodes([node_id])

    def restyle(self) -> None:
        if self.panel is not None:
            self.panel.restyle()
