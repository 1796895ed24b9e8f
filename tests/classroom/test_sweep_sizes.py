"""Sweeps on tables size their networks to the data; ``shared`` copies without torch."""


from explorer.graph import TrainingSettings, check_graph
from explorer.graph.experiments import depth_notes, shared, sweep_variants
from explorer.train import plan_run
from explorer.train.experiments import sized_sweep

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


def test_the_sweep_command_sizes_a_table_from_its_data(capsys):
    from explorer.cli import main

    code = main(["sweep", "--dataset", "wine", "--blocks", "plain,residual", "--depths", "3",
                 "--steps", "2", "--threads", "1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("done") == 2


def test_a_depth_the_family_cannot_build_exactly_is_named_not_hidden():
    variants = sweep_variants(["plain", "residual", "highway"], [6])
    assert [v.tags["depth"] for v in variants] == [6, 5, 6]
    assert depth_notes(variants) == [
        "residual at depth 6: built 5 layers, since a residual MLP has one plain layer and "
        "two per block (odd depths)."]
    conv = sweep_variants(["plain", "dense"], [8, 10], dataset="digits")
    notes = depth_notes(conv)
    assert notes == ["plain at depth 10: built 8 layers, since the CIFAR ResNet and its plain "
                     "twin have 6n+2 layers (8, 14, 20 …).",
                     "dense at depth 8: built 7 layers, since the small DenseNet has 3n+4 "
                     "layers (7, 10, 13 …)."]


def test_sized_sweep_reads_features_and_classes_from_the_table():
    variants = sized_sweep(["highway"], [3], dataset="breast_cancer")
    plan = plan_run(variants[0].project, steps=1)
    assert plan.dataset.input_spec.shape == (30,) and plan.dataset.classes == 2
