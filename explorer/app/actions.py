"""The window's commands: menus, tool bar and keyboard shortcuts in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QToolBar

from .plain_text import escaped

if TYPE_CHECKING:
    from pathlib import Path

    from .canvas.canvas import Canvas
    from .export_actions import ExportActions
    from .files import FileController
    from .look import Look

APP_TITLE = "Architecture Explorer"
Keys = QKeySequence.StandardKey

SHORTCUTS_HELP = """\
<tr><td><b>Drag from the palette</b></td><td>add a node where you drop it</td></tr>
<tr><td><b>Tab</b> or <b>Ctrl+K</b></td><td>add a node by typing its name</td></tr>
<tr><td><b>Drag port to port</b></td><td>wire an output (right) to an input (left)</td></tr>
<tr><td><b>Drop a wire on nothing</b></td><td>add a node already wired to it</td></tr>
<tr><td><b>Drag from a wired input</b></td><td>move that wire, or drop it to remove</td></tr>
<tr><td><b>Double-click a block</b></td><td>expand it to see its layers; again to collapse</td></tr>
<tr><td><b>Delete</b></td><td>delete the selected nodes and wires</td></tr>
<tr><td><b>Ctrl+C / Ctrl+V / Ctrl+D</b></td><td>copy, paste, duplicate</td></tr>
<tr><td><b>Ctrl+Z / Ctrl+Shift+Z</b></td><td>undo, redo</td></tr>
<tr><td><b>Wheel</b>, <b>Ctrl+= / Ctrl+-</b></td><td>zoom the canvas</td></tr>
<tr><td><b>Middle drag</b> or <b>Space+drag</b></td><td>move around the canvas</td></tr>
<tr><td><b>F</b></td><td>fit the whole network in view</td></tr>
<tr><td><b>Ctrl+Alt+= / Ctrl+Alt+-</b></td><td>bigger or smaller text (projectors)</td></tr>
<tr><td><b>F11</b></td><td>presentation mode: canvas and live panels (Esc leaves)</td></tr>
"""


def shortcut_sheet(actions: Iterable[QAction]) -> str:
    """The Keyboard and Mouse sheet: the canvas gestures, then every feature's shortcut as
    its action has it now (so the sheet cannot fall behind the menus), in this platform's
    spelling."""
    rows = [SHORTCUTS_HELP]
    for action in actions:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys:
            what = action.toolTip() or action.text().replace("&", "")
            rows.append(f"<tr><td><b>{escaped(keys)}</b></td><td>{escaped(what)}</td></tr>\n")
    return "<table cellspacing=4>\n" + "".join(rows) + "</table>"


class WindowActions:
    """Every QAction of the window's own menus and tool bar, each calling the part that
    does the work; and the ``MenuHost`` seam where features add menus and shortcuts."""

    def __init__(self, frame: QMainWindow, *, files: FileController, canvas: Canvas,
                 undo_stack: QUndoStack, exports: ExportActions, look: Look,
                 panels_menu: QMenu, show_examples: Callable[[], None]) -> None:
        self.frame = frame
        self.files = files
        editor, view = canvas.editor, canvas.view
        # File
        self.new = self._action("&New", files.new, Keys.New, "Start an empty network.")
        self.open = self._action("&Open…", lambda: files.open(), Keys.Open)
        self.examples = self._action("&Examples…", show_examples, "Ctrl+Shift+E",
                                     "Open one of the example networks.")
        self.import_network = self._action(
            "&Import PyTorch Module…", files.import_network,
            tip="Make an editable project from a PyTorch module in a Python file.")
        self.save = self._action("&Save", files.save, Keys.Save)
        self.save_as = self._action("Save &As…", files.save_as, Keys.SaveAs)
        self.export_png = self._action("Diagram as &PNG…", lambda: exports.export_diagram("png"))
        self.export_svg = self._action("Diagram as &SVG…", lambda: exports.export_diagram("svg"))
        self.export_python = self._action(
            "Python &code…", exports.export_python,
            tip="Save the network as a standalone PyTorch file.")
        self.export_training = self._action(
            "Python code and &training script…", exports.export_training,
            tip="Save model.py, train.py and the training data in a folder.")
        self.export_onnx = self._action(
            "&ONNX…", exports.export_onnx,
            tip="Save the network as an ONNX model, checked against onnxruntime.")
        self.quit = self._action("&Quit", frame.close, Keys.Quit)
        # Edit
        self.undo = undo_stack.createUndoAction(frame, "&Undo")
        self.undo.setShortcuts(QKeySequence.keyBindings(Keys.Undo))
        self.redo = undo_stack.createRedoAction(frame, "&Redo")
        redo_keys = QKeySequence.keyBindings(Keys.Redo)
        for extra in ("Ctrl+Shift+Z", "Ctrl+Y"):  # both habits, whatever the platform's
            if QKeySequence(extra) not in redo_keys:
                redo_keys.append(QKeySequence(extra))
        self.redo.setShortcuts(redo_keys)
        self.cut = self._action("Cu&t", editor.cut, Keys.Cut)
        self.copy = self._action("&Copy", editor.copy, Keys.Copy)
        self.paste = self._action("&Paste", lambda: editor.paste(), Keys.Paste)
        self.duplicate = self._action("&Duplicate", editor.duplicate, "Ctrl+D")
        self.delete = self._action("De&lete", editor.delete_selection, Keys.Delete)
        self.delete.setShortcuts([QKeySequence(QKeySequence.StandardKey.Delete),
                                  QKeySequence("Backspace")])
        self.select_all = self._action("Select &All", canvas.select_all, Keys.SelectAll)
        self.quick_add = self._action("&Add Node…", lambda: view.open_quick_add(), "Ctrl+K",
                                      "Type a name to add a node at the cursor (also Tab).")
        self.tidy = self._action("&Tidy Layout", editor.tidy, "Ctrl+L",
                                 "Lay the network out left to right (undoable).")
        self.group_stage = self._action(
            "&Group as Stage…", view.stages.group_selection, "Ctrl+G",
            "Name the selected nodes as a stage that folds into one box (double-click it).")
        self.ungroup_stage = self._action("U&ngroup Stage", view.stages.ungroup_selection,
                                          "Ctrl+Shift+G", "Show a stage's nodes on their own.")
        # View
        self.zoom_in = self._action("Zoom &In", view.zoom_in, Keys.ZoomIn)
        self.zoom_in.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        self.zoom_out = self._action("Zoom &Out", view.zoom_out, Keys.ZoomOut)
        self.zoom_reset = self._action("&Actual Size", view.reset_zoom, "Ctrl+0")
        self.fit = self._action("&Fit to View", view.fit, "F", "Show the whole network.")
        self.overview = self._action("Show &Overview", canvas.toggle_overview, checkable=True)
        self.ui_bigger = self._action("&Bigger Text", lambda: look.step_ui_zoom(1), "Ctrl+Alt+=",
                                      "Scale all text up, for projectors.")
        self.ui_smaller = self._action("&Smaller Text", lambda: look.step_ui_zoom(-1),
                                       "Ctrl+Alt+-")
        self.ui_reset = self._action("&Normal Text Size", lambda: look.set_ui_zoom(1.0),
                                     "Ctrl+Alt+0")
        self.theme_group = QActionGroup(frame)
        self.light = self._action("&Light", lambda: look.set_theme("light"), checkable=True)
        self.dark = self._action("&Dark", lambda: look.set_theme("dark"), checkable=True)
        for action in (self.light, self.dark):
            self.theme_group.addAction(action)
        look.theme_changed.connect(self._theme_shown)
        # Help
        self.feature_actions: list[QAction] = []  # shown on the shortcut sheet
        self.shortcuts = self._action(
            "&Keyboard and Mouse", lambda: show_shortcuts(frame, self.feature_actions),
            Keys.HelpContents)
        self.about = self._action("&About", lambda: show_about(frame))
        self.panels_menu = panels_menu
        self._menus()
        self._tool_bar()
        files.recent_changed.connect(self.fill_recent_menu)
        self.fill_recent_menu()

    # -- the MenuHost seam -------------------------------------------------------------------

    def add_menu(self, title: str) -> QMenu:
        """A menu of a feature's own, placed before Help."""
        menu = QMenu(title, self.frame)
        self.frame.menuBar().insertMenu(self.help_menu.menuAction(), menu)
        return menu

    def add_shortcuts(self, actions: Iterable[QAction]) -> None:
        """Make ``actions`` work anywhere in the window, even with the menu bar hidden; the
        shortcut sheet lists them."""
        actions = list(actions)
        self.feature_actions.extend(actions)
        self.frame.addActions(actions)

    # -- building ----------------------------------------------------------------------------

    def _action(self, text: str, slot: Callable, shortcut=None, tip: str = "", *,
                checkable: bool = False) -> QAction:
        action = QAction(text, self.frame)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(lambda *_: slot())
        self.frame.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _menus(self) -> None:
        bar = self.frame.menuBar()
        file = bar.addMenu("&File")
        file.addActions([self.new, self.open])
        self.recent_menu = file.addMenu("Open &Recent")
        file.addActions([self.examples, self.import_network])
        file.addSeparator()
        file.addActions([self.save, self.save_as])
        export = file.addMenu("&Export")
        export.setToolTipsVisible(True)
        export.addActions([self.export_python, self.export_training, self.export_onnx])
        export.addSeparator()
        export.addActions([self.export_png, self.export_svg])
        file.addSeparator()
        file.addAction(self.quit)
        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo, self.redo])
        edit.addSeparator()
        edit.addActions([self.cut, self.copy, self.paste, self.duplicate, self.delete])
        edit.addSeparator()
        edit.addActions([self.select_all, self.quick_add, self.tidy])
        edit.addSeparator()
        edit.addActions([self.group_stage, self.ungroup_stage])
        view = self.view_menu = bar.addMenu("&View")
        view.addActions([self.zoom_in, self.zoom_out, self.zoom_reset, self.fit])
        view.addSeparator()
        view.addActions([self.ui_bigger, self.ui_smaller, self.ui_reset])
        theme = view.addMenu("&Theme")
        theme.addActions([self.light, self.dark])
        view.addSeparator()
        view.addAction(self.overview)
        view.addMenu(self.panels_menu)
        help_menu = self.help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts, self.about])

    def _short(self, action: QAction, text: str) -> QAction:
        """A tool-bar twin of ``action`` with a short, steady label ("Undo", not "Undo Move")."""
        twin = QAction(text, self.frame)
        twin.setEnabled(action.isEnabled())
        twin.setToolTip(action.text().replace("&", ""))

        def follow() -> None:
            twin.setEnabled(action.isEnabled())
            twin.setToolTip(action.text().replace("&", ""))

        action.changed.connect(follow)
        twin.triggered.connect(action.trigger)
        return twin

    def _tool_bar(self) -> None:
        bar = QToolBar("Main tools", self.frame)
        bar.setObjectName("MainToolBar")
        bar.setMovable(False)
        bar.addActions([self.new, self.open, self.save])
        bar.addSeparator()
        bar.addActions([self._short(self.undo, "Undo"), self._short(self.redo, "Redo")])
        bar.addSeparator()
        bar.addActions([self.quick_add, self.tidy, self.fit])
        bar.addSeparator()
        bar.addAction(self.examples)
        self.frame.addToolBar(bar)
        self.tool_bar = bar

    # -- what the menus show ---------------------------------------------------------------------

    def fill_recent_menu(self) -> None:
        menu, files = self.recent_menu, self.files
        menu.clear()
        recent = files.recent_files()
        for path in recent:
            action = menu.addAction(path.name, _opener(files, path))
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear the list", files.clear_recent)
        menu.setEnabled(bool(recent))

    def _theme_shown(self, name: str) -> None:
        (self.dark if name == "dark" else self.light).setChecked(True)


def show_shortcuts(parent: QMainWindow, actions: Iterable[QAction] = ()) -> None:
    QMessageBox.information(parent, "Keyboard and mouse", shortcut_sheet(actions))


def show_about(parent: QMainWindow) -> None:
    QMessageBox.about(parent, f"About {APP_TITLE}",
                      f"<b>{APP_TITLE}</b><p>Build neural networks by drag and drop, see "
                      "shapes and parameter counts as you wire, and compare plain, "
                      "residual and highway designs.</p>")


def _opener(files: FileController, path: Path) -> Callable[[], object]:
    """What a recent file's menu entry calls: it opens that one file."""
    return lambda: files.open(path)
