"""Import to files: the project and, beside it, its weights (what ``main.py import`` does).

The project is written as ``net.archx.json`` and the weights as
``net.safetensors`` under the compiled network's keys, so
``main.py export net.archx.json --weights net.safetensors`` and the editor
take them as they are. Every problem is an ImportFailure in plain words.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from explorer.graph.project import SUFFIX, save

from .errors import ImportFailure
from .result import Imported


@dataclass(frozen=True)
class Written:
    project: Path
    weights: Path
    notes: list[str] = field(default_factory=list)


def run_import(target: str, input_shape: str | None) -> Imported:
    """Import a PyTorch target (``PATH.py:Name``, ``package.module:factory``) or an .onnx file."""
    if target.lower().endswith(".onnx"):
        from .onnx_import import import_onnx

        return import_onnx(target)
    if not input_shape:
        raise ImportFailure("--input is needed to trace a PyTorch module.",
                            "Give the shape of one example, e.g. --input 3x224x224.")
    from .torch_import import import_torch

    try:
        return import_torch(target, input_shape)
    except ImportFailure:
        raise
    except Exception as error:  # the user's module may fail in any way while it runs
        text = " ".join(str(error).split())[:300]
        raise ImportFailure(f"importing {target} failed: {type(error).__name__}: {text}") from None


def weights_path(project_path: str | os.PathLike) -> Path:
    """``net.archx.json`` -> ``net.safetensors``, in the same folder."""
    path = Path(project_path)
    stem = path.name[:-len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem
    return path.with_name(stem + ".safetensors")


def import_to_files(target: str, input_shape: str | None,
                    output: str | os.PathLike) -> Written:
    """Import ``target`` and write the project to ``output`` and its weights beside it."""
    out = Path(output)
    if out.is_dir():
        raise ImportFailure(f"{out} is a folder; give the name of the project file to write.")
    if not out.parent.is_dir():
        raise ImportFailure(f"the folder {out.parent} does not exist; create it first.")
    imported = run_import(target, input_shape)
    weights = weights_path(out)
    save_weights(imported, weights)
    save(imported.project, out)
    return Written(out, weights, list(imported.notes))


def save_weights(imported: Imported, path: Path) -> None:
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous() for k, v in imported.state_dict.items()}
    save_file(state, str(path))
