"""A checked graph as Python source: submodule constructors and a straight-line forward.

The compiled network executes this source; the exporter prints it into a
standalone file; the app's code preview shows it. Every line carries the id
of the node it comes from, so each of them can map a line back to the
canvas. Names come from ``naming.python_names`` over the checker's
topological order: the submodule ``self.conv_1`` and the local variable
``conv_1`` both hold node ``conv 1``. Nodes that do not reach the output
are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from explorer.graph import CheckResult, Edge, Node
from explorer.graph.naming import comment_text, python_names, string_literal

from .errors import BuildError
from .expressions import EXPRESSION_RULES, PARAM_EXPRESSION_RULES, expression
from .module_spec import ModuleSpec
from .modules import module_spec

INPUT_VARIABLE = "x"
INDENT = "    "


class GraphReader(Protocol):
    """What code generation reads from a graph: an ``ArchitectureGraph``, or a copy of
    the parts it needs taken at one moment (the code preview's, made off the UI thread)."""

    def node(self, node_id: str) -> Node: ...

    def in_edges(self, node_id: str) -> Sequence[Edge]: ...


def node_note(node_id: str, kind: str) -> str:
    """The ``  # conv 1 (Conv2d)`` note that ends a node's line of ``forward``.

    Most ids are identifiers of at most 60 characters (``comment_text``'s limit), which
    it would give back unchanged; they skip its character-by-character walk, a sixth of
    the time of making the code of a big graph.
    """
    if len(node_id) > 60 or not node_id.isidentifier():
        node_id = comment_text(node_id)
    return f"  # {node_id} ({kind})"


@dataclass(frozen=True)
class CodeLine:
    """One line of generated code (without indentation) and the node it computes."""

    node_id: str
    text: str


@dataclass(frozen=True)
class NetworkCode:
    """Everything needed to write the network out as Python."""

    names: Mapping[str, str]  # node id -> Python name, every node in topological order
    modules: Mapping[str, ModuleSpec]  # node id -> its submodule, in forward order
    lines: tuple[CodeLine, ...]  # the body of forward; the last line returns
    values: Mapping[str, str]  # node id -> the variable holding its output, forward order
    input_id: str
    output_id: str
    output_kind: str  # ClassificationOutput, RegressionOutput or SegmentationOutput

    def init_lines(self, owner: str = "self") -> tuple[CodeLine, ...]:
        """``self.conv_1 = nn.Conv2d(...)`` lines (and init steps), for ``__init__``."""
        lines = []
        for node_id, spec in self.modules.items():
            attribute = f"{owner}.{self.names[node_id]}"
            lines.append(CodeLine(node_id, f"{attribute} = {spec.source()}"))
            lines += [CodeLine(node_id, step) for step in spec.init_source(attribute)]
        return tuple(lines)

    def forward_source(self, name: str = "forward") -> str:
        """``def forward(self, x):`` and its body, as it runs and as it is exported."""
        body = [INDENT + line.text for line in self.lines]
        return "\n".join([f"def {name}(self, {INPUT_VARIABLE}):", *body]) + "\n"

    def forward_all_source(self, name: str = "forward_all") -> str:
        """The same computation, returning every node's output by node id."""
        body = [INDENT + line.text for line in self.lines[:-1]]
        entries = [f"{INDENT * 2}{string_literal(node_id)}: {variable},"
                   for node_id, variable in self.values.items()]
        return "\n".join([f"def {name}(self, {INPUT_VARIABLE}):", *body,
                          INDENT + "return {", *entries, INDENT + "}"]) + "\n"


def generate(graph: GraphReader, result: CheckResult) -> NetworkCode:
    """Turn a graph the checker passed into code; BuildError if it has errors."""
    if not result.ok or result.input_id is None or result.output_id is None:
        raise BuildError.from_issues(result.errors)
    names = python_names(result.order)
    inputs = _wires_into_ancestors(graph, result.output_id)
    values = {result.input_id: INPUT_VARIABLE}
    modules: dict[str, ModuleSpec] = {}
    lines: list[CodeLine] = []
    for node_id in result.order:
        if node_id not in inputs or node_id in (result.input_id, result.output_id):
            continue
        node, report = graph.node(node_id), result.reports[node_id]
        args = [values[edge.src] for edge in inputs[node_id]]
        comment = node_note(node_id, node.kind)
        if node.kind in EXPRESSION_RULES:
            code = expression(node.kind, report, args)
        elif node.kind in PARAM_EXPRESSION_RULES:
            code = PARAM_EXPRESSION_RULES[node.kind](node.params, args,
                                                     lambda other: f"self.{names[other]}")
        else:
            modules[node_id] = module_spec(node.kind, node.params, report)
            code = f"self.{names[node_id]}({args[0]})"
        values[node_id] = names[node_id]
        lines.append(CodeLine(node_id, f"{names[node_id]} = {code}{comment}"))
    output = graph.node(result.output_id)
    returned = values[inputs[result.output_id][0].src]
    lines.append(CodeLine(result.output_id,
                          f"return {returned}{node_note(output.id, output.kind)}"))
    return NetworkCode(names, modules, tuple(lines), values, result.input_id, result.output_id,
                       output.kind)


def _wires_into_ancestors(graph: GraphReader, output_id: str) -> dict[str, Sequence[Edge]]:
    """The wires into the output and into every node it depends on, by node (in port order).

    Its keys are the nodes that reach the output; a walk over the wires, which the loop
    over the nodes reads again instead of asking the graph twice.
    """
    inputs = {output_id: graph.in_edges(output_id)}
    waiting = [output_id]
    while waiting:
        for edge in inputs[waiting.pop()]:
            if edge.src not in inputs:
                inputs[edge.src] = graph.in_edges(edge.src)
                waiting.append(edge.src)
    return inputs
