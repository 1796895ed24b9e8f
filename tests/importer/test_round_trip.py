"""Export to standalone code, import that code back: the same graph comes back.

``main.py export`` writes ``model.py``; ``main.py import model.py:Network``
reads it back. The graph that returns has the same node ids, kinds, wiring
and parameters, and the weights saved for the original load into it with the
same keys and give the same outputs.

"auto" survives as follows (explorer/importer/own_blocks.py): the code prints
the value "auto" picked, and the import gives "auto" back wherever the printed
value is that pick. An explicit value equal to the pick prints the same code,
so it comes back as "auto" too. A few other values are printed only as what
they make (``RESOLVED_IN_CODE``); they come back as the simplest value making
the same: never anything that prints other code.
"""

from __future__ import annotations

import tempfile
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from explorer.compiler import build_model, generate
from explorer.export import network_source
from explorer.graph import AUTO, ArchitectureGraph, Project, check_graph, get_kind
from explorer.graph.examples import example_name, example_paths
from explorer.graph.naming import comment_text
from explorer.graph.project import load
from explorer.graph.zoo import ZOO
from explorer.importer.torch_import import import_torch

from ..graph.strategies import param_value

_files = count()


def round_trip(project: Project, folder: Path, check: bool = True) -> Project:
    """Export ``project`` to a file in ``folder`` and import the file's Network back."""
    path = folder / f"exported_{next(_files)}.py"
    path.write_text(network_source(project).text)
    imported = import_torch(f"{path}:Network", input_text(project.graph), check=check)
    assert any(note.startswith("Read back as exported") for note in imported.notes)
    if check:  # the importer ran both on a random input and says they agree (to 1e-4)
        assert any(note.startswith("Checked:") for note in imported.notes), imported.notes
        assert set(imported.state_dict) == set(build_model(project.graph).state_dict())
    return imported.project


def input_text(graph: ArchitectureGraph) -> str:
    """The --input value for the graph's input node."""
    result = check_graph(graph)
    assert result.input_id is not None
    spec = result.known_spec(result.input_id)
    if spec.dtype == "long":
        return f"tokens:{spec.shape[0]}:{spec.vocab}"
    return "x".join(map(str, spec.shape))


def nodes(graph: ArchitectureGraph) -> dict[str, tuple[str, dict[str, Any]]]:
    return {node.id: (node.kind, dict(node.params)) for node in graph.nodes()}


def wiring(graph: ArchitectureGraph) -> set[tuple[str, str, str]]:
    return {(edge.src, edge.dst, edge.dst_port) for edge in graph.edges()}


def printed(graph: ArchitectureGraph) -> list[str]:
    """The network's code: every constructor call and every line of forward."""
    code = generate(graph, check_graph(graph))
    return [line.text for line in (*code.init_lines(), *code.lines)]


def differences(before: ArchitectureGraph, after: ArchitectureGraph) -> list[tuple]:
    """(node, parameter, before, after) for every parameter that came back otherwise."""
    a, b = nodes(before), nodes(after)
    assert set(a) == set(b), "the node ids differ"
    assert {i: kind for i, (kind, _) in a.items()} == {i: kind for i, (kind, _) in b.items()}
    assert wiring(before) == wiring(after)
    return [(node_id, name, value, b[node_id][1][name])
            for node_id, (_, params) in a.items() for name, value in params.items()
            if b[node_id][1][name] != value]


# Parameters the code shows only resolved, so a round trip may give another value that
# prints the same code: "auto" for the value auto picks; a width of 0 ("as wide as the
# input") as the number, except a ResidualMLP's equal to its input, which comes back as 0
# (as the examples write them); a table as long as the input as 0; a ratio (squeeze
# width, compression) as the simplest one giving the same channels. Some are not
# printed, having nothing to act on: an MBConv's drop_path without a residual path
# comes back as 0.0, a Linear's bias_init without a bias as "auto".
RESOLVED_IN_CODE = {
    ("Conv2d", "padding"), ("MaxPool2d", "stride"), ("AvgPool2d", "stride"),
    ("Highway", "gate_bias"), ("ResidualMLP", "shortcut"), ("ResidualConv", "shortcut"),
    ("Bottleneck", "shortcut"), ("ResidualMLP", "out_features"), ("ResidualMLP", "hidden"),
    ("ResidualConv", "out_channels"), ("Bottleneck", "out_channels"),
    ("MBConv", "out_channels"), ("PositionalEmbedding", "max_length"),
    ("MBConv", "se_ratio"), ("Transition", "compression"), ("MBConv", "drop_path"),
    ("Linear", "bias_init"),
}


def assert_same_code(before: ArchitectureGraph, after: ArchitectureGraph) -> None:
    """Whatever came back otherwise is a value the code shows only resolved."""
    kinds = {node.id: node.kind for node in before.nodes()}
    for node_id, name, value, back in differences(before, after):
        assert (kinds[node_id], name) in RESOLVED_IN_CODE, (node_id, name, value, back)
        assert value != AUTO, (node_id, name, back)  # "auto" always comes back as it is
    assert printed(before) == printed(after)


def assert_same_outputs(before: ArchitectureGraph, after: ArchitectureGraph) -> None:
    """The original's weights load into the graph that came back and compute the same."""
    original, back = build_model(before).eval(), build_model(after).eval()
    back.load_state_dict(original.state_dict())  # same names, same shapes
    x = torch.randn(2, *original.input_spec.shape) if original.input_spec.dtype == "float" \
        else torch.randint(0, original.input_spec.vocab or 2, (2, *original.input_spec.shape))
    with torch.no_grad():
        assert torch.allclose(original(x), back(x), atol=1e-5, equal_nan=True)


# -- the examples: every one comes back exactly ----------------------------------------


@pytest.mark.parametrize("path", example_paths(), ids=example_name)
def test_every_example_comes_back_exactly(path, tmp_path):
    project = load(path)
    back = round_trip(project, tmp_path)
    assert differences(project.graph, back.graph) == []
    assert_same_outputs(project.graph, back.graph)


# -- ids the code cannot use as names -------------------------------------------------


def ids_project() -> Project:
    """Ids that python_names changes, one of them clashing with another's name."""
    graph = ArchitectureGraph()
    x = graph.add_node("VectorInput", {"features": 3}, node_id="the input")
    a = graph.add_node("Linear", {"out_features": 4}, node_id="a b")
    b = graph.add_node("ReLU", node_id="a_b")
    c = graph.add_node("Add", {"inputs": 2}, node_id="sum (a + b)", label="adds")
    d = graph.add_node("Linear", {"out_features": 2}, node_id="class")
    graph.connect(x, a)
    graph.connect(a, b)
    graph.connect(a, c, "in1")
    graph.connect(b, c, "in2")
    graph.connect(c, d)
    graph.connect(d, graph.add_node("RegressionOutput", node_id="y 🙂"))
    return Project(graph)


def test_ids_that_are_not_python_names_come_back_from_the_comments(tmp_path):
    project = ids_project()
    text = network_source(project).text
    assert "a_b_2 = self.a_b_2(x)  # a b (Linear)" in text
    assert "sum_a_b = a_b_2 + a_b  # sum (a + b) (Add)" in text
    back = round_trip(project, tmp_path)
    assert differences(project.graph, back.graph) == []
    assert_same_outputs(project.graph, back.graph)


def test_a_file_without_the_id_comments_gives_python_names_and_says_so(tmp_path):
    """Code exported before the ids were noted (or edited by hand): the names are the ids."""
    project = ids_project()
    text = network_source(project).text.replace("  # a b (Linear)", "").replace(
        "  # x: the input (VectorInput)", "")
    path = tmp_path / "older.py"
    path.write_text(text)
    imported = import_torch(f"{path}:Network", "3")
    assert set(imported.project.graph.node_ids()) == {"input", "a_b_2", "a_b", "sum (a + b)",
                                                      "class", "y 🙂"}
    assert any("does not name its input node" in note for note in imported.notes)


def test_an_id_too_long_for_a_comment_comes_back_as_its_name_with_a_note(tmp_path):
    graph = ArchitectureGraph()
    x = graph.add_node("VectorInput", {"features": 3}, node_id="input_1")
    long_id = "a layer whose id says far more than any comment line will hold" * 2
    layer = graph.add_node("Linear", {"out_features": 2}, node_id=long_id)
    graph.connect(x, layer)
    graph.connect(layer, graph.add_node("ClassificationOutput", node_id="output_1"))
    path = tmp_path / "long.py"
    path.write_text(network_source(Project(graph)).text)
    imported = import_torch(f"{path}:Network", "3")
    name = "a_layer_whose_id_says_far_more_than_any_comment_"  # python_names: 48 characters
    assert imported.project.graph.node_ids() == ["input_1", name, "output_1"]
    assert any(note.startswith(f"{name}: the file names this node only by its Python name")
               for note in imported.notes)


LOOK_ALIKE = """
import torch
from torch import nn


class Highway(nn.Module):
    def __init__(self, features, activation="relu", gate_bias=-1.0):
        super().__init__()
        self.h = nn.Linear(features, features)

    def forward(self, x):
        return torch.relu(self.h(x))  # not a highway layer at all


class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Highway(4)

    def forward(self, x):
        return self.block(x)
"""


def test_a_class_with_a_block_name_but_other_code_is_not_taken_for_the_block(tmp_path):
    path = tmp_path / "look_alike.py"
    path.write_text(LOOK_ALIKE)
    imported = import_torch(f"{path}:Network", "4")
    kinds = [node.kind for node in imported.project.graph.nodes()]
    assert "Highway" not in kinds and "Linear" in kinds and "ReLU" in kinds


# -- the zoo: the same graph, up to values the code cannot tell apart -------------------

# What differs: the stems' Conv2d padding, a number equal to kernel // 2, comes back as
# "auto" (ResNets, DenseNet, MobileNetV2, EfficientNet); EfficientNet's MBConvs without a
# residual path come back with drop_path 0.0. ViT-B/16 and GPT-2 come back exactly.
ZOO_DIFFERENCES = {
    "resnet18": {("Conv2d", "padding")},
    "resnet34": {("Conv2d", "padding")},
    "resnet50": {("Conv2d", "padding")},
    "densenet121": {("Conv2d", "padding")},
    "mobilenet_v2": {("Conv2d", "padding")},
    "efficientnet_b0": {("Conv2d", "padding"), ("MBConv", "drop_path")},
    "vit_b_16": set(),
    "gpt2": set(),
}
SLOW = {"vit_b_16", "gpt2"}


@pytest.mark.parametrize("key", [pytest.param(k, marks=pytest.mark.slow) if k in SLOW else k
                                 for k in ZOO])
def test_every_zoo_model_comes_back_with_the_same_code(key, tmp_path):
    project = ZOO[key]()
    # GPT-2's 124M parameters: shapes are found by running it once; no second comparison run.
    back = round_trip(project, tmp_path, check=key != "gpt2")
    found = differences(project.graph, back.graph)
    kinds = {node_id: kind for node_id, (kind, _) in nodes(project.graph).items()}
    assert {(kinds[node_id], name) for node_id, name, _, _ in found} == ZOO_DIFFERENCES[key]
    assert_same_code(project.graph, back.graph)


# -- any graph: a property over generated ones ------------------------------------------

KINDS = {  # what may follow the input, for each kind of input
    "vector": ["Linear", "ReLU", "Tanh", "GELU", "LeakyReLU", "Dropout", "LayerNorm",
               "BatchNorm", "ResidualMLP", "Highway", "Add", "Concat", "Multiply"],
    "image": ["Conv2d", "BatchNorm", "ReLU", "MaxPool2d", "AvgPool2d", "ResidualConv",
              "Bottleneck", "MBConv", "DenseBlock", "Transition", "GroupNorm", "Upsample",
              "ConvTranspose2d", "StochasticDepth", "Add", "Concat"],
    "tokens": ["PositionalEmbedding", "TransformerBlock", "SelfAttention", "LayerNorm",
               "Linear", "GELU", "Dropout", "Add"],
}
INPUTS = {
    "vector": ("VectorInput", {"features": 4}),
    "image": ("ImageInput", {"channels": 4, "height": 8, "width": 8}),
    "tokens": ("TokenInput", {"length": 6, "vocab": 11}),
}
ENDINGS = {  # what turns the last layer into one vector (or, tied, into token scores)
    "vector": ["Linear"],
    "image": ["GlobalAvgPool", "GlobalMaxPool", "Flatten"],
    "tokens": ["SelectToken", "GlobalAvgPool", "GlobalMaxPool", "TiedLinear"],
}
# Ids whose comment is the id itself (no control characters, no runs of spaces): the
# exported file names them, so they come back. Other ids come back as their Python names.
node_ids = st.text(st.characters(codec="utf-8", exclude_categories=("C",)), min_size=1,
                   max_size=10).filter(lambda s: comment_text(s) == s)


def _params(kind: str, picks: list[int]) -> dict[str, Any]:
    kept = [p for p in get_kind(kind).params if p.name != "inputs"]  # merges: two inputs
    params = {p.name: param_value(p, pick) for p, pick in zip(kept, picks[:len(kept)],
                                                              strict=True)}
    if kind == "Highway" and picks[0] % 2:
        params["gate_bias"] = AUTO
    if kind == "Upsample":  # small images stay small
        params["scale_factor"] = 2
    if "heads" in params:  # a number of heads that divides the width (8) more often than not
        params["heads"] = (1, 2, 4, 3)[picks[0] % 4]
    return params


@st.composite
def networks(draw: st.DrawFn) -> Project:
    """A small valid network: a chain of layers with some merges, ending in a classifier."""
    family = draw(st.sampled_from(sorted(KINDS)))
    ids = iter(draw(st.lists(node_ids, min_size=14, max_size=14, unique=True)))
    graph = ArchitectureGraph()
    made = [graph.add_node(*INPUTS[family], node_id=next(ids))]
    if family == "tokens":
        embed = graph.add_node("Embedding", {"num_embeddings": 11, "embedding_dim": 8},
                               node_id=next(ids))
        graph.connect(made[0], embed)
        made.append(embed)
    for _ in range(8):
        kind = draw(st.sampled_from(KINDS[family]))
        params = _params(kind, draw(st.lists(st.integers(0, 10**6), min_size=10, max_size=10)))
        feeders = [made[-1]] + ([draw(st.sampled_from(made[1:] or made))] if kind in
                                ("Add", "Concat", "Multiply") else [])
        new = graph.add_node(kind, params, node_id=next(ids))
        for port, feeder in zip(graph.input_ports(new), feeders, strict=True):
            graph.connect(feeder, new, port)
        if any(issue.node_id == new for issue in check_graph(graph).errors):
            graph.remove_node(new)  # a setting this input refuses: leave the layer out
        else:
            made.append(new)
    ending = draw(st.sampled_from(ENDINGS[family]))
    params = {"embedding": made[1]} if ending == "TiedLinear" else (
        {"index": draw(st.integers(-6, 5))} if ending == "SelectToken" else
        {"out_features": draw(st.integers(2, 5)), "bias_init": draw(st.sampled_from(
            [AUTO, -1.5]))} if ending == "Linear" else {})
    last = graph.add_node(ending, params, node_id=next(ids))
    graph.connect(made[-1], last)
    if ending not in ("Linear", "TiedLinear"):
        head = graph.add_node("Linear", {"out_features": draw(st.integers(2, 5))},
                              node_id=next(ids))
        graph.connect(last, head)
        last = head
    graph.connect(last, graph.add_node("ClassificationOutput", node_id=next(ids)))
    assume(check_graph(graph).ok)  # e.g. not too large to train on this machine
    return Project(graph)


@settings(max_examples=12, derandomize=True, deadline=None)
@given(networks())
def test_any_network_comes_back_with_its_ids_wiring_and_parameters(project):
    with tempfile.TemporaryDirectory() as folder:
        back = round_trip(project, Path(folder))
    assert_same_code(project.graph, back.graph)
    assert_same_outputs(project.graph, back.graph)
