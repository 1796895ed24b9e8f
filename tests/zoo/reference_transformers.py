"""ViT-B/16 and GPT-2 small, written from their papers in plain torch (nothing from explorer).

- ViT (Dosovitskiy et al. 2021): 16×16 patches projected by a strided conv, a
  learned class token and position table, Pre-LN encoder layers (LayerNorm
  eps 1e-6, exact GELU), the class token's final state classified. Names are
  torchvision's (conv_proj, class_token, encoder.pos_embedding,
  encoder.layers.encoder_layer_N, heads.head).
- GPT-2 (Radford et al. 2019): token and position embeddings, Pre-LN causal
  decoder layers (tanh GELU), a final LayerNorm and logits through the
  token embedding itself (the LM head is tied). Names are Hugging Face's
  (transformer.wte, transformer.h.N.attn.c_attn ...), but the layers are
  nn.Linear, so each weight is the transpose of Hugging Face's Conv1D one.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int,
              causal: bool) -> torch.Tensor:
    """Scaled dot-product attention over ``heads`` heads, written out (batch × tokens × dim)."""
    b, n, d = q.shape

    def split(t: torch.Tensor) -> torch.Tensor:
        return t.view(b, n, heads, d // heads).transpose(1, 2)

    scores = split(q) @ split(k).transpose(-2, -1) / math.sqrt(d // heads)
    if causal:
        later = torch.ones(n, n, dtype=torch.bool, device=q.device).triu(1)
        scores = scores.masked_fill(later, float("-inf"))
    return (scores.softmax(-1) @ split(v)).transpose(1, 2).reshape(b, n, d)


# -- ViT-B/16 ------------------------------------------------------------------------


class EncoderBlock(nn.Module):
    """x + attn(ln_1(x)), then + mlp(ln_2(·)); mlp.0 and mlp.3 as in torchvision's MLPBlock."""

    def __init__(self, dim: int, heads: int, hidden: int) -> None:
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(dim, eps=1e-6)
        self.self_attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(0.0),
                                 nn.Linear(hidden, dim), nn.Dropout(0.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mha = self.self_attention
        q, k, v = F.linear(self.ln_1(x), mha.in_proj_weight, mha.in_proj_bias).chunk(3, -1)
        x = x + mha.out_proj(attention(q, k, v, self.heads, causal=False))
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    def __init__(self, tokens: int, depth: int, dim: int, heads: int, hidden: int) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.randn(1, tokens, dim) * 0.02)
        self.layers = nn.Sequential(OrderedDict(
            (f"encoder_layer_{i}", EncoderBlock(dim, heads, hidden)) for i in range(depth)))
        self.ln = nn.LayerNorm(dim, eps=1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ln(self.layers(x + self.pos_embedding))


class VisionTransformer(nn.Module):
    def __init__(self, size: int = 224, patch: int = 16, depth: int = 12, dim: int = 768,
                 heads: int = 12, hidden: int = 3072, classes: int = 1000) -> None:
        super().__init__()
        self.conv_proj = nn.Conv2d(3, dim, patch, patch)
        self.class_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.encoder = Encoder((size // patch) ** 2 + 1, depth, dim, heads, hidden)
        self.heads = nn.Sequential(OrderedDict(head=nn.Linear(dim, classes)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        patches = self.conv_proj(x).flatten(2).transpose(1, 2)  # batch × patches × dim
        token = self.class_token.expand(x.shape[0], -1, -1)
        return self.heads(self.encoder(torch.cat([token, patches], 1))[:, 0])


# -- GPT-2 small --------------------------------------------------------------------


class CausalSelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.c_attn = nn.Linear(dim, 3 * dim)
        self.c_proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.c_attn(x).chunk(3, -1)
        return self.c_proj(attention(q, k, v, self.heads, causal=True))


class MLP(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.c_fc = nn.Linear(dim, 4 * dim)
        self.c_proj = nn.Linear(4 * dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class DecoderBlock(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads)
        self.ln_2 = nn.LayerNorm(dim)
        self.mlp = MLP(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, vocab: int, positions: int, depth: int, dim: int, heads: int) -> None:
        super().__init__()
        self.wte = nn.Embedding(vocab, dim)
        self.wpe = nn.Embedding(positions, dim)
        self.h = nn.ModuleList(DecoderBlock(dim, heads) for _ in range(depth))
        self.ln_f = nn.LayerNorm(dim)


class GPT2(nn.Module):
    """Token ids (batch × tokens) -> next-token logits (batch × tokens × vocab)."""

    def __init__(self, vocab: int = 50257, positions: int = 1024, depth: int = 12,
                 dim: int = 768, heads: int = 12) -> None:
        super().__init__()
        self.transformer = Transformer(vocab, positions, depth, dim, heads)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        t = self.transformer
        x = t.wte(ids) + t.wpe.weight[: ids.shape[1]]
        for block in t.h:
            x = block(x)
        return t.ln_f(x) @ t.wte.weight.T  # the LM head shares the token embedding
