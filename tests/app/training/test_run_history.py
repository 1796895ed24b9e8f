"""The run history: every run kept with its graph and settings; selecting one shows its
curves; runs can be compared, renamed, deleted, restored into the editor, and their curves
saved as CSV, PNG and SVG."""

import csv
import shutil

import pytest

from explorer.app.paths import runs_dir
from explorer.app.training import run_history
from explorer.graph import SetParams, recipes
from explorer.train.run_index import rename_run

pytestmark = pytest.mark.slow
LOAD_TIMEOUT_MS = 60_000


@pytest.fixture
def two_runs():
    """A real run of the residual MLP (trained here, briefly) and a renamed copy of it."""
    from explorer.train import train

    project = recipes.residual_mlp()
    project.name = "residual spirals"
    ended = train(project, out=runs_dir(), steps=30, log_every=5, seed=3)
    assert ended.ok, ended.reason
    first = runs_dir() / ended.run_dir.split("/")[-1]
    second = first.with_name(first.name + "-copy")
    shutil.copytree(first, second)
    rename_run(second, "the copy")
    return first, second


@pytest.fixture
def history(window, two_runs, qtbot):
    window.training.history_dock.show()
    window.training.history_dock.raise_()
    qtbot.waitUntil(lambda: window.training.history is not None)
    return window.training.history


def select(history, qtbot, path):
    history.select(path)
    qtbot.waitUntil(lambda: path in history.opened, timeout=LOAD_TIMEOUT_MS)


def test_selecting_a_run_shows_its_curves_and_statistics(window, history, two_runs, qtbot):
    first, _ = two_runs
    assert {s.path for s in history.summaries()} == set(two_runs)
    assert {s.status for s in history.summaries()} == {"done"}
    select(history, qtbot, first)
    workspace = window.training
    loss = workspace.loss_host.ensure()
    qtbot.waitUntil(lambda: workspace.showing is history.opened[first].buffers)
    loss.refresh()
    assert len(loss.train_raw.getData()[0]) == 6  # steps 5, 10, ..., 30
    assert window.scene.nodes["res_1"].heat is not None  # its last gradients on the canvas


def test_runs_compare_rename_and_delete(window, history, two_runs, qtbot, monkeypatch):
    first, second = two_runs
    workspace = window.training
    loss = workspace.loss_host.ensure()
    item = history.item_for(second)
    item.setCheckState(0, run_history.Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: len(loss.overlays) == 1, timeout=LOAD_TIMEOUT_MS)
    assert loss.overlays[0][0] == "the copy"

    assert history.rename(first, "baseline")
    assert history.item_for(first).text(0) == "baseline"
    assert not history.rename(first, "   ")  # refused, with the reason shown
    assert "cannot be empty" in window.view.notice.text
    assert history.item_for(first).text(0) == "baseline"

    asked = []
    monkeypatch.setattr(run_history, "ask_delete_run", lambda parent, name: asked.append(name)
                        or False)
    history.select(second)
    history.buttons["delete"].click()
    assert asked == ["the copy"] and second.exists()  # cancelled: nothing deleted
    monkeypatch.setattr(run_history, "ask_delete_run", lambda parent, name: True)
    history.buttons["delete"].click()
    assert not second.exists()
    assert [s.path for s in history.summaries()] == [first]
    assert loss.overlays == []  # the deleted run left the comparison


def test_a_run_in_progress_cannot_be_deleted(window, history, two_runs, monkeypatch):
    first, _ = two_runs
    history.busy_paths.add(first)
    monkeypatch.setattr(run_history, "ask_delete_run", lambda *a: pytest.fail("asked"))
    history.select(first)
    history.buttons["delete"].click()
    assert first.exists() and "still training" in window.view.notice.text


def test_curves_are_saved_as_csv_png_and_svg(window, history, two_runs, qtbot, tmp_path,
                                              monkeypatch):
    first, _ = two_runs
    select(history, qtbot, first)
    for name in ("curves.csv", "curves.png", "curves.svg", "no-suffix"):
        monkeypatch.setattr(run_history, "ask_export_path", lambda *a, n=name: str(tmp_path / n))
        history.buttons["export"].click()
    rows = list(csv.DictReader((tmp_path / "curves.csv").open(encoding="utf-8")))
    assert [int(r["step"]) for r in rows] == [5, 10, 15, 20, 25, 30]
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "curves.svg").read_text(encoding="utf-8")
    assert (tmp_path / "no-suffix.csv").is_file()
    monkeypatch.setattr(run_history, "ask_export_path",
                        lambda *a: str(tmp_path / "missing" / "x.csv"))
    history.buttons["export"].click()
    assert "Could not save x.csv" in window.view.notice.text


def test_restoring_a_run_brings_back_its_graph_after_asking_about_unsaved_work(
        window, history, two_runs, qtbot, monkeypatch):
    first, _ = two_runs
    doc = window.document
    doc.push(SetParams("res_1", {"hidden": 7}))
    asked = []
    monkeypatch.setattr(run_history, "ask_delete_run", lambda *a: pytest.fail("asked"))
    from explorer.app import dialogs

    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: asked.append(a) or "cancel")
    history.select(first)
    history.buttons["restore"].click()
    assert asked and doc.graph.node("res_1").params["hidden"] == 7  # cancelled: kept
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "discard")
    history.buttons["restore"].click()
    assert doc.graph.node("res_1").params.get("hidden", 0) != 7
    assert doc.project.training.steps == 30 and doc.project.training.seed == 3
    assert doc.is_modified  # restored, not saved


def test_a_long_run_name_gets_the_room_the_other_columns_leave(window, history, two_runs):
    _, second = two_runs
    rename_run(second, "residual MLP, 8 blocks, spirals, seed 3, lr 0.01")
    history.reload()
    history.resize(700, 300)
    header = history.tree.header()
    names = [history.tree.topLevelItem(i).text(0)
             for i in range(history.tree.topLevelItemCount())]
    widest = max(history.tree.fontMetrics().horizontalAdvance(n) for n in names)
    assert header.sectionSize(0) > widest, "the name column shows the whole name"
    others = sum(header.sectionSize(i) for i in range(1, header.count()))
    assert header.sectionSize(0) + others <= history.tree.viewport().width() + 1
