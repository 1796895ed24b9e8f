"""Demonstrations open ready to run; the sweep builder makes the right variants or says why not."""


import pytest

from explorer.app import dialogs
from explorer.app.classroom.sweep_dialog import DepthSweepDialog
from explorer.app.classroom.sweeps import SweepRequest, build_sweep, parse_depths
from explorer.app.gallery import ExamplesGallery
from explorer.graph import SetParams
from explorer.graph.demos import DEMOS, demo

from ...imports import loaded_after


def test_opening_a_demo_fills_the_explanation_and_the_variants(window, qtbot):
    shown = window.classroom.open_demo("highway_vs_plain")
    assert shown is not None
    qtbot.addWidget(shown)
    chosen = demo("highway_vs_plain")
    assert shown.title.text() == chosen.title
    text = shown.explanation.text()
    assert "Srivastava" in text and "ln 2" in text and chosen.summary in text
    assert shown.explanation.isVisible()
    labels = [shown.table.item(row, 0).text() for row in range(shown.table.rowCount())]
    assert labels == [v.label for v in chosen.variants]
    assert [shown.table.item(row, 1).text() for row in range(4)] == ["waiting"] * 4
    assert shown.buttons["run"].isEnabled() and not shown.buttons["stop"].isEnabled()
    assert "1,500 steps" in shown.settings_line.text() and "SGD" in shown.settings_line.text()
    # the first variant is on the canvas, as a new document with the demo's settings
    assert window.document.project.name == "plain, 10 layers"
    assert window.document.project.training == chosen.settings
    assert window.document.path is None
    qtbot.waitExposed(shown)
    table = shown.table
    assert table.horizontalHeader().length() <= table.viewport().width()  # every figure shows


@pytest.mark.parametrize("name", ["vanishing_gradients", "lesion", "checkpoint_memory"])
def test_each_kind_of_demo_shows_what_it_is_about(window, qtbot, name):
    shown = window.classroom.open_demo(name)
    qtbot.addWidget(shown)
    kind = type(shown.analysis).__name__
    assert kind == {"vanishing_gradients": "GradientComparison", "lesion": "LesionComparison",
                    "checkpoint_memory": "MemoryTable"}[name]
    if name != "checkpoint_memory":
        assert len(shown.analysis.panels) == len(demo(name).variants)
    else:
        assert shown.analysis.rowCount() == 2 and not shown.loss.isVisible()


def test_a_demo_asks_about_unsaved_work_and_keeps_it_when_told(window, monkeypatch):
    doc = window.document
    first = next(iter(doc.graph.node_ids()))
    node = next(n for n in doc.graph.nodes() if n.kind == "Linear")
    assert doc.push(SetParams(node.id, {"out_features": 40}))
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "cancel")
    assert window.classroom.open_demo("lesion") is None
    assert doc.graph.node(node.id).params["out_features"] == 40 and first in doc.graph
    assert window.classroom.experiment_window is None


def test_open_variant_puts_the_selected_network_on_the_canvas(window, qtbot):
    shown = window.classroom.open_demo("pre_vs_post_ln")
    qtbot.addWidget(shown)
    shown.table.selectRow(1)
    shown.buttons["open"].click()
    assert window.document.project.name == "Post-LN, 8 blocks"


def test_the_gallery_lists_the_demonstrations_and_opens_one(window, qtbot, monkeypatch):
    gallery = ExamplesGallery(window)
    qtbot.addWidget(gallery)
    assert gallery.demos.count() == len(DEMOS)
    first = demo(next(iter(DEMOS)))
    assert first.title in gallery.demos.item(0).text()
    assert first.summary in gallery.demos.item(0).text()
    gallery.tabs.setCurrentIndex(1)
    gallery.demos.setCurrentRow(5)
    gallery._open_current()
    assert gallery.chosen_demo == list(DEMOS)[5] and gallery.chosen is None
    opened = []
    monkeypatch.setattr(window.classroom, "open_demo", opened.append)

    def choose_the_first_demonstration(self):
        self.tabs.setCurrentIndex(1)
        self._open_current()
        return self.result()

    monkeypatch.setattr(ExamplesGallery, "exec", choose_the_first_demonstration)
    window.actions_.examples.trigger()
    assert opened == [next(iter(DEMOS))]


def test_the_classroom_menu_lists_every_demonstration(window):
    menu = window.classroom.menu
    titles = [a.text() for a in window.classroom.demo_actions.values()]
    assert titles == [demo(name).title for name in DEMOS]
    assert window.classroom.sweep_action in menu.actions()
    assert window.classroom.lesions.action in menu.actions()


def test_depths_are_read_or_refused_with_the_reason():
    assert parse_depths("5, 10,20 ,50") == (5, 10, 20, 50)
    assert parse_depths("10, 10, 5") == (10, 5)
    for text, reason in (("", "at least one depth"), ("5, ten", "“ten” is not a whole number"),
                         ("1", "outside 2 … 500"), ("5, 900", "outside"), ("2.5", "whole")):
        with pytest.raises(ValueError, match=reason):
            parse_depths(text)


def test_the_sweep_dialog_builds_the_right_variants(qtbot):
    dialog = DepthSweepDialog()
    qtbot.addWidget(dialog)
    assert list(dialog.block_boxes) == ["plain", "residual", "highway"]
    dialog.set_blocks(["plain", "highway"])
    dialog.depths.setText("4, 8")
    dialog.steps.setValue(200)
    dialog.seed.setValue(3)
    request = dialog.request()
    assert request == SweepRequest(("plain", "highway"), (4, 8), "spirals", None, "relu", 200, 3)
    experiment = build_sweep(request)
    assert [v.label for v in experiment.variants] == [
        "plain, 4 layers", "plain, 8 layers", "highway, 4 layers", "highway, 8 layers"]
    assert {v.project.training.steps for v in experiment.variants} == {200}
    assert experiment.settings.seed == 3 and experiment.settings.optimizer == "sgd"
    dialog.set_dataset("digits")  # images: convolutional blocks
    assert list(dialog.block_boxes) == ["plain", "residual", "dense"]
    ticked = [name for name, box in dialog.block_boxes.items() if box.isChecked()]
    assert ticked == ["plain"]  # the ticks that still apply stay
    assert dialog.steps.value() == 600  # the image recipe's budget


def test_the_sweep_dialog_refuses_bad_input_and_keeps_build_off(qtbot):
    dialog = DepthSweepDialog()
    qtbot.addWidget(dialog)
    ok = dialog.buttons.buttons()[0]
    assert ok.isEnabled()
    dialog.depths.setText("5, 0")
    assert "outside 2 … 500" in dialog.problem.text() and not ok.isEnabled()
    dialog._accept()
    assert dialog.result() == 0  # not accepted
    dialog.depths.setText("5, 10")
    assert ok.isEnabled()
    dialog.set_blocks([])
    assert "at least one block" in dialog.problem.text() and not ok.isEnabled()
    dialog.set_blocks(["plain", "residual", "highway"])
    dialog.depths.setText(", ".join(str(d) for d in range(2, 12)))
    assert "at most 24" in dialog.problem.text()


def test_a_sweep_on_a_table_fits_the_table(qtbot):
    experiment = build_sweep(SweepRequest(("plain", "residual"), (3,), "wine", steps=50))
    from explorer.train import plan_run

    for variant in experiment.variants:
        plan_run(variant.project)  # refuses a network that does not fit wine's 13 columns


def test_the_classroom_loads_nothing_heavy_until_used():
    assert loaded_after("import explorer.app.classroom.classroom, explorer.app.gallery",
                        ["numpy", "pyqtgraph", "torch"]) == []
