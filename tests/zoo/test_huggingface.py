"""GPT-2 and ViT-B/16 against Hugging Face's own implementations (random weights, nothing
downloaded): equal parameter counts, and equal outputs after moving the zoo's weights in.

Hugging Face's GPT-2 keeps its projections in Conv1D layers, whose weight
is the transpose of a Linear's; its ViT has separate query, key and value
layers where torch's attention holds one stacked in_proj. Skipped where
transformers is not installed.
"""

import pytest
import torch

from explorer.graph import check_graph
from explorer.graph.zoo import ZOO
from tests.zoo.test_zoo_outputs import TOLERANCE, compiled, example_input
from tests.zoo.transfer import to_original

# GPT-2's Conv1D layers: their weights are stored transposed.
CONV1D = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


@pytest.fixture(scope="module")
def hf():
    """transformers, or a clean skip (inside the test, so pytest still collects the file)."""
    return pytest.importorskip("transformers")


def gpt2_model(hf):
    return hf.GPT2LMHeadModel(hf.GPT2Config(attn_implementation="eager")).eval()


def vit_model(hf):
    # torchvision's ViT (and the paper's code) use LayerNorm eps 1e-6; transformers' default
    # is 1e-12.
    config = hf.ViTConfig(num_labels=1000, layer_norm_eps=1e-6, attn_implementation="eager")
    return hf.ViTForImageClassification(config).eval()


def count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())  # a tied tensor counts once


def test_hugging_face_counts_the_same_parameters_as_the_zoo(hf):
    with torch.device("meta"):  # shapes only: no memory, no time spent on random numbers
        gpt2, vit = gpt2_model(hf), vit_model(hf)
    assert count(gpt2) == check_graph(ZOO["gpt2"]().graph).total_params == 124_439_808
    assert count(vit) == check_graph(ZOO["vit_b_16"]().graph).total_params == 86_567_656


def gpt2_convert(key: str, tensor: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return tensor.T if key.endswith(CONV1D) else tensor.reshape(like.shape)


def test_gpt2_gives_hugging_faces_logits(hf):
    project, network = compiled("gpt2")
    with torch.device("meta"):
        model = gpt2_model(hf)
    target = model.state_dict()
    weights = to_original(network.state_dict(), project.weight_map, target, gpt2_convert)
    weights["lm_head.weight"] = weights["transformer.wte.weight"]  # the tied head
    assert set(weights) == set(target)
    model.load_state_dict(weights, strict=True, assign=True)
    x = example_input("gpt2")
    with torch.no_grad():
        torch.testing.assert_close(network(x), model(input_ids=x).logits, **TOLERANCE)


def vit_names(target: set[str]) -> dict[str, str]:
    """torchvision's ViT names -> transformers' (5.x names; 4.x where the model has those)."""
    new = "vit.layers.0.attention.q_proj.weight" in target
    layer = "vit.layers.{i}." if new else "vit.encoder.layer.{i}."
    parts = {
        "ln_1": "layernorm_before", "ln_2": "layernorm_after",
        "self_attention.out_proj": "attention.o_proj" if new else "attention.output.dense",
        "mlp.0": "mlp.fc1" if new else "intermediate.dense",
        "mlp.3": "mlp.fc2" if new else "output.dense",
        "q": "attention.q_proj" if new else "attention.attention.query",
        "k": "attention.k_proj" if new else "attention.attention.key",
        "v": "attention.v_proj" if new else "attention.attention.value",
    }
    names = {"conv_proj.weight": "vit.embeddings.patch_embeddings.projection.weight",
             "conv_proj.bias": "vit.embeddings.patch_embeddings.projection.bias",
             "class_token": "vit.embeddings.cls_token",
             "encoder.pos_embedding": "vit.embeddings.position_embeddings",
             "encoder.ln.weight": "vit.layernorm.weight", "encoder.ln.bias": "vit.layernorm.bias",
             "heads.head.weight": "classifier.weight", "heads.head.bias": "classifier.bias"}
    for i in range(12):
        ours, theirs = f"encoder.layers.encoder_layer_{i}.", layer.format(i=i)
        for part, name in parts.items():
            for tensor in ("weight", "bias"):
                names[f"{ours}{part}.{tensor}"] = f"{theirs}{name}.{tensor}"
    return names


def test_vit_gives_hugging_faces_logits(hf):
    project, network = compiled("vit_b_16")
    with torch.device("meta"):
        model = vit_model(hf)
    target = model.state_dict()
    names = vit_names(set(target))
    weights = {}
    for key, tensor in network.state_dict().items():
        original = project.weight_map[key]
        if ".self_attention.in_proj_" in original:  # one stacked tensor -> query, key, value
            tensor_name = "weight" if original.endswith("weight") else "bias"
            stem = original.split(".self_attention.")[0]
            for part, chunk in zip("qkv", tensor.chunk(3), strict=True):
                weights[names[f"{stem}.{part}.{tensor_name}"]] = chunk
            continue
        theirs = names[original]
        weights[theirs] = tensor.reshape(target[theirs].shape)
    assert set(weights) == set(target)
    model.load_state_dict(weights, strict=True, assign=True)
    x = example_input("vit_b_16")
    with torch.no_grad():
        torch.testing.assert_close(network(x), model(pixel_values=x).logits, **TOLERANCE)
