"""The main window: it makes the editor's parts and hands each the seams it uses.

Canvas in the middle, palette left, inspector right, problems below. The
window owns nothing of the model (the ``Document`` holds the project and its
undo history) and none of the features' work: it assembles. Each feature is
given narrow seams (``seams.py``): the document, the notices, the docks, the
menus, the canvas, the editor's runs... and never the window, so features
do not reach into one another. docs/architecture.md draws who gets what.
Only ``application.py`` makes a window (an import-linter contract).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QUndoView

from explorer.graph import CheckResult

from .actions import APP_TITLE, WindowActions
from .autosave import Autosaver
from .canvas.canvas import Canvas
from .classroom.classroom import Classroom
from .classroom.lesion_mode import LesionMode
from .classroom.presentation import PresentationMode
from .code_preview import CodePreview
from .docks import Docks
from .document import Document
from .export_actions import ExportActions
from .files import FileController
from .gallery import pick_example
from .inspector import Inspector
from .issues_panel import IssuesPanel, dock_title, summary_text
from .look import Look
from .notices import StatusNotices
from .palette import Palette
from .paths import data_dir
from .training.workspace import TrainingWorkspace

Area = Qt.DockWidgetArea


class MainWindow(QMainWindow):
    """One editor window on one document."""

    def __init__(self, *, settings: QSettings | None = None,
                 autosave_dir: Path | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.document = Document(parent=self)
        self.canvas = Canvas(self.document, parent=self)
        self.scene, self.editor, self.view = self.canvas.scene, self.canvas.editor, self.canvas.view
        self.setCentralWidget(self.view)
        self.notices = StatusNotices(self.statusBar(), self.view.notice)
        self.files = FileController(self, self.document, self.settings)
        self.autosave_dir = autosave_dir if autosave_dir is not None else data_dir()
        self.autosaver = Autosaver(self.document, self.autosave_dir)
        self.look = Look(self.settings, self.notices, parent=self)
        self.docks = Docks(self)
        self._make_panels()
        self._sized_docks = False
        self.summary = QLabel()
        self.zoom_label = QLabel()
        self.statusBar().addPermanentWidget(self.summary)
        self.statusBar().addPermanentWidget(self.zoom_label)
        self.exports = ExportActions(self.document, self.notices, parent=self)
        self.statusBar().addPermanentWidget(self.exports.busy_bar)
        self.actions_ = WindowActions(
            self, files=self.files, canvas=self.canvas, undo_stack=self.document.undo_stack,
            exports=self.exports, look=self.look, panels_menu=self.docks.menu,
            show_examples=lambda: pick_example(self, self.files.open_example,
                                               lambda name: self.classroom.open_demo(name)))
        self.code_preview = CodePreview(self.document)
        self.code_dock = self.docks.add_panel("Code", self.code_preview)
        self.code_dock.visibilityChanged.connect(self.code_preview.set_on_screen)
        self.training = TrainingWorkspace(
            self.document, notices=self.notices, docks=self.docks, menus=self.actions_,
            canvas=self.canvas, colours=self.canvas, unsaved=self.files, parent=self)
        self.classroom = self._make_classroom()
        self.inspector_dock.raise_()
        self._connect()
        self._restore_settings()
        self.files.open_default()
        self.resize(1400, 860)
        QTimer.singleShot(0, self.view, self.view.show_opened)

    def _make_panels(self) -> None:
        """The palette, inspector, problems list and undo history, in their docks."""
        self.palette_panel = Palette()
        self.inspector = Inspector(self.document)
        self.issues = IssuesPanel()
        self.history = QUndoView(self.document.undo_stack)
        self.history.setEmptyLabel("(the network as opened)")
        docks = self.docks
        self.palette_dock = docks.add("Palette", self.palette_panel, Area.LeftDockWidgetArea)
        self.inspector_dock = docks.add("Inspector", self.inspector, Area.RightDockWidgetArea)
        self.issues_dock = docks.add("Problems", self.issues, Area.BottomDockWidgetArea)
        self.history_dock = docks.add("History", self.history, Area.BottomDockWidgetArea)
        self.tabifyDockWidget(self.issues_dock, self.history_dock)
        self.issues_dock.raise_()
        docks.tab_with, docks.problems_dock = self.inspector_dock, self.issues_dock

    def _make_classroom(self) -> Classroom:
        runs = self.training
        lesions = LesionMode(notices=self.notices, docks=self.docks, canvas=self.canvas,
                             runs=runs, menus=self.actions_, parent=self)
        presentation = PresentationMode(self, text_size=self.look, canvas=self.canvas,
                                        runs=runs)
        return Classroom(self.document, notices=self.notices, unsaved=self.files,
                         menus=self.actions_, runs=runs, lesions=lesions,
                         presentation=presentation, parent=self)

    def _connect(self) -> None:
        doc = self.document
        doc.checked.connect(self._show_check)
        doc.notice.connect(lambda text: self.notices.show_message(text, error=True))
        doc.path_changed.connect(self._update_title)
        doc.project_replaced.connect(self._project_replaced)
        doc.undo_stack.cleanChanged.connect(self._update_title)
        self.files.message.connect(self.notices.show_message)
        self.scene.selectionChanged.connect(self._selection_changed)
        self.issues.node_activated.connect(self.canvas.reveal_node)
        self.code_preview.node_clicked.connect(self.canvas.show_node)
        self.code_preview.save_requested.connect(self.exports.export_python)
        self.palette_panel.add_requested.connect(self.canvas.add_from_palette)
        self.view.zoom_changed.connect(
            lambda z: self.zoom_label.setText(f"Zoom {round(z * 100)}%"))
        self.look.theme_changed.connect(self._restyle)
        self.look.text_size_changed.connect(self._rescale)

    # -- passing news between the parts ----------------------------------------------------------

    def _show_check(self, result: CheckResult) -> None:
        self.issues.show_result(result)
        self.summary.setText(summary_text(result, len(self.document.graph)))
        self.issues_dock.setWindowTitle(dock_title(result))

    def _project_replaced(self) -> None:
        self._update_title()
        QTimer.singleShot(0, self.view, self.view.show_opened)

    def _update_title(self, *args: object) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — {APP_TITLE}")
        self.setWindowModified(self.document.is_modified)

    def _selection_changed(self) -> None:
        selected = self.scene.selected_node_ids()
        self.inspector.show_selection(selected)
        self.code_preview.show_nodes(selected)

    def _restyle(self, _theme: str) -> None:
        self.canvas.restyle()
        self.issues.show_result(self.document.result)
        self.training.restyle()
        self.classroom.restyle()

    def _rescale(self, factor: float) -> None:
        self.view.set_ui_scale(factor)
        self.code_preview.view.follow_application_font()

    # -- settings and closing ----------------------------------------------------------------

    def _restore_settings(self) -> None:
        self.look.restore()
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized_docks and self.settings.value("window/state") is None:
            self._sized_docks = True  # first start: give the canvas most of the room
            self.resizeDocks([self.palette_dock, self.inspector_dock], [230, 320],
                             Qt.Orientation.Horizontal)
            self.resizeDocks([self.issues_dock], [120], Qt.Orientation.Vertical)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.training.shutdown()
        self.classroom.shutdown()
        self.autosaver.stop()
        self.autosaver.discard()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        event.accept()
