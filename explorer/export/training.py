"""A project as a folder that trains on its own: model.py, train.py and data.safetensors.

train.py runs unchanged as ``python train.py`` and under torchrun, on one machine or
several, from any folder (it finds its data beside itself); it validates, checkpoints
and resumes bit for bit (docs/training.md, "The exported training script"). The data
file holds the exact training and validation arrays the app trains on (generated sets
and the user's own files alike), so the script never downloads anything and sees the
same examples in the same split. The template is standalone/train.py: plain code with
the settings block and the app's schedule function written in at export.
"""

from __future__ import annotations

import inspect
import os
import pprint
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import torch

from explorer.graph import Project, check_graph
from explorer.graph.atomic import replacing, write_text_atomically
from explorer.train.data import Dataset, DatasetError, check_against, load_dataset
from explorer.train.optim import lr_factor
from explorer.train.plan import validation_interval

from .errors import ExportError
from .formatting import format_python
from .python_code import network_source

SETTINGS_START = "# --- settings: written at export, edit freely ---"
SETTINGS_END = "# --- end of settings ---"
SCRIPT_SETTINGS = ("optimizer", "lr", "momentum", "weight_decay", "schedule", "decay_every",
                   "gamma", "warmup_steps", "batch_size", "steps", "grad_clip", "seed",
                   "log_every")


def _with_docstring(function: Callable[..., object], docstring: str) -> str:
    """A function's source with a shorter docstring: train.py stays short."""
    text = inspect.getsource(function).rstrip()
    start = text.index('"""')
    end = text.index('"""', start + 3) + 3
    return text[:start] + f'"""{docstring}"""' + text[end:]


# Lines of the template that name the app's code, and what the exported script has instead:
# the schedule is the app's own function, so the script and the app cannot disagree.
WRITTEN_IN = {
    "import math  # noqa: F401 (lr_factor uses it once the export has written it in)":
        "import math",
    "from explorer.train.optim import lr_factor  # the export writes the function itself here":
        _with_docstring(lr_factor, "The learning rate at step ``step`` (1 = the first) as a "
                                   "share of the base rate."),
}


@dataclass(frozen=True)
class TrainingExport:
    model: Path
    script: Path
    data: Path


def export_training(project: Project, folder: str | os.PathLike, *,
                    model_name: str = "model.py") -> TrainingExport:
    """Write model.py, train.py and data.safetensors, each whole (or not at all)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    settings = project.training
    try:
        dataset = load_dataset(settings.dataset, settings.dataset_options, seed=settings.seed,
                               val_fraction=settings.val_fraction)
    except DatasetError as error:
        raise ExportError(f"cannot make the training data: {error}") from None
    problems = check_against(dataset, check_graph(project.graph))
    if problems:
        raise ExportError("the network does not fit its dataset: " + " ".join(problems))
    model = folder / model_name
    write_text_atomically(model, network_source(project).text)
    script = folder / "train.py"
    write_text_atomically(script, training_script(project, module=Path(model_name).stem))
    data = folder / "data.safetensors"
    _save_dataset(dataset, data)
    return TrainingExport(model, script, data)


def training_script(project: Project, module: str = "model") -> str:
    """The text of train.py with the project's settings written in."""
    template = resources.files("explorer.export.standalone").joinpath("train.py").read_text()
    head, rest = template.split(SETTINGS_START)
    _, tail = rest.split(SETTINGS_END)
    training = project.training
    values = {"output_kind": _output_kind(project), **{k: getattr(training, k)
                                                         for k in SCRIPT_SETTINGS}}
    if training.epochs:
        values["steps"] = _steps_for_epochs(project)
    values["val_every"] = validation_interval(values["steps"], training.log_every)  # as the app
    block = f"{SETTINGS_START}\nSETTINGS = {pprint.pformat(values, sort_dicts=False)}\n"
    text = _written_in(head + block + SETTINGS_END + tail)
    if module != "model":
        text = text.replace("from model import", f"from {module} import")
    return format_python(text)


def _written_in(text: str) -> str:
    """The template with the app's functions written in, so train.py needs only torch."""
    for line, replacement in WRITTEN_IN.items():
        if line not in text:
            raise AssertionError(f"the train.py template lost the line {line!r}")
        text = text.replace(line, replacement)
    return text


def _output_kind(project: Project) -> str:
    result = check_graph(project.graph)
    if result.output_id is None:
        raise ExportError("the network has no output head to train.")
    return project.graph.node(result.output_id).kind


def _steps_for_epochs(project: Project) -> int:
    settings = project.training
    dataset = load_dataset(settings.dataset, settings.dataset_options, seed=settings.seed,
                           val_fraction=settings.val_fraction)
    per_epoch = max(1, len(dataset.x_train) // settings.batch_size)
    return per_epoch * settings.epochs


def _save_dataset(dataset: Dataset, path: Path) -> None:
    from safetensors.torch import save_file

    arrays = {"x_train": dataset.x_train, "y_train": dataset.y_train,
              "x_val": dataset.x_val, "y_val": dataset.y_val}
    with replacing(path) as temporary:
        save_file({k: torch.from_numpy(v).contiguous() for k, v in arrays.items()},
                  str(temporary), metadata={"dataset": dataset.name})
