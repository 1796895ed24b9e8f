"""Any text from a project file becomes a safe, unique Python name."""

import keyword

from hypothesis import given
from hypothesis import strategies as st

from explorer.graph.naming import RESERVED, comment_text, identifier, python_names, string_literal


@given(st.lists(st.text(min_size=1, max_size=30), max_size=20, unique=True))
def test_names_are_unique_ascii_identifiers_that_shadow_nothing(ids):
    names = python_names(ids)
    assert len(set(names.values())) == len(ids)
    for name in names.values():
        assert name.isidentifier() and name.isascii()
        assert not keyword.iskeyword(name) and name not in RESERVED
        assert not name.startswith("_")


def test_readable_ids_stay_as_they_are_and_odd_ones_become_readable():
    assert python_names(["conv_1", "res_2"]) == {"conv_1": "conv_1", "res_2": "res_2"}
    assert identifier("class") == "class_"
    assert identifier("forward") == "forward_"
    assert identifier("__import__('os')") == "import_os"
    assert identifier("3 layers") == "n_3_layers"
    assert identifier("Ünïcödé λ") == "Unicode"
    assert identifier("\n") == "node"


def test_names_do_not_depend_on_anything_but_the_ids():
    ids = ["x", "self", "torch", "input"]
    assert python_names(ids) == python_names(list(ids))
    assert set(python_names(ids).values()) == {"x_", "self_", "torch_", "input_"}


@given(st.text(max_size=50))
def test_string_literals_and_comments_are_safe(text):
    assert eval(string_literal(text)) == text  # a literal: checked by round trip
    line = comment_text(text)
    assert "\n" not in line and "\r" not in line and len(line) <= 60


@given(st.lists(st.text(min_size=1, max_size=8, alphabet="ab _-1"), max_size=12, unique=True),
       st.randoms())
def test_names_depend_on_the_set_of_ids_not_their_order(ids, random):
    shuffled = list(ids)
    random.shuffle(shuffled)
    assert python_names(ids) == python_names(shuffled)


def test_an_id_that_is_already_a_name_keeps_it_whatever_else_collides():
    assert python_names(["a b", "a-b", "a_b"]) == {"a_b": "a_b", "a b": "a_b_2", "a-b": "a_b_3"}
    assert python_names(["a_b_2", "a b", "a_b"]) == {"a_b": "a_b", "a_b_2": "a_b_2",
                                                     "a b": "a_b_3"}
