"""Big graphs on the canvas: every item made, far zoom drawn from pictures, zoom steps
that keep node pictures, and code made off the UI thread. (Timings: benchmarks/bench_canvas.py.)
"""

from __future__ import annotations

import random

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QGraphicsItem

from explorer.app import code_preview, code_view
from explorer.app.canvas import far_view
from explorer.app.canvas.node_item import NodeItem
from explorer.app.canvas.scene import GraphScene
from explorer.app.canvas.skips import nesting_levels
from explorer.graph import ArchitectureGraph, Edge, Project, SetParams, recipes
from explorer.graph.layout import layered_positions

CODE_TIMEOUT_MS = 60_000  # the first export in a test process imports torch


def residual_chain(nodes: int) -> ArchitectureGraph:
    """``recipes.residual_chain`` laid out as the canvas shows it."""
    graph = recipes.residual_chain(nodes)
    for node_id, (x, y) in layered_positions(graph).items():
        graph.move(node_id, x, y)
    return graph


def show(window, graph: ArchitectureGraph, qtbot) -> None:
    window.document.replace(Project(graph=graph))
    qtbot.wait(10)  # the window fits a new project once shown


class PaintCount:
    """How often node items were asked to paint."""

    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        real = NodeItem.paint

        def counted(item, *args):
            self.calls += 1
            real(item, *args)

        monkeypatch.setattr(NodeItem, "paint", counted)


def colour_at(view, item: NodeItem) -> QColor:
    image = view.viewport().grab().toImage()
    return image.pixelColor(view.mapFromScene(item.mapToScene(item.body_rect().center())))


def test_a_10000_node_graph_gets_one_item_per_node_and_wire_and_its_skip_arcs(qapp):
    graph = residual_chain(10_000)
    scene = GraphScene(graph)
    assert len(scene.nodes) == len(graph) == 9_998
    assert set(scene.wires) == set(graph.edges())
    skips = [wire for wire in scene.wires.values() if wire.is_skip]
    assert len(skips) == 3_332  # every unit's residual wire arcs over its Linear and ReLU
    scene.detach()


def test_nesting_levels_count_the_skips_each_one_arches_over():
    rng = random.Random(7)
    for _ in range(200):
        skips = {Edge(f"a{i}", f"b{i}", "in"): frozenset(rng.sample("abcdefgh",
                                                                    rng.randint(1, 5)))
                 for i in range(rng.randint(0, 12))}
        pairwise = {edge: sum(1 for other, inner in skips.items()
                              if other != edge and inner < outer)
                    for edge, outer in skips.items()}
        assert nesting_levels(skips) == pairwise


def test_far_out_a_big_graph_is_drawn_from_pictures_not_item_by_item(window, qtbot,
                                                                      monkeypatch):
    show(window, residual_chain(far_view.FAR_FROM_NODES + 30), qtbot)
    view, scene = window.view, window.scene
    painted = PaintCount(monkeypatch)
    view.set_zoom(0.1)
    item = scene.nodes["linear_5"]
    view.centre_on_node("linear_5")
    far = colour_at(view, item)
    assert painted.calls == 0 and view.far_view.recorded > 0
    background = view.viewport().grab().toImage().pixelColor(QPoint(2, 2))
    assert far != background  # the node's box is there
    view.set_zoom(1.0)
    view.centre_on_node("linear_5")
    view.viewport().grab()
    assert painted.calls > 0  # at a readable zoom every node paints itself, as always


def test_the_far_pictures_follow_the_selection(window, qtbot):
    show(window, residual_chain(far_view.FAR_FROM_NODES + 30), qtbot)
    view, scene = window.view, window.scene
    view.set_zoom(0.1)
    view.centre_on_node("relu_7")
    item = scene.nodes["relu_7"]
    before = colour_at(view, item)
    assert view.far_view.ready
    scene.select_nodes(["relu_7"])
    assert not view.far_view.ready  # made again on the next frame
    assert colour_at(view, item) != before


def test_a_small_graph_paints_its_items_at_every_zoom(window, qtbot, monkeypatch):
    show(window, residual_chain(20), qtbot)
    painted = PaintCount(monkeypatch)
    window.view.set_zoom(0.1)
    window.view.viewport().grab()
    assert painted.calls > 0 and not window.view.far_view.draws(window.view)


def test_zoom_steps_keep_node_pictures_until_the_zoom_rests(window, qtbot):
    show(window, residual_chain(far_view.FAR_FROM_NODES + 30), qtbot)
    view, nodes = window.view, list(window.scene.nodes.values())
    resting = QGraphicsItem.CacheMode.DeviceCoordinateCache
    assert {item.cacheMode() for item in nodes} == {resting}
    view.set_zoom(1.0)
    view.centre_on_node(nodes[0].node_id)
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    view.zoom_by(1.15)
    view.zoom_by(1.15)
    zooming = QGraphicsItem.CacheMode.ItemCoordinateCache
    in_view = [item for item in nodes if item.sceneBoundingRect().intersects(shown)]
    assert in_view and {item.cacheMode() for item in in_view} == {zooming}
    assert nodes[-1].cacheMode() == resting  # far out of sight: nothing to switch
    qtbot.waitUntil(lambda: not view.zoom_caching.active, timeout=2000)
    assert {item.cacheMode() for item in nodes} == {resting}


def test_small_graphs_keep_their_cache_while_zooming(window, qtbot):
    show(window, residual_chain(20), qtbot)
    window.view.zoom_by(1.15)
    assert not window.view.zoom_caching.active
    assert {item.cacheMode() for item in window.scene.nodes.values()} == {
        QGraphicsItem.CacheMode.DeviceCoordinateCache}


def test_dragging_selected_nodes_drags_the_wires_of_each(window, qtbot):
    show(window, residual_chain(20), qtbot)
    view, scene = window.view, window.scene
    view.set_zoom(1.0)
    view.centre_on_node("relu_2")
    scene.select_nodes(["relu_2", "linear_2"])
    item = scene.nodes["relu_2"]
    start = view.mapFromScene(item.mapToScene(item.body_rect().center()))
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, start + QPoint(30, 80))
    QTest.mouseMove(viewport, start + QPoint(60, 160))
    for node_id in ("relu_2", "linear_2"):
        node = scene.nodes[node_id]
        wire = scene.wires[window.document.graph.in_edges(node_id)[0]]
        assert wire.path().pointAtPercent(1.0) == node.inputs["in"].anchor()
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       start + QPoint(60, 160))


def test_the_code_of_a_big_graph_is_made_while_the_ui_keeps_running(window, qtbot):
    show(window, residual_chain(1_000), qtbot)
    window.code_dock.raise_()
    preview = window.code_preview
    qtbot.waitUntil(lambda: preview.on_screen, timeout=2000)
    qtbot.waitUntil(lambda: not (preview.updating or preview.busy) and bool(preview.code),
                    timeout=CODE_TIMEOUT_MS)
    ticks: list[int] = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: ticks.append(preview.busy))
    timer.start()
    window.document.push(SetParams("linear_10", {"bias": False}))
    assert preview.updating and preview.status.text() == code_preview.UPDATING
    qtbot.waitUntil(lambda: preview.busy, timeout=5000)
    qtbot.waitUntil(lambda: not (preview.updating or preview.busy), timeout=CODE_TIMEOUT_MS)
    timer.stop()
    assert any(ticks)  # the UI thread ran its timer while the code was being made
    assert "self.linear_10 = nn.Linear(8, 8, bias=False)" in preview.code
    assert preview.status.text() == ""
    highlighter = preview.view.highlighter
    qtbot.waitUntil(lambda: highlighter.done, timeout=5000)  # long code is coloured in steps
    lines = preview.code.splitlines()
    late = max(i for i, line in enumerate(lines) if line.strip().startswith("return "))
    assert late > code_view.COLOUR_STEP  # a line of a later step has its colours
    assert preview.view.document().findBlockByNumber(late).layout().formats()


def expanded_resnet() -> ArchitectureGraph:
    """A CIFAR ResNet with its blocks expanded (frames) and its first stage's nodes framed."""
    from explorer.graph import ExpandBlock
    from explorer.graph.stages import MakeStage

    graph = recipes.resnet_cifar(3).graph
    for block in [n for n in graph.node_ids() if graph.node(n).kind.startswith("Residual")]:
        ExpandBlock(block).apply(graph)
    order = graph.topological_order()
    first = next(g for g in (graph.node(n).group for n in order) if g is not None)
    end = max(order.index(m) for m in graph.members(first)) + 1
    MakeStage("early", order[1:end]).apply(graph)  # the stem and the first block
    return graph


def test_frames_follow_a_batch_of_moves_once_each(qapp, monkeypatch):
    from explorer.app.canvas.group_frame import GroupFrame

    graph = expanded_resnet()
    scene = GraphScene(graph)
    frames = [*scene.frames.values(), *scene.stage_layer.frames.values()]
    assert len(scene.frames) > 3 and scene.stage_layer.frames
    fits = []
    real = GroupFrame.fit
    monkeypatch.setattr(GroupFrame, "fit", lambda frame, rects: fits.append(frame)
                        or real(frame, rects))
    with graph.batch():  # how opening a network folds it to the window: every node moves
        for node_id in graph.node_ids():
            x, y = graph.node(node_id).position
            graph.move(node_id, x + 500, y + 300)
    assert len(fits) == len(set(fits)) and set(fits) <= set(frames)
    for group_id, frame in scene.frames.items():  # and each frame is around its nodes
        for node_id in graph.members(group_id):
            item = scene.nodes[node_id]
            assert frame.sceneBoundingRect().contains(item.mapRectToScene(item.body_rect()))
    scene.detach()


def test_a_dragged_node_takes_its_frame_along_at_once(qapp):
    graph = expanded_resnet()
    scene = GraphScene(graph)
    group_id, frame = next(iter(scene.frames.items()))
    item = scene.nodes[graph.members(group_id)[0]]
    item.setPos(item.pos() + item.body_rect().bottomRight() * 3)  # as a drag moves it
    item._moved()
    assert frame.sceneBoundingRect().contains(item.mapRectToScene(item.body_rect()))
    scene.detach()
