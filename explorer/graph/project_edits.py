"""Edits of what a project holds beside its graph: training settings, name, description, notes.

They follow the same ``Edit`` protocol as the graph's edits (``text``,
``apply(graph)``, ``revert(graph)``, and ``merge`` for typing), so
``Document.push``, the undo stack and ``Compound`` treat every change
alike: one path, one undo history, one set of events.

The protocol hands an edit the graph, but settings and details live beside
the graph, in the ``Project``. So these edits are made with the project
they change (``SetTrainingSettings(project, {"lr": 0.01})``) and applied
to that project's graph, like any other edit. Handing them another
project's graph is a mistake they refuse, rather than change the wrong
project. Values are checked before anything changes, and the project
announces each change through ``project.events``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ParamError
from .model import ArchitectureGraph
from .project_model import INFO_LIMITS, Project
from .settings import TrainingSettings

SETTING_WORDS = {"lr": "learning rate", "batch_size": "batch size",
                 "dataset_options": "dataset options", "log_every": "logging interval",
                 "decay_every": "decay interval", "warmup_steps": "warm-up",
                 "weight_decay": "weight decay"}
INFO_WORDS = {"name": "rename project", "description": "edit description", "notes": "edit notes"}


def describe_settings_change(changes: Mapping[str, Any]) -> str:
    """The undo history's words for a change ("Set learning rate", "Set dataset options").

    A new dataset brings empty options with it; the history names only the dataset.
    """
    shown = [SETTING_WORDS.get(k, k.replace("_", " ")) for k in changes
             if k != "dataset_options" or len(changes) == 1]
    return "Set " + " and ".join(shown)


@dataclass
class SetTrainingSettings:
    """Change some training settings. Successive changes to the same ones merge into one."""

    project: Project = field(repr=False)
    changes: Mapping[str, Any]
    _old: TrainingSettings | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.changes = dict(self.changes)

    @property
    def text(self) -> str:
        return describe_settings_change(self.changes)

    def apply(self, graph: ArchitectureGraph) -> None:
        _check_target(self.project, graph)
        new = self.project.training.replace(**self.changes)  # checked first: ParamError
        if self._old is None:
            self._old = self.project.training
        self.project.training = new

    def revert(self, graph: ArchitectureGraph) -> None:
        _check_target(self.project, graph)
        assert self._old is not None, "revert before apply"
        self.project.training = self._old

    def merge(self, other: object) -> bool:
        """Absorb ``other`` (already applied) if it changes the same settings of the project."""
        if (not isinstance(other, SetTrainingSettings) or other.project is not self.project
                or set(other.changes) != set(self.changes)):
            return False
        self.changes = dict(other.changes)
        return True


@dataclass
class SetProjectInfo:
    """Change the project's name, description or notes; typing into one field merges."""

    project: Project = field(repr=False)
    name: str | None = None
    description: str | None = None
    notes: str | None = None
    _old: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.changes:
            raise ValueError("SetProjectInfo needs a name, description or notes to set.")

    @property
    def changes(self) -> dict[str, str]:
        """The details this edit sets, by name."""
        return {key: getattr(self, key) for key in INFO_LIMITS if getattr(self, key) is not None}

    @property
    def text(self) -> str:
        words = " and ".join(INFO_WORDS[key] for key in self.changes)
        return words[0].upper() + words[1:]

    def apply(self, graph: ArchitectureGraph) -> None:
        _check_target(self.project, graph)
        changes = self.changes
        for key, value in changes.items():
            _check_info(key, value)
        if not self._old:
            self._old = {key: getattr(self.project, key) for key in changes}
        for key, value in changes.items():
            setattr(self.project, key, value)

    def revert(self, graph: ArchitectureGraph) -> None:
        _check_target(self.project, graph)
        for key, value in self._old.items():
            setattr(self.project, key, value)

    def merge(self, other: object) -> bool:
        """Absorb ``other`` (already applied) if it sets the same details of the project."""
        if (not isinstance(other, SetProjectInfo) or other.project is not self.project
                or set(other.changes) != set(self.changes)):
            return False
        for key, value in other.changes.items():
            setattr(self, key, value)
        return True


def _check_target(project: Project, graph: ArchitectureGraph) -> None:
    if graph is not project.graph:
        raise ValueError("this edit belongs to another project; apply it to that project's "
                         "graph.")


def _check_info(key: str, value: object) -> None:
    """The same limits a project file is checked against, so what is set can be saved."""
    if not isinstance(value, str):
        raise ParamError(f"the project's {key} must be text, not {type(value).__name__}.")
    if len(value) > INFO_LIMITS[key]:
        raise ParamError(f"the project's {key} is longer than the limit of {INFO_LIMITS[key]} "
                         "characters; shorten it.")
