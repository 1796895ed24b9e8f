"""Exported code is formatted by ruff's formatter: black's style, any folder, no black needed."""

from __future__ import annotations

import pytest

from explorer.export import ExportError
from explorer.export.formatting import format_python

from ..imports import loaded_after

MESSY = "import torch\nclass Net( torch.nn.Module ):\n  def f(self,x): return x*2  # 2 × x\n"
TIDY = ("import torch\n\n\nclass Net(torch.nn.Module):\n"
        "    def f(self, x):\n        return x * 2  # 2 × x\n")


def test_code_comes_out_in_blacks_style():
    assert format_python(MESSY) == TIDY
    assert format_python(TIDY) == TIDY  # formatted code is left as it is


def test_the_settings_of_the_folder_it_runs_in_are_ignored(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ruff]\nline-length = 20\n[tool.ruff.format]\nquote-style = 'single'\n")
    monkeypatch.chdir(tmp_path)
    long_line = 'x = ["a long string", "another long string"]\n'
    assert format_python(long_line) == long_line


def test_code_that_does_not_parse_is_an_export_error():
    with pytest.raises(ExportError, match="could not be formatted"):
        format_python("def broken(:\n")


def test_exporting_code_does_not_need_black():
    exported = ("from explorer.export import network_source\n"
                "from explorer.graph import recipes\n"
                "network_source(recipes.mlp())")
    assert loaded_after(exported, ["black"]) == []
