"""The checkable values in a text: e-mails, URLs, phones, dates, times, numbers and names, each canonical.

A value is what a small model invents: a digit sequence, an address, a name. Each is
reduced to a form two spellings share (a phone to its last nine digits, a date to ISO
or its known parts, an amount to its digits), so "07700 900481" in an answer matches
"+44 7700 900481" in a passage and "4 November" matches "1986-11-04".
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.persona.values import MONTHS, parse_date

EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}(?![\w-])")
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']+[^\s<>()\"'.,;:!?]|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
                    r"(?:com|org|net|io|dev|app|co\.uk|de|fr|es|se|it|nl|ch|at|uk|eu)(?:/[^\s<>()\"']*)?\b", re.I)
PHONE_RE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s./-]?)?(?:\(\d{1,5}\)[\s./-]?)?\d[\d\s./-]{5,16}\d(?![\w])")
_MONTH = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
DATE_RE = re.compile(
    rf"\b\d{{4}}-\d{{1,2}}-\d{{1,2}}\b|\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th|er|e)?\.?\s+(?:of\s+|de\s+)?(?:{_MONTH})\b\.?(?:,?\s+(?:de\s+)?\d{{4}})?"
    rf"|\b(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?"
    rf"|\b(?:{_MONTH})\.?\s+\d{{4}}\b", re.I)
TIME_RE = re.compile(r"\b([01]?\d|2[0-3])[:.h]([0-5]\d)\s*(am|pm|a\.m\.|p\.m\.)?(?!\d)|\b(1[0-2]|0?[1-9])\s*(am|pm|a\.m\.|p\.m\.)",
                     re.I)
NUMBER_RE = re.compile(r"(?<![\w.,])\d+(?:[.,'\u202f ]\d{3})*(?:[.,]\d+)?(?:st|nd|rd|th)?(?![\w])")
# A name: capitalised words (with inner capitals, apostrophes and hyphens: "MacAllister", "O'Neill", "Jean-Luc").
NAME_RE = re.compile(r"\b[A-ZÀ-ÖØ-Þ][\w'’-]*[\w](?:\s+(?:(?:van|von|de|der|den|du|da|di|del|la|le|af|bin|al)\s+)?"
                     r"[A-ZÀ-ÖØ-Þ][\w'’-]*[\w])*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;…]\s+|\n\s*(?:[-*•]\s*)?|[\"“‘(]\s*)$")


@dataclass(frozen=True)
class Value:
    """One checkable value: its kind, its text as written, its canonical forms (any one may match)."""

    kind: str                  # "email" | "url" | "phone" | "date" | "time" | "number" | "name"
    text: str
    forms: tuple[str, ...]


def fold(text: str) -> str:
    """Lower case, accents removed: what two spellings of a word share."""
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _date_forms(text: str) -> tuple[str, ...]:
    """ISO for a whole date; ``--MM-DD`` or ``YYYY-MM`` for one with parts missing."""
    iso = parse_date(text)
    if iso:
        return (iso,)
    t = fold(text)
    month = next((MONTHS[w] for w in re.findall(r"[a-z]+", t) if w in MONTHS), None)
    nums = [int(n) for n in re.findall(r"\d+", t)]
    if month is not None and nums:
        n = nums[0]
        return (f"{n:04d}-{month:02d}",) if n > 31 else (f"--{month:02d}-{n:02d}",)
    m = re.fullmatch(r"\s*(\d{1,2})[./](\d{1,2})[./](\d{2})\s*", t)
    if m:   # 04.11.86: both readings, the check accepts either
        a, b = int(m[1]), int(m[2])
        return (f"--{b:02d}-{a:02d}", f"--{a:02d}-{b:02d}")
    return ()


def _time_form(m: re.Match[str]) -> str:
    if m.group(4):
        h, mi, ap = int(m.group(4)), 0, m.group(5)
    else:
        h, mi, ap = int(m.group(1)), int(m.group(2)), m.group(3)
    if ap and ap.lower().startswith("p") and h < 12:
        h += 12
    if ap and ap.lower().startswith("a") and h == 12:
        h = 0
    return f"{h:02d}:{mi:02d}"


def _number_form(text: str) -> str:
    t = re.sub(r"(st|nd|rd|th)$", "", text)
    t = re.sub(r"[\s'\u202f]", "", t)
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", t):   # 1,200 or 1.200: a thousands separator
        return t.replace(",", "").replace(".", "").lstrip("0") or "0"
    t = t.replace(",", ".")
    if "." in t:
        whole, frac = t.split(".", 1)
        frac = frac.rstrip("0")
        return (whole.lstrip("0") or "0") + ("." + frac if frac else "")
    return t.lstrip("0") or "0"


def values_in(text: str, names: bool = True) -> list[Value]:
    """Every checkable value in ``text``, longest kinds first (an e-mail's digits are not also a number)."""
    out: list[Value] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    def add(kind: str, m: re.Match[str], forms: tuple[str, ...]) -> None:
        if forms and free(m.start(), m.end()):
            out.append(Value(kind, m.group(0).strip(), forms))
            taken.append((m.start(), m.end()))

    for m in EMAIL_RE.finditer(text):
        add("email", m, (m.group(0).casefold(),))
    for m in URL_RE.finditer(text):
        u = re.sub(r"^(?:https?://)?(?:www\.)?", "", m.group(0).casefold()).rstrip("/")
        add("url", m, (u,))
    for m in DATE_RE.finditer(text):
        add("date", m, _date_forms(m.group(0)))
    for m in PHONE_RE.finditer(text):
        d = _digits(m.group(0))
        if len(d) >= 7 and not re.fullmatch(r"\d{4}", m.group(0).strip()):
            add("phone", m, (d[-9:],))
    for m in TIME_RE.finditer(text):
        add("time", m, (_time_form(m),))
    for m in NUMBER_RE.finditer(text):
        add("number", m, (_number_form(m.group(0)),))
    if names:
        for m in NAME_RE.finditer(text):
            if not free(m.start(), m.end()):
                continue
            words = m.group(0).split()
            if _SENTENCE_START.search(text[: m.start()]):
                if len(words) == 1:    # "Porto is…" or "The lease…": a lone first word is not checked
                    continue
                words = words[1:]      # "Ask Anna Berg" / "Anna Berg said": the first word is left to grammar
            if words:
                out.append(Value("name", " ".join(words), tuple(fold(w) for w in words)))
                taken.append((m.start(), m.end()))
    return out
