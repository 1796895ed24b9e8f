"""ViT-B/16 and GPT-2 small, drawn from the node library, have exactly the published sizes.

86,567,656 parameters for torchvision's vit_b_16 and 124,439,808 for Hugging
Face's gpt2 (its output layer tied to the token table, so counted once). The
checker's count, the built module's count and the published figure must all
agree; the GPT-2 graph also trains one step on next-token targets.
"""

import math

import torch

from explorer.compiler import build_model, loss_for
from explorer.graph import ArchitectureGraph, check_graph

VIT_B_16 = 86_567_656
GPT2_SMALL = 124_439_808


def _chain(graph: ArchitectureGraph, steps) -> str:
    last = None
    for kind, params in steps:
        node = graph.add_node(kind, params)
        if last is not None:
            graph.connect(last, node, graph.input_ports(node)[0])
        last = node
    return last


def vit_b_16() -> ArchitectureGraph:
    graph = ArchitectureGraph()
    block = ("TransformerBlock", {"heads": 12, "mlp_ratio": 4, "eps": 1e-6})
    _chain(graph, [
        ("ImageInput", {"channels": 3, "height": 224, "width": 224}),
        ("PatchEmbedding", {"patch_size": 16, "dim": 768}),
        ("ClassToken", {}),
        ("PositionalEmbedding", {}),
        *[block] * 12,
        ("LayerNorm", {"eps": 1e-6}),
        ("SelectToken", {"index": 0}),
        ("Linear", {"out_features": 1000}),
        ("ClassificationOutput", {}),
    ])
    return graph


def gpt2_small(length: int = 64) -> ArchitectureGraph:
    graph = ArchitectureGraph()
    block = ("TransformerBlock", {"heads": 12, "causal": True, "activation": "gelu_tanh"})
    _chain(graph, [
        ("TokenInput", {"length": length, "vocab": 50257}),
        ("Embedding", {"num_embeddings": 50257, "embedding_dim": 768}),
        ("PositionalEmbedding", {"max_length": 1024}),
        *[block] * 12,
        ("LayerNorm", {}),
        ("TiedLinear", {"embedding": "embed_1"}),
        ("ClassificationOutput", {}),
    ])
    return graph


def _module_count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())  # a shared tensor is listed once


def test_vit_b_16_has_torchvisions_size():
    graph = vit_b_16()
    result = check_graph(graph)
    assert result.ok, result.errors
    assert result.total_params == VIT_B_16
    assert result.reports["pos_1"].spec.shape == (197, 768)
    with torch.device("meta"):  # sizes only: no memory, no time
        net = build_model(graph, result)
    assert _module_count(net) == VIT_B_16


def test_gpt2_small_has_hugging_faces_size_and_trains_a_step():
    torch.manual_seed(0)
    graph = gpt2_small()
    result = check_graph(graph)
    assert result.ok, result.errors
    assert result.total_params == GPT2_SMALL
    assert result.reports["tied_1"].spec.shape == (64, 50257)
    net = build_model(graph, result)
    assert _module_count(net) == GPT2_SMALL
    assert "tied_1" not in dict(net.named_children())  # it has no weights of its own

    tokens = torch.randint(0, 50257, (1, 65))
    x, target = tokens[:, :-1], tokens[:, 1:]  # predict each next token
    logits = net(x)
    assert logits.shape == (1, 64, 50257)
    loss = loss_for(net.output_kind)(logits, target)
    assert math.isfinite(loss.item())
    loss.backward()
    table = net.embed_1.weight
    # The table learns from both of its uses: the rows of tokens never fed in still get
    # a gradient, through the output layer.
    unseen = torch.ones(50257, dtype=torch.bool)
    unseen[x.flatten()] = False
    assert table.grad[unseen].abs().sum() > 0
    before = table.detach().clone()
    torch.optim.SGD(net.parameters(), lr=0.1).step()
    assert not torch.equal(before, table.detach())
