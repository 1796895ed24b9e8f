"""The user's text in Qt places that read HTML: shown as written, never as markup.

Qt guesses whether a tooltip or a message box holds HTML
(``Qt.mightBeRichText``), and rich-text labels always read it. A node id,
label or run name holding ``<b>`` would then be drawn bold, and ``<img
src=...>`` would load a file. Text of the user's goes through one of these
on its way to such a place.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def escaped(text: object) -> str:
    """``text`` for a place that is HTML already (a rich-text label or readout)."""
    return html.escape(str(text), quote=False)


def tooltip(text: object) -> str:
    """``text`` for a tooltip: made HTML on purpose, escaped, its line breaks kept.

    Plain text is not an option for tooltips, and escaping alone is not
    enough: Qt would show ``&amp;`` literally when it guesses "not HTML".
    No text gives no tooltip.
    """
    return f"<p style='white-space:pre-wrap'>{escaped(text)}</p>" if str(text) else ""


def question(parent: QWidget | None, title: str, text: str,
             buttons: QMessageBox.StandardButton,
             default: QMessageBox.StandardButton) -> QMessageBox:
    """A question box that shows ``text`` as plain text (ask it with ``exec()``)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setDefaultButton(default)
    return box
