"""What flows along a wire: the shape (without the batch) and type of a tensor."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

DType = Literal["float", "long"]


@dataclass(frozen=True, slots=True)
class TensorSpec:
    """The shape of one example (the batch dimension is left out) and its element type.

    Float tensors of rank 1, 2 and 3 are read as a feature vector, a sequence
    (tokens × features) and an image (channels × height × width). Integer
    ("long") tensors of rank 1 are token ids, and ``vocab`` says how many
    distinct ids they take.
    """

    shape: tuple[int, ...]
    dtype: DType = "float"
    vocab: int | None = None

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def layout(self) -> str:
        """A plain name for what this tensor holds: features, sequence, image or tokens."""
        if self.dtype == "long":
            return "tokens"
        return {1: "features", 2: "sequence", 3: "image"}.get(self.rank, f"{self.rank}-D tensor")

    def __str__(self) -> str:
        if self.dtype == "long":
            text = f"{format_shape(self.shape)} tokens"
            return text + (f" (vocab {self.vocab})" if self.vocab else "")
        return format_shape(self.shape)


def format_shape(shape: tuple[int, ...]) -> str:
    """``(64, 8, 8)`` -> ``"64×8×8"``; the empty shape is a scalar."""
    return "×".join(str(d) for d in shape) if shape else "scalar"


def format_count(n: int) -> str:
    """Parameter counts as people read them: 950, 12.3k, 4.5M, 1.2B."""
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f}{unit}".replace(".0" + unit, unit)
    return str(n)


def format_bytes(n: float) -> str:
    for unit, size in (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"
