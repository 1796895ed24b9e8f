"""Write the generated reference pages in docs/ (tests check they are current)."""

from pathlib import Path

from explorer.graph.examples import examples_markdown
from explorer.graph.reference import node_kinds_markdown, settings_markdown
from explorer.train.data.reference import datasets_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"

if __name__ == "__main__":
    (DOCS / "node-kinds.md").write_text(node_kinds_markdown() + "\n", encoding="utf-8")
    settings = ("# Training settings\n\nThe `training` object of a project file. Every field "
                "is optional; values are checked by type and range when the file loads. This "
                "page is written from the code (`python scripts/make_docs.py`).\n\n"
                + settings_markdown() + "\n")
    (DOCS / "training-settings.md").write_text(settings, encoding="utf-8")
    (DOCS / "datasets.md").write_text(datasets_markdown() + "\n", encoding="utf-8")
    (DOCS / "examples.md").write_text(examples_markdown() + "\n", encoding="utf-8")
    print("wrote docs/node-kinds.md, docs/training-settings.md, docs/datasets.md and "
          "docs/examples.md")
