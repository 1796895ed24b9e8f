"""Weights in the original module's layout, for networks that were imported.

An imported project compiles to a network whose parameters have our names
(``conv_1.weight``); ``project.weight_map`` says what each was called in the
module it came from (``layer1.0.conv1.weight``). These helpers rename in both
directions, so a checkpoint of the original loads into the compiled network
and a trained network saves a checkpoint the original loads.

Where the two layouts hold the same numbers in different shapes (a 1x1
convolution of ours standing for the original's Linear, say) the tensor is
reshaped, but only when the shapes differ by axes of size 1; anything else
is a mismatch reported by name, never silently bent into shape.

A weight an imported block had to make from the original's has a recipe
instead of a name (``explorer.graph.weight_recipes``): ``t(h.0.attn.c_attn.weight)``
for Hugging Face's transposed ``Conv1D``, ``cat(q.weight, k.weight, v.weight)``
for separate query, key and value stacked into one ``in_proj_weight``. Loading
follows the recipe; saving undoes it: transposes back, and splits a stack by
the original's shapes (into equal parts when they are not given, as query,
key and value always are).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from explorer.graph import Project
from explorer.graph.weight_recipes import Recipe, RecipeError, parse_recipe

from .errors import ExportError


def to_original_layout(state: Mapping[str, torch.Tensor], weight_map: Mapping[str, str],
                       shapes: Mapping[str, tuple[int, ...]] | None = None,
                       ) -> dict[str, torch.Tensor]:
    """``state`` (compiled keys) renamed to the original keys; unmapped keys keep their names.

    ``shapes`` (original key -> shape), when given, reshapes each tensor to the
    original's shape where they differ only by axes of size 1, and says where a
    stacked weight splits. A weight made by a recipe is taken apart again.
    """
    out: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        recipe = _recipe(weight_map, key)
        if recipe.copied:
            name = recipe.keys[0]
            out[name] = _fit(tensor, tuple(shapes[name]), name) if shapes is not None \
                and name in shapes else tensor
        else:
            out.update(_taken_apart(tensor, recipe, shapes or {}, key))
    return out


def from_original_layout(model: torch.nn.Module, original: Mapping[str, torch.Tensor],
                         weight_map: Mapping[str, str]) -> dict[str, torch.Tensor]:
    """A state_dict for ``model`` (compiled keys) taken from one in the original layout.

    Raises ExportError naming the keys the checkpoint lacks or whose sizes do not fit.
    """
    expected = model.state_dict()
    recipes = {key: _recipe(weight_map, key) for key in expected}
    missing = [name for recipe in recipes.values() for name in recipe.keys
               if name not in original]
    if missing:
        shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more"
                                          if len(missing) > 4 else "")
        raise ExportError(f"the checkpoint lacks {shown}.",
                          hint="Was it saved from a different version of the original module?")
    return {key: _made(recipes[key], original, tuple(target.shape), key)
            for key, target in expected.items()}


def load_original_weights(model: torch.nn.Module, source: str | os.PathLike
                          | Mapping[str, torch.Tensor], weight_map: Mapping[str, str]) -> None:
    """Load a checkpoint in the original layout (a state_dict, a .safetensors or a .pt file)."""
    original = source if isinstance(source, Mapping) else read_checkpoint(source)
    model.load_state_dict(from_original_layout(model, original, weight_map))


def save_original_weights(model: torch.nn.Module, path: str | os.PathLike,
                          weight_map: Mapping[str, str],
                          shapes: Mapping[str, tuple[int, ...]] | None = None) -> None:
    """Save ``model``'s weights under the original keys as a .safetensors file."""
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(to_original_layout(state, weight_map, shapes), str(path))


def convert_weights(project: Project, source: str | os.PathLike, target: str | os.PathLike,
                    to: str) -> int:
    """Rewrite a weights file between the editor's layout and the original module's.

    ``to="editor"`` reads a checkpoint of the original (torchvision's ``resnet18.pth``,
    say) and writes the compiled network's weights, checked by loading them into it;
    ``to="original"`` reads the editor's weights (a run's ``model.safetensors``) and
    writes them under the original names. Returns the number of tensors written.
    """
    from explorer.compiler import BuildError, build_model

    if not project.weight_map:
        raise ExportError("this project keeps no original names for its weights.",
                          hint="Only imported networks and the model zoo's carry them.")
    try:
        model = build_model(project.graph)
    except BuildError as error:
        raise ExportError(f"the network cannot be built: {error}") from None
    if to == "editor":
        load_original_weights(model, source, project.weight_map)
        state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
        save_file(state, os.fspath(target))
        return len(state)
    if to != "original":
        raise ValueError(f"to must be 'editor' or 'original', not {to!r}")
    try:
        model.load_state_dict(read_checkpoint(source))
    except RuntimeError as error:
        first = str(error).splitlines()[0]
        raise ExportError(f"{os.fspath(source)} does not hold this network's weights "
                          f"({first}).", hint="Give a weights file of this project, such as "
                          "a run's model.safetensors.") from None
    save_original_weights(model, target, project.weight_map)
    return len(model.state_dict())


def read_checkpoint(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Tensors from a .safetensors file, or a .pt/.pth state_dict (read without running code)."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"there is no weights file {os.fspath(path)!r}.")
    try:
        if path.suffix == ".safetensors":
            return load_file(str(path))
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise ExportError(f"{path} is not a readable weights file ({error}).") from None
    if isinstance(loaded, Mapping) and isinstance(loaded.get("state_dict"), Mapping):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, Mapping) or not all(isinstance(v, torch.Tensor)
                                                  for v in loaded.values()):
        raise ExportError(f"{path} does not hold a state_dict (names mapped to tensors).")
    return dict(loaded)


def _fit(tensor: torch.Tensor, shape: tuple[int, ...], name: str) -> torch.Tensor:
    """``tensor`` in ``shape`` when the two differ only by axes of size 1 (a 1x1
    convolution's weight standing for a Linear's); anything else is a mismatch. Equal
    element counts are not enough: a transposed matrix (Hugging Face's Conv1D) has them too,
    and reshaping it would scramble the weights silently."""
    if tuple(tensor.shape) == shape:
        return tensor
    if [n for n in tensor.shape if n != 1] == [n for n in shape if n != 1]:
        return tensor.reshape(shape)
    raise ExportError(f"{name} has shape {tuple(tensor.shape)} but {shape} is needed; "
                      "the sizes differ, so it cannot be reshaped.",
                      hint="Were the weights saved from a different network?")


def _recipe(weight_map: Mapping[str, str], key: str) -> Recipe:
    """How compiled ``key`` is made; a key the map does not hold keeps its name."""
    text = weight_map.get(key)
    if text is None:
        return Recipe.of((key,))
    try:
        return parse_recipe(text)
    except RecipeError as error:
        raise ExportError(f"the weight map's entry for {key} is unreadable: {error}",
                          hint="Import the network again to write a fresh map.") from None


def _made(recipe: Recipe, original: Mapping[str, torch.Tensor], shape: tuple[int, ...],
          key: str) -> torch.Tensor:
    """The compiled tensor ``recipe`` makes from ``original``, in ``shape``."""
    if recipe.copied:
        return _fit(original[recipe.keys[0]], shape, recipe.keys[0])
    parts = [_transposed(original[p.key], p.key) if p.transposed else original[p.key]
             for p in recipe.parts]
    if len(parts) > 1 and (len({tuple(part.shape[1:]) for part in parts}) > 1
                           or any(part.dim() == 0 for part in parts)):
        sizes = ", ".join(f"{p.key} {tuple(t.shape)}" for p, t in zip(recipe.parts, parts,
                                                                      strict=True))
        raise ExportError(f"{key} = {recipe} cannot stack its parts: they differ beyond the "
                          f"first axis ({sizes}).",
                          hint="Were the weights saved from a different network?")
    value = parts[0] if len(parts) == 1 else torch.cat(parts, dim=0)
    return _fit(value, shape, f"{key} = {recipe}")


def _taken_apart(tensor: torch.Tensor, recipe: Recipe, shapes: Mapping[str, tuple[int, ...]],
                 key: str) -> dict[str, torch.Tensor]:
    """The original's tensors ``recipe`` made ``tensor`` from: split, then transposed back."""
    named = f"{key} = {recipe}"
    pieces = [tensor] if len(recipe.parts) == 1 else _split(tensor, recipe, shapes, named)
    out: dict[str, torch.Tensor] = {}
    for part, piece in zip(recipe.parts, pieces, strict=True):
        value = _transposed(piece, named) if part.transposed else piece
        if part.key in shapes:
            value = _fit(value, tuple(shapes[part.key]), part.key)
        out[part.key] = value.clone(memory_format=torch.contiguous_format)  # owns its memory
    return out


def _split(tensor: torch.Tensor, recipe: Recipe, shapes: Mapping[str, tuple[int, ...]],
           named: str) -> list[torch.Tensor]:
    """A stack cut along its first axis where the original's ``shapes`` say (each as it is
    once transposed), or into equal parts when they are not all given."""
    known = [shapes[name] for name in recipe.keys if name in shapes]
    if len(known) < len(recipe.parts):
        count = len(recipe.parts)
        if tensor.dim() == 0 or tensor.shape[0] % count:
            raise ExportError(f"{named} has shape {tuple(tensor.shape)}, which cannot be split "
                              f"evenly into {count} parts.",
                              hint="Give the original's shapes (shapes=...) to split it.")
        return list(torch.split(tensor, tensor.shape[0] // count, dim=0))
    stacked = [tuple(reversed(tuple(s))) if part.transposed else tuple(s)
               for part, s in zip(recipe.parts, known, strict=True)]
    if any(len(s) == 0 for s in stacked) or len({s[1:] for s in stacked}) > 1:
        raise ExportError(f"{named}: the original's shapes ({', '.join(map(str, stacked))}) "
                          "cannot be stacked.",
                          hint="Give the shapes of the module the weights came from.")
    rows = [s[0] for s in stacked]
    return list(torch.split(_fit(tensor, (sum(rows), *stacked[0][1:]), named), rows, dim=0))


def _transposed(tensor: torch.Tensor, name: str) -> torch.Tensor:
    """``tensor.t()``, refused by name for more than two axes (Conv1D's weight has two)."""
    if tensor.dim() > 2:
        raise ExportError(f"{name} has shape {tuple(tensor.shape)}: only a matrix can be "
                          "transposed.", hint="Were the weights saved from a different network?")
    return tensor.t()
