"""The project as data: its graph, how it trains, and what it is called, with change events.

``project.events`` works like ``graph.events``: one psygnal signal per
field, emitted with ``(new, old)`` whenever a field is given a different
value (``project.events.training``, ``project.events.name``, ...), and
``project.events.all`` for any of them. Views and autosave listen here
instead of to the undo stack, so they see every change however it was made.

In the editor a user's change goes through an edit
(``explorer.graph.project_edits``) and ``Document.push``; code that prepares
a project before anyone edits it (recipes, classroom variants) sets the
fields directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from psygnal import SignalGroupDescriptor

from .model import ArchitectureGraph
from .settings import TrainingSettings

# The longest text each detail may hold, as project.schema.json says.
INFO_LIMITS = {"name": 200, "description": 2000, "notes": 100_000}


@dataclass
class Project:
    """Everything a project file holds."""

    graph: ArchitectureGraph = field(default_factory=ArchitectureGraph)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    name: str = ""
    description: str = ""
    notes: str = ""
    ui: dict[str, Any] = field(default_factory=dict)
    # For an imported network: each compiled state_dict key -> the original module's key,
    # so weights can be saved back in (and loaded from) the original layout.
    weight_map: dict[str, str] = field(default_factory=dict)

    # The graph keeps its own events (graph.events); they are not repeated here.
    events: ClassVar[SignalGroupDescriptor] = SignalGroupDescriptor(connect_child_events=False)

    def __getstate__(self) -> dict[str, Any]:
        """A copy gets events of its own: listeners belong to the object they listen to."""
        state = dict(self.__dict__)
        state.pop("events", None)  # where the descriptor keeps this object's signal group
        return state
