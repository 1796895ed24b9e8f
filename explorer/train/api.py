"""The one-call way to train in this process: ``train(project, steps=200, lr=0.01)``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from explorer.graph import Project

from .callbacks import Callback
from .control import RunControl
from .engine import Trainer
from .plan import plan_run
from .records import RunEnded
from .run_folder import new_run_dir


def train(project: Project, *, out: str | os.PathLike[str] | None = None,
          callbacks: Sequence[Callback] = (), control: RunControl | None = None,
          **overrides: Any) -> RunEnded:
    """Check, then train ``project`` here and now; overrides are training settings.

    Raises SetupError (before any compute) when the run cannot start;
    anything that goes wrong while training is in the returned RunEnded.
    With ``out``, the run's records go to a new folder under it.
    """
    plan = plan_run(project, **overrides)
    run_dir = new_run_dir(out, plan.name) if out is not None else None
    return Trainer(plan, callbacks, control, run_dir).run()
