"""Fact questions answered from the profile and the people records, never by the model.

"What is my mobile number?" → "Your phone number is 07700 900481 [1]." with [1] the fact's
source ("contacts.csv row 2"). The value is the stored one, so it is right with any model;
a sensitive value stays masked. A question for a value Mnemo does not hold gets
``found=False``: the chat looks in the passages instead.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Sequence

from core.chat.context import ContextItem, DirectAnswer
from core.persona.facts import FactRecord, FactStore
from core.persona.keys import label
from core.persona.people import RELATIONS, PeopleStore, Person
from core.persona.phones import phone_display
from core.persona.questions import FactQuestion, parse_question

# How a key reads as the thing asked for ("your phone number is"), where that differs from its label.
_ASKED = {"tel": "phone number", "email": "e-mail address", "organization": "employer", "url": "website",
          "name": "name", "bday": "birthday"}
_ADDRESS = ("street-address", "postal-code", "address-level2", "country-name")
_MAX_WORDS = 14
# "Where do I live and what is my job?": two questions joined (a conjunction or a comma before a question word)
_PARTS = re.compile(r"(?:\?|,|;)?\s+(?:and|und|et|y|och|e|en)\s+(?=(?:what|when|where|who|which|how|was|wann|wo|wer|wie|"
                    r"welche|quel|quelle|quand|ou|où|qui|que|qué|cual|cuál|cuando|cuándo|donde|dónde|quien|quién|vad|"
                    r"när|var|vem|vilken|hur|qual|quando|dove|chi|come|wat|wanneer|waar|hoe)\b)|\?\s+(?=\w)", re.I)      # a longer question is about something else ("what did I tell Anna about my phone contract?")


def spoken(key: str, value: str) -> str:
    """How a stored value reads in a sentence: a phone in national format with the international one beside
    it, a date as "4 November 1986 (1986-11-04)"."""
    if key in ("tel", "tel-national") or key.endswith("-phone") or key == "person-tel":
        national, international = phone_display(value), phone_display(value, national=False)
        return national if national == international else f"{national} ({international})"
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    if m:
        try:
            d = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return value
        return f"{d.day} {d:%B} {d.year} ({value})"
    return value


class FactAnswers:
    """The ``DirectAnswerer`` of the persona: profile facts and people records."""

    def __init__(self, facts: FactStore, people: PeopleStore) -> None:
        self.facts = facts
        self.people = people

    def _items(self, facts: Sequence[FactRecord]) -> list[ContextItem]:
        """The facts as numbered sources, each naming every document that gave its value."""
        return _items(facts, {f.key: self.facts.sources(f.key) for f in facts})

    def answer(self, question: str) -> DirectAnswer | None:
        """The stored values a question asks for; "Where do I live and what is my job?" gets both, a part
        Mnemo does not hold is said to be missing, and a part that is no fact question sends it all to the
        passages (None)."""
        parts = [p for p in _PARTS.split(question.strip()) if p.strip()]
        if len(parts) < 2:
            return self._one(question)
        answers = [self._one(p if p.rstrip().endswith("?") else p + "?") for p in parts]
        if any(a is None for a in answers):
            return None
        texts: list[str] = []
        items: list[ContextItem] = []
        for a in answers:
            assert a is not None
            if not a.found:
                texts.append(f"I don't find {a.missing} in your notes.")
                continue
            offset = len(items)
            texts.append(_renumber(a.text, offset))
            items += a.items
        if not items:
            return DirectAnswer("", found=False, missing=" or ".join(a.missing for a in answers if a))
        return DirectAnswer(" ".join(texts), items)

    def _one(self, question: str) -> DirectAnswer | None:
        if len(question.split()) > _MAX_WORDS:
            return None
        facts = {f.key: f for f in self.facts.all()}
        people = self.people.all()
        names = [p.name for p in people if p.name]
        q = parse_question(question, set(facts), names)
        if q is None:
            return None
        if q.who == "self":
            return self._own(q, facts)
        return self._theirs(q, people, facts)

    # ---- the user's own values ----------------------------------------------------------------------------
    def _own(self, q: FactQuestion, facts: dict[str, FactRecord]) -> DirectAnswer:
        if q.key == "street-address" and any(k in facts for k in _ADDRESS):
            parts = [f for k in _ADDRESS if (f := facts.get(k)) is not None]
            items = self._items(parts)
            refs = _refs(items)
            street = " ".join(f.value for f in parts if f.key in ("street-address",))
            town = " ".join(f.value for f in parts if f.key in ("postal-code", "address-level2"))
            where = ", ".join(x for x in (street, town, next((f.value for f in parts if f.key == "country-name"), "")) if x)
            return DirectAnswer(f"You live {'at' if street else 'in'} {where} {refs}.", items)
        if q.key == "name" and "name" not in facts and ("given-name" in facts or "family-name" in facts):
            parts = [f for k in ("given-name", "family-name") if (f := facts.get(k)) is not None]
            text = " ".join(spoken(f.key, f.value) for f in parts)
            items = self._items(parts)
            return DirectAnswer(f"Your name is {text} {_refs(items)}.", items)
        f = facts.get(q.key)
        if f is None and q.key == "address-level2":
            f = facts.get("street-address")
        if f is None:
            return DirectAnswer("", found=False, missing=f"your {asked(q.key)}")
        return DirectAnswer(f"Your {asked(f.key)} is {_shown(f)} [1].", self._items([f]))

    # ---- other people's values -----------------------------------------------------------------------------
    def _theirs(self, q: FactQuestion, people: Sequence[Person], facts: dict[str, FactRecord]) -> DirectAnswer:
        rel = RELATIONS.get(q.who, q.who)
        matches = [p for p in people if RELATIONS.get(p.relation.casefold(), p.relation) == rel] or \
                  [p for p in people if q.who.casefold() in p.name.casefold()]
        partner = facts.get("partner-name")
        if not matches and rel == "partner" and partner is not None and q.key == "name":
            return DirectAnswer(f"Your partner is {partner.value} [1].", self._items([partner]))
        whose = f"your {q.who}" if q.who in RELATIONS.values() else q.who
        if not matches:
            return DirectAnswer("", found=False, missing=f"{whose}'s {asked(q.key)}")
        field = {"tel": "tel", "email": "email", "organization": "organization", "name": "name"}.get(q.key)
        lines: list[str] = []
        items: list[ContextItem] = []
        for p in matches[:3]:
            value = getattr(p, field) if field else ""
            if not value:
                continue
            items.append(ContextItem("person", f"person:{p.name}", _person_text(p), "; ".join(p.sources[:3]) or "people",
                                     1.0, {"relation": p.relation}))
            n = len(items)
            relation = RELATIONS.get(p.relation.casefold(), p.relation)   # "Schwester" reads "sister" here
            relation = relation.upper() if len(relation) <= 3 else relation
            who = f"{p.name} (your {relation})" if p.relation else p.name
            if q.key == "name":
                lines.append(f"Your {relation or q.who} is {p.name} [{n}].")
            else:
                shown = spoken('person-tel' if q.key == 'tel' else q.key, value)
                lines.append(f"The {asked(q.key)} of {who} is {shown} [{n}].")
        if not lines:
            return DirectAnswer("", found=False, missing=f"{whose}'s {asked(q.key)}")
        return DirectAnswer(" ".join(lines), items)


def _renumber(text: str, offset: int) -> str:
    """``[1]`` becomes ``[1 + offset]``: a part's citations after the parts before it."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", text)


def asked(key: str) -> str:
    return _ASKED.get(key, label(key))


def _shown(f: FactRecord) -> str:
    if f.sensitive:
        return f"stored as a sensitive value ({f.value}); reveal it with `mnemo facts list --reveal`"
    return spoken(f.key, f.value)


def _items(facts: Sequence[FactRecord], sources: dict[str, list[str]]) -> list[ContextItem]:
    """One numbered source per fact's main source (an address from one contact row cites it once), naming
    every document that gave the values."""
    groups: dict[str, list[FactRecord]] = {}
    for f in facts:
        groups.setdefault(f.source or "your profile", []).append(f)
    items = []
    for main, fs in groups.items():
        names = list(dict.fromkeys([main] + [x for f in fs for x in sources.get(f.key, [])]))[:3]
        items.append(ContextItem("fact", "fact:" + ",".join(f.key for f in fs),
                                 "; ".join(f"{label(f.key)}: {f.value}" for f in fs), "; ".join(names),
                                 max(f.confidence for f in fs), {"keys": [f.key for f in fs]}))
    return items


def _refs(items: Sequence[ContextItem]) -> str:
    return "".join(f"[{i}]" for i in range(1, len(items) + 1))


def _person_text(p: Person) -> str:
    bits = [p.name] + [b for b in (p.relation, p.tel, p.email, p.organization) if b]
    return ", ".join(bits)
