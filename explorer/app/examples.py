"""The example networks the app offers: the recipes, project files in assets/examples, and
the classroom's demonstrations (by title)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from explorer.graph import Project, ProjectFileError, recipes
from explorer.graph.demos import DEMOS
from explorer.graph.examples import example_paths, load_example
from explorer.graph.project import SUFFIX, load
from explorer.graph.zoo import PUBLISHED_PARAMETERS, ZOO


@dataclass(frozen=True)
class Example:
    """One entry of the gallery; ``load()`` makes a fresh project each time."""

    key: str
    title: str
    description: str
    load: Callable[[], Project]
    path: Path | None = None


# Recipes shown in the gallery, in teaching order: (key, factory).
RECIPE_EXAMPLES: tuple[tuple[str, Callable[[], Project]], ...] = (
    ("residual_mlp", recipes.residual_mlp),
    ("mlp", recipes.mlp),
    ("highway_mlp", lambda: recipes.highway_mlp(blocks=6)),
    ("resnet_cifar", recipes.resnet_cifar),
    ("densenet", recipes.densenet),
    ("transformer_classifier", recipes.transformer_classifier),
    ("unet", recipes.unet),
    ("mbconv_net", recipes.mbconv_net),
)

DEFAULT_EXAMPLE = "residual_mlp"


def default_project() -> Project:
    """What a new window shows: a small residual MLP for the spirals data.

    The shipped example file when there is one (it carries its training
    settings), else the same network from its recipe.
    """
    try:
        return load_example()
    except ProjectFileError:
        return recipes.residual_mlp()


def _file_example(path: Path) -> Example:
    title, description = path.name.removesuffix(SUFFIX).replace("_", " ").capitalize(), ""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        title = doc.get("name") or title
        description = doc.get("description", "")
    except (OSError, ValueError, AttributeError):
        description = "(this file could not be read)"
    return Example(f"file:{path.name}", str(title), str(description),
                   lambda: load(path), path)


def list_examples() -> list[Example]:
    """The shipped example files; the built-in recipes where no files are installed."""
    examples = [_file_example(p) for p in example_paths()]
    if examples:
        return examples
    for key, factory in RECIPE_EXAMPLES:
        project = factory()
        examples.append(Example(key, project.name, project.description, factory))
    return examples


def zoo_examples() -> list[Example]:
    """The model zoo: published networks, each with its published parameter count first."""
    examples = []
    for key, factory in ZOO.items():
        project = factory()
        description = f"{PUBLISHED_PARAMETERS[key]:,} parameters. {project.description}"
        examples.append(Example(f"zoo:{key}", project.name, description, factory))
    return examples


def demo_titles() -> list[tuple[str, str, str]]:
    """(name, title, summary) of every demonstration, in teaching order."""
    made = [make() for make in DEMOS.values()]
    return [(d.name, d.title, d.summary) for d in made]
