"""The generated code: lines that map to nodes, printable specs, and a network that behaves
like any hand-written module (deep copies, tracebacks, exported source)."""

import copy
import traceback

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from explorer.compiler import ModuleSpec, blocks_needed, build_model, generate
from explorer.compiler import blocks as block_classes
from explorer.graph import check_graph
from explorer.graph.recipes import highway_mlp, mbconv_net, resnet_cifar, unet

from .helpers import example_input, randomise


def test_every_line_names_the_node_it_computes():
    graph = unet().graph
    code = generate(graph, check_graph(graph))
    assert [line.node_id for line in code.lines] == [
        n for n in check_graph(graph).order if n != code.input_id]
    for line in code.lines:
        assert f"# {line.node_id} ({graph.node(line.node_id).kind})" in line.text
    assert code.lines[-1].text.startswith("return ")
    concat = next(line.text for line in code.lines if line.node_id == "concat_1")
    assert "torch.cat([relu_2, upconv_1], dim=1)" in concat


def test_module_spec_prints_what_it_builds():
    spec = ModuleSpec("nn.Conv2d", (3, 16, 3), {"stride": 1, "padding": 1, "bias": False})
    assert spec.source() == "nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)"
    module = spec.instantiate()
    assert isinstance(module, nn.Conv2d) and module.bias is None and module.padding == (1, 1)
    gate = ModuleSpec("nn.Linear", (4, 4), {"bias": True}, (("constant_", "bias", -3.0),))
    assert gate.init_source("self.t") == ("nn.init.constant_(self.t.bias, -3.0)",)
    assert torch.equal(gate.instantiate().bias, torch.full((4,), -3.0))
    block = ModuleSpec("ResidualMLP", (8, 8, 8), {"activation": "relu", "norm": "none"})
    assert block.source() == 'ResidualMLP(8, 8, 8, activation="relu", norm="none")'


def test_module_spec_refuses_unknown_constructors():
    with pytest.raises(ValueError, match="unknown module constructor"):
        ModuleSpec("os.system", ("true",))
    with pytest.raises(ValueError, match="unknown initialiser"):
        ModuleSpec("nn.Linear", (2, 2), {}, (("eval", "bias"),))


def test_blocks_needed_puts_helpers_first():
    assert blocks_needed(["nn.Linear", "MBConv", "TransformerBlock", "MBConv"]) == (
        "SqueezeExcite", "StochasticDepth", "MBConv", "SelfAttention", "TransformerBlock")


def test_forward_is_the_generated_function():
    net = build_model(highway_mlp(blocks=2).graph)
    assert type(net).forward.__code__.co_filename.startswith("<generated network")
    assert net.source.startswith("def forward(self, x):\n")
    assert "self.highway_1(relu_1)" in net.source


def test_a_traceback_shows_the_generated_line():
    net = build_model(resnet_cifar().graph)
    with pytest.raises(RuntimeError) as caught:
        net(torch.randn(2, 5, 32, 32))  # 5 channels where the network expects 3
    text = "".join(traceback.format_exception(caught.value))
    assert "conv_1 = self.conv_1(x)  # conv_1 (Conv2d)" in text


def test_deep_copies_are_independent_and_equal():
    net = build_model(mbconv_net().graph).eval()
    twin = copy.deepcopy(net)
    x = example_input(net.input_spec, 2)
    assert torch.equal(net(x), twin(x))
    assert twin.node_names == net.node_names and twin.source == net.source
    with torch.no_grad():
        twin.linear_1.bias.add_(1.0)
    assert not torch.equal(net(x), twin(x))


def test_forward_all_agrees_with_forward():
    net = build_model(unet().graph).eval()
    x = example_input(net.input_spec, 2)
    outputs = net.forward_all(x)
    assert torch.equal(outputs["input_1"], x)
    assert torch.equal(net(x), outputs["conv_6"])


@pytest.mark.parametrize("recipe", [highway_mlp, resnet_cifar, mbconv_net, unet])
def test_printed_code_runs_standalone_with_the_same_weights(recipe):
    """What an exporter prints from these pieces loads the app's state_dict and agrees."""
    graph = recipe().graph
    code = generate(graph, check_graph(graph))
    init = [f"        {line.text}" for line in code.init_lines()]
    forward = ["    " + line for line in code.forward_source().splitlines()]
    source = "\n".join(["class Network(nn.Module):", "    def __init__(self):",
                        "        super().__init__()", *init, *forward])
    namespace = {"torch": torch, "nn": nn, "F": F}
    for name in blocks_needed([spec.ctor for spec in code.modules.values()]):
        namespace[name] = getattr(block_classes, name)
    exec(compile(source, "<exported>", "exec"), namespace)
    exported = namespace["Network"]()
    net = build_model(graph)
    randomise(net)
    exported.load_state_dict(net.state_dict())
    x = example_input(net.input_spec, 2)
    assert torch.equal(exported.eval()(x), net.eval()(x))
