"""Colours of the code preview: each kind of token gets its own format, strings span lines."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextCharFormat, QTextDocument

from explorer.app import theme
from explorer.app.python_highlighter import PythonHighlighter

SOURCE = '''class Network(nn.Module):
    """First line
    still the docstring"""

    def forward(self, x):  # the forward pass
        return self.fc(x) * 2.5 + len("a#b")
'''


@pytest.fixture
def highlighted(qtbot):
    document = QTextDocument()
    document.setPlainText(SOURCE)
    highlighter = PythonHighlighter(document)
    highlighter.rehighlight()
    return document, highlighter


def format_at(document: QTextDocument, line: int, word: str, nth: int = 0):
    """The character format the highlighter gave ``word`` (its nth occurrence) on ``line``."""
    block = document.findBlockByNumber(line)
    start = -1
    for _ in range(nth + 1):
        start = block.text().index(word, start + 1)
    for fmt in block.layout().formats():
        if fmt.start <= start < fmt.start + fmt.length:
            return QTextCharFormat(fmt.format)  # a copy: the range list is temporary
    return None


def colour(fmt) -> str | None:
    return fmt.foreground().color().name() if fmt is not None else None


def test_tokens_get_their_own_colours(highlighted):
    document, _ = highlighted
    keyword = format_at(document, 0, "class")
    definition = format_at(document, 0, "Network")
    comment = format_at(document, 4, "# the forward")
    number = format_at(document, 5, "2.5")
    string = format_at(document, 5, '"a#b"')
    self_word = format_at(document, 4, "self")
    colours = {colour(f) for f in (keyword, definition, comment, number, string, self_word)}
    assert None not in colours and len(colours) >= 5
    assert comment.fontItalic() and self_word.fontItalic()
    assert format_at(document, 5, "fc") is None  # plain names keep the text colour
    assert colour(format_at(document, 5, "#b")) == colour(string)  # a # inside a string


def test_a_docstring_spans_lines(highlighted):
    document, _ = highlighted
    string = colour(format_at(document, 5, '"a#b"'))
    assert colour(format_at(document, 1, '"""First')) == string
    assert colour(format_at(document, 2, "still")) == string
    assert colour(format_at(document, 4, "def")) != string  # the string ended on line 2


def test_muted_code_is_all_grey(highlighted):
    document, highlighter = highlighted
    highlighter.set_muted(True)
    grey = theme.current().muted_text.name()
    for line, word in ((0, "class"), (4, "self"), (5, "2.5"), (1, '"""First')):
        assert colour(format_at(document, line, word)) == grey
    highlighter.set_muted(False)
    assert colour(format_at(document, 0, "class")) != grey


def test_positions_count_wide_characters_as_qt_does(qtbot):
    document = QTextDocument()
    document.setPlainText('x = "🙂"  # done')
    PythonHighlighter(document).rehighlight()
    block = document.firstBlock()
    text = block.text()

    def utf16(index: int) -> int:  # Qt counts UTF-16 units; the emoji takes two
        return len(text[:index].encode("utf-16-le")) // 2

    spans = [(f.start, f.start + f.length) for f in block.layout().formats()]
    string_start = text.index('"')
    assert (utf16(string_start), utf16(string_start + 3)) in spans
    assert (utf16(text.index("# done")), utf16(len(text))) in spans
