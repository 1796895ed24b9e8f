"""The open document: one project, its undo stack, and the latest shape check.

Everything the editor changes (the graph, the training settings, the
project's name and notes) goes through ``Document.push``, which applies an
``explorer.graph`` edit and, only if it was accepted, records it on the undo
stack. Views observe the model's own events (``graph.events``,
``project.events``); the document repeats those a Qt view needs as Qt
signals that follow whichever project is shown (``changed`` for anything in
it, ``training_changed`` for its settings), and adds the check result
(re-run after every graph change, with a ShapeCache so it stays cheap) and
plain-words notices for refused edits.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from explorer.graph import (
    ArchitectureGraph,
    CheckResult,
    CollapseBlock,
    Compound,
    Edit,
    ExpandBlock,
    GraphError,
    Project,
    ShapeCache,
    check_graph,
)
from explorer.graph.layout import TidyAgain

from .undo import EditCommand

log = logging.getLogger(__name__)


def error_text(error: GraphError) -> str:
    """A refused edit in one friendly sentence: where, what is wrong, then what to do."""
    message = error.message or "that change was refused."
    message = message[0].upper() + message[1:]
    where = f"{error.node_id}: " if error.node_id else ""
    return f"{where}{message}" + (f" {error.hint}" if error.hint else "")


class Document(QObject):
    """A project being edited: graph, undo history, file path and check result."""

    checked = Signal(object)  # CheckResult, after every change
    project_replaced = Signal()  # new/open/recover put a different graph in place
    notice = Signal(str)  # something the user should read (a refused edit, ...)
    changed = Signal()  # the graph, settings or details of the project shown changed
    training_changed = Signal()  # its training settings changed (an edit, undo, redo)
    path_changed = Signal()

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        # A dying QUndoStack clears itself and signals; nobody may hear that while Qt is
        # deleting the document and its children.
        stack = self.undo_stack
        self.destroyed.connect(lambda *_: stack.blockSignals(True))
        self.cache = ShapeCache()
        self._project = project if project is not None else Project()
        self._path: Path | None = None
        self._result: CheckResult | None = None
        self._dirty = True
        self.last_refusal = ""  # why the last refused edit was refused
        self._check_timer = QTimer(self, singleShot=True, interval=0)
        self._check_timer.timeout.connect(self.check_now)
        self.undo_stack.indexChanged.connect(self.check_now)
        self._file_keeps_expansions = False  # the file holds expanded blocks (set when read
        # or written: expanding one for viewing then changes what it would store)
        self.undo_stack.indexChanged.connect(self._look_past_views)
        self._observe(self._project)

    # -- what is open ---------------------------------------------------------

    @property
    def project(self) -> Project:
        return self._project

    @property
    def graph(self) -> ArchitectureGraph:
        return self._project.graph

    @property
    def path(self) -> Path | None:
        return self._path

    def set_path(self, path: str | Path | None) -> None:
        self._path = Path(path) if path is not None else None
        self.path_changed.emit()

    @property
    def display_name(self) -> str:
        """The file name without its suffix, or the project's name for unsaved work."""
        if self._path is not None:
            return self._path.name.removesuffix(".archx.json").removesuffix(".json")
        return self._project.name or "Untitled"

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def replace(self, project: Project, path: str | Path | None = None, *,
                modified: bool = False) -> None:
        """Show another project (new, open, recover); the undo history starts afresh."""
        self._unobserve(self._project)
        self._project = project
        self.undo_stack.clear()
        if modified:  # recovered work is not on disk yet: an unmatchable clean index
            self.undo_stack.resetClean()
        self._dirty = True
        self._observe(project)
        self.set_path(path)
        self._file_keeps_expansions = path is not None and bool(project.graph.groups())
        self.project_replaced.emit()
        self.check_now()

    # -- changing ---------------------------------------------------------------

    def push(self, edit: Edit, *, merge_key: Hashable | None = None) -> bool:
        """Apply ``edit``; record it for undo if it was accepted, else say why."""
        try:
            edit.apply(self.graph)
        except GraphError as error:
            self.last_refusal = error_text(error)
            self.notice.emit(self.last_refusal)
            return False
        self.undo_stack.push(EditCommand(self.graph, edit, merge_key=merge_key))
        self.check_now()
        return True

    def _look_past_views(self) -> None:
        """Expanding or collapsing a block to look inside is viewing, not editing: while
        only such steps lie between the saved state and now, the document stays unmodified
        (undo history kept), unless its file keeps expanded blocks, so that expanding or
        collapsing one changes what the file would store."""
        stack = self.undo_stack
        clean, index = stack.cleanIndex(), stack.index()
        if clean < 0 or clean == index:
            return
        low, high = sorted((clean, index))
        # The file is looked at last: only when every step since the save is viewing.
        if all(_is_viewing(stack.command(i)) for i in range(low, high)) \
                and not self._file_keeps_expansions:
            stack.setClean()

    def saved(self, path: Path) -> None:
        """The project was written to ``path``: it is unmodified now."""
        if self._path != path:
            self.set_path(path)
        self._file_keeps_expansions = bool(self.graph.groups())
        self.undo_stack.setClean()

    def close_merge(self) -> None:
        """The control being typed into lost focus: its next edit is a new undo step."""
        index = self.undo_stack.index()
        if index > 0:
            command = self.undo_stack.command(index - 1)
            if isinstance(command, EditCommand):
                command.close_merge()

    # -- checking -------------------------------------------------------------------

    @property
    def result(self) -> CheckResult:
        """The check of the graph as it is now (re-run first if it changed)."""
        if self._dirty or self._result is None:
            self.check_now()
        assert self._result is not None
        return self._result

    def check_now(self) -> None:
        """Re-check if the graph changed since the last check, and tell the views."""
        self._check_timer.stop()
        if not self._dirty and self._result is not None:
            return
        self._dirty = False
        self._result = check_graph(self.graph, cache=self.cache)
        self.checked.emit(self._result)

    def _graph_changed(self) -> None:
        self._dirty = True
        self._check_timer.start()  # coalesce a burst of changes into one check
        self.changed.emit()

    def _project_changed(self, *_: object) -> None:
        self.changed.emit()  # settings or details: nothing to re-check

    def _training_changed(self, *_: object) -> None:
        self.training_changed.emit()

    # -- observing ----------------------------------------------------------------

    def _observe(self, project: Project) -> None:
        project.graph.events.changed.connect(self._graph_changed)
        project.events.all.connect(self._project_changed)
        project.events.training.connect(self._training_changed)

    def _unobserve(self, project: Project) -> None:
        project.graph.events.changed.disconnect(self._graph_changed)
        project.events.all.disconnect(self._project_changed)
        project.events.training.disconnect(self._training_changed)


def _is_viewing(command: object) -> bool:
    """An undo step that only expands or collapses blocks (and tidies the layout after)."""
    edit = command.edit if isinstance(command, EditCommand) else None
    edits = edit.edits if isinstance(edit, Compound) else [edit]
    return any(isinstance(e, ExpandBlock | CollapseBlock) for e in edits) and all(
        isinstance(e, ExpandBlock | CollapseBlock | TidyAgain) for e in edits)
