"""Reading back what a file exported by this program says about its nodes.

``main.py export`` writes a ``Network`` whose submodules and ``forward``
variables carry the Python names of the node ids (``naming.python_names``),
and comments that name what the code cannot: the input node on the ``def
forward`` line, the output head on the ``return`` line, and the id of each
node whose Python name differs from it (``conv_1 = ...  # conv 1 (Conv2d)``).
Importing such a file reads them here, so the graph comes back with the ids
and heads it was exported with. A module not written by the exporter gives
None, and is imported as any other network.

What a comment cannot hold cannot come back: an id over 60 characters is cut
short there (the node keeps its Python name, and a note says so), and control
characters or runs of spaces in an id come back as single spaces ("x\\ny" as
"x y"), which the file cannot tell apart from an id written that way.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass, field
from typing import Any

import torch.nn as nn

from explorer.graph.naming import python_names

# "# conv 1 (Conv2d)", maybe followed by the label's comment: the id and its kind.
_NODE_NOTE = re.compile(r"^#\s(?P<id>.+?) \((?P<kind>[A-Za-z0-9]+)\)(?:\s+#.*)?$")
_OUTPUT_KINDS = ("ClassificationOutput", "RegressionOutput", "SegmentationOutput")
_INPUT_KINDS = ("VectorInput", "ImageInput", "TokenInput")
COMMENT_LIMIT = 60  # characters of an id a comment holds (naming.comment_text's default)


@dataclass
class ExportedSource:
    """What the exported forward says: ids by Python name, the input and the head."""

    file: str
    variables: dict[int, str]  # line number (in the file) -> the variable its statement sets
    ids: dict[str, str] = field(default_factory=dict)  # Python name -> node id, where noted
    input_id: str = "input"
    input_kind: str = ""
    output_id: str = "output"
    output_kind: str = ""
    bias_init: dict[str, float] = field(default_factory=dict)  # submodule -> constant bias
    notes: list[str] = field(default_factory=list)  # ids that may not be the project's own

    def node_id(self, name: str) -> str:
        """The node id a Python name (an attribute or a variable of forward) stands for."""
        return self.ids.get(name, name)

    def variable_at(self, filename: str, line: int) -> str | None:
        """The variable set by the forward statement covering ``filename:line``."""
        return self.variables.get(line) if filename == self.file else None


def read_exported(module: nn.Module) -> ExportedSource | None:
    """The notes of an exported ``Network``, or None for a module the exporter did not write."""
    cls = type(module)
    try:
        file = inspect.getsourcefile(cls) or ""
        forward_lines, forward_start = inspect.getsourcelines(cls.forward)
        init_lines, _ = inspect.getsourcelines(cls.__init__)
    except (OSError, TypeError):
        return None
    comments = _comments(forward_lines, forward_start)
    try:
        tree = ast.parse(textwrap.dedent("".join(forward_lines)))
    except SyntaxError:
        return None
    function = tree.body[0]
    if not isinstance(function, ast.FunctionDef) or not function.body:
        return None
    last = function.body[-1]
    head = _NODE_NOTE.match(comments.get(last.end_lineno or 0, "")) if isinstance(
        last, ast.Return) else None
    if head is None or head["kind"] not in _OUTPUT_KINDS:
        return None  # not written by the exporter: every export names its head here
    found = ExportedSource(file, {}, output_id=head["id"], output_kind=head["kind"])
    x = _NODE_NOTE.match(comments.get(function.lineno, "").replace("# x: ", "# ", 1))
    if x is not None and x["kind"] in _INPUT_KINDS:
        found.input_id, found.input_kind = x["id"], x["kind"]
    else:
        found.notes.append("The file does not name its input node (it was exported by an "
                           "older version), so the input is called 'input'.")
    if not _read_statements(function.body[:-1], comments, forward_start - 1, found):
        return None
    for node_id in (found.input_id, found.output_id):
        if _shortened(node_id):
            found.notes.append(f"'{node_id}' is a shortened id: the file holds no more of it.")
    found.bias_init = _bias_inits("".join(init_lines))
    return found


def _read_statements(statements: list[ast.stmt], comments: dict[int, str], offset: int,
                     found: ExportedSource) -> bool:
    """Each ``name = ...`` of forward: its lines, and the id its note gives (False: a
    statement of another form, so not the exporter's forward)."""
    for statement in statements:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            return False
        name = statement.targets[0].id
        lines = range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)
        found.variables.update({line + offset: name for line in lines})
        note = next((m for m in (_NODE_NOTE.match(comments.get(n, "")) for n in lines) if m),
                    None)
        # The note is kept only where it names the node as exported: its id maps to this name.
        if note is not None and _names_again(note["id"], name):
            found.ids[name] = note["id"]
        elif note is not None:  # shortened, or with characters a comment cannot hold
            found.notes.append(f"{name}: the file names this node only by its Python name; "
                               f"its id in the project was '{note['id']}' or close to it.")
    return True


def _shortened(node_id: str) -> bool:
    """Whether a comment cut the id short (``naming.comment_text`` keeps 60 characters)."""
    return len(node_id) == COMMENT_LIMIT and node_id.endswith("…")


def _names_again(node_id: str, name: str) -> bool:
    """Whether ``name`` may be the Python name of ``node_id`` (with a suffix made unique)."""
    if _shortened(node_id):
        return False
    base = python_names([node_id])[node_id]
    return name == base or bool(re.fullmatch(re.escape(base) + r"_\d+", name))


def _comments(lines: list[str], start: int) -> dict[int, str]:
    """Line number (from 1 in the dedented source) -> the comment ending that line."""
    found: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(textwrap.dedent("".join(lines)))
                                              .readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.string
    except (tokenize.TokenError, IndentationError):
        return {}
    return found


def _bias_inits(init_source: str) -> dict[str, float]:
    """``nn.init.constant_(self.linear_1.bias, -3.0)`` lines: the Linear layers' bias_init."""
    found: dict[str, float] = {}
    try:
        tree = ast.parse(textwrap.dedent(init_source))
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and ast.unparse(node.func) == "nn.init.constant_"
                and len(node.args) == 2):
            target, value = ast.unparse(node.args[0]), _number(node.args[1])
            if target.startswith("self.") and target.endswith(".bias") and value is not None:
                found[target[len("self."):-len(".bias")]] = value
    return found


def _number(node: ast.expr) -> float | None:
    try:
        value: Any = ast.literal_eval(node)
    except ValueError:
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None
