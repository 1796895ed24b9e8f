"""A project as one standalone Python file that imports torch and nothing else.

The file holds, in reading order: a docstring saying what goes in and comes
out, the imports, ``load_tensors`` for .safetensors weights (the safetensors
package's loader, imported only when weights are read), one class per block
kind the network uses (the very classes the app trains, copied from
``explorer.compiler.blocks``), and a ``Network`` class whose submodules carry
the graph's node names, so weights saved by the app load with the same keys.
Every line that came from a node is mapped back to it, for the editor's code
preview. An imported network's parts kept whole (``Module`` nodes) are the one
exception to "torch and nothing else": the file imports the module each of
their classes comes from.

All text from the project file reaches the code only as identifiers made by
``naming.python_names``, as escaped string literals, or inside comments, so
no project can smuggle code into its export.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from explorer.compiler import BuildError, CodeLine, NetworkCode, blocks_needed, generate
from explorer.compiler import blocks as block_classes
from explorer.compiler.codegen import GraphReader, node_note
from explorer.compiler.opaque import ImportedSpec
from explorer.graph import (
    CheckResult,
    Node,
    Project,
    TensorSpec,
    check_graph,
    format_count,
    get_kind,
)
from explorer.graph.naming import comment_text

from .errors import ExportError
from .formatting import format_python

_INPUT_WORDS = {
    "features": "a batch of feature vectors",
    "sequence": "a batch of sequences (tokens × features)",
    "image": "a batch of images (channels × height × width)",
    "tokens": "a batch of token-id sequences (int64)",
}
_OUTPUT_WORDS = {
    "ClassificationOutput": ("class scores (logits)", "train with cross-entropy"),
    "RegressionOutput": ("predictions", "train with mean squared error"),
    "SegmentationOutput": ("per-pixel class scores", "train with per-pixel cross-entropy"),
}


@dataclass(frozen=True)
class ExportedCode:
    """The source text and, for each node id, the 1-based line numbers it produced."""

    text: str
    node_lines: Mapping[str, tuple[int, ...]]
    code: NetworkCode


def network_source(project: Project, *, format_code: bool = True) -> ExportedCode:
    """The standalone ``model.py`` for a project; ExportError if the graph has errors."""
    return checked_network_source(project.graph, check_graph(project.graph), project.name,
                                  project.description, format_code=format_code)


def checked_network_source(graph: GraphReader, result: CheckResult, name: str,
                           description: str = "", *, format_code: bool = True) -> ExportedCode:
    """``network_source`` of a graph checked already (``result`` is ``check_graph(graph)``).

    The code preview passes the editor's own check and a copy of the graph taken on the
    UI thread, so its worker thread neither reads a project file back nor checks again:
    half the time of the preview of a 10,000-node graph.
    """
    try:
        code = generate(graph, result)
    except BuildError as error:
        raise ExportError(f"the network cannot be exported yet: {error}") from None
    init_lines = code.init_lines()
    body = [
        _module_docstring(graph, name, description, code, result),
        _imports(code, init_lines),
        _tensor_file_helpers(),
        *(_block_source(block) for block in blocks_needed(_block_ctors(code))),
        _network_class(graph, name, code, init_lines),
        _main_block(result.known_spec(code.input_id)),
    ]
    text = "\n\n".join(part.strip("\n") for part in body) + "\n"
    if format_code:
        text = format_python(text)
    return ExportedCode(text, _map_lines(text, init_lines, code.lines), code)


# -- parts of the file ---------------------------------------------------------------


def _module_docstring(graph: GraphReader, name: str, description: str, code: NetworkCode,
                      result: CheckResult) -> str:
    params = result.total_params
    x = result.known_spec(code.input_id)
    y = result.known_spec(graph.in_edges(code.output_id)[0].src)
    title = _docstring_text(name or "Network")
    lines = [f'"""{title}.', ""]
    if description:
        lines += [_docstring_text(description), ""]
    lines += [
        f"Input:  {_INPUT_WORDS.get(x.layout, 'a batch')}, shape (N, "
        f"{', '.join(map(str, x.shape))}){' of int64' if x.dtype == 'long' else ''}.",
        f"Output: {_OUTPUT_WORDS[code.output_kind][0]}, shape (N, "
        f"{', '.join(map(str, y.shape))}); {_OUTPUT_WORDS[code.output_kind][1]}.",
        f"Parameters: {params:,} ({format_count(params)}).",
        "",
        "Use:",
        "    model = Network()",
        '    model.load_state_dict(load_tensors("model.safetensors"))  # weights from the app',
        "    y = model(x)",
        "",
        "Run `python model.py [--weights FILE]` to check it on a random batch.",
        '"""',
    ]
    return "\n".join(lines)


def _imports(code: NetworkCode, init_lines: tuple[CodeLine, ...]) -> str:
    used = "\n".join(line.text for line in (*init_lines, *code.lines))
    used += "".join(inspect.getsource(getattr(block_classes, name))
                    for name in blocks_needed(_block_ctors(code)))
    lines = ["import argparse"]
    if _starts_word(used, r"math\."):
        lines.append("import math")
    lines += ["", "import torch"]
    if _starts_word(used, r"F\b"):
        lines.append("import torch.nn.functional as F")
    lines.append("from torch import nn")
    imported = sorted({s.module_name for s in code.modules.values() if isinstance(s, ImportedSpec)})
    if imported:  # an imported network's parts kept whole: their own classes, from their modules
        lines += ["", *(f"import {name}" for name in imported)]
    return "\n".join(lines)


def _starts_word(text: str, pattern: str) -> bool:
    r"""Whether ``pattern`` (starting with a letter) matches where a word of ``text`` starts:
    what ``re.search(r"\b" + pattern, text)`` says, a hundred times faster on the
    megabyte of a big network's code, since the search can jump to each place the
    pattern's first letter is found, which a leading ``\b`` keeps it from doing."""
    for match in re.finditer(pattern, text):
        before = text[match.start() - 1] if match.start() else " "
        if not (before.isalnum() or before == "_"):  # what \w is, for str patterns
            return True
    return False


def _block_ctors(code: NetworkCode) -> list[str]:
    """The constructors whose classes the file defines (imported modules come by import)."""
    return [s.ctor for s in code.modules.values() if not isinstance(s, ImportedSpec)]


@cache
def _tensor_file_helpers() -> str:
    """``load_tensors`` (safetensors.torch.load_file, or a clear message) from
    standalone/weights_file.py, without the file's docstring."""
    text = resources.files("explorer.export.standalone").joinpath("weights_file.py").read_text()
    tree = ast.parse(text)
    first = next(n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom, ast.Expr)))
    return "\n".join(text.splitlines()[first.lineno - 1:])


def _block_source(name: str) -> str:
    return inspect.getsource(getattr(block_classes, name))


def _network_class(graph: GraphReader, name: str, code: NetworkCode,
                   init_lines: tuple[CodeLine, ...]) -> str:
    out = ["class Network(nn.Module):",
           f'    """{_docstring_text(name or "The network")}: '
           f'{len(code.modules)} submodules named after the graph\'s nodes."""', "",
           "    def __init__(self):", "        super().__init__()"]
    previous = None
    cited: set[str] = set()  # kinds whose paper a comment has named already
    for line in init_lines:
        comment = _node_comment(graph, line.node_id, cited) if line.node_id != previous else ""
        if comment:
            out.append(f"        # {comment}")
        previous = line.node_id
        out.append("        " + line.text)
    x = graph.node(code.input_id)  # named in a comment, as the head is at the return
    out += ["", f"    def forward(self, x):  # x: {comment_text(x.id)} ({x.kind})"]
    out += ["        " + _without_name_comment(graph.node(line.node_id), line,
                                               code.names[line.node_id])
            for line in code.lines]
    return "\n".join(out)


def _node_comment(graph: GraphReader, node_id: str, cited: set[str]) -> str:
    """What the code cannot say about a node: the user's label, and the paper its kind
    comes from (the first time the kind appears)."""
    node = graph.node(node_id)
    kind = get_kind(node.kind)
    label = f'"{comment_text(node.label, 40)}"' if node.label else ""
    paper = ""
    if kind.paper and node.kind not in cited:
        cited.add(node.kind)
        paper = f"{kind.title}, {comment_text(kind.paper)}"
    return ": ".join(part for part in (label, paper) if part)


def _without_name_comment(node: Node, line: CodeLine, name: str) -> str:
    """A forward line without the compiler's "# node (Kind)" note where the line itself names
    the node (``relu_1 = self.relu_1(x)``); ``return`` keeps it: the head is named nowhere else.
    So does a node whose Python ``name`` is not its id (``conv_1 = ...  # conv 1 (Conv2d)``):
    importing the file back (explorer.importer) reads the id from there."""
    if line.text.startswith("return "):
        return line.text
    text = line.text
    if name == line.node_id:
        text = text.removesuffix(node_note(line.node_id, node.kind))
    return text + (f'  # "{comment_text(node.label, 40)}"' if node.label else "")


def _main_block(spec: TensorSpec) -> str:
    return "\n".join([
        'if __name__ == "__main__":',
        "    parser = argparse.ArgumentParser(description=\"Run the network on a random batch.\")",
        "    parser.add_argument(\"--weights\", help=\"a .safetensors file saved by the app\")",
        "    args = parser.parse_args()",
        "    model = Network().eval()",
        "    if args.weights:",
        "        model.load_state_dict(load_tensors(args.weights))",
        f"    x = {_random_input(spec)}",
        "    with torch.no_grad():",
        "        y = model(x)",
        '    print(f"input {tuple(x.shape)} -> output {tuple(y.shape)}")',
    ])


def _random_input(spec: TensorSpec) -> str:
    shape = ", ".join(map(str, (2, *spec.shape)))
    if spec.dtype == "long":
        return f"torch.randint(0, {spec.vocab or 2}, ({shape},))"
    return f"torch.randn({shape})"


def _docstring_text(text: str) -> str:
    """Project text made safe inside a triple-quoted docstring, on one line."""
    flat = comment_text(text, limit=300)
    return flat.replace("\\", "\\\\").replace('"', '\\"')


# -- line mapping ---------------------------------------------------------------------


def _map_lines(text: str, init_lines: tuple[CodeLine, ...],
               forward_lines: tuple[CodeLine, ...]) -> dict[str, tuple[int, ...]]:
    """Node id -> line numbers, matching Network's statements to the lines generated in order.

    A scan of the formatted text, not ``ast.parse``: on a 10,000-node network the parse is
    one call that holds the interpreter for most of a second, and the code preview makes
    this on a worker thread while the editor must keep painting. The text is ours and
    formatted: a statement starts at the method body's indentation (8 spaces); its
    continuation lines are indented deeper or close a bracket at that indentation.
    """
    mapping: dict[str, list[int]] = {}
    methods = _method_statements(text.splitlines())
    for method, lines in (("__init__", init_lines), ("forward", forward_lines)):
        statements = methods[method][1 if method == "__init__" else 0:]  # after super()
        for span, line in zip(statements, lines, strict=True):
            mapping.setdefault(line.node_id, []).extend(span)
    return {node_id: tuple(lines) for node_id, lines in mapping.items()}


def _method_statements(lines: list[str]) -> dict[str, list[range]]:
    """The 1-based line spans of each statement in the methods of ``class Network``."""
    body = " " * 8
    methods: dict[str, list[range]] = {}
    current: list[range] | None = None
    inside = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not line[0].isspace():  # a top-level line: Network's class starts or has ended
            inside = line.startswith("class Network(")
            current = None
            continue
        if not inside:
            continue
        if line.startswith("    def ") and not line.startswith(body):
            current = methods.setdefault(line.split("def ", 1)[1].split("(", 1)[0], [])
            continue
        if current is None or not line.startswith(body) or stripped.startswith("#"):
            continue
        continues = line.startswith(body + " ") or stripped[0] in ")]}"
        if continues and current:
            current[-1] = range(current[-1].start, number + 1)
        else:
            current.append(range(number, number + 1))
    return methods
