"""Tidy layout: layers left to right in dependency order, few crossings."""

from __future__ import annotations

from .model import ArchitectureGraph

COLUMN_WIDTH = 220.0
ROW_HEIGHT = 120.0


def layered_positions(
    graph: ArchitectureGraph, column: float = COLUMN_WIDTH, row: float = ROW_HEIGHT
) -> dict[str, tuple[float, float]]:
    """Place each node one column right of its deepest input, centred on the main path.

    Within a column, nodes are ordered by the mean row of their inputs (the
    barycentre heuristic), which keeps wires short and mostly straight.
    """
    order = graph.topological_order()
    level: dict[str, int] = {}
    for node_id in order:
        sources = [e.src for e in graph.in_edges(node_id)]
        level[node_id] = 1 + max((level[s] for s in sources), default=-1)
    columns: dict[int, list[str]] = {}
    for node_id in order:
        columns.setdefault(level[node_id], []).append(node_id)
    rank: dict[str, float] = {}
    positions: dict[str, tuple[float, float]] = {}
    for col in sorted(columns):
        ids = columns[col]

        def barycentre(node_id: str) -> float:
            ranks = [rank[e.src] for e in graph.in_edges(node_id) if e.src in rank]
            return sum(ranks) / len(ranks) if ranks else 0.0

        ids.sort(key=barycentre)
        offset = (len(ids) - 1) / 2
        for i, node_id in enumerate(ids):
            rank[node_id] = i - offset
            positions[node_id] = (col * column, (i - offset) * row)
    return positions
