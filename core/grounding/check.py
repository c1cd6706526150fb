"""Is a generated text supported by its sources? Every value in it must be found in them.

``Support`` indexes the texts a draft may draw on (passages, facts, turns, the question);
``unsupported`` lists the draft's values found in none of them. Checking is exact on the
canonical forms of ``core.grounding.values``: one wrong digit is a miss.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from core.grounding.values import Value, fold, values_in

_WORD = re.compile(r"[\w'’-]+")
_CITATION = re.compile(r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]|\[\s*NO[_ ]CITE\s*\]", re.I)
# Always allowed: the assistant's own name.
OWN_NAMES = frozenset({"mnemo"})


def strip_citations(text: str) -> str:
    return _CITATION.sub(" ", text)


def _words(text: str) -> set[str]:
    out: set[str] = set()
    for w in _WORD.findall(text):
        f = fold(w).strip("'’-")
        out.add(f)
        for suffix in ("'s", "’s", "s'"):   # "Anna's" is Anna
            if f.endswith(suffix):
                out.add(f[: -len(suffix)])
        out.update(p for p in re.split(r"[-'’]", f) if p)
    return out


@dataclass
class Support:
    """The canonical values and words of the texts an answer may use."""

    forms: dict[str, set[str]] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, texts: Iterable[str]) -> "Support":
        s = cls()
        for t in texts:
            s.add(t)
        return s

    def add(self, text: str) -> None:
        if not text:
            return
        self.words |= _words(text)
        for v in values_in(text, names=False):
            self.forms.setdefault(v.kind, set()).update(v.forms)
            if v.kind == "date":
                for iso in v.forms:
                    self._date_parts(iso)
            if v.kind == "time":
                self.forms.setdefault("number", set()).add(v.forms[0].split(":")[0].lstrip("0") or "0")
        nums = self.forms.setdefault("number", set())
        for run in re.findall(r"\d+(?:[.,]\d+)?", text):   # any number written anywhere in a source
            nums.add(run.lstrip("0") or "0")
            nums.add(run.replace(",", ".").lstrip("0") or "0")
        for d in re.findall(r"(?:\d[\s./-]?){7,}", text):   # and phones however they are spaced
            self.forms.setdefault("phone", set()).add(re.sub(r"\D", "", d)[-9:])

    def _date_parts(self, iso: str) -> None:
        dates, nums = self.forms.setdefault("date", set()), self.forms.setdefault("number", set())
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
        if m:
            dates |= {f"--{m[2]}-{m[3]}", f"{m[1]}-{m[2]}"}
            nums |= {m[1], m[2].lstrip("0"), m[3].lstrip("0")}
        m = re.fullmatch(r"--(\d{2})-(\d{2})", iso)
        if m:
            nums |= {m[1].lstrip("0"), m[2].lstrip("0")}
        m = re.fullmatch(r"(\d{4})-(\d{2})", iso)
        if m:
            nums |= {m[1], m[2].lstrip("0")}

    def has(self, v: Value) -> bool:
        if v.kind == "name":
            return all(w in self.words or w in OWN_NAMES for w in v.forms)
        known = self.forms.get(v.kind, set())
        if v.kind == "number" and any(f in self.forms.get("phone", set()) for f in v.forms):
            return True
        return any(f in known for f in v.forms)


def unsupported(draft: str, support: Support) -> list[Value]:
    """The values in ``draft`` (citations removed) that ``support`` does not hold, in order."""
    return [v for v in values_in(strip_citations(draft)) if not support.has(v)]


_AS_USER = re.compile(
    r"\b(?:my name is|my name's|i am called|call me|i live\b|i work(?:ed)? (?:as|at|for|in)|i was born|i'm from|"
    r"i am from|my (?:phone|e-?mail|address|birthday|job|wife|husband|partner|sister|brother|mother|father)\b)", re.I)
_I_AM = re.compile(r"\bi(?: am|'m|’m) (?:an? )?([A-Za-z][\w-]*)", re.I)
_ASSISTANT_WORDS = frozenset({"mnemo", "assistant", "ai", "sorry", "not", "happy", "glad", "here", "afraid", "unable",
                              "able", "going", "checking", "looking", "sure", "unsure", "only", "just", "still", "doing",
                              "fine", "well", "good", "great", "always"})


def speaks_as_user(sentence: str) -> bool:
    """The assistant writing as if it were the user ("My name is …", "I'm a nurse", "I live in Leeds")."""
    if "mnemo" in sentence.casefold() and not re.search(r"my name is (?!mnemo)", sentence, re.I):
        return False
    if _AS_USER.search(sentence):
        return True
    m = _I_AM.search(sentence)
    return bool(m and fold(m.group(1)) not in _ASSISTANT_WORDS)


# Words an answer uses to point at its notes without saying anything ("Your plan is: [3]", "Here it is [1].").
_FILLER = frozenset(
    "a an and are as at be by for from in is it its of on or the this to was were you your yours here there "
    "note notes according answer found find see following below above listed mentioned information details "
    "der die das ist sind ihr ihre dein deine le la les est vos votre el los es su sus il lo sono tuo tua "
    "de het zijn uw je är din ditt dina".split())


def says_nothing(sentence: str, question: str) -> bool:
    """A sentence that only repeats the question and points at citations ("Your training plan is: [3] [1, 2].")."""
    bare = strip_citations(sentence).strip().rstrip(".!…").strip()
    if not bare or bare.endswith((":", "：")):
        return True
    asked = _words(question)
    return not (_words(bare) - asked - _FILLER)
