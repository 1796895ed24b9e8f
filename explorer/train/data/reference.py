"""The dataset reference as Markdown (docs/datasets.md is this text, kept current by a test)."""

from __future__ import annotations

from explorer.graph.reference import param_rows

from .dataset import GROUPS
from .registry import DATASETS


def datasets_markdown() -> str:
    lines = [
        "# Datasets",
        "",
        "Every dataset ships with the program or is generated on the spot: nothing is "
        "downloaded. Set one in a project's training settings (`dataset`, and "
        "`dataset_options` for the options below). This page is written from the code "
        "(`python scripts/make_docs.py`).",
        "",
    ]
    for group in GROUPS:
        lines += [f"## {group}", ""]
        for info in (i for i in DATASETS.values() if i.group == group):
            lines += [f"### {info.title} (`{info.name}`)", "", info.description, "",
                      f"Task: {info.task}; input node: `{info.default_input_kind}`.", ""]
            if info.options:
                lines += ["| option | type | default | meaning |", "|---|---|---|---|",
                          *param_rows(info.options), ""]
    return "\n".join(lines)
