"""The one error every dataset problem becomes: a message a person can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class DatasetError(Exception):
    """A dataset cannot be made or read as asked.

    The message names what is wrong (the dataset, option, file, row or
    column) and, where it can, says what to do instead. It is meant to be
    shown to the user as it is.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """" Did you mean 'spirals'?" for a near miss, else "" (case and dashes forgiven)."""
    known = list(known)
    folded = {k.lower().replace("-", "_").replace(" ", "_"): k for k in known}
    key = name.lower().replace("-", "_").replace(" ", "_")
    if key in folded:
        return f" Did you mean '{folded[key]}'?"
    close = difflib.get_close_matches(key, list(folded), n=3, cutoff=0.7)
    if not close:
        return ""
    names = " or ".join(f"'{folded[c]}'" for c in close)
    return f" Did you mean {names}?"
