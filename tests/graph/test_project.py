"""Project files: exact round trips, atomic saves, and a clear message for every bad file."""

import json
import os

import pytest
from hypothesis import given

from explorer.graph import AddNode, ArchitectureGraph, ProjectFileError, TrainingSettings
from explorer.graph import project as projects
from explorer.graph.project import Project, dumps, load, loads, save

from .helpers import classifier
from .strategies import node_ids, ops, run_session


def doc(**overrides):
    g, _ = classifier(("Linear", {"out_features": 8}))
    data = json.loads(dumps(Project(g)))
    data.update(overrides)
    return data


def refuse(data, *words):
    text = data if isinstance(data, (str, bytes)) else json.dumps(data)
    with pytest.raises(ProjectFileError) as err:
        loads(text, source="net.archx.json")
    message = str(err.value)
    assert message.startswith("net.archx.json: ")
    for word in words:
        assert word in message, message
    return message


@given(ops)
def test_save_then_load_round_trips_exactly(steps):
    graph, _ = classifier(("ResidualMLP", {}))
    run_session(graph, steps)
    project = Project(graph, TrainingSettings(lr=0.05, dataset="moons"), "n", "d", "notes",
                      {"zoom": 1.5})
    text = dumps(project)
    again = loads(text)
    assert dumps(again) == text
    assert again.graph.groups() == graph.groups()


@given(node_ids, node_ids)
def test_any_ids_and_labels_round_trip(first, second):
    g = ArchitectureGraph()
    for node_id in {first, second}:
        AddNode("ReLU", node_id=node_id, label=node_id + "\n\"'").apply(g)
    assert dumps(loads(dumps(Project(g)))) == dumps(Project(g))


def test_files_are_stable_sorted_and_end_with_a_newline():
    text = dumps(Project(classifier()[0]))
    assert text.endswith("}\n")
    assert json.loads(text) == json.loads(dumps(loads(text)))
    keys = list(json.loads(text))
    assert keys == sorted(keys)


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "net.archx.json"
    save(Project(classifier()[0]), path)
    before = path.read_text()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    g, _ = classifier(("Linear", {"out_features": 3}))
    with pytest.raises(OSError):
        save(Project(g), path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["net.archx.json"]
    assert load(path).graph.node_ids() == classifier()[0].node_ids()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ["empty"]),
        ("{\"format\": \"architecture-explorer\", \"nodes\": [", ["not valid JSON", "cut short"]),
        ("not json", ["not valid JSON", "line 1"]),
        ("[1, 2]", ["one JSON object"]),
        (b"\xff\xfe\x00garbage", ["not a text file"]),
        ("{\"format\": \"something-else\"}", ["not an Architecture Explorer project"]),
        ("[" * 100000 + "]" * 100000, ["JSON"]),
        ("{\"format\": \"architecture-explorer\", \"version\": 1, \"nodes\": [], \"edges\": [],"
         " \"training\": {\"lr\": NaN}}", ["NaN"]),
    ],
)
def test_unreadable_files(text, words):
    refuse(text, *words)


def test_newer_versions_are_refused_and_older_ones_migrate(monkeypatch):
    refuse(doc(version=99), "version 99", "newer", "update")
    refuse(doc(version="1"), "version", "whole number")
    old = doc(version=0)
    for node in old["nodes"]:
        node["type"] = node.pop("kind")
    refuse(old, "too old")

    def rename_type_to_kind(data):
        for node in data["nodes"]:
            node["kind"] = node.pop("type")
        return data

    monkeypatch.setitem(projects.MIGRATIONS, 0, rename_type_to_kind)
    project = loads(json.dumps(old))
    assert dumps(project) == dumps(loads(json.dumps(doc())))


def test_structure_errors_name_the_field():
    data = doc()
    data["nodes"][1]["params"]["out_features"] = "eight"
    refuse(data, "nodes[1]", "linear_1", "out_features", "whole number")
    data = doc()
    del data["nodes"][2]["kind"]
    refuse(data, "nodes[2]", "is missing the field 'kind'")
    data = doc()
    data["nodes"][0]["position"] = ["a", 0]
    refuse(data, "nodes[0].position[0]")
    refuse(doc(extra=1), "unknown field 'extra'")
    data = doc()
    data["nodes"][0]["position"] = [1, 2, 3]
    refuse(data, "nodes[0].position", "3 items; at most 2")
    data = doc()
    data["nodes"][0]["id"] = ""
    refuse(data, "nodes[0].id", "must not be empty")
    data = doc()
    data["edges"][0]["src"] = 5
    refuse(data, "edges[0].src")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["nodes"][1]["params"].update(out_features=-3), ["linear_1", "minimum 1"]),
        (lambda d: d["nodes"][1]["params"].update(out_features=10**12),
         ["linear_1", "maximum"]),
        (lambda d: d["nodes"][1]["params"].update(out_features=10**400), ["out_features"]),
        (lambda d: d["nodes"][1].update(kind="Linaer"), ["unknown node kind", "Linear"]),
        (lambda d: d["nodes"].append(dict(d["nodes"][1])), ["nodes[4]", "already exists"]),
        (lambda d: d["edges"].append({"src": "ghost", "dst": "linear_1"}),
         ["edges[3]", "'ghost' is not a node"]),
        (lambda d: d["edges"].append({"src": "linear_2", "dst": "linear_1", "dst_port": "in"}),
         ["loop"]),
        (lambda d: d["edges"].append({"src": "input_1", "dst": "linear_1", "dst_port": "in2"}),
         ["no input 'in2'"]),
        (lambda d: d["training"].update(lr=-1), ["training", "lr"]),
        (lambda d: d["training"].update(optimiser="sgd"), ["training", "optimiser"]),
        (lambda d: d.update(groups=[{"id": "res_9", "kind": "ResidualMLP"}]),
         ["groups[0]", "res_9"]),
    ],
)
def test_bad_contents_name_the_node_or_field(change, words):
    data = doc()
    change(data)
    refuse(data, *words)


def test_names_with_quotes_newlines_and_unicode_load():
    data = doc()
    data["nodes"][1]["label"] = "a \"quoted\"\nname ✓ λ"
    project = loads(json.dumps(data))
    assert project.graph.node("linear_1").label == "a \"quoted\"\nname ✓ λ"


def test_missing_and_oversized_files(tmp_path, monkeypatch):
    with pytest.raises(ProjectFileError, match="No such file"):
        load(tmp_path / "missing.archx.json")
    big = tmp_path / "big.archx.json"
    big.write_text(" " * 2000)
    monkeypatch.setattr(projects, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ProjectFileError, match="at most"):
        load(big)


def test_the_schema_is_a_valid_json_schema_that_accepts_every_example():
    import jsonschema

    from explorer.graph.examples import example_paths

    jsonschema.Draft7Validator.check_schema(projects.schema())
    validator = jsonschema.Draft7Validator(projects.schema())
    for path in example_paths():
        assert not list(validator.iter_errors(json.loads(path.read_text())))
