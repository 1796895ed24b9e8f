"""Errors a training run can raise before it starts, and how a finished run is described."""

from __future__ import annotations


class SetupError(Exception):
    """The run cannot start: a setting, the dataset, the device or the graph is unusable.

    Raised before any computation, so nothing is lost; ``message`` says what
    is wrong and ``hint`` what to do about it, both in plain words.
    ``graph_errors`` is True when the network itself has errors (the command
    line exits 1 for those, as ``check`` does, and 2 for unusable input).
    """

    def __init__(self, message: str, hint: str = "", *, graph_errors: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.graph_errors = graph_errors

    def __str__(self) -> str:
        return self.message + (f" {self.hint}" if self.hint else "")


class RunRecordError(Exception):
    """A run folder is missing a file or holds one that cannot be read."""


class TrainingFailed(Exception):
    """Raised inside the training loop to end a run as failed with a clear reason.

    ``node_id`` names the graph node the failure is about, when there is one
    (for example the first node whose output stopped being a finite number).
    """

    def __init__(self, reason: str, node_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.node_id = node_id
