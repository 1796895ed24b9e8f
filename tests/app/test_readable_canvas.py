"""A network opens readable: text of at least 9 pixels, long chains folded into rows; an
expanded block opens into straight, separate nodes; looking inside blocks is not editing."""

import itertools

import pytest
from PySide6.QtCore import QPointF, QRectF

from explorer.app import dialogs
from explorer.app.canvas.node_item import SMALL_PIXELS, TITLE_PIXELS
from explorer.app.canvas.readable import READABLE_PIXELS
from explorer.app.canvas.view import MIN_ZOOM
from explorer.app.canvas.wire_item import wire_path
from explorer.app.examples import list_examples
from explorer.graph import Move, get_kind, recipes
from explorer.graph.project import save
from explorer.graph.zoo import ZOO

EXAMPLES = list_examples()


@pytest.fixture
def normal_window(window, qtbot):
    """The editor in a window of a common laptop size."""
    window.resize(1280, 800)
    qtbot.wait(20)
    return window


def open_example(window, qtbot, example) -> None:
    assert window.files.open_example(example)
    qtbot.wait(20)  # the window shows a project just opened on the next turn of events


def body_rects(window) -> dict[str, QRectF]:
    return {node_id: item.mapRectToScene(item.body_rect())
            for node_id, item in window.scene.nodes.items()}


def assert_no_overlap(window) -> None:
    rects = body_rects(window)
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not ra.intersects(rb), f"{a} and {b} overlap"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.key for e in EXAMPLES])
def test_every_example_opens_with_its_node_text_at_least_9_pixels(normal_window, qtbot,
                                                                   example):
    window = normal_window
    open_example(window, qtbot, example)
    scale = window.view.transform().m11()
    assert scale * SMALL_PIXELS >= READABLE_PIXELS >= 9  # the smallest text on a node
    assert scale * TITLE_PIXELS > 9
    graph = window.document.graph
    start = graph.topological_order()[0]  # where the network starts is in view
    view_rect = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert view_rect.contains(body_rects(window)[start])
    assert_no_overlap(window)
    assert not window.document.is_modified  # folding it for the window is not an edit


def test_a_long_chain_is_folded_into_rows_that_fill_the_window_width(normal_window, qtbot):
    window = normal_window
    deep = next(e for e in EXAMPLES if "plain_mlp_deep" in e.key)  # 43 nodes in a chain
    open_example(window, qtbot, deep)
    rects = body_rects(window).values()
    rows = {round(r.top()) for r in rects}
    width = max(r.right() for r in rects) - min(r.left() for r in rects)
    scale = window.view.transform().m11()
    assert len(rows) > 3
    assert width * scale <= window.view.viewport().width()  # no row runs off to the right


def test_a_small_example_shows_whole_and_readable(normal_window, qtbot):
    window = normal_window
    open_example(window, qtbot, EXAMPLES[0])  # the residual MLP, 8 nodes
    view_rect = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert all(view_rect.contains(r) for r in body_rects(window).values())
    assert window.view.transform().m11() * SMALL_PIXELS >= READABLE_PIXELS


def test_a_file_of_ones_own_keeps_its_layout(normal_window, qtbot, tmp_path):
    window = normal_window
    project = recipes.mlp(depth=20)
    path = tmp_path / "mine.archx.json"
    save(project, path)
    before = {n.id: n.position for n in project.graph.nodes()}
    assert window.files.load_path(path)
    qtbot.wait(20)
    assert {n.id: n.position for n in window.document.graph.nodes()} == before
    assert window.view.transform().m11() * SMALL_PIXELS >= READABLE_PIXELS


def test_short_wires_between_neighbours_run_straight():
    gap = 26.0  # the distance between two nodes side by side in an expanded block
    level = wire_path(QPointF(0, 0), QPointF(gap, 0)).boundingRect()
    assert level.height() < 0.5 and level.left() >= 0 and level.right() <= gap
    step = wire_path(QPointF(0, 0), QPointF(gap, 12)).boundingRect()
    assert step.left() >= 0 and step.right() <= gap and step.height() <= 12.5
    behind = wire_path(QPointF(0, 0), QPointF(-200, 0)).boundingRect()
    assert behind.height() > 40  # a wire into a node behind still loops round


def test_an_expanded_block_has_straight_wires_and_no_overlapping_nodes(normal_window, qtbot):
    window = normal_window
    open_example(window, qtbot, EXAMPLES[0])
    assert window.canvas.editor.expand("res_2")
    qtbot.wait(20)
    graph, scene = window.document.graph, window.scene
    members = set(graph.members("res_2"))
    inner = [w for e, w in scene.wires.items() if e.src in members and e.dst in members]
    assert inner
    for wire in inner:
        start, end = wire.source.anchor(), wire.target.anchor()
        bounds = wire.path().boundingRect()
        assert end.x() - start.x() > 0  # the next node stands to the right
        assert bounds.left() >= start.x() - 0.5 and bounds.right() <= end.x() + 0.5  # no loop
        assert bounds.height() <= abs(end.y() - start.y()) + 0.5
    assert_no_overlap(window)
    rows = {round(body_rects(window)[m].center().y()) for m in members}
    assert len(rows) <= 2  # the block opens on one row (the Add takes two inputs)


def test_looking_inside_blocks_does_not_mark_the_file_modified(normal_window, qtbot):
    window = normal_window
    open_example(window, qtbot, EXAMPLES[0])
    document, editor = window.document, window.canvas.editor
    assert editor.expand("res_2") and editor.expand("res_3")
    assert not document.is_modified and document.undo_stack.isClean()
    assert not window.isWindowModified()  # no mark in the title
    assert editor.collapse("res_2")
    document.undo_stack.undo()  # opens res_2 again
    assert not document.is_modified and document.undo_stack.isClean()
    assert document.undo_stack.count() == 3  # each step can still be undone
    first = document.graph.node_ids()[0]
    document.push(Move({first: (-500.0, -500.0)}))  # a real edit
    assert document.is_modified
    document.undo_stack.undo()
    assert not document.is_modified


def test_when_the_file_keeps_expanded_blocks_expanding_is_a_change(normal_window, qtbot,
                                                                   tmp_path, monkeypatch):
    window = normal_window
    open_example(window, qtbot, EXAMPLES[0])
    editor, document = window.canvas.editor, window.document
    assert editor.expand("res_2") and not document.is_modified
    path = tmp_path / "kept.archx.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    assert window.files.save_as()  # the file now stores res_2 expanded
    assert editor.collapse("res_2")
    assert document.is_modified  # so collapsing it changes what the file would store
    document.undo_stack.undo()
    assert not document.is_modified
    assert window.files.load_path(path)
    qtbot.wait(20)
    assert editor.expand("res_3") and document.is_modified


def test_an_expanded_zoo_network_folds_into_a_rectangle_that_fits_the_window(normal_window,
                                                                             qtbot):
    window = normal_window
    window.document.replace(ZOO["resnet50"]())
    qtbot.wait(20)
    editor, graph = window.canvas.editor, window.document.graph
    for block in [n.id for n in graph.nodes() if get_kind(n.kind).expand is not None]:
        assert editor.expand(block)
    assert len(graph) > 150 and not window.document.is_modified
    window.view.fit()
    rect = window.scene.content_rect()
    assert rect.width() / rect.height() < 4  # a rectangle, not one long line
    assert window.view.zoom > 1.5 * MIN_ZOOM  # so fitting it shows all of it
    view_rect = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert view_rect.contains(rect)
    assert_no_overlap(window)


def test_a_block_longer_than_a_band_is_framed_band_by_band_around_its_own_nodes_only(
        normal_window, qtbot):
    """The dense block continues on the next bands, like a word broken over lines: its frame
    is a box per band, and no node outside the block lies inside any of them."""
    window = normal_window
    window.document.replace(recipes.densenet(blocks=1, layers=3))
    qtbot.wait(20)
    assert window.canvas.editor.expand("dense_1")
    window.view.show_whole()  # folded to the window's shape: the block's 13 columns break
    qtbot.wait(20)
    frame = window.scene.frames["dense_1"]
    members = {n.id for n in window.document.graph.nodes() if n.group == "dense_1"}
    assert len(frame.band_rects) > 1  # it spans bands
    for node_id, rect in body_rects(window).items():
        inside = frame.shape().intersects(frame.mapRectFromScene(rect))
        assert inside == (node_id in members), node_id


def test_a_name_too_long_for_its_overview_box_shrinks_a_little_then_keeps_both_ends(qapp):
    from PySide6.QtGui import QFontMetricsF

    from explorer.app.canvas.node_item import _overview_name

    def width(name: str, size: float) -> float:
        font, shown = _overview_name(name, size, 10_000)
        return QFontMetricsF(font).horizontalAdvance(shown)

    full = width("linear_10", 12)
    font, shown = _overview_name("linear_10", 12, full - 1)  # a hair too narrow
    assert shown == "linear_10" and font.pixelSize() == 10
    font, shown = _overview_name("linear_10", 12, full / 2)  # far too narrow
    assert font.pixelSize() == 10 and shown.endswith("10") and "…" in shown
