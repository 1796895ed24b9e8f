"""Shape inference and validation: what every node outputs, and what is wrong, in plain words.

Runs after every edit, so it must be cheap: no tensors, only arithmetic on
shapes. A ``ShapeCache`` remembers each node's inference by everything it
depends on (kind, parameters, input shapes), so a block's expansion is
worked out once per distinct block; given to ``check_graph`` again for the
same graph, it also remembers that graph's last check and recomputes only
the nodes that changed since (see ``check_state``).

``check_graph`` never raises: whatever the graph, a problem is an Issue on
the node it is about.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .check_state import GraphState
from .errors import GraphError, ShapeError
from .issues import CheckResult, Issue, NodeReport, Severity
from .kinds import Context, NodeKind, get_kind
from .kinds.base import Referred
from .memory_rules import BYTES_PER_VALUE, TRAINING_BYTES_PER_PARAM, machine_memory
from .model import ArchitectureGraph
from .specs import TensorSpec

__all__ = ["BYTES_PER_VALUE", "TRAINING_BYTES_PER_PARAM", "CheckResult", "Issue", "NodeReport",
           "Severity", "ShapeCache", "check_graph", "kind_depths", "machine_memory"]

_Entry = tuple[NodeReport, ShapeError | None]


@dataclass
class ShapeCache:
    """Each node's inference by (kind, parameters, input specs, depth), and one graph's check."""

    entries: dict[tuple, _Entry] = field(default_factory=dict)
    limit: int = 20_000
    state: GraphState | None = field(default=None, repr=False, compare=False)

    def infer(self, kind_name: str, params: Mapping[str, Any], inputs: tuple[TensorSpec, ...],
              depth: Mapping[str, int], referred: Referred | None = None) -> _Entry:
        """The node's report, and the ShapeError that left its output unknown (if any)."""
        key = (kind_name, tuple(params.items()), inputs, depth.get(kind_name, 0),
               referred.key() if referred else None)
        entry = self.entries.get(key)
        if entry is None:
            entry = _infer(get_kind(kind_name), Context(params, inputs, depth, referred))
            if len(self.entries) >= self.limit:
                self.entries.clear()
            self.entries[key] = entry
        return entry

    def state_for(self, graph: ArchitectureGraph, settings: tuple[int, int]) -> GraphState:
        """This graph's last check, if it was made for the same settings; else a fresh one."""
        state = self.state
        if state is None or state.graph() is not graph or state.settings != settings:
            if state is not None:
                state.detach()
            state = self.state = GraphState(graph, settings, listen=True)
        return state


def check_graph(
    graph: ArchitectureGraph,
    *,
    batch_size: int = 1,
    memory_limit: int | None = None,
    cache: ShapeCache | None = None,
) -> CheckResult:
    """Infer every node's output shape and parameter count and list every problem."""
    settings = (batch_size, memory_limit if memory_limit is not None else machine_memory())
    if cache is None:
        return GraphState(graph, settings, listen=False).check(graph, ShapeCache())
    return cache.state_for(graph, settings).check(graph, cache)


def kind_depths(graph: ArchitectureGraph) -> Counter[str]:
    """How many nodes of each kind the network has, counting blocks shown expanded."""
    return Counter(graph.kind_of(n) for n in graph.node_ids()) + Counter(
        b.kind for b in graph.groups().values())


def _infer(kind: NodeKind, ctx: Context) -> _Entry:
    """Run the kind's rules; a refusal becomes the node's ShapeError, never an escape."""
    try:
        if kind.inside is None:
            return NodeReport(kind.infer(ctx), ctx.inputs, kind.count(ctx), kind.resolve(ctx)), None
        inside = kind.inside(ctx)
        inner = inside.inner()
        largest = max(inner.items(), key=lambda item: item[1].numel, default=None)
        return NodeReport(inside.spec, ctx.inputs, inside.count, kind.resolve(ctx),
                          sum(spec.numel for spec in inner.values()), largest), None
    except ShapeError as error:
        return NodeReport(None, ctx.inputs), error
    except GraphError as error:  # a rule asked a part for a value it refuses
        return NodeReport(None, ctx.inputs), ShapeError(error.message, error.hint)
    except (ArithmeticError, ValueError) as error:  # sizes past what arithmetic here can hold
        return NodeReport(None, ctx.inputs), ShapeError(
            f"its shape cannot be worked out ({error}).", "Use smaller sizes.")
