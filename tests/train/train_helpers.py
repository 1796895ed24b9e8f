"""Small projects and listeners shared by the training tests (also used inside run processes)."""

from __future__ import annotations

import os
import time

import torch

from explorer.graph import recipes
from explorer.graph.project import Project
from explorer.train import Callback

SMALL_SPIRALS = {"points_per_class": 60}  # 96 training and 24 validation points


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

    It waits a moment first, so the records of the steps before have been sent.
    """

    def __init__(self, step: int) -> None:
        self.step = step

    def on_batch_end(self, step: int, loss: float) -> None:
        if step == self.step:
            time.sleep(0.5)
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
