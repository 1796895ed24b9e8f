"""Learning-rate schedules, warm-up and the optimizers the settings name."""

import itertools
import math

import pytest
import torch

from explorer.graph import TrainingSettings
from explorer.train.optim import learning_rate, make_optimizer


def lrs(total=100, **settings):
    s = TrainingSettings.from_dict({"lr": 0.1, **settings})
    return [learning_rate(s, step, total) for step in range(1, total + 1)]


def test_constant_schedule_keeps_the_rate():
    assert set(lrs(schedule="constant")) == {0.1}


def test_step_schedule_multiplies_by_gamma_every_decay_every_steps():
    values = lrs(schedule="step", decay_every=10, gamma=0.5)
    assert values[:10] == [0.1] * 10
    assert values[10:20] == [0.05] * 10
    assert values[99] == pytest.approx(0.1 * 0.5**9)


def test_exponential_schedule_falls_smoothly_to_the_same_points():
    values = lrs(schedule="exponential", decay_every=10, gamma=0.5)
    assert values[10] == pytest.approx(0.05)
    assert values[0] > values[5] > values[10]
    assert all(a > b for a, b in itertools.pairwise(values))


def test_cosine_schedule_runs_from_lr_down_to_zero_at_the_last_step():
    values = lrs(schedule="cosine")
    assert values[0] == pytest.approx(0.1)
    assert values[-1] == pytest.approx(0.0, abs=1e-12)
    assert values[49] == pytest.approx(0.05, rel=0.05)


def test_warmup_ramps_up_linearly_then_hands_over_to_the_schedule():
    values = lrs(schedule="cosine", warmup_steps=10)
    assert values[:10] == pytest.approx([0.01 * i for i in range(1, 11)])
    assert values[10] == pytest.approx(0.1)
    assert values[-1] == pytest.approx(0.0, abs=1e-12)
    assert all(math.isfinite(v) for v in values)


@pytest.mark.parametrize(("name", "kind"), [("sgd", torch.optim.SGD), ("adam", torch.optim.Adam),
                                            ("adamw", torch.optim.AdamW)])
def test_optimizers_are_made_with_the_settings(name, kind):
    settings = TrainingSettings.from_dict({"optimizer": name, "lr": 0.02, "weight_decay": 0.01,
                                           "momentum": 0.5})
    optimizer = make_optimizer([torch.nn.Parameter(torch.zeros(3))], settings)
    assert isinstance(optimizer, kind)
    group = optimizer.param_groups[0]
    assert group["lr"] == 0.02 and group["weight_decay"] == 0.01
    if name == "sgd":
        assert group["momentum"] == 0.5


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw"])
def test_optimizers_use_torchs_fused_kernel_on_the_cpu(name):
    """One fused kernel per step: half the time of Adam's op-by-op update on a small network."""
    settings = TrainingSettings.from_dict({"optimizer": name})
    optimizer = make_optimizer([torch.nn.Parameter(torch.zeros(3))], settings)
    assert optimizer.defaults["fused"] is True


def test_fused_and_plain_updates_agree():
    torch.manual_seed(0)
    start, grad = torch.randn(1000), torch.randn(1000)
    settings = TrainingSettings.from_dict({"optimizer": "adamw", "weight_decay": 0.1})
    fused, plain = torch.nn.Parameter(start.clone()), torch.nn.Parameter(start.clone())
    optimizers = [make_optimizer([fused], settings),
                  torch.optim.AdamW([plain], lr=settings.lr, weight_decay=0.1)]
    for _ in range(5):
        for p, optimizer in zip([fused, plain], optimizers, strict=True):
            p.grad = grad.clone()
            optimizer.step()
    torch.testing.assert_close(fused, plain)
