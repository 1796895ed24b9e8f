"""Every package type-checks clean under mypy, with the settings in pyproject.toml.

The app is held to the global settings only; the packages below it also to the
stricter per-package ones (every function annotated).

mypy runs in a subprocess, as a developer runs it, so its findings read the same
here as at the command line. Its cache stays in the repository's ``.mypy_cache``
(ignored by git): the first run takes a little while, later ones a second.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each package here must type-check with no error; add a package once it does.
TYPED_PACKAGES = (
    "explorer/graph", "explorer/compiler", "explorer/train", "explorer/export", "explorer/importer",
    "explorer/app")

MYPY_SECONDS = 240  # a cold cache reads torch's stubs; a warm one answers in about a second


def run_mypy(*paths: str) -> subprocess.CompletedProcess[str]:
    """mypy on ``paths`` with the project's configuration, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(ROOT / ".mypy_cache"), *paths],
        cwd=ROOT, capture_output=True, text=True, timeout=MYPY_SECONDS, check=False)


@pytest.mark.slow
def test_typed_packages_have_no_type_errors() -> None:
    result = run_mypy(*TYPED_PACKAGES)
    assert result.returncode == 0, f"mypy found type errors:\n{result.stdout}{result.stderr}"
    assert "Success: no issues found" in result.stdout


@pytest.mark.slow
def test_mypy_reports_a_type_error(tmp_path: Path) -> None:
    """The check can fail: a file with a wrong type makes mypy exit non-zero and name it."""
    wrong = tmp_path / "wrong.py"
    wrong.write_text('def width() -> int:\n    return "wide"\n', encoding="utf-8")
    result = run_mypy(str(wrong))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "wrong.py:2: error" in result.stdout


def test_typed_packages_are_the_configured_ones() -> None:
    """Each typed package is one mypy checks when run alone (``files`` in pyproject.toml)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: pytest depends on tomli there
        import tomli as tomllib
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    files = config["tool"]["mypy"]["files"]
    assert set(TYPED_PACKAGES) <= set(files)
    assert all((ROOT / package).is_dir() for package in files)
