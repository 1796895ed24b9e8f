"""The Train panel: Train / Pause / Step / Stop, the progress of the run, and its settings.

The buttons are the window's Run actions (so menu, tool bar, shortcuts and
panel always agree). Under them a progress bar counts steps, with the speed
and the time left; a line says what the run is doing, how it ended, or why
it cannot start (a graph with errors, a dataset that does not fit), with a
link to the node a failure is about. The settings form fills the rest.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..document import Document
from ..runs.plot_style import STEADY
from .devices import DeviceList
from .settings_form import TrainingSettingsForm

if TYPE_CHECKING:
    from explorer.graph import CheckResult
    from explorer.train.records import Progress


def format_duration(seconds: float) -> str:
    """'12 s', '3 min 05 s', '1 h 02 min'; '…' while unknown."""
    if not math.isfinite(seconds) or seconds < 0:
        return "…"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def ready_text(result: CheckResult) -> tuple[str, bool, str | None]:
    """The Train panel's line before a run: (text, is it a problem, the node it is about).
    A network with errors is never "ready"."""
    if not result.errors:
        return "Ready to train.", False, None
    first, more = result.errors[0], len(result.errors) - 1
    where = f"{first.node_id}: " if first.node_id else ""
    others = f" ({more} more)" if more else ""
    return (f"Not ready to train: {where}{first.message}{others}", True, first.node_id)


def progress_text(progress: Progress) -> str:
    """Speed, time left and recent loss of a Progress record, in one line."""
    speed = progress.steps_per_second
    rate = f"{speed:,.0f} steps/s" if speed >= 10 else f"{speed:.1f} steps/s"
    loss = f" · loss {progress.loss:.4g}" if math.isfinite(progress.loss) else ""
    return f"{rate} · {format_duration(progress.time_left)} left{loss}"


class RunControls(QWidget):
    """Buttons, progress and settings for the next (or current) run."""

    node_link_clicked = Signal(str)  # the node a failure is about, from the message's link

    def __init__(self, document: Document, actions: dict[str, QAction], devices: DeviceList,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 6)
        outer.setSpacing(6)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        self.buttons: dict[str, QToolButton] = {}
        for name in ("train", "pause", "step", "stop"):
            button = QToolButton()
            button.setDefaultAction(actions[name])
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setMinimumWidth(64)
            buttons.addWidget(button)
            self.buttons[name] = button
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%v / %m steps")
        outer.addWidget(self.progress)
        self.speed = QLabel(" ")
        self.speed.setObjectName("InspectorHint")
        self.speed.setSizePolicy(*STEADY)
        outer.addWidget(self.speed)
        self.status = QLabel(wordWrap=True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.status.linkActivated.connect(self._link)
        outer.addWidget(self.status)
        self.form = TrainingSettingsForm(document, devices)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 4, 4, 4)
        holder_layout.addWidget(self.form)
        holder_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(holder)
        outer.addWidget(scroll, 1)
        self.show_status("Ready to train.")

    # -- what the run is doing -------------------------------------------------------------

    def show_status(self, text: str, *, error: bool = False, node_id: str | None = None) -> None:
        """One line about the run; an error is red, with a link to its node when it has one."""
        html = _html(text)
        if node_id:
            html += f" <a href='node:{_html(node_id)}'>Show {_html(node_id)}</a>"
        colour = "#d93a35" if error else ""
        self.status.setText(f"<span style='color:{colour}'>{html}</span>" if colour else html)
        self.status.setProperty("error", error)

    @property
    def status_text(self) -> str:
        return self.status.text()

    def show_progress(self, progress: Progress) -> None:
        self.progress.setRange(0, max(progress.total_steps, 1))
        self.progress.setValue(progress.step)
        self.speed.setText(progress_text(progress))

    def reset_progress(self, total_steps: int = 1) -> None:
        self.progress.setRange(0, max(total_steps, 1))
        self.progress.setValue(0)
        self.speed.setText(" ")

    def _link(self, link: str) -> None:
        if link.startswith("node:"):
            self.node_link_clicked.emit(link.removeprefix("node:"))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
