"""Real data that ships with the app: handwritten digits and three classic tables.

Each set is a small NumPy archive in ``bundled/`` (sources and licences in
``bundled/LICENSES.md``; ``scripts/make_tables.py`` writes them), read once per
process.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from explorer.graph.params import Param
from explorer.graph.specs import TensorSpec

from .dataset import DatasetInfo, Generated, Maker

_FOLDER = resources.files("explorer.train.data") / "bundled"


@cache
def bundled(name: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(data, target, class names) of one of the sets in ``bundled/``.

    Read through ``importlib.resources`` so an installed copy finds the files too;
    ``allow_pickle=False`` because an archive should hold numbers and text only.
    """
    path = _FOLDER / f"{name}.npz"
    with path.open("rb") as stream, np.load(stream, allow_pickle=False) as archive:
        names = tuple(str(n) for n in archive["class_names"])
        return archive["data"], archive["target"].astype(np.int64), names


def _digits(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    data, target, names = bundled("digits")
    pixels = (data / 16.0).astype(np.float32)  # the scans hold whole numbers 0 … 16
    if opts["layout"] == "image":
        x, spec = pixels.reshape(-1, 1, 8, 8), TensorSpec((1, 8, 8))
    else:
        x, spec = pixels, TensorSpec((64,))
    return Generated(x, target.copy(), spec, "classification", 10, names)


def _table(name: str, class_names: tuple[str, ...] = ()) -> Maker:
    def make(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
        data, target, names = bundled(name)
        names = class_names or names
        x = data.astype(np.float32)
        return Generated(x, target.copy(), TensorSpec((x.shape[1],)), "classification",
                         len(names), names, standardise=True)

    return make


DATASETS = (
    DatasetInfo(
        "digits", "Handwritten digits",
        "1,797 small scans of handwritten digits 0–9, 8×8 pixels each.",
        "Images",
        (Param("layout", str, "image", "Feed each digit as an 8×8 image or as 64 numbers",
               choices=("image", "vector")),),
        "classification", "ImageInput", _digits),
    DatasetInfo(
        "iris", "Iris flowers",
        "150 flowers, 4 measurements each; tell the 3 kinds of iris apart.",
        "Tables", (), "classification", "VectorInput", _table("iris")),
    DatasetInfo(
        "wine", "Wines",
        "178 wines, 13 chemical measurements each; tell the 3 growers apart.",
        "Tables", (), "classification", "VectorInput",
        _table("wine", ("grower 1", "grower 2", "grower 3"))),
    DatasetInfo(
        "breast_cancer", "Breast tumours",
        "569 tumour scans, 30 measurements each; benign or malignant.",
        "Tables", (), "classification", "VectorInput", _table("breast_cancer")),
)
