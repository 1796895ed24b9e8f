"""The NodeKind record and the registry of every kind the editor knows."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import ShapeError, UnknownKind
from ..params import Param, validate_params
from ..specs import TensorSpec, format_shape

if TYPE_CHECKING:  # expansion.py builds on this module
    from .expansion import Expansion, ExpansionResult

# Palette groups, in the order the palette shows them.
INPUTS_OUTPUTS = "Inputs & outputs"
LAYERS = "Layers"
ACTIVATIONS = "Activations"
NORMALISATION = "Normalisation & regularisation"
POOLING = "Pooling & reshaping"
MERGES = "Merges"
BLOCKS = "Blocks"
CATEGORIES = (INPUTS_OUTPUTS, LAYERS, ACTIVATIONS, NORMALISATION, POOLING, MERGES, BLOCKS)

# Upper bounds for sizes typed by hand; the checker also compares memory to the machine.
MAX_WIDTH = 1 << 20
MAX_SPATIAL = 1 << 14
MAX_KERNEL = 31


@dataclass(frozen=True)
class Referred:
    """A node that another node names in a parameter (a tied head's Embedding), as found.

    ``kind`` is None when no node has that id (it was deleted); ``upstream`` says
    whether it feeds, through wires, the node that names it.
    """

    node_id: str
    kind: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    upstream: bool = False

    def key(self) -> tuple:
        return (self.node_id, self.kind, tuple(self.params.items()), self.upstream)


@dataclass(frozen=True)
class Context:
    """What a shape rule sees: the node's validated parameters and its input specs.

    ``resolved`` holds the values the checker chose for parameters set to
    "auto"; ``depth`` counts nodes of each kind in the graph (a highway gate
    bias follows the number of highway blocks); ``referred`` is the node a
    kind with ``refers_to`` names (None for other kinds).
    """

    params: Mapping[str, Any]
    inputs: tuple[TensorSpec, ...]
    depth: Mapping[str, int] = field(default_factory=dict)
    referred: Referred | None = None

    @property
    def x(self) -> TensorSpec:
        return self.inputs[0]

    def __getitem__(self, name: str) -> Any:
        return self.params[name]


ShapeRule = Callable[[Context], TensorSpec]
CountRule = Callable[[Context], int]
AutoRule = Callable[[Context], dict[str, Any]]


def _no_params(ctx: Context) -> int:
    return 0


def _no_auto(ctx: Context) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class NodeKind:
    """Everything the editor knows about one kind of node, independent of torch and Qt.

    ``infer`` maps input specs to the output spec (raising ShapeError with a
    plain-words message and a hint), ``count`` gives the number of learned
    parameters, ``resolve`` picks values for "auto" parameters, and ``expand``
    (blocks only) gives the primitive sub-graph the block computes; ``inside``
    (blocks only) answers all three shape questions, and what the block holds
    inside, from one run of that sub-graph.
    """

    name: str
    title: str
    category: str
    id_prefix: str
    description: str
    formula: str
    params: tuple[Param, ...]
    infer: ShapeRule
    count: CountRule = _no_params
    resolve: AutoRule = _no_auto
    n_inputs: int | str = 1  # a number, or the name of the parameter that sets it
    has_output: bool = True  # output heads end the network: nothing may follow them
    expand: Callable[[Context], Expansion] | None = None
    # Blocks: the expansion run on the inputs (output spec, parameter count and every
    # inner tensor's spec), so the checker runs it once, not once per question.
    inside: Callable[[Context], ExpansionResult] | None = None
    paper: str = ""
    # The name of a parameter holding another node's id, whose kind and parameters the
    # shape rule reads (ctx.referred): a tied output layer names its Embedding.
    refers_to: str = ""

    def input_ports(self, params: Mapping[str, Any]) -> tuple[str, ...]:
        """Port names in order: "in" for one input, "in1".."inN" for several."""
        n = params[self.n_inputs] if isinstance(self.n_inputs, str) else self.n_inputs
        if n == 1 and not isinstance(self.n_inputs, str):
            return ("in",)
        return tuple(f"in{i}" for i in range(1, n + 1))

    @property
    def is_source(self) -> bool:
        return self.n_inputs == 0

    @property
    def is_block(self) -> bool:
        return self.category == BLOCKS

    def expand_block(self, ctx: Context) -> Expansion:
        """The primitive sub-graph this block computes on ``ctx``'s inputs."""
        if self.expand is None:
            raise ValueError(f"{self.title} is a single layer; only blocks expand.")
        return self.expand(ctx)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def validate(self, values: Mapping[str, Any] | None, node_id: str | None = None) -> dict:
        return validate_params(self.params, dict(values or {}), node_id)

    def tooltip(self) -> str:
        return f"{self.title}: {self.description}\n{self.formula}"


_REGISTRY: dict[str, NodeKind] = {}


def register(*kinds: NodeKind) -> None:
    for kind in kinds:
        if kind.name in _REGISTRY:
            raise ValueError(f"node kind {kind.name!r} registered twice")
        _REGISTRY[kind.name] = kind


def get_kind(name: str) -> NodeKind:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), _REGISTRY, n=3, cutoff=0.5)
        hint = ("Did you mean " + " or ".join(repr(c) for c in close) + "?") if close else (
            "Known kinds: " + ", ".join(sorted(_REGISTRY)) + ".")
        raise UnknownKind(f"unknown node kind {name!r}.", hint=hint) from None


def all_kinds() -> tuple[NodeKind, ...]:
    """Every kind, grouped by palette category, in registration order within a group."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return tuple(sorted(_REGISTRY.values(), key=lambda k: order.get(k.category, len(order))))


# ---------------------------------------------------------------------------
# Small shape helpers the kind modules share. Each raises ShapeError in plain words.


def need_layout(ctx: Context, title: str, *layouts: str, hint: str = "") -> TensorSpec:
    """Require the (first) input to be one of the given layouts."""
    x = ctx.x
    if x.layout not in layouts:
        wanted = " or ".join(_article(layout) for layout in layouts)
        raise ShapeError(f"{title} needs {wanted}, but receives {_describe(x)}.", hint)
    return x


def conv_out(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def check_spatial(title: str, h: int, w: int, hint: str) -> None:
    if h < 1 or w < 1:
        raise ShapeError(f"{title} would shrink the image to {h}×{w}.", hint)


def _article(layout: str) -> str:
    return {
        "features": "a feature vector",
        "sequence": "a sequence (tokens × features)",
        "image": "an image (channels × height × width)",
        "tokens": "token ids",
    }.get(layout, layout)


def _describe(spec: TensorSpec) -> str:
    if spec.dtype == "long":
        return f"token ids ({format_shape(spec.shape)})"
    return f"{_article(spec.layout)} {format_shape(spec.shape)}"


describe_spec = _describe
