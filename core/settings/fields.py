"""Settings sections as stdlib dataclasses whose fields are checked on construction and on every assignment.

Why our own and not a library: pydantic (what the schema was built on) cost 0.2-0.35 s of every
``mnemo search`` to import and to build its models. ``msgspec`` is fast (this schema as Structs:
22-37 ms to import and define, 5-9 ms more at the first checks, which import ``typing_extensions``;
this module and the schema: 11-21 ms and 2-4 ms, same loaded 2-core machine), but it checks values
only when it decodes, never when a section is built or a field is set, and its lax rules differ
(it refuses " 30 " and "yes", which settings files and ``mnemo settings set`` pass today), so the
glue and the rewording of its errors would be as long as this module, plus a compiled dependency.
The schema needs six kinds of value (bool, int, float, str, one of a ``Literal``'s strings, a list
of str), bounds and one custom rule: this checks them by pydantic's lax rules and words refusals
as pydantic did (tests/core/test_settings_schema.py compares the two on every field), so every
settings file that loaded before loads the same. ``dataclasses`` is on the search path anyway.

A field is ``name: type = setting(default, title=..., description=..., ge=..., le=..., check=...)``;
``check`` takes the typed value and returns it (normalised) or raises ``ValueError(reason)``.
``specs(cls)`` lists a section's fields with what the settings pane and ``mnemo settings`` show.
"""
from __future__ import annotations

import dataclasses
import math
import re
from typing import Any, Callable, Literal, get_args, get_origin, get_type_hints

_INT = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?")
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


class InvalidSetting(ValueError):
    """A value a setting cannot take: ``field`` and the ``reason`` in words."""

    def __init__(self, field: str, reason: str, kind: str = "value_error") -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason, self.kind = field, reason, kind

    def errors(self) -> list[dict[str, Any]]:
        """The shape of pydantic's ``ValidationError.errors()``, for code that reads ``errors()[0]["msg"]``."""
        return [{"type": self.kind, "loc": (self.field,), "msg": self.reason}]


def setting(default: Any = dataclasses.MISSING, *, title: str, description: str = "", ge: float | None = None,
            le: float | None = None, default_factory: Callable[[], Any] | None = None,
            check: Callable[[Any], Any] | None = None) -> Any:
    """A dataclass field with what a settings field needs: its title, description, bounds and custom check."""
    meta = {"title": title, "description": description, "ge": ge, "le": le, "check": check}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """One field of a section: its kind ("bool" | "int" | "float" | "str" | "choice" | "list" | "section")."""

    name: str
    kind: str
    type: Any                       # the resolved annotation (for a section: its class)
    title: str
    description: str
    minimum: float | None
    maximum: float | None
    choices: tuple[str, ...]
    check: Callable[[Any], Any] | None
    _field: dataclasses.Field[Any] = dataclasses.field(repr=False, compare=False)

    def default(self) -> Any:
        """A fresh default value (a new list for a list)."""
        f = self._field
        return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default

    def validate(self, value: Any) -> Any:
        """``value`` as this field's type, or ``InvalidSetting`` with pydantic's words for the reason."""
        value = _COERCE[self.kind](self, value)
        if self.maximum is not None and not value <= self.maximum:
            raise InvalidSetting(self.name, f"Input should be less than or equal to {_num(self.maximum)}", "less_than_equal")
        if self.minimum is not None and not value >= self.minimum:
            raise InvalidSetting(self.name, f"Input should be greater than or equal to {_num(self.minimum)}",
                                 "greater_than_equal")
        if self.check is not None:
            try:
                value = self.check(value)
            except InvalidSetting:
                raise
            except ValueError as exc:
                raise InvalidSetting(self.name, str(exc)) from None
        return value


class Section:
    """Base of a settings dataclass: a field is checked whenever it is set (so in ``__init__`` and
    ``dataclasses.replace`` too); an unknown field is refused."""

    def __setattr__(self, name: str, value: Any) -> None:
        spec = specs(type(self)).get(name)
        if spec is None:
            raise InvalidSetting(name, f"Object has no attribute '{name}'", "no_such_attribute")
        object.__setattr__(self, name, spec.validate(value))


def specs(cls: type) -> dict[str, FieldSpec]:
    """The fields of a section class, in order (built once per class)."""
    found = _SPECS.get(cls)
    if found is None:
        hints = get_type_hints(cls)
        found = _SPECS[cls] = {f.name: _spec(f, hints[f.name]) for f in dataclasses.fields(cls)}
    return found


_SPECS: dict[type, dict[str, FieldSpec]] = {}


def _spec(f: dataclasses.Field[Any], ann: Any) -> FieldSpec:
    choices: tuple[str, ...] = ()
    if get_origin(ann) is Literal:
        kind, choices = "choice", tuple(get_args(ann))
    elif get_origin(ann) is list and get_args(ann) == (str,):
        kind = "list"
    elif isinstance(ann, type) and issubclass(ann, Section):
        kind = "section"
    elif ann in (bool, int, float, str):
        kind = ann.__name__
    else:
        raise TypeError(f"settings field {f.name!r}: type {ann!r} is not one the settings schema supports")
    m = f.metadata
    return FieldSpec(f.name, kind, ann, m.get("title", f.name), m.get("description", ""), m.get("ge"), m.get("le"),
                     choices, m.get("check"), f)


def _num(x: float) -> str:
    """A bound as pydantic wrote it: 200, 2 (for 2.0), 0.000001 (never 1e-06)."""
    if isinstance(x, int) or x.is_integer():
        return str(int(x))
    text = repr(x)
    if "e" not in text:
        return text
    mantissa, exp = text.split("e")
    decimals = len(mantissa.partition(".")[2])
    return f"{x:.{max(0, decimals - int(exp))}f}"


def _fail(spec: FieldSpec, kind: str, msg: str) -> InvalidSetting:
    return InvalidSetting(spec.name, msg, kind)


def _bool(spec: FieldSpec, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        if v in (0, 1):
            return bool(v)
        if (isinstance(v, float) and not v.is_integer()) or abs(v) >= 2**63:  # pydantic-core: not an i64, no number
            raise _fail(spec, "bool_type", "Input should be a valid boolean")
        raise _fail(spec, "bool_parsing", "Input should be a valid boolean, unable to interpret input")
    if isinstance(v, (str, bytes)):
        text = (v.decode("utf-8", "replace") if isinstance(v, bytes) else v).lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise _fail(spec, "bool_parsing", "Input should be a valid boolean, unable to interpret input")
    raise _fail(spec, "bool_type", "Input should be a valid boolean")


def _int(spec: FieldSpec, v: Any) -> int:
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise _fail(spec, "finite_number", "Input should be a finite number")
        if not v.is_integer():
            raise _fail(spec, "int_from_float", "Input should be a valid integer, got a number with a fractional part")
        return int(v)
    if isinstance(v, (str, bytes)):
        text = (v.decode("utf-8", "replace") if isinstance(v, bytes) else v).strip()
        if _INT.fullmatch(text):
            return int(text.partition(".")[0])
        raise _fail(spec, "int_parsing", "Input should be a valid integer, unable to parse string as an integer")
    raise _fail(spec, "int_type", "Input should be a valid integer")


def _float(spec: FieldSpec, v: Any) -> float:
    if isinstance(v, (int, float)):
        try:
            return float(v)
        except OverflowError:  # an int past float's range
            raise _fail(spec, "float_type", "Input should be a valid number") from None
    if isinstance(v, (str, bytes)):
        text = (v.decode("utf-8", "replace") if isinstance(v, bytes) else v).strip()
        try:
            if text.isascii():
                return float(text)
        except (ValueError, OverflowError):
            pass
        raise _fail(spec, "float_parsing", "Input should be a valid number, unable to parse string as a number")
    raise _fail(spec, "float_type", "Input should be a valid number")


def _str(spec: FieldSpec, v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            pass
    raise _fail(spec, "string_type", "Input should be a valid string")


def _choice(spec: FieldSpec, v: Any) -> str:
    if isinstance(v, str) and v in spec.choices:
        return v
    quoted = [repr(c) for c in spec.choices]
    words = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    raise _fail(spec, "literal_error", f"Input should be {words}")


def _list(spec: FieldSpec, v: Any) -> list[str]:
    if isinstance(v, (str, bytes, bytearray, dict)) or not hasattr(v, "__iter__"):
        raise _fail(spec, "list_type", "Input should be a valid list")
    return [_str(spec, item) for item in v]


def _section(spec: FieldSpec, v: Any) -> Any:
    if isinstance(v, spec.type):
        return v
    if isinstance(v, dict):
        try:
            return spec.type(**v)
        except TypeError as exc:
            raise _fail(spec, "extra_forbidden", f"Extra inputs are not permitted ({exc})") from None
    raise _fail(spec, "model_type", f"Input should be a valid dictionary or instance of {spec.type.__name__}")


_COERCE: dict[str, Callable[[FieldSpec, Any], Any]] = {
    "bool": _bool, "int": _int, "float": _float, "str": _str, "choice": _choice, "list": _list, "section": _section}
