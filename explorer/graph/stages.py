"""Stages: a named run of nodes that the canvas can fold into one box, as torchview folds
modules by depth (ResNet-50's ``layer3``: six bottleneck blocks).

A stage is a way of looking at the graph, not a change to what it computes:
the compiler, the checker and the exporters never read it. The graph keeps
each stage's name and whether it is drawn collapsed, and each node the
stage it belongs to (``Node.stage``), so a node deleted and restored by undo
comes back in its stage, and the nodes of an expanded block stay in the
block's stage. ``Stage`` gathers the two into one record.

What a stage may hold is checked when it is made: at least one node, each in
no other stage, and either all of an expanded block's nodes or none. Its
nodes must also be one connected run: joined by wires among themselves, with
no path that leaves the stage and comes back into it. Collapsed, such a run
is one box with what feeds it on the left and what it feeds on the right; a
path out and back in would draw as a wire from the box into itself. Later
edits that break the run are not refused (it stays a view, and a file
holding such a stage still opens): the box then shows every wire in and out.

Opening or closing a stage is an edit like any other: undoable, and it marks
the file modified, because the file stores which stages are collapsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .errors import GraphError

if TYPE_CHECKING:
    from .model import ArchitectureGraph

MAX_NAME_LENGTH = 128


@dataclass(frozen=True)
class Stage:
    """One stage as the graph holds it now: its name, its nodes (in the order they were
    added) and whether the canvas draws it as one box."""

    name: str
    members: tuple[str, ...]
    collapsed: bool


def stages(graph: ArchitectureGraph) -> list[Stage]:
    """Every stage, in the order of its first node (an empty one, being made, last)."""
    names = graph.stage_names()
    members: dict[str, list[str]] = {name: [] for name in names}
    for node_id in graph.node_ids():
        name = graph.stage_of(node_id)
        if name is not None:
            members[name].append(node_id)
    found = [Stage(name, tuple(members[name]), collapsed) for name, collapsed in names.items()]
    return sorted(found, key=lambda s: (graph.rank_of(s.members[0]) if s.members else 1 << 62,
                                        s.name))


def get_stage(graph: ArchitectureGraph, name: str) -> Stage:
    if name not in graph.stage_names():
        known = ", ".join(sorted(graph.stage_names())) or "none yet"
        raise GraphError(f"there is no stage {name!r}.", hint=f"The stages are: {known}.")
    members = tuple(n for n in graph.node_ids() if graph.stage_of(n) == name)
    return Stage(name, members, graph.stage_names()[name])


# -- checks ---------------------------------------------------------------------------


def check_name(graph: ArchitectureGraph, name: object) -> str:
    """A usable new stage name, or a GraphError saying what is wrong with it."""
    if not isinstance(name, str) or not name.strip():
        raise GraphError("a stage needs a name.", hint="Type a name such as 'layer3'.")
    if name != name.strip():
        raise GraphError(f"the stage name {name!r} starts or ends with a space.",
                         hint="Remove the spaces around it.")
    if len(name) > MAX_NAME_LENGTH:
        raise GraphError(f"the stage name is {len(name)} characters long; the limit is "
                         f"{MAX_NAME_LENGTH}.", hint="Choose a shorter name.")
    if name in graph.stage_names():
        raise GraphError(f"a stage called {name!r} already exists.",
                         hint="Choose another name, or ungroup that stage first.")
    return name


def check_members(graph: ArchitectureGraph, node_ids: Sequence[str], *,
                  as_run: bool = True) -> list[str]:
    """The nodes of a new stage, checked; returned in the order they were added.

    ``as_run=False`` (a file being read) leaves out the check that they are one
    connected run: edits made since the stage was made may have changed that."""
    if not node_ids:
        raise GraphError("a stage needs at least one node.",
                         hint="Select the nodes to group, then group them.")
    wanted = set(node_ids)
    if len(wanted) != len(node_ids):
        raise GraphError("a node is listed twice in the stage.", hint="List each node once.")
    for node_id in node_ids:
        if node_id not in graph:
            raise GraphError(f"there is no node {node_id!r} to put in a stage.",
                             node_id=str(node_id))
        other = graph.stage_of(node_id)
        if other is not None:
            raise GraphError(f"{node_id!r} is already in stage {other!r}; a node can be in "
                             "one stage only.", node_id=node_id,
                             hint=f"Ungroup {other!r} first, or leave {node_id!r} out.")
    for group_id in {g for g in (graph.node(n).group for n in node_ids) if g is not None}:
        missing = set(graph.members(group_id)) - wanted
        if missing:
            raise GraphError(f"the stage takes part of the expanded block {group_id!r}, "
                             f"but not {sorted(missing)[0]!r}.", node_id=group_id,
                             hint="Take all of the block's nodes, or collapse it first.")
    ordered = [n for n in graph.node_ids() if n in wanted]
    if as_run:
        _check_no_detour(graph, wanted)  # first: its message names the node to add
        _check_connected(graph, ordered)
    return ordered


def _check_connected(graph: ArchitectureGraph, ordered: list[str]) -> None:
    """Wires among the nodes join them all (in either direction) to the first one."""
    wanted, start = set(ordered), ordered[0]
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        near = graph.feeders(node) + [e.dst for e in graph.out_edges(node)]
        for other in near:
            if other in wanted and other not in seen:
                seen.add(other)
                stack.append(other)
    if seen != wanted:
        apart = sorted(wanted - seen)[0]
        raise GraphError(f"{apart!r} is not wired to the other nodes of the stage.",
                         node_id=apart, hint="A stage is one connected run of nodes: "
                         "select nodes that follow one another.")


def _check_no_detour(graph: ArchitectureGraph, wanted: set[str]) -> None:
    """No path leaves the nodes and comes back into them (the box would feed itself)."""
    outside = [e.dst for n in wanted for e in graph.out_edges(n) if e.dst not in wanted]
    seen, stack = set(outside), list(outside)
    while stack:
        node = stack.pop()
        for edge in graph.out_edges(node):
            if edge.dst in wanted:
                raise GraphError(
                    f"{node!r} is outside the stage but lies between its nodes (it feeds "
                    f"{edge.dst!r}).", node_id=node,
                    hint=f"Add {node!r} to the stage too, or group fewer nodes.")
            if edge.dst not in seen:
                seen.add(edge.dst)
                stack.append(edge.dst)


# -- changing, in steps that edits revert ----------------------------------------------


def _tag(graph: ArchitectureGraph, node_ids: Iterable[str], name: str | None) -> None:
    """Put nodes in stage ``name`` (None: in none), and the blocks they were expanded from,
    so that collapsing such a block keeps it in the stage."""
    groups: set[str] = set()
    for node_id in node_ids:
        graph.set_node_stage(node_id, name)
        group = graph.node(node_id).group
        if group is not None:
            groups.add(group)
    for group_id in sorted(groups):
        block = graph.groups().get(group_id)  # a file being read records blocks after stages
        if block is not None and block.stage != name:
            inside = graph.group_inside(group_id)
            graph.remove_group(group_id)
            graph.add_group(replace(block, stage=name), inside)


@dataclass
class MakeStage:
    """Group nodes as a named stage (the zoo makes its stages collapsed)."""

    name: str
    node_ids: Sequence[str]
    collapsed: bool = False
    as_run: bool = True  # False when a file is read (see check_members)

    @property
    def text(self) -> str:
        return f"Group {len(self.node_ids)} nodes as stage {self.name}"

    def apply(self, graph: ArchitectureGraph) -> None:
        name = check_name(graph, self.name)
        members = check_members(graph, self.node_ids, as_run=self.as_run)
        with graph.batch():
            graph.set_stage(name, self.collapsed)
            _tag(graph, members, name)

    def revert(self, graph: ArchitectureGraph) -> None:
        with graph.batch():
            _tag(graph, get_stage(graph, self.name).members, None)
            graph.set_stage(self.name, None)


@dataclass
class RemoveStage:
    """Ungroup a stage: its nodes stay, shown one by one again."""

    name: str
    _stage: Stage | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return f"Ungroup stage {self.name}"

    def apply(self, graph: ArchitectureGraph) -> None:
        self._stage = get_stage(graph, self.name)
        with graph.batch():
            _tag(graph, self._stage.members, None)
            graph.set_stage(self.name, None)

    def revert(self, graph: ArchitectureGraph) -> None:
        stage = self._stage
        assert stage is not None
        with graph.batch():
            graph.set_stage(stage.name, stage.collapsed)
            _tag(graph, stage.members, stage.name)


@dataclass
class SetStageCollapsed:
    """Draw a stage as one box (collapsed) or open it to show its nodes in a frame."""

    name: str
    collapsed: bool
    _old: bool | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return f"{'Close' if self.collapsed else 'Open'} stage {self.name}"

    def apply(self, graph: ArchitectureGraph) -> None:
        old = get_stage(graph, self.name).collapsed
        if self._old is None:
            self._old = old
        graph.set_stage(self.name, self.collapsed)

    def revert(self, graph: ArchitectureGraph) -> None:
        assert self._old is not None
        graph.set_stage(self.name, self._old)


@dataclass
class RenameStage:
    name: str
    new_name: str

    @property
    def text(self) -> str:
        return f"Rename stage {self.name} to {self.new_name}"

    def apply(self, graph: ArchitectureGraph) -> None:
        _rename(graph, self.name, check_name(graph, self.new_name))

    def revert(self, graph: ArchitectureGraph) -> None:
        _rename(graph, self.new_name, self.name)


def _rename(graph: ArchitectureGraph, old: str, new: str) -> None:
    stage = get_stage(graph, old)
    with graph.batch():
        graph.set_stage(new, stage.collapsed)
        _tag(graph, stage.members, new)
        graph.set_stage(old, None)


def drop_if_empty(graph: ArchitectureGraph, name: str | None) -> tuple[str, bool] | None:
    """Forget a stage none of whose nodes is left; returns what to restore on undo."""
    if name is None or name not in graph.stage_names() or get_stage(graph, name).members:
        return None
    collapsed = graph.stage_names()[name]
    graph.set_stage(name, None)
    return name, collapsed
