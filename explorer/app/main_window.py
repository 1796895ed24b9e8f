"""The main window: canvas in the middle, palette left, inspector right, problems below.

It wires the parts together and owns nothing of the model: the Document
holds the project and its undo history; the canvas, inspector and problems
list observe it. The right-hand dock area has room for more panels
(``add_panel``), e.g. code preview and live training.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QUndoView,
    QWidget,
)

from explorer.graph import CheckResult, format_count, get_kind

from . import dialogs, theme
from .actions import SHORTCUTS_HELP, WindowActions
from .autosave import Autosaver, find_recoveries, try_load
from .canvas.editing import CanvasEditor
from .canvas.scene import GraphScene
from .canvas.view import CanvasView
from .classroom.classroom import Classroom
from .code_preview import CodePreview
from .document import Document
from .export_actions import ExportActions
from .files import FileController
from .gallery import ExamplesGallery
from .inspector import Inspector
from .issues_panel import IssuesPanel
from .palette import Palette
from .paths import data_dir
from .render import export_diagram
from .training.workspace import TrainingWorkspace

APP_TITLE = "Architecture Explorer"
CHAIN_STEP = 220.0  # how far right of the selected node a palette double-click places a node


class MainWindow(QMainWindow):
    """One editor window on one document."""

    def __init__(self, *, settings: QSettings | None = None,
                 autosave_dir: Path | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.document = Document(parent=self)
        self.scene = GraphScene(parent=self)  # parented: a parentless scene is collected
        self.editor = CanvasEditor(self.document, self.scene)
        self.view = CanvasView(self.editor)
        self.setCentralWidget(self.view)
        self.files = FileController(self, self.document, self.settings)
        self.autosave_dir = autosave_dir if autosave_dir is not None else data_dir()
        self.autosaver = Autosaver(self.document, self.autosave_dir)
        self.palette = Palette()
        self.inspector = Inspector(self.document)
        self.issues = IssuesPanel()
        self.history = QUndoView(self.document.undo_stack)
        self.history.setEmptyLabel("(the network as opened)")
        self.palette_dock = self._dock("Palette", self.palette,
                                       Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self._dock("Inspector", self.inspector,
                                         Qt.DockWidgetArea.RightDockWidgetArea)
        self.issues_dock = self._dock("Problems", self.issues,
                                      Qt.DockWidgetArea.BottomDockWidgetArea)
        self.history_dock = self._dock("History", self.history,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.issues_dock, self.history_dock)
        self.issues_dock.raise_()
        self._sized_docks = False
        self.summary = QLabel()
        self.zoom_label = QLabel()
        self.statusBar().addPermanentWidget(self.summary)
        self.statusBar().addPermanentWidget(self.zoom_label)
        self.exports = ExportActions(self)
        self.actions_ = WindowActions(self)
        for dock in (self.palette_dock, self.inspector_dock, self.issues_dock, self.history_dock):
            self.actions_.panels_menu.addAction(dock.toggleViewAction())
        self.code_preview = CodePreview(self.document)
        self.code_dock = self.add_panel("Code", self.code_preview)
        self.code_dock.visibilityChanged.connect(self.code_preview.set_on_screen)
        self.training = TrainingWorkspace(self)
        self.classroom = Classroom(self)
        self.inspector_dock.raise_()
        self._connect()
        self._ui_zoom = 1.0
        self._restore_settings()
        self.files.open_default()
        self.resize(1400, 860)
        QTimer.singleShot(0, self.view.fit)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "") + "Dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def add_panel(self, title: str, widget: QWidget) -> QDockWidget:
        """Add a panel in the right-hand dock area, tabbed with the inspector."""
        dock = self._dock(title, widget, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.inspector_dock, dock)
        self.actions_.panels_menu.addAction(dock.toggleViewAction())
        return dock

    def _connect(self) -> None:
        doc = self.document
        doc.checked.connect(self._show_check)
        doc.notice.connect(lambda text: self.show_message(text, error=True))
        doc.path_changed.connect(self._update_title)
        doc.project_replaced.connect(self._project_replaced)
        doc.undo_stack.cleanChanged.connect(self._update_title)
        self.files.message.connect(self.show_message)
        self.files.recent_changed.connect(self._fill_recent_menu)
        self.scene.selectionChanged.connect(self._selection_changed)
        self.issues.node_activated.connect(self.reveal_node)
        self.code_preview.node_clicked.connect(self._code_line_clicked)
        self.code_preview.save_requested.connect(self.exports.export_python)
        self.palette.add_requested.connect(self.add_from_palette)
        self.view.zoom_changed.connect(
            lambda z: self.zoom_label.setText(f"Zoom {round(z * 100)}%"))
        self._fill_recent_menu()

    # -- reacting to the document ---------------------------------------------------------

    def _show_check(self, result: CheckResult) -> None:
        self.issues.show_result(result)
        errors, warnings = len(result.errors), len(result.warnings)
        parts = [f"Parameters: {format_count(result.total_params)}",
                 f"{len(self.document.graph)} nodes"]
        parts.append(f"{errors} error" + ("s" if errors != 1 else "") if errors else "no errors")
        if warnings:
            parts.append(f"{warnings} warning" + ("s" if warnings != 1 else ""))
        self.summary.setText("  ·  ".join(parts))
        self.issues_dock.setWindowTitle(f"Problems ({errors + warnings})" if errors + warnings
                                        else "Problems")

    def _project_replaced(self) -> None:
        self._update_title()
        QTimer.singleShot(0, self.view.fit)

    def _update_title(self, *args) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — {APP_TITLE}")
        self.setWindowModified(self.document.is_modified)

    def _selection_changed(self) -> None:
        selected = self.scene.selected_node_ids()
        self.inspector.show_selection(selected)
        self.code_preview.show_nodes(selected)

    def _code_line_clicked(self, node_id: str) -> None:
        """A line of the code was clicked: select its node; the keyboard focus stays put."""
        self.scene.select_nodes([node_id])
        self.view.centre_on_node(node_id)

    def show_message(self, text: str, error: bool = False) -> None:
        """Say something without stopping the user: status bar, and a banner for problems."""
        self.statusBar().showMessage(text, 10_000)
        if error:
            self.view.show_notice(text, error=True)

    # -- canvas helpers -------------------------------------------------------------------

    def reveal_node(self, node_id: str) -> None:
        """Select a node and bring it to the middle of the canvas (from the problems list)."""
        if node_id not in self.scene.nodes:
            return
        self.scene.select_nodes([node_id])
        self.view.centre_on_node(node_id)
        self.view.setFocus()

    def select_all(self) -> None:
        for item in self.scene.nodes.values():
            item.setSelected(True)

    def add_from_palette(self, kind_name: str) -> None:
        """Double-click in the palette: add after the selected node (wired), else mid-canvas."""
        selected = self.scene.selected_node_ids()
        port = None
        if len(selected) == 1:
            item = self.scene.nodes[selected[0]]
            if item.output is not None and get_kind(kind_name).input_ports(
                    get_kind(kind_name).defaults()):
                port = item.output
                centre = item.mapToScene(item.body_rect().center())
                centre.setX(centre.x() + CHAIN_STEP)
        if port is None:
            centre = self.view.mapToScene(self.view.viewport().rect().center())
        new = self.editor.add_node(kind_name, centre, connect_from=port)
        if new is not None:
            self.scene.select_nodes([new])

    def toggle_overview(self) -> None:
        minimap = self.view.minimap
        minimap.forced = not minimap.isVisible()
        minimap.schedule()

    # -- files ----------------------------------------------------------------------------------

    def _fill_recent_menu(self) -> None:
        menu = self.actions_.recent_menu
        menu.clear()
        recent = self.files.recent_files()
        for path in recent:
            action = menu.addAction(path.name, lambda p=path: self.files.open(p))
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear the list", self.files.clear_recent)
        menu.setEnabled(bool(recent))

    def show_examples(self) -> None:
        gallery = ExamplesGallery(self)
        if not gallery.exec():
            return
        if gallery.chosen_demo is not None:
            self.classroom.open_demo(gallery.chosen_demo)
        elif gallery.chosen is not None:
            self.files.open_example(gallery.chosen)

    def export_diagram(self, kind: str) -> None:
        suggested = self.document.display_name + "." + kind
        path = dialogs.ask_export_path(self, suggested, kind)
        if path is None:
            return
        if not path.lower().endswith("." + kind):
            path += "." + kind
        try:
            written = export_diagram(self.document.project, path)
        except OSError as error:
            self.show_message(f"Could not export the diagram: {error.strerror or error}.",
                              error=True)
            return
        except ValueError as error:
            self.show_message(f"Could not export the diagram: {error}", error=True)
            return
        self.show_message(f"Diagram saved as {written.name}.")

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest autosave left behind; True if it was opened."""
        recoveries = find_recoveries(self.autosave_dir)
        if not recoveries:
            return False
        recovery = recoveries[0]
        if not dialogs.ask_recover(self, recovery.name, recovery.when):
            recovery.discard()
            return False
        project = try_load(recovery)
        if isinstance(project, str):
            self.show_message(f"The autosave could not be read: {project}", error=True)
            return False
        self.document.replace(project, recovery.original_path, modified=True)
        recovery.discard()
        self.show_message("Recovered your unsaved work. Save it to keep it.")
        return True

    # -- look ----------------------------------------------------------------------------------

    def set_theme(self, name: str) -> None:
        theme.apply_theme(name)
        self.settings.setValue("ui/theme", theme.current().name)
        (self.actions_.dark if theme.current().name == "dark" else self.actions_.light
         ).setChecked(True)
        for item in self.scene.items():
            item.update()
        self.view.resetCachedContent()
        self.view.viewport().update()
        self.view.minimap.redraw()
        self.issues.show_result(self.document.result)
        self.training.restyle()
        self.classroom.restyle()

    def set_ui_zoom(self, factor: float) -> None:
        self._ui_zoom = theme.apply_ui_zoom(factor)
        self.view.set_ui_scale(self._ui_zoom)
        self.code_preview.view.follow_application_font()
        self.settings.setValue("ui/zoom", self._ui_zoom)
        self.show_message(f"Text size {round(self._ui_zoom * 100)}%.")

    def step_ui_zoom(self, step: int) -> None:
        self.set_ui_zoom(theme.next_ui_zoom(self._ui_zoom, step))

    @property
    def ui_zoom(self) -> float:
        return self._ui_zoom

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard and mouse", SHORTCUTS_HELP)

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_TITLE}",
                          f"<b>{APP_TITLE}</b><p>Build neural networks by drag and drop, see "
                          "shapes and parameter counts as you wire, and compare plain, "
                          "residual and highway designs.</p>")

    # -- settings and closing ----------------------------------------------------------------

    def _restore_settings(self) -> None:
        name = self.settings.value("ui/theme", "light")
        self.set_theme(name if isinstance(name, str) else "light")
        try:
            zoom = float(self.settings.value("ui/zoom", 1.0))
        except (TypeError, ValueError):
            zoom = 1.0
        if abs(zoom - 1.0) > 1e-6:
            self.set_ui_zoom(zoom)
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
