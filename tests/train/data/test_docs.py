"""docs/datasets.md is current with the dataset registry."""

from pathlib import Path

from explorer.train.data.reference import datasets_markdown

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_datasets_page_is_current():
    text = (DOCS / "datasets.md").read_text(encoding="utf-8")
    assert text == datasets_markdown() + "\n", "run: python scripts/make_docs.py"
