"""What a dataset is: its description for the picker, and the arrays it hands to training."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from explorer.graph.params import Param
from explorer.graph.specs import TensorSpec, format_shape

Task = Literal["classification", "regression", "segmentation"]
InputKind = Literal["VectorInput", "ImageInput", "TokenInput"]

GROUPS = ("2-D points", "Tables", "Images", "Sequences", "Your data")


@dataclass(frozen=True, eq=False)
class Generated:
    """What a dataset's maker returns: every example, before the train/validation split.

    ``y`` holds one target per example: a class id (shape N), one class per
    token (N×T), one class per pixel (N×H×W) or numbers to regress (N×k).
    ``standardise`` asks for each input feature to be scaled to mean 0 and
    spread 1, using the training part's statistics only.
    """

    x: np.ndarray
    y: np.ndarray
    input_spec: TensorSpec
    task: Task
    classes: int | None = None
    class_names: tuple[str, ...] = ()
    description: str = ""
    standardise: bool = False


Maker = Callable[[dict[str, Any], np.random.Generator], Generated]


@dataclass(frozen=True)
class DatasetInfo:
    """One entry in the dataset picker: what it is, what it asks for, and how it is made.

    ``task`` and ``default_input_kind`` describe the dataset with default
    options; a user's file may turn out otherwise (the loaded ``Dataset``
    says what it really is).
    """

    name: str
    title: str
    description: str
    group: str
    options: tuple[Param, ...]
    task: Task
    default_input_kind: InputKind
    make: Maker = field(repr=False, compare=False)

    @property
    def defaults(self) -> dict[str, Any]:
        """The value every option takes when it is not given."""
        return {p.name: p.default for p in self.options}

    def option(self, name: str) -> Param:
        """The option called ``name`` (KeyError if it has none)."""
        for param in self.options:
            if param.name == name:
                return param
        raise KeyError(name)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Training and validation examples, ready for the engine.

    Inputs are float32 (token ids: int64); targets are int64 class ids (one
    per example, per token or per pixel) or float32 numbers for regression.
    ``input_spec`` is the shape of one example without the batch, as the
    graph's input node must produce it; ``target_shape`` is one target's.
    ``len(dataset)`` is the number of training examples.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    input_spec: TensorSpec
    task: Task
    classes: int | None
    target_shape: tuple[int, ...]
    description: str
    class_names: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.x_train)

    @property
    def n_train(self) -> int:
        return len(self.x_train)

    @property
    def n_val(self) -> int:
        return len(self.x_val)

    @property
    def per_token(self) -> bool:
        """True when every token of a sequence has its own target."""
        return self.task == "classification" and len(self.target_shape) == 1

    def summary(self) -> str:
        """One line for the status bar: sizes, input shape and what is predicted."""
        if self.task == "regression":
            what = f"{_plural(self.target_shape[0], 'number')} to predict"
        elif self.task == "segmentation":
            what = f"{self.classes} pixel classes"
        else:
            what = f"{self.classes} classes" + (" per token" if self.per_token else "")
        return (f"{self.name}: {self.n_train:,} training and {self.n_val:,} validation "
                f"examples ({describe_examples(self.input_spec)}), {what}")


def describe_examples(spec: TensorSpec) -> str:
    """What one example is, in words: "2 numbers each", "1×8×8 images", "sequences of 16 tokens"."""
    if spec.dtype == "long":
        return f"sequences of {_plural(spec.shape[0], 'token')}"
    if spec.layout == "image":
        return f"{format_shape(spec.shape)} images"
    return f"{_plural(spec.numel, 'number')} each"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
