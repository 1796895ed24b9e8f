"""The ``Module`` kind: an imported part kept whole, built from its class path."""

import pytest
import torch
import torch.nn.functional as F

from explorer.compiler import BuildError, build_model
from explorer.export import network_source
from explorer.graph import TensorSpec, check_graph, get_kind
from explorer.graph.errors import ShapeError
from explorer.graph.kinds import Context
from explorer.graph.project import Project
from tests.compiler.cases import LAYER_CASES
from tests.compiler.helpers import FEATURES, chain, step

TOLERANCE = 1e-5


def infer(x_shape, **params):
    kind = get_kind("Module")
    return kind.infer(Context(kind.validate(params), (TensorSpec(x_shape),)))


def module_graph(**params):
    values = {"class_path": "torch.nn.PReLU", "init_args": '{"num_parameters": 6}',
              "input_shape": "6", "output_shape": "6", "parameters": 6, **params}
    return chain(FEATURES, step("Module", **values))


def test_it_computes_what_its_class_computes():
    """Against the formula of PReLU: max(0, x) + a * min(0, x), one slope per feature."""
    net = build_model(LAYER_CASES["imported module"]()).eval()
    (name,) = [n for n in net.node_names.values() if n.startswith("module")]
    part = net.get_submodule(name)
    with torch.no_grad():
        part.weight.uniform_(-1, 1)
    x = torch.randn(4, 6, requires_grad=True)
    expected = torch.clamp(x, min=0) + part.weight * torch.clamp(x, max=0)
    got = net(x)
    assert (got - expected).abs().max().item() < TOLERANCE
    assert (got - F.prelu(x, part.weight)).abs().max().item() < TOLERANCE


def test_its_shape_is_the_traced_one_and_another_input_is_refused():
    assert infer((6,), class_path="a.B", input_shape="6", output_shape="3x2x2").shape == (3, 2, 2)
    with pytest.raises(ShapeError, match="B was imported for input 6, but receives 7"):
        infer((7,), class_path="a.B", input_shape="6", output_shape="6")


@pytest.mark.parametrize("params, words", [
    ({"class_path": ""}, "is not a class path"),
    ({"class_path": "os.system('x');a.B"}, "is not a class path"),
    ({"init_args": '{"x y": 1}'}, "'x y' is not an argument name"),
    ({"init_args": '{"x": NaN}'}, "NaN is not a number"),
    ({"init_args": "[1, 2]"}, "must be a JSON object"),
    ({"input_shape": "six"}, "shapes are unreadable"),
])
def test_nothing_but_a_class_path_and_plain_arguments_reach_the_code(params, words):
    values = {"class_path": "a.B", "input_shape": "6", "output_shape": "6", **params}
    with pytest.raises(ShapeError, match=words):
        infer((6,), **values)
    graph = module_graph(**params)
    assert not check_graph(graph).ok
    with pytest.raises(BuildError):
        build_model(graph)


def test_a_class_that_cannot_be_imported_is_a_clear_build_error():
    with pytest.raises(BuildError, match="cannot import no_such_package_here"):
        build_model(module_graph(class_path="no_such_package_here.Thing"))
    with pytest.raises(BuildError, match=r"torch\.nn has no class Nothing"):
        build_model(module_graph(class_path="torch.nn.Nothing"))
    with pytest.raises(BuildError, match=r"torch.nn.PReLU\(colour=1\) failed: TypeError") as error:
        build_model(module_graph(init_args='{"colour": 1}'))
    assert "init_args" in error.value.hint  # says where to give the arguments it needs


def test_exported_code_imports_and_calls_the_class():
    text = network_source(Project(LAYER_CASES["imported module"]())).text
    assert "import torch.nn\n" in text
    assert "torch.nn.PReLU(init=0.1, num_parameters=6)" in text
    namespace: dict = {"__name__": "exported"}
    exec(compile(text, "model.py", "exec"), namespace)
    assert namespace["Network"]()(torch.randn(2, 6)).shape == (2, 6)


def test_only_torch_module_classes_are_ever_called(tmp_path):
    marker = tmp_path / "called"
    graph = module_graph(class_path="pathlib.Path", init_args=f'{{"touch": "{marker}"}}')
    with pytest.raises(BuildError, match=r"pathlib\.Path is not a torch module class"):
        build_model(graph)
    assert not marker.exists()
