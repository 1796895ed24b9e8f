"""Token sequences with a rule to learn: copy, reverse, sort, and parity.

For copy, reverse and sort the network sees the whole sequence at once and
names the token that belongs at each position of the answer (one class per
token, ``vocab`` classes), so an encoder that is not causal can learn them.
For parity it gives one class per sequence: is the number of 1s even?
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from explorer.graph.params import Param
from explorer.graph.specs import TensorSpec

from .dataset import DatasetInfo, Generated, Maker
from .limits import require_memory

SEQUENCES_GROUP = "Sequences"


def _options() -> tuple[Param, ...]:
    return (
        Param("length", int, 16, "Tokens per sequence", min=2, max=1024),
        Param("vocab", int, 16, "Number of distinct tokens", min=2, max=10_000),
        Param("count", int, 2000, "How many sequences in all", min=4, max=1_000_000),
    )


def _tokens(name: str, opts: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    require_memory(name, 16 * opts["count"] * opts["length"], "count or length")  # x and y
    return rng.integers(0, opts["vocab"], (opts["count"], opts["length"]), dtype=np.int64)


def _per_token(name: str, rule: Callable[[np.ndarray], np.ndarray]) -> Maker:
    def make(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
        x = _tokens(name, opts, rng)
        spec = TensorSpec((opts["length"],), "long", vocab=opts["vocab"])
        names = tuple(f"token {t}" for t in range(opts["vocab"]))
        return Generated(x, rule(x).astype(np.int64), spec, "classification", opts["vocab"],
                         names)

    return make


def _parity(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    """Random sequences, each then nudged (one token changed) to the parity its label asks.

    Labels are drawn first, so the two classes are exactly balanced.
    """
    x = _tokens("parity", opts, rng)
    n, length, vocab = x.shape[0], x.shape[1], opts["vocab"]
    labels = rng.permutation(np.arange(n) % 2).astype(np.int64)  # 1 = odd number of 1s
    wrong = np.flatnonzero((x == 1).sum(axis=1) % 2 != labels)
    where = rng.integers(0, length, len(wrong))
    others = rng.integers(0, vocab - 1, len(wrong))  # a token other than 1 ...
    others[others >= 1] += 1  # ... skipping 1
    is_one = x[wrong, where] == 1
    x[wrong, where] = np.where(is_one, others, 1)
    spec = TensorSpec((length,), "long", vocab=vocab)
    return Generated(x, labels, spec, "classification", 2, ("even", "odd"))


def _info(name: str, title: str, description: str, make: Maker) -> DatasetInfo:
    return DatasetInfo(name, title, description, SEQUENCES_GROUP, _options(),
                       "classification", "TokenInput", make)


DATASETS = (
    _info("copy", "Copy", "Repeat the sequence: predict each token as it is.",
          _per_token("copy", lambda x: x.copy())),
    _info("reverse", "Reverse", "Predict the sequence back to front, token by token.",
          _per_token("reverse", lambda x: x[:, ::-1].copy())),
    _info("sort", "Sort", "Predict the sequence's tokens in increasing order, token by token.",
          _per_token("sort", lambda x: np.sort(x, axis=1))),
    _info("parity", "Parity", "Is the number of 1s in the sequence even or odd?", _parity),
)
