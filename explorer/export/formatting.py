"""Exported Python formatted the way black formats it, by ruff's formatter (``ruff format -``).

Why ruff and not black: the code preview formats the whole ``model.py``
after every edit. Measured on a generated 1,000-line model.py
(``benchmarks/bench_code_format.py``, best of 5, four runs on a busy 2-core
machine), black 26 in-process took 0.55-1.0 s per format (plus 60-150 ms to
import the first time); ``ruff format -`` as a subprocess 10-20 ms, process
start included, 50 times faster. Both give the same text for every recipe
and example (model.py and train.py). Ruff installs one 25 MB binary and no
Python package; black brings 8.6 MB with six packages (click, pathspec,
platformdirs, pytokens, packaging, mypy_extensions). Writing already
formatted code was no option: the block classes are copied from the
compiler's source, and black's line breaking is not small to reproduce.

``--isolated`` makes the output the same wherever the app runs: ruff would
otherwise read a pyproject.toml or ruff.toml of the working folder.
"""

from __future__ import annotations

import subprocess

from .errors import ExportError

LINE_LENGTH = 88  # the width black and ruff format use by default
TIMEOUT_SECONDS = 60
# On Windows, a console program started from the editor would flash a window.
_NO_WINDOW = getattr(subprocess, "CREATE_NO_WINDOW", 0)


def format_python(text: str) -> str:
    """``text`` formatted in black's style; ExportError if it is not valid Python."""
    result = subprocess.run(
        [_ruff(), "format", "--isolated", f"--line-length={LINE_LENGTH}", "-"],
        input=text, capture_output=True, encoding="utf-8", timeout=TIMEOUT_SECONDS,
        check=False, creationflags=_NO_WINDOW)
    if result.returncode != 0:
        raise ExportError(f"the generated code could not be formatted: {result.stderr.strip()}")
    return result.stdout


def _ruff() -> str:
    from ruff import find_ruff_bin

    try:
        return find_ruff_bin()
    except FileNotFoundError:
        raise ExportError("the code formatter ruff is not installed; install it with "
                          "pip install ruff (it comes with Architecture Explorer).") from None
