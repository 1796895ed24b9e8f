"""An ONNX file (opset 13 or later) becomes an editable project with the file's weights.

The file is read node by node in its (topological) order: each ONNX node is
handed to its converter (``onnx_ops``, ``onnx_patterns``), which adds layers
of our node kinds. Nodes that cannot be expressed are collected, not stopped
at, so the one error names every unsupported operation and where it is. The
layers that feed the output become the graph, laid out left to right, and
the initializers become a state_dict under the compiled network's keys.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.compiler import BuildError, build_model
from explorer.graph import ArchitectureGraph, Project
from explorer.graph.layout import layered_positions

from .errors import ImportFailure
from .onnx_ops import OnnxNode
from .onnx_patterns import CONVERTERS
from .onnx_values import Builder, Const, Tensor, Unsupported, Value
from .result import Imported

if TYPE_CHECKING:
    import onnx
    import torch

MIN_OPSET = 13
MAX_FILE_BYTES = 2 * 1024**3  # protobuf cannot hold more in one file
HEADS = {"classification": "ClassificationOutput", "regression": "RegressionOutput",
         "segmentation": "SegmentationOutput"}
_DEFAULT_DOMAINS = ("", "ai.onnx")
SHOWN_NAMES = 20  # node names listed per unsupported operation before "and N more"


def import_onnx(path: str | os.PathLike, *, head: str = "auto") -> Imported:
    """Read ``path``; ImportFailure (naming every unsupported node) if it cannot be expressed.

    ``head`` picks the output node: "classification" (softmax + cross-entropy,
    so a final Softmax is left out), "regression" or "segmentation"; "auto"
    picks from a final Softmax, else from the output's shape (a note says so).
    """
    if head not in (*HEADS, "auto"):
        raise ImportFailure(f"unknown head {head!r}.",
                            f"Choose one of {', '.join(HEADS)} or auto.")
    path = Path(path)
    model = _load(path)
    builder = Builder()
    builder.head = head
    output = _convert(model, builder, path.name)
    _add_head(builder.head if builder.head != "auto" else _guess_head(output, builder), output,
              builder)
    project, ids = _project(builder, path)
    state_dict, weight_map = _weights(project, builder, ids)
    project.weight_map.update(weight_map)
    return Imported(project, state_dict, builder.notes)


def _load(path: Path) -> onnx.ModelProto:
    try:
        import onnx
    except ImportError:
        raise ImportFailure("reading ONNX files needs the onnx package.",
                            "Install it: pip install onnx onnxruntime") from None
    if path.is_dir():
        raise ImportFailure(f"{str(path)!r} is a folder, not an ONNX file.")
    if not path.is_file():
        raise ImportFailure(f"there is no file {str(path)!r}.", "Check the path.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFailure(f"{path.name} is larger than an ONNX file can be (2 GB).")
    try:
        model = onnx.load(str(path))
    except Exception:  # protobuf raises DecodeError, but also others on garbage
        raise ImportFailure(f"{path.name} is not an ONNX model (it could not be read as one).",
                            "Export the model with torch.onnx.export or another ONNX "
                            "exporter.") from None
    if not model.graph.node:
        raise ImportFailure(f"{path.name} holds no ONNX graph (no nodes).",
                            "Check that this is the exported model file.")
    opset = next((o.version for o in model.opset_import if o.domain in _DEFAULT_DOMAINS), 0)
    if opset < MIN_OPSET:
        raise ImportFailure(f"{path.name} uses ONNX opset {opset}; opset {MIN_OPSET} or later "
                            "is needed.", "Export it again with opset_version=17 (or convert "
                            "it with onnx.version_converter).")
    return model


def _convert(model: onnx.ModelProto, b: Builder, filename: str) -> Tensor:
    from onnx import helper, numpy_helper

    graph = model.graph
    values: dict[str, Value] = {t.name: Const(numpy_helper.to_array(t), t.name)
                                for t in graph.initializer}
    _add_input(graph, values, b)
    if len(graph.output) != 1:
        raise ImportFailure(f"{filename} has {len(graph.output)} outputs; a network here has "
                            "one.", "Export a model with a single output.")
    final = graph.output[0].name
    readers = Counter(name for node in graph.node for name in node.input)
    readers[final] += 1
    failures: list[tuple[str, str, str]] = []
    broken: set[str] = set()
    for i, proto in enumerate(graph.node):
        name = proto.name or f"{proto.op_type} #{i + 1}"
        converter = CONVERTERS.get(proto.op_type) if proto.domain in _DEFAULT_DOMAINS else None
        if converter is not None and any(n in broken for n in proto.input):
            broken.update(proto.output)  # an input already refused: said once, where it starts
            continue
        try:
            if converter is None:
                raise Unsupported("no node kind does this")
            node = OnnxNode(proto.op_type, name, [values.get(n) if n else None
                                                  for n in proto.input],
                            {a.name: helper.get_attribute_value(a) for a in proto.attribute},
                            [readers[n] == 1 for n in proto.input], final in proto.output)
            outputs = converter(node, b)
        except Unsupported as error:
            failures.append((proto.op_type, name, str(error)))
            broken.update(proto.output)
            continue
        except (ValueError, TypeError, IndexError, KeyError, ArithmeticError) as error:
            # A malformed node (a missing attribute, a weight of the wrong rank...).
            failures.append((proto.op_type, name, f"it could not be read ({error})"))
            broken.update(proto.output)
            continue
        values.update(zip(proto.output, outputs, strict=False))
    if failures:
        raise ImportFailure(_failure_text(filename, failures),
                            "Replace those operations in the original model (or leave them "
                            "out), export it again, and import that file.")
    result = values.get(final)
    if not isinstance(result, Tensor) or result.pooled:
        raise ImportFailure(f"{filename}'s output is not a layer's output this program can "
                            "express (it is a fixed tensor, a shape, or a (C, 1, 1) pool).")
    return result


def _add_input(graph: onnx.GraphProto, values: dict[str, Value], b: Builder) -> None:
    """The one graph input becomes a Features, Image or Token input from its shape."""
    inputs = [i for i in graph.input if i.name not in values]
    if len(inputs) != 1:
        raise ImportFailure(f"the model has {len(inputs)} inputs; a network here has one.",
                            "Export a model that takes a single tensor.")
    tensor_type = inputs[0].type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor_type.shape.dim]
    shape = dims[1:]
    if any(d is None or d < 1 for d in shape):
        raise ImportFailure(f"the input {inputs[0].name!r} has shape "
                            f"{tuple('?' if d is None else d for d in dims)}; every size but "
                            "the batch must be fixed.", "Export with a fixed example size.")
    if dims and dims[0] not in (None, 0, 1):
        b.notes.append(f"The file fixed the batch size at {dims[0]}; the network takes any.")
    integer = tensor_type.elem_type in (6, 7)  # INT32, INT64
    kinds: dict[tuple[bool, int], tuple[str, dict[str, Any]]] = {
        (False, 1): ("VectorInput", {"features": shape[0] if shape else 0}),
        (False, 3): ("ImageInput", dict(zip(("channels", "height", "width"), shape,
                                             strict=False))),
        (True, 1): ("TokenInput", {"length": shape[0] if shape else 0, "vocab": 2}),
    }
    choice = kinds.get((integer, len(shape)))
    if choice is None:
        raise ImportFailure(
            f"the input {inputs[0].name!r} has shape {tuple(dims)}; supported are (batch, "
            "features), (batch, channels, height, width) of numbers, or (batch, length) of "
            "token ids.")
    try:
        values[inputs[0].name] = b.add(choice[0], choice[1], [], inputs[0].name)
    except Unsupported as error:
        raise ImportFailure(f"the input {inputs[0].name!r} {error}.") from None


def _guess_head(output: Tensor, b: Builder) -> str:
    """Scores for two or more classes (or per-pixel classes) suggest a classifier."""
    spec = output.spec
    if spec.layout == "image":
        head = "segmentation" if spec.shape[0] >= 2 else "regression"
    else:
        head = "classification" if spec.rank in (1, 2) and spec.shape[-1] >= 2 else "regression"
    if head != "classification":
        b.notes.append(f"The output ({' × '.join(map(str, spec.shape))} per example) got a "
                       f"{head} head; import with head='classification' or another to choose.")
    return head


def _add_head(head: str, output: Tensor, b: Builder) -> None:
    try:
        b.add(HEADS[head], {}, [output], "")
    except Unsupported as error:
        other = "regression" if head == "classification" else "classification"
        raise ImportFailure(f"the network's output does not suit a {head} head: {error}.",
                            f"Import it with head={other!r}.") from None


def _failure_text(filename: str, failures: list[tuple[str, str, str]]) -> str:
    """Every unsupported operation, grouped by type and reason, with its node names."""
    groups: dict[tuple[str, str], list[str]] = {}
    for op, name, reason in failures:
        groups.setdefault((op, reason), []).append(name)
    lines = []
    for (op, reason), names in groups.items():
        shown = ", ".join(repr(n) for n in names[:SHOWN_NAMES]) + (
            f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else "")
        lines.append(f"  {op} at node{'s' if len(names) > 1 else ''} {shown}: {reason}")
    ops = sorted({op for op, _, _ in failures})
    return (f"{filename} cannot be imported: {len(failures)} node(s) use what no node kind "
            f"here expresses ({', '.join(ops)}):\n" + "\n".join(lines))


def _project(b: Builder, path: Path) -> tuple[Project, dict[str, str]]:
    """The layers that feed the output, as a graph; returns it and layer key -> node id."""
    output = list(b.layers)[-1]
    keep, stack = {output}, [output]
    while stack:
        for src in b.layers[stack.pop()].inputs:
            if src not in keep:
                keep.add(src)
                stack.append(src)
    graph = ArchitectureGraph()
    ids: dict[str, str] = {}
    with graph.batch():
        for key, layer in b.layers.items():
            if key not in keep:
                continue
            ids[key] = graph.add_node(layer.kind, layer.params, label=layer.origin[:200])
            ports = graph.input_ports(ids[key])
            for port, src in zip(ports, layer.inputs, strict=True):
                graph.connect(ids[src], ids[key], port)
        for node_id, (x, y) in layered_positions(graph).items():
            graph.move(node_id, x, y)
    project = Project(graph, name=path.stem[:200],
                      description=f"Imported from {path.name}."[:2000])
    return project, ids


def _weights(project: Project, b: Builder,
             ids: dict[str, str]) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The initializers under the compiled network's keys, checked against its shapes."""
    import torch

    try:
        network = build_model(project.graph)
    except BuildError as error:
        raise ImportFailure(f"the imported network cannot be built: {error}") from None
    expected = network.state_dict()
    state: dict[str, torch.Tensor] = {}
    origin: dict[str, str] = {}
    for key, node_id in ids.items():
        if not b.layers[key].weights:
            continue
        name = network.node_names[node_id]
        for weight, (array, source) in b.layers[key].weights.items():
            target = f"{name}.{weight}"
            if target not in expected or tuple(expected[target].shape) != array.shape:
                raise ImportFailure(f"{b.layers[key].origin}: its {weight} of shape "
                                    f"{array.shape} does not fit the {b.layers[key].kind} "
                                    "made from it.")
            state[target] = torch.from_numpy(np.array(array)).to(expected[target].dtype)
            if source:
                origin[target] = source
    missing = sorted(set(expected) - set(state))
    if missing:
        raise ImportFailure(f"no weights in the file for {', '.join(missing[:5])}.")
    return state, origin
