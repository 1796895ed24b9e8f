"""Ready demonstrations: the published results a teacher can show live, in minutes, on a laptop.

Each demonstration is an experiment (variants trained with the same data,
seed, optimizer and budget) plus what to look at: the loss curves, the
gradient flow, a lesion study or a memory measurement, and a short
explanation to read out. Settings were tuned on this project's CPU so each
runs in a few minutes (see docs/science.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TypedDict

from . import recipes
from .experiments import Variant
from .settings import TrainingSettings

VIEWS = ("loss", "gradients", "lesion", "memory")


class _ImageData(TypedDict):
    """What an image recipe needs to know of its data set."""

    channels: int
    size: int
    classes: int
    dataset: str


_DIGITS: _ImageData = {"channels": 1, "size": 8, "classes": 10, "dataset": "digits"}


@dataclass(frozen=True)
class Demo:
    name: str
    title: str
    summary: str  # one line for the gallery
    explanation: str  # a few sentences for the explanation panel
    paper: str
    variants: tuple[Variant, ...]
    settings: TrainingSettings
    view: str  # what to show: one of VIEWS


# SGD as Srivastava et al. trained highway networks, with a cosine decay and a short warm-up;
# He initialisation, so plain networks are not held back by PyTorch's small default start.
# Learning rate 0.05: at 0.1 the baseline, the plain 10-layer network, diverged on some seeds
# (spirals seed 4, moons seeds 0-3), and a comparison is only fair if its baseline trains.
DEEP_MLP = TrainingSettings(dataset="spirals", optimizer="sgd", lr=0.05, momentum=0.9,
                            schedule="cosine", warmup_steps=200, batch_size=64, steps=1500,
                            init="he", log_every=25)


def highway_vs_plain() -> Demo:
    variants = (
        Variant("plain, 10 layers", recipes.mlp(depth=10, width=71),
                {"block": "plain", "depth": 10}),
        Variant("plain, 50 layers", recipes.mlp(depth=50, width=71),
                {"block": "plain", "depth": 50}),
        Variant("highway, 10 layers", recipes.highway_mlp(blocks=9, width=50),
                {"block": "highway", "depth": 10}),
        Variant("highway, 50 layers", recipes.highway_mlp(blocks=49, width=50),
                {"block": "highway", "depth": 50}),
    )
    return Demo(
        "highway_vs_plain", "Plain vs highway networks at depth 10 and 50",
        "Plain networks stall as they deepen; highway networks train at 50 layers.",
        "Four fully connected networks learn the two spirals with the same optimizer, seed "
        "and number of steps. Plain layers are 71 wide and highway layers 50, so every layer "
        "has about the same number of weights. At depth 10 both train. At depth 50 the plain "
        "network does not: it stays at the loss of guessing (ln 2 ≈ 0.69), or its loss blows "
        "up, while the highway network, whose gates start mostly carrying their input (a "
        "negative gate bias chosen for the depth), trains, more slowly than at depth 10: "
        "y = H(x)·T(x) + x·(1 − T(x)).",
        "Srivastava, Greff & Schmidhuber 2015, Training Very Deep Networks",
        variants, DEEP_MLP, "loss")


def degradation() -> Demo:
    variants = tuple(
        Variant(f"{'plain' if plain else 'residual'}, {6 * n + 2} layers",
                recipes.resnet_cifar(n=n, plain=plain, **_DIGITS),
                {"block": "plain" if plain else "residual", "depth": 6 * n + 2})
        for plain in (True, False) for n in (1, 5))
    settings = TrainingSettings(dataset="digits", optimizer="sgd", lr=0.1, momentum=0.9,
                                weight_decay=1e-4, batch_size=128, steps=600, init="he",
                                log_every=25)
    return Demo(
        "degradation", "Degradation: deeper plain networks train worse, residual ones do not",
        "A 32-layer plain CNN ends with a higher training loss than an 8-layer one.",
        "CIFAR-style networks (three stages of 3×3 convolutions, BatchNorm after each) learn "
        "the bundled 8×8 digits. The 32-layer plain network ends with a higher training loss "
        "than the 8-layer one: depth made it harder to optimise, not to fit. The 32-layer "
        "residual network ends far below the plain one of its depth (on digits, below the "
        "8-layer residual one too). With BatchNorm the plain network's gradients do not "
        "vanish (look at the gradient panel): He et al. call it an optimisation difficulty, "
        "unlike the sigmoid/tanh demonstration, where gradients do vanish.",
        "He, Zhang, Ren & Sun 2016, Deep Residual Learning for Image Recognition",
        variants, settings, "loss")


def vanishing_gradients() -> Demo:
    variants = (
        Variant("plain tanh, 30 layers", recipes.mlp(depth=30, width=32, activation="Tanh"),
                {"block": "plain", "depth": 30}),
        Variant("residual tanh, 29 layers",
                recipes.residual_mlp(blocks=14, width=32, activation="tanh", order="pre"),
                {"block": "residual", "depth": 29}),
    )
    settings = TrainingSettings(dataset="spirals", optimizer="sgd", lr=0.05, momentum=0.9,
                                batch_size=64, steps=400, log_every=10)
    return Demo(
        "vanishing_gradients", "Vanishing gradients in a deep tanh network",
        "Gradients shrink layer by layer toward the input; skip connections carry them.",
        "Thirty tanh layers without normalisation. Every tanh multiplies the gradient by its "
        "slope, at most 1 and usually less, so by the first layers almost nothing is left: "
        "the gradient panel's bars fall by orders of magnitude toward the input and the "
        "canvas colours the early layers dark. The residual version adds each block's input "
        "to its output and applies nothing after the add (pre-activation blocks, He et al. "
        "2016b), so the gradient also flows along the skips, untouched, and reaches every "
        "layer within an order of magnitude of the last.",
        "Hochreiter 1991; Glorot & Bengio 2010; He et al. 2016",
        variants, settings, "gradients")


def concat_vs_add() -> Demo:
    variants = (
        Variant("residual (add)", recipes.resnet_cifar(n=2, **_DIGITS),
                {"block": "residual", "depth": 14}),
        Variant("dense (concatenate)", recipes.densenet(blocks=3, layers=4, growth_rate=12,
                                                        **_DIGITS),
                {"block": "dense", "depth": 16}),
    )
    settings = TrainingSettings(dataset="digits", optimizer="adam", lr=3e-3, batch_size=128,
                                steps=400, log_every=20)
    return Demo(
        "concat_vs_add", "Concatenation vs addition: dense and residual blocks",
        "A residual block sums, keeping the width; a dense block concatenates and grows.",
        "A residual block adds its result to its input: the number of channels stays the "
        "same and earlier features are blended in. A dense block concatenates: each layer "
        "sees every earlier feature map unchanged and adds growth_rate new channels, so the "
        "channel count grows through the block (watch the shapes on the canvas) and "
        "transition layers thin it again. Compare parameters and accuracy.",
        "Huang, Liu, van der Maaten & Weinberger 2017, Densely Connected Networks",
        variants, settings, "loss")


def pre_vs_post_ln() -> Demo:
    sorter = partial(recipes.transformer_classifier, depth=8, dim=32, heads=4, per_token=True,
                     dataset="sort")
    variants = (
        Variant("Pre-LN, 8 blocks", sorter(norm="pre"), {"block": "pre-LN", "depth": 8}),
        Variant("Post-LN, 8 blocks", sorter(norm="post"), {"block": "post-LN", "depth": 8}),
    )
    settings = TrainingSettings(dataset="sort", optimizer="adam", lr=1e-2, batch_size=64,
                                steps=300, warmup_steps=0, log_every=10)
    return Demo(
        "pre_vs_post_ln", "Pre-LN vs Post-LN transformers without warm-up",
        "LayerNorm before each part trains stably; after each residual add, it struggles.",
        "Eight transformer blocks learn to sort a sequence of tokens, with a high learning "
        "rate and no warm-up. Pre-LN normalises the input of attention and of the MLP and "
        "leaves the residual path untouched: y = x + Attn(LN(x)). Post-LN normalises after "
        "each add: "
        "y = LN(x + Attn(x)), so every gradient passes through every LayerNorm, and deep "
        "Post-LN stacks need a warm-up to train.",
        "Xiong et al. 2020, On Layer Normalization in the Transformer Architecture",
        variants, settings, "loss")


def lesion() -> Demo:
    variants = (
        Variant("residual, 8 blocks", recipes.residual_mlp(blocks=8, width=64),
                {"block": "residual", "depth": 17}),
        Variant("plain, 17 layers", recipes.mlp(depth=17, width=64),
                {"block": "plain", "depth": 17}),
    )
    settings = TrainingSettings(dataset="spirals", optimizer="adam", lr=1e-3, batch_size=64,
                                steps=2000, log_every=50)
    return Demo(
        "lesion", "Lesion study: residual networks behave like ensembles",
        "Switch off one block after training: a residual net mostly barely notices, a plain "
        "one breaks.",
        "After training, each block is switched off in turn and the validation accuracy "
        "measured again. Removing a residual block keeps its skip connection, and for most "
        "blocks the accuracy moves by a few points at most (the first block, which sees the "
        "input, matters more, and one other block often costs more than the rest): the many "
        "paths through a residual network act like an ensemble of shallower networks. "
        "Removing one layer of the plain network breaks its only path, and for at least half "
        "of its layers the accuracy falls to about chance.",
        "Veit, Wilber & Belongie 2016, Residual Networks Behave Like Ensembles of Relatively "
        "Shallow Networks",
        variants, settings, "lesion")


def checkpoint_memory() -> Demo:
    variants = (
        Variant("residual MLP, 20 blocks of 256", recipes.residual_mlp(blocks=20, width=256),
                {"block": "residual", "depth": 41}),
        Variant("ResNet-20 on 32×32 shapes", recipes.resnet_cifar(n=3, dataset="shapes"),
                {"block": "residual", "depth": 20}),
    )
    settings = TrainingSettings(dataset="spirals", batch_size=128, steps=1)
    return Demo(
        "checkpoint_memory", "Memory: gradient checkpointing of residual blocks",
        "Storing fewer activations for backward trades memory for recomputation.",
        "During the forward pass every block keeps its intermediate results for the backward "
        "pass; in deep networks these stored activations, not the weights, fill the memory. "
        "With gradient checkpointing each block keeps only its input and computes its inside "
        "again during backward. The table shows the activation memory measured both ways, "
        "and how much longer a step takes.",
        "Chen, Xu, Zhang & Guestrin 2016, Training Deep Nets with Sublinear Memory Cost",
        variants, settings, "memory")


DEMOS = {
    "highway_vs_plain": highway_vs_plain,
    "degradation": degradation,
    "vanishing_gradients": vanishing_gradients,
    "concat_vs_add": concat_vs_add,
    "pre_vs_post_ln": pre_vs_post_ln,
    "lesion": lesion,
    "checkpoint_memory": checkpoint_memory,
}


def demo(name: str) -> Demo:
    try:
        return DEMOS[name]()
    except KeyError:
        raise KeyError(f"there is no demonstration {name!r}; choose one of "
                       + ", ".join(DEMOS) + ".") from None
