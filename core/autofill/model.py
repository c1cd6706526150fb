"""The data autofill works on: form fields as read from any form, proposals for them, and the fact source.

Every reader turns its format into a list of ``FormField``; the matcher and the service
only ever see these, and every writer takes the same ``Proposal`` list back. Facts come
through ``core.ports.FactSource`` (the persona's FactStore, or ``StaticFacts`` in tests and evaluation).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Sequence


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
        opts = []
        for o in d.get("options") or []:
            if isinstance(o, dict):
                opts.append(Option(str(o.get("value", o.get("label", ""))), str(o.get("label", o.get("value", "")))))
            else:
                opts.append(Option(str(o), str(o)))
        name = str(d.get("name") or d.get("id") or d.get("html_name") or d.get("label") or f"field-{index + 1}")
        return cls(
            name=name, kind=str(d.get("kind") or d.get("type") or "text").lower(), label=str(d.get("label") or ""),
            autocomplete=str(d.get("autocomplete") or ""), html_name=str(d.get("html_name") or d.get("name") or ""),
            html_id=str(d.get("html_id") or d.get("id") or ""), placeholder=str(d.get("placeholder") or ""),
            aria_label=str(d.get("aria_label") or d.get("aria-label") or ""), options=opts,
            value=str(d.get("value") or ""), required=bool(d.get("required", False)),
            max_length=int(d.get("max_length") or d.get("maxlength") or 0))


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
    back), kept (the form already had a value), no-option (no option fits).
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
