"""Bring existing networks in: a PyTorch module (traced with torch.fx) or an ONNX file.

Both give back an ``Imported``: an editable project whose compiled network
computes what the original computes, with the original's weights.

    from explorer.importer.torch_import import import_torch, import_module
    imported = import_torch("models/net.py:Net", "3x224x224")   # or "pkg.models:make_net"
    imported = import_module(my_module, TensorSpec((3, 224, 224)))  # a module already built

    from explorer.importer.commands import import_to_files        # what `main.py import` does
    import_to_files("models/net.py:Net", "3x224x224", "net.archx.json")  # + net.safetensors

A ``model.py`` written by ``main.py export`` comes back as the project it was
exported from: the same node ids, kinds, wiring and parameters, its blocks as
blocks (``exported_source.py`` reads the ids and heads the file names,
``own_blocks.py`` turns the program's own block classes back into their kinds).

Parts that compute exactly what one of the editor's blocks does (a transformer
layer, a dense block, a transition, an MBConv, a highway layer) are found by
running the network once and checking each candidate block's output
(``recognise.py``, ``transformer_recogniser.py``, ``conv_recognisers.py``);
what transformers write as tensor code around their blocks maps to the token
kinds (``token_patterns.py``); a network whose ``forward`` asks about its
input's shape is traced with the example's values at hand (``concrete_tracing.py``).

The submodules are imported where used, so ``import explorer.importer`` stays light.
"""

from .result import Imported

__all__ = ["Imported"]
