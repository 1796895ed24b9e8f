"""Files: save, open, recent files, unsaved changes, and files that cannot be opened."""

import json

import pytest

from explorer.app import dialogs
from explorer.app.files import with_suffix
from explorer.graph import SetParams, recipes
from explorer.graph.project import dumps, save


@pytest.fixture
def saved_file(tmp_path):
    path = tmp_path / "net.archx.json"
    save(recipes.highway_mlp(blocks=2), path)
    return path


def test_suffix_is_added_once():
    assert with_suffix("a/net").name == "net.archx.json"
    assert with_suffix("net.archx.json").name == "net.archx.json"


def test_open_shows_the_file_and_titles_the_window(window, saved_file):
    assert window.files.open(saved_file)
    assert "net" in window.windowTitle() and not window.isWindowModified()
    assert window.document.path == saved_file
    assert set(window.scene.nodes) == set(window.document.graph.node_ids())
    assert window.files.recent_files()[0] == saved_file.resolve()


def test_modified_mark_follows_the_undo_stack(window, saved_file):
    window.files.open(saved_file)
    window.document.push(SetParams("linear_1", {"out_features": 9}))
    assert window.isWindowModified()
    window.document.undo_stack.undo()
    assert not window.isWindowModified()


def test_a_corrupt_file_opens_nothing_and_says_why(window, tmp_path):
    before = dumps(window.document.project)
    bad = tmp_path / "bad.archx.json"
    bad.write_text('{"format": "architecture-explorer", "version": 1, "nodes": [', "utf-8")
    assert not window.files.open(bad)
    assert dumps(window.document.project) == before
    assert "bad.archx.json" in window.view.notice.text
    assert "not valid JSON" in window.view.notice.text
    assert window.document.path is None


def test_a_newer_file_is_refused_with_the_reason(window, saved_file):
    doc = json.loads(saved_file.read_text())
    doc["version"] = 99
    saved_file.write_text(json.dumps(doc))
    assert not window.files.open(saved_file)
    assert "newer" in window.view.notice.text
    assert len(window.document.graph) == 8  # the default example is still there


def test_a_missing_file_says_so(window, tmp_path):
    assert not window.files.open(tmp_path / "gone.archx.json")
    assert "gone.archx.json" in window.view.notice.text


def test_unsaved_changes_prompt_cancel_keeps_everything(window, saved_file, monkeypatch):
    window.document.push(SetParams("linear_1", {"out_features": 9}))
    asked = []
    monkeypatch.setattr(dialogs, "ask_save_changes",
                        lambda parent, name: asked.append(name) or "cancel")
    assert not window.files.open(saved_file)
    assert not window.files.new()
    assert len(asked) == 2
    assert window.document.graph.node("linear_1").params["out_features"] == 9


def test_unsaved_changes_prompt_save_writes_first(window, tmp_path, saved_file, monkeypatch):
    window.document.push(SetParams("linear_1", {"out_features": 9}))
    target = tmp_path / "mine.archx.json"
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "save")
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(target))
    assert window.files.open(saved_file)
    assert '"out_features": 9' in target.read_text()


def test_closing_with_unsaved_changes_asks(window, monkeypatch):
    window.document.push(SetParams("linear_1", {"out_features": 9}))
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "cancel")
    assert not window.close()
    assert window.isVisible()
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "discard")
    assert window.close()


def test_a_failed_save_keeps_the_work_marked_unsaved(window, tmp_path, monkeypatch):
    window.document.push(SetParams("linear_1", {"out_features": 9}))
    monkeypatch.setattr(dialogs, "ask_save_path",
                        lambda *a: str(tmp_path / "no-such-folder" / "x"))
    assert not window.files.save()
    assert window.document.is_modified
    assert "Could not save" in window.view.notice.text


def test_a_value_no_file_can_hold_is_refused_without_touching_the_file(window, saved_file):
    """An infinite number in the project's free-form ui data: the save says so, writes nothing."""
    assert window.files.load_path(saved_file)
    before = saved_file.read_bytes()
    window.document.project.ui["zoom"] = float("inf")
    window.document.push(SetParams("linear_1", {"out_features": 9}))
    assert not window.files.save()
    assert saved_file.read_bytes() == before
    assert window.document.is_modified
    assert "Could not save" in window.view.notice.text and "ui.zoom" in window.view.notice.text


def test_recent_files_menu_lists_opened_files(window, saved_file):
    window.files.open(saved_file)
    titles = [a.text() for a in window.actions_.recent_menu.actions()]
    assert "net.archx.json" in titles
    window.files.clear_recent()
    assert window.files.recent_files() == []
    assert not window.actions_.recent_menu.isEnabled()


def test_examples_open_as_new_unsaved_documents(window):
    from explorer.app.examples import list_examples

    examples = list_examples()
    kinds = [{n.kind for n in e.load().graph.nodes()} for e in examples]
    for wanted in ("DenseBlock", "TransformerBlock", "Concat", "ResidualMLP"):
        assert any(wanted in k for k in kinds), wanted
    dense = next(e for e, k in zip(examples, kinds, strict=True) if "DenseBlock" in k)
    assert window.files.open_example(dense)
    assert window.document.path is None and not window.document.is_modified
    assert any(n.kind == "DenseBlock" for n in window.document.graph.nodes())


def test_recipes_stand_in_when_no_example_files_are_installed(monkeypatch):
    from explorer.app import examples

    monkeypatch.setattr(examples, "example_paths", lambda: [])
    keys = [e.key for e in examples.list_examples()]
    assert keys[0] == "residual_mlp" and "unet" in keys


def test_export_diagram_writes_png_and_svg(window, tmp_path, monkeypatch):
    for kind in ("png", "svg"):
        target = tmp_path / f"diagram.{kind}"
        monkeypatch.setattr(dialogs, "ask_export_path", lambda *a, t=target: str(t))
        window.exports.export_diagram(kind)
        assert target.exists() and target.stat().st_size > 1000
    assert window.document.undo_stack.count() == 0


def test_export_to_a_missing_folder_says_why(window, tmp_path, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_export_path",
                        lambda *a: str(tmp_path / "nowhere" / "diagram.png"))
    window.exports.export_diagram("png")
    assert "Could not export the diagram" in window.view.notice.text


def test_damaged_settings_do_not_stop_the_window(qtbot, tmp_path, settings):
    from explorer.app.main_window import MainWindow

    settings.setValue("ui/zoom", "very big")
    settings.setValue("ui/theme", 42)
    settings.setValue("files/recent", 7)
    settings.setValue("window/geometry", b"garbage")
    win = MainWindow(settings=settings, autosave_dir=tmp_path / "a")
    qtbot.addWidget(win)
    assert win.look.ui_zoom == 1.0
    assert win.files.recent_files() == []
    assert len(win.document.graph) == 8
