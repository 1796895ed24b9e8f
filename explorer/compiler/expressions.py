"""Node kinds without weights that read best as plain tensor expressions in forward.

``a + b`` says more than ``self.add_1(a, b)`` and costs nothing: no module,
no call. Each rule gets the checker's report (input shapes) and the names
of the variables holding the node's inputs, in port order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from explorer.graph import NodeReport

ExpressionRule = Callable[[NodeReport, Sequence[str]], str]
# Rules that read the node's parameters, and may name another node's submodule
# (``attribute("embed_1")`` is ``"self.embed_1"``).
ParamExpressionRule = Callable[[Mapping[str, Any], Sequence[str], Callable[[str], str]], str]


def _add(report: NodeReport, args: Sequence[str]) -> str:
    return " + ".join(args)


def _subtract(report: NodeReport, args: Sequence[str]) -> str:
    return f"{args[0]} - {args[1]}"


def _multiply(report: NodeReport, args: Sequence[str]) -> str:
    layouts = [spec.layout for spec in report.known_inputs]
    if sorted(layouts) == ["features", "image"]:
        # A vector of C values scales each of C channels (squeeze-and-excitation).
        args = [f"{a}[:, :, None, None]" if layout == "features" else a
                for a, layout in zip(args, layouts, strict=True)]
    return " * ".join(args)


def _concat(report: NodeReport, args: Sequence[str]) -> str:
    dim = 1 if report.known_inputs[0].layout == "image" else -1
    return f"torch.cat([{', '.join(args)}], dim={dim})"


def _flatten(report: NodeReport, args: Sequence[str]) -> str:
    return f"torch.flatten({args[0]}, 1)"


def _global_pool(method: str) -> ExpressionRule:
    def rule(report: NodeReport, args: Sequence[str]) -> str:
        dims = "(2, 3)" if report.known_inputs[0].layout == "image" else "1"
        return f"{args[0]}.{method}(dim={dims})"

    return rule


EXPRESSION_RULES: dict[str, ExpressionRule] = {
    "Add": _add,
    "Subtract": _subtract,
    "Multiply": _multiply,
    "Concat": _concat,
    "Flatten": _flatten,
    "GlobalAvgPool": _global_pool("mean"),
    "GlobalMaxPool": _global_pool("amax"),
}


def _select_token(params: Mapping[str, Any], args: Sequence[str],
                  attribute: Callable[[str], str]) -> str:
    return f"{args[0]}[:, {params['index']}]"


def _tied_linear(params: Mapping[str, Any], args: Sequence[str],
                 attribute: Callable[[str], str]) -> str:
    """The named Embedding's table, used as the output layer's weight: one tensor, two uses."""
    return f"F.linear({args[0]}, {attribute(params['embedding'])}.weight)"


PARAM_EXPRESSION_RULES: dict[str, ParamExpressionRule] = {
    "SelectToken": _select_token,
    "TiedLinear": _tied_linear,
}


def expression(kind: str, report: NodeReport, args: Sequence[str]) -> str:
    """The Python expression computing a node of ``kind`` from its input variables."""
    return EXPRESSION_RULES[kind](report, args)
