"""The quick-add popup opens where it is asked, but never hangs out of its canvas."""

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest

from explorer.graph import recipes

FRAME = 4


def global_rect(widget):
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def test_the_popup_opened_from_the_keyboard_stays_inside_the_canvas(window):
    window.document.replace(recipes.mlp(depth=1), None)
    view = window.view
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)  # at the middle
    popup = view.quick_add
    assert popup.isVisible()
    visible = global_rect(view).intersected(popup.screen().availableGeometry())
    assert visible.height() >= popup.height(), "the test window is big enough for the popup"
    placed = QRect(popup.pos(), popup.size())
    # The platform may shift a popup by its frame (2 px offscreen): allow that much.
    assert visible.adjusted(-FRAME, -FRAME, FRAME, FRAME).contains(placed), (visible, placed)
    popup.hide()


def test_a_corner_near_the_bottom_right_moves_up_and_left_by_just_enough(window):
    popup = window.view.quick_add
    canvas = global_rect(window.view).intersected(popup.screen().availableGeometry())
    corner = popup.place(canvas.bottomRight() - QPoint(10, 10))
    assert corner == QPoint(canvas.right() + 1 - popup.width(),
                            canvas.bottom() + 1 - popup.height())
    near_top_left = canvas.topLeft() + QPoint(5, 5)
    assert popup.place(near_top_left) == near_top_left  # room enough: where it was asked
