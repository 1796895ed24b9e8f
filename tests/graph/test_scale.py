"""Large graphs: wiring in bulk is checked like one wire at a time, and files of any order load.

Timings live in benchmarks/bench_graph_scale.py; these tests pin what must
stay true while it is made fast.
"""

import json
from itertools import pairwise

import pytest

from explorer.graph import (
    ArchitectureGraph,
    CycleError,
    Edge,
    GraphError,
    PortError,
    ProjectFileError,
    check_graph,
)
from explorer.graph.project import dumps, loads


def chain_document(n, *, reverse=True, loop=False):
    """Input -> Add (its in2 fed from the end when ``loop``) -> n ReLUs -> regression head."""
    ids = ["input", "add"] + [f"relu_{i}" for i in range(n)] + ["head"]
    kinds = ["VectorInput", "Add"] + ["ReLU"] * n + ["RegressionOutput"]
    nodes = [{"id": i, "kind": k} for i, k in zip(ids, kinds, strict=True)]
    edges = [{"src": a, "dst": b, "dst_port": "in1" if b == "add" else "in"}
             for a, b in pairwise(ids)]
    if loop:
        edges.append({"src": ids[-2], "dst": "add", "dst_port": "in2"})
    else:
        edges.append({"src": "input", "dst": "add", "dst_port": "in2"})
    edges = edges[::-1] if reverse else edges
    return {"format": "architecture-explorer", "version": 1, "nodes": nodes, "edges": edges}


def test_a_long_chain_with_its_wires_listed_backwards_loads_checks_and_saves():
    text = json.dumps(chain_document(3_000))
    project = loads(text)
    order = project.graph.topological_order()
    assert order[:2] == ["input", "add"] and order[-1] == "head" and len(order) == 3_003
    result = check_graph(project.graph)
    assert result.ok and not result.warnings
    saved = dumps(project)
    assert dumps(loads(saved)) == saved
    assert [e["dst"] for e in json.loads(saved)["edges"]][:3] == ["add", "add", "relu_0"]


@pytest.mark.parametrize("reverse", [False, True])
def test_a_loop_in_a_file_is_refused_naming_the_wire_that_closes_it(reverse):
    doc = chain_document(50, loop=True, reverse=reverse)
    with pytest.raises(ProjectFileError) as err:
        loads(json.dumps(doc), source="net.archx.json")
    message = str(err.value)
    # The last wire listed on the loop is the one wiring them one by one would refuse.
    closing = {"src": "add", "dst": "relu_0", "dst_port": "in"} if reverse else \
        {"src": "relu_49", "dst": "add", "dst_port": "in2"}
    assert f"edges[{doc['edges'].index(closing)}]" in message, message
    assert "would make a loop" in message and "'add'" in message, message


def plain_chain(n):
    g = ArchitectureGraph()
    ids = [g.add_node("VectorInput", node_id="input")]
    ids += [g.add_node("ReLU", node_id=f"relu_{i}") for i in range(n)]
    return g, ids


def test_connect_many_wires_every_edge_with_its_events():
    g, ids = plain_chain(5)
    heard = []
    g.events.edge_added.connect(heard.append)
    changes = []
    g.events.changed.connect(lambda: changes.append(1))
    wires = [Edge(a, b, "in") for a, b in pairwise(ids)][::-1]
    g.connect_many(wires)
    assert sorted(g.edges()) == sorted(wires) and heard == wires and changes == [1]
    assert g.topological_order() == ids


@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        (Edge("relu_3", "relu_1", "in"), CycleError, ["loop", "'relu_1' already feeds"]),
        (Edge("relu_0", "relu_0", "in"), CycleError, ["loop"]),
        (Edge("input", "relu_2", "in"), PortError, ["already wired to 'relu_1'"]),
        (Edge("input", "relu_2", "in2"), PortError, ["no input 'in2'"]),
        (Edge("ghost", "relu_2", "in"), GraphError, ["no node 'ghost'"]),
    ],
)
def test_connect_many_refuses_as_connect_does_and_changes_nothing(bad, error, words):
    g, ids = plain_chain(4)
    wires = [Edge(a, b, "in") for a, b in pairwise(ids)]
    # A wire that is wrong on its own goes in the middle; one that clashes with others, last.
    alone = bad.dst_port != "in" or bad.src in (bad.dst, "ghost")
    wires = [*wires[:2], bad, *wires[2:]] if alone else [*wires, bad]
    one_by_one = ArchitectureGraph()
    for node in g.nodes():
        one_by_one.add_node(node.kind, node_id=node.id)
    with pytest.raises(error) as expected:
        for wire in wires:
            one_by_one.connect(wire.src, wire.dst, wire.dst_port)
    with pytest.raises(error) as err:
        g.connect_many(wires)
    assert str(err.value) == str(expected.value)
    for word in words:
        assert word in str(err.value)
    assert err.value.wire == wires.index(bad)
    assert g.edges() == [] and all(g.edge_into(n, "in") is None for n in ids)
    g.connect_many([w for w in wires if w != bad])
    assert len(g.edges()) == len(ids) - 1


def test_reading_and_writing_leave_the_cycle_collector_as_they_found_it():
    import gc

    assert gc.isenabled()
    with pytest.raises(ProjectFileError):
        loads(json.dumps(chain_document(5, loop=True)))
    assert gc.isenabled()
    dumps(loads(json.dumps(chain_document(5))))
    assert gc.isenabled()
    gc.disable()
    try:
        loads(json.dumps(chain_document(5)))
        assert not gc.isenabled()
    finally:
        gc.enable()
