"""Tidy layout: layers left to right in dependency order, few crossings, long chains folded."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import NamedTuple

from .model import ArchitectureGraph

COLUMN_WIDTH = 220.0
ROW_HEIGHT = 120.0
WRAP_COLUMNS = 16  # a deeper network folds into bands, so it fits a screen at a readable zoom
FILL_SLACK = 0.8  # a thumbnail may draw nodes a fifth smaller to need fewer bands
FRAME_ASPECT = 1.6  # a typical window's canvas, for layouts made without one at hand
BAND_GAP = 1.75  # rows between one band's lowest node and the next band's highest


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
    return _fold(_columns(graph), column, row, wrap)


def positions_to_fill(
    graph: ArchitectureGraph,
    aspect: float,
    column: float = COLUMN_WIDTH,
    row: float = ROW_HEIGHT,
) -> dict[str, tuple[float, float]]:
    """The folding of :func:`layered_positions` that shows the whole network largest in a
    frame ``aspect`` times as wide as it is high (for thumbnails). A network reads best
    on few lines, so the fewest bands within ``FILL_SLACK`` of the largest size win."""
    layers = _columns(graph)
    if not layers.local:
        return {}
    return _fold(layers, column, row, _fill_wrap(layers, aspect, column, row))


def positions_for_frame(
    graph: ArchitectureGraph,
    width: float,
    height: float,
    zoom: float,
    column: float = COLUMN_WIDTH,
    row: float = ROW_HEIGHT,
) -> dict[str, tuple[float, float]]:
    """The folding of :func:`layered_positions` to open a network in a ``width`` × ``height``
    window where it must be drawn at ``zoom`` or larger to be read.

    If some folding shows the whole network at that zoom, it is the one that shows it
    largest (the fewest bands within ``FILL_SLACK`` of that). Otherwise the bands are as
    wide as the window holds at ``zoom``, like lines of text wrapped at the window's
    width: the network starts at the top left and continues below.
    """
    layers = _columns(graph)
    if not layers.local:
        return {}
    sizes = _sizes(layers, width / height, column, row)
    largest = max(sizes.values())
    if largest * height >= zoom:
        wrap = max(w for w, s in sizes.items() if s >= max(FILL_SLACK * largest, zoom / height))
    else:
        wrap = max(1, int(width / zoom // column))
    return _fold(layers, column, row, wrap)


def tidy_wrap(graph: ArchitectureGraph, column: float = COLUMN_WIDTH,
              row: float = ROW_HEIGHT) -> int | None:
    """How many columns wide the bands are, if the nodes stand exactly where a folding of
    :func:`layered_positions` puts them (moved as a whole or not); None if anyone placed
    them otherwise. A tidy layout can be laid out again without losing anyone's work."""
    nodes = graph.nodes()
    if not nodes:
        return None
    layers = _columns(graph)
    widest = len({n.position[0] for n in nodes})  # the widest band's columns
    longest = max((last - first + 1 for first, last in layers.runs), default=1)
    for wrap in range(widest, min(widest + longest, len(layers.columns)) + 1):
        tidy = _fold(layers, column, row, wrap)  # bands may break early, before a block
        first = nodes[0]
        dx = first.position[0] - tidy[first.id][0]
        dy = first.position[1] - tidy[first.id][1]
        if all(n.position == (tidy[n.id][0] + dx, tidy[n.id][1] + dy) for n in nodes):
            return wrap
    return None


@dataclass
class TidyAgain:
    """Lay a tidy layout out again after a change to its nodes (a block expanded or
    collapsed), in bands at least ``wrap`` columns wide, wide enough that the network
    fills a ``FRAME_ASPECT`` window, and (up to ``WRAP_COLUMNS``) wide enough for each
    expanded block; its top left corner stays where it was. Undoable."""

    wrap: int
    text: str = "Tidy layout"
    _before: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    def apply(self, graph: ArchitectureGraph) -> None:
        layers = _columns(graph)
        if not layers.local:
            return
        wrap = max(self.wrap, _fill_wrap(layers, FRAME_ASPECT, COLUMN_WIDTH, ROW_HEIGHT),
                   min(layers.widest_block, WRAP_COLUMNS))  # a block on one band if it can
        positions = _fold(layers, COLUMN_WIDTH, ROW_HEIGHT, wrap)
        self._before = {n.id: n.position for n in graph.nodes()}
        dx = min(x for x, _ in self._before.values()) - min(x for x, _ in positions.values())
        dy = min(y for _, y in self._before.values()) - min(y for _, y in positions.values())
        with graph.batch():
            for node_id, (x, y) in positions.items():
                if self._before[node_id] != (x + dx, y + dy):
                    graph.move(node_id, x + dx, y + dy)

    def revert(self, graph: ArchitectureGraph) -> None:
        with graph.batch():
            for node_id, position in self._before.items():
                if node_id in graph and graph.node(node_id).position != position:
                    graph.move(node_id, *position)


def _fill_wrap(layers: _Layers, aspect: float, column: float, row: float) -> int:
    """The band width that shows the network largest in a frame ``aspect`` times as wide
    as high: the fewest bands within ``FILL_SLACK`` of the largest size."""
    sizes = _sizes(layers, aspect, column, row)
    largest = max(sizes.values())
    return max(w for w, s in sizes.items() if s >= FILL_SLACK * largest)


def _sizes(layers: _Layers, aspect: float, column: float, row: float) -> dict[int, float]:
    """How large each band width (1 to every column on one band) shows the network in a
    frame ``aspect`` times as wide as high.

    Band widths that fold alike are measured once: a fold depends only on how many
    bands it needs and on the widest block it must keep whole, and ``n`` columns need
    only about ``2 √n`` different numbers of bands (plus one per width narrower than
    the widest block). A fold's size needs no positions: its widest band and each
    band's lowest and highest row, read from each column's (``_fold_size``). Folding
    every candidate node by node took 5 s at 10,000 nodes.
    """
    count = len(layers.columns)
    lows, highs = [0.0] * count, [0.0] * count
    for col, ids in layers.columns.items():
        offsets = [layers.local[n][1] for n in ids]
        lows[col], highs[col] = min(offsets), max(offsets)
    measured: dict[int, float] = {}
    sizes = {}
    for wrap in range(1, count + 1):
        width = _band_width(count, wrap, layers.widest_block)
        if width not in measured:
            measured[width] = _fold_size(layers, lows, highs, width, aspect, column, row)
        sizes[wrap] = measured[width]
    return sizes


def _fold_size(layers: _Layers, lows: list[float], highs: list[float], width: int,
               aspect: float, column: float, row: float) -> float:
    """How large the fold into bands ``width`` columns wide shows in a frame ``aspect``
    wide and 1 high: the same as measuring the positions ``_fold`` gives."""
    count = len(lows)
    starts = _band_starts(count, width, layers.runs)
    bands = list(zip(starts, [*starts[1:], count], strict=True))
    longest = max(end - start for start, end in bands)
    rows = sum(max(highs[start:end]) - min(lows[start:end]) for start, end in bands)
    height = (rows + BAND_GAP * (len(starts) - 1)) * row  # from the top node to the lowest
    return min(aspect / (longest * column), 1 / (height + row))


class _Layers(NamedTuple):
    local: dict[str, tuple[int, float]]  # node -> (column, row offset from the main path)
    columns: dict[int, list[str]]  # column -> its nodes
    runs: tuple[tuple[int, int], ...]  # first and last column of each block and stage
    widest_block: int  # columns of the widest expanded block


def _columns(graph: ArchitectureGraph) -> _Layers:
    """Each node's column and row offset from the main path, each column's nodes, and
    the first and last column of each expanded block and stage (kept on one band)."""
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
    blocks: dict[str, list[int]] = {}  # expanded block -> its nodes' columns
    stages: dict[str, list[int]] = {}
    for node in graph.nodes():
        if node.group is not None:
            blocks.setdefault(node.group, []).append(level[node.id])
        if node.stage is not None:
            stages.setdefault(node.stage, []).append(level[node.id])
    runs = tuple((min(cols), max(cols)) for cols in [*blocks.values(), *stages.values()])
    widest = max((max(cols) - min(cols) + 1 for cols in blocks.values()), default=1)
    return _Layers(local, columns, runs, widest)


def _fold(layers: _Layers, column: float, row: float,
          wrap: int | None) -> dict[str, tuple[float, float]]:
    """Fold the columns into bands of at most ``wrap``, balanced, and breaking before a
    run of columns in ``layers.runs`` rather than inside it, as text wraps between words:
    an expanded block or a stage narrower than a band stays on one band, in one frame."""
    local, columns = layers.local, layers.columns
    if not local:
        return {}
    count = max(len(columns), 1)
    width = _band_width(count, wrap, layers.widest_block)
    starts = _band_starts(count, width, layers.runs)
    band_of = [bisect_right(starts, col) - 1 for col in range(count)]
    bands: dict[int, tuple[float, float]] = {}  # band -> (lowest, highest row offset)
    for col, offset in local.values():
        lo, hi = bands.get(band_of[col], (offset, offset))
        bands[band_of[col]] = (min(lo, offset), max(hi, offset))
    top, band_top = 0.0, {}
    for band in sorted(bands):
        lo, hi = bands[band]
        band_top[band] = top - lo * row  # where this band's main path runs
        top += (hi - lo) * row + BAND_GAP * row
    return {node: ((col - starts[band_of[col]]) * column, band_top[band_of[col]] + offset * row)
            for node, (col, offset) in local.items()}


def _band_width(count: int, wrap: int | None, widest_block: int) -> int:
    """How many columns a band holds when ``count`` columns fold at ``wrap`` (None: one
    band): balanced (19 columns fold as 10 + 9, not 16 + 3), but never narrower than
    the widest block that fits the wrap."""
    if not wrap:
        return count
    width = -(-count // -(-count // wrap))
    return max(width, min(widest_block, wrap))


def _band_starts(count: int, width: int, keep: tuple[tuple[int, int], ...]) -> list[int]:
    """The first column of each band."""
    starts, start = [], 0
    while start < count:
        starts.append(start)
        end = start + width  # the next band's first column, unless that splits a run
        split = [first for first, last in keep
                 if start < first < end <= last and last - first < width]
        start = min(split, default=end)
    return starts
