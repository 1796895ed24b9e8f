"""How a compiled weight is made from the original module's, written as a line of text.

``project.weight_map`` maps each compiled state_dict key to a recipe. Most
weights are simply copied, and their recipe is the original's key alone; an
imported block that stores a weight differently says how it was made:

    layer1.0.conv1.weight                       copied
    t(h.0.attn.c_attn.weight)                   transposed (Hugging Face's Conv1D)
    cat(attn.q.weight, attn.k.weight, ...)      stacked along the first axis
    cat(t(a.weight), t(b.weight))               each transposed, then stacked

Text is a recipe only when it starts with ``t(`` or ``cat(``; anything else
is a key copied as it is (an ONNX initializer may have parentheses in its
name). Inside a recipe a key holds no parentheses, commas or spaces.

The text stays a plain string, so the project file keeps a JSON string ->
string map and files written before recipes existed read the same. This
module only reads and writes the text (no tensors here: the graph layer
imports no torch); ``explorer.export.original_weights`` does the tensor work
in both directions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KEY = re.compile(r"[^(),\s]+")
_TRANSPOSED = re.compile(r"t\(\s*([^(),\s]+)\s*\)")


class RecipeError(ValueError):
    """A weight map entry that is not a recipe; the message says what is wrong with it."""


@dataclass(frozen=True)
class Part:
    """One of the original's tensors, ``transposed`` before it is used."""

    key: str
    transposed: bool = False

    def __str__(self) -> str:
        return f"t({self.key})" if self.transposed else self.key


@dataclass(frozen=True)
class Recipe:
    """A compiled weight made from ``parts``: each transposed where it says so, then stacked
    along the first axis (a single part is used as it is)."""

    parts: tuple[Part, ...]

    def __post_init__(self) -> None:
        if not self.parts:
            raise RecipeError("a recipe needs at least one of the original's keys.")
        if not self.copied and not all(_KEY.fullmatch(part.key) for part in self.parts):
            raise RecipeError(f"{', '.join(map(repr, self.keys))}: a key in t(...) or cat(...) "
                              "cannot hold parentheses, commas or spaces.")

    @classmethod
    def of(cls, keys: tuple[str, ...] | list[str], transpose: bool = False) -> Recipe:
        """The recipe for ``keys``, all transposed or none (as the importer's blocks take them)."""
        return cls(tuple(Part(key, transpose) for key in keys))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(part.key for part in self.parts)

    @property
    def copied(self) -> bool:
        """Whether the weight is the original's tensor as it is (up to axes of size 1)."""
        return len(self.parts) == 1 and not self.parts[0].transposed

    def __str__(self) -> str:
        if len(self.parts) == 1:
            return str(self.parts[0])
        return f"cat({', '.join(str(part) for part in self.parts)})"


def parse_recipe(text: str) -> Recipe:
    """The recipe ``text`` writes; raises RecipeError saying what is wrong.

    Text that does not start with ``t(`` or ``cat(`` is a key copied as it is,
    so every map written before recipes existed still reads as it did.
    """
    stripped = text.strip()
    if stripped.startswith("cat("):
        if not stripped.endswith(")"):
            raise RecipeError(f"{text!r} is not closed; write cat(key, key, ...).")
        items = stripped[len("cat("):-1].split(",")
        if len(items) < 2:
            raise RecipeError(f"{text!r} stacks a single tensor; write cat(a, b, ...) with two "
                              "or more keys, or the key alone to copy it.")
        return Recipe(tuple(_part(item, text) for item in items))
    if stripped.startswith("t("):
        return Recipe((_part(stripped, text),))
    if not stripped:
        raise RecipeError("the recipe is empty; write the original's key.")
    return Recipe((Part(text),))


def _part(item: str, text: str) -> Part:
    item = item.strip()
    transposed = _TRANSPOSED.fullmatch(item)
    if transposed:
        return Part(transposed.group(1), True)
    if _KEY.fullmatch(item):
        return Part(item)
    raise RecipeError(f"{text!r} is not a recipe: {item!r} should be a key or t(key). "
                      "Write key, t(key), or cat(key, t(key), ...).")
