"""Seeds, threads, deterministic kernels and mixed precision: the conditions a run computes under.

The same seed gives the same losses on the same device with the same number
of CPU threads: reductions split across threads add in a different order, so
a run on 1 thread and one on 4 differ in the last bits and drift apart.
That is why a run's thread count is part of its configuration.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterator

import torch

from explorer.graph import TrainingSettings


@contextlib.contextmanager
def reproducible(settings: TrainingSettings, device: torch.device,
                 threads: int | None = None) -> Iterator[None]:
    """Seed every generator, use ``threads`` CPU threads (when given); in deterministic mode
    allow only deterministic kernels.

    The global switches are put back afterwards, so an in-process run leaves
    the caller's torch as it found it.
    """
    was_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    was_benchmark = torch.backends.cudnn.benchmark
    if settings.deterministic:
        if device.type == "cuda":  # cuBLAS reads this when it starts
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
        torch.backends.cudnn.benchmark = was_benchmark
        torch.set_num_threads(was_threads)


class Precision:
    """fp32, or automatic mixed precision on CUDA (bfloat16 where supported, else float16)."""

    def __init__(self, settings: TrainingSettings, device: torch.device) -> None:
        self.enabled = settings.precision == "amp" and device.type == "cuda"
        self.dtype = torch.float32
        self.scaler: torch.amp.GradScaler | None = None
        if self.enabled:
            bf16 = torch.cuda.is_bf16_supported()
            self.dtype = torch.bfloat16 if bf16 else torch.float16
            if not bf16:  # float16 gradients underflow without loss scaling
                self.scaler = torch.amp.GradScaler("cuda")
        self._device_type = device.type

    def autocast(self) -> contextlib.AbstractContextManager[None]:
        if not self.enabled:
            return contextlib.nullcontext()
        return torch.autocast(self._device_type, dtype=self.dtype)

    @property
    def name(self) -> str:
        return {torch.float32: "fp32", torch.bfloat16: "amp-bf16",
                torch.float16: "amp-fp16"}[self.dtype]
