"""Wires make their curves when drawn, and skip arcs follow a batch of moves once.

Both keep opening a big graph fast (benchmarks/bench_canvas.py); what is drawn
must not change, so the bounds given before a curve exists are the curve's own.
"""

from __future__ import annotations

import random

from PySide6.QtCore import QPointF

from explorer.app.canvas import wire_item
from explorer.app.canvas.scene import GraphScene
from explorer.app.canvas.skip_arcs import SkipArcs
from explorer.app.canvas.wire_item import wire_bounds, wire_path
from explorer.graph import recipes
from explorer.graph.layout import layered_positions


def close(a, b) -> bool:
    """Equal but for the last bits Qt's curve arithmetic rounds (1 in 10,000 differ)."""
    return all(abs(x - y) < 1e-9 for x, y in zip(a.getCoords(), b.getCoords(), strict=True))


def test_the_bounds_of_forward_wires_and_arcs_are_their_curves_bounds():
    rng = random.Random(7)
    cases = [(QPointF(0, 0), QPointF(300, 0), None), (QPointF(0, 10), QPointF(90, -40), -200.0),
             (QPointF(0, 0), QPointF(400, 50), -80.0), (QPointF(5, 5), QPointF(9, 500), None)]
    for _ in range(2000):
        start = QPointF(rng.uniform(-3000, 3000), rng.uniform(-3000, 3000))
        end = start + QPointF(rng.uniform(4, 900), rng.uniform(-600, 600))
        cases.append((start, end, rng.choice([None, rng.uniform(-4000, 3000)])))
    for start, end, arc_top in cases:
        bounds = wire_bounds(start, end, arc_top)
        assert bounds is not None
        assert close(bounds, wire_path(start, end, arc_top).boundingRect()), (start, end)


def test_a_wire_looping_back_has_no_shortcut_bounds():
    assert wire_bounds(QPointF(300, 0), QPointF(0, 40)) is None
    assert wire_bounds(QPointF(0, 0), QPointF(3, 40), -100.0) is None


def residual_chain(nodes: int):
    graph = recipes.residual_chain(nodes)
    for node_id, (x, y) in layered_positions(graph).items():
        graph.move(node_id, x, y)
    return graph


def test_curves_are_made_when_first_needed_and_match_the_bounds(qapp, monkeypatch):
    made = []
    real = wire_item.wire_path
    monkeypatch.setattr(wire_item, "wire_path", lambda *a: made.append(a) or real(*a))
    graph = residual_chain(60)
    scene = GraphScene(graph)
    assert made and all(end.x() < start.x() for start, end, _ in made)  # between bands
    loops = [w for w in scene.wires.values() if w.target.anchor().x() < w.source.anchor().x()]
    made.clear()
    for wire in scene.wires.values():
        curve = wire.path().boundingRect().adjusted(-6, -6, 6, 6)
        assert close(wire.boundingRect(), curve)
    assert len(made) == len(scene.wires) - len(loops)  # once each, then kept
    wire = next(iter(scene.wires.values()))
    assert wire.path() is wire.path() and len(made) == len(scene.wires) - len(loops)
    scene.detach()


def test_the_arcs_over_a_batch_of_moved_nodes_are_raised_once_each_at_its_end(qapp,
                                                                              monkeypatch):
    graph = residual_chain(90)
    scene = GraphScene(graph)
    skips = [edge for edge, wire in scene.wires.items() if wire.is_skip]
    assert len(skips) > 10
    raised = []
    real = SkipArcs.raise_arc
    monkeypatch.setattr(SkipArcs, "raise_arc",
                        lambda s, edge: raised.append(edge) or real(s, edge))
    with graph.batch():  # every node moves: each arc is over three or four of them
        for i, node_id in enumerate(graph.node_ids()):
            x, y = graph.node(node_id).position
            graph.move(node_id, x + 40, y - 300 * (i % 2))
    assert sorted(raised) == sorted(skips)
    fresh = GraphScene(graph)  # the same graph drawn anew: the same arcs
    assert {e: scene.wires[e].arc_top for e in skips} == {e: fresh.wires[e].arc_top
                                                           for e in skips}
    scene.detach()
    fresh.detach()


def test_a_dragged_node_raises_the_arc_over_it_at_once(qapp):
    graph = residual_chain(30)
    scene = GraphScene(graph)
    edge, bypassed = next(iter(scene.arcs.skips.items()))
    item = scene.nodes[next(iter(bypassed))]
    before = scene.wires[edge].arc_top
    item.setPos(item.pos() + QPointF(0, -400))  # as a drag moves it
    item._moved()
    assert scene.wires[edge].arc_top == before - 400
    scene.reset_positions()  # the move was refused: back where the graph has it
    assert scene.wires[edge].arc_top == before
    scene.detach()
