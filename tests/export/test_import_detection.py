"""model.py imports ``math`` and ``F`` exactly when its code uses them as words."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from explorer.export.python_code import _starts_word


@given(st.text(alphabet="Fmath._ (éß1x\n", max_size=40))
def test_the_quick_search_finds_what_a_word_boundary_search_finds(text):
    for pattern in (r"math\.", r"F\b"):
        assert _starts_word(text, pattern) == bool(re.search(r"\b" + pattern, text))


def test_words_and_parts_of_words():
    assert _starts_word("y = F.relu(x)", r"F\b")
    assert _starts_word("F", r"F\b")
    assert not _starts_word("nn.Linear(2, 3, bias=False)", r"F\b")
    assert not _starts_word("_F.relu(x) éF ßF 1F", r"F\b")
    assert _starts_word("(math.sqrt(2))", r"math\.")
    assert not _starts_word("mymath.sqrt(2) math_.x", r"math\.")
