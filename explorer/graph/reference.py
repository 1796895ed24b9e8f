"""The node-kind reference as Markdown (docs/node-kinds.md is this text, kept current by a test)."""

from __future__ import annotations

from collections.abc import Iterable

from .kinds import CATEGORIES, all_kinds
from .params import Param, _num
from .settings import SETTINGS_PARAMS


def node_kinds_markdown() -> str:
    lines = [
        "# Node kinds",
        "",
        "Every kind the palette offers: what it computes, its parameters (type, range, "
        "default) and the formula. Shapes leave out the batch: `C×H×W` is an image, `T×D` a "
        "sequence. This page is written from the code (`python scripts/make_docs.py`).",
        "",
    ]
    for category in CATEGORIES:
        lines += [f"## {category}", ""]
        for kind in (k for k in all_kinds() if k.category == category):
            lines += [f"### {kind.title} (`{kind.name}`)", "", kind.description, "",
                      f"Formula: `{kind.formula}`", ""]
            if kind.paper:
                lines += [f"Reference: {kind.paper}.", ""]
            if kind.params:
                lines += ["| parameter | type | default | meaning |", "|---|---|---|---|",
                          *param_rows(kind.params), ""]
    return "\n".join(lines)


def settings_markdown() -> str:
    lines = ["| setting | type | default | meaning |", "|---|---|---|---|",
             "| `dataset_options` | object | {} | Options of the chosen dataset |",
             *param_rows(SETTINGS_PARAMS)]
    return "\n".join(lines)


def param_rows(params: Iterable[Param]) -> list[str]:
    """One Markdown table row per parameter: name, type, default, meaning."""
    return [f"| `{p.name}` | {_type(p)} | {_num(p.default)} | {_meaning(p)} |" for p in params]


def _type(p: Param) -> str:
    name = {int: "integer", float: "number", bool: "boolean", str: "text"}[p.type]
    return name + ' or "auto"' if p.auto else name


def _meaning(p: Param) -> str:
    parts = [p.doc.replace("|", "/")]
    if p.choices:
        parts.append("one of " + ", ".join(f"`{c}`" for c in p.choices))
    elif p.min is not None or p.max is not None:
        lo = _num(p.min) if p.min is not None else "−∞"
        hi = _num(p.max) if p.max is not None else "∞"
        parts.append(f"{lo} … {hi}")
    parts += [f"{_num(v)} = {m}" for v, m in p.special.items()]
    return "; ".join(parts)
