"""The user's own table, read from a CSV file: numeric features and one target column.

Rows are named as a spreadsheet shows them (the header is row 1), so an
error such as "row 17, column 'age': 'n/a' is not a number" points at the
very cell to fix.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.graph.params import Param
from explorer.graph.specs import TensorSpec

from .dataset import DatasetInfo, Generated
from .errors import DatasetError, did_you_mean
from .user_files import USER_GROUP, existing_path, path_option, read_bytes

MAX_CLASSES = 1000
FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Table:
    """The header and the data rows of a CSV file, each row with its row number."""

    file: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_numbers: tuple[int, ...]


def read_table(path: Path) -> Table:
    """Parse the file into a header and rows, refusing what cannot be a table."""
    data = read_bytes("csv", path)
    if b"\x00" in data:
        raise DatasetError(f"csv: '{path.name}' is not a text file; save the table as CSV.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    rows: list[tuple[str, ...]] = []
    numbers: list[int] = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(tuple(cell.strip() for cell in cells))
                numbers.append(reader.line_num)
    except csv.Error as error:
        raise DatasetError(f"csv: '{path.name}' row {reader.line_num} cannot be read: "
                           f"{error}.") from None
    if not rows:
        raise DatasetError(f"csv: '{path.name}' is empty.")
    header = rows[0]
    if all(_is_number(cell) for cell in header):
        raise DatasetError(f"csv: the first row of '{path.name}' holds numbers, not column "
                           "names. Add a header row that names each column.")
    if len(rows) == 1:
        raise DatasetError(f"csv: '{path.name}' has a header but no rows of data.")
    columns = tuple(name or f"column {i + 1}" for i, name in enumerate(header))
    for row, number in zip(rows[1:], numbers[1:], strict=True):
        if len(row) != len(columns):
            raise DatasetError(f"csv: '{path.name}' row {number} has {len(row)} values, but the "
                               f"header names {len(columns)} columns.")
    return Table(path.name, columns, tuple(rows[1:]), tuple(numbers[1:]))


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _is_number(cell: str) -> bool:
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def find_target(table: Table, target: str) -> int:
    """The target column's index: a name, a number counted from 1, −1 for the last, or ""."""
    columns = table.columns
    if not target.strip():
        return len(columns) - 1
    if target in columns:
        return columns.index(target)
    try:  # the docs write "−1" with a true minus sign; people copy it
        number = int(target.strip().replace("\u2212", "-"))
    except ValueError:
        number = None
    if number is not None and 1 <= abs(number) <= len(columns):
        return number - 1 if number > 0 else len(columns) + number
    listing = ", ".join(f"'{c}'" for c in columns)
    hint = did_you_mean(target, columns)
    raise DatasetError(f"csv: '{table.file}' has no column '{target}'.{hint} Its columns are "
                       f"{listing} (or give a number from 1 to {len(columns)}).")


def numbers(table: Table, columns: list[int]) -> np.ndarray:
    """The chosen columns as float32, or an error naming the first cell that is not one.

    A value float32 cannot hold (1e39, 1e400, inf, nan) is refused like text
    is, naming its row and column: it would only turn the loss into NaN.
    """
    cells = [[row[c] for c in columns] for row in table.rows]
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        values = None
    if values is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            small = values.astype(np.float32)
        if np.isfinite(small).all():
            return small.reshape(len(cells), len(columns))
    for row, number in zip(table.rows, table.row_numbers, strict=True):
        for c in columns:
            _cell_number(table, row, number, c)
    raise AssertionError("a cell was refused above")  # pragma: no cover


def _cell_number(table: Table, row: tuple[str, ...], number: int, column: int) -> float:
    cell, name = row[column], table.columns[column]
    where = f"csv: '{table.file}' row {number}, column '{name}'"
    if not cell:
        raise DatasetError(f"{where} is empty. Fill it in or remove the row.")
    try:
        value = float(cell)
    except ValueError:
        raise DatasetError(f"{where}: '{cell}' is not a number.") from None
    if not abs(value) <= FLOAT32_MAX:
        raise DatasetError(f"{where}: '{cell}' is not a number the network can compute with; "
                           "values must be finite and within about ±3.4e38 (float32).")
    return value


def class_ids(table: Table, column: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class labels (any text) mapped to ids 0 … K−1, in numeric or alphabetical order."""
    name = table.columns[column]
    labels = [row[column] for row in table.rows]
    for label, number in zip(labels, table.row_numbers, strict=True):
        if not label:
            raise DatasetError(f"csv: '{table.file}' row {number}, column '{name}' is empty. "
                               "Every row needs a class.")
    distinct = set(labels)
    numeric = all(_is_number(label) for label in distinct)
    names = tuple(sorted(distinct, key=float if numeric else str))
    if len(names) < 2:
        raise DatasetError(f"csv: column '{name}' of '{table.file}' holds only one class "
                           f"('{names[0]}'); classification needs at least 2.")
    if len(names) > MAX_CLASSES or (numeric and len(names) > max(20, len(labels) // 2)):
        raise DatasetError(f"csv: column '{name}' of '{table.file}' has {len(names)} different "
                           f"values in {len(labels)} rows: too many to be classes. To predict "
                           "the number itself, set the option 'task' to 'regression'.")
    index = {label: i for i, label in enumerate(names)}
    return np.array([index[label] for label in labels], dtype=np.int64), names


@dataclass(frozen=True)
class ColumnParam(Param):
    """A column, named or numbered: a project file may hold the number as a JSON number."""

    def validate(self, value: Any, node_id: str | None = None) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super().validate(value, node_id)


def _make(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    table = read_table(existing_path("csv", opts["path"]))
    if len(table.columns) < 2:
        raise DatasetError(f"csv: '{table.file}' has only one column; it needs at least one "
                           "feature column beside the target.")
    target = find_target(table, opts["target"])
    features = [c for c in range(len(table.columns)) if c != target]
    x = numbers(table, features)
    target_name = table.columns[target]
    names: tuple[str, ...]
    if opts["task"] == "regression":
        y, classes, names = numbers(table, [target]), None, ()
    else:
        y, names = class_ids(table, target)
        classes = len(names)
    description = (f"{table.file}: {len(x):,} rows, {len(features)} features, predicting "
                   f"'{target_name}'.")
    return Generated(x, y, TensorSpec((len(features),)), opts["task"], classes, names,
                     description, standardise=opts["standardise"])


CSV = DatasetInfo(
    "csv", "CSV table",
    "Your own table: a header row, numeric feature columns and one column to predict.",
    USER_GROUP,
    (path_option("the CSV file"),
     ColumnParam("target", str, "", "The column to predict: its name, or its number "
                 "counted from 1 (−1 is the last); empty means the last column"),
     Param("task", str, "classification", "Predict a class or a number",
           choices=("classification", "regression")),
     Param("standardise", bool, True, "Scale each feature to mean 0 and spread 1")),
    "classification", "VectorInput", _make)
