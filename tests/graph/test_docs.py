"""The generated reference pages in docs/ are current with the code."""

from pathlib import Path

from explorer.graph.examples import example_name, example_paths, examples_markdown
from explorer.graph.reference import node_kinds_markdown, settings_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_node_kinds_page_is_current():
    assert (DOCS / "node-kinds.md").read_text(encoding="utf-8") == node_kinds_markdown() + "\n", (
        "run: python scripts/make_docs.py")


def test_training_settings_page_is_current():
    assert settings_markdown() in (DOCS / "training-settings.md").read_text(encoding="utf-8"), (
        "run: python scripts/make_docs.py")


def test_examples_page_is_current_and_shows_every_example():
    text = (DOCS / "examples.md").read_text(encoding="utf-8")
    assert text == examples_markdown() + "\n", "run: python scripts/make_docs.py"
    for path in example_paths():
        picture = f"screenshots/example_{example_name(path)}.png"
        assert picture in text
        assert (DOCS / picture).is_file(), "python -m explorer.app.screenshots docs/screenshots"
