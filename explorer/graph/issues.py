"""What a check finds: each node's report, and every problem in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .specs import TensorSpec

Severity = Literal["error", "warning"]


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
    """What the checker found for one node.

    For a block, ``inner_values`` counts the numbers it computes inside on the
    way to its output (per example; training keeps them for the backward
    pass) and ``largest_inner`` names the biggest of those tensors.
    """

    spec: TensorSpec | None  # None when it cannot be known (an error here or upstream)
    inputs: tuple[TensorSpec | None, ...] = ()
    params: int = 0
    resolved: Mapping[str, Any] = field(default_factory=dict)  # values chosen for "auto"
    inner_values: int = 0
    largest_inner: tuple[str, TensorSpec] | None = None

    @property
    def known_inputs(self) -> tuple[TensorSpec, ...]:
        """The input specs of a node whose every input is known (ValueError otherwise).

        Code that builds or exports a network reads the inputs of a graph that checked
        clean, where every one is known; this says so to the type checker too.
        """
        known = tuple(spec for spec in self.inputs if spec is not None)
        if len(known) != len(self.inputs):
            raise ValueError("an input of this node has no known shape; fix the graph first.")
        return known


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

    def known_spec(self, node_id: str) -> TensorSpec:
        """The output spec of a node that must have one (ValueError if it has none)."""
        spec = self.spec(node_id)
        if spec is None:
            raise ValueError(f"node {node_id!r} has no known shape; fix the graph first.")
        return spec
