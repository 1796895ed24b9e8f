"""Where a run can train: automatic, the CPU, and every GPU this machine has, by name.

Asking torch about GPUs means importing torch (seconds), so the list
starts as "auto" and "CPU" and the GPUs are looked up once, on a worker
thread, the first time someone needs the list; never at start-up.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from ..background import BackgroundWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceChoice:
    value: str  # what the training settings hold: auto, cpu, cuda:0, mps
    text: str  # what the list shows


BASIC = (DeviceChoice("auto", "Automatic (a GPU if there is one)"), DeviceChoice("cpu", "CPU"))


def find_devices() -> list[DeviceChoice]:
    """Every accelerator torch can see (imports torch: call it off the UI thread)."""
    import torch

    found = [DeviceChoice(f"cuda:{i}", f"GPU {i}: {torch.cuda.get_device_name(i)}")
             for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append(DeviceChoice("mps", "Apple GPU (MPS)"))
    return found


def choice_for(value: str, known: list[DeviceChoice]) -> DeviceChoice:
    """The list entry for a settings value, made up when this machine lacks it."""
    for choice in known:
        if choice.value == value:
            return choice
    if value == "cuda":
        return DeviceChoice("cuda", "The first GPU (cuda)")
    return DeviceChoice(value, f"{value} (not found on this machine)")


def processes_offered(device: str, known: list[DeviceChoice], cores: int | None = None) -> int:
    """How many processes a run on ``device`` could be split into here (1: no choice).

    One process per GPU on CUDA (NCCL gives each its own GPU), up to one per
    core on the CPU (gloo); Apple's MPS has no backend for several processes.
    """
    gpus = sum(1 for choice in known if choice.value.startswith("cuda:"))
    if device.startswith("cuda") or (device == "auto" and gpus):
        return max(1, gpus)
    if device in ("cpu", "auto"):
        return max(1, cores if cores is not None else (os.cpu_count() or 1))
    return 1


class DeviceList(QObject):
    """The choices, growing once the GPUs have been looked up."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.choices: list[DeviceChoice] = list(BASIC)
        self.looked_up = False
        self._looking = False
        self._work = BackgroundWork(self)

    def look_up(self) -> None:
        """Find the GPUs in the background (once)."""
        if self.looked_up or self._looking:
            return
        self._looking = True
        self._work.submit(find_devices, self._found, self._failed)

    def _found(self, devices: list[DeviceChoice]) -> None:
        self._looking, self.looked_up = False, True
        self.choices = [*BASIC, *devices]
        self.changed.emit()

    def _failed(self, error: BaseException) -> None:
        self._looking, self.looked_up = False, True
        log.warning("could not look for GPUs: %s", error)
        self.changed.emit()
