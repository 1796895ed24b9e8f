"""Training data kept on the device and served in shuffled batches, with no worker processes.

The bundled datasets are small numpy arrays, so the whole set lives on the
device as tensors; each epoch draws a new random permutation and a batch is
one ``index_select`` per tensor. That is as fast as data loading gets, and
what keeps the run loop level with a bare hand-written loop.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch


def as_inputs(array: np.ndarray, device: torch.device) -> torch.Tensor:
    """Inputs as the network wants them: float32, or int64 for token ids."""
    tensor = torch.as_tensor(np.ascontiguousarray(array))
    dtype = torch.long if not tensor.is_floating_point() else torch.float32
    return tensor.to(device=device, dtype=dtype)


def as_targets(array: np.ndarray, regression: bool, device: torch.device) -> torch.Tensor:
    """Targets as the loss wants them: class indices as int64, regression values as float32."""
    tensor = torch.as_tensor(np.ascontiguousarray(array))
    return tensor.to(device=device, dtype=torch.float32 if regression else torch.long)


class ShuffledBatches:
    """Endless batches of ``batch_size`` examples; a fresh permutation every epoch.

    An epoch is ``len(x) // batch_size`` batches: the few examples left over
    are not dropped for good, since the next permutation mixes them in again.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> None:
        if batch_size > len(x):
            raise ValueError("batch_size is larger than the data")  # checked before, in plan
        self.x, self.y, self.batch_size = x, y, batch_size
        self.steps_per_epoch = len(x) // batch_size
        self._generator = torch.Generator().manual_seed(seed)
        self._order = torch.empty(0, dtype=torch.long)
        self._position = self.steps_per_epoch  # start with a fresh permutation

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self._position == self.steps_per_epoch:
            self._order = torch.randperm(len(self.x), generator=self._generator).to(
                self.x.device)
            self._position = 0
        start = self._position * self.batch_size
        index = self._order[start:start + self.batch_size]
        self._position += 1
        return self.x.index_select(0, index), self.y.index_select(0, index)


def chunks(x: torch.Tensor, y: torch.Tensor,
           size: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive slices of at most ``size`` examples (for evaluation)."""
    for start in range(0, len(x), size):
        yield x[start:start + size], y[start:start + size]
