"""Colours for Python source in the code preview: keywords, strings, comments, numbers, ``self``.

A small hand-written scanner, not a full lexer: exported code is plain,
formatted Python, so one pass per line over comments, decorators, strings
(triple-quoted ones may span lines; an f-string's fields are scanned as
code), numbers and words is enough. Colours come from the current theme, so
the preview reads well on light and dark.

Why not Pygments (installed with rich)? Measured on a generated 1,000-line
model.py (``benchmarks/bench_code_format.py``, best of 5, four runs on a busy
2-core machine), a full rehighlight takes 12-19 ms with this scanner and
90-270 ms (7 to 14 times as long) with Pygments' PythonLexer feeding the same
QSyntaxHighlighter, nearly all of it in the lexer. The preview is
rehighlighted on the UI thread whenever the code changes, so that would be
a pause a user feels after every edit of a big network. On the exported code
both colour the same keywords, strings, docstrings, comments and numbers,
and both tell apart f-string fields, decorators, attributes and all builtin
names.
"""

from __future__ import annotations

import builtins
import keyword
import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from . import theme

# Block states: which triple-quoted string a line ends inside of.
OUTSIDE, IN_DOUBLE_TRIPLE, IN_SINGLE_TRIPLE = 0, 1, 2
_TRIPLES = {IN_DOUBLE_TRIPLE: '"""', IN_SINGLE_TRIPLE: "'''"}

_TOKEN = re.compile(r"""
    (?P<comment>\#.*)
  | (?P<decorator>@[A-Za-z_][\w.]*)
  | (?P<triple>[rRbBuUfF]{0,2}(?:\"\"\"|'''))
  | (?P<string>[rRbBuUfF]{0,2}(?:"(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?))
  | (?P<number>\b(?:0[xXoObB][0-9a-fA-F_]+|\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?j?)\b)
  | (?P<word>[A-Za-z_]\w*)
""", re.VERBOSE)
# An f-string's replacement field: its expression is code; ``!r`` and ``:>6`` stay text.
_FIELD = re.compile(r"\{\{|\}\}|\{(?P<expr>[^{}!:]*)[^{}]*\}")
_KEYWORDS = frozenset(keyword.kwlist) | {"self"}
_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))

# name -> (light colour, dark colour, bold, italic)
_STYLES = {
    "keyword": ("#8a3ec7", "#c792ea", True, False),
    "self": ("#2f6fe4", "#82aaff", False, True),
    "builtin": ("#0f7f8c", "#5fd4de", False, False),
    "decorator": ("#0f7f8c", "#5fd4de", False, False),
    "definition": ("#1f5fbf", "#82aaff", True, False),
    "string": ("#2f7d32", "#a5d6a7", False, False),
    "comment": ("#7b828e", "#7f8896", False, True),
    "number": ("#b35c00", "#f0a35e", False, False),
}


def _format(color: QColor, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(color)
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class PythonHighlighter(QSyntaxHighlighter):
    """Colours a QTextDocument holding Python; ``muted`` greys it all (stale code)."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._muted = False
        self._formats: dict[str, QTextCharFormat] = {}
        self._make_formats()

    @property
    def muted(self) -> bool:
        return self._muted

    def set_muted(self, muted: bool) -> None:
        if muted != self._muted:
            self._muted = muted
            self.restyle()

    def restyle(self) -> None:
        """Take the colours of the current theme (after a theme switch) and repaint."""
        self._make_formats()
        self.rehighlight()

    def _make_formats(self) -> None:
        dark = theme.current().name == "dark"
        muted = theme.current().muted_text
        self._formats = {
            name: _format(muted if self._muted else QColor(dark_hex if dark else light_hex),
                          bold and not self._muted, italic)
            for name, (light_hex, dark_hex, bold, italic) in _STYLES.items()
        }
        self._formats["plain"] = QTextCharFormat()  # code inside an f-string's field

    # -- scanning one line ------------------------------------------------------------

    def highlightBlock(self, text: str) -> None:
        self.setCurrentBlockState(OUTSIDE)
        start = 0
        state = self.previousBlockState()
        if state in _TRIPLES:
            start = self._string_until(text, 0, _TRIPLES[state], state)
            if start < 0:
                return
        self._scan(text, start, len(text))

    def _scan(self, text: str, start: int, end: int) -> None:
        """Paint the tokens of ``text[start:end]``; a triple-quoted string may go on."""
        previous_word = ""
        while (match := _TOKEN.search(text, start, end)) is not None:
            kind, value = match.lastgroup, match.group()
            start = match.end()
            if kind == "triple":
                delimiter = value[-3:]
                state = IN_DOUBLE_TRIPLE if delimiter == '"""' else IN_SINGLE_TRIPLE
                start = self._string_until(text, match.start(), delimiter, state,
                                           opened=len(value))
                if start < 0:
                    return
                continue
            if kind == "word":
                attribute = text[match.start() - 1:match.start()] == "."
                kind = None if attribute else self._word_kind(value, previous_word)
                previous_word = value
            if kind is not None:
                self._paint(text, match.start(), match.end(), kind)
            if kind == "string" and "f" in _prefix(value).lower():
                self._scan_fields(text, match.start(), match.end())

    def _scan_fields(self, text: str, begin: int, end: int) -> None:
        """The fields of an f-string are code: ``{len(x)}`` is coloured like ``len(x)``."""
        for field in _FIELD.finditer(text, begin, end):
            if field.group("expr") is not None:  # not a doubled brace
                start, stop = field.span("expr")
                self._paint(text, start, stop, "plain")
                self._scan(text, start, stop)

    def _word_kind(self, word: str, previous_word: str) -> str | None:
        if previous_word in ("def", "class"):
            return "definition"
        if word == "self":
            return "self"
        if word in _KEYWORDS:
            return "keyword"
        if word in _BUILTINS:
            return "builtin"
        return None

    def _string_until(self, text: str, begin: int, delimiter: str, state: int,
                      opened: int = 0) -> int:
        """Paint a triple-quoted string from ``begin``; where it ends, or -1 if it goes on."""
        close = text.find(delimiter, begin + opened)
        if close < 0:
            self._paint(text, begin, len(text), "string")
            self.setCurrentBlockState(state)
            return -1
        end = close + len(delimiter)
        self._paint(text, begin, end, "string")
        return end

    def _paint(self, text: str, begin: int, end: int, kind: str) -> None:
        """setFormat counts UTF-16 units; Python counts code points (they differ for emoji)."""
        if not text.isascii():
            begin, end = _utf16(text, begin), _utf16(text, end)
        self.setFormat(begin, end - begin, self._formats[kind])


def _prefix(string: str) -> str:
    """The letters before a string literal's quote: ``rf`` in ``rf"..."``."""
    return string[: len(string) - len(string.lstrip("rRbBuUfF"))]


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2
