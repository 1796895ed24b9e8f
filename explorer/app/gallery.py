"""The examples gallery: each example network with a picture of its diagram, and the
classroom demonstrations, each with its title and what it shows."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.graph import ProjectFileError
from explorer.graph.zoo import PUBLISHED_PARAMETERS

from . import theme
from .examples import Example, demo_titles, list_examples, zoo_examples
from .render import thumbnail

THUMBNAIL = QSize(300, 110)


DEMO_ROLE = Qt.ItemDataRole.UserRole
DEMOS_TAB, ZOO_TAB = 1, 2


class ExamplesGallery(QDialog):
    """Pick an example, or a demonstration; after the dialog is accepted ``chosen`` holds
    the example, or ``chosen_demo`` the demonstration's name."""

    def __init__(self, parent: QWidget | None = None,
                 examples: list[Example] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Examples")
        self.examples = examples if examples is not None else list_examples()
        self.chosen: Example | None = None
        self.chosen_demo: str | None = None
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(THUMBNAIL)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setSpacing(10)
        self.list.setWordWrap(True)
        self.list.setGridSize(QSize(THUMBNAIL.width() + 24, THUMBNAIL.height() + 64))
        blank = QPixmap(THUMBNAIL)
        blank.fill(theme.current().background)
        for example in self.examples:
            item = QListWidgetItem(blank, example.title)
            item.setToolTip(example.description or example.title)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.list.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._open_current)
        buttons.rejected.connect(self.reject)
        self.list.itemActivated.connect(lambda _item: self._open_current())
        examples_page = QWidget()
        examples_layout = QVBoxLayout(examples_page)
        examples_layout.addWidget(QLabel("Open an example to explore, change and train. Hover "
                                         "for a description."))
        examples_layout.addWidget(self.list)
        self.tabs = QTabWidget()
        self.tabs.addTab(examples_page, "Examples")
        self.tabs.addTab(self._demonstrations_page(), "Classroom demonstrations")
        self.tabs.addTab(self._zoo_page(), "Model zoo")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(1040, 640)
        self.list.setCurrentRow(0)
        self._next = 0
        QTimer.singleShot(0, self, self._draw_next)  # pictures appear one by one, never blocking

    def _draw_next(self) -> None:
        if self._next >= len(self.examples):
            return
        index, self._next = self._next, self._next + 1
        try:
            picture = thumbnail(self.examples[index].load(), THUMBNAIL)
        except ProjectFileError:
            picture = None  # the item keeps its blank picture; opening says why
        if picture is not None:
            self.list.item(index).setIcon(picture)
        QTimer.singleShot(0, self, self._draw_next)  # (with the dialog as context: never after it)

    def thumbnails_done(self) -> bool:
        return self._next >= len(self.examples)

    def _demonstrations_page(self) -> QWidget:
        """The published results a teacher can show live: title and one line each."""
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel("Each demonstration trains a few networks the same way and shows what "
                       "sets them apart, in a few minutes on a laptop. Opening one shows its "
                       "explanation and puts its first network on the canvas.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.demos = QListWidget()
        self.demos.setSpacing(4)
        self.demos.setWordWrap(True)
        for name, title, summary in demo_titles():
            item = QListWidgetItem(f"{title}\n{summary}")
            item.setData(DEMO_ROLE, name)
            item.setToolTip(summary)
            self.demos.addItem(item)
        self.demos.setCurrentRow(0)
        self.demos.itemActivated.connect(lambda _item: self._open_current())
        layout.addWidget(self.demos)
        return page

    def _zoo_page(self) -> QWidget:
        """Published networks layer for layer: title, parameter count, what it is."""
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel("Published networks, layer for layer, with their published parameter "
                       "counts. Their weights load from and save to torchvision's (GPT-2: "
                       "Hugging Face's) layout. Blocks open with a double-click.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.zoo_examples = zoo_examples()
        self.zoo = QListWidget()
        self.zoo.setSpacing(4)
        self.zoo.setWordWrap(True)
        for example in self.zoo_examples:
            count = PUBLISHED_PARAMETERS[example.key.removeprefix("zoo:")]
            item = QListWidgetItem(f"{example.title}\n{count:,} parameters")
            item.setToolTip(example.description)
            self.zoo.addItem(item)
        self.zoo.setCurrentRow(0)
        self.zoo.itemActivated.connect(lambda _item: self._open_current())
        layout.addWidget(self.zoo)
        return page

    def _open_current(self) -> None:
        if self.tabs.currentIndex() == ZOO_TAB:
            row = self.zoo.currentRow()
            if 0 <= row < len(self.zoo_examples):
                self.chosen = self.zoo_examples[row]
                self.accept()
            return
        if self.tabs.currentIndex() == DEMOS_TAB:
            item = self.demos.currentItem()
            if item is not None:
                self.chosen_demo = item.data(DEMO_ROLE)
                self.accept()
            return
        row = self.list.currentRow()
        if 0 <= row < len(self.examples):
            self.chosen = self.examples[row]
            self.accept()


def pick_example(parent: QWidget | None, open_example: Callable[[Example], object],
                 open_demo: Callable[[str], object]) -> None:
    """File > Examples: show the gallery, then open the example or demonstration chosen."""
    gallery = ExamplesGallery(parent)
    if not gallery.exec():
        return
    if gallery.chosen_demo is not None:
        open_demo(gallery.chosen_demo)
    elif gallery.chosen is not None:
        open_example(gallery.chosen)
