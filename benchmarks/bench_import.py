"""Import figures: each reference network of tests/zoo imported with ``import_module``.

    .venv/bin/python benchmarks/bench_import.py            # every network
    .venv/bin/python benchmarks/bench_import.py vit gpt2   # some of them
    .venv/bin/python benchmarks/bench_import.py --export resnet18   # through torch.export

For each it prints the seconds the import took, the number of nodes, how many
are opaque ``Module`` nodes, the blocks folded, and the largest difference
between the original's output and the imported graph's on a random input
(float32, weights copied over). docs/importing.md quotes these figures.

``--export`` imports as if torch.fx could not trace the networks, so each one
goes through the torch.export fallback (``export_tracing``): what that path
costs next to fx's, for the same graph.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.zoo's reference networks

import torch
import torch.nn as nn

from explorer.compiler import build_model
from explorer.graph import TensorSpec
from explorer.importer import torch_import
from explorer.importer.torch_import import example_input, import_module
from explorer.importer.tracing import TraceFailure
from tests.zoo import reference_cnns as cnns
from tests.zoo import reference_transformers as tfs

BLOCK_KINDS = ("ResidualConv", "Bottleneck", "DenseBlock", "Transition", "MBConv",
               "TransformerBlock", "Highway")


def _hf_vit() -> nn.Module:
    from transformers import ViTConfig, ViTForImageClassification
    return ViTForImageClassification(ViTConfig())


def _hf_gpt2() -> nn.Module:
    from transformers import GPT2Config, GPT2LMHeadModel
    return GPT2LMHeadModel(GPT2Config())


def _gpt2() -> nn.Module:
    """The reference GPT-2 with its token table at GPT-2's std 0.02 (std 1 makes huge logits)."""
    network = tfs.GPT2()
    nn.init.normal_(network.transformer.wte.weight, std=0.02)
    return network


IMAGE = TensorSpec((3, 224, 224))
TOKENS = TensorSpec((16,), "long", vocab=50257)
NETWORKS: dict[str, tuple[Callable[[], nn.Module], TensorSpec]] = {
    "resnet18": (cnns.resnet18, IMAGE),
    "resnet50": (cnns.resnet50, IMAGE),
    "densenet121": (cnns.densenet121, IMAGE),
    "mobilenet_v2": (cnns.MobileNetV2, IMAGE),
    "efficientnet_b0": (cnns.EfficientNetB0, IMAGE),
    "vit": (tfs.VisionTransformer, IMAGE),
    "gpt2": (_gpt2, TOKENS),
    "hf_vit": (_hf_vit, IMAGE),
    "hf_gpt2": (_hf_gpt2, TOKENS),
}


def figures(name: str) -> str:
    make, spec = NETWORKS[name]
    torch.manual_seed(0)
    module = make().eval()
    start = time.perf_counter()
    try:
        imported = import_module(module, spec, check=False)
    except Exception as error:  # a figure line either way
        return f"{name:16s} refused: {str(error).splitlines()[0][:150]}"
    seconds = time.perf_counter() - start
    graph = imported.project.graph
    kinds = Counter(node.kind for node in graph.nodes())
    compiled = build_model(graph).eval()
    compiled.load_state_dict(imported.state_dict)
    x = example_input(spec, seed=3)
    with torch.no_grad():
        want, got = module(x), compiled(x)
    want = getattr(want, "logits", want)
    difference = float((want - got).abs().max())
    blocks = ", ".join(f"{kinds[k]} {k}" for k in BLOCK_KINDS if kinds[k])
    return (f"{name:16s} {seconds:6.1f} s  {len(graph):5d} nodes  {kinds['Module']:3d} opaque  "
            f"max diff {difference:.1e}  ({blocks or 'no blocks'})")


def _fx_cannot_trace(*_: object) -> None:
    raise TraceFailure("", RuntimeError("torch.fx is not used (--export)"), "")


def main(names: list[str]) -> None:
    if "--export" in names:
        names = [n for n in names if n != "--export"]
        torch_import.trace = torch_import.trace_with_values = _fx_cannot_trace  # type: ignore
    torch.set_num_threads(1)
    import_module(nn.Sequential(nn.Linear(2, 2)), TensorSpec((2,)))  # torch's first-use imports
    for name in names or list(NETWORKS):
        print(figures(name), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
