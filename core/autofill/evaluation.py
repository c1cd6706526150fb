"""Measure autofill: precision (correct ÷ filled) and recall (correct ÷ answerable) on a labelled test set.

A test set is a folder with ``personas/<id>/truth.json`` (+ ``docs/``) and ``forms/<form>``
each beside ``<form>.expected.json`` (field name → the key it asks for, or null when the
field must stay empty). A field is answerable when the persona's truth holds its key
(directly or derivably). A filled field is correct when its value means the truth's value
(dates compared as dates, phones as digits, options through the option they map to).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from core.autofill.forms import read_form
from core.autofill.lexicon import normalize
from core.autofill.matcher import refusal
from core.autofill.model import Form, FormField, Proposal
from core.autofill.formats import format_date
from core.autofill.values import choose_option, derive, parse_date


@dataclass
class Score:
    filled: int = 0
    correct: int = 0
    answerable: int = 0
    errors: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.filled if self.filled else 1.0

    @property
    def recall(self) -> float:
        return min(self.correct, self.answerable) / self.answerable if self.answerable else 1.0

    def add(self, other: "Score") -> None:
        self.filled += other.filled
        self.correct += other.correct
        self.answerable += other.answerable
        self.errors += other.errors
        self.misses += other.misses


def same_value(key: str, got: str, want: str, f: FormField) -> bool:
    if f.options:
        opt = choose_option(want, f.options)
        return opt is not None and opt.value == got
    if key == "bday":
        b = parse_date(want)
        if b is not None and got.strip() == format_date(b, f):
            return True
        a = parse_date(got)
        if a is not None and b is not None:
            return a == b
    if key.startswith("tel"):
        da, db = re.sub(r"\D", "", got), re.sub(r"\D", "", want)
        return len(da) >= 6 and da[-9:] == db[-9:]
    if key == "url":
        strip = lambda u: re.sub(r"^(https?://)?(www\.)?", "", u.strip().lower()).rstrip("/")  # noqa: E731
        return strip(got) == strip(want)
    return normalize(got) == normalize(want)


def score_form(form: Form, proposals: list[Proposal], expected: dict[str, str | None], truth: dict[str, str],
               label: str = "") -> Score:
    s = Score()
    by = {p.field: p for p in proposals}
    for f in form.fields:
        key = expected.get(f.name)
        p = by.get(f.name)
        want = derive(key, truth) if key else None
        answerable = want is not None and not refusal(f) and not f.value.strip()
        if answerable:
            s.answerable += 1
        if p is None or not p.filled:
            if answerable:
                s.misses.append(f"{label} {f.name} ({key}): {p.status if p else 'missing'} {p.note if p else ''}".strip())
            continue
        s.filled += 1
        if answerable and same_value(key or "", p.value, want[0], f):  # type: ignore[index]
            s.correct += 1
        else:
            s.errors.append(f"{label} {f.name} ({key}) got {p.value!r} via {p.match}/{p.source}, want {want[0] if want else None!r}")
    return s


def load_set(root: Path) -> tuple[dict[str, dict[str, str]], list[tuple[Path, dict[str, str | None]]]]:
    personas = {d.name: json.loads((d / "truth.json").read_text(encoding="utf-8"))
                for d in sorted((root / "personas").iterdir()) if (d / "truth.json").exists()}
    forms = []
    for exp in sorted((root / "forms").glob("*.expected.json")):
        form_path = exp.with_name(exp.name[: -len(".expected.json")])
        forms.append((form_path, json.loads(exp.read_text(encoding="utf-8"))))
    return personas, forms


def evaluate(root: Path, propose_for: Callable[[str, Path, list[FormField]], list[Proposal]],
             log: Callable[[str], None] | None = None) -> tuple[Score, dict[str, Score]]:
    """Fill every form for every persona with ``propose_for(persona_id, persona_dir, fields)``."""
    personas, forms = load_set(root)
    total: Score = Score()
    per: dict[str, Score] = {}
    for pid, truth in personas.items():
        ps = Score()
        for form_path, expected in forms:
            form = read_form(form_path)
            proposals = propose_for(pid, root / "personas" / pid, form.fields)
            ps.add(score_form(form, proposals, expected, truth, f"{pid}/{form_path.name}"))
        per[pid] = ps
        total.add(ps)
        if log:
            log(f"{pid}: precision {ps.precision:.3f} ({ps.correct}/{ps.filled}), recall {ps.recall:.3f} ({ps.correct}/{ps.answerable})")
    return total, per


def facts_table(source: Any) -> dict[str, str]:
    return {str(r.key): str(r.value) for r in source.all(reveal=False)}
