"""ViT-B/16 (Dosovitskiy et al. 2021) as torchvision builds it, and a decoder shaped like GPT-2
small (Radford et al. 2019) with Hugging Face's names.

Both are Pre-LN transformer blocks; what differs is around them: ViT cuts
the image into 16×16 patches, puts a class token in front and classifies
that token's final state; GPT-2 embeds tokens, masks attention to earlier
tokens, and scores the next token with its own embedding table (the LM head
is tied to ``wte``, so it adds no weights).
"""

from __future__ import annotations

from ..model import ArchitectureGraph, Node
from ..project_model import Project
from .build import Chain, finish, image_chain

# A transformer block's tensors -> torchvision's EncoderBlock names.
VIT_BLOCK = {
    "ln1.weight": "ln_1.weight", "ln1.bias": "ln_1.bias",
    "attn.mha.in_proj_weight": "self_attention.in_proj_weight",
    "attn.mha.in_proj_bias": "self_attention.in_proj_bias",
    "attn.mha.out_proj.weight": "self_attention.out_proj.weight",
    "attn.mha.out_proj.bias": "self_attention.out_proj.bias",
    "ln2.weight": "ln_2.weight", "ln2.bias": "ln_2.bias",
    "fc1.weight": "mlp.0.weight", "fc1.bias": "mlp.0.bias",
    "fc2.weight": "mlp.3.weight", "fc2.bias": "mlp.3.bias",
}

# ViT's other layers -> torchvision's keys, by node id and tensor.
VIT_LAYERS = {
    "conv_proj.weight": "conv_proj.weight", "conv_proj.bias": "conv_proj.bias",
    "class_token.token": "class_token",
    "pos_embedding.weight": "encoder.pos_embedding",
    "encoder_ln.weight": "encoder.ln.weight", "encoder_ln.bias": "encoder.ln.bias",
    "head.weight": "heads.head.weight", "head.bias": "heads.head.bias",
}

# A transformer block's tensors -> Hugging Face's GPT2Block names (GPT-2's Conv1D layers hold
# the transpose of these Linear weights: see the weight map's users).
GPT2_BLOCK = {
    "ln1.weight": "ln_1.weight", "ln1.bias": "ln_1.bias",
    "attn.mha.in_proj_weight": "attn.c_attn.weight",
    "attn.mha.in_proj_bias": "attn.c_attn.bias",
    "attn.mha.out_proj.weight": "attn.c_proj.weight",
    "attn.mha.out_proj.bias": "attn.c_proj.bias",
    "ln2.weight": "ln_2.weight", "ln2.bias": "ln_2.bias",
    "fc1.weight": "mlp.c_fc.weight", "fc1.bias": "mlp.c_fc.bias",
    "fc2.weight": "mlp.c_proj.weight", "fc2.bias": "mlp.c_proj.bias",
}


def vit_original_key(node_id: str, node: Node, inner: str) -> str:
    """``encoder_layer_3`` + ``fc1.weight`` -> ``encoder.layers.encoder_layer_3.mlp.0.weight``."""
    if node.kind == "TransformerBlock":
        return f"encoder.layers.{node_id}.{VIT_BLOCK[inner]}"
    return VIT_LAYERS[f"{node_id}.{inner}"]


def gpt2_original_key(node_id: str, node: Node, inner: str) -> str:
    """``h_3`` + ``fc1.weight`` -> ``transformer.h.3.mlp.c_fc.weight``."""
    if node.kind == "TransformerBlock":
        return f"transformer.h.{node_id.removeprefix('h_')}.{GPT2_BLOCK[inner]}"
    return f"transformer.{node_id}.{inner}"


def vit_b_16(size: int = 224, patch: int = 16, depth: int = 12, dim: int = 768,
             heads: int = 12) -> Project:
    chain = image_chain(size)
    chain.add("conv_proj", "PatchEmbedding", patch_size=patch, dim=dim)
    chain.add("class_token", "ClassToken")
    chain.add("pos_embedding", "PositionalEmbedding")
    for i in range(depth):
        chain.add(f"encoder_layer_{i}", "TransformerBlock", heads=heads, mlp_ratio=4,
                  norm="pre", activation="gelu", eps=1e-6)
    chain.add("encoder_ln", "LayerNorm", eps=1e-6)
    chain.add("select", "SelectToken", index=0)
    chain.add("head", "Linear", out_features=1000)
    return finish(
        chain, f"ViT-B/{patch}",
        f"Dosovitskiy et al. 2021, as torchvision builds it: {patch}×{patch} patches of a "
        f"{size}×{size} image become {(size // patch) ** 2} tokens of {dim}, a class token "
        f"goes in front, {depth} Pre-LN transformer blocks with {heads} heads, and the class "
        "token's final state is classified into 1000 classes. Weights load from and save to "
        "torchvision's layout.",
        vit_original_key, optimizer="adamw", lr=3e-4, weight_decay=0.05)


def gpt2_small(length: int = 64, positions: int = 1024, vocab: int = 50257, depth: int = 12,
               dim: int = 768, heads: int = 12) -> Project:
    graph = ArchitectureGraph()
    chain = Chain(graph, graph.add_node("TokenInput", {"length": length, "vocab": vocab},
                                        node_id="tokens"))
    chain.add("wte", "Embedding", num_embeddings=vocab, embedding_dim=dim)
    chain.add("wpe", "PositionalEmbedding", max_length=positions)
    for i in range(depth):
        chain.add(f"h_{i}", "TransformerBlock", heads=heads, mlp_ratio=4, norm="pre",
                  causal=True, activation="gelu_tanh", eps=1e-5)
    chain.add("ln_f", "LayerNorm", eps=1e-5)
    chain.add("lm_head", "TiedLinear", embedding="wte")
    return finish(
        chain, "GPT-2 small",
        f"Radford et al. 2019, with Hugging Face's names: token and position embeddings "
        f"({positions} positions; {length} tokens fed here), {depth} Pre-LN causal "
        f"transformer blocks of {dim} with {heads} heads and tanh GELU, a final LayerNorm, "
        "and next-token scores through the token table itself (tied LM head). Weights load "
        "from and save to Hugging Face's GPT-2 layout (Conv1D weights transposed).",
        gpt2_original_key, dataset="npz", dataset_options={"tokens": True}, batch_size=4,
        optimizer="adamw", lr=3e-4, weight_decay=0.01)  # token data of one's own (.npz)
