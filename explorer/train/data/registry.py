"""Every dataset by name, and ``load_dataset``: options checked, examples made, split.

Options are checked before anything is computed or read, so a typo costs
nothing and says what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from explorer.graph.errors import ParamError
from explorer.graph.params import validate_params

from . import files_csv, files_images, files_npz, images, points, sequences, tables
from .dataset import GROUPS, Dataset, DatasetInfo, Generated
from .errors import DatasetError, did_you_mean
from .split import check_val_fraction, require_training_data, split_indices, standardise

_ALL = (
    *points.DATASETS,
    *tables.DATASETS,
    *images.DATASETS,
    *sequences.DATASETS,
    files_csv.CSV,
    files_npz.NPZ,
    files_images.IMAGE_FOLDER,
)

DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for group in GROUPS
    for info in _ALL
    if info.group == group
}


# Famous sets that would need a download, and the bundled set closest in spirit.
_STAND_INS = {"mnist": "digits", "fashionmnist": "digits", "emnist": "digits",
              "cifar": "shapes", "cifar10": "shapes", "cifar100": "shapes"}


def dataset_info(name: str) -> DatasetInfo:
    """The picker entry for ``name``; an unknown name says which ones are close."""
    if not isinstance(name, str):
        raise DatasetError(f"A dataset is named by text, got {name!r}.")
    info = DATASETS.get(name)
    if info is None:
        hint = did_you_mean(name, DATASETS) or " Choose one of: " + ", ".join(DATASETS) + "."
        stand_in = _STAND_INS.get(name.lower().replace("-", "").replace("_", ""))
        if stand_in:
            hint = (f" {name} would need a download, and nothing is downloaded here: "
                    f"try '{stand_in}', which is built in.")
        raise DatasetError(f"There is no dataset called '{name}'.{hint}")
    return info


def check_options(info: DatasetInfo, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every option filled in and checked, or a DatasetError naming the bad one."""
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise DatasetError(f"The options for {info.name} must be a mapping of names to values, "
                           f"got {type(options).__name__}.")
    known = [p.name for p in info.options]
    for key in options:
        if key not in known:
            listing = ("Its options are " + ", ".join(known) + "." if known
                       else "It takes no options.")
            hint = did_you_mean(str(key), known) or " " + listing
            raise DatasetError(f"{info.name} has no option '{key}'.{hint}")
    try:
        return validate_params(info.options, dict(options))
    except ParamError as error:
        message = error.message.replace("parameter", "option", 1)
        raise DatasetError(f"{info.name}: {message}") from None


def load_dataset(
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    val_fraction: float = 0.2,
) -> Dataset:
    """Make (or read) the dataset ``name`` and split it into training and validation parts.

    The same name, options and seed always give the same arrays.
    """
    info = dataset_info(name)
    values = check_options(info, options)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DatasetError(f"The seed must be a whole number from 0 up, got {seed!r}.")
    val_fraction = check_val_fraction(val_fraction)
    rng = np.random.default_rng(int(seed))
    try:
        made = info.make(values, rng)
    except MemoryError:
        raise DatasetError(f"{name} with these options does not fit in memory: "
                           "ask for fewer or smaller examples.") from None
    return _split(info, made, values, val_fraction, rng)


def _split(info: DatasetInfo, made: Generated, values: dict[str, Any], val_fraction: float,
           rng: np.random.Generator) -> Dataset:
    n = len(made.x)
    stratify = made.y if made.task == "classification" and made.y.ndim == 1 else None
    train, val = split_indices(n, val_fraction, rng, stratify)
    require_training_data(info.name, n, len(train), val_fraction)
    x_train, x_val = made.x[train], made.x[val]
    if made.standardise:
        x_train, x_val = standardise(x_train, x_val)
    return Dataset(
        name=info.name,
        x_train=x_train,
        y_train=made.y[train],
        x_val=x_val,
        y_val=made.y[val],
        input_spec=made.input_spec,
        task=made.task,
        classes=made.classes,
        target_shape=tuple(made.y.shape[1:]),
        description=made.description or info.description,
        class_names=made.class_names,
        options=values,
    )
