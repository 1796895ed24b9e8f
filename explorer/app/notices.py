"""Non-blocking notices, and the safety net for exceptions in Qt slots.

A refused edit, a file that cannot be opened or an unexpected error shows as
a banner over the canvas that fades by itself, and goes to the log; nothing
waits for a click, and the user's work stays as it was.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QToolButton, QWidget

log = logging.getLogger("explorer.app")

NOTICE_SECONDS = 8
STATUS_MS = 10_000  # how long a status-bar message stays


class NoticeBar(QWidget):
    """A banner at the top of its parent: the last message, a close button, auto-hide."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("NoticeBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.label = QLabel(wordWrap=True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # messages quote ids and file names
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(autoRaise=True)
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        self._layout = layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.setProperty("severity", "error" if error else "info")
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.place()
        self.show()
        self.raise_()
        self._timer.start(NOTICE_SECONDS * 1000 * (2 if error else 1))

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        width = max(min(parent.width() - 40, 720), 200)
        margins = self._layout.contentsMargins()
        text_width = width - margins.left() - margins.right() - 40  # the close button
        height = self.label.heightForWidth(text_width) + margins.top() + margins.bottom()
        self.setFixedSize(width, max(height, 36))
        self.move((parent.width() - width) // 2, 12)


class StatusNotices:
    """The ``Notices`` seam of a window: its status bar, and the banner over the canvas."""

    def __init__(self, status_bar: QStatusBar, banner: NoticeBar) -> None:
        self.status_bar = status_bar
        self.banner = banner

    def show_message(self, text: str, error: bool = False) -> None:
        """Say something without stopping the user: status bar, and a banner for problems."""
        self.status_bar.showMessage(text, STATUS_MS)
        if error:
            self.banner.show_message(text, error=True)

    def announce(self, text: str) -> None:
        """Status bar and banner: a success worth seeing (a file written)."""
        self.status_bar.showMessage(text, STATUS_MS)
        self.banner.show_message(text)

    def show_progress(self, text: str) -> None:
        """A status line that stays until the next message: work under way."""
        self.status_bar.showMessage(text)


class ExceptionRelay(QObject):
    """Catches exceptions that reach the Qt event loop, logs them, and reports them."""

    caught = Signal(str)  # a plain-words message for the notice bar

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._previous = sys.excepthook

    def install(self) -> None:
        sys.excepthook = self.handle

    def uninstall(self) -> None:
        if sys.excepthook == self.handle:
            sys.excepthook = self._previous

    def handle(self, kind: type[BaseException], error: BaseException,
               tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous(kind, error, tb)
            return
        log.error("Unexpected error:\n%s", "".join(traceback.format_exception(kind, error, tb)))
        self.caught.emit(f"Something went wrong ({kind.__name__}: {error}). Your work is "
                         "safe; the details are in the log. Please try that again.")
