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


EXPORTED = '''class Widen(nn.Module):
    @staticmethod
    def scale(x):
        raise ValueError(f"{x!r} is {len(x)} wide, {{not}} {self.width:>6}")
'''


@pytest.fixture
def exported(qtbot):
    document = QTextDocument()
    document.setPlainText(EXPORTED)
    PythonHighlighter(document).rehighlight()
    return document


def test_decorators_and_every_builtin_name_are_coloured(exported):
    assert format_at(exported, 1, "@staticmethod") is not None
    assert colour(format_at(exported, 1, "staticmethod")) == colour(format_at(exported, 1, "@"))
    assert format_at(exported, 3, "ValueError") is not None  # exceptions are builtins too
    assert colour(format_at(exported, 3, "len")) == colour(format_at(exported, 3, "ValueError"))


def test_the_fields_of_an_f_string_are_code(exported):
    string = colour(format_at(exported, 3, 'f"'))
    assert colour(format_at(exported, 3, " is ")) == string
    assert colour(format_at(exported, 3, "{{not}}")) == string  # doubled braces are text
    assert colour(format_at(exported, 3, "len")) not in (None, string)
    assert colour(format_at(exported, 3, "self")) not in (None, string)
    assert format_at(exported, 3, "x!r") is None  # a plain name inside a field
    assert colour(format_at(exported, 3, "!r")) == string
    assert colour(format_at(exported, 3, ":>6")) == string  # the format spec is text


def test_braces_in_a_plain_string_are_text(qtbot):
    document = QTextDocument()
    document.setPlainText('print("fine {len(x)}", rf"{len(x)}")')
    PythonHighlighter(document).rehighlight()
    string = colour(format_at(document, 0, '"fine'))
    assert colour(format_at(document, 0, "len")) == string  # not an f-string
    assert colour(format_at(document, 0, "len", nth=1)) not in (None, string)  # rf is one


def test_an_attribute_named_like_a_builtin_is_a_plain_name(qtbot):
    document = QTextDocument()
    document.setPlainText("x = torch.bool if float(y) else x.float()")
    PythonHighlighter(document).rehighlight()
    assert format_at(document, 0, "bool") is None
    assert format_at(document, 0, "float") is not None  # the builtin itself
    assert format_at(document, 0, "float", nth=1) is None
