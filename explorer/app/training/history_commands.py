"""What the run history's Restore and Save curves do, with a plain message either way."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ..document import Document
from ..seams import UnsavedWork

if TYPE_CHECKING:
    from explorer.train.run_index import RunSummary

    from ..runs.loss_panel import LossPanel


class Say(Protocol):
    def __call__(self, text: str, *, error: bool = False) -> None: ...


def restore_run(summary: RunSummary, document: Document, unsaved: UnsavedWork,
                say: Say) -> None:
    """Put a run's graph and settings back in the editor (after asking about unsaved work)."""
    from explorer.graph import ProjectFileError, project
    from explorer.train.run_index import PROJECT_FILE

    try:
        snapshot = project.load(summary.path / PROJECT_FILE)
    except (ProjectFileError, OSError) as error:
        say(f"The graph of “{summary.name}” could not be read: {error}", error=True)
        return
    if not unsaved.maybe_save():
        return
    document.replace(snapshot, document.path, modified=True)
    say(f"Restored the graph and settings of “{summary.name}”. Your file changes "
        "only when you save.")


def export_run_curves(summary: RunSummary, path: str, loss_panel: Callable[[], LossPanel],
                      say: Say) -> None:
    """Save a run's curves as CSV (from its folder) or as the loss panel's picture."""
    from .exports import ExportError, export_curves_csv, export_plot, target_path

    target = target_path(path)
    try:
        if target.suffix.lower() == ".csv":
            export_curves_csv(summary.path, target)
        else:
            export_plot(loss_panel().graphics, target)
    except ExportError as error:
        say(str(error), error=True)
        return
    say(f"Saved the curves of “{summary.name}” as {target.name}.")
