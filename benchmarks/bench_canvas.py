"""How fast is the canvas with a big graph?

Run:  .venv/bin/python benchmarks/bench_canvas.py [--nodes 500] [--repeats 3]
(offscreen by default; under ``xvfb-run`` it draws to a virtual screen)

1. Opening: a ~500-node project file is read, shown in a 1600×1000 main
   window (items built, shapes checked), laid out (tidy layout, one Move)
   and painted once, in under 1 s. For reference, the same number of plain
   QGraphicsRectItems with a text and a line each, written by hand, are
   added to a bare scene and painted in the same run.
2. Navigating: frame times while panning (50-pixel steps) and zooming
   (wheel-sized steps) at 100% and at "fit" zoom; each frame is a forced,
   synchronous repaint of the canvas. The target is under 33 ms.
3. Editing: one parameter edit in the middle of the graph, pushed through
   the undo stack, re-checked (ShapeCache) and repainted; target 16 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QSettings
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
)

from explorer.app.application import create_application
from explorer.graph import ExpandBlock, SetParams, check_graph, recipes
from explorer.graph.project import load, save


def big_project(nodes: int):
    """A residual MLP with most blocks shown expanded: chains, skips and frames, ~``nodes``."""
    blocks = max(1, (nodes - 5) // 5)
    project = recipes.residual_mlp(blocks=blocks)
    graph = project.graph
    for block in [n for n in graph.node_ids() if n.startswith("res_")]:
        ExpandBlock(block).apply(graph)
    return project


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def paint(app: QApplication, view: QGraphicsView) -> float:
    start = time.perf_counter()
    view.viewport().repaint()
    app.processEvents()
    return time.perf_counter() - start


def open_and_lay_out(app: QApplication, window, path: Path) -> dict[str, float]:
    times = {}
    start = time.perf_counter()
    project = load(path)
    times["read file"] = time.perf_counter() - start
    t = time.perf_counter()
    window.document.replace(project, path)
    times["show + check"] = time.perf_counter() - t
    t = time.perf_counter()
    window.editor.tidy()
    times["tidy layout"] = time.perf_counter() - t
    t = time.perf_counter()
    window.view.fit()
    times["fit + first paint"] = time.perf_counter() - t + paint(app, window.view)
    times["total"] = time.perf_counter() - start
    return times


def hand_written_scene(app: QApplication, count: int) -> float:
    """Baseline: the same number of plain items in a bare scene, added and painted."""
    start = time.perf_counter()
    scene = QGraphicsScene()
    for i in range(count):
        x, y = (i % 40) * 220.0, (i // 40) * 120.0
        scene.addItem(QGraphicsRectItem(x, y, 164, 82))
        text = QGraphicsSimpleTextItem(f"node_{i}")
        text.setPos(x + 8, y + 8)
        scene.addItem(text)
        scene.addItem(QGraphicsLineItem(x + 164, y + 41, x + 220, y + 41))
    view = QGraphicsView(scene)
    view.resize(1100, 700)
    view.show()
    view.fitInView(scene.itemsBoundingRect())
    result = time.perf_counter() - start + paint(app, view)
    view.close()
    return result


def frame_times(app: QApplication, window, zoom: float, steps: int) -> dict[str, list[float]]:
    view = window.view
    view.set_zoom(zoom)
    first = next(iter(window.scene.nodes.values()))
    view.centerOn(first.sceneBoundingRect().center())
    paint(app, view)
    pans, zooms = [], []
    for i in range(steps):
        view._scroll_by_view(QPointF(-50 if (i // 10) % 2 == 0 else 50, 0))
        pans.append(paint(app, view))
    anchor = QPointF(view.viewport().rect().center())
    for i in range(steps):
        view.zoom_by(1.15 if (i // 5) % 2 == 0 else 1 / 1.15, anchor)
        zooms.append(paint(app, view))
    return {"pan": pans, "zoom": zooms}


def edit_times(app: QApplication, window, repeats: int) -> dict[str, list[float]]:
    """Each edit: push (apply, record, re-check, update items), then Qt repaints what changed.

    Also timed alone: the re-check (check_graph with the document's ShapeCache),
    and the edit followed by a forced repaint of the whole canvas.
    """
    graph = window.document.graph
    linears = [n for n in graph.node_ids() if graph.node(n).kind == "Linear"]
    target = linears[len(linears) // 2]
    window.view.set_zoom(1.0)
    window.view.centre_on_node(target)
    paint(app, window.view)
    times: dict[str, list[float]] = {"edit + repaint of what changed": [],
                                     "edit + repaint of the whole canvas": [],
                                     "of which check_graph alone": []}
    for i in range(repeats):
        start = time.perf_counter()
        window.document.push(SetParams(target, {"out_features": 64 + (i % 7) + 1}))
        app.processEvents()
        times["edit + repaint of what changed"].append(time.perf_counter() - start)
        start = time.perf_counter()
        window.document.push(SetParams(target, {"out_features": 64 + (i % 5) + 10}))
        window.view.viewport().repaint()
        app.processEvents()
        times["edit + repaint of the whole canvas"].append(time.perf_counter() - start)
        start = time.perf_counter()
        check_graph(graph, cache=window.document.cache)
        times["of which check_graph alone"].append(time.perf_counter() - start)
    return times


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {ms(statistics.median(values))}   p95 {ms(p95)}   max {ms(max(values))}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    app = create_application()
    from explorer.app.main_window import MainWindow

    scratch = Path(tempfile.mkdtemp(prefix="bench-canvas-"))
    window = MainWindow(settings=QSettings(str(scratch / "s.ini"), QSettings.Format.IniFormat),
                        autosave_dir=scratch)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    project = big_project(args.nodes)
    path = scratch / "big.archx.json"
    save(project, path)
    count = len(project.graph)
    print(f"Qt platform: {app.platformName()}, canvas "
          f"{window.view.viewport().width()}×{window.view.viewport().height()} px")
    print(f"\n1. Open and lay out a {count}-node project ({len(project.graph.edges())} wires, "
          f"{len(project.graph.groups())} expanded blocks); best of {args.repeats}:")
    runs = []
    for _ in range(args.repeats):
        window.document.undo_stack.setClean()  # no "save changes?" question between runs
        window.files.new()
        app.processEvents()
        runs.append(open_and_lay_out(app, window, path))
    best = min(runs, key=lambda r: r["total"])
    for key, value in best.items():
        print(f"   {key:<18} {ms(value)}")
    baseline = min(hand_written_scene(app, count) for _ in range(args.repeats))
    print(f"   hand-written baseline ({count} plain rect+text+line items): {ms(baseline)}")
    print(f"   target: total under 1000 ms -> {'OK' if best['total'] < 1 else 'SLOW'}")

    print("\n2. Frame times while navigating (target under 33 ms):")
    fit_zoom = window.view.zoom
    worst = 0.0
    for label, zoom in (("100%", 1.0), (f"fit ({round(fit_zoom * 100)}%)", fit_zoom)):
        frames = frame_times(app, window, zoom, steps=40)
        for kind, values in frames.items():
            worst = max(worst, statistics.median(values))
            print(f"   {kind:<5} at {label:<10} {summary(values)}")
    print(f"   target: medians under 33 ms -> {'OK' if worst < 0.033 else 'SLOW'}")

    print("\n3. One parameter edit: push, re-check, repaint (target under 16 ms):")
    edits = edit_times(app, window, repeats=30)
    for label, values in edits.items():
        print(f"   {label:<36} {summary(values)}")
    typical = statistics.median(edits["edit + repaint of what changed"])
    print(f"   target: median under 16 ms -> {'OK' if typical < 0.016 else 'SLOW'}")
    window.document.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
