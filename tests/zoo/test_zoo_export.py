"""Each zoo network exports to standalone code that takes the compiled weights unchanged and
computes the same outputs (so the published layout reaches exported code through the same
weight map)."""

import types

import pytest
import torch

from explorer.compiler import build_model
from explorer.export.python_code import network_source
from explorer.graph.zoo import ZOO
from tests.zoo.test_zoo_outputs import TOLERANCE, example_input
from tests.zoo.transfer import randomise_norms


@pytest.mark.parametrize("key", sorted(ZOO))
def test_the_exported_code_computes_what_the_compiled_network_computes(key):
    project = ZOO[key]()
    source = network_source(project, format_code=False).text
    module = types.ModuleType(f"exported_{key}")
    exec(compile(source, f"<exported {key}>", "exec"), module.__dict__)
    torch.manual_seed(0)
    network = build_model(project.graph).eval()
    randomise_norms(network)
    exported = module.Network().eval()
    exported.load_state_dict(network.state_dict(), strict=True)
    x = example_input(key)[:1]
    with torch.no_grad():
        torch.testing.assert_close(exported(x), network(x), **TOLERANCE)
