"""The user's data files: only regular files are read, and every value must fit float32.

A CSV table and an .npz file are refused the same way when a value is too
large for the network to compute with, naming where it is.
"""

import os

import numpy as np
import pytest

from explorer.train.data import DatasetError, load_dataset

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")


def table(tmp_path, rows, name="t.csv"):
    path = tmp_path / name
    path.write_text("a,b,c\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return str(path)


@posix_only
@pytest.mark.parametrize("name", ["csv", "npz"])
def test_a_fifo_is_refused_without_waiting(tmp_path, name):
    fifo = tmp_path / f"data.{name}"
    os.mkfifo(fifo)
    with pytest.raises(DatasetError, match="not a regular file"):
        load_dataset(name, {"path": str(fifo)})


@pytest.mark.parametrize("value", ["1e39", "1e400", "-3e39", "inf", "nan"])
def test_a_csv_value_float32_cannot_hold_is_refused_with_its_cell(tmp_path, value):
    rows = [f"{i},{i + 1},{i % 2}" for i in range(10)]
    rows[4] = f"4,{value},0"
    with pytest.raises(DatasetError) as caught:
        load_dataset("csv", {"path": table(tmp_path, rows)})
    message = str(caught.value)
    assert "row 6, column 'b'" in message and f"'{value}'" in message


def test_a_csv_regression_target_too_large_is_refused(tmp_path):
    rows = [f"{i},{i + 1},{i}" for i in range(10)]
    rows[2] = "2,3,2e39"
    with pytest.raises(DatasetError, match="row 4, column 'c'"):
        load_dataset("csv", {"path": table(tmp_path, rows), "task": "regression"})


def test_npz_inputs_and_targets_too_large_are_refused_with_their_index(tmp_path):
    x = np.ones((10, 3))
    x[4, 2] = 1e39
    np.savez(tmp_path / "x.npz", x=x, y=np.arange(10) % 2)
    with pytest.raises(DatasetError, match=r"x\[4, 2\] is 1e\+39"):
        load_dataset("npz", {"path": str(tmp_path / "x.npz")})
    y = np.arange(10.0)
    y[7] = -5e39
    np.savez(tmp_path / "y.npz", x=np.ones((10, 3)), y=y)
    with pytest.raises(DatasetError, match=r"y\[7\] is -5e\+39"):
        load_dataset("npz", {"path": str(tmp_path / "y.npz"), "task": "regression"})


@pytest.mark.parametrize("target", ["\u22121", " 3 ", "-1", 3, -1])
def test_the_target_as_a_number_written_as_the_docs_write_it(tmp_path, target):
    rows = [f"{i},{i + 1},{i % 2}" for i in range(10)]
    data = load_dataset("csv", {"path": table(tmp_path, rows), "target": target})
    assert "predicting 'c'" in data.description
