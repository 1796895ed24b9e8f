"""The generated reference pages in docs/ are current with the code."""

from pathlib import Path

from explorer.graph.reference import node_kinds_markdown, settings_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_node_kinds_page_is_current():
    assert (DOCS / "node-kinds.md").read_text(encoding="utf-8") == node_kinds_markdown() + "\n", (
        "run: python scripts/make_docs.py")


def test_training_settings_page_is_current():
    assert settings_markdown() in (DOCS / "training-settings.md").read_text(encoding="utf-8"), (
        "run: python scripts/make_docs.py")
