"""The Code panel: live PyTorch code, marked lines both ways, the error banner, Copy, Save as."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from explorer.app import code_preview, export_actions
from explorer.graph import SetParams, recipes

CODE_TIMEOUT_MS = 60_000  # the first export in a test process imports torch


def _unexpected(*args, **kwargs):
    raise AssertionError("the test did not expect an export dialog")


@pytest.fixture(autouse=True)
def no_export_dialogs(monkeypatch):
    for name in ("ask_python_path", "ask_onnx_path", "ask_training_folder", "ask_replace_files"):
        monkeypatch.setattr(export_actions, name, _unexpected)


def wait_for_code(qtbot, preview) -> str:
    qtbot.waitUntil(lambda: not (preview.updating or preview.busy) and bool(preview.code),
                    timeout=CODE_TIMEOUT_MS)
    return preview.code


@pytest.fixture
def preview(window, qtbot):
    """The window's Code panel, in front, showing a residual MLP's code."""
    window.document.replace(recipes.residual_mlp())
    window.code_dock.raise_()
    qtbot.waitUntil(lambda: window.code_preview.on_screen, timeout=2000)
    wait_for_code(qtbot, window.code_preview)
    return window.code_preview


def expected_text(project) -> str:
    from explorer.export import network_source

    return network_source(project).text


def test_the_code_is_the_export_and_follows_an_edit(window, preview, qtbot):
    assert preview.code == expected_text(window.document.project)
    window.document.push(SetParams("linear_1", {"out_features": 48}))
    assert preview.updating and preview.status.text() == code_preview.UPDATING
    code = wait_for_code(qtbot, preview)
    assert code == expected_text(window.document.project)
    assert "nn.Linear(2, 48" in code
    for node_id in ("linear_1", "relu_1", "res_1", "res_2", "res_3", "linear_2"):
        assert f"self.{node_id} = " in code and f"self.{node_id}(" in code


def test_selecting_a_node_marks_and_shows_its_lines(window, preview, qtbot):
    window.scene.select_nodes(["res_3"])
    marked = preview.view.marked_lines
    assert marked == preview.lines_of("res_3") and marked
    texts = [preview.view.line_text(line) for line in marked]
    assert any("self.res_3 = " in text for text in texts)
    assert any("self.res_3(" in text for text in texts)
    assert not any("res_1" in text or "linear_2 =" in text for text in texts)
    assert any(preview.view.is_line_visible(line) for line in marked)
    window.scene.select_nodes([])
    assert preview.view.marked_lines == ()


def test_clicking_a_line_selects_its_node(window, preview, qtbot):
    view = preview.view
    line = next(n for n in range(1, view.line_count() + 1)
                if view.line_text(n).strip().startswith("self.relu_1 = "))
    view.show_line(line)
    qtbot.waitUntil(lambda: view.is_line_visible(line), timeout=2000)
    block = view.document().findBlockByNumber(line - 1)
    top = view.blockBoundingGeometry(block).translated(view.contentOffset()).top()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(40, int(top) + 3))
    assert window.scene.selected_node_ids() == ["relu_1"]
    assert line in view.marked_lines


def test_errors_show_a_banner_over_the_last_good_code(window, preview, qtbot):
    good = preview.code
    window.document.push(SetParams("res_2", {"out_features": 32, "shortcut": "identity"}))
    assert window.document.result.errors
    assert not preview.banner.isHidden()
    assert preview.banner.text().startswith("Fix the errors to update the code: ")
    assert window.document.result.errors[0].message in preview.banner.text()
    assert preview.code == good and preview.view.stale
    qtbot.wait(code_preview.DEBOUNCE_MS + 100)
    assert preview.code == good and not preview.work.busy  # nothing is made from a broken graph
    window.document.undo_stack.undo()
    assert preview.banner.isHidden()
    wait_for_code(qtbot, preview)
    assert not preview.view.stale and preview.code == good


def test_a_graph_with_no_code_yet_says_why(window, qtbot):
    from explorer.graph import Project

    window.document.replace(Project())
    window.code_dock.raise_()
    preview = window.code_preview
    assert preview.code == "" and preview.view.placeholderText()
    assert "no input" in preview.banner.text()


def test_only_the_newest_result_is_shown(window, preview, qtbot, monkeypatch):
    gate, started, shown = threading.Event(), threading.Event(), []
    real = code_preview.make_code

    def slow_first(snapshot):
        if not started.is_set():
            started.set()
            gate.wait(30)
        return real(snapshot)

    monkeypatch.setattr(code_preview, "make_code", slow_first)
    preview.view.textChanged.connect(lambda: shown.append(preview.code))
    window.document.push(SetParams("linear_1", {"out_features": 40}))
    qtbot.waitUntil(started.is_set, timeout=5000)
    window.document.push(SetParams("linear_1", {"out_features": 41}))
    gate.set()
    code = wait_for_code(qtbot, preview)
    assert "nn.Linear(2, 41" in code
    assert shown and not any("nn.Linear(2, 40" in text for text in shown)


def test_a_hidden_panel_makes_no_code(window, preview, qtbot, monkeypatch):
    calls = []
    real = code_preview.make_code

    def counted(snapshot):
        calls.append(snapshot)
        return real(snapshot)

    monkeypatch.setattr(code_preview, "make_code", counted)
    window.inspector_dock.raise_()
    qtbot.waitUntil(lambda: not preview.on_screen, timeout=2000)
    window.document.push(SetParams("linear_1", {"out_features": 50}))
    qtbot.wait(code_preview.DEBOUNCE_MS + 200)
    assert calls == [] and preview.updating
    window.code_dock.raise_()
    assert "nn.Linear(2, 50" in wait_for_code(qtbot, preview)
    assert len(calls) == 1


def test_copy_puts_the_code_on_the_clipboard(preview):
    QGuiApplication.clipboard().clear()
    preview.copy_button.click()
    assert QGuiApplication.clipboard().text() == preview.code
    assert "Copied" in preview.status.text()


def test_save_as_writes_what_export_python_writes(window, preview, qtbot, tmp_path,
                                                  monkeypatch):
    target = tmp_path / "network.py"
    monkeypatch.setattr(export_actions, "ask_python_path", lambda *a: str(target))
    preview.save_button.click()
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=CODE_TIMEOUT_MS)
    assert target.read_text(encoding="utf-8") == preview.code
    assert str(target) in window.view.notice.text


def test_the_code_font_is_monospace_and_follows_the_text_zoom(window, preview):
    font = preview.view.font()
    assert font.fixedPitch() or font.styleHint() == font.StyleHint.Monospace
    before = preview.view.font().pointSizeF()
    window.look.set_ui_zoom(1.5)
    assert preview.view.font().pointSizeF() > before * 1.3
    assert preview.view.gutter_width() > 0


