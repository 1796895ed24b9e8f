"""The desktop editor (PySide6): the only part of the program that imports Qt.

``run_app`` starts the editor; ``render_to_file`` draws a project's diagram
without a window (``python main.py render FILE -o out.png``). Qt loads only
when one of them is called, and torch not at all, so starting is quick.
"""

from __future__ import annotations


def run_app(path: str | None = None) -> int:
    """Open the editor on ``path`` (or the default example); returns the exit code."""
    from .application import run

    return run(path)


def render_to_file(project_path: str, out_path: str) -> None:
    """Draw the diagram of a project file as PNG or SVG (by ``out_path``'s suffix).

    Raises ProjectFileError if the project cannot be read, ValueError for an
    unsupported suffix and OSError if the picture cannot be written.
    """
    from .render import render_to_file as render

    render(project_path, out_path)


__all__ = ["render_to_file", "run_app"]
