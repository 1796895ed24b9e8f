"""The graph's storage, changed only in primitive steps that can be rolled back.

A step is one node in or out, one wire in or out, one field of a node set,
one expanded-block record set, or one stage record set. Inside ``batch()`` each step records its
inverse; if anything in the batch raises, the inverses run newest first,
each emitting its own event, so the graph and every view watching it are
back where they were before the error goes on. ``ArchitectureGraph``
(model.py) validates every change and then makes it in these steps.
"""

from __future__ import annotations

import heapq
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from psygnal import Signal, SignalGroup

from .errors import UnknownNode

OUTPUT_PORT = "out"

# networkx's own dicts behind its ``succ`` and ``nodes`` views (see GraphStore._raw):
# node -> successor -> key (the input port) -> wire attributes, and node -> attributes.
RawSuccessors = dict[str, dict[str, dict[str, dict[str, Any]]]]
RawNodes = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Node:
    """A read-only view of one node, as the graph holds it now."""

    id: str
    kind: str
    params: Mapping[str, Any]
    position: tuple[float, float] = (0.0, 0.0)
    label: str = ""
    group: str | None = None  # the collapsed block this node was expanded from
    # When it was added: orders ties in topological order (and so the saved file and the
    # generated names). Undo gives a node its rank back. None: not in a graph yet.
    rank: int | None = field(default=None, compare=False)
    stage: str | None = None  # the stage (a named run of nodes, stages.py) it belongs to

    @property
    def title(self) -> str:
        return self.label or self.id


@dataclass(frozen=True, order=True)
class Edge:
    """A wire from a node's output port to another node's input port."""

    src: str
    dst: str
    dst_port: str
    src_port: str = OUTPUT_PORT


class GraphEvents(SignalGroup):
    """What observers (canvas items, checkers, autosave) can listen to."""

    node_added = Signal(str)
    node_removed = Signal(str)
    node_changed = Signal(str)  # parameters or label
    node_moved = Signal(str, float, float)
    edge_added = Signal(Edge)
    edge_removed = Signal(Edge)
    stages_changed = Signal()  # a stage made, removed, renamed, opened or closed, or a member
    changed = Signal()  # once after any change, or once after a batch of them


class GraphStore:
    """Nodes, wires and expanded-block records, and the events their changes emit."""

    def __init__(self) -> None:
        self._g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        self._groups: dict[str, Node] = {}
        self._insides: dict[str, object] = {}  # group -> what its nodes were when expanded
        self._stages: dict[str, bool] = {}  # stage name -> whether it is drawn collapsed
        self._incoming: dict[str, dict[str, Edge]] = {}  # node -> input port -> its wire
        self._order: list[str] | None = None  # topological order, until the wiring changes
        self._place: dict[str, int] = {}  # node -> a number that grows along _order
        self._ids: list[str] | None = None  # node ids by rank, until a node comes or goes
        self._rank = 0  # insertion counter: ties in topological order follow it
        self._batch_depth = 0
        self._batch_dirty = False
        self._journal: list[tuple[Callable[..., object], tuple]] = []  # inverses, in a batch
        self._rolling_back = False
        self.events = GraphEvents()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many changes into one: all of them or none, and ``changed`` heard once.

        If anything inside raises, every change made inside is undone (newest first,
        each with its event) before the error goes on. Batches nest: an inner one that
        fails undoes only its own changes.
        """
        mark, rank = len(self._journal), self._rank
        self._batch_depth += 1
        try:
            yield
        except BaseException as error:
            self._roll_back(mark, error)
            self._rank = rank
            raise
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self._journal.clear()
                if self._batch_dirty:
                    self._batch_dirty = False
                    self.events.changed.emit()

    # -- reading the storage ------------------------------------------------------

    def _data(self, node_id: str) -> dict[str, Any]:
        try:
            return self._g.nodes[node_id]
        except (KeyError, TypeError):
            raise UnknownNode(f"there is no node {node_id!r}.", node_id=str(node_id)) from None

    def _wires_into(self, node_id: str) -> dict[str, Edge]:
        try:
            return self._incoming[node_id]
        except (KeyError, TypeError):
            raise UnknownNode(f"there is no node {node_id!r}.", node_id=str(node_id)) from None

    def _sorted(self) -> list[str] | None:
        """The topological order, smallest rank first among the nodes ready; None on a loop.

        Kahn's algorithm with a heap: what ``nx.lexicographical_topological_sort``
        gives, several times faster, since it reads the raw adjacency dicts of the
        networkx graph (``_succ``, ``_node``) instead of its views.
        """
        succ, data = self._raw()
        waiting = {n: len(wires) for n, wires in self._incoming.items()}
        ready = [(data[n]["rank"], n) for n, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            node = heapq.heappop(ready)[1]
            order.append(node)
            for m, keys in succ[node].items():
                waiting[m] -= len(keys)
                if waiting[m] == 0:
                    heapq.heappush(ready, (data[m]["rank"], m))
        return order if len(order) == len(waiting) else None

    def _raw(self) -> tuple[RawSuccessors, RawNodes]:
        """networkx's adjacency and node dicts, read without the views that cost 3x.

        They are private attributes, so networkx's stubs leave them out.
        """
        return self._g._succ, self._g._node  # type: ignore[attr-defined]

    def _ordered(self) -> list[str]:
        """The topological order, kept between changes that cannot alter it."""
        if self._order is None:
            order = self._sorted()
            if order is None:
                raise nx.NetworkXUnfeasible("the graph has a loop")
            self._order, self._place = order, {n: i for i, n in enumerate(order)}
        return self._order

    def _in_order(self, first: str, then: str) -> bool:
        """Whether the kept order already puts ``first`` before ``then``.

        Then a wire from one to the other cannot close a loop, and adding it leaves
        the order exactly as a fresh sort would give it: at every step the same
        node is the smallest ready one.
        """
        if self._order is None:
            return False
        return self._place[first] < self._place[then]

    def _insertion_rank(self, node_id: str) -> int:
        return self._g.nodes[node_id]["rank"]

    def _next_rank(self) -> int:
        self._rank += 1
        return self._rank

    def _claim_rank(self, rank: int) -> int:
        """Give a node back its old rank; later nodes still go after every one."""
        self._rank = max(self._rank, rank)
        return rank

    # -- primitive changes: each records its inverse (in a batch) and emits its event --

    def _insert(self, node_id: str, data: dict[str, Any]) -> None:
        self._g.add_node(node_id, **data)
        self._incoming[node_id] = {}
        self._ids = None
        if self._order is not None and data["rank"] == self._rank:
            # An unwired node with the highest rank comes last in the order.
            self._place[node_id] = self._place[self._order[-1]] + 1 if self._order else 0
            self._order.append(node_id)
        else:
            self._order = None
        self._record(self._erase, node_id)
        self.events.node_added.emit(node_id)
        self._changed()

    def _erase(self, node_id: str) -> None:
        """Remove a node that has no wires left."""
        data = dict(self._g.nodes[node_id])
        self._g.remove_node(node_id)
        del self._incoming[node_id]
        self._ids = None
        if self._order is not None:  # an unwired node leaves the others' order as it was
            self._order.remove(node_id)
            del self._place[node_id]
        self._record(self._insert, node_id, data)
        self.events.node_removed.emit(node_id)
        self._changed()

    def _wire(self, edge: Edge) -> None:
        self._g.add_edge(edge.src, edge.dst, key=edge.dst_port, src_port=edge.src_port)
        self._incoming[edge.dst][edge.dst_port] = edge
        if not self._in_order(edge.src, edge.dst):
            self._order = None
        self._record(self._unwire, edge)
        self.events.edge_added.emit(edge)
        self._changed()

    def _unwire(self, edge: Edge) -> None:
        self._g.remove_edge(edge.src, edge.dst, key=edge.dst_port)
        del self._incoming[edge.dst][edge.dst_port]
        self._order = None
        self._record(self._wire, edge)
        self.events.edge_removed.emit(edge)
        self._changed()

    def _update(self, node_id: str, key: str, value: Any) -> Any:
        """Set one field of a node; returns the old value."""
        data = self._data(node_id)
        old, data[key] = data[key], value
        self._record(self._update, node_id, key, old)
        if key == "pos":
            self.events.node_moved.emit(node_id, *value)
        elif key == "stage":
            self.events.stages_changed.emit()
        elif key != "group":
            self.events.node_changed.emit(node_id)
        self._changed()
        return old

    def _set_group(self, group_id: str, record: tuple[Node, object | None] | None) -> None:
        """Record (or, with None, forget) an expanded block and what its nodes were."""
        old = (self._groups[group_id], self._insides.get(group_id)) \
            if group_id in self._groups else None
        self._groups.pop(group_id, None)
        self._insides.pop(group_id, None)
        if record is not None:
            self._groups[group_id] = record[0]
            if record[1] is not None:
                self._insides[group_id] = record[1]
        self._record(self._set_group, group_id, old)
        self._changed()

    def _set_stage(self, name: str, collapsed: bool | None) -> None:
        """Record a stage (drawn collapsed or open), or with None forget it."""
        old = self._stages.pop(name, None)
        if collapsed is not None:
            self._stages[name] = collapsed
        self._record(self._set_stage, name, old)
        self.events.stages_changed.emit()
        self._changed()

    def _record(self, inverse: Callable[..., object], *args: Any) -> None:
        if self._batch_depth and not self._rolling_back:
            self._journal.append((inverse, args))

    def _roll_back(self, mark: int, error: BaseException) -> None:
        """Run the inverses recorded since ``mark``, newest first; keep going if one fails."""
        self._rolling_back = True
        try:
            while len(self._journal) > mark:
                inverse, args = self._journal.pop()
                try:
                    inverse(*args)
                except Exception as failure:  # an observer failed: the change itself is done
                    _add_note(error, f"while undoing the failed change: {failure!r}")
        finally:
            self._rolling_back = False

    def _changed(self) -> None:
        if self._batch_depth:
            self._batch_dirty = True
        else:
            self.events.changed.emit()


def _add_note(error: BaseException, note: str) -> None:
    """Attach a note to an error on its way out (Python 3.10 has no ``add_note``)."""
    if sys.version_info >= (3, 11):
        error.add_note(note)
    else:  # kept where 3.11's add_note keeps it
        vars(error).setdefault("__notes__", []).append(note)
