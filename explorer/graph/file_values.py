"""Values a project file can hold, on the way in and on the way out.

JSON reads ``1e400`` as infinity and ``"\\ud800"`` as half a character;
neither can be written back (``json.dumps`` would write ``Infinity``, which
no JSON reader accepts, and UTF-8 has no lone surrogates). A file holding
one would open and then fail to save, or save and never reopen. So a
document is searched for such values when it is read (only when the text
could hold one, so ordinary files pay nothing) and when it is written, and
the first one found is reported with the field it is in. The free-form
parts (editor state, dataset options) are also kept shallow, so writing
them can never run out of stack.
"""

from __future__ import annotations

import math
import re
from typing import Any

MAX_FREE_FORM_DEPTH = 32  # levels of nesting allowed in "ui" and "training"
FREE_FORM_FIELDS = ("ui", "training")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class FloatReader:
    """``json.loads``'s ``parse_float``: reads each number, noting any too large to hold."""

    def __init__(self) -> None:
        self.saw_infinity = False

    def __call__(self, text: str) -> float:
        value = float(text)
        if math.isinf(value):
            self.saw_infinity = True
        return value


def find_unholdable_in_document(doc: dict[str, Any], text: str,
                                floats: FloatReader) -> tuple[str, str] | None:
    """The first value in a just-read document that could not be saved again, if any.

    The whole document is searched only when the text could hold one: a
    number read as infinite, or an escaped surrogate (``\\ud800``), the only
    way JSON can spell half a character. The free-form parts, which nothing
    else checks, are always searched, with their depth limited.
    """
    if floats.saw_infinity or ("\\u" in text and _SURROGATE_ESCAPE.search(text)):
        found = find_unholdable(doc)
        if found is not None:
            return found
    for key in FREE_FORM_FIELDS:
        found = find_unholdable(doc.get(key), key, max_depth=MAX_FREE_FORM_DEPTH)
        if found is not None:
            return found
    return None


def find_unholdable(value: Any, where: str = "", *,
                    max_depth: int | None = None) -> tuple[str, str] | None:
    """The first value (in document order) no file can hold: ``(field, what is wrong)``.

    Walks with an explicit stack, so any nesting is searched without
    recursion; with ``max_depth``, nesting deeper than that is the problem.
    """
    stack: list[tuple[str, Any, int]] = [(where, value, 0)]
    while stack:
        where, value, depth = stack.pop()
        problem = _problem_with(value)
        if problem:
            return where or "(top level)", problem
        if isinstance(value, (dict, list)) and max_depth is not None and depth >= max_depth:
            return where, (f"is nested more than {max_depth} levels deep; settings are lists "
                           "and objects a few levels deep at most.")
        if isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and _problem_with(key):
                    return where or "(top level)", "has a field name that " + _problem_with(key)
            items = [(_field(where, key), item, depth + 1) for key, item in value.items()]
            stack.extend(reversed(items))
        elif isinstance(value, list):
            items = [(f"{where}[{i}]", item, depth + 1) for i, item in enumerate(value)]
            stack.extend(reversed(items))
    return None


def _problem_with(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return "is not a number (NaN); a project holds only finite numbers."
        return ("is a number too large to hold (it reads as infinite); a project holds only "
                "finite numbers.")
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            code = ord(value[error.start])
            return (f"is not valid Unicode (it holds a lone surrogate, U+{code:04X}); "
                    "remove that character.")
    return ""


def _field(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)
