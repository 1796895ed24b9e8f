"""Listening to a run: the UI, the command line, the run process and tests are all callbacks.

Override only what you need. The per-step hooks (``on_after_backward``,
``on_batch_end``) are called only on callbacks that override them, so a
listener that wants just the logged records adds nothing to a step.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from .records import Progress, Record, RunEnded, RunStarted, StateChanged, StepRecord


class Callback:
    """Hooks a training run calls; every one is optional."""

    def on_begin(self, started: RunStarted) -> None:
        """The model is built and on its device; the first step is next."""

    def on_after_backward(self, step: int, model: nn.Module) -> None:
        """Gradients of this step are in ``model``'s parameters; the update has not happened."""

    def on_batch_end(self, step: int, loss: float) -> None:
        """Step ``step`` (1 = first) is done; ``loss`` is its training loss."""

    def on_progress(self, progress: Progress) -> None:
        """A few times a second: steps per second and the recent loss."""

    def on_log(self, record: StepRecord) -> None:
        """Every ``log_every`` steps: the curves and every node's statistics."""

    def on_state(self, state: StateChanged) -> None:
        """The run was paused or resumed."""

    def on_exception(self, error: BaseException, step: int) -> None:
        """Training raised ``error`` at ``step``; ``on_end`` follows with status failed."""

    def on_end(self, ended: RunEnded) -> None:
        """The run is over: done, stopped, or failed with a reason."""


class RecordListener(Callback):
    """Hands every record (begin, progress, log, state, end) to one function."""

    def __init__(self, emit: Callable[[Record], None]) -> None:
        self.emit = emit

    def on_begin(self, started: RunStarted) -> None:
        self.emit(started)

    def on_progress(self, progress: Progress) -> None:
        self.emit(progress)

    def on_log(self, record: StepRecord) -> None:
        self.emit(record)

    def on_state(self, state: StateChanged) -> None:
        self.emit(state)

    def on_end(self, ended: RunEnded) -> None:
        self.emit(ended)


def overrides(callback: Callback, method: str) -> bool:
    """True when ``callback`` defines ``method`` itself rather than inheriting the no-op."""
    return getattr(type(callback), method, None) is not getattr(Callback, method)
