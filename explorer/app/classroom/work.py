"""The classroom's heavy work, run on worker threads: each imports torch only when called."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names only: importing these modules loads torch
    from explorer.graph import Project
    from explorer.train.lesions import LesionStudy
    from explorer.train.memory import MemoryReport


def measure_memory(project: Project, batch_size: int) -> tuple[MemoryReport, MemoryReport]:
    """Activation memory without and with checkpointing."""
    from explorer.train.memory import activation_memory

    def measure(checkpointing: bool) -> MemoryReport:
        return activation_memory(project, checkpointing=checkpointing, batch_size=batch_size)

    return measure(False), measure(True)


def study_lesions(run_dir: Path, nodes: list[str] | None = None) -> LesionStudy:
    """The lesion study of a finished run's folder."""
    from explorer.train.lesions import lesion_study_of_run

    return lesion_study_of_run(run_dir, nodes)


def failure_text(error: BaseException) -> str:
    """What went wrong in a worker, in the error's own plain words."""
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return text[0].upper() + text[1:] if text else text
