"""Shape inference and validation: what every node outputs, and what is wrong, in plain words.

Runs after every edit, so it must be cheap: no tensors, only arithmetic on
shapes, and a cache of each node's result keyed by everything it depends on
(kind, parameters, input shapes), so a re-check after one edit recomputes
only the nodes whose inputs changed.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from .errors import ShapeError
from .kinds import INPUT_KINDS, OUTPUT_KINDS, Context, get_kind
from .model import ArchitectureGraph
from .specs import TensorSpec, format_bytes

Severity = Literal["error", "warning"]
BYTES_PER_VALUE = 4  # float32
TRAINING_BYTES_PER_PARAM = 16  # weight, gradient and two Adam moments


@dataclass(frozen=True)
class Issue:
    """A problem on a node (or, with node_id None, on the graph as a whole)."""

    node_id: str | None
    message: str
    hint: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.node_id}: " if self.node_id else ""
        return f"{where}{self.message}" + (f" {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class NodeReport:
    """What the checker found for one node."""

    spec: TensorSpec | None  # None when it cannot be known (an error here or upstream)
    inputs: tuple[TensorSpec | None, ...] = ()
    params: int = 0
    resolved: Mapping[str, Any] = field(default_factory=dict)  # values chosen for "auto"


@dataclass(frozen=True)
class CheckResult:
    reports: Mapping[str, NodeReport]
    issues: tuple[Issue, ...]
    order: tuple[str, ...]  # topological
    input_id: str | None
    output_id: str | None
    kinds: Mapping[str, str] = field(default_factory=dict)  # node id -> kind name

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.reports.values())

    def issues_for(self, node_id: str) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.node_id == node_id)

    def spec(self, node_id: str) -> TensorSpec | None:
        report = self.reports.get(node_id)
        return report.spec if report else None


def machine_memory() -> int:
    """Physical memory in bytes (a generous 64 GiB where the system will not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 64 * 1024**3


_Entry = tuple[TensorSpec | None, int, Mapping[str, Any], ShapeError | None]


@dataclass
class ShapeCache:
    """Remembers each node's inference by (kind, parameters, input specs, depth)."""

    entries: dict[tuple, _Entry] = field(default_factory=dict)
    limit: int = 20_000

    def infer(self, kind_name: str, params: Mapping[str, Any], inputs: tuple[TensorSpec, ...],
              depth: Mapping[str, int]) -> _Entry:
        kind = get_kind(kind_name)
        key = (kind_name, tuple(params.items()), inputs, depth.get(kind_name, 0))
        entry = self.entries.get(key)
        if entry is None:
            ctx = Context(params, inputs, depth)
            try:
                entry = (kind.infer(ctx), kind.count(ctx), kind.resolve(ctx), None)
            except ShapeError as error:
                entry = (None, 0, {}, error)
            if len(self.entries) >= self.limit:
                self.entries.clear()
            self.entries[key] = entry
        return entry


def check_graph(
    graph: ArchitectureGraph,
    *,
    batch_size: int = 1,
    memory_limit: int | None = None,
    cache: ShapeCache | None = None,
) -> CheckResult:
    """Infer every node's output shape and parameter count and list every problem."""
    cache = cache if cache is not None else ShapeCache()
    memory_limit = memory_limit if memory_limit is not None else machine_memory()
    issues: list[Issue] = []
    order = graph.topological_order()
    kinds = {n: graph.kind_of(n) for n in order}
    depth = Counter(kinds.values()) + Counter(b.kind for b in graph.groups().values())
    inputs = [n for n in order if kinds[n] in INPUT_KINDS]
    outputs = [n for n in order if kinds[n] in OUTPUT_KINDS]
    issues += _endpoint_issues(inputs, outputs)

    reports: dict[str, NodeReport] = {}
    for node_id in order:
        params = graph.params_of(node_id)
        in_specs: list[TensorSpec | None] = []
        for port in get_kind(kinds[node_id]).input_ports(params):
            edge = graph.edge_into(node_id, port)
            if edge is None:
                issues.append(Issue(node_id, f"input {port!r} is not connected.",
                                    "Drag a wire from another node's output into it."))
                in_specs.append(None)
            else:
                in_specs.append(reports[edge.src].spec)
        if any(s is None for s in in_specs):
            reports[node_id] = NodeReport(None, tuple(in_specs))
            continue  # the cause is reported where it is; do not repeat it downstream
        ready = tuple(s for s in in_specs if s is not None)
        spec, count, resolved, error = cache.infer(kinds[node_id], params, ready, depth)
        if error is not None:
            issues.append(Issue(node_id, error.message, error.hint))
        reports[node_id] = NodeReport(spec, ready, count, resolved)
        if spec is not None:
            issues += _memory_issues(node_id, spec, count, batch_size, memory_limit)

    issues += _reachability_issues(graph, order, outputs)
    issues += _total_memory_issues(reports, batch_size, memory_limit)
    return CheckResult(
        reports, tuple(issues), tuple(order),
        inputs[0] if len(inputs) == 1 else None,
        outputs[0] if len(outputs) == 1 else None,
        kinds,
    )


def kind_depths(graph: ArchitectureGraph) -> Counter[str]:
    """How many nodes of each kind the network has, counting blocks shown expanded."""
    return Counter(graph.kind_of(n) for n in graph.node_ids()) + Counter(
        b.kind for b in graph.groups().values())


def _endpoint_issues(inputs: list[str], outputs: list[str]) -> list[Issue]:
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


def _reachability_issues(graph: ArchitectureGraph, order: list[str],
                         outputs: list[str]) -> list[Issue]:
    if not outputs:
        return []
    used = set(outputs).union(*(nx.ancestors(graph.view(), o) for o in outputs))
    return [
        Issue(n, "is not connected to the output, so it does not affect training.",
              "Wire its output onward, or delete it.", severity="warning")
        for n in order if n not in used
    ]


def _memory_issues(node_id: str, spec: TensorSpec, count: int, batch_size: int,
                   limit: int) -> list[Issue]:
    issues = []
    weights = count * TRAINING_BYTES_PER_PARAM
    if weights > limit:
        issues.append(Issue(
            node_id, f"its {count:,} weights would need {format_bytes(weights)} to train; this "
            f"machine has {format_bytes(limit)}.", "Use fewer features or channels."))
    activations = spec.numel * batch_size * BYTES_PER_VALUE
    if activations > limit:
        issues.append(Issue(
            node_id, f"its output ({spec}) for a batch of {batch_size} would need "
            f"{format_bytes(activations)}; this machine has {format_bytes(limit)}.",
            "Shrink the input, downsample earlier, or lower the batch size."))
    return issues


def _total_memory_issues(reports: Mapping[str, NodeReport], batch_size: int,
                         limit: int) -> list[Issue]:
    params = sum(r.params for r in reports.values())
    values = sum(r.spec.numel for r in reports.values() if r.spec is not None)
    need = params * TRAINING_BYTES_PER_PARAM + values * batch_size * BYTES_PER_VALUE * 2
    if need <= limit:
        return []
    return [Issue(None, f"Training this network with a batch of {batch_size} would need about "
                  f"{format_bytes(need)}; this machine has {format_bytes(limit)}.",
                  "Make the network smaller or lower the batch size.")]
