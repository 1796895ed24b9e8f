"""Typed errors. Each names the node (or file field) it is about and says what to do."""

from __future__ import annotations


class GraphError(Exception):
    """A change to the graph was refused, or a graph cannot be used as it is.

    ``node_id`` names the node the problem is on (None for the graph as a
    whole); ``hint`` says, in plain words, how to fix it. ``wire`` is set by
    ``connect_many``: the place in its list of the wire refused.
    """

    wire: int | None = None

    def __init__(self, message: str, *, node_id: str | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.node_id = node_id
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.node_id}: " if self.node_id is not None else ""
        return f"{where}{self.message}" + (f" {self.hint}" if self.hint else "")


class UnknownKind(GraphError):
    """No node kind of that name exists."""


class UnknownNode(GraphError):
    """No node with that id is in the graph."""


class DuplicateNode(GraphError):
    """A node with that id is already in the graph."""


class PortError(GraphError):
    """A wire names a port the node does not have, or fills one that is taken."""


class CycleError(GraphError):
    """A wire would make the network feed into itself."""


class ParamError(GraphError):
    """A parameter value is of the wrong type or outside its range."""


class ExpansionError(GraphError):
    """A block cannot be expanded or collapsed."""


class ShapeError(Exception):
    """Raised by a node kind's shape rule; the checker attaches it to the node."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ProjectFileError(Exception):
    """A project file cannot be read. ``where`` names the field ("nodes[3].params.stride")."""

    def __init__(self, message: str, *, where: str = "", source: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.source = source

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.where) if p]
        return (": ".join(parts) + ": " if parts else "") + self.message
