"""Refusing, before any work, a dataset too big for this computer's memory.

Generated arrays are allocated lazily by the system, so an oversized request
would not fail at once: it would fill memory while drawing and could take
the whole program down. Asking first turns that into a message.
"""

from __future__ import annotations

from explorer.graph.check import machine_memory
from explorer.graph.specs import format_bytes

from .errors import DatasetError

SHARE_OF_MEMORY = 0.25  # the arrays are copied once more while split into training and validation


def require_memory(name: str, nbytes: int, what_to_lower: str) -> None:
    """Raise DatasetError when making ``nbytes`` would take over a quarter of the memory."""
    limit = int(machine_memory() * SHARE_OF_MEMORY)
    if nbytes > limit:
        raise DatasetError(f"{name} with these options would take {format_bytes(nbytes)} of "
                           f"memory; this computer can spare about {format_bytes(limit)}. "
                           f"Lower {what_to_lower}.")
