"""--threads: a run computes with the CPU threads it is given, records them, and leaves the
caller's thread count as it was."""

import argparse

import pytest
import torch

from explorer.graph.experiments import sweep_variants
from explorer.train import Trainer, plan_run
from explorer.train.callbacks import Callback
from explorer.train.console import add_train_arguments
from explorer.train.cores import default_threads
from explorer.train.errors import SetupError
from explorer.train.experiment_console import add_sweep_arguments
from explorer.train.experiments import run_experiment

from .train_helpers import tiny_mlp


class ThreadsSeen(Callback):
    """Notes torch's thread count while the run trains."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def on_batch_end(self, step: int, loss: float) -> None:
        self.seen.add(torch.get_num_threads())


def test_the_default_leaves_one_core_and_is_never_zero(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert default_threads() == 7
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert default_threads() == 1
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert default_threads() == 1


def test_a_run_trains_with_its_threads_records_them_and_puts_the_count_back():
    before = torch.get_num_threads()
    wanted = 2 if before != 2 else 3
    plan = plan_run(tiny_mlp(steps=3), threads=wanted, device="cpu")
    assert plan.config()["threads"] == wanted
    seen = ThreadsSeen()
    assert Trainer(plan, [seen]).run().status == "done"
    assert seen.seen == {wanted}
    assert torch.get_num_threads() == before


def test_an_unset_thread_count_is_the_default():
    assert plan_run(tiny_mlp(steps=3), device="cpu").threads == default_threads()


def test_zero_threads_is_refused_in_words():
    with pytest.raises(SetupError, match="at least one CPU thread"):
        plan_run(tiny_mlp(steps=3), threads=0)


@pytest.mark.parametrize("add_arguments", [add_train_arguments, add_sweep_arguments])
@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_the_commands_refuse_a_bad_thread_count(add_arguments, value, capsys):
    parser = argparse.ArgumentParser(prog="explorer")
    add_arguments(parser)
    argv = ["p.archx.json"] if add_arguments is add_train_arguments else []
    with pytest.raises(SystemExit) as caught:
        parser.parse_args([*argv, "--threads", value])
    assert caught.value.code == 2
    assert "--threads" in capsys.readouterr().err


def test_a_sweep_gives_every_variant_its_threads():
    variants = sweep_variants(["plain"], [2], dataset="spirals", width=8)
    seen = ThreadsSeen()
    results = run_experiment(variants, variants[0].project.training.replace(steps=2),
                             threads=2, callbacks=lambda v: [seen])
    assert [r.status for r in results] == ["done"]
    assert seen.seen == {2}
