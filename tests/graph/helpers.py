"""Small graph builders shared by the graph tests."""

from __future__ import annotations

from explorer.graph import ArchitectureGraph


def chain(*kinds_and_params, input_kind: str = "VectorInput", input_params=None):
    """Input -> each (kind, params) in turn -> nothing more. Returns (graph, ids)."""
    g = ArchitectureGraph()
    ids = [g.add_node(input_kind, input_params or {})]
    for item in kinds_and_params:
        kind, params = item if isinstance(item, tuple) else (item, {})
        node = g.add_node(kind, params)
        g.connect(ids[-1], node, g.input_ports(node)[0])
        ids.append(node)
    return g, ids


def classifier(*middle, features: int = 2, classes: int = 2):
    """Features input -> middle -> Linear(classes) -> classification output."""
    return chain(*middle, ("Linear", {"out_features": classes}), "ClassificationOutput",
                 input_params={"features": features})
