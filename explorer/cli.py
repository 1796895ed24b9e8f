"""Headless commands: ``python main.py check|train|export|import|render|sweep ...``.

Each command imports what it needs only when it runs, so ``--help`` and
``check`` answer at once without loading torch or Qt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {}


def command(name: str, help_text: str):
    """Register a sub-command: the decorated function adds its arguments."""

    def register(add_arguments: Callable[[argparse.ArgumentParser], None]):
        COMMANDS[name] = (help_text, add_arguments)
        return add_arguments

    return register


@command("check", "check a project file: shapes, parameters and errors of every node")
def _check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a project file (.archx.json)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="batch size for the memory check (default: the project's)")
    parser.set_defaults(run=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from explorer.graph import ProjectFileError, check_graph, format_count, get_kind
    from explorer.graph.project import load

    try:
        project = load(args.file)
    except ProjectFileError as error:
        return _fail(f"cannot read {error}", EXIT_BAD_INPUT)
    batch = args.batch_size or project.training.batch_size
    result = check_graph(project.graph, batch_size=batch)
    console = Console(highlight=False)
    table = Table(title=escape(project.name or args.file), title_justify="left")
    for column in ("node", "kind", "output shape", "parameters"):
        table.add_column(column, justify="right" if column == "parameters" else "left")
    for node_id in result.order:
        report = result.reports[node_id]
        mark = " ✗" if result.issues_for(node_id) and any(
            i.severity == "error" for i in result.issues_for(node_id)) else ""
        table.add_row(escape(node_id) + mark, get_kind(project.graph.node(node_id).kind).title,
                      str(report.spec) if report.spec else "?", f"{report.params:,}")
    console.print(table)
    console.print(f"Total: {result.total_params:,} parameters ({format_count(result.total_params)})"
                  f", {len(result.errors)} error(s), {len(result.warnings)} warning(s).")
    for issue in result.issues:
        style = "red" if issue.severity == "error" else "yellow"
        console.print(f"[{style}]{issue.severity}[/{style}] {escape(str(issue))}", markup=True)
    return EXIT_OK if result.ok else EXIT_FAILED


@command("train", "train a project, with a progress bar; the run is saved as a folder")
def _train_arguments(parser: argparse.ArgumentParser) -> None:
    from explorer.train.console import add_train_arguments

    add_train_arguments(parser)


@command("sweep", "train one network per block type and depth, the same way, and compare")
def _sweep_arguments(parser: argparse.ArgumentParser) -> None:
    from explorer.train.experiment_console import add_sweep_arguments

    add_sweep_arguments(parser)


@command("demo", "run a classroom demonstration (without a name: list them)")
def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    from explorer.train.experiment_console import add_demo_arguments

    add_demo_arguments(parser)


@command("export", "export a project as PyTorch code (and a training script), or as ONNX")
def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a project file (.archx.json)")
    parser.add_argument("--format", choices=("python", "onnx"), default="python",
                        help="python: one standalone model.py; onnx: model.onnx, checked "
                        "against onnxruntime")
    parser.add_argument("-o", "--output", required=True, help="the file to write")
    parser.add_argument("--weights", help="a .safetensors file from a run, to load (ONNX) or "
                        "to check and copy beside the code (python)")
    parser.add_argument("--with-train", action="store_true",
                        help="also write train.py and data.safetensors beside the code")
    parser.set_defaults(run=_run_export)


def _run_export(args: argparse.Namespace) -> int:
    from explorer.export import (
        CannotStart,
        ExportError,
        export_onnx,
        export_python,
        export_training,
    )
    from explorer.graph import ProjectFileError
    from explorer.graph.project import load

    try:
        project = load(args.file)
    except ProjectFileError as error:
        return _fail(f"cannot read {error}", EXIT_BAD_INPUT)
    try:
        if args.format == "onnx":
            if args.with_train:
                return _fail("--with-train goes with --format python.", EXIT_BAD_INPUT)
            report = export_onnx(project, args.output, weights=args.weights)
            batches = ", ".join(map(str, report.batch_sizes))
            print(f"Wrote {report.path}; onnxruntime matches torch within "
                  f"{report.max_difference:.2e} (batches of {batches}).")
            return EXIT_OK
        export_python(project, args.output, weights=args.weights)
        print(f"Wrote {args.output}")
        if args.with_train:
            from pathlib import Path

            out = Path(args.output)
            written = export_training(project, out.parent, model_name=out.name)
            print(f"Wrote {written.script} and {written.data}: run `python train.py`, or "
                  "`torchrun --nproc_per_node N train.py`.")
    except CannotStart as error:
        return _fail(f"cannot export: {error}", EXIT_BAD_INPUT)
    except ExportError as error:
        return _fail(f"cannot export: {error}", EXIT_FAILED)
    except OSError as error:
        return _fail(f"cannot write {args.output}: {error.strerror or error}", EXIT_FAILED)
    return EXIT_OK


@command("import", "import a PyTorch module (or an ONNX file) as an editable project")
def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", help="PATH.py:Name or package.module:factory (a module class "
                        "or a function returning a module), or a model.onnx file")
    parser.add_argument("--input", help="the shape of one example, without the batch: CxHxW "
                        "for an image (3x224x224), F for a feature vector (64), "
                        "tokens:LENGTH:VOCAB for token ids (tokens:128:30000); not needed "
                        "for ONNX")
    parser.add_argument("-o", "--output", required=True, help="the project to write "
                        "(net.archx.json); the weights go beside it (net.safetensors)")
    parser.set_defaults(run=_run_import)


def _run_import(args: argparse.Namespace) -> int:
    from explorer.importer.commands import import_to_files
    from explorer.importer.errors import ImportFailure

    try:
        written = import_to_files(args.target, args.input, args.output)
    except ImportFailure as error:
        return _fail(f"cannot import: {error}", EXIT_BAD_INPUT)
    except OSError as error:
        return _fail(f"cannot write {args.output}: {error.strerror or error}", EXIT_FAILED)
    for note in written.notes:
        print(f"note: {note}")
    print(f"Wrote {written.project} and {written.weights}")
    return EXIT_OK


@command("weights", "convert a weights file between the editor's names and the original "
         "module's (imported networks and the model zoo)")
def _weights_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a project file (.archx.json) that keeps original names")
    parser.add_argument("weights", help="the weights to read: a .safetensors file, or a .pt/"
                        ".pth state_dict (read without running code)")
    parser.add_argument("--to", required=True, choices=("editor", "original"),
                        help="editor: from the original's names (torchvision's resnet18.pth) "
                        "to the editor's; original: from the editor's (a run's "
                        "model.safetensors) to the original's")
    parser.add_argument("-o", "--output", required=True, help="the .safetensors file to write")
    parser.set_defaults(run=_run_weights)


def _run_weights(args: argparse.Namespace) -> int:
    from explorer.export import ExportError
    from explorer.export.original_weights import convert_weights
    from explorer.graph import ProjectFileError
    from explorer.graph.project import load

    if not args.output.endswith(".safetensors"):
        return _fail(f"cannot write {args.output!r}: use a .safetensors file name.",
                     EXIT_BAD_INPUT)
    try:
        project = load(args.file)
        count = convert_weights(project, args.weights, args.output, args.to)
    except ProjectFileError as error:
        return _fail(f"cannot read {error}", EXIT_BAD_INPUT)
    except ExportError as error:
        return _fail(f"cannot convert: {error}", EXIT_BAD_INPUT)
    except OSError as error:
        return _fail(f"cannot write {args.output}: {error.strerror or error}", EXIT_FAILED)
    print(f"Wrote {count} tensors to {args.output}, named as in the "
          f"{'editor' if args.to == 'editor' else 'original module'}.")
    return EXIT_OK


@command("render", "draw a project's diagram to PNG or SVG without opening a window")
def _render_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a project file (.archx.json)")
    parser.add_argument("-o", "--output", required=True, help="diagram.png or diagram.svg")
    parser.set_defaults(run=_run_render)


def _run_render(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from explorer.app import render_to_file
    from explorer.graph import ProjectFileError

    if not args.output.lower().endswith((".png", ".svg")):
        return _fail(f"cannot render to {args.output!r}: use a .png or .svg file name.",
                     EXIT_BAD_INPUT)
    try:
        render_to_file(args.file, args.output)
    except ProjectFileError as error:
        return _fail(f"cannot read {error}", EXIT_BAD_INPUT)
    except OSError as error:
        return _fail(f"cannot write {args.output}: {error.strerror or error}", EXIT_FAILED)
    print(f"Wrote {args.output}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="explorer",
        description="Architecture Explorer: build networks visually, train them, export "
        "PyTorch. With no command (or just a project file) it opens the editor.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, (help_text, add_arguments) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text[0].upper()
                                     + help_text[1:] + "."))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (len(argv) == 1 and argv[0] not in COMMANDS and not argv[0].startswith("-")):
        from explorer.app import run_app

        return run_app(argv[0] if argv else None)
    args = build_parser().parse_args(argv)
    if not hasattr(args, "run"):
        build_parser().print_help()
        return EXIT_BAD_INPUT
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return _fail("interrupted.", EXIT_FAILED)


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
