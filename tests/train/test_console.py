"""The train command: progress, summary, exit codes 0 done, 1 failed, 2 bad file or arguments."""

import argparse
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from explorer.graph import ArchitectureGraph, Project, TrainingSettings
from explorer.graph import project as project_file
from explorer.train import load_run
from explorer.train.console import add_train_arguments, overrides_from

from .train_helpers import tiny_mlp


def parse(*argv):
    parser = argparse.ArgumentParser(prog="train")
    add_train_arguments(parser)
    return parser.parse_args([str(a) for a in argv])


def train_command(*argv):
    args = parse(*argv)
    return args.run(args)


@pytest.fixture
def project_path(tmp_path):
    path = tmp_path / "tiny.archx.json"
    project_file.save(tiny_mlp(), path)
    return path


def exploding_regression(tmp_path):
    """A regression whose SGD steps at lr 10 blow the loss up within a few steps."""
    g = ArchitectureGraph()
    chain = [g.add_node("VectorInput", {"features": 1}), g.add_node("Linear", {}),
             g.add_node("ReLU"), g.add_node("Linear", {"out_features": 1}),
             g.add_node("RegressionOutput")]
    for a, b in itertools.pairwise(chain):
        g.connect(a, b, "in")
    settings = TrainingSettings.from_dict({"dataset": "sine", "optimizer": "sgd", "lr": 10,
                                           "momentum": 0.9, "steps": 50})
    path = tmp_path / "exploding.archx.json"
    project_file.save(Project(g, settings, "exploding"), path)
    return path


def test_arguments_become_setting_overrides():
    args = parse("p.archx.json", "--dataset", "moons", "--epochs", "3", "--batch-size", "32",
                 "--lr", "0.1", "--optimizer", "sgd", "--device", "cpu", "--seed", "4")
    assert overrides_from(args) == {"dataset": "moons", "epochs": 3, "batch_size": 32,
                                    "lr": 0.1, "optimizer": "sgd", "device": "cpu", "seed": 4}
    with pytest.raises(SystemExit) as caught:
        parse("p.archx.json", "--steps", "3", "--epochs", "2")
    assert caught.value.code == 2


@pytest.mark.slow
def test_a_finished_run_exits_0_with_a_summary_and_a_run_folder(project_path, tmp_path,
                                                                 capsys):
    code = train_command(project_path, "--steps", "30", "--out", tmp_path / "runs",
                         "--seed", "2", "--device", "cpu")
    out = capsys.readouterr().out
    assert code == 0
    assert "Run summary" in out and "done" in out and "30 of 30" in out
    (folder,) = (tmp_path / "runs").iterdir()
    run = load_run(folder)
    assert run.state == "done" and run.config["seed"] == 2


@pytest.mark.slow
def test_the_run_folder_is_printed_whole_on_one_line_to_copy(project_path, tmp_path, capsys,
                                                               monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")  # a narrow terminal once cut the path with an ellipsis
    out_dir = tmp_path / ("a-rather-long-folder-name-" * 4) / "runs"
    code = train_command(project_path, "--steps", "2", "--out", out_dir, "--device", "cpu",
                         "--threads", "1")
    assert code == 0
    (folder,) = out_dir.iterdir()
    lines = capsys.readouterr().out.splitlines()
    assert f"Run folder: {folder}" in lines


@pytest.mark.slow
def test_a_failed_run_exits_1_and_says_why(tmp_path, capsys):
    code = train_command(exploding_regression(tmp_path), "--out", tmp_path / "runs")
    captured = capsys.readouterr()
    assert code == 1
    assert "The run failed: The loss became infinite" in captured.err
    assert "failed" in captured.out


@pytest.mark.parametrize(("argv", "expected"), [
    (["--dataset", "mnist-ish"], "no dataset called 'mnist-ish'"),
    (["--batch-size", "100000"], "batch size (100000) is larger than the training data"),
    (["--lr", "nan"], "'lr' must be a finite number"),
    (["--lr", "-0.5"], "'lr'"),
    (["--steps", "0"], "'steps'"),
    (["--device", "tpu"], "not a device name"),
    pytest.param(["--device", "cuda"], "needs an NVIDIA GPU",
                 marks=pytest.mark.skipif(torch.cuda.is_available(), reason="has a GPU")),
])
def test_bad_arguments_exit_2_with_one_line(project_path, tmp_path, capsys, argv, expected):
    code = train_command(project_path, *argv, "--out", tmp_path / "runs")
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "runs").exists(), "nothing is made before the checks pass"


@pytest.mark.parametrize("content", [None, "", "{broken", json.dumps({"format": "other"})])
def test_bad_files_exit_2_with_one_line(tmp_path, capsys, content):
    path = tmp_path / "bad.archx.json"
    if content is not None:
        path.write_text(content)
    code = train_command(path, "--out", tmp_path / "runs")
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: cannot read") and len(err.strip().splitlines()) == 1


def test_a_dataset_that_does_not_fit_the_network_exits_2(project_path, tmp_path, capsys):
    code = train_command(project_path, "--dataset", "digits", "--out", tmp_path / "runs")
    assert code == 2
    assert "does not fit the dataset" in capsys.readouterr().err


def test_the_command_loads_without_torch_or_numpy_until_it_runs():
    code = ("import sys, argparse, explorer.train.console as c;"
            "c.add_train_arguments(argparse.ArgumentParser());"
            "print(','.join(m for m in ('torch', 'numpy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
