"""project.weight_map: saved with the project, and used to move weights between layouts."""

import json

import pytest
import torch

from explorer.compiler import build_model
from explorer.export.errors import ExportError
from explorer.export.original_weights import (
    from_original_layout,
    load_original_weights,
    save_original_weights,
    to_original_layout,
)
from explorer.graph import ArchitectureGraph
from explorer.graph.project import Project, dumps, loads


def small_net():
    g = ArchitectureGraph()
    source = g.add_node("VectorInput", {"features": 3}, node_id="input_1")
    linear = g.add_node("Linear", {"out_features": 2}, node_id="fc")
    g.connect(source, linear, "in")
    g.connect(linear, g.add_node("RegressionOutput", {}, node_id="out"), "in")
    return g


MAP = {"fc.weight": "head.weight", "fc.bias": "head.bias"}


def test_weight_map_round_trips_through_the_file():
    project = Project(small_net(), name="imported", weight_map=dict(MAP))
    text = dumps(project)
    assert json.loads(text)["weight_map"] == MAP
    again = loads(text)
    assert again.weight_map == MAP
    assert dumps(again) == text


def test_an_empty_map_is_not_written_and_old_files_load_with_none():
    text = dumps(Project(small_net()))
    assert "weight_map" not in json.loads(text)
    assert loads(text).weight_map == {}


def test_a_map_with_a_non_text_value_is_refused_by_name():
    doc = json.loads(dumps(Project(small_net())))
    doc["weight_map"] = {"fc.weight": 3}
    with pytest.raises(Exception, match="weight_map"):
        loads(json.dumps(doc))


def test_weights_go_to_the_original_layout_and_back(tmp_path):
    torch.manual_seed(0)
    model = build_model(small_net())
    original = to_original_layout(model.state_dict(), MAP)
    assert set(original) == {"head.weight", "head.bias"}
    path = tmp_path / "original.safetensors"
    save_original_weights(model, path, MAP)
    fresh = build_model(small_net())
    load_original_weights(fresh, path, MAP)
    for key, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value)


def test_a_reshape_happens_only_when_the_sizes_agree():
    model = build_model(small_net())
    as_conv = {"head.weight": torch.ones(2, 3, 1, 1), "head.bias": torch.zeros(2)}
    state = from_original_layout(model, as_conv, MAP)
    assert state["fc.weight"].shape == (2, 3)
    back = to_original_layout(state, MAP, {"head.weight": (2, 3, 1, 1)})
    assert back["head.weight"].shape == (2, 3, 1, 1)
    with pytest.raises(ExportError, match=r"head\.weight has shape"):
        from_original_layout(model, {"head.weight": torch.ones(4, 3), "head.bias": torch.zeros(2)},
                             MAP)
    with pytest.raises(ExportError, match=r"lacks head\.bias"):
        from_original_layout(model, {"head.weight": torch.ones(2, 3)}, MAP)


def test_a_transposed_matrix_is_refused_not_reshaped():
    """Hugging Face's Conv1D keeps (in, out): as many numbers as our (out, in), but reshaping
    would scramble them. Only axes of size 1 may differ."""
    model = build_model(small_net())
    transposed = {"head.weight": torch.ones(3, 2), "head.bias": torch.zeros(2)}
    with pytest.raises(ExportError, match=r"head\.weight has shape \(3, 2\)"):
        from_original_layout(model, transposed, MAP)
