"""Each feature works from its narrow seams alone: no main window is made in these tests.

The features get a bare ``QMainWindow`` frame for their docks and menus,
and small stand-ins that record what they were asked (notices, the canvas,
the editor's runs). The import-linter contracts that keep it so are checked
by tests/test_repo_rules.py; here we check they are declared.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QWidget

from explorer.app import seams
from explorer.app.classroom.classroom import Classroom
from explorer.app.classroom.lesion_mode import NO_RUN, LesionMode
from explorer.app.classroom.presentation import PresentationMode
from explorer.app.docks import Docks
from explorer.app.document import Document
from explorer.app.export_actions import ExportActions
from explorer.app.training.workspace import TrainingWorkspace
from explorer.graph import Project, recipes

ROOT = Path(__file__).resolve().parents[2]


class Said:
    """Notices that remember what they were told."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, bool]] = []

    def show_message(self, text: str, error: bool = False) -> None:
        self.lines.append((text, error))

    def announce(self, text: str) -> None:
        self.lines.append((text, False))

    def show_progress(self, text: str) -> None:
        self.lines.append((text, False))


class Menus:
    """A menu host on a bare frame."""

    def __init__(self, frame: QMainWindow) -> None:
        self.frame = frame
        self.view_menu = frame.menuBar().addMenu("&View")
        self.tool_bar = frame.addToolBar("Tools")
        self.inserted: list[str] = []

    def add_menu(self, title: str):
        self.inserted.append(title)
        return self.frame.menuBar().addMenu(title)

    def add_shortcuts(self, actions) -> None:
        self.frame.addActions(list(actions))


class Canvas:
    """A canvas that remembers what it was asked to show."""

    def __init__(self) -> None:
        self.revealed: list[str] = []
        self.selected: list[list[str]] = []
        self.menu_entries: list = []
        self.heat: dict = {}
        self.fitted = 0
        self.legend_host = QWidget()

    def reveal_node(self, node_id: str) -> None:
        self.revealed.append(node_id)

    def select_nodes(self, node_ids: list[str]) -> None:
        self.selected.append(list(node_ids))

    def fit(self) -> None:
        self.fitted += 1

    def show_whole(self) -> None:
        self.fitted += 1

    def show_opened(self) -> None:
        self.fitted += 1

    def add_node_menu_entries(self, entries) -> None:
        self.menu_entries.append(entries)

    def set_heat(self, nodes: dict[str, tuple[QColor, tuple[str, ...]]]) -> None:
        self.heat = nodes


class Unsaved:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked = 0

    def maybe_save(self) -> bool:
        self.asked += 1
        return self.answer


class TextSize:
    def __init__(self) -> None:
        self.ui_zoom = 1.0

    def set_ui_zoom(self, factor: float) -> None:
        self.ui_zoom = factor


class Runs:
    """The editor's runs as the classroom sees them: three live docks, no finished run."""

    def __init__(self, docks: Docks) -> None:
        self.actions = {name: QAction(name.title()) for name in ("train", "pause", "step",
                                                                 "stop")}
        self.presenting = False
        self.docks = tuple(docks.add_bottom_panel(title, QLabel(title))
                           for title in ("Loss", "Gradient flow", "Decision boundary"))

    def live_docks(self) -> tuple[QDockWidget, ...]:
        return self.docks

    def run_active(self) -> bool:
        return False

    def finished_run(self) -> None:
        return None


@pytest.fixture
def frame(qtbot):
    frame = QMainWindow()
    frame.setCentralWidget(QLabel("canvas"))
    qtbot.addWidget(frame)
    return frame


@pytest.fixture
def docks(frame):
    docks = Docks(frame)
    docks.problems_dock = docks.add_bottom_panel("Problems", QLabel("problems"))
    return docks


def unwired_output() -> Project:
    """A network whose output is not wired: one error, on ``output_1``."""
    project = recipes.mlp(depth=1, width=8)
    project.graph.disconnect(project.graph.edges()[-1])
    return project


def test_every_seam_says_what_it_is_for():
    protocols = [value for value in vars(seams).values()
                 if isinstance(value, type) and getattr(value, "_is_protocol", False)]
    assert len(protocols) >= 7
    assert all(len((p.__doc__ or "").strip()) > 40 for p in protocols)


def test_exports_refuse_a_network_with_errors_through_their_notices(frame):
    said = Said()
    exports = ExportActions(Document(unwired_output(), parent=frame), said, parent=frame)
    exports.export_python()
    assert said.lines == [("Fix the errors before exporting: output_1: input 'in' is not "
                           "connected.", True)]


def test_the_training_workspace_builds_on_a_bare_frame_and_points_at_the_problem(
        frame, docks):
    said, canvas, menus = Said(), Canvas(), Menus(frame)
    workspace = TrainingWorkspace(Document(unwired_output(), parent=frame), notices=said,
                                  docks=docks, menus=menus, canvas=canvas, colours=canvas,
                                  unsaved=Unsaved(True), parent=frame)
    assert menus.inserted == ["&Run"]
    titles = {dock.windowTitle() for dock in frame.findChildren(QDockWidget)}
    assert {"Train", "Runs", "Loss", "Gradient flow", "Decision boundary"} <= titles
    assert not workspace.train()
    assert said.lines[-1][0].startswith("The network cannot train yet. output_1:")
    assert canvas.revealed == ["output_1"]
    assert not workspace.run_active() and workspace.finished_run() is None


def test_lesion_mode_without_a_finished_run_says_so_and_adds_to_the_node_menu(frame, docks):
    said, canvas = Said(), Canvas()
    lesions = LesionMode(notices=said, docks=docks, canvas=canvas, runs=Runs(docks),
                         menus=Menus(frame), parent=frame)
    assert not lesions.study_current()
    assert said.lines == [(NO_RUN, True)]
    assert len(canvas.menu_entries) == 1
    lesions.select_block("res_1")
    assert canvas.selected == [["res_1"]]


def test_presentation_mode_rearranges_only_the_frame_it_was_given(frame, docks, qtbot):
    frame.show()
    qtbot.waitExposed(frame)
    text, canvas, runs = TextSize(), Canvas(), Runs(docks)
    presentation = PresentationMode(frame, text_size=text, canvas=canvas, runs=runs)
    presentation.set_active(True)
    assert frame.isFullScreen() and text.ui_zoom == 1.5 and runs.presenting
    assert not docks.problems_dock.isVisible() and all(d.isVisible() for d in runs.docks)
    qtbot.waitUntil(lambda: canvas.fitted >= 1)  # again on each resize as full screen comes
    presentation.set_active(False)
    assert not frame.isFullScreen() and text.ui_zoom == 1.0 and not runs.presenting


def test_the_classroom_keeps_the_canvas_when_the_user_keeps_unsaved_work(frame, docks):
    document = Document(recipes.mlp(depth=1, width=8), parent=frame)
    before = document.project
    unsaved, said, menus, runs = Unsaved(False), Said(), Menus(frame), Runs(docks)
    lesions = LesionMode(notices=said, docks=docks, canvas=Canvas(), runs=runs, menus=menus,
                         parent=frame)
    presentation = PresentationMode(frame, text_size=TextSize(), canvas=Canvas(), runs=runs)
    classroom = Classroom(document, notices=said, unsaved=unsaved, menus=menus, runs=runs,
                          lesions=lesions, presentation=presentation, parent=frame)
    assert menus.inserted == ["&Classroom"]
    assert not classroom.put_on_canvas(Project(name="other"))
    assert document.project is before and said.lines == []
    unsaved.answer = True
    assert classroom.put_on_canvas(Project(name="other"))
    assert document.project.name == "other" and "is on the canvas" in said.lines[-1][0]


def test_docks_tab_panels_with_the_inspector_and_list_them_in_the_panels_menu(frame, docks):
    inspector = docks.add("Inspector", QLabel("inspector"))
    docks.tab_with = inspector
    code = docks.add_panel("Code", QLabel("code"))
    assert code in frame.tabifiedDockWidgets(inspector)
    assert [a.text() for a in docks.menu.actions()] == ["Problems", "Inspector", "Code"]


def contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def test_import_contracts_keep_the_app_parts_apart():
    by_type: dict[str, list[dict]] = {}
    for contract in contracts():
        by_type.setdefault(contract["type"], []).append(contract)
    [window_door] = [c for c in by_type["protected"]
                     if c["protected_modules"] == ["explorer.app.main_window"]]
    assert window_door["allowed_importers"] == ["explorer.app.application"]
    assert {"explorer.app.canvas", "explorer.app.training", "explorer.app.classroom"} in [
        set(c["modules"]) for c in by_type["independence"]]
    assert any(c["source_modules"] == ["explorer.cli"]
               and {"PySide6", "pyqtgraph"} <= set(c["forbidden_modules"])
               for c in by_type["forbidden"])
