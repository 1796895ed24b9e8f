"""A rank entry point whose process 1 dies at step 5 (exit code 3), as a crashed rank would.

``tests/train/test_nproc.py`` runs it in place of ``explorer.train.distributed``
to check that the launcher names the dead process in one line and never hangs.
"""

import os
import sys

from explorer.train import Callback, distributed

CRASH_STEP, CRASH_CODE = 5, 3


class DieAtStep(Callback):
    def on_batch_end(self, step: int, loss: float) -> None:
        if step == CRASH_STEP:
            os._exit(CRASH_CODE)  # no cleanup, no report: what a segfault leaves


class CrashingTrainer(distributed.DistributedTrainer):
    def __init__(self, plan, rank, world, callbacks=(), run_dir=None):
        extra = [DieAtStep()] if rank == 1 else []
        super().__init__(plan, rank, world, [*callbacks, *extra], run_dir)


if __name__ == "__main__":
    distributed.DistributedTrainer = CrashingTrainer
    sys.exit(distributed.main())
