"""Every value in a project file is one a project can hold: whatever opens saves and reopens."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.graph import ProjectFileError, TrainingSettings
from explorer.graph.project import Project, dumps, loads, save

from .helpers import classifier

HEAD = '{"format": "architecture-explorer", "version": 1, "nodes": [], "edges": [], '


def refused(text):
    with pytest.raises(ProjectFileError) as err:
        loads(text, source="net.archx.json")
    return str(err.value)


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ('"ui": {"zoom": 1e400}', "ui.zoom"),
        ('"ui": {"view": {"centre": [0, -1e999]}}', "ui.view.centre[1]"),
        ('"training": {"dataset_options": {"noise": 1e400}}', "training.dataset_options.noise"),
        ('"training": {"lr": 1e400}', "training.lr"),
    ],
)
def test_numbers_too_large_to_hold_are_refused_naming_the_field(extra, where):
    message = refused(HEAD + extra + "}")
    assert message.startswith(f"net.archx.json: {where}: "), message
    assert "infinite" in message


def test_a_too_large_number_in_a_node_names_the_node():
    g, _ = classifier()
    position = '"position": [\n        '
    text = dumps(Project(g)).replace(position + "0.0", position + "1e400", 1)
    assert "1e400" in text
    assert refused(text).startswith("net.archx.json: nodes[0].position[0]: ")


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ('"ui": {"theme": "dark\\ud800"}', "ui.theme"),
        ('"name": "\\udc00 net"', "name"),
        ('"training": {"dataset_options": {"\\ud83d": 1}}', "training.dataset_options"),
    ],
)
def test_text_that_is_not_unicode_is_refused_naming_the_field(extra, where):
    message = refused(HEAD + extra + "}")
    assert message.startswith(f"net.archx.json: {where}: "), message
    assert "not valid Unicode" in message


def test_a_pair_of_escaped_surrogates_is_one_character_and_loads():
    project = loads(HEAD + '"name": "snake \\ud83d\\udc0d"}')
    assert project.name == "snake \U0001f40d"


def test_free_form_settings_nested_too_deep_are_refused():
    nested = "[" * 200 + "]" * 200
    message = refused(HEAD + '"ui": {"a": ' + nested + "}}")
    assert message.startswith("net.archx.json: ui.a"), message
    assert "levels deep" in message


def test_saving_refuses_values_no_file_can_hold_and_leaves_the_file(tmp_path):
    path = tmp_path / "net.archx.json"
    good = Project(classifier()[0])
    save(good, path)
    before = path.read_bytes()
    for bad in (Project(good.graph, TrainingSettings(dataset_options={"noise": float("inf")})),
                Project(good.graph, ui={"zoom": [1.0, float("nan")]}),
                Project(good.graph, ui={"theme": "\ud800"})):
        with pytest.raises(ProjectFileError) as err:
            save(bad, path)
        assert "training.dataset_options.noise" in str(err.value) or "ui." in str(err.value)
        assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["net.archx.json"]


# Built from characters, because st.text() never yields lone surrogates.
texts = st.lists(st.characters() | st.sampled_from(["\ud800", "\udfff", "\x00"]),
                 max_size=6).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=12,
)


@given(st.dictionaries(texts, json_values, max_size=4),
       st.dictionaries(texts, json_values, max_size=4))
def test_whatever_opens_saves_and_reopens_the_same(ui, options):
    text = HEAD + '"ui": ' + json.dumps(ui) + ', "training": {"dataset_options": ' + \
        json.dumps(options) + "}}"
    try:
        project = loads(text)
    except ProjectFileError:
        return
    saved = dumps(project)
    saved.encode("utf-8")
    again = loads(saved)
    assert dumps(again) == saved
    meant = json.loads(text)  # what the text says ("\\ud800\\udc00" reads as one character)
    assert again.ui == meant["ui"]
    assert dict(again.training.dataset_options) == meant["training"]["dataset_options"]
