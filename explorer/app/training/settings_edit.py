"""Training settings are part of the project: changing them is an undoable edit.

``change_settings(document, lr=0.01)`` checks the new values the way a
project file is checked (``TrainingSettings.replace``), and the dataset's
options the way the dataset checks them; a refused value changes nothing
and comes back as a plain sentence. An accepted change is a
``SetTrainingSettings`` edit pushed through ``Document.push``, the one path
every change takes: the file is marked modified, Ctrl+Z takes it back,
autosave and the Train panel hear it from the project's events, and
successive changes of one setting (a spin box being typed into) merge into
one undo step until the control is left (``Document.close_merge``).
"""

from __future__ import annotations

from typing import Any

from explorer.graph import ParamError, SetTrainingSettings

from ..document import Document


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
    if not document.push(SetTrainingSettings(document.project, changes), merge_key=key):
        return document.last_refusal
    return None


def dataset_options_problem(dataset: str, options: dict[str, Any]) -> str | None:
    """Why ``options`` do not suit ``dataset`` (None when they do)."""
    from explorer.train.data import DatasetError, check_options, dataset_info

    try:
        check_options(dataset_info(dataset), options)
    except DatasetError as error:
        return error.message
    return None


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
