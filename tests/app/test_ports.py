"""Ports are drawn by their node, not items of their own: still found by the mouse, lit when
hovered, with their tooltip."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsItem

from explorer.graph import recipes

from .gestures import port_point


def show_mlp(window):
    window.document.replace(recipes.mlp(depth=1))
    QApplication.processEvents()  # the window fits a newly opened network once
    window.view.set_zoom(1.0)
    window.view.centerOn(window.scene.content_rect().center())
    QApplication.processEvents()
    return window.scene.nodes["linear_1"]


def colour_at(view, point: QPoint):
    return view.viewport().grab().toImage().pixelColor(point)


def test_a_port_is_no_item_and_its_node_draws_it(window):
    node = show_mlp(window)
    port = node.output
    assert not isinstance(port, QGraphicsItem)
    assert len(window.scene.items()) == len(window.scene.nodes) + len(window.scene.wires)
    assert node.boundingRect().contains(port.hit_rect())
    assert node.shape().contains(port.hit_rect().topLeft() + QPointF(1, 1))  # found there
    centre = port_point(window.view, "linear_1")
    assert port.connected and colour_at(window.view, centre) == node.color  # filled: wired
    assert window.scene.port_at(port.anchor()) is port


def test_hovering_a_port_lights_it_and_shows_what_it_is(window):
    node = show_mlp(window)
    view, port = window.view, node.inputs["in"]
    away = port_point(view, "linear_1") + QPoint(0, 200)
    QTest.mouseMove(view.viewport(), away)
    plain = view.viewport().grab().toImage()
    centre = port_point(view, "linear_1", "in")
    QTest.mouseMove(view.viewport(), centre)
    assert port.hovered
    assert view.viewport().cursor().shape() == Qt.CursorShape.CrossCursor
    ring = QPoint(centre.x() - 7, centre.y())  # the ring grows from 6 to 8 units
    assert view.viewport().grab().toImage().pixelColor(ring) != plain.pixelColor(ring)
    assert "linear_1: input 'in'" in node.toolTip()  # the node shows the port's tooltip
    QTest.mouseMove(view.viewport(), away)
    assert not port.hovered


def test_a_collapsed_stage_lights_its_port_under_the_mouse_and_names_it(window):
    from explorer.graph.zoo import resnet50

    window.document.replace(resnet50())
    QApplication.processEvents()
    view = window.view
    view.set_zoom(1.0)
    box = window.scene.stage_layer.boxes["layer3"]
    view.centerOn(box.sceneBoundingRect().center())
    QApplication.processEvents()
    body = view.mapFromScene(box.mapToScene(box.body_rect().center()))
    QTest.mouseMove(view.viewport(), body)
    assert "Stage layer3" in box.toolTip() and not box.input.hovered
    QTest.mouseMove(view.viewport(), view.mapFromScene(box.input.anchor()))
    assert box.input.hovered and "its input" in box.toolTip()
    assert view.viewport().cursor().shape() == Qt.CursorShape.CrossCursor
    QTest.mouseMove(view.viewport(), body)
    assert not box.input.hovered and "Double-click" in box.toolTip()
