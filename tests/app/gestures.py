"""Mouse gestures on the canvas, sent as real Qt events to the view's viewport."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from explorer.app.canvas.view import CanvasView


def to_view(view: CanvasView, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def port_point(view: CanvasView, node_id: str, port: str = "out") -> QPoint:
    """Where a port is, in viewport pixels."""
    item = view.graph_scene.nodes[node_id]
    port_item = item.output if port == "out" else item.inputs[port]
    assert port_item is not None
    return to_view(view, port_item.anchor())


def node_point(view: CanvasView, node_id: str) -> QPoint:
    item = view.graph_scene.nodes[node_id]
    return to_view(view, item.mapToScene(item.body_rect().center()))


def drag(view: CanvasView, start: QPoint, end: QPoint, steps: int = 6,
         button=Qt.MouseButton.LeftButton) -> None:
    """Press at ``start``, move in steps, release at ``end``."""
    viewport = view.viewport()
    QTest.mousePress(viewport, button, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, steps + 1):
        point = start + (end - start) * i / steps
        QTest.mouseMove(viewport, point)
    QTest.mouseRelease(viewport, button, Qt.KeyboardModifier.NoModifier, end)


def wire(view: CanvasView, src: str, dst: str, port: str = "in") -> None:
    """Drag a wire from ``src``'s output to ``dst``'s input ``port``."""
    drag(view, port_point(view, src), port_point(view, dst, port))


def drop_kind(view: CanvasView, kind: str, point: QPoint) -> bool:
    """Drop what the palette drags for ``kind`` at a viewport point; True if accepted."""
    from explorer.app.palette import kind_mime_data

    return drop_mime(view, kind_mime_data(kind), point)


def drop_mime(view: CanvasView, data, point: QPoint) -> bool:
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(point), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), event)
    return event.isAccepted()
