"""Importing PyTorch modules: the graph computes what the original computes, with its weights."""

import sys
from pathlib import Path

import pytest
import torch

from explorer.compiler import build_model
from explorer.export.original_weights import to_original_layout
from explorer.graph import TensorSpec, check_graph
from explorer.graph.project import dumps, loads
from explorer.importer.errors import ImportFailure
from explorer.importer.loading import load
from explorer.importer.torch_import import example_input, import_module, import_torch
from tests.importer.checks import kinds

NETS = Path(__file__).with_name("nets_for_import.py")
TOLERANCE = 1e-5


def target(name: str) -> str:
    return f"{NETS}:{name}"


def import_torch_module():
    """The test networks' file as imported by the first import_torch (by its path)."""
    if "nets_for_import" not in sys.modules:
        import_torch(target("MLP"), "8")
    return sys.modules["nets_for_import"]


def outputs_agree(imported, reference: torch.nn.Module, seed: int = 3) -> float:
    model = build_model(imported.project.graph).eval()
    model.load_state_dict(imported.state_dict)
    x = example_input(model.input_spec, seed=seed)
    with torch.no_grad():
        difference = (model(x) - reference.eval()(x)).abs().max().item()
    assert difference <= TOLERANCE
    return difference


def test_an_mlp_becomes_linear_layers_with_the_same_weights():
    torch.manual_seed(0)
    imported = import_torch(target("MLP"), "8")
    assert kinds(imported) == ["VectorInput", "Linear", "GELU", "ReLU", "Linear",
                               "ClassificationOutput"]
    torch.manual_seed(0)
    outputs_agree(imported, import_torch_module().MLP())
    assert imported.project.weight_map["fc1.weight"] == "fc1.weight"
    assert set(imported.project.weight_map) == set(imported.state_dict)


def test_a_cnn_with_a_residual_add_keeps_its_shape_and_its_numbers():
    loaded = load(target("make_cnn"))  # records how each custom part was made
    imported = import_module(loaded.module, TensorSpec((3, 8, 8)), loaded=loaded, fold=False)
    reference = import_torch_module().make_cnn()
    graph = imported.project.graph
    assert check_graph(graph).ok
    assert kinds(imported) == [
        "ImageInput", "Conv2d", "Conv2d", "BatchNorm", "ReLU", "Conv2d", "BatchNorm", "Add",
        "ReLU", "Module", "AdaptiveAvgPool2d", "Flatten", "Linear", "ClassificationOutput"]
    outputs_agree(imported, reference)
    # every compiled weight has its original name, and renaming gives the original state_dict
    renamed = to_original_layout(imported.state_dict, imported.project.weight_map)
    assert renamed.keys() == reference.state_dict().keys()
    for key, value in reference.state_dict().items():
        assert torch.equal(renamed[key], value)
    assert any("agree" in note for note in imported.notes)


def test_a_custom_submodule_is_kept_whole_with_its_class_and_arguments():
    imported = import_torch(target("make_cnn"), "3x8x8")
    scale = imported.project.graph.node("scale")
    assert scale.kind == "Module"
    assert scale.params["class_path"] == "nets_for_import.Scale"
    assert scale.params["init_args"] == '{"channels": 8, "factor": 0.5}'
    assert (scale.params["input_shape"], scale.params["output_shape"]) == ("8x8x8", "8x8x8")
    assert scale.params["parameters"] == 8
    assert imported.project.weight_map["scale.weight"] == "scale.weight"
    assert any("scale (Scale) is kept whole" in note for note in imported.notes)


def test_the_kept_whole_part_is_rebuilt_from_its_file_in_a_later_session(monkeypatch):
    imported = import_torch(target("make_cnn"), "3x8x8")
    text = dumps(imported.project)
    reference = import_torch_module().make_cnn()
    monkeypatch.delitem(sys.modules, "nets_for_import")  # as after a restart
    again = loads(text)
    again_imported = type(imported)(again, imported.state_dict, [])
    outputs_agree(again_imported, reference)
    assert loads(text).weight_map == imported.project.weight_map


def test_data_dependent_control_flow_is_refused_naming_the_line():
    with pytest.raises(ImportFailure) as error:
        import_torch(target("Branchy"), "4")
    message = str(error.value)
    assert "cannot trace Branchy" in message
    assert "nets_for_import.py:" in message and "if x.sum() > 0:" in message


def test_data_dependent_control_flow_inside_a_submodule_keeps_that_submodule_whole():
    imported = import_torch(target("GatedMLP"), "4")
    assert kinds(imported) == ["VectorInput", "Linear", "Module", "Linear",
                               "ClassificationOutput"]
    assert imported.project.graph.node("gate").params["class_path"] == "nets_for_import.Gate"
    assert any("torch.fx cannot trace into it" in note for note in imported.notes)


def test_a_module_object_imports_through_the_python_api():
    net = import_torch_module().GatedMLP()
    imported = import_module(net, TensorSpec((4,)))
    assert imported.project.graph.node("gate").kind == "Module"
    outputs_agree(imported, net)


def test_the_imported_module_refuses_another_input_shape():
    imported = import_torch(target("make_cnn"), "3x8x8")
    graph = imported.project.graph
    graph.set_params("input", {"height": 16, "width": 16})
    problems = " ".join(str(issue) for issue in check_graph(graph).errors)
    assert "Scale was imported for input 8×8×8, but receives 8×16×16" in problems


def test_a_package_module_factory_is_imported_by_name():
    imported = import_torch("tests.importer.nets_for_import:MLP", "8")
    assert kinds(imported)[1] == "Linear"


@pytest.mark.parametrize("what, shape, words", [
    ("nowhere.py:Net", "4", "there is no file nowhere.py"),
    (f"{NETS}:Missing", "4", "has no 'Missing'. It defines: BasicBlock, Block, Bottleneck"),
    (f"{NETS}:broken", "4", "broken() raised ValueError: no weights here"),
    (f"{NETS}:MLP", "3x4x4", "refuses an input of shape (3, 4, 4): RuntimeError: mat1"),
    (f"{NETS}:MLP", "3x4", "is not a shape this program can feed"),
    ("no_such_package.models:net", "4", "there is no module 'no_such_package'"),
])
def test_bad_targets_and_shapes_get_one_clear_message(what, shape, words):
    with pytest.raises(ImportFailure) as error:
        import_torch(what, shape)
    assert words in str(error.value)
    assert "\n" not in str(error.value)


def test_functions_become_the_layers_they_compute():
    imported = import_torch(target("Functional"), "3x6x6")
    nodes = {n.kind: n.params for n in imported.project.graph.nodes()}
    assert nodes["MaxPool2d"] == {"kernel_size": 2, "stride": 2, "padding": 0}
    assert nodes["AvgPool2d"] == {"kernel_size": 3, "stride": 1, "padding": 1}
    assert nodes["Dropout"] == {"p": 0.25}
    assert "Flatten" in nodes
    torch.manual_seed(0)
    reference = import_torch_module().Functional()
    torch.manual_seed(0)
    imported = import_torch(target("Functional"), "3x6x6")
    outputs_agree(imported, reference)


def test_forward_options_are_traced_at_their_defaults_and_a_second_input_is_refused():
    imported = import_torch(target("WithOptions"), "4")
    assert kinds(imported) == ["VectorInput", "Linear", "ClassificationOutput"]
    with pytest.raises(ImportFailure, match=r"TwoInputs\.forward takes more than one input"):
        import_torch(target("TwoInputs"), "4")


def test_a_subclass_using_its_parents_constructor_has_its_arguments_recorded():
    imported = import_torch(target("Scaled"), "3x4x4")
    scale = imported.project.graph.node("scale")
    assert scale.params["class_path"] == "nets_for_import.NegativeScale"
    assert scale.params["init_args"] == '{"channels": 4, "factor": 3.0}'
    assert kinds(imported)[-1] == "RegressionOutput"  # an image out: no classes to pick


def test_a_file_named_like_another_module_does_not_replace_it(tmp_path):
    import json

    shadow = tmp_path / "json.py"
    shadow.write_text(NETS.read_text(encoding="utf-8"), encoding="utf-8")
    imported = import_torch(f"{shadow}:make_cnn", "3x8x8")
    assert imported.project.graph.node("scale").params["class_path"] == "imported_json.Scale"
    assert sys.modules["json"] is json
