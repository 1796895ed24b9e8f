"""How a network just opened is shown: at a zoom where its nodes' text can be read.

Fitting a long network whole into a window draws its nodes' text a few pixels
high. So a network opens at the zoom where the smallest text on a node is
``READABLE_PIXELS`` on screen (or larger, when the whole network fits larger),
and a network laid out by the tidy layout, not by hand, is first folded into
rows to suit the window, as the gallery's thumbnails fold it: left to right,
then the next row below, like lines of text. What does not fit then continues
below the window, and the view shows the network's start, top left.
"""

from __future__ import annotations

from explorer.graph import ArchitectureGraph
from explorer.graph.layout import positions_for_frame, tidy_wrap

from .node_item import SMALL_PIXELS

READABLE_PIXELS = 9.0  # the least on-screen height of a node's text when a network opens
READABLE_SCALE = READABLE_PIXELS / SMALL_PIXELS  # scene-to-screen scale that gives it
FOLD_LIMIT = 1000  # nodes: folding a bigger network afresh each time it opens costs too long
MARGIN = 40.0  # scene units kept clear around the network, as the fit keeps


def fold_to_window(graph: ArchitectureGraph, width: float, height: float,
                   scale: float = READABLE_SCALE) -> bool:
    """Fold a tidily laid-out network into rows that suit a ``width`` × ``height`` window
    at ``scale`` or larger (0: whatever scale shows it whole and largest); True if nodes
    moved.

    The nodes move without an undo step: this arranges a network being opened for
    viewing (an example, a new window's network), the way a file's loader would, and
    leaves its saved state and undo history as they are. A layout made by hand is kept.
    """
    if not 0 < len(graph) <= FOLD_LIMIT or tidy_wrap(graph) is None:
        return False
    usable_width = width - 2 * MARGIN * scale
    usable_height = height - 2 * MARGIN * scale
    if usable_width <= 0 or usable_height <= 0:
        return False
    positions = positions_for_frame(graph, usable_width, usable_height, scale)
    moves = {n: p for n, p in positions.items() if graph.node(n).position != p}
    if not moves:
        return False
    with graph.batch():
        for node_id, (x, y) in moves.items():
            graph.move(node_id, x, y)
    return True
