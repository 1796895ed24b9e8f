"""ViT and GPT-2 written in plain torch come in as their token layers and transformer blocks,
computing what they computed, with their weights under their own names."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from explorer.export.original_weights import to_original_layout
from explorer.graph import TensorSpec, check_graph
from explorer.importer.torch_import import import_module
from tests.importer.checks import largest_difference
from tests.zoo import reference_transformers as tfs

IMAGE = TensorSpec((3, 32, 32))
TOKENS = TensorSpec((12,), "long", vocab=100)


def chain(imported) -> list[tuple[str, str]]:
    graph = imported.project.graph
    return [(node.id, node.kind) for node in graph.nodes()]


def small_vit() -> nn.Module:
    torch.manual_seed(0)
    return tfs.VisionTransformer(size=32, patch=8, depth=2, dim=64, heads=4, hidden=256,
                                 classes=10).eval()


def small_gpt2() -> nn.Module:
    torch.manual_seed(0)
    network = tfs.GPT2(vocab=100, positions=32, depth=2, dim=64, heads=4).eval()
    nn.init.normal_(network.transformer.wte.weight, std=0.02)
    return network


def test_vit_comes_in_as_patches_class_token_positions_and_blocks():
    vit = small_vit()
    imported = import_module(vit, IMAGE)
    assert check_graph(imported.project.graph).ok
    assert chain(imported) == [
        ("input", "ImageInput"), ("conv_proj", "PatchEmbedding"), ("class_token", "ClassToken"),
        ("encoder.pos_embedding", "PositionalEmbedding"),
        ("encoder.layers.encoder_layer_0", "TransformerBlock"),
        ("encoder.layers.encoder_layer_1", "TransformerBlock"), ("encoder.ln", "LayerNorm"),
        ("select", "SelectToken"), ("heads.head", "Linear"),
        ("output", "ClassificationOutput")]
    block = imported.project.graph.node("encoder.layers.encoder_layer_0").params
    assert (block["heads"], block["mlp_ratio"], block["norm"], block["causal"],
            block["activation"], block["eps"]) == (4, 4, "pre", False, "gelu", 1e-6)
    assert imported.project.graph.node("conv_proj").params == {"patch_size": 8, "dim": 64}
    assert largest_difference(imported, vit, IMAGE) <= 1e-5


def test_gpt2_comes_in_with_its_position_table_and_tied_head():
    gpt2 = small_gpt2()
    imported = import_module(gpt2, TOKENS)
    kinds = [kind for _, kind in chain(imported)]
    assert kinds == ["TokenInput", "Embedding", "PositionalEmbedding", "TransformerBlock",
                     "TransformerBlock", "LayerNorm", "TiedLinear", "ClassificationOutput"]
    graph = imported.project.graph
    assert graph.node("transformer.wpe").params == {"max_length": 32}
    block = graph.node("transformer.h.1").params
    assert (block["causal"], block["activation"], block["eps"]) == (True, "gelu_tanh", 1e-5)
    assert graph.node("matmul").params == {"embedding": "transformer.wte"}
    assert largest_difference(imported, gpt2, TOKENS) <= 1e-5


def test_every_weight_keeps_its_original_name_and_value():
    for network, spec in ((small_vit(), IMAGE), (small_gpt2(), TOKENS)):
        imported = import_module(network, spec)
        original = network.state_dict()
        shapes = {key: tuple(value.shape) for key, value in original.items()}
        back = to_original_layout(imported.state_dict, imported.project.weight_map, shapes)
        assert back.keys() == original.keys()
        for key, value in original.items():
            assert torch.equal(back[key], value), key


class SeparateProjections(nn.Module):
    """A Post-LN layer written as BERT writes it: query, key and value Linears of their own."""

    def __init__(self, dim: int = 32, heads: int = 4) -> None:
        super().__init__()
        self.num_heads = heads
        self.query, self.key, self.value = (nn.Linear(dim, dim) for _ in range(3))
        self.out = nn.Linear(dim, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.up, self.down = nn.Linear(dim, 2 * dim), nn.Linear(2 * dim, dim)
        self.norm2 = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(b, n, self.num_heads, d // self.num_heads).transpose(1, 2)

        heads = F.scaled_dot_product_attention(split(self.query(x)), split(self.key(x)),
                                               split(self.value(x)))
        x = self.norm1(x + self.out(heads.transpose(1, 2).reshape(b, n, d)))
        return self.norm2(x + self.down(F.gelu(self.up(x))))


class Scaled(SeparateProjections):
    """The same weights, but the attention branch is halved: no block computes that."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x) * 0.5


class Tokens(nn.Module):
    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, 32)
        self.layer = layer
        self.head = nn.Linear(32, 5)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.layer(self.embed(ids)))


def test_a_post_ln_layer_with_separate_projections_becomes_a_block():
    torch.manual_seed(1)
    network = Tokens(SeparateProjections()).eval()
    spec = TensorSpec((6,), "long", vocab=50)
    imported = import_module(network, spec)
    node = imported.project.graph.node("layer")
    assert node.kind == "TransformerBlock"
    assert (node.params["norm"], node.params["heads"], node.params["mlp_ratio"]) == ("post", 4, 2)
    assert any("stacked into one matrix" in note for note in imported.notes)
    assert largest_difference(imported, network, spec) <= 1e-5


def test_a_look_alike_that_computes_something_else_is_not_folded():
    torch.manual_seed(1)
    network = Tokens(Scaled()).eval()
    spec = TensorSpec((6,), "long", vocab=50)
    imported = import_module(network, spec)
    kinds = {node.kind for node in imported.project.graph.nodes()}
    assert "TransformerBlock" not in kinds
    assert largest_difference(imported, network, spec) <= 1e-5


class Conv1D(nn.Module):
    """Hugging Face's transposed Linear: y = x·W + b with W stored inputs × outputs."""

    def __init__(self, outputs: int, inputs: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(inputs, outputs) * 0.1)
        self.bias = nn.Parameter(torch.randn(outputs) * 0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight + self.bias


class GPT2StyleBlock(nn.Module):
    """A causal Pre-LN layer with fused query/key/value, as Hugging Face's GPT-2 writes it."""

    def __init__(self, dim: int = 32, heads: int = 2) -> None:
        super().__init__()
        self.n_head = heads
        self.ln_1, self.ln_2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.c_attn, self.c_proj = Conv1D(3 * dim, dim), Conv1D(dim, dim)
        self.c_fc, self.mlp_proj = Conv1D(4 * dim, dim), Conv1D(dim, 4 * dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = (t.view(b, n, self.n_head, -1).transpose(1, 2)
                   for t in self.c_attn(self.ln_1(x)).split(d, dim=2))
        heads = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.c_proj(heads.transpose(1, 2).reshape(b, n, d))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


def test_transposed_fused_projections_become_a_causal_block():
    torch.manual_seed(2)
    network = Tokens(GPT2StyleBlock()).eval()
    spec = TensorSpec((6,), "long", vocab=50)
    imported = import_module(network, spec)
    node = imported.project.graph.node("layer")
    assert node.kind == "TransformerBlock"
    assert (node.params["norm"], node.params["causal"], node.params["activation"],
            node.params["heads"]) == ("pre", True, "gelu_tanh", 2)
    assert largest_difference(imported, network, spec) <= 1e-5
    assert "layer.c_attn.weight" not in imported.project.weight_map.values()  # transposed


class HeldScale(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 4)
        self.scale = nn.Parameter(torch.ones(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x) * self.scale


def test_a_held_tensor_used_another_way_is_refused_naming_the_line():
    import pytest

    from explorer.importer.errors import ImportFailure

    with pytest.raises(ImportFailure, match=r"self\.scale.*test_transformer_import\.py:\d+"):
        import_module(HeldScale(), TensorSpec((4,)))
    imported = import_module(nn.Sequential(HeldScale(), nn.Linear(4, 2)), TensorSpec((4,)))
    assert imported.project.graph.node("0").kind == "Module"  # inside a part: kept whole
