"""The recognisers ``recognise_blocks`` tries on each part, most specific first."""

from __future__ import annotations

from .block_weights import Recogniser
from .conv_recognisers import dense_block, highway, mbconv, transition
from .transformer_recogniser import transformer_block

RECOGNISERS: tuple[Recogniser, ...] = (transformer_block, dense_block, transition, mbconv,
                                       highway)
