"""Sweeps on tables size their networks to the data; ``shared`` copies without torch."""


from explorer.graph import TrainingSettings, check_graph
from explorer.graph.experiments import shared, sweep_variants
from explorer.train import plan_run

from ..imports import loaded_after


def test_a_sweep_on_a_table_fits_its_features_and_classes():
    variants = sweep_variants(["plain", "residual", "highway"], [3], dataset="iris",
                              features=4, classes=3)
    for variant in variants:
        plan = plan_run(variant.project, steps=1)  # refuses a network that does not fit
        assert plan.dataset.input_spec.shape == (4,) and plan.dataset.classes == 3


def test_shared_gives_a_copy_with_the_experiments_settings():
    [variant] = sweep_variants(["plain"], [3])
    settings = TrainingSettings(steps=7, seed=5)
    project = shared(variant, settings)
    assert project.training == settings and variant.project.training != settings
    assert project.graph is not variant.project.graph
    assert check_graph(project.graph).total_params == check_graph(
        variant.project.graph).total_params


def test_the_graph_side_of_experiments_does_not_import_torch():
    assert loaded_after("import explorer.graph.experiments, explorer.graph.demos",
                        ["torch"]) == []
