"""The architecture as data: nodes, wires, node kinds, shapes, edits and project files.

Pure Python on networkx: nothing here imports torch or Qt.
"""

from .check import CheckResult, Issue, NodeReport, ShapeCache, check_graph
from .edits import (
    AddNode,
    Compound,
    Connect,
    Disconnect,
    Edit,
    Move,
    RemoveNode,
    SetLabel,
    SetParams,
    remove_nodes,
)
from .errors import (
    CycleError,
    DuplicateNode,
    ExpansionError,
    GraphError,
    ParamError,
    PortError,
    ProjectFileError,
    ShapeError,
    UnknownKind,
    UnknownNode,
)
from .grouping import CollapseBlock, ExpandBlock
from .kinds import CATEGORIES, INPUT_KINDS, OUTPUT_KINDS, NodeKind, all_kinds, get_kind
from .layout import layered_positions
from .model import ArchitectureGraph, Edge, Node
from .params import AUTO, Param
from .project_edits import SetProjectInfo, SetTrainingSettings
from .project_model import Project
from .settings import TrainingSettings
from .specs import TensorSpec, format_count, format_shape

__all__ = [
    "AUTO",
    "CATEGORIES",
    "INPUT_KINDS",
    "OUTPUT_KINDS",
    "AddNode",
    "ArchitectureGraph",
    "CheckResult",
    "CollapseBlock",
    "Compound",
    "Connect",
    "CycleError",
    "Disconnect",
    "DuplicateNode",
    "Edge",
    "Edit",
    "ExpandBlock",
    "ExpansionError",
    "GraphError",
    "Issue",
    "Move",
    "Node",
    "NodeKind",
    "NodeReport",
    "Param",
    "ParamError",
    "PortError",
    "Project",
    "ProjectFileError",
    "RemoveNode",
    "SetLabel",
    "SetParams",
    "SetProjectInfo",
    "SetTrainingSettings",
    "ShapeCache",
    "ShapeError",
    "TensorSpec",
    "TrainingSettings",
    "UnknownKind",
    "UnknownNode",
    "all_kinds",
    "check_graph",
    "format_count",
    "format_shape",
    "get_kind",
    "layered_positions",
    "remove_nodes",
]
