"""Training: the engine, per-node statistics, the run process, run records, the CLI command.

    plan = plan_run(project, steps=500, lr=0.01)   # checks everything; SetupError if not
    ended = Trainer(plan, callbacks=[...]).run()    # here, or:
    run = RunProcess(plan, out="runs"); run.start() # in its own process; run.poll()

Names are imported on first use, so ``explorer.train.data`` stays light for
code that needs only the datasets.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Callback": ".callbacks",
    "RecordListener": ".callbacks",
    "RunControl": ".control",
    "Trainer": ".engine",
    "SetupError": ".errors",
    "RunRecordError": ".errors",
    "TrainingFailed": ".errors",
    "learning_rate": ".optim",
    "RunPlan": ".plan",
    "plan_run": ".plan",
    "RunProcess": ".process",
    "NodeStats": ".records",
    "Progress": ".records",
    "Record": ".records",
    "RunEnded": ".records",
    "RunStarted": ".records",
    "StateChanged": ".records",
    "StepRecord": ".records",
    "RunRecord": ".run_record",
    "load_run": ".run_record",
    "train": ".api",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
