"""The app and the exported train.py set the same learning rate at every step, whatever the
schedule: both compute it with one function (train.py carries its source)."""

import pytest
import torch

from explorer.export import training_script
from explorer.graph import recipes
from explorer.train import Callback, Trainer, plan_run

SMALL_SPIRALS = {"points_per_class": 60}  # 96 training points: 6 batches of 16 an epoch
SCHEDULES = {
    "constant": {},
    "step": {"decay_every": 3, "gamma": 0.5},
    "exponential": {"decay_every": 3, "gamma": 0.5},
    "cosine": {},
}


def project_with(**training):
    settings = {"dataset_options": SMALL_SPIRALS, "batch_size": 16, "steps": 12,
                "log_every": 1, "lr": 0.1, **training}
    return recipes.mlp(2, 8, **settings)


class Rates(Callback):
    """The learning rate the app's optimizer used at every step (logged at every step)."""

    def __init__(self):
        self.rates = []

    def on_log(self, record):
        self.rates.append(record.lr)


def app_rates(project) -> list[float]:
    seen = Rates()
    ended = Trainer(plan_run(project), [seen]).run()
    assert ended.status == "done", ended.reason
    return seen.rates


def exported_rates(project) -> list[float]:
    """Step the exported script's own optimizer and scheduler, reading the rate before each."""
    text = training_script(project)
    imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
    assert not [line for line in imports if "explorer" in line], "train.py must stand alone"
    namespace: dict = {}
    head = text.split("\ndef main")[0].replace("from model import", "# from model import")
    exec(compile(head, "train.py", "exec"), namespace)
    settings = namespace["SETTINGS"]
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = namespace["make_optimizer"]([weight], settings)
    scheduler = namespace["make_scheduler"](optimizer, settings)
    rates = []
    for _ in range(settings["steps"]):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize("warmup", [0, 4])
@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_the_exported_script_sets_the_apps_learning_rate_at_every_step(schedule, warmup):
    project = project_with(schedule=schedule, warmup_steps=warmup, **SCHEDULES[schedule])
    app = app_rates(project)
    assert len(app) == 12
    assert exported_rates(project) == app


def test_a_run_counted_in_epochs_has_the_same_length_and_schedule_in_both():
    project = project_with(schedule="cosine", warmup_steps=2, epochs=2)
    app = app_rates(project)
    assert len(app) == 12 and app[-1] == 0.0  # cosine reaches zero at the very last step
    assert exported_rates(project) == app
