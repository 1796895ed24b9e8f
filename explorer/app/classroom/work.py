"""The classroom's heavy work, run on worker threads: each imports torch only when called."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def measure_memory(project: Any, batch_size: int) -> tuple[Any, Any]:
    """Activation memory without and with checkpointing (MemoryReports)."""
    from explorer.train.memory import activation_memory

    return tuple(activation_memory(project, checkpointing=c, batch_size=batch_size)
                 for c in (False, True))


def study_lesions(run_dir: Path, nodes: list[str] | None = None) -> Any:
    """The lesion study of a finished run's folder (a LesionStudy)."""
    from explorer.train.lesions import lesion_study_of_run

    return lesion_study_of_run(run_dir, nodes)


def failure_text(error: BaseException) -> str:
    """What went wrong in a worker, in the error's own plain words."""
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return text[0].upper() + text[1:] if text else text
