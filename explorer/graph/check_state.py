"""One graph's last check, brought up to date by what changed since.

A ``GraphState`` listens to its graph's events and notes which nodes changed
(parameters, wires in, added or removed). The next check recomputes those
nodes in topological order, and then the nodes downstream only while an
output shape actually changed; everything else keeps its report. The
graph-wide parts (order, inputs and outputs, what reaches the output) are
redone only after rewiring, and they are linear. A fresh state, with every
node marked, is a full check: one code path for both.

The events are the whole story: a graph changed with its events blocked
is re-checked in full only if its number of nodes changed, so code that
blocks them while editing (nothing here does) should check with a new cache.
"""

from __future__ import annotations

import heapq
import weakref
from collections import Counter
from typing import TYPE_CHECKING

from .issues import CheckResult, Issue, NodeReport
from .kinds import INPUT_KINDS, OUTPUT_KINDS, get_kind
from .kinds.base import Referred
from .memory_rules import node_memory_issues, total_memory_issues, values_kept
from .model import ArchitectureGraph, Edge
from .specs import TensorSpec

if TYPE_CHECKING:
    from .check import ShapeCache


class GraphState:
    """The reports and issues of one graph at its last check, and which nodes changed since."""

    def __init__(self, graph: ArchitectureGraph, settings: tuple[int, int], *,
                 listen: bool) -> None:
        self.graph = weakref.ref(graph)
        self.settings = settings  # (batch size, memory limit) the issues were worked out for
        self._listening = listen
        self._reset(graph)
        if listen:
            events = graph.events
            events.node_added.connect(self._node_came_or_went)
            events.node_removed.connect(self._node_came_or_went)
            events.node_changed.connect(self._node_changed)
            events.edge_added.connect(self._rewired)
            events.edge_removed.connect(self._rewired)

    def detach(self) -> None:
        """Stop listening (the cache moved on to another graph or other settings)."""
        graph = self.graph()
        if self._listening and graph is not None:
            events = graph.events
            for signal, slot in ((events.node_added, self._node_came_or_went),
                                 (events.node_removed, self._node_came_or_went),
                                 (events.node_changed, self._node_changed),
                                 (events.edge_added, self._rewired),
                                 (events.edge_removed, self._rewired)):
                signal.disconnect(slot, missing_ok=True)
        self._listening = False

    # -- what the events say ----------------------------------------------------------

    def _node_came_or_went(self, node_id: str) -> None:
        self.dirty.add(node_id)
        self.rewired = True

    def _node_changed(self, node_id: str) -> None:
        self.dirty.add(node_id)

    def _rewired(self, edge: Edge) -> None:
        self.dirty.add(edge.dst)
        self.rewired = True

    # -- checking ---------------------------------------------------------------------

    def check(self, graph: ArchitectureGraph, cache: ShapeCache) -> CheckResult:
        """The check of the graph as it is now, recomputing only what changed."""
        self._update_kinds(graph)
        if len(self.kinds) != len(graph):  # changed while its events were blocked: start over
            self._reset(graph)
            self._update_kinds(graph)
        depth = self._update_depth(graph)
        self._mark_referrers(graph)
        if self.rewired:
            self._reorder(graph)
        self._infer_changed(graph, cache, depth)
        batch_size, limit = self.settings
        with_issues = sorted(self.node_issues, key=self.index.__getitem__)
        issues = [*self.endpoint_issues,
                  *(issue for n in with_issues for issue in self.node_issues[n]),
                  *self.reach_issues,
                  *total_memory_issues(self.params, self.values, batch_size, limit)]
        return CheckResult(dict(self.reports), tuple(issues), self.order, self.input_id,
                           self.output_id, dict(self.kinds))

    def _reset(self, graph: ArchitectureGraph) -> None:
        self.reports: dict[str, NodeReport] = {}
        self.node_issues: dict[str, tuple[Issue, ...]] = {}  # only nodes that have some
        self.kinds: dict[str, str] = {}
        self.referrers: set[str] = set()  # nodes that name another node in a parameter
        self.kind_counts: Counter[str] = Counter()
        self.depth: Counter[str] = Counter()
        self.params = self.values = 0  # totals over the reports, kept up to date
        self.dirty: set[str] = set(graph.node_ids())
        self.rewired = True
        self.order: tuple[str, ...] = ()
        self.index: dict[str, int] = {}
        self.endpoint_issues: list[Issue] = []
        self.reach_issues: list[Issue] = []
        self.input_id: str | None = None
        self.output_id: str | None = None

    def _update_kinds(self, graph: ArchitectureGraph) -> None:
        """Note the kind of each changed node; forget the nodes that are gone."""
        for node_id in self.dirty:
            old = self.kinds.pop(node_id, None)
            if old is not None:
                self.kind_counts[old] -= 1
            self.referrers.discard(node_id)
            if node_id in graph:
                kind = self.kinds[node_id] = graph.kind_of(node_id)
                self.kind_counts[kind] += 1
                if get_kind(kind).refers_to:
                    self.referrers.add(node_id)
            else:
                self._store(node_id, None, ())

    def _mark_referrers(self, graph: ArchitectureGraph) -> None:
        """Re-check a node that names another when that one changed, came or went, or when
        wires moved (it may no longer feed the node naming it). There are few such nodes."""
        for node_id in self.referrers:
            named = graph.params_of(node_id)[get_kind(self.kinds[node_id]).refers_to]
            if self.rewired or named in self.dirty:
                self.dirty.add(node_id)

    def _update_depth(self, graph: ArchitectureGraph) -> Counter[str]:
        """Nodes of each kind, counting expanded blocks; a kind whose count moved is re-done."""
        depth = self.kind_counts + Counter(b.kind for b in graph.groups().values())
        if depth != self.depth:
            moved = {k for k in depth.keys() | self.depth.keys() if depth[k] != self.depth[k]}
            self.dirty.update(n for n, kind in self.kinds.items() if kind in moved)
            self.depth = depth
        return depth

    def _reorder(self, graph: ArchitectureGraph) -> None:
        """After rewiring: the order, the inputs and outputs, and what reaches the output."""
        self.order = tuple(graph.topological_order())
        self.index = {node_id: i for i, node_id in enumerate(self.order)}
        inputs = [n for n in self.order if self.kinds[n] in INPUT_KINDS]
        outputs = [n for n in self.order if self.kinds[n] in OUTPUT_KINDS]
        self.input_id = inputs[0] if len(inputs) == 1 else None
        self.output_id = outputs[0] if len(outputs) == 1 else None
        self.endpoint_issues = endpoint_issues(inputs, outputs)
        self.reach_issues = reachability_issues(graph, self.order, outputs)
        self.rewired = False

    def _infer_changed(self, graph: ArchitectureGraph, cache: ShapeCache,
                       depth: Counter[str]) -> None:
        """Re-infer the changed nodes, then downstream while an output shape changes."""
        changed = [n for n in self.dirty if n in self.index]
        self.dirty = set()
        if len(changed) == len(self.order):  # everything: in order, nothing to propagate
            for node_id in self.order:
                self._store(node_id, *self._check_node(graph, node_id, cache, depth))
            return
        queued = set(changed)
        heap = [(self.index[n], n) for n in changed]
        heapq.heapify(heap)
        while heap:
            _, node_id = heapq.heappop(heap)
            old = self.reports.get(node_id)
            report, issues = self._check_node(graph, node_id, cache, depth)
            self._store(node_id, report, issues)
            if old is not None and old.spec == report.spec:
                continue
            for edge in graph.out_edges(node_id):
                if edge.dst not in queued:
                    queued.add(edge.dst)
                    heapq.heappush(heap, (self.index[edge.dst], edge.dst))

    def _check_node(self, graph: ArchitectureGraph, node_id: str, cache: ShapeCache,
                    depth: Counter[str]) -> tuple[NodeReport, tuple[Issue, ...]]:
        kind = self.kinds[node_id]
        params = graph.params_of(node_id)
        issues: list[Issue] = []
        inputs: list[TensorSpec | None] = []
        for port in get_kind(kind).input_ports(params):
            edge = graph.edge_into(node_id, port)
            if edge is None:
                issues.append(Issue(node_id, f"input {port!r} is not connected.",
                                    "Drag a wire from another node's output into it."))
                inputs.append(None)
            else:
                inputs.append(self.reports[edge.src].spec)
        known = tuple(spec for spec in inputs if spec is not None)
        if len(known) != len(inputs):
            # the cause is reported where it is; do not repeat it downstream
            return NodeReport(None, tuple(inputs)), tuple(issues)
        refers_to = get_kind(kind).refers_to
        referred = referred_node(graph, node_id, params[refers_to]) if refers_to else None
        report, error = cache.infer(kind, params, known, depth, referred)
        if error is not None:
            issues.append(Issue(node_id, error.message, error.hint))
        batch_size, limit = self.settings
        issues += node_memory_issues(node_id, report, batch_size, limit)
        return report, tuple(issues)

    def _store(self, node_id: str, report: NodeReport | None,
               issues: tuple[Issue, ...]) -> None:
        """Put in (or with None, take out) a node's report and issues, keeping the totals."""
        old = self.reports.pop(node_id, None)
        if old is not None:
            self.params -= old.params
            self.values -= values_kept(old)
        self.node_issues.pop(node_id, None)
        if report is not None:
            self.reports[node_id] = report
            self.params += report.params
            self.values += values_kept(report)
            if issues:
                self.node_issues[node_id] = issues


def referred_node(graph: ArchitectureGraph, node_id: str, named: str) -> Referred:
    """The node ``node_id`` names, as it is now: its kind and parameters, and whether it
    feeds ``node_id`` through wires."""
    if named not in graph:
        return Referred(named)
    seen: set[str] = set()
    stack = [node_id]
    while stack and named not in seen:
        for source in graph.feeders(stack.pop()):
            if source not in seen:
                seen.add(source)
                stack.append(source)
    return Referred(named, graph.kind_of(named), dict(graph.params_of(named)), named in seen)


def endpoint_issues(inputs: list[str], outputs: list[str]) -> list[Issue]:
    issues = []
    if not inputs:
        issues.append(Issue(None, "The network has no input.",
                            "Drag a Features, Image or Token input from the palette."))
    for extra in inputs[1:]:
        issues.append(Issue(extra, f"The network already has an input ({inputs[0]!r}); "
                            "training feeds exactly one.", "Remove one of the inputs."))
    if not outputs:
        issues.append(Issue(None, "The network has no output head, so it has nothing to learn.",
                            "Add a Classification, Regression or Segmentation output."))
    for extra in outputs[1:]:
        issues.append(Issue(extra, f"The network already has an output ({outputs[0]!r}); "
                            "training uses exactly one.", "Remove one of the outputs."))
    return issues


def reachability_issues(graph: ArchitectureGraph, order: tuple[str, ...],
                        outputs: list[str]) -> list[Issue]:
    """A warning on every node from which no path of wires leads to an output."""
    if not outputs:
        return []
    used, stack = set(outputs), list(outputs)
    while stack:
        for source in graph.feeders(stack.pop()):
            if source not in used:
                used.add(source)
                stack.append(source)
    return [
        Issue(n, "is not connected to the output, so it does not affect training.",
              "Wire its output onward, or delete it.", severity="warning")
        for n in order if n not in used
    ]
