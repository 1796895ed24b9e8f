"""Sweeps and experiments: every variant trained the same way, one result row each."""

import csv

import pytest

from explorer.cli import main
from explorer.graph import TrainingSettings, check_graph
from explorer.graph.demos import DEMOS, demo
from explorer.graph.experiments import sweep_variants
from explorer.train.experiments import run_experiment, write_results
from explorer.train.memory import activation_memory


def test_sweep_variants_cover_every_block_and_depth_with_one_setting():
    settings = TrainingSettings(steps=77, seed=3)
    variants = sweep_variants(["plain", "residual", "highway"], [4, 12], settings=settings)
    assert [v.tags["block"] for v in variants] == ["plain"] * 2 + ["residual"] * 2 + [
        "highway"] * 2
    assert {v.project.training.steps for v in variants} == {77}
    for v in variants:
        assert check_graph(v.project.graph).ok
    plain12 = next(v for v in variants if v.label == "plain, 12 layers")
    assert sum(n.kind == "Linear" for n in plain12.project.graph.nodes()) == 12 + 1
    conv = sweep_variants(["plain", "residual", "dense"], [8], dataset="digits")
    assert all(check_graph(v.project.graph).ok for v in conv)
    with pytest.raises(ValueError, match="unknown block type 'dense' for spirals"):
        sweep_variants(["dense"], [4])


def test_an_experiment_trains_each_variant_with_the_same_settings(tmp_path):
    variants = sweep_variants(["plain", "residual"], [3])
    results = run_experiment(variants, TrainingSettings(steps=30, log_every=10, seed=1),
                             out=tmp_path / "runs")
    assert [r.status for r in results] == ["done", "done"]
    assert all(len(r.curve) == 3 and r.final_train_loss > 0 for r in results)
    table, curves = write_results(results, tmp_path)
    rows = list(csv.DictReader(table.open()))
    assert [row["label"] for row in rows] == [v.label for v in variants]
    assert len(list(csv.DictReader(curves.open()))) == 6
    assert len(list((tmp_path / "runs").iterdir())) == 2


def test_sweep_command_writes_one_row_per_variant(tmp_path, capsys):
    code = main(["sweep", "--blocks", "plain,highway", "--depths", "3,4", "--steps", "12",
                 "--out", str(tmp_path)])
    assert code == 0
    rows = list(csv.DictReader((tmp_path / "results.csv").open()))
    assert sorted(row["label"] for row in rows) == ["highway, 3 layers", "highway, 4 layers",
                                                    "plain, 3 layers", "plain, 4 layers"]
    assert "Results" in capsys.readouterr().out


def test_sweep_command_refuses_bad_arguments_before_training(capsys):
    assert main(["sweep", "--blocks", "dense", "--depths", "3"]) == 2
    assert "unknown block type" in capsys.readouterr().err
    assert main(["sweep", "--depths", "1"]) == 2
    assert main(["sweep", "--dataset", "mnist", "--depths", "3"]) == 2
    assert "digits" in capsys.readouterr().err  # the stand-in it suggests


def test_every_demonstration_is_well_formed():
    for name in DEMOS:
        d = demo(name)
        assert d.title and d.summary and d.explanation and d.paper
        assert d.variants and all(check_graph(v.project.graph).ok for v in d.variants)
    with pytest.raises(KeyError, match="choose one of"):
        demo("nope")


def test_checkpointing_stores_less_for_backward():
    chosen = demo("checkpoint_memory")
    project = chosen.variants[0].project
    plain = activation_memory(project, checkpointing=False, batch_size=64)
    ckpt = activation_memory(project, checkpointing=True, batch_size=64)
    assert ckpt.saved_bytes < 0.7 * plain.saved_bytes
    assert ckpt.weight_bytes == plain.weight_bytes


def test_demo_command_lists_the_demonstrations(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in DEMOS)
    assert main(["demo", "nope"]) == 2
