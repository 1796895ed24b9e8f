"""The experiment window: variants trained the same way, watched and compared in one view.

At the top the experiment's title, what every variant shares, and for a
demonstration the explanation to read out. Below, the table of variants
(status while they run, final figures after) beside their curves overlaid
in one plot, one colour each; under them what the experiment is about:
each variant's gradient flow, its lesion study, or the memory table. Run
trains them one after another, Stop ends the one in progress (it keeps
what it learned) and skips the rest, Save results writes results.csv and
curves.csv, and Open variant puts the selected network on the canvas.

It is a window of its own, so a teacher can put it full screen on the
projector while the editor stays on the laptop.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..background import BackgroundWork
from ..runs.loss_panel import LossPanel
from . import results
from .comparisons import GradientComparison, LesionComparison, MemoryTable
from .experiment import Experiment
from .runner import ExperimentRunner
from .variant_table import VariantTable
from .work import failure_text

REFRESH_MS = 100  # the table and the plots catch up with the runs 10 times a second
ERROR_COLOUR = "#d93a35"


def explanation_html(experiment: Experiment) -> str:
    parts = []
    if experiment.summary:
        parts.append(f"<p><b>{html.escape(experiment.summary)}</b></p>")
    if experiment.explanation:
        parts.append(f"<p>{html.escape(experiment.explanation)}</p>")
    if experiment.paper:
        parts.append(f"<p><i>{html.escape(experiment.paper)}</i></p>")
    return "".join(parts)


class ExperimentWindow(QWidget):
    """One experiment: its variants, their curves and figures, and what it is about."""

    open_requested = Signal(object)  # a Project to put on the canvas
    node_hovered = Signal(str)  # a block under the mouse in a lesion study ("" when none)

    def __init__(self, experiment: Experiment, runs_dir: Callable[[], Path],
                 parent: QWidget | None = None,
                 can_run: Callable[[], str | None] = lambda: None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.experiment = experiment
        self.can_run = can_run  # returns why the experiment cannot run now, if it cannot
        self.runner = ExperimentRunner(experiment, runs_dir, self)
        self._work = BackgroundWork(self)
        self._dirty: set[int] = set()
        self._shown_buffers: list = []
        self.setWindowTitle(f"Experiment: {experiment.title}")
        self.resize(1400, 900)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.addLayout(self._header())
        self.explanation = QLabel(explanation_html(experiment))
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.explanation.setFrameShape(QFrame.Shape.StyledPanel)
        self.explanation.setMargin(8)
        self.explanation.setVisible(bool(experiment.explanation or experiment.summary))
        layout.addWidget(self.explanation)
        layout.addWidget(self._body(), 1)
        self.message = QLabel(" ")
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        r = self.runner
        r.variant_changed.connect(self._variant_changed)
        r.analysis_ready.connect(self._analysis_ready)
        r.running_changed.connect(self._running_changed)
        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._show_runs()
        self._update_buttons()

    # -- building ------------------------------------------------------------------------------

    def _header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        titles = QVBoxLayout()
        self.title = QLabel(self.experiment.title)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        titles.addWidget(self.title)
        self.settings_line = QLabel(self.experiment.describe_settings())
        self.settings_line.setObjectName("InspectorHint")
        titles.addWidget(self.settings_line)
        header.addLayout(titles, 1)
        self.steps = QSpinBox()
        self.steps.setRange(1, 1_000_000)
        self.steps.setSingleStep(100)
        self.steps.setValue(self.experiment.settings.steps)
        self.steps.setGroupSeparatorShown(True)
        self.steps.setToolTip("Steps every variant trains for (fewer: a quicker, rougher "
                              "demonstration).")
        self.steps.valueChanged.connect(self._steps_changed)
        steps_label = QLabel("Steps")
        self.buttons: dict[str, QPushButton] = {}
        for key, text, tip, slot in (
            ("run", "Run", "Train every variant, one after another.", self.run),
            ("stop", "Stop", "Stop the variant in progress (it keeps what it learned); "
                             "the rest are not run.", self.runner.stop),
            ("save", "Save results…", "Save results.csv (one row per variant) and curves.csv "
                                      "(one row per logged step) in a folder.", self.save),
            ("open", "Open variant", "Put the selected variant's network on the canvas.",
             self.open_selected),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(lambda *_, s=slot: s())
            self.buttons[key] = button
        if self.experiment.view != "memory":
            header.addWidget(steps_label)
            header.addWidget(self.steps)
        else:
            self.steps.hide()
            steps_label.hide()
        for button in self.buttons.values():
            header.addWidget(button)
        return header

    def _body(self) -> QSplitter:
        view = self.experiment.view
        self.table = VariantTable()
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.failures = QLabel()
        self.failures.setWordWrap(True)
        self.failures.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.failures.hide()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.failures)
        self.loss = LossPanel()
        self.loss.set_step_range(self.experiment.settings.steps)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(left)
        top.addWidget(self.loss)
        top.setStretchFactor(0, 0)  # the table keeps the width of its columns
        top.setStretchFactor(1, 1)
        analyses: dict[str, Callable[[], GradientComparison | LesionComparison | MemoryTable]] = {
            "gradients": GradientComparison, "lesion": LesionComparison, "memory": MemoryTable}
        make = analyses.get(view)
        self.analysis = make() if make is not None else None
        if isinstance(self.analysis, LesionComparison):
            self.analysis.hovered.connect(self.node_hovered)
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        if self.analysis is not None:
            body.addWidget(self.analysis)
            body.setStretchFactor(0, 1)
            body.setStretchFactor(1, 1)
        if view == "memory":
            self.loss.hide()  # nothing trains: the memory table is the result
            for column in (3, 4, 5):
                self.table.setColumnHidden(column, True)
        self.body = body
        return body

    # -- commands --------------------------------------------------------------------------------

    def run(self) -> bool:
        """Train (or measure) every variant; False, with the reason, if it cannot start now."""
        if self.runner.running:
            return False
        reason = self.can_run()
        if reason:
            self.say(reason, error=True)
            return False
        self.say("Training the variants one after another…" if self.experiment.view != "memory"
                 else "Measuring each network, with and without checkpointing…")
        return self.runner.run()

    def open_selected(self) -> None:
        index = self.table.selected_index()
        if index is not None:
            self.open_requested.emit(self.runner.experiment.project_for(index))

    def save(self, folder: str | None = None) -> None:
        """Write results.csv and curves.csv (into ``folder``, or one the user picks)."""
        folder = folder or results.ask_results_folder(self)
        if not folder:
            return
        rows = [results.ResultRow.of(run) for run in self.runner.runs]
        self.buttons["save"].setEnabled(False)
        self._work.submit(lambda: results.save_results(rows, folder), self._saved,
                          lambda error: self._save_failed(error))

    def _saved(self, paths: tuple[Path, Path]) -> None:
        self._update_buttons()
        table, curves = paths
        self.say(f"Saved {table.name} and {curves.name} in {table.parent}.")

    def _save_failed(self, error: BaseException) -> None:
        self._update_buttons()
        text = error.strerror if isinstance(error, OSError) and error.strerror else (
            failure_text(error))
        self.say(f"Could not save the results: {text}. Pick another folder.", error=True)

    def _steps_changed(self, steps: int) -> None:
        self.runner.set_experiment(self.experiment.with_steps(steps))
        self.settings_line.setText(self.runner.experiment.describe_settings())
        self.loss.set_step_range(steps)

    def say(self, text: str, *, error: bool = False) -> None:
        escaped = html.escape(text)
        self.message.setText(f"<span style='color:{ERROR_COLOUR}'>{escaped}</span>" if error
                             else escaped)

    # -- following the runner ------------------------------------------------------------------

    def _running_changed(self, running: bool) -> None:
        if running:
            self._show_runs()
            self._timer.start()
        else:
            self.refresh()
            self._timer.stop()
            self._say_how_it_ended()
        self._update_buttons()

    def _say_how_it_ended(self) -> None:
        runs = self.runner.runs
        done = sum(run.status == "done" for run in runs)
        failed = sum(run.status == "failed" for run in runs)
        text = f"Finished: {done} of {len(runs)} variants done"
        text += f", {failed} failed." if failed else "."
        if self.experiment.view == "lesion" and self.runner.busy:
            text += " The lesion studies follow in a moment."
        self.say(text, error=bool(failed))

    def _show_runs(self) -> None:
        runs = self.runner.runs
        self.table.set_runs(runs)
        self._show_curves()
        if self.analysis is not None:
            self.analysis.set_runs(runs)
        self._show_failures()

    def _show_curves(self) -> None:
        runs = self.runner.runs
        self._shown_buffers = [run.buffers for run in runs]
        self.loss.show_runs([(run.label, run.buffers, run.colour) for run in runs])

    def _show_failures(self) -> None:
        lines = self.table.failure_lines()
        self.failures.setText("\n".join(lines))
        self.failures.setVisible(bool(lines))

    def _variant_changed(self, index: int) -> None:
        self._dirty.add(index)  # shown on the next tick: progress comes many times a second

    def _analysis_ready(self, index: int) -> None:
        if self.analysis is not None:
            self.analysis.update_run(index)
        if not self.runner.busy and self.experiment.view == "lesion":
            self._say_how_it_ended()

    def refresh(self) -> None:
        """Bring the table and the plots up to date (the timer calls this while running)."""
        runs = self.runner.runs
        if [run.buffers for run in runs] != self._shown_buffers:
            self._show_curves()  # a variant started: its fresh buffers join the plot
        dirty, self._dirty = self._dirty, set()
        for index in sorted(dirty):
            if index < len(runs):
                self.table.update_run(index)
                if self.analysis is not None:
                    self.analysis.update_run(index)
        if dirty:
            self._show_failures()
        self.loss.refresh()
        if self.analysis is not None:
            self.analysis.refresh()

    def _update_buttons(self) -> None:
        running = self.runner.running
        self.buttons["run"].setEnabled(not running)
        self.buttons["stop"].setEnabled(running)
        self.buttons["save"].setEnabled(not running and not self._work.busy and any(
            run.finished for run in self.runner.runs))
        self.buttons["open"].setEnabled(self.table.selected_index() is not None)
        self.steps.setEnabled(not running)

    # -- closing -----------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing hides the window; a running experiment carries on and the Classroom menu
        shows it again. A window with no editor behind it cannot be shown again, so closing
        it stops its experiment: no variant trains with nobody watching."""
        if self.parent() is None:
            self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """The editor closes: stop the variant in progress, even one still starting."""
        self._timer.stop()
        self.runner.shutdown()
