"""On a CUDA GPU: training, mixed precision and statistics (skipped cleanly without one)."""

import pytest
import torch

from explorer.graph import recipes
from explorer.train import Trainer, plan_run

from .train_helpers import SMALL_SPIRALS, Losses

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]


def test_training_on_the_gpu_reports_statistics_for_every_node():
    plan = plan_run(recipes.residual_mlp(2, 16, dataset_options=SMALL_SPIRALS), device="cuda",
                    steps=20, log_every=10)
    assert plan.device == "cuda:0"
    seen = Losses()
    ended = Trainer(plan, [seen]).run()
    assert ended.ok, ended.reason
    nodes = seen.records[-1].nodes
    assert nodes["res_1"].grad_norm > 0 and nodes["res_1"].act_std > 0


def test_mixed_precision_trains_and_says_which_kind():
    plan = plan_run(recipes.mlp(2, 32, dataset_options=SMALL_SPIRALS), device="cuda",
                    precision="amp", steps=30, log_every=10)
    seen = Losses()
    ended = Trainer(plan, [seen]).run()
    assert ended.ok, ended.reason
    assert seen.records[-1].train_loss > 0
    assert plan.config()["precision"] == "amp"


def test_deterministic_mode_on_the_gpu_repeats_itself():
    def losses():
        seen = Losses()
        Trainer(plan_run(recipes.mlp(2, 16, dataset_options=SMALL_SPIRALS), device="cuda",
                         deterministic=True, seed=1, steps=15), [seen]).run()
        return seen.losses

    assert losses() == losses()
