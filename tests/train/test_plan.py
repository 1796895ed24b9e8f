"""Bad input of every kind is refused before any compute, with a message naming what is wrong."""

import math

import pytest
import torch

from explorer.graph import recipes
from explorer.train import SetupError, plan_run
from explorer.train.plan import validation_interval

from .train_helpers import tiny_mlp


def refused(project, **overrides) -> str:
    with pytest.raises(SetupError) as caught:
        plan_run(project, **overrides)
    return str(caught.value)


def test_a_good_plan_resolves_everything():
    plan = plan_run(tiny_mlp(), steps=30, lr=0.01, seed=5)
    assert plan.device == "cpu" or plan.device.startswith(("cuda", "mps"))
    assert plan.total_steps == 30 and plan.settings.lr == 0.01 and plan.settings.seed == 5
    assert plan.project().training.lr == 0.01, "the snapshot holds the settings used"
    config = plan.config()
    assert config["seed"] == 5 and config["versions"]["torch"] == torch.__version__
    assert config["dataset"]["train_examples"] == len(plan.dataset.x_train)


def test_unknown_dataset():
    message = refused(tiny_mlp(), dataset="spiralz")
    assert "spiralz" in message and "spirals" in message


def test_batch_larger_than_the_data():
    message = refused(tiny_mlp(), batch_size=5000)
    assert "batch size (5000)" in message and "96 examples" in message
    assert "96 or less" in message


def test_learning_rate_that_is_not_a_number():
    assert "lr" in refused(tiny_mlp(), lr=math.nan)
    assert "lr" in refused(tiny_mlp(), lr=-1.0)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_on_a_machine_without_a_gpu():
    message = refused(tiny_mlp(), device="cuda")
    assert "'cuda'" in message and "no" in message and "cpu" in message


def test_device_names_that_mean_nothing():
    assert "not a device name" in refused(tiny_mlp(), device="gpu7")


def test_mixed_precision_needs_a_cuda_gpu():
    assert "Mixed precision" in refused(tiny_mlp(), device="cpu", precision="amp")


def test_network_that_does_not_fit_the_dataset():
    message = refused(recipes.mlp(2, 8, features=3))
    assert "features to 2" in message


def test_network_with_errors():
    project = tiny_mlp()
    head = next(n.id for n in project.graph.nodes() if n.kind == "ClassificationOutput")
    project.graph.remove_node(head)
    assert "cannot be trained yet" in refused(project)


def test_csv_with_missing_values_is_refused_with_the_datasets_message(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("a,b,label\n1,2,0\n3,,1\n5,6,0\n7,8,1\n")
    message = refused(recipes.mlp(1, 4), dataset="csv",
                      dataset_options={"path": str(path), "target": "label"})
    assert "table.csv" in message


def test_unknown_setting_value():
    assert "optimizer" in refused(tiny_mlp(), optimizer="rmsprop")


def test_switching_dataset_drops_the_old_options_and_steps_replace_epochs():
    plan = plan_run(tiny_mlp(epochs=2), dataset="moons", steps=7)
    assert plan.settings.dataset_options == {}
    assert plan.total_steps == 7


def test_validation_runs_at_most_twenty_times_on_logged_steps():
    assert validation_interval(1000, 10) == 50
    assert validation_interval(100, 10) == 10
    assert validation_interval(7, 1) == 1
    assert validation_interval(10**6, 7) % 7 == 0


@pytest.mark.parametrize(("content", "options", "expected"), [
    ("a,b,label\n1,2,0\n3,x,1\n5,6,0\n7,8,1\n", {"target": "label"}, "table.csv"),
    ("a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n", {"target": "colour"}, "colour"),
])
def test_csv_problems_are_refused_before_training(tmp_path, content, options, expected):
    path = tmp_path / "table.csv"
    path.write_text(content)
    message = refused(recipes.mlp(1, 4), dataset="csv",
                      dataset_options={"path": str(path), **options})
    assert expected in message


def test_an_image_folder_with_an_unreadable_file_is_refused(tmp_path):
    for label in ("cats", "dogs"):
        (tmp_path / label).mkdir()
        (tmp_path / label / "broken.png").write_bytes(b"not an image at all")
    message = refused(recipes.resnet_cifar(1), dataset="image_folder",
                      dataset_options={"path": str(tmp_path)})
    assert "broken.png" in message
