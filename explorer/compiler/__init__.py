"""From graph to torch: block modules, one ModuleSpec per node, a compiled straight-line forward.

``build_model(graph)`` returns a ``CompiledNetwork`` whose submodules are
named after the node ids; ``generate`` gives the same network as Python
lines for the exporter and the code preview.
"""

from .codegen import CodeLine, NetworkCode, generate
from .compile import CompiledNetwork, build_model
from .errors import BuildError
from .losses import loss_for
from .module_spec import ModuleSpec, blocks_needed
from .modules import module_spec

__all__ = [
    "BuildError",
    "CodeLine",
    "CompiledNetwork",
    "ModuleSpec",
    "NetworkCode",
    "blocks_needed",
    "build_model",
    "generate",
    "loss_for",
    "module_spec",
]
