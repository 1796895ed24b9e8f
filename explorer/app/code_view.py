"""A read-only view of Python source: monospace, line numbers, colours, marked lines.

It knows nothing of graphs: the code preview tells it which lines to mark
(a node's lines) and hears which line was clicked. The font is the UI font
with a monospace family; ``follow_application_font`` takes a new size after
the classroom text zoom changed (with a style sheet in use, Qt does not pass
a new application font on to existing widgets by itself).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QMouseEvent,
    QPainter,
    QPalette,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QTextEdit, QWidget

from . import theme
from .python_highlighter import PythonHighlighter

GUTTER_PADDING = 6  # pixels either side of the line numbers
MARK_ALPHA = 48  # how strongly marked lines are tinted with the selection colour
COLOUR_STEP = 1500  # lines coloured at a time; the UI runs between steps
PENDING = -2  # the state of a line not coloured yet


class SteppedHighlighter(PythonHighlighter):
    """Colours a long text a slice of lines at a time, from the top.

    The code of a 10,000-node network is 23,000 lines: colouring them at
    once held the UI thread for a third of a second after every edit. Lines
    below ``limit`` are coloured; the rest wait (state ``PENDING``) until a
    zero-delay timer moves the limit down and colours the next slice. A
    line's colours depend on the lines above it (triple-quoted strings), so
    the slices go in order.
    """

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.limit = sys.maxsize
        self._next_step = QTimer(self, singleShot=True, interval=0)
        self._next_step.timeout.connect(self._step)

    def start(self) -> None:
        """Colour from the top again (call before the text is replaced)."""
        self.limit = COLOUR_STEP
        self._next_step.start()

    @property
    def done(self) -> bool:
        return self.limit == sys.maxsize

    def rehighlight(self) -> None:
        self.start()
        super().rehighlight()

    def highlightBlock(self, text: str) -> None:
        if self.currentBlock().blockNumber() >= getattr(self, "limit", sys.maxsize):
            self.setCurrentBlockState(PENDING)
            return
        super().highlightBlock(text)

    def _step(self) -> None:
        document = self.document()
        first = self.limit
        if document is None or first >= document.blockCount():
            self.limit = sys.maxsize
            return
        self.limit = first + COLOUR_STEP
        self.rehighlightBlock(document.findBlockByNumber(first))  # runs on to the limit
        self._next_step.start()


def monospace_font() -> QFont:
    """The application font (its size follows the UI zoom) in a monospace family."""
    font = QFont(QApplication.font())
    font.setFamily(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family())
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setFixedPitch(True)
    return font


class LineNumbers(QWidget):
    """The gutter left of the text: it asks the view to paint it."""

    def __init__(self, view: CodeView) -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(self) -> QSize:
        return QSize(self.view.gutter_width(), 0)

    def paintEvent(self, event) -> None:
        self.view.paint_line_numbers(event.rect())


class CodeView(QPlainTextEdit):
    """Read-only, highlighted Python with line numbers; a click reports its line (1-based)."""

    line_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.follow_application_font()
        self.highlighter = SteppedHighlighter(self.document())
        self._marked: tuple[int, ...] = ()
        self._stale = False
        self._recolouring = False  # our own palette change must not restyle again
        self.gutter = LineNumbers(self)
        self.blockCountChanged.connect(self._fit_gutter)
        self.updateRequest.connect(self._scroll_gutter)
        self._fit_gutter()

    # -- content -----------------------------------------------------------------------

    def set_code(self, text: str) -> None:
        """Show ``text``, keeping the scroll position (the code changes a little per edit)."""
        if text == self.toPlainText():
            return
        scroll = self.verticalScrollBar().value()
        self.highlighter.start()
        self.setPlainText(text)
        self.verticalScrollBar().setValue(scroll)
        self.mark_lines(self._marked, scroll=False)

    def set_stale(self, stale: bool) -> None:
        """Grey the code out: it no longer matches the network."""
        self._stale = stale
        self.highlighter.set_muted(stale)
        self._apply_text_colour()

    @property
    def stale(self) -> bool:
        return self._stale

    def line_count(self) -> int:
        return self.blockCount() if self.toPlainText() else 0

    def line_text(self, line: int) -> str:
        return self.document().findBlockByNumber(line - 1).text()

    # -- marking lines -------------------------------------------------------------------

    @property
    def marked_lines(self) -> tuple[int, ...]:
        return self._marked

    def mark_lines(self, lines: Iterable[int], *, scroll: bool = True) -> None:
        """Tint ``lines`` (1-based); with ``scroll``, bring them into view unless one shows."""
        self._marked = tuple(sorted(set(lines)))
        tint = QColor(theme.current().selection)
        tint.setAlpha(MARK_ALPHA)
        selections = []
        for line in self._marked:
            block = self.document().findBlockByNumber(line - 1)
            if not block.isValid():
                continue
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(tint)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.cursor = QTextCursor(block)
            selections.append(selection)
        self.setExtraSelections(selections)
        if scroll and self._marked and not any(map(self.is_line_visible, self._marked)):
            self.show_line(self._marked[0])

    def is_line_visible(self, line: int) -> bool:
        block = self.document().findBlockByNumber(line - 1)
        if not block.isValid() or not block.isVisible():
            return False
        top = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
        return 0 <= top <= self.viewport().height() - self.fontMetrics().height()

    def show_line(self, line: int, *, context: int = 3) -> None:
        """Scroll so ``line`` sits near the top, with a few lines above it for context."""
        self.verticalScrollBar().setValue(max(line - 1 - context, 0))

    def line_at(self, y: int) -> int | None:
        """The 1-based line under a viewport y coordinate, or None below the last line."""
        block = self.firstVisibleBlock()
        offset = self.contentOffset()
        while block.isValid():
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > y:
                return None
            if geometry.bottom() >= y:
                return block.blockNumber() + 1
            block = block.next()
        return None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self.textCursor().hasSelection():
            return  # a drag selected text to copy: not a click on a line
        line = self.line_at(int(event.position().y()))
        if line is not None:
            self.line_clicked.emit(line)

    # -- look ------------------------------------------------------------------------------

    def follow_application_font(self) -> None:
        self.setFont(monospace_font())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._recolouring:  # new theme
            self.highlighter.restyle()
            self._apply_text_colour()
            self.mark_lines(self._marked, scroll=False)
        elif event.type() == QEvent.Type.FontChange:  # the UI zoom changed
            self._fit_gutter()

    def _apply_text_colour(self) -> None:
        palette = self.palette()
        colour = theme.current().muted_text if self._stale else theme.current().text
        if palette.color(QPalette.ColorRole.Text) != colour:
            palette.setColor(QPalette.ColorRole.Text, colour)
            self._recolouring = True
            try:
                self.setPalette(palette)
            finally:
                self._recolouring = False

    # -- the line-number gutter ----------------------------------------------------------

    def gutter_width(self) -> int:
        digits = len(str(max(self.blockCount(), 99)))
        return self.fontMetrics().horizontalAdvance("9") * digits + 2 * GUTTER_PADDING

    def _fit_gutter(self, *args) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        area = self.contentsRect()
        self.gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(),
                                      area.height()))

    def paint_line_numbers(self, rect: QRect) -> None:
        painter = QPainter(self.gutter)
        painter.fillRect(rect, self.palette().color(QPalette.ColorRole.AlternateBase))
        painter.setFont(self.font())
        marked = set(self._marked)
        block = self.firstVisibleBlock()
        offset = self.contentOffset()
        width = self.gutter.width() - GUTTER_PADDING
        height = self.fontMetrics().height()
        while block.isValid():
            top = round(self.blockBoundingGeometry(block).translated(offset).top())
            if top > rect.bottom():
                break
            if block.isVisible() and top + height >= rect.top():
                number = block.blockNumber() + 1
                painter.setPen(theme.current().selection if number in marked
                               else theme.current().muted_text)
                painter.drawText(0, top, width, height, Qt.AlignmentFlag.AlignRight,
                                 str(number))
            block = block.next()
        painter.end()
