"""Pictures of the editor for the docs: ``python -m explorer.app.screenshots OUTDIR``.

Run it under a real (virtual) display for faithful fonts, e.g.
``xvfb-run -a -s '-screen 0 1600x1000x24' python -m explorer.app.screenshots docs/screenshots``;
it also works offscreen. Each picture is the whole main window.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from explorer.graph import Connect, Edge, Project, SetParams, recipes
from explorer.graph.examples import example_name, example_paths, load_example
from explorer.graph.project import load
from explorer.graph.stages import SetStageCollapsed

SIZE = (1600, 1000)
CODE_PANEL_WIDTH = 720  # wide enough for the code's 88-character lines
CODE_WAIT_SECONDS = 60  # the first code in a process imports torch and runs ruff
TRAIN_WAIT_SECONDS = 240  # a training picture waits at most this long for its run
TRAIN_PANEL_WIDTH = 380


def _settle(app: QApplication, rounds: int = 8) -> None:
    for _ in range(rounds):
        app.processEvents()


def _shot(app: QApplication, window, out: Path, name: str,
          prepare: Callable[[], None] | None = None) -> Path:
    if prepare is not None:
        prepare()
    _settle(app)
    window.view.show_whole()  # an unsaved network folds into rows that suit the picture
    _settle(app)
    time.sleep(0.1)  # the overview decides on its timer whether it is needed
    _settle(app)
    path = out / f"{name}.png"
    window.grab().save(str(path))
    print(f"wrote {path}")
    return path


def _wait_for_code(app: QApplication, window) -> None:
    preview = window.code_preview
    deadline = time.monotonic() + CODE_WAIT_SECONDS
    _settle(app)
    while (preview.updating or preview.busy) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def _train(app: QApplication, window, project: Project, until: float, **settings) -> None:
    """Train ``project`` for real until ``until`` of its steps are done (1.0: to the end)."""
    from .training.settings_edit import change_settings

    doc = window.document
    doc.replace(project)
    if len(doc.graph) > 16:
        window.editor.tidy()  # long chains fold into bands that fit the picture
    if settings:
        change_settings(doc, **settings)
    doc.undo_stack.setClean()
    window.resizeDocks([window.training.controls_dock], [TRAIN_PANEL_WIDTH],
                       Qt.Orientation.Horizontal)
    window.view.notice.hide()
    window.training.train()
    session = window.training.session
    deadline = time.monotonic() + TRAIN_WAIT_SECONDS
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
        progress = session.last_progress
        if session.state == "ended" or (
                until < 1 and progress is not None and progress.step >= until * progress.total_steps
                and window.training.boundary is not None and window.training.boundary.frames):
            break
    for _ in range(40):  # let every panel catch up with the newest records
        app.processEvents()
        time.sleep(0.01)
    window.statusBar().clearMessage()


def _stop_training(app: QApplication, window) -> None:
    session = window.training.session
    session.stop()
    deadline = time.monotonic() + TRAIN_WAIT_SECONDS
    while session.active and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def make_screenshots(out: Path) -> list[Path]:
    from .application import create_application, create_window

    app = create_application()

    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="explorer-shots-"))
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = create_window(settings=settings, autosave_dir=scratch)
    window.resize(*SIZE)
    window.show()
    _settle(app)
    doc = window.document
    shots: list[Path] = []

    def show(project: Project, select: str | None = None) -> Callable[[], None]:
        def prepare() -> None:
            doc.replace(project)
            if select is not None:
                window.scene.select_nodes([select])
        return prepare

    shots.append(_shot(app, window, out, "empty", show(Project(name="Untitled"))))
    shots.append(_shot(app, window, out, "residual_mlp", show(recipes.residual_mlp(), "res_2")))

    def expanded() -> None:
        doc.replace(recipes.residual_mlp())
        window.editor.expand("res_2")  # as a double-click does: laid out in a row of its own
        window.scene.select_nodes(["res_2_add"])
    shots.append(_shot(app, window, out, "residual_mlp_expanded", expanded))
    shots.append(_shot(app, window, out, "densenet", show(recipes.densenet(), "dense_1")))

    def dense_expanded() -> None:
        doc.replace(recipes.densenet(blocks=1, layers=3))
        window.editor.expand("dense_1")
        window.scene.select_nodes(["dense_1_cat3"] if "dense_1_cat3" in doc.graph else [])
    shots.append(_shot(app, window, out, "densenet_expanded", dense_expanded))
    shots.append(_shot(app, window, out, "transformer",
                       show(recipes.transformer_classifier(), "tf_1")))
    shots.append(_shot(app, window, out, "unet", show(recipes.unet(), "concat_1")))
    for path in example_paths():  # docs/examples.md shows each
        shots.append(_shot(app, window, out, f"example_{example_name(path)}", show(load(path))))
    shots += _real_network_shots(app, window, out, show)

    def broken() -> None:
        doc.replace(recipes.residual_mlp())
        doc.push(SetParams("res_2", {"out_features": 32, "shortcut": "identity"}))
        window.scene.select_nodes(["res_2"])
        doc.push(Connect(Edge("output_1", "res_1", "in")))  # refused: says why, non-blocking
    shots.append(_shot(app, window, out, "error", broken))

    def dark() -> None:
        window.look.set_theme("dark")
        doc.replace(recipes.highway_mlp(blocks=4))
        window.scene.select_nodes(["highway_2"])
    shots.append(_shot(app, window, out, "dark_highway", dark))
    window.look.set_theme("light")

    def code() -> None:
        doc.replace(recipes.residual_mlp())
        window.code_dock.raise_()
        window.resizeDocks([window.code_dock], [CODE_PANEL_WIDTH], Qt.Orientation.Horizontal)
        window.scene.select_nodes(["res_2"])
        window.view.notice.hide()  # the refusal shown in the "error" picture
        window.statusBar().clearMessage()
        _wait_for_code(app, window)
    shots.append(_shot(app, window, out, "code_preview", code))
    window.inspector_dock.raise_()

    # Live training: a residual network on spirals mid-run, then a deep sigmoid MLP whose
    # first layers barely learn (the canvas shows where the gradient fades away).
    residual = load_example("residual_mlp_spirals")
    shots.append(_shot(app, window, out, "training",
                       lambda: _train(app, window, residual, 0.6, steps=2000, log_every=5)))
    _stop_training(app, window)
    sigmoid = recipes.mlp(8, 32, activation="Sigmoid", optimizer="sgd", lr=0.5, momentum=0.9)
    sigmoid.name = "Deep sigmoid MLP"
    shots.append(_shot(app, window, out, "training_vanishing",
                       lambda: _train(app, window, sigmoid, 1.0, steps=400, log_every=5)))
    window.inspector_dock.raise_()

    from .gallery import ZOO_TAB, ExamplesGallery

    gallery = ExamplesGallery(window)
    gallery.show()
    while not gallery.thumbnails_done():
        app.processEvents()
    _settle(app)
    path = out / "examples_gallery.png"
    gallery.grab().save(str(path))
    print(f"wrote {path}")
    shots.append(path)
    gallery.tabs.setCurrentIndex(ZOO_TAB)
    while not gallery.thumbnails_done():
        app.processEvents()
    _settle(app)
    path = out / "zoo_gallery.png"
    gallery.grab().save(str(path))
    print(f"wrote {path}")
    shots.append(path)
    gallery.close()
    doc.undo_stack.setClean()
    window.close()
    return shots


# A network of one's own, for the picture of an import: its gate has no node kind.
IMPORT_EXAMPLE = """
import torch
from torch import nn


class Gate(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(features))

    def forward(self, x):
        return x * torch.sigmoid(self.logits)


class GatedNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.gate = Gate(32)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = h + self.conv2(h)
        return self.fc(self.gate(torch.flatten(self.pool(h), 1)))
"""


def _real_network_shots(app: QApplication, window, out: Path,
                        show: Callable[[Project, str | None], Callable[[], None]]) -> list[Path]:
    """The model zoo's ResNet-50 (as it opens, and every block opened), and a module of
    one's own, imported."""
    from explorer.graph import get_kind
    from explorer.graph.zoo import ZOO
    from explorer.importer.torch_import import import_torch

    shots = [_shot(app, window, out, "zoo_resnet50", show(ZOO["resnet50"](), "layer2_0"))]

    def every_block_opened() -> None:
        window.document.replace(ZOO["resnet50"]())
        graph = window.document.graph
        for stage in graph.stage_names():
            window.document.push(SetStageCollapsed(stage, False))
        for block in [n.id for n in graph.nodes() if get_kind(n.kind).expand is not None]:
            window.editor.expand(block)
    shots.append(_shot(app, window, out, "zoo_resnet50_expanded", every_block_opened))
    source = Path(tempfile.mkdtemp()) / "gated_net.py"
    source.write_text(IMPORT_EXAMPLE, encoding="utf-8")
    imported = import_torch(f"{source}:GatedNet", "3x32x32").project
    shots.append(_shot(app, window, out, "imported_module", show(imported, "gate")))
    return shots


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m explorer.app.screenshots OUTDIR", file=sys.stderr)
        return 2
    make_screenshots(Path(args[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
