"""Project files: versioned JSON, loaded in two stages, saved atomically.

Stage one parses the text and checks its structure against the JSON Schema
(``project.schema.json``), migrating older versions; stage two builds the
graph through its public methods, so every node and wire is validated as
if it had been made by hand. Any problem becomes a ProjectFileError that
names the field or node; nothing half-loaded is returned. No pickle.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import FileTooLarge, read_regular_file, size_in_mb, write_text_atomically
from .collector import collector_paused
from .errors import GraphError, ProjectFileError
from .file_values import FloatReader, find_unholdable, find_unholdable_in_document
from .model import ArchitectureGraph, Edge, Node
from .project_model import Project
from .settings import TrainingSettings
from .stages import MakeStage, stages

if TYPE_CHECKING:  # imported when a file is read: it compiles the schema
    from fastjsonschema import JsonSchemaValueException

FORMAT = "architecture-explorer"
VERSION = 1
MAX_FILE_BYTES = 50 * 1024 * 1024
SUFFIX = ".archx.json"

# MIGRATIONS[n] turns a version-n document into a version-(n+1) one.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


# -- writing -----------------------------------------------------------------


def to_document(project: Project) -> dict[str, Any]:
    """The project as plain data: nodes in topological order, wires in the order of their ends."""
    graph = project.graph
    order = graph.topological_order()
    place = {node_id: i for i, node_id in enumerate(order)}
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "nodes": [_node_document(graph.node(n)) for n in order],
        "edges": [
            {"src": e.src, "src_port": e.src_port, "dst": e.dst, "dst_port": e.dst_port}
            for e in sorted(graph.edges(), key=lambda e: (place[e.dst], e.dst_port))
        ],
        "training": project.training.to_dict(),
    }
    if graph.groups():
        doc["groups"] = [_node_document(n) for _, n in sorted(graph.groups().items())]
    if graph.stage_names():
        doc["stages"] = [{"name": s.name, "members": sorted(s.members, key=place.__getitem__),
                          "collapsed": s.collapsed}
                         for s in sorted(stages(graph), key=lambda s: (min(
                             (place[m] for m in s.members), default=len(place)), s.name))]
    for key in ("name", "description", "notes"):
        if getattr(project, key):
            doc[key] = getattr(project, key)
    if project.ui:
        doc["ui"] = project.ui
    if project.weight_map:
        doc["weight_map"] = dict(project.weight_map)
    return doc


def dumps(project: Project) -> str:
    """Stable text: sorted keys, two-space indent, one trailing newline.

    Refuses (ProjectFileError naming the field) a value no file can hold, such
    as an infinite number, rather than write a file that would never reopen.
    """
    with collector_paused():
        doc = to_document(project)
        try:
            text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False,
                              allow_nan=False)
            text.encode("utf-8")
        except ValueError:  # a non-finite number, or a lone surrogate (UnicodeEncodeError)
            where, problem = find_unholdable(doc) or ("(top level)", "cannot be written.")
            raise ProjectFileError(f"cannot be saved: it {problem}", where=where) from None
    return text + "\n"


def save(project: Project, path: str | os.PathLike) -> None:
    """Write atomically: a temporary file beside the target, then a rename over it."""
    write_text_atomically(path, dumps(project), durable=True)


def _node_document(node: Node) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": node.id,
        "kind": node.kind,
        "params": dict(node.params),
        "position": list(node.position),
    }
    if node.label:
        doc["label"] = node.label
    if node.group is not None:
        doc["group"] = node.group
    return doc


# -- reading -----------------------------------------------------------------


def load(path: str | os.PathLike) -> Project:
    """Read a project file; only a regular file (never a device or a pipe) is read."""
    path = Path(path)
    try:
        data = read_regular_file(path, max_bytes=MAX_FILE_BYTES)
    except FileTooLarge as error:
        raise ProjectFileError(
            f"the file is {size_in_mb(error.size)}; project files are at most "
            f"{size_in_mb(MAX_FILE_BYTES)}.", source=str(path)) from None
    except OSError as error:
        raise ProjectFileError(error.strerror or str(error), source=str(path)) from None
    return loads(data, source=str(path))


def loads(text: str | bytes, *, source: str = "") -> Project:
    """Parse and validate a project document; raises ProjectFileError naming the problem."""
    with collector_paused():
        doc = parse(text, source=source)
        try:
            return build_project(doc)
        except ProjectFileError as error:
            error.source = error.source or source
            raise


def parse(text: str | bytes, *, source: str = "") -> dict[str, Any]:
    """Stage one: text -> a current-version document whose structure matches the schema."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise ProjectFileError("the file is too large to be a project.", source=source)
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ProjectFileError(
                f"not a text file (byte {error.start} is not UTF-8).", source=source) from None
    def whole_number(digits: str) -> int:
        """A JSON integer; one too long for Python to read is explained in our words."""
        try:
            return int(digits)
        except ValueError:
            line = text.count("\n", 0, max(text.find(digits), 0)) + 1
            raise ValueError(f"line {line} holds a number {len(digits.lstrip('-')):,} digits "
                             "long, far more than any value in a project needs") from None

    floats = FloatReader()
    try:
        doc = json.loads(text, parse_constant=_refuse_constant, parse_int=whole_number,
                         parse_float=floats)
    except json.JSONDecodeError as error:
        if not text.strip():
            raise ProjectFileError("the file is empty.", source=source) from None
        raise ProjectFileError(
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
            + (" (the file may be cut short)." if error.pos >= len(text.rstrip()) else "."),
            source=source) from None
    except (ValueError, RecursionError) as error:
        raise ProjectFileError(f"not a usable JSON document: {error}.", source=source) from None
    if not isinstance(doc, dict):
        raise ProjectFileError("a project file holds one JSON object.", source=source)
    if doc.get("format") != FORMAT:
        raise ProjectFileError(
            f"this is not an Architecture Explorer project (format is {doc.get('format')!r}, "
            f"expected {FORMAT!r}).", where="format", source=source)
    found = find_unholdable_in_document(doc, text, floats)
    if found is not None:
        raise ProjectFileError(found[1], where=found[0], source=source)
    doc = migrate(doc, source)
    _validate_schema(doc, source)
    return doc


def migrate(doc: dict[str, Any], source: str = "") -> dict[str, Any]:
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectFileError(f"'version' must be a whole number, got {version!r}.",
                               where="version", source=source)
    if version > VERSION:
        raise ProjectFileError(
            f"the file is format version {version}, but this program reads up to version "
            f"{VERSION}. It was saved by a newer Architecture Explorer; update to open it.",
            where="version", source=source)
    while version < VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ProjectFileError(f"format version {version} is too old to read.",
                                   where="version", source=source)
        doc = step(dict(doc))
        version += 1
        doc["version"] = version
    return doc


def build_project(doc: dict[str, Any]) -> Project:
    """Stage two: a parsed document -> a Project, every node and wire validated.

    Linear in the size of the file: the wires go in together (``connect_many``
    looks for loops once, not once per wire). Nobody listens to a graph still
    being read, so its events are not sent.
    """
    graph = ArchitectureGraph()
    with collector_paused(), graph.events.blocked(), graph.batch():
        for i, node in enumerate(doc["nodes"]):
            _add(graph, node, f"nodes[{i}]")
        _add_wires(graph, doc["edges"])
        for i, stage in enumerate(doc.get("stages", [])):
            _add_stage(graph, stage, f"stages[{i}]")
        members: dict[str, list[str]] = {}
        for node in doc["nodes"]:
            members.setdefault(node.get("group"), []).append(node["id"])
        for i, block in enumerate(doc.get("groups", [])):
            _add_group(graph, block, members.get(block["id"], []), f"groups[{i}]")
    try:
        training = TrainingSettings.from_dict(doc.get("training"))
    except GraphError as error:
        raise ProjectFileError(error.message, where="training") from None
    return Project(graph, training, doc.get("name", ""), doc.get("description", ""),
                   doc.get("notes", ""), dict(doc.get("ui", {})),
                   dict(doc.get("weight_map", {})))


def _add(graph: ArchitectureGraph, node: dict[str, Any], where: str) -> None:
    try:
        graph.add_node(node["kind"], node.get("params"), position=tuple(node.get("position",
                       (0, 0))), node_id=node["id"], label=node.get("label", ""),
                       group=node.get("group"))
    except GraphError as error:
        name = f"node {node['id']!r}"
        text = error.message + (f" {error.hint}" if error.hint else "")
        raise ProjectFileError(f"{name}: {text}", where=where) from None


def _add_wires(graph: ArchitectureGraph, edges: list[dict[str, Any]]) -> None:
    """Every wire of the file, all at once; a refused one is named by its place in the list."""
    wires = []
    for i, edge in enumerate(edges):
        for end in ("src", "dst"):
            if edge[end] not in graph:
                raise ProjectFileError(f"the wire's {end} {edge[end]!r} is not a node in "
                                       "the file.", where=f"edges[{i}]")
        wires.append(Edge(edge["src"], edge["dst"], edge.get("dst_port", "in"),
                          edge.get("src_port", "out")))
    try:
        graph.connect_many(wires)
    except GraphError as error:
        raise ProjectFileError(str(error), where=f"edges[{error.wire}]") from None


def _add_group(graph: ArchitectureGraph, block: dict[str, Any], members: list[str],
               where: str) -> None:
    from .kinds import get_kind

    try:
        params = get_kind(block["kind"]).validate(block.get("params"), block["id"])
    except GraphError as error:
        raise ProjectFileError(str(error), where=where) from None
    if not members:
        raise ProjectFileError(f"no node belongs to the expanded block {block['id']!r}.",
                               where=where)
    position = block.get("position", [0, 0])
    rank = min(graph.rank_of(m) for m in members)  # collapsing puts it where they were
    graph.add_group(Node(block["id"], block["kind"], params, (position[0], position[1]),
                         block.get("label", ""), rank=rank))


def _add_stage(graph: ArchitectureGraph, stage: dict[str, Any], where: str) -> None:
    """A stage, checked as when it is made on the canvas, except for being one run of
    wired nodes (edits since may have changed that)."""
    try:
        MakeStage(stage["name"], stage["members"], stage.get("collapsed", False),
                  as_run=False).apply(graph)
    except GraphError as error:
        text = error.message + (f" {error.hint}" if error.hint else "")
        raise ProjectFileError(f"stage {stage['name']!r}: {text}", where=where) from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a project may hold")


@cache
def schema() -> dict[str, Any]:
    text = resources.files("explorer.graph").joinpath("project.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator() -> Callable[[Any], object]:
    """The schema compiled to Python (fastjsonschema): a 1,000-node file checks in ~4 ms."""
    import fastjsonschema

    return fastjsonschema.compile(schema())


def _validate_schema(doc: dict[str, Any], source: str) -> None:
    import fastjsonschema

    try:
        _validator()(doc)
    except fastjsonschema.JsonSchemaValueException as error:
        path = error.path[1:] if error.path and error.path[0] == "data" else error.path
        where = "".join(f"[{p}]" if str(p).isdigit() else f".{p}" for p in path)
        raise ProjectFileError(_schema_message(error), where=where.lstrip(".") or "(top level)",
                               source=source) from None


_TYPE_WORDS = {"string": "text", "number": "a number", "integer": "a whole number",
               "object": "an object {...}", "array": "a list [...]",
               "boolean": "true or false", "null": "null"}


def _schema_message(error: JsonSchemaValueException) -> str:
    """fastjsonschema's finding in plain words: what the field is and what it should be."""
    value, rule, wanted = error.value, error.rule, error.rule_definition
    if rule == "type":
        options: list[str] = wanted if isinstance(wanted, list) else [wanted]
        shown = repr(value) if len(repr(value)) <= 40 else type(value).__name__
        return f"must be {' or '.join(_TYPE_WORDS.get(t, t) for t in options)}, not {shown}."
    if rule == "required" and isinstance(value, dict):
        missing = [k for k in wanted if k not in value]
        return f"is missing the field {missing[0]!r}." if missing else error.message + "."
    if rule == "additionalProperties" and isinstance(value, dict):
        known = set(error.definition.get("properties", {}))
        extra = sorted(set(value) - known)
        fields = ", ".join(sorted(known))
        return f"has an unknown field {extra[0]!r} (known fields: {fields})."
    if rule == "minLength":
        return "must not be empty." if wanted == 1 else f"must be at least {wanted} characters."
    if rule == "maxLength":
        return f"is longer than the limit of {wanted} characters."
    if rule in ("minItems", "maxItems"):
        return f"has {len(value)} items; {'at least' if rule == 'minItems' else 'at most'} " \
            f"{wanted} allowed."
    message = error.message.replace(error.name, "it", 1) if error.name else error.message
    return (message if len(message) <= 200 else message[:197] + "...") + "."
