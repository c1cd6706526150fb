"""Score autofill strictly: what a user would get on a form, against what the persona's true profile says.

A form set is a folder of forms, each beside ``<form>.expected.json`` ({field name: the profile key
it asks for, ``null`` when it must stay empty, or ``"!forbidden"`` for a field that must never be
filled: passwords, cards, IBAN, ID numbers}), and ``set.json`` naming the personas to fill them for
(``{"personas": ["../personas/fiona-en", ...]}``, each a folder with ``docs/`` and ``expected.json``).

A field is answerable when the persona's truth holds its key (directly, or derived: the full name
from its parts, the house number from the street address, the country from ``_region``). A filled
value is right only when it equals a true value after normalising case and spacing, phone numbers
(E.164) and dates (the same day); a select's option is right when its value or label is a true
value, or names the same country. Anything else filled counts against precision; a forbidden field
filled is counted apart.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from core.autofill.countries import country_code
from core.autofill.formats import date_format
from core.autofill.model import Form, FormField, Proposal
from core.autofill.values import derive, parse_date

FORBIDDEN = "!forbidden"


@dataclass
class Score:
    filled: int = 0
    correct: int = 0
    answerable: int = 0
    forbidden_filled: int = 0
    errors: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.filled if self.filled else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.answerable if self.answerable else 1.0

    def add(self, other: "Score") -> None:
        self.filled += other.filled
        self.correct += other.correct
        self.answerable += other.answerable
        self.forbidden_filled += other.forbidden_filled
        self.errors += other.errors
        self.misses += other.misses

    def line(self) -> str:
        return (f"precision {self.precision:.3f} ({self.correct}/{self.filled})  recall {self.recall:.3f} "
                f"({self.correct}/{self.answerable})  forbidden filled {self.forbidden_filled}")


def truth_values(key: str, truth: dict[str, Any]) -> list[str]:
    """Every true value for ``key`` (alternatives from lists), derived where the truth holds its parts; [] if none."""
    alts = {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in truth.items()
            if not k.startswith("_") and isinstance(v, (str, list))}
    if "country-name" not in alts and truth.get("_region"):
        alts["country-name"] = [str(truth["_region"])]
    if key in alts:
        return alts[key]
    got = derive(key, {k: v[0] for k, v in alts.items()})
    return [got[0]] if got else []


def _plain(v: str) -> str:
    return " ".join(v.casefold().split()).strip(" .,;")


def _e164(v: str, region: str) -> str:
    import phonenumbers

    try:
        n = phonenumbers.parse(v, region or None)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)


def _date_in_field_format(got: str, f: FormField | None) -> date | None:
    """``got`` read in the order the field asks for ("MM/DD/YYYY" reads 05/09/1975 as 9 May)."""
    fmt = date_format(f) if f is not None and f.kind != "date" else None
    if fmt is None:
        return None
    order, sep = fmt
    parts = got.strip().split(sep)
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or "y" in order:
        return None
    v = dict(zip(order, (int(p) for p in parts)))
    try:
        return date(v["Y"], v["m"], v["d"])
    except (KeyError, ValueError):
        return None


def _same_text(key: str, got: str, want: str, region: str, f: FormField | None = None) -> bool:
    if _plain(got) == _plain(want):
        return True
    if key.startswith("tel"):
        a = _e164(got, region)
        return bool(a) and a == _e164(want, region)
    if key == "bday":
        day = _date_in_field_format(got, f) or parse_date(got)
        return day is not None and day == parse_date(want)
    if key in ("bday-day", "bday-month", "bday-year") and got.strip().isdigit() and want.strip().isdigit():
        return int(got) == int(want)
    if key == "url":
        def bare(u: str) -> str:
            return re.sub(r"^(https?://)?(www\.)?", "", u.strip().lower()).rstrip("/")
        return bare(got) == bare(want)
    if key in ("country", "country-name"):
        return bool(country_code(got)) and country_code(got) == country_code(want)
    return False


def is_right(key: str, got: str, wants: list[str], f: FormField, region: str = "") -> bool:
    """Whether the filled value ``got`` of ``f`` is one of ``wants`` (for a choice: the option it names)."""
    texts = [got]
    if f.options:
        opts = [o for o in f.options if o.value == got]
        if not opts:
            return False
        texts = [t for o in opts for t in (o.value, o.label) if t]
    return any(_same_text(key, t, w, region, f) for t in texts for w in wants)


def score_form(form: Form, proposals: list[Proposal], expected: dict[str, str | None], truth: dict[str, Any],
               label: str = "") -> Score:
    s = Score()
    by = {p.field: p for p in proposals}
    region = str(truth.get("_region") or "")
    for f in form.fields:
        if f.name not in expected:
            continue  # a field the form's author did not label (a submit button read as a field, say)
        key = expected[f.name]
        p = by.get(f.name)
        filled = p is not None and p.filled
        if key == FORBIDDEN:
            if filled:
                s.forbidden_filled += 1
                s.errors.append(f"{label} {f.name}: FORBIDDEN field filled with {p.value!r}")  # type: ignore[union-attr]
            continue
        wants = truth_values(key, truth) if key else []
        if wants and (not f.value.strip() or f.kind == "select"):   # a select's chosen option is the page's default
            s.answerable += 1
        if not filled:
            if wants:
                s.misses.append(f"{label} {f.name} ({key}): {p.status if p else 'missing'} {p.note if p else ''}".strip())
            continue
        assert p is not None
        s.filled += 1
        if wants and is_right(key or "", p.value, wants, f, region):
            s.correct += 1
        else:
            s.errors.append(f"{label} {f.name} ({key}) got {p.value!r} via {p.key or '?'}/{p.match}/{p.source}, "
                            f"want {wants[0] if wants else 'empty'!r}")
    return s


def load_set(root: Path) -> tuple[list[Path], list[tuple[Path, dict[str, str | None]]]]:
    """(the persona folders, [(form, expected)]) of the form set ``root``."""
    meta = json.loads((root / "set.json").read_text(encoding="utf-8"))
    personas = [(root / p).resolve() for p in meta.get("personas", [])]
    forms = []
    for exp in sorted(root.glob("*.expected.json")):
        form_path = exp.with_name(exp.name[: -len(".expected.json")])
        forms.append((form_path, json.loads(exp.read_text(encoding="utf-8"))))
    return personas, forms


def proposals_from_review(review: dict[str, Any]) -> list[Proposal]:
    """The proposals a review JSON (``mnemo fill --json``) shows."""
    out = []
    for r in review.get("fields", []):
        out.append(Proposal(field=str(r.get("name", "")), label=str(r.get("label", "")), value=str(r.get("value") or ""),
                            key=str(r.get("key") or ""), source=str(r.get("source") or ""),
                            source_ref=str(r.get("source_ref") or ""), confidence=float(r.get("confidence") or 0.0),
                            status=str(r.get("status") or ""), match=str(r.get("match") or ""),
                            note=str(r.get("note") or "")))
    return out
