"""Does a network fit a dataset? Plain-words problems, each saying what to change.

Compares a checked graph (``explorer.graph.CheckResult``) with a loaded
``Dataset``: the input node against the shape of one example, the output
head against the task, and the head's scores against the classes, tokens
or pixels to predict. Problems the graph checker already reports (no input,
two outputs, a broken wire) are left to it.
"""

from __future__ import annotations

from typing import Any

from explorer.graph import CheckResult, TensorSpec, format_shape, get_kind

from .dataset import Dataset, describe_examples

HEAD_FOR_TASK = {
    "classification": "ClassificationOutput",
    "regression": "RegressionOutput",
    "segmentation": "SegmentationOutput",
}


def input_node_for(dataset: Dataset) -> tuple[str, dict[str, Any]]:
    """The input node kind and parameters that feed this dataset's examples as they are."""
    spec = dataset.input_spec
    if spec.dtype == "long":
        return "TokenInput", {"length": spec.shape[0], "vocab": spec.vocab or 2}
    if spec.rank == 3:
        channels, height, width = spec.shape
        return "ImageInput", {"channels": channels, "height": height, "width": width}
    return "VectorInput", {"features": spec.numel}


def check_against(dataset: Dataset, check_result: CheckResult) -> list[str]:
    """Every way the network and the dataset do not fit together; empty when they do.

    When the input is wrong, output sizes that follow from it (tokens per
    sequence, score-map size) are not reported again: fixing the input
    fixes them.
    """
    problems = _input_problems(dataset, check_result)
    return problems + _output_problems(dataset, check_result, input_ok=not problems)


def _title(kind: str) -> str:
    return get_kind(kind).title


def _a(kind: str) -> str:
    """The kind's title after "a" or "an": "an Image input", "a Features input"."""
    title = _title(kind)
    return ("an " if title[0].lower() in "aeiou" else "a ") + title


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _listing(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _settings(changes: dict[str, Any], joiner: str = " to ") -> str:
    """``{"height": 8, "width": 8}`` -> "height to 8 and width to 8"."""
    return _listing([f"{name}{joiner}{value}" for name, value in changes.items()])


def _input_problems(dataset: Dataset, result: CheckResult) -> list[str]:
    node = result.input_id
    spec = result.spec(node) if node is not None else None
    if node is None or spec is None or node not in result.kinds:
        return []
    kind, name = result.kinds[node], dataset.name
    want_kind, want = input_node_for(dataset)
    if kind != want_kind:
        other_layout = (" (or set the dataset's layout option to 'vector')"
                        if dataset.options.get("layout") == "image" else "")
        return [f"{name} gives {describe_examples(dataset.input_spec)}, but the network starts "
                f"with {_a(kind)}: use {_a(want_kind)} instead, with "
                f"{_settings(want, ' ')}{other_layout}."]
    data = dataset.input_spec
    if kind == "VectorInput" and spec.shape != data.shape:
        return [f"The {_title(kind)} takes {_count(spec.shape[0], 'number')}, but {name} gives "
                f"{data.numel}: set features to {data.numel}."]
    if kind == "ImageInput" and spec.shape != data.shape:
        have = dict(zip(("channels", "height", "width"), spec.shape, strict=True))
        changes = {k: v for k, v in want.items() if have[k] != v}
        return [f"The {_title(kind)} takes {format_shape(spec.shape)} images, but {name} gives "
                f"{format_shape(data.shape)}: set {_settings(changes)}."]
    problems = []
    if kind == "TokenInput":
        if spec.shape != data.shape:
            problems.append(f"The {_title(kind)} takes {_count(spec.shape[0], 'token')}, but "
                            f"{name} gives {data.shape[0]}: set length to {data.shape[0]}.")
        if (spec.vocab or 0) < (data.vocab or 0):
            problems.append(f"The {_title(kind)} knows {spec.vocab} token ids, but {name} uses "
                            f"{data.vocab}: set vocab to {data.vocab}.")
    return problems


def _output_problems(dataset: Dataset, result: CheckResult, *, input_ok: bool) -> list[str]:
    node = result.output_id
    if node is None or node not in result.kinds:
        return []
    kind, want_kind = result.kinds[node], HEAD_FOR_TASK[dataset.task]
    if kind != want_kind:
        return [f"{dataset.name} is a {dataset.task} task ({_what(dataset)}), but the network "
                f"ends in {_a(kind)}: use {_a(want_kind)} instead."]
    spec = result.spec(node)
    if spec is None:
        return []  # something upstream is broken; the graph checker says what
    if dataset.task == "regression":
        return _regression(dataset, spec)
    if dataset.task == "segmentation":
        return _segmentation(dataset, spec, input_ok)
    if dataset.per_token:
        return _per_token(dataset, spec, input_ok)
    return _per_example(dataset, spec)


def _what(dataset: Dataset) -> str:
    if dataset.task == "regression":
        return _count(_targets(dataset), "number") + " to predict"
    if dataset.task == "segmentation":
        return f"{dataset.classes} pixel classes"
    return f"{dataset.classes} classes" + (" per token" if dataset.per_token else "")


def _targets(dataset: Dataset) -> int:
    return dataset.target_shape[0]


_LAST_LINEAR = "set the last Linear layer's out_features to {}"


def _per_example(dataset: Dataset, spec: TensorSpec) -> list[str]:
    if spec.rank == 2:
        example = "sequence" if dataset.input_spec.dtype == "long" else "example"
        return [f"{dataset.name} needs one class per {example}, but the Classification output "
                f"receives scores for every token ({format_shape(spec.shape)}): add a "
                "GlobalAvgPool before the last Linear layer."]
    if spec.rank == 1 and spec.shape[0] != dataset.classes:
        return [f"The Classification output receives {spec.shape[0]} class scores, but "
                f"{dataset.name} has {dataset.classes} classes: "
                + _LAST_LINEAR.format(dataset.classes) + "."]
    return []


def _per_token(dataset: Dataset, spec: TensorSpec, input_ok: bool) -> list[str]:
    tokens, name = dataset.target_shape[0], dataset.name
    if spec.rank == 1:
        return [f"{name} needs a class for every token ({tokens}×{dataset.classes} scores), but "
                f"the Classification output receives one set of {spec.shape[0]} scores per "
                "sequence: remove the pooling before the last Linear layer."]
    problems = []
    if spec.rank == 2 and spec.shape[0] != tokens and input_ok:
        problems.append(f"The Classification output receives scores for {spec.shape[0]} "
                        f"tokens, but {name} has {tokens} per sequence: keep one row of scores "
                        "per input token.")
    if spec.rank == 2 and spec.shape[1] != dataset.classes:
        problems.append(f"The Classification output receives {spec.shape[1]} class scores per "
                        f"token, but {name} has {dataset.classes} classes: "
                        + _LAST_LINEAR.format(dataset.classes) + ".")
    return problems


def _regression(dataset: Dataset, spec: TensorSpec) -> list[str]:
    want = _targets(dataset)
    if spec.shape == (want,):
        return []
    fix = (f"set the last Linear layer's out_features to {want}" if spec.rank == 1
           else f"flatten or pool, then end with a Linear layer of {want} out_features")
    return [f"The Regression output receives {format_shape(spec.shape)} numbers, but "
            f"{dataset.name} has {_count(want, 'number')} to predict per example: {fix}."]


def _segmentation(dataset: Dataset, spec: TensorSpec, input_ok: bool) -> list[str]:
    if spec.layout != "image":
        return []  # the graph checker already says the head needs score maps
    problems = []
    if spec.shape[0] != dataset.classes:
        problems.append(f"The Segmentation output receives {spec.shape[0]} score maps, but "
                        f"{dataset.name} has {dataset.classes} pixel classes: set the last "
                        f"Conv2d's out_channels to {dataset.classes}.")
    if spec.shape[1:] != dataset.target_shape and input_ok:
        problems.append(f"The Segmentation output receives {format_shape(spec.shape[1:])} "
                        f"score maps, but the masks of {dataset.name} are "
                        f"{format_shape(dataset.target_shape)}: the network must give back the "
                        "input's height and width (upsample as often as it downsamples).")
    return problems
