"""Every example project loads, checks clean, fits its dataset, builds, and trains a step."""

import pytest
import torch

from explorer.compiler import build_model, loss_for
from explorer.graph import check_graph
from explorer.graph.examples import DEFAULT_EXAMPLE, ORDER, example_paths, load_example
from explorer.graph.project import dumps, load
from explorer.train.data import check_against, load_dataset

NAMES = [p.name.removesuffix(".archx.json") for p in example_paths()]


def test_the_gallery_holds_the_promised_examples():
    assert NAMES[: len(ORDER)] == list(ORDER)
    assert NAMES[0] == DEFAULT_EXAMPLE


@pytest.mark.parametrize("name", NAMES)
def test_example_loads_checks_builds_and_trains_one_step(name):
    project = load_example(name)
    assert project.name and project.notes and project.description
    result = check_graph(project.graph, batch_size=project.training.batch_size)
    assert result.ok and not result.warnings, [str(i) for i in result.issues]
    settings = project.training
    data = load_dataset(settings.dataset, settings.dataset_options, seed=settings.seed,
                        val_fraction=settings.val_fraction)
    assert check_against(data, result) == []
    torch.manual_seed(0)
    model = build_model(project.graph, result)
    x = torch.from_numpy(data.x_train[:8])
    y = torch.from_numpy(data.y_train[:8])
    loss = loss_for(model.output_kind)(model(x), y)
    loss.backward()
    assert torch.isfinite(loss)
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.name)
def test_example_files_are_in_canonical_form(path):
    """Saved exactly as the program saves them, so re-saving changes nothing."""
    assert dumps(load(path)) == path.read_text(encoding="utf-8")
