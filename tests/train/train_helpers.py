"""Small projects and listeners shared by the training tests (also used inside run processes)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch

from explorer.graph import recipes
from explorer.graph.project import Project
from explorer.train import Callback

SMALL_SPIRALS = {"points_per_class": 60}  # 96 training and 24 validation points
CHILD_START = 120  # seconds: a fresh interpreter imports torch before its first step
POLL_INTERVAL = 0.01  # seconds between looks at a condition

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = CHILD_START,
               what: str = "the condition") -> T:
    """Call ``predicate`` until it returns something true, and return that.

    Waiting on the condition itself, not for a fixed time, keeps a test
    quick on an idle machine and correct on a loaded one. ``timeout`` is
    only a last resort against a hang: it raises AssertionError naming
    ``what`` was awaited.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(POLL_INTERVAL)


def tiny_mlp(**training) -> Project:
    """A 2-8-8-2 MLP on a small spirals set: builds and steps in milliseconds."""
    settings = {"dataset_options": SMALL_SPIRALS, "batch_size": 16, "steps": 20, **training}
    return recipes.mlp(2, 8, **settings)


class Losses(Callback):
    """Remembers every step's loss and every logged record."""

    def __init__(self) -> None:
        self.losses: list[float] = []
        self.records = []
        self.ended = None

    def on_batch_end(self, step: int, loss: float) -> None:
        self.losses.append(loss)

    def on_log(self, record) -> None:
        self.records.append(record)

    def on_end(self, ended) -> None:
        self.ended = ended


class AbortAt(Callback):
    """Kills its own process the hard way (as a crashing native library would).

    At ``step`` it waits until the file ``go`` exists, so the test can first
    make sure the records of the steps before have reached it.
    """

    def __init__(self, step: int, go: Path) -> None:
        self.step, self.go = step, go

    def on_batch_end(self, step: int, loss: float) -> None:
        if step == self.step:
            wait_until(self.go.exists, what=f"the go-ahead file {self.go}")
            os.abort()


class PoisonWeights(Callback):
    """Writes NaN into one node's weight after ``step``, so the next forward goes bad there."""

    def __init__(self, attribute: str, step: int) -> None:
        self.attribute, self.step = attribute, step

    def on_batch_end(self, step: int, loss: float) -> None:
        if step == self.step:
            with torch.no_grad():
                self.model.get_submodule(self.attribute).weight.fill_(float("nan"))

    def on_after_backward(self, step: int, model) -> None:
        self.model = model


class RaiseAt(Callback):
    """Raises ``error`` at the end of ``step``."""

    def __init__(self, step: int, error: Exception) -> None:
        self.step, self.error = step, error

    def on_batch_end(self, step: int, loss: float) -> None:
        if step == self.step:
            raise self.error
