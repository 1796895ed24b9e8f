"""What a teacher shows with these statistics holds, as ratios with fixed seeds."""

import itertools

import pytest

from explorer.graph import recipes
from explorer.train import train

from .train_helpers import SMALL_SPIRALS


def first_step_gradient_norms(project):
    ended = train(project, steps=1, log_every=1, batch_size=64, seed=0)
    assert ended.ok, ended.reason
    return [s.grad_norm for s in ended.last.nodes.values() if s.grad_norm is not None]


def test_a_deep_plain_tanh_mlp_loses_its_gradient_toward_the_input_and_a_residual_one_does_not():
    plain = first_step_gradient_norms(
        recipes.mlp(30, 32, activation="Tanh", dataset_options=SMALL_SPIRALS))
    residual = first_step_gradient_norms(
        recipes.residual_mlp(15, 32, activation="tanh", dataset_options=SMALL_SPIRALS))
    assert len(plain) == 31 and len(residual) == 17  # 30 layers (15 blocks of 2) + head
    # first hidden layer against the last hidden layer, before the classifier
    assert plain[0] / plain[-2] < 1e-3, "orders of magnitude smaller near the input"
    assert residual[0] / residual[-2] > 1e-2, "the skip connections carry it back"
    assert all(a < b for a, b in itertools.pairwise(plain[:-1])), \
        "plain: every layer's gradient is smaller than the next one's"


@pytest.mark.slow
def test_on_spirals_a_residual_mlp_trains_lower_than_a_plain_mlp_of_the_same_depth():
    settings = {"steps": 200, "log_every": 200, "seed": 0, "batch_size": 64, "lr": 1e-3}
    plain = train(recipes.mlp(16, 32, activation="ReLU"), **settings)
    residual = train(recipes.residual_mlp(8, 32), **settings)
    assert plain.ok and residual.ok
    assert residual.last.train_loss < 0.75 * plain.last.train_loss
