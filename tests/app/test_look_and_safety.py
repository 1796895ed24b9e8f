"""Themes, the classroom text zoom, the exception net, and a quick start without torch."""

import logging
import sys

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from explorer.app import theme
from explorer.app.notices import ExceptionRelay

from ..imports import loaded_after


def test_dark_theme_changes_widgets_and_canvas_and_is_remembered(window, settings):
    window.look.set_theme("dark")
    assert theme.current().name == "dark"
    window_colour = QApplication.palette().color(QPalette.ColorRole.Window)
    assert window_colour.lightness() < 80
    assert window.actions_.dark.isChecked()
    assert settings.value("ui/theme") == "dark"
    window.look.set_theme("light")
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 200


def test_ui_zoom_scales_fonts_and_canvas(window, settings):
    base = QApplication.font().pointSizeF()
    canvas = window.view.transform().m11()
    window.look.set_theme("light")  # a style sheet is set, as in the running app
    existing = window.palette_panel.tree  # made before the zoom: it must grow too
    before = existing.fontInfo().pointSizeF()
    window.actions_.ui_bigger.trigger()
    window.actions_.ui_bigger.trigger()
    assert QApplication.font().pointSizeF() > base * 1.2
    assert existing.fontInfo().pointSizeF() > before * 1.2
    assert window.view.transform().m11() > canvas * 1.2
    assert float(settings.value("ui/zoom")) == window.look.ui_zoom
    window.actions_.ui_reset.trigger()
    assert abs(QApplication.font().pointSizeF() - base) < 0.01


def test_ui_zoom_steps_stay_in_range():
    assert theme.next_ui_zoom(1.0, 1) == 1.15
    assert theme.next_ui_zoom(1.0, -1) == 0.9
    assert theme.next_ui_zoom(theme.UI_ZOOM_STEPS[-1], 1) == theme.UI_ZOOM_STEPS[-1]


def test_exceptions_in_slots_are_logged_and_shown(window, qtbot, caplog):
    relay = ExceptionRelay()
    relay.caught.connect(lambda text: window.notices.show_message(text, error=True))
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError as error:
        with caplog.at_level(logging.ERROR, logger="explorer.app"):
            relay.handle(type(error), error, error.__traceback__)
    assert "ZeroDivisionError" in window.view.notice.text
    assert "Your work is safe" in window.view.notice.text
    assert "Traceback" in caplog.text


def test_relay_installs_and_uninstalls_the_hook():
    before = sys.excepthook
    relay = ExceptionRelay()
    relay.install()
    assert sys.excepthook == relay.handle
    relay.uninstall()
    assert sys.excepthook is before


def test_the_editor_starts_without_torch_or_the_export_layer(tmp_path):
    opened = ("from explorer.app.application import create_application\n"
              "app = create_application()\n"
              "from explorer.app.main_window import MainWindow\n"
              "w = MainWindow(); w.show()\n"
              "[app.processEvents() for _ in range(20)]; w.autosaver.stop()")
    assert loaded_after(opened, ["torch", "explorer.export"], home=tmp_path) == []


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_qt_slot_reaches_the_notice(window, qtbot, caplog):
    from PySide6.QtCore import QTimer

    relay = ExceptionRelay()
    relay.caught.connect(lambda text: window.notices.show_message(text, error=True))
    relay.install()
    try:
        def broken_slot():
            raise KeyError("missing piece")

        with caplog.at_level(logging.ERROR, logger="explorer.app"):
            QTimer.singleShot(0, broken_slot)
            qtbot.waitUntil(lambda: "KeyError" in window.view.notice.text, timeout=2000)
    finally:
        relay.uninstall()
    assert "missing piece" in caplog.text
    assert window.isVisible() and len(window.document.graph) > 0


def test_the_shortcut_sheet_lists_every_features_keys_as_the_actions_have_them(window):
    from explorer.app.actions import shortcut_sheet

    sheet = shortcut_sheet(window.actions_.feature_actions)
    for keys in ("F5", "F6", "F10", "Shift+F5", "F11", "Tab"):
        assert f"<b>{keys}</b>" in sheet, keys
    assert "Pause the run after its current step." in sheet
    train = next(a for a in window.actions_.feature_actions if a.shortcut().toString() == "F5")
    train.setShortcut("Ctrl+R")  # the sheet follows the action, not a copy of it
    assert "<b>Ctrl+R</b>" in shortcut_sheet(window.actions_.feature_actions)
