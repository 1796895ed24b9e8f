"""Import a PyTorch module as an editable graph whose compiled network computes the same thing.

    imported = import_torch("models/net.py:Net", "3x32x32")
    model = build_model(imported.project.graph)
    model.load_state_dict(imported.state_dict)      # the original's weights

The module is traced with torch.fx and run once on an example of the given
shape (ShapeProp), so every node knows its shape. Known layers and functions
become nodes of their kinds; a custom submodule whose inside has no kinds
(or that fx cannot trace) is kept whole as an imported ``Module`` node. The
finished network is compared with the original on the example, and the
notes say how closely they agree.
"""

from __future__ import annotations

from collections import Counter

import torch
import torch.fx as fx
import torch.nn as nn
from torch.fx.proxy import TraceError

from explorer.compiler import BuildError, CompiledNetwork, build_model
from explorer.graph import ArchitectureGraph, Project, TensorSpec
from explorer.graph.layout import layered_positions

from .block_weights import take
from .concrete_tracing import first_output, trace_with_values
from .errors import ImportFailure
from .export_tracing import trace_with_export
from .exported_source import ExportedSource, read_exported
from .folding import fold_blocks
from .loading import Loaded, load, parse_input
from .mapping import GraphMapper, Layer, Unmapped
from .own_blocks import own_block, settle_auto
from .recognise import Recognised, recognise_blocks
from .result import Imported
from .tracing import TraceFailure, from_torch, propagate_shapes, stack_line, trace

INPUT_ID = "input"
OUTPUT_ID = "output"
EXAMPLE_BATCH = 2
CONCRETE_NOTE = ("Traced with the example's values at hand: the network checks its input's "
                 "shape or dtype, so the graph is the one for this input shape.")
AGREEMENT = 1e-4  # outputs further apart than this get a warning in the notes


def import_torch(target: str, input_shape: str, *, check: bool = True) -> Imported:
    """Import ``PATH.py:Name`` or ``package.module:factory`` fed with ``input_shape``."""
    spec = parse_input(input_shape)
    loaded = load(target)
    imported = import_module(loaded.module, spec, loaded=loaded, check=check)
    imported.project.name = target.rpartition(":")[2]
    imported.project.description = f"Imported from {target} for input {input_shape}."
    return imported


def import_module(module: nn.Module, spec: TensorSpec, *, loaded: Loaded | None = None,
                  fold: bool = True, check: bool = True) -> Imported:
    """Import a module object already built (``loaded`` holds recorded constructor arguments).

    The module is put in evaluation mode: BatchNorm uses its running statistics
    and dropout is off, so the check against the compiled network is exact.
    ``fold=False`` keeps ResNet blocks as their separate layers. A file this program
    exported comes back as the graph it was exported from (ids, heads, blocks: see
    ``exported_source`` and ``own_blocks``), and is never folded: its blocks are its own.
    ``check=False`` leaves out running both networks on a random input to compare them
    (for a large network whose weights are known to fit: they still must load).
    """
    loaded = loaded or Loaded(module)
    loaded.module = module
    module.eval()
    example = example_input(spec)
    notes: list[str] = []
    source = read_exported(module)
    recognised = {name: found for name, found in (
        recognise_blocks(module, example) if fold and source is None else {}).items()
        if not _read_as_own_block(module.get_submodule(name), loaded)}
    mapper = _trace_and_map(module, spec, example, loaded, notes, source, recognised)
    layers, output = mapper.layers, mapper.output
    if source is not None:
        _as_exported(layers, mapper.specs, source)
        notes += ["Read back as exported by this program: node ids, blocks and the output "
                  "head as in the project it came from (positions and labels are not in "
                  "the code, so the nodes are laid out afresh).", *source.notes]
    elif fold:
        _note_recognised(layers, recognised, notes)
        layers, output = fold_blocks(layers, output, mapper.specs, module, notes)
    graph = _graph(layers, spec, output, source)
    project = Project(graph)
    notes += [layer.note for layer in layers if layer.note]
    state = _weights(project, layers, module, notes, check)
    return Imported(project, state, notes)


def example_input(spec: TensorSpec, seed: int = 0, batch: int = EXAMPLE_BATCH) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    if spec.dtype == "long":
        return torch.randint(0, spec.vocab or 2, (batch, *spec.shape), generator=generator)
    return torch.randn(batch, *spec.shape, generator=generator)


def _trace_and_map(module: nn.Module, spec: TensorSpec, example: torch.Tensor, loaded: Loaded,
                   notes: list[str], source: ExportedSource | None = None,
                   recognised: dict[str, Recognised] | None = None) -> GraphMapper:
    """Trace, keeping more submodules whole each time a part cannot be traced or expressed.

    The program's own blocks whose constructor arguments are known, and the parts
    recognised as blocks, are kept whole from the start: each is read as its block node."""
    recognised = recognised or {}
    keep = {name for name, part in module.named_modules()
            if name and _read_as_own_block(part, loaded)} | set(recognised)
    exported = False  # torch.fx could not trace the network, torch.export could
    for _ in range(len(list(module.modules())) + 1):
        try:
            traced, exported = _traced(module, keep, example, notes, exported)
        except TraceFailure as failure:
            if not failure.part:
                raise ImportFailure(
                    f"{failure.tracer} cannot trace "
                    f"{type(module).__name__}: {failure.error}"
                    + (f" (at {failure.line})" if failure.line else "") + ".",
                    "Data-dependent control flow (an if or loop on tensor values) cannot be "
                    "traced; move it into a submodule, which is then kept whole.") from None
            notes.append(f"{failure.part} ({_class_name(module, failure.part)}) is kept whole: "
                         f"{failure.tracer} cannot trace into it "
                         f"({_first_line(failure.error)}).")
            keep.add(failure.part)
            continue
        propagate_shapes(traced, example)
        mapper = GraphMapper(traced, loaded, source.input_id if source else INPUT_ID, spec,
                             source, recognised, example)
        try:
            mapper.run()
        except Unmapped as problem:
            part = _enclosing_part(problem.node, keep)
            if part is None:
                line = stack_line(problem.node)
                raise ImportFailure(
                    f"{problem.reason}" + (f" (at {line})" if line else "") + ".",
                    "Move it into a small submodule of its own: a submodule is then kept "
                    "whole as an imported module.") from None
            notes.append(f"{part} ({_class_name(module, part)}) is kept whole: "
                         f"{problem.reason}.")
            keep.add(part)
            continue
        return mapper
    raise ImportFailure("the network could not be taken apart into node kinds.")


def _traced(module: nn.Module, keep: set[str], example: torch.Tensor, notes: list[str],
            exported: bool) -> tuple[fx.GraphModule, bool]:
    """torch.fx's graph (with the example's values where the code asks about its input), or
    torch.export's where fx cannot trace (and ever after); TraceFailure where neither can,
    naming the line that stops them."""
    if not exported:
        try:
            try:
                return trace(module, keep), False
            except TraceFailure as plain:
                if plain.part:
                    raise
                traced = trace_with_values(module, keep, example, plain)
                if CONCRETE_NOTE not in notes:
                    notes.append(CONCRETE_NOTE)
                return traced, False
        except TraceFailure as failure:
            if isinstance(failure.error, ImportFailure):
                raise  # a forward export cannot call either (a second input)
            try:
                traced = trace_with_export(module, keep, example)
            except TraceFailure as export:
                raise _blocking(failure, export, keep) from None
            what = (f"{failure.part} ({_class_name(module, failure.part)})" if failure.part
                    else type(module).__name__)
            reason = _first_line(failure.error).split(". ")[0].rstrip(".")
            notes.append(f"Traced with torch.export, as torch.fx cannot trace {what}: "
                         f"{type(failure.error).__name__}: {reason[:120]}.")
            return traced, True
    return trace_with_export(module, keep, example), True


def _blocking(fx_failure: TraceFailure, export: TraceFailure, keep: set[str]) -> TraceFailure:
    """The failure to act on when neither tracer gets through: a part either cannot trace
    (kept whole, after which one may), or what stops the top module: fx's reason,
    unless fx stopped at code export got past (such as einops)."""
    if fx_failure.part:
        return fx_failure
    if export.part and export.part not in keep:
        return export
    if isinstance(fx_failure.error, TraceError) or not export.line:
        return fx_failure
    return type(export)("", export.error, export.line)


def _read_as_own_block(part: nn.Module, loaded: Loaded) -> bool:
    """One of the program's own blocks made with known arguments: read back exactly by
    ``own_blocks`` (dropout included, which no output check can see)."""
    return bool(own_block(part)) and loaded.arguments_of(part) is not None


def _note_recognised(layers: list[Layer], recognised: dict[str, Recognised],
                     notes: list[str]) -> None:
    """One line naming the parts that became blocks, and one for weights stored differently."""
    found = [f"{la.node_id} ({la.kind})" for la in layers if la.module in recognised]
    if found:
        notes.append(f"Recognised {len(found)} part{'s' if len(found) > 1 else ''} as "
                     f"blocks that compute the same (checked on the example): "
                     f"{', '.join(found[:6])}" + (f" and {len(found) - 6} more." if
                                                  len(found) > 6 else "."))
    if any(la.derived for la in layers):
        notes.append("Some block weights are stored differently from the original (query, key "
                     "and value stacked into one matrix, or a transposed projection): saving "
                     "in the original's layout takes them apart again.")


def _enclosing_part(node: object, keep: set[str]) -> str | None:
    """The innermost custom submodule (not a torch layer, not the node itself) around a node."""
    stack = getattr(node, "meta", {}).get("nn_module_stack") or {}
    own = str(getattr(node, "target", "")) if getattr(node, "op", "") == "call_module" else None
    for qualname, cls in reversed(list(stack.values())):
        if qualname and qualname != own and qualname not in keep and isinstance(cls, type) \
                and not from_torch(cls):
            return str(qualname)
    return None


def _as_exported(layers: list[Layer], specs: dict[str, TensorSpec],
                 source: ExportedSource) -> None:
    """"auto" back where exported code printed the value it picked (``settle_auto``), and
    each Linear's ``bias_init`` from the file's ``nn.init.constant_`` line."""
    depth = dict(Counter(layer.kind for layer in layers))
    for layer in layers:
        inputs = tuple(specs[i] for i in layer.inputs)
        layer.params = settle_auto(layer.kind, layer.params, inputs, depth)
        if layer.kind == "Linear" and layer.module in source.bias_init:
            layer.params = {**layer.params, "bias_init": source.bias_init[layer.module]}


def _graph(layers: list[Layer], spec: TensorSpec, output: str,
           source: ExportedSource | None = None) -> ArchitectureGraph:
    graph = ArchitectureGraph()
    input_id = source.input_id if source else INPUT_ID
    if spec.dtype == "long":
        graph.add_node("TokenInput", {"length": spec.shape[0], "vocab": spec.vocab},
                       node_id=input_id)
    elif spec.rank == 3:
        graph.add_node("ImageInput", dict(zip(("channels", "height", "width"), spec.shape,
                                              strict=True)), node_id=input_id)
    else:
        graph.add_node("VectorInput", {"features": spec.shape[0]}, node_id=input_id)
    for layer in layers:
        graph.add_node(layer.kind, layer.params, node_id=layer.node_id)
        for port, feeder in zip(graph.input_ports(layer.node_id), layer.inputs, strict=True):
            graph.connect(feeder, layer.node_id, port)
    out = next((la.spec for la in layers if la.node_id == output), spec)
    # Scores per example, or per token of a text model (GPT-2's next-token scores).
    scores = out.rank == 1 or (out.rank == 2 and spec.dtype == "long")
    head = ("ClassificationOutput" if scores and out.shape[-1] >= 2 and
            out.dtype == "float" else "RegressionOutput")
    head, head_id = (source.output_kind, source.output_id) if source else (head, OUTPUT_ID)
    # A layer of the original may be called "output" too; the head then takes another id.
    head_id = graph.add_node(head, {}, node_id=None if head_id in graph else head_id)
    graph.connect(output, head_id, "in")
    for node_id, (x, y) in layered_positions(graph).items():
        graph.move(node_id, x, y)
    return graph


def _weights(project: Project, layers: list[Layer], module: nn.Module, notes: list[str],
             check: bool = True) -> dict[str, torch.Tensor]:
    """The original's weights under the compiled keys; fills ``project.weight_map``."""
    try:
        compiled = build_model(project.graph)
    except BuildError as error:
        notes.append(f"The network could not be built to check it: {error}")
        return {}
    state: dict[str, torch.Tensor] = {}
    original = module.state_dict(keep_vars=False)
    wanted = compiled.state_dict()
    for layer in layers:
        sources = layer.sources if layer.sources or layer.derived else (
            {key: f"{layer.module}.{key}" for key in
             module.get_submodule(layer.module).state_dict()} if layer.module else {})
        name = compiled.node_names[layer.node_id]
        for key, source in sources.items():
            state[f"{name}.{key}"] = _fitted(original[source], wanted.get(f"{name}.{key}"))
            project.weight_map[f"{name}.{key}"] = source
        for key, taken in layer.derived.items():
            if f"{name}.{key}" in wanted:
                state[f"{name}.{key}"] = take(original, taken, wanted[f"{name}.{key}"].shape)
                if taken.recipe is not None:  # t(...) or cat(...): saved back by its recipe
                    project.weight_map[f"{name}.{key}"] = taken.recipe
    try:
        compiled.load_state_dict(state)
    except RuntimeError as error:
        raise ImportFailure(f"the imported weights do not fit the graph: {_first_line(error)}",
                            "This is a fault in the importer; please report it.") from None
    if check:
        _compare(module, compiled.eval(), notes)
    return state


def _fitted(tensor: torch.Tensor, like: torch.Tensor | None) -> torch.Tensor:
    """A copy of ``tensor``, reshaped to ``like`` where they differ only by axes of size 1
    (a 1 × tokens × dim position table kept as tokens × dim); otherwise as it is."""
    value = tensor.detach().clone()
    if like is not None and value.shape != like.shape and value.numel() == like.numel() \
            and [d for d in value.shape if d != 1] == [d for d in like.shape if d != 1]:
        value = value.reshape(like.shape)
    return value


def _compare(module: nn.Module, compiled: CompiledNetwork, notes: list[str]) -> None:
    # Another batch size than the traced example's: a graph that took the batch for a
    # fixed size (a loop over it, read while tracing) shows here.
    example = example_input(compiled.input_spec, seed=1, batch=EXAMPLE_BATCH + 1)
    with torch.no_grad():
        try:
            want = first_output(module(example))
        except Exception as error:  # the original itself takes only the traced batch size
            notes.append(f"Warning: the original refuses a batch of {EXAMPLE_BATCH + 1} "
                         f"({_first_line(error)}); it was compared on a batch of "
                         f"{EXAMPLE_BATCH} only.")
            example = example_input(compiled.input_spec, seed=1)
            want = first_output(module(example))
        got = compiled(example)
    if not isinstance(want, torch.Tensor) or want.shape != got.shape:
        notes.append("Warning: the imported network's output has a different shape from the "
                     "original's.")
        return
    difference = float((want.float() - got.float()).abs().max()) if want.numel() else 0.0
    if difference > AGREEMENT:
        notes.append(f"Warning: the imported network's outputs differ from the original's by up "
                     f"to {difference:.3g} on a random input.")
    else:
        notes.append(f"Checked: on a random input the outputs agree with the original's "
                     f"(largest difference {difference:.1g}).")


def _class_name(module: nn.Module, part: str) -> str:
    return type(module.get_submodule(part)).__name__


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


__all__ = ["example_input", "import_module", "import_torch"]
