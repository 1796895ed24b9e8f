"""What an import gives back: the editable project, its weights, and what the user should know."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from explorer.graph import Project

if TYPE_CHECKING:
    import torch


@dataclass
class Imported:
    """An imported network.

    ``project`` holds the graph (and, in ``project.weight_map``, each compiled
    state_dict key's name in the original module, so weights can be saved back
    in the original layout). ``state_dict`` holds the original weights under the
    compiled network's keys: ``build_model(project.graph).load_state_dict(...)``
    takes it as it is. ``notes`` are plain-language lines for the user (parts kept
    as opaque modules and why, patterns folded into blocks).
    """

    project: Project
    state_dict: dict[str, torch.Tensor]
    notes: list[str] = field(default_factory=list)
