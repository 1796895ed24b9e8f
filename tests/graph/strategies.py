"""Hypothesis strategies: random edit sessions on a graph."""

from __future__ import annotations

from hypothesis import strategies as st

from explorer.graph import (
    AddNode,
    ArchitectureGraph,
    CollapseBlock,
    Connect,
    Disconnect,
    Edge,
    ExpandBlock,
    GraphError,
    Move,
    RemoveNode,
    SetLabel,
    SetParams,
    get_kind,
)
from explorer.graph.params import AUTO

KINDS = [
    "VectorInput", "ImageInput", "Linear", "ReLU", "Tanh", "Add", "Concat", "Multiply",
    "ResidualMLP", "Highway", "Dropout", "LayerNorm", "BatchNorm", "Conv2d", "ResidualConv",
    "DenseBlock", "Flatten", "GlobalAvgPool", "ClassificationOutput",
]
OPS = ["add", "add", "add", "connect", "connect", "connect", "disconnect", "params", "params",
       "move", "label", "remove", "expand", "expand", "collapse", "collapse"]

ops = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 10**6), st.integers(0, 10**6),
              st.text(max_size=12), st.floats(-1e4, 1e4)),
    max_size=30,
)
node_ids = st.text(min_size=1, max_size=16).filter(lambda s: s.strip())


def param_value(param, pick: int):
    if param.auto and pick % 4 == 0:
        return AUTO
    if param.type is bool:
        return bool(pick % 2)
    if param.choices:
        return param.choices[pick % len(param.choices)]
    lo = param.min if param.min is not None else -10
    hi = min(param.max if param.max is not None else 10, lo + 64)
    if param.type is int:
        return int(lo) + pick % (int(hi) - int(lo) + 1)
    return lo + (hi - lo) * (pick % 1000) / 1000


def make_edit(graph: ArchitectureGraph, op: str, a: int, b: int, text: str, pos: float):
    """Turn one random step into an edit for the graph as it is now (or None)."""
    ids = graph.node_ids()
    if op == "add" or not ids:
        return AddNode(KINDS[a % len(KINDS)], position=(pos, a % 500), label=text)
    node = ids[a % len(ids)]
    if op == "connect":
        dst = ids[b % len(ids)]
        ports = graph.input_ports(dst)
        return Connect(Edge(node, dst, ports[b % len(ports)])) if ports else None
    if op == "disconnect":
        edges = graph.edges()
        return Disconnect(edges[a % len(edges)]) if edges else None
    if op == "params":
        params = get_kind(graph.node(node).kind).params
        if not params:
            return None
        param = params[b % len(params)]
        return SetParams(node, {param.name: param_value(param, a)})
    if op == "move":
        return Move({node: (pos, -pos)})
    if op == "label":
        return SetLabel(node, text)
    if op == "remove":
        return RemoveNode(node)
    if op == "expand":
        blocks = [n.id for n in graph.nodes() if get_kind(n.kind).is_block]
        return ExpandBlock(blocks[a % len(blocks)]) if blocks else None
    groups = sorted(graph.groups())
    return CollapseBlock(groups[a % len(groups)]) if groups else None


def run_session(graph: ArchitectureGraph, steps) -> list:
    """Apply each step that the graph accepts; return the edits that applied."""
    done = []
    for step in steps:
        edit = make_edit(graph, *step)
        if edit is None:
            continue
        try:
            edit.apply(graph)
        except GraphError:
            continue
        done.append(edit)
    return done
