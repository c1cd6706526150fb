"""Value parsers both the fact keys and the rules need: dates in many formats and languages (found by
regex, validated by ``python-dateutil``), card-number (Luhn) and IBAN (mod 97) checks. No imports from the persona package."""
from __future__ import annotations

import re
from importlib import import_module

from dateutil import parser as _dp

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS.update({"sept": 9, "januar": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6, "juli": 7,
               "oktober": 10, "dezember": 12, "janvier": 1, "février": 2, "mars": 3, "avril": 4, "juin": 6,
               "juillet": 7, "août": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
               "jänner": 1, "feber": 2, "fevrier": 2, "aout": 8, "decembre": 12,
               "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
               "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
               "januari": 1, "februari": 2, "mars ": 3, "maj": 5, "augusti": 8, "oktober ": 10,
               "marts": 3, "juni ": 6, "juli ": 7,
               "gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7, "settembre": 9,
               "ottobre": 10, "dicembre": 12, "maart": 3, "mei": 5, "augustus": 8,
               "janeiro": 1, "fevereiro": 2, "março": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9,
               "outubro": 10, "dezembro": 12})
MONTHS = {k.strip(): v for k, v in MONTHS.items()}
_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))


def parse_date(text: str) -> str | None:
    """ISO ``YYYY-MM-DD`` of the first date in ``text`` (ISO, ``12 March 1988``, ``March 12, 1988``,
    ``12.03.1988``, ``03/12/1988`` as day/month unless the owner's region writes the month first)."""
    t = text.strip().lower()
    m = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", t)
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"\s*((?:19|20)\d{2})(\d{2})(\d{2})\s*", t)   # vCard 4 basic format
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    m = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|e)?\.?\s+(?:of\s+|de\s+)?({_MONTH_RE})\.?,?\s+(?:de\s+)?(\d{{4}})\b", t)
    if m:
        return _iso(int(m[3]), MONTHS[m[2]], int(m[1]))
    m = re.search(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", t)
    if m:
        return _iso(int(m[3]), MONTHS[m[1]], int(m[2]))
    m = re.search(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b", t)
    if m:
        return _iso(int(m[3]), int(m[2]), int(m[1]))
    m = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", t) or re.search(r"\b(\d{1,2})-(\d{1,2})-(\d{4})\b", t)
    if m:
        a, b = int(m[1]), int(m[2])
        month_first = DATE_ORDER["month_first"] and a <= 12 or b > 12
        return _iso(int(m[3]), a, b) if month_first else _iso(int(m[3]), b, a)
    return None


# How ``03/04/1988`` reads where both numbers could be the month: day first, unless the owner's region
# writes the month first (the United States); the persona service sets it from the owner's region.
DATE_ORDER = {"month_first": False}


def set_month_first(region: str | None) -> None:
    DATE_ORDER["month_first"] = (region or "").upper() in ("US", "PH", "FM")


def _iso(y: int, mo: int, d: int) -> str | None:
    """The ISO date, checked by python-dateutil's parser (a day that does not exist is refused)."""
    try:
        return _dp.isoparse(f"{y:04d}-{mo:02d}-{d:02d}").date().isoformat()
    except (ValueError, OverflowError):
        return None


def looks_like_card(value: str) -> bool:
    digits = re.sub(r"[ -]", "", value.strip())
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    return total % 10 == 0


def looks_like_iban(value: str) -> bool:
    v = re.sub(r"\s", "", value.strip()).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", v):
        return False
    num = "".join(str(int(c, 36)) for c in v[4:] + v[:4])
    return int(num) % 97 == 1


def birth_date_of_id(value: str) -> str | None:
    """The ISO birthday a national ID or tax number encodes (Swedish personnummer, Norwegian fødselsnummer,
    Finnish HETU, Italian codice fiscale, Belgian national number), read by ``python-stdnum``; None when it
    encodes none. The checksum is not demanded: the value comes from a labelled field, and the date itself
    must exist."""
    for name in ("se.personnummer", "no.fodselsnummer", "fi.hetu", "it.codicefiscale", "be.nn"):
        mod = import_module(f"stdnum.{name}")
        try:
            born = mod.get_birth_date(mod.compact(value))
        except Exception:   # stdnum raises its own ValidationError subclasses, and ValueError on bad dates
            continue
        if born is not None and 1880 <= born.year <= 2100:
            return born.isoformat()
    return None
