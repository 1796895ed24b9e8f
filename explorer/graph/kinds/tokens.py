"""Turning images into token sequences and sequences back into answers: what a vision
transformer (ViT) and a GPT-style text model need around their transformer blocks.

ViT: Image → PatchEmbedding → ClassToken → PositionalEmbedding → blocks → LayerNorm →
SelectToken(0) → Linear. GPT-2: Token input → Embedding → PositionalEmbedding → blocks →
LayerNorm → TiedLinear (the token table used backwards) → per-token classification.
"""

from __future__ import annotations

from ..errors import ShapeError
from ..params import Param
from ..specs import TensorSpec
from .base import LAYERS, POOLING, Context, NodeKind, need_layout, register


def _patches(ctx: Context) -> TensorSpec:
    _, h, w = need_layout(ctx, "Patch embedding", "image",
                          hint="It cuts an image into patches; feed it an Image input.").shape
    p = ctx["patch_size"]
    if h % p or w % p:
        raise ShapeError(
            f"Patch embedding cuts the image into {p}×{p} patches, but a {h}×{w} image does "
            f"not divide into them evenly.",
            f"Pick a patch size that divides both {h} and {w}, or resize the image "
            f"(e.g. to {max(p, h - h % p)}×{max(p, w - w % p)}).",
        )
    return TensorSpec(((h // p) * (w // p), ctx["dim"]))


def _patches_count(ctx: Context) -> int:
    c, p, d = ctx.x.shape[0], ctx["patch_size"], ctx["dim"]
    return d * c * p * p + d


PATCH_EMBEDDING = NodeKind(
    name="PatchEmbedding",
    title="Patch embedding",
    category=LAYERS,
    id_prefix="patch",
    description="Cuts the image into square patches and maps each to a vector, giving a "
    "sequence a transformer can read (ViT). A convolution whose stride is its size.",
    formula="y[i·W/p + j] = W·x[:, ip:(i+1)p, jp:(j+1)p] + b,  N = (H/p)·(W/p) tokens",
    params=(
        Param("patch_size", int, 16, "Height and width p of each patch", min=1, max=256),
        Param("dim", int, 768, "Length of each patch's vector", min=1, max=65536),
    ),
    infer=_patches,
    count=_patches_count,
    paper="Dosovitskiy et al. 2021",
)


def _class_token(ctx: Context) -> TensorSpec:
    n, d = need_layout(ctx, "Class token", "sequence",
                       hint="Put it after a Patch embedding or an Embedding.").shape
    return TensorSpec((n + 1, d))


CLASS_TOKEN = NodeKind(
    name="ClassToken",
    title="Class token",
    category=LAYERS,
    id_prefix="cls",
    description="Puts one learned token in front of the sequence; attention lets it gather "
    "the whole sequence, and the head reads the answer from it (ViT, BERT).",
    formula="y = [c; x₁; …; x_N]  (N + 1 tokens; c learned, starting at 0)",
    params=(),
    infer=_class_token,
    count=lambda ctx: ctx.x.shape[1],
    paper="Devlin et al. 2019; Dosovitskiy et al. 2021",
)


def _select(ctx: Context) -> TensorSpec:
    n, d = need_layout(ctx, "Select token", "sequence",
                       hint="It picks one token of a sequence.").shape
    i = ctx["index"]
    if not -n <= i < n:
        raise ShapeError(f"Select token picks token {i}, but the sequence has only {n} "
                         f"tokens (0 … {n - 1}).",
                         "Use 0 for the first (class) token, −1 for the last.")
    return TensorSpec((d,))


SELECT_TOKEN = NodeKind(
    name="SelectToken",
    title="Select token",
    category=POOLING,
    id_prefix="select",
    description="Keeps one token of the sequence as the feature vector: the class token in "
    "ViT and BERT (index 0), the last token in a GPT-style text model (index −1).",
    formula="y = x[i]",
    params=(
        Param("index", int, 0, "Which token (0 the first, −1 the last)", min=-65536,
              max=65535),
    ),
    infer=_select,
)


# The tied output layer names its Embedding by node id (a parameter), not by a wire.
# A wire carries a tensor, and the Embedding's output (the embedded tokens) is not what
# the layer uses: it uses the table itself, and needs its row count, which no wire's
# shape says. Ids never change (renaming edits the label), so the name survives undo,
# redo and saving; the checker hands the rule the named node as it is now
# (``ctx.referred``, see ``NodeKind.refers_to``) and re-checks the layer whenever that
# node changes, goes or comes back, or the wiring moves. A missing, wrong or unwired
# Embedding is an error on this layer, never a crash. The compiler writes the tie as
# ``F.linear(h, self.embed_1.weight)``: one tensor, counted and saved once.
def _tied(ctx: Context) -> TensorSpec:
    x = need_layout(ctx, "A tied output layer", "features", "sequence",
                    hint="Put it after the last LayerNorm of the transformer.")
    ref, name = ctx.referred, ctx["embedding"]
    fix = "Set 'embedding' to the id of the Embedding whose table it shares (e.g. embed_1)."
    if not name or ref is None:
        raise ShapeError("A tied output layer needs the Embedding whose table it shares.", fix)
    if ref.kind is None:
        raise ShapeError(f"There is no node '{name}' to share a table with (was it deleted?).",
                         fix)
    if ref.kind != "Embedding":
        raise ShapeError(f"A tied output layer shares an Embedding's table, but '{name}' is "
                         f"a {ref.kind}.", fix)
    if not ref.upstream:
        raise ShapeError(f"A tied output layer must come after the Embedding '{name}' it "
                         "shares, but that Embedding does not feed it.",
                         "Wire the Embedding into the path that leads here, or name another.")
    rows, width = ref.params["num_embeddings"], ref.params["embedding_dim"]
    if x.shape[-1] != width:
        raise ShapeError(
            f"The table of '{name}' holds vectors of {width}, but {x.shape[-1]} features "
            f"arrive here.", f"Give the layers before it {width} features.")
    return TensorSpec((*x.shape[:-1], rows))


TIED_LINEAR = NodeKind(
    name="TiedLinear",
    title="Tied output layer",
    category=LAYERS,
    id_prefix="tied",
    description="Scores every token of the vocabulary with the Embedding's own table, read "
    "backwards (GPT-2's output layer): no weights of its own.",
    formula="y = x·Eᵀ  (E: the named Embedding's table)",
    params=(
        Param("embedding", str, "", "Id of the Embedding whose table it shares"),
    ),
    infer=_tied,
    refers_to="embedding",
    paper="Press & Wolf 2017",
)

register(PATCH_EMBEDDING, CLASS_TOKEN, SELECT_TOKEN, TIED_LINEAR)
