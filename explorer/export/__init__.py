"""Export a project: standalone PyTorch source, a training script that scales out with
torchrun, ONNX, and weights.

    text = network_source(project).text           # model.py as a string
    export_python(project, "model.py", weights="runs/x/model.safetensors")
    export_training(project, "out/")              # model.py, train.py, data.safetensors
    report = export_onnx(project, "model.onnx")   # checked against onnxruntime
"""

from __future__ import annotations

import os
import shutil

from explorer.graph import Project
from explorer.graph.atomic import replacing, write_text_atomically

from .errors import CannotStart, ExportError, require_folder, require_weights
from .onnx_export import OnnxReport, export_onnx
from .python_code import ExportedCode, network_source
from .training import TrainingExport, export_training, training_script


def export_python(project: Project, path: str | os.PathLike, *,
                  weights: str | os.PathLike | None = None) -> ExportedCode:
    """Write the standalone model file; with ``weights``, check they fit and copy them beside it.

    The weights land next to the code as ``<name>.safetensors`` and load with
    ``model.load_state_dict(load_tensors(...))``: the same keys, unchanged.
    Both files are written whole (a temporary file, then a rename).
    """
    path = require_folder(path)
    require_weights(weights)
    exported = network_source(project)
    if weights is not None:
        from explorer.compiler import build_model

        from .weights import load_weights

        load_weights(build_model(project.graph), weights)  # refuses weights that do not fit
    write_text_atomically(path, exported.text)
    if weights is not None:
        target = path.with_suffix(".safetensors")
        if not target.exists() or not os.path.samefile(weights, target):
            with replacing(target) as temporary:
                shutil.copyfile(weights, temporary)
    return exported


__all__ = [
    "CannotStart",
    "ExportError",
    "ExportedCode",
    "OnnxReport",
    "TrainingExport",
    "export_onnx",
    "export_python",
    "export_training",
    "network_source",
    "training_script",
]
