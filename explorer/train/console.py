"""``python main.py train FILE ...``: train a project from the command line.

Progress shows steps per second, the loss and the time left; a summary
table follows; the exit code says how it went: 0 done, 1 the graph has
errors or the run failed or was stopped (the reason is printed), 2 the file
or an argument is bad (one line, before any compute). Ctrl-C stops the run cleanly (its weights are
saved); a second Ctrl-C ends it at once. With ``--nproc N`` the run trains in N processes
(``launch.py``): the same folder, the same exit codes, and 2 when a process dies without
finishing (Ctrl-C there ends the processes at once).

Only the standard library and the graph load at import, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when needed at run time, so that --help stays instant
    from rich.console import Console
    from rich.table import Table

    from .distributed import DistributedPlan
    from .plan import RunPlan
    from .process import RunProcess
    from .records import RunEnded

EXIT_DONE, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
POLL_SECONDS = 0.1


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the train command's arguments; ``args.run`` becomes ``run_train``."""
    parser.add_argument("file", help="a project file (.archx.json)")
    parser.add_argument("--dataset", help="train on this dataset instead of the project's")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help="optimizer steps to take")
    length.add_argument("--epochs", type=int, help="passes over the training data")
    parser.add_argument("--batch-size", type=int, help="examples per step")
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--optimizer", choices=("sgd", "adam", "adamw"))
    parser.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (default: the "
                        "project's, usually auto)")
    parser.add_argument("--seed", type=int, help="random seed: same seed, same run")
    parser.add_argument("--log-every", type=int, help="steps between statistics records")
    parser.add_argument("--out", default="runs",
                        help="folder to put the run folder in (default: ./runs)")
    add_threads_argument(parser)
    parser.add_argument(
        "--nproc", type=_positive_int, default=1, metavar="N",
        help="train in N processes under torchrun (gloo on the CPU, NCCL with one GPU each), "
        "the batch split evenly between them; --threads is shared out among them")
    parser.set_defaults(run=run_train)


def add_threads_argument(parser: argparse.ArgumentParser) -> None:
    """--threads: CPU threads to train with, recorded in each run's config.json."""
    from .cores import default_threads

    parser.add_argument(
        "--threads", type=_positive_int, default=None, metavar="N",
        help=f"CPU threads to train with (default: every core but one, here "
        f"{default_threads()}); the same seed repeats a run exactly only with the same "
        "number of threads on the same device")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"needs at least 1, not {value}")
    return value


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """The training settings the arguments change (the rest come from the project)."""
    names = ("dataset", "steps", "epochs", "batch_size", "lr", "optimizer", "device", "seed",
             "log_every")
    return {name: getattr(args, name, None) for name in names
            if getattr(args, name, None) is not None}


def run_train(args: argparse.Namespace) -> int:
    """Check, train in a child process with a progress bar, summarise; returns the exit code."""
    from rich.console import Console

    from explorer.graph import ProjectFileError
    from explorer.graph.project import load

    console = Console(highlight=False)
    try:
        project = load(args.file)
    except ProjectFileError as error:
        _error(f"error: cannot read {error}")
        return EXIT_BAD_INPUT

    from .errors import SetupError
    from .plan import plan_run

    nproc = getattr(args, "nproc", 1)
    threads = args.threads
    if nproc > 1:
        from .cores import threads_per_process

        threads = threads_per_process(threads, nproc)
    try:
        plan = plan_run(project, threads=threads, **overrides_from(args))
        if nproc > 1:
            from .launch import check_processes

            return _train_in_processes(check_processes(plan, nproc), args.out, console,
                                       project.name or args.file)
    except SetupError as error:
        _error(f"error: {error}")
        return EXIT_FAILED if error.graph_errors else EXIT_BAD_INPUT

    from .process import RunProcess

    run = RunProcess(plan, out=args.out)
    try:
        run.start()
    except OSError as error:
        _error(f"error: cannot create a run folder in {args.out}: {error.strerror or error}")
        return EXIT_BAD_INPUT
    console.print(f"Training {project.name or args.file}: {plan.total_steps:,} steps on "
                  f"{plan.device}, {plan.dataset.summary()}", markup=False)
    try:
        ended = _follow(run, plan.total_steps, console)
    finally:
        run.close()
    console.print(_summary(ended, plan))
    _print_run_folder(console, ended.run_dir)
    if ended.status == "failed":
        _error(f"The run failed: {ended.reason}")
    elif ended.status == "stopped":
        _error(f"{ended.reason} The weights so far are saved.")
    return EXIT_DONE if ended.ok else EXIT_FAILED


def _train_in_processes(plan: DistributedPlan, out: str, console: Console, name: str) -> int:
    """``--nproc N``: the same run under torchrun, shown the same way; a crash exits 2."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .launch import ProcessesRun

    run = ProcessesRun(plan, out)
    try:
        run.start()
    except OSError as error:
        run.close()
        _error(f"error: cannot create a run folder in {out}: {error.strerror or error}")
        return EXIT_BAD_INPUT
    console.print(f"Training {name}: {plan.total_steps:,} steps in {plan.nproc} processes "
                  f"({plan.backend}) on {plan.device}, {plan.dataset.summary()}", markup=False)
    columns = (TextColumn("Training"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[speed]}  loss {task.fields[loss]}"))
    try:
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("train", total=plan.total_steps, speed="… steps/s", loss="…")
            outcome = run.follow(lambda beat: bar.update(
                task, completed=beat.step, speed=f"{beat.speed:,.0f} steps/s",
                loss=f"{beat.loss:.4g}"))
            bar.update(task, completed=outcome.ended.step)
    finally:
        run.close()
    ended = outcome.ended
    console.print(_summary(ended, plan))
    _print_run_folder(console, ended.run_dir)
    if ended.status == "failed":
        _error(f"error: {ended.reason}" if outcome.crashed else f"The run failed: {ended.reason}")
    elif ended.status == "stopped":
        _error(ended.reason)
    if outcome.crashed:
        return EXIT_BAD_INPUT
    return EXIT_DONE if ended.ok else EXIT_FAILED


def _follow(run: RunProcess, total: int, console: Console) -> RunEnded:
    """Show progress until the run ends, and say how it ended.

    Ctrl-C asks the run to stop; a second Ctrl-C kills it.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .records import Progress as Heartbeat

    columns = (TextColumn("Training"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[speed]}  loss {task.fields[loss]}  "
                          "{task.fields[left]} left"))
    interrupts = 0
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("train", total=total, speed="… steps/s", loss="…", left="…")
        while run.ended is None:
            try:
                for record in run.poll():
                    if isinstance(record, Heartbeat):
                        bar.update(task, completed=record.step,
                                   speed=f"{record.steps_per_second:,.0f} steps/s",
                                   loss=f"{record.loss:.4g}", left=_duration(record.time_left))
                time.sleep(POLL_SECONDS)
            except KeyboardInterrupt:
                interrupts += 1
                if interrupts == 1:
                    console.print("Stopping after this step (Ctrl-C again to end it now)…")
                    run.stop()
                else:
                    run.kill()
        ended = run.ended
        bar.update(task, completed=ended.step)
    return ended


def _summary(ended: RunEnded, plan: RunPlan) -> Table:
    from rich.table import Table

    table = Table(title="Run summary", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value")
    table.add_row("status", ended.status)
    table.add_row("steps", f"{ended.step:,} of {plan.total_steps:,}")
    table.add_row("time", _duration(ended.elapsed))
    last = ended.last
    if last is not None:
        for label, value in (("train loss", last.train_loss),
                             ("train accuracy", last.train_accuracy),
                             ("validation loss", last.val_loss),
                             ("validation accuracy", last.val_accuracy)):
            if value is not None:
                shown = f"{value:.1%}" if "accuracy" in label else f"{value:.4g}"
                table.add_row(label, shown)
    return table


def _print_run_folder(console: Console, run_dir: str | None) -> None:
    """The run folder on a line of its own, never wrapped or cut: it is there to be copied."""
    if run_dir:
        console.print(f"Run folder: {run_dir}", markup=False, highlight=False, soft_wrap=True)


def _error(line: str) -> None:
    """One unwrapped line on stderr, whatever the terminal's width."""
    print(" ".join(line.split()), file=sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
