"""The biography: a short first-person and third-person text built from the facts and topics.

It is regenerated when its inputs change (a hash of the non-sensitive facts and the topic
names) and goes into every chat's system prompt. A bio the user edited is kept exactly as
written. The model writes it when it can; its text is refused (and a plain template used)
when it names numbers the inputs do not contain or is empty or overlong.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence

from sqlmodel import select

from core.persona.facts import FactRecord
from core.persona.tables import PersonaBio, aware
from core.store.db import Database
from core.store.clock import utcnow
from core.ports import ChatModel

log = logging.getLogger(__name__)

BIO_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"first_person": {"type": "string", "maxLength": 600},
                   "third_person": {"type": "string", "maxLength": 600}},
    "required": ["first_person", "third_person"],
}
MAX_BIO = 900


@dataclass
class BioView:
    first_person: str
    third_person: str
    first_edited: bool
    third_edited: bool
    updated_at: datetime | None

    @property
    def for_prompt(self) -> str:
        """The edited text wins; else the third-person text (the assistant reads about its user)."""
        if self.first_edited or self.third_edited:
            return self.first_person if self.first_edited else self.third_person
        return self.third_person or self.first_person


class BioStore:
    def __init__(self, db: Database, llm: Callable[[], ChatModel | None] | None, redact: Callable[[str], str] = lambda t: t) -> None:
        self.db = db
        self._llm = llm
        self._redact = redact
        self._lock = threading.RLock()  # one writer at a time: the worker and the CLI/UI may both write

    def get(self) -> BioView:
        with self.db.session() as s:
            b = s.exec(select(PersonaBio)).first()
        if b is None:
            return BioView("", "", False, False, None)
        return BioView(b.first_person, b.third_person, b.first_edited, b.third_edited, aware(b.updated_at))

    def edit(self, text: str, third_person: bool = False) -> BioView:
        """Keep ``text`` as the user's own biography; regeneration leaves it alone. Empty text un-edits."""
        text = text.strip()
        with self._lock, self.db.session() as s:
            s.connection().exec_driver_sql("PRAGMA secure_delete=ON")
            b = s.exec(select(PersonaBio)).first() or PersonaBio()
            if third_person:
                b.third_person, b.third_edited = text, bool(text)
            else:
                b.first_person, b.first_edited = text, bool(text)
            if not text:
                b.inputs_hash = ""
            b.updated_at = utcnow()
            s.add(b)
        return self.get()

    def scrub(self, values: Sequence[str]) -> None:
        """Take forgotten values out of the stored texts (also the user's own edits)."""
        values = [v for v in values if v and len(v) >= 3]
        if not values:
            return
        pat = re.compile("|".join(re.escape(v) for v in values), re.I)
        with self._lock, self.db.session() as s:
            s.connection().exec_driver_sql("PRAGMA secure_delete=ON")
            b = s.exec(select(PersonaBio)).first()
            if b is not None and (pat.search(b.first_person) or pat.search(b.third_person)):
                b.first_person, b.third_person = pat.sub("…", b.first_person), pat.sub("…", b.third_person)
                b.inputs_hash = ""
                s.add(b)

    def regenerate(self, facts: Sequence[FactRecord], topics: Sequence[str], force: bool = False) -> bool:
        """Rebuild the generated parts when the inputs changed; return whether anything was written."""
        with self._lock:
            return self._regenerate(facts, topics, force)

    def _regenerate(self, facts: Sequence[FactRecord], topics: Sequence[str], force: bool) -> bool:
        plain = [f for f in facts if not f.sensitive]
        h = hashlib.sha256(repr(sorted((f.key, f.value) for f in plain) + sorted(topics)).encode()).hexdigest()[:32]
        current = self.get()
        with self.db.session() as s:
            b = s.exec(select(PersonaBio)).first()
            if b is not None and b.inputs_hash == h and not force:
                return False
        if current.first_edited and current.third_edited:
            return False
        first, third = template_bio(plain, topics)
        if self._llm is not None and (first or third):
            first, third = self._ask(plain, topics, first, third)
        with self.db.session() as s:
            b = s.exec(select(PersonaBio)).first() or PersonaBio()
            if not b.first_edited:
                b.first_person = self._redact(first)
            if not b.third_edited:
                b.third_person = self._redact(third)
            b.inputs_hash, b.updated_at = h, utcnow()
            s.add(b)
        return True

    def _ask(self, facts: Sequence[FactRecord], topics: Sequence[str], first: str, third: str) -> tuple[str, str]:
        lines = "\n".join(f"- {f.key}: {f.value}" for f in facts)
        messages = [
            {"role": "system", "content": "Write a short biography (2 to 4 sentences) of the user from these facts and "
                                          "interests, once in the first person (I ...) and once in the third person. "
                                          "Use only the facts given. Answer as JSON."},
            {"role": "user", "content": f"Facts:\n{lines}\nInterests: {', '.join(topics) or 'unknown'}"}]
        try:
            from models.llm import Sampling

            llm = self._llm()  # type: ignore[misc]
            if llm is None:
                return first, third
            ans = llm.complete_json(messages, BIO_SCHEMA, Sampling(temperature=0.0, max_tokens=400))
        except Exception as exc:
            log.info("biography by the model failed (%s); using the template", type(exc).__name__)
            return first, third
        allowed = set(re.findall(r"\d+", lines))
        out = []
        for got, fallback in ((ans.get("first_person", ""), first), (ans.get("third_person", ""), third)):
            got = " ".join(str(got).split())
            invented = set(re.findall(r"\d+", got)) - allowed
            out.append(got if 20 <= len(got) <= MAX_BIO and not invented else fallback)
        return out[0], out[1]


def template_bio(facts: Sequence[FactRecord], topics: Sequence[str]) -> tuple[str, str]:
    """A plain biography from the facts alone (used when no model answer is usable)."""
    v = {f.key: f.value for f in facts}
    name = v.get("name") or " ".join(x for x in (v.get("given-name"), v.get("family-name")) if x)
    first: list[str] = []
    third: list[str] = []
    who = name or "The user"
    if name:
        first.append(f"I am {name}.")
    place = ", ".join(x for x in (v.get("address-level2"), v.get("country-name")) if x)
    if place:
        first.append(f"I live in {place}.")
        third.append(f"{who} lives in {place}.")
    job, org = v.get("organization-title"), v.get("organization")
    if job or org:
        work = " ".join(x for x in ((f"as {_article(job)}" if job else ""), (f"at {org}" if org else "")) if x)
        first.append(f"I work {work}.")
        third.append(f"{who} works {work}.")
    if v.get("bday"):
        first.append(f"I was born on {v['bday']}.")
        third.append(f"{who.split()[0] if name else 'They'} was born on {v['bday']}.")
    if v.get("partner-name"):
        first.append(f"My partner is {v['partner-name']}.")
        third.append(f"Their partner is {v['partner-name']}.")
    likes = [f"{k.replace('favorite-', '')}: {v[k]}" for k in sorted(v) if k.startswith("favorite-")]
    if likes:
        first.append("Favourites: " + "; ".join(likes) + ".")
        third.append("Favourites: " + "; ".join(likes) + ".")
    if topics:
        first.append("I often think and write about " + ", ".join(topics[:5]) + ".")
        third.append(f"{who.split()[0] if name else 'They'} often writes about " + ", ".join(topics[:5]) + ".")
    if name and not third:
        third.append(f"The user is {name}.")
    return " ".join(first), " ".join(third)


def _article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word
