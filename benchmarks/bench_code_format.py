"""What the code preview costs on a 1,000-line model.py: formatting it and colouring it.

Run:  .venv/bin/python benchmarks/bench_code_format.py [--reps 5]

The model is the generated residual MLP of bench_compiler.py, sized so its
formatted ``model.py`` has 1,000 lines. Every figure is the best of
``--reps`` runs (this host is shared and noisy). It prints:

1. Formatting the generated text: ruff's formatter as a subprocess
   (``ruff format -``, what the export uses) against black in-process (if
   black is installed), and whether both give the same text; then the
   installed size of each with the packages it brings.
2. One full rehighlight of the formatted text in a QTextDocument: the app's
   scanner (``explorer.app.python_highlighter``) against a highlighter fed
   by Pygments' PythonLexer (the whole text lexed once, spans applied per
   line), and the Pygments lexer alone.
"""

from __future__ import annotations

import argparse
import bisect
import importlib.metadata
import importlib.util
import os
import time
from collections.abc import Callable

from bench_compiler import big_graph

from explorer.export.formatting import format_python
from explorer.export.python_code import network_source
from explorer.graph import Project

TARGET_LINES = 1000
BLACK_PACKAGES = ("black", "click", "mypy_extensions", "packaging", "pathspec", "platformdirs",
                  "pytokens")


def best_ms(run: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def generated_model() -> str:
    """The unformatted text of a model.py that has 1,000 lines once formatted."""
    nodes = 300
    while len(network_source(Project(big_graph(nodes))).text.splitlines()) < TARGET_LINES:
        nodes += 4
    return network_source(Project(big_graph(nodes)), format_code=False).text


def installed_mb(*packages: str) -> float:
    """Bytes on disk of the installed files of ``packages`` (from their RECORD), in MB."""
    total = 0
    for name in packages:
        files = importlib.metadata.distribution(name).files or []
        total += sum(f.size or 0 for f in files)
    return total / 1e6


def formatting(raw: str, reps: int) -> None:
    ruff_ms = best_ms(lambda: format_python(raw), reps)
    print(f"ruff format - (subprocess)   {ruff_ms:8.1f} ms   {installed_mb('ruff'):5.1f} MB")
    if importlib.util.find_spec("black") is None:
        print("black                        not installed")
        return
    start = time.perf_counter()
    import black

    imported_ms = 1000 * (time.perf_counter() - start)
    mode = black.Mode(line_length=88)
    black_ms = best_ms(lambda: black.format_str(raw, mode=mode), reps)
    same = black.format_str(raw, mode=mode) == format_python(raw)
    print(f"black.format_str (in-process) {black_ms:7.1f} ms   "
          f"{installed_mb(*BLACK_PACKAGES):5.1f} MB with {', '.join(BLACK_PACKAGES[1:])}"
          f"   (import {imported_ms:.0f} ms)")
    print(f"same text from both: {same}")


def pygments_highlighter(document):
    """A QSyntaxHighlighter fed by Pygments: the whole text lexed once per change."""
    from pygments import token
    from pygments.lexers import PythonLexer
    from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat

    kinds = (token.Keyword, token.Operator.Word, token.Name.Builtin, token.Name.Function,
             token.Name.Class, token.Name.Decorator, token.String, token.Comment, token.Number)
    formats = {kind: QTextCharFormat() for kind in kinds}
    for i, fmt in enumerate(formats.values()):
        fmt.setForeground(QColor.fromHsv(i * 36, 200, 150))
    format_of: dict = {}

    class PygmentsHighlighter(QSyntaxHighlighter):
        def __init__(self) -> None:
            super().__init__(None)
            self.lexer, self.spans, self.starts = PythonLexer(), None, []
            document.contentsChange.connect(self.forget)  # before Qt's own reaction
            self.setDocument(document)

        def forget(self, *_: object) -> None:
            self.spans = None

        def lex(self) -> None:
            text = self.document().toPlainText()
            self.spans = []
            for i, kind, value in self.lexer.get_tokens_unprocessed(text):
                if kind not in format_of:  # token types are few: look each up once
                    format_of[kind] = next((formats[k] for k in kinds if kind in k), None)
                if format_of[kind] is not None:
                    self.spans.append((i, len(value), format_of[kind]))
            self.starts = [span[0] for span in self.spans]

        def highlightBlock(self, text: str) -> None:
            if self.spans is None:
                self.lex()
            begin = self.currentBlock().position()
            end = begin + len(text)
            at = max(bisect.bisect_right(self.starts, begin) - 1, 0)
            while at < len(self.spans) and self.spans[at][0] < end:
                start, length, fmt = self.spans[at]
                first, last = max(start, begin), min(start + length, end)
                if last > first:
                    self.setFormat(first - begin, last - first, fmt)
                at += 1

    return PygmentsHighlighter()


def highlighting(text: str, reps: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from pygments.lexers import PythonLexer
    from PySide6.QtGui import QTextDocument
    from PySide6.QtWidgets import QApplication

    from explorer.app.python_highlighter import PythonHighlighter

    _app = QApplication.instance() or QApplication([])
    ours_doc, pygments_doc = QTextDocument(), QTextDocument()
    ours_doc.setPlainText(text)
    pygments_doc.setPlainText(text)
    ours = PythonHighlighter(ours_doc)
    theirs = pygments_highlighter(pygments_doc)

    def pygments_full() -> None:
        theirs.forget()  # as after new code: lex again
        theirs.rehighlight()

    lexer = PythonLexer()
    print(f"app scanner, full rehighlight     {best_ms(ours.rehighlight, reps):8.1f} ms")
    print(f"Pygments, full rehighlight        {best_ms(pygments_full, reps):8.1f} ms")
    print(f"Pygments, recolour (tokens kept)  {best_ms(theirs.rehighlight, reps):8.1f} ms")
    print(f"Pygments lexer alone              "
          f"{best_ms(lambda: list(lexer.get_tokens_unprocessed(text)), reps):8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    raw = generated_model()
    text = format_python(raw)
    print(f"model.py: {len(text.splitlines())} lines, {len(text):,} characters\n")
    formatting(raw, args.reps)
    print()
    highlighting(text, args.reps)


if __name__ == "__main__":
    main()
