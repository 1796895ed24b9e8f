"""Node parameters: their type, default, range and meaning, and how values are checked."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .errors import ParamError

AUTO = "auto"


@dataclass(frozen=True)
class Param:
    """One parameter of a node kind.

    ``type`` is int, float, bool or str. Numbers have an inclusive range;
    strings take one of ``choices``. ``auto=True`` also accepts the string
    "auto", which the checker resolves from the graph (e.g. a highway gate
    bias that follows depth). ``special`` names values that mean something
    (``{0: "same as input"}``), for the inspector and the docs.
    """

    name: str
    type: type
    default: Any
    doc: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    auto: bool = False
    special: dict[Any, str] = field(default_factory=dict)

    def validate(self, value: Any, node_id: str | None = None) -> Any:
        """Return ``value`` in canonical form, or raise ParamError saying what is wrong."""
        if self.auto and value == AUTO:
            return AUTO
        expected = self._type_name()
        if self.type is bool:
            if not isinstance(value, bool):
                raise self._error(f"expects {expected}, got {_show(value)}", node_id)
            return value
        if self.type is int:
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
                    value = int(value)
                else:
                    raise self._error(f"expects {expected}, got {_show(value)}", node_id)
        elif self.type is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self._error(f"expects {expected}, got {_show(value)}", node_id)
            value = float(value)
            if not math.isfinite(value):
                raise self._error(f"must be a finite number, got {value}", node_id)
        elif self.type is str:
            if not isinstance(value, str):
                raise self._error(f"expects {expected}, got {_show(value)}", node_id)
            if self.choices and value not in self.choices:
                options = ", ".join(repr(c) for c in self.choices)
                raise self._error(f"must be one of {options}, got {_show(value)}", node_id)
            return value
        if self.min is not None and value < self.min:
            raise self._error(f"= {value} is below the minimum {_num(self.min)}", node_id)
        if self.max is not None and value > self.max:
            raise self._error(f"= {value} is above the maximum {_num(self.max)}", node_id)
        return value

    def describe(self) -> str:
        """One line for tooltips and docs: meaning, range, default."""
        parts = [self.doc]
        if self.choices:
            parts.append("one of " + ", ".join(self.choices))
        elif self.min is not None or self.max is not None:
            lo = _num(self.min) if self.min is not None else "−∞"
            hi = _num(self.max) if self.max is not None else "∞"
            parts.append(f"range {lo} … {hi}")
        for value, meaning in self.special.items():
            parts.append(f"{_num(value)} = {meaning}")
        if self.auto:
            parts.append('"auto" lets the graph choose')
        parts.append(f"default {_num(self.default)}")
        return "; ".join(parts)

    def _type_name(self) -> str:
        names = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}
        name = names[self.type]
        return name + ' or "auto"' if self.auto else name

    def _error(self, message: str, node_id: str | None) -> ParamError:
        return ParamError(f"parameter '{self.name}' {message}.", node_id=node_id)


def validate_params(
    params: tuple[Param, ...], values: dict[str, Any] | None, node_id: str | None = None
) -> dict[str, Any]:
    """Fill in defaults and check every value; unknown names are refused."""
    values = dict(values or {})
    known = {p.name for p in params}
    unknown = sorted(set(values) - known)
    if unknown:
        hint = "Known parameters: " + ", ".join(sorted(known)) + "." if known else ""
        raise ParamError(
            f"unknown parameter '{unknown[0]}'.", node_id=node_id, hint=hint or "It takes none."
        )
    return {p.name: p.validate(values.get(p.name, p.default), node_id) for p in params}


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if value >= 0 else "−" + str(int(-value))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return "−" + str(-value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
