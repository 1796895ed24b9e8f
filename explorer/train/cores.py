"""How many CPU threads a run uses unless told (no torch here: the CLI's --help reads it)."""

from __future__ import annotations

import os


def default_threads() -> int:
    """Every core but one, left for the editor (or the shell); never fewer than one."""
    return max(1, (os.cpu_count() or 1) - 1)


def threads_per_process(threads: int | None, nproc: int) -> int:
    """Each of ``nproc`` processes' share of ``threads`` (None: ``default_threads``), at
    least one: processes of one run share the cores rather than each taking them all."""
    return max(1, (threads or default_threads()) // nproc)
