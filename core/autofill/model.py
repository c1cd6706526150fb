"""The data autofill works on: form fields as read from any form, proposals for them, and the fact source.

Every reader turns its format into a list of ``FormField``; the matcher and the service
only ever see these, and every writer takes the same ``Proposal`` list back. Facts come
through ``core.ports.FactSource`` (the persona's FactStore, or ``StaticFacts`` in tests and evaluation).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Sequence

from core.errors import MnemoError


@dataclass
class Option:
    """One choice of a select, radio group or checkbox: the value submitted and the text shown."""

    value: str
    label: str = ""


@dataclass
class FormField:
    """One fillable field, whatever the form's format.

    ``name`` is unique within the form (PDF: the fully qualified field name; HTML: name,
    else id, else a generated ``field-N``). ``kind`` is text, email, tel, url, number, date,
    textarea, select, radio, checkbox, password, hidden, file, submit, signature or other.
    """

    name: str
    kind: str = "text"
    label: str = ""
    autocomplete: str = ""
    html_name: str = ""
    html_id: str = ""
    placeholder: str = ""
    aria_label: str = ""
    options: list[Option] = field(default_factory=list)
    value: str = ""
    required: bool = False
    max_length: int = 0
    pattern: str = ""  # the HTML ``pattern`` attribute: a regular expression the whole value must match
    section: str = ""  # the heading or fieldset legend the field sits under ("Emergency contact", "Date of birth")

    def describe(self) -> str:
        """All the human-readable text that says what the field wants, best first."""
        parts = [self.label, self.aria_label, self.placeholder, self.html_name, self.html_id]
        if self.name not in parts:
            parts.append(self.name)
        seen: list[str] = []
        for p in parts:
            p = (p or "").strip()
            if p and p not in seen:
                seen.append(p)
        return " | ".join(seen)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any], index: int = 0) -> "FormField":
        """A field from a descriptor (JSON forms, review files, the prefill API).

        Wrong types (an object for a label, ``options: 5``, ``max_length: "abc"`` or 1e400)
        raise ``MnemoError`` naming the field and the key, never a bare ValueError.
        """
        where = f"Field {index + 1}"
        raw_opts = d.get("options")
        if raw_opts is not None and not isinstance(raw_opts, (list, tuple)):
            raise MnemoError(f"{where}: 'options' must be a list, not {_kind_of(raw_opts)}.",
                             "Give options as a list of strings or of {\"value\", \"label\"} objects.")
        opts = []
        for o in raw_opts or []:
            if isinstance(o, dict):
                value, label = o.get("value", o.get("label", "")), o.get("label", o.get("value", ""))
                opts.append(Option(_text(value, f"{where}, option value"), _text(label, f"{where}, option label")))
            else:
                label = _text(o, f"{where}, option")
                opts.append(Option(label, label))

        def text(*keys: str, default: str = "") -> str:
            for k in keys:
                v = d.get(k)
                if v:
                    return _text(v, f"{where}: '{k}'")
            return default

        return cls(
            name=text("name", "id", "html_name", "label", default=f"field-{index + 1}"),
            kind=text("kind", "type", default="text").lower(), label=text("label"),
            autocomplete=text("autocomplete"), html_name=text("html_name", "name"),
            html_id=text("html_id", "id"), placeholder=text("placeholder"),
            aria_label=text("aria_label", "aria-label"), options=opts, value=text("value"), pattern=text("pattern"),
            section=text("section"),
            required=_flag(d.get("required", False), f"{where}: 'required'"),
            max_length=_whole(d.get("max_length") or d.get("maxlength") or 0, f"{where}: 'max_length'"))


def _kind_of(v: Any) -> str:
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if v != v else "an infinite number"
    if isinstance(v, (int, float)):
        return f"the number {v}" if abs(v) < 10**12 else "a huge number"
    if isinstance(v, str):
        return f"the text {v[:40]!r}"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, (list, tuple)):
        return "a list"
    return type(v).__name__


def _text(v: Any, what: str) -> str:
    """Text as given; numbers and true/false as their text; objects and lists refused."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int) or (isinstance(v, float) and math.isfinite(v)):
        return str(v)
    raise MnemoError(f"{what} must be text, not {_kind_of(v)}.",
                     "Labels, names, types and values are strings.")


def _flag(v: Any, what: str) -> bool:
    if v is None or isinstance(v, bool):
        return bool(v)
    if isinstance(v, (int, float)) and math.isfinite(v):
        return v != 0
    if isinstance(v, str) and v.strip().lower() in ("", "0", "false", "no", "off"):
        return False
    if isinstance(v, str) and v.strip().lower() in ("1", "true", "yes", "on", "required"):
        return True
    raise MnemoError(f"{what} must be true or false, not {_kind_of(v)}.", "Write \"required\": true or false.")


def _whole(v: Any, what: str) -> int:
    """A field's maximum length: a whole number (negative = none = 0)."""
    n: Any = v
    if isinstance(v, str) and v.strip().lstrip("+-").isdigit() and len(v.strip()) <= 12:
        n = int(v.strip())
    elif isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) < 1e12:
        n = int(v)
    if isinstance(n, bool) or not isinstance(n, int) or abs(n) >= 10**12:
        raise MnemoError(f"{what} must be a whole number, not {_kind_of(v)}.",
                         "Give the field's maximum number of characters, e.g. 35 (0 = no limit).")
    return max(n, 0)


@dataclass
class Form:
    """A form as read from a file: its format, where it came from, and its fields in order."""

    kind: str  # pdf, html, json, labels
    path: str
    fields: list[FormField]


@dataclass
class Proposal:
    """What autofill proposes for one field, and why.

    ``value`` is empty when nothing is proposed; ``status`` says why: filled, unknown,
    refused (a field type never filled), sensitive (a sensitive fact the settings keep
    back), kept (the form already had a value), no-option (no option fits), invalid (the value
    failed the field's type, length or pattern check; ``note`` says how).
    """

    field: str
    label: str
    value: str = ""
    key: str = ""
    source: str = ""  # fact, memory, document
    source_ref: str = ""  # fact id, or the citation of a passage
    confidence: float = 0.0
    sensitive: bool = False
    status: str = "unknown"
    match: str = ""  # how the key was found: autocomplete, type, synonym, embedding, model
    note: str = ""

    @property
    def filled(self) -> bool:
        return self.status == "filled" and bool(self.value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Fact:
    """A fact of ``StaticFacts`` (it satisfies ``core.ports.FactView``, as the persona's FactRecord does)."""

    key: str
    value: str
    id: Any = None
    source: str = ""
    confidence: float = 1.0
    sensitive: bool = False
    pinned: bool = False
    updated_at: datetime | None = None


class StaticFacts:
    """A fact source from a plain ``{key: value}`` mapping (tests, evaluation against ground truth)."""

    def __init__(self, values: dict[str, str], sensitive: Sequence[str] = ()) -> None:
        self.facts: dict[str, Fact] = {}
        for i, (k, v) in enumerate(values.items()):
            self.facts[k] = Fact(key=k, value=str(v), id=i + 1, source="test", sensitive=k in sensitive)
        self.writes: list[tuple[str, str]] = []

    def all(self, reveal: bool = False) -> list[Fact]:
        return [self._shown(f, reveal) for f in self.facts.values()]

    def get(self, key: str, reveal: bool = False) -> Fact | None:
        f = self.facts.get(key)
        return self._shown(f, reveal) if f else None

    def set(self, key: str, value: str, source: str = "user", pinned: bool = True, confidence: float = 1.0) -> Fact:
        old = self.facts.get(key)
        f = Fact(key=key, value=value, id=old.id if old else len(self.facts) + 1, source=source,
                 confidence=confidence, sensitive=old.sensitive if old else False, pinned=pinned)
        self.facts[key] = f
        self.writes.append((key, value))
        return f

    @staticmethod
    def _shown(f: Fact, reveal: bool) -> Fact:
        if f.sensitive and not reveal:
            return Fact(key=f.key, value="•" * 6, id=f.id, source=f.source, confidence=f.confidence,
                        sensitive=True, pinned=f.pinned)
        return f
