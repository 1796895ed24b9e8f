"""Finding node kinds by what people type: a name, a word of the description, a paper."""

from __future__ import annotations

from explorer.graph import NodeKind, all_kinds

KIND_MIME_TYPE = "application/x-architecture-explorer-kind"


def search_text(kind: NodeKind) -> str:
    return " ".join((kind.name, kind.title, kind.category, kind.description, kind.paper)).lower()


def kind_matches(kind: NodeKind, query: str) -> bool:
    """Every word of ``query`` appears in the kind's name, title, category or description."""
    text = search_text(kind)
    return all(word in text for word in query.lower().split())


def rank(kind: NodeKind, query: str) -> tuple[int, int]:
    """Sort key: kinds whose title starts with the query first, then by palette order."""
    q = query.strip().lower()
    title = kind.title.lower()
    if not q:
        return (2, 0)
    if title.startswith(q) or kind.name.lower().startswith(q):
        return (0, len(title))
    if q in title or q in kind.name.lower():
        return (1, len(title))
    return (2, 0)


def find_kinds(query: str) -> list[NodeKind]:
    """Kinds matching ``query``, best first (all kinds, in palette order, for no query)."""
    kinds = [k for k in all_kinds() if kind_matches(k, query)]
    order = {k.name: i for i, k in enumerate(all_kinds())}
    return sorted(kinds, key=lambda k: (*rank(k, query), order[k.name]))
