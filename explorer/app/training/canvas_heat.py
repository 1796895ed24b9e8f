"""Gradients on the canvas: nodes and wires coloured by gradient size, with a legend.

During a run the latest record's gradient norms colour the canvas a few
times a second; after it the last ones stay, so a teacher can point at the
layer where the signal dies. The colours go when asked (View menu) and
whenever the graph's structure changes (nodes or wires added or removed,
parameters changed), because then they no longer describe this network.
Moving nodes keeps them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from explorer.graph import ArchitectureGraph

from ..document import Document
from ..runs.gradient_colours import GradientLegend, heat_for
from ..seams import NodeColours

if TYPE_CHECKING:
    from explorer.train.records import StepRecord

STRUCTURE_EVENTS = ("node_added", "node_removed", "node_changed", "edge_added", "edge_removed")


class CanvasHeat(QObject):
    """Paints one canvas with the gradient statistics of a record (a StepRecord)."""

    def __init__(self, document: Document, canvas: NodeColours,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.canvas = canvas
        self.enabled = True
        self.outdated = False  # the graph changed since the numbers being shown were made
        self.record: StepRecord | None = None  # the record shown (None: no colours)
        self._shown_key: tuple | None = None
        self.legend = GradientLegend(canvas.legend_host)
        self._graph: ArchitectureGraph | None = None
        self._observe(document.graph)
        document.project_replaced.connect(self._project_replaced)

    @property
    def showing(self) -> bool:
        return self._shown_key is not None

    def show_record(self, record: StepRecord | None) -> None:
        """Colour the canvas after ``record`` (repaints only if it is a new one).

        After the graph's structure changed, the run's numbers describe another
        network: records are ignored until ``start_afresh`` (a new run, or a run
        picked from the history).
        """
        if self.outdated:
            return
        self.record = record
        self.refresh()

    def start_afresh(self) -> None:
        """Numbers that fit the graph again are coming (a new run, a chosen run)."""
        self.outdated = False

    def refresh(self) -> None:
        record = self.record if self.enabled else None
        key = (id(record), getattr(record, "step", None)) if record is not None else None
        if key == self._shown_key:
            return
        self._shown_key = key
        if record is None:
            self.canvas.set_heat({})
            self.legend.hide()
            return
        self.canvas.set_heat(heat_for(record.nodes, record.step))
        self.legend.caption = f"Gradient norm at step {record.step:,}"
        self.legend.place()
        self.legend.show()
        self.legend.raise_()
        self.legend.update()

    def clear(self) -> None:
        """Take the colours off until the next record arrives."""
        self.record = None
        self.refresh()

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self.refresh()

    # -- following the graph -----------------------------------------------------------------

    def _observe(self, graph: ArchitectureGraph) -> None:
        if self._graph is not None:
            for name in STRUCTURE_EVENTS:
                getattr(self._graph.events, name).disconnect(self._structure_changed)
        self._graph = graph
        for name in STRUCTURE_EVENTS:
            getattr(graph.events, name).connect(self._structure_changed)

    def _project_replaced(self) -> None:
        self._observe(self.document.graph)
        self.outdated = True
        self.clear()

    def _structure_changed(self, *args: Any) -> None:
        self.outdated = True
        if self.record is not None:
            self.clear()
