"""Does the graph core scale linearly? Load, check, save and re-check at 1k, 10k, 100k nodes.

Run:  .venv/bin/python benchmarks/bench_graph_scale.py [--sizes 1000 10000 100000] [--reps 5]

The network is a generated residual MLP (Linear → ReLU → Add units, with a
ResidualMLP block every 25 units), saved as a project document whose wires
are listed in a shuffled order (files from other tools, or edited by hand,
need not list them in ours). For each size the table shows the best of
``--reps`` runs (this host is shared and noisy; the best run is the one
least disturbed), as wall-clock time and, in a second table, as CPU time
of this process (less disturbed by other work on a busy machine), of:

- load:    text -> validated Project (parse, schema, every node and wire)
- check:   shape inference and every issue, on a fresh ShapeCache
- save:    Project -> text -> an atomic file write
- edit:    re-check after one set_params in the middle (the cache kept)
- wire:    re-check after disconnecting and reconnecting one wire
- connect: one interactive ``connect`` in the middle of the graph

then the peak Python memory (tracemalloc) of one load + check, measured in
a run of its own because tracing slows everything down, and the growth
factor of load + check from one size to the next (10 is linear). The last
line gives the whole process's peak resident memory.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from explorer.graph import Edge, ShapeCache, check_graph
from explorer.graph.project import loads, save

BLOCK_EVERY = 25  # units between ResidualMLP blocks
COLUMNS = ("load", "check", "load+check", "save", "edit", "wire", "connect")


def generated_document(nodes: int, seed: int = 0) -> dict[str, Any]:
    """A project document of ``nodes`` nodes, its wires in a shuffled order."""
    width = 32
    doc_nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []

    def add(node_id: str, kind: str, params: dict | None = None) -> str:
        column = len(doc_nodes)
        doc_nodes.append({"id": node_id, "kind": kind, "params": params or {},
                          "position": [float(column % 100) * 160, float(column // 100) * 90]})
        return node_id

    def wire(src: str, dst: str, port: str = "in") -> None:
        edges.append({"src": src, "dst": dst, "dst_port": port, "src_port": "out"})

    last, unit = add("input", "VectorInput", {"features": width}), 0
    while len(doc_nodes) + 4 <= nodes - 1:
        unit += 1
        if unit % BLOCK_EVERY == 0:
            block = add(f"res_{unit}", "ResidualMLP", {})
            wire(last, block)
            last = block
            continue
        linear = add(f"linear_{unit}", "Linear", {"out_features": width})
        relu = add(f"relu_{unit}", "ReLU")
        merge = add(f"add_{unit}", "Add")
        wire(last, linear)
        wire(linear, relu)
        wire(last, merge, "in1")
        wire(relu, merge, "in2")
        last = merge
    while len(doc_nodes) < nodes - 1:
        tanh = add(f"tanh_{len(doc_nodes)}", "Tanh")
        wire(last, tanh)
        last = tanh
    wire(last, add("head", "RegressionOutput"))
    random.Random(seed).shuffle(edges)
    return {"format": "architecture-explorer", "version": 1, "nodes": doc_nodes, "edges": edges}


Figures = dict[str, tuple[float, float]]  # name -> (wall seconds, CPU seconds)


def best(reps: int, run: Callable[[], Any]) -> tuple[float, float]:
    """The fastest of ``reps`` runs: (wall-clock seconds, CPU seconds)."""
    walls, cpus = [], []
    for _ in range(reps):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def measure(nodes: int, reps: int, folder: Path) -> Figures:
    text = json.dumps(generated_document(nodes))
    project = loads(text)
    assert len(project.graph) == nodes and check_graph(project.graph).ok
    figures = {
        "load": best(reps, lambda: loads(text)),
        "check": best(reps, lambda: check_graph(project.graph, cache=ShapeCache())),
        "load+check": best(reps, lambda: check_graph(loads(text).graph, cache=ShapeCache())),
        "save": best(reps, lambda: save(project, folder / f"net{nodes}.archx.json")),
    }
    graph, cache = project.graph, ShapeCache()
    check_graph(graph, cache=cache)
    unit = max(1, nodes // 8)  # a Linear half-way down (units are 4 nodes)
    middle = f"linear_{unit + (unit % BLOCK_EVERY == 0)}"
    flips = iter(range(10**9))
    figures["edit"] = best(reps * 4, lambda: (
        graph.set_params(middle, {"bias": next(flips) % 2 == 0}),
        check_graph(graph, cache=cache)))
    wire = graph.edge_into(middle, "in")

    def rewire() -> None:
        graph.disconnect(wire)
        graph.connect(wire.src, wire.dst, wire.dst_port)
        check_graph(graph, cache=cache)

    figures["wire"] = best(reps, rewire)
    figures["connect"] = best(reps * 4, lambda: (graph.disconnect(wire),
                                                 graph.connect(wire.src, wire.dst, "in")))
    assert graph.edge_into(middle, "in") == Edge(wire.src, wire.dst, "in")
    return figures


def peak_memory(nodes: int) -> int:
    """Peak bytes Python allocated while loading and checking (the text not counted)."""
    text = json.dumps(generated_document(nodes))
    gc.collect()
    tracemalloc.start()
    check_graph(loads(text).graph)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--reps", type=int, default=5, help="runs per figure (best is shown)")
    parser.add_argument("--no-memory", action="store_true", help="skip the traced-memory run")
    args = parser.parse_args()

    rows: dict[int, Figures] = {}
    memory: dict[int, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        for nodes in args.sizes:
            reps = args.reps if nodes <= 10_000 else max(1, args.reps // 3)
            rows[nodes] = measure(nodes, reps, Path(folder))
            memory[nodes] = "" if args.no_memory else f"{peak_memory(nodes) / 2**20:.0f}"
    print(f"best of {args.reps} (100,000 nodes: of {max(1, args.reps // 3)}; edit and connect "
          "4 times as many)")
    for title, which in (("wall-clock", 0), ("CPU time", 1)):
        print(f"\n{title:10} " + " ".join(f"{c:>10}" for c in COLUMNS)
              + (f" {'peak MB':>8} {'growth':>7}" if which == 0 else ""))
        previous = None
        for nodes, figures in rows.items():
            total = figures["load+check"][which]
            growth = f"{total / previous:7.1f}" if previous else ""
            previous = total
            line = f"{nodes:>10,} " + " ".join(f"{figures[c][which] * 1e3:8.1f}ms"
                                               for c in COLUMNS)
            print(line + (f" {memory[nodes]:>8} {growth:>7}" if which == 0 else ""))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(f"\npeak resident memory of this whole run: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
