"""Turning node ids (any text a project file holds) into safe, unique Python names.

The compiled module and the exported source both name a node's submodule
and its local variable with ``python_names``, so a state_dict saved by the
app loads into exported code with the same keys. The rule depends on
nothing but the set of ids: not on their order (which wiring and undo can
change), nor on the installed torch. So a weight never moves to another
layer because an edit was made and undone.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from collections.abc import Iterable

MAX_NAME_LENGTH = 48

# Names a generated module or its forward() already uses, and nn.Module's own
# public attributes (a submodule called "forward" or "cuda" would shadow them).
RESERVED = frozenset(
    set(keyword.kwlist)
    | {"match", "case", "type", "_"}
    | set(dir(builtins))
    | {"self", "x", "torch", "nn", "F", "math", "Network", "super"}
    # explorer.compiler's CompiledNetwork adds these attributes beside the submodules
    | {"forward_all", "node_names", "input_spec", "output_spec", "output_kind", "source"}
    | {
        "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init",
        "children", "compile", "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr",
        "float", "forward", "get_buffer", "get_extra_state", "get_parameter", "get_submodule",
        "half", "ipu", "load_state_dict", "modules", "mtia", "named_buffers", "named_children",
        "named_modules", "named_parameters", "parameters", "register_backward_hook",
        "register_buffer", "register_forward_hook", "register_forward_pre_hook",
        "register_full_backward_hook", "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook", "register_load_state_dict_pre_hook",
        "register_module", "register_parameter", "register_state_dict_post_hook",
        "register_state_dict_pre_hook", "requires_grad_", "set_extra_state", "set_submodule",
        "share_memory", "state_dict", "to", "to_empty", "train", "training", "xpu", "zero_grad",
    }
    # Hugging Face transformers adds this to nn.Module itself once one of its models is made
    # (an import of one, say): a layer of that name would hide it
    | {"smart_apply"}
)

_NOT_WORD = re.compile(r"[^0-9A-Za-z]+")  # runs of anything else (underscores too) -> "_"


def identifier(text: str) -> str:
    """The closest plain-ASCII Python identifier to ``text`` (not yet made unique)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = _NOT_WORD.sub("_", ascii_text).strip("_")[:MAX_NAME_LENGTH] or "node"
    if name[0].isdigit():
        name = "n_" + name
    if name in RESERVED:
        name += "_"
    return name


def python_names(ids: Iterable[str]) -> dict[str, str]:
    """Map each id to a unique identifier: ``conv 1`` -> ``conv_1`` (``conv_1_2`` if ``conv_1``
    is an id too).

    An id that already is a usable name keeps it. Ids that turn into the same
    name take suffixes in the sorted order of the ids, so the result does not
    depend on the order they are given in. The map keeps the given order.
    """
    ids = list(ids)
    bases = {node_id: identifier(node_id) for node_id in ids}
    exact = {node_id for node_id in ids if bases[node_id] == node_id}
    taken = set(exact)
    names = {node_id: node_id for node_id in exact}
    for node_id in sorted(set(ids) - exact):
        base = bases[node_id]
        name, n = base, 1
        while name in taken or name in RESERVED:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        names[node_id] = name
    return {node_id: names[node_id] for node_id in ids}


def string_literal(text: str) -> str:
    """A Python string literal for any text (quotes, newlines and unicode escaped)."""
    return repr(str(text))


def comment_text(text: str, limit: int = 60) -> str:
    """Text that is safe on one comment line: control characters shown as spaces."""
    flat = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in str(text))
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
