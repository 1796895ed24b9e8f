"""A transformer layer, however it is written, as a ``TransformerBlock``.

A part counts as a transformer layer when its weights are those of one:
two LayerNorms over the features, the query/key/value projections (one
``nn.MultiheadAttention``, one fused projection to 3·d, or three separate
ones), an output projection, and a two-layer MLP (d → r·d → d), all with
biases and nothing else. Which LayerNorm comes first, Pre- or Post-LN,
causal or not, exact or tanh GELU and the number of heads are not in the
weights: each combination is tried, most common first, until the block
computes what the part computed (``block_weights.difference``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import product

import torch
import torch.nn as nn

from explorer.compiler import blocks

from .block_weights import TOLERANCE, Found, Taken, difference

HEAD_ATTRIBUTES = ("num_heads", "heads", "n_head", "n_heads", "num_attention_heads",
                   "attention_heads")


@dataclass
class _Projection:
    """A learned y = W·x + b: W is ``rows`` × ``columns`` once ``transpose`` is applied."""

    weight: str
    bias: str
    rows: int
    columns: int
    transpose: bool = False

    def taken(self) -> tuple[Taken, Taken]:
        return Taken((self.weight,), self.transpose), Taken((self.bias,))


def _projections_and_norms(part: nn.Module) -> tuple[list[_Projection], list[str], float] | None:
    """The part's projections and LayerNorms in the order they were made, or None when it holds
    any other weight (or a projection without a bias)."""
    projections: list[_Projection] = []
    norms: list[str] = []
    eps: set[float] = set()
    for name, m in part.named_modules():
        own = dict(m.named_parameters(recurse=False))
        if not own:
            continue
        p = f"{name}." if name else ""
        if isinstance(m, nn.LayerNorm) and set(own) == {"weight", "bias"} \
                and len(m.normalized_shape) == 1:
            norms.append(p)
            eps.add(m.eps)
        elif isinstance(m, nn.Linear) and m.bias is not None:
            projections.append(_Projection(p + "weight", p + "bias", m.out_features,
                                           m.in_features))
        elif isinstance(m, nn.MultiheadAttention) and set(own) == {"in_proj_weight",
                                                                   "in_proj_bias"}:
            rows, columns = m.in_proj_weight.shape
            projections.append(_Projection(p + "in_proj_weight", p + "in_proj_bias", rows,
                                           columns))
        elif type(m).__name__ == "Conv1D" and set(own) == {"weight", "bias"} \
                and m.weight.dim() == 2:  # Hugging Face's transposed Linear
            columns, rows = m.weight.shape
            projections.append(_Projection(p + "weight", p + "bias", rows, columns, True))
        else:
            return None
    return (projections, norms, eps.pop()) if len(eps) == 1 else None


def _layouts(projections: list[_Projection], d: int) -> Iterator[dict[str, Taken]]:
    """Ways the projections can be the attention's and the MLP's weights."""
    square = [p for p in projections if (p.rows, p.columns) == (d, d)]
    wide = [p for p in projections if p.columns == d and p.rows not in (d,) and p.rows % d == 0]
    narrow = [p for p in projections if p.rows == d and p.columns != d]
    if len(narrow) != 1 or narrow[0].columns % d:
        return
    fc2 = narrow[0]
    fc1s = [p for p in wide if p.rows == fc2.columns]
    for fc1 in fc1s:
        rest = [p for p in projections if p is not fc1 and p is not fc2]
        fused = [p for p in rest if (p.rows, p.columns) == (3 * d, d)]
        if len(rest) == 2 and len(fused) == 1:
            qkv = fused[0].taken()
            out = next(p for p in rest if p is not fused[0])
        elif len(rest) == 4 and len(square) >= 4 and all(p in square for p in rest):
            q, k, v, out = rest
            qkv = (Taken(tuple(p.weight for p in (q, k, v))),
                   Taken(tuple(p.bias for p in (q, k, v))))
        else:
            continue
        if (out.rows, out.columns) != (d, d):
            continue
        out_w, out_b = out.taken()
        fc1_w, fc1_b = fc1.taken()
        fc2_w, fc2_b = fc2.taken()
        yield {"attn.mha.in_proj_weight": qkv[0], "attn.mha.in_proj_bias": qkv[1],
               "attn.mha.out_proj.weight": out_w, "attn.mha.out_proj.bias": out_b,
               "fc1.weight": fc1_w, "fc1.bias": fc1_b, "fc2.weight": fc2_w, "fc2.bias": fc2_b}


def _heads(part: nn.Module, d: int) -> list[int]:
    """Head counts to try: those the part's layers name first, then the usual ones."""
    named = [getattr(m, a) for m in part.modules() for a in HEAD_ATTRIBUTES
             if isinstance(getattr(m, a, None), int)]
    usual = [d // 64, 12, 8, 16, 4, 2, 1, 6, 3, 32]
    return [h for h in dict.fromkeys([*named, *usual]) if h >= 1 and d % h == 0]


def transformer_block(part: nn.Module, x: torch.Tensor, y: torch.Tensor,
                      state: Mapping[str, torch.Tensor]) -> Found | None:
    if x.dim() != 3 or y.shape != x.shape:
        return None
    d = x.shape[-1]
    found = _projections_and_norms(part)
    if found is None or len(found[1]) != 2:
        return None
    projections, norms, eps = found
    for layout in _layouts(projections, d):
        ratio = state[layout["fc1.bias"].keys[0]].shape[0] // d
        for first, second in (norms, norms[::-1]):
            weights = {**layout, "ln1.weight": Taken((first + "weight",)),
                       "ln1.bias": Taken((first + "bias",)),
                       "ln2.weight": Taken((second + "weight",)),
                       "ln2.bias": Taken((second + "bias",))}
            for heads, norm, causal in product(_heads(part, d)[:3], ("pre", "post"),
                                               (False, True)):
                # Exact and tanh GELU differ little on small values: both are tried, and
                # the closer one is kept.
                errors = {activation: difference(
                    blocks.TransformerBlock(d, heads, ratio, norm=norm, causal=causal,
                                            activation=activation, eps=eps),
                    state, weights, x, y) for activation in ("gelu", "gelu_tanh")}
                activation = min(errors, key=lambda a: errors[a])
                if errors[activation] <= TOLERANCE:
                    return Found("TransformerBlock",
                                 {"heads": heads, "mlp_ratio": ratio, "norm": norm,
                                  "causal": causal, "activation": activation, "eps": eps},
                                 weights)
    return None
