"""The one error an import raises: what could not be brought in, where, and what to do."""

from __future__ import annotations


class ImportFailure(Exception):
    """A network that cannot be imported, said in plain words.

    ``message`` names what is wrong (the file, or each unsupported operation and
    the nodes that use it); ``hint`` says what the user can do about it. The
    command line prints both and exits with status 2, never a traceback.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        separator = "\n" if "\n" in message else " "
        super().__init__(message + (separator + hint if hint else ""))
        self.message = message
        self.hint = hint
