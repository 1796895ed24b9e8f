"""Typed editors for node parameters, built from each kind's ``Param`` records.

Whole numbers get a spin box (a meaningful minimum, such as 0 = "same as
input", shows as words), narrow-range numbers a decimal spin box, wide or
tiny ones a text field checked on Enter, yes/no a check box, choices a
combo box; parameters that may be "auto" get an *auto* check box beside
them. Every editor emits ``committed(value)`` with what the user chose and
``finished()`` when they leave it, and shows model values without echoing.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from explorer.graph import AUTO, Param

INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int

# What a parameter holds: a number, a yes/no, a choice, or "auto" (a str).
# Editors also hand on text that is not a number, for the model to refuse in words.
ParamValue = int | float | bool | str


class ParamEditor(QWidget):
    """Base: one parameter's control."""

    committed = Signal(object)
    finished = Signal()

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.setToolTip(param.describe())
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_value(self, value: ParamValue, resolved: ParamValue | None = None) -> None:
        """Show ``value`` (from the model) without emitting ``committed``."""
        raise NotImplementedError

    def value(self) -> ParamValue:
        raise NotImplementedError

    def show_blank(self) -> None:
        """Show that there is no number to show (an *auto* value chosen only at run time)."""
        self.set_value(neutral_value(self.param))


def neutral_value(param: Param) -> float:
    """Where a number starts when a person takes over from *auto*: 0 if allowed, else the
    nearest bound."""
    lo = param.min if param.min is not None else 0
    hi = param.max if param.max is not None else 0
    return min(max(0, lo), hi)


class IntEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.spin = QSpinBox()
        lo = int(param.min) if param.min is not None else -INT_LIMIT
        hi = int(param.max) if param.max is not None else INT_LIMIT
        self.spin.setRange(max(lo, -INT_LIMIT), min(hi, INT_LIMIT))
        if lo in param.special:
            self.spin.setSpecialValueText(f"{param.special[lo]}")
        self.spin.setKeyboardTracking(False)  # one edit per typed number, not per digit
        self.spin.setAccelerated(True)
        self.spin.setToolTip(param.describe())
        self._layout.addWidget(self.spin)
        self.spin.valueChanged.connect(self.committed.emit)
        self.spin.editingFinished.connect(self.finished.emit)

    def set_value(self, value: ParamValue, resolved: ParamValue | None = None) -> None:
        shown = value if isinstance(value, int) else resolved
        if isinstance(shown, int):
            self.spin.blockSignals(True)
            self.spin.setValue(shown)
            self.spin.blockSignals(False)

    def value(self) -> ParamValue:
        return self.spin.value()


def uses_spin_box(param: Param) -> bool:
    """A decimal spin box suits a narrow range of ordinary-sized numbers."""
    if param.min is None or param.max is None or param.max - param.min > 50:
        return False
    default = param.default if isinstance(param.default, (int, float)) else 0.0
    return default == 0 or abs(default) >= 1e-2


class FloatEditor(ParamEditor):
    """A decimal spin box for narrow ranges; a checked text field for wide or tiny numbers."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.error = ""
        self.spin: QDoubleSpinBox | None = None
        self.line: QLineEdit | None = None
        if uses_spin_box(param):
            spin = QDoubleSpinBox()
            spin.setRange(float(param.min), float(param.max))  # type: ignore[arg-type]
            spin.setDecimals(3)
            spin.setSingleStep(0.05 if (param.max or 0) - (param.min or 0) <= 1 else 0.5)
            spin.setKeyboardTracking(False)
            spin.setToolTip(param.describe())
            spin.valueChanged.connect(self.committed.emit)
            spin.editingFinished.connect(self.finished.emit)
            self.spin = spin
            self._layout.addWidget(spin)
        else:
            line = QLineEdit()
            line.setToolTip(param.describe())
            line.editingFinished.connect(self._text_entered)
            self.line = line
            self._layout.addWidget(line)
        self._shown: ParamValue | None = None

    def set_value(self, value: ParamValue, resolved: ParamValue | None = None) -> None:
        shown = value if isinstance(value, (int, float)) else resolved
        self._shown = shown
        if not isinstance(shown, (int, float)):
            return
        if self.spin is not None:
            self.spin.blockSignals(True)
            self.spin.setValue(float(shown))
            self.spin.blockSignals(False)
        elif self.line is not None:
            self.line.setText(f"{float(shown):g}")

    def value(self) -> ParamValue:
        if self.spin is not None:
            return self.spin.value()
        assert self.line is not None
        return parse_number(self.line.text())

    def show_blank(self) -> None:
        if self.line is None:
            super().show_blank()
            return
        self._shown = None
        self.line.clear()
        self.line.setPlaceholderText("chosen when the network is built")

    def _text_entered(self) -> None:
        assert self.line is not None
        value = parse_number(self.line.text())
        if value != self._shown:
            self.committed.emit(value)
        self.finished.emit()


def parse_number(text: str) -> float | str:
    """A number typed by a person ("1e-5", "0,5", " 3 "); the text itself if it is none."""
    cleaned = text.strip().replace(",", ".").replace("−", "-")
    try:
        return float(cleaned)
    except ValueError:
        return text.strip()


class BoolEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.box = QCheckBox()
        self.box.setToolTip(param.describe())
        self._layout.addWidget(self.box)
        self._layout.addStretch(1)
        self.box.toggled.connect(self._toggled)

    def _toggled(self, on: bool) -> None:
        self.committed.emit(on)
        self.finished.emit()

    def set_value(self, value: ParamValue, resolved: ParamValue | None = None) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(False)

    def value(self) -> ParamValue:
        return self.box.isChecked()


class ChoiceEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.combo = QComboBox()
        self.combo.addItems(list(param.choices))
        self.combo.setToolTip(param.describe())
        self._layout.addWidget(self.combo)
        self.combo.activated.connect(self._chosen)

    def _chosen(self, index: int) -> None:
        self.committed.emit(self.combo.itemText(index))
        self.finished.emit()

    def set_value(self, value: ParamValue, resolved: ParamValue | None = None) -> None:
        self.combo.blockSignals(True)
        self.combo.setCurrentText(str(value))
        self.combo.blockSignals(False)

    def value(self) -> ParamValue:
        return self.combo.currentText()


class TextEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.line = QLineEdit()
        self.line.setToolTip(param.describe())
        self._layout.addWidget(self.line)
        self.line.editingFinished.connect(self._entered)

    def _entered(self) -> None:
        self.committed.emit(self.line.text())
        self.finished.emit()

    def set_value(self, value: ParamValue, resolved: ParamValue | None = None) -> None:
        self.line.setText(str(value))

    def value(self) -> ParamValue:
        return self.line.text()


class AutoEditor(ParamEditor):
    """An editor with an *auto* check box: checked, the graph chooses (value shown greyed)."""

    def __init__(self, param: Param, inner: ParamEditor, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.inner = inner
        self.auto = QCheckBox("auto")
        self.auto.setToolTip("Let the graph choose this value (shown greyed).")
        self._layout.addWidget(inner, 1)
        self._layout.addWidget(self.auto)
        inner.committed.connect(self.committed.emit)
        inner.finished.connect(self.finished.emit)
        self.auto.toggled.connect(self._auto_toggled)

    def _auto_toggled(self, on: bool) -> None:
        self.inner.setEnabled(not on)
        if not on and self.inner.value() == "":  # was blank: start from a sensible number
            self.inner.set_value(neutral_value(self.param))
        self.committed.emit(AUTO if on else self.inner.value())
        self.finished.emit()

    def set_value(self, value: ParamValue, resolved: ParamValue | None = None) -> None:
        is_auto = value == AUTO
        if is_auto and resolved is None and self.param.default == AUTO:
            self.inner.show_blank()  # e.g. a bias start left to PyTorch: no number to show
        else:
            fallback = resolved if resolved is not None else self.param.default
            self.inner.set_value(fallback if is_auto else value, resolved)
        self.auto.blockSignals(True)
        self.auto.setChecked(is_auto)
        self.auto.blockSignals(False)
        self.inner.setEnabled(not is_auto)

    def value(self) -> ParamValue:
        return AUTO if self.auto.isChecked() else self.inner.value()


def make_editor(param: Param, parent: QWidget | None = None) -> ParamEditor:
    """The right control for ``param``."""
    if param.type is bool:
        editor: ParamEditor = BoolEditor(param)
    elif param.choices:
        editor = ChoiceEditor(param)
    elif param.type is int:
        editor = IntEditor(param)
    elif param.type is float:
        editor = FloatEditor(param)
    else:
        editor = TextEditor(param)
    if param.auto:
        editor = AutoEditor(param, editor)
    if parent is not None:
        editor.setParent(parent)
    return editor
