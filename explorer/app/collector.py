"""Pausing Python's cycle collector while the editor makes many objects at once.

Showing a 10,000-node graph makes some hundred thousand objects that live on
(canvas items, their Qt wrappers), and the code preview holds as many for a
moment. The collector starts a full collection after enough new objects
survive, and each walks every object of the editor (a quarter of a second
with that graph open) while holding the interpreter: opening the graph took a
quarter longer with it running, and a full collection started by the code
preview's worker froze the canvas. None of these objects form garbage cycles;
any cycles made elsewhere meanwhile are collected when the collector runs
again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cycle collector paused (nested pauses are fine)."""
    if not gc.isenabled():  # paused already: whoever paused it enables it again
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
