"""The four real tables ship with the app as small .npz files, read without scikit-learn."""

from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import pytest

from explorer.train.data import load_dataset, tables

from ...imports import ROOT, loaded_after

NAMES = ("digits", "iris", "wine", "breast_cancer")
FOLDER = ROOT / "explorer" / "train" / "data" / "bundled"


def test_loading_the_tables_imports_no_scikit_learn():
    loads = "".join(f"load_dataset({name!r})\n" for name in NAMES)
    statements = f"from explorer.train.data import load_dataset\n{loads}"
    assert loaded_after(statements, ["sklearn", "scipy", "joblib"]) == []


@pytest.mark.parametrize("name", NAMES)
def test_bundled_copy_holds_the_same_numbers_as_scikit_learn(name):
    datasets = pytest.importorskip("sklearn.datasets")
    bunch = getattr(datasets, f"load_{name}")()
    data, target, class_names = tables.bundled(name)
    assert data.shape == bunch.data.shape
    assert np.array_equal(data, bunch.data)  # exact: the copy keeps every digit
    assert np.array_equal(target, bunch.target)
    assert target.dtype == np.int64
    assert class_names == tuple(str(n) for n in bunch.target_names)


@pytest.mark.parametrize("name", NAMES)
def test_each_table_is_a_small_archive_readable_without_pickle(name):
    path = FOLDER / f"{name}.npz"
    assert path.stat().st_size < 200_000
    with np.load(path, allow_pickle=False) as archive:
        assert {"data", "target", "class_names", "feature_names"} <= set(archive.files)
        assert len(archive["feature_names"]) == archive["data"].shape[1]


def test_the_tables_together_stay_a_few_hundred_kilobytes():
    archives = sorted(FOLDER.glob("*.npz"))
    assert [path.stem for path in archives] == sorted(NAMES)
    total = sum(path.stat().st_size for path in archives)
    assert total < 400_000


def test_the_licences_name_every_table_and_its_source():
    text = (FOLDER / "LICENSES.md").read_text(encoding="utf-8")
    for source in ("Optical Recognition of Handwritten Digits", "Iris", "Wine",
                   "Breast Cancer Wisconsin (Diagnostic)", "CC BY 4.0", "BSD-3-Clause"):
        assert source in text


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib", reason="tomllib comes with Python 3.11 and later")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _shipped(path: Path, globs: list[str]) -> bool:
    """Whether setuptools' package-data globs (relative to explorer/) take this file."""
    inside = path.relative_to(ROOT / "explorer").as_posix()
    return any(fnmatch(inside, glob) for glob in globs)


def test_an_installed_copy_ships_the_tables_and_their_licences():
    pyproject = _pyproject()
    globs = pyproject["tool"]["setuptools"]["package-data"]["explorer"]
    files = sorted(FOLDER.iterdir())
    assert files
    assert [path.name for path in files if not _shipped(path, globs)] == []


def test_scikit_learn_is_no_longer_needed_at_run_time():
    pyproject = _pyproject()
    assert not [d for d in pyproject["project"]["dependencies"] if d.startswith("scikit-learn")]


@pytest.mark.parametrize("name", NAMES)
def test_datasets_are_the_same_as_when_read_from_scikit_learn(name, monkeypatch):
    datasets = pytest.importorskip("sklearn.datasets")
    bunch = getattr(datasets, f"load_{name}")()
    shipped = load_dataset(name, seed=3)
    original = (bunch.data, bunch.target.astype(np.int64),
                tuple(str(n) for n in bunch.target_names))
    monkeypatch.setattr(tables, "bundled", lambda _: original)
    expected = load_dataset(name, seed=3)
    for part in ("x_train", "y_train", "x_val", "y_val"):
        assert getattr(shipped, part).dtype == getattr(expected, part).dtype
        assert np.array_equal(getattr(shipped, part), getattr(expected, part))
    assert shipped.class_names == expected.class_names
