"""Copy and paste: a selection travels as a project JSON document (plain text).

Copying writes the selected nodes and the wires among them as an ordinary
project file, so a fragment can be pasted into another window, saved, or
read by a person. Pasting validates it like any file and turns it into one
undoable edit with fresh ids. Pure Python: no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable

from explorer.graph import (
    AddNode,
    ArchitectureGraph,
    Compound,
    Connect,
    Edge,
    Project,
    ProjectFileError,
    get_kind,
)
from explorer.graph.project import dumps, loads

MIME_TYPE = "application/x-architecture-explorer-fragment"


def fragment_text(graph: ArchitectureGraph, node_ids: Iterable[str]) -> str:
    """The chosen nodes, and the wires among them, as project JSON."""
    wanted = set(node_ids)
    part = ArchitectureGraph()
    with part.batch():
        for node_id in graph.topological_order():
            if node_id in wanted:
                node = graph.node(node_id)
                part.add_node(node.kind, node.params, position=node.position, node_id=node.id,
                              label=node.label)
        for edge in graph.edges():
            if edge.src in wanted and edge.dst in wanted:
                part.connect(edge.src, edge.dst, edge.dst_port, edge.src_port)
    return dumps(Project(part, name="Copied nodes"))


def paste_edit(graph: ArchitectureGraph, text: str, *,
               offset: tuple[float, float] = (40.0, 40.0),
               at: tuple[float, float] | None = None) -> Compound:
    """One edit adding a fragment's nodes and wires, renamed to ids free in ``graph``.

    ``at`` puts the fragment's top-left node there; otherwise it moves by
    ``offset`` from where it was copied. Raises ProjectFileError if the text
    is not a fragment.
    """
    part = loads(text, source="the clipboard").graph
    if not len(part):
        raise ProjectFileError("there are no nodes to paste.", source="the clipboard")
    nodes = [part.node(n) for n in part.topological_order()]
    if at is not None:
        left = min(n.position[0] for n in nodes)
        top = min(n.position[1] for n in nodes)
        offset = (at[0] - left, at[1] - top)
    ids = fresh_ids(graph, [(n.id, get_kind(n.kind).id_prefix) for n in nodes])
    edits: list = [AddNode(n.kind, dict(n.params),
                           (n.position[0] + offset[0], n.position[1] + offset[1]),
                           node_id=ids[n.id], label=n.label) for n in nodes]
    edits += [Connect(Edge(ids[e.src], ids[e.dst], e.dst_port, e.src_port))
              for e in sorted(part.edges())]
    count = len(nodes)
    return Compound(edits, text=f"Paste {count} node" + ("s" if count != 1 else ""))


def fresh_ids(graph: ArchitectureGraph, wanted: list[tuple[str, str]]) -> dict[str, str]:
    """New ids for (old id, prefix) pairs: the old id if free, else ``prefix_n``."""
    taken = set(graph.node_ids()) | set(graph.groups())
    result: dict[str, str] = {}
    for old, prefix in wanted:
        new = old
        n = 1
        while new in taken:
            new = f"{prefix}_{n}"
            n += 1
        taken.add(new)
        result[old] = new
    return result
