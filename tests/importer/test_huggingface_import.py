"""Hugging Face's ViTForImageClassification and GPT2LMHeadModel (small configurations, random
weights, nothing downloaded) come in as the editor's token layers and transformer blocks.

Their ``forward`` checks the input's dtype and shape and builds masks from its length, which
plain torch.fx cannot trace; the import traces them with the example's values at hand
(``concrete_tracing``). A condition on tensor values is still refused."""

import pytest
import torch
import torch.nn as nn

from explorer.graph import TensorSpec
from explorer.importer.errors import ImportFailure
from explorer.importer.torch_import import import_module
from tests.importer.checks import kinds, largest_difference

transformers = pytest.importorskip("transformers")

IMAGE = TensorSpec((3, 32, 32))
TOKENS = TensorSpec((12,), "long", vocab=100)


def difference(imported, network: nn.Module, spec: TensorSpec) -> float:
    return largest_difference(imported, network, spec, seed=11, output=lambda out: out.logits)


def test_vit_for_image_classification():
    torch.manual_seed(0)
    config = transformers.ViTConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=128,
                                    num_attention_heads=4, image_size=32, patch_size=8,
                                    num_labels=5)
    vit = transformers.ViTForImageClassification(config).eval()
    imported = import_module(vit, IMAGE)
    assert kinds(imported) == ["ImageInput", "PatchEmbedding", "ClassToken",
                               "PositionalEmbedding", "Dropout", "TransformerBlock",
                               "TransformerBlock", "LayerNorm", "SelectToken", "Linear",
                               "ClassificationOutput"]
    block = imported.project.graph.node("vit.layers.1").params
    assert (block["heads"], block["norm"], block["eps"], block["activation"]) == (
        4, "pre", 1e-12, "gelu")
    assert difference(imported, vit, IMAGE) <= 1e-5
    assert any("example's values" in note for note in imported.notes)


def test_gpt2_lm_head_model():
    torch.manual_seed(0)
    config = transformers.GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=100,
                                     n_positions=32)
    gpt2 = transformers.GPT2LMHeadModel(config).eval()
    imported = import_module(gpt2, TOKENS)
    assert kinds(imported) == ["TokenInput", "Embedding", "PositionalEmbedding", "Dropout",
                               "TransformerBlock", "TransformerBlock", "LayerNorm",
                               "TiedLinear", "ClassificationOutput"]
    graph = imported.project.graph
    assert graph.node("transformer.wpe").params == {"max_length": 32}
    block = graph.node("transformer.h.0").params
    assert (block["causal"], block["activation"]) == (True, "gelu_tanh")
    assert graph.node("lm_head").params == {"embedding": "transformer.wte"}
    assert difference(imported, gpt2, TOKENS) <= 1e-5


class ValueBranch(nn.Module):
    """Checks its input's shape (fine) and then its values (not traceable)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != 4:
            raise ValueError("four features")
        if x.sum() > 0:
            return self.linear(x)
        return x


def test_a_condition_on_values_is_still_refused_naming_the_line():
    with pytest.raises(ImportFailure, match=r"test_huggingface_import\.py:\d+: if x\.sum\(\)"):
        import_module(ValueBranch(), TensorSpec((4,)))


class FixedBatch(nn.Module):
    """Works for a batch of exactly two (the traced example's)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.reshape(2, 4))


def test_an_original_that_takes_only_the_traced_batch_is_checked_on_it_with_a_warning():
    imported = import_module(FixedBatch(), TensorSpec((4,)))
    assert any("refuses a batch of 3" in note for note in imported.notes)
    assert any(note.startswith("Checked:") for note in imported.notes)
