"""``main.py train FILE --nproc N``: the same run in N processes under torchrun.

Two processes on the same global batch must write the run folder one process
writes, with the same curves (to float rounding) and weights; bad numbers of
processes and crashed ranks end in one line with exit code 2, never a hang.
"""

import _thread
import argparse
import json

import pytest
import torch

from explorer.graph import project as project_file
from explorer.train import load_run, plan_run
from explorer.train.console import add_train_arguments
from explorer.train.engine import Trainer
from explorer.train.errors import SetupError
from explorer.train.launch import ProcessesRun, check_processes
from explorer.train.run_index import list_runs

from .train_helpers import tiny_mlp

CURVES = ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "grad_norm")


def train_command(*argv):
    parser = argparse.ArgumentParser(prog="train")
    add_train_arguments(parser)
    args = parser.parse_args([str(a) for a in argv])
    return args.run(args)


@pytest.fixture
def project_path(tmp_path):
    path = tmp_path / "tiny.archx.json"
    project_file.save(tiny_mlp(batch_size=32, steps=20, log_every=5, optimizer="adam"), path)
    return path


def only_run(folder):
    (run,) = list(folder.iterdir())
    return run


def test_two_processes_train_what_one_process_trains(project_path, tmp_path, capsys):
    plan = plan_run(project_file.load(project_path), threads=1)  # the reference, in this process
    assert Trainer(plan, run_dir=tmp_path / "one" / "run").run().ok
    assert train_command(project_path, "--threads", "2", "--nproc", "2",
                         "--out", tmp_path / "two") == 0
    assert "in 2 processes (gloo)" in capsys.readouterr().out
    one, two = load_run(only_run(tmp_path / "one")), load_run(only_run(tmp_path / "two"))
    assert two.state == "done" and len(two.records) == len(one.records) == 4
    for name in CURVES:
        steps_one, values_one = one.curve(name)
        steps_two, values_two = two.curve(name)
        assert list(steps_two) == list(steps_one), name
        assert values_two == pytest.approx(values_one, rel=1e-5, abs=1e-6), name
    weights_one, weights_two = one.weights(), two.weights()
    assert weights_two.keys() == weights_one.keys()
    for key, value in weights_one.items():
        torch.testing.assert_close(weights_two[key], value, rtol=1e-5, atol=1e-6)
    # the app reads the folder as it reads any other: same files, same summary
    assert {p.name for p in two.path.iterdir()} == {p.name for p in one.path.iterdir()}
    (summary,) = list_runs(tmp_path / "two")
    assert (summary.status, summary.total_steps) == ("done", 20)
    assert (two.config["nproc"], two.config["batch_per_process"]) == (2, 16)
    assert two.config["settings"]["batch_size"] == 32 and two.config["threads"] == 1


def test_a_batch_that_does_not_split_exits_2_before_starting(project_path, tmp_path, capsys):
    assert train_command(project_path, "--nproc", "3", "--out", tmp_path / "runs") == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "batch size (32) does not split evenly over 3 processes" in line
    assert "30 or 33" in line and "(--nproc N)" in line  # the option that chooses it
    assert not (tmp_path / "runs").exists()


def test_no_processes_is_refused_by_the_arguments(project_path, capsys):
    with pytest.raises(SystemExit) as caught:
        train_command(project_path, "--nproc", "0")
    assert caught.value.code == 2
    assert "--nproc: needs at least 1, not 0" in capsys.readouterr().err


def test_processes_train_on_the_cpu_or_on_gpus_only(project_path):
    plan = plan_run(project_file.load(project_path), threads=1)
    with pytest.raises(SetupError, match="not on mps"):
        check_processes(plan.__class__(**{**vars(plan), "device": "mps"}), 2)


def test_a_crashed_process_is_named_in_one_line_and_exits_2(project_path, tmp_path, capsys,
                                                            monkeypatch):
    from explorer.train import launch

    monkeypatch.setattr(launch, "ENTRY", "tests.train.nproc_crash")
    code = train_command(project_path, "--threads", "2", "--nproc", "2",
                         "--out", tmp_path / "runs")
    assert code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: Process 2 of 2 (rank 1): ") and "exit code 3" in line, line
    status = json.loads((only_run(tmp_path / "runs") / "status.json").read_text())
    assert status["status"] == "failed" and status["reason"] in line


def test_ctrl_c_ends_every_process_and_records_the_run_as_stopped(tmp_path):
    project = tiny_mlp(batch_size=32, steps=1_000_000, log_every=50)
    run = ProcessesRun(check_processes(plan_run(project, threads=1), 2), tmp_path)
    interrupted = []

    def interrupt_once(beat):  # Ctrl-C, as the terminal delivers it, once training is under way
        if not interrupted:
            interrupted.append(beat.step)
            _thread.interrupt_main()

    run.start()
    try:
        outcome = run.follow(interrupt_once)
    finally:
        run.close()
    assert interrupted and outcome.ended.status == "stopped"
    assert run._process.poll() is not None and not run._job.exists()  # nothing left behind
    status = json.loads((only_run(tmp_path) / "status.json").read_text())
    assert status["status"] == "stopped" and "Interrupted at step" in status["reason"]


needs_gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@needs_gpu
def test_more_processes_than_gpus_is_refused(project_path):
    plan = plan_run(project_file.load(project_path), device="cuda", threads=1)
    gpus = torch.cuda.device_count()
    with pytest.raises(SetupError, match=f"need {gpus + 1} GPUs"):
        check_processes(plan, gpus + 1)


@needs_gpu
def test_the_nccl_path_trains_what_one_gpu_process_trains(project_path, tmp_path):
    """One rank is enough to run NCCL's collectives; two need two GPUs (the test below)."""
    project = project_file.load(project_path)
    alone = train_command(project_path, "--device", "cuda", "--threads", "1",
                          "--out", tmp_path / "one")
    assert alone == 0
    run = ProcessesRun(check_processes(plan_run(project, device="cuda", threads=1), 1),
                       tmp_path / "nccl")
    run.start()
    try:
        outcome = run.follow(lambda beat: None)
    finally:
        run.close()
    assert outcome.ended.status == "done", outcome.ended.reason
    one, nccl = load_run(only_run(tmp_path / "one")), load_run(only_run(tmp_path / "nccl"))
    assert nccl.config["backend"] == "nccl"
    assert nccl.curve("train_loss")[1] == pytest.approx(one.curve("train_loss")[1], rel=1e-4)


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA GPUs")
def test_two_gpu_processes_train_what_one_gpu_trains(project_path, tmp_path):
    assert train_command(project_path, "--device", "cuda", "--out", tmp_path / "one") == 0
    assert train_command(project_path, "--device", "cuda", "--nproc", "2",
                         "--out", tmp_path / "two") == 0
    one, two = load_run(only_run(tmp_path / "one")), load_run(only_run(tmp_path / "two"))
    assert two.curve("train_loss")[1] == pytest.approx(one.curve("train_loss")[1], rel=1e-4)
