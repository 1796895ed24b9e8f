"""Ports drawn by their node: still found by the mouse, lit when hovered, with their tooltip."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsItem

from explorer.app.canvas.port_item import PortItem
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


def test_a_port_paints_nothing_itself_and_its_node_draws_it(window):
    node = show_mlp(window)
    port = node.output
    assert isinstance(port, PortItem)
    assert port.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
    assert node.boundingRect().contains(port.mapRectToParent(port.rect()))
    centre = port_point(window.view, "linear_1")
    assert port.connected and colour_at(window.view, centre) == node.color  # filled: wired


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
    assert "linear_1: input 'in'" in port.toolTip()
    QTest.mouseMove(view.viewport(), away)
    assert not port.hovered
