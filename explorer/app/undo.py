"""One thin QUndoCommand around every pure-Python edit (graph, settings, project details).

The edit is applied *before* it is pushed (``Document.push``), so an edit
that is refused never reaches the stack; the command therefore skips its
first ``redo``, which QUndoStack.push calls straight away. Project edits
(``SetTrainingSettings``, ``SetProjectInfo``) are applied to the graph like
the others and change the project that graph belongs to.
"""

from __future__ import annotations

from collections.abc import Hashable

from PySide6.QtGui import QUndoCommand

from explorer.graph import ArchitectureGraph, Edit

MERGEABLE_ID = 1  # QUndoCommand.id() of commands that may merge (spin-box typing)


class EditCommand(QUndoCommand):
    """Applies and reverts one ``explorer.graph`` edit on one project's graph.

    ``merge_key`` (e.g. ``("linear_1", "out_features")``) lets successive edits
    of the same control become one undo step, until ``close_merge`` is called
    when the control loses focus.
    """

    def __init__(self, graph: ArchitectureGraph, edit: Edit, *,
                 merge_key: Hashable | None = None) -> None:
        super().__init__(edit.text)
        self.graph = graph
        self.edit = edit
        self.merge_key = merge_key
        self._applied = True  # Document.push applies it first

    def redo(self) -> None:
        if self._applied:  # the push itself: already done
            self._applied = False
            return
        self.edit.apply(self.graph)

    def undo(self) -> None:
        self.edit.revert(self.graph)

    def id(self) -> int:
        return MERGEABLE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand) or other.merge_key is None:
            return False
        if other.merge_key != self.merge_key or self.merge_key is None:
            return False
        merge = getattr(self.edit, "merge", None)
        if merge is None or not merge(other.edit):
            return False
        self.setText(self.edit.text)
        return True

    def close_merge(self) -> None:
        """Later edits start a new undo step."""
        self.merge_key = None
