"""The example projects that ship in assets/examples, in the order the gallery shows them."""

from __future__ import annotations

from pathlib import Path

from .project import SUFFIX, Project, load

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
    found = {p.name.removesuffix(SUFFIX): p for p in EXAMPLES_DIR.glob(f"*{SUFFIX}")}
    known = [found.pop(name) for name in ORDER if name in found]
    return known + [found[name] for name in sorted(found)]


def example_path(name: str) -> Path:
    return EXAMPLES_DIR / f"{name}{SUFFIX}"


def load_example(name: str = DEFAULT_EXAMPLE) -> Project:
    return load(example_path(name))
