"""Training settings are part of the project: changing them is an undoable edit.

``change_settings(document, lr=0.01)`` checks the new values the way a
project file is checked (``TrainingSettings.replace``), and the dataset's
options the way the dataset checks them; a refused value changes nothing
and comes back as a plain sentence. An accepted change goes on the
document's undo stack, so the file is marked modified and Ctrl+Z takes it
back; successive changes of one setting (a spin box being typed into)
merge into one undo step.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from PySide6.QtGui import QUndoCommand

from explorer.graph import ParamError, Project
from explorer.graph.settings import TrainingSettings

from ..document import Document

SETTINGS_MERGE_ID = 2  # QUndoCommand.id() shared by settings edits that may merge


class SetTrainingSettings(QUndoCommand):
    """Swap a project's training settings for new ones (and back on undo)."""

    def __init__(self, project: Project, new: TrainingSettings, text: str,
                 merge_key: Hashable | None = None) -> None:
        super().__init__(text)
        self.project = project
        self.old = project.training
        self.new = new
        self.merge_key = merge_key

    def redo(self) -> None:
        self.project.training = self.new

    def undo(self) -> None:
        self.project.training = self.old

    def id(self) -> int:
        return SETTINGS_MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (not isinstance(other, SetTrainingSettings) or other.merge_key is None
                or other.merge_key != self.merge_key or other.project is not self.project):
            return False
        self.new = other.new
        return True


def describe_change(changes: dict[str, Any]) -> str:
    """The undo history's words for a change ("Set learning rate", "Set dataset options")."""
    names = {"lr": "learning rate", "batch_size": "batch size", "dataset_options":
             "dataset options", "log_every": "logging interval", "decay_every": "decay interval",
             "warmup_steps": "warm-up", "weight_decay": "weight decay"}
    shown = [names.get(k, k.replace("_", " ")) for k in changes if k != "dataset_options"
             or len(changes) == 1]
    return "Set " + " and ".join(shown)


def change_settings(document: Document, merge: bool = True, **changes: Any) -> str | None:
    """Apply ``changes`` to the project's training settings; the reason if refused."""
    current = document.project.training
    if "dataset" in changes and changes["dataset"] != current.dataset:
        changes.setdefault("dataset_options", {})  # the old dataset's options mean nothing here
    if "dataset_options" in changes:
        problem = dataset_options_problem(changes.get("dataset", current.dataset),
                                          changes["dataset_options"])
        if problem:
            return problem
    try:
        new = current.replace(**changes)
    except ParamError as error:
        return _sentence(str(error).replace("parameter ", "setting ", 1))
    if new == current:
        return None
    key = ("training", *sorted(changes)) if merge else None
    document.undo_stack.push(SetTrainingSettings(document.project, new,
                                                 describe_change(changes), key))
    return None


def dataset_options_problem(dataset: str, options: dict[str, Any]) -> str | None:
    """Why ``options`` do not suit ``dataset`` (None when they do)."""
    from explorer.train.data import DatasetError, check_options, dataset_info

    try:
        check_options(dataset_info(dataset), options)
    except DatasetError as error:
        return error.message
    return None


def close_merge(document: Document) -> None:
    """The control being typed into lost focus: its next change is a new undo step."""
    stack = document.undo_stack
    index = stack.index()
    if index > 0:
        command = stack.command(index - 1)
        if isinstance(command, SetTrainingSettings):
            command.merge_key = None


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
