"""Tidy layout: layers left to right in dependency order, few crossings, long chains folded."""

from __future__ import annotations

from .model import ArchitectureGraph

COLUMN_WIDTH = 220.0
ROW_HEIGHT = 120.0
WRAP_COLUMNS = 16  # a deeper network folds into bands, so it fits a screen at a readable zoom
FILL_SLACK = 0.8  # a thumbnail may draw nodes a fifth smaller to need fewer bands


def layered_positions(
    graph: ArchitectureGraph,
    column: float = COLUMN_WIDTH,
    row: float = ROW_HEIGHT,
    wrap: int | None = WRAP_COLUMNS,
) -> dict[str, tuple[float, float]]:
    """Place each node one column right of its deepest input, centred on the main path.

    Within a column, nodes are ordered by the mean row of their inputs (the
    barycentre heuristic), which keeps wires short and mostly straight. With
    more than ``wrap`` columns the layout folds into bands read like lines of
    text: left to right, then the next band below.
    """
    local, columns = _columns(graph)
    return _fold(local, columns, column, row, wrap)


def positions_to_fill(
    graph: ArchitectureGraph,
    aspect: float,
    column: float = COLUMN_WIDTH,
    row: float = ROW_HEIGHT,
) -> dict[str, tuple[float, float]]:
    """The folding of :func:`layered_positions` that shows the whole network largest in a
    frame ``aspect`` times as wide as it is high (for thumbnails). A network reads best
    on few lines, so the fewest bands within ``FILL_SLACK`` of the largest size win."""
    local, columns = _columns(graph)
    if not local:
        return {}

    def size(wrap: int) -> float:
        positions = _fold(local, columns, column, row, wrap)
        xs = [x for x, _ in positions.values()]
        ys = [y for _, y in positions.values()]
        return min(aspect / (max(xs) - min(xs) + column), 1 / (max(ys) - min(ys) + row))

    sizes = {wrap: size(wrap) for wrap in range(1, len(columns) + 1)}
    largest = max(sizes.values())
    wrap = max(w for w, s in sizes.items() if s >= FILL_SLACK * largest)
    return _fold(local, columns, column, row, wrap)


def _columns(graph: ArchitectureGraph) -> tuple[dict[str, tuple[int, float]],
                                                dict[int, list[str]]]:
    """Each node's column and row offset from the main path, and each column's nodes."""
    order = graph.topological_order()
    level: dict[str, int] = {}
    for node_id in order:
        sources = [e.src for e in graph.in_edges(node_id)]
        level[node_id] = 1 + max((level[s] for s in sources), default=-1)
    columns: dict[int, list[str]] = {}
    for node_id in order:
        columns.setdefault(level[node_id], []).append(node_id)
    rank: dict[str, float] = {}
    local: dict[str, tuple[int, float]] = {}  # node -> (column, row offset from the path)
    for col in sorted(columns):
        ids = columns[col]

        def barycentre(node_id: str) -> float:
            ranks = [rank[e.src] for e in graph.in_edges(node_id) if e.src in rank]
            return sum(ranks) / len(ranks) if ranks else 0.0

        ids.sort(key=barycentre)
        offset = (len(ids) - 1) / 2
        for i, node_id in enumerate(ids):
            rank[node_id] = i - offset
            local[node_id] = (col, i - offset)
    return local, columns


def _fold(local: dict[str, tuple[int, float]], columns: dict[int, list[str]], column: float,
          row: float, wrap: int | None) -> dict[str, tuple[float, float]]:
    if not local:
        return {}
    count = max(len(columns), 1)
    bands_needed = -(-count // wrap) if wrap else 1
    width = -(-count // bands_needed)  # balanced: 19 columns fold as 10 + 9, not 16 + 3
    bands: dict[int, tuple[float, float]] = {}  # band -> (lowest, highest row offset)
    for col, offset in local.values():
        lo, hi = bands.get(col // width, (offset, offset))
        bands[col // width] = (min(lo, offset), max(hi, offset))
    top, band_top = 0.0, {}
    for band in sorted(bands):
        lo, hi = bands[band]
        band_top[band] = top - lo * row  # where this band's main path runs
        top += (hi - lo) * row + 1.75 * row
    return {node: ((col % width) * column, band_top[col // width] + offset * row)
            for node, (col, offset) in local.items()}
