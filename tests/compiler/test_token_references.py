"""The weightless token kinds against references written here from their formulas.

SelectToken and the tied output layer are expressions in the generated
forward, not modules, so they are checked through ``forward_all``: the
node's output from its input, to 1e-5 in float32. The tied layer must use
the Embedding's very table, so one tensor learns from both uses.
"""

import math

import torch

from explorer.compiler import build_model

from .cases import LAYER_CASES
from .helpers import example_input, randomise

TOLERANCE = 1e-5


def _outputs(case: str):
    net = build_model(LAYER_CASES[case]())
    randomise(net)
    return net, net.forward_all(example_input(net.input_spec, 4))


def test_select_token_takes_the_first_or_last_token():
    for case, index in (("select class token", 0), ("select last token", -1)):
        _, out = _outputs(case)
        sequence = out["embed_1"]
        expected = torch.stack([sequence[b, index] for b in range(sequence.shape[0])])
        assert torch.equal(out["select_1"], expected)


def test_tied_layer_scores_with_the_embedding_table():
    net, out = _outputs("tied output layer")
    table = net.embed_1.weight  # (vocab, dim)
    h = out["ln_1"]
    expected = torch.einsum("btd,vd->btv", h, table)
    assert (out["tied_1"] - expected).abs().max().item() < TOLERANCE
    assert [name for name, _ in net.named_parameters()] == [
        "embed_1.weight", "ln_1.weight", "ln_1.bias"]


def test_tied_table_learns_from_both_uses():
    net, _ = _outputs("tied output layer")
    x = torch.zeros(1, 5, dtype=torch.long)  # only row 0 is looked up
    net(x).sum().backward()
    grad = net.embed_1.weight.grad
    assert grad[1:].abs().sum() > 0  # rows never looked up learn through the output layer


def test_gelu_tanh_is_gpt2s_formula():
    net = build_model(LAYER_CASES["gelu tanh"]())
    x = torch.linspace(-5, 5, 6 * 7).reshape(7, 6)
    expected = 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    assert (net(x) - expected).abs().max().item() < TOLERANCE
    assert (net(x) - torch.nn.functional.gelu(x)).abs().max().item() > 1e-4  # not exact GELU
