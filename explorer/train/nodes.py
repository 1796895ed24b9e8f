"""Mapping a compiled network's parameters and submodules back to the graph nodes they came from.

The build layer names each node's submodule after the node
(``CompiledNetwork.node_names``: node id -> attribute), so a parameter
``res_2.fc1.weight`` belongs to the node whose attribute is ``res_2``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import torch
from torch import nn

from explorer.graph import ArchitectureGraph


def parameter_nodes(param_names: Sequence[str], node_names: Mapping[str, str]) -> list[str]:
    """The node id each parameter belongs to (its name's first part, looked up by attribute)."""
    by_attribute = {attribute: node_id for node_id, attribute in node_names.items()}
    owners = []
    for name in param_names:
        attribute = name.split(".", 1)[0]
        owners.append(by_attribute.get(attribute, attribute))
    return owners


def highway_gates(model: nn.Module, graph: ArchitectureGraph,
                  node_names: Mapping[str, str]) -> dict[str, nn.Module]:
    """The transform-gate layer ``t`` inside each (collapsed) highway block, by node id."""
    gates = {}
    for node in graph.nodes():
        if node.kind != "Highway" or node.id not in node_names:
            continue
        try:
            gates[node.id] = model.get_submodule(f"{node_names[node.id]}.t")
        except AttributeError:
            continue
    return gates


def expanded_highway_gates(graph: ArchitectureGraph) -> dict[str, str]:
    """For each highway block shown expanded: block id -> the id of its gate (Sigmoid) node."""
    found = {}
    for group_id, block in graph.groups().items():
        if block.kind != "Highway":
            continue
        for member in graph.members(group_id):
            if graph.node(member).kind == "Sigmoid" and member.endswith("gate"):
                found[group_id] = member
    return found


@contextmanager
def gate_probe(gates: Mapping[str, nn.Module]) -> Iterator[dict[str, torch.Tensor]]:
    """While active, each gate layer's forward records mean(sigmoid(output)) (on the device)."""
    values: dict[str, torch.Tensor] = {}
    handles = []
    for node_id, module in gates.items():
        def hook(_module: nn.Module, _inputs: object, output: torch.Tensor,
                 node_id: str = node_id) -> None:
            values[node_id] = torch.sigmoid(output.detach().float()).mean()
        handles.append(module.register_forward_hook(hook))
    try:
        yield values
    finally:
        for handle in handles:
            handle.remove()
