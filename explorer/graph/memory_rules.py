"""Will it fit? Memory estimates from shapes alone, compared with the machine's memory.

Training keeps, for the backward pass, every tensor the forward pass
computed, and a gradient of the same size; each weight needs its value, its
gradient and two Adam moments. A block's own tensors count too: an MBConv
widens its input eight times inside, so its inner tensors, not its output,
are what runs out of memory. Estimates are float32 and deliberately simple:
they catch the network that cannot train here, not the last megabyte.
"""

from __future__ import annotations

import os

from .issues import Issue, NodeReport
from .specs import format_bytes

BYTES_PER_VALUE = 4  # float32
TRAINING_BYTES_PER_PARAM = 16  # weight, gradient and two Adam moments


def machine_memory() -> int:
    """Physical memory in bytes (a generous 64 GiB where the system will not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 64 * 1024**3


def values_kept(report: NodeReport) -> int:
    """Numbers per example a node keeps for the backward pass: its output and its inside."""
    return (report.spec.numel if report.spec is not None else 0) + report.inner_values


def node_memory_issues(node_id: str, report: NodeReport, batch_size: int,
                       limit: int) -> list[Issue]:
    """One node too big for the machine: its weights, its output, or a tensor inside it."""
    issues = []
    weights = report.params * TRAINING_BYTES_PER_PARAM
    if weights > limit:
        issues.append(Issue(
            node_id, f"its {report.params:,} weights would need {format_bytes(weights)} to "
            f"train; this machine has {format_bytes(limit)}.", "Use fewer features or channels."))
    tensors = [] if report.spec is None else [(
        "its output", report.spec,
        "Shrink the input, downsample earlier, or lower the batch size.")]
    if report.largest_inner is not None:
        name, spec = report.largest_inner
        tensors.append((f"inside, its {name!r} tensor", spec,
                        "Give the block fewer channels or a smaller expansion, downsample "
                        "earlier, or lower the batch size."))
    for what, spec, hint in tensors:
        need = spec.numel * batch_size * BYTES_PER_VALUE
        if need > limit:
            issues.append(Issue(
                node_id, f"{what} ({spec}) for a batch of {batch_size} would need "
                f"{format_bytes(need)}; this machine has {format_bytes(limit)}.", hint))
    return issues


def total_memory_issues(params: int, values: int, batch_size: int, limit: int) -> list[Issue]:
    """The whole network too big: ``values`` is the sum of ``values_kept`` over its nodes."""
    need = params * TRAINING_BYTES_PER_PARAM + values * batch_size * BYTES_PER_VALUE * 2
    if need <= limit:
        return []
    return [Issue(None, f"Training this network with a batch of {batch_size} would need about "
                  f"{format_bytes(need)}; this machine has {format_bytes(limit)}.",
                  "Make the network smaller or lower the batch size.")]
