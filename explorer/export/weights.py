"""Loading a run's weights into a built network, with a clear message when they do not fit."""

from __future__ import annotations

import os

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from .errors import ExportError


def load_weights(model: torch.nn.Module, path: str | os.PathLike) -> None:
    """Load a .safetensors file into ``model``; ExportError names missing or odd tensors."""
    try:
        state = load_file(str(path))
    except FileNotFoundError:
        raise ExportError(f"there is no weights file {os.fspath(path)!r}.") from None
    except (SafetensorError, OSError, ValueError) as error:
        raise ExportError(f"{os.fspath(path)} is not a readable .safetensors file ({error}).",
                          ) from None
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(state) & set(expected) if state[k].shape != expected[k].shape)
    problems = []
    if missing:
        problems.append(f"missing {_names(missing)}")
    if extra:
        problems.append(f"unexpected {_names(extra)}")
    if wrong:
        problems.append("wrong shape for " + ", ".join(
            f"{k} ({tuple(state[k].shape)} instead of {tuple(expected[k].shape)})"
            for k in wrong[:3]))
    if problems:
        raise ExportError(f"the weights in {os.fspath(path)} do not fit this network: "
                          + "; ".join(problems) + ".",
                          hint="Were they saved from a different version of the graph?")
    model.load_state_dict(state)


def _names(keys: list[str]) -> str:
    shown = ", ".join(keys[:4])
    return shown + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")
