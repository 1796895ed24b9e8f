"""Choosing where a run trains: auto, cpu, cuda, cuda:N or mps, checked before any compute."""

from __future__ import annotations

import re

import torch

from .errors import SetupError

_CUDA_INDEX = re.compile(r"cuda:(\d+)")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(name: str) -> torch.device:
    """The torch device a setting names; SetupError when it is not on this machine.

    ``auto`` picks the first CUDA GPU, then Apple's MPS, then the CPU.
    """
    text = str(name).strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", 0)
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if text == "cpu":
        return torch.device("cpu")
    if text == "mps":
        if not _mps_available():
            raise SetupError("The device 'mps' (Apple GPU) is not available on this machine.",
                             "Set the device to cpu or auto.")
        return torch.device("mps")
    match = _CUDA_INDEX.fullmatch(text)
    if text == "cuda" or match:
        index = int(match.group(1)) if match else 0
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise SetupError(f"The device {name!r} needs an NVIDIA GPU with CUDA, and this "
                             "machine has none that PyTorch can use.",
                             "Set the device to cpu or auto.")
        if index >= count:
            raise SetupError(f"The device {name!r} is not there: this machine has {count} "
                             f"CUDA GPU{'s' if count > 1 else ''} (cuda:0 to cuda:{count - 1}).",
                             "Pick one of those, or use auto.")
        return torch.device("cuda", index)
    raise SetupError(f"{name!r} is not a device name.",
                     "Use auto, cpu, cuda, cuda:N (N = GPU number) or mps.")
