"""The user's own arrays from a NumPy ``.npz`` file: inputs ``x`` and targets ``y``.

The shapes of the arrays say what the examples are: N×F numbers, N×H×W or
N×C×H×W images (N×H×W×C is turned around), N×T token ids (option
``tokens``). ``y`` holds a class per example, per token (N×T) or per pixel
(N×H×W), or numbers to predict.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from explorer.graph.params import Param
from explorer.graph.specs import TensorSpec, format_shape

from .dataset import DatasetInfo, Generated, Task
from .errors import DatasetError
from .user_files import USER_GROUP, existing_path, path_option

MAX_CLASSES = 10_000


def _error(file: str, message: str) -> DatasetError:
    return DatasetError(f"npz: '{file}' {message}")


def read_arrays(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` from the file (or its only two arrays, in the order they were saved)."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        raise _error(path.name, "is not a NumPy .npz file. Save your arrays with "
                     "numpy.savez('data.npz', x=inputs, y=targets).") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise _error(path.name, "holds a single array; it needs two, inputs x and targets y. "
                     "Save them with numpy.savez('data.npz', x=inputs, y=targets).")
    with archive:
        names = list(archive.files)
        if "x" in names and "y" in names:
            chosen = ["x", "y"]
        elif len(names) == 2:
            chosen = names
        else:
            held = ", ".join(f"'{n}'" for n in names) or "no arrays"
            raise _error(path.name, f"needs arrays named 'x' (inputs) and 'y' (targets); it has "
                         f"{held}.")
        try:
            return archive[chosen[0]], archive[chosen[1]]
        except Exception as error:  # a damaged archive fails in many ways (zlib, zip, format)
            reason = ("holds Python objects, which are not read for safety"
                      if "pickle" in str(error) else "is damaged")
            raise _error(path.name, f"cannot be read: an array {reason}. Save plain numeric "
                         "arrays.") from None


def require_finite(file: str, name: str, original: np.ndarray,
                   converted: np.ndarray) -> np.ndarray:
    """``converted`` (float32) if every value is finite, else an error naming the first entry.

    Values too large for float32 (1e39) become infinite on the way, so they
    are refused here as NaN and infinity are, like a CSV cell would be.
    """
    finite = np.isfinite(converted)
    if finite.all():
        return converted
    index = tuple(int(i) for i in np.argwhere(~finite)[0])
    where = ", ".join(map(str, index))
    raise _error(file, f"{name}[{where}] is {float(original[index]):g}, not a number the "
                 "network can compute with; values must be finite and within about ±3.4e38 "
                 "(float32).")


def _float32(values: np.ndarray) -> np.ndarray:
    """``values`` as float32; what overflows becomes infinite (and is refused), silently."""
    with np.errstate(over="ignore", invalid="ignore"):
        return values.astype(np.float32, copy=False)


def _inputs(file: str, x: np.ndarray, tokens: bool) -> tuple[np.ndarray, TensorSpec]:
    if x.dtype.kind not in "biuf":
        raise _error(file, f"x holds {x.dtype} values; inputs must be numbers.")
    if tokens:
        if x.dtype.kind not in "biu" or x.ndim != 2:
            raise _error(file, f"x has shape {x.shape} of {x.dtype}; token sequences must be "
                         "whole numbers shaped examples × tokens.")
        if x.min() < 0:
            raise _error(file, f"x holds the token {int(x.min())}; token ids start at 0.")
        x = x.astype(np.int64)
        return x, TensorSpec((x.shape[1],), "long", vocab=max(int(x.max()) + 1, 2))
    scaled = require_finite(file, "x", x, _float32(x) / (255.0 if x.dtype == np.uint8 else 1.0))
    if x.ndim in (1, 3):  # one number per example; grey images without a channel axis
        scaled = scaled[:, None]
    elif x.ndim == 4 and x.shape[1] > 4 and x.shape[3] <= 4:
        scaled = np.ascontiguousarray(scaled.transpose(0, 3, 1, 2))
    elif x.ndim > 4:
        raise _error(file, f"x has shape {x.shape}; inputs must be vectors (N×F) or images "
                     "(N×H×W or N×C×H×W).")
    return scaled, TensorSpec(scaled.shape[1:])


def _classes(file: str, y: np.ndarray,
             spec: TensorSpec) -> tuple[np.ndarray, int, tuple[str, ...]]:
    example = spec.shape if spec.layout != "image" else spec.shape[1:]
    fits = y.ndim == 1 or (y.ndim > 1 and y.shape[1:] == example)
    if not fits or (spec.layout == "features" and y.ndim > 1):
        raise _error(file, f"y has shape {format_shape(y.shape)}; classes come one per example "
                     f"(N), per token (N×T) or per pixel (N×H×W) of x.")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or (y != np.round(y)).any():
            raise _error(file, "y holds numbers that are not whole, so they cannot be classes. "
                         "Set the option 'task' to 'regression' to predict them.")
        y = y.astype(np.int64)
    if y.dtype.kind in "biu" and y.min() >= 0:
        ids, classes = y.astype(np.int64), int(y.max()) + 1
        names = tuple(str(i) for i in range(classes))
    else:
        values, inverse = np.unique(y, return_inverse=True)
        ids, classes = inverse.reshape(y.shape).astype(np.int64), len(values)
        names = tuple(str(v) for v in values)
    if len(np.unique(ids)) < 2:
        raise _error(file, "y holds only one class; classification needs at least 2.")
    if classes > MAX_CLASSES:
        raise _error(file, f"y names {classes:,} classes; at most {MAX_CLASSES:,} are allowed.")
    return ids, classes, names


def _make(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    path = existing_path("npz", opts["path"])
    x, y = read_arrays(path)
    file = path.name
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise _error(file, f"x has shape {format_shape(x.shape)} but y has shape "
                     f"{format_shape(y.shape)}: they need one entry per example, the same "
                     "number of examples.")
    if len(x) < 2:
        raise _error(file, "holds fewer than 2 examples.")
    x, spec = _inputs(file, x, opts["tokens"])
    task = opts["task"]
    if task == "auto":
        task = "regression" if y.dtype.kind == "f" else "classification"
    if task == "regression":
        if y.dtype.kind not in "biuf" or y.ndim > 2:
            raise _error(file, "y must hold numbers, one or a row of them per example, "
                         "to predict.")
        y = require_finite(file, "y", y, _float32(y)).reshape(len(y), -1)
        return Generated(x, y, spec, "regression", description=_describe(file, x, spec))
    y, classes, names = _classes(file, y, spec)
    kind: Task = "segmentation" if y.ndim == 3 else "classification"
    return Generated(x, y, spec, kind, classes, names, _describe(file, x, spec))


def _describe(file: str, x: np.ndarray, spec: TensorSpec) -> str:
    return f"{file}: {len(x):,} examples of {spec}."


NPZ = DatasetInfo(
    "npz", "NumPy arrays",
    "Your own arrays: an .npz file with inputs x and targets y.",
    USER_GROUP,
    (path_option("the .npz file"),
     Param("task", str, "auto", "Predict classes or numbers; auto decides from y "
           "(whole numbers are classes)", choices=("auto", "classification", "regression")),
     Param("tokens", bool, False, "Read whole-number x (examples × tokens) as token ids")),
    "classification", "VectorInput", _make)
