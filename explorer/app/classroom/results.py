"""Saving an experiment's results as the headless sweep does: results.csv and curves.csv.

The rows are ``explorer.train.experiments.VariantResult``s written by its
``write_results``, so a spreadsheet reads the editor's experiments and the
command line's alike. Each variant's curve is read back from its run
folder (every logged step, as the run wrote it); this happens on a worker
thread, since it imports torch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from .experiment import VariantRun


def ask_results_folder(parent: QWidget | None) -> str | None:
    """Where to save the results (tests replace this)."""
    folder = QFileDialog.getExistingDirectory(parent, "Save the results in a folder")
    return folder or None


@dataclass(frozen=True)
class ResultRow:
    """What a saved result needs of a variant, copied on the UI thread."""

    label: str
    tags: dict[str, Any]
    parameters: int
    status: str
    reason: str
    steps: int
    seconds: float
    run_dir: Path | None

    @classmethod
    def of(cls, run: VariantRun) -> ResultRow:
        return cls(run.label, dict(run.variant.tags), run.parameters, run.status, run.reason,
                   run.step, run.seconds, run.run_dir)


def save_results(rows: Sequence[ResultRow], folder: str | os.PathLike) -> tuple[Path, Path]:
    """Write results.csv and curves.csv into ``folder`` (on a worker thread)."""
    from explorer.train.errors import RunRecordError
    from explorer.train.experiments import VariantResult, write_results
    from explorer.train.run_record import load_run

    results = []
    for row in rows:
        curve: tuple = ()
        if row.run_dir is not None:
            try:
                curve = tuple(load_run(row.run_dir).records)
            except RunRecordError:
                curve = ()  # the row still says how the variant ended
        results.append(VariantResult(row.label, row.tags, row.parameters, row.status,
                                     row.reason, row.steps, row.seconds, curve,
                                     str(row.run_dir) if row.run_dir is not None else None))
    return write_results(results, folder)
