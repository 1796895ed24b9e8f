"""The Code panel: the exported PyTorch code of the network, kept up to date as you edit.

After every check of the graph (``Document.checked``) the panel waits a
moment for the edits to settle (``DEBOUNCE_MS``), snapshots the graph with
the editor's check of it (``code_snapshot``: a copy of what the code is made
from, updated node by node, a few milliseconds at 10,000 nodes) and makes the
code from that snapshot on a worker thread:
the export layer imports torch and formats with ruff, which must not freeze
the canvas. Each snapshot carries the graph's generation number; a result
for an older generation is dropped, and only one job runs at a time (the
newest waiting one runs next). While the panel is hidden nothing is made,
so the editor starts and edits without ever importing torch (the
window tells the panel when its tab is in front: ``set_on_screen``).

A graph with errors keeps the last good code on screen, greyed, under a
banner naming the first error. Selecting nodes on the canvas marks their
lines (the export's ``node_lines``); clicking a line selects its node.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from explorer.graph import CheckResult, Issue
from explorer.graph.collector import collector_paused

from . import theme
from .background import BackgroundWork
from .code_snapshot import CodeSnapshot, GraphCopier
from .code_view import CodeView
from .export_actions import is_export_error
from .plain_text import tooltip

if TYPE_CHECKING:
    from explorer.export import ExportedCode

    from .document import Document

log = logging.getLogger(__name__)

# How long edits must pause before the code is made again: longer than the 100 ms
# between the steps of a spin box held down (Qt's auto-repeat), so a held arrow makes
# code once, when let go; short enough to be half of the time a 10,000-node graph's
# code takes to come after an edit.
DEBOUNCE_MS = 150
UPDATING = "Updating…"
PLACEHOLDER = ("The PyTorch code of your network appears here once it has an input, "
               "an output and no errors.")


def make_code(snapshot: CodeSnapshot) -> ExportedCode:
    """The export of a project given as a ``CodeSnapshot`` (runs on a worker thread)."""
    from explorer.export.python_code import checked_network_source  # imports torch

    with collector_paused():  # see collector.py: a full collection would freeze the canvas
        return checked_network_source(snapshot.graph, snapshot.result, snapshot.name,
                                      snapshot.description)


def first_error_text(issue: Issue) -> str:
    where = f"{issue.node_id}: " if issue.node_id else ""
    return f"Fix the errors to update the code: {where}{issue.message}"


class CodePreview(QWidget):
    """A read-only, live view of the network's PyTorch code, with Copy and Save as…."""

    node_clicked = Signal(str)  # a line of the code belongs to this node
    save_requested = Signal()  # "Save as…": the window runs the Python export

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._has_problem = False  # first: changeEvent reads it
        self.document = document
        self.work = BackgroundWork(self)
        self.view = CodeView()
        self.view.setPlaceholderText(PLACEHOLDER)
        self.view.line_clicked.connect(self._line_clicked)
        self.banner = QLabel(wordWrap=True)
        self.banner.setObjectName("CodeBanner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)  # errors quote node ids
        self.banner.hide()
        self.status = QLabel()
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the whole code to the clipboard.")
        self.copy_button.clicked.connect(self.copy_code)
        self.save_button = QPushButton("Save as…")
        self.save_button.setToolTip("Save the code as a Python file.")
        self.save_button.clicked.connect(self.save_requested)
        self._layout()
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._start_job)
        self._generation = 0  # bumped by every check: results of older ones are dropped
        self._needs_update = True
        self._on_screen = False  # see set_on_screen
        self._running = False
        self._copier = GraphCopier()  # what each job's snapshot copies from the graph
        self._node_lines: dict[str, tuple[int, ...]] = {}
        self._line_nodes: dict[int, str] = {}
        self._selected: list[str] = []
        self._new_project = True  # its first code scrolls to the Network class
        document.project_replaced.connect(self._project_replaced)
        document.checked.connect(self.graph_checked)
        self.graph_checked(document.result)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)

    # -- what the panel shows ----------------------------------------------------------

    @property
    def code(self) -> str:
        return self.view.toPlainText()

    @property
    def updating(self) -> bool:
        """True while the code on screen is older than the graph and new code is coming."""
        return self._needs_update and not self.has_problem

    @property
    def busy(self) -> bool:
        """True while code is being made on the worker thread."""
        return self._running

    @property
    def on_screen(self) -> bool:
        return self._on_screen

    def lines_of(self, node_id: str) -> tuple[int, ...]:
        return self._node_lines.get(node_id, ())

    def node_at_line(self, line: int) -> str | None:
        return self._line_nodes.get(line)

    # -- following the graph ------------------------------------------------------------

    def graph_checked(self, result: CheckResult) -> None:
        self._generation += 1
        self._needs_update = True
        if result.errors:
            self._timer.stop()
            self._show_problem(first_error_text(result.errors[0]), result.errors[0].hint)
            return
        self._hide_problem()
        self.status.setText(UPDATING)
        if self._on_screen:
            self._timer.start()

    def _project_replaced(self) -> None:
        self._new_project = True

    def set_on_screen(self, on_screen: bool) -> None:
        """The panel's tab came to the front (or went behind): make the code only when seen.

        Connect the dock's ``visibilityChanged`` here: a dock tabbed behind
        another still counts as visible to Qt, only moved out of sight.
        """
        self._on_screen = on_screen
        if on_screen and self._needs_update and not self.has_problem:
            self._timer.start()

    def _start_job(self) -> None:
        if self._running:
            return  # the job running now restarts the timer when it ends
        self._running = True
        document = self.document  # the worker gets a copy of its own of what it reads
        snapshot = self._copier.snapshot(document.project, document.result)
        generation = self._generation
        self.work.submit(partial(make_code, snapshot), partial(self._job_done, generation),
                         partial(self._job_failed, generation))

    def _job_done(self, generation: int, exported: ExportedCode) -> None:
        self._running = False
        if generation != self._generation:
            self._restart_if_needed()
            return
        self._needs_update = False
        self.status.setText("")
        self._hide_problem()
        self._node_lines = dict(exported.node_lines)
        self._line_nodes = {line: node_id for node_id, lines in self._node_lines.items()
                            for line in lines}
        self.view.set_code(exported.text)
        self.view.set_stale(False)
        self.show_nodes(self._selected)
        if self._new_project:
            self._new_project = False
            if not self._selected:
                self._show_network_class()

    def _job_failed(self, generation: int, error: BaseException) -> None:
        self._running = False
        if generation != self._generation:
            self._restart_if_needed()
            return
        if is_export_error(error):
            self._show_problem(f"Fix the errors to update the code: {error}",
                               getattr(error, "hint", ""))
        else:
            log.error("The code preview failed", exc_info=error)
            self._show_problem(f"The code could not be made ({type(error).__name__}: {error}). "
                               "Your work is safe; the details are in the log.")

    def _restart_if_needed(self) -> None:
        if self._needs_update and not self.has_problem and self._on_screen:
            self._timer.start()

    @property
    def has_problem(self) -> bool:
        """True while the banner says why the code cannot be updated."""
        return self._has_problem

    def _hide_problem(self) -> None:
        self._has_problem = False
        self.banner.hide()

    def _show_problem(self, text: str, hint: str = "") -> None:
        self._has_problem = True
        self.status.setText("")
        self._style_banner()
        self.banner.setText(text)
        self.banner.setToolTip(tooltip(hint))
        self.banner.show()
        self.view.set_stale(True)

    def _style_banner(self) -> None:
        """The theme's error colour: a thin border and a faint tint."""
        error = theme.current().error
        self.banner.setStyleSheet(
            f"#CodeBanner {{ padding: 4px 6px; border-radius: 4px; border: 1px solid "
            f"{error.name()}; background: rgba({error.red()}, {error.green()}, "
            f"{error.blue()}, 28); }}")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._has_problem:  # a new theme
            self._style_banner()

    def _show_network_class(self) -> None:
        for line in range(1, self.view.line_count() + 1):
            if self.view.line_text(line).startswith("class Network"):
                self.view.show_line(line, context=0)
                return

    # -- selection, both ways --------------------------------------------------------------

    def show_nodes(self, node_ids: list[str]) -> None:
        """Mark the lines of the selected nodes and scroll to them."""
        self._selected = list(node_ids)
        self.view.mark_lines([line for node_id in node_ids
                              for line in self._node_lines.get(node_id, ())])

    def _line_clicked(self, line: int) -> None:
        node_id = self._line_nodes.get(line)
        if node_id is not None and node_id in self.document.graph:
            self.node_clicked.emit(node_id)

    # -- buttons ----------------------------------------------------------------------------

    def copy_code(self) -> None:
        if not self.code:
            self.status.setText("There is no code to copy yet.")
            return
        QGuiApplication.clipboard().setText(self.code)
        self.status.setText("Copied the code." + (" (It is out of date.)"
                                                   if self.view.stale else ""))
