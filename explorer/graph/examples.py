"""The example projects that ship in assets/examples, in the order the gallery shows them."""

from __future__ import annotations

from pathlib import Path

from .check import check_graph
from .project import SUFFIX, Project, load
from .specs import format_count

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "assets" / "examples"
DEFAULT_EXAMPLE = "residual_mlp_spirals"

# Gallery order: the classroom default first, then from small to large.
ORDER = (
    "residual_mlp_spirals",
    "mlp_moons",
    "plain_mlp_deep",
    "highway_mlp_deep",
    "resnet20_shapes",
    "densenet_shapes",
    "transformer_parity",
    "unet_shape_masks",
    "mbconv_shapes",
)


def example_paths() -> list[Path]:
    """Every example file: the known ones in gallery order, then any others by name."""
    found = {example_name(p): p for p in EXAMPLES_DIR.glob(f"*{SUFFIX}")}
    known = [found.pop(name) for name in ORDER if name in found]
    return known + [found[name] for name in sorted(found)]


def example_path(name: str) -> Path:
    return EXAMPLES_DIR / f"{name}{SUFFIX}"


def load_example(name: str = DEFAULT_EXAMPLE) -> Project:
    return load(example_path(name))


def example_name(path: Path) -> str:
    """``residual_mlp_spirals`` for ``.../residual_mlp_spirals.archx.json``."""
    return path.name.removesuffix(SUFFIX)


def examples_markdown() -> str:
    """docs/examples.md: every example with its picture (``screenshots/example_<name>.png``)."""
    lines = ["# Examples", "",
             "The example projects in `assets/examples`, as the editor shows them (File → "
             "Examples…, Ctrl+Shift+E). Each opens ready to train on the dataset named. This page "
             "is written from the files (`python scripts/make_docs.py`); the pictures are made "
             "by `python -m explorer.app.screenshots docs/screenshots`.", ""]
    for path in example_paths():
        example, name = load(path), example_name(path)
        parameters = format_count(check_graph(example.graph).total_params)
        lines += [f"## {example.name}", "", example.description, "",
                  f"`assets/examples/{path.name}` · {parameters} parameters · dataset "
                  f"`{example.training.dataset}`", "",
                  f"![{example.name}](screenshots/example_{name}.png)", ""]
    return "\n".join(lines)
