"""``python main.py sweep ...`` and ``python main.py demo ...``: classroom experiments headless.

A sweep trains one network per (block type, depth) with the same settings
and writes results.csv (one row per variant) and curves.csv; a
demonstration trains (or measures) its variants and prints what it shows.
Exit codes: 0 the experiment ran (a variant that diverged is a result, not
an error), 2 bad arguments (one line, before any compute).

Only the standard library loads at import, so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .console import add_threads_argument

if TYPE_CHECKING:  # imported when needed at run time, so that --help stays instant
    from rich.console import Console

    from .demos import DemoResult
    from .experiments import VariantResult

EXIT_DONE, EXIT_BAD_INPUT = 0, 2

T = TypeVar("T")


def _csv_list(kind: Callable[[str], T]) -> Callable[[str], list[T]]:
    def parse(text: str) -> list[T]:
        try:
            return [kind(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list") from None
    return parse


def _add_training_overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--steps", type=int, help="optimizer steps per variant")
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--optimizer", choices=("sgd", "adam", "adamw"))
    parser.add_argument("--batch-size", type=int, help="examples per step")
    parser.add_argument("--seed", type=int, help="random seed, shared by every variant")
    parser.add_argument("--out", default=None, help="folder for results.csv, curves.csv and "
                        "the variants' run folders")
    add_threads_argument(parser)
    parser.add_argument(  # text, checked by the command: a bad value is one line (exit 2)
        "--jobs", default="1", metavar="N",
        help="variants trained at once, each in a process of its own (default 1). They share "
        "--threads: each gets threads // jobs (at least one), so the results are those of "
        "--jobs 1 with that many threads; both are recorded in each run's config.json")


def _jobs(args: argparse.Namespace) -> int:
    """--jobs as a number, or ValueError with the one line to print."""
    try:
        jobs = int(args.jobs)
    except ValueError:
        raise ValueError(f"--jobs needs a whole number, not {args.jobs!r}") from None
    if jobs < 1:
        raise ValueError(f"--jobs needs at least 1, not {jobs}")
    return jobs


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    names = ("steps", "lr", "optimizer", "batch_size", "seed")
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--blocks", type=_csv_list(str), default=["plain", "residual", "highway"],
                        help="block types, comma-separated: plain, residual, highway (points "
                        "and tables) or plain, residual, dense (images); default "
                        "plain,residual,highway")
    parser.add_argument("--depths", type=_csv_list(int), default=[5, 10, 20],
                        help="depths in layers, comma-separated (default 5,10,20)")
    parser.add_argument("--dataset", default="spirals", help="default spirals")
    parser.add_argument("--width", type=int, help="layer width (default: 71 plain, 50 highway, "
                        "64 residual, as in the papers)")
    parser.add_argument("--activation", choices=("relu", "tanh", "sigmoid", "gelu"),
                        default="relu")
    parser.add_argument("--init", choices=("default", "he", "glorot"), default="he")
    _add_training_overrides(parser)
    parser.set_defaults(run=run_sweep)


def run_sweep(args: argparse.Namespace) -> int:
    from explorer.graph import ParamError, TrainingSettings
    from explorer.graph.experiments import depth_notes

    from .data import DatasetError
    from .errors import SetupError
    from .experiments import run_experiment, sized_sweep, write_results

    try:
        jobs = _jobs(args)
        settings = TrainingSettings(dataset=args.dataset).replace(init=args.init,
                                                                  **_overrides(args))
        variants = sized_sweep(args.blocks, args.depths, dataset=args.dataset,
                               seed=settings.seed, width=args.width,
                               activation=args.activation, settings=settings)
    except DatasetError as error:
        return _bad(error.message)
    except (ValueError, ParamError) as error:
        return _bad(str(error))
    console = _console()
    at_once = f", {min(jobs, len(variants))} at a time" if jobs > 1 else ""
    console.print(f"Sweep: {len(variants)} variants on {args.dataset}, "
                  f"{settings.steps} steps each{at_once}.")
    for note in depth_notes(variants):
        console.print(f"Note: {note}", markup=False)
    try:
        results = run_experiment(variants, settings, out=args.out and Path(args.out) / "runs",
                                 threads=args.threads, jobs=jobs,
                                 on_start=lambda i, v: console.print(
                                     f"[{i + 1}/{len(variants)}] {v.label} …"))
    except SetupError as error:
        return _bad(str(error))
    _print_results(console, results)
    if args.out:
        table, curves = write_results(results, args.out)
        console.print(f"Wrote {table} and {curves}.", markup=False)  # paths are not markup
    return EXIT_DONE


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="a demonstration (leave out to list them)")
    _add_training_overrides(parser)
    parser.set_defaults(run=run_demo_command)


def run_demo_command(args: argparse.Namespace) -> int:
    from explorer.graph.demos import DEMOS, demo

    console = _console()
    if not args.name:
        for name, make in DEMOS.items():
            d = make()
            console.print(f"[bold]{name}[/bold]: {d.title}\n    {d.summary}")
        return EXIT_DONE
    try:
        jobs = _jobs(args)
        chosen = demo(args.name)
    except KeyError as error:
        return _bad(error.args[0])
    except ValueError as error:
        return _bad(str(error))
    from .demos import run_demo
    from .errors import SetupError
    from .experiments import write_results

    console.print(f"[bold]{chosen.title}[/bold]\n{chosen.explanation}\n({chosen.paper})\n")
    try:
        outcome = run_demo(chosen, out=args.out and Path(args.out) / "runs", threads=args.threads,
                           jobs=jobs, on_start=lambda i, v: console.print(
                               f"[{i + 1}/{len(chosen.variants)}] {v.label} …"),
                           **_overrides(args))
    except SetupError as error:
        return _bad(str(error))
    if outcome.results:
        _print_results(console, outcome.results)
    _print_extras(console, outcome)
    if args.out and outcome.results:
        table, curves = write_results(outcome.results, args.out)
        console.print(f"Wrote {table} and {curves}.", markup=False)  # paths are not markup
    return EXIT_DONE


def _print_results(console: Console, results: Sequence[VariantResult]) -> None:
    from rich.table import Table

    table = Table(title="Results (same data, seed, optimizer and steps)", title_justify="left")
    for column in ("variant", "parameters", "final train loss", "val loss", "val accuracy",
                   "time", "status"):
        table.add_column(column, justify="left" if column in ("variant", "status") else "right")
    for r in results:
        table.add_row(r.label, f"{r.parameters:,}", _num(r.final_train_loss),
                      _num(r.final_val_loss), _pct(r.final_val_accuracy), f"{r.seconds:.0f} s",
                      r.status if r.status == "done" else f"{r.status}: {r.reason}")
    console.print(table)


_LESION_WHAT = {"block": "block (skip stays)", "layer": "plain layer (a gap)",
                "mixed": "blocks and layers"}


def _print_extras(console: Console, outcome: DemoResult) -> None:
    from rich.table import Table

    for label, study in outcome.lesions.items():
        table = Table(title=f"Lesions: {label} (baseline {_pct(study.baseline_accuracy)}, "
                      f"chance {_pct(study.chance)})", title_justify="left")
        table.add_column("switched off")
        table.add_column("what")
        table.add_column("val accuracy", justify="right")
        table.add_column("drop (points)", justify="right")
        for lesion in study.lesions:
            table.add_row(", ".join(lesion.node_ids), _LESION_WHAT[lesion.what],
                          _pct(lesion.accuracy),
                          f"{study.drop(lesion):.1f}")
        console.print(table)
    for label, norms in outcome.gradients.items():
        table = Table(title=f"Gradient norm by layer, input first: {label}",
                      title_justify="left")
        table.add_column("node")
        table.add_column("gradient norm", justify="right")
        for node, norm in norms:
            table.add_row(node, f"{norm:.2e}")
        console.print(table)
    if outcome.memory:
        table = Table(title="Activations stored for backward", title_justify="left")
        for column in ("network", "without", "with checkpointing", "saved", "step time"):
            table.add_column(column, justify="left" if column == "network" else "right")
        for label, (plain, ckpt) in outcome.memory.items():
            table.add_row(label, f"{plain.saved_megabytes:.1f} MB",
                          f"{ckpt.saved_megabytes:.1f} MB",
                          f"{100 * (1 - ckpt.saved_bytes / max(plain.saved_bytes, 1)):.0f}%",
                          f"×{ckpt.step_seconds / max(plain.step_seconds, 1e-9):.2f}")
        console.print(table)


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _num(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _bad(message: str) -> int:
    import sys

    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
