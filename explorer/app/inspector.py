"""The inspector: the selected node's label, parameters, shapes and meaning.

Each parameter gets a typed editor; a change becomes a SetParams edit
(successive changes from one control merge into one undo step). A value
the graph refuses is not applied: the editor returns to the model's value
and the reason shows under the form. Shapes, parameter count, values chosen
for "auto" and the node's problems come from the latest check.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from explorer.graph import (
    CheckResult,
    GraphError,
    NodeKind,
    SetLabel,
    SetParams,
    format_count,
    get_kind,
)

from .document import Document, error_text
from .icons import kind_icon
from .param_editors import ParamEditor, make_editor

EMPTY_TEXT = ("Select a node on the canvas to see its settings, shapes and what it "
              "computes.\n\nDrag layers and blocks from the palette on the left, and wire "
              "an output port (right side of a node) to an input port (left side).")


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("InspectorHeading")
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _wrapped(text: str = "", *, rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class Inspector(QScrollArea):
    """Shows one node (or a hint when none is selected) and edits it through the document."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.node_id: str | None = None
        self.editors: dict[str, ParamEditor] = {}
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._content: QWidget | None = None
        self._summary: str | None = None
        self.error_label = _wrapped()
        self.label_edit: QLineEdit | None = None
        self._info: dict[str, QLabel] = {}
        document.checked.connect(self._checked)
        document.project_replaced.connect(lambda: self.show_node(None))
        self.show_node(None)

    # -- which node -------------------------------------------------------------------

    def show_selection(self, node_ids: list[str]) -> None:
        """One node: its settings. Several: how many, and their parameters together."""
        if len(node_ids) == 1:
            if node_ids[0] != self.node_id or self._summary is not None:
                self.show_node(node_ids[0])
            return
        summary = None
        if node_ids:
            result = self.document.result
            total = sum(r.params for n, r in result.reports.items() if n in set(node_ids))
            summary = (f"{len(node_ids)} nodes selected, with {format_count(total)} "
                       "parameters together.\n\nDelete, copy or duplicate them all at once, "
                       "or drag one to move them together.")
        if summary != self._summary or self.node_id is not None:
            self.show_node(None, text=summary)

    def show_node(self, node_id: str | None, *, text: str | None = None) -> None:
        """Inspect ``node_id`` (None, or an id no longer in the graph: a hint, or ``text``)."""
        if node_id is not None and node_id not in self.document.graph:
            node_id = None
        self.node_id = node_id
        self._summary = text if node_id is None else None
        self.editors = {}
        self._info = {}
        self.label_edit = None
        self.error_label = _wrapped()
        self.error_label.setObjectName("InspectorError")
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(8)
        if node_id is None:
            hint = _wrapped(text or EMPTY_TEXT)
            hint.setObjectName("InspectorHint")
            layout.addWidget(hint)
        else:
            self._build(layout, node_id)
        layout.addStretch(1)
        self.setWidget(content)
        self._content = content
        if node_id is not None:
            self._refresh()

    def _build(self, layout: QVBoxLayout, node_id: str) -> None:
        node = self.document.graph.node(node_id)
        kind = get_kind(node.kind)
        title = QLabel()
        title.setPixmap(kind_icon(kind.name, 28).pixmap(28, 28))
        header = QLabel(f"<b style='font-size:large'>{_html(node.title)}</b><br>"
                        f"<span>{_html(kind.title)} · <code>{_html(node.id)}</code></span>")
        header.setTextFormat(Qt.TextFormat.RichText)
        self._info["header"] = header
        row = QFormLayout()
        row.addRow(title, header)
        layout.addLayout(row)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.label_edit = QLineEdit(node.label)
        self.label_edit.setPlaceholderText(node.id)
        self.label_edit.setToolTip("A name to show on the canvas instead of the id.")
        self.label_edit.editingFinished.connect(self._label_entered)
        form.addRow("Label", self.label_edit)
        for param in kind.params:
            editor = make_editor(param)
            editor.committed.connect(lambda value, name=param.name: self._commit(name, value))
            editor.finished.connect(self.document.close_merge)
            name_label = QLabel(param.name)
            name_label.setToolTip(param.describe())
            form.addRow(name_label, editor)
            self.editors[param.name] = editor
        layout.addLayout(form)
        layout.addWidget(self.error_label)

        for key, heading in (("shapes", "Shapes"), ("auto", "Chosen automatically"),
                             ("issues", "Problems")):
            self._info[key + "_heading"] = _heading(heading)
            self._info[key] = _wrapped(rich=True)
            layout.addWidget(self._info[key + "_heading"])
            layout.addWidget(self._info[key])
        layout.addWidget(_heading("What it computes"))
        layout.addWidget(_wrapped(_about(kind), rich=True))

    # -- editing ----------------------------------------------------------------------

    def _commit(self, name: str, value: Any) -> None:
        node_id = self.node_id
        if node_id is None:
            return
        kind = get_kind(self.document.graph.node(node_id).kind)
        try:
            value = kind.param(name).validate(value, node_id)
        except GraphError as error:
            self._refused(error_text(error))
            return
        if self.document.graph.node(node_id).params.get(name) == value:
            return
        if self.document.push(SetParams(node_id, {name: value}), merge_key=(node_id, name)):
            self.error_label.clear()
        else:
            self._refused(self.document.last_refusal)

    def _refused(self, text: str) -> None:
        self.error_label.setText(text)
        self._refresh()  # editors go back to what the graph holds

    def _label_entered(self) -> None:
        if self.node_id is None or self.label_edit is None:
            return
        label = self.label_edit.text().strip()
        unchanged = label == self.document.graph.node(self.node_id).label
        if not unchanged and not self.document.push(SetLabel(self.node_id, label)):
            self._refused(self.document.last_refusal)

    # -- showing the model ------------------------------------------------------------------

    def _checked(self, result: CheckResult) -> None:
        if self.node_id is not None:
            if self.node_id not in self.document.graph:
                self.show_node(None)
                return
            self._refresh(result)

    def _refresh(self, result: CheckResult | None = None) -> None:
        node_id = self.node_id
        if node_id is None:
            return
        result = result if result is not None else self.document.result
        node = self.document.graph.node(node_id)
        if set(self.editors) != {p.name for p in get_kind(node.kind).params}:
            self.show_node(node_id)
            return
        report = result.reports.get(node_id)
        resolved = dict(report.resolved) if report is not None else {}
        for name, editor in self.editors.items():
            editor.set_value(node.params[name], resolved.get(name))
        if self.label_edit is not None and not self.label_edit.hasFocus():
            self.label_edit.setText(node.label)
        kind = get_kind(node.kind)
        self._info["header"].setText(
            f"<b style='font-size:large'>{_html(node.title)}</b><br>"
            f"<span>{_html(kind.title)} · <code>{_html(node.id)}</code></span>")
        self._info["shapes"].setText(self._shapes_text(node_id, report))
        auto = resolved
        self._info["auto"].setText("<br>".join(f"{_html(k)} = <b>{_html(_show(v))}</b>"
                                               for k, v in auto.items()))
        for key in ("auto", "auto_heading"):
            self._info[key].setVisible(bool(auto))
        issues = result.issues_for(node_id)
        self._info["issues"].setText("<br><br>".join(
            f"<span style='color:{'#d93a35' if i.severity == 'error' else '#b87800'}'>"
            f"<b>{'Error' if i.severity == 'error' else 'Warning'}:</b> {_html(i.message)}</span>"
            + (f"<br><i>{_html(i.hint)}</i>" if i.hint else "") for i in issues))
        for key in ("issues", "issues_heading"):
            self._info[key].setVisible(bool(issues))

    def _shapes_text(self, node_id: str, report) -> str:
        graph = self.document.graph
        ports = graph.input_ports(node_id)
        lines = []
        for i, port in enumerate(ports):
            edge = graph.edge_into(node_id, port)
            spec = report.inputs[i] if report is not None and i < len(report.inputs) else None
            source = f" from {_html(edge.src)}" if edge else " (not connected)"
            name = "In" if len(ports) == 1 else f"In {_html(port)}"
            lines.append(f"{name}: <b>{_html(str(spec)) if spec else '?'}</b>{source}")
        if get_kind(graph.node(node_id).kind).has_output or not ports:
            spec = report.spec if report is not None else None
            lines.append(f"Out: <b>{_html(str(spec)) if spec else '?'}</b>")
        count = report.params if report is not None else 0
        lines.append(f"Parameters: <b>{format_count(count)}</b>"
                     + (f" ({count:,})" if count >= 1000 else ""))
        return "<br>".join(lines)


def _about(kind: NodeKind) -> str:
    parts = [_html(kind.description), f"<code>{_html(kind.formula)}</code>"]
    if kind.paper:
        parts.append(f"<i>{_html(kind.paper)}</i>")
    return "<br><br>".join(parts)


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
