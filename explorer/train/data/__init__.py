"""Datasets that need no download: classroom sets, bundled tables, generated images and
sequences, and the user's own CSV, .npz and image folders.

    info = dataset_info("spirals")              # what the picker shows
    data = load_dataset("spirals", {"noise": 0.1}, seed=0, val_fraction=0.2)
    problems = check_against(data, check_graph(graph))

Every problem, from a typo in a name to a bad cell in a CSV file, is a
``DatasetError`` whose message can be shown to the user as it is.
"""

from .dataset import GROUPS, Dataset, DatasetInfo
from .errors import DatasetError
from .matching import check_against, input_node_for
from .registry import DATASETS, check_options, dataset_info, load_dataset

__all__ = [
    "DATASETS",
    "GROUPS",
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "check_against",
    "check_options",
    "dataset_info",
    "input_node_for",
    "load_dataset",
]
