"""Holding out validation examples, the same way for every dataset."""

from __future__ import annotations

import numpy as np

from .errors import DatasetError


def check_val_fraction(val_fraction: object) -> float:
    """The share of examples held out, checked: a number from 0 up to (not including) 1."""
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, (int, float)):
        raise DatasetError(
            f"The validation share must be a number between 0 and 1, got {val_fraction!r}.")
    if not 0 <= val_fraction < 1:
        raise DatasetError(
            f"The validation share must be at least 0 and below 1, got {val_fraction}: "
            "training needs some examples to learn from.")
    return float(val_fraction)


def validation_size(n: int, val_fraction: float) -> int:
    """How many of ``n`` examples are held out: the share, rounded half up."""
    return int(n * val_fraction + 0.5)


def split_indices(
    n: int, val_fraction: float, rng: np.random.Generator, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled (train, validation) indices, ``validation_size(n, val_fraction)`` held out.

    With ``labels`` (one class per example) each class gives its share of
    the held-out examples (the rounding left over goes to the classes closest
    to their next example), so a small table keeps its class balance in both
    parts.
    """
    n_val = validation_size(n, val_fraction)
    if labels is None:
        order = rng.permutation(n)
        return order[n_val:], order[:n_val]
    classes, sizes = np.unique(labels, return_counts=True)
    quota = sizes * val_fraction
    take = np.floor(quota).astype(np.int64)
    leftover = n_val - int(take.sum())
    take[np.argsort(-(quota - take), kind="stable")[:leftover]] += 1
    train, val = [], []
    for cls, k in zip(classes, take, strict=True):
        members = rng.permutation(np.flatnonzero(labels == cls))
        val.append(members[:k])
        train.append(members[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(val))


def require_training_data(name: str, n_total: int, n_train: int, val_fraction: float) -> None:
    """Refuse a split that leaves nothing to train on."""
    if n_total == 0:
        raise DatasetError(f"{name} has no examples.")
    if n_train == 0:
        raise DatasetError(
            f"Holding out {val_fraction:.0%} of {name}'s {n_total} examples for validation "
            "leaves none to train on. Lower the validation share or add examples.")


def standardise(x_train: np.ndarray, x_val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale each feature to mean 0 and spread 1 using the training part's statistics.

    Features that never change in training are only centred, so they stay 0
    instead of dividing by zero.
    """
    mean = x_train.mean(axis=0, dtype=np.float64)
    std = x_train.std(axis=0, dtype=np.float64)
    std[std < 1e-12] = 1.0

    def scale(a: np.ndarray) -> np.ndarray:
        return ((a - mean) / std).astype(np.float32)

    return scale(x_train), scale(x_val)
