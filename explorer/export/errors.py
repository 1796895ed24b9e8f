"""The one error the exporters raise: it names the node or file it is about."""

from __future__ import annotations


class ExportError(Exception):
    def __init__(self, message: str, *, node_id: str | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.node_id, self.hint = message, node_id, hint

    def __str__(self) -> str:
        where = f"{self.node_id}: " if self.node_id else ""
        return f"{where}{self.message}" + (f" {self.hint}" if self.hint else "")
