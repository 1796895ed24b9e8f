"""Finding the parts of a network that compute exactly what one of the editor's blocks does.

Before tracing, the network runs once on the example with a hook on each of
its own (not ``torch.nn``) submodules, recording what the part was given and
what it gave back. Each recogniser in ``RECOGNISERS`` looks at a part's
layers (their kinds and sizes), proposes the block settings that could fit
(Pre- or Post-LN, causal or not, which activation ...) and keeps the first
whose block, holding the part's weights, turns the recorded input into the
recorded output. Checking the output, rather than the code, is what makes a
fold safe: a look-alike that computes something else (another order, an
extra scale) is simply not folded, and its layers come in one by one.

A recognised part is then traced as one call and becomes one block node
(``GraphMapper`` reads ``Recognised``); its weights keep the original's names
in ``project.weight_map`` where they are copied, and are made by ``Taken``
where the block stores them differently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn as nn

from .block_weights import Found, Taken
from .concrete_tracing import call_options
from .export_values import recorded_calls
from .recognisers import RECOGNISERS
from .tracing import from_torch


@dataclass
class Recognised:
    """A part of the network (``name``) that is one block; weights in the network's names."""

    name: str
    kind: str
    params: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)  # copied: block key -> original key
    derived: dict[str, Taken] = field(default_factory=dict)  # made from several, or transposed


def recognise_blocks(module: nn.Module, example: torch.Tensor) -> dict[str, Recognised]:
    """Every outermost part of ``module`` that one block computes, by qualified name.

    A part called more than once (shared weights), or not on a tensor first, is left
    alone; so is anything inside a part already recognised.
    """
    parts = {name: part for name, part in module.named_modules()
             if name and not from_torch(type(part))
             and next(part.parameters(), None) is not None}
    calls = _record_calls(module, example, parts)
    found: dict[str, Recognised] = {}
    for name, part in parts.items():
        if name not in calls or any(name.startswith(f"{done}.") for done in found):
            continue
        x, y = calls[name]
        state = part.state_dict()
        for recogniser in RECOGNISERS:
            try:
                match = recogniser(part, x, y, state)
            except Exception:  # a part no block fits in an unforeseen way: its layers come in
                match = None
            if match is not None:
                found[name] = _named(name, match)
                break
    return found


def _named(name: str, match: Found) -> Recognised:
    recognised = Recognised(name, match.kind, match.params)
    for key, taken in match.weights.items():
        full = taken.prefixed(f"{name}.")
        if full.copied:
            recognised.sources[key] = full.keys[0]
        else:
            recognised.derived[key] = full
    return recognised


def _record_calls(module: nn.Module, example: torch.Tensor, parts: dict[str, nn.Module],
                  ) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Each part's one input and output on the example (parts called otherwise left out)."""
    try:
        seen = recorded_calls(module, set(parts), example, call_options(module))
    except Exception:  # the trace that follows reports what is wrong, in plain words
        return {}
    calls = {}
    for name, made in seen.items():
        if len(made) != 1:
            continue
        args, _, output = made[0]
        # What else it was given (a mask, positions) the graph must show to be the same
        # for every input; ``token_patterns`` checks that before it folds the part.
        if (args and isinstance(args[0], torch.Tensor)
                and isinstance(output, torch.Tensor) and args[0].is_floating_point()):
            calls[name] = (args[0], output)
    return calls
